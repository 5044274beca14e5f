"""The Word files: read with python-docx, as the people who answer in Word get them."""

from __future__ import annotations

import itertools
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from advocacy.build import build
from advocacy.config import Paths
from advocacy.docx import word_language

ROOT = Path(__file__).resolve().parent.parent
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"

pytestmark = pytest.mark.default_content


@pytest.fixture(scope="module")
def words(tmp_path_factory) -> Path:
    """build/ with the Word files of the default content (no PDFs: not what is read here)."""
    out = tmp_path_factory.mktemp("docx")
    build(Paths.at(ROOT, build=out), pdf=False, docx=True)
    return out


def styled(document, prefix: str) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(prefix)]


def test_the_title_paragraph_is_in_the_title_style(words):
    brief = docx.Document(str(words / "policy-brief.docx"))
    assert styled(brief, "Title") == [("Title", "Including the excluded")]
    assert styled(brief, "Subtitle")[0][1].startswith("How governments can work with Asia")
    assert brief.core_properties.title == "Including the excluded"
    assert brief.core_properties.language == "en"


def test_the_cover_band_holds_the_wordmark_series_date_and_status_above_the_title(words):
    """As on the PDF's cover: one band of the primary colour, from the wordmark
    down to the subtitle, each of its paragraphs shaded and bordered alike."""
    brief = docx.Document(str(words / "policy-brief.docx"))
    cover = [(p.style.name, p.text) for p in brief.paragraphs[:6]]
    assert cover == [
        ("Cover Wordmark", "ASEC"),
        ("Cover Band", "ASEC Policy Brief No. 1"),
        ("Cover Band", "November 2026"),
        ("Cover Band Status", "Draft for discussion"),
        ("Title", "Including the excluded"),
        ("Subtitle", cover[5][1]),
    ]
    bands = set()
    for name in dict.fromkeys(style for style, _text in cover):
        properties = brief.styles[name].element.pPr
        fill = properties.find(qn("w:shd")).get(qn("w:fill"))
        edges = properties.find(qn("w:pBdr"))
        bands.add((fill, tuple((e.tag, tuple(sorted(e.attrib.items()))) for e in edges)))
    assert len(bands) == 1 and next(iter(bands))[0] == "0b5563"  # --colour-primary


def test_headings_are_heading_1_and_2_in_order(words):
    paper = docx.Document(str(words / "position-paper.docx"))
    levels = [int(name[-1]) for name, _ in styled(paper, "Heading")]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels  # none skipped
    texts = [text for _, text in styled(paper, "Heading 1")]
    assert "Our position in brief" in texts and "References" in texts


def test_the_actor_table_is_a_word_table_with_a_header_row(words):
    paper = docx.Document(str(words / "position-paper.docx"))
    table = paper.tables[0]
    header = table.rows[0]._tr.trPr
    assert header is not None and header.find(qn("w:tblHeader")) is not None
    first = [cell.text for cell in table.rows[0].cells]
    assert len(first) >= 2 and all(first)
    assert len(table.rows) > 2


def test_every_run_carries_the_documents_language(words):
    for name, tag in (("policy-brief", "en-US"), ("policy-brief.ms", "ms-MY")):
        body = docx.Document(str(words / f"{name}.docx")).element.body
        runs = list(body.iter(qn("w:r")))
        assert runs
        languages = [r.find(qn("w:rPr")).find(qn("w:lang")) for r in runs]
        assert all(lang is not None for lang in languages)
        assert {lang.get(qn("w:val")) for lang in languages} == {tag}


def test_word_language_puts_each_script_in_its_slot():
    assert word_language("th") == {"val": "th-TH", "bidi": "th-TH"}
    assert word_language("zh-Hans") == {"val": "zh-CN", "eastAsia": "zh-CN"}
    assert word_language("en-GB") == {"val": "en-GB"}


def test_figures_are_images_with_alt_text(words):
    report = docx.Document(str(words / "synthesis-report.docx"))
    pictures = list(report.element.body.iter(f"{WP}docPr"))
    assert pictures
    assert all(p.get("descr") for p in pictures)
    assert pictures[0].get("descr").startswith("Bar chart of the people who took the floor")
    with zipfile.ZipFile(words / "synthesis-report.docx") as package:
        media = [n for n in package.namelist() if n.startswith("word/media/")]
    assert any(n.endswith(".png") for n in media), media  # for a Word without SVG


def test_the_house_styles_come_from_the_design_tokens(words):
    brief = docx.Document(str(words / "policy-brief.docx"))
    assert str(brief.styles["Heading 1"].font.color.rgb) == "0B5563"  # --colour-primary
    assert brief.styles["Normal"].font.name == "Noto Sans"
    used = {p.style.name for p in brief.paragraphs}
    assert {"Box", "Bibliography", "Imprint", "Key Messages"} <= used
    messages = [p for p in brief.paragraphs if p.text.startswith("Six groups in Asia")]
    assert [p.style.name for p in messages] == ["Key Messages"]  # a list item in the box


def test_every_prose_field_is_a_bookmark(words):
    body = docx.Document(str(words / "policy-brief.docx")).element.body
    names = [b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))]
    fields = [n for n in names if n.startswith("adv_") and "_c" not in n[-4:]]
    assert len(fields) >= 30
    assert len(names) == len(set(names))  # unique, as Word requires


def test_a_note_style_gives_word_footnotes(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    brief = tmp_path / "content/documents/policy-brief.yaml"
    text = brief.read_text(encoding="utf-8")
    brief.write_text(text + "citation_style: chicago-notes-bibliography\n", encoding="utf-8")
    build(Paths.at(tmp_path), ["policy-brief"], pdf=False, docx=True)
    document = docx.Document(str(tmp_path / "build/policy-brief.docx"))
    references = list(document.element.body.iter(qn("w:footnoteReference")))
    assert len(references) >= 10
    with zipfile.ZipFile(tmp_path / "build/policy-brief.docx") as package:
        notes = package.read("word/footnotes.xml").decode("utf-8")
    assert "Jayasooria" in notes


def test_the_same_content_gives_the_same_bytes(words, tmp_path):
    build(Paths.at(ROOT, build=tmp_path), ["policy-brief"], pdf=False, docx=True)
    assert (tmp_path / "policy-brief.docx").read_bytes() == (
        words / "policy-brief.docx"
    ).read_bytes()


def test_the_index_links_each_word_file(words):
    from lxml import html

    page = html.parse(str(words / "index.html")).getroot()
    links = {a.get("href"): a.get("hreflang") for a in page.iter("a") if a.text == "Word"}
    assert links["policy-brief.docx"] == "en"
    assert links["policy-brief.ms.docx"] == "ms"


def test_a_span_in_another_language_gets_its_slot_and_its_scripts_face():
    from advocacy.docx import W, with_language

    xml = (
        f'<w:document xmlns:w="{W}"><w:body><w:p>'
        "<w:r><w:t>Article 1</w:t></w:r>"
        '<w:r><w:rPr><w:lang w:val="th"/></w:rPr><w:t>มนุษย์ทั้งปวง</w:t></w:r>'
        "</w:p></w:body></w:document>"
    ).encode()
    from lxml import etree

    from advocacy.wordstyles import faces, tokens

    house = tokens([p.read_text() for p in sorted((ROOT / "templates/css").glob("*.css"))])
    runs = etree.fromstring(with_language(xml, "en", lambda tag: faces(house, tag))).iter(
        f"{{{W}}}r"
    )
    english, thai = (run.find(f"{{{W}}}rPr") for run in runs)
    assert english.find(f"{{{W}}}lang").attrib == {f"{{{W}}}val": "en-US"}
    assert thai.find(f"{{{W}}}lang").attrib == {f"{{{W}}}val": "th-TH", f"{{{W}}}bidi": "th-TH"}
    assert thai.find(f"{{{W}}}rFonts").get(f"{{{W}}}cs") == "Noto Sans Thai"


def test_every_property_is_where_word_looks_for_it(words):
    """Word refuses a file whose properties break OOXML's order (LibreOffice does not)."""
    from lxml import etree

    from advocacy.ooxml import PPR, RPR, TBLPR, W

    orders = {"pPr": PPR, "rPr": RPR, "tblPr": TBLPR}
    for name in ("policy-brief.docx", "synthesis-report.docx", "policy-brief.ms.docx"):
        with zipfile.ZipFile(words / name) as package:
            for part in ("word/document.xml", "word/styles.xml", "word/footnotes.xml"):
                root = etree.fromstring(package.read(part))
                for kind, order in orders.items():
                    for properties in root.iter(f"{{{W}}}{kind}"):
                        names = [etree.QName(c).localname for c in properties]
                        known = [order.index(n) for n in names if n in order]
                        assert known == sorted(known), (name, part, kind, names)
