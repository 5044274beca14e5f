"""The same commit builds the same bytes, whatever the machine's time zone,
locale and clock, and each PDF says where it comes from: its edition, the
commit and the hash of its content (advocacy/provenance.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from advocacy.cli import main
from advocacy.provenance import NAMESPACE
from tests.conftest import MINIMAL, ROOT, write_project
from tests.test_cache import OTHER

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")
OURS = f"{{{NAMESPACE}}}"
EPOCH = "SOURCE_DATE_EPOCH"
# git's own settings and identity, so no user's configuration changes what it does
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
}
EDITION = MINIMAL["content/documents/brief.yaml"] + 'edition: "1.0"\n'


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


def committed(root: Path) -> Path:
    """root made a git repository with everything in it committed."""
    git(root, "init", "-q")
    commit(root, "the content")
    return root


def commit(root: Path, message: str) -> str:
    git(root, "add", "content", "templates")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def build(root: Path, *args: str) -> None:
    """advocacy build in this process."""
    assert main(["--root", str(root), "build", *args]) == 0


def xmp(path: Path) -> dict:
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        return {key: meta[key] for key in meta}


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file a build wrote, its cache left out."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] != ".cache"
    }


@pytest.fixture(autouse=True)
def no_epoch(monkeypatch):
    monkeypatch.delenv(EPOCH, raising=False)


@pytest.fixture(scope="session")
def other_locale(tmp_path_factory) -> dict[str, str]:
    """The environment of a locale unlike C.UTF-8 (a decimal comma, German
    names): one installed, else one compiled with localedef, else POSIX."""
    listed = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    installed = [name for name in listed if name.split(".")[0] not in ("C", "POSIX")]
    if installed:
        return {"LANG": installed[0], "LC_ALL": installed[0]}
    folder = tmp_path_factory.mktemp("locales")
    made = subprocess.run(
        ["localedef", "-i", "de_DE", "-f", "UTF-8", str(folder / "de_DE.UTF-8")],
        capture_output=True,
    )
    if made.returncode == 0 or (folder / "de_DE.UTF-8").is_dir():
        return {"LOCPATH": str(folder), "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8"}
    return {"LANG": "C", "LC_ALL": "POSIX"}


def main_help(command: str) -> str:
    """What `advocacy COMMAND --help` says."""
    done = subprocess.run(
        [sys.executable, "-m", "advocacy", command, "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return done.stdout


def clean_env(**changes: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in ("TZ", "LOCPATH", EPOCH)}
    keep = {k: v for k, v in keep.items() if not k.startswith(("LC_", "LANG"))}
    return {**keep, **changes}


@pytest.mark.default_content
@needs_git
def test_the_same_commit_builds_the_same_bytes_in_any_zone_locale_and_run(tmp_path, other_locale):
    origin = tmp_path / "origin"
    for folder in ("content", "templates"):
        shutil.copytree(ROOT / folder, origin / folder)
    head = git(committed(origin), "rev-parse", "HEAD")
    runs = [
        (tmp_path / "one", clean_env(TZ="UTC", LANG="C.UTF-8", LC_ALL="C.UTF-8")),
        (tmp_path / "two", clean_env(TZ="Asia/Kolkata", PYTHONHASHSEED="1", **other_locale)),
    ]
    clock = ["faketime", "2041-07-04 12:00:00"] if shutil.which("faketime") else []
    word = ["--docx"] if "--docx" in main_help("build") else []  # once the build writes Word
    for number, (root, env) in enumerate(runs):
        git(tmp_path, "clone", "-q", str(origin), root.name)
        command = [sys.executable, "-m", "advocacy", "--root", str(root), "build", "policy-brief"]
        command += word
        done = subprocess.run(
            [*clock[: 2 * number], *command], capture_output=True, text=True, env=env, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr
    one, two = outputs(runs[0][0] / "build"), outputs(runs[1][0] / "build")
    made = {"policy-brief.pdf", "policy-brief.html", "policy-brief.evidence.json", "index.html"}
    made |= {"policy-brief.docx"} if word else set()
    assert made <= set(one)
    assert set(one) == set(two)
    assert [name for name in one if one[name] != two[name]] == []
    meta = xmp(runs[0][0] / "build" / "policy-brief.pdf")
    assert meta[f"{OURS}commit"] == git(origin, "rev-parse", "HEAD") == head
    assert meta[f"{OURS}uncommitted"] == "False"
    assert meta["{http://ns.adobe.com/xap/1.0/mm/}VersionID"] == "1.0"


@needs_git
def test_the_pdf_names_its_edition_commit_and_content(tmp_path):
    from advocacy.build import EditionInputs, editions_chosen, load_project
    from advocacy.config import Paths

    root = committed(write_project(tmp_path, {"content/documents/brief.yaml": EDITION}))
    build(root)
    meta = xmp(root / "build" / "brief.pdf")
    project = load_project(Paths.at(root))
    document, corpus = editions_chosen(project.corpus, ["brief"])["brief"]
    content, _read = EditionInputs(project).content_key("brief", document, corpus)
    assert meta["{http://ns.adobe.com/xap/1.0/mm/}VersionID"] == "1.0"
    assert meta["{http://purl.org/dc/elements/1.1/}language"] == {"en"}
    assert meta[f"{OURS}commit"] == git(root, "rev-parse", "HEAD")
    assert meta[f"{OURS}uncommitted"] == "False"
    assert meta[f"{OURS}contentHash"] == content
    document_id = meta["{http://ns.adobe.com/xap/1.0/mm/}DocumentID"]
    assert document_id.startswith("uuid:")
    assert meta["{http://ns.adobe.com/xap/1.0/mm/}InstanceID"].startswith("uuid:")
    with pikepdf.open(root / "build" / "brief.pdf") as pdf:
        assert str(pdf.docinfo["/Edition"]) == "1.0"
        assert bytes(pdf.trailer.ID[0]) == uuid.UUID(document_id.removeprefix("uuid:")).bytes


def states(folder: Path) -> dict[str, tuple[int, int]]:
    return {name: (p.stat().st_ino, p.stat().st_mtime_ns) for name, p in _files(folder).items()}


def _files(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in folder.iterdir() if p.is_file()}


@needs_git
def test_an_edit_marks_only_its_pdf_uncommitted_and_a_commit_names_the_new_commit(tmp_path):
    root = committed(write_project(tmp_path, OTHER))
    build(root)
    out = root / "build"
    before = states(out)
    path = root / "content" / "initiatives" / "land-trusts.yaml"  # the other brief's
    path.write_text(path.read_text(encoding="utf-8").replace("Community", "Our"), "utf-8")
    build(root)
    assert xmp(out / "other.pdf")[f"{OURS}uncommitted"] == "True"
    assert xmp(out / "brief.pdf")[f"{OURS}uncommitted"] == "False"
    assert states(out)["brief.pdf"] == before["brief.pdf"]  # not drawn again
    edited = states(out)
    head = commit(root, "an edit")
    build(root)  # no content changed, but what the PDFs say: both name the new commit
    for name in ("brief.pdf", "other.pdf"):
        assert xmp(out / name)[f"{OURS}commit"] == head, name
        assert xmp(out / name)[f"{OURS}uncommitted"] == "False", name
    after = states(out)
    assert {name for name in after if after[name] != edited[name]} == {"brief.pdf", "other.pdf"}


def test_source_date_epoch_is_the_pdfs_date(make_project, monkeypatch):
    project = make_project()
    monkeypatch.setenv(EPOCH, "1700000000")
    build(project)
    with pikepdf.open(project / "build" / "brief.pdf") as pdf:
        assert str(pdf.docinfo["/CreationDate"]) == "D:20231114221320Z"
        assert str(pdf.docinfo["/ModDate"]) == "D:20231114221320Z"
        meta = pdf.open_metadata()
        assert meta["xmp:CreateDate"] == meta["xmp:ModifyDate"] == "2023-11-14T22:13:20Z"
    monkeypatch.setenv(EPOCH, "1800000000")  # another date: the stamp and the key see it
    build(project)
    with pikepdf.open(project / "build" / "brief.pdf") as pdf:
        assert str(pdf.docinfo["/ModDate"]) == "D:20270115080000Z"


def test_a_source_date_epoch_that_is_no_number_is_an_error(make_project, monkeypatch, capsys):
    project = make_project()
    monkeypatch.setenv(EPOCH, "yesterday")
    assert main(["--root", str(project), "build"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "SOURCE_DATE_EPOCH: error: expected a whole number of seconds since 1970-01-01 00:00 "
        "UTC (such as the output of `git log -1 --format=%ct`), up to 9999-12-31; got "
        "'yesterday'",
        "nothing was built.",
    ]
    assert not (project / "build" / "brief.pdf").exists()


def test_outside_git_the_pdf_names_its_content_and_no_commit(make_project):
    project = make_project()
    build(project)
    meta = xmp(project / "build" / "brief.pdf")
    assert len(meta[f"{OURS}contentHash"]) == 64
    assert f"{OURS}commit" not in meta and f"{OURS}uncommitted" not in meta
    assert "{http://ns.adobe.com/xap/1.0/mm/}VersionID" not in meta  # no edition given


@needs_git
def test_without_git_the_build_names_no_commit(tmp_path):
    root = committed(write_project(tmp_path))
    env = clean_env(PATH=str(tmp_path / "nowhere"))
    done = subprocess.run(
        [sys.executable, "-m", "advocacy", "--root", str(root), "build"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert f"{OURS}commit" not in xmp(root / "build" / "brief.pdf")


RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
SCHEMA = "{http://www.aiim.org/pdfa/ns/schema#}"
PROPERTY = "{http://www.aiim.org/pdfa/ns/property#}"
# The namespaces PDF/A-3 predefines (the XMP Specification 2005 and ISO 19005)
PREDEFINED = {
    "http://purl.org/dc/elements/1.1/",
    "http://ns.adobe.com/xap/1.0/",
    "http://ns.adobe.com/xap/1.0/mm/",
    "http://ns.adobe.com/xap/1.0/rights/",
    "http://ns.adobe.com/pdf/1.3/",
    "http://www.aiim.org/pdfa/ns/id/",
    "http://www.aiim.org/pdfa/ns/extension/",
}


@needs_git
def test_an_archival_pdf_declares_every_property_pdf_a_does_not_predefine(tmp_path):
    """ISO 19005-3, 6.6.2.3: a property outside the predefined schemas is
    described in the XMP's extension schema container, with its value type."""
    brief = EDITION + "archival: true\n"
    root = committed(write_project(tmp_path, {"content/documents/brief.yaml": brief}))
    build(root)
    with pikepdf.open(root / "build" / "brief.pdf") as pdf:
        packet = etree.fromstring(pdf.Root.Metadata.read_bytes())
    used = {
        (etree.QName(element).namespace, etree.QName(element).localname)
        for description in packet.iter(f"{RDF}Description")
        for element in description
        if etree.QName(element).namespace not in PREDEFINED
    }
    declared = {}
    for schema in packet.iter(f"{RDF}li"):
        namespace = schema.findtext(f"{SCHEMA}namespaceURI")
        for item in schema.iter(f"{RDF}li") if namespace else ():
            if item.findtext(f"{PROPERTY}name"):
                kind = item.findtext(f"{PROPERTY}valueType")
                declared[(namespace, item.findtext(f"{PROPERTY}name"))] = kind
    assert used == {
        ("http://www.aiim.org/pdfua/ns/id/", "part"),
        (NAMESPACE, "commit"),
        (NAMESPACE, "uncommitted"),
        (NAMESPACE, "contentHash"),
    }
    assert {key: declared.get(key) for key in used} == {
        ("http://www.aiim.org/pdfua/ns/id/", "part"): "Integer",
        (NAMESPACE, "commit"): "Text",
        (NAMESPACE, "uncommitted"): "Boolean",
        (NAMESPACE, "contentHash"): "Text",
    }


@needs_git
def test_a_second_build_in_a_repository_loads_nothing_and_runs_no_git(tmp_path):
    root = committed(write_project(tmp_path))
    build(root)
    script = (
        "import subprocess, sys\nfrom advocacy.cli import main\n"
        "runs = []\nsubprocess.run = lambda *a, **k: runs.append(a)\n"
        f"code = main(['--root', {str(root)!r}, 'build'])\n"
        "heavy = ['weasyprint', 'pikepdf', 'advocacy.build', 'advocacy.pdf']\n"
        "print(code, [m for m in heavy if m in sys.modules], runs)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.splitlines()[-1] == "0 [] []"


@needs_git
def test_a_repository_git_cannot_read_is_a_warning_and_names_no_commit(make_project, capsys):
    project = make_project()
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("not a ref\n")
    assert main(["--root", str(project), "build"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("content: warning: git cannot say which commit this is (fatal: ")
    assert warnings[0].endswith("); the PDFs name none")
    assert f"{OURS}commit" not in xmp(project / "build" / "brief.pdf")
