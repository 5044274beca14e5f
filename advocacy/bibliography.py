"""The .bib file: read and checked with bibtexparser, handed on in part.

Problems are reported at the entry's line and name its key: duplicate keys,
entries that do not parse (unbalanced braces, a missing comma), undefined
@string macros, bytes that are not UTF-8. The CSL processor gets only the
entries a document cites, without the fields that are never printed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.model import Entry

from advocacy.content import not_utf8
from advocacy.errors import Problem, suggest

# Never printed, and never handed to the CSL processor: notes on how an entry
# was checked, paths on someone's disk, abstracts.
PRIVATE_FIELDS = {"annote", "annotation", "file", "abstract", "comment"}
LITERAL_FIELDS = {"institution", "organization", "publisher", "school"}
MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
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


@dataclass
class Bibliography:
    """The entries of a .bib file, raw as written, and where each starts."""

    path: Path
    shown: str
    lines: dict[str, int] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    strings: list[str] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        return set(self.lines)

    def subset(self, keys: set[str]) -> str:
        """BibTeX text of the entries in keys (and the entries they crossref)."""
        wanted = set(keys)
        for key in keys:
            parent = self._crossref(key)
            if parent:
                wanted.add(parent)
        blocks = list(self.strings)
        blocks += [_entry_text(self.entries[k]) for k in sorted(wanted) if k in self.entries]
        return "\n\n".join(blocks) + "\n"

    def _crossref(self, key: str) -> str | None:
        entry = self.entries.get(key)
        value = entry.fields_dict.get("crossref") if entry else None
        return _unwrap(value.value) if value else None


def _entry_text(entry: Entry) -> str:
    fields = [
        f"  {f.key} = {_protected(f.key, f.value)}"
        for f in entry.fields
        if f.key.lower() not in PRIVATE_FIELDS
    ]
    return f"@{entry.entry_type}{{{entry.key},\n" + ",\n".join(fields) + "\n}"


def _protected(name: str, value: str) -> str:
    """Brace a literal field whose 'and' pandoc would read as a list separator.

    pandoc splits institution, organization, publisher and school on ' and '
    ("Ministry of Trade; Industry"); braces keep "Ministry of Trade and Industry".
    """
    if name.lower() not in LITERAL_FIELDS or " and " not in value:
        return value
    value = value.strip()
    if value[:1] == "{" and value[-1:] == "}" and not value.startswith("{{"):
        return "{" + value + "}"
    if value[:1] == '"' and value[-1:] == '"':
        return "{{" + value[1:-1] + "}}"
    return value


def _unwrap(value: str) -> str:
    value = value.strip()
    if value[:1] in '{"' and value[-1:] in '}"':
        return value[1:-1].strip()
    return value


def read_bibliography(path: Path, shown: str) -> tuple[Bibliography, list[Problem]]:
    """Parse a .bib file; return it and every problem found in it."""
    bib = Bibliography(path, shown)
    if not path.is_file():
        return bib, [Problem(shown, 1, 1, "bibliography not found; add a .bib file here")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        return bib, [not_utf8(raw, exc, shown)]
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # we report failures
    library = bibtexparser.parse_string(text, parse_stack=[])  # values kept raw
    for entry in library.entries:
        bib.lines.setdefault(entry.key, (entry.start_line or 0) + 1)
        bib.entries.setdefault(entry.key, entry)
    bib.strings = [block.raw for block in library.strings]
    macros = {block.key.lower() for block in library.strings} | MONTHS
    problems = [_failed(block, bib, shown) for block in library.failed_blocks]
    for entry in bib.entries.values():
        problems.extend(_undefined_macros(entry, macros, shown))
    return bib, problems


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


def _undefined_macros(entry: Entry, macros: set[str], shown: str):
    line = (entry.start_line or 0) + 1
    for f in entry.fields:
        for part in re.split(r"\s#\s", f.value):
            name = part.strip()
            if re.fullmatch(r"[A-Za-z][\w:.-]*", name) and name.lower() not in macros:
                hint = suggest(name.lower(), sorted(macros - MONTHS))
                message = (
                    f"entry '{entry.key}': {f.key} uses the macro '{name}', which no @string "
                    f"defines{hint}; define it, or put the value in braces"
                )
                yield Problem(shown, line, 1, message)


def missing_fields(bib: Bibliography, keys: set[str]) -> list[Problem]:
    """Warnings for cited entries that lack a field their type needs."""
    problems = []
    for key in sorted(keys & bib.keys):
        entry = bib.entries[key]
        present = {f.key.lower() for f in entry.fields}
        parent = bib._crossref(key)
        if parent in bib.entries:
            present |= {f.key.lower() for f in bib.entries[parent].fields}
        needs = ["title", "author|editor", *NEEDS.get(entry.entry_type.lower(), ("year|date",))]
        for need in needs:
            if not present & set(need.split("|")):
                wanted = " or ".join(need.split("|"))
                message = (
                    f"entry '{key}' ({entry.entry_type}) has no {wanted}; "
                    "the reference will lack it"
                )
                problems.append(Problem(bib.shown, bib.lines[key], 1, message, "warning"))
    return problems


def uncited(bib: Bibliography, cited: set[str]) -> list[Problem]:
    """An info line for each entry that nothing cites."""
    return [
        Problem(bib.shown, bib.lines[key], 1, f"entry '{key}' is not cited anywhere", "info")
        for key in sorted(bib.keys - cited)
    ]
