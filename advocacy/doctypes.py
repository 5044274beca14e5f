"""Document types, each declared once: its model, label, budget and sections.

A type is a `DocumentSpec`: the pydantic model of its YAML (chosen by `type`,
so a field the type never prints is refused at its line), the label printed
on covers, the page budget, whether the evidence ledger annex is on by
default, and its ordered `Part`s. `outline.py` turns a spec and a document
into the numbered sections every output reads. A new type is a spec here and
a template `templates/<type>.html.j2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)

from advocacy.schema import (
    DOI,
    ISBN,
    MODELS,
    URL,
    Handle,
    Id,
    Partner,
    Person,
    Prose,
    Quote,
    Record,
    Text,
    When,
    language_tag,
)


class DocumentBase(Record):
    """Fields every document has, whatever its type."""

    type: str
    title: Text
    subtitle: Text | None = None
    short_title: Text
    status: Literal["final", "draft"] = "final"
    authors: list[Person] = Field(min_length=1)
    date: When
    language: Annotated[str, language_tag] = "en"
    editions: list[Annotated[str, language_tag]] = Field(
        default_factory=list,
        description="The languages the document is published in, its own language first; "
        "a translation of a record or document is NAME.LANG.yaml beside it.",
    )
    calendar: Literal["gregorian", "buddhist"] = Field(
        default="gregorian",
        description="Years in the Buddhist Era (2024 is 2567), as Thai official documents count.",
    )
    audience: Text
    subject: Text
    keywords: list[Text] = Field(min_length=1)
    archival: bool = Field(
        default=False,
        description="Also make the PDF PDF/A-3u (for archives), keeping its PDF/UA tags.",
    )
    page_limit: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Most pages the PDF may have; the type's budget by default."
    )
    citation_style: Text = Field(
        default="chicago-author-date",
        description="A CSL style: the name of a packaged style (apa, ieee, ...) or of a .csl "
        "file in content/ or templates/csl/.",
    )
    ledger: bool | None = Field(
        default=None, description="Add the evidence ledger annex (default: the type's)."
    )
    key_messages: list[Prose] = Field(min_length=1)
    conclusion: Prose | None = None
    based_on: Prose | None = Field(
        default=None, description="What the document draws on; printed on the back page."
    )
    figures: list[Id] = Field(default_factory=list, description="Figure ids, drawn in order.")
    tables: list[Id] = Field(default_factory=list, description="Table ids, shown in order.")
    boxes: list[Id] = Field(
        default_factory=list, description="Box ids: 'Box N', in the document's first section."
    )
    number: Annotated[str, Field(min_length=1)] | None = Field(
        default=None,
        description="Its number in its type's series (organisation.series): 1, 2026/3.",
    )
    isbn: ISBN | None = None
    edition: Annotated[str, Field(min_length=1, max_length=40)] | None = Field(
        default=None,
        description="Which release this is: 1.0, 2, 2026-2; printed in the imprint and in "
        "'How to cite', and the name of its release (advocacy release).",
    )
    released: When | None = Field(
        default=None, description="When this edition was released; the date by default."
    )
    doi: DOI | None = Field(default=None, description="Its DOI, once registered: 10.NNNN/suffix.")
    handle: Handle | None = Field(
        default=None, description="Its handle in a repository: PREFIX/SUFFIX."
    )
    url: URL | None = Field(default=None, description="Where it is published on the web.")
    partners: list[Partner] = Field(
        default_factory=list, description="Co-publishers and partners, with their logos."
    )

    @field_validator("editions")
    @classmethod
    def _source_first(cls, editions: list[str], info: ValidationInfo) -> list[str]:
        language = info.data.get("language", "en")
        if editions and editions[0] != language:
            order = ", ".join([language, *[e for e in editions if e != language]])
            raise ValueError(
                f"the first edition is the source, '{language}' (the document's language); "
                f"write [{order}]"
            )
        twice = sorted({e for e in editions if editions.count(e) > 1})
        if twice:
            raise ValueError(f"'{twice[0]}' is named twice; name each edition once")
        return editions

    def edition_languages(self) -> list[str]:
        """The languages of the document's editions, its own first."""
        return self.editions or [self.language]


class PolicyBrief(DocumentBase):
    """Four pages: key messages, the issue, who is left out, what works, the asks."""

    type: Literal["policy-brief"]
    introduction: Prose = Field(description="The issue, in a paragraph or two.")
    exclusions: list[Id] = Field(min_length=1)
    initiatives: list[Id] = Field(min_length=1)
    recommendations: list[Id] = Field(min_length=1)


class PositionPaper(DocumentBase):
    """The main ask first, the framework, the evidence, our position, the asks."""

    type: Literal["position-paper"]
    main_recommendation: Prose
    background: Prose
    position: Prose
    exclusions: list[Id] = Field(default_factory=list)
    initiatives: list[Id] = Field(default_factory=list)
    themes: list[Id] = Field(default_factory=list)
    recommendations: list[Id] = Field(min_length=1)


class SynthesisReport(DocumentBase):
    """The whole synthesis of an event, in the order of its own synthesis."""

    type: Literal["synthesis-report"]
    introduction: Prose | None = None
    quote: Quote | None = None
    event: Id
    engagements: list[Id] = Field(min_length=1)
    way_forward: list[Id] = Field(min_length=1)


class FactSheet(DocumentBase):
    """One or two pages: key messages, figures and the asks, for a meeting table."""

    type: Literal["fact-sheet"]
    introduction: Prose | None = None
    recommendations: list[Id] = Field(min_length=1)


@dataclass(frozen=True)
class Part:
    """One section of a type: its anchor, title and the document fields it shows.

    `shows` names document fields: prose fields are printed, link fields bring
    their records (an engagement brings its own exclusions, initiatives and
    themes). A part whose `shows` are all empty is left out; `children` are
    its subsections, and `each` makes one subsection per record of a field.
    """

    id: str
    title: str
    shows: tuple[str, ...] = ()
    numbered: bool = True
    children: tuple[Part, ...] = ()
    each: str | None = None
    always: bool = False  # shown even when its fields are empty (references, back page)
    in_toc: bool = True


@dataclass(frozen=True)
class DocumentSpec:
    name: str
    label: str
    model: type[DocumentBase]
    page_limit: int
    ledger: bool
    parts: tuple[Part, ...]
    numbered: bool = True
    toc: bool = True


REFERENCES = Part("references", "References", numbered=False, always=True)
LEDGER = Part("evidence-ledger", "Annex: evidence ledger", numbered=False, always=True)
ABOUT = Part(
    "about-this-document",
    "About this document",
    ("based_on",),
    numbered=False,
    always=True,
    in_toc=False,
)
CONCLUSION = Part("conclusion", "Conclusion", ("conclusion",))

SPECS: dict[str, DocumentSpec] = {
    spec.name: spec
    for spec in (
        DocumentSpec(
            "policy-brief",
            "Policy brief",
            PolicyBrief,
            page_limit=4,
            ledger=False,
            numbered=False,
            toc=False,
            parts=(
                Part("key-messages", "Key messages", ("key_messages",), numbered=False),
                Part("issue", "The issue", ("introduction", "boxes", "figures", "tables")),
                Part("excluded", "Who is left out", ("exclusions",)),
                Part("what-works", "What works: people's own initiatives", ("initiatives",)),
                Part("recommendations", "Recommendations", ("recommendations",)),
                CONCLUSION,
                REFERENCES,
                LEDGER,
                ABOUT,
            ),
        ),
        DocumentSpec(
            "position-paper",
            "Position paper",
            PositionPaper,
            page_limit=24,
            ledger=True,
            parts=(
                Part(
                    "in-brief",
                    "Our position in brief",
                    ("main_recommendation", "key_messages"),
                    numbered=False,
                ),
                Part(
                    "background",
                    "Background: the international framework",
                    ("background", "boxes"),
                ),
                Part(
                    "evidence",
                    "The evidence",
                    ("based_on", "figures", "tables"),
                    always=True,
                    children=(
                        Part("excluded", "Who is excluded", ("exclusions",)),
                        Part("alternatives", "People's alternatives", ("initiatives",)),
                        Part("models", "Models to mainstream", ("themes",)),
                    ),
                ),
                Part("position", "Our position", ("position",)),
                Part("recommendations", "Recommendations", ("recommendations",)),
                CONCLUSION,
                REFERENCES,
                LEDGER,
                ABOUT,
            ),
        ),
        DocumentSpec(
            "synthesis-report",
            "Synthesis report",
            SynthesisReport,
            page_limit=40,
            ledger=True,
            parts=(
                Part("key-messages", "Key messages", ("key_messages",), numbered=False),
                Part(
                    "open-space",
                    "The open space",
                    ("introduction", "boxes", "event", "figures", "tables"),
                ),
                Part("areas", "Areas of engagement", ("quote",), always=True, each="engagements"),
                Part("way-forward", "Way forward", ("way_forward",)),
                CONCLUSION,
                REFERENCES,
                LEDGER,
                ABOUT,
            ),
        ),
        DocumentSpec(
            "fact-sheet",
            "Fact sheet",
            FactSheet,
            page_limit=2,
            ledger=False,
            numbered=False,
            toc=False,
            parts=(
                Part("key-messages", "Key messages", ("key_messages",), numbered=False),
                Part("in-figures", "In figures", ("introduction", "boxes", "figures", "tables")),
                Part("recommendations", "What we ask", ("recommendations",)),
                REFERENCES,
                LEDGER,
                ABOUT,
            ),
        ),
    )
}

DOCUMENT_TYPES = tuple(SPECS)


class UnknownType(DocumentBase):
    """A document whose `type` is not one of the types: only that is reported."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    type: Literal[DOCUMENT_TYPES]  # type: ignore[valid-type]


RECORD_KINDS = (*MODELS, "document")


def model_for(kind: str, data: object) -> type[BaseModel]:
    """The model a record's YAML is checked against; a document's by its `type`."""
    if kind != "document":
        return MODELS[kind]
    name = data.get("type") if isinstance(data, dict) else None
    spec = SPECS.get(name) if isinstance(name, str) else None
    return spec.model if spec else UnknownType


def spec_of(document: DocumentBase) -> DocumentSpec:
    return SPECS[document.type]


def document_schema() -> dict:
    """One JSON Schema for documents: exactly the fields of each type, by `type`."""
    models = tuple(spec.model for spec in SPECS.values())
    union = Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007
    return TypeAdapter(union).json_schema()


def types_with(field: str) -> list[str]:
    """The document types that take a field."""
    return [name for name, spec in SPECS.items() if field in spec.model.model_fields]


def document_fields() -> dict[str, list[str]]:
    """For each type, the fields it accepts (for messages about the others)."""
    return {name: list(spec.model.model_fields) for name, spec in SPECS.items()}
