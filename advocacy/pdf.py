"""HTML -> PDF with WeasyPrint: the only module that imports it.

WeasyPrint's own fetcher opens any file:// path and fetches http(s) URLs; the
fetcher here serves only files inside the allowed folders and refuses the rest
before anything is opened.

What WeasyPrint logs while it draws (a CSS property it does not know, a glyph
no font has, an image it could not load) is caught, never printed, and handed
back on `Rendered.warnings`, located at the stylesheet's file and line when it
names one; `problems` turns them into the build's warnings. The few it says of
every build and that change nothing are listed, with the reason, in `HARMLESS`.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from advocacy.breaking import mark_breaks, unmarked
from advocacy.errors import Problem
from advocacy.labels import LINK_WORDS, Labels

# ------------------------------------------- finding WeasyPrint's libraries
#
# WeasyPrint opens each C library it uses (text/ffi.py: _dlopen) by trying a
# list of names, the Windows and macOS ones first. cffi answers a name it
# cannot open by asking ctypes.util.find_library, which on Linux runs
# `ldconfig -p` and then gcc and ld: on Debian, 16 runs of gcc, 32 of ld and
# 22 of ldconfig, 0.35 s of every process that imports WeasyPrint. Here
# find_library reads ldconfig's cache once, and asks gcc and ld only where
# they could know more than it: with LD_LIBRARY_PATH or LIBRARY_PATH set, or
# no cache. Upstream, _dlopen would try the names of the platform it runs on.


def _ldconfig_cache() -> bytes:
    import subprocess

    try:
        done = subprocess.run(
            ["/sbin/ldconfig", "-p"],
            capture_output=True,
            env={"LC_ALL": "C", "LANG": "C"},
            check=False,
        )
    except OSError:
        return b""
    return done.stdout


@contextmanager
def _libraries_from_ldconfig() -> Iterator[None]:
    import ctypes.util
    import struct

    original = ctypes.util.find_library
    cache = _ldconfig_cache() if os.name == "posix" and os.uname().sysname == "Linux" else b""
    search_paths = os.environ.get("LD_LIBRARY_PATH") or os.environ.get("LIBRARY_PATH")
    if not cache or search_paths:
        yield
        return
    abi = "libc6,x86-64" if os.uname().machine == "x86_64" and struct.calcsize("l") == 8 else ""

    def find_library(name: str) -> str | None:  # as ctypes.util._findSoname_ldconfig
        found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}".encode(), cache)
        return os.fsdecode(found[1]) if found else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


with _libraries_from_ldconfig():
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

MIME_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class RefusedURL(ValueError):
    """A resource outside the allowed folders was asked for; it is not opened."""


class ProjectFetcher(URLFetcher):
    """Serves files from a few routed folders; refuses everything else unopened.

    routes maps a folder that URLs may name (build/fonts) to the folder the
    files really come from (templates/fonts). A file is served only if its
    real path, after following symlinks, lies inside that real folder.
    """

    def __init__(self, routes: dict[Path, Path]):
        super().__init__(allowed_protocols={"file"})
        self.routes = {Path(k).absolute(): Path(v).resolve() for k, v in routes.items()}
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        try:
            path = self.resolve(url)
        except RefusedURL as exc:
            self.refused.append(str(exc))
            raise
        if path.suffix.lower() not in MIME_TYPES:
            raise RefusedURL(f"refused {url}: not an allowed type of file")
        body = path.read_bytes()
        return URLFetcherResponse(
            url, body=body, headers={"Content-Type": MIME_TYPES[path.suffix.lower()]}
        )

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused {url}: only the project's fonts and assets are read")
        named = Path(os.path.normpath(unquote(parts.path)))
        for route, real in self.routes.items():
            if named.is_relative_to(route):
                path = (real / named.relative_to(route)).resolve()
                if path.is_relative_to(real) and path.is_file():
                    return path
        raise RefusedURL(f"refused {url}: not one of the project's fonts or assets")


@dataclass(frozen=True, order=True)
class RenderWarning:
    """One thing WeasyPrint logged while drawing a document.

    path, line and column are the stylesheet's file (templates/css/10-base.css)
    and the place in it when the message gives a place inside the inlined CSS;
    otherwise path names the document and line is 0. message is WeasyPrint's
    own text; level is the level it logged at ("warning" or "error").
    """

    path: str
    line: int
    column: int
    message: str
    level: str = "warning"

    @property
    def text(self) -> str:
        """The message without its place in the inlined CSS, once that is in path."""
        found = list(POSITION.finditer(self.message)) if self.line else []
        if not found:
            return self.message
        return self.message[: found[-1].start()] + self.message[found[-1].end() :]


@dataclass(frozen=True)
class EmptyPage:
    """A page of text whose lower part is empty, and why: what the next page
    starts with, and the rule that sent it there."""

    number: int  # from 1
    empty: float  # the share of the page's text area under its last line
    reason: str


@dataclass
class Rendered:
    """What drawing a PDF gave: its pages, its sections' lengths, what was
    refused, what WeasyPrint warned of (known harmless ones left out), and the
    pages left more than EMPTY empty."""

    pages: int
    sections: list[tuple[str, float]]
    refused: list[str]
    anchors: dict[str, int]  # anchor -> page number, from 1
    warnings: list[RenderWarning] = field(default_factory=list)
    document: str = "document"  # how warnings that are not in a stylesheet name it
    empty_pages: list[EmptyPage] = field(default_factory=list)


# What WeasyPrint says that changes nothing in the PDF, by message, with why.
# A warning at a line of one of the project's stylesheets is never left out.
HARMLESS: tuple[tuple[str, str], ...] = (
    (
        r"^Ignored `(fill|fill-opacity|fill-rule|stroke|stroke-[a-z]+|text-anchor"
        r"|dominant-baseline|clip-rule|stop-color|stop-opacity):.*` at 1:\d+, unknown property\.$",
        "matplotlib writes an SVG chart's paint as style attributes; WeasyPrint's CSS "
        "for HTML does not know SVG properties and says so for each element, but its "
        "SVG renderer, which draws the chart, reads them",
    ),
    (
        r"^Expected a media type, got ",
        "always followed by 'Invalid media type ... ignored at LINE:COL', which is "
        "reported at its place in the stylesheet",
    ),
)
_HARMLESS = tuple(re.compile(pattern) for pattern, _reason in HARMLESS)
POSITION = re.compile(r" at (\d+):(\d+)\b")
LOGGERS = ("weasyprint", "weasyprint.progress")


def harmless(warning: RenderWarning) -> bool:
    """Whether warning is one HARMLESS names (and is not inside a stylesheet)."""
    if warning.line:
        return False
    return any(pattern.search(warning.message) for pattern in _HARMLESS)


# ------------------------------------------------- SVG text, shaped as a run
#
# WeasyPrint 70 lays SVG text out one character at a time (svg/text.py), so a
# Thai, Khmer or Devanagari chart label loses its vowel signs and marks to
# dotted circles, and copies out wrong. When a <text> or <tspan> gives its
# characters no positions of their own (one x and y at most; no dx, dy,
# rotate, letter-spacing or textLength), the whole run can be laid out at
# once, and Pango shapes it like the page's text. The patch does only that;
# upstream, svg/text.py would lay out such a run as one.


class _Run(str):
    """Text that iterates as one piece: WeasyPrint's letter loop sees one 'letter'."""

    def __iter__(self):
        yield str(self)


PER_LETTER = ("dx", "dy", "rotate", "letter-spacing", "textLength")


def _one_run(node) -> bool:
    attrib = node.attrib
    if any(name in attrib for name in PER_LETTER):
        return False
    return all(len(attrib.get(name, "").replace(",", " ").split()) <= 1 for name in ("x", "y"))


def _shape_svg_text_as_runs() -> None:
    import weasyprint.svg as svg_package

    letters = svg_package.TAGS["text"]
    if getattr(letters, "shapes_runs", False):
        return

    def text(svg, node, font_size):
        written = node.text
        if not written or not _one_run(node):
            return letters(svg, node, font_size)
        node._etree_node.text = _Run(written)  # Node.text reads the element's text
        try:
            return letters(svg, node, font_size)
        finally:
            node._etree_node.text = written

    text.shapes_runs = True
    svg_package.TAGS["text"] = svg_package.TAGS["tspan"] = text
    svg_package.text = text  # svg/__init__ compares TAGS entries with this name


_shape_svg_text_as_runs()


# ------------------------------------------- text that copies back exactly
#
# WeasyPrint 70 (draw/text.py, draw_first_line) gives each glyph one
# ToUnicode entry: the text of the cluster it was first drawn for. That cannot
# say what a line of Thai, Khmer, Devanagari or Arabic is: a vowel sign drawn
# before its consonant (मि), a character drawn as two glyphs (Thai ำ), two
# drawn as one, a glyph shared by clusters, glyphs in visual order (right to
# left), marks that readers place by position and misplace. PDF's answer is a
# marked-content span whose /ActualText is the source text (ISO 32000-1
# 14.9.4). The patch wraps the glyphs of a drawn line in such a span unless
# they copy back exactly (one ToUnicode text each, in order, no marks); other
# lines (English, Chinese, Korean) are drawn exactly as before.
#
# It also keeps the space WeasyPrint drops where a line breaks at one
# (layout/inline.py: split_first_line strips it from the end of the line,
# split_text_box leaves it between the lines, remove_last_whitespace strips
# it, skip_first_whitespace skips it at the start of the next line, and a
# line that ends at a <br> has none): without it tagged text reads "one
# social" as "onesocial" (14.8.2.5). Whether the text had a space (or a line
# break) there is read from the source text on both sides of the place the
# next line starts, once each line is laid out. The line's last glyph gets an
# /ActualText of its own text and a space, or the space ends the line's
# /ActualText; and the font's space glyph is drawn after the line
# (invisible) for readers that do not read /ActualText. The same holds at the
# end of an inline element laid out as a block (a flex item <span>) that the
# HTML follows with a space: "ASEC" then "Policy brief", not "ASECPolicy".
#
# Upstream, draw_first_line would write the span itself for the clusters it
# walks that are not one glyph to one character in logical order, and would
# end the line's last word with the space it stripped.

_EMPTY = 0x0FFFFFFF  # pango's PANGO_GLYPH_EMPTY: nothing drawn (a zero width space)
_UNKNOWN = 0x10000000  # pango's PANGO_GLYPH_UNKNOWN_FLAG, with the code point


def _drawn_line(stream, textbox) -> tuple[str, list[str | None], object]:
    """(the text of textbox's drawn line in logical order, the text of each of
    its glyphs' ToUnicode entries in drawing order, None for a glyph that has
    none of its own (a part of a cluster), the Font of its last glyph)."""
    from weasyprint.text.ffi import ffi

    line, _index = textbox.pango_layout.get_first_line()
    utf8 = textbox.pango_layout.text.encode()
    pieces, mapped, font = [], [], None
    run = line.runs[0] if line.runs != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        glyph_item, run = run.data, run.next
        item = glyph_item.item
        pieces.append((item.offset, utf8[item.offset : item.offset + item.length].decode()))
        font, _size = stream.add_font(item.analysis.font)
        glyphs = glyph_item.glyphs
        for info in glyphs.glyphs[0 : glyphs.num_glyphs]:
            glyph = info.glyph
            if glyph == _EMPTY:
                continue
            if glyph & _UNKNOWN:
                mapped.append(chr(glyph - _UNKNOWN))
            else:
                mapped.append(font.to_unicode.get(glyph) or None)
    source = "".join(text for _offset, text in sorted(pieces))
    return source, mapped, font


def _actual_text(text: str) -> list:
    """The operators that open a span whose /ActualText is text."""
    import pydyf

    return [b"/Span", pydyf.Dictionary({"ActualText": pydyf.String(text)}), b"BDC"]


def _space_glyph(font) -> bytes | None:
    """A TJ of the space glyph font has drawn, if it has drawn one."""
    glyph = next((glyph for glyph, text in font.to_unicode.items() if text == " "), None)
    if glyph is None:
        return None
    return (f"[<{glyph:02x}>] TJ" if font.bitmap else f"[<{glyph:04x}>] TJ").encode()


def _exact(source: str, mapped: list[str | None]) -> bool:
    """Whether glyphs whose ToUnicode texts are mapped copy back as source:
    one text for each, in order, and no marks (which readers put in place
    by the glyphs' positions, and misplace)."""
    if None in mapped or source != unicodedata.normalize("NFC", "".join(mapped)):
        return False
    return not _marked(source)


TJ = re.compile(rb"^\[(.*)\] TJ$", re.DOTALL)
GLYPHS = re.compile(rb"<([0-9a-f]*)>")


def _split_last_glyph(operation: bytes, digits: int) -> tuple[bytes, bytes, int] | None:
    """A TJ operation as (a TJ of all but its last glyph, a TJ of that glyph
    and what follows it, the glyph), or None if it draws no glyph."""
    found = TJ.match(operation)
    strings = list(GLYPHS.finditer(found[1])) if found else []
    last = next((string for string in reversed(strings) if len(string[1]) >= digits), None)
    if last is None:
        return None
    body, end = found[1], last.end(1)
    head, tail = body[: end - digits] + b">", b"<" + body[end - digits :]
    return b"[" + head + b"] TJ", b"[" + tail + b"] TJ", int(body[end - digits : end], 16)


def _space_after_last_glyph(stream, start: int, font) -> bool:
    """Wrap the last glyph drawn since start in a span whose /ActualText is
    its own text and a space; False if there is none."""
    digits = 2 if font.bitmap else 4
    for at in range(len(stream.stream) - 1, start - 1, -1):
        operation = stream.stream[at]
        split = _split_last_glyph(operation, digits) if isinstance(operation, bytes) else None
        if split:
            head, tail, glyph = split
            text = font.to_unicode.get(glyph, "") + " "
            stream.stream[at : at + 1] = [head, *_actual_text(text), tail, b"EMC"]
            return True
    return False


# ----------------------------------------- a ToUnicode text for each glyph
#
# /ActualText is read by poppler and Acrobat, not by readers that take text
# from the fonts' ToUnicode maps alone (pypdf, pdf.js, search engines). A
# ToUnicode map is keyed by the code drawn, and WeasyPrint draws a glyph's id
# as its code (Identity-H), so a glyph has one text, that of its first use: ि
# read as the ि of its first cluster, not as the म it is drawn before; the
# second glyph of Thai ำ as nothing or as ำ again. Here each glyph of a line
# that is left to right gets, as its text, its share of its cluster's text
# (Pango's log_clusters), in drawing order, so that a cluster's glyphs read
# as its text; a glyph drawn with a text other than its first gets a code of
# its own above the font's glyphs, with the glyph's width, which the font's
# /CIDToGIDMap maps back to the glyph (ISO 32000-1 9.7.4.2; 9.10.3: ToUnicode
# is keyed by the code). So readers of ToUnicode get the text, in order;
# /ActualText stays for the readers that prefer it. Where WeasyPrint's TJ
# moves the pen right between two glyphs (a mark's offset, a kerning), the
# first glyph gets a code as much wider instead, since pypdf and pdf.js read
# such a move as a space between words; a zero width joiner drawn as nothing
# joins the text of the glyph before it. A line with a right-to-left run
# is drawn in visual order, its clusters' shares given from their right end;
# without marks, it gets no /ActualText: readers put right-to-left glyphs in
# order by their places, and poppler, laying a span's /ActualText out left to
# right over its glyphs, would read it reversed. A CFF font (no /CIDToGIDMap)
# keeps its codes. pypdf ignores an embedded /Encoding CMap,
# which is why the map is from CID to glyph and not from code to CID.
#
# Upstream, draw_first_line would give each (glyph, text) pair its code as it
# walks the clusters, and fonts.py would write the /CIDToGIDMap for them.

_VIRTUAL = "advocacy_codes"  # a Font's {(glyph, text, extra width): code} given here


def _spread(text: str, count: int) -> list[str]:
    """text shared out over count glyphs in order: a character each, the last
    glyph the rest, and nothing for the glyphs beyond the characters."""
    if count <= 0:
        return []
    if count >= len(text):
        return [*text, *[""] * (count - len(text))]
    return [*text[: count - 1], text[count - 1 :]]


def _glyph_texts(stream, textbox) -> tuple[list[tuple[object, int, str | None]], bool] | None:
    """(Font, glyph, the glyph's share of its cluster's text) for each glyph of
    textbox's drawn line, in drawing order, None for a glyph of no font, and
    whether the line has a right-to-left run; or None for a line with a bitmap
    font."""
    from weasyprint.text.ffi import ffi

    line, _index = textbox.pango_layout.get_first_line()
    utf8 = textbox.pango_layout.text.encode()
    drawn: list[tuple[object, int, str | None]] = []
    right_to_left = False
    run = line.runs[0] if line.runs != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        glyph_item, run = run.data, run.next
        item, glyphs = glyph_item.item, glyph_item.glyphs
        font, _size = stream.add_font(item.analysis.font)
        if font.bitmap:
            return None
        rtl = item.analysis.level % 2
        right_to_left = right_to_left or bool(rtl)
        count = glyphs.num_glyphs
        starts = [glyphs.log_clusters[i] for i in range(count)]
        bounds = sorted({*starts, item.length})
        first = 0
        while first < count:
            last = first
            while last < count and starts[last] == starts[first]:
                last += 1
            end = bounds[bounds.index(starts[first]) + 1]
            text = unmarked(utf8[item.offset + starts[first] : item.offset + end].decode())
            ids = [glyphs.glyphs[i].glyph for i in range(first, last)]
            ids = [glyph for glyph in ids if glyph != _EMPTY]
            if not ids and drawn and drawn[-1][2] is not None:  # a joiner, drawn as nothing
                joined = text + drawn[-1][2] if rtl else drawn[-1][2] + text
                drawn[-1] = (*drawn[-1][:2], joined)
            shares = _spread(text, len(ids))
            for glyph, share in zip(ids, shares[::-1] if rtl else shares, strict=True):
                unknown = glyph & _UNKNOWN
                drawn.append((font, glyph, None if unknown else share))
            first = last
    return drawn, right_to_left


def _marked(text: str) -> bool:
    return any(unicodedata.category(character)[0] == "M" for character in text)


_MISSING_ROOM = 1024  # codes above a font's glyphs left for WeasyPrint's missing glyphs


def _code(font, glyph: int, text: str, extra: float = 0.0) -> int | None:
    """The code that draws glyph with text as its ToUnicode text and extra
    thousandths of an em added to its width; None if there can be none."""
    if not extra and font.to_unicode.setdefault(glyph, text) == text:
        return glyph
    if font.type != "ttf":
        return None  # a CFF font has no CIDToGIDMap: /ActualText alone reads it
    codes = font.__dict__.setdefault(_VIRTUAL, {})
    wanted = (glyph, text, round(extra, 3))
    if wanted not in codes:
        code = font.glyph_count + _MISSING_ROOM + len(codes)
        if code > 0xFFFF or code in font.missing.values():
            return None  # no code left: /ActualText alone reads it
        codes[wanted] = code
        font.to_unicode[code] = text
        font.widths[code] = font.widths[glyph] + wanted[2]
    return codes[wanted]


TJ_PARTS = re.compile(rb"<([0-9a-f]*)>|(-?[0-9.]+(?:e[-+]?[0-9]+)?)")


def _give_codes(stream, start: int, drawn: list) -> None:
    """Draw each glyph since start with the code of its text (_code); and where
    the pen moves right between two glyphs of a TJ (an offset or a kerning of
    WeasyPrint's, most often before a mark drawn right of its base), draw the
    first with a code that wide instead: pypdf and pdf.js read such a move as a
    space between words, which it is not."""
    operations = [
        at
        for at in range(start, len(stream.stream))
        if isinstance(stream.stream[at], bytes) and TJ.match(stream.stream[at])
    ]
    parsed: dict[int, list[list]] = {}  # each TJ's ["glyph", font, glyph, text, code, extra]
    for at in operations:  # and ["move", number]
        parts = parsed[at] = []
        for match in TJ_PARTS.finditer(TJ.match(stream.stream[at])[1]):
            if match[1] is None:
                if parts and parts[-1][0] == "move":
                    parts[-1][1] += float(match[2])
                else:
                    parts.append(["move", float(match[2])])
                continue
            for i in range(0, len(match[1]), 4):
                parts.append(["glyph", None, None, None, int(match[1][i : i + 4], 16), 0.0])
    glyphs = [part for at in operations for part in parsed[at] if part[0] == "glyph"]
    if len(glyphs) != len(drawn):
        return  # not the glyphs walked: leave the line as WeasyPrint drew it
    for part, (font, glyph, text) in zip(glyphs, drawn, strict=True):
        part[1:4] = font, glyph, text
    # the parts in drawing order, a TJ joined to the next when only rises (Ts)
    # lie between them: the pen goes on from one to the next
    flat: list[list] = []
    for previous, at in zip([None, *operations[:-1]], operations, strict=True):
        between = stream.stream[previous + 1 : at] if previous is not None else [b"Tm"]
        if not all(isinstance(op, bytes) and op.endswith(b" Ts") for op in between):
            flat.append(["break"])
        flat.extend(parsed[at])
    for i in range(1, len(flat) - 1):
        before, move, after = flat[i - 1], flat[i], flat[i + 1]
        rightwards = move[0] == "move" and move[1] < 0 and before[0] == after[0] == "glyph"
        if rightwards and before[3] is not None and before[4] == before[2]:
            before[5], move[1] = -move[1], 0.0
    for at in operations:
        stream.stream[at] = b"[" + b"".join(_tj_parts(parsed[at])) + b"] TJ"


def _tj_parts(parts: list[list]) -> list[bytes]:
    """A TJ array's contents: each glyph by the code of its text and width."""
    out, run = [], []
    for part in parts:
        if part[0] == "glyph":
            _kind, font, glyph, text, code, extra = part
            if text is not None and code == glyph:
                given = _code(font, glyph, text, extra)
                if given is None and extra:  # no wider code: the move stays
                    given = _code(font, glyph, text)
                    run.append(b"%04x" % (glyph if given is None else given))
                    out += [b"<" + b"".join(run) + b">", _number(-extra)]
                    run = []
                    continue
                code = glyph if given is None else given
            run.append(b"%04x" % code)
        elif part[1]:
            if run:
                out.append(b"<" + b"".join(run) + b">")
                run = []
            out.append(_number(part[1]))
    if run:
        out.append(b"<" + b"".join(run) + b">")
    return out


def _number(value: float) -> bytes:
    import pydyf

    return pydyf._to_bytes(round(value, 6))


def _glyphs_for_codes(build_vector_font_dictionary):
    """A TrueType font with codes given here maps each code (a CID, in
    Identity-H) to its glyph with a /CIDToGIDMap, every other CID to itself."""

    def build(font_dictionary, pdf, font, widths, *args, **kwargs):
        build_vector_font_dictionary(font_dictionary, pdf, font, widths, *args, **kwargs)
        codes = font.__dict__.get(_VIRTUAL)
        if not codes:
            return
        import pydyf

        descendant = next(
            obj
            for obj in reversed(pdf.objects)
            if isinstance(obj, pydyf.Dictionary)
            and obj.get("Subtype") == "/CIDFontType2"
            and obj.get("BaseFont") == font.name
        )
        glyphs = list(range(max(codes.values()) + 1))
        for (glyph, *_wanted), code in codes.items():
            glyphs[code] = glyph
        table = b"".join(glyph.to_bytes(2, "big") for glyph in glyphs)
        stream = pydyf.Stream([table], compress=True)
        pdf.add_object(stream)
        descendant["CIDToGIDMap"] = stream.reference

    return build


def _subset_real_glyphs(subset):
    """Font.subset, given the font's glyphs only, not the codes given here
    (which would keep every empty glyph id below them)."""

    def run(font, to_unicode, hinting):
        missing = set(font.missing.values())  # WeasyPrint's codes for .notdef: kept, as it does
        kept = {g: t for g, t in to_unicode.items() if g < font.glyph_count or g in missing}
        for glyph, *_wanted in font.__dict__.get(_VIRTUAL, {}):
            kept.setdefault(glyph, "")
        return subset(font, kept, hinting)

    return run


def _copied_exactly(draw_first_line):
    """draw_first_line, with the glyphs of a line that would not copy back
    exactly in an /ActualText span, and the space dropped at its end kept."""

    def draw(stream, textbox, *args, **kwargs):
        start = len(stream.stream)
        emojis = draw_first_line(stream, textbox, *args, **kwargs)
        if len(stream.stream) == start:
            return emojis
        source, mapped, font = _drawn_line(stream, textbox)
        source = unmarked(source)
        exact = _exact(source, mapped)
        drawn, right_to_left = (None if exact else _glyph_texts(stream, textbox)) or ([], False)
        if drawn:
            _give_codes(stream, start, drawn)
            # readers order right-to-left glyphs by place; its /ActualText poppler reverses
            exact = right_to_left and not _marked(source)
        before = getattr(textbox, "starts_after_space", False)
        after = getattr(textbox, "ends_at_space", False)
        # a right-to-left text's start is at its right end, where it is drawn last
        spaced = before or after
        if not exact or (spaced and not _space_after_last_glyph(stream, start, font)):
            stream.stream[start:start] = _actual_text(" " * before + source + " " * after)
            stream.stream.append(b"EMC")
        space = _space_glyph(font) if spaced else None
        if space:  # for readers without /ActualText; drawn after the line, invisible
            stream.stream.append(space)
        return emojis

    return draw


BREAKS = " \n\t"  # a line break here separates words; U+00A0 and U+200B do not
PHRASING = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "label",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
}  # fmt: skip


def _edge_character(children, last: bool) -> str:
    """The first (or last) character of the text of children, "" if none;
    a box with no text of its own (an image, an inline block) counts as one
    that is not a space."""
    from weasyprint.formatting_structure import boxes

    for child in reversed(children) if last else children:
        if not child.is_in_normal_flow():
            continue
        if isinstance(child, boxes.TextBox):
            if child.text:
                return child.text[-1] if last else child.text[0]
        elif isinstance(child, (boxes.LineBox, boxes.InlineBox)):
            found = _edge_character(child.children, last)
            if found:
                return found
        else:
            return "\ufffc"
    return ""


def _around(box, skip) -> tuple[str, str]:
    """(the character before, the character at) the place skip (a WeasyPrint
    skip stack) names in the source text of box."""
    from weasyprint.formatting_structure import boxes

    ((index, rest),) = skip.items() if skip else ((0, None),)
    if isinstance(box, boxes.TextBox):
        text = box.text.encode()
        return text[:index].decode()[-1:], text[index:].decode()[:1]
    if not isinstance(box, boxes.ParentBox) or index >= len(box.children):
        return _edge_character(getattr(box, "children", ()), True), ""
    inner_before, inner_at = _around(box.children[index], rest)
    before = inner_before or _edge_character(box.children[:index], True)
    at = inner_at or _edge_character(box.children[index + 1 :], False)
    return before, at


def _edge_text(line, last: bool):
    """The first (or last) text box of line that draws something, or None."""
    leaves = list(_text_leaves(line))
    return next((box for box in (reversed(leaves) if last else leaves) if box.text), None)


_RIGHT_TO_LEFT_END = "advocacy_right_to_left_end"  # a block's (resume_at, its line's last box)


def _right_to_left(box) -> bool:
    return box.style["direction"] == "rtl"


def _noting_spaces_at_line_ends(get_next_linebox):
    """get_next_linebox, noting on a line's last text box that the text had a
    space or a line break where the line ends (and, at the end of an inline
    element laid out as a block, that the HTML has a space after it).

    Where that box is right to left, the space is noted at the start of the
    next line's first text box instead, if that is right to left too: a
    right-to-left line ends at its left, where it is drawn first, and readers
    that take its text in drawing order (pypdf) read a space drawn there at
    the line's start; the next line's start, at its right, is drawn last."""

    def get(context, linebox, position_y, bottom_space, skip_stack, *args, **kwargs):
        line, resume_at = get_next_linebox(
            context, linebox, position_y, bottom_space, skip_stack, *args, **kwargs
        )
        ended = getattr(linebox, _RIGHT_TO_LEFT_END, None)
        if ended is not None and ended[0] is skip_stack and line is not None:
            first = _edge_text(line, last=False)
            if first is not None and _right_to_left(first):
                ended[1].ends_at_space = False
                first.starts_after_space = True
        setattr(linebox, _RIGHT_TO_LEFT_END, None)
        if line is None:
            return line, resume_at
        if resume_at is not None:
            apart = any(character in BREAKS for character in _around(linebox, resume_at))
        else:
            element = linebox.element
            tail = getattr(element, "tail", None) or ""
            apart = (
                linebox.element_tag in PHRASING
                and element.tag == linebox.element_tag
                and tail[:1] != ""
                and tail[0] in BREAKS
            )
        last = _edge_text(line, last=True) if apart else None
        if last is not None and last.text[-1] not in BREAKS:
            last.ends_at_space = True
            if resume_at is not None and _right_to_left(last):
                setattr(linebox, _RIGHT_TO_LEFT_END, (resume_at, last))
        return line, resume_at

    return get


PATCHED = "advocacy_patched"


def _patch(owner, name: str, wrap) -> None:
    """owner.name = wrap(owner.name), once: a second import of this module (a
    test's reload) does not wrap WeasyPrint's function twice."""
    current = getattr(owner, name)
    if getattr(current, PATCHED, False):
        return
    patched = wrap(current)
    setattr(patched, PATCHED, True)
    setattr(owner, name, patched)


def _copy_text_exactly() -> None:
    import weasyprint.draw.text as text_module
    import weasyprint.layout.inline as inline_module
    import weasyprint.pdf.fonts as fonts_module

    _patch(text_module, "draw_first_line", _copied_exactly)
    _patch(fonts_module, "_build_vector_font_dictionary", _glyphs_for_codes)
    _patch(fonts_module.Font, "subset", _subset_real_glyphs)
    _patch(inline_module, "get_next_linebox", _noting_spaces_at_line_ends)


_copy_text_exactly()


# ------------------------------------------------ leaders are not read aloud
#
# A table of contents draws `content: leader(". ") target-counter(...)`.
# WeasyPrint 70 (layout/leader.py) fills the leader with copies of its text
# box and draws each as tagged content (draw/__init__.py), so the dots are
# read aloud, one by one, and nothing separates the entry from its page
# number or the page number from the next entry ("Background. . . 31 The
# open space"). A leader is layout (ISO 32000-1 14.8.2.2: "leaders"): here
# each of its glyph runs is marked, drawn as such, and made an /Artifact of
# type /Layout after writing (finish_tagging); the text just before the leader
# and the line's last text end with a space for readers (as a line does where
# it broke at one). Upstream, draw_inline_level would draw a leader's boxes
# inside stream.artifact(), and layout/leader.py would keep the gap between
# the entry, its page number and the next line in the text.

LEADER = "AdvocacyLeader"  # a key of a leader's marked-content properties, until finish_tagging


def _text_leaves(box, leader=None) -> Iterator:
    """The text boxes under box in the order of its text, with leader (a box
    under it) in its place instead of its own."""
    from weasyprint.formatting_structure import boxes

    if box is leader:
        yield leader
    elif isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            yield from _text_leaves(child, leader)


def _marking_leaders(handle_leader):
    """handle_leader, marking the leader's glyph runs and keeping a space
    after the text before the leader and after the line's last text."""
    from weasyprint.layout.leader import leader_index

    def handle(context, line, containing_block):
        handle_leader(context, line, containing_block)
        _index, leader = leader_index(line)
        if leader is None:
            return
        for run in leader.children:
            run.leader_glyphs = True
        texts = list(_text_leaves(line, leader))
        at = next((i for i, box in enumerate(texts) if box is leader), None)
        if at is None:
            return
        before = [box for box in texts[:at] if box.text]
        after = [box for box in texts[at + 1 :] if box.text]
        for box in before[-1:] + after[-1:]:
            if not box.text[-1].isspace():
                box.ends_at_space = True

    return handle


def _marked_as_leader(marked):
    """Stream.marked, noting in the properties of a leader's glyph run that
    it is one (finish_tagging makes it an artifact)."""
    import pydyf

    @contextmanager
    def mark(self, box, tag):
        with marked(self, box, tag):
            if getattr(box, "leader_glyphs", False) and self._tags is not None:
                properties = self.stream[-2] if self.stream[-1:] == [b"BDC"] else None
                if isinstance(properties, pydyf.Dictionary):
                    properties[LEADER] = "true"
            yield

    return mark


def _leaders_as_layout() -> None:
    import weasyprint.layout.inline as inline_module
    from weasyprint.pdf.stream import Stream

    _patch(inline_module, "handle_leader", _marking_leaders)
    _patch(Stream, "marked", _marked_as_leader)


_leaders_as_layout()


# ------------------------------------- lists by their role, figures as groups
#
# WeasyPrint 70 (pdf/tags.py, _get_pdf_tag) maps an element to a structure
# type by its tag alone, so a <div role="list"> of <div role="listitem">
# (a bibliography as citeproc writes it) becomes a /Div of /Div: a reader
# hears no list and no count of its items. Here an element whose role is
# "list", and whose element children all have the role "listitem", is tagged
# as a <ul> is (/L), and each of those children inside it as an unmarked <li>
# (/LI with an /LBody). Upstream, _get_pdf_tag would read the role first.
#
# A <figure> is tagged /NonStruct, whose kids count as its parent's (ISO
# 32000-1 14.8.4.2), so nothing groups a /Caption with its /Figure. It is
# tagged /Div here, as a <div> is: the caption stays beside the figure, not
# inside it, because readers stop at a /Figure's /Alt and would never reach
# a /Caption within (the PDF Association's Tagged PDF Best Practice Guide
# places it next to the /Figure for PDF 1.7). A table's caption WeasyPrint
# already puts first in its /Table. Upstream, _get_pdf_tag would map figure
# to Div (and, in PDF 2.0, could put the Caption in the Figure).

ROLE_TAGS = {"list": "ul", "listitem": "li"}
TAGGED_AS = {"figure": "div"}
_ROLES_OPEN: list = []  # (element, tag) of those being tagged by their role, outermost first


def _role_tag(box, parent) -> str | None:
    """The HTML tag box is tagged as for its element's list role (or, for a
    figure, as a div), or None."""
    element = getattr(box, "element", None)
    if element is None or box.element_tag != element.tag or element.tag in ("ul", "ol", "li"):
        return None
    if any(open_element is element for open_element, _tag in _ROLES_OPEN):
        return None  # an anonymous box of an element already tagged by its role
    if element.tag in TAGGED_AS:
        return TAGGED_AS[element.tag]
    role = element.get("role")
    if (
        role == "list"
        and len(element)
        and all(child.get("role") == "listitem" for child in element)
    ):
        return ROLE_TAGS[role]
    if role == "listitem" and parent.get("S") == "/L":
        return ROLE_TAGS[role]
    return None


def _in_open_list(box) -> bool:
    """Whether box is an anonymous box of an element being tagged as a list
    (a column of a multi-column list): it is no element of its own."""
    element = getattr(box, "element", None)
    return (
        element is not None
        and box.element_tag == element.tag
        and any(open_element is element for open_element, tag in _ROLES_OPEN if tag == "ul")
    )


def _honouring_list_roles(build_box_tree):
    """_build_box_tree, tagging an element with a list role as the list
    element would be, and a figure as a div."""

    def build(box, parent, *args, **kwargs):
        tagged = getattr(box, "_box", box)  # an absolute placeholder's box
        tag = "body" if _in_open_list(tagged) else _role_tag(tagged, parent)
        if tag is None:
            yield from build_box_tree(box, parent, *args, **kwargs)
            return
        written = tagged.element_tag
        tagged.element_tag = tag  # "body": its kids are its parent's, as <body>'s are
        _ROLES_OPEN.append((tagged.element, tag))
        try:
            yield from build_box_tree(box, parent, *args, **kwargs)
        finally:
            _ROLES_OPEN.pop()
            tagged.element_tag = written

    return build


def _tag_list_roles() -> None:
    import weasyprint.pdf.tags as tags_module

    _patch(tags_module, "_build_box_tree", _honouring_list_roles)


_tag_list_roles()


def write_pdf(
    html: str,
    base: Path,
    routes: dict[Path, Path],
    target: Path,
    archival: bool = False,
    *,
    stylesheets: Sequence[tuple[str, str]] = (),
    document: str = "document",
    rights=None,
    link_words: LinkWords | None = None,
    origin=None,
) -> Rendered:
    """Render html, whose relative URLs start at base, to the PDF file target.

    The PDF is PDF/UA-1; with archival, it is PDF/A-3u as well: WeasyPrint has
    no combined variant, so it is written as PDF/A-3u with tags, and the
    PDF/UA identifier is added to its XMP metadata afterwards.

    stylesheets are the (name shown, text) of the CSS files inlined into the
    html's <style>; a warning at a line of the inlined CSS is given at its file
    and line. Every other warning is given at document. rights (licences.Rights)
    go into the XMP metadata. link_words say where each link goes, in the
    document's language (LinkWords). origin (provenance.Origin), when given,
    says where the PDF comes from: its edition, commit and content hash, in
    the XMP metadata (and its date, with SOURCE_DATE_EPOCH).

    The same html, origin and fonts give the same bytes: the /ID is the
    DocumentID's (or a constant), and nothing is dated by the clock.
    """
    fetcher = ProjectFetcher(routes)
    with captured_log() as records:
        source = weasyprint.HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher)
        mark_breaks(source.etree_element)  # words of Lao, Khmer, Burmese and Thai
        drawn = source.render()
        drawn.write_pdf(
            target,
            pdf_variant="pdf/a-3u" if archival else "pdf/ua-1",
            pdf_tags=True,
            pdf_identifier=origin.identifier() if origin is not None else b"advocacy",
            attachments=[],
            custom_metadata=True,
        )
    finish_tagging(target, archival, rights, source.etree_element, link_words, origin)
    anchors = {}
    for number, page in enumerate(drawn.pages, 1):
        for anchor in page.anchors:
            anchors.setdefault(anchor, number)
    places = CssPlaces(html, stylesheets)
    located = (places.locate(r.getMessage(), r.levelname.lower(), document) for r in records)
    warnings = list(dict.fromkeys(w for w in located if not harmless(w)))  # once each, in order
    return Rendered(
        len(drawn.pages),
        section_lengths(drawn),
        fetcher.refused,
        anchors,
        warnings,
        document,
        empty_pages(drawn),
    )


EMPTY = 0.40  # a page of text more empty than this is named, with its reason


def empty_pages(document) -> list[EmptyPage]:
    """The pages, but the first, the last and the last before a cover page (a
    back cover), whose text area is more than EMPTY empty under its last line."""
    pages = [page._page_box for page in document.pages]
    found = []
    for index, page in enumerate(pages[1:-1], 1):
        following = pages[index + 1]
        if page.page_type.name == "cover" or following.page_type.name == "cover":
            continue
        top, height = page.content_box_y(), page.height
        bottoms = [box.position_y + box.margin_height() for box in _drawn(page)]
        share = 1 - (max(bottoms, default=top) - top) / height
        if share > EMPTY:
            found.append(EmptyPage(index + 1, share, _why_next(following)))
    return found


def _drawn(page) -> Iterator:
    """What a page draws in its text area, in order: its lines, replaced boxes
    (images, charts), and tinted or ruled blocks (a box counts to its foot).
    A block that runs on to the next page is not drawn to its own end, so
    blocks without a background or border are left out; so are the margins."""
    from weasyprint.formatting_structure import boxes

    stack = list(reversed(page.children))
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.MarginBox):
            continue
        if isinstance(box, boxes.LineBox | boxes.ReplacedBox):
            yield box  # and not its inline contents
            continue
        if isinstance(box, boxes.BlockBox) and box.element_tag not in ROOTS and _painted(box):
            yield box
        stack.extend(reversed(getattr(box, "children", [])))


ROOTS = ("html", "body")  # painted to the page's foot whatever they hold


def _painted(box) -> bool:
    background = box.style["background_color"]
    return bool(getattr(background, "alpha", 0)) or any(
        box.style[f"border_{side}_width"] for side in ("top", "bottom")
    )


def _why_next(page) -> str:
    """What a page starts with and the rule that moved it from the page before."""
    from weasyprint.formatting_structure import boxes

    first = next((box for box in _drawn(page) if not isinstance(box, boxes.BlockBox)), None)
    if first is None:
        return "the next page is empty"
    # the boxes of elements from the root down to the first line
    chain = [box for box in _path(page, first)[:-1] if box.element is not None]
    for box in reversed(chain):
        if box.style["break_before"] in ("page", "left", "right", "recto", "verso"):
            return f"{_named(box)} starts a new page (break-before)"
    for box in chain:
        if box.style["break_inside"] in ("avoid", "avoid-page") and box.element_tag != "html":
            return (
                f"{_named(box)} is kept whole (break-inside: avoid) and did not fit in the "
                "space left; shorten it or the text before it"
            )
    return f"the next page starts with {_named(chain[-1]) if chain else 'text'}"


def _path(box, target) -> list:
    """box, and its descendants down to target, in order; [] when target is not in it."""
    if box is target:
        return [box]
    for child in getattr(box, "children", ()):
        found = _path(child, target)
        if found:
            return [box, *found]
    return []


def _named(box) -> str:
    """A box as a reader finds it: its heading's words, or its id or class."""
    element = box.element
    heading = next((e for e in element.iter() if e.tag in ("h1", "h2", "h3", "h4")), None)
    text = " ".join("".join(heading.itertext()).split()) if heading is not None else ""
    what = element.get("id") or element.get("class") or element.tag
    return f"'{text}' ({what})" if text else f"<{element.tag}> ({what})"


def problems(rendered: Rendered) -> list[Problem]:
    """What WeasyPrint warned of while drawing, as the build's problems (all of
    level warning), and each refused fetch that no warning names (for a font
    WeasyPrint says only that its family could not be loaded), at the document."""
    found = {
        Problem(w.path, w.line, w.column, f"PDF: {w.text}", "warning") for w in rendered.warnings
    }
    said = "\n".join(w.message for w in rendered.warnings)
    for reason in rendered.refused:
        if reason not in said:
            found.add(Problem(rendered.document, 0, 0, f"PDF: {reason}", "warning"))
    return sorted(found)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def captured_log() -> Iterator[list[logging.LogRecord]]:
    """WeasyPrint's records of level warning and above, for the duration; they
    reach no other handler (not the terminal) while it lasts."""
    handler = _Records()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.propagate))
        logger.setLevel(min(logger.getEffectiveLevel(), logging.WARNING))
        logger.propagate = False  # weasyprint.progress would reach the handler twice
        logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        for logger, level, propagate in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


class CssPlaces:
    """Maps a line:col in a document's inlined <style> back to a CSS file's.

    WeasyPrint counts lines from the start of the <style> element's text; each
    file is found there, in the order the files were inlined.
    """

    def __init__(self, html: str, stylesheets: Iterable[tuple[str, str]]):
        self.spans: list[tuple[int, int, int, str, str]] = []  # first, last, col, name, text
        after = 0
        for name, text in stylesheets:
            offset = html.find(text, after) if text.strip() else -1
            opening = html.rfind("<style", 0, offset) if offset >= 0 else -1
            if opening < 0:
                continue
            after = offset + len(text)
            inside = html.index(">", opening) + 1
            before = html[inside:offset]
            first = before.count("\n") + 1
            column = len(before) - before.rfind("\n")  # 1-based column of the file's start
            self.spans.append((first, first + text.count("\n"), column, name, text))

    def locate(self, message: str, level: str, document: str) -> RenderWarning:
        found = list(POSITION.finditer(message))
        if found:
            line, column = int(found[-1][1]), int(found[-1][2])
            for first, last, start, name, text in self.spans:
                if first <= line <= last:
                    at_line = line - first + 1
                    at_column = column - start + 1 if line == first else column
                    if self._matches(message, text, at_line, at_column):
                        return RenderWarning(name, at_line, at_column, message, level)
        return RenderWarning(document, 0, 0, message, level)

    @staticmethod
    def _matches(message: str, text: str, line: int, column: int) -> bool:
        """For a declaration WeasyPrint ignored, its property is at the place."""
        declared = re.match(r"^(?:Ignored|Deprecated) `\s*([-\w]+)\s*:", message)
        if not declared:
            return True
        lines = text.split("\n")
        here = lines[line - 1][column - 1 :] if line <= len(lines) and column >= 1 else ""
        return here.lower().startswith(declared[1].lower())


def finish_tagging(
    path: Path,
    archival: bool = False,
    rights=None,
    html=None,
    link_words: LinkWords | None = None,
    origin=None,
) -> None:
    """Complete what WeasyPrint 70 leaves out of a PDF/UA file, with pikepdf.

    - table header cells get a /Scope (WeasyPrint ignores HTML's scope);
    - link annotations get the Print flag, and a /Contents that says in words
      where they go, from html (the document's root element) and link_words;
    - running headers and footers, drawn in the page margins and left out of
      the structure tree, are marked as pagination artifacts, and leaders'
      glyph runs (marked while drawn) as layout artifacts;
    - a document with bookmarks opens with them shown (/PageMode /UseOutlines);
    - the structure elements' /ID (a table's header cells, which data cells
      name in /Headers) are resolved by an /IDTree;
    - rights, when given, are written to the XMP: dc:rights, xmpRights:Marked
      and xmpRights:WebStatement;
    - origin, when given, too (_write_origin): the edition, commit, content
      hash and, with SOURCE_DATE_EPOCH, the dates; an archival file declares
      the properties PDF/A does not predefine (_declare_schemas).

    The file is saved with an /ID computed from its bytes, and pikepdf leaves
    no mark of its own (no xmp:MetadataDate of the clock, no Producer).
    """
    import pikepdf

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        _scope_header_cells(pdf.Root.StructTreeRoot)
        _open_with_outline(pdf)
        _identify_elements(pdf)
        for page in pdf.pages:
            for annotation in page.get("/Annots", []):
                annotation.F = 4  # Print
        _describe_links(pdf, html, link_words)
        _artifacts(pdf)
        if archival or rights is not None or origin is not None:
            with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
                if archival:
                    xmp.register_xml_namespace(PDFUAID, "pdfuaid")
                    xmp[f"{{{PDFUAID}}}part"] = "1"
                if rights is not None:
                    _write_rights(xmp, rights)
                if origin is not None:
                    _write_origin(xmp, pdf.docinfo, origin)
            if archival:
                _declare_schemas(pdf, origin is not None)
        pdf.save(path, deterministic_id=True)


# ------------------------------------------------- links described in words
#
# WeasyPrint 70 (pdf/anchors.py, add_links) sets a tagged link annotation's
# /Contents to its target as written: the fragment of an internal link
# ("ref-ostrom1990commons", "open-space") or the URL. PDF/UA-1 (7.18.5)
# asks for a description of the link, which a screen reader speaks; an id is
# none. Here an internal link says what it reaches, from the HTML element its
# fragment names: a reference by the start of its entry (its author and
# year), a section by its number, heading and page. An external link keeps
# its URL. Upstream, add_links would describe an internal link from its
# target element (its heading or text) and page, not by its anchor name.


@dataclass(frozen=True)
class LinkWords:
    """How a link's /Contents says where it goes: %-format strings in the
    document's language, as the labels catalogue writes them.

    text is the start of a reference's entry (or of a target's own text),
    number and heading a section's, page the page it starts on.
    """

    reference: str = LINK_WORDS["reference"]
    section: str = LINK_WORDS["section"]
    unnumbered: str = LINK_WORDS["unnumbered"]
    place: str = LINK_WORDS["place"]
    page: str = LINK_WORDS["page"]

    @classmethod
    def of(cls, labels) -> LinkWords:
        """In the language of labels (labels.Labels): each translated, or where
        the catalog lacks one, English for English and NEUTRAL_WORDS' form for
        any other language, so that no English word is read in another."""
        fallback = cls() if labels.language.split("-")[0].lower() == "en" else NEUTRAL_WORDS
        return cls(
            **{
                name: labels.text(text) or getattr(fallback, name)
                for name, text in LINK_WORDS.items()
            }
        )


# For a document in another language when no words are given: the same
# descriptions without English words (the page number alone after a comma).
NEUTRAL_WORDS = LinkWords(
    reference="%(text)s",
    section="%(number)s %(heading)s, %(page)s",
    unnumbered="%(heading)s, %(page)s",
    place="%(text)s, %(page)s",
    page="%(page)s",
)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)*\.?")
YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d[a-z]?\b")


def _text_of(element) -> str:
    return " ".join(unmarked("".join(element.itertext())).split())


def _reference_start(text: str) -> str:
    """The start of a bibliography entry: up to its year when that comes
    early (author-date styles: "Ostrom, Elinor. 1990"), else its first two
    sentences when they are short ("ASEC. n.d."), else its first words."""
    year = YEAR.search(text, 0, 120)
    if year:
        return text[: year.end()]
    sentences = text.split(". ", 2)
    if len(sentences) > 2 and len(sentences[0]) + len(sentences[1]) < 80:
        return f"{sentences[0]}. {sentences[1]}."
    if len(text) > 60:
        text = text[:60].rsplit(" ", 1)[0]
    return text.rstrip(" .,;:")


def _section_parts(heading) -> tuple[str, str]:
    """(number, heading text) of a heading element whose number is the text
    of its first child element (<span class="section-number">2.1</span>); an
    unnumbered heading's number is ""."""
    text = _text_of(heading)
    first = next(iter(heading), None)
    if first is not None and not (heading.text or "").strip():
        number = _text_of(first)
        if SECTION_NUMBER.fullmatch(number) and text.startswith(number):
            return number.rstrip("."), text[len(number) :].strip()
    return "", text


def _describe_target(element, page: int | None, words: LinkWords) -> str:
    page_text = "" if page is None else str(page)
    classes = (element.get("class") or "").split()
    if "csl-entry" in classes or element.get("role") == "doc-biblioentry":
        return words.reference % {"text": _reference_start(_text_of(element))}
    heading = (
        element
        if element.tag in HEADINGS
        else next((found for found in element.iter() if found.tag in HEADINGS), None)
    )
    if heading is not None and page is not None:
        number, text = _section_parts(heading)
        form = words.section if number else words.unnumbered
        return form % {"number": number, "heading": text, "page": page_text}
    text = _text_of(element)
    if len(text) > 60:
        text = text[:60].rsplit(" ", 1)[0]
    if text and page is not None:
        return words.place % {"text": text, "page": page_text}
    return words.page % {"page": page_text} if page is not None else text


def _describe_links(pdf, html, words: LinkWords | None) -> None:
    """Each link annotation's /Contents: where it goes, in words."""
    import pikepdf

    if words is None:  # no catalog: English, or the neutral forms
        language = (html.get("lang") if html is not None else None) or "en"
        words = LinkWords.of(Labels(language))
    ids = {}
    for element in html.iter() if html is not None else ():
        if element.get("id"):
            ids.setdefault(element.get("id"), element)
    pages = {page.objgen: number for number, page in enumerate(pdf.pages, 1)}
    tree = pdf.Root.get("/Names", {}).get("/Dests")
    destinations = dict(pikepdf.NameTree(tree).items()) if tree is not None else {}
    said: dict[tuple, str] = {}
    for page in pdf.pages:
        for annotation in page.get("/Annots", []):
            if annotation.get("/Subtype") != "/Link":
                continue
            action = annotation.get("/A")
            if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/URI":
                annotation.Contents = pikepdf.String(str(action.URI))
                continue
            target = annotation.get("/Dest")
            if target is None and isinstance(action, pikepdf.Dictionary):
                target = action.get("/D")
            name = str(target) if isinstance(target, (pikepdf.String, pikepdf.Name)) else None
            if name is not None:
                name = name.lstrip("/") if isinstance(target, pikepdf.Name) else name
                target = destinations.get(name)
            if isinstance(target, pikepdf.Dictionary):
                target = target.get("/D")
            reached = None
            if isinstance(target, pikepdf.Array) and len(target):
                reached = pages.get(target[0].objgen)
            key = (name, reached)
            if key not in said:
                element = ids.get(name) if name is not None else None
                if element is not None:
                    said[key] = _describe_target(element, reached, words)
                else:
                    said[key] = words.page % {"page": reached} if reached else ""
            if said[key]:
                annotation.Contents = pikepdf.String(said[key])


def _write_rights(xmp, rights) -> None:
    """The licence in the XMP rights schema, as Creative Commons marks works."""
    xmp["dc:rights"] = rights.statement
    xmp["xmpRights:Marked"] = "True" if rights.marked else "False"
    if rights.url:
        xmp["xmpRights:WebStatement"] = rights.url


# ------------------------------------------------ where the PDF comes from
#
# The edition and its language, identifiers of the document and of this
# output of it, and in a namespace of our own (provenance.NAMESPACE) the
# commit, whether the edition's files differ from it, and the content's hash.
# PDF/A-3 allows properties it does not predefine only when the XMP describes
# them in an extension schema (ISO 19005-3, 6.6.2.3): an archival file
# describes ours, and pdfuaid's, which ISO 19005-3 does not predefine either.

PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFA_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
PDFUA_PROPERTIES = {"part": ("Integer", "Indicates which part of ISO 14289 is followed")}


def _write_origin(xmp, docinfo, origin) -> None:
    """origin (provenance.Origin) in the XMP, and the edition in the Info
    dictionary as /Edition too, so that viewers' document properties show it:
    PDF/A-3 and PDF/UA-1 constrain only the Info entries that have XMP
    equivalents. With SOURCE_DATE_EPOCH, the PDF's dates are that instant."""
    import pikepdf

    from advocacy.provenance import NAMESPACE, PREFIX

    xmp.register_xml_namespace(NAMESPACE, PREFIX)
    xmp["dc:language"] = [origin.language]
    xmp["xmpMM:DocumentID"] = origin.document_id()
    xmp["xmpMM:InstanceID"] = origin.instance_id()
    if origin.edition is not None:
        xmp["xmpMM:VersionID"] = origin.edition
        docinfo["/Edition"] = pikepdf.String(origin.edition)
    if origin.commit is not None:
        xmp[f"{{{NAMESPACE}}}commit"] = origin.commit
        xmp[f"{{{NAMESPACE}}}uncommitted"] = "True" if origin.uncommitted else "False"
    xmp[f"{{{NAMESPACE}}}contentHash"] = origin.content
    if origin.epoch is not None:
        from datetime import UTC, datetime

        when = datetime.fromtimestamp(origin.epoch, UTC)
        xmp["xmp:CreateDate"] = xmp["xmp:ModifyDate"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        docinfo["/CreationDate"] = docinfo["/ModDate"] = when.strftime("D:%Y%m%d%H%M%SZ")


def _declare_schemas(pdf, ours: bool) -> None:
    """Describe pdfuaid's properties, and ours if written, in a PDF/A
    extension schema container in the XMP packet."""
    from lxml import etree

    from advocacy.provenance import NAMESPACE, PREFIX, PROPERTIES

    schemas = [(PDFUAID, "pdfuaid", "PDF/UA Universal Accessibility Schema", PDFUA_PROPERTIES)]
    if ours:
        schemas.append((NAMESPACE, PREFIX, "advocacy: where a publication comes from", PROPERTIES))
    packet = etree.fromstring(pdf.Root.Metadata.read_bytes())
    names = {"pdfaExtension": PDFA_EXTENSION, "pdfaSchema": PDFA_SCHEMA}
    names["pdfaProperty"] = PDFA_PROPERTY
    description = etree.SubElement(
        packet.find(f"{{{RDF}}}RDF"), f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""}, names
    )
    container = etree.SubElement(description, f"{{{PDFA_EXTENSION}}}schemas")
    bag = etree.SubElement(container, f"{{{RDF}}}Bag")
    for namespace, prefix, title, properties in schemas:
        schema = _resource(bag)
        _fields(schema, PDFA_SCHEMA, schema=title, namespaceURI=namespace, prefix=prefix)
        listed = etree.SubElement(
            etree.SubElement(schema, f"{{{PDFA_SCHEMA}}}property"), f"{{{RDF}}}Seq"
        )
        for name, (kind, meaning) in properties.items():
            fields = {"name": name, "valueType": kind, "category": "internal"}
            _fields(_resource(listed), PDFA_PROPERTY, **fields, description=meaning)
    text = etree.tostring(packet.getroottree(), encoding="utf-8", xml_declaration=False)
    pdf.Root.Metadata.write(text)


def _resource(parent):
    """An rdf:li of parent that is a structure (rdf:parseType="Resource")."""
    from lxml import etree

    return etree.SubElement(parent, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})


def _fields(parent, namespace: str, **values: str) -> None:
    from lxml import etree

    for name, value in values.items():
        etree.SubElement(parent, f"{{{namespace}}}{name}").text = value


def _scope_header_cells(element, in_head: bool = False) -> None:
    import pikepdf

    if not isinstance(element, pikepdf.Dictionary):
        return
    kind = element.get("/S")
    if kind == "/TH":
        attributes = element.get("/A")
        if not isinstance(attributes, pikepdf.Dictionary):
            attributes = element.A = pikepdf.Dictionary(O=pikepdf.Name.Table)
        attributes.Scope = pikepdf.Name.Column if in_head else pikepdf.Name.Row
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        _scope_header_cells(kid, in_head or kind == "/THead")


def _open_with_outline(pdf) -> None:
    """Show the bookmarks when the document opens.

    WeasyPrint 70 (pdf/anchors.py) writes the bookmarks to /Outlines but never
    a /PageMode, so viewers open with the panel closed (ISO 32000-1 7.7.2,
    Table 28). Upstream, the catalog would get /PageMode /UseOutlines where it
    gets its /Outlines.
    """
    import pikepdf

    outlines = pdf.Root.get("/Outlines")
    if isinstance(outlines, pikepdf.Dictionary) and "/First" in outlines:
        pdf.Root.PageMode = pikepdf.Name.UseOutlines


def _structure_elements(tree) -> Iterator:
    """Every structure element under tree, each once, in document order."""
    import pikepdf

    seen, todo = set(), [tree]
    while todo:
        element = todo.pop()
        if not isinstance(element, pikepdf.Dictionary) or element.objgen in seen:
            continue
        seen.add(element.objgen)
        if "/S" in element:
            yield element
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        todo.extend(kid for kid in reversed(kids) if isinstance(kid, pikepdf.Dictionary))


def _identify_elements(pdf) -> None:
    """An /IDTree in the structure tree root for the elements that have an /ID.

    WeasyPrint 70 (pdf/tags.py, add_tags) gives each table header cell an /ID
    and lists those IDs in the data cells' /Headers attribute, but writes no
    /IDTree, which ISO 32000-1 (14.7.2, Table 322) requires as soon as any
    element has an /ID: without it nothing maps a /Headers entry to its cell.
    Upstream, add_tags would collect the IDs it writes into a name tree.
    """
    import pikepdf

    tree = pdf.Root.StructTreeRoot
    names = pikepdf.NameTree.new(pdf)
    for element in _structure_elements(tree):
        identifier = element.get("/ID")
        if isinstance(identifier, pikepdf.String) and element.is_indirect:
            names[str(identifier)] = element
    if len(names.keys()):
        tree.IDTree = names.obj


def _reachable(tree) -> set:
    import pikepdf

    seen, todo = set(), [tree]
    while todo:
        element = todo.pop()
        if not isinstance(element, pikepdf.Dictionary) or element.objgen in seen:
            continue
        seen.add(element.objgen)
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                todo.append(kid)
    return seen


def _artifacts(pdf) -> None:
    """Marked content that no structure element reaches becomes a pagination
    artifact; a leader's glyph runs (marked LEADER) become layout artifacts
    and leave the structure tree."""
    import pikepdf

    tree = pdf.Root.StructTreeRoot
    reachable = _reachable(tree)
    nums = tree.ParentTree.Nums
    owners_by_key = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    leader = pikepdf.Name("/" + LEADER)
    for page in pdf.pages:
        owners = owners_by_key.get(int(page.get("/StructParents", -1)))
        if not isinstance(owners, pikepdf.Array):
            continue
        orphans = {
            mcid
            for mcid, owner in enumerate(owners)
            if isinstance(owner, pikepdf.Dictionary) and owner.objgen not in reachable
        }
        operations, leaders, changed = [], set(), False
        for operands, operator in pikepdf.parse_content_stream(page):
            properties = operands[1] if str(operator) == "BDC" else None
            if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                mcid = int(properties.MCID)
                if leader in properties:
                    leaders.add(mcid)
                    operands = [pikepdf.Name.Artifact, pikepdf.Dictionary(Type=pikepdf.Name.Layout)]
                    changed = True
                elif mcid in orphans:
                    operands = [
                        pikepdf.Name.Artifact,
                        pikepdf.Dictionary(Type=pikepdf.Name.Pagination),
                    ]
                    changed = True
            operations.append((operands, operator))
        if not changed:
            continue
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(operations))
        for mcid in sorted(leaders):
            owner = owners[mcid] if mcid < len(owners) else None
            if isinstance(owner, pikepdf.Dictionary):
                _drop_marked_content(owner, mcid, nums)
        for mcid in orphans | leaders:
            if mcid < len(owners):
                owners[mcid] = None


def _drop_marked_content(element, mcid: int, nums) -> None:
    """Take the marked content mcid out of element's kids. An element left
    with no content leaves its parent: a leader's /Span; a leader's /Link
    when it is inside a /Link, which takes its annotation (and the parent
    tree, in nums, says so), so no link is left without text."""
    import pikepdf

    def names_it(kid) -> bool:
        if isinstance(kid, pikepdf.Dictionary):
            return kid.get("/Type") == "/MCR" and int(kid.get("/MCID", -1)) == mcid
        try:
            return int(kid) == mcid
        except (TypeError, ValueError):  # an annotation's /OBJR, or anything else
            return False

    found = element.get("/K")
    kids = list(found) if isinstance(found, pikepdf.Array) else [found]
    left = [kid for kid in kids if kid is not None and not names_it(kid)]
    element.K = pikepdf.Array(left)
    annotations = [
        kid for kid in left if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"
    ]
    parent = element.get("/P")
    siblings = parent.get("/K") if isinstance(parent, pikepdf.Dictionary) else None
    if len(annotations) < len(left) or not isinstance(siblings, pikepdf.Array):
        return  # it still has content of its own
    if annotations and parent.get("/S") != "/Link":
        return
    at = next(
        i
        for i, kid in enumerate(siblings)
        if isinstance(kid, pikepdf.Dictionary) and kid.objgen == element.objgen
    )
    parent.K = pikepdf.Array([*siblings[:at], *annotations, *siblings[at + 1 :]])
    keys = {int(nums[i]): i + 1 for i in range(0, len(nums), 2)}
    for reference in annotations:
        key = reference.Obj.get("/StructParent")
        if key is not None and int(key) in keys:
            nums[keys[int(key)]] = parent


def section_lengths(document) -> list[tuple[str, float]]:
    """(title, length in pages) of each top-level section, from the bookmarks."""
    tree = document.make_bookmark_tree()
    top = tree[0][2] if len(tree) == 1 else tree  # sections sit under the one h1
    height = document.pages[0].height if document.pages else 1
    starts = [(label, page + y / height) for label, (page, _x, y), *_ in top]
    if not starts:
        return []
    ends = [start for _, start in starts[1:]]  # the last section's end is not known
    return [(label, end - start) for (label, start), end in zip(starts, ends, strict=False)]


def quiet_weasyprint() -> None:
    """Keep WeasyPrint's progress and CSS notes out of the user's terminal.

    write_pdf catches what WeasyPrint logs while it draws whether or not this
    was called; this keeps quiet whatever is logged outside it, and fontTools.
    """
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
