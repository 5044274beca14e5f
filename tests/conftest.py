"""Shared fixtures: the default content built once per session, and small
projects written into a temporary folder for error cases."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from advocacy.build import build
from advocacy.config import Paths

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ("synthesis-report", "policy-brief", "position-paper")


def is_default_content() -> bool:
    """Whether content/ is the default content: ASEC's synthesis of the 2021 open space.

    A network that replaces content/ with its own (`advocacy new`) keeps the
    tool's tests: those about what the default content says skip themselves.
    """
    seed = ROOT / "content" / "events" / "aepf-open-space-2021.yaml"
    project = ROOT / "content" / "project.yaml"
    return (
        seed.is_file()
        and project.is_file()
        and "short_name: ASEC\n" in project.read_text(encoding="utf-8")
    )


DEFAULT_CONTENT = is_default_content()
NOT_DEFAULT = (
    "content/ is not the default ASEC content; this test checks what that content says "
    "(the tool's own tests run on their own small projects)"
)


def pytest_collection_modifyitems(config, items):
    if DEFAULT_CONTENT:
        return
    skip = pytest.mark.skip(reason=NOT_DEFAULT)
    for item in items:
        if item.get_closest_marker("default_content"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def no_internal_error(request, monkeypatch):
    """No test input may reach "internal error": that status is for bugs."""
    from advocacy import cli

    reported: list[Exception] = []

    def report(exc):
        reported.append(exc)
        return real(exc)

    real = cli.report_bug
    monkeypatch.setattr(cli, "report_bug", report)
    yield
    if reported and not request.node.get_closest_marker("internal_error"):
        pytest.fail(f"internal error reached: {reported[0]!r}")


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """build/ for the default content, written to a temporary folder."""
    out = tmp_path_factory.mktemp("build")
    build(Paths.at(ROOT, build=out))
    return out


def pdf_text(path: Path) -> str:
    """The text of a PDF, as poppler's pdftotext reads it, whitespace folded."""
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return normalise(done.stdout)


BLOCKS = {
    "p", "li", "ul", "ol", "div", "section", "h1", "h2", "h3", "h4", "dt", "dd", "br",
    "tr", "td", "th", "caption", "header", "footer", "main", "nav", "aside", "title",
}  # fmt: skip


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    """The visible text of an HTML file, whitespace folded."""
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return normalise("".join(parser.parts))


def normalise(text: str) -> str:
    text = text.replace("\u00ad", "").replace("’", "'").replace("‘", "'")
    text = text.replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


MINIMAL = {
    "content/project.yaml": "organisation:\n  name: Test Network\n  short_name: TN\n",
    "content/references.bib": (
        "@book{ostrom1990commons,\n  author = {Ostrom, Elinor},\n"
        "  title = {Governing the Commons},\n  publisher = {Cambridge University Press},\n"
        "  year = {1990},\n  annote = {SECRET-ANNOTE-TEXT}\n}\n"
    ),
    "content/exclusions/urban-poor.yaml": (
        "name: The urban poor\ncommunity: Urban poor\n"
        "statement: The **urban poor** [@ostrom1990commons].\n"
    ),
    "content/initiatives/cooperatives.yaml": (
        "name: Cooperatives\nstatement: Cooperatives.\nreaches: [urban-poor]\n"
    ),
    "content/recommendations/protect.yaml": (
        "title: Protect\naction: Protect the urban poor.\naddressed_to: [national-government]\n"
        "rests_on: [urban-poor]\n"
    ),
    "content/documents/brief.yaml": (
        "type: policy-brief\ntitle: A test brief\nshort_title: Test\n"
        "authors:\n  - name: Test Network\ndate: 2024-03\naudience: Officials\n"
        "subject: Testing\nkeywords: [test]\nkey_messages:\n  - One message.\n"
        "introduction: The issue.\nexclusions: [urban-poor]\ninitiatives: [cooperatives]\n"
        "recommendations: [protect]\n"
    ),
}


@pytest.fixture
def make_project(tmp_path):
    """Write a small complete project, with files replaced or added by `files`."""

    def make(files: dict[str, str | bytes | None] | None = None) -> Path:
        return write_project(tmp_path, files)

    return make


def write_project(root: Path, files: dict[str, str | bytes | None] | None = None) -> Path:
    """The house templates and MINIMAL in root, with files replaced, added or
    (None) removed; for fixtures wider than one test, which make_project is not."""
    shutil.copytree(ROOT / "templates", root / "templates")
    for name, text in {**MINIMAL, **(files or {})}.items():
        path = root / name
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root
