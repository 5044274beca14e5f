"""The command line's conventions, and the README's exit-status table: every
status it lists is reached, by the cause it names, and nothing else is."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest

from advocacy import cli
from advocacy.cli import main
from conftest import ROOT


def readme_statuses() -> dict[int, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| exit status | meaning |") :].split("\n\n")[0]
    return {
        int(code): meaning for code, meaning in re.findall(r"^\| (\d+) \| (.+) \|$", table, re.M)
    }


def test_the_readme_table_lists_the_statuses_the_code_documents():
    assert sorted(readme_statuses()) == [0, 1, 2, 70, 130, 143]
    listed = re.findall(r"^- ([\d /]+):", cli.__doc__, re.MULTILINE)
    documented = {int(n) for item in listed for n in item.split(" / ")}
    assert documented == set(readme_statuses())


@pytest.mark.parametrize("argv", [["check", "--strict"], ["--strict", "check"]])
def test_global_options_go_before_or_after_the_command(make_project, capsys, argv):
    warned = make_project(
        {
            "content/exclusions/urban-poor.yaml": (
                "name: The urban poor\ncommunity: Urban poor\n"
                'statement: The urban poor <b onclick="x">here</b> [@ostrom1990commons].\n'
            )
        }
    )
    assert main(["--root", str(warned), *argv]) == 1
    err = capsys.readouterr().err
    assert err == (
        "content/exclusions/urban-poor.yaml:3:30: error: statement: removed onclick= "
        "attribute; prose may format text and link out\n1 error in 1 file; nothing was built.\n"
    )
    assert main(["--root", str(warned), "check"]) == 0  # a warning only, without --strict


def test_root_after_the_command_is_the_same_as_before(make_project, capsys):
    project = make_project()
    assert main(["check", "--root", str(project)]) == 0
    assert capsys.readouterr().out.startswith("content is valid: 4 records, 1 reference")


@pytest.mark.parametrize(
    "command", ["build", "check", "list", "trace", "catalog", "schema", "release"]
)
def test_every_command_has_help(capsys, command):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: advocacy {command} [-h] [--root ROOT]")
    assert "--strict" in out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == "advocacy 0.1.0\n"


def test_status_2_for_a_mistake_on_the_command_line(capsys):
    assert main(["biuld"]) == 2
    err = capsys.readouterr().err
    assert err.endswith(
        "advocacy: error: argument COMMAND: invalid choice: 'biuld' (choose from 'build', "
        "'index', 'serve', 'check', 'list', 'trace', 'new', 'catalog', 'translations', 'schema', "
        "'import-docx', 'release')\n"
    )


@pytest.mark.parametrize(("raised", "status"), [(KeyboardInterrupt, 130), (cli.Terminated, 143)])
def test_interrupts_print_one_line(monkeypatch, capsys, raised, status):
    def interrupted(args, paths):
        raise raised()

    monkeypatch.setitem(cli.COMMANDS, "check", interrupted)
    assert main(["check"]) == status
    assert capsys.readouterr().err == (
        "advocacy: interrupted; every file in build/ is a complete version\n"
    )


@pytest.mark.internal_error
def test_status_70_only_for_a_bug_and_it_says_how_to_report_it(monkeypatch, capsys):
    def broken(args, paths):
        raise RuntimeError("a bug")

    monkeypatch.setitem(cli.COMMANDS, "check", broken)
    assert main(["check"]) == 70
    assert capsys.readouterr().err == (
        "advocacy: internal error: RuntimeError('a bug'); this is a bug in advocacy, not in "
        "your content. Please report it to the maintainers with the output of the same "
        "command run with --debug.\n"
    )
    with pytest.raises(RuntimeError):
        main(["check", "--debug"])


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupt_while_python_imports_prints_one_line(signum, status):
    """Run as a command, the package's import takes Ctrl-C and SIGTERM before main()."""
    script = (
        "import os, signal, sys, time\n"
        "sys.argv[0] = 'advocacy'\n"
        "import advocacy\n"
        f"os.kill(os.getpid(), {int(signum)})\n"
        "time.sleep(30)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (
        status,
        "advocacy: interrupted; every file in build/ is a complete version\n",
    )


def test_importing_the_package_as_a_library_leaves_signals_alone():
    # compared with the handler before the import: a shell that starts a job in the
    # background has Python ignore SIGINT from the start
    script = (
        "import signal; before = signal.getsignal(signal.SIGINT); import advocacy; "
        "print(signal.getsignal(signal.SIGINT) is before)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout == "True\n", done.stderr
