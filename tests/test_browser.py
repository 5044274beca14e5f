"""Every built HTML page in a real headless Chromium (Debian's package, driven by
Playwright): no console or page errors, no serious or critical axe-core finding,
and no horizontal scrolling on a phone.

Nothing leaves the machine: every request that is not file:// is aborted.
Skips when Playwright, axe-core's script (from axe-playwright-python) or
Chromium is missing: `apt-get install chromium` and
`pip install playwright axe-playwright-python`. Playwright never downloads a
browser here; it runs /usr/bin/chromium.
"""

from __future__ import annotations

import shutil
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

from conftest import DOCUMENTS

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is not installed (pip install playwright axe-playwright-python)",
)

PAGES = (*DOCUMENTS, "index")
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")


class AxeCore:
    """axe-core's axe.min.js as shipped in the axe-playwright-python wheel.

    Read from the installed files, not imported: that package's module reads it
    without an encoding and opens a file it never closes."""

    def __init__(self):
        try:
            dist = distribution("axe-playwright-python")
        except PackageNotFoundError:
            pytest.skip("axe-core is not installed (pip install axe-playwright-python)")
        path = Path(dist.locate_file("axe_playwright_python/axe.min.js"))
        self.script = path.read_text(encoding="utf-8")

    def __repr__(self) -> str:  # keeps 600 kB of script out of failure reports
        return f"<AxeCore {self.script[:16]!r}…>"

    def run(self, page) -> dict:
        page.evaluate(self.script)
        return page.evaluate("axe.run(document, {resultTypes: ['violations']})")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module; Playwright gives it a fresh profile
    (--user-data-dir in a new temporary folder) and removes it afterwards."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not executable:
        pytest.skip(f"Chromium is not installed ({CHROMIUM} missing: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def axe() -> AxeCore:
    return AxeCore()


class Visit:
    """A page in its own browser context, offline, with what it reported."""

    def __init__(self, browser, **context_options):
        self.context = browser.new_context(**context_options)
        self.context.set_default_timeout(30_000)
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._only_files)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on(
            "requestfailed",
            lambda request: self.errors.append(
                f"request failed: {request.url} ({request.failure})"
            ),
        )

    def _only_files(self, route):
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def _console(self, message):
        if message.type == "error":
            where = message.location
            self.errors.append(
                f"console error: {message.text} ({where.get('url')}:{where.get('lineNumber')})"
            )

    def open(self, path: Path):
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.evaluate("document.fonts.ready.then(() => true)")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    visits: list[Visit] = []

    def make(**context_options) -> Visit:
        visits.append(Visit(browser, **context_options))
        return visits[-1]

    yield make
    for one in visits:
        one.close()


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_without_console_or_page_errors(built, visit, name):
    v = visit()
    v.open(built / f"{name}.html")
    assert not v.blocked, f"{name}.html asked for something off the machine: {v.blocked}"
    assert not v.errors, f"{name}.html:\n" + "\n".join(v.errors)


def describe(finding: dict) -> str:
    lines = [f"{finding['id']} ({finding['impact']}): {finding['help']}"]
    for node in finding["nodes"]:
        lines.append(f"  {' '.join(map(str, node['target']))}: {node['html'][:200]}")
        summary = node.get("failureSummary") or "; ".join(
            check["message"] for check in node.get("any", []) + node.get("all", [])
        )
        lines.append("    " + " ".join(summary.split()))
    return "\n".join(lines)


def same_colour_text(results: dict) -> list[dict]:
    """Text in exactly the colour of its background. axe files it under
    "incomplete" (it might be hidden on purpose); in these pages it never is."""
    found = []
    for item in results["incomplete"]:
        if item["id"] != "color-contrast":
            continue
        nodes = [
            node
            for node in item["nodes"]
            for check in node["any"]
            if isinstance(check.get("data"), dict)
            and check["data"].get("messageKey") == "equalRatio"
        ]
        if nodes:
            found.append({**item, "help": "Text is the colour of its background", "nodes": nodes})
    return found


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_nothing_serious_or_critical(built, visit, axe, name):
    results = axe.run(visit().open(built / f"{name}.html"))
    found = [v for v in results["violations"] if v["impact"] in BLOCKING]
    found += same_colour_text(results)
    assert not found, f"{name}.html:\n" + "\n".join(map(describe, found))


@pytest.mark.parametrize("name", PAGES)
def test_phone_width_needs_no_horizontal_scrolling(built, visit, name):
    v = visit(viewport=PHONE, is_mobile=True, has_touch=True)
    page = v.open(built / f"{name}.html")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """(limit) => [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 5)
            .map(e => `${Math.round(e.getBoundingClientRect().right)}px ${e.outerHTML.slice(0, 120)}`)""",
        PHONE["width"],
    )
    assert width <= PHONE["width"], f"{name}.html is {width}px wide on a phone:\n" + "\n".join(wide)
    assert not v.errors, f"{name}.html:\n" + "\n".join(v.errors)
