"""Citations: the Pandoc syntax found in prose, formatted by citeproc."""

from __future__ import annotations

import pytest

from advocacy.citations import clusters_in


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("as shown [@ilo2021wspr]", [["ilo2021wspr"]]),
        ("as shown [@ilo2021wspr, p. 12]", [["ilo2021wspr"]]),
        ("both [@a; @b]", [["a", "b"]]),
        ("@ostrom1990commons says", [["ostrom1990commons"]]),
        ("year only [-@ostrom1990commons]", [["ostrom1990commons"]]),
        ("[see @ostrom1990commons, chap. 2]", [["ostrom1990commons"]]),
        ("write to info@asec-sse.com", []),
        (r"an escaped \@handle", []),
        ("a [link](https://example.org/@user)", []),
    ],
)
def test_citation_syntax(text, keys):
    assert [found for _, _, found in clusters_in(text)] == keys


def test_citations_are_formatted_and_listed(make_project, capsys):
    from advocacy.build import build
    from advocacy.config import Paths
    from conftest import html_text

    project = make_project()
    build(Paths.at(project), pdf=False)
    text = html_text(project / "build" / "brief.html")
    assert "The urban poor (Ostrom 1990)." in text
    assert "Ostrom, Elinor. 1990. Governing the Commons. Cambridge University Press." in text
    assert "SECRET-ANNOTE-TEXT" not in (project / "build" / "brief.html").read_text()
