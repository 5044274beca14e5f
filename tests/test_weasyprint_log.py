"""What WeasyPrint logs while it draws: nothing for the default content; a CSS
typo as a warning at its file and line in templates/css; a glyph no font has
and a refused fetch as warnings at the document."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from advocacy import pdf
from advocacy.build import load_project, render_html, routes
from advocacy.cli import main
from advocacy.config import Paths
from advocacy.errors import Problem
from conftest import DOCUMENTS, ROOT

DOCUMENT = "content/documents/brief.yaml"


def stylesheets(paths: Paths) -> list[tuple[str, str]]:
    """(shown path, text) of each CSS file, in the order build.stylesheet inlines them."""
    css = paths.templates / "css"
    return [(paths.shown(p), p.read_text(encoding="utf-8")) for p in sorted(css.glob("*.css"))]


def draw(root: Path, doc_id: str, out: Path, content: Path | None = None) -> pdf.Rendered:
    """Render one document of the project at root to PDF, as a build does."""
    paths = Paths.at(root, content=content, build=out / "build")
    project = load_project(paths)
    document = project.corpus.documents[doc_id]
    html = render_html(project, document)
    return pdf.write_pdf(
        html,
        paths.build,
        routes(paths),
        out / f"{doc_id}.pdf",
        document.archival,
        stylesheets=stylesheets(paths),
        document=f"content/documents/{doc_id}.yaml",
    )


def css_with(name: str, old: str, new: str, mark: str) -> tuple[str, str, int]:
    """templates/css/name as shown, its text with old replaced by new, and the
    line of mark in that text."""
    text = (ROOT / "templates" / "css" / name).read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {name}"
    changed = text.replace(old, new)
    assert changed.count(mark) == 1
    return f"templates/css/{name}", changed, changed[: changed.index(mark)].count("\n") + 1


@pytest.mark.parametrize("doc_id", DOCUMENTS)
def test_the_default_content_draws_with_no_warning(doc_id, tmp_path):
    rendered = draw(ROOT, doc_id, tmp_path)
    assert rendered.pages > 0
    assert rendered.warnings == [] and rendered.refused == []
    assert pdf.problems(rendered) == []


def test_a_css_typo_is_a_warning_at_its_file_and_line(make_project, tmp_path):
    base, typo, typo_line = css_with(
        "10-base.css", "  padding: 4mm 5mm;\n", "  paddng: 4mm 5mm;\n", "paddng"
    )
    brief, late, late_line = css_with("30-brief.css", "{ columns: 2;", "{ colums: 2;", "colums")
    late_column = late.splitlines()[late_line - 1].index("colums") + 1
    # an SVG property in the house CSS is a mistake there, whatever HARMLESS says
    tokens, svg, svg_line = css_with(
        "00-tokens.css", "--leading: 1.45;\n", "--leading: 1.45;\n  fill: red;\n", "fill: red"
    )
    project = make_project({base: typo, brief: late, tokens: svg})
    rendered = draw(project, "brief", tmp_path)
    assert pdf.problems(rendered) == [
        Problem(tokens, svg_line, 3, "PDF: Ignored `fill: red`, unknown property.", "warning"),
        Problem(base, typo_line, 3, "PDF: Ignored `paddng: 4mm 5mm`, unknown property.", "warning"),
        Problem(
            brief, late_line, late_column, "PDF: Ignored `colums: 2`, unknown property.", "warning"
        ),
    ]
    assert str(pdf.problems(rendered)[1]) == (
        f"templates/css/10-base.css:{typo_line}:3: warning: PDF: Ignored `paddng: 4mm 5mm`, "
        "unknown property."
    )
    warning = next(w for w in rendered.warnings if w.path == base)
    assert re.search(r" at \d+:3, unknown property\.$", warning.message)  # WeasyPrint's own place


def test_a_rule_weasyprint_drops_is_a_warning_at_its_line(make_project, tmp_path):
    query = "@media screen and (min-width: 40rem) {\n  body {"
    base, broken, line = css_with("10-base.css", "@media screen {\n  body {", query, query)
    project = make_project({base: broken})
    assert pdf.problems(draw(project, "brief", tmp_path)) == [
        Problem(
            base,
            line,
            1,
            "PDF: Invalid media type ' screen and (min-width: 40rem) ' the whole @media rule "
            "was ignored.",
            "warning",
        )
    ]


def font_has(codepoint: int) -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", f":charset={codepoint:x}"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.skipif(font_has(0x10FFFD), reason="a font on this machine has U+10FFFD")
def test_a_glyph_no_font_has_is_a_warning(tmp_path):
    html = (
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head>'
        "<body><p>before \U0010fffd after</p></body></html>"
    )
    rendered = pdf.write_pdf(html, tmp_path, {}, tmp_path / "out.pdf", document=DOCUMENT)
    [problem] = pdf.problems(rendered)
    assert (problem.path, problem.line, problem.level) == (DOCUMENT, 0, "warning")
    assert problem.message.startswith("PDF: .notdef glyph rendered for Unicode string")
    assert problem.message.endswith("(U+10FFFD)")


def test_a_refused_fetch_is_a_warning(make_project, tmp_path):
    evil = (
        '@font-face { font-family: "Evil"; src: url("/etc/hostname"); }\n'
        'body { background-image: url("/etc/passwd"); }\n'
    )
    fonts, text, _ = css_with("01-fonts.css", "/* The fonts", evil + "/* The fonts", "Evil")
    project = make_project({fonts: text})
    messages = [str(p) for p in pdf.problems(draw(project, "brief", tmp_path))]
    assert messages == [
        f"{DOCUMENT}: warning: PDF: Failed to load image at 'file:///etc/passwd': RefusedURL: "
        "refused file:///etc/passwd: not one of the project's fonts or assets",
        f"{DOCUMENT}: warning: PDF: Font-face 'Evil' cannot be loaded",
        f"{DOCUMENT}: warning: PDF: refused file:///etc/hostname: not one of the project's "
        "fonts or assets",
    ]


def test_the_harmless_are_named_with_a_reason_and_only_outside_the_stylesheets():
    assert pdf.HARMLESS and all(len(reason) > 40 for _pattern, reason in pdf.HARMLESS)
    chart = "Ignored `stroke-width: 0.8` at 1:33, unknown property."
    assert pdf.harmless(pdf.RenderWarning(DOCUMENT, 0, 0, chart))
    assert not pdf.harmless(pdf.RenderWarning("templates/css/10-base.css", 1, 33, chart))
    assert not pdf.harmless(pdf.RenderWarning(DOCUMENT, 0, 0, "Ignored `colr: red` at 1:1, x."))


def test_drawing_leaves_the_loggers_as_they_were_and_prints_nothing(tmp_path, capfd):
    logger = logging.getLogger("weasyprint")
    before = (logger.level, logger.propagate, list(logger.handlers))
    html = '<!DOCTYPE html><html lang="en"><body><p style="colr: red">x</p></body></html>'
    rendered = pdf.write_pdf(html, tmp_path, {}, tmp_path / "out.pdf")
    assert [w.message for w in rendered.warnings] == [
        "Ignored `colr: red` at 1:1, unknown property."
    ]
    assert (logger.level, logger.propagate, list(logger.handlers)) == before
    assert capfd.readouterr().err == ""


def test_the_build_prints_a_css_typo_and_strict_refuses_it(make_project, capsys):
    base, typo, line = css_with(
        "10-base.css", "  padding: 4mm 5mm;\n", "  paddng: 4mm 5mm;\n", "paddng"
    )
    project = make_project({base: typo})
    expected = f"{base}:{line}:3: warning: PDF: Ignored `paddng: 4mm 5mm`, unknown property."
    assert main(["--root", str(project), "build"]) == 0
    assert expected in capsys.readouterr().err.splitlines()
    assert main(["--root", str(project), "--strict", "build"]) == 1
    assert expected.replace(": warning: ", ": error: ") in capsys.readouterr().err.splitlines()
