"""The record kinds and their fields: the one source of truth for content.

Every value arrives as text (see content.py); these models turn text into
numbers, dates and choices, and name what is allowed. Fields marked PROSE hold
Markdown with [@citations]; every other text field is printed as plain text.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Annotated, Literal, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from advocacy.licences import DEFAULT as DEFAULT_LICENCE
from advocacy.licences import LicenceName, known_licence


class ProseMarker:
    """Metadata marking a field as Markdown prose with citations."""


PROSE = ProseMarker()
NULL_WORDS = {"null", "none", "~", "nil"}


def _real_text(value: str) -> str:
    if value.strip().lower() in NULL_WORDS:
        raise ValueError(f"'{value}' is not text; write the value, or remove the field")
    return value


def _language_tag(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
        raise ValueError(f"'{value}' is not a valid language tag such as 'en' or 'pt-BR'")
    return value


language_tag = AfterValidator(_language_tag)


MAX_BRACKETS = 500
MAX_NESTING = 20
NESTED_PREFIX = re.compile(r"^(?:[ \t]*(?:[-*+>]|\d{1,9}[.)])(?=[ \t]|$))+", re.MULTILINE)


def _bounded_markdown(value: str) -> str:
    """Refuse what makes Python-Markdown quadratic or recursive."""
    brackets = value.count("[")
    if brackets > MAX_BRACKETS:
        raise ValueError(f"{brackets:,} '[' in one field, over the limit of {MAX_BRACKETS}")
    for match in NESTED_PREFIX.finditer(value):
        depth = len(re.findall(r"[-*+>]|\d{1,9}[.)]", match.group(0)))
        indent = len(match.group(0)) - len(match.group(0).lstrip())
        if depth + indent // 2 > MAX_NESTING:
            raise ValueError(
                f"lists or quotes nested {depth + indent // 2:,} deep, over the limit of "
                f"{MAX_NESTING}"
            )
    return value


Text = Annotated[str, Field(min_length=1), AfterValidator(_real_text)]
Prose = Annotated[
    str, Field(min_length=1), AfterValidator(_real_text), AfterValidator(_bounded_markdown), PROSE
]
Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
CiteKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][\w:.#$%&+?<>~/-]*$")]
Count = Annotated[int, Field(ge=0)]

Actor = Literal[
    "national-government",
    "local-government",
    "regional-bodies",
    "un-agencies",
    "academia",
    "sse-movement",
]
# An actor's id: one declared in content/actors.yaml, or of the house list when
# none are declared (actors.py checks which); so the schema cannot close the list.
ActorId = Annotated[
    str,
    Field(pattern=r"^[a-z0-9][a-z0-9-]*$"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[a-z0-9][a-z0-9-]*$",
            "examples": list(get_args(Actor)),
            "description": "An actor declared in content/actors.yaml; without that file, one "
            "of the house list: " + ", ".join(get_args(Actor)) + ".",
        }
    ),
]
ACTOR_LABELS = {
    "national-government": "National governments",
    "local-government": "Local governments",
    "regional-bodies": "Regional bodies (ASEAN, ASEM)",
    "un-agencies": "UN agencies",
    "academia": "Academia",
    "sse-movement": "The SSE movement",
}


MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


class PartialDate(BaseModel):
    """A date written YYYY, YYYY-MM or YYYY-MM-DD; printed at its precision."""

    model_config = ConfigDict(frozen=True)

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", str(text).strip())
        if not match:
            raise ValueError(f"expected a date as YYYY-MM-DD, YYYY-MM or YYYY; got '{text}'")
        year, month, day = (int(g) if g else None for g in match.groups())
        date(year, month or 1, day or 1)  # raises ValueError on 2021-02-30
        return cls(year=year, month=month, day=day)

    def __str__(self) -> str:
        if self.day:
            return f"{self.day} {MONTHS[self.month - 1]} {self.year}"
        if self.month:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return str(self.year)

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        parts += [f"{n:02d}" for n in (self.month, self.day) if n]
        return "-".join(parts)


def _to_partial_date(value: object) -> PartialDate:
    if isinstance(value, PartialDate):
        return value
    return PartialDate.parse(str(value))


When = Annotated[
    PartialDate,
    BeforeValidator(_to_partial_date),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$", "examples": ["2021-05-19"]}
    ),
]


class SourceRef(BaseModel):
    """A citation key with a locator: {key: ilo2021wspr, locator: p. 12}."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    key: CiteKey
    locator: Text

    def __str__(self) -> str:
        return self.key


Source = CiteKey | SourceRef


def source_key(source: str | SourceRef) -> str:
    return source.key if isinstance(source, SourceRef) else source


class Record(BaseModel):
    """Fields every record has."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    id: Id = Field(description="Taken from the file name; if written, it must match.")
    sources: list[Source] = Field(
        default_factory=list,
        description="Citation keys the record rests on; {key, locator} adds a page or section.",
    )


class Person(BaseModel):
    """An author. `honorific` ("Prof Datuk Dr") is printed before the name in the
    byline, never in the metadata or the suggested citation."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: Text
    honorific: Text | None = None
    role: Text | None = None


class Programme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keynotes: Count
    case_studies: Count
    partnership_speakers: Count


class Event(Record):
    """A convening: the open space whose conversation the documents draw on."""

    name: Text
    short_name: Text
    forum: Text
    date: When
    format: Text
    organiser: Text
    host: Text | None = None
    participants: Count
    speakers: Count
    moderators: Count
    programme: Programme
    synthesis_strands: list[Text] = Field(min_length=1)
    summary: Prose | None = None


class Exclusion(Record):
    """A face of social exclusion: who is excluded, as stated at the event."""

    name: Text
    community: Text
    statement: Prose = Field(description="The point as the synthesis states it.")
    cross_cutting: bool = False
    evidence: Prose | None = None


class Initiative(Record):
    """A people's alternative: a community initiative with a social-protection thrust."""

    name: Text
    statement: Prose
    reaches: list[Id] = Field(default_factory=list, description="Exclusion ids.")
    evidence: Prose | None = None


class Theme(Record):
    """An alternative socio-economic model to mainstream."""

    name: Text
    statement: Prose
    evidence: Prose | None = None


class Engagement(Record):
    """One of the areas of engagement that group the records above."""

    number: Annotated[int, Field(ge=1)]
    title: Text
    lead: Text | None = None
    points: list[Prose] = Field(default_factory=list)
    exclusions: list[Id] = Field(default_factory=list)
    initiatives: list[Id] = Field(default_factory=list)
    themes: list[Id] = Field(default_factory=list)
    summary: Prose | None = None


class Recommendation(Record):
    """A policy ask, addressed to named actors, with the evidence behind it."""

    title: Text
    action: Prose
    addressed_to: list[ActorId] = Field(
        default_factory=list, description="Who is to act; a published document needs it."
    )
    timeframe: Text | None = None
    rests_on: list[Id] = Field(default_factory=list, description="Record ids.")
    rationale: Prose | None = None


def content_file(folder: str, pattern: str, kinds: str, description: str):
    """A text naming a file in content/<folder>/: relative, without '..', its name
    matching pattern (kinds says which files that allows, in the message)."""

    def check(value: str) -> str:
        parts = value.split("/")
        if value.startswith("/") or ".." in parts or not re.fullmatch(pattern, value, re.I):
            raise ValueError(
                f"'{value}' is not a file in content/{folder}/; give a relative path to "
                f"{kinds} there, without '..'"
            )
        return value

    schema = {"type": "string", "pattern": f"^{pattern}$", "description": description}
    return Annotated[str, AfterValidator(check), WithJsonSchema(schema)]


AssetPath = content_file(
    "assets",
    r"[\w./-]+\.(png|jpe?g|svg)",
    "a .png, .jpg or .svg file",
    "A PNG, JPEG or SVG file in content/assets/, e.g. logo.svg",
)
DataPath = content_file(
    "data",
    r"[\w./ -]+\.csv",
    "a .csv file",
    "A CSV file in content/data/ (UTF-8, a header row), e.g. coverage.csv",
)


class Column(BaseModel):
    """A column of a CSV, chosen by its header, and the label printed for it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    column: Text = Field(description="The column's name in the CSV's header row.")
    label: Text | None = Field(default=None, description="Printed instead of the column's name.")


class TableColumn(Column):
    format: Literal["number", "text"] | None = Field(
        default=None,
        description="'text' prints the cells as written (years, codes); by default a column "
        "of numbers is formatted for the document's language and right-aligned.",
    )


class FigureData(BaseModel):
    """The CSV a figure is drawn from, and the columns it draws."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    file: DataPath
    category: Text | None = Field(
        default=None, description="The column that names the categories; the first by default."
    )
    series: list[Text | Column] = Field(
        min_length=1, description="The columns of numbers, one series each, by header name."
    )


class TableData(BaseModel):
    """The CSV a table shows, and which of its columns, in order."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    file: DataPath
    columns: list[Text | TableColumn] = Field(
        default_factory=list,
        description="The columns shown, in order, by header name; all by default. The first "
        "names the rows.",
    )


class Series(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: Text
    values: list[float] = Field(min_length=1)


class Figure(Record):
    """A small data table drawn as a chart, with its source and alt text.

    The numbers are written here (`categories` and `series`) or read from a
    CSV in content/data/ (`data`).
    """

    title: Text
    chart: Literal["bar", "stacked-bar", "line"]
    alt: Text = Field(description="What the chart shows, for readers who cannot see it.")
    data: FigureData | None = Field(default=None, description="A CSV instead of the numbers.")
    categories: list[Text] = Field(default_factory=list)
    series: list[Series] = Field(default_factory=list)
    unit: Text | None = None
    note: Prose | None = None
    sources: list[Source] = Field(min_length=1, description="Where the numbers come from.")

    @model_validator(mode="after")
    def _series_fit(self) -> Figure:
        if self.data is not None:
            if self.categories or self.series:
                raise ValueError(
                    "give the numbers either in a CSV (data) or here (categories and series), "
                    "not both"
                )
            return self
        if not self.categories or not self.series:
            raise ValueError(
                "give the numbers: data (a CSV in content/data/), or categories and series"
            )
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"series '{series.name}' has {len(series.values)} values for "
                    f"{len(self.categories)} categories; give one value per category"
                )
        return self


class Box(Record):
    """A box beside the text: "Box N", a title, a few paragraphs, tinted and
    never split across pages. For a definition, a case study, an instrument."""

    title: Text
    text: Prose = Field(description="What the box says; Markdown, with citations.")


class Table(Record):
    """A table of data, from a CSV in content/data/ (`data`) or written here
    (`columns` and `rows`), with its unit, source and note."""

    title: Text
    unit: Text | None = Field(default=None, description="What the numbers count, e.g. per cent.")
    data: TableData | None = Field(default=None, description="A CSV instead of the rows.")
    columns: list[Text | TableColumn] = Field(
        default_factory=list, description="The header of a table written here."
    )
    rows: list[list[Text]] = Field(
        default_factory=list, description="The rows of a table written here: one cell a column."
    )
    note: Prose | None = None
    sources: list[Source] = Field(min_length=1, description="Where the numbers come from.")

    @model_validator(mode="after")
    def _rows_fit(self) -> Table:
        if self.data is not None:
            if self.columns or self.rows:
                raise ValueError(
                    "give the table either in a CSV (data) or here (columns and rows), not both"
                )
            return self
        if not self.columns or not self.rows:
            raise ValueError("give the table: data (a CSV in content/data/), or columns and rows")
        for index, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"rows[{index}] has {len(row)} cells for {len(self.columns)} columns; "
                    "give one cell per column"
                )
        return self


class Quote(BaseModel):
    """A pull quote: words the document already carries, set large."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    text: Text
    attribution: Text


HexColour = Annotated[
    str,
    Field(pattern=r"^#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$", description="A colour as #rrggbb."),
]


class Colours(BaseModel):
    """Brand colours; the shades the house style needs are derived from them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    primary: HexColour = Field(
        description="Bands, headings and rules; text in it must read on white."
    )
    accent: HexColour = Field(description="Numbers and highlights; text in it must read on white.")


def _issn(value: str) -> str:
    digits = value.replace("-", "").upper()
    if not re.fullmatch(r"\d{7}[\dX]", digits):
        raise ValueError(f"'{value}' is not an ISSN; write it as 1234-5679")
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    if digits[7] != ("X" if check == 10 else str(check)):
        raise ValueError(f"ISSN '{value}' has a wrong check digit; copy it from the ISSN record")
    return f"{digits[:4]}-{digits[4:]}"


def _isbn(value: str) -> str:
    digits = value.replace("-", "").replace(" ", "").upper()
    if re.fullmatch(r"\d{13}", digits):
        valid = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
    elif re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if d == "X" else int(d)) for i, d in enumerate(digits))
        valid = total % 11 == 0
    else:
        raise ValueError(f"'{value}' is not an ISBN; write the 13 digits, hyphens allowed")
    if not valid:
        raise ValueError(f"ISBN '{value}' has a wrong check digit; copy it from the ISBN agency")
    return value.strip()


def _doi(value: str) -> str:
    text = value.strip()
    bare = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", text, flags=re.IGNORECASE)
    if not re.fullmatch(r"10\.\d{4,9}/\S+", bare):
        raise ValueError(
            f"'{value}' is not a DOI; write it as 10.NNNN/suffix, as the DOI agency gave it"
        )
    return bare


def _handle(value: str) -> str:
    text = value.strip()
    bare = re.sub(r"^https?://hdl\.handle\.net/", "", text, flags=re.IGNORECASE)
    if not re.fullmatch(r"\d+(?:\.\d+)*/\S+", bare):
        raise ValueError(
            f"'{value}' is not a handle; write it as PREFIX/SUFFIX, such as 10986/1234"
        )
    return bare


def _web_address(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", text):
        raise ValueError(f"'{value}' is not a web address; write it in full, from https://")
    return text


ISSN = Annotated[str, AfterValidator(_issn)]
ISBN = Annotated[str, AfterValidator(_isbn)]
DOI = Annotated[str, AfterValidator(_doi)]
Handle = Annotated[str, AfterValidator(_handle)]
URL = Annotated[str, AfterValidator(_web_address)]


class PublicationSeries(BaseModel):
    """A series a document type is published in: "ASEC Policy Brief", with its ISSN."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: Text
    issn: ISSN | None = None


class Organisation(BaseModel):
    """Who publishes: the identity printed on every document."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: Text
    short_name: Text
    logo: AssetPath | None = Field(
        default=None, description="For light backgrounds; on the band, set on a white plate."
    )
    logo_on_dark: AssetPath | None = Field(
        default=None, description="A variant for the coloured band (often all white)."
    )
    colours: Colours | None = Field(default=None, description="The house colours by default.")
    url: Text | None = None
    email: Text | None = None
    address: Text | None = None
    contact: Text | None = None
    about: Prose | None = None
    series: dict[str, PublicationSeries] = Field(
        default_factory=dict,
        description="By document type (policy-brief, ...): the series its documents are in.",
    )
    disclaimers: list[Prose] = Field(
        default_factory=list,
        description="Printed on every back page: whose views these are, designations, ...",
    )


class Partner(BaseModel):
    """An organisation a document is published with or in partnership with."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: Text
    role: Literal["co-publisher", "partner"] = "partner"
    logo: AssetPath | None = None
    url: Text | None = None


class Project(BaseModel):
    """content/project.yaml: who publishes, under which licence."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    organisation: Organisation
    licence: Annotated[LicenceName, BeforeValidator(known_licence)] = Field(
        default=DEFAULT_LICENCE, description="One of the licences in advocacy/licences.py."
    )
    licence_url: Text | None = Field(
        default=None, description="Follows from licence; if written, it must be its URL."
    )
    sources: list[CiteKey] = Field(default_factory=list)


MODELS: dict[str, type[Record]] = {
    "event": Event,
    "exclusion": Exclusion,
    "initiative": Initiative,
    "theme": Theme,
    "engagement": Engagement,
    "recommendation": Recommendation,
    "figure": Figure,
    "table": Table,
    "box": Box,
}  # documents: one model per type, in doctypes.py

# Fields that link to other records, and the kinds they may name.
LINKS: dict[str, dict[str, tuple[str, ...]]] = {
    "initiative": {"reaches": ("exclusion",)},
    "engagement": {
        "exclusions": ("exclusion",),
        "initiatives": ("initiative",),
        "themes": ("theme",),
    },
    "recommendation": {
        "rests_on": ("event", "exclusion", "initiative", "theme", "engagement"),
    },
    "document": {
        "event": ("event",),
        "engagements": ("engagement",),
        "exclusions": ("exclusion",),
        "initiatives": ("initiative",),
        "themes": ("theme",),
        "recommendations": ("recommendation",),
        "way_forward": ("recommendation",),
        "figures": ("figure",),
        "tables": ("table",),
        "boxes": ("box",),
    },
}


def linked_ids(record: BaseModel, name: str) -> list[str]:
    """The ids a record's link field names; none when its type lacks the field."""
    value = getattr(record, name, None)
    return value if isinstance(value, list) else [value] if value else []


def links_of(kind: str, record: BaseModel):
    """(loc, id) for every id a record of kind links to, in the order written."""
    for name in LINKS.get(kind, {}):
        value = getattr(record, name, None)  # a document type may lack the field
        if isinstance(value, list):
            yield from (((name, index), target) for index, target in enumerate(value))
        elif value:
            yield (name,), value


@functools.cache
def prose_fields(model: type[BaseModel]) -> list[str]:
    """Names of the fields of model that hold Markdown prose."""
    return [
        name
        for name, info in model.model_fields.items()
        if PROSE in info.metadata or _has_prose(info.annotation)
    ]


def _has_prose(annotation: object) -> bool:
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        return PROSE in extra or _has_prose(base)
    return any(_has_prose(arg) for arg in get_args(annotation))


def json_schemas() -> dict[str, dict]:
    """JSON Schema (Draft 2020-12) for each record kind and for project.yaml.

    The id comes from the file name, so a file need not hold it.
    """
    from advocacy.doctypes import document_schema
    from advocacy.editions import translation_schemas

    found = {kind: model.model_json_schema() for kind, model in MODELS.items()}
    found["document"] = document_schema()
    found["project"] = Project.model_json_schema()
    found |= translation_schemas()
    for kind, schema in found.items():
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"{kind}.schema.json"
        for variant in [schema, *schema.get("$defs", {}).values()]:
            if "id" in variant.get("properties", {}) and "required" in variant:
                variant["required"] = [name for name in variant["required"] if name != "id"]
    return found
