"""The edit loop's ratios, each of two commands measured side by side.

Every figure is a whole command, run as a user runs it, REPEAT times with its
pair interleaved (A B A B ...), and the median kept, so the machine's speed
cancels out of the ratio. Peak memory is the largest single process of the
command's tree (getrusage of the children: the build, a PDF worker, pandoc).
The live preview's figure is the time from a save to the served page showing
it, with `advocacy serve` running and idle before each save. A full build is
`build --force`: every edition rendered and drawn again, with what pandoc and
matplotlib answered before recalled from build/.cache/memo, as a build after
an edit recalls it; the lines "nothing remembered" remove the memos first.

Usage: python bench/edit_loop.py [REPEAT]
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADVOCACY = [sys.executable, "-m", "advocacy"]
WEASYPRINT = shutil.which("weasyprint", path=str(Path(sys.executable).parent)) or "weasyprint"

# a record of the default content that one document shows: the position paper
RECORD, DOCUMENT = "content/recommendations/academic-partnership.yaml", "position-paper"
RECORDS = 1000  # the large network of `check`


def run(command: list[str], cwd: Path = ROOT) -> float:
    """Seconds the command took; it must succeed."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, command))} failed:\n{done.stderr}")
    return seconds


def peak_memory(command: list[str], cwd: Path = ROOT) -> float:
    """MiB of the largest single process of command's tree, in a fresh process."""
    probe = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *command], cwd=cwd, capture_output=True, text=True, check=True
    )
    return int(done.stdout) / 1024


def pair(title: str, a: tuple, b: tuple, repeat: int, unit: str = "s") -> float:
    """Median of a, median of b, and their ratio, measured interleaved."""
    (name_a, step_a), (name_b, step_b) = a, b
    times_a, times_b = [], []
    for _ in range(repeat):
        times_a.append(step_a())
        times_b.append(step_b())
    median_a, median_b = statistics.median(times_a), statistics.median(times_b)
    ratio = median_a / median_b
    print(f"{title}: {ratio:.3f}")
    print(f"    {name_a:58} {median_a:8.3f} {unit}")
    print(f"    {name_b:58} {median_b:8.3f} {unit}")
    return ratio


def project_copy(base: Path, name: str) -> Path:
    root = base / name
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copytree(ROOT / "templates", root / "templates")
    return root


def large_network(base: Path, count: int) -> Path:
    """The default content with count more exclusions, each its own file."""
    root = project_copy(base, "large")
    folder = root / "content" / "exclusions"
    for i in range(count):
        (folder / f"synthetic-{i:04}.yaml").write_text(
            f"name: Synthetic group {i}\ncommunity: Group {i}\n"
            f"statement: People of group {i}, left out of social protection.\n",
            encoding="utf-8",
        )
    return root


class Served:
    """`advocacy serve` on a free port of 127.0.0.1, its output read as it comes."""

    def __init__(self, root: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [*ADVOCACY, "--root", str(root), "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=root
        )
        self.last_line = time.monotonic()
        self.html_builds = 0  # lines "built the HTML in ..." printed so far
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(120):
            sys.exit("bench: advocacy serve did not start")

    def _read(self) -> None:
        for line in self.process.stdout:
            self.last_line = time.monotonic()
            self.html_builds += line.startswith("built the HTML")
            if line.startswith("serving "):
                self.ready.set()

    def quiet(self, seconds: float = 6.0) -> None:
        """Wait until the server has printed nothing for seconds: its PDFs are done
        (each prints a line when it is; the longest takes about 4 s)."""
        while time.monotonic() - self.last_line < seconds:
            time.sleep(0.1)

    def page(self, name: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{name}", timeout=10) as got:
            return got.read().decode("utf-8")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            print("bench: advocacy serve did not stop within 30 s of SIGTERM; killed it")
            self.process.kill()
            self.process.wait()


def save_to_reload(served: Served, record: Path, original: str, marks) -> float:
    """Seconds from saving a new word into a record of the brief to the brief's
    page, served, holding it; the server idle before the save."""
    served.quiet()
    builds = served.html_builds
    word = f"Benchmark{next(marks)}"
    text = original.replace("statement: >\n  ", f"statement: >\n  {word} ", 1)
    start = time.perf_counter()
    record.write_text(text, encoding="utf-8")
    while word not in served.page("policy-brief.html"):
        if time.perf_counter() - start > 60:
            sys.exit("bench: the served page never showed the save")
        time.sleep(0.005)
    seconds = time.perf_counter() - start
    while served.html_builds == builds:  # the page is in place before the server says so
        time.sleep(0.05)
    return seconds


def main(repeat: int) -> None:
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
        # Python's default is to keep compiled modules; a machine that turns it
        # off makes every command compile the tool again, which a user's does not
        print("(PYTHONDONTWRITEBYTECODE is set here; the commands run without it)")
    base = Path(tempfile.mkdtemp(prefix="advocacy-bench-"))
    root = project_copy(base, "project")
    out = root / "build"
    cpus = len(os.sched_getaffinity(0))
    print(f"advocacy edit-loop benchmarks: medians of {repeat} interleaved runs, {cpus} CPUs\n")
    build = [*ADVOCACY, "--root", str(root), "build"]
    run([*build, "--force"])
    finals = sorted(out.glob("*.html"))
    finals = [p for p in finals if p.name != "index.html"]
    floor_out = base / "weasyprint"
    floor_out.mkdir()

    def weasyprint_floor() -> float:
        return sum(run([WEASYPRINT, str(p), str(floor_out / f"{p.stem}.pdf")]) for p in finals)

    full_one_job = (
        "full build, --jobs 1 (advocacy build --force)",
        lambda: run([*build, "--force", "--jobs", "1"]),
    )
    pair(
        "full build (one job) / WeasyPrint CLI on the same final HTML, one after another",
        full_one_job,
        (f"weasyprint CLI on the {len(finals)} HTML files", weasyprint_floor),
        repeat,
    )

    def forgetting(step):
        """step, after removing the memos of pandoc's and matplotlib's answers."""

        def cold():
            shutil.rmtree(out / ".cache" / "memo", ignore_errors=True)
            return step()

        return cold

    pair(
        "full build (one job), nothing remembered / WeasyPrint CLI on the same final HTML",
        (
            "full build, --jobs 1, build/.cache/memo removed first",
            forgetting(lambda: run([*build, "--force", "--jobs", "1"])),
        ),
        (f"weasyprint CLI on the {len(finals)} HTML files", weasyprint_floor),
        repeat,
    )
    run([*build, "--force"])  # the memos again
    full = ("full build (advocacy build --force, default jobs)", lambda: run([*build, "--force"]))
    pair(
        "no-op make / full build",
        ("advocacy build, nothing changed", lambda: run(build)),
        full,
        repeat,
    )

    record = root / RECORD
    original = record.read_text(encoding="utf-8")
    edits = iter(range(10**6))

    def edit_and_build() -> float:
        record.write_text(original + f"# edit {next(edits)}\n", encoding="utf-8")
        return run(build)

    pair(
        f"make after editing one record of the {DOCUMENT} / building the {DOCUMENT} alone",
        (f"edit {Path(RECORD).name}, advocacy build", edit_and_build),
        (f"advocacy build --force {DOCUMENT}", lambda: run([*build, "--force", DOCUMENT])),
        repeat,
    )
    record.write_text(original, encoding="utf-8")
    pair(
        "full build --jobs 2 / --jobs 1",
        ("advocacy build --force --jobs 2", lambda: run([*build, "--force", "--jobs", "2"])),
        full_one_job,
        repeat,
    )
    large = large_network(base, RECORDS)
    pair(
        f"check of {RECORDS} more records / check of the default content",
        (
            f"advocacy check, default content + {RECORDS}",
            lambda: run([*ADVOCACY, "--root", str(large), "check"]),
        ),
        ("advocacy check, default content", lambda: run([*ADVOCACY, "--root", str(root), "check"])),
        repeat,
    )
    largest = max(finals, key=lambda p: p.stat().st_size)
    pair(
        f"peak memory, nothing remembered / WeasyPrint CLI on {largest.name}",
        (
            "advocacy build --force --jobs 1, build/.cache/memo removed first",
            forgetting(lambda: peak_memory([*build, "--force", "--jobs", "1"])),
        ),
        (
            f"weasyprint {largest.name}",
            lambda: peak_memory([WEASYPRINT, str(largest), str(floor_out / "m.pdf")]),
        ),
        max(1, repeat // 2),
        unit="MiB",
    )
    run([*build, "--force"])  # the memos again
    pair(
        f"peak memory of the full build's largest process / WeasyPrint CLI on {largest.name}",
        (
            "advocacy build --force --jobs 1",
            lambda: peak_memory([*build, "--force", "--jobs", "1"]),
        ),
        (
            f"weasyprint {largest.name}",
            lambda: peak_memory([WEASYPRINT, str(largest), str(floor_out / "m.pdf")]),
        ),
        max(1, repeat // 2),
        unit="MiB",
    )
    live = project_copy(base, "live")
    brief_record = live / "content" / "exclusions" / "farmers-rural-poor.yaml"
    brief_original = brief_record.read_text(encoding="utf-8")
    served, marks = Served(live), iter(range(10**6))
    try:
        pair(
            "serve: save to the brief's new HTML served / building the brief's HTML alone",
            (
                "save a record of the brief, until the page served shows it",
                lambda: save_to_reload(served, brief_record, brief_original, marks),
            ),
            (
                "advocacy build --force --html-only policy-brief",
                lambda: run([*build, "--force", "--html-only", "policy-brief"]),
            ),
            repeat,
        )
    finally:
        served.stop()
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
