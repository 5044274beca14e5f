"""Both cores and many machines: PDFs drawn in worker processes (--jobs) and
the editions cut into slices for a CI matrix (--shard), each giving the bytes
one serial build gives."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from advocacy import build as build_module
from advocacy.build import _weight, editions_chosen, load_project, shard_of
from advocacy.cli import main
from advocacy.config import Paths
from tests.conftest import ROOT, write_project
from tests.test_cache import OTHER
from tests.test_page_budget import PARAGRAPH


def run(root: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "advocacy", "--root", str(root), *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def files(folder: Path) -> dict[str, bytes]:
    """Every output's bytes; not the cache, which records this folder's inodes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] != ".cache"
    }


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("two"), OTHER)


@pytest.fixture(scope="module")
def serial(two, tmp_path_factory) -> Path:
    """The two briefs, built with one job: what every other way must give."""
    out = tmp_path_factory.mktemp("serial") / "build"
    done = run(two, "--out", str(out), "build", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    return out


def test_two_jobs_give_the_bytes_of_one(two, serial, tmp_path):
    out = tmp_path / "build"
    done = run(two, "--out", str(out), "build", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"built {out}/brief.html and {out}/brief.pdf, 1 page",
        f"built {out}/other.html and {out}/other.pdf, 1 page",
        f"built {out}/index.html",
    ]
    assert files(out) == files(serial)


def test_a_document_failing_in_a_worker_is_reported_as_one_build_reports_it(two, tmp_path):
    """other is over its budget; both ways say so in the same words, exit 1,
    and leave the build folder as it was."""
    project = Path(shutil.copytree(two, tmp_path / "project"))
    long = "introduction: |\n  " + PARAGRAPH * 12 + "\npage_limit: 1\n"
    path = project / "content" / "documents" / "other.yaml"
    text = path.read_text(encoding="utf-8").replace("introduction: Another issue.\n", long)
    assert run(project, "build", "--jobs", "2").returncode == 0
    before = files(project / "build")
    path.write_text(text, encoding="utf-8")
    said = {}
    for jobs in ("1", "2"):
        done = run(project, "build", "--jobs", jobs)
        assert done.returncode == 1
        assert done.stdout == ""
        said[jobs] = done.stderr
        assert files(project / "build") == before
        assert not (project / "build" / ".partial").exists()
    assert said["1"] == said["2"]
    assert (
        said["2"]
        .splitlines()[0]
        .startswith(
            "content/documents/other.yaml:14:13: error: other is 3 pages, over the limit of 1 for a "
            "policy-brief; cut the longest sections (pages): 'The issue' "
        )
    )
    assert said["2"].splitlines()[-1] == "1 error in 1 file; nothing was built."


def test_the_shards_together_are_one_full_build(two, serial, tmp_path):
    merged = tmp_path / "merged"
    for part in ("1/2", "2/2"):
        out = tmp_path / part.replace("/", "-of-")
        done = run(two, "--out", str(out), "build", "--shard", part)
        assert done.returncode == 0, done.stderr
        assert not (out / "index.html").exists()  # the index is written once, from all
        shutil.copytree(out, merged, dirs_exist_ok=True)
    assert {p.name for p in (tmp_path / "1-of-2").glob("*.pdf")} != {
        p.name for p in (tmp_path / "2-of-2").glob("*.pdf")
    }
    done = run(two, "--out", str(merged), "index")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {merged}/index.html\n"
    assert files(merged) == files(serial)


def test_shards_are_disjoint_stable_and_balanced_by_page_budget():
    project = load_project(Paths.at(ROOT))
    chosen = editions_chosen(project.corpus, None)
    for whole in (1, 2, 3, len(chosen) + 1):
        slices = [shard_of(project, chosen, part, whole) for part in range(1, whole + 1)]
        assert sorted(name for part in slices for name in part) == sorted(chosen)
        assert slices == [shard_of(project, chosen, part, whole) for part in range(1, whole + 1)]
    weight = {name: _weight(project, None, document) for name, (document, _) in chosen.items()}
    loads = [sum(weight[n] for n in shard_of(project, chosen, part, 2)) for part in (1, 2)]
    assert abs(loads[0] - loads[1]) <= max(weight.values())  # no slice waits on the other


@pytest.mark.parametrize("value", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_a_shard_that_does_not_exist_is_a_usage_error(two, value):
    done = run(two, "build", "--shard", value)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"advocacy build: error: argument --shard: expected K/N with 1 <= K <= N, as in 1/2; "
        f"got '{value}'"
    )


def _dies(task):
    os._exit(9)  # as a worker the system killed would end: without a word


def test_a_worker_that_is_killed_is_a_clear_error_and_changes_nothing(
    two, serial, tmp_path, monkeypatch, capsys
):
    out = Path(shutil.copytree(serial, tmp_path / "build"))
    before = files(out)
    monkeypatch.setattr(build_module, "_draw", _dies)
    code = main(["--root", str(two), "--out", str(out), "build", "--jobs", "2", "--force"])
    assert code == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert err[0].endswith(
        "PDF ended before it was done (killed, perhaps for lack of memory); build again, "
        "or with --jobs 1 to draw one PDF at a time"
    )
    assert err[0].startswith("content/documents/")
    assert err[1] == "nothing in the build folder was changed; its last good files are kept."
    assert files(out) == before
