"""Every claim traceable: the evidence behind each recommendation.

Three things read the links that content already holds (a recommendation
`rests_on` records, records name their `sources`):

- lints for `advocacy check` (a recommendation with no evidence, a figure
  with no citation in its sentence, a record that no document uses);
- build/<document>.evidence.json, the machine-readable trace;
- `advocacy trace ID`: where a record or a citation key is used.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from pydantic import BaseModel, Field

from advocacy import cache, schema
from advocacy.citations import clusters_in
from advocacy.corpus import Corpus, cited_keys, dotted, prose_texts, record_models
from advocacy.doctypes import DocumentBase
from advocacy.errors import Problem
from advocacy.outline import Outline, Shown, evidence_of, outline, record_name, used_records
from advocacy.render import KIND_LABELS

# ------------------------------------------------------------------ the file


class Location(BaseModel):
    """Where in the document something is: its anchor, page and HTML link."""

    anchor: str
    html: str = Field(description="Link into the HTML document, e.g. brief.html#exclusion-x")
    page: int | None = Field(description="Page of the PDF; null when no PDF was built.")


class SourceEntry(BaseModel):
    key: str
    locator: str | None = None
    reference: str = Field(description="The entry as the document's reference list gives it.")
    doi: str | None = None
    url: str | None = None


class EvidenceEntry(BaseModel):
    id: str
    kind: str
    name: str
    location: Location | None = Field(description="null when the document does not show it")
    sources: list[SourceEntry]


class RecommendationEntry(BaseModel):
    id: str
    title: str
    action: str = Field(description="The action as written (Markdown).")
    addressed_to: list[str]
    location: Location
    evidence: list[EvidenceEntry]
    sources: list[SourceEntry]


class DocumentEntry(BaseModel):
    id: str
    type: str
    title: str
    date: str


class EvidenceFile(BaseModel):
    """build/<document>.evidence.json: recommendation -> evidence -> sources."""

    document: DocumentEntry
    recommendations: list[RecommendationEntry]


def evidence_schema() -> dict:
    found = EvidenceFile.model_json_schema()
    found["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    found["$id"] = "evidence.schema.json"
    return found


def evidence_file(
    corpus: Corpus,
    bib,
    plan: Outline,
    references: dict[str, str],
    pages: dict[str, int],
) -> EvidenceFile:
    """The trace of one document; pages maps anchors to PDF pages (may be empty)."""
    document = plan.document
    shown = plan.anchors()

    def where(anchor: str) -> Location | None:
        if anchor not in shown:
            return None
        return Location(anchor=anchor, html=f"{document.id}.html#{anchor}", page=pages.get(anchor))

    def sources(record: schema.Record) -> list[SourceEntry]:
        return [_source(bib, s, references) for s in record.sources]

    entries = []
    for rec, found in evidence_of(corpus, plan):
        rec_id, evidence = rec.id, []
        for kind, record in found:
            record_id = record.id
            evidence.append(
                EvidenceEntry(
                    id=record_id,
                    kind=KIND_LABELS.get(kind, kind),
                    name=record_name(record),
                    location=where(f"{kind}-{record_id}"),
                    sources=sources(record),
                )
            )
        entries.append(
            RecommendationEntry(
                id=rec_id,
                title=rec.title,
                action=rec.action,
                addressed_to=list(rec.addressed_to),
                location=where(f"recommendation-{rec_id}"),
                evidence=evidence,
                sources=sources(rec),
            )
        )
    head = DocumentEntry(
        id=document.id, type=document.type, title=document.title, date=document.date.iso()
    )
    return EvidenceFile(document=head, recommendations=entries)


def _source(bib, source, references: dict[str, str]) -> SourceEntry:
    key = schema.source_key(source)
    entry = bib.entries.get(key)
    fields = {f.key.lower(): _plain(f.value) for f in entry.fields} if entry else {}
    doi = fields.get("doi")
    return SourceEntry(
        key=key,
        locator=getattr(source, "locator", None),
        reference=references.get(key) or _fallback_reference(fields, key),
        doi=f"https://doi.org/{doi}" if doi and not doi.startswith("http") else doi,
        url=fields.get("url"),
    )


def _fallback_reference(fields: dict[str, str], key: str) -> str:
    """Author, year and title, when the document's reference list lacks the entry."""
    parts = [fields.get(name) for name in ("author", "year", "title")]
    return ". ".join(p for p in parts if p) + "." if any(parts) else key


def _plain(value: str) -> str:
    return value.strip().strip('{}"').strip()


# ------------------------------------------------------------------- lints

# Digits of every script are read as the ASCII digits of the same value
# (unicodedata.decimal: ๔๐, ४०, ៤០, ৪০ and full-width ４０ are 40), so one set
# of patterns reads them all. The words are those of the languages the label
# catalogs ship (templates/locale/*.po): for per cent, money and large numbers.
LANGUAGES = ("ms", "id", "th", "vi", "km", "fil", "zh", "hi", "ne")
CJK_DIGIT = "〇零一二两三四五六七八九"
CJK_UNIT = "十百千万萬亿億"
CJK_NUMERAL = CJK_DIGIT + CJK_UNIT
# Scripts written without spaces between words: a number in them touches letters.
UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
PERCENT = (
    r"\d[\d.,]*\s?(?:%|％|per\s?cent\b|percent\b|peratus\b|persen\b|porsiyento\b|porsyento\b"
    r"|bahagdan\b|phần trăm|प्रतिशत|เปอร์เซ็นต์|ភាគរយ)"
    rf"|(?:ร้อยละ|bahagdan|ភាគរយ)\s?\d|百分之[{CJK_NUMERAL}\d]+|[一二三四五六七八九]成"
)
MONEY = (
    r"(?:[$€£¥₹₫₱฿៛৳]\s?\d[\d.,]*|\b(?:RM|Rp|Rs\.?|PHP|MYR|IDR|THB|VND|KHR|USD)\s?\d[\d.,]*"
    r"|\b\d[\d.,]*\s?(?:million|billion|trillion|USD|EUR|dollars|juta|bilion|triliun|ringgit"
    r"|rupiah|riel|baht|đồng|rupees?|triệu|tỷ|piso|milyon|bilyon|ล้าน|บาท|ริงกิต|รูเปียห์"
    r"|រៀល|ដុល្លារ|លាន|रुपये|रुपया|रुपैयाँ|करोड़|लाख)"
    rf"|\d[\d.,]*\s?(?:千|万|萬|亿|億|元)|[{CJK_NUMERAL}]+(?:万|亿)?元)"
)
SHARE = (
    r"\b(?:one|two|three|four|five)[- ]in[- ](?:two|three|four|five|ten)\b"
    r"|\b(?:half|a third|a quarter|two[- ]thirds|three[- ]quarters) of\b"
)
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A count: a number that is not a year, a date, a section or document number.
COUNT = (
    rf"(?<![^\W{UNSPACED}])(?<![./-])(?<!No\. )(?<!resolution )(?<!Resolution )"
    r"(?!(?:19|20)\d\d\b)\d[\d,]*(?:\.\d+)?"
    rf"(?!(?:(?![{UNSPACED}])[\w/.-])*\d)(?! (?:" + MONTHS + r"))"
    # CJK numerals with a unit: 四十, 五千, 三百万; not 十一月 or 二十日 (dates)
    rf"|[一二三四五六七八九两十][{CJK_NUMERAL}]*[{CJK_UNIT}][{CJK_NUMERAL}]*(?![月日号])"
)
FIGURE = re.compile(f"{PERCENT}|{MONEY}|{SHARE}|{COUNT}", re.IGNORECASE)


def _month_names() -> str:
    """The months of the shipped languages (CLDR, by babel), for _date; English as
    written. Babel's data for nine languages takes a tenth of a second to load,
    so what it gave is recalled from a build before (cache.recall) when it can be."""
    from importlib import metadata

    parts = [metadata.version("babel"), LANGUAGES]
    recalled = cache.recall("months", parts)
    if recalled is not None and isinstance(recalled.get("names"), list):
        names = {str(name) for name in recalled["names"]}
    else:
        from babel.dates import get_month_names

        names = set()
        for language in LANGUAGES:
            names |= set(get_month_names("wide", locale=language).values())
            short = get_month_names("abbreviated", locale=language).values()
            names |= {name for name in short if not name.isascii()}  # ม.ค., जन॰, 5月
        cache.remember("months", parts, {"names": sorted(names)})
    return "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))


@functools.cache
def _date() -> re.Pattern:
    """Dates, whose numbers are no figures: made at the first sentence with a figure."""
    return re.compile(
        rf"\b(?:\d{{1,2}}\s+)?(?:{MONTHS})(?:\s+\d{{1,2}},?)?(?:\s+\d{{4}})?\b"
        rf"|\b\d{{1,2}}\s+(?:{MONTHS})\b"
        rf"|(?:\d{{1,2}}\s*)?(?<![A-Za-z])(?:{_month_names()})(?![A-Za-z])"
        r"(?:\s*\d{1,2}\b,?)?(?:\s*\d{4}\b)?"
        # 2024年, 5日, ngày 5; a Thai year, often of the Buddhist Era: ปี 2567, พ.ศ. 2567
        r"|\d{1,4}\s?年|\d{1,2}\s?[日号]|\bngày\s+\d{1,2}\b|(?:ปี|พ\.ศ\.|ค\.ศ\.)\s?\d{4}"
    )


# A sentence ends at . ! or ? followed by a capital or a digit, except after
# the abbreviations that precede numbers and names, and a full stop after a
# letter of a script that ends no sentence with one (Thai พ.ศ., ม.ค.).
SENTENCE_END = re.compile(
    r"(?<!\bNo\.)(?<!\bno\.)(?<!\bp\.)(?<!\bpp\.)(?<!\bchap\.)(?<!\bvol\.)(?<!\bDr\.)"
    rf"(?<!\bal\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<![{UNSPACED}]\.)(?<=[.!?])\s+(?=[A-Z0-9(\[*])"
    r"|(?<=[。！？।॥])\s*"  # Chinese and Japanese full stops, the Devanagari danda
)


class _AsciiDigits(dict):
    """str.translate table: each decimal digit of any script to the ASCII digit of its value."""

    def __missing__(self, code: int) -> str:
        value = unicodedata.decimal(chr(code), None)
        self[code] = chr(code) if value is None else str(value)
        return self[code]


ASCII_DIGITS = _AsciiDigits()


def figures_without_citation(text: str) -> list[str]:
    """Sentences of text that give a figure and cite nothing."""
    found = []
    for sentence in SENTENCE_END.split(re.sub(r"\s+", " ", text).strip()):
        prose = re.sub(r"\[[^\]]*@[^\]]*\]", "", sentence)  # a citation's own numbers
        prose = prose.translate(ASCII_DIGITS)
        if not FIGURE.search(prose):  # no figure even with its dates in: nothing to flag
            continue
        prose = _date().sub("", prose)
        if FIGURE.search(prose) and not clusters_in(sentence):
            found.append(sentence)
    return found


def lints(corpus: Corpus) -> list[Problem]:
    """The evidence lints of `advocacy check` (levels in the README)."""
    problems = []
    for (kind, record_id), source in corpus.sources.items():
        record = corpus.records[kind][record_id]
        if kind == "recommendation" and not record.rests_on:
            message = (
                f"recommendation '{record_id}' rests on no evidence; list the records it "
                "rests on under rests_on"
            )
            problems.append(source.problem(("title",), message))
        for loc, text in prose_texts(record, ()):
            for sentence in figures_without_citation(text):
                message = (
                    f"{dotted(loc)}: a figure with no citation in its sentence: '{_cut(sentence)}'"
                )
                problems.append(source.problem(loc, message, "warning"))
        if kind == "document" and record.status == "final":
            problems.extend(_unaddressed(corpus, record, source))
    for translation in corpus.translations.values():
        for loc, text in prose_texts(translation.model, ()):
            for sentence in figures_without_citation(text):
                message = (
                    f"{dotted(loc)}: a figure with no citation in its sentence: '{_cut(sentence)}'"
                )
                problems.append(translation.source.problem(loc, message, "warning"))
    problems.extend(unused_records(corpus))
    return problems


def _unaddressed(corpus: Corpus, document: DocumentBase, source) -> list[Problem]:
    """A warning for each recommendation of a final document addressed to no one."""
    problems = []
    for field in ("recommendations", "way_forward"):
        for index, rec_id in enumerate(getattr(document, field, ())):
            rec = corpus.records["recommendation"].get(rec_id)
            if rec is not None and not rec.addressed_to:
                message = (
                    f"{field}[{index}]: recommendation '{rec_id}' is addressed to no one; "
                    "give it addressed_to before publishing"
                )
                problems.append(source.problem((field, index), message, "warning"))
    return problems


def unused_records(corpus: Corpus) -> list[Problem]:
    used = set()
    for document in corpus.documents.values():
        try:
            used |= used_records(corpus, outline(corpus, document))
        except KeyError:  # a link to a record that failed its own checks
            return []
    problems = []
    for (kind, record_id), source in corpus.sources.items():
        if kind != "document" and (kind, record_id) not in used:
            message = f"{kind} '{record_id}' is not used by any document"
            problems.append(source.problem((), message, "info"))
    return problems


def _cut(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------- trace


def trace(project, target: str) -> list[str]:
    """Lines saying where a record or citation key is used, and in which sections."""
    corpus, bib = project.corpus, project.bibliography
    lines: list[str] = []
    plans = {doc_id: outline(corpus, doc) for doc_id, doc in corpus.documents.items()}
    if target in bib.keys:
        lines.append(f"{target}: citation key, {bib.where(target)}")
        lines += _key_places(project, target)
        sections = {
            doc_id: [top.title for top in plan.sections if _cites(corpus, plan, top, target)]
            for doc_id, plan in plans.items()
        }
    else:
        try:
            kind, _record = corpus.find(target)
        except KeyError:
            return []
        source = corpus.sources[(kind, target)]
        lines.append(f"{target}: {kind}, {source.path}")
        lines += _record_places(corpus, kind, target)
        shown = Shown(kind, target)
        sections = {
            doc_id: [top.title for top in plan.sections if _shows(top, shown)]
            for doc_id, plan in plans.items()
        }
    lines += [f"  in {doc_id}: {', '.join(found)}" for doc_id, found in sections.items() if found]
    resting = _resting_on(corpus, target)
    if resting:
        lines.append(f"  recommendations resting on it: {', '.join(resting)}")
    return lines


# Records whose `sources` the templates print ("Source: ..."); others cite in prose.
SOURCES_PRINTED = {"event", "figure", "table"}


def _shows(top, shown: Shown) -> bool:
    return any(shown in section.records for section in top.walk())


def _cites(corpus: Corpus, plan: Outline, top, key: str) -> bool:
    """Whether a top-level section, as printed, cites key."""
    if top.id == "evidence-ledger":
        recs = [corpus.get("recommendation", i) for i in plan.recommendations()]
        return any(key in {schema.source_key(s) for s in rec.sources} for rec in recs)
    own = {loc[0] for loc, found, _nth in cited_keys(plan.document, ()) if found == key}
    for section in top.walk():
        if own & set(section.fields):
            return True
        for shown in section.records:
            for loc, found, _nth in cited_keys(corpus.get(shown.kind, shown.id), ()):
                printed = loc[0] != "sources" or shown.kind in SOURCES_PRINTED
                if found == key and printed:
                    return True
    return False


def _key_places(project, key: str) -> list[str]:
    places = []
    for source, model in record_models(project.corpus):
        for loc, found, nth in cited_keys(model, ()):
            if found == key:
                position = source.find(loc, f"@{key}", nth) if nth >= 0 else source.position(loc)
                places.append((source.path, position, dotted(loc)))
    return [
        f"  cited at {path}:{line}:{column} ({where})"
        for path, (line, column), where in sorted(places)
    ]


def _record_places(corpus: Corpus, kind: str, target: str) -> list[str]:
    places = []
    for (other_kind, other_id), source in corpus.sources.items():
        record = corpus.records[other_kind][other_id]
        for loc, linked in schema.links_of(other_kind, record):
            if linked == target:
                line, column = source.position(loc)
                places.append(f"  linked from {source.path}:{line}:{column} ({dotted(loc)})")
    return places


def _resting_on(corpus: Corpus, target: str) -> list[str]:
    found = []
    for rec_id, rec in corpus.records["recommendation"].items():
        keys = {schema.source_key(s) for s in rec.sources}
        if target in rec.rests_on or target in keys:
            found.append(rec_id)
    return found


def write_evidence_schema(folder: Path) -> Path:
    import json

    target = folder / "evidence.schema.json"
    target.write_text(json.dumps(evidence_schema(), indent=2) + "\n", encoding="utf-8")
    return target
