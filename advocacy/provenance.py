"""Where an edition's PDF comes from, as its XMP metadata says it.

- the edition (DocumentBase.edition) and its language;
- the git commit the content was built from: HEAD of the repository that
  holds content/, and whether the files the edition is made from differ from
  it: changed, or new and not yet committed (files git ignores aside). A
  file removed or moved away under content/ or templates/ counts for every
  edition, since what it was part of is no longer known. Outside a git work
  tree, or without git, nothing is said;
- the hash of what the edition is made from (build.EditionInputs.content_key),
  which with the commit and SOURCE_DATE_EPOCH makes the edition's cache key:
  whatever the PDF says decides whether it is drawn again;
- SOURCE_DATE_EPOCH, when it is set, as the time the PDF is dated.

Reading the commit and the changed files takes one `git status` (some
milliseconds), run once per build that loads the content. The stamp of the
no-op fast path (cache.stamp) only needs to notice that HEAD may have moved:
it takes the state of the few files git keeps HEAD in (head_files), with no
subprocess.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from advocacy.errors import AdvocacyError, Problem

# XMP properties of our own. The namespace is a name-based identifier that
# nobody else mints (RFC 4122 urn:uuid), not a web address that we do not own.
NAMESPACE = "urn:uuid:9f530ffe-494b-4f7d-a280-7b0a4304779a#"
PREFIX = "advocacy"
PROPERTIES = {  # name -> (XMP value type, what it says), as the PDF/A extension schema says it
    "commit": (
        "Text",
        "The git commit the document was built from (HEAD of its content's repository)",
    ),
    "uncommitted": (
        "Boolean",
        "True when files the document is made from differ from that commit (not yet committed)",
    ),
    "contentHash": (
        "Text",
        "SHA-256 of everything the document is made from: its records, bibliography entries, "
        "templates, fonts and assets, and the versions of the tool",
    ),
}
EPOCH = "SOURCE_DATE_EPOCH"


@dataclass(frozen=True)
class Origin:
    """What one edition's PDF says of where it comes from."""

    name: str  # the output's name: policy-brief, policy-brief.ms
    language: str
    edition: str | None  # 1.0, 2, 2026-2
    content: str  # sha256 hex of what the edition is made from (EditionInputs.content_key)
    key: str  # the edition's cache key: content, commit and date; one per distinct output
    publisher: str
    commit: str | None = None  # None outside git
    uncommitted: bool = False
    epoch: int | None = None  # SOURCE_DATE_EPOCH

    def document_id(self) -> str:
        """xmpMM:DocumentID: the same for every build of this edition of this
        document (from the publisher's name and the output's name)."""
        return f"uuid:{_uuid('document', self.publisher, self.name)}"

    def instance_id(self) -> str:
        """xmpMM:InstanceID: one for each distinct output of the edition."""
        return f"uuid:{_uuid('instance', self.key)}"

    def identifier(self) -> bytes:
        """The PDF's permanent /ID: the DocumentID's 16 bytes."""
        import uuid

        return uuid.UUID(self.document_id().removeprefix("uuid:")).bytes


def _uuid(*parts: str):
    import uuid

    return uuid.uuid5(uuid.UUID(NAMESPACE.removeprefix("urn:uuid:").rstrip("#")), "\0".join(parts))


def source_date_epoch(environ=os.environ) -> int | None:
    """SOURCE_DATE_EPOCH as seconds since 1970-01-01 UTC; None when unset or empty.

    A value that is not a whole number of seconds is an error, as the
    reproducible-builds specification asks, rather than a date made up.
    """
    given = environ.get(EPOCH, "").strip()
    if not given:
        return None
    if not given.isascii() or not given.isdigit() or int(given) > 253402300799:
        message = (
            f"expected a whole number of seconds since 1970-01-01 00:00 UTC (such as "
            f"the output of `git log -1 --format=%ct`), up to 9999-12-31; got {given!r}"
        )
        raise AdvocacyError([Problem(EPOCH, 0, 0, message)], "nothing was built.")
    return int(given)


# ------------------------------------------------------------ the repository


@dataclass(frozen=True)
class Repository:
    top: Path  # the work tree
    gitdir: Path  # its .git (a worktree's own folder, for a linked worktree)
    common: Path  # where refs and packed-refs are (the main .git for a linked worktree)


def repository(folder: Path) -> Repository | None:
    """The git work tree folder is in, found as git finds it: the nearest .git
    folder (or .git file of a linked worktree or submodule) above it."""
    folder = Path(folder).absolute()
    for here in (folder, *folder.parents):
        dot = here / ".git"
        try:
            if dot.is_dir():
                gitdir = dot
            elif dot.is_file():
                text = dot.read_text(encoding="utf-8").strip()
                if not text.startswith("gitdir:"):
                    return None
                gitdir = (here / text.removeprefix("gitdir:").strip()).resolve()
            else:
                continue
            common = gitdir
            if (gitdir / "commondir").is_file():
                common = (gitdir / (gitdir / "commondir").read_text().strip()).resolve()
        except (OSError, UnicodeDecodeError):
            return None
        return Repository(here, gitdir, common)
    return None


def head_files(folder: Path) -> list[Path]:
    """The files whose state changes when HEAD moves (a commit, checkout, reset
    or pull) or git's idea of ignored files changes: with the state of
    content/ itself, they decide what the commit and its changed files are."""
    repo = repository(folder)
    if repo is None:
        return []
    files = [
        repo.gitdir / "HEAD",
        repo.common / "packed-refs",
        repo.common / "reftable" / "tables.list",
        repo.common / "info" / "exclude",
        repo.top / ".gitignore",
    ]
    try:
        head = (repo.gitdir / "HEAD").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return files
    if head.startswith("ref:"):
        files.append(repo.common / head.removeprefix("ref:").strip())
    return files


@dataclass(frozen=True)
class Commit:
    """HEAD, and the files under the watched folders that differ from it."""

    id: str
    changed: frozenset[Path] = field(default_factory=frozenset)  # changed, added, untracked
    removed: bool = False  # a file under them was deleted or moved away

    def differs(self, files: Iterable[Path]) -> bool:
        """Whether what is made of files may not be what the commit makes."""
        return self.removed or any(Path(f) in self.changed for f in files)


def commit(content: Path, folders: Iterable[Path], shown: str) -> tuple[Commit | None, list]:
    """HEAD of the repository holding content, with its changes under folders
    (those inside its work tree), and the problems in reading it. None
    outside git, without git and before the first commit, with no problem;
    None and a warning at shown (content/'s name) when git fails in a
    repository (one owned by another user, say), so the PDFs name no commit."""
    repo = repository(content)
    if repo is None:
        return None, []
    inside = []
    for folder in folders:
        try:
            inside.append(str(Path(folder).absolute().relative_to(repo.top)) or ".")
        except ValueError:
            continue  # the house templates, outside the project's repository
    found, failed = _status(repo.top, inside)
    if failed:
        message = f"git cannot say which commit this is ({failed}); the PDFs name none"
        return None, [Problem(shown, 0, 0, message, "warning")]
    return (None if found is None else _parse_status(found, repo.top)), []


def git_command(top: Path) -> list[str]:
    """git, run in the repository at top, as every call of ours runs it:
    core.fsmonitor=false, so that a repository's own config cannot make a
    status run a command; no optional locks, so that it never writes."""
    return ["git", "-C", str(top), "--no-optional-locks", "-c", "core.fsmonitor=false"]


def _status(top: Path, pathspecs: list[str]) -> tuple[bytes | None, str | None]:
    """git status's output, or what git said when it failed; (None, None) without git."""
    import subprocess

    command = [
        *git_command(top),
        "status",
        "--porcelain=v2",
        "--branch",
        "-z",
        "--untracked-files=all",
    ]
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            [*command, "--", *pathspecs], capture_output=True, env=env, timeout=30
        )
    except FileNotFoundError:
        return None, None  # no git
    except (OSError, subprocess.SubprocessError) as exc:
        return None, str(exc)
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, said[0] if said else f"git status ended with status {done.returncode}"
    return done.stdout, None


@dataclass(frozen=True)
class StatusEntry:
    """One path of git status --porcelain=v2: its kind ('1' changed, '2' renamed
    or copied, 'u' unmerged, '?' untracked, '!' ignored), its XY ('??' and '!!'
    for the last two) and its path; a folder's ends in '/'."""

    kind: str
    xy: str
    path: str


def status_entries(output: bytes) -> tuple[str | None, list[StatusEntry]]:
    """git status --porcelain=v2 [--branch] -z, read: (the '# branch.oid' header,
    or None, and one entry per path; a rename's old path, which follows it, is
    not one)."""
    head, entries = None, []
    records = iter(output.decode("utf-8", "surrogateescape").split("\0"))
    fields_before_path = {"1": 8, "2": 9, "u": 10, "?": 1, "!": 1}
    for record in records:
        if record.startswith("# branch.oid "):
            head = record.removeprefix("# branch.oid ").strip()
            continue
        kind = record[:1]
        if kind not in fields_before_path:
            continue
        parts = record.split(" ", fields_before_path[kind])
        if len(parts) <= fields_before_path[kind]:
            continue
        xy = kind * 2 if kind in "?!" else parts[1]
        entries.append(StatusEntry(kind, xy, parts[-1]))
        if kind == "2":
            next(records, None)  # the old path of a rename
    return head, entries


def _parse_status(output: bytes, top: Path) -> Commit | None:
    """The commit a status names, the paths changed from it, and whether any
    was removed (deleted, or renamed away)."""
    head, entries = status_entries(output)
    changed = {top / entry.path for entry in entries if entry.kind != "!"}
    removed = any(e.kind == "2" or (e.kind in "1u" and "D" in e.xy) for e in entries)
    if head is None or not all(c in "0123456789abcdef" for c in head) or len(head) < 40:
        return None  # '(initial)': no commit yet
    return Commit(head, frozenset(changed), removed)
