"""JSON Schema for editors: exported from the same models, and it agrees with them."""

from __future__ import annotations

import datetime
import json

import jsonschema
import pytest
import yaml

from advocacy.cli import main
from advocacy.content import KIND_FOLDERS
from advocacy.schema import json_schemas
from conftest import ROOT

SCHEMAS = json_schemas()
CONTENT = [
    (kind if "." not in path.stem else f"{kind}.translation", path)  # NAME.LANG.yaml
    for kind, folder in KIND_FOLDERS.items()
    for path in sorted((ROOT / "content" / folder).glob("*.yaml"))
] + [("project", ROOT / "content" / "project.yaml")]
CONTENT += [("project.translation", p) for p in sorted((ROOT / "content").glob("project.*.yaml"))]


def as_an_editor_reads_it(path):
    """What a YAML language server sees: typed scalars, dates as text."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def plain(value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return plain(data)


@pytest.mark.parametrize(("kind", "path"), CONTENT, ids=lambda v: getattr(v, "name", v))
def test_every_content_file_is_valid_against_its_schema(kind, path):
    jsonschema.validate(as_an_editor_reads_it(path), SCHEMAS[kind])


def test_a_bad_file_is_rejected_by_the_schema():
    bad = {"name": "X", "statement": "S", "reaches": "urban-poor", "colour": "red"}
    errors = list(jsonschema.Draft202012Validator(SCHEMAS["initiative"]).iter_errors(bad))
    messages = sorted(error.message for error in errors)
    assert messages == [
        "'urban-poor' is not of type 'array'",
        "Additional properties are not allowed ('colour' was unexpected)",
    ]


def test_addressees_are_ids_with_the_house_list_as_examples():
    # a project may declare its own actors (content/actors.yaml): the list is not closed
    schema = SCHEMAS["recommendation"]
    items = schema["properties"]["addressed_to"]["items"]
    assert "enum" not in items and items["pattern"] == "^[a-z0-9][a-z0-9-]*$"
    assert items["examples"][:2] == ["national-government", "local-government"]


def test_the_committed_schemas_are_current(tmp_path, capsys):
    assert main(["--root", str(ROOT), "schema", "--dir", str(tmp_path)]) == 0
    for written in tmp_path.iterdir():
        committed = ROOT / "schemas" / written.name
        assert json.loads(committed.read_text()) == json.loads(written.read_text()), (
            f"run `advocacy schema` to refresh {committed.name}"
        )


def test_the_editor_settings_map_every_folder_to_its_schema():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text())
    mapping = settings["yaml.schemas"]
    mapped = {glob for globs in mapping.values() for glob in globs}
    folders = KIND_FOLDERS.values()
    assert mapped == (
        {f"content/{folder}/*.yaml" for folder in folders}
        | {f"!content/{folder}/*.*.yaml" for folder in folders}  # translations: NAME.LANG.yaml
        | {f"content/{folder}/*.*.yaml" for folder in folders}
        | {"content/project.yaml", "content/project.*.yaml"}
    )
    for kind, folder in KIND_FOLDERS.items():
        assert mapping[f"./schemas/{kind}.translation.schema.json"] == [
            f"content/{folder}/*.*.yaml"
        ]
        assert (ROOT / "schemas" / f"{kind}.translation.schema.json").is_file()
