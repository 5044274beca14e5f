"""The command line: subcommands, exit statuses, and one real subprocess."""

from __future__ import annotations

import subprocess
import sys

from advocacy.cli import main
from conftest import ROOT


def test_list_names_documents_and_what_they_draw_on(capsys):
    assert main(["--root", str(ROOT), "list"]) == 0
    out = capsys.readouterr().out
    assert "policy-brief  (Policy brief, November 2026)" in out
    assert "synthesis-report  (Synthesis report, 2021)" in out
    assert "  engagements: ideological-discourse, faces-of-exclusion, inclusion-initiatives" in out


def test_check_of_the_default_content_passes(capsys):
    assert main(["--root", str(ROOT), "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("content is valid: 39 records, ")


def test_unknown_document_is_a_usage_error(capsys, tmp_path):
    code = main(["--root", str(ROOT), "--out", str(tmp_path), "build", "policy-breif"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "advocacy: error: no document 'policy-breif' (did you mean 'policy-brief'?); expected "
        "one of 'policy-brief', 'position-paper', 'synthesis-report'\n"
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
