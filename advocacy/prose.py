"""Markdown with citations -> safe HTML fragments.

Citations are swapped for placeholders before Markdown runs (so `[@key]` is
never read as a link), and the HTML that Markdown makes passes an allow-list
sanitiser: content may format text and link out, nothing more.
"""

from __future__ import annotations

import re

import markdown
import nh3
from markupsafe import Markup

from advocacy.citations import Citer

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "em", "i", "li", "ol",
    "p", "q", "s", "small", "span", "strong", "sub", "sup", "ul",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
URL_SCHEMES = {"http", "https", "mailto"}

# Citation output from pandoc: links to the reference list, and its entries.
CITATION_TAGS = TAGS | {"div", "h3"}
CITATION_ATTRIBUTES = {
    "a": {"href", "role", "id"},
    "span": {"class", "data-cites"},
    "sup": {"class"},
    "div": {"id", "class", "role"},
    "li": {"id"},
}


def sanitise(html: str) -> str:
    return clean(html)[0]


def clean(html: str) -> tuple[str, list[str]]:
    """Sanitise Markdown's HTML; return it and what was removed, in words."""
    removed = [f"<{tag}> element" for tag in _tags(html) - TAGS]

    for value in re.findall(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", html):
        href = next(v for v in value if v) if any(value) else ""
        if not _allowed_href(href):
            removed.append(f"link to '{_short(href)}'")

    def keep(tag: str, attribute: str, value: str) -> str | None:
        return None if attribute == "href" and not _allowed_href(value) else value

    for tag, attribute in _attributes(html):
        if tag in TAGS and attribute not in ATTRIBUTES.get(tag, set()):
            removed.append(f"{attribute}= attribute")
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=keep,
    )
    return cleaned, sorted(set(removed))


def _tags(html: str) -> set[str]:
    return {m.lower() for m in re.findall(r"<([a-zA-Z][\w-]*)", html)}


def _attributes(html: str) -> set[tuple[str, str]]:
    found = set()
    for tag, body in re.findall(r"<([a-zA-Z][\w-]*)([^>]*)>", html):
        for attribute in re.findall(r"([^\s=/\"']+)\s*(?:=|(?=\s)|$)", body):
            found.add((tag.lower(), attribute.lower()))
    return found


def _allowed_href(value: str) -> bool:
    value = value.strip()
    if value.startswith("#"):
        return True
    scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", value)
    return bool(scheme) and scheme.group(1).lower() in URL_SCHEMES


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sanitise_citations(html: str) -> str:
    return nh3.clean(
        html,
        tags=CITATION_TAGS,
        attributes=CITATION_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


class ProseRenderer:
    """Turns Markdown fields into HTML, collecting citations into one Citer."""

    def __init__(self, citer: Citer):
        self.citer = citer
        self._md = markdown.Markdown(extensions=["smarty", "sane_lists"], output_format="html")

    def block(self, text: str) -> Markup:
        """Render Markdown as block HTML (paragraphs, lists)."""
        return Markup(sanitise(self.markdown(text)))

    def markdown(self, text: str) -> str:
        """Markdown's HTML for text, citations as placeholders; not yet sanitised."""
        self._md.reset()
        text = self.citer.replace(text).replace("\\@", "&#64;")  # \@ is a plain @
        return self._md.convert(text)

    def inspect(self, text: str) -> list[str]:
        """What sanitising text would remove, in words; [] when nothing."""
        return clean(self.markdown(text))[1]

    def inline(self, text: str) -> Markup:
        """Render one paragraph of Markdown without its <p> wrapper."""
        html = str(self.block(text))
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return Markup(html)
