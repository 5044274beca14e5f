"""Validate every record against the schema and check the links between them.

All or nothing: every problem in every file is collected, and a corpus is
returned only when there are none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from advocacy import doctypes, schema
from advocacy.assets import check_asset
from advocacy.citations import clusters_in
from advocacy.content import (
    RawRecord,
    Source,
    find_records,
    leaves,
    link_out,
    read_source,
    shown_path,
)
from advocacy.errors import ContentError, Problem, one_of, suggest


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
    for record in raw:
        corpus.ids.setdefault(record.kind, set()).add(record.id)
        if record.source is None:
            continue
        model = _validate(record, problems)
        if model is not None:
            corpus.records.setdefault(record.kind, {})[record.id] = model
            corpus.sources[(record.kind, record.id)] = record.source
    for kind in doctypes.RECORD_KINDS:
        corpus.records.setdefault(kind, {})
    problems.extend(check_links(corpus))
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
    if project.organisation.logo:
        loc = ("organisation", "logo")
        problems.extend(check_asset(project.organisation.logo, content_dir / "assets", source, loc))
    return project, source


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


def pydantic_problems(exc: ValidationError, source: Source, model: type[BaseModel]):
    """Turn pydantic's errors into one Problem each, at the value's position."""
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        at_key = error["type"] == "extra_forbidden"
        yield source.problem(loc, _message(error, loc, model), at_key=at_key)


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "list"})


def _message(error: dict, loc: tuple, model: type[BaseModel]) -> str:
    where = dotted(loc)
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return f"{where}: required field is missing"
    if kind == "extra_forbidden":
        name = str(loc[-1])
        fields = _fields_at(model, loc[:-1])
        return f"unknown field '{name}'{suggest(name, fields)}; expected one of {one_of(fields)}"
    if kind == "literal_error":
        choices = error["ctx"]["expected"].replace(" or ", ", ")
        hint = suggest(str(value), _quoted(choices))
        return f"{where}: expected one of {choices}; got '{value}'{hint}"
    if kind == "string_pattern_mismatch":
        return f"{where}: '{value}' is not a valid id; use lower-case letters, digits and '-'"
    if kind in {"string_type", "list_type", "model_type", "dict_type", "int_type"}:
        wanted = {"string_type": "text", "list_type": "a list", "int_type": "a whole number"}
        return f"{where}: expected {wanted.get(kind, 'a mapping')}; got {_describe(value)}"
    if kind == "bool_parsing":
        return f"{where}: expected true or false; got '{value}'"
    if kind == "greater_than_equal":
        return f"{where}: must be {error['ctx']['ge']} or more; got '{value}'"
    if kind == "int_parsing":
        return f"{where}: expected a whole number; got '{value}'"
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
    return f"'{value}'"


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
        for name, kinds in schema.LINKS.get(kind, {}).items():
            value = getattr(record, name, None)
            ids = value if isinstance(value, list) else [value] if value else []
            for index, target in enumerate(ids):
                if any(target in corpus.ids.get(k, ()) for k in kinds):
                    continue
                loc = (name, index) if isinstance(value, list) else (name,)
                known = sorted(i for k in kinds for i in corpus.ids.get(k, ()))
                label = " or ".join(kinds)
                message = f"{dotted(loc)}: unknown {label} '{target}'{suggest(target, known)}"
                problems.append(source.problem(loc, message))
    return problems


def record_models(corpus: Corpus):
    """(source, model) of every valid record, and of project.yaml."""
    for (kind, record_id), source in corpus.sources.items():
        yield source, corpus.records[kind][record_id]
    if corpus.project_source is not None and corpus.project is not None:
        yield corpus.project_source, corpus.project


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

    Keys listed under `sources` come with n = -1: the list item is the place.
    """
    for i, source in enumerate(getattr(model, "sources", None) or []):
        yield (*loc, "sources", i), schema.source_key(source), -1
    for where, text in prose_texts(model, loc):
        seen: dict[str, int] = {}
        for _offset, _cluster, found in clusters_in(text):
            for key in found:
                yield where, key, seen.get(key, 0)
                seen[key] = seen.get(key, 0) + 1
