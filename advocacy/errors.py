"""Problems, reported one per line like a compiler's, and the one family of
exceptions that carries them to the command line.

Every failure a user or their machine can cause is an `AdvocacyError`: it
holds located problems and a summary, and the command line prints them and
exits with `exit_status` (1). Anything else is a bug in advocacy.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at one place: `path:line:col: level: message`.

    A line of 0 means the problem belongs to the whole file (an output that
    cannot be written, a folder): it prints as `path: level: message`.
    """

    path: str
    line: int
    column: int
    message: str
    level: str = "error"

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.path}: {self.level}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.level}: {self.message}"

    def as_error(self) -> Problem:
        if self.level != "warning":
            return self
        return Problem(self.path, self.line, self.column, self.message, "error")


class AdvocacyError(Exception):
    """A failure the user or their machine can fix; exit status 1."""

    exit_status = 1

    def __init__(self, problems: Iterable[Problem], summary: str | None = None):
        self.problems = sorted(problems)
        self._summary = summary
        super().__init__(self.summary())

    def summary(self) -> str:
        return self._summary or ""


class ContentError(AdvocacyError):
    """Raised with every problem found, after all content was read."""

    def summary(self) -> str:
        errors = [p for p in self.problems if p.level == "error"]
        files = {p.path for p in errors}
        return f"{plural(len(errors), 'error')} in {plural(len(files), 'file')}; nothing was built."


class OutputError(AdvocacyError):
    """An output could not be written: the disk, a permission, a mount."""

    def __init__(self, path: str, message: str):
        super().__init__(
            [Problem(path, 0, 0, message)],
            "nothing in the build folder was changed; its last good files are kept.",
        )


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def suggest(value: str, choices: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for the nearest choice, or ""."""
    choices = list(choices)
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if not close and len(value) >= 3:
        close = sorted(c for c in choices if c.startswith(value))[:1]
    return f" (did you mean '{close[0]}'?)" if close else ""


def one_of(choices: Iterable[str]) -> str:
    return ", ".join(f"'{c}'" for c in choices)
