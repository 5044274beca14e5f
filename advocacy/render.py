"""Document type -> Jinja template -> HTML.

Templates see views: the document's records with their links resolved and
their Markdown already turned into safe HTML. Content never reaches the
template compiler, so a `{{ }}` in YAML prints as it is.
"""

from __future__ import annotations

import base64
import hashlib
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
from markupsafe import Markup, escape

from advocacy import cache, schema
from advocacy.actors import LEVEL_LABELS, by_level
from advocacy.citations import PLACEHOLDER, REFERENCES, Citer, cluster_for
from advocacy.config import Paths
from advocacy.corpus import Corpus
from advocacy.data import table_view
from advocacy.doctypes import SPECS
from advocacy.editions import language_of, output_name
from advocacy.errors import ContentError, Problem
from advocacy.labels import SOURCE, Labels, language_in, language_name
from advocacy.licences import LICENCES
from advocacy.outline import DOCUMENT_LINKS, Outline, evidence_of, record_name
from advocacy.prose import ProseRenderer


@dataclass(frozen=True)
class FieldMark:
    """Where a field printed in a document comes from: its file, its place, its text.

    name is the id of the element that holds the field's HTML (in Word, the
    bookmark around its text); the k-th citation in it is wrapped in
    NAME_cK.
    """

    name: str
    path: str  # the YAML file, as shown
    loc: tuple  # the field in it: ('description',), ('key_messages', 2)
    value: str  # the Markdown as written

    def loc_text(self) -> str:
        """The field as a person names it: description, key_messages[2]."""
        name, *rest = self.loc
        return name + "".join(f"[{i}]" if isinstance(i, int) else f".{i}" for i in rest)


def mark_name(path: str, loc: tuple, value: str) -> str:
    """A bookmark name for a field: stable for the field, changed with its text.

    Word allows 40 characters, letters, digits and underscores, a letter first.
    """
    where = hashlib.sha256(f"{path}#{loc}".encode()).hexdigest()[:8]
    text = hashlib.sha256(value.encode()).hexdigest()[:6]
    return f"adv_{where}_{text}"


# Fields rendered inline (one paragraph, no <p>); all other prose is block.
INLINE = {"statement", "action", "key_messages", "points", "main_recommendation"}


class _Compiled(jinja2.BytecodeCache):
    """Compiled templates, shared by every environment of the process, and
    remembered for the next build (cache.recall: build/.cache/memo).

    Each render has its own environment (its labels are its language's), but
    the templates compile to the same code: Jinja keys it by the template's
    file and checks it against the source's checksum, so an edited template
    is compiled again. Compiled code is Python's own (marshal), so its memo is
    keyed by the versions of Python and Jinja too.
    """

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is None:
            recalled = cache.recall("template", _compiled_by(bucket))
            try:
                code = base64.b64decode(recalled["code"], validate=True) if recalled else None
            except (TypeError, ValueError):
                code = None
        if code is not None:
            bucket.bytecode_from_string(code)  # Jinja checks it: a stale one is compiled again

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.codes[bucket.key] = code = bucket.bytecode_to_string()
        cache.remember("template", _compiled_by(bucket), {"code": base64.b64encode(code).decode()})


def _compiled_by(bucket: jinja2.bccache.Bucket) -> list[str]:
    return [bucket.key, bucket.checksum, jinja2.__version__, sys.version]


COMPILED = _Compiled()


def environment(paths: Paths, labels: Labels | None = None) -> jinja2.Environment:
    """Jinja with autoescape and StrictUndefined; templates from templates/.

    `_("...")` prints a label in the document's language (labels.py), and
    `date(...)` a date as its language writes dates.
    """
    labels = labels or Labels(SOURCE)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(str(folder)) for folder in paths.template_folders()]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=COMPILED,
    )
    env.globals["_"] = labels.html
    env.globals["date"] = labels.date
    env.filters["language_name"] = language_name
    env.filters["type_label"] = lambda name: labels.html(SPECS[name].label)
    env.filters["by_actor"] = lambda recs: by_actor(recs, labels)
    env.filters["actor_label"] = lambda actor: actor.label(labels)
    env.filters["number"] = labels.number
    env.filters["plain"] = plain
    return env


def by_actor(recommendations: Iterable[Any], labels: Labels) -> list[tuple[str, list]]:
    """Recommendations by level (actors.LEVEL_LABELS), then by addressee:
    [(level label, [(actor label, recommendations)])]."""
    actors = list(dict.fromkeys(a for r in recommendations for a in r.addressed_to))
    return [
        (
            labels.html(LEVEL_LABELS[level]),
            [(a.label(labels), [r for r in recommendations if a in r.addressed_to]) for a in group],
        )
        for level, group in by_level(actors)
    ]


class Views:
    """Builds the views of one document's records, collecting its citations."""

    def __init__(
        self,
        corpus: Corpus,
        citer: Citer,
        templates: Path | None = None,
        labels: Labels | None = None,
        marks: dict[str, FieldMark] | None = None,
        edition: str | None = None,
    ):
        self.corpus = corpus
        self.templates = templates
        self.labels = labels or Labels(SOURCE)
        self.prose = ProseRenderer(citer)
        self._cache: dict[tuple[str, str], SimpleNamespace] = {}
        # With marks, each prose field's HTML is wrapped in an element whose id
        # names its file and place (FieldMark); edition: the language of a
        # translated edition, whose fields come from the NAME.LANG.yaml files.
        self.marks = marks
        self.edition = edition

    def record(self, kind: str, record_id: str) -> SimpleNamespace:
        key = (kind, record_id)
        if key not in self._cache:
            self._cache[key] = self._build(kind, self.corpus.get(kind, record_id))
        return self._cache[key]

    def records(self, kind: str, ids: list[str]) -> list[SimpleNamespace]:
        return [self.record(kind, i) for i in ids]

    def _build(self, kind: str, record: schema.Record) -> SimpleNamespace:
        view = self.fields(record, kind)
        view.kind = kind
        view.cited_sources = self.cite(record.sources)
        if kind == "recommendation":  # ids to actors, in the order written
            view.addressed_to = [self.corpus.actors[a] for a in record.addressed_to]
        if kind == "figure":
            from advocacy.charts import draw

            view.svg = Markup(draw(record, self.templates, self.labels.number))
        if kind == "table":
            view.header, view.body = table_view(record, self.labels.number)
        for name, kinds in schema.LINKS.get(kind, {}).items():  # links resolved to views
            ids = getattr(record, name)
            setattr(view, name, [self.record(self._kind_of(i, kinds), i) for i in ids])
        return view

    def _kind_of(self, record_id: str, kinds: tuple[str, ...]) -> str:
        return next(k for k in kinds if record_id in self.corpus.records[k])

    def fields(self, model: Any, kind: str | None = None) -> SimpleNamespace:
        prose = set(schema.prose_fields(type(model)))
        values = {}
        for name in type(model).model_fields:
            value = getattr(model, name)
            if name in prose and value is not None:
                origin = self._origin(kind, model) if self.marks is not None else None
                value = self._prose(name, value, origin)
            values[name] = value
        return SimpleNamespace(**values)

    def _prose(self, name: str, value: str | list[str], origin=None) -> Markup | list[Markup]:
        inline = name in INLINE
        if isinstance(value, list):
            return [
                self._one(item, inline, origin and (origin, (name, i)))
                for i, item in enumerate(value)
            ]
        return self._one(value, inline, origin and (origin, (name,)))

    def _one(self, text: str, inline: bool, where) -> Markup:
        render = self.prose.inline if inline else self.prose.block
        first = len(self.prose.citer.clusters)
        html = _in_language(render(text), text, inline)
        if not where or language_of(text) is not None:
            return html  # not marked: no marks asked, or source text in a translation
        path, loc = where
        name = mark_name(path, loc, str(text))
        taken = sum(1 for other in self.marks if other.startswith(name))
        name = f"{name}_{taken + 1}" if taken else name
        self.marks[name] = FieldMark(name, path, loc, str(text))
        for k in range(len(self.prose.citer.clusters) - first):
            self.prose.citer.marks[first + k] = f"{name}_c{k}"
        return Markup('<{0} id="{1}">{2}</{0}>').format("span" if inline else "div", name, html)

    def _origin(self, kind: str | None, model: Any) -> str | None:
        """The file a record's text comes from, as shown: its own, or its translation's."""
        if kind is None:
            return None
        if self.edition is None:
            source = self.corpus.sources.get((kind, model.id))
        else:
            translation = self.corpus.translations.get((kind, model.id, self.edition))
            source = translation.source if translation is not None else None
        return source.path if source is not None else None

    def cite(self, keys: list[str]) -> Markup:
        if not keys:
            return Markup("")
        return Markup(self.prose.citer.replace(cluster_for(keys)))


def _in_language(html: Markup, text: str, inline: bool) -> Markup:
    """Rendered prose, inside its own language when it is source text in an edition."""
    lang = language_of(text)
    if lang is None:
        return html
    tag = "span" if inline else "div"
    return Markup('<{0} lang="{1}">{2}</{0}>').format(tag, lang, html)


def plain(value: Any) -> Any:
    """A text, or a list of texts, without the language mark of editions.Foreign."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    return str(value) if isinstance(value, str) and not isinstance(value, Markup) else value


KIND_LABELS = {
    "event": "event",
    "exclusion": "face of exclusion",
    "initiative": "initiative",
    "theme": "theme",
    "engagement": "area of engagement",
    "figure": "figure",
}


def ledger(corpus: Corpus, plan: Outline, views: Views) -> list[SimpleNamespace]:
    """For each recommendation the document makes: the evidence and its sources."""
    shown = plan.anchors()
    entries = []
    for rec, found in evidence_of(corpus, plan):
        evidence = []
        for kind, record in found:
            anchor = f"{kind}-{record.id}"
            evidence.append(
                SimpleNamespace(
                    kind=plan.labels.html(KIND_LABELS.get(kind, kind)),
                    id=record.id,
                    name=record_name(record),
                    anchor=anchor if anchor in shown else None,
                )
            )
        view = views.record("recommendation", rec.id)
        entries.append(
            SimpleNamespace(
                id=rec.id, title=rec.title, evidence=evidence, cited_sources=view.cited_sources
            )
        )
    return entries


SERIES_NUMBER = "%(series)s No. %(number)s"
PARTNER_ROLES = {"co-publisher": "Published with", "partner": "In partnership with"}


def series_of(project, document, labels: Labels) -> tuple[Markup | None, str | None]:
    """The series line of a document ("ASEC Policy Brief No. 1") and the series' ISSN."""
    series = project.organisation.series.get(document.type) if project is not None else None
    if series is None:
        return None, None
    if document.number:
        return labels.html(SERIES_NUMBER, series=series.name, number=document.number), series.issn
    return Markup(escape(series.name)), series.issn


def partner_groups(document, labels: Labels) -> list[tuple[Markup, list]]:
    """The document's co-publishers, then its partners, each group under its label."""
    groups = []
    for role, label in PARTNER_ROLES.items():
        found = [p for p in document.partners if p.role == role]
        if found:
            groups.append((labels.html(label), found))
    return groups


TRANSLATION_NOTICES = {
    True: "Translation from the %(language)s original",
    False: "Unofficial translation from the %(language)s original",
}


def edition_context(corpus: Corpus, document, labels: Labels):
    """The document's other editions, for `<link rel="alternate">`, and, in a
    translation, the notice that says from which language and how officially."""
    languages = document.edition_languages()
    others = [
        SimpleNamespace(lang=lang, href=f"{output_name(document, lang)}.html")
        for lang in languages
        if lang != document.language
    ]
    if document.language == languages[0]:
        return others, None
    own = corpus.translations.get(("document", document.id, document.language))
    official = own is not None and own.official
    message = TRANSLATION_NOTICES[official]
    source = language_in(languages[0], document.language)
    return others, SimpleNamespace(official=official, notice=labels.html(message, language=source))


def document_context(corpus: Corpus, plan: Outline, views: Views) -> dict:
    """Everything a document template may use: the document, its outline, its records."""
    document = plan.document
    doc = views.fields(document, "document")
    doc.type_label = plan.labels.html(plan.spec.label)
    doc.year = plan.labels.year(document.date)
    doc.editions, doc.translation = edition_context(corpus, document, plan.labels)
    doc.series, doc.issn = series_of(corpus.project, document, plan.labels)
    doc.partner_groups = partner_groups(document, plan.labels)
    from advocacy.citeable import imprint_item  # "How to cite": formatted by Citer.fill

    doc.citation = Markup(views.prose.citer.own(imprint_item(corpus, document, plan.labels)))
    project = views.fields(corpus.project)
    project.organisation = views.fields(corpus.project.organisation)
    records = {
        name: views.records(kind, schema.linked_ids(document, name))
        for name, kind in DOCUMENT_LINKS.items()
    }
    return {
        "doc": doc,
        "project": project,
        "outline": plan,
        "toc": plan.toc() if plan.spec.toc else [],
        **records,
        "event": records["event"][0] if records["event"] else None,
        "licence": LICENCES[corpus.project.licence],
        "ledger": ledger(corpus, plan, views) if plan.ledger else [],
        "references": Markup(PLACEHOLDER.format(REFERENCES)),
    }


def render_document(env: jinja2.Environment, plan: Outline, context: dict, shown) -> str:
    """The document's template, rendered; a mistake in a template is a located error."""
    name = f"{plan.document.type}.html.j2"
    return render_template(env, name, context, shown, plan.document.id)


def render_template(env: jinja2.Environment, name: str, context: dict, shown, what: str) -> str:
    """Render a template; its mistakes become errors at their file and line.

    `shown` turns a path into the one printed; `what` names what was being
    rendered, for errors raised while it ran.
    """
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        folders = _folders(env)
        tried = ", ".join(shown(folder / exc.name) for folder in folders)
        message = f"no template '{exc.name}'; looked for {tried}; add it to one of them"
        raise ContentError([Problem(shown(folders[-1] / name), 0, 0, message)]) from None
    except jinja2.TemplateSyntaxError as exc:
        path = shown(Path(exc.filename)) if exc.filename else name
        raise ContentError([Problem(path, exc.lineno, 1, exc.message or str(exc))]) from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        path, line = _template_frame(exc, env)
        if path is None:  # not in a template: a bug of ours
            raise
        text = str(exc).replace("'types.SimpleNamespace object' has no attribute", "no field")
        message = f"{text} (while rendering {what})"
        if not isinstance(exc, jinja2.TemplateError):
            message = f"{type(exc).__name__}: {message}"
        raise ContentError([Problem(shown(path), line, 1, message)]) from None


def _folders(env: jinja2.Environment) -> list[Path]:
    """The folders templates are looked for in, in order."""
    loaders = getattr(env.loader, "loaders", [env.loader])
    return [Path(p) for loader in loaders for p in getattr(loader, "searchpath", [])]


def _template_frame(exc: BaseException, env: jinja2.Environment) -> tuple[Path | None, int]:
    """The innermost template file and line of a failure while rendering."""
    folders = [folder.resolve() for folder in _folders(env)]
    found: tuple[Path | None, int] = (None, 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename).resolve()
        if any(path.is_relative_to(folder) for folder in folders):
            found = (path, frame.lineno or 0)
    return found
