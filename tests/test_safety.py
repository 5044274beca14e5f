"""Content is data: no template code runs, no script reaches a reader, no file
outside the project is read."""

from __future__ import annotations

import pytest

from advocacy.build import build
from advocacy.config import Paths


def built_html(make_project, files) -> str:
    project = make_project(files)
    build(Paths.at(project), pdf=False)
    return (project / "build" / "brief.html").read_text(encoding="utf-8")


def test_template_code_in_content_is_printed_as_it_is(make_project):
    html = built_html(
        make_project,
        {
            "content/exclusions/urban-poor.yaml": "name: '{{ 7*7 }}'\ncommunity: U\nstatement: '{% raw %}x'\n"
        },
    )
    assert "{{ 7*7 }}" in html and "49" not in html
    assert "{% raw %}x" in html


def test_markup_in_plain_text_fields_is_escaped(make_project):
    html = built_html(
        make_project,
        {
            "content/exclusions/urban-poor.yaml": "name: <b>Poor</b> &amp; co\ncommunity: U\nstatement: S.\n"
        },
    )
    assert "&lt;b&gt;Poor&lt;/b&gt; &amp;amp; co" in html


def test_scripts_and_handlers_in_prose_are_removed(make_project):
    html = built_html(
        make_project,
        {
            "content/exclusions/urban-poor.yaml": (
                "name: U\ncommunity: U\nstatement: >\n  Before <script>alert(1)</script>"
                " <img src=x onerror=alert(2)> [click](javascript:alert(3)) after.\n"
            )
        },
    )
    body = html[html.index("<body") :]
    assert "<script" not in body and "onerror" not in body and "javascript:" not in body
    assert "Before" in body and "after." in body


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "https://example.org/logo.png", "ftp://example.org/x.css"],
)
def test_the_pdf_fetcher_refuses_anything_outside_the_project(tmp_path, url):
    from advocacy.pdf import ProjectFetcher, RefusedURL

    fetcher = ProjectFetcher([tmp_path])
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_the_pdf_fetcher_refuses_dot_dot_and_symlinks_out(tmp_path):
    from advocacy.pdf import ProjectFetcher, RefusedURL

    inside = tmp_path / "templates"
    inside.mkdir()
    (tmp_path / "secret.css").write_text("x")
    (inside / "link.css").symlink_to(tmp_path / "secret.css")
    (inside / "ok.css").write_text("p { color: red }")
    fetcher = ProjectFetcher([inside])
    assert fetcher.fetch(f"file://{inside}/ok.css").read() == b"p { color: red }"
    for url in (f"file://{inside}/../secret.css", f"file://{inside}/link.css"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
