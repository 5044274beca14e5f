"""`advocacy release ID`: one document's editions, as a folder and a zip to send.

A release is made from a commit: the tree must be clean, the document must
name its `edition`, and the build must have no warnings. It writes
dist/<id>-<edition>/ with every edition's PDF, HTML and DOCX and its
evidence.json, the document's own citation (<id>.json, .bib, .ris),
CHANGES.md (since the previous release, from git: changes.py), SHA256SUMS,
and dist/<id>-<edition>.zip; then tags the commit release/<id>/<edition>.
Nothing is written to dist/ until everything is ready.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from advocacy.bundle import font_warnings, sha256sums, size_warnings, write_dist
from advocacy.config import Paths
from advocacy.errors import AdvocacyError, Problem
from advocacy.provenance import git_command, status_entries

DIST = "dist"
OUTPUTS = (".pdf", ".html", ".docx", ".evidence.json")
REFUSED = "nothing was released; dist/ is unchanged."


@dataclass
class Released:
    """What a release wrote: the folder, the zip, each file's size, and warnings."""

    folder: Path
    archive: Path
    tag: str
    previous: str | None  # the tag of the release CHANGES.md compares with
    sizes: list[tuple[Path, int]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def release(
    paths: Paths, doc_id: str, strict: bool = False, project=None, git: Git | None = None
) -> Released:
    """Build and release one document; an AdvocacyError, with nothing written, if
    the tree is not clean, the document has no edition, or the build warns.

    project is the project as loaded (build.load_project), and git the
    repository as clean_repository found it, if they are.
    """
    from advocacy.build import build, load_project

    git = git or clean_repository(paths)
    project = project or load_project(paths, strict)
    document = project.corpus.documents[doc_id]
    tag = release_tag(git, project, document)
    _refuse([p for p in project.notes if p.level == "warning"])
    built = build(paths, [doc_id], docx=True, project=project)
    _refuse(sorted({w for item in built for w in item.warnings}))
    previous = previous_release(git, paths, document)
    files = release_files(project, document, [item.id for item in built], git.head, previous)
    folder, archive = write_dist(paths.root / DIST, f"{doc_id}-{document.edition}", files, git.time)
    if git.tag_commit(tag) is None:
        git.run("tag", tag, git.head)
    done = Released(folder, archive, tag, previous.tag if previous else None)
    done.sizes = [(folder / n, len(data)) for n, data in sorted(files.items())]
    done.sizes.append((archive, archive.stat().st_size))
    done.warnings = size_warnings(paths, done.sizes) + font_warnings(paths, folder, files)
    return done


def release_files(project, document, names: list[str], commit: str, previous) -> dict[str, bytes]:
    """Every file of the release folder, by its path in it."""
    files = gather(project.paths, names)
    files.update(citation_files(project, document))
    files["CHANGES.md"] = _changes(project, document, commit, previous).encode("utf-8")
    files["SHA256SUMS"] = sha256sums(files).encode("utf-8")
    return files


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise AdvocacyError(problems, REFUSED)


# ------------------------------------------------------------------- git


class Git:
    """The git repository the project is in, at its HEAD commit."""

    def __init__(self, paths: Paths):
        self.root, self.shown = paths.root, str(paths.root)
        if self.run("rev-parse", "--is-inside-work-tree", check=False).strip() != "true":
            message = (
                "not in a git repository; a release is made from a commit: "
                "run 'git init', commit the project, then release"
            )
            raise AdvocacyError([Problem(self.shown, 0, 0, message)], REFUSED)
        self.top = Path(self.run("rev-parse", "--show-toplevel").strip())
        self.prefix = self.run("rev-parse", "--show-prefix").strip()
        self.head = self.run("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False).strip()
        if not self.head:
            message = "the repository has no commit yet; commit the project, then release"
            raise AdvocacyError([Problem(self.shown, 0, 0, message)], REFUSED)
        self.time = int(self.run("show", "-s", "--format=%ct", self.head).strip())

    def run(self, *args: str, check: bool = True) -> str:
        return self.run_bytes(*args, check=check).decode("utf-8", errors="replace")

    def run_bytes(self, *args: str, check: bool = True) -> bytes:
        done = self._call(args)
        if check and done.returncode != 0:
            reason = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
            message = f"git {args[0]} failed: {reason[-1] if reason else done.returncode}"
            raise AdvocacyError([Problem(self.shown, 0, 0, message)], REFUSED)
        return done.stdout

    def ok(self, *args: str) -> bool:
        """Whether a git command succeeds."""
        return self._call(args).returncode == 0

    def _call(self, args) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([*git_command(self.root), *args], capture_output=True)
        except OSError as exc:
            message = f"git could not run ({exc.strerror}); install git to make a release"
            raise AdvocacyError([Problem("git", 0, 0, message)], REFUSED) from None

    def tag_commit(self, tag: str) -> str | None:
        """The commit a tag names, or None when there is no such tag."""
        found = self.run("rev-parse", "-q", "--verify", f"refs/tags/{tag}^{{commit}}", check=False)
        return found.strip() or None


UNCLEAN = {
    "??": "not committed (a new file); commit it, delete it or ignore it (.gitignore) first",
    "??/": "not committed (a new folder); commit it, delete it or ignore it (.gitignore) first",
    "D": "deleted but not committed; commit the deletion or restore the file first",
    "!!": "ignored by git, yet read by the build; commit it or move it out of the project",
    "!!/": "ignored by git, yet read by the build; commit it or move it out of the project",
}
CHANGED = "changed since the last commit; commit the change or undo it first"


def clean_repository(paths: Paths) -> Git:
    """The project's repository; an error naming each file that is not as HEAD has it."""
    if not paths.content.is_relative_to(paths.root):
        message = (
            "the content is outside the project folder, so a commit of the project does not "
            "hold it; keep it in the project (ROOT/content) to release from it"
        )
        _refuse([Problem(str(paths.content), 0, 0, message)])
    git = Git(paths)
    _refuse(dirty_problems(git, paths))
    return git


def dirty_problems(git: Git, paths: Paths) -> list[Problem]:
    """One error per file of the project that is not as HEAD has it, and per file
    the build reads (content/, templates/) that git ignores."""
    read = [
        str(p.relative_to(paths.root))
        for p in (paths.content, paths.templates)
        if p.is_relative_to(paths.root)
    ]
    entries: dict = {}  # in order, each once: the second status repeats what it shares
    for options, pathspecs in (
        (["--untracked-files=normal"], ["."]),
        (["--ignored=matching"], read),
    ):
        output = git.run_bytes("status", "--porcelain=v2", "-z", *options, "--", *pathspecs)
        entries.update(dict.fromkeys(status_entries(output)[1]))
    problems = []
    for entry in entries:
        status = entry.xy.replace(".", " ")
        kind = status + "/" if entry.path.endswith("/") else status
        message = UNCLEAN.get(kind) or UNCLEAN.get(status.strip()) or CHANGED
        shown = paths.shown(git.top / entry.path) + ("/" if entry.path.endswith("/") else "")
        # a name that is not UTF-8 (status_entries keeps its bytes) is shown with U+FFFD
        shown = shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        problems.append(Problem(shown, 0, 0, message))
    return problems


def release_tag(git: Git, project, document) -> str:
    """release/<id>/<edition>: an error if there is no edition, or if the tag is taken
    by another commit (an edition is released once)."""
    source = project.corpus.sources[("document", document.id)]
    if document.edition is None:
        message = (
            'no edition to release; add one, as edition: "1.0", and commit it '
            "(each release has an edition of its own)"
        )
        _refuse([Problem(source.path, 0, 0, message)])
    tag = f"release/{document.id}/{document.edition}"
    if not git.ok("check-ref-format", f"refs/tags/{tag}"):
        message = f"edition: '{document.edition}' cannot name a git tag ({tag}); write it as 1.0"
        _refuse([source.problem(("edition",), message)])
    commit = git.tag_commit(tag)
    if commit is not None and commit != git.head:
        message = (
            f"edition {document.edition} was released from commit {commit[:12]} (tag {tag}); "
            "a new release needs a new edition: change edition and commit"
        )
        _refuse([source.problem(("edition",), message)])
    return tag


def previous_release(git: Git, paths: Paths, document):
    """The nearest earlier release of the document in HEAD's history, with its content."""
    from advocacy.changes import Release

    own = f"release/{document.id}/{document.edition}"
    pattern = f"release/{document.id}/*"
    tags = [t for t in git.run("tag", "--list", pattern, "--merged", git.head).split() if t != own]
    if not tags:
        return None
    distance = {t: int(git.run("rev-list", "--count", f"{t}..{git.head}")) for t in tags}
    tag = min(sorted(tags), key=lambda t: distance[t])
    commit = git.tag_commit(tag)
    corpus, unread = content_at(git, paths, commit)
    return Release(tag.removeprefix(f"release/{document.id}/"), tag, commit, corpus, unread)


def content_at(git: Git, paths: Paths, commit: str):
    """The corpus as it was at a commit, and the files of it that no longer read."""
    from advocacy.corpus import read_corpus

    archive = git.run_bytes("archive", "--format=tar", f"{commit}:{git.prefix}")
    with tempfile.TemporaryDirectory(prefix="advocacy-release-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        root = Path(folder)
        content = root / paths.content.relative_to(paths.root)
        corpus, problems = read_corpus(content, root)
    unread = tuple(sorted({p.path for p in problems if p.level == "error"}))
    return corpus, unread


# ------------------------------------------------------------------- the files


def gather(paths: Paths, names: list[str]) -> dict[str, bytes]:
    """Each edition's outputs from build/, and the assets its HTML shows."""
    files: dict[str, bytes] = {}
    for name in names:
        for suffix in OUTPUTS:
            path = paths.build / f"{name}{suffix}"
            if not path.is_file():
                message = f"the build wrote no {path.name}; build again with 'advocacy build'"
                raise AdvocacyError([Problem(paths.shown(path), 0, 0, message)], REFUSED)
            files[path.name] = path.read_bytes()
        for asset in linked_assets(files[f"{name}.html"].decode("utf-8")):
            source = paths.build / asset
            if source.is_file():
                files[asset] = source.read_bytes()
    return files


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and value.startswith("assets/"):
                self.found.add(value)


def linked_assets(html: str) -> list[str]:
    """The files of build/assets/ an HTML page shows (its logos), as it names them."""
    parser = _Links()
    parser.feed(html)
    return sorted(a for a in parser.found if ".." not in Path(a).parts)


def citation_files(project, document) -> dict[str, bytes]:
    """<id>.json, <id>.bib and <id>.ris: the document's own item, one per edition."""
    from advocacy.citeable import as_bibtex, as_csl_json, as_ris, document_item
    from advocacy.editions import edition
    from advocacy.labels import Labels

    items = []
    for language in document.edition_languages():
        corpus = edition(project.corpus, document.id, language)
        own = corpus.documents[document.id]
        labels = Labels.load(project.paths.templates, language, own.calendar)
        items.append(document_item(corpus, own, labels))
    return {
        f"{document.id}.json": as_csl_json(items).encode("utf-8"),
        f"{document.id}.bib": as_bibtex(items).encode("utf-8"),
        f"{document.id}.ris": as_ris(items).encode("utf-8"),
    }


def _changes(project, document, commit: str, previous) -> str:
    from advocacy.changes import changes_md, shown_content

    now = shown_content(project.corpus, document)
    return changes_md(document, document.edition, commit, now, previous)
