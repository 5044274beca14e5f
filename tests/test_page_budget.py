"""A brief over its page budget fails, naming the document, the limit, the page
count and the longest sections, and writes nothing."""

from __future__ import annotations

from advocacy.cli import main
from conftest import MINIMAL

PARAGRAPH = (
    "Community-based initiatives organise grassroots communities into enterprises "
    "they own, and extend social protection to people that markets and the state "
    "leave out. "
) * 4


def test_an_over_long_brief_fails_with_the_page_budget_message(make_project, capsys):
    introduction = "\n\n".join([PARAGRAPH] * 28)
    doc = MINIMAL["content/documents/brief.yaml"].replace(
        "introduction: The issue.\n",
        "introduction: |\n" + "\n".join("  " + line for line in introduction.splitlines()) + "\n",
    )
    project = make_project({"content/documents/brief.yaml": doc})
    assert main(["--root", str(project), "build"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "content/documents/brief.yaml:1:7: error: brief is 6 pages, over the limit of 4 for a "
        "policy-brief; cut the longest sections (pages): 'The issue' 5.0, 'Recommendations' 0.1, "
        "'Key messages' 0.1",
        "1 error in 1 file; nothing was built.",
    ]
    assert not (project / "build" / "brief.pdf").exists()
    assert not (project / "build" / "brief.html").exists()


def test_a_document_may_set_its_own_page_limit(make_project, capsys):
    doc = MINIMAL["content/documents/brief.yaml"] + "page_limit: 1\n"
    project = make_project({"content/documents/brief.yaml": doc})
    assert main(["--root", str(project), "build"]) == 0
    capsys.readouterr()
    doc = doc.replace("introduction: The issue.\n", "introduction: |\n  " + PARAGRAPH * 12 + "\n")
    (project / "content/documents/brief.yaml").write_text(doc, encoding="utf-8")
    assert main(["--root", str(project), "build"]) == 1
    assert "over the limit of 1 for a policy-brief" in capsys.readouterr().err
