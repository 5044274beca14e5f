"""The words the templates print, from a gettext catalog per language.

English is the source language: every label is written in English in the
templates (`{{ _("Key messages") }}`) and in the document types' specs, and
`templates/locale/advocacy.pot` lists them all. A translation is
`templates/locale/<lang>.po`, the format translators' tools and platforms
(Poedit, Weblate, Transifex, Crowdin) read and write. Entries marked `fuzzy`
are used, and counted as needing review. A label a catalog lacks is printed
in English, inside `lang="en"`, and reported as a warning.

Dates come from CLDR (Babel), at the precision the content gives them.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from markupsafe import Markup, escape

SOURCE = "en"
# English dates are written day month year, as the network's own English
# publications write them ("19 May 2021"); en-US content gets US order.
DATE_LOCALE = {"en": "en_GB"}
SKELETONS = {"day": "dMMMMy", "month": "MMMMy", "year": "y"}
BUDDHIST_ERA = 543  # years from 543 BCE: 2024 CE is BE 2567


def locale_folder(templates: Path) -> Path:
    return templates / "locale"


@cache
def _read_catalog(path: Path, mtime: float) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def catalog_for(templates: Path, language: str) -> tuple[Catalog | None, Path | None]:
    """The catalog for a language tag: `ms-MY` is `ms-MY.po`, else `ms.po`."""
    folder = locale_folder(templates)
    for name in dict.fromkeys([language, language.split("-")[0]]):
        path = folder / f"{name}.po"
        if path.is_file():
            return _read_catalog(path, path.stat().st_mtime), path
    return None, None


@dataclass
class Labels:
    """The labels of one language, and what it lacked while rendering."""

    language: str
    catalog: Catalog | None = None
    path: Path | None = None
    missing: list[str] = field(default_factory=list)
    calendar: str = "gregorian"

    @classmethod
    def load(cls, templates: Path, language: str, calendar: str = "gregorian") -> Labels:
        if language.split("-")[0] == SOURCE:
            return cls(language, calendar=calendar)
        catalog, path = catalog_for(templates, language)
        return cls(language, catalog, path, calendar=calendar)

    def text(self, message: str) -> str | None:
        """The translation of message, or None when the catalog lacks it."""
        if self.language.split("-")[0] == SOURCE:
            return message
        entry = self.catalog.get(message) if self.catalog is not None else None
        if entry is None or not entry.string:
            if message not in self.missing:
                self.missing.append(message)
            return None
        return entry.string

    def plain(self, message: str) -> str:
        """For attributes and metadata: the translation, or the English."""
        found = self.text(message)
        return message if found is None else found

    def html(self, message: str, **values) -> Markup:
        """For element content: the translation, or the English inside lang="en"."""
        found = self.text(message)
        if found is None:
            text = escape(message) % {k: escape(v) for k, v in values.items()}
            return Markup(f'<span lang="{SOURCE}">{text}</span>')
        return escape(found) % {k: escape(v) for k, v in values.items()}

    def number(self, value) -> str:
        """A number as this language writes it (CLDR): 128,000 in English, 128.000 in
        Indonesian. A Decimal keeps the decimals it was written with."""
        return format_number(value, self.language)

    def year(self, when) -> str:
        """The year of a date, in this language and calendar."""
        return self.date(when, "year")

    def date(self, when, precision: str | None = None) -> str:
        """A partial date (year, year-month or full) in this language, from CLDR."""
        precision = precision or ("day" if when.day else "month" if when.month else "year")
        year = when.year + (BUDDHIST_ERA if self.calendar == "buddhist" else 0)
        value = date(year, when.month or 1, when.day or 1)
        return format_skeleton(SKELETONS[precision], value, locale=date_locale(self.language))


def language_name(language: str) -> str:
    """A language's name in that language, from CLDR: 'Melayu', 'ไทย', '中文'."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return language
    name = locale.get_display_name(locale) or language
    return name[:1].upper() + name[1:]


def language_in(language: str, reader: str) -> str:
    """A language named in another: 'Inggeris' is English in Malay."""
    try:
        name = Locale.parse(language.replace("-", "_")).get_display_name(
            Locale.parse(reader.replace("-", "_"))
        )
    except (UnknownLocaleError, ValueError):
        return language
    return name or language


def date_locale(language: str) -> Locale:
    tag = DATE_LOCALE.get(language, language).replace("-", "_")
    try:
        return Locale.parse(tag)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DATE_LOCALE[SOURCE])


MAX_PLACES = 6  # decimals kept of a float (a chart's ticks: 0.30000000000000004)


def format_number(value, language: str) -> str:
    """value (a Decimal, or a float rounded to MAX_PLACES) with the language's
    thousands separator and decimal sign, its decimals as given."""
    if not isinstance(value, Decimal):
        value = round(Decimal(repr(float(value))), MAX_PLACES).normalize()
    places = 0 if value == value.to_integral_value() else max(0, -value.as_tuple().exponent)
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse(SOURCE)
    pattern = copy(locale.decimal_formats[None])
    pattern.frac_prec = (places, places)
    return pattern.apply(value, locale)


# ------------------------------------------------------------ the catalog


# How a PDF link's /Contents says where it goes (pdf.LinkWords), for a screen
# reader: text is the start of a reference's entry or of the target's text.
LINK_WORDS = {
    "reference": "Reference: %(text)s",
    "section": "Section %(number)s, %(heading)s, page %(page)s",
    "unnumbered": "Section: %(heading)s, page %(page)s",
    "place": "%(text)s, page %(page)s",
    "page": "Page %(page)s",
}


def python_labels() -> list[str]:
    """Labels written in Python: section titles, type labels, addressees, kinds."""
    from advocacy.actors import LEVEL_LABELS
    from advocacy.doctypes import SPECS
    from advocacy.licences import LICENCES
    from advocacy.render import KIND_LABELS, PARTNER_ROLES, SERIES_NUMBER, TRANSLATION_NOTICES
    from advocacy.schema import ACTOR_LABELS

    found = []
    for spec in SPECS.values():
        found.append(spec.label)
        stack = list(spec.parts)
        while stack:
            part = stack.pop(0)
            found.append(part.title)
            stack[:0] = part.children
    found += list(ACTOR_LABELS.values()) + list(LEVEL_LABELS.values()) + list(KIND_LABELS.values())
    found += list(TRANSLATION_NOTICES.values())
    found += [SERIES_NUMBER, *PARTNER_ROLES.values()]
    found += [licence.terms for licence in LICENCES.values()]
    found += list(LINK_WORDS.values())
    return list(dict.fromkeys(found))


def extract(templates: Path) -> Catalog:
    """Every label of the templates and of the Python, as a catalog template (.pot)."""
    from jinja2.ext import babel_extract

    catalog = Catalog(project="advocacy", domain="advocacy", fuzzy=False)
    options = {"trim_blocks": "true", "lstrip_blocks": "true"}
    for path in sorted(templates.rglob("*.j2")):
        with path.open("rb") as handle:
            for line, _function, message, _comments in babel_extract(handle, ("_",), (), options):
                if isinstance(message, tuple):  # _("... %(n)s", n=...): the text, then values
                    message = message[0]
                if isinstance(message, str):
                    where = (str(path.relative_to(templates)), line)
                    catalog.add(message, locations=[where])
    for message in python_labels():
        if message not in catalog:
            catalog.add(
                message, auto_comments=["from advocacy's Python (document types, addressees)"]
            )
    return catalog


def write_catalogs(templates: Path) -> list[Path]:
    """Write advocacy.pot, and bring every <lang>.po up to date with it.

    New labels enter each .po untranslated; labels gone from the templates
    are kept as obsolete entries, so no translator's work is lost.
    """
    from babel.messages.pofile import write_po

    folder = locale_folder(templates)
    folder.mkdir(parents=True, exist_ok=True)
    template = extract(templates)
    written = [folder / "advocacy.pot"]
    with written[0].open("wb") as handle:
        write_po(handle, template, width=100, omit_header=True)
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        template.creation_date = catalog.creation_date  # no churn in the header
        # no guesses from similar labels: every entry here is used, so a guess would print
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, include_previous=True)
        written.append(path)
    return written


def label_problems(corpus, templates: Path) -> list:
    """A warning for each document whose language lacks a catalog, or labels in it.

    Such labels are printed in English inside lang="en"; --strict refuses them.
    """
    problems, needed = [], None
    for record_id, document in corpus.documents.items():
        language = document.language
        if language.split("-")[0] == SOURCE:
            continue
        source = corpus.sources[("document", record_id)]
        catalog, path = catalog_for(templates, language)
        shown = f"templates/locale/{path.name if path else language.split('-')[0] + '.po'}"
        if catalog is None:
            message = (
                f"language '{language}': no label catalog ({shown}); the labels are printed in "
                "English. Copy templates/locale/advocacy.pot to it and translate"
            )
            problems.append(source.problem(("language",), message, "warning"))
            continue
        needed = needed or [m.id for m in extract(templates) if m.id]
        labels = Labels(language, catalog, path)
        missing = [m for m in needed if labels.text(m) is None]
        if missing:
            first = ", ".join(f"'{m}'" for m in missing[:3])
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            message = (
                f"language '{language}': {len(missing)} labels not translated in {shown} "
                f"({first}{more}); they are printed in English"
            )
            problems.append(source.problem(("language",), message, "warning"))
    return problems
