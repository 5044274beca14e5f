"""The way back from Word: `advocacy import-docx FILE.docx [--apply]`.

A Word file from `advocacy build --docx` holds each prose field between two
ends of a bookmark (adv_PLACE_TEXT, render.FieldMark): PLACE names the file
and field, TEXT the text it had. Importing an edited copy:

1. the file's property names its edition; that edition is rendered again,
   with its marks, and written as a Word file too: the baseline;
2. both files are read paragraph by paragraph, each paragraph under the
   field bookmark it lies in (`read_fields`); what lies in none is "outside";
3. a field whose text differs from the baseline's is changed: its new
   Markdown is made from the Word runs (bold, italic, links; each citation,
   a bookmark of its own, becomes its [@key] cluster again) and shown as a
   unified diff at the field's file and line; with --apply it is written
   into the YAML in place of the old value, every other byte of the file
   kept (comments, key order, layout), and the file read back to check;
4. what cannot be mapped back is reported, never dropped: a paragraph
   outside every field that the baseline lacks, a field whose bookmark is
   gone, a field changed in both the YAML and Word since the file was
   made; Word comments are listed with the field they are anchored in;
   tracked changes not yet accepted are reported and not imported.
"""

from __future__ import annotations

import difflib
import re
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from advocacy.errors import AdvocacyError, Problem

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MARK = re.compile(r"^(adv_[0-9a-f]{8})_([0-9a-f]{6})(?:_(\d+))?$")
CITATION = re.compile(r"^(adv_[0-9a-f]{8}_[0-9a-f]{6}(?:_\d+)?)_c(\d+)$")


def w(name: str) -> str:
    return f"{{{W}}}{name}"


# ------------------------------------------------------------------ reading Word


@dataclass
class Piece:
    """A stretch of a paragraph's text with one formatting, or a citation."""

    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None
    citation: tuple[str, int] | None = None  # (field mark, index of the citation in it)
    field: str | None = None  # the field mark it lies in


@dataclass
class Paragraph:
    number: int  # in the body, from 1
    pieces: list[Piece] = field(default_factory=list)
    listed: bool = False  # a list item

    @property
    def text(self) -> str:
        return " ".join("".join(p.text for p in self.pieces).split())


@dataclass
class Pending:
    """A tracked change not yet accepted or rejected."""

    kind: str  # "inserted" or "deleted"
    text: str
    author: str
    paragraph: int


@dataclass
class WordFile:
    fields: dict[str, list[Paragraph]]  # field mark (without _N) -> its paragraphs
    outside: list[Paragraph]
    pending: dict[str | None, list[Pending]]
    comments: dict[str | None, list[tuple[str, str, int]]]  # mark -> (author, text, paragraph)
    edition: str | None


def read_word(path: Path, shown: str) -> WordFile:
    """The fields, the paragraphs outside them, pending changes and comments of a DOCX."""
    try:
        with zipfile.ZipFile(path) as package:
            body = etree.fromstring(package.read("word/document.xml"))
            links = _relationships(package)
            notes = _comments(package)
            edition = _edition(package)
    except (OSError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AdvocacyError(
            [Problem(shown, 0, 0, f"cannot be read as a Word file (.docx): {reason}")]
        ) from exc
    reader = _Reader(links, notes)
    reader.walk(body.find(w("body")))
    return WordFile(reader.fields, reader.outside, reader.pending, reader.comments, edition)


def _relationships(package: zipfile.ZipFile) -> dict[str, str]:
    try:
        root = etree.fromstring(package.read("word/_rels/document.xml.rels"))
    except KeyError:
        return {}
    return {r.get("Id"): r.get("Target") for r in root if r.get("TargetMode") == "External"}


def _comments(package: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    try:
        root = etree.fromstring(package.read("word/comments.xml"))
    except KeyError:
        return {}
    found = {}
    for comment in root.iter(w("comment")):
        text = " ".join(" ".join(t.text or "" for t in comment.iter(w("t"))).split())
        found[comment.get(w("id"))] = (comment.get(w("author")) or "someone", text)
    return found


def _edition(package: zipfile.ZipFile) -> str | None:
    from advocacy.docx import PROPERTY

    try:
        root = etree.fromstring(package.read("docProps/custom.xml"))
    except KeyError:
        return None
    for item in root:
        if item.get("name") == PROPERTY:
            return "".join(item.itertext()).strip() or None
    return None


class _Reader:
    """Walks a body in order, keeping the bookmarks open at each point."""

    def __init__(self, links: dict[str, str], notes: dict[str, tuple[str, str]]):
        self.links, self.notes = links, notes
        self.open: dict[str, str] = {}  # bookmark id -> name
        self.fields: dict[str, list[Paragraph]] = {}
        self.outside: list[Paragraph] = []
        self.pending: dict[str | None, list[Pending]] = {}
        self.comments: dict[str | None, list[tuple[str, str, int]]] = {}
        self.count = 0
        self.paragraph: Paragraph | None = None

    def field(self) -> str | None:
        """The field mark the reader is in: the last opened that is a field."""
        for name in reversed(list(self.open.values())):
            match = MARK.match(name)
            if match:
                return f"{match.group(1)}_{match.group(2)}"
        return None

    def citation(self) -> tuple[str, int] | None:
        for name in reversed(list(self.open.values())):
            match = CITATION.match(name)
            if match:
                return match.group(1), int(match.group(2))
        return None

    def walk(self, element, style: tuple = (False, False), link: str | None = None) -> None:
        for child in element:
            tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
            if tag == "bookmarkStart":
                self.open[child.get(w("id"))] = child.get(w("name")) or ""
            elif tag == "bookmarkEnd":
                self.open.pop(child.get(w("id")), None)
            elif tag == "p":
                self._paragraph(child)
            elif tag == "r":
                self._run(child, link)
            elif tag == "hyperlink":
                target = self.links.get(child.get(f"{{{R}}}id"))
                self.walk(child, style, target)
            elif tag == "ins":
                self._pending("inserted", child, "t")
            elif tag == "del":
                self._pending("deleted", child, "delText")
                self._deleted_text(child, link)
            elif tag == "commentRangeStart":
                author, text = self.notes.get(child.get(w("id")), ("someone", ""))
                number = self.paragraph.number if self.paragraph else self.count
                self.comments.setdefault(self.field(), []).append((author, text, number))
            elif tag in ("body", "tbl", "tr", "tc", "sdt", "sdtContent", "smartTag", "fldSimple"):
                self.walk(child, style, link)

    def _paragraph(self, element) -> None:
        """A paragraph, split by the fields its pieces lie in (a label and an
        inline field share one); the pieces in none are outside."""
        self.count += 1
        numbered = element.find(f"{w('pPr')}/{w('numPr')}") is not None
        self.paragraph = Paragraph(self.count, listed=numbered)
        self.walk(element)
        parts: dict[str | None, Paragraph] = {}
        for piece in self.paragraph.pieces:
            part = parts.setdefault(piece.field, Paragraph(self.count, listed=numbered))
            part.pieces.append(piece)
        for where, part in parts.items() or [(None, self.paragraph)]:
            if where is None:
                self.outside.append(part)
            else:
                self.fields.setdefault(where, []).append(part)
        self.paragraph = None

    def _run(self, run, link: str | None) -> None:
        if self.paragraph is None:
            return
        properties = run.find(w("rPr"))
        bold = properties is not None and _on(properties.find(w("b")))
        italic = properties is not None and _on(properties.find(w("i")))
        text = []
        for part in run:
            name = etree.QName(part).localname
            if name in ("t", "delText"):
                text.append(part.text or "")
            elif name in ("tab", "br", "cr"):
                text.append(" ")
            elif name == "noBreakHyphen":
                text.append("-")
            elif name == "footnoteReference":
                text.append("")
        piece = Piece("".join(text), bold, italic, link, self.citation(), self.field())
        self.paragraph.pieces.append(piece)

    def _deleted_text(self, element, link: str | None) -> None:
        """A deletion not yet accepted: its text is still the field's."""
        for run in element.iter(w("r")):
            self._run(run, link)

    def _pending(self, kind: str, element, text_tag: str) -> None:
        text = "".join(t.text or "" for t in element.iter(w(text_tag)))
        author = element.get(w("author")) or "someone"
        number = self.paragraph.number if self.paragraph else self.count + 1
        self.pending.setdefault(self.field(), []).append(Pending(kind, text, author, number))


def _on(element) -> bool:
    return element is not None and element.get(w("val"), "true") not in ("0", "false", "none")


# -------------------------------------------------------------------- to Markdown

TYPOGRAPHY = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."}
DASHES = {"\u2013": "--", "\u2014": "---"}


def markdown(paragraphs: list[Paragraph], clusters: list[str], original: str) -> str:
    """The Markdown of a field's paragraphs; citation k is clusters[k] again.

    Quotes and dashes go back to how Markdown writes them when the original
    wrote them so (smarty made them curly); otherwise they stay as typed.
    """
    blocks = []
    for paragraph in paragraphs:
        text = _inline(paragraph.pieces, clusters)
        for char, plain in {**TYPOGRAPHY, **DASHES}.items():
            if char in text and char not in original:
                text = text.replace(char, plain)
        blocks.append(f"- {text}" if paragraph.listed else text)
    joined = []
    for index, block in enumerate(blocks):
        if index and not (block.startswith("- ") and blocks[index - 1].startswith("- ")):
            joined.append("\n")
        joined.append(block)
    return "\n".join(part for part in joined).replace("\n\n\n", "\n\n").strip()


def _inline(pieces: list[Piece], clusters: list[str]) -> str:
    out: list[str] = []
    cited: set[int] = set()
    for piece in _merged(pieces):
        if piece.citation is not None:
            index = piece.citation[1]
            if index not in cited and index < len(clusters):
                cited.add(index)
                out.append(clusters[index])
            continue
        text = _escaped(piece.text)
        if not text.strip():
            out.append(text)
            continue
        lead, core, trail = _split_space(text)
        if piece.bold and piece.italic:
            core = f"***{core}***"
        elif piece.bold:
            core = f"**{core}**"
        elif piece.italic:
            core = f"*{core}*"
        if piece.link:
            core = f"[{core}]({piece.link})"
        out.append(f"{lead}{core}{trail}")
    return " ".join("".join(out).split())


def _merged(pieces: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        same = last is not None and (last.bold, last.italic, last.link, last.citation) == (
            piece.bold,
            piece.italic,
            piece.link,
            piece.citation,
        )
        if same:
            last.text += piece.text
        else:
            merged.append(
                Piece(piece.text, piece.bold, piece.italic, piece.link, piece.citation, piece.field)
            )
    return merged


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip()
    start = text.index(core)
    return text[:start], core, text[start + len(core) :]


def _escaped(text: str) -> str:
    """Typed text as Markdown that prints it: the marks Markdown reads, escaped."""
    return re.sub(r"([\\*_`\[\]]|(?<![\w])@)", r"\\\1", text)


# ------------------------------------------------------------------ the command


def import_docx(paths, file: Path, write: bool) -> tuple[list[Change], list[Problem]]:
    """Compare an edited Word file with its edition as the content gives it now;
    with write, put each changed field into its YAML file."""
    from advocacy.build import editions_chosen, load_project, render_page
    from advocacy.docx import render_docx

    shown = paths.shown(file.absolute()) if file.is_absolute() else str(file)
    edited = read_word(file, shown)
    project = load_project(paths)
    chosen = editions_chosen(project.corpus, None)
    name = edited.edition
    if name not in chosen:
        known = ", ".join(chosen)
        what = f"its edition '{name}' is not in the content" if name else "it names no edition"
        message = (
            f"not a Word file this project's build wrote ({what}); import a file written "
            f"by 'advocacy build --docx', one of: {known}"
        )
        raise AdvocacyError([Problem(shown, 0, 0, message)])
    document, corpus = chosen[name]
    marks = render_page(project, document, corpus, marks=True).marks
    with tempfile.TemporaryDirectory(prefix="advocacy-import-") as folder:
        fresh = Path(folder) / f"{name}.docx"
        render_docx(project, document, corpus, name, fresh)
        baseline = read_word(fresh, shown)
    sources = _sources(project.corpus)
    found = compare(edited, baseline, marks, shown, sources)
    if write:
        for change in found.changes:
            apply(change, paths.root)
    return found.changes, found.problems


def _sources(corpus) -> dict:
    """Every content file read, as shown -> its Source: records and translations."""
    found = {source.path: source for source in corpus.sources.values()}
    for translation in corpus.translations.values():
        found[translation.source.path] = translation.source
    return found


# --------------------------------------------------------------------- comparing


@dataclass
class Change:
    mark: object  # render.FieldMark
    line: int
    column: int
    new: str


@dataclass
class Import:
    changes: list[Change]
    problems: list[Problem]  # warnings and notes, located


def compare(edited: WordFile, baseline: WordFile, marks: dict, shown: str, sources) -> Import:
    """What the edited Word file changes, against the baseline of the same edition.

    marks are the baseline's render.FieldMark by bookmark name; sources
    maps a file as shown to its content.Source, for the fields' lines.
    """
    changes, problems = [], []
    for name, paragraphs in edited.fields.items():
        mark = _mark(name, marks)
        if mark is None:
            first = paragraphs[0].number if paragraphs else 0
            problems.append(
                Problem(
                    shown,
                    first,
                    1,
                    "a field of an older content (it is no longer in "
                    "the document) is not imported: " + _quoted(paragraphs),
                    "warning",
                )
            )
            continue
        line, column = _place(mark, sources)
        was = baseline.fields.get(mark.name, [])
        if _texts(paragraphs) == _texts(was):
            continue
        if name != mark.name:
            message = (
                f"{mark.loc_text()} changed in the YAML since the Word file was made, and in "
                f"Word too; not imported: merge by hand: {_quoted(paragraphs)}"
            )
            problems.append(Problem(mark.path, line, column, message, "warning"))
            continue
        from advocacy.prose import citations_in

        clusters = [cluster for _offset, cluster, _keys in citations_in(mark.value)]
        changes.append(Change(mark, line, column, markdown(paragraphs, clusters, mark.value)))
    for name, mark in marks.items():
        if (
            name in baseline.fields
            and name not in edited.fields
            and name[:12] not in {n[:12] for n in edited.fields}
        ):
            line, column = _place(mark, sources)
            message = (
                f"{mark.loc_text()}: its text was deleted in the Word file (its bookmark is "
                "gone); the YAML keeps it: delete it there if that is meant"
            )
            problems.append(Problem(mark.path, line, column, message, "warning"))
    problems += _outside(edited, baseline, shown)
    problems += _pending(edited, marks, sources, shown)
    problems += _comments_of(edited, marks, sources, shown)
    return Import(changes, problems)


def _texts(paragraphs: list[Paragraph]) -> list[str]:
    return [p.text for p in paragraphs if p.text]


def _quoted(paragraphs: list[Paragraph]) -> str:
    text = " / ".join(_texts(paragraphs))
    return f'"{textwrap.shorten(text, 120, placeholder=" ...")}"'


def _place(mark, sources) -> tuple[int, int]:
    source = sources.get(mark.path)
    return source.key_position(mark.loc) if source is not None else (1, 1)


def _outside(edited: WordFile, baseline: WordFile, shown: str) -> list[Problem]:
    """Paragraphs outside every field that the baseline does not have."""
    known: dict[str, int] = {}
    for paragraph in baseline.outside:
        known[paragraph.text] = known.get(paragraph.text, 0) + 1
    problems = []
    for paragraph in edited.outside:
        if not paragraph.text:
            continue
        if known.get(paragraph.text, 0) > 0:
            known[paragraph.text] -= 1
            continue
        message = (
            f"paragraph {paragraph.number} is outside every field (a heading, a label, or "
            "text added between fields), so it is not imported; copy it into the YAML: "
            f'"{textwrap.shorten(paragraph.text, 120, placeholder=" ...")}"'
        )
        problems.append(Problem(shown, paragraph.number, 1, message, "warning"))
    return problems


def _pending(edited: WordFile, marks: dict, sources, shown: str) -> list[Problem]:
    problems = []
    for name, changes in edited.pending.items():
        mark = _mark(name, marks)
        for change in changes:
            where = f"in {mark.loc_text()}" if mark else "outside every field"
            message = (
                f"a tracked change not yet accepted ({change.kind} "
                f'"{textwrap.shorten(change.text, 60, placeholder=" ...")}" by {change.author}) '
                f"{where} is not imported: accept or reject it in Word, then import again"
            )
            problems.append(_at(mark, sources, shown, change.paragraph, message, "warning"))
    return problems


def _comments_of(edited: WordFile, marks: dict, sources, shown: str) -> list[Problem]:
    problems = []
    for name, comments in edited.comments.items():
        mark = _mark(name, marks)
        for author, text, number in comments:
            where = f"on {mark.loc_text()}" if mark else "outside every field"
            message = f'comment by {author} {where}: "{text}"'
            problems.append(_at(mark, sources, shown, number, message, "note"))
    return problems


def _at(mark, sources, shown: str, paragraph: int, message: str, level: str) -> Problem:
    """A problem at the field's line in its YAML, or, outside every field, at the
    paragraph of the Word file."""
    if mark is None:
        return Problem(shown, paragraph, 1, message, level)
    return Problem(mark.path, *_place(mark, sources), message, level)


def _mark(name: str | None, marks: dict):
    """The field a bookmark names: the same mark, or the mark of the same place
    (adv_PLACE) whose text has changed since the Word file was made."""
    if name is None:
        return None
    return marks.get(name) or next((m for n, m in marks.items() if n[:12] == name[:12]), None)


def diff(change: Change) -> str:
    """A unified diff of the field's text, its lines wrapped, named by file:line."""
    where = f"{change.mark.path}:{change.line}"

    def lines(text: str) -> list[str]:
        paragraphs = re.split(r"\n\s*\n", text.strip())
        wrapped = []
        for index, paragraph in enumerate(paragraphs):
            if index:
                wrapped.append("")
            wrapped += textwrap.wrap(" ".join(paragraph.split()), 76) or [""]
        return wrapped

    body = difflib.unified_diff(
        lines(change.mark.value),
        lines(change.new),
        fromfile=f"{where} ({change.mark.loc_text()}, in the YAML)",
        tofile=f"{where} ({change.mark.loc_text()}, in Word)",
        lineterm="",
    )
    return "\n".join(body)


# ----------------------------------------------------------------------- writing


def apply(change: Change, root: Path) -> None:
    """Write the change's new text into its YAML file, in place of the old value."""
    from advocacy.content import read_source

    path = root / change.mark.path
    raw = path.read_bytes()
    source, problems = read_source(path, change.mark.path)
    if source is None or tuple(change.mark.loc) not in source.spans:
        reason = problems[0].message if problems else "the field is no longer where it was"
        raise AdvocacyError(
            [Problem(change.mark.path, change.line, change.column, f"not written: {reason}")]
        )
    start, end = source.spans[tuple(change.mark.loc)]
    text = source.text
    indent = _indent(source, change.mark.loc)
    written = text[:start] + _scalar(change.new, indent, text[start:end]) + text[end:]
    if b"\r\n" in raw:
        written = written.replace("\n", "\r\n")
    data = written.encode("utf-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        data = b"\xef\xbb\xbf" + data
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as scratch:
        scratch.write(data)
    check, problems = read_source(Path(scratch.name), change.mark.path)
    value = check.value(tuple(change.mark.loc)) if check is not None else None
    if not isinstance(value, str) or _words(value) != _words(change.new):
        Path(scratch.name).unlink()
        raise AdvocacyError(
            [
                Problem(
                    change.mark.path,
                    change.line,
                    change.column,
                    "not written: the new text would not read back as written (a bug: "
                    "please report it with the Word file)",
                )
            ]
        )
    Path(scratch.name).replace(path)


def _words(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]


def _indent(source, loc: tuple) -> int:
    """The indentation a block scalar's lines take for the value at loc."""
    column = source.key_position(loc)[1]
    return column - 1 + 2


def _scalar(text: str, indent: int, old: str) -> str:
    """text as a block scalar at indent, its paragraphs kept apart: folded (>),
    or literal (|) when it holds a list, whose lines folding would join."""
    pad = " " * indent
    paragraphs = re.split(r"\n\s*\n", text.strip())
    listed = any(p.startswith("- ") or "\n- " in p for p in paragraphs)
    lines = ["|" if listed else ">"]
    for index, paragraph in enumerate(paragraphs):
        if index:
            lines.append("")
        if listed:
            lines += [pad + line.strip() for line in paragraph.splitlines()]
            continue
        width = max(40, 80 - indent)
        lines += [pad + part for part in textwrap.wrap(" ".join(paragraph.split()), width)]
    tail = "\n" if old.endswith("\n") else ""
    return "\n".join(lines) + tail
