"""`advocacy serve`: build, serve build/ on this machine, and on every save
rebuild and reload the pages open in a browser.

Every build runs here, in this process and on the main thread, one at a
time: the imports and the caches are paid once, and Ctrl-C or SIGTERM meets
a build where OutputFolder can leave build/ whole. Beside it, one thread
serves HTTP and one watches content/ and the templates; saves that arrive
during a build wait for it, all together, and make one rebuild.

After a save the HTML comes first, for every document (the build cache
redoes only those the save changed), and the pages reload; then the PDFs,
one document at a time, so a save waits for at most one document's PDF.

The pages are served with a script that listens for the next build (an
EventSource at EVENTS) and, while the content does not build, with the
problems over the last good page; the files in build/ are never changed for
it. Only files inside build/ are served, and none whose name starts with a
dot (build/.partial, build/.cache).
"""

from __future__ import annotations

import errno
import html
import mimetypes
import secrets
import signal
import socket
import socketserver
import stat
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import watchfiles

from advocacy.config import Paths
from advocacy.errors import AdvocacyError, plural

EVENTS = "/__advocacy/events"  # reserved: no file of build/ is served under /__advocacy/
KEEP_ALIVE = 15.0  # seconds between comments on an idle event stream, to notice closed pages
IDLE = 0.5  # seconds the build loop waits for a save before it looks for signals again
INTERRUPTS = (signal.SIGINT, signal.SIGTERM)

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".pdf": "application/pdf",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

SCRIPT = """<script>
(function () {
  var served = "%s";
  var events = new EventSource("%s");
  events.onmessage = function (event) {
    if (event.data !== served) {
      events.close();
      location.reload();
    }
  };
})();
</script>
"""

OVERLAY = """<div id="advocacy-problems" role="alert" style="position: fixed; inset: 0 0 auto 0; \
z-index: 2147483647; max-height: 70vh; overflow: auto; margin: 0; padding: 1em 1.25em; \
background: #fff4f4; color: #1a1a1a; border-bottom: 4px solid #b00020; \
box-shadow: 0 2px 12px rgb(0 0 0 / 30%%); font: 14px/1.5 ui-monospace, monospace;">
<style>@media print { #advocacy-problems { display: none; } }</style>
<p style="margin: 0 0 0.5em; font-weight: bold;">The content does not build; \
below is the last good build. Fix the file and save: this page reloads.</p>
<pre style="margin: 0; white-space: pre-wrap;">%s</pre>
</div>
"""

NOT_FOUND = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body><p>There is no %s in the build folder.</p></body></html>
"""


class Stop(KeyboardInterrupt):
    """Ctrl-C or SIGTERM: stop serving."""


def _stop(signum, frame):
    raise Stop()


def serve(paths: Paths, port: int = 8000, host: str = "127.0.0.1", strict: bool = False) -> int:
    """Serve build/ on host:port and rebuild on every save, until Ctrl-C or SIGTERM."""
    previous = {signum: signal.signal(signum, _stop) for signum in INTERRUPTS}
    preview, saves = Preview(), Saves()
    server = serving = watching = None
    try:
        server = bind(host, port, paths.build, preview)
        if server is None:
            return 1
        serving = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
        serving.start()
        builds = Builder(paths, strict, preview)
        watching = threading.Thread(
            target=saves.watch, args=(builds.folders, paths.build), daemon=True
        )
        watching.start()
        builds.html()
        print(f"serving {url(server)} (Ctrl-C to stop)", flush=True)
        rebuild_on_saves(builds, saves)
    except Stop:
        _ignore_interrupts()
        print("stopped serving", flush=True)
        return 0
    finally:
        _ignore_interrupts()  # a second Ctrl-C must not break the clean-up
        saves.close()
        preview.close()
        if serving is not None:
            server.shutdown()
        if server is not None:
            server.server_close()
        if watching is not None:
            watching.join(timeout=5)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _ignore_interrupts() -> None:
    for signum in INTERRUPTS:
        signal.signal(signum, signal.SIG_IGN)


def rebuild_on_saves(builds: Builder, saves: Saves) -> None:
    """Rebuild the HTML after each save, and the PDFs while no save waits."""
    while True:
        if builds.pdfs_due() and not saves.pending():
            builds.next_pdf()
        elif saves.wait(IDLE):
            builds.html()


def watched(paths: Paths) -> list[Path]:
    """The folders a build reads that a person edits: content/ (with its theme)
    and the templates."""
    folders = [paths.content, *paths.template_folders()]
    found = [f for f in dict.fromkeys(folders) if f.is_dir()]
    return [f for f in found if not any(f.is_relative_to(o) for o in found if o != f)]


def url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


class Builder:
    """The builds of one serve: the HTML of everything, then the PDFs one
    edition at a time; each outcome told to the pages and to stderr.

    The build cache keys an edition by its files as they are when the build
    computes the key, which a save after the load can make newer than what
    was loaded: then the cache holds the old page under the new files' key,
    and the save's own rebuild would find it current. So the watched files
    are compared as the project was loaded and as the build has keyed every
    edition (when it starts rendering the first); the editions a build redid
    while they differed are redone in full by the next one.
    """

    def __init__(self, paths: Paths, strict: bool, preview: Preview):
        self.paths = paths
        self.strict = strict
        self.preview = preview
        self.folders = watched(paths)
        self.project = None
        self.loaded: dict[Path, tuple] = {}  # the watched files as the project was loaded
        self.suspect: set[str] = set()  # editions whose cache entry may not match their files
        self.todo: list[str] = []  # editions whose PDFs are still to build, by output name
        self.said: set[str] = set()  # warnings printed already, so each is printed once

    def html(self) -> None:
        from advocacy.build import load_project

        started = time.perf_counter()
        self.todo = []
        try:
            self.loaded = files_now(self.folders, self.paths.build)
            self.project = load_project(self.paths, self.strict)
            self._warn(self.project.notes)
            if self.suspect:
                self._build(sorted(self.suspect), pdf=False, force=True)
            built = self._build(None, pdf=False)
        except AdvocacyError as exc:
            self._failed(exc)
            return
        self.preview.publish(())
        self.todo = pdf_order(self.project.corpus, {b.id for b in built if not b.cached})
        print(f"built the HTML in {time.perf_counter() - started:.1f} s", flush=True)

    def pdfs_due(self) -> bool:
        return bool(self.todo)

    def next_pdf(self) -> None:
        try:
            built = self._build([self.todo.pop(0)], pdf=True)
        except AdvocacyError as exc:
            self.todo = []
            self._failed(exc)
            return
        self._warn(warning for item in built for warning in item.warnings)
        for item in built:
            if item.pdf is not None and not item.cached:
                pages = f", {plural(item.pages, 'page')}" if item.pages else ""
                print(f"built {self.paths.shown(item.pdf)}{pages}", flush=True)

    def _build(self, only: list[str] | None, pdf: bool, force: bool = False) -> list:
        from advocacy.build import build

        keyed: list[dict] = []

        def progress(line: str) -> None:
            if not keyed:
                keyed.append(files_now(self.folders, self.paths.build))

        built = build(self.paths, only, pdf, self.project, force=force, progress=progress)
        if force:
            self.suspect -= set(only or ())
        if keyed and keyed[0] != self.loaded:
            self.suspect |= {item.id for item in built if not item.cached}
        return built

    def _failed(self, exc: AdvocacyError) -> None:
        lines = [str(p) for p in exc.problems if p.level in ("error", "warning")]
        lines += [exc.summary()] if exc.summary() else []
        print("\n".join(lines), file=sys.stderr, flush=True)
        self.preview.publish(tuple(lines))

    def _warn(self, notes) -> None:
        for note in notes:
            if note.level == "warning" and str(note) not in self.said:
                self.said.add(str(note))
                print(note, file=sys.stderr, flush=True)


def pdf_order(corpus, changed: set[str]) -> list[str]:
    """The editions to draw one build each, the documents whose HTML changed first.

    A document's id chooses all its editions, so each document's other
    editions come before its own name: by then they are done, and found so.
    """
    from advocacy.build import edition_names

    names = edition_names(corpus)
    documents = list(corpus.documents)
    first = {names[name][0].id for name in changed if name in names}

    def order(name: str) -> tuple:
        document = names[name][0].id
        return (document not in first, documents.index(document), name == document)

    return sorted(names, key=order)


def files_now(folders: list[Path], build: Path) -> dict[Path, tuple]:
    """Each file the watcher sees in folders, by its size, time and inode."""
    seen = watchfiles.DefaultFilter(ignore_paths=[build])
    found = {}
    for folder in folders:
        for path in folder.rglob("*"):
            try:
                status = path.stat()
            except OSError:  # gone since the listing
                continue
            if stat.S_ISREG(status.st_mode) and seen(watchfiles.Change.modified, str(path)):
                found[path] = (status.st_size, status.st_mtime_ns, status.st_ino)
    return found


class Preview:
    """What the open pages are told: the version of the build they should
    show, and the problems of the last build, if it failed."""

    def __init__(self):
        self._changed = threading.Condition()
        self._token = secrets.token_hex(4)  # so a page from an earlier serve reloads too
        self._count = 0
        self.problems: tuple[str, ...] = ()
        self.closed = False

    @property
    def version(self) -> str:
        return f"{self._token}.{self._count}"

    def publish(self, problems: tuple[str, ...]) -> None:
        with self._changed:
            self._count += 1
            self.problems = problems
            self._changed.notify_all()

    def wait(self, seen: str, timeout: float) -> str:
        """The version once it is no longer seen, or after timeout."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen or self.closed, timeout)
            return self.version

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()


class Saves:
    """The changes the watcher saw that no build has taken yet."""

    def __init__(self):
        self._arrived = threading.Condition()
        self._changes: set = set()
        self._stop = threading.Event()

    def watch(self, folders: list[Path], build: Path) -> None:
        seen = watchfiles.DefaultFilter(ignore_paths=[build])
        # step: how long the folders must be still before a batch of changes is
        # taken; an editor's save (a write, or a write and a rename) is one batch
        changes = watchfiles.watch(
            *folders, watch_filter=seen, stop_event=self._stop, raise_interrupt=False, step=20
        )
        for found in changes:
            with self._arrived:
                self._changes |= found
                self._arrived.notify_all()

    def pending(self) -> bool:
        with self._arrived:
            return bool(self._changes)

    def wait(self, timeout: float) -> bool:
        """Take the changes that arrived, waiting up to timeout; whether there were any."""
        with self._arrived:
            self._arrived.wait_for(lambda: self._changes, timeout)
            found, self._changes = self._changes, set()
            return bool(found)

    def close(self) -> None:
        self._stop.set()


def bind(host: str, port: int, folder: Path, preview: Preview) -> PreviewServer | None:
    """A server listening on host:port, or None with the reason printed."""
    try:
        return PreviewServer((host, port), folder, preview)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            reason = f"port {port} is in use; choose another with --port"
        elif exc.errno == errno.EACCES:
            reason = f"port {port} is reserved for the system; choose another with --port"
        elif exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
            reason = f"'{host}' is not an address of this machine; choose another with --host"
        else:
            reason = f"cannot serve on {host}:{port} ({exc.strerror or exc}); choose another --port"
        print(f"advocacy: error: {reason}", file=sys.stderr)
        return None


class PreviewServer(ThreadingHTTPServer):
    """The build folder over HTTP, one thread a request."""

    def __init__(self, address: tuple[str, int], folder: Path, preview: Preview):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.folder = folder
        self.preview = preview
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # not HTTPServer's: it asks DNS for a name
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a page closed mid-answer
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def log_message(self, format, *args) -> None:
        """No line per request: the terminal is for the build's messages."""

    def _answer(self, body: bool) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS:
            self._events()
            return
        found = inside(self.server.folder, path)
        data = _read(found) if found is not None else None
        if data is None:
            page = NOT_FOUND % html.escape(unquote(path))
            self._send(HTTPStatus.NOT_FOUND, TYPES[".html"], self._with_preview(page), body)
            return
        kind = TYPES.get(found.suffix) or mimetypes.guess_type(found.name)[0]
        if found.suffix == ".html":
            data = self._with_preview(data.decode("utf-8", "surrogateescape"))
        self._send(HTTPStatus.OK, kind or "application/octet-stream", data, body)

    def _with_preview(self, page: str) -> bytes:
        """The page with the reload script and, if the build failed, its problems."""
        preview = self.server.preview
        problems = preview.problems
        added = OVERLAY % html.escape("\n".join(problems)) if problems else ""
        added += SCRIPT % (preview.version, EVENTS)
        end = page.lower().rfind("</body>")
        end = len(page) if end < 0 else end
        return (page[:end] + added + page[end:]).encode("utf-8", "surrogateescape")

    def _send(self, status: HTTPStatus, kind: str, data: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _events(self) -> None:
        """A stream of the build's version: now, then at each build, until the page goes."""
        preview = self.server.preview
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = preview.version
        self.wfile.write(f"retry: 1000\ndata: {seen}\n\n".encode())
        while not preview.closed:
            self.wfile.flush()
            version = preview.wait(seen, KEEP_ALIVE)
            if version == seen:
                self.wfile.write(b": still here\n\n")
            else:
                self.wfile.write(f"data: {version}\n\n".encode())
                seen = version


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:  # gone since it was found: a build removed it
        return None


def inside(folder: Path, path: str) -> Path | None:
    """The file of folder that a URL path names, or None.

    None for a name starting with a dot (.., .partial, .cache), a folder
    without an index.html, and anything that leads out of folder, however
    the path is encoded.
    """
    parts = [part for part in unquote(path).split("/") if part]
    if any(part.startswith(".") or "\\" in part or "\0" in part for part in parts):
        return None
    target = folder.joinpath(*parts)
    if target.is_dir():
        target = target / "index.html"
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(folder.resolve()) or not resolved.is_file():
        return None
    return resolved
