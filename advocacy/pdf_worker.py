"""What draws a PDF in a worker process: the one that draws them one at a
time (build._draw_one_at_a_time), and each of --jobs N (build._draw).

It imports what drawing a PDF needs and no more: not the project's loading,
its schema or its templates, whose memory the build process holds.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import tempfile

# what a PDF's drawing reads from the environment, taken from the build at each PDF
ENVIRON = ("TMPDIR", "SOURCE_DATE_EPOCH")


def start() -> None:
    """A worker leaves Ctrl-C and SIGTERM to the build that started it, which
    stops it itself, and ends with the build if the build is killed (Linux:
    PR_SET_PDEATHSIG), so that it never writes into a build folder later."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the build ended before this line
            os._exit(1)


def ready() -> None:
    """Import WeasyPrint now, while the build renders the first page."""
    from advocacy import pdf  # noqa: F401


def draw(arguments: dict, settings: dict):
    """pdf.write_pdf(**arguments), in the build's settings (build._worker_settings);
    a problem comes back as ("problems", [...], the kind of error), since an
    AdvocacyError cannot be pickled whole."""
    from advocacy import pdf
    from advocacy.errors import AdvocacyError

    pdf.quiet_weasyprint()
    tempfile.tempdir = settings["tempdir"]
    for name, value in settings["environ"].items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    if settings["gc"]:
        gc.enable()
    else:
        gc.disable()
    try:
        return pdf.write_pdf(**arguments)
    except AdvocacyError as exc:
        return ("problems", exc.problems, type(exc).__name__)
