"""Labels from message catalogs, dates from CLDR: a document in Malay prints
no English label, a missing label falls back to English inside lang="en" with
a warning, and the catalogs stay in step with the templates."""

from __future__ import annotations

import re
import shutil

import pikepdf
import pytest
from babel.messages.pofile import read_po

from advocacy.cli import main
from advocacy.labels import Labels, extract
from conftest import MINIMAL, ROOT, html_text, pdf_text, write_project

LOCALE = ROOT / "templates" / "locale"
MALAY_BRIEF = MINIMAL["content/documents/brief.yaml"].replace(
    "date: 2024-03\n", "date: 2024-03-16\nlanguage: ms\nstatus: draft\n"
)
ENGLISH = [
    "Key messages",
    "Who is left out",
    "What works",
    "Recommendations",
    "References",
    "About this document",
    "How to cite this document",
    "Licence",
    "Policy brief",
    "Page 1 of",
    "March",
    "share and adapt",
]
MALAY = [
    "Mesej utama",
    "Isunya",
    "Siapa yang tercicir",
    "Apa yang berkesan: inisiatif rakyat sendiri",
    "Cadangan",
    "Rujukan",
    "Mengenai dokumen ini",
    "Cara memetik dokumen ini",
    "16 Mac 2024",
]


@pytest.fixture(scope="module")
def malay(tmp_path_factory):
    root = write_project(
        tmp_path_factory.mktemp("malay"), {"content/documents/brief.yaml": MALAY_BRIEF}
    )
    assert main(["--root", str(root), "--strict", "build"]) == 0
    return root / "build"


def test_a_malay_brief_prints_no_english_label(malay):
    pdf, html = pdf_text(malay / "brief.pdf"), html_text(malay / "brief.html")
    for text in (pdf, html):
        for label in ENGLISH:
            assert label not in text, label
        for label in MALAY:
            assert label in text, label
    assert "Taklimat dasar · " in pdf  # the running foot exists in print only


def test_a_malay_brief_says_its_language(malay):
    html = (malay / "brief.html").read_text(encoding="utf-8")
    assert '<html lang="ms">' in html and 'lang="en"' not in html
    with pikepdf.open(malay / "brief.pdf") as pdf:
        assert str(pdf.Root.Lang) == "ms"


def test_a_label_the_catalog_lacks_is_english_inside_lang_en(make_project, capsys):
    project = make_project({"content/documents/brief.yaml": MALAY_BRIEF})
    po = project / "templates" / "locale" / "ms.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Rujukan"', 'msgstr ""')
    po.write_text(text, encoding="utf-8")
    assert main(["--root", str(project), "build", "--html-only"]) == 0
    assert capsys.readouterr().err == (
        "content/documents/brief.yaml:7:11: warning: language 'ms': 1 labels not translated "
        "in templates/locale/ms.po ('References'); they are printed in English\n"
    )
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    assert '<h2 id="references"><span lang="en">References</span></h2>' in html
    assert main(["--root", str(project), "--strict", "check"]) == 1


def test_a_language_without_a_catalog_is_a_warning(make_project, capsys):
    doc = MALAY_BRIEF.replace("language: ms", "language: sw")
    project = make_project({"content/documents/brief.yaml": doc})
    assert main(["--root", str(project), "check"]) == 0
    assert (
        "content/documents/brief.yaml:7:11: warning: language 'sw': no label catalog "
        "(templates/locale/sw.po); the labels are printed in English. Copy "
        "templates/locale/advocacy.pot to it and translate"
    ) in capsys.readouterr().err.splitlines()


def test_the_committed_catalog_template_is_current(tmp_path, capsys):
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    assert main(["--root", str(tmp_path), "catalog"]) == 0
    for path in sorted(LOCALE.iterdir()):
        fresh = (tmp_path / "templates" / "locale" / path.name).read_bytes()
        assert fresh == path.read_bytes(), f"run `advocacy catalog` to refresh {path.name}"


PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.mark.parametrize("path", sorted(LOCALE.glob("*.po")), ids=lambda p: p.stem)
def test_every_catalog_translates_every_label_and_keeps_placeholders(path):
    with path.open("rb") as handle:
        catalog = read_po(handle)
    labels = [m.id for m in extract(ROOT / "templates") if m.id]
    for label in labels:
        entry = catalog.get(label)
        assert entry is not None and entry.string, label
        assert sorted(PLACEHOLDER.findall(entry.string)) == sorted(PLACEHOLDER.findall(label))
    assert "Unofficial translation" in path.read_text(encoding="utf-8").split("msgid")[0]


def test_dates_follow_the_language_at_the_precision_given():
    from advocacy.schema import PartialDate

    day, month, year = (PartialDate.parse(t) for t in ("2021-05-19", "2021-05", "2021"))
    assert [Labels("en").date(d) for d in (day, month, year)] == ["19 May 2021", "May 2021", "2021"]
    assert Labels("en-US").date(day) == "May 19, 2021"
    assert Labels("ms").date(day) == "19 Mei 2021"
    assert Labels("th").date(month) == "พฤษภาคม 2021"


def test_the_readme_gives_each_catalog_its_review_status():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| [^|]+ \| `(\w+)\.po` \| (\d+ of \d+) \|$", readme, re.MULTILINE))
    found = {}
    for path in sorted(LOCALE.glob("*.po")):
        with path.open("rb") as handle:
            entries = [m for m in read_po(handle) if m.id]
        found[path.stem] = f"{sum(not m.fuzzy for m in entries)} of {len(entries)}"
    assert rows == found


def test_prose_may_mark_a_span_or_a_paragraph_with_its_language_and_direction(make_project, capsys):
    statement = (
        "statement: |\n"
        '  The urban poor, <span lang="zh-Hans">城市贫民</span> [@ostrom1990commons].\n\n'
        '  <p dir="rtl" lang="ur">شہری غریب</p>\n'
    )
    project = make_project(
        {
            "content/exclusions/urban-poor.yaml": "name: The urban poor\ncommunity: Urban poor\n"
            + statement
        }
    )
    assert main(["--root", str(project), "--strict", "build"]) == 0
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    assert '<span lang="zh-Hans">城市贫民</span>' in html
    assert '<p dir="rtl" lang="ur">شہری غریب</p>' in html
    assert "城市贫民" in pdf_text(project / "build" / "brief.pdf")


def test_a_language_or_direction_that_is_not_one_is_removed_with_a_warning(make_project, capsys):
    statement = (
        'statement: The <span lang="not a tag">urban</span> <span dir="up">poor</span> '
        "[@ostrom1990commons].\n"
    )
    project = make_project(
        {
            "content/exclusions/urban-poor.yaml": "name: The urban poor\ncommunity: Urban poor\n"
            + statement
        }
    )
    assert main(["--root", str(project), "check"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "content/exclusions/urban-poor.yaml:3:22: warning: statement: removed lang='not a tag' "
        "(expected a language tag such as zh-Hans); prose may format text and link out",
        "content/exclusions/urban-poor.yaml:3:58: warning: statement: removed dir='up' "
        "(expected ltr, rtl or auto); prose may format text and link out",
    ]


def test_a_thai_document_may_count_years_in_the_buddhist_era(make_project):
    from advocacy.schema import PartialDate

    day = PartialDate.parse("2024-03-16")
    assert Labels("th", calendar="buddhist").date(day) == "16 มีนาคม 2567"
    assert Labels("th", calendar="buddhist").year(day) == "2567"
    doc = MALAY_BRIEF.replace("language: ms", "language: th\ncalendar: buddhist")
    project = make_project({"content/documents/brief.yaml": doc})
    assert main(["--root", str(project), "build", "--html-only"]) == 0
    text = html_text(project / "build" / "brief.html")
    assert "16 มีนาคม 2567" in text and "Test Network. 2567." in text and "2024" not in text


def test_the_index_names_each_document_language_in_that_language(malay):
    html = (malay / "index.html").read_text(encoding="utf-8")
    assert '<td lang="ms">Melayu</td>' in html
    assert '<a href="brief.html" hreflang="ms" lang="ms">A test brief</a>' in html
