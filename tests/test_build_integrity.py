"""Builds are repeatable and never leave a broken file: BOM and CRLF, SIGKILL,
SIGINT and SIGTERM at each checkpoint of a build, and two builds at once.

A build stops at a named checkpoint when ADVOCACY_TEST_PAUSE names it (see
advocacy.output.checkpoint), so every signal here lands at a known moment."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_output_faults import digests, pause, wait_for, write_project

from advocacy.cli import main
from advocacy.output import OutputFolder
from conftest import ROOT

INTERRUPTED = "advocacy: interrupted; every file in build/ is a complete version\n"
STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}
# the checkpoints of an HTML-only build of the small project, in order
POINTS = ["staging", "stage:brief.html", "staged", "committing", "committed"]


def test_bom_and_crlf_copies_build_byte_identical_html_and_pdf(make_project, tmp_path):
    plain = make_project()
    assert main(["--root", str(plain), "--out", str(tmp_path / "plain"), "build"]) == 0
    for path in (plain / "content").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert main(["--root", str(plain), "--out", str(tmp_path / "dos"), "build"]) == 0
    for name in ("brief.html", "brief.pdf", "index.html"):
        assert (tmp_path / "dos" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()


def _complete(out: Path) -> dict[str, int]:
    """Check every file in out is whole; return the page count of each PDF.

    The scratch folder .partial, left by a killed build for the next to
    remove, and the cache .cache, are the only hidden names allowed."""
    pages = {}
    for path in out.rglob("*"):
        if path.relative_to(out).parts[0] in (".partial", ".cache"):
            continue
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


def _visible(folder: Path | dict) -> dict[str, str]:
    found = digests(folder) if isinstance(folder, Path) else folder
    return {name: digest for name, digest in found.items() if name[0] != "."}


def test_a_killed_build_leaves_complete_files_and_no_temporaries(make_project, tmp_path):
    """SIGKILL while staging, midway through the commit and after it, in builds
    with PDFs run side by side."""
    project = make_project()
    first = tmp_path / "first"
    assert main(["--root", str(project), "--out", str(first), "build"]) == 0
    before = _visible(first)
    assert "brief.pdf" in before
    runs = []
    try:
        for point in ["stage:brief.pdf", "committing", "committed"]:
            out = Path(shutil.copytree(first, tmp_path / point.replace(":", "-")))
            marker = tmp_path / f"{out.name}.paused"
            command = [sys.executable, "-m", "advocacy", "--root", str(project), "--out", str(out)]
            process = subprocess.Popen(
                [*command, "build", "--force"],
                env={**os.environ, **pause(point, marker)},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            runs.append((point, out, marker, process))
        for point, out, marker, process in runs:
            wait_for(marker, process)
            process.kill()
            assert process.wait() == -signal.SIGKILL, point
            assert _complete(out) == {"brief.pdf": 1}, point
            assert _visible(out) == before, point  # the same content: every version is identical
            hidden = sorted(p.name for p in out.iterdir() if p.name[0] == ".")
            assert hidden == [".cache", ".partial"], point
            assert main(["--root", str(project), "--out", str(out), "build", "--html-only"]) == 0
            assert [p.name for p in out.rglob(".*")] == [".cache"], point  # the scratch is gone
    finally:
        for *_, process in runs:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict[str, Path]:
    """A small project, the same with another title, and an HTML-only build of each."""
    made = {}
    for name, title in (("old", "A test brief"), ("new", "A changed brief")):
        root = write_project(tmp_path_factory.mktemp(name), title)
        out = root / "built"
        assert main(["--root", str(root), "--out", str(out), "build", "--html-only"]) == 0
        made[name], made[f"{name} build"] = root, out
    return made


def _signal_when_paused(marker: Path, signum: int) -> tuple[threading.Event, threading.Thread]:
    """Send signum to this process's main thread once the build has paused."""
    stop = threading.Event()

    def send():
        while not stop.is_set():
            if marker.exists():
                signal.pthread_kill(threading.main_thread().ident, signum)
                return
            time.sleep(0.005)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return stop, thread


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("point", POINTS)
def test_an_interrupt_at_each_checkpoint_keeps_the_last_good_files(
    point, signum, small, tmp_path, monkeypatch, capsys
):
    out = Path(shutil.copytree(small["old build"], tmp_path / "build"))
    old, new = digests(out), digests(small["new build"])
    marker = tmp_path / "paused"
    for name, value in pause(point, marker).items():
        monkeypatch.setenv(name, value)
    stop, thread = _signal_when_paused(marker, signum)
    try:
        code = main(["--root", str(small["new"]), "--out", str(out), "build", "--html-only"])
    finally:
        stop.set()
        thread.join()
    assert marker.exists()
    assert code == STATUS[signum]
    assert capsys.readouterr().err == INTERRUPTED
    after = digests(out)  # hidden files too: no scratch is left
    if point != "committed":
        assert after == old  # a commit that was interrupted put back what it had replaced
    else:  # all in place; build.py writes index.html after the commit
        assert _visible(after) == _visible(new)  # the cache records inodes: not compared
        assert after["index.html"] in (old["index.html"], new["index.html"])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_the_command_stops_it_with_one_short_line(signum, small, tmp_path):
    out = Path(shutil.copytree(small["old build"], tmp_path / "build"))
    before = digests(out)
    marker = tmp_path / "paused"
    process = subprocess.Popen(
        [sys.executable, "-m", "advocacy", "--root", str(small["new"]), "--out", str(out),
         "build", "--html-only"],
        env={**os.environ, **pause("committing", marker)},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not ignored
    )  # fmt: skip
    wait_for(marker, process)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == STATUS[signum]
    assert (stdout, stderr) == ("", INTERRUPTED)
    assert digests(out) == before


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
        ".cache",
        "brief.evidence.json",
        "brief.html",
        "fonts",
        "index.html",
    ]
