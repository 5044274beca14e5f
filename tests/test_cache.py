"""Builds that redo only what changed: each edition keyed by what it is made of,
and a build with nothing changed that stops before loading anything."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from advocacy import cache
from tests.conftest import ROOT, html_text, write_project
from tests.test_data import EXAMPLE, FIGURE

# A second brief that shares nothing with MINIMAL's but the project and the bibliography.
OTHER = {
    "content/exclusions/rural-poor.yaml": (
        "name: The rural poor\ncommunity: Rural poor\nstatement: The **rural poor**.\n"
    ),
    "content/initiatives/land-trusts.yaml": (
        "name: Land trusts\nstatement: Community land trusts.\nreaches: [rural-poor]\n"
    ),
    "content/recommendations/support.yaml": (
        "title: Support\naction: Support the rural poor.\naddressed_to: [national-government]\n"
        "rests_on: [rural-poor]\n"
    ),
    "content/documents/other.yaml": (
        "type: policy-brief\ntitle: Another brief\nshort_title: Other\n"
        "authors:\n  - name: Test Network\ndate: 2024-04\naudience: Officials\n"
        "subject: Testing\nkeywords: [test]\nkey_messages:\n  - Another message.\n"
        "introduction: Another issue.\nexclusions: [rural-poor]\ninitiatives: [land-trusts]\n"
        "recommendations: [support]\n"
    ),
}
BRIEF = ("brief.html", "brief.pdf", "brief.evidence.json")
OTHERS = ("other.html", "other.pdf", "other.evidence.json")


def states(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime, size) of every output, the cache left out."""
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] != ".cache"
    }


def changed(before: dict, after: dict) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def build(root: Path, *options: str) -> list[str]:
    """Build root (HTML and PDF unless options say otherwise); the lines printed."""
    done = subprocess.run(
        [sys.executable, "-m", "advocacy", "--root", str(root), "build", *options],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> Path:
    """Two briefs built with their PDFs: the build folder every test starts from."""
    root = write_project(tmp_path_factory.mktemp("two"), OTHER)
    build(root)
    return root


@pytest.fixture
def project(two, tmp_path) -> Path:
    """A copy of two, its build folder included, times and all."""
    return Path(shutil.copytree(two, tmp_path / "two", symlinks=True))


def in_python(script: str) -> list[str]:
    """The lines a new Python process prints running script; it prints no error."""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stderr == ""
    return done.stdout.splitlines()


def build_loading(root: Path, *options: str, heavy: list[str]) -> list[str]:
    """The lines a build of root prints in a new process, and last its exit
    status and the modules of heavy it imported."""
    return in_python(
        "import sys\nfrom advocacy.cli import main\n"
        f"code = main(['--root', {str(root)!r}, 'build', *{list(options)!r}])\n"
        f"print(code, [m for m in {heavy!r} if m in sys.modules])\n"
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_second_build_rewrites_nothing_and_loads_nothing(project):
    out = project / "build"
    build(project)  # the copy's files have new inodes: this build looks at each edition
    before = states(out)
    heavy = ["weasyprint", "matplotlib", "pikepdf", "advocacy.build", "advocacy.pdf"]
    assert build_loading(project, heavy=heavy) == [
        "unchanged build/brief.html and build/brief.pdf, 1 page",
        "unchanged build/other.html and build/other.pdf, 1 page",
        "unchanged build/index.html",
        "0 []",
    ]
    assert states(out) == before  # the same inodes and times: nothing rewritten


def test_a_change_that_leaves_every_output_as_it_was_rewrites_nothing(project):
    """A new comment in a record changes its file, so its documents are
    rendered again; their bytes come out the same, so no file is replaced,
    but the PDF, whose XMP names the hash of the content it was made from."""
    out = project / "build"
    before = states(out)
    path = project / "content" / "initiatives" / "cooperatives.yaml"
    path.write_text("# a comment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert build(project) == [
        "built build/brief.html and build/brief.pdf, 1 page",
        "unchanged build/other.html and build/other.pdf, 1 page",
        "unchanged build/index.html",
    ]
    assert changed(before, states(out)) == {"brief.pdf"}


def test_editing_a_record_of_one_document_rebuilds_only_that_document(project):
    out = project / "build"
    before = states(out)
    edit(project / "content" / "initiatives" / "cooperatives.yaml", "Cooperatives.", "Co-ops.")
    assert build(project) == [
        "built build/brief.html and build/brief.pdf, 1 page",
        "unchanged build/other.html and build/other.pdf, 1 page",
        "unchanged build/index.html",
    ]
    assert "brief.html" in changed(before, states(out)) <= set(BRIEF)
    assert "Co-ops." in (out / "brief.html").read_text(encoding="utf-8")


def test_editing_a_record_the_other_document_reaches_through_a_link(project):
    """rural-poor is shown by other.yaml through a recommendation's rests_on too."""
    out = project / "build"
    before = states(out)
    edit(project / "content" / "exclusions" / "rural-poor.yaml", "The rural poor", "Farmers")
    build(project, "--html-only")
    assert changed(before, states(out)) == {"other.html", "other.evidence.json"}


def test_editing_a_template_used_by_all_rebuilds_all(project):
    out = project / "build"
    before = states(out)
    edit(project / "templates" / "base.html.j2", "<body", "<!-- edited -->\n<body")
    assert build(project) == [
        "built build/brief.html and build/brief.pdf, 1 page",
        "built build/other.html and build/other.pdf, 1 page",
        "unchanged build/index.html",
    ]
    assert (
        set(BRIEF) | set(OTHERS)
        >= changed(before, states(out))
        >= {
            "brief.html",
            "other.html",
        }
    )


def test_deleting_the_cache_rebuilds_the_same_files(project, two):
    shutil.rmtree(project / "build" / ".cache")
    assert build(project) == [
        "built build/brief.html and build/brief.pdf, 1 page",
        "built build/other.html and build/other.pdf, 1 page",
        "unchanged build/index.html",
    ]
    for name in (*BRIEF, *OTHERS, "index.html"):
        assert (project / "build" / name).read_bytes() == (two / "build" / name).read_bytes()
    assert build(project, "--html-only")[0] == "unchanged build/brief.html"


def test_a_corrupt_cache_entry_is_ignored_with_a_warning(project):
    entry = project / "build" / ".cache" / "brief.json"
    entry.write_text('{"version": 1, "key": ', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "advocacy", "--root", str(project), "build", "--html-only"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0
    assert done.stderr == (
        "build/.cache/brief.json: warning: the cache entry cannot be read (JSONDecodeError: "
        "Expecting value: line 1 column 23 (char 22)); brief is built again\n"
    )
    assert done.stdout.splitlines()[:2] == ["built build/brief.html", "unchanged build/other.html"]
    assert json.loads(entry.read_text(encoding="utf-8"))["version"] == 1  # written anew


def test_a_cache_entry_that_does_not_match_its_outputs_is_not_trusted(project):
    """An output changed by hand (or by anything else) is built again."""
    (project / "build" / "other.html").write_text("<html>by hand</html>\n", encoding="utf-8")
    assert build(project, "--html-only")[:2] == [
        "unchanged build/brief.html",
        "built build/other.html",
    ]
    assert "Another brief" in (project / "build" / "other.html").read_text(encoding="utf-8")


def test_force_rebuilds_and_rewrites_everything(project):
    out = project / "build"
    before = states(out)
    assert build(project, "--force", "other") == [
        "built build/other.html and build/other.pdf, 1 page",
        "built build/index.html",
    ]
    assert changed(before, states(out)) == {*OTHERS, "index.html"} | {
        name for name in before if name.startswith("fonts/")
    }


def test_an_editions_key_covers_every_record_its_pages_show(monkeypatch):
    """The records rendering reads (Views.record) are all among those the key
    hashes (build.shown_records): no record can change a page unseen."""
    from advocacy import render
    from advocacy.build import editions_chosen, load_project, render_page, shown_records
    from advocacy.config import Paths

    read: list[tuple[str, str]] = []
    real = render.Views.record

    def record(self, kind, record_id):
        read.append((kind, record_id))
        return real(self, kind, record_id)

    monkeypatch.setattr(render.Views, "record", record)
    project = load_project(Paths.at(ROOT))
    for name, (document, corpus) in editions_chosen(project.corpus, None).items():
        read.clear()
        render_page(project, document, corpus)
        assert read, name
        assert set(read) <= shown_records(corpus, document), name


def test_a_save_while_a_build_runs_is_built_by_the_next(project):
    """The key is of the text the build loaded, so a file saved after the load
    is not taken as what the page shows."""
    from advocacy.build import build as build_now
    from advocacy.build import load_project
    from advocacy.config import Paths

    paths = Paths.at(project)
    loaded = load_project(paths)
    edit(project / "content" / "initiatives" / "cooperatives.yaml", "Cooperatives.", "Co-ops.")
    build_now(paths, pdf=False, project=loaded)  # renders what it loaded: the old text
    assert "Co-ops." not in (project / "build" / "brief.html").read_text(encoding="utf-8")
    again = build_now(paths, pdf=False)
    assert [item.cached for item in again] == [False, True]
    assert "Co-ops." in (project / "build" / "brief.html").read_text(encoding="utf-8")


FIGURE_FILES = {"content/data/coverage.csv": EXAMPLE, "content/figures/coverage.yaml": FIGURE}


def spied_build(root: Path, log: Path, *options: str) -> tuple[list[str], list[str]]:
    """build root with a pandoc that notes its arguments in log, and say whether
    matplotlib was imported; (the pandoc calls that read or format, the lines)."""
    import pypandoc

    spy = log.with_suffix(".sh")  # made once: which pandoc answers is part of a memo's key
    if not spy.exists():
        spy.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec {pypandoc.get_pandoc_path()} "$@"\n')
        spy.chmod(0o755)
    log.unlink(missing_ok=True)
    script = (
        "import sys\nfrom advocacy.cli import main\n"
        f"code = main(['--root', {str(root)!r}, 'build', *{list(options)!r}])\n"
        "print(code, 'matplotlib' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYPANDOC_PANDOC": str(spy)},
    )
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines() if log.exists() else []
    return [c for c in calls if c != "--version"], done.stdout.splitlines()


def test_what_pandoc_and_matplotlib_gave_is_not_asked_again(tmp_path):
    """A build that must draw again (--force, an edit) recalls pandoc's answers
    and the chart's SVG from build/.cache/memo; the pages are the same bytes."""
    root = write_project(tmp_path / "p", FIGURE_FILES)
    edit(
        root / "content/documents/brief.yaml",
        "recommendations:",
        "figures: [coverage]\n" + "recommendations:",
    )
    log = tmp_path / "pandoc.log"
    calls, lines = spied_build(root, log, "--html-only")
    assert any("--citeproc" in c for c in calls) and lines[-1] == "0 True"
    first = (root / "build" / "brief.html").read_bytes()
    calls, lines = spied_build(root, log, "--html-only", "--force")
    assert (calls, lines[-1]) == ([], "0 False")
    assert (root / "build" / "brief.html").read_bytes() == first


def test_a_memo_that_is_not_its_answer_is_asked_again(tmp_path):
    root = write_project(tmp_path / "p")
    log = tmp_path / "pandoc.log"
    spied_build(root, log, "--html-only")
    first = (root / "build" / "brief.html").read_bytes()
    memos = sorted((root / "build" / ".cache" / "memo").glob("pandoc-cite-*.json"))
    assert memos
    for memo in memos:
        data = json.loads(memo.read_text(encoding="utf-8"))
        data["value"]["stdout"] = "<p>not what pandoc said</p>"  # its sha256 no longer holds
        memo.write_text(json.dumps(data), encoding="utf-8")
    (memos[0].parent / "pandoc-item-x.json").write_text("{", encoding="utf-8")
    calls, _lines = spied_build(root, log, "--html-only", "--force")
    assert any("--citeproc" in c for c in calls)
    assert (root / "build" / "brief.html").read_bytes() == first


def test_an_html_only_build_after_an_edit_loads_no_weasyprint(project):
    """The index gives the page count of the PDF left from before (read from
    the PDF, since the edition's cache entry has had no PDF since the first
    HTML-only build), without the module that draws PDFs."""
    record = project / "content" / "initiatives" / "cooperatives.yaml"
    edit(record, "Cooperatives.", "Co-ops.")
    build(project, "--html-only")
    edit(record, "Co-ops.", "Cooperatives, again.")
    heavy = ["weasyprint", "matplotlib", "pypdf", "advocacy.pdf"]
    assert build_loading(project, "--html-only", heavy=heavy)[-1] == "0 []"
    rows = html_text(project / "build" / "index.html").split("Files", 1)[1]
    assert rows.split() == [
        "A", "test", "brief", "Policy", "brief", "English", "March", "2024", "1", "HTML", "·",
        "PDF", "Another", "brief", "Policy", "brief", "English", "April", "2024", "1", "HTML",
        "·", "PDF",
    ]  # fmt: skip


def test_templates_compiled_by_one_build_are_not_compiled_by_the_next(project):
    """Jinja's compiled code is remembered in build/.cache/memo; a memo that
    no longer holds the code of its template is compiled again."""
    script = (
        "import jinja2\nfrom advocacy.cli import main\n"
        "compiled = []\ncompile = jinja2.Environment.compile\n"
        "def counting(self, source, name=None, *args, **kwargs):\n"
        "    compiled.append(name)\n"
        "    return compile(self, source, name, *args, **kwargs)\n"
        "jinja2.Environment.compile = counting\n"
        f"code = main(['--root', {str(project)!r}, 'build', '--force', '--html-only'])\n"
        "print(code, sorted(set(compiled)))\n"
    )

    def compiled() -> str:
        return in_python(script)[-1]

    memo = project / "build" / ".cache" / "memo"
    compiled()  # the copy's templates are in another folder: their code names it
    assert compiled() == "0 []"
    for path in memo.glob("template-*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["value"]["code"]:
            data["value"]["code"] = "bm90IGNvZGU="  # "not code", its digest made to match
            data["sha256"] = cache._value_digest(data["value"])
            path.write_text(json.dumps(data), encoding="utf-8")
    assert compiled() != "0 []"
    assert compiled() == "0 []"
