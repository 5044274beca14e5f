"""Where each problem points: the key of a field wrong as a whole, the first
character of a value that is wrong, and the very place of a thing inside a
text, through the folding and quoting of YAML scalars."""

from __future__ import annotations

import pytest

from advocacy import build
from advocacy.cli import main
from advocacy.corpus import prose_problems
from conftest import MINIMAL

EX = "content/exclusions/urban-poor.yaml"
DOC = "content/documents/brief.yaml"


def check(project, capsys, *args):
    code = main(["--root", str(project), *args, "check"])
    return code, capsys.readouterr().err.splitlines()


@pytest.fixture
def located_prose(monkeypatch):
    """`advocacy check` reporting removals through corpus.prose_problems."""
    monkeypatch.setattr(build, "check_prose", prose_problems, raising=False)


# ------------------------------------------------------- a field as a whole


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (
            EX,
            "name:\n  - a\n  - b\ncommunity: U\nstatement: S.\n",
            "1:1: error: name: expected text; got a list",
        ),
        (
            DOC,
            MINIMAL[DOC].replace("key_messages:\n  - One message.\n", "key_messages:\n  one: x\n"),
            "10:1: error: key_messages: expected a list; got a mapping",
        ),
        (
            EX,
            "community: U\nname:\n  null\nstatement: S.\n",
            "2:1: error: name: 'null' is not text; write the value, or remove the field",
        ),
        (
            EX,
            "name: U\ncommunity: U\nstatement: S.\ncross_cutting: ''\n",
            "4:1: error: cross_cutting: expected true or false; got ''",
        ),
        (
            "content/recommendations/protect.yaml",
            "title: P\naction: A.\nrests_on: [urban-poor]\naddressed_to: >\n  national-government\n",
            "4:1: error: addressed_to: expected a list; got 'national-government'",
        ),
        (
            EX,
            "name: U\nstatement: S.\ncommunity:\n",
            "3:1: error: community: must not be empty",
        ),
        (
            "content/project.yaml",
            "licence: CC BY 4.0\norganisation:\n  short_name: TN\n",
            "2:1: error: organisation.name: required field is missing",
        ),
        (
            DOC,
            MINIMAL[DOC].replace("  - name: Test Network\n", "  - role: Lead\n"),
            "5:5: error: authors[0].name: required field is missing",
        ),
        (
            EX,
            "# The urban poor\nname: U\ncommunity: U\n",
            "2:1: error: statement: required field is missing",
        ),
    ],
)
def test_a_field_wrong_as_a_whole_is_reported_at_its_key(
    make_project, capsys, path, text, expected
):
    project = make_project({path: text})
    code, err = check(project, capsys)
    assert code == 1
    assert f"{path}:{expected}" in err, err


# ----------------------------------------------------------- a wrong value


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (
            "content/recommendations/protect.yaml",
            "title: P\naction: A.\nrests_on: [urban-poor]\naddressed_to:\n  - goverment\n",
            "5:5: error: addressed_to[0]: expected one of 'national-government', "
            "'local-government', 'regional-bodies', 'un-agencies', 'academia', "
            "'sse-movement'; got 'goverment' (did you mean 'local-government'?)",
        ),
        (
            EX,
            "name: U\ncommunity: U\nstatement: S.\ncross_cutting:\n  maybe\n",
            "5:3: error: cross_cutting: expected true or false; got 'maybe'",
        ),
        (
            "content/initiatives/cooperatives.yaml",
            "name: C\nstatement: C.\nreaches:\n  - urban-pour\n",
            "4:5: error: reaches[0]: unknown exclusion 'urban-pour' (did you mean 'urban-poor'?)",
        ),
    ],
)
def test_a_wrong_value_is_reported_at_the_value(make_project, capsys, path, text, expected):
    project = make_project({path: text})
    code, err = check(project, capsys)
    assert code == 1
    assert f"{path}:{expected}" in err, err
