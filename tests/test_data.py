"""Data from CSV: figures and tables read from content/data/, tables in prose,
numbers in the document's language, and every fault of a CSV at its place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import tinyhtml5

from advocacy.cli import main
from conftest import MINIMAL, pdf_text

EXAMPLE = (Path(__file__).parent / "data" / "coverage.csv").read_text(encoding="utf-8")
FIGURE = (
    "title: Coverage by district\nchart: bar\nalt: Bars of coverage in three districts.\n"
    "data:\n  file: coverage.csv\n  category: district\n  series: [coverage]\n"
    "unit: Per cent\nsources: [ostrom1990commons]\n"
)
TABLE = (
    "title: People covered, by district\nunit: Number of people\n"
    "data:\n  file: coverage.csv\n  columns: [district, {column: people, label: People covered}]\n"
    "sources: [{key: ostrom1990commons, locator: p. 4}]\nnote: Estimates for *testing*.\n"
)
BRIEF = MINIMAL["content/documents/brief.yaml"]


def project_with(make_project, extra: str = "", **files: str) -> Path:
    return make_project(
        {
            "content/data/coverage.csv": EXAMPLE,
            "content/figures/coverage.yaml": FIGURE,
            "content/tables/people.yaml": TABLE,
            "content/documents/brief.yaml": BRIEF
            + "figures: [coverage]\ntables: [people]\n"
            + extra,
            **files,
        }
    )


def run(project: Path, *args: str, capsys) -> tuple[int, str, str]:
    code = main(["--root", str(project), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def parse(path: Path):
    return tinyhtml5.parse(path.read_text(encoding="utf-8"), namespace_html_elements=False)


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_a_figure_and_a_table_from_csv_in_a_policy_brief(make_project, capsys):
    project = project_with(make_project)
    code, _out, err = run(project, "build", capsys=capsys)
    assert (code, err) == (0, "")
    pdf = pdf_text(project / "build" / "brief.pdf")
    assert "Coverage by district" in pdf
    assert "District A District B District C" in pdf  # the chart's categories, as text
    assert "TABLE 1 People covered, by district Number of people" in pdf
    assert "District A 128,000 District B 2,500,000 District C 96,000" in pdf
    assert "Source: (Ostrom 1990, 4) Note: Estimates for testing." in pdf

    html = parse(project / "build" / "brief.html")
    table = html.find(".//div[@id='table-people']/table")
    assert text_of(table.find("caption")) == (
        "Table 1 People covered, by district Number of people"
    )
    head = table.findall("./thead/tr/th")
    assert [(th.get("scope"), text_of(th)) for th in head] == [
        ("col", "district"),
        ("col", "People covered"),
    ]
    rows = table.findall("./tbody/tr")
    assert [(r.find("th").get("scope"), text_of(r.find("th"))) for r in rows] == [
        ("row", "District A"),
        ("row", "District B"),
        ("row", "District C"),
    ]
    assert [(td.get("class"), text_of(td)) for td in table.findall("./tbody/tr/td")] == [
        ("number", "128,000"),
        ("number", "2,500,000"),
        ("number", "96,000"),
    ]
    chart = html.find(".//figure[@id='figure-coverage']")
    svg_text = [text_of(t) for t in chart.iter("{http://www.w3.org/2000/svg}text")]
    svg_text += [text_of(t) for t in chart.iter("text")]
    assert {"District A", "27.8", "12.5", "40"} <= set(svg_text)
    data = chart.find(".//table[@class='figure-data']")
    assert [text_of(td) for td in data.iter("td")] == ["27.8", "12.5", "40"]


def test_numbers_are_written_as_the_document_language_writes_them(make_project, capsys):
    project = project_with(make_project, extra="language: id\n")
    code, _out, _err = run(project, "build", "--html-only", capsys=capsys)
    assert code == 0
    html = parse(project / "build" / "brief.html")
    cells = html.findall(".//div[@id='table-people']/table/tbody/tr/td")
    assert [text_of(td) for td in cells] == ["128.000", "2.500.000", "96.000"]
    chart = html.find(".//figure[@id='figure-coverage']")
    svg_text = {text_of(t) for t in chart.iter() if str(t.tag).endswith("text")}
    assert {"27,8", "12,5", "40"} <= svg_text
    data = chart.find(".//table[@class='figure-data']")
    assert [text_of(td) for td in data.iter("td")] == ["27,8", "12,5", "40"]


def test_a_table_written_in_yaml_and_a_column_printed_as_written(make_project, capsys):
    table = (
        "title: Laws by year\ncolumns: [Country, {column: Year, format: text}, Members]\n"
        "rows:\n  - [Atlantis, '2012', '1234.5']\n  - [Lemuria, '2019', '..']\n"
        "sources: [ostrom1990commons]\n"
    )
    project = project_with(make_project, **{"content/tables/people.yaml": table})
    code, _out, err = run(project, "build", "--html-only", capsys=capsys)
    assert (code, err) == (0, "")
    html = parse(project / "build" / "brief.html")
    table = html.find(".//div[@id='table-people']/table")
    assert [(th.get("class"), text_of(th)) for th in table.findall("./thead/tr/th")] == [
        (None, "Country"),
        (None, "Year"),
        ("number", "Members"),
    ]
    assert [[text_of(c) for c in row] for row in table.findall("./tbody/tr")] == [
        ["Atlantis", "2012", "1,234.5"],
        ["Lemuria", "2019", ".."],
    ]


def test_a_markdown_pipe_table_in_prose_becomes_a_table(make_project, capsys):
    introduction = (
        "introduction: |\n  The issue [@ostrom1990commons].\n\n"
        "  | District | Coverage |\n  |:---|---:|\n  | District A | 27.8 |\n"
    )
    project = make_project(
        {"content/documents/brief.yaml": BRIEF.replace("introduction: The issue.\n", introduction)}
    )
    code, _out, err = run(project, "build", "--html-only", capsys=capsys)
    assert (code, err) == (0, "")
    html = parse(project / "build" / "brief.html")
    table = html.find(".//section[@aria-labelledby='issue']//table")
    assert [(th.get("scope"), th.get("class"), text_of(th)) for th in table.iter("th")] == [
        ("col", "align-left", "District"),
        ("col", "align-right", "Coverage"),
    ]
    assert [(td.get("class"), text_of(td)) for td in table.iter("td")] == [
        ("align-left", "District A"),
        ("align-right", "27.8"),
    ]


def test_the_sanitiser_keeps_table_attributes_strict(make_project, capsys):
    raw = '<table><tr><td class="evil" style="color:red">x</td><th scope="all">y</th></tr></table>'
    project = make_project(
        {
            "content/documents/brief.yaml": BRIEF.replace(
                "introduction: The issue.", f"introduction: '{raw}'"
            )
        }
    )
    code, _out, err = run(project, "check", capsys=capsys)
    assert code == 0
    assert err.splitlines() == [
        "content/documents/brief.yaml:12:31: warning: introduction: removed class='evil' on "
        "<td> (expected align-center or align-left or align-right); prose may format text "
        "and link out",
        "content/documents/brief.yaml:12:44: warning: introduction: removed style= attribute; "
        "prose may format text and link out",
        "content/documents/brief.yaml:12:72: warning: introduction: removed scope='all' on "
        "<th> (expected col or colgroup or row or rowgroup); prose may format text and link out",
    ]


# ------------------------------------------------------------ faults, each at its place

FAULTS = [
    pytest.param(
        {"content/data/coverage.csv": EXAMPLE.replace("12.5", "n/a")},
        "content/data/coverage.csv:3:12: error: 'n/a' in column 'coverage' is not a number; "
        "write it with a '.' before any decimals and no thousands separators, as 27.8",
        id="not-a-number",
    ),
    pytest.param(
        {"content/data/coverage.csv": EXAMPLE.replace("12.5", '"12,5"')},
        "content/data/coverage.csv:3:12: error: '12,5' in column 'coverage' is not a number; "
        "write it with a '.' before any decimals and no thousands separators, as 27.8 or 128000",
        id="decimal-comma",
    ),
    pytest.param(
        {"content/data/coverage.csv": EXAMPLE.replace("40", "")},
        "content/data/coverage.csv:4:12: error: empty cell in column 'coverage'; a chart needs "
        "a number in every row",
        id="empty-cell",
    ),
    pytest.param(
        {"content/figures/coverage.yaml": FIGURE.replace("[coverage]", "[coverge]")},
        "content/figures/coverage.yaml:7:12: error: data.series[0]: no column 'coverge' in "
        "content/data/coverage.csv (did you mean 'coverage'?); its columns are 'district', "
        "'coverage', 'people'",
        id="unknown-column",
    ),
    pytest.param(
        {"content/tables/people.yaml": TABLE.replace("column: people", "column: peple")},
        "content/tables/people.yaml:5:32: error: data.columns[1]: no column 'peple' in "
        "content/data/coverage.csv (did you mean 'people'?); its columns are 'district', "
        "'coverage', 'people'",
        id="unknown-table-column",
    ),
    pytest.param(
        {"content/figures/coverage.yaml": FIGURE.replace("file: coverage", "file: coverag")},
        "content/figures/coverage.yaml:5:9: error: data.file: no file 'coverag.csv' in "
        "content/data/ (did you mean 'coverage.csv'?)",
        id="missing-file",
    ),
    pytest.param(
        {"content/figures/coverage.yaml": FIGURE.replace("file: coverage", "file: ../coverage")},
        "content/figures/coverage.yaml:5:9: error: data.file: '../coverage.csv' is not a file "
        "in content/data/; give a relative path to a .csv file there, without '..'",
        id="dot-dot",
    ),
    pytest.param(
        {"content/data/coverage.csv": b"district,coverage\nCaf\xe9,1\n"},
        "content/data/coverage.csv:2:4: error: byte 0xe9 is not UTF-8; save the file as UTF-8",
        id="not-utf8",
    ),
    pytest.param(
        {"content/data/coverage.csv": EXAMPLE.replace("District B,12.5,", "District B,12.5")},
        "content/data/coverage.csv:3:12: error: this row has 2 cells and the header row 3; "
        "give one cell per column, empty ones too",
        id="short-row",
    ),
    pytest.param(
        {"content/data/coverage.csv": EXAMPLE.replace("people", "coverage")},
        "content/data/coverage.csv:1:19: error: column 'coverage' is named twice in the header "
        "row (first in column 2); rename one",
        id="header-twice",
    ),
    pytest.param(
        {"content/data/coverage.csv": EXAMPLE.replace("District C", '"District C')},
        "content/data/coverage.csv:4:1: error: a quoted cell is not closed; add the closing '\"'",
        id="open-quote",
    ),
    pytest.param(
        {"content/data/coverage.csv": "district;coverage\nA;1\n"},
        "content/data/coverage.csv:1:1: error: the header row has ';' but no ','; save the "
        "file as CSV with commas",
        id="semicolons",
    ),
    pytest.param(
        {"content/data/coverage.csv": "district,coverage\n" + "A,1\n" * 2_001},
        "content/data/coverage.csv:2002:1: error: more than 2,000 rows of data, over the "
        "limit; split the file",
        id="too-many-rows",
    ),
    pytest.param(
        {"content/data/coverage.csv": "district,coverage\n" + "A,1" + " " * 300_000 + "\n"},
        "content/data/coverage.csv:1:1: error: the file is 300,022 bytes, over the limit of "
        "262,144; split it",
        id="too-big",
    ),
    pytest.param(
        {"content/figures/coverage.yaml": FIGURE + "categories: [A]\n"},
        "content/figures/coverage.yaml:1:1: error: give the numbers either in a CSV (data) "
        "or here (categories and series), not both",
        id="both",
    ),
    pytest.param(
        {
            "content/tables/people.yaml": TABLE.replace(
                "sources: [{key: ostrom1990commons, locator: p. 4}]\n", ""
            )
        },
        "content/tables/people.yaml:1:1: error: sources: required field is missing",
        id="no-source",
    ),
]


@pytest.mark.parametrize(("files", "message"), FAULTS)
def test_each_fault_is_one_located_error_and_nothing_is_built(make_project, capsys, files, message):
    project = project_with(make_project, **files)
    (project / "build").mkdir()
    (project / "build" / "brief.html").write_text("last good build", encoding="utf-8")
    code, _out, err = run(project, "build", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == message
    assert err.splitlines()[1].endswith("nothing was built.")
    assert sorted(p.name for p in (project / "build").iterdir()) == ["brief.html"]
    assert (project / "build" / "brief.html").read_text(encoding="utf-8") == "last good build"


def test_a_csv_linked_from_outside_the_data_folder_is_refused(make_project, capsys, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside.csv"
    outside.write_text(EXAMPLE, encoding="utf-8")
    project = project_with(make_project, **{"content/data/coverage.csv": None})
    (project / "content" / "data").mkdir(exist_ok=True)
    os.symlink(outside, project / "content" / "data" / "coverage.csv")
    code, _out, err = run(project, "check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[:2] == [
        "content/figures/coverage.yaml:5:9: error: data.file: 'coverage.csv' leads outside "
        "content/data/",
        "content/tables/people.yaml:4:9: error: data.file: 'coverage.csv' leads outside "
        "content/data/",
    ]


def test_the_readme_shows_these_messages():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for fault in ("not-a-number", "unknown-column"):
        message = next(p.values[1] for p in FAULTS if p.id == fault)
        assert f"\n{message}\n" in readme
