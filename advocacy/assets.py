"""Images that content names (a logo): checked before anything is built.

An asset is a file under content/assets/, after following symlinks, of an
allowed type and size; an SVG may not hold scripts or references to anything
outside itself.
"""

from __future__ import annotations

import re
from pathlib import Path

from advocacy.content import Source
from advocacy.errors import Problem

MAX_BYTES = 2 * 1024 * 1024
SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".svg": (b"<svg", b"<?xml"),
}
SVG_DANGERS = re.compile(
    r"<script|<foreignObject|\son\w+\s*=|(?:xlink:)?href\s*=\s*[\"'](?!#)"
    r"|url\(\s*[\"']?(?!#)|@import|<!ENTITY",
    re.IGNORECASE,
)


def check_asset(relative: str, assets: Path, source: Source, loc: tuple) -> list[Problem]:
    """Problems with the asset at content/assets/relative, [] when it is fine."""
    path = assets / relative
    where = ".".join(str(part) for part in loc)
    if not path.resolve().is_relative_to(assets.resolve()):
        return [source.problem(loc, f"{where}: '{relative}' leads outside content/assets/")]
    if not path.is_file():
        return [source.problem(loc, f"{where}: no file '{relative}' in content/assets/")]
    size = path.stat().st_size
    if size > MAX_BYTES:
        message = f"{where}: '{relative}' is {size:,} bytes, over the limit of {MAX_BYTES:,}"
        return [source.problem(loc, message)]
    head = path.read_bytes()
    suffix = path.suffix.lower()
    if not head.lstrip().startswith(SIGNATURES[suffix]):
        return [source.problem(loc, f"{where}: '{relative}' is not a {suffix[1:].upper()} file")]
    if suffix == ".svg":
        text = head.decode("utf-8", errors="replace")
        danger = SVG_DANGERS.search(text)
        if danger:
            start = danger.start() + len(danger.group(0)) - len(danger.group(0).lstrip())
            snippet = re.match(r"[^\s>]{0,60}>?", text[start:]).group(0)
            message = (
                f"{where}: '{relative}' holds a script or a reference outside itself "
                f"({snippet}); export a plain SVG"
            )
            return [source.problem(loc, message)]
    return []
