"""Builds are repeatable and never leave a broken file: BOM and CRLF, SIGKILL,
SIGTERM, and two builds at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from advocacy.cli import main
from advocacy.output import OutputFolder
from conftest import ROOT


def test_bom_and_crlf_copies_build_byte_identical_html_and_pdf(make_project, tmp_path):
    plain = make_project()
    assert main(["--root", str(plain), "--out", str(tmp_path / "plain"), "build"]) == 0
    for path in (plain / "content").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert main(["--root", str(plain), "--out", str(tmp_path / "dos"), "build"]) == 0
    for name in ("brief.html", "brief.pdf", "index.html"):
        assert (tmp_path / "dos" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()


def _start_build(root: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "advocacy", "--root", str(root), "--out", str(out), "build"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _complete(out: Path) -> dict[str, int]:
    """Check every file in out is whole; return the page count of each PDF."""
    pages = {}
    for path in out.rglob("*"):
        assert not path.name.startswith("."), f"temporary file left: {path.name}"
        if path.is_dir() or path.parent.name == "fonts":
            continue
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
            continue
        if path.suffix == ".pdf":
            pages[path.name] = len(PdfReader(path, strict=True).pages)
        else:
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    return pages


def test_a_killed_build_leaves_complete_files_and_no_temporaries(tmp_path):
    out = tmp_path / "build"
    assert main(["--root", str(ROOT), "--out", str(out), "build"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    for delay in (0.8, 1.6, 2.4, 3.2):  # kill at different stages of the build
        process = _start_build(ROOT, out)
        time.sleep(delay)
        process.kill()
        process.communicate()
        assert process.returncode == -signal.SIGKILL
        _complete(out)
        assert sorted(p.name for p in out.iterdir() if p.is_file()) == sorted(before)
        for name, data in before.items():  # the same content: every version is identical
            assert (out / name).read_bytes() == data


def test_sigterm_stops_with_one_short_line(tmp_path):
    out = tmp_path / "build"
    process = _start_build(ROOT, out)
    time.sleep(1.5)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    if process.returncode == 0:  # the machine was faster than the signal
        return
    assert process.returncode == 143
    assert err == "advocacy: interrupted; every file in build/ is a complete version\n"
    scratch = tmp_path / ".build.partial"
    assert not scratch.exists() or not any(scratch.iterdir())


def test_two_builds_at_once_do_not_mix(make_project, capsys):
    project = make_project()
    with OutputFolder(project / "build"):
        code = main(["--root", str(project), "build", "--html-only"])
    assert code == 1
    assert capsys.readouterr().err == (
        "build/: error: another build is writing this folder; wait for it to finish\n"
    )
    assert main(["--root", str(project), "build", "--html-only"]) == 0
    assert sorted(os.listdir(project / "build")) == [
        "brief.evidence.json",
        "brief.html",
        "fonts",
        "index.html",
    ]
