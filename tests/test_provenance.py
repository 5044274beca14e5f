"""Reading where a build comes from: git's status, the files HEAD is kept
in, SOURCE_DATE_EPOCH (advocacy/provenance.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocacy import provenance
from advocacy.errors import AdvocacyError

HEAD = "0123456789abcdef0123456789abcdef01234567"
BLOB = "0123456789abcdef0123456789abcdef01234567"


def status(*records: str) -> bytes:
    return "\0".join(records).encode() + b"\0"


def test_a_clean_tree_is_its_commit():
    found = provenance._parse_status(
        status(f"# branch.oid {HEAD}", "# branch.head main"), Path("/r")
    )
    assert found == provenance.Commit(HEAD)
    assert not found.differs([Path("/r/content/a.yaml")])


def test_changed_and_untracked_files_differ_only_for_what_they_make():
    found = provenance._parse_status(
        status(
            f"# branch.oid {HEAD}",
            f"1 .M N... 100644 100644 100644 {BLOB} {BLOB} content/my file.yaml",
            "? content/new.yaml",
        ),
        Path("/r"),
    )
    assert found.changed == {Path("/r/content/my file.yaml"), Path("/r/content/new.yaml")}
    assert found.differs([Path("/r/content/new.yaml")])
    assert not found.differs([Path("/r/content/other.yaml")])


@pytest.mark.parametrize(
    "record",
    [
        f"1 D. N... 100644 000000 000000 {BLOB} {BLOB} content/gone.yaml",
        f"1 .D N... 100644 100644 000000 {BLOB} {BLOB} content/gone.yaml",
        f"2 R. N... 100644 100644 100644 {BLOB} {BLOB} R100 content/new.yaml\0content/old.yaml",
    ],
)
def test_a_removed_or_moved_file_makes_every_edition_differ(record):
    found = provenance._parse_status(status(f"# branch.oid {HEAD}", record), Path("/r"))
    assert found.removed and found.differs([])


def test_no_commit_yet_is_no_commit():
    assert provenance._parse_status(status("# branch.oid (initial)", "? a"), Path("/r")) is None


def test_a_linked_worktree_keeps_head_in_its_own_folder_and_refs_in_the_main_one(tmp_path):
    main = tmp_path / "main" / ".git"
    own = main / "worktrees" / "two"
    own.mkdir(parents=True)
    (own / "commondir").write_text("../..\n")
    (own / "HEAD").write_text("ref: refs/heads/two\n")
    tree = tmp_path / "two"
    (tree / "content").mkdir(parents=True)
    (tree / ".git").write_text(f"gitdir: {own}\n")
    repo = provenance.repository(tree / "content")
    assert repo == provenance.Repository(tree, own.resolve(), main.resolve())
    files = provenance.head_files(tree / "content")
    assert own.resolve() / "HEAD" in files
    assert main.resolve() / "refs" / "heads" / "two" in files
    assert main.resolve() / "packed-refs" in files


def test_outside_a_repository_there_is_nothing_to_read(tmp_path):
    if provenance.repository(tmp_path) is not None:
        pytest.skip("the temporary folder is inside a git work tree")
    assert provenance.head_files(tmp_path) == []
    assert provenance.commit(tmp_path, [tmp_path], "content") == (None, [])


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_source_date_epoch_is_none(value):
    assert provenance.source_date_epoch({"SOURCE_DATE_EPOCH": value}) is None


@pytest.mark.parametrize("value", ["-1", "1.5", "1e9", "yesterday", "99999999999999"])
def test_a_source_date_epoch_that_is_no_whole_number_of_seconds_is_an_error(value):
    with pytest.raises(AdvocacyError) as raised:
        provenance.source_date_epoch({"SOURCE_DATE_EPOCH": value})
    assert str(raised.value.problems[0]).endswith(f"; got {value!r}")
