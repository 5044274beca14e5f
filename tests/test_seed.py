"""Every part of the seed synthesis reaches the synthesis report, in PDF and HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from conftest import html_text, pdf_text

pytestmark = pytest.mark.default_content  # the seed is what the default content holds

TITLE = (
    "A need to strengthen partnerships and networks which can enhance the SSE global "
    "movement in a dynamic and impactful way"
)
AUTHOR = ["Prof Datuk Dr Denison Jayasooria", "Chair of ASEC"]
EVENT = [
    "ASEC Open Space on Social Inclusion and Social Protection",
    "Asia Europe People's Forum (AEPF)",
    "19 May 2021",
    "90 people took part in the global conversation on 19 May 2021",
    "nine key speakers and three moderators",
    "one keynote, five case studies and three partnership speakers",
]
FACTS = {
    "Participants": "90",
    "Key speakers": "9",
    "Moderators": "3",
    "Keynote": "1",
    "Case studies": "5",
    "Partnership speakers": "3",
}
STRANDS = [
    "Ideological conversation",
    "The faces of social exclusion",
    "Social inclusive initiatives",
    "Relevant emerging thematic aspects",
    "Policy coherence: national policies and SSE movements",
    "we can identify 5 areas of engagement through which we can strengthen our partnerships",
]
AREAS = [
    "1. Pursuit of ideological discourse",
    "2. In-depth studies of the faces of social exclusion",
    "3. Strengthening of people's alternative social inclusion initiatives",
    "4. Mainstreaming of alternative socio-economic models",
    "5. Critical engagement with the government and policy advocacy",
]
IDEOLOGICAL = [
    "The neo-liberal development framework versus the solidarity framework",
    "The investor model of development versus a sustainable economic model",
    "Practitioners must confront the economic theories and provide an alternative "
    "development discourse",
    "Academics and academic institutions, as partners in the SSE movement, can play a bigger "
    "role in rewriting the economic development agenda so that it is empowering and inclusive",
]
EXCLUSIONS = [
    "Six communities experiencing exclusion",
    "Communities isolated and negatively impacted by the caste system and gender inequality, "
    "especially impacting both women and communities categorised as backward",
    "Farmers and rural poor communities",
    "Forest communities, forest user groups and indigenous people",
    "The urban poor and the informal sector, the majority of whom are women",
    "Migrant workers and the experiences of exclusion and exploitation",
    "There is a gender dimension in all the above target groups, and this is a key SSE agenda",
]
INITIATIVES = [
    "Six community initiatives with a thrust of social protection",
    "Community-based economic initiatives, which are different from the investor model of "
    "economic activities",
    "Cooperatives as community-based enterprise models. This has the largest potential for SSE "
    "at the ground level in Asia in organising grassroots communities",
    "Urban farming and community cooperation",
    "Community-based forestry. There is great potential for this, especially in rural and "
    "interior communities",
    "Financial inclusion programmes as an alternative source of micro-credit to conventional banks",
    "Micro-insurance programmes which specially target the poor, the informal sector and the "
    "Bottom 40% communities",
]
THEMES = [
    "The theme of food security through various community farms as well as organic initiatives",
    "The theme of conservation and biodiversity, especially in the role of community forest "
    "user groups",
    "Forest user groups are a dynamic development of a social movement for conservation and "
    "wealth creation via natural capital",
    "Inclusive governance models where the whole community is involved as co-partners",
    "Local enterprise development as well as building the local economy in a decentralised "
    "development planning model rather than top down",
    "Mutual benefit societies and self-help groups, which are more inclusive and empowering",
    "Often these are women-led at the grassroots and from among the grassroots communities",
]
GOVERNMENT = [
    "National-level legislative and constitutional protection for vulnerable groups",
    "Development planning",
    "Stronger advocacy for public policies which can serve as an enabling framework at the "
    "national and local levels",
    "A rigorous methodology to measure the impact of SSE projects and programmes is needed, so "
    "as to gather data and quantify it for national, regional and global advocacy for the "
    "alternative solidarity model",
    "We need to develop the tools and measurements",
]
WAY_FORWARD = [
    "Way forward",
    "Social movement building of vulnerable communities in claiming their rights",
    "Financing for SSE alternative economic activities, research and advocacy, capacity "
    "building and networking",
    "Building a strong grassroots voice",
    "Capturing the intellectual conversation",
    "Building young leaders and strengthening women's leadership",
]
SEED = [
    *[TITLE, *AUTHOR, *EVENT, *STRANDS, *AREAS, *IDEOLOGICAL, *EXCLUSIONS],
    *[*INITIATIVES, *THEMES, *GOVERNMENT, *WAY_FORWARD],
]


@pytest.fixture(scope="module")
def report_texts(built):
    return {
        "pdf": pdf_text(built / "synthesis-report.pdf").lower(),
        "html": html_text(built / "synthesis-report.html").lower(),
    }


@pytest.mark.parametrize("form", ["pdf", "html"])
@pytest.mark.parametrize("item", SEED)
def test_every_seed_item_is_in_the_synthesis_report(report_texts, form, item):
    assert item.lower() in report_texts[form]


def test_seed_items_keep_the_seed_order(report_texts):
    text = report_texts["pdf"]
    position = text.index("strands of the synthesis")
    ordered = [*STRANDS[:5], AREAS[0], *IDEOLOGICAL, AREAS[1], *EXCLUSIONS, AREAS[2]]
    ordered += [*INITIATIVES, AREAS[3], *THEMES, AREAS[4], *GOVERNMENT, *WAY_FORWARD]
    for item in ordered:
        position = text.index(item.lower(), position) + len(item)


def test_event_facts_box_gives_every_figure(built):
    html = (built / "synthesis-report.html").read_text(encoding="utf-8")
    pattern = r'<span class="fact-label">([^<]+)</span> <span class="fact-value">([^<]+)</span>'
    pairs = dict(re.findall(pattern, html))
    assert {k: pairs[k] for k in FACTS} == FACTS


class _Areas(HTMLParser):
    """For each area of engagement in the HTML: its points and its records."""

    def __init__(self):
        super().__init__()
        self.areas: dict[str, dict[str, int]] = {}
        self._open: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section":
            self._open.append(attrs["aria-labelledby"] if "area" in classes else None)
            if "area" in classes:
                self.areas[attrs["aria-labelledby"]] = {"points": 0, "records": 0}
        area = next((a for a in reversed(self._open) if a), None)
        if area and tag == "li":
            self.areas[area]["points"] += 1
        if area and tag == "div" and "item" in classes:
            self.areas[area]["records"] += 1

    def handle_endtag(self, tag):
        if tag == "section":
            self._open.pop()


def test_each_area_shows_as_many_points_and_records_as_the_seed(built):
    parser = _Areas()
    parser.feed((built / "synthesis-report.html").read_text(encoding="utf-8"))
    # The seed's own counts: four points of ideological discourse, six faces of
    # exclusion, six initiatives, five models, five points on government.
    assert parser.areas == {
        "engagement-ideological-discourse": {"points": 4, "records": 0},
        "engagement-faces-of-exclusion": {"points": 0, "records": 6},
        "engagement-inclusion-initiatives": {"points": 0, "records": 6},
        "engagement-alternative-models": {"points": 0, "records": 5},
        "engagement-government-engagement": {"points": 5, "records": 0},
    }
    html = (built / "synthesis-report.html").read_text(encoding="utf-8")
    way_forward = html[html.index('id="way-forward"') : html.index('aria-labelledby="conclusion"')]
    assert way_forward.count('<li class="recommendation') == 5
