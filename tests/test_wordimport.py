"""The way back from Word: an edited DOCX, imported field by field into the YAML."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pytest

from advocacy import cli
from advocacy.build import build
from advocacy.config import Paths

ROOT = Path(__file__).resolve().parent.parent
CASTE = "content/exclusions/caste-gender.yaml"

pytestmark = pytest.mark.default_content


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The brief's Word file, as build --docx writes it for the default content."""
    out = tmp_path_factory.mktemp("export")
    build(Paths.at(ROOT, build=out), ["policy-brief"], pdf=False, docx=True)
    return out / "policy-brief.docx"


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the default content, with a comment in the record that is edited."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    record = tmp_path / CASTE
    record.write_text("# reviewed by the research team\n" + record.read_text(encoding="utf-8"))
    return tmp_path


def paragraph(document, start: str):
    return next(p for p in document.paragraphs if p.text.startswith(start))


def retype(paragraph, text: str) -> None:
    """Replace a paragraph's text as a person typing in Word would: the runs keep
    the bookmarks around them."""
    runs = paragraph.runs
    runs[0].text = text
    for run in runs[1:]:
        run.text = ""


def edited(exported: Path, tmp_path: Path, change) -> Path:
    document = docx.Document(str(exported))
    change(document)
    path = tmp_path / "from-the-ministry.docx"
    document.save(str(path))
    return path


def run(capsys, project: Path, *args: str) -> tuple[int, str, str]:
    status = cli.main(["--root", str(project), "import-docx", *args])
    out, err = capsys.readouterr()
    return status, out, err


STATEMENT = "Communities isolated and negatively impacted by the caste system"


def change_statement(document):
    retype(
        paragraph(document, STATEMENT),
        "Dalit and other communities marked by caste, and women within them, are one of "
        "six communities the open space found experiencing exclusion.",
    )


def test_an_edited_paragraph_is_the_exact_diff_at_its_fields_line(exported, project, capsys):
    path = edited(exported, project, change_statement)
    status, out, err = run(capsys, project, str(path))
    assert status == 0
    lines = out.splitlines()
    # the field's key is on line 4 of the file (line 1 is the comment added)
    assert lines[0] == f"--- {CASTE}:4 (statement, in the YAML)"
    assert lines[1] == f"+++ {CASTE}:4 (statement, in Word)"
    assert lines[3:8] == [
        "-Communities isolated and negatively impacted by the caste system and gender",
        "-inequality, especially impacting both women and communities categorised as",
        "-backward, are one of six communities the open space found experiencing",
        "-exclusion.",
        "+Dalit and other communities marked by caste, and women within them, are one",
    ]
    assert lines[-1] == f"1 field changed in {path.name}, to import (run again with --apply)"
    assert err == ""
    assert STATEMENT in (project / CASTE).read_text(encoding="utf-8")  # nothing written


def test_apply_writes_the_new_text_and_keeps_the_comments(exported, project, capsys):
    before = (project / CASTE).read_text(encoding="utf-8")
    path = edited(exported, project, change_statement)
    status, out, _ = run(capsys, project, str(path), "--apply")
    assert status == 0
    assert out.splitlines()[-1] == f"1 field changed in {path.name}, written into the YAML"
    after = (project / CASTE).read_text(encoding="utf-8")
    assert after.startswith("# reviewed by the research team\nname: Caste and gender inequality\n")
    assert "statement: >\n  Dalit and other communities marked by caste, and women within" in after
    # every other field is as it was, byte for byte
    assert after.split("evidence:")[1] == before.split("evidence:")[1]
    # and the content still reads, with the new text
    assert cli.main(["--root", str(project), "check"]) == 0
    status, out, _ = run(capsys, project, str(path))
    assert out.splitlines()[-1] == f"no field changed in {path.name}"


def test_a_citation_comes_back_as_its_key(exported, project, capsys):
    # the citation, "(Thorat and Newman 2010)" with a link to its reference, is left
    # as Word keeps it; only the text before it is retyped
    def change(document):
        target = paragraph(document, "In modern India")
        assert "(Thorat and Newman 2010)." in target.text
        target.runs[
            0
        ].text = "In India today, caste brings discrimination, as Thorat and Newman show"

    path = edited(exported, project, change)
    status, _, _ = run(capsys, project, str(path), "--apply")
    assert status == 0
    text = (project / CASTE).read_text(encoding="utf-8")
    assert (
        "evidence: >\n  In India today, caste brings discrimination, as Thorat and Newman show\n"
        "  [@thorat2010blockedbycaste].\nsources:"
    ) in text


def test_a_new_paragraph_outside_any_field_is_reported_by_the_exact_message(
    exported, project, capsys
):
    def change(document):
        paragraph(document, "Conclusion").insert_paragraph_before(
            "A paragraph the ministry added between two fields."
        )

    path = edited(exported, project, change)
    status, out, err = run(capsys, project, str(path), "--apply")
    assert status == 0
    number = next(
        i
        for i, p in enumerate(docx.Document(str(path)).element.body.iter(docx.oxml.ns.qn("w:p")), 1)
        if "".join(t.text for t in p.iter(docx.oxml.ns.qn("w:t")))
        == "A paragraph the ministry added between two fields."
    )
    assert err == (
        f"{path.name}:{number}:1: warning: paragraph {number} is outside every field (a heading, "
        "a label, or text added between fields), so it is not imported; copy it into the "
        'YAML: "A paragraph the ministry added between two fields."\n'
    )
    assert out.splitlines()[-1] == f"no field changed in {path.name}"


def test_word_comments_are_listed_with_their_field(exported, project, capsys):
    def change(document):
        target = paragraph(document, STATEMENT)
        document.add_comment(target.runs, text="Name the castes?", author="Ministry reviewer")

    path = edited(exported, project, change)
    status, _, err = run(capsys, project, str(path))
    assert status == 0
    assert (
        f'{CASTE}:4:1: note: comment by Ministry reviewer on statement: "Name the castes?"' in err
    )


def test_a_file_the_build_did_not_write_is_a_clear_error(project, capsys, tmp_path):
    document = docx.Document()
    document.add_paragraph("Just a letter.")
    path = tmp_path / "letter.docx"
    document.save(str(path))
    status, _, err = run(capsys, project, str(path))
    assert status == 1
    assert err.startswith(
        "letter.docx: error: not a Word file this project's build wrote (it names no edition); "
    )
    (tmp_path / "broken.docx").write_text("not a zip")
    status, _, err = run(capsys, project, str(tmp_path / "broken.docx"))
    assert status == 1
    assert "cannot be read as a Word file (.docx)" in err


def test_pending_tracked_changes_are_reported_not_imported(exported, project, capsys):
    def change(document):
        from docx.oxml import parse_xml

        target = paragraph(document, STATEMENT)
        inserted = parse_xml(
            '<w:ins xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            'w:id="901" w:author="Ministry reviewer" w:date="2026-12-01T10:00:00Z">'
            '<w:r><w:t xml:space="preserve">Dalit </w:t></w:r></w:ins>'
        )
        target.runs[0]._r.addprevious(inserted)

    path = edited(exported, project, change)
    status, out, err = run(capsys, project, str(path), "--apply")
    assert status == 0
    assert out.splitlines()[-1] == f"no field changed in {path.name}"
    assert err == (
        f'{CASTE}:4:1: warning: a tracked change not yet accepted (inserted "Dalit" by Ministry '
        "reviewer) in statement is not imported: accept or reject it in Word, then import again\n"
    )


def test_an_edition_in_another_language_is_imported_into_its_translation(exported, project, capsys):
    malay = exported.parent / "policy-brief.ms.docx"

    def change(document):
        retype(
            paragraph(document, "Komuniti yang terpencil"),
            "Komuniti Dalit dan komuniti lain yang ditanda oleh kasta ialah satu daripada enam "
            "komuniti yang mengalami penyisihan.",
        )

    path = edited(malay, project, change)
    status, out, _ = run(capsys, project, str(path), "--apply")
    assert status == 0
    assert out.startswith("--- content/exclusions/caste-gender.ms.yaml:4 (statement, in the YAML)")
    text = (project / "content/exclusions/caste-gender.ms.yaml").read_text(encoding="utf-8")
    assert "statement: >\n  Komuniti Dalit dan komuniti lain" in text
    assert "translated_from:\n  name: ba850accb7d6" in text  # the source it was made from
    assert STATEMENT in (project / CASTE).read_text(encoding="utf-8")  # the source untouched
