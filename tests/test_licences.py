"""Licences: one of a known list, each with its own terms and URL, on the back
page, in the HTML's rel="license" and in the PDF's XMP rights."""

from __future__ import annotations

import html.parser

import pikepdf
import pytest

from advocacy.build import build
from advocacy.cli import main
from advocacy.config import Paths
from advocacy.licences import LICENCES
from conftest import MINIMAL, html_text, pdf_text

PROJECT = MINIMAL["content/project.yaml"]
XMP_RIGHTS = "{http://ns.adobe.com/xap/1.0/rights/}"

EXPECTED = {
    "CC BY 4.0": (
        "This document is published under the CC BY 4.0 licence: you may share and adapt it "
        "for any purpose, even commercially, with attribution.",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "CC BY-SA 4.0": (
        "This document is published under the CC BY-SA 4.0 licence: you may share and adapt it "
        "for any purpose, even commercially, with attribution, and must share adaptations "
        "under the same licence.",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC BY-NC 4.0": (
        "This document is published under the CC BY-NC 4.0 licence: you may share and adapt it "
        "for non-commercial purposes only, with attribution.",
        "https://creativecommons.org/licenses/by-nc/4.0/",
    ),
    "CC BY-NC-SA 4.0": (
        "This document is published under the CC BY-NC-SA 4.0 licence: you may share and "
        "adapt it for non-commercial purposes only, with attribution, and must share "
        "adaptations under the same licence.",
        "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    ),
    "CC BY-ND 4.0": (
        "This document is published under the CC BY-ND 4.0 licence: you may share it for any "
        "purpose, even commercially, with attribution, but may not distribute adaptations of "
        "it.",
        "https://creativecommons.org/licenses/by-nd/4.0/",
    ),
    "CC BY-NC-ND 4.0": (
        "This document is published under the CC BY-NC-ND 4.0 licence: you may share it for "
        "non-commercial purposes only, with attribution, but may not distribute adaptations "
        "of it.",
        "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    ),
    "CC0 1.0": (
        "This document is dedicated to the public domain under CC0 1.0: you may copy, modify "
        "and distribute it, even for commercial purposes, without asking permission.",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    "all rights reserved": (
        "All rights reserved: beyond what copyright law allows, copying or adapting this "
        "document needs the publisher's permission.",
        None,
    ),
}


class _LicenceLinks(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.head: list[str] = []
        self.body: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("rel") == "license":
            (self.head if tag == "link" else self.body).append(attrs["href"])


def licence_links(path) -> _LicenceLinks:
    parser = _LicenceLinks()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_licence_is_tested():
    assert set(EXPECTED) == set(LICENCES)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_licence_states_its_own_terms_and_url(make_project, name):
    sentence, url = EXPECTED[name]
    project = make_project({"content/project.yaml": f"{PROJECT}licence: {name}\n"})
    build(Paths.at(project))
    out = project / "build"
    text = pdf_text(out / "brief.pdf")
    assert sentence in text
    assert sentence in html_text(out / "brief.html")
    links = licence_links(out / "brief.html")
    assert links.head == links.body == ([url] if url else [])
    with pikepdf.open(out / "brief.pdf") as pdf:
        xmp = pdf.open_metadata()
        assert xmp["dc:rights"] == sentence
        assert xmp[f"{XMP_RIGHTS}Marked"] == ("False" if name == "CC0 1.0" else "True")
        assert xmp.get(f"{XMP_RIGHTS}WebStatement") == url
    if url:
        assert url in text
    else:
        assert "creativecommons.org" not in text


def test_the_default_is_cc_by(make_project):
    project = make_project()
    build(Paths.at(project), pdf=False)
    assert EXPECTED["CC BY 4.0"][0] in html_text(project / "build" / "brief.html")


def test_a_translation_states_the_terms_in_its_language(make_project):
    files = {
        "content/project.yaml": f"{PROJECT}licence: CC BY-NC-SA 4.0\n",
        "content/documents/brief.yaml": MINIMAL["content/documents/brief.yaml"] + "language: ms\n",
    }
    project = make_project(files)
    build(Paths.at(project))
    malay = (
        "Dokumen ini diterbitkan di bawah lesen CC BY-NC-SA 4.0: anda boleh berkongsi dan "
        "menyesuaikannya untuk tujuan bukan komersial sahaja, dengan menyatakan sumbernya, dan "
        "mesti berkongsi adaptasinya di bawah lesen yang sama."
    )
    assert malay in pdf_text(project / "build" / "brief.pdf")
    with pikepdf.open(project / "build" / "brief.pdf") as pdf:
        assert pdf.open_metadata()["dc:rights"] == malay


def run(project, capsys, *args):
    code = main(["--root", str(project), *args])
    return code, capsys.readouterr().err.splitlines()


KNOWN = (
    "'CC BY 4.0', 'CC BY-SA 4.0', 'CC BY-NC 4.0', 'CC BY-NC-SA 4.0', 'CC BY-ND 4.0', "
    "'CC BY-NC-ND 4.0', 'CC0 1.0', 'all rights reserved'"
)


@pytest.mark.parametrize(
    ("written", "nearest"),
    [
        ("CC BY-NC-SA", "CC BY-NC-SA 4.0"),
        ("CC-BY-NC-SA-4.0", "CC BY-NC-SA 4.0"),
        ("cc0 1.0", "CC0 1.0"),
    ],
)
def test_an_unknown_licence_lists_the_known_ones(make_project, capsys, written, nearest):
    project = make_project({"content/project.yaml": f"{PROJECT}licence: {written}\n"})
    assert run(project, capsys, "check") == (
        1,
        [
            f"content/project.yaml:4:10: error: licence: expected one of {KNOWN}; got "
            f"'{written}' (did you mean '{nearest}'?)",
            "1 error in 1 file; nothing was built.",
        ],
    )


BY_URL = "licence_url: https://creativecommons.org/licenses/by/4.0/\n"


def test_licence_url_may_repeat_the_licence_url(make_project, capsys):
    good = f"{PROJECT}licence: CC BY 4.0\n{BY_URL}"
    assert run(make_project({"content/project.yaml": good}), capsys, "check")[0] == 0


def test_licence_url_may_not_differ_from_it(make_project, capsys):
    bad = f"{PROJECT}licence: CC BY-NC 4.0\n{BY_URL}"
    assert run(make_project({"content/project.yaml": bad}), capsys, "check") == (
        1,
        [
            "content/project.yaml:5:14: error: licence_url: "
            "'https://creativecommons.org/licenses/by/4.0/' is not the URL of CC BY-NC 4.0, "
            "which is https://creativecommons.org/licenses/by-nc/4.0/; remove licence_url (it "
            "follows from licence)",
            "1 error in 1 file; nothing was built.",
        ],
    )


def test_all_rights_reserved_has_no_licence_url(make_project, capsys):
    text = f"{PROJECT}licence: all rights reserved\nlicence_url: https://example.org/rights\n"
    assert run(make_project({"content/project.yaml": text}), capsys, "check") == (
        1,
        [
            "content/project.yaml:5:14: error: licence_url: 'https://example.org/rights': 'all "
            "rights reserved' has no licence to link to; remove licence_url",
            "1 error in 1 file; nothing was built.",
        ],
    )
