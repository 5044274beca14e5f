"""`advocacy serve`: a real server on a free port, on a scratch project, told
of real saves; pages fetched as a browser would."""

from __future__ import annotations

import http.client
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from advocacy.cli import main
from conftest import MINIMAL, ROOT, write_project

SAVE_TIMEOUT = 60.0  # seconds a save may take to be served, on a slow machine
START_TIMEOUT = 60.0
BRIEF = "content/documents/policy-brief.yaml"
INITIATIVE = "content/initiatives/cooperatives.yaml"
EVENTS = "/__advocacy/events"


def scratch_project(root: Path) -> Path:
    """The small test project, its brief named policy-brief."""
    return write_project(
        root, {BRIEF: MINIMAL["content/documents/brief.yaml"], "content/documents/brief.yaml": None}
    )


def advocacy(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "advocacy", "--root", str(root), *args]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """`advocacy serve` running as a command, its output read as it comes."""

    root: Path
    port: int
    process: subprocess.Popen
    lines: queue.Queue
    stderr: Path
    serving: str = ""  # the line that says where

    @classmethod
    def start(cls, root: Path, port: int, env: dict[str, str] | None = None) -> Server:
        stderr = root / "serve.stderr"
        with stderr.open("w") as errors:
            process = subprocess.Popen(
                advocacy(root, "serve", "--port", str(port)),
                cwd=ROOT,
                env={**os.environ, **(env or {})},
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_read, args=(process.stdout, lines), daemon=True).start()
        return cls(root, port, process, lines, stderr)

    def wait_for_line(self, start: str, timeout: float = START_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.process.poll() is None, self.stderr.read_text(encoding="utf-8")
                continue
            if line is None or line.startswith(start):
                assert line is not None, self.stderr.read_text(encoding="utf-8")
                return line
        raise AssertionError(f"no line '{start}...' in {timeout} s")

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        """Fetch path exactly as written: nothing normalised or encoded."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path)
            answer = connection.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            connection.close()

    def page(self, path: str = "/policy-brief.html") -> str:
        status, _, body = self.get(path)
        assert status == 200
        return body.decode("utf-8")

    def wait_for_page(self, found, path: str = "/policy-brief.html") -> str:
        """The page once found(page) holds; saves take a rebuild to show."""
        deadline = time.monotonic() + SAVE_TIMEOUT
        while time.monotonic() < deadline:
            page = self.page(path)
            if found(page):
                return page
            time.sleep(0.05)
        raise AssertionError(f"{path} never changed as expected in {SAVE_TIMEOUT} s")

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, list[str], str]:
        """Send signum; the exit status, the lines printed and stderr."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=30)
        printed = []
        while (line := self.lines.get(timeout=5)) is not None:
            printed.append(line)
        return code, printed, self.stderr.read_text(encoding="utf-8")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdout.close()


def _read(stream, lines: queue.Queue) -> None:
    try:
        for line in stream:
            lines.put(line.rstrip("\n"))
    except ValueError:  # closed by kill()
        pass
    lines.put(None)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = scratch_project(tmp_path_factory.mktemp("serve"))
    running = Server.start(root, free_port())
    try:
        running.serving = running.wait_for_line("serving ")
        yield running
    finally:
        running.kill()


@pytest.fixture
def saved(server):
    """Write files of the served project; put them back afterwards, and wait
    until the page shows the original again."""
    originals: dict[Path, str] = {}

    def save(name: str, text: str) -> None:
        path = server.root / name
        originals.setdefault(path, path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")

    yield save
    for path, text in originals.items():
        path.write_text(text, encoding="utf-8")
    server.wait_for_page(lambda page: "Cooperatives." in page and OVERLAY not in page)


OVERLAY = 'id="advocacy-problems"'


class _Overlay(HTMLParser):
    """The text of the problems shown over a page."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.text = ""

    def handle_starttag(self, tag, attrs):
        if self.depth or ("id", "advocacy-problems") in attrs:
            self.depth += 1

    def handle_endtag(self, tag):
        self.depth -= bool(self.depth)

    def handle_data(self, data):
        if self.depth and self.lasttag == "pre":
            self.text += data


def overlay_lines(page: str) -> list[str]:
    parser = _Overlay()
    parser.feed(page)
    return parser.text.splitlines()


def test_serving_line_names_the_address(server):
    assert server.serving == f"serving http://127.0.0.1:{server.port}/ (Ctrl-C to stop)"
    status, headers, body = server.get("/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"A test brief" in body  # the index


def test_pages_are_served_with_the_reload_script_and_build_keeps_none(server):
    page = server.page()
    assert "Cooperatives." in page
    script = page.index(f'new EventSource("{EVENTS}")')
    assert script < page.rindex("</body>")
    built = (server.root / "build" / "policy-brief.html").read_text(encoding="utf-8")
    assert "Cooperatives." in built
    assert EVENTS not in built and "<script" not in built


def test_a_save_is_served_and_open_pages_are_told_to_reload(server, saved):
    events = http.client.HTTPConnection("127.0.0.1", server.port, timeout=SAVE_TIMEOUT)
    try:
        events.request("GET", EVENTS)
        stream = events.getresponse()
        assert stream.getheader("Content-Type") == "text/event-stream"
        served = _next_version(stream)
        new = "Cooperatives pool the savings of their members."
        saved(INITIATIVE, MINIMAL[INITIATIVE].replace("Cooperatives.", new))
        assert _next_version(stream) != served
    finally:
        events.close()
    page = server.wait_for_page(lambda page: new in page)
    assert "Cooperatives." not in page
    assert OVERLAY not in page


def test_saves_straight_after_each_other_are_all_served(server, saved):
    """Each save lands while the previous one's PDF is being drawn, from the
    project as it was loaded before the save."""
    for n in range(3):
        new = f"Cooperatives, save {n}."
        saved(INITIATIVE, MINIMAL[INITIATIVE].replace("Cooperatives.", new))
        server.wait_for_page(lambda page, new=new: new in page)


def _next_version(stream) -> str:
    while True:
        line = stream.readline().decode("utf-8")
        assert line, "the event stream ended"
        if line.startswith("data: "):
            return line.removeprefix("data: ").strip()


def test_a_content_error_shows_over_the_last_good_page_as_check_prints_it(server, saved, capsys):
    saved(INITIATIVE, MINIMAL[INITIATIVE].replace("statement:", "statment:"))
    page = server.wait_for_page(lambda page: OVERLAY in page)
    assert main(["--root", str(server.root), "check"]) == 1
    printed = capsys.readouterr().err.splitlines()
    assert printed[-1] == "2 errors in 1 file; nothing was built."
    assert (
        f"{INITIATIVE}:2:1: error: unknown field 'statment' (did you mean 'statement'?); "
        "expected one of 'sources', 'name', 'statement', 'reaches', 'evidence'" in printed
    )
    assert overlay_lines(page) == printed
    assert "&#x27;statment&#x27;" in page  # escaped, not markup
    assert "Cooperatives." in page  # the last good page, beneath
    assert page.index(OVERLAY) > page.index("Cooperatives.")
    assert OVERLAY not in (server.root / "build" / "policy-brief.html").read_text("utf-8")
    _wait_for_text(server.stderr, printed[-1])
    assert all(line in server.stderr.read_text(encoding="utf-8") for line in printed)


def _wait_for_text(path: Path, text: str) -> None:
    deadline = time.monotonic() + 10
    while text not in path.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, f"{text!r} not in {path.name}"
        time.sleep(0.05)


def test_files_are_served_as_they_are_with_their_types(server):
    build = server.root / "build"
    for name, kind in [
        ("/policy-brief.evidence.json", "application/json"),
        ("/fonts/NotoSans-Regular.ttf", "font/ttf"),
        ("/fonts/OFL.txt", "text/plain; charset=utf-8"),
    ]:
        status, headers, body = server.get(name)
        assert (status, headers["Content-Type"]) == (200, kind), name
        assert body == (build / name.lstrip("/")).read_bytes(), name
    server.wait_for_page(lambda page: (build / "policy-brief.pdf").exists(), "/")
    status, headers, body = server.get("/policy-brief.pdf")
    assert (status, headers["Content-Type"]) == (200, "application/pdf")
    assert body.startswith(b"%PDF-")
    status, headers, body = server.get("/policy-brief.pdf", "HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["Content-Length"]) > 1000


@pytest.mark.parametrize(
    "path",
    [
        "/../content/project.yaml",
        "/%2e%2e/content/project.yaml",
        "/%2E%2E%2Fcontent%2Fproject.yaml",
        "/..%2fcontent%2fproject.yaml",
        "/fonts/../../content/project.yaml",
        "/%252e%252e/content/project.yaml",
        "/..\\content\\project.yaml",
        "/%2fetc%2fpasswd",
        "//etc/passwd",
        "/.partial/",
        "/.cache/stamp.json",
        "/__advocacy/",
        "/fonts/",
    ],
)
def test_nothing_outside_the_build_folder_is_served(server, path):
    status, _, body = server.get(path)
    assert status == 404
    assert b"Test Network" not in body and b"root:" not in body


def test_it_listens_on_this_machine_only(server):
    listening = _listening(server.port)
    assert listening == {"127.0.0.1"}
    with socket.socket() as other:
        other.settimeout(5)
        assert other.connect_ex(("127.0.0.2", server.port)) != 0  # refused: not 0.0.0.0


def _listening(port: int) -> set[str]:
    """The addresses a socket listens on at port, from the kernel's own table."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    if len(hex_address) == 8:
        return socket.inet_ntop(socket.AF_INET, bytes.fromhex(hex_address)[::-1])
    words = [bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, 32, 8)]
    return socket.inet_ntop(socket.AF_INET6, b"".join(words))


def test_a_port_in_use_is_one_line_and_exit_1(server):
    done = subprocess.run(
        advocacy(server.root, "serve", "--port", str(server.port)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"advocacy: error: port {server.port} is in use; choose another with --port\n"
    )
    assert done.stdout == ""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_a_build_stops_it_cleanly(tmp_path, signum):
    """Stopped while the PDF of the brief is being drawn: the build's scratch
    folder goes, the last good files stay, the port is free again."""
    root = scratch_project(tmp_path / "project")
    marker = tmp_path / "paused"
    pause = {
        "ADVOCACY_TEST_PAUSE": "stage:policy-brief.pdf",
        "ADVOCACY_TEST_PAUSE_FILE": str(marker),
    }
    port = free_port()
    running = Server.start(root, port, pause)
    try:
        running.wait_for_line("serving ")
        deadline = time.monotonic() + START_TIMEOUT
        while not marker.exists():
            assert time.monotonic() < deadline and running.process.poll() is None
            time.sleep(0.02)
        assert (root / "build" / ".partial").is_dir()
        code, printed, stderr = running.stop(signum)
    finally:
        running.kill()
    assert code == 0
    assert printed[-1] == "stopped serving"
    assert "Traceback" not in stderr
    assert not (root / "build" / ".partial").exists()
    assert "Cooperatives." in (root / "build" / "policy-brief.html").read_text(encoding="utf-8")
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))
