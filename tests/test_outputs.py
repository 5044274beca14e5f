"""What the built files say: PDF metadata and pages, HTML structure, the index."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import DOCUMENTS, ROOT, html_text, pdf_text


def pdfinfo(path) -> dict[str, str]:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)


@pytest.mark.parametrize("doc_id", DOCUMENTS)
def test_every_document_is_built_as_html_and_pdf(built, doc_id):
    assert (built / f"{doc_id}.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (built / f"{doc_id}.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("doc_id", DOCUMENTS)
def test_pdf_metadata_names_title_author_subject_keywords_language(built, doc_id):
    info = {k: v.strip() for k, v in pdfinfo(built / f"{doc_id}.pdf").items()}
    reader = PdfReader(built / f"{doc_id}.pdf")
    assert info["Title"] and info["Author"] and info["Subject"] and info["Keywords"]
    assert "social and solidarity economy" in info["Keywords"]
    assert info["Tagged"] == "yes"
    assert reader.trailer["/Root"]["/Lang"] == "en"


@pytest.mark.default_content
def test_policy_brief_metadata_and_page_budget(built):
    info = {k: v.strip() for k, v in pdfinfo(built / "policy-brief.pdf").items()}
    assert int(info["Pages"]) <= 4
    assert info["Title"] == "Including the excluded"
    assert info["Author"] == "Asian Solidarity Economy Council"
    assert info["Subject"].startswith("Policy brief on social inclusion and social protection")


@pytest.mark.default_content
def test_synthesis_report_metadata_names_the_seed_author_without_honorifics(built):
    info = {k: v.strip() for k, v in pdfinfo(built / "synthesis-report.pdf").items()}
    assert info["Author"] == "Denison Jayasooria"
    assert "Prof Datuk Dr Denison Jayasooria" in pdf_text(built / "synthesis-report.pdf")
    assert info["Title"].startswith("A need to strengthen partnerships and networks")


@pytest.mark.skipif(shutil.which("faketime") is None, reason="faketime is not installed")
def test_dates_come_from_the_content_even_with_the_clock_years_ahead(make_project):
    project = make_project()
    advocacy = Path(ROOT / ".venv" / "bin" / "advocacy")
    done = subprocess.run(
        ["faketime", "2041-07-04 12:00:00", str(advocacy), "--root", str(project), "build"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    clock = subprocess.run(
        ["faketime", "2041-07-04", "date", "+%Y"], capture_output=True, text=True
    )
    assert clock.stdout.strip() == "2041"  # the fake clock works
    info = subprocess.run(
        ["pdfinfo", "-isodates", str(project / "build" / "brief.pdf")],
        capture_output=True,
        text=True,
    ).stdout
    assert re.search(r"CreationDate:\s+2024-03", info), info
    assert "2041" not in info
    for name in ("brief.html", "brief.pdf", "brief.evidence.json", "index.html"):
        assert b"2041" not in (project / "build" / name).read_bytes(), name


@pytest.mark.default_content
def test_policy_brief_page_one_holds_the_key_messages(built):
    reader = PdfReader(built / "policy-brief.pdf")
    first = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "Key messages" in first
    assert "Six groups in Asia face social exclusion" in first


@pytest.mark.default_content
def test_policy_brief_recommendations_are_addressed_to_named_actors(built):
    html = (built / "policy-brief.html").read_text(encoding="utf-8")
    lines = re.findall(r'<p class="to label">For: ([^<]+)</p>', html)
    assert len(lines) == 6
    named = {actor.strip() for line in lines for actor in line.split("·")}
    assert named == {
        "National governments",
        "Local governments",
        "Regional bodies (ASEAN, ASEM)",
        "UN agencies",
        "Academia",
        "The SSE movement",
    }
    text = pdf_text(built / "policy-brief.pdf")
    assert "FOR: NATIONAL GOVERNMENTS · LOCAL GOVERNMENTS" in text


@pytest.mark.default_content
def test_position_paper_states_its_main_recommendation_first(built):
    text = pdf_text(built / "position-paper.pdf")
    in_brief = text.index("Our position in brief", text.index("Contents") + 100)
    assert text.index("Governments in Asia, supported by regional bodies", in_brief) > in_brief
    assert text.index("Background: the international framework", in_brief) > in_brief
    for anchor in ("Resolution 77/281", "Recommendation No. 202", "OECD"):
        assert anchor.lower() in text.lower()


def test_long_documents_have_a_contents_page_with_page_numbers(built):
    first = {"synthesis-report": "Key messages", "position-paper": "Our position in brief"}
    for doc_id, entry in first.items():
        text = pdf_text(built / f"{doc_id}.pdf")
        contents = text[text.index("Contents") : text.index("References", text.index("Contents"))]
        page = re.search(entry + r"[ .]*(\d+)", contents)
        assert page, contents
        reader = PdfReader(built / f"{doc_id}.pdf")
        assert entry in reader.pages[int(page.group(1)) - 1].extract_text()


def test_references_hold_cited_entries_and_never_the_annote(built):
    for doc_id in DOCUMENTS:
        text = pdf_text(built / f"{doc_id}.pdf")
        assert "Jayasooria, Denison. 2021. Synthesis & Lessons Learned" in text
        assert "Confirmed via search" not in text
        assert "Confirmed via search" not in html_text(built / f"{doc_id}.html")


def test_citations_link_to_their_reference_entry(built):
    html = (built / "policy-brief.html").read_text(encoding="utf-8")
    targets = set(re.findall(r'href="#(ref-[^"]+)"', html))
    entries = set(re.findall(r'id="(ref-[^"]+)"', html))
    assert targets and targets <= entries


def test_html_is_accessible_in_its_structure(built):
    for doc_id in DOCUMENTS:
        html = (built / f"{doc_id}.html").read_text(encoding="utf-8")
        assert '<html lang="en">' in html
        assert len(re.findall(r"<h1[ >]", html)) == 1
        levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", html)]
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
        assert "<main" in html and 'name="viewport"' in html


@pytest.mark.default_content
def test_index_lists_every_document_with_type_date_and_pages(built):
    text = html_text(built / "index.html")
    html = (built / "index.html").read_text(encoding="utf-8")
    for doc_id in DOCUMENTS:
        assert f'href="{doc_id}.pdf" hreflang="en"' in html
        assert f'href="{doc_id}.html" hreflang="en"' in html
    pages = {d: len(PdfReader(built / f"{d}.pdf").pages) for d in DOCUMENTS}
    assert f"Policy brief English November 2026 {pages['policy-brief']} HTML · PDF" in text
    assert f"Synthesis report English 2021 {pages['synthesis-report']} HTML · PDF" in text
    assert f"Position paper English November 2026 {pages['position-paper']} HTML · PDF" in text


def test_the_same_content_builds_the_same_bytes(built, tmp_path):
    from advocacy.build import build
    from advocacy.config import Paths
    from conftest import ROOT

    build(Paths.at(ROOT, build=tmp_path), ["policy-brief"])
    assert (tmp_path / "policy-brief.pdf").read_bytes() == (built / "policy-brief.pdf").read_bytes()
    assert (tmp_path / "policy-brief.html").read_bytes() == (
        built / "policy-brief.html"
    ).read_bytes()


@pytest.mark.default_content
def test_policy_brief_links_citations_to_its_reference_list(built):
    reader = PdfReader(built / "policy-brief.pdf")
    destinations = set(reader.named_destinations)
    cited = []
    for page in reader.pages[:3]:
        for annotation in page.get("/Annots", []) or []:
            link = annotation.get_object()
            if link.get("/Subtype") == "/Link" and str(link.get("/Dest", "")).startswith("ref-"):
                cited.append(str(link["/Dest"]))
    assert len(cited) >= 10
    assert set(cited) <= destinations
    text = pdf_text(built / "policy-brief.pdf")
    assert "(Thorat and Newman 2010)" in text
    assert (
        "Thorat, Sukhadeo, and Katherine S. Newman, eds. 2010. Blocked by Caste: Economic "
        "Discrimination and Social Exclusion in Modern India. Oxford University Press."
    ) in text
    assert "References" in text and "FAO et al. (2021)" in text


def _page_texts(path) -> list[str]:
    reader = PdfReader(path)
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


@pytest.mark.parametrize("doc_id", ["synthesis-report", "position-paper"])
def test_every_contents_entry_names_the_page_of_its_heading(built, doc_id):
    done = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", "-layout", str(built / f"{doc_id}.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    pattern = r"^\s*(\d+(?:\.\d+)*\.?\s+)?(.+?)\s?(?:\. ?)+\s*(\d+)\s*$"
    contents = done.stdout.split("©")[0]  # the imprint follows, at the foot of the page
    entries = re.findall(pattern, contents, re.M)
    assert len(entries) >= 6
    pages = _page_texts(built / f"{doc_id}.pdf")
    for prefix, title, number in entries:
        heading = re.sub(r"\s+", " ", title).strip().rstrip(".")
        label = re.escape(prefix.strip()) + r"\s*" if prefix else r"(?:^|\s)"
        where = re.compile(label + re.escape(heading) + r"(?!\w| in brief)")
        # the cover (its key messages) or the text; not the contents page itself
        found = [i + 1 for i, text in enumerate(pages) if i != 1 and where.search(text)]
        assert found, f"{heading!r} is on no page"
        assert found[0] == int(number), f"{heading!r}: contents say {number}, found on {found[0]}"


@pytest.mark.default_content
def test_figures_have_alt_text_source_and_a_data_table(built):
    html = (built / "synthesis-report.html").read_text(encoding="utf-8")
    figure = html[html.index('<figure class="figure"') : html.index("</figure>")]
    assert re.search(r'role="img" aria-label="Bar chart of the people who took the floor', figure)
    assert "<svg" in figure and "Source: " in figure
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', figure))
    assert rows == {
        "Keynote": "1",
        "Case studies": "5",
        "Partnership speakers": "3",
        "Moderators": "3",
    }
    text = pdf_text(built / "synthesis-report.pdf")
    assert "FIGURE 1 The nine key speakers and three moderators of the open space, by role" in text


def test_every_image_has_alt_text(built):
    for doc_id in (*DOCUMENTS, "index"):
        html = (built / f"{doc_id}.html").read_text(encoding="utf-8")
        for tag in re.findall(r"<img\b[^>]*>", html):
            assert re.search(r'\salt="[^"]+"', tag), tag
        for tag in re.findall(r'<[^>]+role="img"[^>]*>', html):
            assert re.search(r'aria-label="[^"]+"', tag), tag


def test_a_chart_is_drawn_the_same_every_time():
    from advocacy.charts import draw
    from advocacy.corpus import load_corpus
    from conftest import ROOT

    corpus = load_corpus(ROOT / "content", ROOT)
    figure = corpus.get("figure", "open-space-programme")
    first, second = draw(figure, ROOT / "templates"), draw(figure, ROOT / "templates")
    assert first == second and first.startswith("<svg")
    assert "#0b5563" in first  # the primary colour of the design tokens
