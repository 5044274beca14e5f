"""The command line: subcommands, exit statuses, and one real subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest

from advocacy.cli import main
from conftest import ROOT


@pytest.mark.default_content
def test_list_names_documents_and_what_they_draw_on(capsys):
    assert main(["--root", str(ROOT), "list"]) == 0
    out = capsys.readouterr().out
    assert "policy-brief  (Policy brief, November 2026)" in out
    assert "synthesis-report  (Synthesis report, 2021)" in out
    assert "  engagements: ideological-discourse, faces-of-exclusion, inclusion-initiatives" in out


@pytest.mark.default_content
def test_check_of_the_default_content_passes(capsys):
    assert main(["--root", str(ROOT), "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("content is valid: 41 records, ")


@pytest.mark.default_content
def test_unknown_document_is_a_usage_error(capsys, tmp_path):
    code = main(["--root", str(ROOT), "--out", str(tmp_path), "build", "policy-breif"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "advocacy: error: no document 'policy-breif' (did you mean 'policy-brief'?); expected "
        "one of 'policy-brief', 'position-paper', 'synthesis-report', 'policy-brief.ms'\n"
    )
    assert not any(tmp_path.iterdir())


def test_unknown_subcommand_is_a_usage_error(capsys):
    assert main(["publish"]) == 2
    assert "invalid choice: 'publish'" in capsys.readouterr().err


def test_python_dash_m_runs_the_cli_with_content_errors_as_exit_1(make_project):
    project = make_project({"content/exclusions/urban-poor.yaml": "name: [\n"})
    done = subprocess.run(
        [sys.executable, "-m", "advocacy", "--root", str(project), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "1 error in 1 file; nothing was built."
    assert "Traceback" not in done.stderr


def test_check_reports_uncited_entries_and_missing_fields(make_project, capsys):
    from conftest import MINIMAL

    bib = MINIMAL["content/references.bib"] + (
        "\n@book{nopublisher2020,\n  author = {Doe, Jane},\n  title = {No Publisher},\n"
        "  year = {2020}\n}\n"
    )
    project = make_project(
        {
            "content/references.bib": bib,
            "content/initiatives/cooperatives.yaml": (
                "name: C\nstatement: C [@nopublisher2020].\nreaches: [urban-poor]\n"
            ),
        }
    )
    assert main(["--root", str(project), "check"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "content/references.bib:9:1: warning: entry 'nopublisher2020' (book) has no "
        "publisher; the reference will lack it",
    ]
    assert captured.out == "content is valid: 4 records, 2 references, 1 warning\n"
    assert main(["--root", str(project), "--strict", "check"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == "1 error in 1 file; nothing was built."


def test_check_lists_entries_that_nothing_cites(make_project, capsys):
    from conftest import MINIMAL

    project = make_project(
        {"content/exclusions/urban-poor.yaml": "name: U\ncommunity: U\nstatement: S.\n"}
    )
    assert main(["--root", str(project), "check"]) == 0
    assert capsys.readouterr().err == (
        "content/references.bib:1:1: info: entry 'ostrom1990commons' is not cited anywhere\n"
    )
    assert "ostrom1990commons" in MINIMAL["content/references.bib"]
