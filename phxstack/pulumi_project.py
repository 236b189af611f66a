"""Pulumi's own rules for a project file (Pulumi.yaml), as a pure checker.

Owns answering "would `pulumi` load this Pulumi.yaml, and would the Python language host accept
its runtime options?" without the CLI, for this project's Pulumi.yaml, the consumer example's
and every one `phxstack init` writes. Reading and writing the files is the callers'.

Ported from pulumi/pulumi v3.259 (rules only, no text copied):
- sdk/go/common/workspace/loaders.go `LoadProjectBytes`: `ValidateProject` (the name, then the
  JSON schema), the old `config: <dir>` form moved to `stackConfigDir`, short-hand config values
  rewritten, then `Project.Validate`.
- sdk/go/common/workspace/project.json: the schema; ported here are the keys this project and
  `init` can write (name, description, author, website, license, main, stackConfigDir, runtime,
  config, backend, options). `template`, `packages` and `plugins` are only type-checked.
- sdk/go/common/workspace/project.go: `RewriteShorthandConfigValues` (a bare string, integer,
  boolean or list is a `default` when the key is the project's, a `value` otherwise),
  `Project.Validate` (a type or default only on a key in the project's namespace; a key in
  another namespace needs a value; not both default and value; an array type names its items; a
  default has the declared type) and `ValidateConfigValue`.
- sdk/python/cmd/pulumi-language-python/main.go `parseOptions`: `virtualenv` a string,
  `toolchain` one of pip, poetry, uv, `typechecker` one of mypy, pyright.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

SIMPLE_TYPES = ("string", "integer", "boolean", "array", "object")
_STRING_OR_NULL = ("description", "author", "website", "license", "main", "stackConfigDir")
_DECLARATION_KEYS = ("type", "items", "description", "secret", "default", "value")
_PYTHON_TOOLCHAINS = ("pip", "poetry", "uv")
_PYTHON_TYPECHECKERS = ("mypy", "pyright")
# Go's strconv.Atoi: an optional sign, then decimal digits.
_ATOI = re.compile(r"[+-]?[0-9]+")
# findClosestKey's tolerance (project.go, maxValidationAttributeDistance).
_MAX_DISTANCE = 2


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def closest(needle: str, candidates: Any) -> str | None:
    """The nearest name within two edits, alphabetically first on a tie (`findClosestKey`)."""
    best: tuple[int, str] | None = None
    for name in sorted(str(c) for c in candidates):
        d = _levenshtein(needle, name)
        if d <= _MAX_DISTANCE and (best is None or d < best[0]):
            best = (d, name)
    return best[1] if best else None


def _not_allowed(path: str, key: str, allowed: tuple[str, ...]) -> str:
    near = closest(key, allowed)
    hint = (
        f"; did you mean '{near}'?"
        if near
        else f"; the allowed attributes are {', '.join(allowed)}"
    )
    return f"{path}: additional property '{key}' not allowed{hint}"


def _items_problems(path: str, items: Any) -> list[str]:
    """`configItemsType`: an object with a `type`; an array's items name theirs."""
    if not isinstance(items, Mapping):
        return [f"{path}: items must be an object with a 'type'"]
    problems: list[str] = []
    kind = items.get("type")
    if "type" not in items:
        problems.append(f"{path}: items is missing 'type'")
    elif isinstance(kind, Mapping):
        problems += _items_problems(f"{path}/type", kind)
    elif kind not in SIMPLE_TYPES:
        problems.append(f"{path}/type: {kind!r} is not one of {', '.join(SIMPLE_TYPES)}")
    if kind == "array" and "items" not in items:
        problems.append(f"{path}: an array's items must name their own 'items'")
    if "items" in items:
        problems += _items_problems(f"{path}/items", items["items"])
    return problems


def _config_value_schema(path: str, value: Any) -> list[str]:
    """One `config:` entry against the schema: a string, integer, boolean, list or declaration."""
    if isinstance(value, str | bool | list) or _is_int(value):
        return []
    if not isinstance(value, Mapping):
        return [
            f"{path}: {value!r} is neither a string, an integer, a boolean, a list nor a "
            "declaration (type, items, description, secret, default, value)"
        ]
    problems = [
        _not_allowed(path, str(k), _DECLARATION_KEYS) for k in value if k not in _DECLARATION_KEYS
    ]
    if "type" in value and value["type"] not in SIMPLE_TYPES:
        problems.append(f"{path}/type: {value['type']!r} is not one of {', '.join(SIMPLE_TYPES)}")
    if "items" in value:
        problems += _items_problems(f"{path}/items", value["items"])
    if "description" in value and not isinstance(value["description"], str):
        problems.append(f"{path}/description: must be a string")
    if "secret" in value and not isinstance(value["secret"], bool):
        problems.append(f"{path}/secret: must be true or false")
    return problems


def _runtime_problems(runtime: Any) -> list[str]:
    if isinstance(runtime, str):
        return [] if runtime else ["#/runtime: the runtime name must not be empty"]
    if not isinstance(runtime, Mapping):
        return ["#/runtime: must be a name or an object with name and options"]
    problems = [
        _not_allowed("#/runtime", str(k), ("name", "options"))
        for k in runtime
        if k not in ("name", "options")
    ]
    name = runtime.get("name")
    if "name" in runtime and (not isinstance(name, str) or not name):
        problems.append("#/runtime/name: must be a non-empty string")
    if "options" in runtime and not isinstance(runtime["options"], Mapping):
        problems.append("#/runtime/options: must be an object")
    return problems


def _schema_problems(doc: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for key in _STRING_OR_NULL:
        if doc.get(key) is not None and not isinstance(doc[key], str):
            problems.append(f"#/{key}: must be a string")
    if "runtime" in doc:
        problems += _runtime_problems(doc["runtime"])
    config = doc.get("config")
    if isinstance(config, Mapping):
        for key, value in config.items():
            # The schema also declares `secret` as a boolean property of `config` itself.
            if key == "secret":
                if not isinstance(value, bool):
                    problems.append("#/config/secret: must be true or false")
                continue
            problems += _config_value_schema(f"#/config/{key}", value)
    elif config is not None and not isinstance(config, str):
        problems.append("#/config: must be an object (or, deprecated, a directory)")
    backend = doc.get("backend")
    if isinstance(backend, Mapping):
        problems += [_not_allowed("#/backend", str(k), ("url",)) for k in backend if k != "url"]
        if "url" in backend and not isinstance(backend["url"], str):
            problems.append("#/backend/url: must be a string")
    elif backend is not None:
        problems.append("#/backend: must be an object")
    options = doc.get("options")
    if isinstance(options, Mapping):
        problems += [
            _not_allowed("#/options", str(k), ("refresh",)) for k in options if k != "refresh"
        ]
        if "refresh" in options and options["refresh"] != "always":
            problems.append("#/options/refresh: the only value is 'always'")
    elif options is not None:
        problems.append("#/options: must be an object")
    for key in ("template", "packages", "plugins"):
        if doc.get(key) is not None and not isinstance(doc[key], Mapping):
            problems.append(f"#/{key}: must be an object")
    return problems


def namespaced_by_project(project: str, key: str) -> bool:
    return ":" not in key or key.startswith(f"{project}:")


def config_value_ok(type_name: str, items: Any, value: Any) -> bool:
    """`ValidateConfigValue`: whether `value` has the declared type."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if _is_int(value) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and _ATOI.fullmatch(value) is not None
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, Mapping)
    if not isinstance(value, list) or not isinstance(items, Mapping):
        return False
    return all(config_value_ok(str(items.get("type")), items.get("items"), v) for v in value)


def type_name(type_: str, items: Any) -> str:
    """`InferFullTypeName`: `array<string>` for an array of strings."""
    if isinstance(items, Mapping):
        return f"array<{type_name(str(items.get('type')), items.get('items'))}>"
    return type_


def _declaration_problems(project: str, key: str, decl: Mapping[str, Any]) -> list[str]:
    """`Project.Validate` for one declaration (after the short-hand rewrite)."""
    if decl.get("default") is not None and decl.get("value") is not None:
        return [f"config '{key}': has both a 'default' and a 'value'; keep one"]
    typed = decl.get("type") is not None
    if namespaced_by_project(project, key):
        if typed and decl["type"] == "array" and decl.get("items") is None:
            return [f"config '{key}': an array type must name its element type under 'items'"]
        default = decl.get("default")
        if (
            typed
            and default is not None
            and not config_value_ok(str(decl["type"]), decl.get("items"), default)
        ):
            expected = type_name(str(decl["type"]), decl.get("items"))
            return [f"config '{key}': the default is not of the declared type '{expected}'"]
        return []
    if typed:
        return [
            f"config '{key}': only keys in the project's namespace ('{project}:...') may "
            "declare a type; give a key of another namespace a 'value'"
        ]
    if decl.get("default") is not None:
        return [
            f"config '{key}': a key outside the project's namespace cannot have a default; "
            "use 'value'"
        ]
    if decl.get("value") is None:
        return [f"config '{key}': a key outside the project's namespace needs a 'value'"]
    return []


def python_options_problems(options: Mapping[str, Any]) -> list[str]:
    """The Python language host's `parseOptions`."""
    problems: list[str] = []
    if "virtualenv" in options and not isinstance(options["virtualenv"], str):
        problems.append("runtime.options.virtualenv: must be a string (a directory)")
    for key, allowed in (("typechecker", _PYTHON_TYPECHECKERS), ("toolchain", _PYTHON_TOOLCHAINS)):
        if key not in options:
            continue
        value = options[key]
        if not isinstance(value, str):
            problems.append(f"runtime.options.{key}: must be a string")
        elif value not in allowed:
            choices = ", ".join(allowed)
            problems.append(
                f"runtime.options.{key}: {value!r} is not supported; use one of {choices}"
            )
    return problems


def project_problems(doc: Any) -> list[str]:
    """Every reason `pulumi` would refuse this Pulumi.yaml (parsed); empty when it loads."""
    if not isinstance(doc, Mapping) or not all(isinstance(k, str) for k in doc):
        return ["the project must be an object with string keys"]
    if "name" not in doc:
        near = closest("name", doc)
        return ["the project has no 'name'" + (f"; found '{near}' instead" if near else "")]
    name = doc["name"]
    if not isinstance(name, str) or not name:
        return ["the project's 'name' must be a non-empty string"]
    problems = _schema_problems(doc)
    if problems:
        return problems
    config = doc.get("config")
    if isinstance(config, str):
        if doc.get("stackConfigDir") is not None:
            return ["'config' as a directory and 'stackConfigDir' both set; keep stackConfigDir"]
        config = None
    for key, value in (config or {}).items():
        decl = value
        if isinstance(value, str | bool | list) or _is_int(value):
            # A short-hand: the project's own keys get a default, other namespaces a value.
            decl = {"default" if namespaced_by_project(name, key) else "value": value}
        problems += _declaration_problems(name, key, decl)
    runtime = doc.get("runtime")
    if isinstance(runtime, Mapping) and runtime.get("name") == "python":
        problems += python_options_problems(runtime.get("options") or {})
    return problems
