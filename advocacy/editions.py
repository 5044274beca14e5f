"""Editions: one document in each language it names, from translations beside its records.

A document names its editions (`editions: [en, ms]`), its own language
first: that is the source. A translation of a record or a document is a file
beside it, `NAME.LANG.yaml`, holding only the fields it translates, and
under `translated_from` a hash of each source field as it was when the
translation was made. So the tool knows, field by field, what is translated,
what is missing and what has gone stale since the source changed.

Links, dates, numbers and choices are shared by every edition; only text is
translated. In a `final` edition a missing or stale translation is an error;
in a `draft` it is a warning, and the source text is printed inside an
element that carries the source's language, so that a screen reader and the
fonts treat it as what it is.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from advocacy import schema
from advocacy.content import RawRecord, Source
from advocacy.errors import Problem, one_of, suggest

# What a translation file holds besides translated fields.
STAMPS = "translated_from"
EDITION_FIELDS = {"status", "official", "page_limit"}  # a document's translation only
HASH_LENGTH = 12
HASH_PATTERN = re.compile(rf"^[0-9a-f]{{{HASH_LENGTH}}}$")
# Text fields that configure rather than say something, and names.
NOT_TRANSLATED = {"citation_style", "authors"}


class Foreign(str):
    """Source text printed in another language's edition: it keeps its language.

    In a template, `{{ value }}` prints it inside `<span lang="...">`; the
    `plain` filter gives the bare text, for attributes and the head.
    """

    lang: str

    def __new__(cls, text: str, lang: str) -> Foreign:
        value = super().__new__(cls, text)
        value.lang = lang
        return value

    def __html__(self) -> Markup:
        return Markup('<span lang="{}">{}</span>').format(self.lang, str(self))


def foreign(value: Any, lang: str) -> Any:
    """value, its texts marked as being in lang."""
    if isinstance(value, str):
        return Foreign(value, lang)
    if isinstance(value, list):
        return [foreign(item, lang) for item in value]
    if isinstance(value, BaseModel):
        texts = {name: foreign(getattr(value, name), lang) for name in _text_fields(type(value))}
        return value.model_copy(update=texts)
    return value


def language_of(value: Any) -> str | None:
    """The language a value was marked with by foreign(), if any."""
    if isinstance(value, Foreign):
        return value.lang
    if isinstance(value, list) and value and isinstance(value[0], Foreign):
        return value[0].lang
    return None


@dataclass
class Translation:
    """One NAME.LANG.yaml: the fields it translates and the source hashes it records."""

    kind: str
    id: str
    language: str
    source: Source
    fields: dict[str, Any] = field(default_factory=dict)
    stamps: dict[str, str] = field(default_factory=dict)
    status: str | None = None  # a document's: the edition's status
    official: bool = False  # a document's: the translation is the publisher's own
    page_limit: int | None = None  # a document's: the edition's own page budget
    model: BaseModel | None = None  # the file as validated, for the checks of all text


STATES = ("translated", "missing", "stale")


@dataclass(frozen=True)
class FieldState:
    """One field of one record in one edition: translated, missing or stale."""

    state: Literal["translated", "missing", "stale"]
    kind: str
    id: str
    name: str
    problem: Problem


def field_hash(value: Any) -> str:
    """A short hash of a field's text, blind to how its lines are wrapped in YAML."""
    text = json.dumps(_normal(value), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        paragraphs = re.split(r"\n\s*\n", unicodedata.normalize("NFC", str(value)).strip())
        return "\n\n".join(" ".join(p.split()) for p in paragraphs)
    if isinstance(value, list):
        return [_normal(item) for item in value]
    if isinstance(value, BaseModel):
        return {name: _normal(getattr(value, name)) for name in type(value).model_fields}
    return value


def translatable(model: type[BaseModel]) -> list[str]:
    """The fields of a model a translation gives: its text fields, less NOT_TRANSLATED."""
    return [name for name in _text_fields(model) if name not in NOT_TRANSLATED]


def _text_fields(model: type[BaseModel]) -> list[str]:
    """The fields of a model that hold text: plain text, prose, lists and quotes of it."""
    return [name for name, info in model.model_fields.items() if _is_text(_annotation(info))]


def _annotation(info) -> Any:
    """A field's type with its constraints, as it was written."""
    return Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation


def _is_text(annotation: Any) -> bool:
    """Text or Prose, optional or in a list, or a model of nothing else (a Quote)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        if base is str:
            return any(getattr(e, "func", None) is schema._real_text for e in extra)
        return _is_text(base)
    if origin is list:
        return _is_text(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]
    if args and origin is not Literal:
        return len(args) == 1 and _is_text(args[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = annotation.model_fields
        return bool(fields) and all(_is_text(_annotation(i)) for i in fields.values())
    return False


class ProjectTexts(BaseModel):
    """The text of project.yaml that a document prints and a translation may give:
    what the organisation says of itself. Names and addresses stay as written."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    about: schema.Prose | None = None
    disclaimers: list[schema.Prose] = []


def project_texts(project) -> ProjectTexts:
    """What project.yaml says that a translation may give."""
    organisation = project.organisation
    return ProjectTexts(about=organisation.about, disclaimers=organisation.disclaimers)


PROJECT = ("project", "project")  # project.LANG.yaml translates ProjectTexts


def source_model(corpus, kind: str, record_id: str) -> BaseModel | None:
    """The record a translation translates; for project.yaml, its ProjectTexts."""
    if (kind, record_id) == PROJECT:
        project = corpus.project
        return None if project is None else project_texts(project)
    return corpus.records.get(kind, {}).get(record_id)


def source_of(corpus, kind: str, record_id: str) -> tuple[Source, tuple]:
    """The file of a record, and where its text fields are in it."""
    if (kind, record_id) == PROJECT:
        return corpus.project_source, ("organisation",)
    return corpus.sources[(kind, record_id)], ()


def read_translations(corpus, raw: list[RawRecord]) -> list[Problem]:
    """Validate every translation file against its source record; keep the good ones."""
    problems: list[Problem] = []
    for record in raw:
        source = record.source
        if source is None:
            continue
        original = source_model(corpus, record.kind, record.id)
        if original is None:
            if record.kind != "project" and record.id not in corpus.ids.get(record.kind, set()):
                message = (
                    f"a translation of '{record.id}', but there is no {record.kind} "
                    f"'{record.id}'{suggest(record.id, sorted(corpus.ids.get(record.kind, ())))}; "
                    f"name it after the file it translates"
                )
                problems.append(Problem(source.path, 1, 1, message))
            continue  # the source's own problems are reported at the source
        found, checked = _validate(record, original, source)
        problems.extend(found)
        if checked is not None and not any(p.level == "error" for p in found):
            corpus.translations[(record.kind, record.id, record.language)] = _translation(
                record, original, source, checked
            )
    return problems


def _validate(
    record: RawRecord, original: BaseModel, source: Source
) -> tuple[list[Problem], BaseModel | None]:
    """The problems of a translation file, and the file as validated (None when it
    is not)."""
    from advocacy.corpus import dotted, pydantic_problems

    model_type = type(original)
    texts = translatable(model_type)
    allowed = [*texts, STAMPS, *(EDITION_FIELDS if record.kind == "document" else ())]
    problems: list[Problem] = []
    data = dict(source.data)  # type: ignore[arg-type]
    if "id" in data:
        message = "id: a translation takes its id from its file name; remove the id"
        problems.append(source.problem(("id",), message, at_key=True))
        data.pop("id")
    for name in list(data):
        if name in allowed:
            continue
        data.pop(name)
        if name in model_type.model_fields:
            message = (
                f"'{name}' is not translated: links, dates, numbers and choices are shared "
                "by every edition; remove it from the translation"
            )
        else:
            message = (
                f"unknown field '{name}'{suggest(name, allowed)}; a translation of "
                f"{record.id} takes {one_of(allowed)}"
            )
        problems.append(source.problem((name,), message, at_key=True))
    model = translation_model(model_type, record.kind == "document")
    try:
        checked = model.model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, source, model))
        return problems, None
    for name in texts:
        value, own = getattr(checked, name), getattr(original, name)
        if value is None:
            continue
        if own is None or own == []:
            message = f"{name}: the source has no {name}; remove it from the translation"
            problems.append(source.problem((name,), message, at_key=True))
        elif isinstance(own, list) and len(value) != len(own):
            message = (
                f"{name}: {len(value)} items for the {len(own)} of the source; "
                "translate each item, in the same order"
            )
            problems.append(source.problem((name,), message, at_key=True))
    for name, stamp in checked.translated_from.items():
        loc = (STAMPS, name)
        if name not in texts or getattr(checked, name) is None:
            message = f"{dotted(loc)}: this file has no translation of '{name}'; remove the line"
            problems.append(source.problem(loc, message, "warning", at_key=True))
        elif not HASH_PATTERN.match(stamp):
            message = (
                f"{dotted(loc)}: '{stamp}' is not a source hash; let 'advocacy translations "
                f"--stamp {source.path}' write it"
            )
            problems.append(source.problem(loc, message))
    return problems, checked


@functools.cache
def translation_model(model_type: type[BaseModel], document: bool) -> type[BaseModel]:
    """The model of a translation of model_type: its text fields, each optional."""
    texts = translatable(model_type)
    infos = {name: info for name, info in model_type.model_fields.items() if name in texts}
    return _translation_model(f"{model_type.__name__}Translation", infos, document)


def _translation_model(name: str, infos: dict, document: bool) -> type[BaseModel]:
    fields: dict[str, Any] = {
        field: (_annotation(info) | None, Field(None, description=info.description))
        for field, info in infos.items()
    }
    fields[STAMPS] = (
        dict[str, str],
        Field(
            default_factory=dict,
            description="A hash of each source field as it was when translated; "
            "written by `advocacy translations --stamp FILE`.",
        ),
    )
    if document:
        fields["status"] = (
            Literal["final", "draft"] | None,
            Field(None, description="The edition's status; the document's by default."),
        )
        fields["official"] = (
            bool,
            Field(False, description="The publisher issues this translation as its own."),
        )
        fields["page_limit"] = (
            Annotated[int, Field(ge=1)] | None,
            Field(None, description="The edition's own page budget; the document's by default."),
        )
    return create_model(
        name,
        __config__=ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True),
        **fields,
    )


def translation_schemas() -> dict[str, dict]:
    """JSON Schema of a translation file of each record kind, for editors."""
    from advocacy.doctypes import SPECS

    found = {
        f"{kind}.translation": translation_model(model, False).model_json_schema()
        for kind, model in schema.MODELS.items()
    }
    infos: dict = {}
    for spec in SPECS.values():
        texts = translatable(spec.model)
        for name, info in spec.model.model_fields.items():
            if name in texts:
                infos.setdefault(name, info)
    model = _translation_model("DocumentTranslation", infos, True)
    found["document.translation"] = model.model_json_schema()
    found["project.translation"] = translation_model(ProjectTexts, False).model_json_schema()
    return found


def _translation(
    record: RawRecord, original: BaseModel, source: Source, checked: BaseModel
) -> Translation:
    texts = {
        name: getattr(checked, name)
        for name in translatable(type(original))
        if getattr(checked, name) is not None
    }
    return Translation(
        record.kind,
        record.id,
        record.language or "",
        source,
        texts,
        dict(checked.translated_from),
        getattr(checked, "status", None),
        getattr(checked, "official", False),
        getattr(checked, "page_limit", None),
        checked,
    )


def shown_records(corpus, document) -> dict[tuple[str, str], list[str] | None]:
    """(kind, id) of the document and of every record its edition prints, with the
    fields it prints: None for all, or only the name of a record the evidence
    ledger names."""
    from advocacy.outline import evidence_of, outline

    plan = outline(corpus, document)
    found: dict[tuple[str, str], list[str] | None] = {("document", document.id): None}
    found |= {(r.kind, r.id): None for r in plan.shown()}
    if plan.ledger:
        for _rec, records in evidence_of(corpus, plan):
            for kind, record in records:
                found.setdefault((kind, record.id), ["name", "title"])
    if corpus.project is not None and corpus.project.organisation.about:
        found[PROJECT] = ["about"]  # on the back page
    return found


def output_name(document, language: str) -> str:
    """build/<id> for the source edition, build/<id>.<lang> for the others."""
    source = document.edition_languages()[0]
    return document.id if language == source else f"{document.id}.{language}"


def edition_status(corpus, document, language: str) -> str:
    own = corpus.translations.get(("document", document.id, language))
    return (own.status if own is not None else None) or document.status


def states(corpus, document, language: str) -> list[FieldState]:
    """Every text field of every record the edition prints: translated, missing or stale."""
    level = "error" if edition_status(corpus, document, language) == "final" else "warning"
    name_of = language_label(language)
    edition = f"{document.id}.{language}"
    found: list[FieldState] = []
    for (kind, record_id), printed in shown_records(corpus, document).items():
        original = source_model(corpus, kind, record_id)
        own, at_field = source_of(corpus, kind, record_id)
        translation = corpus.translations.get((kind, record_id, language))
        wanted = [
            n
            for n in translatable(type(original))
            if getattr(original, n) not in (None, []) and (printed is None or n in printed)
        ]
        if translation is None and wanted:
            target = _translation_path(own.path, language)
            message = (
                f"no {name_of} translation of {record_id} for the {edition} edition; write "
                f"{target} (advocacy translations --new {document.id} {language} writes it)"
            )
            problem = Problem(own.path, 1, 1, message, level)
            found += [FieldState("missing", kind, record_id, n, problem) for n in wanted]
            continue
        for name in wanted:
            if translation is None:
                continue
            if name not in translation.fields:
                message = (
                    f"{name}: no {name_of} translation for the {edition} edition; "
                    f"add it to {translation.source.path}"
                )
                problem = own.problem((*at_field, name), message, level, at_key=True)
                found.append(FieldState("missing", kind, record_id, name, problem))
                continue
            at = translation.source
            stamp = translation.stamps.get(name)
            if stamp != field_hash(getattr(original, name)):
                line, _ = own.key_position((*at_field, name))
                if stamp is None:
                    why = "no record of the source text it was translated from"
                else:
                    why = f"the source ({own.path}:{line}) changed after it was translated"
                message = (
                    f"{name}: stale translation: {why}; bring it up to date, then run "
                    f"'advocacy translations --stamp {at.path} {name}'"
                )
                problem = at.problem((name,), message, level, at_key=True)
                found.append(FieldState("stale", kind, record_id, name, problem))
            else:
                problem = at.problem((name,), f"{name}: translated", "info", at_key=True)
                found.append(FieldState("translated", kind, record_id, name, problem))
    return found


def _translation_path(path: str, language: str) -> str:
    shown = Path(path)
    return str(shown.with_name(f"{shown.stem}.{language}{shown.suffix}"))


def language_label(language: str) -> str:
    """A language named in English, for messages: 'Malay (ms)'."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(language.replace("-", "_")).get_display_name("en")
    except (ValueError, UnknownLocaleError):
        name = None
    return f"{name} ({language})" if name else language


def editions_of(corpus) -> list[tuple[Any, str]]:
    """(document, language) of every edition that is not the source."""
    return [
        (document, language)
        for document in corpus.documents.values()
        for language in document.edition_languages()[1:]
    ]


def edition_problems(corpus) -> list[Problem]:
    """The missing and stale translations of every edition, and unused translations."""
    problems: list[Problem] = []
    for document, language in editions_of(corpus):
        problems += [
            s.problem for s in states(corpus, document, language) if s.state != "translated"
        ]
    problems = list(dict.fromkeys(problems))  # a record shared by two documents: said once
    wanted = {language for _doc, language in editions_of(corpus)}
    for (_kind, _id, language), translation in corpus.translations.items():
        if language not in wanted:
            message = (
                f"no document has a '{language}' edition, so this translation is not printed; "
                f"add {language} to a document's editions"
            )
            problems.append(Problem(translation.source.path, 1, 1, message, "warning"))
    return problems


def edition(corpus, document_id: str, language: str):
    """The corpus as the document's edition in language sees it.

    Each record's text fields are its translation's where it has a current
    one; elsewhere the source text, marked with the source language. The
    document's language is the edition's.
    """
    document = corpus.documents[document_id]
    source_language = document.language
    if language == source_language:
        return corpus
    records: dict[str, dict[str, Any]] = {}
    for kind, by_id in corpus.records.items():
        records[kind] = {
            record_id: _overlay(
                model,
                corpus.translations.get((kind, record_id, language)),
                source_language,
            )
            for record_id, model in by_id.items()
        }
    own = records["document"][document_id]
    update: dict[str, Any] = {"language": language}
    translation = corpus.translations.get(("document", document_id, language))
    if translation is not None and translation.page_limit:
        update["page_limit"] = translation.page_limit
    records["document"][document_id] = own.model_copy(update=update)
    project = corpus.project
    if project is not None and (project.organisation.about or project.organisation.disclaimers):
        texts = _overlay(
            project_texts(project), corpus.translations.get((*PROJECT, language)), source_language
        )
        organisation = project.organisation.model_copy(
            update={"about": texts.about, "disclaimers": texts.disclaimers}
        )
        project = project.model_copy(update={"organisation": organisation})
    return dataclasses.replace(corpus, records=records, project=project)


def _overlay(model: BaseModel, translation: Translation | None, source_language: str):
    update = {}
    for name in translatable(type(model)):
        value = getattr(model, name)
        if value is None or value == []:
            continue
        current = translation is not None and name in translation.fields
        if current and translation.stamps.get(name) == field_hash(value):
            update[name] = translation.fields[name]
            continue
        update[name] = foreign(value, source_language)
    return model.model_copy(update=update)


def skeleton(corpus, kind: str, record_id: str, language: str) -> str:
    """A translation file to fill in: each text field with its source as a comment."""
    original = source_model(corpus, kind, record_id)
    own, _ = source_of(corpus, kind, record_id)
    lines = [
        f"# {language_label(language)} translation of {own.path}.",
        "# Replace each text with its translation, then record what it was made from:",
        f"#   advocacy translations --stamp {_translation_path(own.path, language)}",
    ]
    if kind == "document":
        lines.append("status: draft")
    for name in translatable(type(original)):
        value = getattr(original, name)
        if value is None or value == []:
            continue
        lines.append(_yaml_field(name, value))
    return "\n".join(lines) + "\n"


def _yaml_field(name: str, value: Any) -> str:
    if isinstance(value, BaseModel):
        inner = [f"  {key}: {_scalar(str(text), 4)}" for key, text in value]
        return f"{name}:\n" + "\n".join(inner)
    if isinstance(value, list):
        return f"{name}:\n" + "\n".join(f"  - {_scalar(str(item), 4)}" for item in value)
    return f"{name}: {_scalar(str(value), 2)}"


def _scalar(text: str, indent: int) -> str:
    """text as YAML: quoted on one line when short, else a block wrapped to 78 columns."""
    if "\n" not in text and len(text) <= 60:
        return json.dumps(text, ensure_ascii=False)
    pad = " " * indent
    if "\n" in text:
        return "|\n" + "\n".join(pad + line if line else "" for line in text.splitlines())
    lines = textwrap.wrap(text, 78 - indent, break_long_words=False, break_on_hyphens=False)
    return ">\n" + "\n".join(pad + line for line in lines)


def stamp(text: str, hashes: dict[str, str], source: Source) -> str:
    """text with its `translated_from` block written anew with hashes, the rest untouched."""
    lines = text.splitlines(keepends=True)
    start = source.key_positions.get((STAMPS,))
    if start is not None:
        first = start[0] - 1
        last = first + 1
        while last < len(lines) and (not lines[last].strip() or lines[last][:1] in " \t#"):
            last += 1
        while last > first + 1 and not lines[last - 1].strip():
            last -= 1
        lines = lines[:first] + lines[last:]
    block = [f"{STAMPS}:\n"] + [f"  {name}: {value}\n" for name, value in hashes.items()]
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if start is not None:
        at = start[0] - 1
        return "".join(lines[:at] + block + lines[at:])
    return "".join(lines + block)
