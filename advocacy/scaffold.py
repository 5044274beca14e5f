"""`advocacy new DIR`: the content of a new network's project, ready to build.

It copies `templates/new/`: a project.yaml with the network's name, one
record of each kind and one document of each type (small, and true: they
draw on the synthesis the default content is built from, and cite it), an
example logo, a CSV, a bibliography, and the editor settings that map each
content folder to its JSON Schema. What it writes passes `advocacy --strict
check` and builds as it is; the network then replaces it, file by file.
"""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

from advocacy.config import PACKAGE_ROOT, Paths
from advocacy.errors import AdvocacyError, Problem

SCAFFOLD = "new"  # under templates/
PLACEHOLDERS = ("__NAME__", "__SHORT__", "__DATE__")
NOTHING_WRITTEN = "nothing was written."


def new_project(target: Path, name: str, short_name: str, templates: Path) -> list[Path]:
    """Write target/content (and the editor settings and schemas when absent)."""
    source = templates / SCAFFOLD / "content"
    content = target / "content"
    shown = _shown(content)
    if content.exists() and any(content.iterdir()):
        message = "the folder exists and is not empty; choose another folder, or move it away"
        raise AdvocacyError([Problem(shown, 0, 0, message)], NOTHING_WRITTEN)
    today = datetime.date.today()
    values = {"__NAME__": name, "__SHORT__": short_name, "__DATE__": f"{today:%Y-%m}"}
    partial = target / ".content.partial"
    shutil.rmtree(partial, ignore_errors=True)
    written = []
    try:
        for path in sorted(source.rglob("*")):
            if path.is_dir():
                continue
            relative = path.relative_to(source)
            out = partial / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix in {".yaml", ".bib", ".csv"}:
                text = path.read_text(encoding="utf-8")
                for placeholder in PLACEHOLDERS:
                    text = text.replace(placeholder, _yaml_safe(values[placeholder]))
                out.write_text(text, encoding="utf-8")
            else:
                out.write_bytes(path.read_bytes())
            written.append(content / relative)
        if content.exists():
            content.rmdir()
        partial.replace(content)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        message = f"cannot write the new project: {exc.strerror or exc}"
        raise AdvocacyError([Problem(shown, 0, 0, message)], NOTHING_WRITTEN) from None
    written += _editor_settings(target)
    return written


def _yaml_safe(value: str) -> str:
    """A name as a YAML plain scalar can hold it; quoted when it must be."""
    plain = value.strip()
    if not plain or any(c in plain for c in ":#{}[],&*!|>'\"%@`") or plain[0] in "-?":
        return json.dumps(plain, ensure_ascii=False)
    return plain


def _editor_settings(target: Path) -> list[Path]:
    """.vscode/settings.json and schemas/, so an editor checks each file as it is typed."""
    from advocacy import schema
    from advocacy.evidence import write_evidence_schema

    written = []
    settings = target / ".vscode" / "settings.json"
    house = PACKAGE_ROOT / ".vscode" / "settings.json"
    if not settings.exists() and house.is_file():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(house.read_text(encoding="utf-8"), encoding="utf-8")
        written.append(settings)
    folder = target / "schemas"
    if not folder.exists():
        folder.mkdir(parents=True)
        for kind, found in schema.json_schemas().items():
            path = folder / f"{kind}.schema.json"
            path.write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n", "utf-8")
            written.append(path)
        written.append(write_evidence_schema(folder))
    return written


def _shown(path: Path) -> str:
    return Paths.at(Path.cwd()).shown(path)
