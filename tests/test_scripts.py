"""Other scripts in charts: a label in Thai, Khmer or Hindi is shaped like the
page's text and copies back out of the PDF exactly, with nothing printed."""

from __future__ import annotations

import subprocess
import unicodedata

import pytest

from advocacy.cli import main

SHEET = (
    "type: fact-sheet\ntitle: Members\nshort_title: Members\n"
    "authors:\n  - name: Test Network\ndate: 2024-03\naudience: Officials\n"
    "subject: Testing\nkeywords: [test]\nkey_messages:\n  - Membership tripled.\n"
    "figures: [members]\nrecommendations: [protect]\n"
)
LABELS = {
    "thai": ["คาบสมุทร", "ภาคเหนือ"],
    "khmer": ["សហគមន៍", "ខេត្ត"],
    "devanagari": ["सहकारी", "मिलनी"],
}


@pytest.mark.parametrize("script", list(LABELS))
def test_a_chart_label_in_another_script_copies_back_exactly(make_project, capsys, script):
    first, second = LABELS[script]
    figure = (
        "title: Members by region\nchart: bar\nalt: Members in two regions.\n"
        f"categories: [{first}, {second}]\nseries:\n  - name: Members\n    values: [10, 30]\n"
        "sources: [ostrom1990commons]\n"
    )
    project = make_project(
        {"content/figures/members.yaml": figure, "content/documents/sheet.yaml": SHEET}
    )
    assert main(["--root", str(project), "--strict", "build", "sheet"]) == 0
    assert capsys.readouterr().err == ""
    done = subprocess.run(
        ["pdftotext", str(project / "build" / "sheet.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [unicodedata.normalize("NFC", line.strip()) for line in done.stdout.splitlines()]
    assert first in lines and second in lines


def test_a_character_no_font_covers_is_an_error_at_its_first_use(make_project, capsys):
    """Vithkuqi (Unicode 14) is in no font Debian 12 ships: no empty box reaches a PDF."""
    statement = "statement: |\n  The urban poor [@ostrom1990commons],\n  written \U00010570 and \U00010570.\n"
    project = make_project(
        {
            "content/exclusions/urban-poor.yaml": (
                "name: The urban poor\ncommunity: Urban poor\n" + statement
            )
        }
    )
    assert main(["--root", str(project), "build"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "content/exclusions/urban-poor.yaml:5:11: error: statement: no font can draw '\U00010570' "
        "(U+10570 VITHKUQI CAPITAL LETTER A, Vithkuqi); tried the house fonts in templates/fonts "
        "and every font installed (fc-list); install a font that covers it, or remove the "
        "character",
        "1 error in 1 file; nothing was built.",
    ]
    assert not (project / "build").exists()


URDU = (
    "تمام انسان آزاد اور حقوق و عزت کے اعتبار سے برابر پیدا ہوئے ہیں۔ انہیں ضمیر اور عقل "
    "ودیعت ہوئی ہے۔ اس لئے انہیں ایک دوسرے کے ساتھ بھائی چارے کا سلوک کرنا چاہئے۔"
)  # UDHR Article 1, as in tests/scripts/ur.txt


def test_a_paragraph_in_a_right_to_left_script_is_set_right_to_left(make_project, capsys):
    from advocacy.citations import Citer
    from advocacy.prose import ProseRenderer

    prose = ProseRenderer(Citer())
    assert prose.block(f"{URDU}\n\nEnglish, then اردو.") == (
        f'<p dir="rtl">{URDU}</p>\n<p>English, then اردو.</p>'
    )
    assert prose.inline(URDU) == f'<span dir="rtl">{URDU}</span>'
    assert (
        prose.block(f"- {URDU}\n- two") == f'<ul>\n<li dir="rtl">{URDU}</li>\n<li>two</li>\n</ul>'
    )
    record = (
        "name: The urban poor\ncommunity: Urban poor\nstatement: The **urban poor**.\n"
        f'evidence: |\n  <span lang="ur">{URDU}</span> [@ostrom1990commons]\n'
    )
    project = make_project({"content/exclusions/urban-poor.yaml": record})
    assert main(["--root", str(project), "--strict", "build"]) == 0
    capsys.readouterr()
    words = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", str(project / "build/brief.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/1999/xhtml}"
    lines = [
        (float(line.get("xMin")), float(line.get("xMax")), " ".join(w.text for w in line))
        for line in ET.fromstring(words).iter(f"{ns}line")
    ]
    urdu = [(x0, x1) for x0, x1, text in lines if any("\u0600" <= c <= "\u06ff" for c in text)]
    assert len(urdu) >= 2, lines
    right_edges = {round(x1) for _x0, x1 in urdu}
    assert max(right_edges) - min(right_edges) <= 2, urdu  # every line ends at the right
    assert urdu[-1][0] > min(x0 for x0, _ in urdu) + 10, urdu  # the last, short, starts further in
