"""Every script of the region, built into PDFs by the project's own pipeline:
each paragraph of tests/scripts/ (Articles 1 and 2 of the Universal
Declaration of Human Rights, in the official translations) is laid out inside
its column, drawn with embedded fonts and no missing glyph, and copies back
out of the PDF exactly as written.

"Exactly" is after NFC and folding runs of whitespace into one space, with a
line end counted as nothing: Thai, Lao, Khmer, Burmese, Chinese and Japanese
lines break between letters, so the PDF itself must hold the space where the
source has one (tagged text does: ISO 32000-1 14.8.2.5).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from advocacy.breaking import ZWSP, word_breaks
from advocacy.cli import main
from conftest import MINIMAL, ROOT

CORPUS = ROOT / "tests" / "scripts"
SCRIPTS = sorted(path.stem for path in CORPUS.glob("*.txt"))
RIGHT_TO_LEFT = {"ur"}
# pypdf reads text through ToUnicode alone, not /ActualText; each glyph's code
# reads as its share of its cluster (advocacy/pdf.py), so reordered, split and
# stacked glyphs read back; right-to-left text it reverses itself, so the
# space at the end of a right-to-left line is drawn at the next line's start.
# poppler (TextOutputDev.cc, reorderText) orders a line with a simplified
# bidi that classes the Arabic comma U+060C as a number: on a page mostly left
# to right, a comma ends the right-to-left run, and the line's pieces between
# commas come out in left-to-right order (its words read back, each in order);
# on a page mostly right to left, each comma is put before the space before it.
PDFTOTEXT_CANNOT = {"ur"}
# A policy brief's records sit in the text column of the grid: A4 less its
# margins (templates/css/00-tokens.css, 22 mm), less the side column and the
# gap beside it (templates/css/30-brief.css, 30 and 5 mm), where the records'
# names stand.
# the marks poppler puts around right-to-left text (RLE, PDF): not the text
EMBEDDINGS = {0x202B: None, 0x202C: None}
MM = 72 / 25.4
PAGE_WIDTH, MARGIN, SIDE, GAP = 595.28, 22 * MM, 30 * MM, 5 * MM
COLUMNS = ((MARGIN + SIDE + GAP, PAGE_WIDTH - MARGIN),)
SLACK = 0.5  # points: pdftotext rounds glyph boxes


def source(script: str) -> str:
    return fold(CORPUS.joinpath(f"{script}.txt").read_text(encoding="utf-8"))


def fold(text: str) -> str:
    """NFC, whitespace runs folded into one space, and a line end read as nothing."""
    text = "".join(unicodedata.normalize("NFC", text).splitlines())
    return re.sub(r"\s+", " ", text).strip()


def exclusion(script: str) -> str:
    """A record whose statement is the script's paragraph, in its language."""
    direction = ' dir="rtl"' if script in RIGHT_TO_LEFT else ""
    paragraph = CORPUS.joinpath(f"{script}.txt").read_text(encoding="utf-8").strip()
    return (
        f"name: Article 1 ({script})\ncommunity: Everyone\n"
        f'statement: |\n  <span lang="{script}"{direction}>{paragraph}</span>\n'
    )


def document(script: str) -> str:
    return (
        f"type: policy-brief\ntitle: Article 1 ({script})\nshort_title: {script}\n"
        "authors:\n  - name: Test Network\ndate: 2024-03\naudience: Officials\n"
        "subject: Testing\nkeywords: [test]\nkey_messages:\n  - One message.\n"
        f"introduction: The issue.\nexclusions: [{name(script)}]\n"
        "initiatives: [cooperatives]\nrecommendations: [protect]\n"
    )


def name(script: str) -> str:
    return f"script-{script.lower()}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """build/ of a project with one brief per script, built once, --strict."""
    project = tmp_path_factory.mktemp("scripts")
    shutil.copytree(ROOT / "templates", project / "templates")
    files = {**MINIMAL, "content/documents/brief.yaml": None}
    for script in SCRIPTS:
        files[f"content/documents/{name(script)}.yaml"] = document(script)
        files[f"content/exclusions/{name(script)}.yaml"] = exclusion(script)
    for path, text in files.items():
        if text is not None:
            (project / path).parent.mkdir(parents=True, exist_ok=True)
            (project / path).write_text(text, encoding="utf-8")
    assert main(["--root", str(project), "--strict", "build"]) == 0
    return project / "build"


def pdftotext(pdf: Path, *options: str) -> str:
    done = subprocess.run(
        ["pdftotext", *options, str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_corpus_has_every_script_of_the_region():
    assert set(SCRIPTS) >= {
        "th", "km", "lo", "my", "hi", "ne", "bn", "ta", "si", "vi", "ur", "zh-Hans", "ja", "ko",
    }  # fmt: skip


def known_failures(cannot: set[str], reason: str) -> list:
    """SCRIPTS, those in cannot marked as failing (strictly: a pass is news)."""
    failing = pytest.mark.xfail(strict=True, reason=reason)
    return [pytest.param(s, marks=failing) if s in cannot else s for s in SCRIPTS]


@pytest.mark.parametrize(
    "script",
    known_failures(PDFTOTEXT_CANNOT, "poppler's bidi takes the Arabic comma for a number"),
)
def test_pdftotext_copies_the_paragraph_back_exactly(built, script):
    """In the content's order (-raw): poppler's reading order joins a line that
    ends in a hyphen to the next and drops the hyphen, as if it were a
    hyphenation, which would take the one out of विचार-प्रणाली. Right-to-left
    text in its reading order: the content holds it in visual order, as PDFs
    do, and -raw gives it so."""
    options = [] if script in RIGHT_TO_LEFT else ["-raw"]
    text = pdftotext(built / f"{name(script)}.pdf", *options).translate(EMBEDDINGS)
    assert ZWSP not in text
    assert source(script) in fold(text)


@pytest.mark.parametrize("script", SCRIPTS)
def test_pypdf_copies_the_paragraph_back_exactly(built, script):
    text = "".join(page.extract_text() for page in PdfReader(built / f"{name(script)}.pdf").pages)
    assert ZWSP not in text
    assert source(script) in fold(text)


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_word_runs_out_of_its_column(built, script):
    """The paragraph's words (those not in ASCII: the rest of the page is
    English) each lie inside the text column, as pdftotext boxes them."""
    layout = ET.fromstring(pdftotext(built / f"{name(script)}.pdf", "-bbox"))
    words = [w for w in layout.iter("{http://www.w3.org/1999/xhtml}word") if w.text]
    tokens = source(script).split()
    if all(token.isascii() for token in tokens):  # English: find the paragraph's run
        texts = [w.text for w in words]
        start = next(i for i in range(len(texts)) if texts[i : i + 4] == tokens[:4])
        theirs = words[start : start + len(tokens)]
    else:  # the script's words: not ASCII, and not the bullets and dots of the page
        theirs = [
            w
            for w in words
            if not w.text.isascii() and any(unicodedata.category(c)[0] in "LMN" for c in w.text)
        ]
    assert len(theirs) >= 3  # several lines
    outside = [
        (w.text, float(w.get("xMin")), float(w.get("xMax")))
        for w in theirs
        if not any(
            left - SLACK <= float(w.get("xMin")) and float(w.get("xMax")) <= right + SLACK
            for left, right in COLUMNS
        )
    ]
    assert outside == []


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_font_is_embedded_and_no_glyph_is_missing(built, script):
    with pikepdf.open(built / f"{name(script)}.pdf") as pdf:
        for page in pdf.pages:
            fonts = page.Resources.Font
            for key in fonts:
                font = fonts[key]
                described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                descriptor = described.FontDescriptor
                assert any(f in descriptor for f in ("/FontFile", "/FontFile2", "/FontFile3"))
            assert 0 not in _glyphs_drawn(page)  # glyph 0 is .notdef


def _glyphs_drawn(page) -> set[int]:
    """Glyph ids of the two-byte strings the page's text operators show."""
    glyphs = set()
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) not in ("Tj", "TJ"):
            continue
        shown = operands[0] if str(operator) == "TJ" else [operands[0]]
        for item in shown:
            if isinstance(item, pikepdf.String):
                data = bytes(item)
                glyphs |= {int.from_bytes(data[i : i + 2]) for i in range(0, len(data), 2)}
    return glyphs


def test_the_html_is_left_for_the_browser_to_break(built):
    html = (built / f"{name('lo')}.html").read_text(encoding="utf-8")
    assert ZWSP not in html
    assert CORPUS.joinpath("lo.txt").read_text(encoding="utf-8").strip() in html


def test_icu_finds_the_words_of_lao_khmer_and_burmese():
    assert word_breaks("ມະນຸດທຸກຄົນ ແລະ") == f"ມະນຸດ{ZWSP}ທຸກຄົນ ແລະ"
    assert word_breaks("មនុស្សទាំងអស់") == f"មនុស្ស{ZWSP}ទាំងអស់"
    assert word_breaks("လူတိုင်းသည်") == f"လူ{ZWSP}တိုင်း{ZWSP}သည်"
    assert word_breaks("All human beings") == "All human beings"


def test_a_glyph_drawn_with_another_text_gets_a_code_that_draws_the_same_glyph(built):
    """A Thai glyph drawn with a text other than that of its first use (a part
    of another cluster) gets a code above the font's glyphs, which the
    /CIDToGIDMap maps back to the glyph, and whose width is the glyph's, or
    wider by the move to the right that followed the glyph in WeasyPrint's TJ
    (which pypdf would read as a space)."""
    with pikepdf.open(built / f"{name('th')}.pdf") as pdf:
        fonts = pdf.pages[0].Resources.Font
        thai = next(fonts[k] for k in fonts if "Thai" in str(fonts[k].BaseFont))
        descendant = thai.DescendantFonts[0]
        table = descendant.CIDToGIDMap.read_bytes()
        glyph_of = [int.from_bytes(table[i : i + 2]) for i in range(0, len(table), 2)]
        widths, w = {}, list(descendant.W)
        while w:
            first, run = int(w.pop(0)), w.pop(0)
            widths.update({first + i: float(x) for i, x in enumerate(run)})
        given = [code for code, glyph in enumerate(glyph_of) if glyph != code]
        assert given
        assert all(glyph_of[glyph_of[code]] == glyph_of[code] for code in given)
        assert all(widths[code] >= widths[glyph_of[code]] for code in given)
        assert any(widths[code] == widths[glyph_of[code]] for code in given)


def test_every_urdu_word_reads_back_in_poppler_s_reading_order(built):
    """What the xfail above leaves: each word, its letters in order, once."""
    text = pdftotext(built / f"{name('ur')}.pdf").translate(EMBEDDINGS)
    words = unicodedata.normalize("NFC", text).replace("،", " ").split()
    arabic = [w for w in words if all("\u0600" <= c <= "\u06ff" for c in w)]
    assert sorted(arabic) == sorted(source("ur").replace("،", " ").split())
