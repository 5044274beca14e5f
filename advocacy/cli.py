"""Command line: `advocacy build | check | list`.

Exit status: 0 success, 1 content errors, 2 usage errors. A problem in the
content is printed one line per problem and never as a Python traceback;
`--debug` shows the traceback of an unexpected failure.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from advocacy import __version__, schema
from advocacy.config import Paths
from advocacy.errors import AdvocacyError, one_of, plural, suggest


class UsageError(Exception):
    """The command line asks for something that does not exist."""


class Terminated(Exception):
    """SIGTERM arrived: stop like Ctrl-C does."""


def _on_sigterm(signum, frame):
    raise Terminated()


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="advocacy",
        description="Build policy briefs, position papers and synthesis reports from YAML.",
    )
    top.add_argument("--version", action="version", version=f"advocacy {__version__}")
    top.add_argument("--root", type=Path, default=Path.cwd(), help="project folder (default: .)")
    top.add_argument("--content", type=Path, help="content folder (default: ROOT/content)")
    top.add_argument("--out", type=Path, help="build folder (default: ROOT/build)")
    top.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    top.add_argument("--strict", action="store_true", help="treat warnings as errors")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    build = commands.add_parser("build", help="build documents as HTML and PDF")
    build.add_argument("documents", nargs="*", metavar="DOCUMENT_ID", help="default: all")
    build.add_argument("--html-only", action="store_true", help="skip the PDFs")
    commands.add_parser("check", help="validate the content; build nothing")
    commands.add_parser("list", help="list documents and the records they draw on")
    trace_cmd = commands.add_parser("trace", help="show where a record or citation key is used")
    trace_cmd.add_argument("id", metavar="ID", help="a record id or a citation key")
    schema_cmd = commands.add_parser("schema", help="write JSON Schema files for editors")
    schema_cmd.add_argument(
        "--dir", type=Path, default=None, help="where to write them (default: ROOT/schemas)"
    )
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse prints its own usage message
        return int(exc.code or 0)
    paths = Paths.at(args.root, args.content, args.out)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return COMMANDS[args.command](args, paths)
    except (KeyboardInterrupt, Terminated) as exc:
        print("advocacy: interrupted; every file in build/ is a complete version", file=sys.stderr)
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
    except Exception as exc:  # an unexpected failure: say so plainly
        if args.debug:
            raise
        print(f"advocacy: internal error: {exc!r} (run with --debug for details)", file=sys.stderr)
        return 3
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_build(args, paths: Paths) -> int:
    from advocacy.build import build, load_project

    project = load_project(paths, args.strict)
    only = args.documents or None
    known = project.corpus.documents
    for doc_id in only or []:
        if doc_id not in known:
            raise UsageError(
                f"no document '{doc_id}'{suggest(doc_id, known)}; expected one of {one_of(known)}"
            )
    _print_notes(project.notes, levels={"warning"})
    built = build(paths, only, pdf=not args.html_only, project=project)
    for item in built:
        pages = f", {plural(item.pages, 'page')}" if item.pages else ""
        outputs = " and ".join(paths.shown(p) for p in (item.html, item.pdf) if p)
        print(f"built {outputs}{pages}")
    print(f"built {paths.shown(paths.build / 'index.html')}")
    return 0


def cmd_check(args, paths: Paths) -> int:
    from advocacy.build import load_project

    project = load_project(paths, args.strict)
    _print_notes(project.notes, levels={"warning", "info"})
    total = sum(len(records) for records in project.corpus.records.values())
    warnings = sum(1 for note in project.notes if note.level == "warning")
    print(
        f"content is valid: {plural(total, 'record')}, "
        f"{plural(len(project.bibliography.keys), 'reference')}, "
        f"{plural(warnings, 'warning')}"
    )
    return 0


def _print_notes(notes, levels: set[str]) -> None:
    for note in notes:
        if note.level in levels:
            print(note, file=sys.stderr)


def cmd_list(args, paths: Paths) -> int:
    from advocacy.build import load_project

    corpus = load_project(paths).corpus
    for doc_id, doc in corpus.documents.items():
        print(f"{doc_id}  ({schema.DOCUMENT_TYPE_LABELS[doc.type]}, {doc.date})")
        print(f"  {doc.title}")
        for name in schema.LINKS["document"]:
            value = getattr(doc, name)
            ids = value if isinstance(value, list) else [value] if value else []
            if ids:
                print(f"  {name}: {', '.join(ids)}")
    return 0


def cmd_schema(args, paths: Paths) -> int:
    import json

    folder = args.dir or paths.root / "schemas"
    folder.mkdir(parents=True, exist_ok=True)
    for kind, schema_ in schema.json_schemas().items():
        target = folder / f"{kind}.schema.json"
        target.write_text(
            json.dumps(schema_, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"wrote {paths.shown(target)}")
    from advocacy.evidence import write_evidence_schema

    print(f"wrote {paths.shown(write_evidence_schema(folder))}")
    return 0


def cmd_trace(args, paths: Paths) -> int:
    from advocacy.build import load_project, render_html
    from advocacy.evidence import trace

    project = load_project(paths)
    rendered = {
        doc_id: render_html(project, document)
        for doc_id, document in project.corpus.documents.items()
    }
    lines = trace(project, args.id, rendered)
    if not lines:
        known = sorted(project.bibliography.keys) + sorted(
            i for records in project.corpus.records.values() for i in records
        )
        raise UsageError(f"no record or citation key '{args.id}'{suggest(args.id, known)}")
    print("\n".join(lines))
    return 0


COMMANDS = {
    "build": cmd_build,
    "check": cmd_check,
    "list": cmd_list,
    "schema": cmd_schema,
    "trace": cmd_trace,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
