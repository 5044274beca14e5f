"""Faults in the .bib, the .csl and the language, each from a small project:
the exact message and exit status of `advocacy check` and `build`, or the exact
text the brief publishes."""

from __future__ import annotations

import json
import unicodedata
from html.parser import HTMLParser

import pytest

from advocacy.citations import (
    LOCALES,
    PRIMARY_DIALECTS,
    _reference_texts,
    csl_locale,
    split_pandoc_output,
)
from advocacy.cli import main
from conftest import MINIMAL

BIB = MINIMAL["content/references.bib"]  # 7 lines: an entry added after a blank line starts on 9


def project_citing(make_project, entries: str, keys: list[str], document: str = "", **files):
    """MINIMAL with entries added to the .bib, and the exclusion citing keys (prose and sources)."""
    statement = "The **urban poor** " + " ".join(f"[@{key}]" for key in keys) + "."
    return make_project(
        {
            "content/references.bib": BIB + entries,
            "content/exclusions/urban-poor.yaml": (
                f"name: The urban poor\ncommunity: Urban poor\nstatement: {statement}\n"
                f"sources: [{', '.join(keys)}]\n"
            ),
            "content/documents/brief.yaml": MINIMAL["content/documents/brief.yaml"] + document,
            **files,
        }
    )


def check(project, capsys, *options) -> tuple[int, list[str]]:
    """Exit status and the lines check prints, less its infos (entries nothing cites)."""
    status = main(["--root", str(project), *options, "check"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return status, [line for line in captured.err.splitlines() if ": info: " not in line]


def build_html(project, capsys) -> tuple[int, list[str]]:
    status = main(["--root", str(project), "build", "--html-only"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return status, captured.err.splitlines()


class _References(HTMLParser):
    """The text of each csl-entry of an HTML page, by key, whitespace folded."""

    def __init__(self):
        super().__init__()
        self.found: dict[str, list[str]] = {}
        self._open: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        key = None
        if "csl-entry" in (attrs.get("class") or "").split():
            key = (attrs.get("id") or "")[4:]
            self.found[key] = []
        self._open.append(key)

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for key in self._open:
            if key is not None:
                self.found[key].append(data)


def references(project) -> dict[str, str]:
    parser = _References()
    parser.feed((project / "build" / "brief.html").read_text(encoding="utf-8"))
    return {key: " ".join("".join(parts).split()) for key, parts in parser.found.items()}


def traced(project) -> dict[str, str]:
    """key -> reference, as build/brief.evidence.json gives each source."""
    trace = json.loads((project / "build" / "brief.evidence.json").read_text(encoding="utf-8"))
    return {
        source["key"]: source["reference"]
        for recommendation in trace["recommendations"]
        for evidence in recommendation["evidence"]
        for source in evidence["sources"]
    }


SUMMARY = "1 error in 1 file; nothing was built."

# ------------------------------------------------------------------ 1. pandoc reads every cited entry at check time

MISSING_COMMA = (
    "\n@book{doe2020missing,\n  author = {Doe, Jane},\n  title = {A Title}\n"
    "  publisher = {Pub},\n  year = {2020}\n}\n"
)


def test_a_missing_comma_fails_the_check_at_its_line_not_the_build(make_project, capsys):
    project = project_citing(make_project, MISSING_COMMA, ["doe2020missing"])
    message = (
        "content/references.bib:12:3: error: entry 'doe2020missing': missing comma before "
        "'publisher'; end the title field with ','"
    )
    assert check(project, capsys) == (1, [message, SUMMARY])
    # without the check, build says the same (pandoc's own position, mapped back)
    assert build_html(project, capsys) == (1, [message, SUMMARY])
    assert not (project / "build" / "brief.html").exists()


def test_a_bib_pandoc_cannot_read_fails_the_render_at_its_line(tmp_path):
    from advocacy.bibliography import read_bibliography
    from advocacy.citations import PLACEHOLDER, REFERENCES, Citer, find_style
    from advocacy.errors import ContentError

    path = tmp_path / "references.bib"
    path.write_text(BIB + MISSING_COMMA, encoding="utf-8")
    bib, problems = read_bibliography(path, "content/references.bib")
    assert problems == []
    citer = Citer()
    html = citer.replace("[@doe2020missing]") + PLACEHOLDER.format(REFERENCES)
    with pytest.raises(ContentError) as caught:
        citer.fill(html, bib, find_style("apa", []), "en")
    assert [str(p) for p in caught.value.problems] == [
        "content/references.bib:12:3: error: entry 'doe2020missing': missing comma before "
        "'publisher'; end the title field with ','"
    ]


def test_a_passing_check_means_the_build_reads_the_bib(make_project, capsys):
    fixed = MISSING_COMMA.replace("{A Title}\n", "{A Title},\n")
    project = project_citing(make_project, fixed, ["doe2020missing"])
    assert check(project, capsys) == (0, [])
    assert build_html(project, capsys)[0] == 0
    assert references(project)["doe2020missing"] == "Doe, Jane. 2020. A Title. Pub."


def test_what_only_pandoc_refuses_is_found_and_located(make_project, capsys):
    entries = (
        "\n@book{tabbed2020,\n\tauthor = {Doe, Jane},\n\ttitle = {Tabbed}\n\tpublisher = {Pub},\n"
        "\tyear = {2020}\n}\n"
        "\n@book{dotted2020,\n  author = {Doe, Jane},\n  title = {Dotted},\n  my.note = {x},\n"
        "  publisher = {Pub},\n  year = {2020}\n}\n"
    )
    project = project_citing(make_project, entries, ["tabbed2020", "dotted2020"])
    assert check(project, capsys) == (
        1,
        [
            "content/references.bib:12:2: error: entry 'tabbed2020': missing comma before "
            "'publisher'; end the title field with ','",
            "content/references.bib:19:5: error: entry 'dotted2020': pandoc cannot read the field "
            "name 'my.note' (unexpected '.'); use letters, digits, '-', '_', ':' and '+'",
            "2 errors in 1 file; nothing was built.",
        ],
    )


def test_only_cited_entries_go_to_pandoc(make_project, capsys):
    project = project_citing(make_project, MISSING_COMMA, ["ostrom1990commons"])
    assert check(project, capsys) == (0, [])


# ------------------------------------------------------------------ 2. LaTeX decoded to Unicode, NFC

ACCENTS = (
    "\n@book{jonsdottir2019,\n"
    "  author = {J{\\'o}nsd{\\'o}ttir, Sigr{\\'\\i}{\\dh}ur and L{\\'o}pez, Mar{\\'\\i}a},\n"
    "  title = {Cooperatives of S{\\~a}o Paulo and {Bj\\o rn's} Stra\\ss e},\n"
    "  publisher = {Editora},\n  year = {2019}\n}\n"
)


def test_latex_accents_print_as_precomposed_unicode(make_project, capsys):
    project = project_citing(make_project, ACCENTS, ["jonsdottir2019"])
    assert build_html(project, capsys)[0] == 0
    text = references(project)["jonsdottir2019"]
    assert text == (
        "Jónsdóttir, Sigríður, and María López. 2019. "
        "Cooperatives of São Paulo and Bjørn’s Straße. Editora."
    )
    assert text == unicodedata.normalize("NFC", text)
    assert "\u0131" not in text  # no dotless i with a combining accent


def test_latex_accents_in_the_subset_keep_case_protection():
    from advocacy.bibliography import decode_latex

    assert decode_latex("Sigr{\\'\\i}{\\dh}ur") == "Sigríður"
    assert decode_latex("S{\\~a}o {S{\\~a}o Paulo}") == "São {São Paulo}"
    assert (
        decode_latex("Mar\\'\\i a \\c{c} \\v s {\\\"{U}}ber \\{\\'e\\}") == "María ç š Über \\{é\\}"
    )


# ------------------------------------------------------------------ 3. fields pandoc would misread

FIELDS = (
    "\n@report{wb2020,\n  author = {{World Bank}},\n  title = {Coverage of 45% of Workers},\n"
    "  institution = {World Bank},\n  type = {Policy {{Brief}}},\n  year = {2020}\n}\n"
    "\n@online{tan2020,\n  author = {Tan, Mei},\n  title = {Workers Strike},\n"
    "  organization = {The Star},\n  month = sep # {~15},\n  year = {2020},\n"
    "  url = {https://example.org/a%20b}\n}\n"
)


def test_percent_month_day_and_type_print_in_full(make_project, capsys):
    project = project_citing(make_project, FIELDS, ["wb2020", "tan2020"], "citation_style: apa\n")
    assert build_html(project, capsys)[0] == 0
    assert references(project) == {
        "tan2020": "Tan, M. (2020, September 15). Workers strike. The Star. https://example.org/a%20b",
        "wb2020": "World Bank. (2020). Coverage of 45% of workers [Policy Brief]. World Bank.",
    }


def test_an_empty_author_is_a_warning_at_its_line(make_project, capsys):
    entry = "\n@book{empty2020,\n  author = {},\n  title = {T},\n  publisher = {P},\n  year = {2020}\n}\n"
    project = project_citing(make_project, entry, ["empty2020"])
    assert check(project, capsys) == (
        0,
        [
            "content/references.bib:10:12: warning: entry 'empty2020' (book) has an empty "
            "author; the reference will lack it"
        ],
    )


def test_a_crossref_to_no_entry_is_an_error_at_the_crossref(make_project, capsys):
    entry = (
        "\n@incollection{chapter2020,\n  author = {Doe, Jane},\n  title = {Chapter},\n"
        "  crossref = {nokey},\n  pages = {1--10}\n}\n"
    )
    project = project_citing(make_project, entry, ["chapter2020"])
    assert check(project, capsys) == (
        1,
        [
            "content/references.bib:12:14: error: entry 'chapter2020': crossref names 'nokey', "
            "which is not an entry in this file; add the entry, or fix the key",
            SUMMARY,
        ],
    )


def test_a_month_that_is_no_month_is_a_warning(make_project, capsys):
    entry = "\n@misc{odd2020,\n  author = {Doe, Jane},\n  title = {T},\n  month = {Smarch},\n  year = {2020}\n}\n"
    project = project_citing(make_project, entry, ["odd2020"])
    assert check(project, capsys) == (
        0,
        [
            "content/references.bib:12:11: warning: entry 'odd2020': month {Smarch} is not a "
            "month; the reference will lack it; write jan to dec, or 1 to 12, and the day in a "
            "day field"
        ],
    )


# ------------------------------------------------------------------ 4. problems about a field point at the field


def test_an_undefined_macro_is_reported_where_it_is_used(make_project, capsys):
    entry = (
        "\n@book{macro2020,\n  author = {Doe, Jane},\n  title = {T},\n"
        "  publisher = {Press of } # cuup,\n  year = {2020}\n}\n"
    )
    project = project_citing(make_project, entry, ["macro2020"])
    assert check(project, capsys) == (
        1,
        [
            "content/references.bib:12:29: error: entry 'macro2020': publisher uses the macro "
            "'cuup', which no @string defines; define it, or put the value in braces",
            SUMMARY,
        ],
    )


# ------------------------------------------------------------------ 5. a .bib that cannot be read: one message


def test_a_latin1_bib_gives_one_message(make_project, capsys):
    latin1 = "% Refer\n\n@book{gar,\n  author = {Garçon, Jean},\n  year = {2000}\n}\n".encode(
        "latin-1"
    )
    project = make_project({"content/references.bib": latin1})
    assert check(project, capsys) == (
        1,
        [
            "content/references.bib:4:16: error: byte 0xe7 is not UTF-8; save the file as UTF-8",
            SUMMARY,
        ],
    )


def test_a_missing_bib_gives_one_message(make_project, capsys):
    project = make_project({"content/references.bib": None})
    assert check(project, capsys) == (
        1,
        [
            "content/references.bib:1:1: error: bibliography not found; add a .bib file here",
            SUMMARY,
        ],
    )


# ------------------------------------------------------------------ 6. each reference's full text, every style

STYLE_REFERENCES = {
    "apa": "Ostrom, E. (1990). Governing the commons. Cambridge University Press.",
    "ieee": "[1] E. Ostrom, Governing the commons. Cambridge University Press, 1990.",
    "chicago-notes-bibliography": (
        "Ostrom, Elinor. Governing the Commons. Cambridge University Press, 1990."
    ),
}


@pytest.mark.parametrize("style", sorted(STYLE_REFERENCES))
def test_the_trace_keeps_each_reference_whole(make_project, capsys, style):
    project = project_citing(make_project, "", ["ostrom1990commons"], f"citation_style: {style}\n")
    assert build_html(project, capsys)[0] == 0
    assert references(project) == {"ostrom1990commons": STYLE_REFERENCES[style]}
    assert traced(project) == {"ostrom1990commons": STYLE_REFERENCES[style]}


def test_pandoc_html_is_read_as_a_tree():
    html = (
        '<p>CITE0: <span class="citation"><a href="#ref-a">[1]</a></span></p>\n'
        '<p>CITE1:<span class="citation"><a href="#fn1" class="footnote-ref" id="fnref1">'
        "<sup>1</sup></a></span></p>\n"
        '<div id="refs" class="references csl-bib-body" role="list">\n'
        '<div id="ref-a" class="csl-entry" role="listitem">\n'
        '<div class="csl-left-margin">[1] </div><div class="csl-right-inline">A. Doe, '
        "<em>Title &amp; More</em>, 2000.</div>\n</div>\n</div>\n"
        '<section id="footnotes"><hr /><ol><li id="fn1"><p>A note <em>x</em>.'
        '<a href="#fnref1" class="footnote-back">↩︎</a></p></li></ol></section>\n'
    )
    texts, notes, refs = split_pandoc_output(html, 2)
    assert texts == [
        '<span class="citation"><a href="#ref-a">[1]</a></span>',
        '<span class="citation"><a href="#fn1" class="footnote-ref" id="fnref1"><sup>1</sup></a></span>',
    ]
    assert notes == ["", "A note <em>x</em>."]
    assert refs.startswith('<div id="refs"') and refs.endswith("</div>\n</div>\n</div>")
    assert _reference_texts(refs) == {"a": "[1] A. Doe, Title & More, 2000."}


# ------------------------------------------------------------------ 7. a broken .csl: located, at check time

BROKEN_CSL = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">\n'
    "  <info><title>Broken</title>\n</style>\n"
)
BOGUS_CSL = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">\n'
    "  <info><title>Bogus</title></info>\n  <citation>\n"
    '    <layout><text variable="title"/><bogus/></layout>\n  </citation>\n</style>\n'
)


@pytest.mark.parametrize(
    ("name", "csl", "message"),
    [
        (
            "broken",
            BROKEN_CSL,
            "content/broken.csl:4:3: error: not well-formed XML: mismatched tag; "
            "content/documents/brief.yaml names this style in citation_style ('broken'); "
            "fix the file, or name another style",
        ),
        (
            "notcsl",
            '<?xml version="1.0"?>\n<html>\n</html>\n',
            "content/notcsl.csl:2:1: error: not a CSL style: its root element is <html>, not a "
            "CSL <style>; content/documents/brief.yaml names this style in citation_style "
            "('notcsl'); fix the file, or name another style",
        ),
        (
            "bogus",
            BOGUS_CSL,
            "content/bogus.csl:5:37: error: pandoc cannot use this CSL style: unknown element "
            "'bogus'; content/documents/brief.yaml names this style in citation_style ('bogus'); "
            "fix the file, or name another style",
        ),
    ],
)
def test_a_broken_csl_is_an_error_in_it_at_check_time(make_project, capsys, name, csl, message):
    project = project_citing(
        make_project,
        "",
        ["ostrom1990commons"],
        f"citation_style: {name}\n",
        **{f"content/{name}.csl": csl},
    )
    assert check(project, capsys) == (1, [message, SUMMARY])


def test_a_broken_csl_fails_the_build_with_a_located_error(make_project, capsys):
    project = project_citing(
        make_project,
        "",
        ["ostrom1990commons"],
        "citation_style: broken\n",
        **{"content/broken.csl": BROKEN_CSL},
    )
    status, err = build_html(project, capsys)
    assert status == 1
    assert err[0].startswith("content/broken.csl:4:3: error: not well-formed XML: mismatched tag;")
    assert err[-1] == SUMMARY


# ------------------------------------------------------------------ 8. language tags to the CSL locales pandoc ships


def test_bare_language_tags_map_to_the_locales_pandoc_ships():
    assert set(PRIMARY_DIALECTS.values()) <= LOCALES
    assert {tag: csl_locale(tag) for tag in ("ms", "id", "th", "vi", "km", "zh", "hi")} == {
        "ms": ("ms-MY", None),
        "id": ("id-ID", None),
        "th": ("th-TH", None),
        "vi": ("vi-VN", None),
        "km": ("km-KH", None),
        "zh": ("zh-CN", None),
        "hi": ("hi-IN", None),
    }
    assert csl_locale("pt-BR") == ("pt-BR", None)
    assert csl_locale("zh-Hant-HK") == ("zh-TW", None)
    assert csl_locale("de-LU") == ("de-DE", None)


@pytest.mark.parametrize("language", ["ms", "ms-MY"])
def test_malay_gives_malay_citation_terms(make_project, capsys, language):
    entry = "\n@book{two2019,\n  author = {Tan, Mei and Lim, Ah},\n  title = {Koperasi},\n  publisher = {Editora},\n  year = {2019}\n}\n"
    project = project_citing(make_project, entry, ["two2019"], f"language: {language}\n")
    assert check(project, capsys) == (0, [])
    assert build_html(project, capsys)[0] == 0
    assert references(project)["two2019"] == "Tan, Mei, dan Ah Lim. 2019. Koperasi. Editora."


def test_a_language_without_a_locale_is_a_warning_naming_the_fallback(make_project, capsys):
    project = project_citing(make_project, "", ["ostrom1990commons"], "language: sw\n")
    assert check(project, capsys) == (
        0,
        [
            "content/documents/brief.yaml:16:11: warning: language 'sw': no label catalog "
            "(templates/locale/sw.po); the labels are printed in English. Copy "
            "templates/locale/advocacy.pot to it and translate",
            "content/documents/brief.yaml:16:11: warning: language 'sw': pandoc has no citation "
            "locale for 'sw'; citations and the reference list use en-US (English) terms",
        ],
    )


# ------------------------------------------------------- build/ keeps its last good files

BROKEN_CSL = (
    '<?xml version="1.0"?>\n<style xmlns="http://purl.org/net/xbiblio/csl">\n<info>\n</style>\n'
)
CITING = (
    "name: The urban poor\ncommunity: Urban poor\n"
    "statement: The urban poor [@ostrom1990commons; @doe2020missing].\n"
)
BREAKS = {
    "missing-comma": (
        {
            "content/references.bib": BIB + MISSING_COMMA,
            "content/exclusions/urban-poor.yaml": CITING,
        },
        "content/references.bib:12:3: error: entry 'doe2020missing': missing comma before "
        "'publisher'; end the title field with ','",
    ),
    "latin-1": (
        {
            "content/references.bib": BIB.replace("Ostrom, Elinor", "Ostr\u00f6m, Elinor").encode(
                "latin-1"
            )
        },
        "content/references.bib:2:17: error: byte 0xf6 is not UTF-8; save the file as UTF-8",
    ),
    "broken-csl": (
        {
            "content/broken.csl": BROKEN_CSL,
            "content/documents/brief.yaml": MINIMAL["content/documents/brief.yaml"]
            + "citation_style: broken\n",
        },
        "content/broken.csl:4:3: error: not well-formed XML: mismatched tag; "
        "content/documents/brief.yaml names this style in citation_style ('broken'); "
        "fix the file, or name another style",
    ),
}


@pytest.mark.parametrize("case", list(BREAKS))
def test_a_bad_bib_or_style_leaves_the_last_good_build(make_project, capsys, case):
    files, first = BREAKS[case]
    project = make_project()
    assert main(["--root", str(project), "build", "--html-only"]) == 0
    before = {p: p.read_bytes() for p in sorted((project / "build").rglob("*")) if p.is_file()}
    for name, text in files.items():
        path = project / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["--root", str(project), "build"]) == 1
    assert capsys.readouterr().err.splitlines() == [first, SUMMARY]
    after = {p: p.read_bytes() for p in sorted((project / "build").rglob("*")) if p.is_file()}
    assert after == before
