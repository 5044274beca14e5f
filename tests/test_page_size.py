"""The page size is one token (`size: A4` or `size: letter` in
templates/css/00-tokens.css): on letter paper every page is 612 x 792 pt, the
full-page cover fills the page, and its foot and the running footer keep the
margins they have on A4."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from advocacy.cli import main
from conftest import ROOT, write_project

PAPER = (
    "type: position-paper\ntitle: A test position\nshort_title: Position\n"
    "authors:\n  - name: Test Network\ndate: 2024-03\naudience: Officials\n"
    "subject: Testing\nkeywords: [test]\nkey_messages:\n  - One message.\n"
    "main_recommendation: Protect the urban poor.\nbackground: The framework.\n"
    "position: Our position.\nexclusions: [urban-poor]\ninitiatives: [cooperatives]\n"
    "recommendations: [protect]\n"
)
PRIMARY = (0x0B / 255, 0x55 / 255, 0x63 / 255)  # --colour-primary, the cover band


def lines(page) -> list[tuple[float, str]]:
    """(bottom in pt from the top of the page, text) of each line of text on page."""
    found = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            found.append((line["bbox"][3], "".join(span["text"] for span in line["spans"])))
    return sorted(found)


def lowest(page) -> tuple[float, set[str]]:
    """The bottom of the lowest line of text on page, and the texts that end there."""
    found = lines(page)
    bottom = found[-1][0]
    return bottom, {text for end, text in found if abs(end - bottom) < 0.5}


def layout(path: Path) -> dict:
    """What the test compares: page sizes, the cover band, and how far the
    lowest text of the cover and of page 2 stands from the page's bottom edge."""
    with pymupdf.open(path) as pdf:
        cover, inside = pdf[0], pdf[1]
        band = [
            d["rect"]
            for d in cover.get_drawings()
            if d.get("fill")
            and all(abs(a - b) < 0.01 for a, b in zip(d["fill"], PRIMARY, strict=True))
        ]
        foot_bottom, foot = lowest(cover)
        footer_bottom, footer = lowest(inside)
        return {
            "sizes": {(round(p.mediabox.width, 1), round(p.mediabox.height, 1)) for p in pdf},
            "height": cover.rect.height,
            "width": cover.rect.width,
            "band": max(band, key=lambda r: r.width * r.height),
            "foot": (cover.rect.height - foot_bottom, foot),
            "footer": (inside.rect.height - footer_bottom, footer),
        }


@pytest.fixture(scope="module")
def a4(tmp_path_factory) -> dict:
    """The position paper of a small project, on the house A4."""
    project = write_project(tmp_path_factory.mktemp("a4"), {"content/documents/paper.yaml": PAPER})
    assert main(["--root", str(project), "build", "paper"]) == 0
    return layout(project / "build" / "paper.pdf")


@pytest.fixture
def letter(make_project) -> dict:
    tokens = (ROOT / "templates" / "css" / "00-tokens.css").read_text(encoding="utf-8")
    assert tokens.count("size: A4;") == 1
    project = make_project(
        {
            "templates/css/00-tokens.css": tokens.replace("size: A4;", "size: letter;"),
            "content/documents/paper.yaml": PAPER,
        }
    )
    assert main(["--root", str(project), "build", "paper"]) == 0
    return layout(project / "build" / "paper.pdf")


def test_a4_is_the_default_and_its_cover_foot_stands_clear_of_the_edge(a4):
    assert a4["sizes"] == {(595.3, 841.9)}
    assert any("Test Network" in text for text in a4["foot"][1])
    assert a4["foot"][0] > 45  # 18 mm below the foot's rule, less the descenders
    assert "2" in {text.strip() for text in a4["footer"][1]}  # a plain folio


def test_letter_pages_are_letter_and_the_cover_fills_them(letter):
    assert letter["sizes"] == {(612.0, 792.0)}
    band = letter["band"]
    assert (band.x0, band.y0, band.x1) == (0, 0, letter["width"])  # full bleed at the top
    assert any("Test Network" in text for text in letter["foot"][1])
    assert "2" in {text.strip() for text in letter["footer"][1]}


def test_on_letter_the_cover_foot_and_the_footer_keep_their_a4_margins(a4, letter):
    # before the cover followed the page size, its foot stood 1.5 pt from a letter page's edge
    assert letter["foot"][0] >= a4["foot"][0] - 0.1
    assert letter["foot"][0] == pytest.approx(a4["foot"][0], abs=0.5)
    assert letter["footer"][0] >= a4["footer"][0] - 0.1
    # the band is as tall as on A4: the cover's extra height on A4 is white space
    assert letter["band"].height == pytest.approx(a4["band"].height, abs=0.5)
