"""Bibliography in, citations out: find [@keys] in prose, format them with CSL.

The .bib file is read with bibtexparser to know its keys and report problems
at their lines; formatting is done by pandoc's citeproc, once per document,
for every citation cluster of that document together.
"""

from __future__ import annotations

import logging
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser

from advocacy.errors import Problem

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


@dataclass
class Bibliography:
    """The keys of a .bib file and where each entry starts."""

    path: Path
    shown: str
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def keys(self) -> set[str]:
        return set(self.lines)


def read_bibliography(path: Path, shown: str) -> tuple[Bibliography, list[Problem]]:
    """Parse a .bib file; report duplicate keys and blocks that fail to parse."""
    bib = Bibliography(path, shown)
    if not path.is_file():
        return bib, [Problem(shown, 1, 1, "bibliography not found; add a .bib file here")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return bib, [Problem(shown, line, 1, "the file is not UTF-8; save it as UTF-8")]
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # we report failures
    library = bibtexparser.parse_string(text)
    for entry in library.entries:
        bib.lines.setdefault(entry.key, (entry.start_line or 0) + 1)
    problems = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        key = getattr(block, "key", None) or _key_in(getattr(block, "raw", "") or "")
        if type(block).__name__ == "DuplicateBlockKeyBlock":
            first = bib.lines.get(key, "?")
            message = f"duplicate key '{key}' (first on line {first}); keep one"
        else:
            what = f"entry '{key}'" if key else "this entry"
            error = getattr(block, "error", None)
            reason = getattr(error, "abort_reason", None) or str(error) or "syntax error"
            message = f"{what} cannot be read: {_plain(reason)}; check its braces and commas"
        problems.append(Problem(shown, line, 1, message))
    return bib, problems


def _key_in(raw: str) -> str | None:
    match = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]+)\s*,", raw)
    return match.group(1) if match else None


def _plain(reason: str) -> str:
    """bibtexparser's reason, without its own line numbers and backticks."""
    return reason.strip().replace("`", "'").rstrip(":. ")


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


def cluster_for(keys: list[str]) -> str:
    return "[" + "; ".join(f"@{key}" for key in keys) + "]"


class Citer:
    """Collects a document's citation clusters, then formats them in one call."""

    def __init__(self) -> None:
        self.clusters: list[str] = []

    def replace(self, text: str) -> str:
        """Return text with each citation replaced by a placeholder."""
        found = clusters_in(text)
        for offset, cluster, _keys in reversed(found):
            token = PLACEHOLDER.format(f"c{self._add(cluster)}")
            text = text[:offset] + token + text[offset + len(cluster) :]
        return text

    def _add(self, cluster: str) -> int:
        self.clusters.append(cluster)
        return len(self.clusters) - 1

    def format(self, bibliography: Path, style: Path | None, lang: str) -> dict[str, str]:
        """Format every cluster and the reference list: {'c0': html, 'refs': html}."""
        if not self.clusters:
            return {REFERENCES: ""}
        lines = [f"CITE{i}: {cluster}\n" for i, cluster in enumerate(self.clusters)]
        source = "\n".join(lines) + "\n::: {#refs}\n:::\n"
        html = run_pandoc(source, bibliography, style, lang)
        return split_pandoc_output(html, len(self.clusters))


def run_pandoc(source: str, bibliography: Path, style: Path | None, lang: str) -> str:
    import pypandoc  # deferred: finding the binary costs time on every start

    args = [
        pypandoc.get_pandoc_path(),
        "--from=markdown-raw_html-raw_attribute-tex_math_dollars",
        "--to=html5",
        "--citeproc",
        "--wrap=none",
        f"--bibliography={bibliography}",
        "--metadata=link-citations=true",
        f"--metadata=lang={lang}",
    ]
    if style is not None:
        args.append(f"--csl={style}")
    done = subprocess.run(args, input=source, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pandoc failed: {done.stderr.strip()}")
    return done.stdout


def split_pandoc_output(html: str, count: int) -> dict[str, str]:
    result: dict[str, str] = {}
    for match in re.finditer(r"<p>CITE(\d+): (.*?)</p>", html, re.DOTALL):
        result[f"c{match.group(1)}"] = match.group(2)
    refs = re.search(r'<div id="refs".*', html, re.DOTALL)
    result[REFERENCES] = refs.group(0) if refs else ""
    missing = [i for i in range(count) if f"c{i}" not in result]
    if missing:
        raise RuntimeError(f"pandoc returned no text for citation {missing[0]}")
    return result
