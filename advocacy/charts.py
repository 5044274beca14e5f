"""Figures from data: a figure record's table drawn as SVG with matplotlib.

The same record gives the same bytes (fixed hash salt, no date), and colours
and fonts come from the design tokens in templates/css/00-tokens.css, so a
designer restyles charts where they restyle everything else.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from html import escape
from pathlib import Path

from advocacy import cache, schema

TOKEN = re.compile(r"--(colour-[\w-]+|font-body)\s*:\s*([^;]+);")
FALLBACK = {
    "colour-primary": "#0b5563",
    "colour-accent": "#b34d16",
    "colour-text": "#1d2327",
    "colour-muted": "#55626a",
    "colour-rule": "#c9d3d6",
    "font-body": '"Noto Sans", sans-serif',
}


def tokens(templates: Path) -> dict[str, str]:
    """The design tokens that charts use, read from the designer's CSS."""
    found = dict(FALLBACK)
    css = templates / "css" / "00-tokens.css"
    if css.is_file():
        for name, value in TOKEN.findall(css.read_text(encoding="utf-8")):
            found[name] = value.split("/*")[0].strip()
    return found


# The Noto faces for the region's other scripts, in the order matplotlib tries
# them for a glyph the house font lacks. matplotlib only measures the text (the
# SVG keeps it as text, shaped by the PDF renderer with the same fonts). The
# list is the same on every machine, so the SVG is too; `make` installs them
# (tools/system-deps.sh), and matplotlib's note of a family it lacks is muted.
SCRIPT_FONTS = (
    "Noto Sans Thai", "Noto Sans Khmer", "Noto Sans Lao", "Noto Sans Myanmar",
    "Noto Sans Devanagari", "Noto Sans Bengali", "Noto Sans Tamil", "Noto Sans Sinhala",
    "Noto Naskh Arabic", "Noto Sans CJK SC",
)  # fmt: skip


_DRAWN: dict[tuple, str] = {}  # SVGs drawn in this process, by all they depend on


def draw(
    figure: schema.Figure, templates: Path, number: Callable[[float], str] = "{:g}".format
) -> str:
    """The figure as an SVG document (text kept as text, in the house font); its
    numbers written by number (the document's language: Labels.number).

    A figure drawn before with the same data, tokens and language is not
    drawn again: its SVG is the same (the live preview redraws on every save).
    """
    writer = getattr(number, "__self__", None)  # Labels: its language says how numbers read
    language = getattr(writer, "language", None) if writer is not None else repr(number)
    style = tokens(templates)
    key = (figure.model_dump_json(), json.dumps(style, sort_keys=True), language)
    if key not in _DRAWN:
        if len(_DRAWN) > 256:
            _DRAWN.clear()
        parts = [*key, _drawing_with()]
        recalled = cache.recall("chart", parts)  # drawn by a build before
        if recalled is not None and isinstance(recalled.get("svg"), str):
            _DRAWN[key] = recalled["svg"]
        else:
            _DRAWN[key] = _draw(figure, style, number)
            cache.remember("chart", parts, {"svg": _DRAWN[key]})
    return _DRAWN[key]


FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")


def _drawing_with() -> list:
    """What a chart's SVG depends on besides its figure, tokens and language:
    matplotlib's version, and the fonts it measures text with (the folders
    fonts are installed in: a font added or removed changes its folder's time)."""
    from importlib import metadata

    folders = []
    for top in FONT_FOLDERS:
        for folder, _dirs, _files in os.walk(os.path.expanduser(top)):
            try:
                folders.append((folder, os.stat(folder).st_mtime_ns))
            except OSError:
                folders.append((folder, None))
    return [metadata.version("matplotlib"), sorted(folders)]


def _draw(figure: schema.Figure, style: dict[str, str], number: Callable[[float], str]) -> str:
    # matplotlib keeps a cache of the system's fonts; keep it in the temporary
    # folder, not in the user's home.
    os.environ.setdefault("MPLCONFIGDIR", str(Path(tempfile.gettempdir()) / "advocacy-matplotlib"))
    import matplotlib

    matplotlib.use("svg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

    family = style["font-body"].split(",")[0].strip().strip('"')
    palette = [style["colour-primary"], style["colour-accent"], style["colour-muted"], "#6f9aa3"]
    settings = {
        "svg.hashsalt": "advocacy",
        "svg.fonttype": "none",
        "font.family": [family, *SCRIPT_FONTS, "DejaVu Sans"],
        "font.size": 8.5,  # --size-small; drawn at the size printed (no scaling)
        "text.color": style["colour-text"],
        "axes.edgecolor": style["colour-rule"],
        "axes.labelcolor": style["colour-text"],
        "xtick.color": style["colour-text"],
        "ytick.color": style["colour-muted"],
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with matplotlib.rc_context(settings):
        # 122 mm wide: the text column, so the PDF prints the chart at 100 %
        # and its type at two of the seven sizes (8.5 and 7.5 pt).
        fig, axes = pyplot.subplots(figsize=(4.8, 2.4))
        try:
            _plot(axes, figure, palette, number)
            axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _at: number(value)))
            if figure.unit:
                axes.set_ylabel(figure.unit)
            if len(figure.series) > 1:
                axes.legend(frameon=False, fontsize=7.5)
            fig.tight_layout()
            out = io.StringIO()
            fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            pyplot.close(fig)
    return _trim(out.getvalue(), figure.alt)


def _plot(axes, figure: schema.Figure, palette: list[str], number) -> None:
    positions = list(range(len(figure.categories)))
    if figure.chart == "line":
        for i, series in enumerate(figure.series):
            axes.plot(positions, series.values, marker="o", color=palette[i % 4], label=series.name)
    else:
        count = len(figure.series)
        width = 0.6 if figure.chart == "stacked-bar" else 0.7 / count
        bottom = [0.0] * len(positions)
        for i, series in enumerate(figure.series):
            if figure.chart == "stacked-bar":
                axes.bar(positions, series.values, width, bottom=bottom, color=palette[i % 4],
                         label=series.name)  # fmt: skip
                bottom = [b + v for b, v in zip(bottom, series.values, strict=True)]
            else:
                shifted = [p + (i - (count - 1) / 2) * width for p in positions]
                bars = axes.bar(shifted, series.values, width, color=palette[i % 4],
                                label=series.name)  # fmt: skip
                labels = [number(value) for value in series.values]
                axes.bar_label(bars, labels=labels, padding=2, fontsize=7.5)
    axes.set_xticks(positions, figure.categories)
    axes.grid(axis="y", color="#e3e8ea", linewidth=0.6)
    axes.set_axisbelow(True)


def _trim(svg: str, title: str) -> str:
    """Drop the XML prolog and DOCTYPE so the SVG can sit inside HTML, and give
    it a <title>: WeasyPrint takes a figure's alternative text from there."""
    svg = svg[svg.index("<svg") :]
    start = svg.index(">") + 1
    return svg[:start] + f"<title>{escape(title)}</title>" + svg[start:]
