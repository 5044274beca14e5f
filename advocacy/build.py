"""Load all, validate all, then render and write, atomically.

Nothing is written until every document has rendered to HTML, and each output
replaces the previous one by a rename, so a failed build keeps the last good
files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from advocacy import cache, schema
from advocacy.actors import FILE as ACTORS_FILE
from advocacy.bibliography import (
    Library,
    missing_fields,
    pandoc_problems,
    read_library,
    uncited,
)
from advocacy.citations import Citer, Style, csl_locale, find_style, style_names, style_problems
from advocacy.config import Paths
from advocacy.content import leaves, link_out
from advocacy.corpus import Corpus, cited_keys, prose_problems, read_corpus, record_models
from advocacy.coverage import coverage_problems
from advocacy.doctypes import DocumentBase, spec_of
from advocacy.editions import PROJECT, edition, edition_problems, output_name
from advocacy.errors import AdvocacyError, ContentError, OutputError, Problem, plural, suggest
from advocacy.evidence import evidence_file, lints
from advocacy.identity import Brand, parse
from advocacy.labels import Labels, label_problems
from advocacy.licences import Rights, licence_problems, rights
from advocacy.outline import Outline, outline
from advocacy.output import OutputFolder
from advocacy.render import (
    FieldMark,
    Views,
    document_context,
    environment,
    render_document,
    render_template,
)


@dataclass
class Project:
    """Validated content and bibliography, ready to render."""

    paths: Paths
    corpus: Corpus
    bibliography: Library
    notes: list[Problem] = field(default_factory=list)  # warnings and infos
    strict: bool = False  # warnings found while building are errors too


def load_project(paths: Paths, strict: bool = False) -> Project:
    """Read and check everything; raise ContentError with every problem found.
    What pandoc said of the same entries before is recalled (cache.memos)."""
    with cache.memos(paths.build):
        return _load_project(paths, strict)


def _load_project(paths: Paths, strict: bool) -> Project:
    problems: list[Problem] = []
    bib, found = read_bibliographies(paths)
    problems.extend(found)
    corpus, found = read_corpus(paths.content, paths.root)
    problems.extend(found)
    if bib.readable:  # else the one message about the file, not a cascade
        problems.extend(check_citations(corpus, bib))
    problems.extend(check_styles(corpus, paths))
    problems.extend(prose_problems(corpus))
    problems.extend(lints(corpus))
    problems.extend(licence_problems(corpus))
    problems.extend(label_problems(corpus, paths.templates))
    if not any(p.level == "error" for p in problems):  # editions need every record they print
        problems.extend(edition_problems(corpus))
    problems.extend(coverage_problems(corpus, paths.templates / "fonts"))
    cited = {key for source, model in record_models(corpus) for _, key, _ in cited_keys(model, ())}
    for file in bib.files:
        problems.extend(pandoc_problems(file, cited))  # before missing_fields: marks .broken
        problems.extend(missing_fields(file, cited))
        problems.extend(uncited(file, cited))
    if strict:
        problems = [p.as_error() for p in problems]
    if any(p.level == "error" for p in problems):
        raise ContentError(problems)
    return Project(paths, corpus, bib, sorted(problems), strict)


def read_bibliographies(paths: Paths) -> tuple[Library, list[Problem]]:
    """Every .bib under content/, as one library; a file linking out of the project is
    refused and read as empty."""
    files, problems = [], []
    for path in paths.bibliographies():
        shown = paths.shown(path)
        if path.exists() and leaves(path, paths.root):
            problems.append(link_out(path, shown))
            path = paths.root / "-"
        files.append((path, shown))
    library, found = read_library(files)
    outside = {p.path for p in problems}
    return library, problems + [p for p in found if p.path not in outside]


def check_citations(corpus: Corpus, bib: Library) -> list[Problem]:
    """Every cited key, in prose and in `sources`, must be in the bibliography."""
    problems = []
    keys = sorted(bib.keys)
    for source, model in record_models(corpus):
        for loc, key, nth in cited_keys(model, ()):
            if key not in bib.keys:
                message = f"unknown citation key '{key}'{suggest(key, keys)}"
                position = source.find(loc, f"@{key}", nth) if nth >= 0 else source.position(loc)
                problems.append(source.problem_at(position, message))
    return problems


def check_styles(corpus: Corpus, paths: Paths) -> list[Problem]:
    problems = []
    for record_id, document in corpus.documents.items():
        name = document.citation_style
        source = corpus.sources[("document", record_id)]
        style = document_style(paths, name)
        if style is None:
            message = (
                f"citation_style: no style '{name}'{suggest(name, style_names())}; name one "
                "of the CSL styles that come with the project, or put "
                f"{name}.csl in content/ or templates/csl/"
            )
            problems.append(source.problem(("citation_style",), message))
        else:
            problems.extend(style_problems(style, paths.shown(style.path), source.path))
        _, warning = csl_locale(document.language)
        if warning:
            problems.append(source.problem(("language",), warning, "warning"))
    return problems


def document_style(paths: Paths, name: str) -> Style | None:
    return find_style(name, [paths.content, paths.templates / "csl"])


@dataclass
class Page:
    """One document rendered to HTML: the page, its references, its outline."""

    html: str
    references: dict[str, str]  # key -> the entry as the reference list gives it
    outline: Outline
    marks: dict[str, FieldMark] = field(default_factory=dict)  # with marks: id -> its field


def render_html(project: Project, document: DocumentBase) -> str:
    """Render one document to a complete HTML page, citations formatted."""
    return render_page(project, document).html


def render_page(
    project: Project, document: DocumentBase, corpus: Corpus | None = None, marks: bool = False
) -> Page:
    """The document's HTML, its reference list and its outline.

    corpus is the corpus as the document's edition sees it (editions.edition);
    by default the project's own. With marks, each prose field's HTML is
    wrapped in an element whose id names the field (render.FieldMark), as
    the Word file needs for the way back.
    """
    corpus = corpus or project.corpus
    citer = Citer()
    labels = Labels.load(project.paths.templates, document.language, document.calendar)
    translated = document.language != document.edition_languages()[0]
    views = Views(
        corpus,
        citer,
        project.paths.templates,
        labels,
        marks={} if marks else None,
        edition=document.language if translated else None,
    )
    env = environment(project.paths, labels)
    plan = outline(corpus, document, labels)
    context = document_context(corpus, plan, views)
    context["stylesheet"] = stylesheet(project.paths, corpus.project)
    html = render_document(env, plan, context, project.paths.shown)
    style = document_style(project.paths, document.citation_style)
    used_by = project.corpus.sources[("document", document.id)].path
    html = citer.fill(html, project.bibliography, style, document.language, used_by=used_by)
    return Page(html, citer.references, plan, views.marks or {})


def stylesheet(paths: Paths, project: schema.Project | None = None) -> str:
    """The house CSS, the theme's and the brand's, inlined so each HTML file stands alone."""
    return "\n".join(text for _name, text in stylesheet_files(paths, project))


def stylesheet_files(paths: Paths, project: schema.Project | None = None) -> list[tuple[str, str]]:
    """(path as shown, text) of each CSS file, in the order it is inlined.

    The house files (templates/css), each replaced by a file of the same name
    in the project's theme (content/theme/css), which may add files of its
    own; then the brand colours of project.yaml, as design tokens.
    """
    found = {p.name: p for p in sorted((paths.templates / "css").glob("*.css"))}
    theme = paths.theme / "css"
    if theme.is_dir():
        found |= {p.name: p for p in sorted(theme.glob("*.css")) if not leaves(p, paths.root)}
    files = [(paths.shown(p), p.read_text(encoding="utf-8")) for _, p in sorted(found.items())]
    colours = project.organisation.colours if project is not None else None
    if colours is not None:
        brand = Brand(parse(colours.primary), parse(colours.accent))
        files.append((paths.shown(paths.content / "project.yaml"), str(brand.css())))
    return files


class Builds(list):
    """The editions a build made or found unchanged, in order; index_changed says
    whether it rewrote build/index.html (None: it wrote no index)."""

    index_changed: bool | None = None


@dataclass
class Built:
    id: str  # the document's id; with .LANG for an edition that is not the source
    document: DocumentBase | None
    html: Path
    pdf: Path | None
    pages: int | None
    warnings: list[Problem] = field(default_factory=list)  # what drawing the PDF warned of
    cached: bool = False  # unchanged since the last build: neither drawn nor written
    docx: Path | None = None


def build(
    paths: Paths,
    only: list[str] | None = None,
    pdf: bool = True,
    project: Project | None = None,
    *,
    docx: bool = False,
    force: bool = False,
    jobs: int = 1,
    shard: tuple[int, int] | None = None,
    stamp: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Builds:
    """Build the named documents (all when None) as HTML and PDF, and the index.

    With docx, each edition is also written as build/NAME.docx (docx.py); a
    Word file a build made before is kept up to date whether asked or not.

    Only the editions whose inputs changed since the last build are rendered
    (all with force); an output whose bytes are unchanged is not rewritten.
    jobs PDFs are drawn at once, in worker processes. With shard (K, N), only
    the K-th of N slices of the editions is built, and no index. stamp is the
    digest of the inputs (cache.stamp) taken before the project was loaded,
    kept so that the next build with nothing changed can stop at once.

    Every output is drawn in the scratch folder first; only when all of them
    are within their page budgets are they put in place.
    """
    project = project or load_project(paths)
    chosen = editions_chosen(project.corpus, only)
    if shard is not None:
        chosen = {name: chosen[name] for name in shard_of(project, chosen, *shard)}
    say = progress or (lambda line: None)
    shown = paths.shown(paths.build)
    built: dict[str, Built] = {}
    problems: list[Problem] = []
    with OutputFolder(paths.build, shown=shown) as out, cache.memos(paths.build, out.stage_bytes):
        out.rewrite = force
        inputs = EditionInputs(project)
        keys, entries, todo = {}, {}, []
        words = {name: docx or (paths.build / f"{name}.docx").exists() for name in chosen}
        for name, (document, corpus) in chosen.items():
            keys[name] = inputs.key(name, document, corpus)
            entry, unreadable = cache.read_entry(paths.build, name, shown)
            project.notes.extend(unreadable)
            entries[name] = entry
            worded = not words[name] or (entry is not None and f"{name}.docx" in entry.outputs)
            if (
                not force
                and worded
                and entry is not None
                and entry.holds(paths.build, keys[name], pdf)
            ):
                built[name] = _from_entry(paths, name, document, entry, pdf)
                built[name].docx = paths.build / f"{name}.docx" if words[name] else None
                if project.strict:  # what drawing it warned of, as the last build found it
                    problems.extend(p.as_error() for p in built[name].warnings)
            else:
                todo.append(name)
        # rendered inside: pandoc's temporaries, like WeasyPrint's, are in build/.partial/tmp
        pages_html = {}

        def render(name: str) -> Page:
            """The edition's HTML (and Word file), staged."""
            say(f"{name}: rendering")
            document, corpus = chosen[name]
            pages_html[name] = page = render_page(project, document, corpus)
            out.stage_bytes(f"{name}.html", page.html.encode("utf-8"))
            if words[name]:
                from advocacy.docx import render_docx

                say(f"{name}: Word")
                render_docx(project, document, corpus, name, out.stage(f"{name}.docx"))
                out.keep_if_same(f"{name}.docx")
            return page

        def drawing(name: str) -> _Task:
            """The edition rendered, and the task of drawing its PDF."""
            page = render(name)
            document = chosen[name][0]
            return _task(out, name, project, document, page.html, inputs.origins[name])

        drawn = {}
        if pdf and todo:
            # heaviest first; each PDF starts as soon as its HTML is rendered, so
            # the workers draw while the next editions render
            order = sorted(todo, key=lambda n: -_weight(project, entries[n], chosen[n][0]))
            drawn = draw_pdfs(project, (drawing(name) for name in order), jobs, say, len(order))
        else:
            for name in todo:
                render(name)
        for name in todo:
            document, corpus = chosen[name]
            page = pages_html[name]
            item = Built(name, document, paths.build / f"{name}.html", None, None)
            item.docx = paths.build / f"{name}.docx" if words[name] else None
            anchors: dict[str, int] = {}
            if pdf:
                from advocacy.pdf import problems as pdf_warnings

                rendered = drawn[name]
                out.keep_if_same(f"{name}.pdf")
                item.pdf, item.pages = paths.build / f"{name}.pdf", rendered.pages
                anchors = rendered.anchors
                problems.extend(check_budget(project, page.outline, rendered, name))
                item.warnings = pdf_warnings(rendered) + empty_page_warnings(
                    project, document, rendered, name
                )
                if project.strict:
                    problems.extend(p.as_error() for p in item.warnings)
            trace = evidence_file(
                corpus, project.bibliography, page.outline, page.references, anchors
            )
            text = trace.model_dump_json(indent=2) + "\n"
            out.stage_bytes(f"{name}.evidence.json", text.encode("utf-8"))
            built[name] = item
        if problems:
            raise ContentError(problems)
        for name in todo:
            item = built[name]
            outputs = _outputs(name, item.pdf is not None, words[name])
            digests = cache.output_digests(paths.build, outputs, out.staged)
            entry = cache.Entry(keys[name], pdf, item.pages, item.warnings, digests)
            out.stage_bytes(cache.entry_name(name), entry.dump().encode("utf-8"))
        items = Builds(built[name] for name in chosen)
        written = copy_assets(out, project)
        if shard is None:
            pages = {name: item.pages for name, item in built.items()}
            items.index_changed = write_index(out, project, pages)
            written.append("index.html")
        if stamp is not None:
            outputs = [
                o for item in items for o in _outputs(item.id, item.pdf is not None, words[item.id])
            ]
            replay = cache.Replay(
                stamp,
                notes=[str(p) for p in project.notes if p.level == "warning"],
                lines=results(paths, items, shard is None),
                outputs=cache.output_states(paths.build, [*outputs, *written], out.staged),
            )
            out.stage_bytes(f"{cache.FOLDER}/{cache.STAMP}", replay.dump().encode("utf-8"))
        out.commit()
    cache.prune_memos(paths.build)
    return items


def results(paths: Paths, items: list[Built], index: bool = True) -> list[str]:
    """What a build made, a line each, as the command line says it after
    "built" or "unchanged": 'build/brief.html and build/brief.pdf, 4 pages'."""
    lines = []
    for item in items:
        pages = f", {plural(item.pages, 'page')}" if item.pages else ""
        files = [paths.shown(p) for p in (item.html, item.pdf, item.docx) if p]
        outputs = " and ".join([", ".join(files[:-1]), files[-1]] if len(files) > 2 else files)
        lines.append(f"{outputs}{pages}")
    if index:
        lines.append(paths.shown(paths.build / "index.html"))
    return lines


def _outputs(name: str, pdf: bool, docx: bool = False) -> list[str]:
    return [
        f"{name}.html",
        *([f"{name}.pdf"] if pdf else []),
        *([f"{name}.docx"] if docx else []),
        f"{name}.evidence.json",
    ]


def _from_entry(paths: Paths, name: str, document, entry: cache.Entry, pdf: bool) -> Built:
    has_pdf = pdf and f"{name}.pdf" in entry.outputs
    return Built(
        name,
        document,
        paths.build / f"{name}.html",
        paths.build / f"{name}.pdf" if has_pdf else None,
        entry.pages if has_pdf else None,
        list(entry.warnings),
        cached=True,
    )


def _weight(project: Project, entry: cache.Entry | None, document: DocumentBase) -> int:
    """How long an edition is expected to take to draw: its pages last time,
    else its page budget."""
    if entry is not None and entry.pages:
        return entry.pages
    return document.page_limit or spec_of(document).page_limit


def shard_of(project: Project, chosen: dict, part: int, whole: int) -> list[str]:
    """The editions of the part-th of whole slices, balanced by their page budgets.

    Every runner of a CI matrix must cut the same slices from the same content,
    whatever its build folder holds, so the weights come from the content (the
    page budget of each edition) and never from a cache that one runner has and
    another has not. Heaviest first, each to the lightest slice so far; ties by
    name, so the slices are stable.
    """
    loads = [0] * whole
    slices: list[list[str]] = [[] for _ in range(whole)]
    weighted = sorted(chosen, key=lambda n: (-_weight(project, None, chosen[n][0]), n))
    for name in weighted:
        lightest = min(range(whole), key=lambda i: (loads[i], i))
        slices[lightest].append(name)
        loads[lightest] += _weight(project, None, chosen[name][0])
    mine = set(slices[part - 1])
    return [name for name in chosen if name in mine]


@dataclass
class _Task:
    """One PDF to draw: everything a worker needs besides the project."""

    name: str
    target: Path
    html: str
    doc_id: str
    rights: Rights
    words: object
    origin: object = None  # provenance.Origin: where the edition is built from


def _task(out: OutputFolder, name: str, project: Project, document, html: str, origin) -> _Task:
    target = out.stage(f"{name}.pdf")
    rights = licence_rights(project, document)
    words = link_words(project, document)
    return _Task(name, target, html, document.id, rights, words, origin)


_worker_project: Project | None = None  # the project, as a forked worker inherits it


def _draw(task: _Task):
    """Draw one PDF in a forked worker (pdf_worker.draw: a problem in the
    content comes back as ("problems", [...]))."""
    from advocacy import pdf_worker

    return pdf_worker.draw(_pdf_arguments(task, _worker_project), _worker_settings())


def _worker_settings() -> dict:
    """What a worker takes from the build at each PDF: where temporaries go
    (build/.partial/tmp, output.py), the date a PDF may state, and whether
    garbage is collected (a test stops it to find temporaries)."""
    import gc
    import os
    import tempfile

    from advocacy import pdf_worker

    return {
        "tempdir": tempfile.gettempdir(),
        "environ": {k: os.environ.get(k) for k in pdf_worker.ENVIRON},
        "gc": gc.isenabled(),
    }


def _quiet_worker() -> None:
    """As pdf_worker.start: Ctrl-C and SIGTERM left to the build, which stops
    the workers itself, and an end with the build if the build is killed."""
    from advocacy import pdf_worker

    pdf_worker.start()


def draw_pdfs(project: Project, tasks, jobs: int, say, count: int | None = None) -> dict:
    """Rendered for each task's edition, jobs at a time, in the order given.

    tasks may be made as they are taken (a generator that renders each
    edition's HTML): in workers, a PDF is drawn while the next task is made.
    count is how many there are, when tasks cannot say. One at a time, the
    PDFs are drawn in one worker of their own (_draw_one_at_a_time)."""
    global _worker_project
    _worker_project = project
    count = len(tasks) if count is None else count
    try:
        if jobs <= 1 or count <= 1:
            return _draw_one_at_a_time(project, tasks, say)
        return _draw_in_workers(tasks, min(jobs, count), say)
    finally:
        _worker_project = None


_ONE_WORKER: list = []  # [the pool, its start]: kept for the next build (serve's)


def _one_worker():
    """The worker that draws PDFs one at a time, started at the first use and
    kept (a live preview draws a PDF after each save), with the future of its
    start, which imports WeasyPrint while the build renders the first page."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from advocacy import pdf_worker

    if not _ONE_WORKER:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(1, mp_context=context, initializer=pdf_worker.start)
        _ONE_WORKER[:] = [pool, pool.submit(pdf_worker.ready)]
    return _ONE_WORKER


def _draw_one_at_a_time(project: Project, tasks, say) -> dict:
    """Each task's PDF, drawn in one worker process that imports only what
    draws a PDF (advocacy.pdf, WeasyPrint, pikepdf), one after the other: the
    build holds the project and the worker the page being laid out, instead of
    one process both (146 MiB at the peak of the default content, against 87
    for WeasyPrint alone). While the worker draws a PDF, the build makes the
    next task (tasks may render each edition as it is taken), as the workers
    of _draw_in_workers do."""
    from concurrent.futures.process import BrokenProcessPool

    from advocacy import pdf_worker

    done, failed, name = {}, [], None
    drawing: list[tuple[str, object]] = []  # the PDF being drawn: (its edition, its future)

    def finish() -> None:
        nonlocal name
        name, future = drawing.pop()
        result = future.result()
        if isinstance(result, tuple):
            failed.append(result)
        else:
            done[name] = result
            say(f"{name}: {plural(result.pages, 'page')}")

    try:
        _one_worker()  # it imports WeasyPrint while the first task is made
        for task in tasks:  # made while the last task's PDF is drawn
            pool, started = _one_worker()
            started.result()
            arguments = _pdf_arguments(task, project)
            if drawing:
                finish()
            name = task.name
            say(f"{name}: PDF")
            drawing.append((name, pool.submit(pdf_worker.draw, arguments, _worker_settings())))
        if drawing:
            finish()
    except BaseException as exc:
        if _ONE_WORKER:
            _stop(_ONE_WORKER[0])
            _ONE_WORKER.clear()
        if isinstance(exc, BrokenProcessPool):
            raise _worker_lost(name or "the first edition") from None
        raise
    _raise_problems(failed)
    return done


def _stop(pool) -> None:
    """End a pool's workers now, whatever they are drawing."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _raise_problems(failed: list[tuple]) -> None:
    """Every worker's problems, as one build would report them."""
    if failed:
        kind = OutputError if all(f[2] == "OutputError" for f in failed) else ContentError
        raise _rebuilt(kind, [p for f in failed for p in f[1]])


def _draw_in_workers(tasks, jobs: int, say) -> dict:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork")  # the workers inherit the loaded project
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_quiet_worker)
    done, failed, names = {}, [], []
    futures = {}

    def lost() -> str:
        """The edition whose worker died: the first that ended without a result."""
        ended = [f for f in futures if f.done() and f.exception() is not None]
        return futures[ended[0]] if ended else names[-1]

    try:
        for task in tasks:  # each made, then drawn at once by a free worker
            names.append(task.name)
            try:
                futures[pool.submit(_draw, task)] = task.name
            except BrokenProcessPool:  # a worker died while the next task was made
                raise _worker_lost(lost()) from None
            say(f"{task.name}: PDF")
        for future in as_completed(futures):
            name = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                raise _worker_lost(name) from None
            if isinstance(result, tuple):
                failed.append(result)
                continue
            done[name] = result
            say(f"{name}: {plural(result.pages, 'page')}")
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    _raise_problems(failed)
    return {name: done[name] for name in names}


def _worker_lost(name: str) -> AdvocacyError:
    """A worker that ended without a result: killed, most often for lack of memory."""
    project = _worker_project
    document = project.corpus.documents.get(name.split(".")[0]) if project else None
    where = project.corpus.sources[("document", document.id)].path if document else name
    message = (
        f"the worker process drawing {name}'s PDF ended before it was done (killed, perhaps "
        "for lack of memory); build again, or with --jobs 1 to draw one PDF at a time"
    )
    summary = "nothing in the build folder was changed; its last good files are kept."
    return AdvocacyError([Problem(where, 0, 0, message)], summary)


def _rebuilt(kind, problems: list[Problem]) -> AdvocacyError:
    if kind is OutputError:
        first = problems[0]
        return OutputError(first.path, first.message)
    return ContentError(problems)


class EditionInputs:
    """What each edition is made from, hashed into its key (cache.py), and where
    it is built from (provenance.py): the commit and SOURCE_DATE_EPOCH, which
    its PDF states, so they are in the key too."""

    def __init__(self, project: Project):
        from advocacy import provenance

        self.project = project
        self.hasher = cache.Hasher()
        self.tool = cache.tool_version()
        paths = project.paths
        self.shared = [
            *self.hasher.files(_files_under(paths.theme), paths.root),
            ("project", self._source_hash(project.corpus.project_source)),
            ("actors", self.hasher.file(paths.content / ACTORS_FILE)),
        ]
        source = project.corpus.project_source
        self.shared_files = [*_files_under(paths.theme), paths.content / ACTORS_FILE]
        self.shared_files += [paths.root / source.path] if source is not None else []
        self.epoch = provenance.source_date_epoch()
        folders = [paths.content, paths.templates]
        self.commit, unread = provenance.commit(paths.content, folders, paths.shown(paths.content))
        project.notes.extend(unread)
        self.origins: dict[str, provenance.Origin] = {}  # by output name, as key() found

    @staticmethod
    def _source_hash(source) -> str:
        """The YAML file as it was loaded: a save after the load changes the key
        the next build computes, never the key of the page rendered now."""
        if source is None:
            return "none"
        return hashlib.sha256(source.text.encode("utf-8")).hexdigest()

    def key(self, name: str, document: DocumentBase, corpus: Corpus) -> str:
        """The edition's key: what it is made from (content_key) and what its PDF
        says of where it was built; an output is unchanged only if both are."""
        from advocacy import provenance

        content, files = self.content_key(name, document, corpus)
        commit = self.commit
        uncommitted = commit is not None and commit.differs(files)
        built = {"commit": commit and commit.id, "uncommitted": uncommitted, "epoch": self.epoch}
        key = cache.key({"content": content, "built": built})
        self.origins[name] = provenance.Origin(
            name,
            document.language,
            document.edition,
            content,
            key,
            self.project.corpus.project.organisation.name,
            commit and commit.id,
            uncommitted,
            self.epoch,
        )
        return key

    def content_key(self, name: str, document: DocumentBase, corpus: Corpus) -> tuple[str, list]:
        """A hash of exactly what the edition is made from, and the files it read."""
        project, paths = self.project, self.project.paths
        language = document.language
        records = shown_records(corpus, document)
        sources, files = [], []
        for kind, record_id in sorted(records):
            sources.append(project.corpus.sources[(kind, record_id)])
            own = project.corpus.translations.get((kind, record_id, language))
            if own is not None:
                sources.append(own.source)
            data = getattr(corpus.records[kind][record_id], "data", None)
            if data is not None:
                files.append(paths.content / "data" / data.file)
        own = project.corpus.translations.get((*PROJECT, language))
        if own is not None:
            sources.append(own.source)
        cited = {
            key
            for kind, record_id in records
            for _, key, _ in cited_keys(corpus.records[kind][record_id], ())
        }
        style = document_style(paths, document.citation_style)
        files += _template_files(paths.templates, language)
        files += [paths.content / "assets" / a for a in _assets_of(project.corpus, document)]
        parts = {
            "edition": [name, language, document.calendar, document.edition_languages()],
            "tool": self.tool,
            "shared": self.shared,
            "sources": [(source.path, self._source_hash(source)) for source in sources],
            "files": self.hasher.files(files, paths.root),
            "style": self.hasher.file(style.path) if style is not None else None,
            "bibliography": project.bibliography.subset_text(cited)[0].text if cited else "",
        }
        read = [*self.shared_files, *files, *(paths.root / source.path for source in sources)]
        read += [style.path] if style is not None else []
        read += [bib.path for bib in project.bibliography.holding(cited)]
        return cache.key(parts), read


def shown_records(corpus: Corpus, document: DocumentBase) -> set[tuple[str, str]]:
    """(kind, id) of the document and of every record it links to, directly or
    through other records: all that its pages may show."""
    found: set[tuple[str, str]] = set()
    todo = [("document", document.id)]
    while todo:
        kind, record_id = todo.pop()
        if (kind, record_id) in found or record_id not in corpus.records.get(kind, {}):
            continue
        found.add((kind, record_id))
        record = corpus.records[kind][record_id]
        for name, kinds in schema.LINKS.get(kind, {}).items():
            for linked in schema.linked_ids(record, name):
                todo += [(k, linked) for k in kinds if linked in corpus.records.get(k, {})]
    return found


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _template_files(templates: Path, language: str) -> list[Path]:
    """The house templates, stylesheets, fonts and CSL styles an edition may use:
    all but the index's template, the scaffold of `advocacy new`, and the
    catalogs of other languages."""
    mine = {f"{language}.po", f"{language.split('-')[0]}.po"}
    kept = []
    for path in _files_under(templates):
        parts = path.relative_to(templates).parts
        if parts[0] == "new" or parts == ("index.html.j2",):
            continue
        if parts[0] == "locale" and path.name not in mine:
            continue
        kept.append(path)
    return kept


def _assets_of(corpus: Corpus, document: DocumentBase) -> set[str]:
    """The files of content/assets one document shows: the logos, its partners'."""
    return _logos(corpus) | {partner.logo for partner in document.partners if partner.logo}


def _logos(corpus: Corpus) -> set[str]:
    organisation = corpus.project.organisation
    return {name for name in (organisation.logo, organisation.logo_on_dark) if name}


def edition_names(corpus: Corpus) -> dict[str, tuple[DocumentBase, str]]:
    """Every edition of every document by its output name: (document, language)."""
    return {
        output_name(document, language): (document, language)
        for document in corpus.documents.values()
        for language in document.edition_languages()
    }


def editions_chosen(corpus: Corpus, only: list[str] | None) -> dict[str, tuple]:
    """(document as the edition sees it, the edition's corpus) by output name.

    A document id chooses all its editions; `id.lang` one of them.
    """
    chosen = {}
    for name, (document, language) in edition_names(corpus).items():
        if only is None or document.id in only or name in only:
            view = edition(corpus, document.id, language)
            chosen[name] = (view.documents[document.id], view)
    return chosen


def check_budget(project: Project, plan: Outline, rendered, name: str) -> list[Problem]:
    """An error when a document is longer than its type's page limit.

    It names the outline's longest sections, measured in the PDF.
    """
    document, doc_id = plan.document, plan.document.id
    limit = document.page_limit or plan.spec.page_limit
    if rendered.pages <= limit:
        return []
    titles = {s.title: s for s in plan.sections}
    measured = [(_unnumbered(label, titles), length) for label, length in rendered.sections]
    measured = [(title, length) for title, length in measured if title in titles]
    longest = sorted(measured, key=lambda section: -section[1])[:3]
    sections = ", ".join(f"'{title}' {length:.1f}" for title, length in longest)
    message = (
        f"{name} is {rendered.pages} pages, over the limit of {limit} for a "
        f"{document.type}; cut the longest sections (pages): {sections}"
    )
    source = project.corpus.sources[("document", doc_id)]
    own = project.corpus.translations.get(("document", doc_id, document.language))
    if own is not None and own.page_limit:  # the edition's own budget
        source = own.source
    return [source.problem(("page_limit",) if document.page_limit else ("type",), message)]


def empty_page_warnings(project: Project, document, rendered, name: str) -> list[Problem]:
    """A warning for each page of text left more than 40 % empty, with why."""
    source = project.corpus.sources[("document", document.id)]
    return [
        source.problem(
            ("type",),
            f"{name}: page {page.number} is {page.empty:.0%} empty: {page.reason}",
            "warning",
        )
        for page in rendered.empty_pages
    ]


def _unnumbered(label: str, titles: dict) -> str:
    """A bookmark's label without the section number the outline gave it."""
    number, _, rest = label.partition(" ")
    section = titles.get(rest)
    return rest if section is not None and section.number == number else label


def licence_rights(project: Project, document: DocumentBase) -> Rights:
    """The rights the PDF's XMP states, in the document's language."""
    labels = Labels.load(project.paths.templates, document.language, document.calendar)
    return rights(project.corpus.project.licence, labels)


def link_words(project: Project, document: DocumentBase):
    """How the PDF's links say where they go, in the document's language."""
    from advocacy.pdf import LinkWords

    return LinkWords.of(Labels.load(project.paths.templates, document.language, document.calendar))


def _pdf_arguments(task: _Task, project: Project) -> dict:
    """pdf.write_pdf's arguments for task, which a worker that has no project
    can be sent. The PDF's XMP says where it comes from (task.origin, as
    EditionInputs.key found it)."""
    paths = project.paths
    return {
        "html": task.html,
        "base": paths.build,
        "routes": routes(paths),
        "target": task.target,
        "archival": project.corpus.documents[task.doc_id].archival,
        "stylesheets": stylesheet_files(paths, project.corpus.project),
        "document": project.corpus.sources[("document", task.doc_id)].path,
        "rights": task.rights,
        "link_words": task.words,
        "origin": task.origin,
    }


def routes(paths: Paths) -> dict[Path, Path]:
    """The only folders a document may read from, as its HTML names them."""
    return {
        paths.build / "fonts": paths.templates / "fonts",
        paths.build / "assets": paths.content / "assets",
    }


def copy_assets(out: OutputFolder, project: Project) -> list[str]:
    """Stage the fonts and assets the HTML names, for build/fonts and build/assets,
    each only when its bytes changed; the names of all of them."""
    fonts = project.paths.templates / "fonts"
    names = []
    for font in sorted(fonts.glob("*")) if fonts.is_dir() else []:
        if font.is_file() and not font.is_symlink():
            names.append(f"fonts/{font.name}")
            out.stage_bytes(names[-1], font.read_bytes())
    for name in sorted(named_assets(project.corpus)):
        source = project.paths.content / "assets" / name
        names.append(f"assets/{name}")
        out.stage_bytes(names[-1], source.read_bytes())
    return names


def named_assets(corpus: Corpus) -> set[str]:
    """Every file of content/assets the documents show: logos, partners' logos."""
    return _logos(corpus).union(*(_assets_of(corpus, d) for d in corpus.documents.values()))


def write_index(out: OutputFolder, project: Project, pages: dict[str, int | None]) -> bool:
    """build/index.html: every document, its editions grouped, with type, date and pages.

    pages are the page counts of the editions built now; for the others, the
    count their cache entry recorded, or the count read from their PDF.
    Whether the index changed.
    """
    env = environment(project.paths)
    groups = []
    for doc_id, source in project.corpus.documents.items():
        rows = []
        for language in source.edition_languages():
            name = output_name(source, language)
            if out.current(f"{name}.html") is None:  # neither built now nor before
                continue
            document = edition(project.corpus, doc_id, language).documents[doc_id]
            labels = Labels.load(project.paths.templates, language, document.calendar)
            pdf = out.current(f"{name}.pdf")
            rows.append(
                {
                    "id": name,
                    "doc": document,
                    "date": labels.date(document.date),
                    "translation": language != source.edition_languages()[0],
                    "pages": _pages(out, name, pages) if pdf is not None else None,
                    "has_pdf": pdf is not None,
                    "has_docx": out.current(f"{name}.docx") is not None,
                }
            )
        if rows:
            groups.append(rows)
    context = {
        "project": project.corpus.project,
        "groups": groups,
        "stylesheet": stylesheet(project.paths, project.corpus.project),
    }
    page = render_template(env, "index.html.j2", context, project.paths.shown, "the index")
    return out.stage_bytes("index.html", page.encode("utf-8"))


def _pages(out: OutputFolder, name: str, pages: dict[str, int | None]) -> int | None:
    if pages.get(name):
        return pages[name]
    entry, _ = cache.read_entry(out.folder, name, out.shown)
    if entry is not None and entry.pages and f"{name}.pdf" in entry.outputs:
        return entry.pages
    return _page_count(out.current(f"{name}.pdf"))


def _page_count(path: Path) -> int | None:
    """Pages of a PDF the build folder holds (read by pikepdf, which finds the
    count in the page tree's root, without WeasyPrint), None if it cannot be
    read: the index then gives none."""
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except (OSError, pikepdf.PdfError):
        return None
