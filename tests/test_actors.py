"""Actors declared in content/actors.yaml: addressed by recommendations, printed
as written, grouped by level in the "who should act" table."""

from __future__ import annotations

from advocacy.build import build
from advocacy.cli import main
from advocacy.config import Paths
from conftest import MINIMAL, html_text, pdf_text

ACTORS = (
    "kuskop:\n"
    "  name: Ministry of Entrepreneur and Cooperatives Development\n"
    "  short_name: KUSKOP\n"
    "  level: national\n"
    "dbkl:\n"
    "  name: Kuala Lumpur City Hall\n"
    "  level: local\n"
    "myssen:\n"
    "  name: Malaysian SSE Network\n"
    "  level: civil-society\n"
)
PROTECT = MINIMAL["content/recommendations/protect.yaml"]
TO_KUSKOP = PROTECT.replace("[national-government]", "[kuskop, dbkl]")
PAPER = (
    "type: position-paper\ntitle: A test paper\nshort_title: Paper\n"
    "authors:\n  - name: Test Network\ndate: 2024-03\naudience: Officials\n"
    "subject: Testing\nkeywords: [test]\nkey_messages:\n  - One message.\n"
    "main_recommendation: Protect them.\nbackground: Background.\nposition: Our position.\n"
    "exclusions: [urban-poor]\ninitiatives: [cooperatives]\nrecommendations: [protect, organise]\n"
)
ORGANISE = "title: Organise\naction: Organise the urban poor.\naddressed_to: [myssen]\n"
ORGANISE += "rests_on: [urban-poor]\n"


def run(project, capsys, *args):
    code = main(["--root", str(project), *args])
    return code, capsys.readouterr().err.splitlines()


def test_a_declared_actor_is_printed_by_name(make_project):
    project = make_project(
        {"content/actors.yaml": ACTORS, "content/recommendations/protect.yaml": TO_KUSKOP}
    )
    build(Paths.at(project))
    pdf = pdf_text(project / "build" / "brief.pdf")
    name = "Ministry of Entrepreneur and Cooperatives Development (KUSKOP)"
    assert f"FOR: {name.upper()} · KUALA LUMPUR CITY HALL" in pdf  # the line is in capitals
    assert f"For: {name} · Kuala Lumpur City Hall" in html_text(project / "build" / "brief.html")


def test_the_table_groups_actors_by_level(make_project):
    project = make_project(
        {
            "content/actors.yaml": ACTORS,
            "content/recommendations/protect.yaml": TO_KUSKOP,
            "content/recommendations/organise.yaml": ORGANISE,
            "content/documents/paper.yaml": PAPER,
        }
    )
    build(Paths.at(project))
    text = pdf_text(project / "build" / "paper.pdf")
    assert (
        "Ministry of Entrepreneur and Cooperatives Development (KUSKOP) National level 1 Protect "
        "Kuala Lumpur City Hall Local level 1 Protect "
        "Malaysian SSE Network Civil society 2 Organise"
    ) in text


def test_without_actors_yaml_the_house_list_is_used(make_project):
    project = make_project()
    build(Paths.at(project), pdf=False)
    assert "For: National governments" in html_text(project / "build" / "brief.html")


def test_an_unknown_actor_lists_the_declared_ones(make_project, capsys):
    project = make_project(
        {
            "content/actors.yaml": ACTORS,
            "content/recommendations/protect.yaml": PROTECT.replace(
                "[national-government]", "[kuskopp]"
            ),
        }
    )
    assert run(project, capsys, "check") == (
        1,
        [
            "content/recommendations/protect.yaml:3:16: error: addressed_to[0]: expected one "
            "of 'kuskop', 'dbkl', 'myssen'; got 'kuskopp' (did you mean 'kuskop'?)",
            "1 error in 1 file; nothing was built.",
        ],
    )


def test_a_house_actor_is_unknown_once_actors_are_declared(make_project, capsys):
    project = make_project({"content/actors.yaml": ACTORS})
    assert run(project, capsys, "check")[1][0] == (
        "content/recommendations/protect.yaml:3:16: error: addressed_to[0]: expected one of "
        "'kuskop', 'dbkl', 'myssen'; got 'national-government'"
    )


def test_an_actor_needs_a_known_level(make_project, capsys):
    project = make_project(
        {
            "content/actors.yaml": ACTORS.replace("level: local", "level: municipal"),
            "content/recommendations/protect.yaml": TO_KUSKOP,
        }
    )
    assert run(project, capsys, "check") == (
        1,
        [
            "content/actors.yaml:7:10: error: dbkl.level: expected one of 'national', 'local', "
            "'regional', 'international', 'civil-society', 'academia'; got 'municipal'",
            "1 error in 1 file; nothing was built.",
        ],
    )


def test_an_actor_field_is_checked_like_any_other(make_project, capsys):
    project = make_project(
        {
            "content/actors.yaml": ACTORS.replace("short_name:", "shortname:"),
            "content/recommendations/protect.yaml": TO_KUSKOP,
        }
    )
    code, err = run(project, capsys, "check")
    assert code == 1
    assert err[0] == (
        "content/actors.yaml:3:3: error: kuskop: unknown field 'shortname' (did you mean "
        "'short_name'?); expected one of 'name', 'short_name', 'group', 'level'"
    )
