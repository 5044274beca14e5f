"""Document type -> Jinja template -> HTML.

Templates see views: the document's records with their links resolved and
their Markdown already turned into safe HTML. Content never reaches the
template compiler, so a `{{ }}` in YAML prints as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
from markupsafe import Markup

from advocacy import schema
from advocacy.citations import PLACEHOLDER, REFERENCES, Citer, cluster_for
from advocacy.config import Paths
from advocacy.corpus import Corpus
from advocacy.prose import ProseRenderer

# Fields rendered inline (one paragraph, no <p>); all other prose is block.
INLINE = {"statement", "action", "key_messages", "points", "main_recommendation"}


def environment(paths: Paths) -> jinja2.Environment:
    """Jinja with autoescape and StrictUndefined; templates from templates/."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(paths.templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["actor_labels"] = schema.ACTOR_LABELS
    env.globals["type_labels"] = schema.DOCUMENT_TYPE_LABELS
    env.filters["by_actor"] = by_actor
    env.filters["actor_label"] = schema.ACTOR_LABELS.__getitem__
    env.filters["number"] = lambda value: f"{value:g}"
    return env


def by_actor(recommendations: Iterable[Any]) -> list[tuple[str, list[Any]]]:
    """Group recommendations by addressee, in the order of ACTOR_LABELS."""
    groups = []
    for actor, label in schema.ACTOR_LABELS.items():
        found = [r for r in recommendations if actor in r.addressed_to]
        if found:
            groups.append((label, found))
    return groups


class Views:
    """Builds the views of one document's records, collecting its citations."""

    def __init__(self, corpus: Corpus, citer: Citer, templates: Path | None = None):
        self.corpus = corpus
        self.templates = templates
        self.prose = ProseRenderer(citer)
        self._cache: dict[tuple[str, str], SimpleNamespace] = {}

    def record(self, kind: str, record_id: str) -> SimpleNamespace:
        key = (kind, record_id)
        if key not in self._cache:
            self._cache[key] = self._build(kind, self.corpus.get(kind, record_id))
        return self._cache[key]

    def records(self, kind: str, ids: list[str]) -> list[SimpleNamespace]:
        return [self.record(kind, i) for i in ids]

    def _build(self, kind: str, record: schema.Record) -> SimpleNamespace:
        view = self.fields(record)
        view.kind = kind
        view.cited_sources = self.cite(record.sources)
        if kind == "figure":
            from advocacy.charts import draw

            view.svg = Markup(draw(record, self.templates))
        for name, kinds in schema.LINKS.get(kind, {}).items():  # links resolved to views
            ids = getattr(record, name)
            setattr(view, name, [self.record(self._kind_of(i, kinds), i) for i in ids])
        return view

    def _kind_of(self, record_id: str, kinds: tuple[str, ...]) -> str:
        return next(k for k in kinds if record_id in self.corpus.records[k])

    def fields(self, model: Any) -> SimpleNamespace:
        prose = set(schema.prose_fields(type(model)))
        values = {}
        for name in type(model).model_fields:
            value = getattr(model, name)
            if name in prose and value is not None:
                value = self._prose(name, value)
            values[name] = value
        return SimpleNamespace(**values)

    def _prose(self, name: str, value: str | list[str]) -> Markup | list[Markup]:
        render = self.prose.inline if name in INLINE else self.prose.block
        if isinstance(value, list):
            return [render(item) for item in value]
        return render(value)

    def cite(self, keys: list[str]) -> Markup:
        if not keys:
            return Markup("")
        return Markup(self.prose.citer.replace(cluster_for(keys)))


KIND_LABELS = {
    "event": "event",
    "exclusion": "face of exclusion",
    "initiative": "initiative",
    "theme": "theme",
    "engagement": "area of engagement",
}


def shown_records(corpus: Corpus, document: schema.Document) -> list[tuple[str, str]]:
    """(kind, id) of every record the document shows, in reading order."""
    shown = [("event", document.event)] if document.event else []
    for engagement_id in document.engagements:
        engagement = corpus.get("engagement", engagement_id)
        shown.append(("engagement", engagement_id))
        shown += [("exclusion", i) for i in engagement.exclusions]
        shown += [("initiative", i) for i in engagement.initiatives]
        shown += [("theme", i) for i in engagement.themes]
    shown += [("exclusion", i) for i in document.exclusions]
    shown += [("initiative", i) for i in document.initiatives]
    shown += [("theme", i) for i in document.themes]
    shown += [("recommendation", i) for i in document.recommendations + document.way_forward]
    return list(dict.fromkeys(shown))


def evidence_of(corpus: Corpus, document: schema.Document):
    """(recommendation, [(kind, record)]) for each recommendation the document makes."""
    for rec_id in dict.fromkeys(document.recommendations + document.way_forward):
        rec = corpus.get("recommendation", rec_id)
        yield rec, [corpus.find(record_id) for record_id in rec.rests_on]


def ledger(corpus: Corpus, document: schema.Document, views: Views) -> list[SimpleNamespace]:
    """For each recommendation the document makes: the evidence and its sources."""
    shown = {f"{kind}-{record_id}" for kind, record_id in shown_records(corpus, document)}
    entries = []
    for rec, found in evidence_of(corpus, document):
        rec_id, evidence = rec.id, []
        for kind, record in found:
            record_id = record.id
            anchor = f"{kind}-{record_id}"
            evidence.append(
                SimpleNamespace(
                    kind=KIND_LABELS.get(kind, kind),
                    id=record_id,
                    name=record_name(record),
                    anchor=anchor if anchor in shown else None,
                )
            )
        view = views.record("recommendation", rec_id)
        entries.append(
            SimpleNamespace(
                id=rec_id, title=rec.title, evidence=evidence, cited_sources=view.cited_sources
            )
        )
    return entries


def record_name(record: schema.Record) -> str:
    for field in ("name", "title"):
        if getattr(record, field, None):
            return getattr(record, field)
    return record.id


def document_context(corpus: Corpus, document: schema.Document, views: Views) -> dict:
    """Everything a document template may use."""
    doc = views.fields(document)
    doc.type_label = schema.DOCUMENT_TYPE_LABELS[document.type]
    doc.year = document.date.year
    project = views.fields(corpus.project)
    project.organisation = views.fields(corpus.project.organisation)
    return {
        "doc": doc,
        "project": project,
        "event": views.record("event", document.event) if document.event else None,
        "engagements": views.records("engagement", document.engagements),
        "exclusions": views.records("exclusion", document.exclusions),
        "initiatives": views.records("initiative", document.initiatives),
        "themes": views.records("theme", document.themes),
        "recommendations": views.records("recommendation", document.recommendations),
        "way_forward": views.records("recommendation", document.way_forward),
        "figures": views.records("figure", document.figures),
        "ledger": ledger(corpus, document, views) if show_ledger(document) else [],
        "references": Markup(PLACEHOLDER.format(REFERENCES)),
    }


def show_ledger(document: schema.Document) -> bool:
    if document.ledger is not None:
        return document.ledger
    return document.type != "policy-brief"


def render_document(env: jinja2.Environment, document: schema.Document, context: dict) -> str:
    template = env.get_template(f"{document.type}.html.j2")
    return template.render(**context)
