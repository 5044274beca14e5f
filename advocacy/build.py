"""Load all, validate all, then render and write, atomically.

Nothing is written until every document has rendered to HTML, and each output
replaces the previous one by a rename, so a failed build keeps the last good
files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from advocacy import schema
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
from advocacy.doctypes import DocumentBase
from advocacy.editions import edition, edition_problems, output_name
from advocacy.errors import ContentError, Problem, suggest
from advocacy.evidence import evidence_file, lints
from advocacy.identity import Brand, parse
from advocacy.labels import Labels, label_problems
from advocacy.licences import Rights, licence_problems, rights
from advocacy.outline import Outline, outline
from advocacy.output import OutputFolder
from advocacy.render import (
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


@dataclass
class Built:
    id: str  # the document's id; with .LANG for an edition that is not the source
    document: DocumentBase
    html: Path
    pdf: Path | None
    pages: int | None
    warnings: list[Problem] = field(default_factory=list)  # what drawing the PDF warned of


def load_project(paths: Paths, strict: bool = False) -> Project:
    """Read and check everything; raise ContentError with every problem found."""
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


def render_html(project: Project, document: DocumentBase) -> str:
    """Render one document to a complete HTML page, citations formatted."""
    return render_page(project, document).html


def render_page(project: Project, document: DocumentBase, corpus: Corpus | None = None) -> Page:
    """The document's HTML, its reference list and its outline.

    corpus is the corpus as the document's edition sees it (editions.edition);
    by default the project's own.
    """
    corpus = corpus or project.corpus
    citer = Citer()
    labels = Labels.load(project.paths.templates, document.language, document.calendar)
    views = Views(corpus, citer, project.paths.templates, labels)
    env = environment(project.paths, labels)
    plan = outline(corpus, document, labels)
    context = document_context(corpus, plan, views)
    context["stylesheet"] = stylesheet(project.paths, corpus.project)
    html = render_document(env, plan, context, project.paths.shown)
    style = document_style(project.paths, document.citation_style)
    used_by = project.corpus.sources[("document", document.id)].path
    html = citer.fill(html, project.bibliography, style, document.language, used_by=used_by)
    return Page(html, citer.references, plan)


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


def build(
    paths: Paths, only: list[str] | None = None, pdf: bool = True, project: Project | None = None
) -> list[Built]:
    """Build the named documents (all when None) as HTML and PDF, and the index.

    Every output is drawn in the scratch folder first; only when all of them
    are within their page budgets are they put in place.
    """
    from advocacy.pdf import problems as pdf_problems

    project = project or load_project(paths)
    chosen = editions_chosen(project.corpus, only)
    built, problems = [], []
    with OutputFolder(paths.build, shown=paths.shown(paths.build)) as out:
        # rendered inside: pandoc's temporaries, like WeasyPrint's, are in build/.partial/tmp
        pages_html = {
            name: render_page(project, document, corpus)
            for name, (document, corpus) in chosen.items()
        }
        for name, page in pages_html.items():
            document, corpus = chosen[name]
            html = page.html
            out.stage(f"{name}.html").write_bytes(html.encode("utf-8"))
            item = Built(name, document, paths.build / f"{name}.html", None, None)
            anchors: dict[str, int] = {}
            if pdf:
                rights = licence_rights(project, document)
                rendered = write_pdf(
                    out.stage(f"{name}.pdf"),
                    html,
                    project,
                    document.id,
                    rights,
                    link_words(project, document),
                )
                item.pdf, item.pages = paths.build / f"{name}.pdf", rendered.pages
                anchors = rendered.anchors
                problems.extend(check_budget(project, page.outline, rendered, name))
                item.warnings = pdf_problems(rendered) + empty_page_warnings(
                    project, document, rendered, name
                )
                if project.strict:
                    problems.extend(p.as_error() for p in item.warnings)
            trace = evidence_file(
                corpus, project.bibliography, page.outline, page.references, anchors
            )
            out.stage(f"{name}.evidence.json").write_text(
                trace.model_dump_json(indent=2) + "\n", encoding="utf-8"
            )
            built.append(item)
        if problems:
            raise ContentError(problems)
        copy_assets(out, project)
        write_index(out, project)
        out.commit()
    return built


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


def write_pdf(
    target: Path,
    html: str,
    project: Project,
    doc_id: str,
    rights: Rights | None = None,
    words=None,
):
    from advocacy import pdf

    pdf.quiet_weasyprint()
    paths, archival = project.paths, project.corpus.documents[doc_id].archival
    return pdf.write_pdf(
        html,
        paths.build,
        routes(paths),
        target,
        archival,
        stylesheets=stylesheet_files(paths, project.corpus.project),
        document=project.corpus.sources[("document", doc_id)].path,
        rights=rights,
        link_words=words,
    )


def routes(paths: Paths) -> dict[Path, Path]:
    """The only folders a document may read from, as its HTML names them."""
    return {
        paths.build / "fonts": paths.templates / "fonts",
        paths.build / "assets": paths.content / "assets",
    }


def copy_assets(out: OutputFolder, project: Project) -> None:
    """Stage the fonts and assets the HTML names, for build/fonts and build/assets."""
    fonts = project.paths.templates / "fonts"
    for font in sorted(fonts.glob("*")) if fonts.is_dir() else []:
        if font.is_file() and not font.is_symlink():
            out.stage(f"fonts/{font.name}").write_bytes(font.read_bytes())
    for name in sorted(named_assets(project.corpus)):
        source = project.paths.content / "assets" / name
        out.stage(f"assets/{name}").write_bytes(source.read_bytes())


def named_assets(corpus: Corpus) -> set[str]:
    """Every file of content/assets the documents show: logos, partners' logos."""
    organisation = corpus.project.organisation
    found = {name for name in (organisation.logo, organisation.logo_on_dark) if name}
    for document in corpus.documents.values():
        found |= {partner.logo for partner in document.partners if partner.logo}
    return found


def write_index(out: OutputFolder, project: Project) -> None:
    """build/index.html: every document, its editions grouped, with type, date and pages."""
    from advocacy.pdf import page_count

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
                    "pages": page_count(pdf) if pdf is not None else None,
                    "has_pdf": pdf is not None,
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
    out.stage("index.html").write_bytes(page.encode("utf-8"))
