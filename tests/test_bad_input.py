"""Bad input, one small file each: the exact error line, exit status 1, no
traceback, and every file of the previous build left byte-identical."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from advocacy.cli import main

EX = "content/exclusions/urban-poor.yaml"
GOOD_EX = "name: The urban poor\ncommunity: Urban poor\nstatement: S.\n"
DOC = "content/documents/brief.yaml"
GOOD_DOC = (
    "type: policy-brief\ntitle: A test brief\nshort_title: Test\n"
    "authors:\n  - name: Test Network\ndate: 2024-03\naudience: Officials\n"
    "subject: Testing\nkeywords: [test]\nkey_messages:\n  - One message.\n"
    "introduction: The issue.\nexclusions: [urban-poor]\ninitiatives: [cooperatives]\n"
    "recommendations: [protect]\n"
)
REC = "content/recommendations/protect.yaml"

CASES = {
    # YAML that surprises
    "duplicate-key": (
        EX,
        GOOD_EX + "name: Again\n",
        "4:1: error: duplicate key 'name' (first on line 1); keep one",
    ),
    "anchor": (
        EX,
        "name: &n The urban poor\ncommunity: U\nstatement: S.\n",
        "1:7: error: anchors (&name) are not allowed; write the value out",
    ),
    "alias": (
        EX,
        "name: U\ncommunity: *n\nstatement: S.\n",
        "2:12: error: aliases (*name) are not allowed; write the value out",
    ),
    "python-tag": (
        EX,
        "name: !!python/object/apply:os.system [ls]\n",
        "1:7: error: tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed; remove the tag",
    ),
    "str-tag": (
        EX,
        "name: !!str U\ncommunity: U\nstatement: S.\n",
        "1:7: error: tags (tag:yaml.org,2002:str) are not allowed; remove the tag",
    ),
    "second-document": (
        EX,
        GOOD_EX + "---\nname: B\n",
        "4:1: error: a second YAML document ('---') is not allowed; one record per file",
    ),
    "tab-indent": (
        EX,
        "name: U\ncommunity:\n\t- U\n",
        "3:1: error: a tab character is used for indentation; indent with spaces",
    ),
    "empty-file": (EX, "", "1:1: error: the file is empty; write a YAML mapping"),
    "comments-only": (
        EX,
        "# nothing yet\n   # still nothing\n",
        "1:1: error: the file is empty; write a YAML mapping",
    ),
    "not-utf8": (
        EX,
        b"name: The urban poor\ncommunity: Caf\xe9\n",
        "2:15: error: byte 0xe9 is not UTF-8; save the file as UTF-8",
    ),
    "control-char": (
        EX,
        "name: U\x0b\ncommunity: U\n",
        "1:8: error: control character U+000B is not allowed; delete it",
    ),
    "colon-in-value": (
        EX,
        "name: Note: urban poor\n",
        "1:11: error: a ': ' inside a value; quote the value that contains ': '",
    ),
    "unclosed-bracket": (
        EX,
        "name: U\ncommunity: U\nstatement: S.\nsources: [a, b\n",
        "4:10: error: the '[' opened here is not closed; add ']', or quote an item that contains a comma or a colon",
    ),
    "top-level-list": (
        EX,
        "- name: U\n",
        "1:1: error: expected a mapping of field: value at the top",
    ),
    "mapping-as-key": (EX, "? {a: b}\n: c\nname: U\n", "1:3: error: a key must be plain text"),
    # the schema
    "unknown-field": (
        EX,
        GOOD_EX + "colour: red\n",
        "4:1: error: unknown field 'colour'; expected one of 'sources', 'name', 'community', 'statement', 'cross_cutting', 'evidence'",
    ),
    "misspelt-field": (
        EX,
        "name: U\ncommunity: U\nstatment: S.\n",
        "3:1: error: unknown field 'statment' (did you mean 'statement'?); expected one of 'sources', 'name', 'community', 'statement', 'cross_cutting', 'evidence'",
    ),
    "missing-field": (
        EX,
        "name: U\ncommunity: U\n",
        "1:1: error: statement: required field is missing",
    ),
    "empty-field": (
        EX,
        "name:\ncommunity: U\nstatement: S.\n",
        "1:1: error: name: must not be empty",
    ),
    "null-word": (
        EX,
        "name: None\ncommunity: U\nstatement: S.\n",
        "1:1: error: name: 'None' is not text; write the value, or remove the field",
    ),
    "list-for-text": (
        EX,
        "name: [U]\ncommunity: U\nstatement: S.\n",
        "1:1: error: name: expected text; got a list",
    ),
    "mapping-for-text": (
        EX,
        "name: {en: U}\ncommunity: U\nstatement: S.\n",
        "1:1: error: name: expected text; got a mapping",
    ),
    "text-for-list": (
        REC,
        "title: P\naction: A.\naddressed_to: national-government\n",
        "3:1: error: addressed_to: expected a list; got 'national-government'",
    ),
    "not-a-bool": (
        EX,
        GOOD_EX + "cross_cutting: maybe\n",
        "4:16: error: cross_cutting: expected true or false; got 'maybe'",
    ),
    "enum-typo": (
        REC,
        "title: P\naction: A.\naddressed_to: [un-agency]\n",
        "3:16: error: addressed_to[0]: expected one of 'national-government', 'local-government', 'regional-bodies', 'un-agencies', 'academia', 'sse-movement'; got 'un-agency' (did you mean 'un-agencies'?)",
    ),
    "empty-list": (
        DOC,
        GOOD_DOC.replace("keywords: [test]", "keywords: []"),
        "9:1: error: keywords: must list at least one item",
    ),
    "document-type": (
        DOC,
        GOOD_DOC.replace("policy-brief", "policy-breif"),
        "1:7: error: type: expected one of 'policy-brief', 'position-paper', 'synthesis-report', 'fact-sheet'; got 'policy-breif' (did you mean 'policy-brief'?)",
    ),
    "bad-date": (
        DOC,
        GOOD_DOC.replace("2024-03", "March 2024"),
        "6:7: error: date: expected a date as YYYY-MM-DD, YYYY-MM or YYYY; got 'March 2024'",
    ),
    "impossible-date": (
        DOC,
        GOOD_DOC.replace("2024-03", "2024-02-30"),
        "6:7: error: date: day is out of range for month",
    ),
    "type-needs-fields": (
        DOC,
        GOOD_DOC.replace("recommendations: [protect]\n", ""),
        "1:1: error: recommendations: required field is missing",
    ),
    "bad-language": (
        DOC,
        GOOD_DOC + "language: English\n",
        "16:11: error: language: 'English' is not a valid language tag such as 'en' or 'pt-BR'",
    ),
    "unknown-style": (
        DOC,
        GOOD_DOC + "citation_style: harvard-cite-them-rite\n",
        "16:17: error: citation_style: no style 'harvard-cite-them-rite' (did you mean 'harvard-cite-them-right'?); name one of the CSL styles that come with the project, or put harvard-cite-them-rite.csl in content/ or templates/csl/",
    ),
    "negative-count": (
        "content/events/m.yaml",
        "name: M\nshort_name: M\nforum: F\ndate: 2021-05-19\nformat: F\norganiser: O\nparticipants: -5\nspeakers: 9\nmoderators: 3\nprogramme: {keynotes: 1, case_studies: 5, partnership_speakers: 3}\nsynthesis_strands: [a]\n",
        "7:15: error: participants: must be 0 or more; got '-5'",
    ),
    "words-for-count": (
        "content/events/m.yaml",
        "name: M\nshort_name: M\nforum: F\ndate: 2021-05-19\nformat: F\norganiser: O\nparticipants: ninety\nspeakers: 9\nmoderators: 3\nprogramme: {keynotes: 1, case_studies: 5, partnership_speakers: 3}\nsynthesis_strands: [a]\n",
        "7:15: error: participants: expected a whole number; got 'ninety'",
    ),
    # ids and links
    "id-mismatch": (
        EX,
        "id: urban-rich\n" + GOOD_EX,
        "1:5: error: id: 'urban-rich' does not match the file name 'urban-poor'; remove the id",
    ),
    "bad-file-name": (
        "content/exclusions/Urban Poor.yaml",
        GOOD_EX,
        "1:1: error: file name 'Urban Poor.yaml' is not a valid id; use lower-case letters, digits and '-'",
    ),
    "unknown-link": (
        "content/initiatives/cooperatives.yaml",
        "name: C\nstatement: C.\nreaches: [urban-pour]\n",
        "3:11: error: reaches[0]: unknown exclusion 'urban-pour' (did you mean 'urban-poor'?)",
    ),
    "link-to-wrong-kind": (
        "content/initiatives/cooperatives.yaml",
        "name: C\nstatement: C.\nreaches: [protect]\n",
        "3:11: error: reaches[0]: unknown exclusion 'protect'",
    ),
    "bad-id-in-link": (
        "content/initiatives/cooperatives.yaml",
        "name: C\nstatement: C.\nreaches: [Urban Poor]\n",
        "3:11: error: reaches[0]: 'Urban Poor' is not a valid id; use lower-case letters, digits and '-'",
    ),
    # citations
    "unknown-citation": (
        EX,
        "name: U\ncommunity: U\nstatement: Poor [@ostrom1909commons].\n",
        "3:18: error: unknown citation key 'ostrom1909commons' (did you mean 'ostrom1990commons'?)",
    ),
    "unknown-source": (
        EX,
        GOOD_EX + "sources: [ostrom]\n",
        "4:11: error: unknown citation key 'ostrom' (did you mean 'ostrom1990commons'?)",
    ),
    "bib-duplicate": (
        "content/references.bib",
        "@book{a, title={A}, year={2000}}\n\n@book{a, title={B}, year={2001}}\n",
        "3:1: error: duplicate key 'a' (first on line 1); keep one",
    ),
    "bib-not-utf8": (
        "content/references.bib",
        b"@book{a, title={Caf\xe9}, year={2000}}\n",
        "1:20: error: byte 0xe9 is not UTF-8; save the file as UTF-8",
    ),
    "bib-unclosed": (
        "content/references.bib",
        "@book{a, title={A}, year={2000}\n\n@misc{b, title={B}}\n",
        "1:1: error: entry 'a' cannot be read: Unexpected block start: '@misc'. Was still looking for field-value closing ',' or '}'; check its braces and commas",
    ),
    # limits
    "too-long": (
        EX,
        "name: U\ncommunity: U\nstatement: " + "x" * 20_001 + "\n",
        "3:12: error: this value is 20,001 characters, over the limit of 20,000; shorten it or split the record",
    ),
    "too-deep": (
        EX,
        "name: U\nsources: " + "[" * 30 + "]" * 30 + "\n",
        "2:29: error: values are nested more than 20 deep; flatten them",
    ),
    "too-big": (
        EX,
        "# padding\n" * 30_000,
        "1:1: error: the file is 300,000 bytes, over the limit of 262,144; split it",
    ),
}


def digest(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def good_build(tmp_path_factory):
    """The minimal project, built once with PDFs: the previous good outputs."""
    from conftest import MINIMAL, ROOT

    root = tmp_path_factory.mktemp("good")
    shutil.copytree(ROOT / "templates", root / "templates")
    for name, text in MINIMAL.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    assert main(["--root", str(root), "build"]) == 0
    return root


def test_there_are_at_least_thirty_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_exact_line_and_nothing_built(name, good_build, tmp_path, capsys):
    path, text, expected = CASES[name]
    project = tmp_path / "p"
    shutil.copytree(good_build, project)
    before = digest(project / "build")
    target = project / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    capsys.readouterr()
    code = main(["--root", str(project), "build"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert f"{path}:{expected}" in err.splitlines(), err
    assert err.splitlines()[-1].endswith("; nothing was built.")
    assert "Traceback" not in err
    assert digest(project / "build") == before


def test_a_figure_whose_series_do_not_fit_its_categories(good_build, tmp_path, capsys):
    project = tmp_path / "p"
    shutil.copytree(good_build, project)
    (project / "content/figures").mkdir()
    (project / "content/figures/f.yaml").write_text(
        "title: T\nchart: bar\nalt: A chart.\ncategories: [a, b]\n"
        "series:\n  - name: S\n    values: [1]\nsources: [ostrom1990commons]\n",
        encoding="utf-8",
    )
    assert main(["--root", str(project), "build"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "content/figures/f.yaml:1:1: error: series 'S' has 1 values for 2 categories; "
        "give one value per category"
    )
