"""The build folder: every output replaced whole, and one build at a time.

Each file is written in a scratch folder beside build/ (same file system, so
the final rename is atomic), then renamed into place. An interrupted build,
even one killed outright, leaves each file in build/ as a complete earlier or
later version and no temporary file there.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from advocacy.errors import AdvocacyError, Problem


class BuildLocked(AdvocacyError):
    """Another build is writing the same folder."""

    def __init__(self, folder: str):
        message = "another build is writing this folder; wait for it to finish"
        super().__init__([Problem(f"{folder}/", 0, 0, message)])


class OutputFolder:
    """build/ while a build writes it: locked, with a scratch folder beside it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.scratch = folder.parent / f".{folder.name}.partial"
        self.lock_path = folder.parent / f".{folder.name}.lock"
        self._lock: int | None = None
        self._staged: dict[str, Path] = {}

    def __enter__(self) -> OutputFolder:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            raise BuildLocked(self.folder.name) from None
        self.scratch.mkdir(exist_ok=True)
        self._clear_scratch()  # left by a build that was killed
        return self

    def __exit__(self, *exc) -> None:
        self._clear_scratch()
        self.scratch.rmdir()
        os.close(self._lock)

    def _clear_scratch(self) -> None:
        for leftover in self.scratch.iterdir():
            leftover.unlink()

    @contextmanager
    def replacing(self, name: str) -> Iterator[Path]:
        """Yield a scratch path to write; on success it replaces build/name."""
        handle, temporary = tempfile.mkstemp(prefix=f"{Path(name).name}.", dir=self.scratch)
        os.close(handle)
        path = Path(temporary)
        try:
            path.chmod(0o644)
            yield path
            os.replace(path, self.folder / name)
        finally:
            path.unlink(missing_ok=True)

    def stage(self, name: str) -> Path:
        """A scratch path for build/name, put in place by commit()."""
        handle, temporary = tempfile.mkstemp(prefix=f"{Path(name).name}.", dir=self.scratch)
        os.close(handle)
        path = Path(temporary)
        path.chmod(0o644)
        self._staged[name] = path
        return path

    def commit(self) -> None:
        """Put every staged file in place, each by an atomic rename."""
        for name, path in self._staged.items():
            (self.folder / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, self.folder / name)
        self._staged.clear()

    def write(self, name: str, data: bytes) -> None:
        with self.replacing(name) as path:
            path.write_bytes(data)
