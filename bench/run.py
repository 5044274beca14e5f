"""Time the build's stages side by side in one run, and report them as ratios.

Each stage runs REPEAT times, interleaved, and the median is kept; the
machine's speed cancels out of the ratios, so they can be compared between
machines and runs. Usage: python bench/run.py [REPEAT]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advocacy.build import build, load_project, render_html  # noqa: E402
from advocacy.config import Paths  # noqa: E402


def main(repeat: int) -> None:
    out = Path(tempfile.mkdtemp())
    paths = Paths.at(ROOT, build=out)
    project = load_project(paths)
    brief = project.corpus.documents["policy-brief"]
    stages = {
        "load and validate all content": lambda: load_project(paths),
        "render the brief to HTML (one pandoc call)": lambda: render_html(project, brief),
        "build everything, HTML only": lambda: build(paths, pdf=False),
        "build everything, HTML and PDF": lambda: build(paths),
    }
    times: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(repeat):
        for name, stage in stages.items():
            start = time.perf_counter()
            stage()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["load and validate all content"]
    print(f"median of {repeat} interleaved runs; ratio to loading the content")
    for name, value in medians.items():
        print(f"  {name:45} {value * 1000:8.1f} ms  x{value / base:6.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
