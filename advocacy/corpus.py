"""Validate every record against the schema and check the links between them.

All or nothing: every problem in every file is collected, and a corpus is
returned only when there are none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from advocacy import doctypes, schema
from advocacy.actors import HOUSE, Actor, actor_problems, read_actors
from advocacy.assets import check_asset
from advocacy.citations import Citer
from advocacy.content import (
    RawRecord,
    Source,
    find_records,
    leaves,
    link_out,
    read_source,
    shown_path,
)
from advocacy.data import fill_records
from advocacy.editions import Translation, read_translations
from advocacy.errors import ContentError, Problem, one_of, suggest
from advocacy.prose import ProseRenderer, citations_in


@dataclass
class Corpus:
    """Every record, by kind and id, with the file each came from."""

    project: schema.Project
    records: dict[str, dict[str, schema.Record]] = field(default_factory=dict)
    # Every id that has a file, valid or not, so that one bad record does not
    # also make every link to it an error.
    ids: dict[str, set[str]] = field(default_factory=dict)
    sources: dict[tuple[str, str], Source] = field(default_factory=dict)
    project_source: Source | None = None
    # (kind, id, language) -> the record's translation (editions.py)
    translations: dict[tuple[str, str, str], Translation] = field(default_factory=dict)
    # id -> the actors recommendations may address (actors.py): the house list by default
    actors: dict[str, Actor] = field(default_factory=lambda: dict(HOUSE))

    def get(self, kind: str, record_id: str) -> schema.Record:
        return self.records[kind][record_id]

    def many(self, kind: str, ids: list[str]) -> list[schema.Record]:
        return [self.records[kind][i] for i in ids]

    def find(self, record_id: str) -> tuple[str, schema.Record]:
        """Return (kind, record) for an id of any kind."""
        for kind, by_id in self.records.items():
            if record_id in by_id:
                return kind, by_id[record_id]
        raise KeyError(record_id)

    @property
    def documents(self) -> dict[str, doctypes.DocumentBase]:
        return self.records.get("document", {})


def load_corpus(content_dir: Path, root: Path) -> Corpus:
    """Read and validate all content; raise ContentError listing every problem."""
    corpus, problems = read_corpus(content_dir, root)
    if any(p.level == "error" for p in problems):
        raise ContentError(problems)
    return corpus


def read_corpus(content_dir: Path, root: Path) -> tuple[Corpus, list[Problem]]:
    """Read and validate all content: the valid records, and every problem."""
    problems: list[Problem] = []
    project, project_source = _load_project(content_dir, root, problems)
    raw, found = find_records(content_dir, root)
    problems.extend(found)
    corpus = Corpus(project=project, project_source=project_source)  # type: ignore[arg-type]
    corpus.actors, _, found = read_actors(content_dir, root)
    problems.extend(found)
    translations = [record for record in raw if record.language]
    raw = [record for record in raw if not record.language]
    for record in raw:
        corpus.ids.setdefault(record.kind, set()).add(record.id)
        if record.source is None:
            continue
        model = _validate(record, problems)
        for index, partner in enumerate(getattr(model, "partners", None) or []):
            if partner.logo:
                loc = ("partners", index, "logo")
                assets = content_dir / "assets"
                problems.extend(check_asset(partner.logo, assets, record.source, loc))
        if model is not None:
            corpus.records.setdefault(record.kind, {})[record.id] = model
            corpus.sources[(record.kind, record.id)] = record.source
    for kind in doctypes.RECORD_KINDS:
        corpus.records.setdefault(kind, {})
    problems.extend(check_links(corpus))
    problems.extend(actor_problems(corpus))
    problems.extend(fill_records(corpus, content_dir, root))
    problems.extend(read_translations(corpus, translations))
    if not corpus.documents and not problems:
        where = shown_path(content_dir / "documents", root)
        problems.append(Problem(where, 1, 1, "no documents to build; add a file here"))
    return corpus, problems


def _load_project(content_dir: Path, root: Path, problems: list[Problem]):
    path = content_dir / "project.yaml"
    shown = shown_path(path, root)
    if not path.is_file():
        problems.append(Problem(shown, 1, 1, "missing: project.yaml names the organisation"))
        return None, None
    if leaves(path, root):
        problems.append(link_out(path, shown))
        return None, None
    source, found = read_source(path, shown)
    problems.extend(found)
    if source is None or not isinstance(source.data, dict):
        return None, source
    try:
        project = schema.Project.model_validate(source.data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, source, schema.Project))
        return None, source
    problems.extend(_identity_problems(project.organisation, content_dir, source))
    return project, source


def _identity_problems(organisation: schema.Organisation, content_dir: Path, source: Source):
    """The logos exist, the series are of document types, the colours can carry text."""
    from advocacy.identity import contrast_problems, parse

    problems = []
    for name in ("logo", "logo_on_dark"):
        if getattr(organisation, name):
            loc = ("organisation", name)
            problems += check_asset(
                getattr(organisation, name), content_dir / "assets", source, loc
            )
    for kind in organisation.series:
        if kind not in doctypes.SPECS:
            loc = ("organisation", "series", kind)
            message = (
                f"organisation.series: no document type '{kind}'{suggest(kind, doctypes.SPECS)}; "
                f"name one of {one_of(doctypes.SPECS)}"
            )
            problems.append(source.problem(loc, message, at_key=True))
    if organisation.colours is not None:
        colours = organisation.colours
        primary, accent = parse(colours.primary), parse(colours.accent)
        for name, message in contrast_problems(primary, accent):
            problems.append(source.problem(("organisation", "colours", name), message))
    return problems


def _validate(record: RawRecord, problems: list[Problem]) -> schema.Record | None:
    data = dict(record.source.data)  # type: ignore[arg-type]
    written = data.get("id")
    if written is not None and written != record.id:
        message = f"id: '{written}' does not match the file name '{record.id}'; remove the id"
        problems.append(record.source.problem(("id",), message))
        return None
    data["id"] = record.id
    model = doctypes.model_for(record.kind, data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, record.source, model))
        return None


# Errors that say a field is wrong as a whole: reported at its key (see content.py).
WHOLE_FIELD = {
    "missing",
    "extra_forbidden",
    "string_type",
    "list_type",
    "model_type",
    "model_attributes_type",
    "dict_type",
    "int_type",
    "float_type",
    "bool_type",
    "too_short",
    "string_too_short",
}


def pydantic_problems(exc: ValidationError, source: Source, model: type[BaseModel]):
    """Turn pydantic's errors into one Problem each: at the key of a field wrong as a
    whole (missing, unknown, empty, null, of the wrong kind), else at the value."""
    seen: set[tuple] = set()
    for error in exc.errors(include_url=False):
        raw = error["loc"]
        loc = tuple(part for part in raw if not _is_union_tag(part) and part not in SOURCE_FORMS)
        if "constrained-str" in raw and "SourceRef" not in raw and loc not in seen:
            # a source written as text that is no citation key; a mapping is told
            # what its {key, locator} lacks, by the SourceRef branch
            seen.add(loc)
            if isinstance(error.get("input"), str):
                yield source.problem(loc, _not_a_source(loc, error["input"]))
            continue
        if "SourceRef" in raw and not isinstance(_input_at(exc, raw), dict):
            continue
        yield source.problem(loc, _message(error, loc, model), at_key=_whole_field(error))


SOURCE_FORMS = {"SourceRef", "constrained-str"}  # pydantic's names for Source's two forms


def _input_at(exc: ValidationError, raw: tuple) -> object:
    """The value written for the source that raw's error is about."""
    index = raw.index("SourceRef")
    for error in exc.errors(include_url=False):
        if error["loc"][:index] == raw[:index] and "constrained-str" in error["loc"]:
            return error.get("input")
    return None


def _not_a_source(loc: tuple, value: str) -> str:
    return (
        f"{dotted(loc)}: '{value}' is not a citation key (a key has no spaces); write a "
        "key from the bibliography, or {key: KEY, locator: p. 12}"
    )


def _whole_field(error: dict) -> bool:
    """True for an error that says the field is wrong as a whole, not what it says:
    missing, unknown, of the wrong kind, empty or null."""
    value = error.get("input")
    if error["type"] in WHOLE_FIELD:
        return True
    return isinstance(value, str) and (
        not value.strip()
        or (error["type"] == "value_error" and value.strip().lower() in schema.NULL_WORDS)
    )


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "list"})


def _message(error: dict, loc: tuple, model: type[BaseModel]) -> str:
    """pydantic's error in the project's words, on one line."""
    return re.sub(r"\s*\n\s*", " ", _words(error, loc, model))


def _words(error: dict, loc: tuple, model: type[BaseModel]) -> str:
    where = dotted(loc)
    kind, value = error["type"], error.get("input")
    shown = _shown(value)
    if kind == "missing":
        return f"{where}: required field is missing"
    if kind == "extra_forbidden":
        name = str(loc[-1])
        fields = _fields_at(model, loc[:-1])
        other = doctypes.types_with(name) if len(loc) == 1 else []
        if other and issubclass(model, doctypes.DocumentBase):
            kind_of = model.model_fields["type"].annotation.__args__[0]
            return (
                f"a {kind_of} does not print '{name}' (a {' or a '.join(other)} does); "
                f"remove it, or change the type; a {kind_of} takes {one_of(fields)}"
            )
        return f"unknown field '{name}'{suggest(name, fields)}; expected one of {one_of(fields)}"
    if kind == "literal_error":
        choices = error["ctx"]["expected"].replace(" or ", ", ")
        hint = suggest(shown, _quoted(choices))
        return f"{where}: expected one of {choices}; got '{shown}'{hint}"
    if kind == "string_pattern_mismatch" and error["ctx"]["pattern"].startswith("^#"):
        return f"{where}: '{shown}' is not a colour; write it as #rrggbb, such as #0b5563"
    if kind == "string_pattern_mismatch":
        return f"{where}: '{shown}' is not a valid id; use lower-case letters, digits and '-'"
    if kind in {"string_type", "list_type", "model_type", "dict_type", "int_type"}:
        wanted = {"string_type": "text", "list_type": "a list", "int_type": "a whole number"}
        return f"{where}: expected {wanted.get(kind, 'a mapping')}; got {_describe(value)}"
    if kind == "bool_parsing":
        return f"{where}: expected true or false; got '{shown}'"
    if kind == "greater_than_equal":
        return f"{where}: must be {error['ctx']['ge']} or more; got '{shown}'"
    if kind == "int_parsing":
        return f"{where}: expected a whole number; got '{shown}'"
    if kind == "string_too_short":
        return f"{where}: must not be empty"
    if kind == "too_short":
        return f"{where}: must list at least one item"
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"'{_shown(value)}'"


def _shown(value: object) -> str:
    """A value as a message quotes it: on one line, without the whitespace around it."""
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _quoted(choices: str) -> list[str]:
    return [c.strip().strip("'") for c in choices.split(",")]


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        nested = [a for a in _walk(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            break
        model = nested[0]
    return [name for name in model.model_fields if name != "id"]


def _walk(annotation: object):
    yield annotation
    for arg in getattr(annotation, "__args__", ()):
        yield from _walk(arg)


def check_links(corpus: Corpus) -> list[Problem]:
    """Every id a record names must exist, and be of a kind that field allows."""
    problems = []
    for (kind, record_id), source in corpus.sources.items():
        record = corpus.records[kind][record_id]
        for loc, target in schema.links_of(kind, record):
            kinds = schema.LINKS[kind][loc[0]]
            if any(target in corpus.ids.get(k, ()) for k in kinds):
                continue
            known = sorted(i for k in kinds for i in corpus.ids.get(k, ()))
            label = " or ".join(kinds)
            message = f"{dotted(loc)}: unknown {label} '{target}'{suggest(target, known)}"
            problems.append(source.problem(loc, message))
    return problems


def record_models(corpus: Corpus):
    """(source, model) of every valid record, of project.yaml and of each translation."""
    for (kind, record_id), source in corpus.sources.items():
        yield source, corpus.records[kind][record_id]
    if corpus.project_source is not None and corpus.project is not None:
        yield corpus.project_source, corpus.project
    for translation in corpus.translations.values():  # their text is checked like the source's
        yield translation.source, translation.model


def prose_texts(model, loc: tuple):
    """(loc, text) for every Markdown text in model, nested models included."""
    prose = set(schema.prose_fields(type(model)))
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name in prose and value is not None:
            if isinstance(value, list):
                yield from (((*loc, name, i), text) for i, text in enumerate(value))
            else:
                yield (*loc, name), value
        elif isinstance(value, schema.BaseModel):
            yield from prose_texts(value, (*loc, name))


def cited_keys(model, loc: tuple):
    """(loc, key, n) for every key model cites: the nth '@key' in the text at loc.

    n counts every '@key' in the text, as Source.find does, also those that
    are not this citation: in code, or the start of a longer key. Citations in
    code spans and code blocks are not citations (prose.citations_in). Keys
    listed under `sources` come with n = -1: the list item is the place.
    """
    for i, source in enumerate(getattr(model, "sources", None) or []):
        yield (*loc, "sources", i), schema.source_key(source), -1
    for where, text in prose_texts(model, loc):
        for offset, cluster, found in citations_in(text):
            at = 0
            for key in found:
                at = cluster.find(f"@{key}", at)
                yield where, key, _occurrences(text, f"@{key}", offset + max(at, 0))
                at = max(at, 0) + 1


def _occurrences(text: str, needle: str, before: int) -> int:
    """How many times needle starts in text before the offset before."""
    count, at = 0, text.find(needle)
    while 0 <= at < before:
        count += 1
        at = text.find(needle, at + 1)
    return count


def prose_problems(corpus: Corpus) -> list[Problem]:
    """A warning for each thing the sanitiser will remove from a Markdown field,
    at the line and column where it is written in the YAML."""
    renderer = ProseRenderer(Citer())
    problems = []
    for source, model in record_models(corpus):
        for loc, text in prose_texts(model, ()):
            try:
                removed = renderer.removals(text)
            except RecursionError:
                message = f"{dotted(loc)}: too deeply nested to read; flatten it"
                problems.append(source.problem(loc, message))
                continue
            for what, offset in removed:
                message = f"{dotted(loc)}: removed {what}; prose may format text and link out"
                position = source.text_position(loc, offset, text)
                problems.append(source.problem_at(position, message, "warning"))
    return problems
