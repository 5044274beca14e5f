"""`advocacy release ID`: from a clean commit, dist/<id>-<edition>/ with every
edition's outputs, the document's citation, CHANGES.md since the previous
release (from git tags), SHA256SUMS and a deterministic zip."""

from __future__ import annotations

import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from advocacy.bundle import size_warnings, whole_fonts, zip_bytes
from advocacy.changes import changes, shortened
from advocacy.cli import main
from advocacy.config import Paths
from conftest import MINIMAL, write_project

BRIEF = MINIMAL["content/documents/brief.yaml"] + 'edition: "1.0"\n'
IGNORE = "/build/\n/dist/\n"
STATEMENT = "statement: The **urban poor** [@ostrom1990commons].\n"
REVISED = "statement: The **urban poor** of Asia's cities [@ostrom1990commons].\n"


def git(root: Path, *args: str) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    unsigned = ["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"]
    done = subprocess.run(
        ["git", *identity, *unsigned, "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def repository(root: Path, files: dict | None = None) -> Path:
    """The small project, committed in a git repository of its own."""
    write_project(
        root, {"content/documents/brief.yaml": BRIEF, ".gitignore": IGNORE, **(files or {})}
    )
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "The brief")
    return root


def release(capsys, root: Path) -> tuple[int, str, str]:
    status = main(["--root", str(root), "release", "brief"])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """Two releases of the brief: 1.0, then 1.1 with a statement changed."""
    root = repository(tmp_path_factory.mktemp("release"))
    assert main(["--root", str(root), "release", "brief"]) == 0
    record = root / "content/exclusions/urban-poor.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace(STATEMENT, REVISED), "utf-8")
    brief = root / "content/documents/brief.yaml"
    brief.write_text(BRIEF.replace('edition: "1.0"', 'edition: "1.1"'), encoding="utf-8")
    git(root, "commit", "-q", "-am", "Edition 1.1: the urban poor of Asia's cities")
    assert main(["--root", str(root), "release", "brief"]) == 0
    return root


def test_the_first_release_says_it_is_the_first(released):
    first = git(released, "rev-parse", "release/brief/1.0").strip()
    assert (released / "dist/brief-1.0/CHANGES.md").read_text(encoding="utf-8") == (
        f"# brief 1.0\n\nThe first release of brief, from commit {first[:12]}: there is no "
        "earlier release to compare with.\n"
    )


def test_the_next_release_lists_the_changed_field(released):
    first = git(released, "rev-parse", "release/brief/1.0").strip()
    second = git(released, "rev-parse", "HEAD").strip()
    assert git(released, "rev-parse", "release/brief/1.1").strip() == second
    assert (released / "dist/brief-1.1/CHANGES.md").read_text(encoding="utf-8") == (
        "# brief 1.1\n\n"
        "Changes in the content brief shows since edition 1.0 (tag release/brief/1.0, "
        f"commit {first[:12]}), up to commit {second[:12]}.\n\n"
        "## content/documents/brief.yaml (document 'brief')\n\n"
        '- `edition` changed: "1.0" → "1.1"\n\n'
        "## content/exclusions/urban-poor.yaml (exclusion 'urban-poor')\n\n"
        '- `statement` changed: "The **urban poor** [@ostrom1990commons]." → '
        '"The **urban poor** of Asia\'s cities [@ostrom1990commons]."\n'
    )


def test_the_folder_holds_every_output_and_its_checksums_pass(released):
    folder = released / "dist/brief-1.1"
    assert sorted(p.name for p in folder.iterdir()) == [
        "CHANGES.md",
        "SHA256SUMS",
        "brief.bib",
        "brief.docx",
        "brief.evidence.json",
        "brief.html",
        "brief.json",
        "brief.pdf",
        "brief.ris",
    ]
    done = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK\n") == 8
    assert (folder / "brief.pdf").read_bytes() == (released / "build/brief.pdf").read_bytes()


def test_the_zip_lists_the_same_files(released):
    folder = released / "dist/brief-1.1"
    with zipfile.ZipFile(released / "dist/brief-1.1.zip") as archive:
        assert archive.namelist() == [f"brief-1.1/{p.name}" for p in sorted(folder.iterdir())]
        for info in archive.infolist():
            assert archive.read(info) == (folder / Path(info.filename).name).read_bytes()
        assert {info.date_time for info in archive.infolist()} == {archive.infolist()[0].date_time}


def test_the_zip_is_made_of_the_files_and_the_commit_time_alone(released):
    folder = released / "dist/brief-1.1"
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    stamp = int(git(released, "show", "-s", "--format=%ct", "release/brief/1.1"))
    zipped = (released / "dist/brief-1.1.zip").read_bytes()
    assert zip_bytes("brief-1.1", dict(reversed(files.items())), stamp) == zipped
    with zipfile.ZipFile(released / "dist/brief-1.1.zip") as archive:
        (when,) = {i.date_time for i in archive.infolist()}  # one time, to the 2 s zip keeps
    assert when[:5] == time.gmtime(stamp)[:5] and when[5] == time.gmtime(stamp)[5] // 2 * 2


def test_the_same_commit_may_be_released_again(released, capsys):
    status, out, err = release(capsys, released)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        "released dist/brief-1.1/ (release/brief/1.1; CHANGES.md: changes since release/brief/1.0)"
    )
    assert lines[1].startswith("  dist/brief-1.1/CHANGES.md  ")
    size = (released / "dist/brief-1.1.zip").stat().st_size
    assert lines[-2] == f"  dist/brief-1.1.zip  {size / 1000:.1f} kB"
    assert lines[-1] == "every PDF embeds its fonts as subsets"
    assert sorted(p.name for p in (released / "dist").iterdir()) == [
        "brief-1.0",
        "brief-1.0.zip",
        "brief-1.1",
        "brief-1.1.zip",
    ]


def test_the_pdf_embeds_subsets_of_its_fonts(released):
    pdf = released / "dist/brief-1.1/brief.pdf"
    assert whole_fonts(pdf.read_bytes()) == []
    listed = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    names = [line.split()[0] for line in listed.stdout.splitlines()[2:]]
    assert names and all(name[6] == "+" for name in names)


def test_a_dirty_tree_is_refused_naming_each_file(tmp_path, capsys):
    root = repository(tmp_path, {".gitignore": IGNORE + "/content/notes/\n"})
    (root / "content/exclusions/urban-poor.yaml").write_text(
        MINIMAL["content/exclusions/urban-poor.yaml"].replace(STATEMENT, REVISED), encoding="utf-8"
    )
    (root / "notes.txt").write_text("to do\n", encoding="utf-8")
    (root / "drafts").mkdir()
    (root / "drafts/a.yaml").write_text("title: A\n", encoding="utf-8")
    (root / "content/notes").mkdir()
    (root / "content/notes/todo.yaml").write_text("title: B\n", encoding="utf-8")
    (root / "content/initiatives/cooperatives.yaml").unlink()
    status, out, err = release(capsys, root)
    assert (status, out) == (1, "")
    assert err == (
        "content/exclusions/urban-poor.yaml: error: changed since the last commit; commit the "
        "change or undo it first\n"
        "content/initiatives/cooperatives.yaml: error: deleted but not committed; commit the "
        "deletion or restore the file first\n"
        "content/notes/: error: ignored by git, yet read by the build; commit it or move it "
        "out of the project\n"
        "drafts/: error: not committed (a new folder); commit it, delete it or ignore it "
        "(.gitignore) first\n"
        "notes.txt: error: not committed (a new file); commit it, delete it or ignore it "
        "(.gitignore) first\n"
        "nothing was released; dist/ is unchanged.\n"
    )
    assert not (root / "dist").exists()
    assert git(root, "tag") == ""


def test_a_document_without_an_edition_is_refused(tmp_path, capsys):
    root = repository(
        tmp_path, {"content/documents/brief.yaml": MINIMAL["content/documents/brief.yaml"]}
    )
    status, _, err = release(capsys, root)
    assert (status, err) == (
        1,
        "content/documents/brief.yaml: error: no edition to release; add one, as edition: "
        '"1.0", and commit it (each release has an edition of its own)\n'
        "nothing was released; dist/ is unchanged.\n",
    )
    assert not (root / "dist").exists()


def test_an_edition_released_from_another_commit_is_refused(tmp_path, capsys):
    root = repository(tmp_path)
    first = git(root, "rev-parse", "HEAD").strip()
    git(root, "tag", "release/brief/1.0")
    (root / "content/project.yaml").write_text(
        MINIMAL["content/project.yaml"] + "# moved on\n", "utf-8"
    )
    git(root, "commit", "-q", "-am", "A comment")
    status, _, err = release(capsys, root)
    assert (status, err) == (
        1,
        f"content/documents/brief.yaml:16:10: error: edition 1.0 was released from commit "
        f"{first[:12]} (tag release/brief/1.0); a new release needs a new edition: change "
        "edition and commit\nnothing was released; dist/ is unchanged.\n",
    )
    assert not (root / "dist").exists()


def test_warnings_are_refused_naming_them(tmp_path, capsys):
    uncited = "name: Cooperatives\nstatement: Cooperatives reach 40 per cent of the poor.\nreaches: [urban-poor]\n"
    root = repository(tmp_path, {"content/initiatives/cooperatives.yaml": uncited})
    status, _, err = release(capsys, root)
    assert (status, err) == (
        1,
        "content/initiatives/cooperatives.yaml:2:12: warning: statement: a figure with no "
        "citation in its sentence: 'Cooperatives reach 40 per cent of the poor.'\n"
        "nothing was released; dist/ is unchanged.\n",
    )
    assert not (root / "dist").exists()


def test_outside_a_git_repository_is_an_error(tmp_path, capsys):
    root = write_project(tmp_path, {"content/documents/brief.yaml": BRIEF})
    status, _, err = release(capsys, root)
    assert (status, err) == (
        1,
        f"{root}: error: not in a git repository; a release is made from a commit: run 'git "
        "init', commit the project, then release\nnothing was released; dist/ is unchanged.\n",
    )


def test_an_unknown_document_is_a_usage_error(tmp_path, capsys):
    root = repository(tmp_path)
    status = main(["--root", str(root), "release", "breif"])
    err = capsys.readouterr().err
    assert (status, err) == (
        2,
        "advocacy: error: no document 'breif' (did you mean 'brief'?); expected one of 'brief'\n",
    )


def test_what_drawing_the_pdf_warns_of_is_refused(tmp_path, capsys):
    root = repository(tmp_path, {"content/theme/css/90-network.css": "p {\n  paddng: 4mm;\n}\n"})
    status, _, err = release(capsys, root)
    assert (status, err) == (
        1,
        "content/theme/css/90-network.css:2:3: warning: PDF: Ignored `paddng: 4mm`, unknown "
        "property.\nnothing was released; dist/ is unchanged.\n",
    )
    assert not (root / "dist").exists()
    assert git(root, "tag") == ""


def test_records_added_removed_and_changed_and_long_texts_cut_to_the_change():
    before = {
        "content/exclusions/a.yaml": ("exclusion 'a'", {"name": "A"}),
        "content/initiatives/b.yaml": ("initiative 'b'", {"name": "B", "reaches": "a"}),
    }
    after = {
        "content/initiatives/b.yaml": ("initiative 'b'", {"name": "B2", "sources[0].key": "x"}),
        "content/themes/c.yaml": ("theme 'c'", {"name": "C", "points": "x, y"}),
    }
    assert changes(before, after) == [
        ("content/exclusions/a.yaml", "exclusion 'a', removed", ["had `name`"]),
        (
            "content/initiatives/b.yaml",
            "initiative 'b'",
            [
                '`name` changed: "B" → "B2"',
                '`sources[0].key` added: "x"',
                '`reaches` removed (was "a")',
            ],
        ),
        ("content/themes/c.yaml", "theme 'c', added", ["with `name`, `points`"]),
    ]
    long = " ".join(f"w{i}" for i in range(40))
    assert shortened(long, long.replace("w20", "word")) == (
        '"…w16 w17 w18 w19 w20 w21 w22 w23 w24…"',
        '"…w16 w17 w18 w19 word w21 w22 w23 w24…"',
    )


def test_a_file_over_10_mb_is_a_warning(tmp_path):
    paths = Paths.at(tmp_path)
    sizes = [(tmp_path / "dist/b-1/b.pdf", 12_345_678), (tmp_path / "dist/b-1.zip", 10_000_000)]
    assert [str(p) for p in size_warnings(paths, sizes)] == [
        "dist/b-1/b.pdf: warning: 12.3 MB, over the 10 MB that many mail servers accept; send "
        "a link to it instead, or make the file smaller"
    ]
