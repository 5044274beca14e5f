"""Editions: a document in each language it names, from NAME.LANG.yaml translations
beside its records, each field stamped with the source it was made from, so that
`advocacy translations` and `check` say what is translated, missing and stale."""

from __future__ import annotations

import json
import re

import pikepdf
import pytest
import tinyhtml5

from advocacy.cli import main
from advocacy.labels import Labels, extract
from advocacy.schema import PartialDate
from conftest import MINIMAL, ROOT, html_text, pdf_text

BRIEF = MINIMAL["content/documents/brief.yaml"] + "editions: [en, ms]\nstatus: draft\n"
TRANSLATIONS = {
    "content/documents/brief.ms.yaml": (
        "# Unofficial translation, for the tests.\n"
        "title: Taklimat ujian\n"
        "short_title: Ujian\n"
        "audience: Pegawai\n"
        "subject: Pengujian\n"
        "keywords: [ujian]\n"
        "key_messages:\n"
        "  - Satu mesej.\n"
        "introduction: Isunya.\n"
    ),
    "content/exclusions/urban-poor.ms.yaml": (
        "name: Golongan miskin bandar\n"
        "community: Miskin bandar\n"
        "statement: >\n"
        "  **Golongan miskin bandar** [@ostrom1990commons].\n"
    ),
    "content/initiatives/cooperatives.ms.yaml": "name: Koperasi\nstatement: Koperasi.\n",
    "content/recommendations/protect.ms.yaml": (
        "title: Lindungi\naction: Lindungi golongan miskin bandar.\n"
    ),
}
# English words of the templates that a Malay edition must not print.
ENGLISH_LABELS = ["Key messages", "Recommendations", "References", "How to cite", "Licence"]


def parse(path):
    """An HTML file as an ElementTree, parsed as a browser would (WeasyPrint's parser)."""
    return tinyhtml5.parse(path.read_text(encoding="utf-8"), namespace_html_elements=False)


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def edited(make_project, capsys):
    """A project whose brief has a Malay edition, every translation stamped."""
    root = make_project({"content/documents/brief.yaml": BRIEF, **TRANSLATIONS})
    for name in TRANSLATIONS:
        status, out, err = run(capsys, "--root", str(root), "translations", "--stamp", name)
        assert (status, err) == (0, ""), err
        assert out.startswith(f"stamped {name}: ")
    return root


def test_stamping_records_a_hash_of_each_source_field_and_keeps_the_rest(edited):
    text = (edited / "content/exclusions/urban-poor.ms.yaml").read_text(encoding="utf-8")
    head, _, block = text.partition("translated_from:\n")
    assert head == TRANSLATIONS["content/exclusions/urban-poor.ms.yaml"]
    assert re.fullmatch(r"(  (name|community|statement): [0-9a-f]{12}\n){3}", block), block


def test_translations_lists_every_field_of_every_record_the_edition_prints(edited, capsys):
    status, out, err = run(capsys, "--root", str(edited), "translations")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "brief.ms: Malay (ms), draft: 14 translated, 0 missing, 0 stale"
    assert "  content/documents/brief.ms.yaml:2:1: info: title: translated" in lines
    assert "  content/exclusions/urban-poor.ms.yaml:3:1: info: statement: translated" in lines
    assert len(lines) == 15


def test_a_source_edited_after_its_translation_makes_it_stale(edited, capsys):
    source = edited / "content/exclusions/urban-poor.yaml"
    source.write_text(
        source.read_text(encoding="utf-8").replace("The **urban poor**", "The **city poor**"),
        encoding="utf-8",
    )
    warning = (
        "content/exclusions/urban-poor.ms.yaml:3:1: warning: statement: stale translation: "
        "the source (content/exclusions/urban-poor.yaml:3) changed after it was translated; "
        "bring it up to date, then run 'advocacy translations --stamp "
        "content/exclusions/urban-poor.ms.yaml statement'"
    )
    status, out, err = run(capsys, "--root", str(edited), "translations")
    assert status == 0 and err == ""
    assert out.splitlines()[0] == "brief.ms: Malay (ms), draft: 13 translated, 0 missing, 1 stale"
    assert f"  {warning}" in out.splitlines()
    status, out, err = run(capsys, "--root", str(edited), "check")
    assert status == 0
    assert err == warning + "\n"
    assert out == "content is valid: 4 records, 1 reference, 4 translations, 1 warning\n"


def test_a_draft_edition_prints_stale_and_missing_text_in_the_source_language(edited, capsys):
    source = edited / "content/exclusions/urban-poor.yaml"
    source.write_text(
        source.read_text(encoding="utf-8").replace("The **urban poor**", "The **city poor**"),
        encoding="utf-8",
    )
    (edited / "content/initiatives/cooperatives.ms.yaml").unlink()
    status, _out, err = run(capsys, "--root", str(edited), "build", "--html-only")
    assert status == 0
    assert (
        "content/initiatives/cooperatives.yaml:1:1: warning: no Malay (ms) translation of "
        "cooperatives for the brief.ms edition; write content/initiatives/cooperatives.ms.yaml "
        "(advocacy translations --new brief ms writes it)"
    ) in err.splitlines()
    page = parse(edited / "build/brief.ms.html")
    assert page.get("lang") == "ms"
    english = {text_of(e) for e in page.iterfind('.//*[@lang="en"]')}
    assert "The city poor (Ostrom 1990)." in english
    assert "Cooperatives" in english
    assert "Golongan miskin bandar (Ostrom 1990)" not in text_of(page)  # stale: not used
    assert "Koperasi" not in text_of(page)
    assert "Golongan miskin bandar" in text_of(page)  # its name is current, and used


def test_a_final_edition_with_a_missing_translation_is_an_error(edited, capsys):
    path = edited / "content/documents/brief.ms.yaml"
    path.write_text("status: final\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    (edited / "content/recommendations/protect.ms.yaml").unlink()
    before = sorted(p.name for p in (edited).rglob("*"))
    status, out, err = run(capsys, "--root", str(edited), "build", "--html-only")
    assert status == 1 and out == ""
    assert err == (
        "content/recommendations/protect.yaml:1:1: error: no Malay (ms) translation of protect "
        "for the brief.ms edition; write content/recommendations/protect.ms.yaml "
        "(advocacy translations --new brief ms writes it)\n"
        "1 error in 1 file; nothing was built.\n"
    )
    assert sorted(p.name for p in (edited).rglob("*")) == before
    status, out, _ = run(capsys, "--root", str(edited), "translations")
    assert status == 1
    assert out.splitlines()[0] == "brief.ms: Malay (ms), final: 12 translated, 2 missing, 0 stale"


def test_the_edition_is_built_beside_the_source_and_the_index_links_both(edited, capsys):
    status, out, err = run(capsys, "--root", str(edited), "--strict", "build", "--html-only")
    assert (status, err) == (0, "")
    assert out == ("built build/brief.html\nbuilt build/brief.ms.html\nbuilt build/index.html\n")
    build = edited / "build"
    page = parse(build / "brief.ms.html")
    assert page.get("lang") == "ms"
    assert text_of(page.find(".//title")) == "Taklimat ujian"
    (alternate,) = page.iterfind('.//link[@rel="alternate"]')
    assert (alternate.get("hreflang"), alternate.get("href")) == ("en", "brief.html")
    text = html_text(build / "brief.ms.html")
    assert "Terjemahan tidak rasmi daripada teks asal dalam bahasa Inggeris" in text
    assert not [label for label in ENGLISH_LABELS if label in text]
    assert [text_of(e) for e in page.iterfind('.//body//*[@lang="en"]')] == []
    (alternate,) = parse(build / "brief.html").iterfind('.//link[@rel="alternate"]')
    assert (alternate.get("hreflang"), alternate.get("href")) == ("ms", "brief.ms.html")
    trace = json.loads((build / "brief.ms.evidence.json").read_text(encoding="utf-8"))
    assert trace["document"]["title"] == "Taklimat ujian"
    (group,) = parse(build / "index.html").iterfind('.//tbody[@class="document"]')
    links = [(a.get("href"), a.get("hreflang")) for a in group.iterfind(".//th/a")]
    assert links == [("brief.html", "en"), ("brief.ms.html", "ms")]
    assert "Melayu" in text_of(group)


def test_one_edition_can_be_built_alone(edited, capsys):
    status, out, err = run(capsys, "--root", str(edited), "build", "--html-only", "brief.ms")
    assert (status, err) == (0, "")
    assert out == "built build/brief.ms.html\nbuilt build/index.html\n"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "content/exclusions/urban-poor.ms.yaml",
            "name: Golongan miskin bandar\nreaches: [urban-poor]\n",
            "content/exclusions/urban-poor.ms.yaml:2:1: error: unknown field 'reaches'; a "
            "translation of urban-poor takes 'name', 'community', 'statement', 'evidence', "
            "'translated_from'",
        ),
        (
            "content/initiatives/cooperatives.ms.yaml",
            "name: Koperasi\nreaches: [urban-poor]\n",
            "content/initiatives/cooperatives.ms.yaml:2:1: error: 'reaches' is not translated: "
            "links, dates, numbers and choices are shared by every edition; remove it from the "
            "translation",
        ),
        (
            "content/documents/brief.ms.yaml",
            "key_messages:\n  - Satu.\n  - Dua.\n",
            "content/documents/brief.ms.yaml:1:1: error: key_messages: 2 items for the 1 of the "
            "source; translate each item, in the same order",
        ),
        (
            "content/exclusions/rural-poor.ms.yaml",
            "name: Golongan miskin luar bandar\n",
            "content/exclusions/rural-poor.ms.yaml:1:1: error: a translation of 'rural-poor', "
            "but there is no exclusion 'rural-poor' (did you mean 'urban-poor'?); name it after "
            "the file it translates",
        ),
        (
            "content/exclusions/urban-poor.malay.yaml",
            "name: Golongan miskin bandar\n",
            "content/exclusions/urban-poor.malay.yaml:1:1: error: file name "
            "'urban-poor.malay.yaml': 'malay' is not a language tag; a translation is named "
            "NAME.LANG.yaml, such as urban-poor.ms.yaml",
        ),
        (
            "content/documents/brief.yaml",
            BRIEF.replace("editions: [en, ms]", "editions: [ms, en]"),
            "content/documents/brief.yaml:16:11: error: editions: the first edition is the "
            "source, 'en' (the document's language); write [en, ms]",
        ),
        (
            "content/exclusions/urban-poor.ms.yaml",
            "name: Golongan miskin bandar\ntranslated_from:\n  name: abc\n",
            "content/exclusions/urban-poor.ms.yaml:3:9: error: translated_from.name: 'abc' is "
            "not a source hash; let 'advocacy translations --stamp "
            "content/exclusions/urban-poor.ms.yaml' write it",
        ),
    ],
)
def test_a_wrong_translation_is_a_located_error(make_project, capsys, name, text, message):
    root = make_project({"content/documents/brief.yaml": BRIEF, name: text})
    status, out, err = run(capsys, "--root", str(root), "check")
    assert status == 1 and out == ""
    assert message in err.splitlines(), err


def test_new_writes_a_file_to_fill_in_for_each_record_the_edition_prints(make_project, capsys):
    root = make_project({"content/documents/brief.yaml": BRIEF})
    status, out, err = run(capsys, "--root", str(root), "translations", "--new", "brief", "ms")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "wrote content/documents/brief.ms.yaml",
        "wrote content/exclusions/urban-poor.ms.yaml",
        "wrote content/initiatives/cooperatives.ms.yaml",
        "wrote content/recommendations/protect.ms.yaml",
        "4 translations to fill in for brief.ms",
    ]
    written = (root / "content/exclusions/urban-poor.ms.yaml").read_text(encoding="utf-8")
    assert written.endswith('statement: "The **urban poor** [@ostrom1990commons]."\n')
    status, out, _ = run(capsys, "--root", str(root), "translations")
    assert out.splitlines()[0] == "brief.ms: Malay (ms), draft: 0 translated, 0 missing, 14 stale"
    assert (
        "  content/exclusions/urban-poor.ms.yaml:4:1: warning: name: stale translation: no "
        "record of the source text it was translated from; bring it up to date, then run "
        "'advocacy translations --stamp content/exclusions/urban-poor.ms.yaml name'"
    ) in out.splitlines()
    status, _, err = run(capsys, "--root", str(root), "translations", "--new", "brief", "th")
    assert status == 2
    assert err == (
        "advocacy: error: brief has no 'th' edition; add it to its editions "
        "(editions: [en, ms, th]) first\n"
    )


@pytest.mark.default_content
def test_the_default_content_has_a_malay_edition_of_the_brief(built):
    pdf = built / "policy-brief.ms.pdf"
    with pikepdf.open(pdf) as document:
        assert str(document.Root.Lang) == "ms"
    text = pdf_text(pdf)
    before, _, rest = text.partition(" Rujukan ")  # the reference list quotes English titles
    _, _, after = rest.partition(" Mengenai dokumen ini ")
    assert after, "the references and the back page are where they should be"
    malay = Labels.load(ROOT / "templates", "ms")
    english = [
        max(re.split(r"%\(\w+\)s", message.id), key=len).strip()  # its longest plain part
        for message in extract(ROOT / "templates")
        if message.id and malay.text(message.id) != message.id
    ]
    english = [label for label in english if len(label) > 3]  # "No." is in titles too
    assert len(english) > 70
    assert [label for label in english if label in before or label in after] == []
    assert "Mesej utama" in text and "Taklimat dasar · " in text
    assert Labels("ms").date(PartialDate.parse("2026-11")) in text
    assert "Terjemahan tidak rasmi daripada teks asal dalam bahasa Inggeris" in text
    assert "Taklimat dasar · November 2026" in text  # CLDR's Malay; the months match here
    index = parse(built / "index.html")
    hreflangs = {a.get("href"): a.get("hreflang") for a in index.iterfind(".//a[@hreflang]")}
    assert hreflangs["policy-brief.pdf"] == "en"
    assert hreflangs["policy-brief.ms.pdf"] == "ms"
    assert hreflangs["policy-brief.ms.html"] == "ms"


def test_what_the_organisation_says_of_itself_is_translated_in_project_lang(edited, capsys):
    (edited / "content/project.yaml").write_text(
        MINIMAL["content/project.yaml"] + "  about: A network of networks.\n", encoding="utf-8"
    )
    status, out, _ = run(capsys, "--root", str(edited), "translations")
    assert (
        "  content/project.yaml:1:1: warning: no Malay (ms) translation of project for the "
        "brief.ms edition; write content/project.ms.yaml (advocacy translations --new brief ms "
        "writes it)"
    ) in out.splitlines()
    (edited / "content/project.ms.yaml").write_text(
        "about: Rangkaian kepada rangkaian.\n", encoding="utf-8"
    )
    assert main(["--root", str(edited), "translations", "--stamp", "content/project.ms.yaml"]) == 0
    status, out, err = run(capsys, "--root", str(edited), "--strict", "build", "--html-only")
    assert (status, err) == (0, "")
    assert "Rangkaian kepada rangkaian." in html_text(edited / "build/brief.ms.html")
    assert "A network of networks." in html_text(edited / "build/brief.html")
