"""The build folder: every output replaced whole, one build at a time, and no
temporary file left behind.

While a build runs, everything it writes lives inside build/ itself:

    build/               locked (flock on the folder itself: no lock file,
                         except build/.lock where folders cannot be locked)
    build/.partial/      each output is written here first ("staged")
    build/.partial/tmp/  the temporary folder of the build: tempfile and
                         $TMPDIR point here, so WeasyPrint's font folders and
                         pandoc's bibliography are here too
    build/.partial/kept/ hard links to the files a commit replaces

Staging inside build/ keeps every rename on build/'s own file system, even
when build/ is a mount point (a CI or Docker volume) and its parent is
read-only. A subfolder of build/ on yet another file system is written by a
copy beside the target, then a rename there.

commit() puts the staged files in place, each by an atomic rename. If one
rename fails, or Ctrl-C or SIGTERM arrives during the commit, the files
already replaced are put back from their hard links, so build/ holds the last
good build whole. Only SIGKILL (or a power cut) in the milliseconds of a
commit can leave some files from this build and some from the last; each is
complete either way.

A build that was killed leaves build/.partial/; the next build removes it
before it starts. Errors of the disk (full, read-only, permission denied)
become an OutputError that says what to do.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from advocacy.errors import AdvocacyError, OutputError, Problem

SCRATCH = ".partial"  # inside build/; a hidden name, so no listing of outputs shows it
STRAY = ".partial"  # suffix of the hidden copies written beside targets on other mounts
LOCK_FILE = ".lock"  # only where build/ itself cannot be locked

PAUSE = "ADVOCACY_TEST_PAUSE"  # a checkpoint's name: a build stops there for a test
PAUSE_FILE = "ADVOCACY_TEST_PAUSE_FILE"  # written when the build has stopped there
PAUSE_LIMIT = 120.0  # seconds; then the build goes on, so no test can hang it forever

INTERRUPTS = (signal.SIGINT, signal.SIGTERM)

# the previous version of a file a commit replaces: a hard link to it, None
# when there was none, False when the file system could not keep it
Kept = Path | bool | None
Replaced = tuple[Path, Kept, Path | None]  # target, kept, the topmost folder made for it

# errors of writing itself, whichever file they name (a write() names none)
_DEVICE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


class BuildLocked(AdvocacyError):
    """Another build is writing the same folder."""

    def __init__(self, folder: str):
        message = "another build is writing this folder; wait for it to finish"
        super().__init__([Problem(f"{folder}/", 0, 0, message)])


class PartlyCommitted(OutputError):
    """Writing failed after some files of this build were put in place: a
    commit that could not put back every file, or a write after a commit."""

    def summary(self) -> str:
        return (
            "some files in the build folder are from this build and the rest from the "
            "last; each is complete; build again once this is fixed."
        )


def write_error_message(exc: OSError) -> str:
    """What went wrong when writing, and what to do, in one phrase."""
    if exc.errno == errno.ENOSPC:
        return "no space left on the device; free some space and build again"
    if exc.errno == errno.EDQUOT:
        return "over the disk quota; free some space and build again"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            "cannot write here (permission denied); make the folder writable "
            "or choose another with --out"
        )
    if exc.errno == errno.EROFS:
        return (
            "cannot write here (the file system is read-only); mount it read-write "
            "or choose another folder with --out"
        )
    reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
    return f"cannot write here ({reason}); check the folder or choose another with --out"


class OutputFolder:
    """build/ while a build writes it: locked, with its scratch folder inside.

    shown is the folder as messages name it (default: its name).
    """

    def __init__(self, folder: Path, shown: str | None = None):
        self.folder = Path(os.path.abspath(folder))
        self.shown = (shown or self.folder.name).rstrip("/")
        self.scratch = self.folder / SCRATCH
        self.tmp = self.scratch / "tmp"
        self._lock: int | None = None
        self._staged: dict[str, Path] = {}
        self._committed = False  # then an error can no longer say nothing changed
        self._saved_tmp: tuple[str | None, str | None] | None = None
        self.rewrite = False  # stage every output, even one whose bytes are unchanged

    # the lock, the scratch folder and the temporary folder

    def __enter__(self) -> OutputFolder:
        with self._writing():
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock = self._take_lock()
        try:
            with self._writing():
                self._remove_leftovers()  # of a build that was killed
                self.tmp.mkdir(parents=True)
            self._use_scratch_tmp()
            checkpoint("staging")
        except BaseException:
            self._close()
            raise
        return self

    def _take_lock(self) -> int:
        """An exclusive lock on build/ itself, so no lock file is needed; where a
        folder cannot be locked (NFS emulates flock with locks that need a file
        open for writing), on the file build/.lock instead."""
        try:
            return self._flock(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            if exc.errno not in (errno.EBADF, errno.ENOLCK, errno.EINVAL, errno.EOPNOTSUPP):
                raise
        return self._flock(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT)

    def _flock(self, path: Path, flags: int) -> int:
        lock = os.open(path, flags, 0o644)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            raise BuildLocked(self.shown) from None
        except OSError as exc:
            os.close(lock)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc  # named, for _writing
        return lock

    def __exit__(self, kind, exc, traceback) -> None:
        error = self._error(exc) if isinstance(exc, OSError) and self._ours(exc) else None
        self._close()
        if error is not None:
            raise error from exc

    def _close(self) -> None:
        """Remove the scratch folder, give tempfile its folder back, unlock."""
        with _interrupts_deferred():
            if self._saved_tmp is not None:
                tempfile.tempdir, tmpdir = self._saved_tmp
                if tmpdir is None:
                    os.environ.pop("TMPDIR", None)
                else:
                    os.environ["TMPDIR"] = tmpdir
                self._saved_tmp = None
            _remove_tree(self.scratch, ignore_errors=True)  # what stays goes next time
            self._staged.clear()
            if self._lock is not None:
                os.close(self._lock)
                self._lock = None

    def _remove_leftovers(self) -> None:
        _remove_tree(self.scratch)
        for folder, _, files in os.walk(self.folder):
            for name in files:
                if name.startswith(".") and name.endswith(STRAY):
                    os.unlink(os.path.join(folder, name))

    def _use_scratch_tmp(self) -> None:
        """Make build/.partial/tmp the temporary folder until the build ends.

        Everything the build creates with tempfile (pandoc's bibliography,
        WeasyPrint's font folders) and every program it runs that honours
        $TMPDIR writes there, so what a killed build leaves is removed by the
        next one.
        """
        # matplotlib's font cache is a cache, not a temporary: keep it where
        # charts.py puts it, in the system's temporary folder.
        system_tmp = tempfile.gettempdir()
        os.environ.setdefault("MPLCONFIGDIR", str(Path(system_tmp) / "advocacy-matplotlib"))
        self._saved_tmp = (tempfile.tempdir, os.environ.get("TMPDIR"))
        tempfile.tempdir = str(self.tmp)
        os.environ["TMPDIR"] = str(self.tmp)

    # staging and committing

    def stage(self, name: str) -> Path:
        """A scratch path for build/name, put in place by commit()."""
        with self._writing():
            path = self._scratch_file(name)
        previous = self._staged.pop(name, None)
        if previous is not None:
            previous.unlink(missing_ok=True)
        self._staged[name] = path
        checkpoint(f"stage:{name}")
        return path

    def staged(self, name: str) -> Path | None:
        """The scratch file staged for build/name, or None."""
        return self._staged.get(name)

    def unstage(self, name: str) -> None:
        """Forget build/name: the build leaves the file there as it is."""
        path = self._staged.pop(name, None)
        if path is not None:
            path.unlink(missing_ok=True)

    def stage_bytes(self, name: str, data: bytes) -> bool:
        """Stage data for build/name unless build/name already holds exactly
        these bytes (then it is left as it is, its time and inode too).
        Whether it was staged."""
        try:
            if self.rewrite:
                raise FileNotFoundError
            if (self.folder / name).read_bytes() == data:
                self.unstage(name)
                return False
        except OSError:
            pass
        self.stage(name).write_bytes(data)
        return True

    def keep_if_same(self, name: str) -> bool:
        """Unstage build/name when the staged bytes equal the file already there.
        Whether the staged file is kept (it differs, or nothing was there)."""
        staged = self._staged.get(name)
        if staged is None:
            return False
        if self.rewrite:
            return True
        try:
            same = _same_bytes(staged, self.folder / name)
        except OSError:
            return True
        if same:
            self.unstage(name)
        return not same

    def current(self, name: str) -> Path | None:
        """build/name as the build will leave it: staged, or already there, or None."""
        if name in self._staged:
            return self._staged[name]
        path = self.folder / name
        return path if path.exists() else None

    def commit(self) -> None:
        """Put every staged file in place, each by an atomic rename.

        If a rename fails, or an interrupt arrives, the files already put in
        place are put back as they were, then the error or interrupt goes on.
        """
        checkpoint("staged")
        done: list[Replaced] = []
        with _interrupts_deferred() as interrupts:
            try:
                kept = self.scratch / "kept"
                kept.mkdir(exist_ok=True)
                for index, (name, path) in enumerate(self._staged.items()):
                    target = self.folder / name
                    made = _make_parents(target.parent, self.folder)
                    backup = _keep(target, kept / str(index))
                    _move(path, target)
                    done.append((target, backup, made))
                    if index == 0:
                        checkpoint("committing")
                    if interrupts:
                        break
            except OSError as exc:
                whole = _roll_back(done)
                raise self._error(exc, whole) from exc
            if interrupts:  # delivered when the deferral ends, just below
                _roll_back(done)
            else:
                self._staged.clear()
                self._committed = True
        checkpoint("committed")

    def _scratch_file(self, name: str) -> Path:
        handle, temporary = tempfile.mkstemp(prefix=f"{Path(name).name}.", dir=self.scratch)
        os.close(handle)
        path = Path(temporary)
        path.chmod(0o644)
        return path

    # errors

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn an error of writing in build/ into an OutputError."""
        try:
            yield
        except OSError as exc:
            if not self._ours(exc):
                raise
            raise self._error(exc) from exc

    def _ours(self, exc: OSError) -> bool:
        """Whether exc is an error of writing build/ (not of reading the content)."""
        names = [n for n in (exc.filename, exc.filename2) if _is_path(n)]
        if not names:
            return exc.errno in _DEVICE_ERRORS
        return any(self._inside(n) for n in names)

    def _inside(self, name) -> bool:
        return Path(os.path.abspath(os.fsdecode(name))).is_relative_to(self.folder)

    def _error(self, exc: OSError, whole: bool = True) -> OutputError:
        kind = OutputError if whole and not self._committed else PartlyCommitted
        return kind(self._where(exc), write_error_message(exc))

    def _where(self, exc: OSError) -> str:
        """The output an error is about, as the user knows it: build/brief.pdf."""
        targets = {str(path): name for name, path in self._staged.items()}
        for name in (exc.filename, exc.filename2):
            if not _is_path(name) or not self._inside(name):
                continue
            path = os.path.abspath(os.fsdecode(name))
            if path in targets:
                return f"{self.shown}/{targets[path]}"
            relative = Path(path).relative_to(self.folder)
            if relative.name.startswith(".") and relative.name.endswith(STRAY):
                relative = relative.parent  # the copy beside a target: name its folder
            if relative.parts and relative.parts[0] != SCRATCH:
                suffix = "/" if os.path.isdir(path) else ""
                return f"{self.shown}/{relative.as_posix()}{suffix}"
        return f"{self.shown}/"


def _remove_tree(top: Path, ignore_errors: bool = False) -> None:
    """rm -rf top, symlinks not followed.

    Unlike shutil.rmtree, every path it opens is absolute, so a trace of the
    files a build opens (tests/test_security.py) can tell where each one is.
    """
    try:
        if top.is_symlink() or top.is_file():
            top.unlink()
            return
        if not top.exists():
            return
        for folder, subfolders, files in os.walk(top, topdown=False):
            for name in files:
                os.unlink(os.path.join(folder, name))
            for name in subfolders:
                path = os.path.join(folder, name)
                if os.path.islink(path):
                    os.unlink(path)
                else:
                    os.rmdir(path)
        top.rmdir()
    except OSError:
        if not ignore_errors:
            raise


def _same_bytes(one: Path, other: Path) -> bool:
    if one.stat().st_size != other.stat().st_size:
        return False
    with open(one, "rb") as a, open(other, "rb") as b:
        while True:
            block = a.read(1 << 20)
            if block != b.read(1 << 20):
                return False
            if not block:
                return True


def _is_path(name) -> bool:
    return isinstance(name, (str, bytes, os.PathLike))


def _make_parents(folder: Path, top: Path) -> Path | None:
    """mkdir -p folder; return the topmost folder made, or None."""
    made = None
    for parent in reversed([folder, *folder.parents]):
        if parent.is_relative_to(top) and not parent.exists():
            parent.mkdir()
            made = made or parent
    return made


def _keep(target: Path, link: Path) -> Kept:
    """Keep target's current version as a hard link, to put it back if need be."""
    if not os.path.lexists(target):
        return None
    try:
        os.link(target, link, follow_symlinks=False)
    except OSError:
        return False
    return link


def _move(source: Path, target: Path) -> None:
    """Rename source to target; across file systems, copy beside target, then rename."""
    try:
        os.replace(source, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=STRAY, dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as copy, open(source, "rb") as original:
            shutil.copyfileobj(original, copy)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    os.unlink(source)


def _roll_back(done: list[Replaced]) -> bool:
    """Put back what a commit replaced; False if some file could not be."""
    whole = True
    for target, backup, made in reversed(done):
        try:
            if backup is None:
                target.unlink(missing_ok=True)
                if made is not None:
                    _remove_tree(made, ignore_errors=True)
            elif backup is False:
                whole = False
            else:
                os.replace(backup, target)
        except OSError:
            whole = False
    return whole


_deferred_count = 0  # interrupts that arrived while deferred: a paused checkpoint ends


@contextmanager
def _interrupts_deferred() -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM until the block ends, then act on the first.

    Yields the list of signals that arrived, so the block can stop early.
    Python runs signal handlers in the main thread only; elsewhere this
    defers nothing.
    """
    arrived: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield arrived
        return

    def defer(signum, frame):
        global _deferred_count
        _deferred_count += 1
        arrived.append(signum)

    previous = {}
    try:
        for signum in INTERRUPTS:
            previous[signum] = signal.signal(signum, defer)
        yield arrived
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if arrived:
            _deliver(arrived[0], previous.get(arrived[0]))


def _deliver(signum: int, handler) -> None:
    if callable(handler):
        handler(signum, None)  # the command line's: raises KeyboardInterrupt or Terminated
    elif handler != signal.SIG_IGN:
        signal.raise_signal(signum)  # the default action: the process ends


def checkpoint(name: str) -> None:
    """A named moment of a build, where a test can stop it.

    With ADVOCACY_TEST_PAUSE=name in the environment, the build writes the
    file ADVOCACY_TEST_PAUSE_FILE (its process id) and waits there for a
    signal: SIGKILL, or SIGINT and SIGTERM, which act as they would at that
    moment. The names, in order: staging (locked, nothing staged), stage:NAME
    (build/NAME is staged; the files staged before it are written), staged
    (all staged, none in place), committing (the first file is in place, the
    rest not), committed (all in place).
    """
    if os.environ.get(PAUSE) != name:
        return
    seen = _deferred_count
    marker = os.environ.get(PAUSE_FILE)
    if marker:
        Path(f"{marker}.tmp").write_text(f"{os.getpid()}\n", encoding="utf-8")
        os.replace(f"{marker}.tmp", marker)
    deadline = time.monotonic() + PAUSE_LIMIT
    while _deferred_count == seen and time.monotonic() < deadline:
        time.sleep(0.01)  # a handler that raises ends the wait; so does a deferred signal
