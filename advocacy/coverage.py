"""The glyph-coverage gate: no character reaches a PDF as an empty box.

WeasyPrint (through Pango) takes each character from the first font of the
stack that has it, then from any font installed. So a character is printable
when the house fonts (templates/fonts) or an installed font (fontconfig's
`fc-list`) covers it; one that none covers is an error at the file, line and
column of its first use, before anything is drawn.
"""

from __future__ import annotations

import bisect
import re
import shutil
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

from pydantic import BaseModel

from advocacy.corpus import Corpus, dotted, record_models
from advocacy.errors import Problem


@cache
def _installed_ranges() -> tuple[tuple[int, int], ...]:
    """(first, last) code points covered by some installed font, merged and sorted."""
    return _charsets(["fc-list", "--format", "%{charset}\\n"]) or ()


@cache
def _house_ranges(folder: Path, signature: tuple) -> tuple[tuple[int, int], ...]:
    """The code points of the house fonts: from fontconfig's reading of the files
    (fc-query, milliseconds), or, without it, from their cmaps (fontTools)."""
    paths = sorted(folder.glob("*.[ot]tf"))
    found = _charsets(["fc-query", "--format", "%{charset}\\n", *map(str, paths)])
    if found is not None or not paths:
        return found or ()
    from fontTools.ttLib import TTFont

    points = set()
    for path in paths:
        with TTFont(path, lazy=True) as font:
            points |= set(font.getBestCmap() or {})
    return _merged((p, p) for p in points)


def _charsets(command: list[str]) -> tuple[tuple[int, int], ...] | None:
    """The merged ranges fontconfig prints as charsets (hex 'first-last' or 'point',
    spaced), or None when the command is not installed or fails."""
    if shutil.which(command[0]) is None:
        return None
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None
    ranges = []
    for word in done.stdout.split():
        first, _, last = word.partition("-")
        ranges.append((int(first, 16), int(last or first, 16)))
    return _merged(ranges)


def _merged(ranges) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return tuple((first, last) for first, last in merged)


class Coverage:
    """The characters some font can draw: the house fonts first, and fontconfig's
    installed fonts (a subprocess) only for a character the house fonts lack.
    Each character is decided once."""

    def __init__(self, fonts: Path):
        signature = tuple(sorted((p.name, p.stat().st_mtime) for p in fonts.glob("*.[ot]tf")))
        self.house = _Ranges(_house_ranges(fonts, signature) if fonts.is_dir() else ())
        self.installed: _Ranges | None = None
        self.known: dict[str, bool] = {}

    def covers(self, char: str) -> bool:
        known = self.known.get(char)
        if known is None:
            known = self.known[char] = self._covers(char)
        return known

    def _covers(self, char: str) -> bool:
        if unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"):
            return True  # controls, joiners and spaces draw nothing; marks join their base
        if char in self.house:
            return True
        if self.installed is None:
            self.installed = _Ranges(_installed_ranges())
        # no fontconfig here: nothing to ask, and the PDF's own warnings still tell
        return not self.installed.ranges or char in self.installed


class _Ranges:
    def __init__(self, ranges: tuple[tuple[int, int], ...]):
        self.ranges = ranges
        self.starts = [first for first, _ in ranges]

    def __contains__(self, char: str) -> bool:
        point = ord(char)
        index = bisect.bisect_right(self.starts, point) - 1
        return index >= 0 and self.ranges[index][1] >= point


PLAIN_ASCII = re.compile(r"[\x20-\x7e\t\n]*")


def coverage_problems(corpus: Corpus, fonts: Path) -> list[Problem]:
    """An error at the first use of each character that no font covers."""
    coverage = Coverage(fonts)
    problems, seen = [], set()
    ascii_drawn = all(coverage.covers(chr(point)) for point in range(0x20, 0x7F))
    for source, model in record_models(corpus):
        for loc, text in _texts(model, ()):
            if ascii_drawn and PLAIN_ASCII.fullmatch(text):
                continue
            for char in dict.fromkeys(text):
                if char in seen or coverage.covers(char):
                    continue
                seen.add(char)
                position = source.find(loc, char, 0)
                problems.append(source.problem_at(position, _message(loc, char)))
    return problems


def _message(loc: tuple, char: str) -> str:
    name = unicodedata.name(char, "")
    kinds = {"Co": "a private-use character", "Cn": "an unassigned code point"}
    script = kinds.get(unicodedata.category(char)) or (name.split()[0].title() if name else "")
    described = f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"
    return (
        f"{dotted(loc)}: no font can draw '{char}' ({described}, {script}); tried the house "
        "fonts in templates/fonts and every font installed (fc-list); install a font that "
        "covers it, or remove the character"
    )


def _texts(model: BaseModel, loc: tuple):
    """(loc, text) for every text value of a record, nested ones included."""
    for name in type(model).model_fields:
        yield from _values(getattr(model, name), (*loc, name))


def _values(value, loc: tuple):
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _values(item, (*loc, index))
    elif isinstance(value, BaseModel):
        yield from _texts(value, loc)
