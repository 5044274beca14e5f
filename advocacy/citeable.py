"""The document itself as a citable item: one CSL-JSON record, and its exports.

`document_item` builds the record of one edition from the document and the
project, in the edition's language; the imprint's "How to cite" prints it
(`imprint_item`, in the document's calendar) formatted by citeproc in the
document's own style (citations.Citer.own), and
a release writes it as CSL-JSON, BibLaTeX and RIS (`as_csl_json`,
`as_bibtex`, `as_ris`). Nothing is invented: a field the content does not
give is left out.
"""

from __future__ import annotations

import json
from typing import Any

from advocacy.bibliography import call_pandoc, name_order, pandoc_reason
from advocacy.doctypes import spec_of
from advocacy.errors import AdvocacyError, Problem

TYPE = "report"  # CSL's type for grey literature: briefs, papers, reports


def document_item(corpus, document, labels) -> dict[str, Any]:
    """The CSL-JSON item of one edition of a document.

    corpus and document are as the edition sees them (editions.edition), so the
    title is the edition's and `language` its language; labels are the
    edition's (the genre is the type's label in that language).
    """
    from advocacy.editions import output_name

    organisation = corpus.project.organisation if corpus.project is not None else None
    series = organisation.series.get(document.type) if organisation is not None else None
    item = {
        "id": output_name(document, document.language),
        "type": TYPE,
        "title": _title(document),
        "author": csl_names(document.authors, _organisations(organisation, document)),
        "issued": date_parts(document.released or document.date),
        "publisher": organisation.name if organisation is not None else None,
        "collection-title": series.name if series is not None else None,
        "ISSN": series.issn if series is not None else None,
        "edition": document.edition,
        "DOI": document.doi,
        "URL": document.url,
        "ISBN": document.isbn,
        "language": document.language,
    }
    if series is not None:  # "ASEC Policy Brief 1", as a series is cited
        item["collection-number"] = document.number
    else:  # "Policy brief no. 1"
        item["genre"] = labels.plain(spec_of(document).label)
        item["number"] = document.number
    return {name: _plain(value) for name, value in item.items() if value is not None}


def imprint_item(corpus, document, labels) -> dict[str, Any]:
    """The item as the imprint prints it: in a document that counts years in the
    Buddhist Era, the year as it does (CSL dates are Gregorian)."""
    item = document_item(corpus, document, labels)
    if document.calendar == "buddhist":
        item["issued"] = {"literal": labels.year(document.released or document.date)}
    return item


def _plain(value: Any) -> Any:
    """A value as JSON writes it: a str subclass (editions.Foreign) as its text."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _title(document) -> str:
    """'Title: Subtitle', as CSL styles expect a subtitle; whitespace folded."""
    title = " ".join(document.title.split())
    if not document.subtitle:
        return title
    subtitle = " ".join(document.subtitle.split())
    return f"{title} {subtitle}" if title[-1:] in "?!:" else f"{title}: {subtitle}"


def _organisations(organisation, document) -> set[str]:
    """Names that are organisations, not people: the publisher and the partners."""
    names = {p.name for p in document.partners}
    if organisation is not None:
        names |= {organisation.name, organisation.short_name}
    return {" ".join(n.split()) for n in names}


def csl_names(people, organisations: set[str]) -> list[dict[str, str]]:
    """CSL names for the authors: an organisation, or a name in a script whose
    names are written in full (Thai, Chinese, ...), as a `literal`; a person as
    family and given names, from "Given Family" or "Family, Given"."""
    return [_name(" ".join(person.name.split()), organisations) for person in people]


def _name(name: str, organisations: set[str]) -> dict[str, str]:
    if name in organisations or name_order(name) not in (None, "romanesque"):
        return {"literal": name}
    parts = [p.strip() for p in name.split(",") if p.strip()]
    if len(parts) >= 2:  # "Family, Given" or "Family, Suffix, Given", as BibTeX has it
        found = {"family": parts[0], "given": parts[-1]}
        return found | ({"suffix": parts[1]} if len(parts) == 3 else {})
    words = name.split()
    if len(words) == 1:
        return {"literal": name}
    start = len(words) - 1  # the family name, with the lower-case particles before it
    while start > 1 and words[start - 1][:1].islower():
        start -= 1
    return {"family": " ".join(words[start:]), "given": " ".join(words[:start])}


def date_parts(when) -> dict[str, list[list[int]]]:
    """A PartialDate as CSL's date-parts, at its precision."""
    parts = [when.year, *[n for n in (when.month, when.day) if n]]
    return {"date-parts": [parts]}


# ------------------------------------------------------------------- exports


def as_csl_json(items: list[dict]) -> str:
    """The items as a CSL-JSON file: an array, keys sorted, UTF-8 as written."""
    return json.dumps(items, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def as_bibtex(items: list[dict]) -> str:
    """The items as BibLaTeX (@report, with date, doi, isbn, langid), by pandoc.

    BibLaTeX rather than pandoc's classic BibTeX, which drops the DOI, the
    ISBN and the language and leaves a @techreport without its institution.
    """
    done = call_pandoc(["--from=csljson", "--to=biblatex", "--wrap=preserve"], as_csl_json(items))
    if done.returncode != 0:
        reason = pandoc_reason(done.stderr)
        message = f"pandoc could not write the citation as BibLaTeX: {reason}"
        raise AdvocacyError([Problem("pandoc", 0, 0, message)])
    return done.stdout


RIS_TYPES = {"report": "RPRT"}
# CSL variable -> RIS tag, as Zotero's RIS translator reads a report.
RIS_TAGS = {
    "title": "TI",
    "collection-title": "T2",
    "number": "SN",
    "collection-number": "SN",  # an item has the one or the other (document_item)
    "edition": "ET",
    "publisher": "PB",
    "genre": "M3",
    "DOI": "DO",
    "URL": "UR",
    "language": "LA",
}


def as_ris(items: list[dict]) -> str:
    """The items as RIS: a tagged record each, lines ending CR LF as the format has it."""
    lines = []
    for item in items:
        lines.append(("TY", RIS_TYPES.get(item["type"], "GEN")))
        lines += [("AU", _ris_name(name)) for name in item.get("author", [])]
        parts = item["issued"]["date-parts"][0]
        lines.append(("PY", str(parts[0])))
        lines.append(("DA", "/".join(f"{n:02d}" if i else str(n) for i, n in enumerate(parts))))
        lines += [(tag, item[name]) for name, tag in RIS_TAGS.items() if name in item]
        if "ISBN" in item and not {"number", "collection-number"} & set(item):
            # SN is a report's number, in Zotero
            lines.append(("SN", item["ISBN"]))
        lines += [("ID", item["id"]), ("ER", "")]
    return "".join(f"{tag}  - {' '.join(str(value).split())}\r\n" for tag, value in lines)


def _ris_name(name: dict) -> str:
    if "literal" in name:
        return name["literal"]
    return ", ".join(name[p] for p in ("family", "given", "suffix") if p in name)
