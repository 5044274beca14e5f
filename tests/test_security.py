"""The trust boundary: content is data. No script reaches a reader, no file
outside the project is read, nothing is fetched, no template code runs."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from advocacy.build import build
from advocacy.cli import main
from advocacy.config import Paths
from conftest import MINIMAL, ROOT, pdf_text

ATTACKS = {
    "script": "<script>alert(document.cookie)</script>",
    "img-onerror": '<img src="x" onerror="alert(1)">',
    "iframe": '<iframe src="file:///etc/passwd"></iframe>',
    "object": '<object data="file:///etc/passwd"></object>',
    "embed": '<embed src="file:///etc/passwd">',
    "form": '<form action="https://host.invalid/"><input name="x"></form>',
    "base": '<base href="file:///etc/">',
    "meta": '<meta http-equiv="refresh" content="0;url=https://host.invalid/">',
    "link-stylesheet": '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
    "style-element": "<style>p{background:url(http://[::1]:9/x.png)} h1{background:url(file:///etc/passwd)}</style>",
    "style-attribute": '<span style="background:url(https://host.invalid/x.png)">styled</span>',
    "javascript-link": "[click](javascript:alert(1))",
    "vbscript-link": "[click](vbscript:msgbox(1))",
    "data-link": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "attachment-passwd": '<a rel="attachment" href="file:///etc/passwd">passwd</a>',
    "attachment-environ": '<a rel="attachment" href="/proc/self/environ">env</a>',
    "markdown-image-file": "![passwd](file:///etc/passwd)",
    "markdown-image-http": "![x](http://127.0.0.1:9/x.png)",
    "image-ipv6": '<img src="http://[::1]:9/x.png">',
    "image-ftp": '<img src="ftp://127.0.0.1/x.png">',
    "relative-escape": "[x](../../../../../../etc/passwd)",
    "inline-svg": '<svg><script>alert(1)</script><image href="file:///etc/passwd"/></svg>',
}
FORBIDDEN = re.compile(
    r"<(script|iframe|object|embed|form|input|base|meta|link|style|img|svg|image)\b"
    r"|\son\w+=|\sstyle=|javascript:|vbscript:|data:|file:|rel=\"attachment\""
    r"|127\.0\.0\.1|\[::1\]|host\.invalid|ftp:|\.\./",
    re.IGNORECASE,
)


def attack_project(make_project, payload: str) -> Path:
    text = "name: U\ncommunity: U\nstatement: |\n  BEFORE " + payload + " AFTER\n"
    return make_project({"content/exclusions/urban-poor.yaml": text})


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_an_attack_in_prose_is_removed_and_its_text_kept(attack, make_project, capsys):
    project = attack_project(make_project, ATTACKS[attack])
    assert main(["--root", str(project), "build"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"content/exclusions/urban-poor\.yaml:4:\d+: warning: statement: removed", err)
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    body = html[html.index("<main") : html.index("</main>")]
    assert not FORBIDDEN.search(body), FORBIDDEN.search(body).group(0)
    assert re.search(r"BEFORE .*AFTER", body, re.DOTALL)
    reader = PdfReader(project / "build" / "brief.pdf")
    assert reader.attachments == {}
    text = pdf_text(project / "build" / "brief.pdf")
    assert "BEFORE" in text and "AFTER" in text
    assert "root:x:0:0" not in text and "PATH=" not in text


def test_strict_makes_a_removal_an_error(make_project, capsys):
    project = attack_project(make_project, ATTACKS["script"])
    assert main(["--root", str(project), "--strict", "check"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "content/exclusions/urban-poor.yaml:4:10: error: statement: removed <script> element; "
        "prose may format text and link out",
        "1 error in 1 file; nothing was built.",
    ]


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test on any attempt to open a network connection."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise AssertionError(f"network connection attempted to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


NETWORK = [
    "http://127.0.0.1:9/x.png",
    "http://[::1]:9/x.png",
    "https://host.invalid/x.png",
    "ftp://127.0.0.1/x.png",
]


def test_the_pdf_stage_fetches_nothing_even_from_hostile_html(no_network, tmp_path):
    from advocacy.pdf import write_pdf

    html = "<!DOCTYPE html><html><head>"
    html += '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
    html += "<style>@import url('https://host.invalid/y.css');</style></head><body><p>text</p>"
    html += "".join(f'<img src="{url}" alt="x">' for url in NETWORK)
    html += '<a rel="attachment" href="http://127.0.0.1:9/leak">a</a>'
    html += '<a rel="attachment" href="file:///etc/passwd">b</a>'
    html += '<img src="file:///etc/passwd" alt="p"><img src="../../../etc/hostname" alt="h">'
    html += "</body></html>"
    rendered = write_pdf(html, tmp_path, {tmp_path / "fonts": tmp_path}, tmp_path / "out.pdf")
    assert rendered.pages == 1 and no_network == []
    joined = "\n".join(rendered.refused)
    for url in [*NETWORK, "http://127.0.0.1:9/x.css", "https://host.invalid/y.css"]:
        assert url in joined
    assert "/etc/passwd" in joined and "/etc/hostname" in joined
    reader = PdfReader(tmp_path / "out.pdf")
    assert reader.attachments == {}
    assert "root:x:0:0" not in pdf_text(tmp_path / "out.pdf")


@pytest.mark.parametrize("url", NETWORK)
def test_a_network_image_in_content_makes_no_connection(url, no_network, make_project, capsys):
    project = attack_project(make_project, f"![x]({url}) <img src='{url}'>")
    assert main(["--root", str(project), "build"]) == 0
    assert no_network == []
    assert url not in (project / "build" / "brief.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "https://example.org/logo.png", "ftp://example.org/x.css", "data:,x"],
)
def test_the_fetcher_refuses_anything_outside_the_project(tmp_path, url):
    from advocacy.pdf import ProjectFetcher, RefusedURL

    with pytest.raises(RefusedURL):
        ProjectFetcher({tmp_path / "fonts": tmp_path}).fetch(url)


def test_the_fetcher_refuses_dot_dot_and_symlinks_out(tmp_path):
    from advocacy.pdf import ProjectFetcher, RefusedURL

    inside = tmp_path / "templates" / "fonts"
    inside.mkdir(parents=True)
    (tmp_path / "secret.css").write_text("x")
    (inside / "link.css").symlink_to(tmp_path / "secret.css")
    (inside / "ok.css").write_text("p { color: red }")
    build = tmp_path / "build" / "fonts"
    fetcher = ProjectFetcher({build: inside})
    assert fetcher.fetch(f"file://{build}/ok.css").read() == b"p { color: red }"
    for url in (
        f"file://{build}/../secret.css",
        f"file://{build}/link.css",
        f"file://{inside}/ok.css",  # the real folder is not itself a route
        f"file://{build}/../../secret.css",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_template_code_in_content_and_bibtex_is_printed_as_it_is(make_project):
    bib = MINIMAL["content/references.bib"].replace(
        "title = {Governing the Commons}", "title = {Governing \\{\\{ 7*7 \\}\\} the Commons}"
    )
    doc = MINIMAL["content/documents/brief.yaml"].replace(
        "title: A test brief", "title: 'Brief {{ 7*7 }} {% if true %}x{% endif %}'"
    )
    project = make_project(
        {
            "content/references.bib": bib,
            "content/documents/brief.yaml": doc,
            "content/exclusions/urban-poor.yaml": (
                "name: U\ncommunity: U\nstatement: 'Summary {{ 7*7 }} [@ostrom1990commons]'\n"
            ),
        }
    )
    build(Paths.at(project))
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    text = pdf_text(project / "build" / "brief.pdf")
    for output in (html, text):
        assert "Brief {{ 7*7 }} {% if true %}x{% endif %}" in output
        assert "Summary {{ 7*7 }}" in output
        assert "Governing {{ 7*7 }} the Commons" in output
        assert "49" not in output


def test_markup_in_plain_text_fields_is_escaped(make_project):
    project = make_project(
        {
            "content/exclusions/urban-poor.yaml": "name: <b>Poor</b> &amp; co\ncommunity: U\nstatement: S.\n"
        }
    )
    build(Paths.at(project))
    html = (project / "build" / "brief.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;Poor&lt;/b&gt; &amp;amp; co" in html
    assert "<b>Poor</b> &amp; co" in pdf_text(project / "build" / "brief.pdf")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 600, "3:12: error: statement: 600 '[' in one field, over the limit of 500"),
        (
            "- " * 1000 + "x",
            "3:12: error: statement: lists or quotes nested 1,000 deep, over the limit of 20",
        ),
    ],
)
def test_markdown_that_would_hang_fails_fast(make_project, capsys, text, expected):
    project = make_project(
        {"content/exclusions/urban-poor.yaml": f"name: U\ncommunity: U\nstatement: '{text}'\n"}
    )
    assert main(["--root", str(project), "check"]) == 1
    assert f"content/exclusions/urban-poor.yaml:{expected}" in capsys.readouterr().err


def test_a_symlink_out_of_the_project_is_refused(make_project, tmp_path_factory, capsys):
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text("name: Secret\ncommunity: S\nstatement: S.\n")
    project = make_project()
    (project / "content/exclusions/secret.yaml").symlink_to(outside)
    assert main(["--root", str(project), "check"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"content/exclusions/secret.yaml:1:1: error: this file is a link to '{outside}', "
        "outside the project; copy the file into the project instead"
    )


LOGO_OK = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#0b5563"/></svg>'


@pytest.mark.parametrize(
    ("logo", "files", "expected"),
    [
        ("logo.svg", {"content/assets/logo.svg": LOGO_OK}, None),
        (
            "../secret.png",
            {},
            "organisation.logo: '../secret.png' is not a file in content/assets/; give a relative path to a .png, .jpg or .svg file there, without '..'",
        ),
        (
            "/etc/passwd.png",
            {},
            "organisation.logo: '/etc/passwd.png' is not a file in content/assets/; give a relative path to a .png, .jpg or .svg file there, without '..'",
        ),
        ("missing.png", {}, "organisation.logo: no file 'missing.png' in content/assets/"),
        (
            "fake.png",
            {"content/assets/fake.png": "not a png"},
            "organisation.logo: 'fake.png' is not a PNG file",
        ),
        (
            "bad.svg",
            {
                "content/assets/bad.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
            },
            "organisation.logo: 'bad.svg' holds a script or a reference outside itself (<script>); export a plain SVG",
        ),
        (
            "remote.svg",
            {
                "content/assets/remote.svg": '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://host.invalid/x.png"/></svg>'
            },
            "organisation.logo: 'remote.svg' holds a script or a reference outside itself (href=\"https://host.invalid/x.png\"/>); export a plain SVG",
        ),
    ],
)
def test_asset_fields_are_checked_at_load_time(make_project, capsys, logo, files, expected):
    project_yaml = MINIMAL["content/project.yaml"] + f"  logo: {logo}\n"
    project = make_project({"content/project.yaml": project_yaml, **files})
    code = main(["--root", str(project), "build"])
    err = capsys.readouterr().err
    if expected is None:
        assert code == 0, err
        html = (project / "build" / "brief.html").read_text(encoding="utf-8")
        assert '<img class="logo" src="assets/logo.svg" alt="Test Network">' in html
        assert (project / "build" / "assets" / "logo.svg").read_text() == LOGO_OK
        return
    assert code == 1
    assert f"content/project.yaml:4:9: error: {expected}" in err.splitlines()


ALLOWED_PREFIXES = [
    "/usr/lib",
    "/lib",
    "/lib64",
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/usr/share/fontconfig",
    "/etc/fonts",
    "/usr/share/zoneinfo",  # Babel reads the local time zone when it loads (dates are from content)
    "/var/cache/fontconfig",
    "/usr/share/locale",
    "/proc/self",
    "/sys/fs/cgroup",
    "/sys/devices/system/cpu",
]
# multiprocessing's locks for the PDF workers: POSIX semaphores, which glibc names here
SEMAPHORES = "/dev/shm/sem."
ALLOWED_FILES = {
    "/dev/null",
    "/dev/urandom",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/etc/mime.types",
    "/proc/filesystems",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/cpuinfo",
}


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_the_build_opens_no_file_outside_the_project(tmp_path):
    log = tmp_path / "strace.log"
    out = tmp_path / "build"
    subprocess.run(
        ["strace", "-f", "-e", "trace=open,openat", "-o", str(log), sys.executable, "-m",
         "advocacy", "--root", str(ROOT), "--out", str(out), "build"],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )  # fmt: skip
    allowed = [str(ROOT), sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix)]
    allowed += [tempfile.gettempdir(), str(tmp_path), *ALLOWED_PREFIXES]
    home = os.path.expanduser("~")
    allowed += [f"{home}/.cache/fontconfig", f"{home}/.config/fontconfig", f"{home}/.fonts"]
    # git status, for the commit the PDFs name (provenance.py), reads its settings
    allowed += ["/etc/gitconfig", f"{home}/.gitconfig", f"{home}/.config/git"]
    opened = set()
    for line in log.read_text().splitlines():
        match = re.search(r'open(?:at)?\([^"]*"([^"]+)"[^)]*\)\s*=\s*(\d+)', line)
        if match:
            opened.add(os.path.normpath(os.path.join(ROOT, match.group(1))))  # git's: in ROOT
    assert any("policy-brief.pdf" in os.path.basename(path) for path in opened)
    outside = sorted(
        path
        for path in opened
        if path not in ALLOWED_FILES
        and not any(path == p or path.startswith(p.rstrip("/") + "/") for p in allowed)
        and not path.startswith(SEMAPHORES)
    )
    assert outside == []


def test_text_read_as_inert_loses_nothing_to_the_sanitiser():
    """check skips rendering prose whose Markdown can make nothing the sanitiser
    removes (prose.inert); every text so read, of the default content and of
    every arrangement of Markdown's line starts, renders with nothing removed,
    and each character inert() watches for makes some text active."""
    import itertools

    from advocacy.citations import Citer
    from advocacy.prose import ProseRenderer, inert

    renderer = ProseRenderer(Citer())
    starts = ["", " ", "   ", "- ", "* ", "+ ", "1. ", "2) ", "-- ", "*a* ", "_b_ ", "__c__ "]
    bodies = ["Group 7, 40%.", "'quoted' \"text\" -- dash", "a - b * c _ d", "x:y (z)/w ; 9.5"]
    texts = [
        "\n".join(lines)
        for lines in itertools.product(
            [s + b for s in starts for b in bodies[:2]], ["", *[s + bodies[2] for s in starts]]
        )
    ]
    texts += [s + b for s in starts for b in bodies] + [t.replace("\n", "\n\n") for t in texts]
    texts += [
        text for path in (ROOT / "content").rglob("*.yaml")
        for text in re.findall(r"^  \S.*$", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]  # fmt: skip
    read_inert = [text for text in texts if inert(text)]
    assert len(read_inert) > 300
    assert [t for t in read_inert if renderer._removals(t)] == []
    for active in ["<br>", "&amp;", "[a](b)", "![a](b)", "# h", "a\n===", "a\n---", "---",
                   "* * *", "`c`", "    code", "> \n>     code", "{lang=x}", "~~~", "\\", "\ta"]:  # fmt: skip
        assert not inert(active), active
