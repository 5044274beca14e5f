"""Document types declared once: a field a type never prints is refused at
its line, figures appear in every type, the outline drives headings, and a
type needs only a spec and a template."""

from __future__ import annotations

import hashlib
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

import pytest

from advocacy import doctypes
from advocacy.build import load_project
from advocacy.cli import main
from advocacy.config import Paths
from advocacy.outline import outline
from conftest import MINIMAL, ROOT, html_text

BRIEF = MINIMAL["content/documents/brief.yaml"]
FIGURE = (
    "title: Members by year\nchart: bar\nalt: Members rose from 10 to 30.\n"
    "categories: ['2020', '2021']\nseries:\n  - name: Members\n    values: [10, 30]\n"
    "sources: [ostrom1990commons]\n"
)


def checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def build_then(make_project, files: dict, capsys) -> tuple[Path, dict]:
    """A good build of the minimal project, then the variant's files written."""
    project = make_project()
    assert main(["--root", str(project), "build", "--html-only"]) == 0
    before = checksums(project / "build")
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    capsys.readouterr()
    return project, before


def test_a_brief_without_introduction_is_refused_not_printed_as_none(make_project, capsys):
    doc = BRIEF.replace("introduction: The issue.\n", "")
    project, before = build_then(make_project, {"content/documents/brief.yaml": doc}, capsys)
    assert main(["--root", str(project), "build", "--html-only"]) == 1
    assert capsys.readouterr().err == (
        "content/documents/brief.yaml:1:1: error: introduction: required field is missing\n"
        "1 error in 1 file; nothing was built.\n"
    )
    assert checksums(project / "build") == before


def other_types_fields() -> list[tuple[str, str]]:
    """(type, field) for every field some type has and this one never prints."""
    fields = doctypes.document_fields()
    every = {name for names in fields.values() for name in names}
    return [(kind, name) for kind in fields for name in sorted(every - set(fields[kind]))]


def test_every_type_refuses_at_least_the_fields_it_used_to_drop():
    pairs = set(other_types_fields())
    dropped = {
        ("policy-brief", "themes"),
        ("policy-brief", "engagements"),
        ("policy-brief", "event"),
        ("policy-brief", "way_forward"),
        ("policy-brief", "main_recommendation"),
        ("policy-brief", "background"),
        ("policy-brief", "position"),
        ("policy-brief", "quote"),
        ("position-paper", "introduction"),
        ("position-paper", "quote"),
        ("position-paper", "event"),
        ("position-paper", "engagements"),
        ("position-paper", "way_forward"),
        ("synthesis-report", "main_recommendation"),
        ("synthesis-report", "background"),
        ("synthesis-report", "position"),
        ("synthesis-report", "exclusions"),
        ("synthesis-report", "initiatives"),
        ("synthesis-report", "themes"),
        ("synthesis-report", "recommendations"),
    }
    assert dropped <= pairs


@pytest.mark.parametrize(
    ("name", "value"), [("themes", "[urban-poor]"), ("quote", "{text: a, attribution: b}")]
)
def test_a_field_the_brief_never_prints_is_an_error_at_its_key(make_project, capsys, name, value):
    doc = BRIEF + f"{name}: {value}\n"
    line = doc.count("\n")
    project, before = build_then(make_project, {"content/documents/brief.yaml": doc}, capsys)
    assert main(["--root", str(project), "check"]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    shown_by = {"themes": "position-paper", "quote": "synthesis-report"}[name]
    assert first.startswith(
        f"content/documents/brief.yaml:{line}:1: error: a policy-brief does not print "
        f"'{name}' (a {shown_by} does); remove it, or change the type; a policy-brief takes "
    )
    assert "'introduction'" in first and f"'{name}'" not in first.split("takes")[1]
    assert checksums(project / "build") == before


def _fact_sheet(make_project, extra: str = "") -> Path:
    sheet = (
        "type: fact-sheet\ntitle: Members count\nshort_title: Members\n"
        "authors:\n  - name: Test Network\ndate: 2024-03\naudience: Officials\n"
        "subject: Testing\nkeywords: [test]\nkey_messages:\n  - Membership tripled.\n"
        "figures: [members]\nrecommendations: [protect]\n" + extra
    )
    return make_project(
        {"content/figures/members.yaml": FIGURE, "content/documents/sheet.yaml": sheet}
    )


def test_figures_are_drawn_in_a_brief(make_project):
    doc = BRIEF + "figures: [members]\n"
    project = make_project(
        {"content/figures/members.yaml": FIGURE, "content/documents/brief.yaml": doc}
    )
    assert main(["--root", str(project), "build", "--html-only", "brief"]) == 0
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    assert 'id="figure-members"' in html and "<svg" in html
    assert "Figure 1 Members by year" in html_text(project / "build" / "brief.html")


def test_a_fact_sheet_is_a_spec_and_a_template(make_project):
    project = _fact_sheet(make_project)
    assert main(["--root", str(project), "build", "sheet"]) == 0
    text = html_text(project / "build" / "sheet.html")
    assert "Fact sheet" in text
    for title in ("Key messages", "In figures", "What we ask", "References"):
        assert f" {title} " in text
    assert "Figure 1 Members by year" in text
    done = subprocess.run(
        ["pdfinfo", str(project / "build" / "sheet.pdf")], capture_output=True, text=True
    )
    pages = int(re.search(r"Pages:\s+(\d+)", done.stdout).group(1))
    assert pages <= doctypes.SPECS["fact-sheet"].page_limit


def test_a_new_type_needs_only_a_spec_and_a_template(make_project, monkeypatch):
    """A "press release" type: registered as a spec, with a template in the project."""

    class PressRelease(doctypes.DocumentBase):
        type: Literal["press-release"]
        introduction: doctypes.Prose
        recommendations: list[doctypes.Id]

    spec = doctypes.DocumentSpec(
        "press-release",
        "Press release",
        PressRelease,
        page_limit=2,
        ledger=False,
        numbered=False,
        toc=False,
        parts=(
            doctypes.Part("news", "The news", ("introduction",)),
            doctypes.Part("asks", "We ask", ("recommendations",)),
            doctypes.REFERENCES,
            doctypes.ABOUT,
        ),
    )
    monkeypatch.setitem(doctypes.SPECS, "press-release", spec)
    template = (
        '{% extends "base.html.j2" %}{% block main %}'
        '{% call m.section(outline["news"]) %}{{ doc.introduction }}{% endcall %}'
        '{% call m.section(outline["asks"]) %}{{ m.recommendation_cards(recommendations) }}'
        "{% endcall %}{{ m.references_section(references, outline['references']) }}"
        "{% endblock %}"
    )
    release = (
        "type: press-release\ntitle: News\nshort_title: News\nauthors:\n  - name: TN\n"
        "date: 2024-03\naudience: Press\nsubject: News\nkeywords: [news]\n"
        "key_messages:\n  - Message.\nintroduction: The urban poor [@ostrom1990commons].\n"
        "recommendations: [protect]\n"
    )
    project = make_project(
        {
            "templates/press-release.html.j2": template,
            "content/documents/release.yaml": release,
        }
    )
    assert main(["--root", str(project), "build", "release"]) == 0
    text = html_text(project / "build" / "release.html")
    assert "The news The urban poor (Ostrom 1990)." in text
    assert "We ask" in text and "Protect the urban poor." in text
    assert "Ostrom, Elinor. 1990. Governing the Commons." in text
    corpus = load_project(Paths.at(project)).corpus
    plan = outline(corpus, corpus.documents["release"])
    assert [s.id for s in plan.sections] == ["news", "asks", "references", "about-this-document"]


@pytest.mark.default_content
def test_the_outline_numbers_sections_and_leaves_out_empty_ones():
    corpus = load_project(Paths.at(ROOT)).corpus
    paper = outline(corpus, corpus.documents["position-paper"])
    assert [(s.number, s.title) for s in paper.toc()] == [
        (None, "Our position in brief"),
        ("1", "Background: the international framework"),
        ("2", "The evidence"),
        ("2.1", "Who is excluded"),
        ("2.2", "People's alternatives"),
        ("2.3", "Models to mainstream"),
        ("3", "Our position"),
        ("4", "Recommendations"),
        ("5", "Conclusion"),
        (None, "References"),
        (None, "Annex: evidence ledger"),
    ]
    brief = outline(corpus, corpus.documents["policy-brief"])
    assert "evidence-ledger" not in [s.id for s in brief.sections]
    assert all(s.number is None for s in brief.all())


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3"):
            self.ids.append(dict(attrs).get("id"))


@pytest.mark.parametrize("doc_id", ["policy-brief", "position-paper", "synthesis-report"])
def test_every_outline_section_is_a_heading_of_the_html(built, doc_id):
    corpus = load_project(Paths.at(ROOT)).corpus
    plan = outline(corpus, corpus.documents[doc_id])
    parser = _Headings()
    parser.feed((built / f"{doc_id}.html").read_text(encoding="utf-8"))
    assert [s.id for s in plan.all()] == [i for i in parser.ids if i in {s.id for s in plan.all()}]
    anchors = set(re.findall(r'id="([^"]+)"', (built / f"{doc_id}.html").read_text()))
    assert plan.anchors() <= anchors


def test_a_template_mistake_is_an_error_at_its_line(make_project, capsys):
    project = make_project()
    assert main(["--root", str(project), "build", "--html-only"]) == 0
    before = checksums(project / "build")
    template = project / "templates" / "policy-brief.html.j2"
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if 'outline["excluded"]' in line)
    lines[number - 1] = lines[number - 1].rstrip("\n") + "{{ doc.intro }}\n"
    template.write_text("".join(lines), encoding="utf-8")
    capsys.readouterr()
    assert main(["--root", str(project), "build", "--html-only"]) == 1
    assert capsys.readouterr().err == (
        f"templates/policy-brief.html.j2:{number}:1: error: no field 'intro' "
        "(while rendering brief)\n1 error in 1 file; nothing was built.\n"
    )
    lines[number - 1] = "{% if %}\n"
    template.write_text("".join(lines), encoding="utf-8")
    assert main(["--root", str(project), "build", "--html-only"]) == 1
    assert capsys.readouterr().err == (
        f"templates/policy-brief.html.j2:{number}:1: error: Expected an expression, got "
        "'end of statement block'\n1 error in 1 file; nothing was built.\n"
    )
    assert checksums(project / "build") == before


def test_a_missing_template_names_the_file(make_project, capsys):
    project = make_project()
    (project / "templates" / "policy-brief.html.j2").unlink()
    assert main(["--root", str(project), "build", "--html-only"]) == 1
    assert capsys.readouterr().err == (
        "templates/policy-brief.html.j2: error: no template 'policy-brief.html.j2'; looked for "
        "content/theme/policy-brief.html.j2, templates/policy-brief.html.j2; add it to one of "
        "them\n1 error in 1 file; nothing was built.\n"
    )
    assert not [p for p in (project / "build").rglob("*") if p.name != ".lock"]


# ------------------------------------------------------------- golden pages

GOLDEN = Path(__file__).parent / "golden"


def _without_style(html: str) -> str:
    """The page without its inlined stylesheet: the design tokens change apart."""
    return re.sub(r"<style>.*?</style>", "<style>…</style>", html, flags=re.DOTALL)


@pytest.mark.default_content
@pytest.mark.parametrize("doc_id", ["policy-brief", "position-paper", "synthesis-report"])
def test_each_type_renders_its_golden_html(built, doc_id):
    """A missing golden file is written and the test fails, so a person reviews it."""
    html = _without_style((built / f"{doc_id}.html").read_text(encoding="utf-8"))
    golden = GOLDEN / f"{doc_id}.html"
    if not golden.exists():
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(html, encoding="utf-8")
        pytest.fail(f"wrote {golden.name}; review it and commit it")
    assert html == golden.read_text(encoding="utf-8"), f"refresh tests/golden/{golden.name}"


@pytest.mark.default_content
def test_the_fact_sheet_renders_its_golden_html(make_project):
    project = _fact_sheet(make_project)
    assert main(["--root", str(project), "build", "--html-only", "sheet"]) == 0
    html = _without_style((project / "build" / "sheet.html").read_text(encoding="utf-8"))
    golden = GOLDEN / "fact-sheet.html"
    if not golden.exists():
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(html, encoding="utf-8")
        pytest.fail(f"wrote {golden.name}; review it and commit it")
    assert html == golden.read_text(encoding="utf-8"), f"refresh tests/golden/{golden.name}"
