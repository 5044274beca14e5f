"""Citations: the Pandoc syntax found in prose, formatted by citeproc."""

from __future__ import annotations

import re

import pytest

from advocacy.bibliography import read_bibliography
from advocacy.citations import PLACEHOLDER, REFERENCES, Citer, cluster_for, clusters_in, find_style
from conftest import ROOT


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("as shown [@ilo2021wspr]", [["ilo2021wspr"]]),
        ("as shown [@ilo2021wspr, p. 12]", [["ilo2021wspr"]]),
        ("both [@a; @b]", [["a", "b"]]),
        ("@ostrom1990commons says", [["ostrom1990commons"]]),
        ("year only [-@ostrom1990commons]", [["ostrom1990commons"]]),
        ("[see @ostrom1990commons, chap. 2]", [["ostrom1990commons"]]),
        ("write to info@asec-sse.com", []),
        (r"an escaped \@handle", []),
        ("a [link](https://example.org/@user)", []),
    ],
)
def test_citation_syntax(text, keys):
    assert [found for _, _, found in clusters_in(text)] == keys


def test_citations_are_formatted_and_listed(make_project, capsys):
    from advocacy.build import build
    from advocacy.config import Paths
    from conftest import html_text

    project = make_project()
    build(Paths.at(project), pdf=False)
    text = html_text(project / "build" / "brief.html")
    assert "The urban poor (Ostrom 1990)." in text
    assert "Ostrom, Elinor. 1990. Governing the Commons. Cambridge University Press." in text
    assert "SECRET-ANNOTE-TEXT" not in (project / "build" / "brief.html").read_text()


FIXTURES = ROOT / "tests" / "fixtures" / "citations"
# Entries where the project deliberately differs from pandoc run directly:
# pandoc splits an unbraced "and" in an institution into two names.
CORRECTED = {
    "unbracedand2020": "Ministry of Trade and Industry",
    "report2022": "UN Inter-Agency Task Force on Social and Solidarity Economy",
}
# And pandoc decodes {\'\i} as a dotless i and a combining accent ("Jiřı́"), and
# keeps {\'e} as a case-protected span; the project hands it Unicode (NFC).
REPAIRED = {"accents2013": (("ı\u0301", "í"), ("Caf<span>é</span>", "Café"))}


def entries(html: str) -> dict[str, str]:
    found = re.findall(r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>(.*?)</div>', html, re.DOTALL)
    return {key: re.sub(r"\s+", " ", text).strip() for key, text in found}


@pytest.mark.parametrize("style", ["apa", "chicago-author-date"])
def test_bibliography_is_identical_to_pandoc_citeproc_run_directly(style):
    bib, problems = read_bibliography(FIXTURES / "corpus.bib", "corpus.bib")
    assert problems == []
    expected = entries((FIXTURES / f"expected-{style}.html").read_text(encoding="utf-8"))
    assert len(expected) >= 30
    citer = Citer()
    html = citer.replace(cluster_for(sorted(bib.keys))) + PLACEHOLDER.format(REFERENCES)
    actual = entries(citer.fill(html, bib, find_style(style, []), "en-US"))
    assert sorted(actual) == sorted(expected)
    for key in sorted(expected):
        if key in CORRECTED:
            assert CORRECTED[key] in actual[key]
            assert CORRECTED[key] not in expected[key]
        elif key in REPAIRED:
            repaired = expected[key]
            for wrong, right in REPAIRED[key]:
                repaired = repaired.replace(wrong, right)
            assert repaired != expected[key]
            assert actual[key] == repaired, key
        else:
            assert actual[key] == expected[key], key


def test_private_fields_never_reach_the_output():
    bib, _ = read_bibliography(FIXTURES / "corpus.bib", "corpus.bib")
    text = bib.subset({"garcia2019cooperatives"})
    assert "garcia2019cooperatives" in text
    for secret in ("PRIVATE-ANNOTE", "PRIVATE-ABSTRACT", "secret.pdf"):
        assert secret not in text


def test_a_crossref_parent_comes_along():
    bib, _ = read_bibliography(FIXTURES / "corpus.bib", "corpus.bib")
    text = bib.subset({"chaptercrossref"})
    assert "@collection{parentcollection," in text


FORMS = {
    "[@ostrom1990commons]": "(Ostrom 1990)",
    "[@ostrom1990commons, p. 12]": "(Ostrom 1990, 12)",
    "[@ostrom1990commons; @agarwal2001participatory]": "(Ostrom 1990; Agarwal 2001)",
    "@ostrom1990commons says": "Ostrom (1990) says",
    "[-@ostrom1990commons]": "(1990)",
    "[see @ostrom1990commons, chap. 2]": "(see Ostrom 1990, chap. 2)",
    r"an escaped \@ostrom1990commons": "an escaped @ostrom1990commons",
    "write to info@example.org": "write to info@example.org",
}
AGARWAL = (
    "@article{agarwal2001participatory,\n  author = {Agarwal, Bina},\n"
    "  title = {Participatory Exclusions},\n  journal = {World Development},\n"
    "  volume = {29},\n  year = {2001}\n}\n"
)


def forms_project(make_project, style=None):
    from conftest import MINIMAL

    intro = "\n\n".join(f"Form {i}: {form}." for i, form in enumerate(FORMS))
    doc = MINIMAL["content/documents/brief.yaml"].replace(
        "introduction: The issue.\n", "introduction: |\n" + _indent(intro) + "\n"
    )
    if style:
        doc += f"citation_style: {style}\n"
    return make_project(
        {
            "content/documents/brief.yaml": doc,
            "content/references.bib": MINIMAL["content/references.bib"] + AGARWAL,
        }
    )


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.splitlines())


def test_every_citation_form_renders_in_the_html(make_project):
    from advocacy.build import build
    from advocacy.config import Paths
    from conftest import html_text

    project = forms_project(make_project)
    build(Paths.at(project), pdf=False)
    text = html_text(project / "build" / "brief.html")
    for i, (form, rendered) in enumerate(FORMS.items()):
        assert f"Form {i}: {rendered}." in text, form
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    assert '<a href="#ref-ostrom1990commons" role="doc-biblioref">Ostrom 1990</a>' in html
    assert 'id="ref-agarwal2001participatory"' in html


def test_a_note_style_gives_footnotes_at_the_foot_of_the_pdf_page(make_project):
    import subprocess

    from advocacy.build import build
    from advocacy.config import Paths
    from conftest import normalise

    project = forms_project(make_project, "chicago-notes-bibliography")
    build(Paths.at(project))
    page = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(project / "build" / "brief.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = normalise(page)
    note = "1. Elinor Ostrom, Governing the Commons (Cambridge University Press, 1990)."
    assert note in text
    assert text.index(note) > text.index("Form 7: write to info@example.org")
    assert text.index("6. See Ostrom, Governing the Commons, chap. 2.") > text.index(note)
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    assert (
        '<li id="note-1"><a href="#ref-ostrom1990commons" role="doc-biblioref">Elinor Ostrom, '
        "<em>Governing the Commons</em> (Cambridge University Press, 1990)</a>.</li>"
    ) in html
    assert 'urban poor</strong>.<span class="note"><sup class="note-call"><a href="#note-7"' in html
