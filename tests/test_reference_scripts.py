"""Names in every script, as the brief prints them in the default style
(chicago-author-date): the reference list entry and the citations in text,
read from the built HTML. Each case is a small project citing one entry
(made up for the test) in brackets and in text: "[@key], as @key says"."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from advocacy.cli import main
from conftest import MINIMAL


class _Cited(HTMLParser):
    """The citations (by data-cites) and reference list entries (by key) of a page."""

    def __init__(self):
        super().__init__()
        self.citations: dict[str, list[str]] = {}
        self.references: dict[str, str] = {}
        self._open: list[tuple[str, str] | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "citation" in classes:
            self.citations.setdefault(attrs["data-cites"], []).append("")
            self._open.append(("citation", attrs["data-cites"]))
        elif "csl-entry" in classes:
            self.references[attrs["id"][4:]] = ""
            self._open.append(("reference", attrs["id"][4:]))
        else:
            self._open.append(None)

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for where in filter(None, self._open):
            kind, key = where
            if kind == "citation":
                self.citations[key][-1] += data
            else:
                self.references[key] += data


def built(make_project, capsys, author: str) -> tuple[list[str], str]:
    """The citations and the reference of a book by author, as build/brief.html gives them."""
    entry = (
        f"\n@book{{cited2020,\n  author = {{{author}}},\n  title = {{Test Entry}},\n"
        "  publisher = {Test Press},\n  year = {2020}\n}\n"
    )
    project = make_project(
        {
            "content/references.bib": MINIMAL["content/references.bib"] + entry,
            "content/exclusions/urban-poor.yaml": (
                "name: The urban poor\ncommunity: Urban poor\n"
                "statement: The **urban poor** [@cited2020], as @cited2020 says.\n"
            ),
        }
    )
    assert main(["--root", str(project), "build", "--html-only"]) == 0
    assert "warning" not in capsys.readouterr().err
    page = _Cited()
    page.feed((project / "build" / "brief.html").read_text(encoding="utf-8"))
    folded = {key: " ".join(text.split()) for key, text in page.references.items()}
    return [" ".join(text.split()) for text in page.citations["cited2020"]], folded["cited2020"]


@pytest.mark.parametrize(
    ("author", "citations", "reference"),
    [
        pytest.param(
            "शर्मा, प्रिया",
            ["(शर्मा 2020)", "शर्मा (2020)"],
            "शर्मा, प्रिया. 2020. Test Entry. Test Press.",
            id="devanagari",
        ),
        pytest.param(
            "प्रिया शर्मा",  # given name first, no comma: the last word is the family name
            ["(शर्मा 2020)", "शर्मा (2020)"],
            "शर्मा, प्रिया. 2020. Test Entry. Test Press.",
            id="devanagari-given-first",
        ),
        pytest.param(
            "சுப்பிரமணியன், லட்சுமி",
            ["(சுப்பிரமணியன் 2020)", "சுப்பிரமணியன் (2020)"],
            "சுப்பிரமணியன், லட்சுமி. 2020. Test Entry. Test Press.",
            id="tamil",
        ),
        pytest.param(
            "রায়, অমিত and দাস, সুমিতা",
            ["(রায় and দাস 2020)", "রায় and দাস (2020)"],
            "রায়, অমিত, and সুমিতা দাস. 2020. Test Entry. Test Press.",
            id="bengali",
        ),
        pytest.param(
            "张伟 and 李娜",
            ["(张伟、李娜 2020)", "张伟、李娜 (2020)"],
            "张伟、李娜. 2020. Test Entry. Test Press.",
            id="chinese",
        ),
        pytest.param(
            "张, 伟",  # family, given: printed together, and cited in full
            ["(张伟 2020)", "张伟 (2020)"],
            "张伟. 2020. Test Entry. Test Press.",
            id="chinese-family-given",
        ),
        pytest.param(
            "山田, 太郎 and 鈴木, 花子",
            ["(山田太郎、鈴木花子 2020)", "山田太郎、鈴木花子 (2020)"],
            "山田太郎、鈴木花子. 2020. Test Entry. Test Press.",
            id="japanese",
        ),
        pytest.param(
            "김, 민수 and 이, 지은",
            ["(김민수·이지은 2020)", "김민수·이지은 (2020)"],
            "김민수·이지은. 2020. Test Entry. Test Press.",
            id="korean",
        ),
        pytest.param(
            "สมชาย ใจดี",
            ["(สมชาย ใจดี 2020)", "สมชาย ใจดี (2020)"],
            "สมชาย ใจดี. 2020. Test Entry. Test Press.",
            id="thai",
        ),
        pytest.param(
            "ใจดี, สมชาย",  # family, given: still given name first
            ["(สมชาย ใจดี 2020)", "สมชาย ใจดี (2020)"],
            "สมชาย ใจดี. 2020. Test Entry. Test Press.",
            id="thai-family-given",
        ),
        pytest.param(
            "张伟 and Smith, John",
            ["(张伟 and Smith 2020)", "张伟 and Smith (2020)"],
            "张伟, and John Smith. 2020. Test Entry. Test Press.",
            id="chinese-and-latin",
        ),
        pytest.param(
            "Smith, John and 张伟 and 李娜",
            ["(Smith and 张伟、李娜 2020)", "Smith and 张伟、李娜 (2020)"],
            "Smith, John, and 张伟、李娜. 2020. Test Entry. Test Press.",
            id="latin-and-chinese",
        ),
        pytest.param(
            "शर्मा, प्रिया and Smith, John",
            ["(शर्मा and Smith 2020)", "शर्मा and Smith (2020)"],
            "शर्मा, प्रिया, and John Smith. 2020. Test Entry. Test Press.",
            id="devanagari-and-latin",
        ),
        pytest.param(
            "Smith, John and J{\\'o}nsd{\\'o}ttir, Sigr{\\'\\i}{\\dh}ur",
            ["(Smith and Jónsdóttir 2020)", "Smith and Jónsdóttir (2020)"],
            "Smith, John, and Sigríður Jónsdóttir. 2020. Test Entry. Test Press.",
            id="latin-as-before",
        ),
    ],
)
def test_names_print_in_the_order_of_their_script(
    make_project, capsys, author, citations, reference
):
    assert built(make_project, capsys, author) == (citations, reference)


def test_a_name_with_latex_beside_one_in_another_script_is_decoded(make_project, capsys):
    author = "J{\\'o}nsd{\\'o}ttir, Sigr{\\'\\i}{\\dh}ur and สมชาย ใจดี"
    assert built(make_project, capsys, author) == (
        ["(Jónsdóttir and สมชาย ใจดี 2020)", "Jónsdóttir and สมชาย ใจดี (2020)"],
        "Jónsdóttir, Sigríður, and สมชาย ใจดี. 2020. Test Entry. Test Press.",
    )
