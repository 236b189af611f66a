"""Export the infera.yaml schema as JSON Schema (draft 2020-12), for editors and CI.

Owns the export only. The rules themselves live in `config.model`; this module adds what an
editor needs on top of pydantic's output: the dialect, an id, a title, and each key's default
written the way a person would type it (`'1gb'`, not 1024), including defaults that pydantic
leaves out because they come from a factory.

Regenerate the committed file with `python -m config.schema`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from config.model import InferaConfig

SCHEMA_PATH = Path(__file__).with_name("infera.schema.json")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
# A URN, not a URL: the schema is found beside the file, never fetched.
SCHEMA_ID = "urn:phoenix-stack:infera.yaml:schema"
TITLE = "infera.yaml"


def model_classes(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    """`model` and every model nested in its fields, each once."""
    seen: set[type[BaseModel]] = set()
    todo = [model]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        yield current
        for info in current.model_fields.values():
            todo.extend(_nested(info.annotation))


def _nested(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _nested(arg)


def field_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """Each optional field's default as JSON, serialised by the field's own serializer."""
    present = {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if not info.is_required()
    }
    # model_construct skips validation, so required fields can stay unset; the dump includes
    # only the fields that have defaults.
    instance = model.model_construct(**present)
    dumped = instance.model_dump(mode="json", include=set(present))
    return {name: dumped[name] for name in present}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of infera.yaml, with every key's description and default."""
    body = InferaConfig.model_json_schema()
    defs = body.get("$defs", {})
    for model in model_classes(InferaConfig):
        node = body if model is InferaConfig else defs[model.__name__]
        for name, default in field_defaults(model).items():
            node["properties"][name]["default"] = default
    return {"$schema": DIALECT, "$id": SCHEMA_ID, **body, "title": TITLE}


def render() -> str:
    """The exact text committed as `config/infera.schema.json`."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write `config/infera.schema.json`; `--check` only reports whether it is current."""
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if args == ["--check"]:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH} is stale; run `python -m config.schema`", file=sys.stderr)
            return 1
        return 0
    if args:
        print("usage: python -m config.schema [--check]", file=sys.stderr)
        return 2
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
