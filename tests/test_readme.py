"""The README tells the truth: its error messages are what the tool prints."""

from __future__ import annotations

import shutil

import pytest

from advocacy.cli import main
from conftest import ROOT


@pytest.mark.default_content
def test_the_messages_in_when_the_build_says_no_are_real(tmp_path, capsys):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    content = tmp_path / "content"
    cooperatives = content / "initiatives" / "cooperatives.yaml"
    cooperatives.write_text(
        cooperatives.read_text(encoding="utf-8").replace("statement:", "statment:"),
        encoding="utf-8",
    )
    (content / "initiatives" / "micro-insurance.yaml").write_text(
        "name: Micro-insurance\nstatement: Note: micro-insurance targets the poor.\n",
        encoding="utf-8",
    )
    urban = content / "exclusions" / "urban-poor-informal.yaml"
    urban.write_text(
        urban.read_text(encoding="utf-8").replace("[@ilo2018informal]", "[@ilo2018informel]"),
        encoding="utf-8",
    )
    assert main(["--root", str(tmp_path), "check"]) == 1
    printed = capsys.readouterr().err.splitlines()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = [line for line in printed if "statment" in line or "': '" in line or "informel" in line]
    assert len(shown) == 3
    for line in shown:
        assert f"\n{line}\n" in readme, line
