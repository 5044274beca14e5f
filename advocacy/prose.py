"""Markdown with citations -> safe HTML fragments.

Citations are swapped for placeholders before Markdown runs (so `[@key]` is
never read as a link), and the HTML that Markdown makes passes an allow-list
sanitiser: content may format text and link out, nothing more.
"""

from __future__ import annotations

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
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


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
        self._md.reset()
        text = self.citer.replace(text).replace("\\@", "&#64;")  # \@ is a plain @
        html = self._md.convert(text)
        return Markup(sanitise(html))

    def inline(self, text: str) -> Markup:
        """Render one paragraph of Markdown without its <p> wrapper."""
        html = str(self.block(text))
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return Markup(html)
