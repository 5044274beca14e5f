"""Every built HTML page in a real headless Chromium (Debian's package, driven by
Playwright): no console or page errors, no axe-core finding at WCAG 2.1 A or
AA, no horizontal scrolling on a phone, and a print from the browser that
opens on the document's title and carries none of the running header and
footer, which only WeasyPrint places in the page margins.

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

from conftest import DOCUMENTS, normalise

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is not installed (pip install playwright axe-playwright-python)",
)

PAGES = (*DOCUMENTS, "index")
# Every HTML page of the default content, its Malay edition too.
PRINTED = (*PAGES, pytest.param("policy-brief.ms", marks=pytest.mark.default_content))
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
DESKTOP = {"width": 1280, "height": 900}
BLOCKING = ("serious", "critical")
# The success criteria of WCAG 2.0 and 2.1 at levels A and AA, as axe tags them.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


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

    def run(self, page, only: list[str] | None = None) -> dict:
        """axe's findings on the page: every rule, or only the rules of these tags."""
        page.evaluate(self.script)
        options = {"resultTypes": ["violations"]}
        if only:
            options["runOnly"] = {"type": "tag", "values": only}
        return page.evaluate("options => axe.run(document, options)", options)


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


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_nothing_at_wcag_2_1_a_or_aa(built, visit, axe, name, size):
    """Not one violation, of any impact, of the rules for WCAG 2.0 and 2.1 A and AA,
    on a desktop screen and on a phone."""
    results = axe.run(visit(viewport=size).open(built / f"{name}.html"), only=WCAG_AA)
    found = results["violations"] + same_colour_text(results)
    assert not found, f"{name}.html:\n" + "\n".join(map(describe, found))


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", DOCUMENTS)
def test_text_on_screen_is_16_to_18_px_in_a_column_of_at_most_80_characters(
    built, visit, name, size
):
    """The running text (the paragraphs of main at the size of main): the size
    a reader sees, its computed size times any CSS zoom, and the width of its
    column in characters of that text."""
    page = visit(viewport=size).open(built / f"{name}.html")
    found = page.evaluate(
        """() => {
            const main = document.querySelector('main');
            return [...main.querySelectorAll('p')]
            .filter(p => p.checkVisibility() && p.textContent.trim().length > 150
                         && getComputedStyle(p).fontSize === getComputedStyle(main).fontSize)
            .map(p => {
                const style = getComputedStyle(p), zoom = p.currentCSSZoom || 1;
                const canvas = document.createElement('canvas').getContext('2d');
                canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
                const text = p.textContent.replace(/\\s+/g, ' ').trim();
                const char = canvas.measureText(text).width / text.length * zoom;
                return {px: parseFloat(style.fontSize) * zoom,
                        chars: p.getBoundingClientRect().width / char,
                        text: text.slice(0, 60)};
            });
        }"""
    )
    assert len(found) >= 3, f"{name}.html has {len(found)} paragraphs of running text"
    for one in found:
        px, chars = round(one["px"], 1), round(one["chars"])
        assert 16 <= px <= 18, f"{name}.html: text at {px}px: {one['text']}"
        assert chars <= 80, f"{name}.html: {chars} characters a line: {one['text']}"


@pytest.mark.parametrize("name", PAGES)
def test_the_first_tab_reaches_a_visible_link_to_the_text(built, visit, name):
    page = visit(viewport=DESKTOP).open(built / f"{name}.html")
    link = page.locator(".skip-link")
    assert link.bounding_box()["width"] < 2, "the link to the text shows before it has focus"
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({href: document.activeElement.getAttribute('href'),"
        " text: document.activeElement.textContent})"
    )
    assert focused["href"] == "#content", f"the first Tab reaches {focused}"
    box = link.bounding_box()
    assert box["width"] > 40 and box["height"] > 20, f"in focus, the link is {box}"
    assert page.locator("main#content").count() == 1
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"


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


def printed(page) -> list[str]:
    """The page printed by Chromium as Save as PDF does (print media, the page
    size of its @page rule, backgrounds), as the text of each PDF page,
    whitespace folded."""
    pymupdf = pytest.importorskip("pymupdf", reason="PyMuPDF is not installed")
    data = page.pdf(prefer_css_page_size=True, print_background=True)
    with pymupdf.open(stream=data, filetype="pdf") as pdf:
        return [normalise(one.get_text()) for one in pdf]


@pytest.mark.parametrize("name", PRINTED)
def test_printed_from_the_browser_it_opens_on_the_title_with_no_running_head_or_foot(
    built, visit, name
):
    """position: running() is WeasyPrint's: a browser prints the running header
    and footer where they stand in the HTML, over page 1, unless they are hidden.
    The print is compared with a print of the same page with those elements
    removed, since their text may also be the document's own (a brief's short
    title is often its title)."""
    page = visit().open(built / f"{name}.html")
    title = normalise(page.locator("h1").first.text_content())
    running = [
        normalise(text)
        for text in page.eval_on_selector_all(".running", "all => all.map(e => e.textContent)")
    ]
    pages = printed(page)
    assert title.casefold() in pages[0].casefold(), (
        f"{name}.html printed: page 1 does not show its title {title!r}:\n{pages[0][:400]}"
    )
    blank = [number for number, text in enumerate(pages, 1) if not text]
    assert not blank, f"{name}.html printed: pages {blank} of {len(pages)} are blank"
    page.evaluate("document.querySelectorAll('.running').forEach(e => e.remove())")
    alone = printed(page)
    whole, whole_alone = " ".join(pages).casefold(), " ".join(alone).casefold()
    extra = [
        f"{text!r}: {whole.count(text.casefold())} times, "
        f"{whole_alone.count(text.casefold())} in the document itself"
        for text in running
        if whole.count(text.casefold()) != whole_alone.count(text.casefold())
    ]
    assert not extra, f"{name}.html printed its running header or footer:\n" + "\n".join(extra)
    assert len(pages) == len(alone), f"{name}.html: the running elements add pages to its print"
