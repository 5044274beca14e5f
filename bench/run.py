"""Benchmarks, reported as ratios of runs measured side by side.

Each stage runs REPEAT times, interleaved with the stages it is compared to,
and the median is kept, so the machine's speed cancels out of the ratios.
Usage: python bench/run.py [REPEAT]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advocacy.build import build, load_project, render_html  # noqa: E402
from advocacy.config import Paths  # noqa: E402


def measure(stages: dict, repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(repeat):
        for name, stage in stages.items():
            start = time.perf_counter()
            stage()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def report(title: str, medians: dict[str, float]) -> None:
    base = next(iter(medians.values()))
    print(title)
    for name, value in medians.items():
        print(f"  {name:52} {value * 1000:8.1f} ms  x{value / base:6.2f}")


def stages_of_the_build(repeat: int) -> None:
    out = Path(tempfile.mkdtemp())
    paths = Paths.at(ROOT, build=out)
    project = load_project(paths)
    brief = project.corpus.documents["policy-brief"]
    report(
        "The build, stage by stage (ratio to loading and checking the content):",
        measure(
            {
                "load and check all content": lambda: load_project(paths),
                "render the brief to HTML (one pandoc call)": lambda: render_html(project, brief),
                "build everything, HTML only": lambda: build(paths, pdf=False, project=project),
                "build everything, HTML and PDF": lambda: build(paths, project=project),
            },
            repeat,
        ),
    )


def synthetic_bib(count: int) -> str:
    entries = []
    for i in range(count):
        entries.append(
            f"@article{{synthetic{i},\n  author = {{M{{\\\"u}}ller, Anna and Garc{{\\'i}}a, Jos{{\\'e}}}},\n"
            f"  title = {{Synthetic Entry Number {i} on {{SSE}} Policy}},\n"
            f"  journal = {{Journal of Tests}},\n  volume = {{{i % 50}}},\n"
            f"  pages = {{{i}--{i + 9}}},\n  year = {{{1990 + i % 35}}},\n"
            f"  annote = {{a note that is never printed}}\n}}\n"
        )
    return "\n".join(entries)


def large_bibliography(repeat: int) -> None:
    """A 5,000-entry .bib citing the same 30 keys must cost about what 30 entries do."""
    base = Path(tempfile.mkdtemp())
    small, large = base / "small", base / "large"
    for root in (small, large):
        shutil.copytree(ROOT / "content", root / "content")
        shutil.copytree(ROOT / "templates", root / "templates")
    bib = large / "content" / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n" + synthetic_bib(5000), encoding="utf-8")
    small_paths, large_paths = Paths.at(small), Paths.at(large)
    small_project, large_project = load_project(small_paths), load_project(large_paths)
    brief = small_project.corpus.documents["policy-brief"]
    report(
        "A 5,000-entry bibliography against the project's own (same citations):",
        measure(
            {
                f"load and check, {len(small_project.bibliography.keys)} entries": lambda: (
                    load_project(small_paths)
                ),
                f"load and check, {len(large_project.bibliography.keys)} entries": lambda: (
                    load_project(large_paths)
                ),
                "render the brief, small bibliography": lambda: render_html(small_project, brief),
                "render the brief, 5,000 more entries": lambda: render_html(large_project, brief),
            },
            repeat,
        ),
    )


if __name__ == "__main__":
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    stages_of_the_build(repeat)
    large_bibliography(repeat)
