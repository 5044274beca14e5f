"""Faults of the disk and the machine while a build writes build/: its own
mount point, a full disk, a read-only or forbidden folder, a build killed
while WeasyPrint draws. Each keeps the last good files and says what to do."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

import pytest

from advocacy.cli import main
from advocacy.output import BuildLocked, OutputFolder, PartlyCommitted
from conftest import MINIMAL, ROOT

KEPT = "nothing in the build folder was changed; its last good files are kept.\n"
FULL = "build/: error: no space left on the device; free some space and build again\n"
READ_ONLY = (
    "build/: error: cannot write here (the file system is read-only); mount it read-write "
    "or choose another folder with --out\n"
)
DENIED = (
    "build/: error: cannot write here (permission denied); make the folder writable or "
    "choose another with --out\n"
)
LISTING = [".cache", "brief.evidence.json", "brief.html", "fonts", "index.html"]


# a small project, built once per module; each test builds into a copy


def write_project(root: Path, title: str = "A test brief") -> Path:
    shutil.copytree(ROOT / "templates", root / "templates")
    for name, text in MINIMAL.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("A test brief", title), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def last_good(project, tmp_path_factory) -> Path:
    """An HTML-only build of project: the last good files, to be kept."""
    out = tmp_path_factory.mktemp("last-good") / "build"
    assert main(["--root", str(project), "--out", str(out), "build", "--html-only"]) == 0
    return out


@pytest.fixture
def site(project, last_good, tmp_path) -> Path:
    """A copy of project with another title, and the last good build in its
    build/: a build of it would change every output."""
    root = Path(shutil.copytree(project, tmp_path / "site"))
    shutil.copytree(last_good, root / "build")
    brief = root / "content" / "documents" / "brief.yaml"
    brief.write_text(brief.read_text().replace("A test brief", "A changed brief"))
    return root


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder, hidden ones too, by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def build(root: Path) -> int:
    """An HTML-only build of root into root/build, as a user runs it, writing
    every output (--force), changed or not."""
    return main(["--root", str(root), "build", "--html-only", "--force"])


# in the real machine: mounts in a private mount namespace (as root; otherwise
# in a user namespace of one's own, where tmpfs and bind mounts are allowed too)

UNSHARE = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--map-root-user", "--mount"]


@cache
def _mounts_refused() -> str | None:
    """Why this machine cannot mount a tmpfs in a private namespace, or None."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    with tempfile.TemporaryDirectory() as folder:
        try:
            done = subprocess.run(
                [*UNSHARE, "sh", "-c", f"mount -t tmpfs tmpfs {folder}"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"unshare -m cannot run here: {exc}"
    if done.returncode != 0:
        return f"mounting in a private namespace is not allowed here: {done.stderr.strip()}"
    return None


@pytest.fixture
def in_namespace(tmp_path):
    """Run a shell script as root in a private mount namespace; mounts end with it."""
    reason = _mounts_refused()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path / "tmp"
    tmp.mkdir()

    def run(script: str) -> subprocess.CompletedProcess:
        environment = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
        environment["ADVOCACY"] = f"{sys.executable} -m advocacy"
        done = subprocess.run(
            [*UNSHARE, "sh", "-euc", script],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
        )
        assert not any(tmp.iterdir()), "a temporary was left in $TMPDIR"
        return done

    return run


def test_build_folder_on_its_own_mount_point_under_a_read_only_project(
    project, tmp_path, in_namespace
):
    root = Path(shutil.copytree(project, tmp_path / "project"))
    (root / "build").mkdir()
    result = tmp_path / "result"
    done = in_namespace(f"""
        mount --bind {root} {root} && mount -o remount,bind,ro {root}
        mount -t tmpfs tmpfs {root}/build
        cd {root}
        $ADVOCACY build --html-only --force
        mount -t tmpfs tmpfs {root}/build/fonts  # and a subfolder on a third file system
        $ADVOCACY build --html-only --force
        cp -r {root}/build {result}
    """)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == "built build/brief.html\nbuilt build/index.html\n" * 2
    assert sorted(os.listdir(result)) == LISTING
    fonts = sorted(p.name for p in (ROOT / "templates" / "fonts").iterdir())
    assert sorted(os.listdir(result / "fonts")) == fonts
    for name in fonts:
        source = ROOT / "templates" / "fonts" / name
        assert (result / "fonts" / name).read_bytes() == source.read_bytes()
    index = (result / "index.html").read_text(encoding="utf-8")
    assert 'href="brief.html"' in index
    assert "A test brief" in index


def test_a_full_disk_keeps_the_last_good_files(site, last_good, tmp_path, in_namespace):
    fonts = sum(p.stat().st_size for p in (ROOT / "templates" / "fonts").iterdir())
    size = fonts * 3 // 2 // 1024  # KiB: room for one build, not for a second beside it
    build_dir, after = site / "build", tmp_path / "after"
    done = in_namespace(f"""
        mount -t tmpfs -o size={size}k tmpfs {build_dir}
        cp -r {last_good}/. {build_dir}
        if $ADVOCACY --root {site} build --html-only --force; then exit 9; fi
        ls -A {build_dir} >&2
        cp -r {build_dir} {after}
    """)
    assert done.returncode == 0, done.stderr
    assert done.stderr == FULL + KEPT + "\n".join(LISTING) + "\n"
    assert digests(after) == digests(last_good)


def test_a_read_only_build_folder_keeps_the_last_good_files(
    site, last_good, tmp_path, in_namespace
):
    build_dir, after = site / "build", tmp_path / "after"
    done = in_namespace(f"""
        mount -t tmpfs tmpfs {build_dir}
        cp -r {last_good}/. {build_dir}
        mount -o remount,bind,ro {build_dir}
        if $ADVOCACY --root {site} build --html-only --force; then exit 9; fi
        cp -r {build_dir} {after}
    """)
    assert done.returncode == 0, done.stderr
    assert done.stderr == READ_ONLY + KEPT
    assert digests(after) == digests(last_good)


# the same faults, made where the build meets the operating system


def _fail_inside(monkeypatch, function: str, folder: Path, number: int, *, second=False):
    """Make os.<function> raise OSError(number) as the kernel would, for paths
    inside folder (the second path, for rename and link, when second)."""
    real = getattr(os, function)

    def failing(*args, **kwargs):
        if Path(os.path.abspath(args[1 if second else 0])).is_relative_to(folder):
            raise OSError(number, os.strerror(number), args[0], None, *args[1:2])
        return real(*args, **kwargs)

    monkeypatch.setattr(os, function, failing)


def test_disk_full_while_writing_an_output(site, monkeypatch, capsys):
    out = site / "build"
    before = digests(out)
    real = Path.write_bytes

    def write_bytes(self, *args, **kwargs):
        if self.name.startswith("brief.evidence.json."):  # the staged file
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as write() raises it
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    assert build(site) == 1
    assert capsys.readouterr().err == FULL + KEPT
    assert digests(out) == before


def test_permission_denied_in_the_build_folder(site, monkeypatch, capsys):
    out = site / "build"
    before = digests(out)
    _fail_inside(monkeypatch, "mkdir", out, errno.EACCES)  # chmod 0o555, seen as a user
    assert build(site) == 1
    assert capsys.readouterr().err == DENIED + KEPT
    assert digests(out) == before


def test_permission_denied_on_one_output_names_it(site, monkeypatch, capsys):
    out = site / "build"
    before = digests(out)
    _fail_inside(monkeypatch, "replace", out / "brief.evidence.json", errno.EACCES, second=True)
    assert build(site) == 1
    assert capsys.readouterr().err == DENIED.replace("build/", "build/brief.evidence.json") + KEPT
    assert digests(out) == before


def test_a_commit_that_fails_midway_puts_back_what_it_replaced(site, monkeypatch, capsys):
    out = site / "build"
    before = digests(out)
    fonts = out / "fonts"
    _fail_inside(monkeypatch, "replace", fonts / "NotoSerif-Bold.ttf", errno.EROFS, second=True)
    assert build(site) == 1
    expected = READ_ONLY.replace("build/", "build/fonts/NotoSerif-Bold.ttf") + KEPT
    assert capsys.readouterr().err == expected
    assert digests(out) == before  # brief.html and the rest were replaced, then put back


def test_a_commit_that_cannot_put_back_says_so(site, monkeypatch, capsys):
    out = site / "build"
    _fail_inside(monkeypatch, "link", out, errno.EPERM)  # a file system with no hard links
    _fail_inside(monkeypatch, "replace", out / "fonts" / "OFL.txt", errno.EIO, second=True)
    assert build(site) == 1
    assert capsys.readouterr().err == (
        "build/fonts/OFL.txt: error: cannot write here (input/output error); check the "
        "folder or choose another with --out\n"
        "some files in the build folder are from this build and the rest from the last; "
        "each is complete; build again once this is fixed.\n"
    )


def test_a_subfolder_on_another_file_system_is_copied_then_renamed(site, monkeypatch, capsys):
    out = site / "build"
    real = os.replace

    def replace(source, target):
        if Path(target).parent.name == "fonts" and ".partial" in Path(source).parts:
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), source, target)
        return real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    assert build(site) == 0
    assert sorted(os.listdir(out)) == LISTING
    for font in (ROOT / "templates" / "fonts").iterdir():
        assert (out / "fonts" / font.name).read_bytes() == font.read_bytes()
    assert "A changed brief" in (out / "brief.html").read_text(encoding="utf-8")


def test_a_folder_that_cannot_be_made_is_named(site, monkeypatch, capsys):
    shutil.rmtree(site / "build")
    _fail_inside(monkeypatch, "mkdir", site / "build", errno.EROFS)
    assert build(site) == 1
    assert capsys.readouterr().err == READ_ONLY + KEPT
    assert not (site / "build").exists()


def test_a_content_file_that_cannot_be_read_is_not_called_a_disk_fault(site):
    with pytest.raises(FileNotFoundError), OutputFolder(site / "build"):
        (site / "templates" / "missing.css").read_text()


# temporaries: every one lives in the build's own folder


def test_temporaries_of_a_build_live_in_its_scratch_folder(tmp_path):
    system = tempfile.gettempdir()
    with OutputFolder(tmp_path / "build") as out:
        assert tempfile.gettempdir() == os.environ["TMPDIR"] == str(out.tmp)
        made = Path(tempfile.mkdtemp(prefix="weasyprint-"))  # as WeasyPrint's fonts.py does
        assert made.parent == tmp_path / "build" / ".partial" / "tmp"
    assert tempfile.gettempdir() == system
    assert not made.exists()
    assert os.listdir(tmp_path / "build") == []


def pause(point: str, marker: Path) -> dict[str, str]:
    return {"ADVOCACY_TEST_PAUSE": point, "ADVOCACY_TEST_PAUSE_FILE": str(marker)}


def wait_for(marker: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"the build ended before its checkpoint: {process.returncode}")
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError("the build never reached its checkpoint")
        time.sleep(0.01)


def test_a_killed_build_leaves_its_temporaries_for_the_next_run_to_remove(project, tmp_path):
    out, tmp, marker = tmp_path / "build", tmp_path / "tmp", tmp_path / "paused"
    tmp.mkdir()
    # with the garbage collector off, WeasyPrint's font folder (freed with its
    # document, in a reference cycle) is certain to exist when the build stops
    child = "import gc, sys; gc.disable(); from advocacy.cli import main; sys.exit(main())"
    process = subprocess.Popen(
        [sys.executable, "-c", child, "--root", str(project), "--out", str(out), "build"],
        env={**os.environ, **pause("stage:brief.evidence.json", marker), "TMPDIR": str(tmp)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(marker, process)
        fonts = list((out / ".partial" / "tmp").glob("weasyprint-*/*"))
    finally:
        process.kill()
    assert process.wait() == -signal.SIGKILL
    assert fonts, "WeasyPrint wrote its fonts elsewhere"
    assert os.listdir(tmp) == []
    assert sorted(os.listdir(out)) == [".partial"]
    assert main(["--root", str(project), "--out", str(out), "build", "--html-only"]) == 0
    assert sorted(os.listdir(out)) == LISTING
    assert [p.name for p in out.rglob(".*")] == [".cache"]
    assert os.listdir(tmp) == []


def test_pandoc_runs_with_its_temporaries_in_the_build_folder(project, tmp_path, monkeypatch):
    from advocacy import bibliography, citations

    # pandoc's answers to earlier tests are remembered; this one must run it
    monkeypatch.setattr(citations, "_FORMATTED", {})
    monkeypatch.setattr(bibliography, "_READ_BY_PANDOC", set())
    seen = []
    real = citations.subprocess.run

    def run(args, **kwargs):
        seen.extend(a.split("=", 1)[1] for a in args if a.startswith("--data-dir="))
        return real(args, **kwargs)

    monkeypatch.setattr(citations.subprocess, "run", run)
    assert main(["--root", str(project), "--out", str(tmp_path / "build"), "build"]) == 0
    # The first call is the check's read of the .bib (before the build folder is
    # entered, in a temporary folder removed when it ends); then the render's: its
    # citations, and the document's own for "How to cite".
    assert len(seen) == 3
    assert all(Path(s).is_relative_to(tmp_path / "build" / ".partial" / "tmp") for s in seen[1:])


def test_an_error_after_a_commit_does_not_claim_nothing_changed(site, monkeypatch):
    out = site / "build"
    with pytest.raises(PartlyCommitted) as caught, OutputFolder(out) as folder:
        folder.stage("brief.html").write_text("<html>new</html>\n")
        folder.commit()
        _fail_inside(monkeypatch, "replace", out / "index.html", errno.ENOSPC, second=True)
        folder.stage("index.html").write_bytes(b"<html>new</html>\n")
        folder.commit()
    assert [str(p) for p in caught.value.problems] == [
        "build/index.html: error: no space left on the device; free some space and build again"
    ]
    assert caught.value.summary() == (
        "some files in the build folder are from this build and the rest from the last; "
        "each is complete; build again once this is fixed."
    )
    assert sorted(p.name for p in out.iterdir() if p.name[0] == ".") == [".cache"]


def test_where_a_folder_cannot_be_locked_a_lock_file_is(tmp_path, monkeypatch):
    real = fcntl.flock

    def flock(fd, operation):
        if stat.S_ISDIR(os.fstat(fd).st_mode):  # as NFS answers: its locks need a writer
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        return real(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    with OutputFolder(tmp_path / "build"):
        with pytest.raises(BuildLocked), OutputFolder(tmp_path / "build"):
            pass
        assert sorted(os.listdir(tmp_path / "build")) == [".lock", ".partial"]
    assert os.listdir(tmp_path / "build") == [".lock"]
