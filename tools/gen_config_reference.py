"""Render the infera.yaml reference (every key: dotted path, type, default, description) as a
Markdown table, from the exported JSON Schema and so from the model itself.

Owns the README block between `<!-- config-reference:start -->` and `<!-- config-reference:end -->`
and nothing else in README.md.

    python tools/gen_config_reference.py            print the table
    python tools/gen_config_reference.py --write    replace the README block
    python tools/gen_config_reference.py --check    exit 1 when the README block is stale
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from config.schema import json_schema  # noqa: E402

README = ROOT / "README.md"
START = "<!-- config-reference:start -->"
END = "<!-- config-reference:end -->"
REGENERATE = "run `python tools/gen_config_reference.py --write`"
HEADER = "| Key | Type | Default | Description |\n|---|---|---|---|"


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """The object schema a property holds (directly, as `X | null`, as a list of X or a mapping
    of names to X), and the key suffix its fields are listed under (`.`, `[].`, `.<name>.`)."""
    for option in [prop, *prop.get("anyOf", [])]:
        for inner, suffix in (
            (option, "."),
            (option.get("items") or {}, "[]."),
            (option.get("additionalProperties") or {}, ".<name>."),
        ):
            ref = inner.get("$ref") if isinstance(inner, dict) else None
            if ref:
                return defs[ref.rsplit("/", 1)[-1]], suffix
    return None


def _type(prop: dict[str, Any]) -> str:
    options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
    if len(options) == 1 and options[0] is not prop:
        inner = {**options[0], "examples": prop.get("examples", options[0].get("examples"))}
        return _type(inner)
    examples = prop.get("examples") or []
    if examples and str(examples[0]).startswith("/app/bin/"):
        return "command (text or list)"
    if examples and str(examples[0]).endswith("mb"):
        return "size (`512mb`, `1gb`, `2Gi`)"
    if examples and str(examples[0]).endswith("s"):
        return "duration (`10s`, `1m30s`, `500ms`)"
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop and len(prop["enum"]) <= 6:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "enum" in prop or any("enum" in o for o in prop.get("anyOf", [])):
        return "a name from the provider's list"
    kind = prop.get("type")
    if kind == "array":
        return "list of names"
    if kind == "object":
        return "mapping"
    return {"string": "text", "integer": "integer", "boolean": "boolean", "number": "number"}.get(
        str(kind), str(kind)
    )


def _default(value: Any, prop: dict[str, Any]) -> str:
    if "default" not in prop:
        return "required"
    if value is None:
        # Provider- or stack-dependent defaults are spelled out in the description.
        return "see description" if "default" in str(prop.get("description", "")) else "none"
    if isinstance(value, dict) and value:
        return "see below"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "see description"
    return f"`{json.dumps(value)}`" if not isinstance(value, str) else f"`{value}`"


def _rows(node: dict[str, Any], defs: dict[str, Any], prefix: str) -> Iterator[str]:
    for name, prop in node["properties"].items():
        key = f"{prefix}{name}"
        nested = _resolve(prop, defs)
        description = str(prop.get("description", "")).replace("|", "\\|")
        kinds = {".": "mapping", "[].": "list of mappings", ".<name>.": "mapping of names"}
        kind = kinds[nested[1]] if nested is not None else _type(prop)
        yield f"| `{key}` | {kind} | {_default(prop.get('default'), prop)} | {description} |"
        if nested is not None:
            yield from _rows(nested[0], defs, f"{key}{nested[1]}")


def render_reference() -> str:
    """The Markdown table, one row per key, in the order the model declares them."""
    body = json_schema()
    return "\n".join([HEADER, *_rows(body, body.get("$defs", {}), "")]) + "\n"


def replace_block(readme: str, table: str) -> str:
    """`readme` with only the text between the markers replaced by `table`."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {START} ... {END} block")
    return readme[: start + len(START)] + "\n" + table + readme[end:]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    table = render_reference()
    if not args:
        sys.stdout.write(table)
        return 0
    if args not in (["--write"], ["--check"]):
        print(__doc__, file=sys.stderr)
        return 2
    current = README.read_text(encoding="utf-8")
    wanted = replace_block(current, table)
    if args == ["--check"]:
        if current != wanted:
            print(f"README.md config reference is stale; {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        README.write_text(wanted, encoding="utf-8")
    print(f"updated {README}" if current != wanted else f"{README} is current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
