"""Several bibliographies: every .bib under content/ is read, as one."""

from __future__ import annotations

from advocacy.cli import main
from conftest import MINIMAL, html_text

AGARWAL = (
    "@article{agarwal2001participatory,\n  author = {Agarwal, Bina},\n"
    "  title = {Participatory Exclusions, Community Forestry, and Gender},\n"
    "  journal = {World Development},\n  volume = {29},\n  year = {2001}\n}\n"
)
CITES_BOTH = (
    "name: Cooperatives\nstatement: Cooperatives [@agarwal2001participatory].\n"
    "reaches: [urban-poor]\n"
)


def run(project, capsys, *args):
    code = main(["--root", str(project), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.splitlines()


def test_two_bib_files_are_both_read_and_cited(make_project, capsys):
    project = make_project(
        {
            "content/zotero.bib": "% exported by Better BibTeX\n\n" + AGARWAL,
            "content/initiatives/cooperatives.yaml": CITES_BOTH,
        }
    )
    code, out, err = run(project, capsys, "check")
    assert (code, err) == (0, [])
    assert "2 references" in out
    assert run(project, capsys, "build", "--html-only")[0] == 0
    text = html_text(project / "build" / "brief.html")
    assert "Ostrom, Elinor. 1990. Governing the Commons." in text
    assert 'Agarwal, Bina. 2001. "Participatory Exclusions, Community Forestry, and Gender."' in (
        text
    )


def test_trace_names_the_file_and_line_of_each_key(make_project, capsys):
    project = make_project(
        {
            "content/sources/zotero.bib": "% exported by Better BibTeX\n\n" + AGARWAL,
            "content/initiatives/cooperatives.yaml": CITES_BOTH,
        }
    )
    code, out, _ = run(project, capsys, "trace", "agarwal2001participatory")
    assert code == 0
    assert out.splitlines()[0] == (
        "agarwal2001participatory: citation key, content/sources/zotero.bib:3"
    )
    code, out, _ = run(project, capsys, "trace", "ostrom1990commons")
    assert out.splitlines()[0] == "ostrom1990commons: citation key, content/references.bib:1"


def test_a_key_defined_in_two_files_is_an_error_naming_both(make_project, capsys):
    ostrom = MINIMAL["content/references.bib"]
    project = make_project({"content/zotero.bib": AGARWAL + "\n" + ostrom})
    assert run(project, capsys, "check")[0::2] == (
        1,
        [
            "content/zotero.bib:9:1: error: duplicate citation key 'ostrom1990commons' "
            "(also at content/references.bib:1:1); keep one",
            "1 error in 1 file; nothing was built.",
        ],
    )


def test_problems_are_given_in_the_file_of_the_entry(make_project, capsys):
    nopublisher = (
        "@book{nopublisher2020,\n  author = {Doe, Jane},\n  title = {T},\n  year = {2020}\n}\n"
    )
    project = make_project(
        {
            "content/zotero.bib": AGARWAL + "\n" + nopublisher,
            "content/initiatives/cooperatives.yaml": (
                "name: Cooperatives\nstatement: Cooperatives [@nopublisher2020].\n"
                "reaches: [urban-poor]\n"
            ),
        }
    )
    code, _, err = run(project, capsys, "check")
    assert code == 0
    assert err == [
        "content/zotero.bib:1:1: info: entry 'agarwal2001participatory' is not cited anywhere",
        "content/zotero.bib:9:1: warning: entry 'nopublisher2020' (book) has no publisher; "
        "the reference will lack it",
    ]


def test_an_unknown_key_is_looked_for_in_every_file(make_project, capsys):
    project = make_project(
        {
            "content/zotero.bib": AGARWAL,
            "content/initiatives/cooperatives.yaml": CITES_BOTH.replace("2001", "2010"),
        }
    )
    assert run(project, capsys, "check")[0::2] == (
        1,
        [
            "content/initiatives/cooperatives.yaml:2:26: error: unknown citation key "
            "'agarwal2010participatory' (did you mean 'agarwal2001participatory'?)",
            "1 error in 1 file; nothing was built.",
        ],
    )


def test_with_no_bib_at_all_the_message_names_the_default_file(make_project, capsys):
    project = make_project({"content/references.bib": None})
    assert run(project, capsys, "check")[0::2] == (
        1,
        [
            "content/references.bib:1:1: error: bibliography not found; add a .bib file here",
            "1 error in 1 file; nothing was built.",
        ],
    )


def test_the_only_bib_may_have_any_name(make_project, capsys):
    project = make_project(
        {"content/references.bib": None, "content/zotero.bib": MINIMAL["content/references.bib"]}
    )
    assert run(project, capsys, "build", "--html-only")[0] == 0
    assert "Governing the Commons" in html_text(project / "build" / "brief.html")
