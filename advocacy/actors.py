"""Who a recommendation is addressed to: the house list, or the project's own.

A project may declare its actors in content/actors.yaml, one per key:

    kuskop:
      name: Ministry of Entrepreneur and Cooperatives Development
      short_name: KUSKOP
      level: national

Declared actors replace the house list of six (schema.ACTOR_LABELS, whose
labels are translated in the catalogs). A declared name is content, printed
as written in every language; translating it is left to a later version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advocacy import schema
from advocacy.content import Source, leaves, link_out, read_source, shown_path
from advocacy.errors import Problem, one_of, suggest

FILE = "actors.yaml"
ID = r"[a-z0-9][a-z0-9-]*"
Level = Literal["national", "local", "regional", "international", "civil-society", "academia"]
# Labels, in the order the "who should act" table gives the levels.
LEVEL_LABELS = {
    "national": "National level",
    "local": "Local level",
    "regional": "Regional level",
    "international": "International level",
    "civil-society": "Civil society",
    "academia": "Academia",
}
HOUSE_LEVELS = {
    "national-government": "national",
    "local-government": "local",
    "regional-bodies": "regional",
    "un-agencies": "international",
    "academia": "academia",
    "sse-movement": "civil-society",
}


class DeclaredActor(BaseModel):
    """An actor of content/actors.yaml."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: schema.Text = Field(description="As it is printed, in every language.")
    short_name: schema.Text | None = Field(default=None, description="KUSKOP; after the name.")
    group: schema.Text | None = Field(
        default=None, description="Its plural or group label, for the table: 'Ministries'."
    )
    level: Level


@dataclass(frozen=True)
class Actor:
    """An actor as the templates see it: a house label, or a declared name."""

    id: str
    level: str
    name: str | None = None  # declared: printed as written
    short_name: str | None = None
    group: str | None = None
    rank: int = 0  # its place in the list: the house one, or content/actors.yaml

    def label(self, labels) -> str:
        if self.name is None:
            return labels.html(schema.ACTOR_LABELS[self.id])
        return f"{self.name} ({self.short_name})" if self.short_name else self.name


HOUSE = {key: Actor(key, HOUSE_LEVELS[key], rank=i) for i, key in enumerate(schema.ACTOR_LABELS)}


def read_actors(content: Path, root: Path) -> tuple[dict[str, Actor], Source | None, list]:
    """The project's actors (the house list when it declares none), the file, its problems."""
    path = content / FILE
    if not path.exists():
        return HOUSE, None, []
    shown = shown_path(path, root)
    if leaves(path, root):
        return HOUSE, None, [link_out(path, shown)]
    source, problems = read_source(path, shown)
    if source is None or problems:
        return HOUSE, source, problems
    if not isinstance(source.data, dict):
        return (
            HOUSE,
            source,
            [source.problem((), "expected actor ids, each with its name and level")],
        )
    actors, problems = {}, []
    for rank, (key, data) in enumerate(source.data.items()):
        declared, found = _declared(source, str(key), data)
        problems.extend(found)
        actors[key] = Actor(key, "national", str(key), rank=rank)  # no cascade of errors
        if declared is not None:
            d = declared
            actors[key] = Actor(key, d.level, d.name, d.short_name, d.group, rank)
    return actors, source, problems


def _declared(source: Source, key: str, data: object) -> tuple[DeclaredActor | None, list]:
    from advocacy.corpus import pydantic_problems

    if not re.fullmatch(ID, key):
        message = f"'{key}' is not a valid actor id; use lower-case letters, digits and '-'"
        return None, [source.problem((key,), message, at_key=True)]
    try:
        return DeclaredActor.model_validate(data), []
    except ValidationError as exc:
        return None, list(pydantic_problems(exc, _Within(source, key), DeclaredActor))


class _Within:
    """source, seen from the actor at key: its problems name the actor."""

    def __init__(self, source: Source, key: str):
        self.source, self.key = source, key

    def problem(self, loc, message, level="error", at_key=False):
        joint = ": " if message.startswith("unknown field") or not loc else "."
        return self.source.problem((self.key, *loc), self.key + joint + message, level, at_key)


def actor_problems(corpus) -> list[Problem]:
    """Every addressee of a recommendation must be a known actor."""
    known = list(corpus.actors)
    problems = []
    for record_id, record in corpus.records.get("recommendation", {}).items():
        source = corpus.sources[("recommendation", record_id)]
        for index, actor in enumerate(record.addressed_to):
            if actor not in corpus.actors:
                message = (
                    f"addressed_to[{index}]: expected one of {one_of(known)}; got '{actor}'"
                    f"{suggest(actor, known)}"
                )
                problems.append(source.problem(("addressed_to", index), message))
    return problems


def by_level(actors: list[Actor]) -> list[tuple[str, list[Actor]]]:
    """actors grouped by level, in the order of LEVEL_LABELS, each in its list's order."""
    actors = sorted(actors, key=lambda actor: actor.rank)
    return [
        (level, [a for a in actors if a.level == level])
        for level in LEVEL_LABELS
        if any(a.level == level for a in actors)
    ]
