"""Problems found in content, reported one per line like a compiler's."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at one place: `path:line:col: level: message`."""

    path: str
    line: int
    column: int
    message: str
    level: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.level}: {self.message}"


class ContentError(Exception):
    """Raised with every problem found, after all content was read."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__(self.summary())

    def summary(self) -> str:
        errors = [p for p in self.problems if p.level == "error"]
        files = {p.path for p in errors}
        return f"{plural(len(errors), 'error')} in {plural(len(files), 'file')}; nothing was built."


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
