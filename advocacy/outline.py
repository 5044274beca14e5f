"""The outline of one document: its numbered sections and what each shows.

Computed once per document from its type's spec (doctypes.py). Templates,
the table of contents, the evidence ledger, build/<id>.evidence.json, the
unused-record lint, `advocacy trace` and the page-budget message all read
it, so what a document shows and where is decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from advocacy import schema
from advocacy.corpus import Corpus
from advocacy.doctypes import LEDGER, DocumentBase, DocumentSpec, Part, spec_of
from advocacy.labels import SOURCE, Labels

# A document's link fields and the kind of record each names.
DOCUMENT_LINKS = {name: kinds[0] for name, kinds in schema.LINKS["document"].items()}
GROUPED = ("exclusions", "initiatives", "themes")  # what an engagement brings along


@dataclass(frozen=True)
class Shown:
    """A record as a document shows it: its kind, id and anchor."""

    kind: str
    id: str

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.id}"


@dataclass
class Section:
    id: str
    title: str
    number: str | None
    level: int
    fields: tuple[str, ...] = ()  # the document's own fields printed here
    records: list[Shown] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    record: Shown | None = None  # for a section made for one record
    in_toc: bool = True
    label: Markup | None = None  # the title as HTML: an untranslated one inside lang="en"

    @property
    def heading(self) -> Markup:
        return self.label if self.label is not None else escape(self.title)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Outline:
    """The sections of one document, in reading order."""

    document: DocumentBase
    spec: DocumentSpec
    sections: list[Section]
    ledger: bool
    labels: Labels

    def __getitem__(self, section_id: str) -> Section | None:
        return next((s for s in self.all() if s.id == section_id), None)

    def all(self) -> list[Section]:
        return [s for top in self.sections for s in top.walk()]

    def shown(self) -> list[Shown]:
        """Every record the document shows, in reading order, once."""
        return list(dict.fromkeys(r for s in self.all() for r in s.records))

    def anchors(self) -> set[str]:
        return {r.anchor for r in self.shown()}

    def section_of(self, shown: Shown) -> Section | None:
        """The innermost section that shows a record."""
        found = None
        for section in self.all():
            if shown in section.records:
                found = section
        return found

    def recommendations(self) -> list[str]:
        """Ids of the recommendations the document makes, in order."""
        return [r.id for r in self.shown() if r.kind == "recommendation"]

    def toc(self) -> list[Section]:
        return [s for s in self.all() if s.level <= 2 and s.in_toc]


def outline(corpus: Corpus, document: DocumentBase, labels: Labels | None = None) -> Outline:
    """The sections of a document; their titles in the language of labels."""
    labels = labels or Labels(SOURCE)
    spec = spec_of(document)
    ledger = spec.ledger if document.ledger is None else document.ledger
    sections, number = [], 0
    for part in spec.parts:
        if part.id == LEDGER.id and not ledger:
            continue
        if not _present(part, document):
            continue
        numbered = spec.numbered and part.numbered
        number += numbered
        label = str(number) if numbered else None
        sections.append(_section(corpus, document, part, label, 1, labels))
    return Outline(document, spec, sections, ledger, labels)


def _present(part: Part, document: DocumentBase) -> bool:
    if part.always or part.each:
        return True
    return any(getattr(document, name, None) for name in part.shows)


def _section(corpus, document, part: Part, number: str | None, level: int, labels) -> Section:
    prose = tuple(n for n in part.shows if n not in DOCUMENT_LINKS and getattr(document, n, None))
    title, label = labels.plain(part.title), labels.html(part.title)
    section = Section(part.id, title, number, level, fields=prose, in_toc=part.in_toc, label=label)
    for name in part.shows:
        section.records += _records(corpus, document, name)
    index = 0
    for child in part.children:
        if _present(child, document):
            index += 1
            label = f"{number}.{index}" if number else None
            section.children.append(_section(corpus, document, child, label, level + 1, labels))
    if part.each:
        for record_id in getattr(document, part.each):
            section.children.append(_one_record(corpus, part.each, record_id, level + 1))
    return section


def _records(corpus: Corpus, document: DocumentBase, name: str) -> list[Shown]:
    kind = DOCUMENT_LINKS.get(name)
    if kind is None:
        return []
    ids = schema.linked_ids(document, name)
    return [shown for record_id in ids for shown in _with_grouped(corpus, kind, record_id)]


def _with_grouped(corpus: Corpus, kind: str, record_id: str) -> list[Shown]:
    """A record, and for an area of engagement the records it groups, in order."""
    found = [Shown(kind, record_id)]
    if kind == "engagement":
        engagement = corpus.get(kind, record_id)
        for grouped in GROUPED:
            found += [Shown(DOCUMENT_LINKS[grouped], i) for i in getattr(engagement, grouped)]
    return found


def _one_record(corpus: Corpus, name: str, record_id: str, level: int) -> Section:
    """A subsection for one record: an area of engagement and what it groups."""
    kind = DOCUMENT_LINKS[name]
    record = corpus.get(kind, record_id)
    shown = Shown(kind, record_id)
    number = str(getattr(record, "number", "")) or None
    section = Section(shown.anchor, record_name(record), number, level, record=shown)
    section.records = _with_grouped(corpus, kind, record_id)
    return section


def record_name(record: schema.Record) -> str:
    for name in ("name", "title"):
        if getattr(record, name, None):
            return getattr(record, name)
    return record.id


def evidence_of(corpus: Corpus, plan: Outline):
    """(recommendation, [(kind, record)]) for each recommendation the document makes."""
    for rec_id in plan.recommendations():
        rec = corpus.get("recommendation", rec_id)
        yield rec, [corpus.find(record_id) for record_id in rec.rests_on]


def used_records(corpus: Corpus, plan: Outline) -> set[tuple[str, str]]:
    """(kind, id) of every record a document shows or rests a recommendation on."""
    used = {(r.kind, r.id) for r in plan.shown()}
    for _rec, found in evidence_of(corpus, plan):
        used |= {(kind, record.id) for kind, record in found}
    return used
