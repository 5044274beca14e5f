"""advocacy: policy briefs, position papers and synthesis reports from YAML evidence."""

import os as _os
import signal as _signal
import sys as _sys

__version__ = "0.1.0"
INTERRUPTED = "advocacy: interrupted; every file in build/ is a complete version"


def _interrupted_while_starting(signum, frame):  # pragma: no cover - timing
    _os.write(2, (INTERRUPTED + "\n").encode())
    _os._exit(130 if signum == _signal.SIGINT else 143)


# Run as a command (`advocacy`, `python -m advocacy`), Ctrl-C or SIGTERM while
# Python is still importing would print a traceback; until cli.main() takes
# over, they print the one line that main() prints.
if _os.path.basename(_sys.argv[0]) in ("advocacy", "-m"):
    _signal.signal(_signal.SIGINT, _interrupted_while_starting)
    _signal.signal(_signal.SIGTERM, _interrupted_while_starting)
