"""What changed in a document's content between two releases: CHANGES.md.

The records a document shows (build.shown_records), with their translations
into its editions' languages and project.yaml, are compared field by field as
loaded, so a change of layout or comments in a YAML file is no change, and a
change in a record the document does not show is not its change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advocacy.editions import PROJECT

SHORT = 70  # a value up to this long is quoted whole
CONTEXT = 4  # words kept on each side of a change in a long text
LONGEST = 160  # the most of a value quoted


@dataclass(frozen=True)
class Release:
    """A release to compare with: its edition, tag and commit, and its corpus."""

    edition: str
    tag: str
    commit: str
    corpus: Any  # the corpus as loaded from the release's commit
    unread: tuple[str, ...] = ()  # files of that release this version cannot read


def shown_content(corpus, document) -> dict[str, tuple[str, dict]]:
    """By YAML file: (what it is, its fields flattened) for all the document shows."""
    from advocacy.build import shown_records

    found: dict[str, tuple[str, dict]] = {}
    records = sorted(shown_records(corpus, document))
    for kind, record_id in records:
        source = corpus.sources[(kind, record_id)]
        model = corpus.records[kind][record_id]
        found[source.path] = (f"{kind} '{record_id}'", flatten(_dump(model, {"id"})))
    if corpus.project is not None and corpus.project_source is not None:
        found[corpus.project_source.path] = ("the project", flatten(_dump(corpus.project)))
    for language in document.edition_languages()[1:]:
        for kind, record_id in [*records, PROJECT]:
            own = corpus.translations.get((kind, record_id, language))
            if own is not None:
                what = f"the {language} translation of " + (
                    "the project" if (kind, record_id) == PROJECT else f"{kind} '{record_id}'"
                )
                found[own.source.path] = (what, flatten(_dump(own.fields)))
    return found


def _dump(value: Any, exclude: set[str] | None = None) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude=exclude, exclude_none=True)
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return str(value) if isinstance(value, str) else value


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Fields as dotted paths to their values as text: 'authors[0].name'. A list of
    plain values is one value, its items joined by ', '."""
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, inner in value.items():
            out |= flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        out = {}
        for index, inner in enumerate(value):
            out |= flatten(inner, f"{prefix}[{index}]")
        return out
    if isinstance(value, list):
        return {prefix: ", ".join(str(v) for v in value)} if value else {}
    return {prefix: " ".join(str(value).split())}


def changes(before: dict[str, tuple[str, dict]], after: dict[str, tuple[str, dict]]):
    """[(file, heading, [lines])] for each file added, removed or changed, by path."""
    found = []
    for path in sorted(before.keys() | after.keys()):
        if path not in before:
            what, fields = after[path]
            found.append((path, f"{what}, added", [f"with {_names(fields)}"]))
        elif path not in after:
            what, fields = before[path]
            found.append((path, f"{what}, removed", [f"had {_names(fields)}"]))
        else:
            lines = field_changes(before[path][1], after[path][1])
            if lines:
                found.append((path, after[path][0], lines))
    return found


def _names(fields: dict) -> str:
    names = list(dict.fromkeys(name.split(".")[0].split("[")[0] for name in fields))
    return ", ".join(f"`{name}`" for name in names) or "no fields"


def field_changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """One line per field added, removed or changed, in the order of the fields."""
    lines = []
    for name in list(dict.fromkeys([*new, *old])):
        if name not in old:
            lines.append(f"`{name}` added: {_quote(new[name])}")
        elif name not in new:
            lines.append(f"`{name}` removed (was {_quote(old[name])})")
        elif old[name] != new[name]:
            before, after = shortened(old[name], new[name])
            lines.append(f"`{name}` changed: {before} → {after}")
    return lines


def shortened(old: str, new: str) -> tuple[str, str]:
    """Two values quoted; long ones cut to the words that changed and a few around them."""
    if len(old) <= SHORT and len(new) <= SHORT:
        return _quote(old), _quote(new)
    a, b = old.split(), new.split()
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    keep_start, keep_end = max(0, start - CONTEXT), max(0, end - CONTEXT)
    return _excerpt(a, keep_start, keep_end), _excerpt(b, keep_start, keep_end)


def _excerpt(words: list[str], start: int, end: int) -> str:
    text = " ".join(words[start : len(words) - end])
    if len(text) > LONGEST:
        text = text[: LONGEST - 1].rstrip() + "…"
    return f'"{"…" if start else ""}{text}{"…" if end else ""}"'


def _quote(text: str) -> str:
    return f'"{text}"' if len(text) <= LONGEST else f'"{text[: LONGEST - 1].rstrip()}…"'


def changes_md(document, edition: str, commit: str, now: dict, previous: Release | None) -> str:
    """CHANGES.md of a release: what changed since the previous one, file by file."""
    title = f"# {document.id} {edition}\n\n"
    if previous is None:
        return (
            f"{title}The first release of {document.id}, from commit {commit[:12]}: there "
            "is no earlier release to compare with.\n"
        )
    earlier = previous.corpus.documents.get(document.id)
    found = changes(shown_content(previous.corpus, earlier) if earlier else {}, now)
    lines = [
        f"{title}Changes in the content {document.id} shows since edition {previous.edition} "
        f"(tag {previous.tag}, commit {previous.commit[:12]}), up to commit {commit[:12]}.\n"
    ]
    if previous.unread:
        files = ", ".join(previous.unread)
        lines.append(f"\nNot compared, since this version cannot read them as released: {files}.\n")
    if not found:
        lines.append("\nNothing the document shows has changed.\n")
    for path, heading, items in found:
        lines.append(f"\n## {path} ({heading})\n\n" + "".join(f"- {i}\n" for i in items))
    return "".join(lines)
