"""How to cite a document: its own record as a CSL item (advocacy/citeable.py),
formatted in the imprint by citeproc in the document's citation style and
language, and written as CSL-JSON, BibLaTeX and RIS for a release."""

from __future__ import annotations

import json
import subprocess

import pypandoc
import tinyhtml5

from advocacy.build import build, load_project
from advocacy.citeable import as_bibtex, as_csl_json, as_ris, csl_names, document_item
from advocacy.cli import main
from advocacy.config import Paths
from advocacy.labels import Labels
from advocacy.schema import Person
from conftest import MINIMAL

BRIEF = MINIMAL["content/documents/brief.yaml"] + 'edition: "2"\nnumber: "3"\n'
SERIES = MINIMAL["content/project.yaml"] + "  series:\n    policy-brief:\n      name: TN Briefs\n"


def citation(project) -> tuple[str, list[str]]:
    """The text of the imprint's suggested citation, and the addresses it links to."""
    build(Paths.at(project), pdf=False)
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    tree = tinyhtml5.parse(html, namespace_html_elements=False)
    found = [p for p in tree.iter("p") if p.get("class") == "citation-text"]
    assert len(found) == 1
    links = [a.get("href") for a in found[0].iter("a")]
    return " ".join("".join(found[0].itertext()).split()), links


def test_the_citation_is_the_documents_record_in_its_style(make_project):
    project = make_project({"content/documents/brief.yaml": BRIEF})
    text, links = citation(project)
    assert text == "Test Network. 2024. A Test Brief. Policy Brief No. 3. 2nd ed. Test Network."
    assert links == []


def test_series_number_and_draft_status(make_project):
    brief = BRIEF + "status: draft\n"
    project = make_project({"content/documents/brief.yaml": brief, "content/project.yaml": SERIES})
    text, _ = citation(project)
    assert text == (
        "Test Network. 2024. A Test Brief. 2nd ed. TN Briefs 3. Test Network. "
        "(draft for discussion)"
    )


def test_a_doi_is_printed_and_linked_and_released_is_the_year(make_project):
    brief = BRIEF + "doi: 10.5281/zenodo.123456\nreleased: 2025-01-15\n"
    project = make_project({"content/documents/brief.yaml": brief})
    text, links = citation(project)
    assert text == (
        "Test Network. 2025. A Test Brief. Policy Brief No. 3. 2nd ed. Test Network. "
        "https://doi.org/10.5281/zenodo.123456."
    )
    assert links == ["https://doi.org/10.5281/zenodo.123456"]


def test_another_style_formats_it_its_own_way(make_project):
    brief = BRIEF + "citation_style: apa\nurl: https://example.org/briefs/3\n"
    project = make_project({"content/documents/brief.yaml": brief})
    text, links = citation(project)
    assert text == (
        "Test Network. (2024). A test brief (Policy Brief No. 3; 2nd ed.). Test Network. "
        "https://example.org/briefs/3"
    )
    assert links == ["https://example.org/briefs/3"]


def test_the_document_is_not_in_its_own_reference_list(make_project):
    project = make_project({"content/documents/brief.yaml": BRIEF})
    build(Paths.at(project), pdf=False)
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    tree = tinyhtml5.parse(html, namespace_html_elements=False)
    entries = [e.get("id") for e in tree.iter("div") if "csl-entry" in (e.get("class") or "")]
    assert entries == ["ref-ostrom1990commons"]


def test_people_and_organisations_as_csl_names():
    people = [
        Person(name="Test Network"),
        Person(name="Denison Jayasooria"),
        Person(name="Maria de la Cruz"),
        Person(name="Smith, Jr., John"),
        Person(name="สมชาย ใจดี"),
    ]
    assert csl_names(people, {"Test Network"}) == [
        {"literal": "Test Network"},
        {"family": "Jayasooria", "given": "Denison"},
        {"family": "de la Cruz", "given": "Maria"},
        {"family": "Smith", "given": "John", "suffix": "Jr."},
        {"literal": "สมชาย ใจดี"},
    ]


def item_of(project) -> dict:
    loaded = load_project(Paths.at(project))
    document = loaded.corpus.documents["brief"]
    return document_item(loaded.corpus, document, Labels.load(loaded.paths.templates, "en"))


def test_the_item_from_the_record(make_project):
    brief = BRIEF + "subtitle: What to do\nurl: https://example.org/b\n"
    project = make_project({"content/documents/brief.yaml": brief, "content/project.yaml": SERIES})
    assert item_of(project) == {
        "id": "brief",
        "type": "report",
        "title": "A test brief: What to do",
        "author": [{"literal": "Test Network"}],
        "issued": {"date-parts": [[2024, 3]]},
        "publisher": "Test Network",
        "collection-title": "TN Briefs",
        "collection-number": "3",
        "edition": "2",
        "URL": "https://example.org/b",
        "language": "en",
    }


def pandoc_reads(text: str, reader: str) -> list[dict]:
    """What pandoc reads in a bibliography file, as CSL-JSON."""
    done = subprocess.run(
        [pypandoc.get_pandoc_path(), f"--from={reader}", "--to=csljson"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_release_formats_hold_title_edition_and_year(make_project):
    brief = BRIEF + "doi: 10.5281/zenodo.123456\n"
    project = make_project({"content/documents/brief.yaml": brief})
    item = item_of(project)
    written = json.loads(as_csl_json([item]))
    assert written == [item]
    from_bib = pandoc_reads(as_bibtex([item]), "biblatex")
    from_ris = pandoc_reads(as_ris([item]), "ris")
    for read in (from_bib, from_ris):
        assert len(read) == 1
        assert read[0]["title"].lower() == "a test brief"
        assert read[0]["edition"] == "2"
        assert read[0]["issued"]["date-parts"][0][0] == 2024
        assert read[0]["DOI"] == "10.5281/zenodo.123456"
    assert as_bibtex([item]).startswith("@report{brief,\n")
    assert as_ris([item]).splitlines()[:2] == ["TY  - RPRT", "AU  - Test Network"]


def test_a_translated_edition_cites_itself_in_its_language(make_project):
    from test_editions import BRIEF as EDITIONS_BRIEF
    from test_editions import TRANSLATIONS

    project = make_project({"content/documents/brief.yaml": EDITIONS_BRIEF, **TRANSLATIONS})
    stamp = ["--root", str(project), "translations", "--stamp", "content/documents/brief.ms.yaml"]
    assert main(stamp) == 0
    build(Paths.at(project), pdf=False)
    html = (project / "build" / "brief.ms.html").read_text(encoding="utf-8")
    tree = tinyhtml5.parse(html, namespace_html_elements=False)
    (found,) = [p for p in tree.iter("p") if p.get("class") == "citation-text"]
    assert " ".join("".join(found.itertext()).split()) == (
        "Test Network. 2024. Taklimat ujian. Taklimat dasar. Test Network. "
        "(draf untuk perbincangan) Terjemahan tidak rasmi daripada teks asal dalam bahasa Inggeris."
    )
