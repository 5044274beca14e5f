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


# ------------------------------------------- what the sanitiser removes, where

REMOVALS = {
    "literal-block": (
        EX,
        "name: U\ncommunity: U\nstatement: |\n  One.\n  Two.\n\n  Four <script>x</script>.\n",
        "7:8: warning: statement: removed <script> element",
    ),
    "folded-block": (
        EX,
        "name: U\ncommunity: U\nstatement: >\n  One\n  two.\n\n  Four and <SCRIPT>x</SCRIPT>.\n",
        "7:12: warning: statement: removed <script> element",
    ),
    "mentioned-in-code-first": (
        EX,
        "name: U\ncommunity: U\nstatement: |\n  Write `<script>` as code.\n\n  Then <script>x</script>.\n",
        "6:8: warning: statement: removed <script> element",
    ),
    "double-quoted-attribute": (
        EX,
        'name: U\ncommunity: U\nstatement: "One\n  two <span style=\\"x\\">a</span> \\u00e9."\n',
        "4:13: warning: statement: removed style= attribute",
    ),
    "double-quoted-link": (
        EX,
        'name: U\ncommunity: U\nstatement: "One \\u00e9\n  two [c](javascript:alert(1))."\n',
        "4:11: warning: statement: removed link to 'javascript:alert(1)'",
    ),
    "attribute-not-the-word": (
        EX,
        "name: U\ncommunity: U\nstatement: |\n  Their style matters.\n\n"
        '  A <span style="x">styled</span> word.\n',
        "6:11: warning: statement: removed style= attribute",
    ),
    "markdown-image": (
        EX,
        "name: U\ncommunity: U\nstatement: >\n  Look at this\n  ![passwd](file:///etc/passwd) picture.\n",
        "5:3: warning: statement: removed <img> element",
    ),
    "indented-code": (
        EX,
        "name: U\ncommunity: U\nstatement: |\n  Para.\n\n      indented code\n",
        "6:7: warning: statement: removed <pre> element",
    ),
    "list-item": (
        DOC,
        MINIMAL[DOC].replace(
            "  - One message.\n",
            "  - One message.\n  - >\n    Second with\n    <iframe></iframe>.\n",
        ),
        "14:5: warning: key_messages[1]: removed <iframe> element",
    ),
}


@pytest.mark.parametrize("name", list(REMOVALS))
def test_a_removal_is_reported_where_it_is_written(name, make_project, capsys, located_prose):
    path, text, expected = REMOVALS[name]
    project = make_project({path: text})
    code, err = check(project, capsys)
    assert code == 0
    assert f"{path}:{expected}; prose may format text and link out" in err, err


def test_strict_reports_the_removal_at_its_line_and_column(make_project, capsys, located_prose):
    text = "name: U\ncommunity: U\nstatement: |\n  BEFORE\n  <script>alert()</script> AFTER\n"
    project = make_project({EX: text})
    code, err = check(project, capsys, "--strict")
    assert code == 1
    assert err == [
        f"{EX}:5:3: error: statement: removed <script> element; prose may format text and link out",
        "1 error in 1 file; nothing was built.",
    ]


# ------------------------------------------------------------ code is not cited


@pytest.mark.parametrize(
    "statement",
    [
        ">\n  Style sheets load others with `@import`\n  [@ostrom1990commons].\n",
        "|\n  A rule:\n\n  ```css\n  @import url(x.css);\n  ```\n\n  Cited [@ostrom1990commons].\n",
        "|\n  A rule:\n\n  ~~~\n  @import url(x.css);\n  ~~~\n\n  Cited [@ostrom1990commons].\n",
    ],
    ids=["code-span", "backtick-fence", "tilde-fence"],
)
def test_an_at_in_code_is_not_a_citation(statement, make_project, capsys):
    project = make_project({EX: "name: U\ncommunity: U\nstatement: " + statement})
    assert check(project, capsys) == (0, [])


def test_an_at_in_an_indented_code_block_is_not_a_citation(make_project, capsys, located_prose):
    statement = "|\n  A rule:\n\n      @import url(x.css);\n\n  Cited [@ostrom1990commons].\n"
    project = make_project({EX: "name: U\ncommunity: U\nstatement: " + statement})
    # Markdown makes the block <pre><code>; the sanitiser keeps only the <code>.
    assert check(project, capsys) == (
        0,
        [
            f"{EX}:6:7: warning: statement: removed <pre> element; prose may format text and link out"
        ],
    )


def test_an_at_in_plain_text_is_a_citation_as_in_pandoc(make_project, capsys):
    statement = ">\n  Style sheets load others with\n  @import [@ostrom1990commons].\n"
    project = make_project({EX: "name: U\ncommunity: U\nstatement: " + statement})
    code, err = check(project, capsys)
    assert code == 1
    assert err[0] == f"{EX}:5:3: error: unknown citation key 'import'"


def test_an_unknown_key_is_found_past_the_same_text_in_code(make_project, capsys):
    statement = ">\n  Cite as `[@ostrom1909commons]`, so:\n  [@ostrom1909commons].\n"
    project = make_project({EX: "name: U\ncommunity: U\nstatement: " + statement})
    code, err = check(project, capsys)
    assert code == 1
    assert err[0] == (
        f"{EX}:5:4: error: unknown citation key 'ostrom1909commons' "
        "(did you mean 'ostrom1990commons'?)"
    )


def test_an_unknown_key_is_found_past_a_longer_key_it_begins(make_project, capsys):
    statement = "Ostrom @ostrom1990commons and @ostrom.\n"
    project = make_project({EX: "name: U\ncommunity: U\nstatement: " + statement})
    code, err = check(project, capsys)
    assert code == 1
    assert err[0] == (
        f"{EX}:3:42: error: unknown citation key 'ostrom' (did you mean 'ostrom1990commons'?)"
    )


def test_code_renders_an_at_as_written_and_citations_around_it(make_project, capsys):
    statement = (
        "|\n  Load with `@import` or `\\@import` [@ostrom1990commons].\n\n"
        "      @import url(x.css);\n"
    )
    project = make_project({EX: "name: U\ncommunity: U\nstatement: " + statement})
    assert main(["--root", str(project), "build", "--html-only"]) == 0
    capsys.readouterr()
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    assert (
        '<code>@import</code> or <code>\\@import</code> <span class="citation" '
        'data-cites="ostrom1990commons">' in html
    )
    assert ">Ostrom 1990</a>" in html
    assert "<code>@import url(x.css);\n</code>" in html


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (
            "[Bad Key!]",
            "4:11: error: sources[0]: 'Bad Key!' is not a citation key (a key has no spaces); "
            "write a key from the bibliography, or {key: KEY, locator: p. 12}",
        ),
        (
            "[{key: ostrom1990commons}]",
            "4:11: error: sources[0].locator: required field is missing",
        ),
    ],
)
def test_a_bad_source_is_one_message(make_project, capsys, sources, message):
    project = make_project(
        {
            "content/exclusions/urban-poor.yaml": (
                "name: The urban poor\ncommunity: Urban poor\n"
                f"statement: The urban poor [@ostrom1990commons].\nsources: {sources}\n"
            )
        }
    )
    assert main(["--root", str(project), "check"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"content/exclusions/urban-poor.yaml:{message}",
        "1 error in 1 file; nothing was built.",
    ]
