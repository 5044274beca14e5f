"""The printed design, measured on every PDF of the default content: the type
scale, the measure, how full the pages are, the logo, the imprint, and units
that never split across pages (publication-design rules R1-R9)."""

from __future__ import annotations

import collections
import statistics
from pathlib import Path

import pymupdf
import pytest
import tinyhtml5

from advocacy.cli import main
from conftest import MINIMAL, normalise

MM = 72 / 25.4
PDFS = ("policy-brief", "policy-brief.ms", "position-paper", "synthesis-report")


def chars(page):
    """(x0, x1, baseline, size, character) of every character on a page."""
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            for span in line["spans"]:
                for c in span["chars"]:
                    bold = "Bold" in span["font"]
                    yield (
                        c["bbox"][0],
                        c["bbox"][2],
                        c["origin"][1],
                        round(span["size"], 1),
                        c["c"],
                        bold,
                    )


def lines(page):
    """The printed lines of a page, as (size, text): characters on one baseline,
    split where a gap of two ems or more separates columns."""
    rows = collections.defaultdict(list)
    for x0, x1, y, size, c, bold in chars(page):
        rows[round(y)].append((x0, x1, size, c, bold))
    for row in rows.values():
        row.sort()
        segment = [row[0]]
        for c in row[1:]:
            if c[0] - segment[-1][1] > 2 * c[2]:
                yield segment
                segment = []
            segment.append(c)
        yield segment


def measured(segment) -> tuple[float, str]:
    """A line's size and text; the size of a bold line (a heading) is None."""
    text = "".join(c[3] for c in segment).strip()
    sizes = collections.Counter(c[2] for c in segment if c[3].strip())
    bold = sum(c[4] for c in segment if c[3].strip()) > len(text) / 2
    return (None if bold or not sizes else sizes.most_common(1)[0][0]), text


def page_texts(path: Path) -> list[str]:
    with pymupdf.open(path) as pdf:
        return [normalise(page.get_text()) for page in pdf]


@pytest.mark.parametrize("name", PDFS)
@pytest.mark.default_content
def test_at_most_seven_type_sizes(built, name):
    with pymupdf.open(built / f"{name}.pdf") as pdf:
        sizes = {size for page in pdf for *_, size, c, _bold in chars(page) if c.strip()}
    assert len(sizes) <= 7, sorted(sizes)


@pytest.mark.parametrize("name", PDFS)
@pytest.mark.default_content
def test_body_lines_run_55_to_80_characters(built, name):
    """Body text is the regular (not bold) size most characters are set in
    before the references."""
    with pymupdf.open(built / f"{name}.pdf") as pdf:
        texts = [page.get_text() for page in pdf]
        end = next(
            (
                i
                for i, t in enumerate(texts)
                if i > 0 and ("References" in t or "Rujukan" in t) and "Contents" not in t
            ),
            len(texts),
        )
        found = [measured(s) for page in list(pdf)[1:end] for s in lines(page)]
    found = [(size, text) for size, text in found if text and size]
    weight = collections.Counter()
    for size, text in found:
        weight[size] += len(text)
    body = weight.most_common(1)[0][0]
    lengths = [len(text) for size, text in found if size == body]
    assert 55 <= statistics.median(lengths) <= 80, (body, statistics.median(lengths))


def emptiness(page) -> float:
    """The share of the text area under the last text, image or tinted shape."""
    top, bottom = 22 * MM, page.rect.height - 20 * MM
    ends = [b[3] for b in page.get_text("blocks") if top - 1 < b[1] < bottom]
    ends += [
        d["rect"].y1
        for d in page.get_drawings()
        if top - 1 < d["rect"].y0 < bottom
        and d["rect"].height < 0.8 * (bottom - top)
        and d.get("fill") not in (None, (1.0, 1.0, 1.0))
    ]
    if not ends:
        return 1.0
    return 1 - (min(max(ends), bottom) - top) / (bottom - top)


@pytest.mark.parametrize("name", PDFS)
@pytest.mark.default_content
def test_no_page_but_the_cover_and_the_end_is_more_than_40_percent_empty(built, name):
    """The end is the last page, or the last page of text before a back cover."""
    with pymupdf.open(built / f"{name}.pdf") as pdf:
        pages = list(pdf)
        last = len(pages) - 1
        if "INCLUDING" not in pages[last].get_text() and name in (
            "position-paper",
            "synthesis-report",
        ):
            last -= 1  # a back cover: no running head
        empty = {i + 1: round(emptiness(p), 2) for i, p in enumerate(pages[1:last], 1)}
    assert all(share <= 0.40 for share in empty.values()), empty


@pytest.mark.parametrize("name", PDFS)
@pytest.mark.default_content
def test_the_logo_on_page_1_is_at_least_20_mm_wide(built, name):
    """The default content has no logo file: its wordmark, in its frame."""
    with pymupdf.open(built / f"{name}.pdf") as pdf:
        page = pdf[0]
        word = page.search_for("ASEC")[0]
        frames = [
            d["rect"]
            for d in page.get_drawings()
            if d["rect"].contains(word) and d["rect"].width < page.rect.width / 2
        ]
    assert frames, "no frame around the wordmark"
    assert min(f.width for f in frames) / MM >= 20


IMPRINT = {
    "en": [
        "© Asian Solidarity Economy Council 20",
        "This document is published under the CC BY 4.0 licence",
        "The designations employed in this publication",
        "The responsibility for opinions expressed in this publication rests solely with "
        "its authors",
        "How to cite this document",
        "asec-sse.com",
    ],
}


@pytest.mark.parametrize(
    "name, page, series",
    [
        ("policy-brief", -1, ["ASEC Policy Brief No. 1", "Based on"]),
        ("position-paper", 1, ["ASEC Position Paper No. 1", "Based on"]),
        ("synthesis-report", 1, []),
    ],
)
@pytest.mark.default_content
def test_the_imprint_is_on_page_2_or_the_last_page(built, name, page, series):
    """Series number and acknowledgements ('Based on') where the document has them."""
    text = page_texts(built / f"{name}.pdf")[page]
    for element in IMPRINT["en"] + series:
        assert normalise(element) in text, element
    if page == 1:
        assert "Contents" in text


def units(html: Path) -> dict[str, str]:
    """The text of each box, figure and recommendation of an HTML file, by id
    (a figure's text without its chart and data table, which print differently)."""
    tree = tinyhtml5.parse(html.read_text(encoding="utf-8"), namespace_html_elements=False)
    found = {}
    for element in tree.iter():
        classes = set((element.get("class") or "").split())
        if {"box", "figure", "recommendation"} & classes and element.get("id"):
            for drop in element.findall(".//*[@class='chart']") + element.findall(
                ".//table[@class='figure-data']"
            ):
                drop.clear()
            found[element.get("id")] = normalise(" ".join(element.itertext()))
    return found


@pytest.mark.parametrize("name", PDFS)
@pytest.mark.default_content
def test_no_box_figure_or_recommendation_is_split_across_pages(built, name):
    """Compared without spaces, which the PDF and the HTML place differently."""
    pages = ["".join(page.casefold().split()) for page in page_texts(built / f"{name}.pdf")]
    found = units(built / f"{name}.html")
    assert found
    for unit, text in found.items():
        letters = "".join(text.casefold().split())
        head, tail = letters[:25], letters[-20:]
        on = [i for i, page in enumerate(pages) if head in page]
        assert on, f"{unit}: '{head}' not found"
        assert any(tail in pages[i] for i in on), f"{unit} runs over a page: '{tail}'"


@pytest.mark.default_content
def test_the_imprint_order_follows_the_ilo(built):
    text = page_texts(built / "position-paper.pdf")[1]
    order = ["©", "CC BY 4.0", "ASEC Position Paper No. 1", "The designations", "How to cite"]
    at = [text.index(normalise(item)) for item in order]
    assert at == sorted(at)


PARAGRAPH = (
    "Community-based initiatives organise grassroots communities into enterprises they own, "
    "and extend social protection to people that markets and the state leave out. "
) * 4


def _block(text: str) -> str:
    return "|\n" + "".join(f"  {line}\n" for line in text.splitlines())


def test_a_page_left_half_empty_is_a_warning_that_names_why(make_project, capsys):
    """Text fills page 1 and half of page 2; a box too long for the rest of it
    is kept whole and starts page 3."""
    brief = MINIMAL["content/documents/brief.yaml"].replace(
        "introduction: The issue.\n",
        "introduction: " + _block("\n\n".join([PARAGRAPH] * 7)),
    )
    box = "title: A case\ntext: " + _block("\n\n".join([PARAGRAPH] * 6))
    project = make_project(
        {"content/documents/brief.yaml": brief + "boxes: [case]\n", "content/boxes/case.yaml": box}
    )
    assert main(["--root", str(project), "build"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "empty" in line]
    assert warnings == [
        "content/documents/brief.yaml:1:7: warning: brief: page 2 is 49% empty: 'Box 1 A case' "
        "(box-case) is kept whole (break-inside: avoid) and did not fit in the space left; "
        "shorten it or the text before it"
    ]
    assert main(["--root", str(project), "--strict", "build"]) == 1  # and nothing is replaced
