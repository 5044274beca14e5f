"""The licences a project may publish under: each with its terms and its URL.

`licence:` in project.yaml names one of LICENCES as a user writes it
(`CC BY-NC-SA 4.0`). Its sentence is a label, translated like every other
(labels.python_labels lists them), and says what a reader may do, as the
Creative Commons deed of the licence says it; the back page prints it, the
HTML links the licence with rel="license" and the PDF's XMP carries it as
dc:rights, with xmpRights:Marked and xmpRights:WebStatement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from advocacy.errors import Problem, one_of, suggest


@dataclass(frozen=True)
class Licence:
    """A licence: its name as written, its deed's URL, its terms in one sentence."""

    name: str
    url: str | None
    terms: str  # a label; %(licence)s is the licence's name, linked where it can be
    marked: bool  # xmpRights:Marked: False for the public domain, as Creative Commons says


def _cc(code: str, terms: str) -> Licence:
    return Licence(
        f"CC {code.upper()} 4.0", f"https://creativecommons.org/licenses/{code}/4.0/", terms, True
    )


# Each sentence says what the licence's deed on creativecommons.org lets a reader do
# and on which terms, written out in full: it is legal text, and a translator reads it whole.
LICENCES: dict[str, Licence] = {
    licence.name: licence
    for licence in [
        _cc(
            "by",
            "This document is published under the %(licence)s licence: you may share and adapt "
            "it for any purpose, even commercially, with attribution.",
        ),
        _cc(
            "by-sa",
            "This document is published under the %(licence)s licence: you may share and adapt "
            "it for any purpose, even commercially, with attribution, and must share "
            "adaptations under the same licence.",
        ),
        _cc(
            "by-nc",
            "This document is published under the %(licence)s licence: you may share and adapt "
            "it for non-commercial purposes only, with attribution.",
        ),
        _cc(
            "by-nc-sa",
            "This document is published under the %(licence)s licence: you may share and adapt "
            "it for non-commercial purposes only, with attribution, and must share adaptations "
            "under the same licence.",
        ),
        _cc(
            "by-nd",
            "This document is published under the %(licence)s licence: you may share it for "
            "any purpose, even commercially, with attribution, but may not distribute "
            "adaptations of it.",
        ),
        _cc(
            "by-nc-nd",
            "This document is published under the %(licence)s licence: you may share it for "
            "non-commercial purposes only, with attribution, but may not distribute "
            "adaptations of it.",
        ),
        Licence(
            "CC0 1.0",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            "This document is dedicated to the public domain under %(licence)s: you may copy, "
            "modify and distribute it, even for commercial purposes, without asking permission.",
            False,
        ),
        Licence(
            "all rights reserved",
            None,
            "All rights reserved: beyond what copyright law allows, copying or adapting this "
            "document needs the publisher's permission.",
            True,
        ),
    ]
}
DEFAULT = "CC BY 4.0"

LicenceName = Literal[tuple(LICENCES)]  # type: ignore[valid-type]


def _squeezed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def known_licence(value: object) -> object:
    """Refuse a licence not in LICENCES, suggesting the nearest (CC-BY-4.0 is CC BY 4.0)."""
    if not isinstance(value, str) or value.strip() in LICENCES:
        return value.strip() if isinstance(value, str) else value
    same = [name for name in LICENCES if _squeezed(name) == _squeezed(value)]
    hint = f" (did you mean '{same[0]}'?)" if same else suggest(value.strip(), LICENCES)
    raise ValueError(f"expected one of {one_of(LICENCES)}; got '{value.strip()}'{hint}")


def licence_problems(corpus) -> list[Problem]:
    """licence_url follows from licence: written, it must be the licence's own URL."""
    project, source = corpus.project, corpus.project_source
    if project is None or source is None or project.licence_url is None:
        return []
    licence = LICENCES[project.licence]
    if project.licence_url == licence.url:
        return []
    if licence.url is None:
        message = (
            f"licence_url: '{project.licence_url}': '{licence.name}' has no licence to link "
            "to; remove licence_url"
        )
    else:
        message = (
            f"licence_url: '{project.licence_url}' is not the URL of {licence.name}, which is "
            f"{licence.url}; remove licence_url (it follows from licence)"
        )
    return [source.problem(("licence_url",), message)]


@dataclass(frozen=True)
class Rights:
    """What the PDF's XMP says of its rights, in the document's language."""

    statement: str  # dc:rights
    marked: bool  # xmpRights:Marked
    url: str | None  # xmpRights:WebStatement


def rights(name: str, labels) -> Rights:
    """The rights of a document published under licence name, its sentence in labels."""
    licence = LICENCES[name]
    statement = labels.plain(licence.terms) % {"licence": licence.name}
    return Rights(statement, licence.marked, licence.url)
