"""The .bib file: read and checked with bibtexparser, then by pandoc's own reader.

Problems are reported at their line and column and name the entry's key:
duplicate keys, entries that do not parse (unbalanced braces, a missing comma),
undefined @string macros, a crossref to no entry, bytes that are not UTF-8.
The CSL processor gets only the entries a document cites, without the fields
that are never printed, and with what pandoc would misread put right: LaTeX
accents decoded to Unicode, a '%' escaped, a month with its day split in two,
names in scripts citeproc would misplace put in their script's order.
`pandoc_problems` reads that same text with pandoc before anything is built,
so a check that passes means pandoc can read every cited entry.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import logging
import os
import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.model import Entry, String

from advocacy import cache
from advocacy.content import not_utf8
from advocacy.errors import AdvocacyError, Problem, suggest

# Never printed, and never handed to the CSL processor: notes on how an entry
# was checked, paths on someone's disk, abstracts.
PRIVATE_FIELDS = {"annote", "annotation", "file", "abstract", "comment"}
LITERAL_FIELDS = {"institution", "organization", "publisher", "school"}
# Fields pandoc takes as written, not as LaTeX: no decoding, no escaping.
RAW_FIELDS = {
    "crossref", "date", "day", "doi", "editortype", "entrysubtype", "eprint", "eprintclass",
    "eprinttype", "eventdate", "hyphenation", "ids", "isbn", "issn", "langid", "library",
    "options", "origdate", "pmcid", "pmid", "url", "urldate", "xref",
}  # fmt: skip
MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
MONTH_NAMES = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
]  # fmt: skip
# The fields an entry needs to be cited, by type (beyond a title); a warning.
NEEDS = {
    "article": ("journal|journaltitle", "year|date"),
    "book": ("publisher", "year|date"),
    "incollection": ("booktitle", "publisher", "year|date"),
    "inproceedings": ("booktitle", "year|date"),
    "techreport": ("institution", "year|date"),
    "report": ("institution", "year|date"),
    "online": ("url",),
    "misc": ("year|date|url",),  # an undated web page is cited as "n.d."
    "thesis": ("school|institution", "year|date"),
    "phdthesis": ("school", "year|date"),
}
PANDOC_ROUNDS = 5  # at most this many unreadable entries are reported per check
PANDOC_TIMEOUT = 600


@dataclass
class Bibliography:
    """The entries of a .bib file, raw as written, and where each starts."""

    path: Path
    shown: str
    lines: dict[str, int] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    strings: list[String] = field(default_factory=list)
    text: str = ""  # the file as read, for positions
    readable: bool = True  # False when the file is missing or not UTF-8: nothing to check against
    broken: set[str] = field(default_factory=set)  # keys of entries pandoc cannot read
    _line_starts: list[int] = field(default_factory=list, repr=False)
    _layouts: dict[str, _Layout] = field(default_factory=dict, repr=False)
    _subsets: dict[tuple, tuple] = field(default_factory=dict, repr=False)

    @property
    def keys(self) -> set[str]:
        return set(self.lines)

    def subset(self, keys: set[str]) -> str:
        """BibTeX text of the entries in keys (and the entries they crossref)."""
        return self.subset_text(keys)[0].text

    def _crossref(self, key: str) -> str | None:
        entry = self.entries.get(key)
        value = entry.fields_dict.get("crossref") if entry else None
        return _unwrap(value.value) if value else None

    def location(self, offset: int) -> tuple[int, int]:
        """(line, column), from 1, of a character offset in the file."""
        starts = self._starts()
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def _starts(self) -> list[int]:
        """The offset where each line of the file starts."""
        if not self._line_starts:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return self._line_starts

    def _line_offset(self, line: int) -> int:
        """The offset where line (from 0) starts."""
        starts = self._starts()
        return starts[line] if 0 <= line < len(starts) else 0

    def field_position(self, key: str, name: str, part: int = 0) -> tuple[int, int]:
        """Where the value of field name of entry key starts (plus part characters)."""
        layout = self._layout(key)
        for f, (_, value_at) in zip(self.entries[key].fields, layout.fields, strict=True):
            if f.key == name and value_at >= 0:
                return self.location(value_at + part)
        return self.lines[key], 1

    def _layout(self, key: str) -> _Layout:
        """Where the entry, and each of its fields' names and values, start in the file."""
        if key not in self._layouts:
            self._layouts[key] = _layout_of(self.entries[key], self)
        return self._layouts[key]

    def subset_text(
        self, keys: set[str], exclude: set[str] | frozenset = frozenset()
    ) -> tuple[SubsetText, list[Problem]]:
        """subset's text, knowing where in the file each character came from, and the
        warnings found in making it; the entries in exclude are left out. Made
        once for the same keys (an edition's key and its citations both ask)."""
        asked = (frozenset(keys), frozenset(exclude))
        if asked not in self._subsets:
            self._subsets[asked] = self._subset_text(keys, exclude)
        subset, notes = self._subsets[asked]
        return subset, list(notes)

    def _subset_text(
        self, keys: set[str], exclude: set[str] | frozenset
    ) -> tuple[SubsetText, list[Problem]]:
        wanted = {key for key in keys if key in self.entries}
        for key in list(wanted):
            parent = self._crossref(key)
            if parent in self.entries:
                wanted.add(parent)
        out, notes = SubsetText(), []
        for block in self.strings:
            _string_text(block, self, out)
            out.add("\n\n", -1)
        for key in sorted(wanted - set(exclude)):
            _entry_text(key, self, out, notes)
            out.add("\n\n", -1)
        return out, notes


@dataclass
class _Layout:
    start: int  # offset of the entry's '@', or of its line
    key_at: int  # offset of its key, or -1
    fields: list[tuple[int, int]]  # (name, value) offsets per field, -1 when not found


def _layout_of(entry: Entry, bib: Bibliography) -> _Layout:
    raw = entry.raw or ""
    line_start = bib._line_offset(entry.start_line or 0)
    start = bib.text.find(raw, line_start) if raw else -1
    if start < 0:
        return _Layout(line_start, -1, [(-1, -1)] * len(entry.fields))
    head = re.match(r"\s*@\s*\w+\s*[{(]\s*", raw)
    key_at = head.end() if head and raw.startswith(entry.key, head.end()) else -1
    fields, pos = [], max(key_at, 0) + len(entry.key)
    for f in entry.fields:
        pattern = re.compile(r"(?<![\w.:+-])" + re.escape(f.key) + r"\s*=\s*", re.IGNORECASE)
        match = pattern.search(raw, pos)
        while match and not raw.startswith(f.value, match.end()):
            match = pattern.search(raw, match.start() + 1)
        if not match:
            fields.append((-1, -1))
            continue
        fields.append((start + match.start(), start + match.end()))
        pos = match.end() + len(f.value)
    return _Layout(start, start + key_at if key_at >= 0 else -1, fields)


class SubsetText:
    """Text for pandoc assembled from pieces, each remembering where in the .bib it came from."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.origins: list[int] = []
        self.exact: list[bool] = []
        self.contexts: list[tuple[str | None, str | None, str]] = []
        self.length = 0

    def add(self, text: str, origin: int, exact: bool = False, context=(None, None, "")) -> None:
        if not text:
            return
        self.starts.append(self.length)
        self.parts.append(text)
        self.origins.append(origin)
        self.exact.append(exact and origin >= 0)
        self.contexts.append(context)
        self.length += len(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def _piece(self, offset: int) -> int:
        return max(bisect.bisect_right(self.starts, offset) - 1, 0)

    def origin(self, offset: int) -> int:
        """The file offset of the character at offset, or -1 when it came from no file."""
        i = self._piece(offset)
        if not self.parts:
            return -1
        if self.exact[i]:
            return self.origins[i] + min(offset - self.starts[i], len(self.parts[i]) - 1)
        return self.origins[i]

    def context(self, offset: int) -> tuple[str | None, str | None, str]:
        """(entry key, field name, 'key' | 'name' | 'value' | '') of the character at offset."""
        return self.contexts[self._piece(offset)] if self.parts else (None, None, "")

    def offset_of(self, line: int, column: int) -> int:
        """The offset of pandoc's (line, column): columns count a tab up to the next stop of 4."""
        text = self.text
        start = 0
        for _ in range(line - 1):
            found = text.find("\n", start)
            if found < 0:
                return len(text)
            start = found + 1
        col, i = 1, start
        while col < column and i < len(text) and text[i] != "\n":
            col = col + 4 - (col - 1) % 4 if text[i] == "\t" else col + 1
            i += 1
        return i


# ------------------------------------------------------------------- LaTeX

ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "d": "\u0323", "b": "\u0331", "r": "\u030a",
}  # fmt: skip
LETTERS = {
    "i": "ı", "j": "ȷ", "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "ss": "ß", "dh": "ð", "DH": "Ð", "dj": "đ",
    "DJ": "Đ", "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ",
}  # fmt: skip
_BASE = r"[A-Za-z]|\\[ij](?![A-Za-z])"
# \'a \'{a} \'\i \c{c} \c c \ss \dh{} ...: one character each.
LATEX_CHAR = re.compile(
    r"\\(?P<sym>['`^\"~=.])\s*(?:\{\s*(?P<b1>" + _BASE + r")\s*\}|(?P<b2>" + _BASE + r"))"
    r"|\\(?P<word>[uvHckdbr])(?:\s*\{\s*(?P<b3>" + _BASE + r")\s*\}|\s+(?P<b4>" + _BASE + r"))"
    r"|\\(?P<letter>" + "|".join(sorted(LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])"
)


def _latex_edits(text: str, offset: int = 0) -> list[tuple[int, int, str]]:
    """(start, end, replacement) for each LaTeX-encoded character in text.

    A group that holds only the character, as in S{\\~a}o or {\\'\\i}, is a
    BibTeX "special character", not a case protection: its braces go too.
    """
    edits = []
    for match in LATEX_CHAR.finditer(text):
        if _escaped(text, match.start()):
            continue
        start, end = match.span()
        letter = match.group("letter")
        if letter:
            char, gobble = LETTERS[letter], True
        else:
            base = next(b for b in match.group("b1", "b2", "b3", "b4") if b)
            accent = ACCENTS[match.group("sym") or match.group("word")]
            char = unicodedata.normalize("NFC", base[-1] + accent)
            gobble = base.startswith("\\") and bool(match.group("b2") or match.group("b4"))
        before = _spaces(text, start, -1)
        after = _spaces(text, end, 1)
        if (
            text[start - before - 1 : start - before] == "{"
            and text[end + after : end + after + 1] == "}"
            and not _escaped(text, start - before - 1)
        ):
            start, end = start - before - 1, end + after + 1
        elif letter and text[end : end + 2] == "{}":
            end += 2
        elif gobble:
            end += after
        edits.append((offset + start, offset + end, char))
    return edits


def _spaces(text: str, i: int, step: int) -> int:
    """How many whitespace characters run from i forwards (step 1) or before i (step -1)."""
    count, j = 0, i if step > 0 else i - 1
    while 0 <= j < len(text) and text[j].isspace():
        count, j = count + 1, j + step
    return count


def _escaped(text: str, i: int) -> bool:
    """Whether the character at i follows an odd number of backslashes."""
    count = 0
    while i - count - 1 >= 0 and text[i - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def decode_latex(text: str) -> str:
    """text with LaTeX-encoded characters as Unicode (NFC); everything else kept."""
    return _apply(text, _latex_edits(text))


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    out, pos = [], 0
    for start, end, new in sorted(edits):
        out.append(text[pos:start] + new)
        pos = end
    return "".join(out) + text[pos:]


# ------------------------------------------------------------------- values


WORD = re.compile(r"[^\s#{}\",=]+")  # a macro name or a number, in a value


def _parts(value: str) -> list[tuple[int, int, str]] | None:
    """The parts of a raw value joined by '#': (start, end, 'braced' | 'quoted' | 'word').

    None when the value is not a sequence of parts (pandoc will say why).
    """
    parts: list[tuple[int, int, str]] = []
    i, n, want = 0, len(value), True
    while i < n:
        c = value[i]
        if c.isspace():
            i += 1
        elif not want:
            if c != "#":
                return None
            want, i = True, i + 1
        elif c in '{"':
            end = _closing(value, i)
            if end < 0:
                return None
            parts.append((i, end, "braced" if c == "{" else "quoted"))
            want, i = False, end
        else:
            match = WORD.match(value, i)
            if not match:
                return None
            parts.append((i, match.end(), "word"))
            want, i = False, match.end()
    return parts if parts and not want else None


def _closing(value: str, start: int) -> int:
    """The offset after the brace group or quoted string that starts at start; -1 if none."""
    depth, i = 0, start + 1
    quote = value[start] == '"'
    while i < len(value):
        c = value[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return -1 if quote else i + 1
            depth -= 1
        elif c == '"' and quote and depth == 0:
            return i + 1
        i += 1
    return -1


def _unwrap(value: str) -> str:
    value = value.strip()
    if value[:1] in '{"' and value[-1:] in '}"':
        return value[1:-1].strip()
    return value


def _is_empty(value: str) -> bool:
    parts = _parts(value)
    if not parts or any(kind == "word" for *_, kind in parts):
        return False
    return not re.sub(r"[{}\s]", "", "".join(value[s + 1 : e - 1] for s, e, _ in parts))


def _text_edits(value: str, parts) -> list[tuple[int, int, str]]:
    """Decode LaTeX characters and escape '%' (a comment to pandoc) inside the value."""
    edits = []
    for start, end, kind in parts:
        if kind == "word":
            continue
        inner = value[start + 1 : end - 1]
        edits += _latex_edits(inner, start + 1)
        edits += [
            (start + 1 + i, start + 1 + i, "\\")
            for i, c in enumerate(inner)
            if c == "%" and not _escaped(inner, i)
        ]
    return edits


def _protection_edits(name: str, value: str, parts) -> list[tuple[int, int, str]]:
    """Brace a literal field whose 'and' pandoc would read as a list separator.

    pandoc splits institution, organization, publisher and school on ' and '
    ("Ministry of Trade; Industry"); braces keep "Ministry of Trade and Industry".
    """
    if name.lower() not in LITERAL_FIELDS or " and " not in value or len(parts) != 1:
        return []
    start, end, kind = parts[0]
    if kind == "braced" and not value.startswith("{{", start):
        return [(start, start, "{"), (end, end, "}")]
    if kind == "quoted":
        return [(start, start + 1, "{{"), (end - 1, end, "}}")]
    return []


def _plain_type(value: str, parts) -> list[tuple[int, int, str]]:
    """pandoc prints `type` as written, braces and all: give it plain text."""
    if any(kind == "word" for *_, kind in parts):
        return []
    inner = "".join(value[s + 1 : e - 1] for s, e, _ in parts)
    if not re.search(r"[{}\\~]", inner):
        return []
    text = decode_latex(inner)
    text = re.sub(r"\\([&%$#_{}])", lambda m: "\ue002" + m.group(1), text)
    text = re.sub(r"\\[A-Za-z]+\*?\s*", "", text).replace("~", " ")
    text = re.sub(r"[{}]", "", text).replace("\ue002", "")
    return [(0, len(value), "{" + " ".join(text.split()) + "}")]


def _month(value: str, parts, bib: Bibliography) -> tuple[int, int | None] | None:
    """(month, day) of a month field, as in `sep`, `{9}`, `sep # {~15}`, `{September 15}`."""
    macros = {block.key.lower(): _unwrap(block.value) for block in bib.strings}
    pieces = []
    for start, end, kind in parts:
        piece = value[start:end]
        pieces.append(macros.get(piece.lower(), piece) if kind == "word" else piece[1:-1])
    text = re.sub(r"[{}]", "", decode_latex("".join(pieces))).replace("~", " ").strip().lower()
    match = re.fullmatch(r"(\d{1,2})", text)
    if match:
        number = int(match.group(1))
        return (number, None) if 1 <= number <= 12 else None
    match = re.fullmatch(
        r"(?P<m>[a-z]+)\.?(?:\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?)?|(?P<d2>\d{1,2})\.?\s+(?P<m2>[a-z]+)\.?",
        text,
    )
    if not match:
        return None
    name, day = match.group("m") or match.group("m2"), match.group("d") or match.group("d2")
    months = [
        i for i, full in enumerate(MONTH_NAMES, 1) if len(name) >= 3 and full.startswith(name)
    ]
    if len(months) != 1 or (day and not 1 <= int(day) <= 31):
        return None
    return months[0], int(day) if day else None


def _string_text(block: String, bib: Bibliography, out: SubsetText) -> None:
    raw = block.raw or ""
    line = block.start_line or 0
    start = bib.text.find(raw, bib._line_offset(line)) if raw else -1
    at = raw.find(block.value, raw.find("="))
    parts = _parts(block.value) if at >= 0 else None
    if start < 0 or parts is None:
        out.add(raw, start, start >= 0)
        return
    _add_value(out, raw[:at], start, [], (None, None, "string"))
    _add_value(out, block.value, start + at, _text_edits(block.value, parts))
    _add_value(out, raw[at + len(block.value) :], start + at + len(block.value), [])


def _add_value(out: SubsetText, value: str, origin: int, edits, context=(None, None, "")) -> None:
    """Add value with edits applied: unchanged runs map exactly, edits to where they start."""
    pos = 0
    for start, end, new in sorted(edits):
        out.add(value[pos:start], origin + pos if origin >= 0 else -1, True, context)
        out.add(new, origin + start if origin >= 0 else -1, False, context)
        pos = end
    out.add(value[pos:], origin + pos if origin >= 0 else -1, True, context)


def _entry_text(key: str, bib: Bibliography, out: SubsetText, notes: list[Problem]) -> None:
    """Add entry key as pandoc is to read it: private fields left out, values put right."""
    entry = bib.entries[key]
    layout = bib._layout(key)
    out.add(f"@{entry.entry_type}{{", layout.start, False, (key, None, "key"))
    out.add(key, layout.key_at, True, (key, None, "key"))
    written = False
    for f, (name_at, value_at) in zip(entry.fields, layout.fields, strict=True):
        if f.key.lower() in PRIVATE_FIELDS:
            continue
        out.add(",\n  ", name_at, False, (key, f.key, "name"))
        out.add(f.key, name_at, True, (key, f.key, "name"))
        out.add(" = ", value_at, False, (key, f.key, "value"))
        edits, day = _value_edits(entry, f, value_at, bib, notes)
        _add_value(out, f.value, value_at, edits, (key, f.key, "value"))
        if day:
            out.add(f",\n  day = {{{day}}}", value_at, False, (key, f.key, "value"))
        written = True
    out.add("\n}" if written else ",\n}", -1, False, (key, None, ""))


def _value_edits(entry: Entry, f, value_at: int, bib: Bibliography, notes: list[Problem]):
    """(edits to the value of field f, a day to add after it or None)."""
    name, parts = f.key.lower(), _parts(f.value)
    if parts is None:
        return [], None  # not a value pandoc can read either: pandoc_problems says where
    if name == "type":
        return _plain_type(f.value, parts), None
    if name == "month":
        found = _month(f.value, parts, bib)
        if found is None:
            line, column = bib.location(value_at) if value_at >= 0 else (bib.lines[entry.key], 1)
            message = (
                f"entry '{entry.key}': month {f.value} is not a month; the reference will lack "
                "it; write jan to dec, or 1 to 12, and the day in a day field"
            )
            notes.append(Problem(bib.shown, line, column, message, "warning"))
            return [], None
        has_day = any(g.key.lower() == "day" for g in entry.fields)
        return [(0, len(f.value), f"{{{found[0]}}}")], None if has_day else found[1]
    if name in RAW_FIELDS:
        return [], None
    if name in NAME_FIELDS:
        edits = _name_edits(f.value, parts)
        if edits:
            return edits, None
    return _text_edits(f.value, parts) + _protection_edits(f.key, f.value, parts), None


# ------------------------------------------------------------------- names

# citeproc (jgm/citeproc, isByzantineName) shows a name by its family name: one
# with any letter of Latin, Greek, Cyrillic, Hebrew, Arabic or Thai is
# "romanesque" (Given Family, or Family, Given where the style inverts it);
# any other is shown family then given with no space, as CSL 1.0.2
# ("Name-part Order") says of names that are not Latin or Cyrillic. That suits
# CJK names but glues Indic ones; and pandoc, reading "First Last", takes the
# words of a caseless script before the last for particles, so a Thai given
# name is printed as if it were "von". So names are written for pandoc in their
# script's order, told by the script of a name's first letter (the first word
# of its Unicode name):
INDIC = (
    "DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA",
    "MALAYALAM", "SINHALA",
)  # fmt: skip
NAME_ORDERS = {
    # as a Latin name: "शर्मा, प्रिया" where inverted, "प्रिया शर्मा" after, cited "शर्मा"
    **dict.fromkeys(INDIC, "romanesque"),
    # given name first and cited in full, as Thai (and Lao) practice: "สมชาย ใจดี"
    "THAI": "given-first",
    "LAO": "given-first",
    # family name first, spaced, in full: "ហ៊ុន សែន"
    "KHMER": "family-first",
    "MYANMAR": "family-first",
    # family then given, no space, in full (GB/T 7714: a surname alone does not
    # tell Chinese, Japanese or Korean authors apart); authors next to one
    # another joined as one name by the enumeration comma, or the middle dot
    # Korean uses, so that no English ", and" stands between them
    **dict.fromkeys(("CJK", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC", "BOPOMOFO"), "han"),
    "HANGUL": "hangul",
}
JOINERS = {"han": "、", "hangul": "·"}
# Put after a romanesque family name, so that citeproc finds a letter it counts
# as Latin (U+200E is one); the citations module takes it out of pandoc's output.
MARK = "\u200e\ue003"
NAME_FIELDS = {
    "author", "bookauthor", "editor", "editora", "editorb", "editorc", "translator",
    "annotator", "commentator", "introduction", "foreword", "afterword", "holder",
}  # fmt: skip
AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def name_order(text: str) -> str | None:
    """The NAME_ORDERS entry for the script of text's first letter; None for the rest."""
    for char in text:
        if unicodedata.category(char).startswith("L"):
            return NAME_ORDERS.get(unicodedata.name(char, "").split(" ")[0])
    return None


def _name_edits(value: str, parts) -> list[tuple[int, int, str]]:
    """Rewrite a list of names for pandoc when one of them is in a script NAME_ORDERS has."""
    if len(parts) != 1 or parts[0][2] == "word":
        return []
    start, end, _ = parts[0]
    inner = value[start + 1 : end - 1]
    if not any(name_order(c) for c in set(inner)):
        return []
    names: list[tuple[str | None, str]] = []
    for raw in _split_top(decode_latex(inner), AND):
        order = name_order(raw.replace("{", "").replace("}", ""))
        if order in JOINERS and names and names[-1][0] == order:
            names[-1] = (order, names[-1][1] + JOINERS[order] + _written(raw, ""))
        else:
            names.append((order, _for_pandoc(raw, order)))
    text = " and ".join(f"{{{n}}}" if o in JOINERS else n for o, n in names)
    text = re.sub(r"(?<!\\)%", r"\\%", text)
    return [(start + 1, end - 1, text)]


def _for_pandoc(raw: str, order: str | None) -> str:
    """One name as pandoc is to read it, for citeproc to show it in its script's order."""
    if order == "romanesque":
        parts = _split_top(raw, re.compile(r"\s*,\s*"))
        if len(parts) == 1:  # "प्रिया शर्मा": the last word is the family name
            words = _split_top(raw, re.compile(r"\s+"))
            parts = [words[-1], " ".join(words[:-1])] if len(words) > 1 else words
        return ", ".join([parts[0] + MARK, *parts[1:]])
    if order in ("given-first", "family-first"):
        return "{" + _written(raw, " ", order == "family-first") + "}"
    return raw if order is None else _written(raw, "")


def _written(raw: str, space: str, family_first: bool = True) -> str:
    """A name as one text: words as written, or "Family, Given" put in order."""
    parts = [p.replace("{", "").replace("}", "") for p in _split_top(raw, re.compile(r"\s*,\s*"))]
    if len(parts) == 1:
        return space.join(parts[0].split())
    family, given = parts[0], parts[-1]
    suffix = parts[1:-1]
    return space.join([family, given, *suffix] if family_first else [given, family, *suffix])


def _split_top(text: str, separator: re.Pattern) -> list[str]:
    """text split at the separators outside braces, each piece stripped, empty ones dropped."""
    pieces, depth, start, pos = [], 0, 0, 0
    while pos < len(text):
        c = text[pos]
        depth += (c == "{") - (c == "}")
        match = separator.match(text, pos) if depth == 0 else None
        if match and match.end() > pos:
            pieces.append(text[start:pos])
            start = pos = match.end()
            continue
        pos += 1
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


# ------------------------------------------------------------------- reading


def read_bibliography(path: Path, shown: str) -> tuple[Bibliography, list[Problem]]:
    """Parse a .bib file; return it and every problem found in it."""
    bib = Bibliography(path, shown)
    if not path.is_file():
        bib.readable = False
        return bib, [Problem(shown, 1, 1, "bibliography not found; add a .bib file here")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        bib.readable = False
        return bib, [not_utf8(raw, exc, shown)]
    bib.text = text
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # we report failures
    library = bibtexparser.parse_string(text, parse_stack=[])  # values kept raw
    for entry in library.entries:
        bib.lines.setdefault(entry.key, (entry.start_line or 0) + 1)
        bib.entries.setdefault(entry.key, entry)
    bib.strings = list(library.strings)
    macros = {block.key.lower() for block in library.strings} | MONTHS
    problems = [_failed(block, bib, shown) for block in library.failed_blocks]
    for entry in bib.entries.values():
        problems.extend(_undefined_macros(entry, macros, bib))
        problems.extend(_missing_crossref(entry, bib))
    return bib, problems


@dataclass
class Library:
    """The project's bibliographies, read as one: every .bib file under content/.

    A key is defined in one file only (read_library reports a second
    definition), so each key has one file, one entry and one line.
    """

    files: list[Bibliography]

    @property
    def path(self) -> Path:
        return self.files[0].path

    @property
    def shown(self) -> str:
        return self.files[0].shown

    @property
    def readable(self) -> bool:
        return all(bib.readable for bib in self.files)

    @property
    def keys(self) -> set[str]:
        return set().union(*(bib.keys for bib in self.files))

    @property
    def entries(self) -> dict[str, Entry]:
        return {key: entry for bib in reversed(self.files) for key, entry in bib.entries.items()}

    def file_of(self, key: str) -> Bibliography | None:
        return next((bib for bib in self.files if key in bib.lines), None)

    def where(self, key: str) -> str:
        """'content/references.bib:312': the file and line of the entry key."""
        bib = self.file_of(key)
        return f"{bib.shown}:{bib.lines[key]}" if bib else self.shown

    def holding(self, keys: set[str]) -> list[Bibliography]:
        """The files that define any of keys, in order."""
        return [bib for bib in self.files if keys & bib.keys]

    def subset_text(self, keys: set[str]) -> tuple[SubsetText, list[Problem]]:
        """The BibTeX text of the entries in keys, from whichever files define them."""
        holding = self.holding(keys)
        if len(holding) == 1:  # positions map back exactly
            return holding[0].subset_text(keys)
        out, notes = SubsetText(), []
        for bib in holding:
            part, found = bib.subset_text(keys)
            out.add(part.text, -1)
            notes.extend(found)
        return out, notes

    def reading_problem(self, keys: set[str], mapped: SubsetText, stderr: str) -> Problem:
        """The problem behind pandoc's failure to read the entries in keys: at its
        line when one file holds them, else in the first file pandoc cannot read."""
        holding = self.holding(keys) or self.files[:1]
        if len(holding) == 1:
            return reading_problem(holding[0], mapped, stderr)[0]
        for bib in holding:
            own, _ = bib.subset_text(keys)
            done = call_pandoc(["--from=biblatex", "--to=csljson"], own.text)
            if done.returncode != 0:
                return reading_problem(bib, own, done.stderr)[0]
        message = f"pandoc cannot read the cited entries: {pandoc_reason(stderr)}"
        return Problem(", ".join(bib.shown for bib in holding), 0, 0, message)


def read_library(files: list[tuple[Path, str]]) -> tuple[Library, list[Problem]]:
    """Read each (path, shown) .bib file; a key defined in two files is an error."""
    library, problems = Library([]), []
    for path, shown in files:
        bib, found = read_bibliography(path, shown)
        library.files.append(bib)
        problems.extend(found)
    first: dict[str, Bibliography] = {}
    for bib in library.files:
        for key in list(bib.lines):
            if key not in first:
                first[key] = bib
                continue
            other = first[key]
            message = (
                f"duplicate citation key '{key}' (also at {other.shown}:{other.lines[key]}:1); "
                "keep one"
            )
            problems.append(Problem(bib.shown, bib.lines[key], 1, message))
            del bib.lines[key], bib.entries[key]  # the first definition is the one used
    return library, problems


def _failed(block, bib: Bibliography, shown: str) -> Problem:
    line = (block.start_line or 0) + 1
    key = getattr(block, "key", None) or _key_in(getattr(block, "raw", "") or "")
    if type(block).__name__ == "DuplicateBlockKeyBlock":
        first = bib.lines.get(key, "?")
        return Problem(shown, line, 1, f"duplicate key '{key}' (first on line {first}); keep one")
    error = getattr(block, "error", None)
    reason = getattr(error, "abort_reason", None) or str(error) or "syntax error"
    reason = reason.strip().replace("`", "'").rstrip(":. ")
    what = f"entry '{key}'" if key else "this entry"
    return Problem(shown, line, 1, f"{what} cannot be read: {reason}; check its braces and commas")


def _key_in(raw: str) -> str | None:
    match = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]+)\s*,", raw)
    return match.group(1) if match else None


def _undefined_macros(entry: Entry, macros: set[str], bib: Bibliography):
    for f in entry.fields:
        for start, end, kind in _parts(f.value) or ():
            name = f.value[start:end]
            if kind != "word" or not re.fullmatch(r"[A-Za-z][\w:.-]*", name):
                continue
            if name.lower() not in macros:
                hint = suggest(name.lower(), sorted(macros - MONTHS))
                message = (
                    f"entry '{entry.key}': {f.key} uses the macro '{name}', which no @string "
                    f"defines{hint}; define it, or put the value in braces"
                )
                line, column = bib.field_position(entry.key, f.key, start)
                yield Problem(bib.shown, line, column, message)


def _missing_crossref(entry: Entry, bib: Bibliography):
    value = entry.fields_dict.get("crossref")
    if value is None:
        return
    parent = _unwrap(value.value)
    if parent not in bib.entries:
        hint = suggest(parent, sorted(bib.entries))
        message = (
            f"entry '{entry.key}': crossref names '{parent}', which is not an entry in this "
            f"file{hint}; add the entry, or fix the key"
        )
        line, column = bib.field_position(entry.key, value.key)
        yield Problem(bib.shown, line, column, message)


def missing_fields(bib: Bibliography, keys: set[str]) -> list[Problem]:
    """Warnings for cited entries that lack a field their type needs, or leave it empty."""
    problems = []
    for key in sorted((keys & bib.keys) - bib.broken):
        entry = bib.entries[key]
        fields = list(entry.fields)
        parent = bib._crossref(key)
        if parent in bib.entries:
            fields += bib.entries[parent].fields
        elif parent is not None:
            continue  # its crossref names no entry: an error already, which says so
        present = {f.key.lower() for f in fields if not _is_empty(f.value)}
        empty = {f.key.lower(): f.key for f in entry.fields if _is_empty(f.value)}
        needs = ["title", "author|editor", *NEEDS.get(entry.entry_type.lower(), ("year|date",))]
        for need in needs:
            names = need.split("|")
            if present & set(names):
                continue
            blank = [empty[n] for n in names if n in empty]
            if blank:
                message = (
                    f"entry '{key}' ({entry.entry_type}) has an empty {blank[0]}; "
                    "the reference will lack it"
                )
                line, column = bib.field_position(key, blank[0])
            else:
                message = (
                    f"entry '{key}' ({entry.entry_type}) has no {' or '.join(names)}; "
                    "the reference will lack it"
                )
                line, column = bib.lines[key], 1
            problems.append(Problem(bib.shown, line, column, message, "warning"))
    return problems


def uncited(bib: Bibliography, cited: set[str]) -> list[Problem]:
    """An info line for each entry that nothing cites."""
    return [
        Problem(bib.shown, bib.lines[key], 1, f"entry '{key}' is not cited anywhere", "info")
        for key in sorted(bib.keys - cited)
    ]


# ------------------------------------------------------------------- pandoc


# pandoc (pypandoc-binary's: PYPANDOC_PANDOC may name one built without RTS
# options) asks for a 64 MB heap (-with-rtsopts=-H64m), though citeproc on a
# document's entries lives in 4; with -H1m it peaks at 121 MiB instead of 173,
# in the same time. A GHCRTS of the user's own is kept.
_PANDOC_RTS = (
    {} if os.environ.get("PYPANDOC_PANDOC") or "GHCRTS" in os.environ else {"GHCRTS": "-H1m"}
)


def call_pandoc(
    args: list[str], stdin: str, folder: str | Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run the pandoc that comes with pypandoc-binary; an AdvocacyError if it cannot run.

    pandoc always gets an empty data folder of its own (`folder`, or a
    temporary one), so no user data file, template or filter is ever read.
    """
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="advocacy-") as own:
            return call_pandoc(args, stdin, own, env)
    import pypandoc  # deferred: locating the binary costs time on every start

    try:
        command = pypandoc.get_pandoc_path()
        return subprocess.run(
            [command, *args, f"--data-dir={folder}"],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
            timeout=PANDOC_TIMEOUT,
            env={**os.environ, **_PANDOC_RTS, **(env or {})},
        )
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).strip() or type(exc).__name__
        message = f"pandoc could not run: {reason}; reinstall the project (make setup)"
        raise AdvocacyError([Problem("pandoc", 0, 0, message)]) from exc


_READ_BY_PANDOC: set[str] = set()  # hashes of subsets pandoc read without a complaint


@functools.cache
def pandoc_version() -> list:
    """What says which pandoc answers: pypandoc-binary's version, and the
    program PYPANDOC_PANDOC names instead, if any (its size and time)."""
    from importlib import metadata

    try:
        version = metadata.version("pypandoc-binary")
    except metadata.PackageNotFoundError:
        version = None
    named = os.environ.get("PYPANDOC_PANDOC")
    try:
        state = [os.stat(named).st_size, os.stat(named).st_mtime_ns] if named else None
    except OSError:
        state = None
    return [version, named, state]


def pandoc_problems(bib: Bibliography, keys: set[str]) -> list[Problem]:
    """Read the cited entries with pandoc's own BibTeX reader, as the build will.

    One pandoc call when they all read; after an entry that does not, it is
    left out and the rest read again, so several broken entries are reported.
    Problems are at the line and column in the .bib where pandoc stopped.
    Warnings: a month pandoc would not read.
    """
    cited = keys & bib.keys
    if not bib.readable or not cited:
        return []
    problems: list[Problem] = []
    exclude: set[str] = set()
    for round_ in range(PANDOC_ROUNDS):
        mapped, notes = bib.subset_text(cited, exclude)
        if round_ == 0:
            problems.extend(notes)
        read = hashlib.sha256(mapped.text.encode("utf-8")).hexdigest()
        if read in _READ_BY_PANDOC:  # the same text read before, in this process
            break
        if cache.recall("pandoc-read", [read, pandoc_version()]):  # or by a build before
            _READ_BY_PANDOC.add(read)
            break
        done = call_pandoc(["--from=biblatex", "--to=csljson"], mapped.text)
        if done.returncode == 0:
            _READ_BY_PANDOC.add(read)
            cache.remember("pandoc-read", [read, pandoc_version()], {"read": True})
            break
        problem, key = reading_problem(bib, mapped, done.stderr)
        problems.append(problem)
        if key is None or key in exclude:
            break
        exclude.add(key)
        bib.broken.add(key)
    return problems


def reading_problem(
    bib: Bibliography, mapped: SubsetText, stderr: str
) -> tuple[Problem, str | None]:
    """The problem pandoc reports in reading mapped text, at its place in the .bib."""
    reason = pandoc_reason(stderr)
    where = re.search(r"\(line (\d+), column (\d+)\)", stderr)
    if not where:
        message = f"pandoc cannot read the cited entries: {reason}"
        return Problem(bib.shown, 0, 0, message), None
    offset = mapped.offset_of(int(where.group(1)), int(where.group(2)))
    key, name, role = mapped.context(offset)
    origin = mapped.origin(offset)
    line, column = bib.location(origin) if origin >= 0 else (bib.lines.get(key or "", 1), 1)
    field_name = re.match(r"([A-Za-z][\w.:+-]*)\s*=", mapped.text[offset:])
    if key is None:
        message = f"pandoc cannot read this: {reason}; check its braces, quotes and commas"
    elif role == "value" and field_name:
        message = (
            f"entry '{key}': missing comma before '{field_name.group(1)}'; "
            f"end the {name} field with ','"
        )
    elif role == "name":
        message = (
            f"entry '{key}': pandoc cannot read the field name '{name}' ({reason}); "
            "use letters, digits, '-', '_', ':' and '+'"
        )
    elif role == "key":
        message = (
            f"entry '{key}': pandoc cannot read this key ({reason}); "
            "use letters, digits and '-', '_', ':', '.', '/'"
        )
    else:
        message = f"entry '{key}' cannot be read by pandoc: {reason}; check its braces and commas"
    return Problem(bib.shown, line, column, message), key


def pandoc_reason(stderr: str) -> str:
    """pandoc's reason for a failure, on one line."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    said = [line for line in lines if re.match(r"(unexpected|expecting)\b", line)]
    if not said:
        said = [line for line in lines if not re.match(r"\^$|Error (reading|at)\b", line)][:1]
    return "; ".join(said).replace('"', "'") or "unknown error"
