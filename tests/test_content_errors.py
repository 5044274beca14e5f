"""Bad content: one line per problem at its file, line and column; nothing built."""

from __future__ import annotations

import pytest

from advocacy.cli import main


def run(project, *args, capsys):
    code = main(["--root", str(project), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_minimal_project_builds(make_project, capsys):
    project = make_project()
    code, out, err = run(project, "build", "--html-only", capsys=capsys)
    assert (code, err) == (0, "")
    assert "built build/brief.html" in out


def test_unknown_link_is_reported_at_its_line_with_a_suggestion(make_project, capsys):
    project = make_project(
        {
            "content/initiatives/cooperatives.yaml": "name: Co-ops\nstatement: Co-ops.\nreaches:\n  - urban-por\n"
        }
    )
    code, _, err = run(project, "check", capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        "content/initiatives/cooperatives.yaml:4:5: error: reaches[0]: unknown exclusion "
        "'urban-por' (did you mean 'urban-poor'?)",
        "1 error in 1 file; nothing was built.",
    ]


def test_enum_value_lists_the_choices_and_the_nearest(make_project, capsys):
    project = make_project(
        {
            "content/recommendations/protect.yaml": "title: Protect\naction: Act.\naddressed_to: [goverment]\n"
            "rests_on: [urban-poor]\n"
        }
    )
    code, _, err = run(project, "check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        "content/recommendations/protect.yaml:3:16: error: addressed_to[0]: expected one of "
        "'national-government', 'local-government', 'regional-bodies', 'un-agencies', "
        "'academia', 'sse-movement'; got 'goverment' (did you mean 'local-government'?)"
    )


def test_unknown_field_missing_field_and_bad_number_are_all_reported(make_project, capsys):
    project = make_project(
        {
            "content/exclusions/urban-poor.yaml": "nmae: The urban poor\ncommunity: Urban poor\nstatement: x\n",
            "content/events/meeting.yaml": (
                "name: M\nshort_name: M\nforum: F\ndate: 2021-05-19\nformat: online\n"
                "organiser: O\nparticipants: ninety\nspeakers: 9\nmoderators: 3\n"
                "programme: {keynotes: 1, case_studies: 5, partnership_speakers: 3}\n"
                "synthesis_strands: [a]\n"
            ),
        }
    )
    code, _, err = run(project, "check", capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        "content/events/meeting.yaml:7:15: error: participants: expected a whole number; got 'ninety'",
        "content/exclusions/urban-poor.yaml:1:1: error: name: required field is missing",
        "content/exclusions/urban-poor.yaml:1:1: error: unknown field 'nmae' (did you mean "
        "'name'?); expected one of 'sources', 'name', 'community', 'statement', "
        "'cross_cutting', 'evidence'",
        "3 errors in 2 files; nothing was built.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: A\nname: B\n", "2:1: error: duplicate key 'name' (first on line 1); keep one"),
        ("name: &a A\n", "1:7: error: anchors (&name) are not allowed; write the value out"),
        (
            "name: !!python/object:os.system x\n",
            "1:7: error: tags (tag:yaml.org,2002:python/object:os.system) are not allowed; remove the tag",
        ),
        (
            "name: A\n---\nname: B\n",
            "2:1: error: a second YAML document ('---') is not allowed; one record per file",
        ),
        (
            "name: A\n\tcommunity: B\n",
            "2:1: error: a tab character is used for indentation; indent with spaces",
        ),
        ("# only a comment\n", "1:1: error: the file is empty; write a YAML mapping"),
        (b"name: caf\xe9\n", "1:10: error: byte 0xe9 is not UTF-8; save the file as UTF-8"),
        ("name: a\x07b\n", "1:8: error: control character U+0007 is not allowed; delete it"),
        ("name: a: b\n", "1:8: error: a ': ' inside a value; quote the value that contains ': '"),
        ("- a\n- b\n", "1:1: error: expected a mapping of field: value at the top"),
    ],
)
def test_yaml_that_surprises_is_refused_with_a_precise_message(
    make_project, capsys, text, expected
):
    project = make_project({"content/exclusions/bad.yaml": text})
    code, _, err = run(project, "check", capsys=capsys)
    assert code == 1
    assert f"content/exclusions/bad.yaml:{expected}" in err.splitlines()
    assert "Traceback" not in err


def test_yaml_words_stay_text(make_project, capsys):
    """NO is not false and 1.10 is not 1.1: scalars are kept as written."""
    project = make_project(
        {"content/exclusions/urban-poor.yaml": "name: NO\ncommunity: 1.10\nstatement: 012345\n"}
    )
    from advocacy.corpus import load_corpus

    corpus = load_corpus(project / "content", project)
    record = corpus.get("exclusion", "urban-poor")
    assert (record.name, record.community, record.statement) == ("NO", "1.10", "012345")


def test_bom_and_crlf_are_accepted(make_project, capsys):
    text = "\ufeffname: The urban poor\r\ncommunity: Urban poor\r\nstatement: S [@ostrom1990commons].\r\n"
    project = make_project({"content/exclusions/urban-poor.yaml": text.encode("utf-8")})
    code, _, err = run(project, "check", capsys=capsys)
    assert (code, err) == (0, "")


def test_null_words_are_not_published(make_project, capsys):
    project = make_project(
        {"content/exclusions/urban-poor.yaml": "name: null\ncommunity: ~\nstatement: S.\n"}
    )
    _code, _, err = run(project, "check", capsys=capsys)
    assert err.splitlines()[:2] == [
        "content/exclusions/urban-poor.yaml:1:1: error: name: 'null' is not text; write the value, or remove the field",
        "content/exclusions/urban-poor.yaml:2:1: error: community: '~' is not text; write the value, or remove the field",
    ]


def test_a_list_where_text_is_expected_is_an_error(make_project, capsys):
    project = make_project(
        {"content/exclusions/urban-poor.yaml": "name: [a, b]\ncommunity: {x: y}\nstatement: S.\n"}
    )
    _code, _, err = run(project, "check", capsys=capsys)
    assert err.splitlines()[:2] == [
        "content/exclusions/urban-poor.yaml:1:1: error: name: expected text; got a list",
        "content/exclusions/urban-poor.yaml:2:1: error: community: expected text; got a mapping",
    ]


def test_unknown_citation_key_is_an_error_at_its_field(make_project, capsys):
    project = make_project(
        {
            "content/exclusions/urban-poor.yaml": "name: U\ncommunity: U\nstatement: >\n  Poor [@ostrom1909commons].\n"
        }
    )
    code, _, err = run(project, "check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        "content/exclusions/urban-poor.yaml:4:9: error: unknown citation key "
        "'ostrom1909commons' (did you mean 'ostrom1990commons'?)"
    )


def test_a_failed_build_keeps_the_previous_outputs(make_project, capsys):
    project = make_project()
    assert run(project, "build", capsys=capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in (project / "build").rglob("*") if p.is_file()}
    (project / "content/exclusions/urban-poor.yaml").write_text("name: [\n", encoding="utf-8")
    code, out, err = run(project, "build", capsys=capsys)
    assert code == 1 and out == ""
    assert err.splitlines()[-1] == "1 error in 1 file; nothing was built."
    after = {p.name: p.read_bytes() for p in (project / "build").rglob("*") if p.is_file()}
    assert after == before
