"""Find and read the YAML content, keeping the line and column of every value.

Scalars stay text as written (no YAML 1.1 guessing: `NO` is not false, `1.10`
is not 1.1); the schema turns text into numbers and dates. Anchors, aliases,
tags and duplicate keys are refused, so what a contributor reads is what the
build sees.

Where a problem points, so that an editor jumps to the place to change:

- A field wrong as a whole points at its key (`Source.key_position`): a field
  that is unknown, duplicated, empty, `null`, or of the wrong kind (a list or
  a mapping where text is expected, text where a list is expected), however
  its value is written, on the key's line or in a block below it. A missing
  field points at the key of the mapping that should hold it, or, for a
  record's own fields, at the top of the file. A list item has no key: it
  points at the item.
- A value that says something wrong points at the value's first character
  (`Source.position`): a choice not on the list, a date, a number, an id, a
  link to a record that does not exist, a value over the length limit. For a
  block scalar (`|` or `>`) that is its indicator, on the key's line.
- Something inside a text points at its own line and column in the file
  (`Source.find`, `Source.text_position`): a citation key, an HTML element or
  link that the sanitiser removes. Offsets in the text as read are mapped
  back through the scalar as written: the indentation of a literal (`|`) or
  folded (`>`) block, the line breaks that folding and plain multi-line
  scalars join, and the escapes and doubled quotes of quoted scalars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import yaml
from yaml.composer import Composer
from yaml.resolver import BaseResolver

try:
    from yaml.cyaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    CParser = None

from advocacy.errors import Problem

# One folder per record kind, in the order they are read.
KIND_FOLDERS = {
    "event": "events",
    "exclusion": "exclusions",
    "initiative": "initiatives",
    "theme": "themes",
    "engagement": "engagements",
    "recommendation": "recommendations",
    "figure": "figures",
    "table": "tables",
    "box": "boxes",
    "document": "documents",
}

# Limits, so that a pathological file fails in milliseconds with a message.
MAX_FILE_BYTES = 256 * 1024
MAX_TEXT_CHARS = 20_000
MAX_DEPTH = 20

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Position = tuple[int, int]
Path_ = tuple  # a path into a record: ('reaches', 1)


@dataclass
class Source:
    """One YAML file read: its data, and where each value stands in it."""

    path: str
    data: object
    positions: dict[Path_, Position] = field(default_factory=dict)
    key_positions: dict[Path_, Position] = field(default_factory=dict)
    spans: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    styles: dict[Path_, str | None] = field(default_factory=dict)  # '|', '>', '"', "'", None
    text: str = ""

    def position(self, loc: Path_) -> Position:
        """Where the value at loc starts, or its nearest parent that was written."""
        loc = tuple(loc)
        while loc not in self.positions and loc:
            loc = loc[:-1]
        return self.positions.get(loc, (1, 1))

    def key_position(self, loc: Path_) -> Position:
        """Where the field at loc is named: its key; a list item or the top, its value.

        For a field that is not written, the key of the nearest parent that is.
        """
        loc = tuple(loc)
        while loc:
            if loc in self.key_positions:
                return self.key_positions[loc]
            if loc in self.positions:
                return self.positions[loc]
            loc = loc[:-1]
        return self.positions.get((), (1, 1))

    def value(self, loc: Path_) -> object:
        """The value at loc as read (before the schema strips it); None if absent."""
        value = self.data
        for part in loc:
            try:
                value = value[part]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    def find(self, loc: Path_, needle: str, nth: int = 0) -> Position:
        """Position of the nth needle inside the text of the scalar at loc."""
        value = self.value(loc)
        if not isinstance(value, str):
            return self.position(loc)
        at = -1
        for _ in range(nth + 1):
            at = value.find(needle, at + 1)
            if at < 0:
                return self.position(loc)
        return self._at_index(self._written(loc, value)[at])

    def text_position(self, loc: Path_, offset: int, text: str | None = None) -> Position:
        """Position of the character at offset in the text of the scalar at loc.

        text is that text as the schema gave it (stripped of the whitespace
        around it); offset counts from its start. Without text, from the
        start of the value as read.
        """
        value = self.value(loc)
        if not isinstance(value, str) or tuple(loc) not in self.spans:
            return self.position(loc)
        lead = max(value.find(text), 0) if text else 0
        written = self._written(loc, value)
        if not written:
            return self.position(loc)
        return self._at_index(written[min(max(lead + offset, 0), len(written) - 1)])

    def _written(self, loc: Path_, value: str) -> list[int]:
        """For each character of value, its index in the file, plus one for its end."""
        start, end = self.spans[tuple(loc)]
        style = self.styles.get(tuple(loc))
        if style in ("|", ">"):  # content starts on the line after the indicator
            newline = self.text.find("\n", start, end)
            start = end if newline < 0 else newline + 1
        elif style in ('"', "'"):
            start += 1
        return _align(value, self.text, start, end)

    def _at_index(self, index: int) -> Position:
        line = self.text.count("\n", 0, index) + 1
        return line, index - (self.text.rfind("\n", 0, index) + 1) + 1

    def problem_at(self, position: Position, message: str, level: str = "error") -> Problem:
        return Problem(self.path, position[0], position[1], message, level)

    def problem(
        self, loc: Path_, message: str, level: str = "error", at_key: bool = False
    ) -> Problem:
        """A Problem at loc's value, or at its field's key when at_key is true."""
        line, column = self.key_position(loc) if at_key else self.position(loc)
        return Problem(self.path, line, column, message, level)


WHITESPACE = " \t\n"
ESCAPE_WINDOW = 12  # longest escape in a double-quoted scalar: \U0001F600, and a margin


def _align(value: str, text: str, start: int, end: int) -> list[int]:
    """Map each character of value to its index in text[start:end], the scalar written.

    YAML writes a value's characters in order, adding only indentation, line
    breaks (which folding turns into spaces), quotes and escapes. So each
    character that is not whitespace is the next such character in the file,
    past whitespace, or, after an escape or a doubled quote, a few characters
    on. Whitespace maps to where it was written or folded from.
    """
    where: list[int] = []
    j = start
    for char in value:
        if char in WHITESPACE:
            where.append(min(j, end))
            if j < end and text[j] in WHITESPACE:
                j += 1
            continue
        while j < end and text[j] in WHITESPACE:
            j += 1
        if j < end and text[j] != char:
            found = text.find(char, j, min(end, j + ESCAPE_WINDOW))
            if found >= 0:
                j = found
        where.append(min(j, end))
        j += 1
    where.append(min(j, end))
    return where


class _Strict:
    """A composer that keeps every scalar as text and refuses what surprises."""

    yaml_implicit_resolvers: ClassVar[dict] = {}  # every scalar stays text
    depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if self.depth >= MAX_DEPTH:
            raise _refuse(event, f"values are nested more than {MAX_DEPTH} deep; flatten them")
        if isinstance(event, yaml.AliasEvent):
            raise _refuse(event, "aliases (*name) are not allowed; write the value out")
        if getattr(event, "anchor", None):
            raise _refuse(event, "anchors (&name) are not allowed; write the value out")
        tag = getattr(event, "tag", None)
        if tag is not None and not (isinstance(event, yaml.ScalarEvent) and tag == "!"):
            raise _refuse(event, f"tags ({tag}) are not allowed; remove the tag")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class StrictLoader(_Strict, yaml.SafeLoader):
    """PyYAML's own parser, in Python: its messages are the ones content gets."""


if CParser is not None:

    class FastLoader(_Strict, Composer, CParser, BaseResolver):
        """The same composer over libyaml's parser, about seven times faster. Its
        marks count characters as StrictLoader's do; its messages differ, so a
        file it cannot read is read again by StrictLoader for the message."""

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            BaseResolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    FastLoader = StrictLoader


class Refused(yaml.MarkedYAMLError):
    """YAML that parses but that content may not use."""


def _refuse(event, message: str) -> Refused:
    return Refused(problem=message, problem_mark=event.start_mark)


def read_text(
    path: Path, shown: str, limit: int = MAX_FILE_BYTES
) -> tuple[str | None, list[Problem]]:
    """A content file's text: at most limit bytes of UTF-8 (a BOM allowed), line
    ends as LF, no control characters; or the problem that stops it."""
    size = path.stat().st_size
    if size > limit:
        message = f"the file is {size:,} bytes, over the limit of {limit:,}; split it"
        return None, [Problem(shown, 1, 1, message)]
    text, problems = _decode(path.read_bytes(), shown)
    return (None, problems) if problems else (text, [])


_PARSED: dict[tuple[str, str], tuple[Source | None, list[Problem]]] = {}
_KEPT = 4096  # files whose parse is kept, by their text


def read_source(path: Path, shown: str) -> tuple[Source | None, list[Problem]]:
    """Read one YAML file; return its Source, or the problems that stop it.

    A file read again with the same text is not parsed again (the live
    preview reloads every file on each save); its Source is shared, and
    nothing changes a Source once it is read.
    """
    text, problems = read_text(path, shown)
    if text is None:
        return None, problems
    key = (shown, text)
    if key not in _PARSED:
        if len(_PARSED) >= _KEPT:
            _PARSED.clear()
        _PARSED[key] = _parse(text, shown)
    source, problems = _PARSED[key]
    return source, list(problems)


def _parse(text: str, shown: str) -> tuple[Source | None, list[Problem]]:
    if not re.search(r"^[ \t]*[^#\s]", text, re.MULTILINE):
        return None, [Problem(shown, 1, 1, "the file is empty; write a YAML mapping")]
    try:
        node = _node(FastLoader, text)
    except yaml.YAMLError:
        node = None
    try:
        if node is None:
            node = _node(StrictLoader, text)
    except yaml.MarkedYAMLError as exc:
        return None, [_yaml_problem(exc, shown)]
    except yaml.YAMLError as exc:  # pragma: no cover - errors without a mark
        return None, [Problem(shown, 1, 1, str(exc))]
    source = Source(shown, None, text=text)
    problems: list[Problem] = []
    source.data = _convert(node, (), source, problems)
    if not isinstance(source.data, dict):
        problems.append(source.problem((), "expected a mapping of field: value at the top"))
    return source, problems


def _node(loader_class, text: str):
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def not_utf8(raw: bytes, exc: UnicodeDecodeError, shown: str) -> Problem:
    """The problem of a file that is not UTF-8, at the line and column of the bad byte."""
    line = raw.count(b"\n", 0, exc.start) + 1
    column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    message = f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8"
    return Problem(shown, line, column, message)


def _decode(raw: bytes, shown: str) -> tuple[str, list[Problem]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return "", [not_utf8(raw, exc, shown)]
    text = text.replace("\r\n", "\n")
    bad = CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        message = f"control character U+{ord(bad.group()):04X} is not allowed; delete it"
        return "", [Problem(shown, line, column, message)]
    return text, []


def _yaml_problem(exc: yaml.MarkedYAMLError, shown: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "invalid YAML"
    if isinstance(exc, Refused):
        message = problem
    elif "'\\t'" in problem:
        message = "a tab character is used for indentation; indent with spaces"
    elif "while parsing a flow" in (exc.context or "") and exc.context_mark:
        bracket = "[" if "sequence" in exc.context else "{"
        closing = "]" if bracket == "[" else "}"
        line, column = exc.context_mark.line + 1, exc.context_mark.column + 1
        message = (
            f"the '{bracket}' opened here is not closed; add '{closing}', "
            "or quote an item that contains a comma or a colon"
        )
    elif "expected a single document" in (exc.context or ""):
        message = "a second YAML document ('---') is not allowed; one record per file"
    elif "mapping values are not allowed" in problem:
        message = "a ': ' inside a value; quote the value that contains ': '"
    else:
        message = f"invalid YAML: {problem}"
        if exc.context:
            message += f" ({exc.context})"
    return Problem(shown, line, column, message)


def _convert(node, loc: Path_, source: Source, problems: list[Problem]):
    source.positions[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.ScalarNode):
        source.spans[loc] = (node.start_mark.index, node.end_mark.index)
        source.styles[loc] = node.style or None  # libyaml's plain is ''
        if len(node.value) > MAX_TEXT_CHARS:
            line, column = source.positions[loc]
            message = (
                f"this value is {len(node.value):,} characters, over the limit of "
                f"{MAX_TEXT_CHARS:,}; shorten it or split the record"
            )
            problems.append(Problem(source.path, line, column, message))
            return ""
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*loc, i), source, problems) for i, item in enumerate(node.value)]
    result: dict[str, object] = {}
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            problems.append(Problem(source.path, line, column, "a key must be plain text"))
            continue
        key, line = key_node.value, key_node.start_mark.line + 1
        if key in seen:
            message = f"duplicate key '{key}' (first on line {seen[key]}); keep one"
            problems.append(Problem(source.path, line, key_node.start_mark.column + 1, message))
            continue
        seen[key] = line
        source.key_positions[(*loc, key)] = (line, key_node.start_mark.column + 1)
        result[key] = _convert(value_node, (*loc, key), source, problems)
    return result


@dataclass
class RawRecord:
    """A record file; source is None when the file could not be read.

    `NAME.LANG.yaml` beside `NAME.yaml` is a translation of it: language is set.
    """

    kind: str
    id: str
    source: Source | None
    language: str | None = None


def find_records(content_dir: Path, root: Path) -> tuple[list[RawRecord], list[Problem]]:
    """Read every record file under content_dir, one folder per kind."""
    records: list[RawRecord] = []
    problems: list[Problem] = []
    for kind, folder in KIND_FOLDERS.items():
        folder_leaves = leaves(content_dir / folder, root)
        for path in sorted((content_dir / folder).glob("*.y*ml")):
            shown = shown_path(path, root)
            record_id, dot, language = path.stem.partition(".")
            if dot and not LANGUAGE_PATTERN.match(language):
                problems.append(_not_a_language(path, shown, "NAME", record_id))
                continue
            if not ID_PATTERN.match(record_id):
                message = (
                    f"file name '{path.name}' is not a valid id; use lower-case letters, "
                    "digits and '-'"
                )
                problems.append(Problem(shown, 1, 1, message))
                continue
            out = folder_leaves or (path.is_symlink() and leaves(path, root))
            record, found = _read_record(kind, record_id, language or None, path, shown, out)
            problems.extend(found)
            records.extend([record] if record else [])
    for path in sorted(content_dir.glob("project.*.y*ml")):  # translations of project.yaml
        shown = shown_path(path, root)
        language = path.stem.partition(".")[2]
        if not LANGUAGE_PATTERN.match(language):
            problems.append(_not_a_language(path, shown, "project", "project"))
            continue
        out = leaves(path, root)
        record, found = _read_record("project", "project", language, path, shown, out)
        problems.extend(found)
        records.extend([record] if record else [])
    return records, problems


def _read_record(
    kind: str, record_id: str, language: str | None, path: Path, shown: str, out: bool
) -> tuple[RawRecord | None, list[Problem]]:
    """The record a file holds, its source None when it could not be read, and the
    problems reading it; a link out of the project (out) is no record, and a problem."""
    if out:
        return None, [link_out(path, shown)]
    source, found = read_source(path, shown)
    readable = source is not None and isinstance(source.data, dict) and not found
    return RawRecord(kind, record_id, source if readable else None, language), found


def _not_a_language(path: Path, shown: str, name: str, example: str) -> Problem:
    message = (
        f"file name '{path.name}': '{path.stem.partition('.')[2]}' is not a language tag; a "
        f"translation is named {name}.LANG{path.suffix}, such as {example}.ms{path.suffix}"
    )
    return Problem(shown, 1, 1, message)


def leaves(path: Path, root: Path) -> bool:
    """True when path, after following symlinks, lies outside root."""
    return not path.resolve().is_relative_to(root.resolve())


def link_out(path: Path, shown: str) -> Problem:
    message = (
        f"this file is a link to '{path.resolve()}', outside the project; "
        "copy the file into the project instead"
    )
    return Problem(shown, 1, 1, message)


def shown_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
