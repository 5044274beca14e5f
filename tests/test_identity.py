"""A network's identity comes from its content: colours (checked for contrast), logos,
series, identifiers, partners and disclaimers, and a theme folder that overrides the
house templates and CSS, so a fork never edits templates/."""

from __future__ import annotations

import struct
import zlib

import pikepdf
import pytest
import tinyhtml5

from advocacy.cli import main
from conftest import MINIMAL, html_text, pdf_text

GREEN, PINK = "#1b5e20", "#ad1457"
PROJECT = f"""organisation:
  name: Malaysian SSE Network
  short_name: MySSEN
  logo: logo.png
  colours:
    primary: "{GREEN}"
    accent: "{PINK}"
  email: info@example.org
  address: Kuala Lumpur, Malaysia
  series:
    policy-brief:
      name: MySSEN Policy Brief
      issn: 0317-8471
  disclaimers:
    - The views expressed are those of the authors.
"""
BRIEF = MINIMAL["content/documents/brief.yaml"] + (
    "number: '3'\nisbn: 978-0-306-40615-7\npartners:\n"
    "  - name: Partner Co-op\n    role: co-publisher\n    logo: partner.png\n"
    "  - name: University of Testing\n"
)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A PNG of one colour, written by hand: the tests need no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def branded(make_project):
    return make_project(
        {
            "content/project.yaml": PROJECT,
            "content/documents/brief.yaml": BRIEF,
            "content/assets/logo.png": png(60, 20, (27, 94, 32)),
            "content/assets/partner.png": png(40, 20, (138, 43, 226)),
        }
    )


def images(pdf, page) -> list[tuple[int, int]]:
    """(width, height) of every image a page draws, in forms too."""
    found, seen = [], set()

    def walk(resources):
        for _name, xobject in (resources.get("/XObject") or {}).items():
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            if xobject.get("/Subtype") == "/Image":
                found.append((int(xobject.Width), int(xobject.Height)))
            elif "/Resources" in xobject:
                walk(xobject.Resources)

    walk(page.Resources)
    return sorted(found)


def fills(pdf, page) -> set[tuple[float, float, float]]:
    """Every RGB fill colour a page's content stream sets."""
    found = set()
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "rg":
            found.add(tuple(round(float(v), 3) for v in operands))
    return found


def test_the_brand_colours_and_logo_are_the_projects(branded, capsys):
    assert main(["--root", str(branded), "--strict", "build"]) == 0
    capsys.readouterr()
    html = (branded / "build/brief.html").read_text(encoding="utf-8")
    assert f"--colour-primary: {GREEN};" in html and f"--colour-accent: {PINK};" in html
    with pikepdf.open(branded / "build/brief.pdf") as pdf:
        page = pdf.pages[0]
        assert (round(27 / 255, 3), round(94 / 255, 3), round(32 / 255, 3)) in fills(pdf, page)
        assert images(pdf, page) == [(40, 20), (60, 20)]  # the partner's logo, and ours
    text = pdf_text(branded / "build/brief.pdf")
    assert "MYSSEN POLICY BRIEF NO. 3 MARCH 2024" in text  # series and date, in the band
    assert "PUBLISHED WITH" in text and "IN PARTNERSHIP WITH University of Testing" in text
    assert "The views expressed are those of the authors." in text
    assert "Malaysian SSE Network · Kuala Lumpur, Malaysia · info@example.org" in text
    assert "ISSN 0317-8471 · ISBN 978-0-306-40615-7" in text
    page = tinyhtml5.parse(html, namespace_html_elements=False)
    (plate,) = page.iterfind('.//span[@class="logo-plate"]/img')
    assert (plate.get("src"), plate.get("alt")) == ("assets/logo.png", "Malaysian SSE Network")
    assert (branded / "build/assets/partner.png").is_file()


def test_a_logo_for_dark_backgrounds_goes_on_the_band(branded, capsys):
    (branded / "content/assets/logo-white.png").write_bytes(png(60, 20, (255, 255, 255)))
    project = PROJECT.replace(
        "  logo: logo.png\n", "  logo: logo.png\n  logo_on_dark: logo-white.png\n"
    )
    (branded / "content/project.yaml").write_text(project, encoding="utf-8")
    assert main(["--root", str(branded), "build", "--html-only"]) == 0
    page = tinyhtml5.parse(
        (branded / "build/brief.html").read_text(encoding="utf-8"), namespace_html_elements=False
    )
    assert [img.get("src") for img in page.iterfind('.//div[@class="band"]//img')] == [
        "assets/logo-white.png"
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            f'primary: "{GREEN}"',
            'primary: "#8fd14f"',
            "content/project.yaml:6:14: error: organisation.colours.primary: text in #8fd14f on "
            "white has a contrast of 1.8:1, below the 4.5:1 that WCAG AA asks of body text; "
            "choose a darker colour",
        ),
        (
            f'accent: "{PINK}"',
            'accent: "pink"',
            "content/project.yaml:7:13: error: organisation.colours.accent: 'pink' is not a "
            "colour; write it as #rrggbb, such as #0b5563",
        ),
        (
            "issn: 0317-8471",
            "issn: 0317-8472",
            "content/project.yaml:13:13: error: organisation.series.policy-brief.issn: ISSN "
            "'0317-8472' has a wrong check digit; copy it from the ISSN record",
        ),
        (
            "    policy-brief:\n",
            "    policy-breif:\n",
            "content/project.yaml:11:5: error: organisation.series: no document type "
            "'policy-breif' (did you mean 'policy-brief'?); name one of 'policy-brief', "
            "'position-paper', 'synthesis-report', 'fact-sheet'",
        ),
        (
            "  logo: logo.png\n",
            "  logo: missing.png\n",
            "content/project.yaml:4:9: error: organisation.logo: no file 'missing.png' in "
            "content/assets/",
        ),
    ],
)
def test_a_wrong_identity_is_a_located_error(branded, capsys, old, new, message):
    (branded / "content/project.yaml").write_text(PROJECT.replace(old, new), encoding="utf-8")
    assert main(["--root", str(branded), "check"]) == 1
    err = capsys.readouterr().err
    assert message in err.splitlines(), err


def test_a_theme_overrides_the_house_templates_and_css(branded, capsys):
    theme = branded / "content" / "theme"
    (theme / "css").mkdir(parents=True)
    (theme / "css" / "90-network.css").write_text("h1 { letter-spacing: 0.01em; }\n")
    (theme / "partials").mkdir()
    house = (branded / "templates/partials/back-page.html.j2").read_text(encoding="utf-8")
    (theme / "partials" / "back-page.html.j2").write_text(
        house.replace("</footer>", "<p>Printed by the network's own back page.</p>\n</footer>"),
        encoding="utf-8",
    )
    assert main(["--root", str(branded), "--strict", "build", "--html-only"]) == 0
    html = (branded / "build/brief.html").read_text(encoding="utf-8")
    assert "h1 { letter-spacing: 0.01em; }" in html
    assert html.index("h1 { letter-spacing: 0.01em; }") > html.index("--colour-rule")
    assert "Printed by the network's own back page." in html_text(branded / "build/brief.html")
    assert (
        not (branded / "templates/partials/back-page.html.j2")
        .read_text(encoding="utf-8")
        .count("own back page")
    )


def test_the_word_file_carries_the_logo_and_partners_with_their_names(branded):
    import docx

    from advocacy.build import build
    from advocacy.config import Paths

    build(Paths.at(branded), pdf=False, docx=True)
    document = docx.Document(str(branded / "build" / "brief.docx"))
    wp = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
    alts = [p.get("descr") for p in document.element.body.iter(f"{wp}docPr")]
    assert "Malaysian SSE Network" in alts
    assert "Partner Co-op" in alts
    # each group's label, then its partners side by side in one line, not a bulleted list
    groups = [(p.style.name, p.text) for p in document.paragraphs[5:9]]
    assert groups == [
        ("Kicker", "Published with"),
        ("Partners", ""),  # the partner's logo, its name its alternative text
        ("Kicker", "In partnership with"),
        ("Partners", "University of Testing"),
    ]


@pytest.mark.parametrize("on_dark", [False, True])
def test_the_word_cover_draws_the_logo_made_for_where_it_stands(branded, on_dark):
    """On the band of the primary colour, the logo for dark backgrounds, as in
    print; a logo without one stands on the white page above the band, where
    print gives it a white plate."""
    import docx

    from advocacy.build import build
    from advocacy.config import Paths

    white = png(60, 20, (255, 255, 255))
    if on_dark:
        (branded / "content/assets/logo-white.png").write_bytes(white)
        project = PROJECT.replace(
            "  logo: logo.png\n", "  logo: logo.png\n  logo_on_dark: logo-white.png\n"
        )
        (branded / "content/project.yaml").write_text(project, encoding="utf-8")
    build(Paths.at(branded), pdf=False, docx=True)
    document = docx.Document(str(branded / "build" / "brief.docx"))
    first = document.paragraphs[0]
    blip = first._p.xpath(".//a:blip/@r:embed")
    assert len(blip) == 1
    drawn = document.part.related_parts[blip[0]].blob
    logo = white if on_dark else (branded / "content/assets/logo.png").read_bytes()
    assert (first.style.name, drawn) == ("Cover Wordmark" if on_dark else "Cover Meta", logo)
    assert document.paragraphs[1].style.name == "Cover Band"
