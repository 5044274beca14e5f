r"""Markdown with citations -> safe HTML fragments.

Citations are swapped for placeholders before Markdown runs (so `[@key]` is
never read as a link), and the HTML that Markdown makes passes an allow-list
sanitiser: content may format text and link out, nothing more.

Code is not cited. As in pandoc, an `@word` inside a code span (`` `@import` ``)
or a code block (fenced with ``` or ~~~, or indented) is printed as written and
never read as a citation; so is `\@` there. Outside code, `@word` is a
citation wherever pandoc reads one: pandoc reads `see @import here` as a
citation of the key `import`, so the build does too, and says the key is
unknown; write `\@import` or put it in backticks.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from html.parser import HTMLParser

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.tables import TableExtension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from advocacy.citations import Citer, clusters_in

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "em", "i", "li", "ol",
    "p", "q", "s", "small", "span", "strong", "sub", "sup", "ul",
    "table", "caption", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope", "class"}, "td": {"class"}}
# Attributes allowed only with these values: a pipe table's header scope and alignment.
ALIGNMENTS = {"align-left", "align-center", "align-right"}
VALUES = {("th", "scope"): {"col", "row", "colgroup", "rowgroup"}, ("th", "class"): ALIGNMENTS}
VALUES[("td", "class")] = ALIGNMENTS
# Any element of prose may say its language and direction: <span lang="zh-Hans">,
# <p dir="rtl" lang="ur">; Pango then picks the glyph forms and the direction.
GENERIC = {"lang", "dir"}
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
DIRECTIONS = {"ltr", "rtl", "auto"}
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


# Code in Markdown, where an @ is not a citation (CommonMark and pandoc rules).
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
LIST_ITEM = re.compile(r" *(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
QUOTE_PREFIX = re.compile(r"(?: {0,3}> ?)*")
BACKTICKS = re.compile(r"`+")
BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Removals in one field located by rendering ever longer beginnings of it; the
# rest are put at the first place their text is written, or at the field's start.
MAX_SEARCHES = 8
MASK = "\ue002"  # stands for a character of code: not a word, not @, [, ] or \\


def code_regions(text: str) -> list[tuple[int, int]]:
    """(start, end) of every code span and code block in Markdown text, in order."""
    blocks = _code_blocks(text)
    regions, last = [], 0
    for start, end in [*blocks, (len(text), len(text))]:
        regions += _code_spans(text, last, start)
        last = end
    return sorted(regions + blocks)


def mask_code(text: str) -> str:
    """text with every character of code replaced by MASK; lines and offsets kept."""
    chars = list(text)
    for start, end in code_regions(text):
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = MASK
    return "".join(chars)


def citations_in(text: str) -> list[tuple[int, str, list[str]]]:
    """clusters_in(text), leaving out what is in code: (offset, cluster text, keys)."""
    if "`" not in text and "~~~" not in text and "    " not in text and "\t" not in text:
        return clusters_in(text)
    return [
        (offset, text[offset : offset + len(cluster)], keys)
        for offset, cluster, keys in clusters_in(mask_code(text))
    ]


def _code_blocks(text: str) -> list[tuple[int, int]]:
    """Fenced and indented code blocks, each from the start of its first line to its last.

    As pandoc reads them: a block follows a blank line (or starts the text); a
    fence needs its closing fence; inside a list an indented block is the
    item's text, and code only 4 columns further in.
    """
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    bodies = [_line_body(line) for line in lines]
    closing_fence = _closing_fences(bodies)
    blocks: list[tuple[int, int]] = []
    blank_before, list_indent = True, None  # list_indent: where a list item's text starts
    i = 0
    while i < len(lines):
        body, indent = bodies[i]
        blank = not body.strip()
        closing = closing_fence(i) if blank_before and not blank else None
        if closing is not None:
            blocks.append((starts[i], starts[closing] + len(lines[closing])))
            i, blank_before = closing + 1, False
            continue
        if blank_before and not blank and indent >= _code_indent(list_indent):
            first = last = i
            while i + 1 < len(lines):
                next_body, next_indent = bodies[i + 1]
                if next_body.strip() and next_indent < _code_indent(list_indent):
                    break
                i += 1
                if next_body.strip():
                    last = i
            blocks.append((starts[first], starts[last] + len(lines[last])))
            blank = last != i  # the block ended with blank lines
        elif LIST_ITEM.match(body.expandtabs(4)):
            list_indent = indent + 4
        elif blank_before and not blank and indent < 4:
            list_indent = None
        blank_before = blank
        i += 1
    return blocks


def _line_body(line: str) -> tuple[str, int]:
    """A line without its blockquote markers, and its indentation (a tab is 4)."""
    body = line[QUOTE_PREFIX.match(line).end() :]
    expanded = body.expandtabs(4)
    return body, len(expanded) - len(expanded.lstrip(" "))


def _closing_fences(bodies: list[tuple[str, int]]):
    """A function: the line that closes a fence opened on line i, or None.

    Lines that can close a fence are indexed by character and length once, so
    a text of many fences that never close takes no longer than one that does.
    """
    closers: dict[tuple[str, int], list[int]] = {}
    openers: dict[int, tuple[str, int]] = {}
    for i, (body, _indent) in enumerate(bodies):
        fence = FENCE.match(body)
        if not fence:
            continue
        char, length, rest = fence.group(1)[0], len(fence.group(1)), body[fence.end() :]
        if not rest.strip():
            closers.setdefault((char, length), []).append(i)
        if not (char == "`" and "`" in rest):
            openers[i] = (char, length)

    def closing(i: int) -> int | None:
        if i not in openers:
            return None
        char, length = openers[i]
        found = None
        for (close_char, close_length), indices in closers.items():
            if close_char == char and close_length >= length:
                at = bisect_right(indices, i)
                if at < len(indices) and (found is None or indices[at] < found):
                    found = indices[at]
        return found

    return closing


def _code_indent(list_indent: int | None) -> int:
    """Indentation that makes a code block: 4, or 4 more than a list item's text."""
    return 4 if list_indent is None else list_indent + 4


def _code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Code spans in text[start:end]: a run of backticks to the next run as long.

    As in pandoc, a run that finds no run as long opens with one backtick
    fewer, its first one printed as written; so does a run after a backslash.
    """
    spans = []
    runs = [(m.start(), m.end()) for m in BACKTICKS.finditer(text, start, end)]
    i = 0
    while i < len(runs):
        opening, after = runs[i]
        before = text[start:opening]
        if (len(before) - len(before.rstrip("\\"))) % 2:  # \` is a plain backtick
            opening += 1
        while opening < after:
            length = after - opening
            closing = next(
                (j for j in range(i + 1, len(runs)) if runs[j][1] - runs[j][0] == length), None
            )
            if closing is not None and not BLANK_LINE.search(text, after, runs[closing][0]):
                spans.append((opening, runs[closing][1]))
                i = closing
                break
            opening += 1
        i += 1
    return spans


def sanitise(html: str) -> str:
    return clean(html)[0]


def clean(html: str) -> tuple[str, list[str]]:
    """Sanitise Markdown's HTML; return it and what was removed, in words."""
    removed = {what for what, _needle in removals(html)}

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "href" and not _allowed_href(value):
            return None
        if (tag, attribute) in VALUES and value not in VALUES[(tag, attribute)]:
            return None
        return value if attribute not in GENERIC or _allowed_generic(attribute, value) else None

    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes={**ATTRIBUTES, "*": GENERIC},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=keep,
    )
    return cleaned, sorted(removed)


def removals(html: str) -> list[tuple[str, str]]:
    """What sanitising html removes: (in words, a pattern for the text as written).

    The pattern finds, case-insensitively, what the author wrote in the
    Markdown: the start of the element, the attribute's name (its group `at`,
    inside a tag) or the link's address. An element that Markdown made itself
    (`<pre>` from an indented block, `<img>` from `![]()`) has no such text; its
    pattern finds nothing.
    """
    found = []
    starts = _start_tags(html)
    for tag in dict.fromkeys(tag for tag, _attrs in starts):
        if tag not in TAGS:
            found.append((f"<{tag}> element", rf"<{re.escape(tag)}(?![\w-])"))
    for tag, attrs in starts:
        for name, value in attrs:
            if name == "href" and not _allowed_href(value or ""):
                found.append((f"link to '{_short(value or '')}'", re.escape(value or "")))
            allowed = VALUES.get((tag, name))
            if allowed is not None and value not in allowed:
                found.append(
                    (
                        f"{name}='{_short(value or '')}' on <{tag}> (expected "
                        f"{' or '.join(sorted(allowed))})",
                        rf"<{tag}[^>]*?(?<![\w-])(?P<at>{name})(?![\w-])",
                    )
                )
            if tag in TAGS and name in GENERIC and not _allowed_generic(name, value or ""):
                wanted = "a language tag such as zh-Hans" if name == "lang" else "ltr, rtl or auto"
                found.append(
                    (
                        f"{name}='{_short(value or '')}' (expected {wanted})",
                        rf"<[a-zA-Z][^>]*?(?<![\w-])(?P<at>{name})(?![\w-])",
                    )
                )
    for tag, attribute in dict.fromkeys((t, name) for t, attrs in starts for name, _ in attrs):
        if tag in TAGS and attribute not in ATTRIBUTES.get(tag, set()) | GENERIC:
            name = re.escape(attribute)
            found.append(
                (f"{attribute}= attribute", rf"<[a-zA-Z][^>]*?(?<![\w-])(?P<at>{name})(?![\w-])")
            )
    return found


class _StartTags(HTMLParser):
    """Every start tag of an HTML fragment, as a browser's tokenizer reads it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.starts.append((tag, attrs))

    handle_startendtag = handle_starttag


def _start_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """(tag, attributes) of each start tag in html, names in lower case, in order."""
    parser = _StartTags()
    parser.feed(html)
    parser.close()
    return parser.starts


def _written_at(text: str, candidates: list[tuple[int, int]], cut: int) -> int:
    """Offset of the last candidate (start, end) that ends by cut, or of the word before cut."""
    before = [start for start, end in candidates if end <= cut]
    if before:
        return before[-1]
    if candidates:
        return candidates[0][0]
    start = cut
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return start


def _allowed_generic(name: str, value: str) -> bool:
    if name == "lang":
        return LANGUAGE_TAG.fullmatch(value) is not None
    return value.lower() in DIRECTIONS


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


BLOCKS = {"p", "li", "blockquote"}
STASHED = re.compile("\x02wzxhzdk:\\d+\x03")  # raw HTML Markdown keeps aside


def first_strong(text: str) -> str | None:
    """'rtl' or 'ltr' by the first strongly directional letter, as HTML's dir=auto."""
    for char in STASHED.sub("", text):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return None


class _Direction(Treeprocessor):
    """A paragraph or list item written in a right-to-left script is set right to left:
    its first strong letter decides, as for dir="auto" (which PDF renderers ignore)."""

    def run(self, root):
        for element in root.iter():
            text = "".join(element.itertext())
            if (
                element.tag in BLOCKS
                and "dir" not in element.attrib
                and first_strong(text) == "rtl"
            ):
                element.set("dir", "rtl")


class _TableCells(Treeprocessor):
    """A pipe table's header cells name their scope, and its alignment is a class
    (align-right), since the sanitiser lets no style through."""

    def run(self, root):
        for head in root.iter("thead"):
            for cell in head.iter("th"):
                cell.set("scope", "col")
        for cell in (c for c in root.iter() if c.tag in ("th", "td")):
            align = cell.attrib.pop("align", None)
            if align in ("left", "center", "right"):
                cell.set("class", f"align-{align}")


class _DirectionExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_Direction(md), "direction", 0)
        md.treeprocessors.register(_TableCells(md), "table-cells", 1)


_CONVERTED: dict[str, str] = {}  # Markdown -> its HTML, in this process


# What Markdown needs to make an element or an attribute the sanitiser removes: raw
# HTML and entities, links and images, headings, rules, code blocks (indented, or
# inside a quote), attribute lists. Text with none of it becomes paragraphs, lists
# and emphasis only, all of them kept.
_ACTIVE = re.compile(r"[<>&\[\]!#=`{}~\\\t]|^ {4}|^[ ]*[-*_][-*_ ]*$", re.MULTILINE)


def inert(text: str) -> bool:
    """Whether sanitising text's Markdown can remove nothing, read without rendering it."""
    return _ACTIVE.search(text) is None


class ProseRenderer:
    """Turns Markdown fields into HTML, collecting citations into one Citer."""

    def __init__(self, citer: Citer):
        self.citer = citer
        self._md = markdown.Markdown(
            extensions=[
                "smarty",
                "sane_lists",
                TableExtension(use_align_attribute=True),
                _DirectionExtension(),
            ],
            output_format="html",
        )

    def block(self, text: str) -> Markup:
        """Render Markdown as block HTML (paragraphs, lists)."""
        return Markup(sanitise(self.markdown(text)))

    def markdown(self, text: str) -> str:
        """Markdown's HTML for text, citations as placeholders; not yet sanitised.

        The same text (its placeholders numbered the same) converts to the same
        HTML, so a conversion done before in this process is not done again.
        """
        source = self._placeholders(text)
        if source not in _CONVERTED:
            if len(_CONVERTED) > 20_000:
                _CONVERTED.clear()
            self._md.reset()
            _CONVERTED[source] = self._md.convert(source)
        return _CONVERTED[source]

    def _placeholders(self, text: str) -> str:
        """text with each citation outside code a placeholder, and \\@ there a plain @."""
        edits = [
            (offset, offset + len(cluster), self.citer.replace(cluster))
            for offset, cluster, _keys in citations_in(text)
        ]
        if "\\@" in text:
            taken = edits[:]
            for match in re.finditer(r"\\@", mask_code(text)):
                if not any(start <= match.start() < end for start, end, _ in taken):
                    edits.append((match.start(), match.end(), "&#64;"))
        for start, end, replacement in sorted(edits, reverse=True):
            text = text[:start] + replacement + text[end:]
        return text

    def inspect(self, text: str) -> list[str]:
        """What sanitising text would remove, in words; [] when nothing."""
        return clean(self.markdown(text))[1]

    def removals(self, text: str) -> list[tuple[str, int]]:
        """What sanitising text would remove, in words, each with where it was written.

        One (words, offset in text) for each thing inspect() names, in the same
        order: the first place where it is written outside code. The place is
        found by rendering ever longer beginnings of text, cut between words,
        until the removal appears: what the author wrote is the last match of
        its pattern before that cut, or, for an element Markdown made itself,
        the word just before it.
        """
        return [] if inert(text) else self._removals(text)

    def _removals(self, text: str) -> list[tuple[str, int]]:
        patterns: dict[str, str] = {}
        for what, pattern in removals(self.markdown(text)):
            patterns.setdefault(what, pattern)
        if not patterns:
            return []
        masked = mask_code(text)
        cuts = [m.start() for m in re.finditer(r"\s+", text) if m.start() > 0] + [len(text)]
        searches, found = MAX_SEARCHES, []
        for what in sorted(patterns):
            regex = re.compile(patterns[what], re.IGNORECASE)
            candidates = [
                (m.start("at" if "at" in regex.groupindex else 0), m.end())
                for m in regex.finditer(masked)
            ]
            if len(candidates) == 1 or (candidates and searches <= 0):
                found.append((what, candidates[0][0]))
            elif searches <= 0:
                found.append((what, 0))
            else:
                searches -= 1
                cut = self._first_cut(text, cuts, what)
                found.append((what, _written_at(text, candidates, cut)))
        return found

    def _first_cut(self, text: str, cuts: list[int], what: str) -> int:
        """The shortest beginning of text, ending at one of cuts, whose HTML loses what."""
        low, high = 0, len(cuts) - 1
        while low < high:
            middle = (low + high) // 2
            try:
                found = any(w == what for w, _ in removals(self.markdown(text[: cuts[middle]])))
            except RecursionError:
                found = False
            if found:
                high = middle
            else:
                low = middle + 1
        return cuts[low]

    def inline(self, text: str) -> Markup:
        """Render one paragraph of Markdown without its <p> wrapper (a right-to-left
        one keeps its direction, on a span)."""
        html = str(self.block(text))
        for opening, wrap in (("<p>", "{}"), ('<p dir="rtl">', '<span dir="rtl">{}</span>')):
            if html.startswith(opening) and html.endswith("</p>") and html.count("<p") == 1:
                return Markup(wrap.format(html[len(opening) : -4]))
        return Markup(html)
