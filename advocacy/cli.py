"""Command line: `advocacy build | check | list | trace | translations | new | catalog | schema`.

Exit status (the README's table says the same):

- 0: done;
- 1: a problem in the content, the templates or the machine (a file that
  cannot be written, another build running), printed one line per problem;
- 2: a mistake on the command line;
- 130 / 143: interrupted by Ctrl-C / SIGTERM, with one line;
- 70: a bug in advocacy itself, with how to report it.

Only the standard library is imported here, so that Ctrl-C at any moment
after start-up meets the handler below; each command imports what it uses.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from advocacy import INTERRUPTED, __version__
from advocacy.config import Paths
from advocacy.errors import AdvocacyError, one_of, plural, suggest

INTERNAL_ERROR = 70  # EX_SOFTWARE in sysexits.h


class UsageError(Exception):
    """The command line asks for something that does not exist."""


class Terminated(Exception):
    """SIGTERM arrived: stop like Ctrl-C does."""


def _on_sigterm(signum, frame):
    raise Terminated()


def _global_options(top_level: bool) -> argparse.ArgumentParser:
    """Options that may come before or after the command.

    The command's copy has no defaults, so it does not undo a value given
    before the command name.
    """
    options = argparse.ArgumentParser(add_help=False)

    def default(value):
        return value if top_level else argparse.SUPPRESS

    options.add_argument(
        "--root", type=Path, default=default(None), help="project folder (default: .)"
    )
    options.add_argument(
        "--content", type=Path, default=default(None), help="content folder (default: ROOT/content)"
    )
    options.add_argument(
        "--out", type=Path, default=default(None), help="build folder (default: ROOT/build)"
    )
    options.add_argument(
        "--strict", action="store_true", default=default(False), help="treat warnings as errors"
    )
    options.add_argument(
        "--debug", action="store_true", default=default(False), help="show tracebacks of failures"
    )
    return options


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="advocacy",
        description="Build policy briefs, position papers and synthesis reports from YAML.",
        parents=[_global_options(top_level=True)],
        epilog="Exit status: 0 done, 1 problems (located, one per line), 2 usage, "
        "130/143 interrupted, 70 a bug in advocacy.",
    )
    top.add_argument("--version", action="version", version=f"advocacy {__version__}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    shared = [_global_options(top_level=False)]

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=text, description=text, parents=shared)

    build = command("build", "build documents as HTML and PDF")
    build.add_argument("documents", nargs="*", metavar="DOCUMENT_ID", help="default: all")
    build.add_argument("--html-only", action="store_true", help="skip the PDFs")
    build.add_argument(
        "--docx",
        action="store_true",
        help="also write each edition as a Word file, build/ID.docx (kept up to date after)",
    )
    build.add_argument("--force", action="store_true", help="rebuild every output, changed or not")
    build.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="draw N PDFs at once, in worker processes (default: the CPUs available)",
    )
    build.add_argument(
        "--shard",
        type=_shard,
        default=None,
        metavar="K/N",
        help="build only the K-th of N stable slices of the editions (no index; "
        "run 'advocacy index' on their outputs afterwards)",
    )
    build.add_argument(
        "--quiet", action="store_true", help="print only the results and problems, no progress"
    )
    command("index", "write build/index.html from the outputs in the build folder")
    serve = command(
        "serve", "build, serve build/ on 127.0.0.1 and rebuild and reload the page on every save"
    )
    serve.add_argument(
        "--port", type=_port, default=8000, help="the port to serve on (default: 8000)"
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="the interface to serve on (default: 127.0.0.1, this machine only)",
    )
    command("check", "validate the content; build nothing")
    command("list", "list documents and the records they draw on")
    trace_cmd = command("trace", "show where a record or citation key is used")
    trace_cmd.add_argument("id", metavar="ID", help="a record id or a citation key")
    new = command("new", "start a project for a new network: content/ to replace, file by file")
    new.add_argument(
        "dir",
        type=Path,
        metavar="DIR",
        help="where to write content/ (default: .)",
        nargs="?",
        default=Path("."),
    )
    new.add_argument("--name", default="Example Network", help="the network's name")
    new.add_argument("--short-name", default=None, help="its short name or acronym")
    command("catalog", "write templates/locale/advocacy.pot and update each language's .po")
    tr = command(
        "translations",
        "show, per edition, the fields translated, missing and stale; start or stamp a translation",
    )
    tr.add_argument(
        "--new",
        nargs=2,
        metavar=("DOCUMENT_ID", "LANG"),
        help="write a NAME.LANG.yaml to fill in for each record the edition prints that has none",
    )
    tr.add_argument(
        "--stamp",
        nargs="+",
        metavar=("FILE", "FIELD"),
        help="record that FILE's translations (or only the FIELDs named) are of the source "
        "as it is now",
    )
    schema_cmd = command("schema", "write JSON Schema files for editors")
    schema_cmd.add_argument(
        "--dir", type=Path, default=None, help="where to write them (default: ROOT/schemas)"
    )
    word = command(
        "import-docx",
        "show what an edited Word file (from 'advocacy build --docx') changes in the YAML, "
        "field by field; with --apply, write it there",
    )
    word.add_argument("file", type=Path, metavar="FILE.docx", help="the edited Word file")
    word.add_argument(
        "--apply",
        action="store_true",
        help="write each changed field into its YAML file, keeping its comments and layout",
    )
    release_cmd = command(
        "release",
        "build a document and write dist/ID-EDITION/ and its zip: every edition's PDF, HTML "
        "and DOCX, its citation, CHANGES.md and SHA256SUMS; tag the commit release/ID/EDITION",
    )
    release_cmd.add_argument("document", metavar="DOCUMENT_ID", help="the document to release")
    return top


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1; got '{text}'")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535; got '{text}'")
    return int(text)


def _shard(text: str) -> tuple[int, int]:
    part, _, whole = text.partition("/")
    if not (part.isdigit() and whole.isdigit() and 1 <= int(part) <= int(whole)):
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N, as in 1/2; got '{text}'")
    return int(part), int(whole)


def main(argv: list[str] | None = None) -> int:
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    args = None
    try:
        args = parser().parse_args(argv)
        paths = Paths.at(args.root or Path.cwd(), args.content, args.out)
        return COMMANDS[args.command](args, paths)
    except SystemExit as exc:  # argparse printed its usage message, or --help
        return exc.code if isinstance(exc.code, int) else 2
    except (KeyboardInterrupt, Terminated) as exc:
        print(INTERRUPTED, file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except BrokenPipeError:  # the reader went away (| head): not a failure
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except AdvocacyError as exc:
        _print_notes(exc.problems, levels={"error", "warning"})
        if exc.summary():
            print(exc.summary(), file=sys.stderr)
        return exc.exit_status
    except UsageError as exc:
        print(f"advocacy: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug in advocacy: say so, and how to report it
        if args is not None and args.debug:
            raise
        return report_bug(exc)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def report_bug(exc: Exception) -> int:
    """Say that advocacy failed, not the user, and how to report it."""
    print(
        f"advocacy: internal error: {exc!r}; this is a bug in advocacy, not in your "
        "content. Please report it to the maintainers with the output of the same "
        "command run with --debug.",
        file=sys.stderr,
    )
    return INTERNAL_ERROR


def cmd_build(args, paths: Paths) -> int:
    from advocacy import cache

    only = args.documents or None
    options = {
        "paths": [paths.root, paths.content, paths.templates, paths.build],
        "only": only,
        "pdf": not args.html_only,
        "docx": args.docx,
        "strict": args.strict,
        "shard": args.shard,
    }
    stamp = cache.stamp([paths.content, paths.templates], options)
    replay = None if args.force else cache.last_replay(paths.build, stamp)
    if replay is not None:  # nothing changed: say again what the last build said
        for note in replay.notes:
            print(note, file=sys.stderr)
        for line in replay.lines:
            print(f"unchanged {line}")
        return 0
    return _build(args, paths, only, stamp)


def _build(args, paths: Paths, only: list[str] | None, stamp: str) -> int:
    import time

    from advocacy.build import build, edition_names, load_project, results

    started = time.perf_counter()
    show = _progress(args)
    show("loading and checking the content")
    project = load_project(paths, args.strict)
    known = [*project.corpus.documents, *edition_names(project.corpus)]
    known = list(dict.fromkeys(known))
    for doc_id in only or []:
        if doc_id not in known:
            raise UsageError(
                f"no document '{doc_id}'{suggest(doc_id, known)}; expected one of {one_of(known)}"
            )
    jobs = args.jobs or len(os.sched_getaffinity(0))
    built = build(
        paths,
        only,
        pdf=not args.html_only,
        project=project,
        docx=args.docx,
        force=args.force,
        jobs=jobs,
        shard=args.shard,
        stamp=stamp,
        progress=show,
    )
    _print_notes(project.notes, levels={"warning"})
    drawn = sorted({warning for item in built for warning in item.warnings})
    _print_notes(drawn, levels={"warning"})
    lines = results(paths, built, index=args.shard is None)
    made = [item.cached for item in built]
    made += [] if built.index_changed is None else [not built.index_changed]
    for cached, line in zip(made, lines, strict=True):
        print(f"{'unchanged' if cached else 'built'} {line}")
    redone = sum(1 for item in built if not item.cached)
    show(
        f"{plural(redone, 'edition')} built, {len(built) - redone} unchanged, in "
        f"{time.perf_counter() - started:.1f} s ({plural(jobs, 'job')})"
    )
    return 0


def _progress(args):
    """Progress lines on stderr, on a terminal only, and not with --quiet or in CI."""
    if args.quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return lambda line: None

    def show(line: str) -> None:
        print(f"advocacy: {line}", file=sys.stderr, flush=True)

    return show


def cmd_index(args, paths: Paths) -> int:
    from advocacy.build import load_project, write_index
    from advocacy.output import OutputFolder

    project = load_project(paths, args.strict)
    _print_notes(project.notes, levels={"warning"})
    with OutputFolder(paths.build, shown=paths.shown(paths.build)) as out:
        write_index(out, project, {})
        out.commit()
    print(f"wrote {paths.shown(paths.build / 'index.html')}")
    return 0


def cmd_check(args, paths: Paths) -> int:
    from advocacy.build import load_project

    project = load_project(paths, args.strict)
    _print_notes(project.notes, levels={"warning", "info"})
    total = sum(len(records) for records in project.corpus.records.values())
    warnings = sum(1 for note in project.notes if note.level == "warning")
    translations = len(project.corpus.translations)
    counts = [plural(total, "record"), plural(len(project.bibliography.keys), "reference")]
    counts += [plural(translations, "translation")] if translations else []
    print(f"content is valid: {', '.join(counts)}, {plural(warnings, 'warning')}")
    return 0


def _print_notes(notes, levels: set[str]) -> None:
    for note in notes:
        if note.level in levels:
            print(note, file=sys.stderr)


def cmd_list(args, paths: Paths) -> int:
    from advocacy.build import load_project
    from advocacy.doctypes import spec_of
    from advocacy.outline import DOCUMENT_LINKS
    from advocacy.schema import linked_ids

    corpus = load_project(paths).corpus
    for doc_id, doc in corpus.documents.items():
        print(f"{doc_id}  ({spec_of(doc).label}, {doc.date})")
        print(f"  {doc.title}")
        if len(doc.edition_languages()) > 1:
            print(f"  editions: {', '.join(doc.edition_languages())}")
        for name in DOCUMENT_LINKS:
            ids = linked_ids(doc, name)
            if ids:
                print(f"  {name}: {', '.join(ids)}")
    return 0


def cmd_schema(args, paths: Paths) -> int:
    import json

    folder = args.dir or paths.root / "schemas"
    folder.mkdir(parents=True, exist_ok=True)
    from advocacy import schema

    for kind, schema_ in schema.json_schemas().items():
        target = folder / f"{kind}.schema.json"
        target.write_text(
            json.dumps(schema_, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"wrote {paths.shown(target)}")
    from advocacy.evidence import write_evidence_schema

    print(f"wrote {paths.shown(write_evidence_schema(folder))}")
    return 0


def cmd_new(args, paths: Paths) -> int:
    from advocacy.config import PACKAGE_ROOT
    from advocacy.scaffold import SCAFFOLD, new_project

    templates = (
        paths.templates if (paths.templates / SCAFFOLD).is_dir() else PACKAGE_ROOT / "templates"
    )
    short = args.short_name or "".join(w[0] for w in args.name.split() if w[:1].isalpha()).upper()
    target = args.dir if args.dir.is_absolute() else Path.cwd() / args.dir
    written = new_project(target, args.name, short or "NET", templates)
    for path in written:
        print(f"wrote {paths.shown(path)}")
    where = "" if target.resolve() == Path.cwd().resolve() else f" --root {args.dir}"
    print(
        f"a new project for {args.name}: check it with 'advocacy{where} --strict check', "
        f"build it with 'advocacy{where} build', then replace each file with your own"
    )
    return 0


def cmd_catalog(args, paths: Paths) -> int:
    from advocacy.labels import write_catalogs

    for path in write_catalogs(paths.templates):
        print(f"wrote {paths.shown(path)}")
    return 0


def cmd_trace(args, paths: Paths) -> int:
    from advocacy.build import load_project
    from advocacy.evidence import trace

    project = load_project(paths)
    lines = trace(project, args.id)
    if not lines:
        known = sorted(project.bibliography.keys) + sorted(
            i for records in project.corpus.records.values() for i in records
        )
        raise UsageError(f"no record or citation key '{args.id}'{suggest(args.id, known)}")
    print("\n".join(lines))
    return 0


def cmd_translations(args, paths: Paths) -> int:
    from advocacy import editions
    from advocacy.corpus import read_corpus
    from advocacy.errors import ContentError

    corpus, problems = read_corpus(paths.content, paths.root)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise ContentError(errors)
    if args.new:
        return _new_translation(corpus, paths, *args.new)
    if args.stamp:
        return _stamp_translation(corpus, paths, Path(args.stamp[0]), args.stamp[1:])
    failed = False
    for document, language in editions.editions_of(corpus):
        found = editions.states(corpus, document, language)
        count = {state: sum(1 for f in found if f.state == state) for state in editions.STATES}
        status = editions.edition_status(corpus, document, language)
        print(
            f"{document.id}.{language}: {editions.language_label(language)}, {status}: "
            + ", ".join(f"{count[state]} {state}" for state in editions.STATES)
        )
        for problem in dict.fromkeys(f.problem for f in found):
            print(f"  {problem}")
        failed = failed or any(f.problem.level == "error" for f in found)
    if not editions.editions_of(corpus):
        print("no document names an edition beside its own language; add editions: [en, ms]")
    return 1 if failed else 0


def _new_translation(corpus, paths: Paths, doc_id: str, language: str) -> int:
    from advocacy import editions

    documents = corpus.documents
    if doc_id not in documents:
        hint = suggest(doc_id, documents)
        raise UsageError(f"no document '{doc_id}'{hint}; expected one of {one_of(documents)}")
    document = documents[doc_id]
    if language not in document.edition_languages()[1:]:
        raise UsageError(
            f"{doc_id} has no '{language}' edition; add it to its editions "
            f"(editions: [{', '.join([*document.edition_languages(), language])}]) first"
        )
    written = 0
    for kind, record_id in editions.shown_records(corpus, document):
        if (kind, record_id, language) in corpus.translations:
            continue
        own = paths.root / editions.source_of(corpus, kind, record_id)[0].path
        target = own.with_name(f"{own.stem}.{language}{own.suffix}")
        if target.exists():
            continue  # there, but not valid: its problems are reported by check
        target.write_text(editions.skeleton(corpus, kind, record_id, language), encoding="utf-8")
        print(f"wrote {paths.shown(target)}")
        written += 1
    print(f"{plural(written, 'translation')} to fill in for {doc_id}.{language}")
    return 0


def _stamp_translation(corpus, paths: Paths, path: Path, fields: list[str]) -> int:
    from advocacy import editions

    shown = paths.shown(path.resolve() if path.is_absolute() else paths.root / path)
    found = [t for t in corpus.translations.values() if t.source.path == shown]
    if not found:
        raise UsageError(f"'{path}' is not a valid translation file (NAME.LANG.yaml)")
    translation = found[0]
    unknown = [name for name in fields if name not in translation.fields]
    if unknown:
        raise UsageError(
            f"{shown} has no translation of '{unknown[0]}'"
            f"{suggest(unknown[0], translation.fields)}; it translates "
            f"{one_of(translation.fields)}"
        )
    original = editions.source_model(corpus, translation.kind, translation.id)
    hashes = {
        name: translation.stamps[name]
        for name in translation.fields
        if name in translation.stamps and fields and name not in fields
    }
    for name in translation.fields:
        if not fields or name in fields:
            hashes[name] = editions.field_hash(getattr(original, name))
    hashes = {name: hashes[name] for name in translation.fields if name in hashes}
    target = paths.root / shown
    raw = target.read_bytes()
    text = editions.stamp(translation.source.text, hashes, translation.source)
    if b"\r\n" in raw:
        text = text.replace("\n", "\r\n")
    data = (b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b"") + text.encode("utf-8")
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(data)
    partial.replace(target)
    stamped = [name for name in translation.fields if not fields or name in fields]
    print(f"stamped {shown}: {', '.join(stamped)}")
    return 0


def cmd_serve(args, paths: Paths) -> int:
    from advocacy.serve import serve

    return serve(paths, port=args.port, host=args.host, strict=args.strict)


def cmd_release(args, paths: Paths) -> int:
    from advocacy.build import load_project
    from advocacy.bundle import file_size
    from advocacy.release import clean_repository, release

    git = clean_repository(paths)  # first: a release is of a commit
    project = load_project(paths, args.strict)
    documents = project.corpus.documents
    if args.document not in documents:
        hint = suggest(args.document, documents)
        raise UsageError(
            f"no document '{args.document}'{hint}; expected one of {one_of(documents)}"
        )
    done = release(paths, args.document, project=project, git=git)
    since = f"changes since {done.previous}" if done.previous else "its first release"
    print(f"released {paths.shown(done.folder)}/ ({done.tag}; CHANGES.md: {since})")
    for path, size in done.sizes:
        print(f"  {paths.shown(path)}  {file_size(size)}")
    _print_notes(done.warnings, levels={"warning"})
    if not any("subset" in w.message for w in done.warnings):
        print("every PDF embeds its fonts as subsets")
    return 0


def cmd_import_docx(args, paths: Paths) -> int:
    from advocacy.wordimport import diff, import_docx

    changes, problems = import_docx(paths, args.file, write=args.apply)
    for change in changes:
        print(diff(change))
    _print_notes(problems, levels={"warning", "note"})
    verb = "written into the YAML" if args.apply else "to import (run again with --apply)"
    fields, shown = plural(len(changes), "field"), paths.shown(args.file.absolute())
    print(f"{fields} changed in {shown}, {verb}" if changes else f"no field changed in {shown}")
    return 0


COMMANDS = {
    "build": cmd_build,
    "import-docx": cmd_import_docx,
    "catalog": cmd_catalog,
    "check": cmd_check,
    "index": cmd_index,
    "serve": cmd_serve,
    "list": cmd_list,
    "new": cmd_new,
    "release": cmd_release,
    "schema": cmd_schema,
    "trace": cmd_trace,
    "translations": cmd_translations,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
