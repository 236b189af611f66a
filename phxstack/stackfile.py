"""Read `Pulumi.<stack>.yaml` the way Pulumi does, without decrypting anything.

Plain values pass through as strings (non-strings as JSON, as Pulumi stores them); `secure:`
values count as set and are replaced by a placeholder that is itself marked secret, so it
prints as `[secret]` and never as ciphertext.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError, Problem

ENCRYPTED_PLACEHOLDER = "<encrypted in Pulumi stack config>"


@dataclass(frozen=True)
class StackFile:
    """Config from one stack file: plain values and secret values, keyed `namespace:key`."""

    path: Path
    plain: dict[str, str] = field(default_factory=dict)
    secret: dict[str, str] = field(default_factory=dict)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def secret_state(stack_file: StackFile, key: str) -> str:
    """Where a supplied secret's value is: "secret", "plain" (in clear: refused) or "missing"."""
    if key in stack_file.secret:
        return "secret"
    return "plain" if key in stack_file.plain else "missing"


def read_stack_file(project_dir: Path, stack: str, default_namespace: str) -> StackFile:
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return StackFile(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise ConfigError([Problem(str(path), line, col, "", f"invalid YAML: {problem}")]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        message = " ".join(str(exc).split())  # one line, like every other problem
        raise ConfigError([Problem(str(path), 1, 1, "", f"cannot read: {message}")]) from None
    config = data.get("config") or {} if isinstance(data, dict) else {}
    if not isinstance(config, dict):
        raise ConfigError([Problem(str(path), 1, 1, "config", "expected a mapping")])
    plain: dict[str, str] = {}
    secret: dict[str, str] = {}
    for key, value in config.items():
        full = key if ":" in str(key) else f"{default_namespace}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret[full] = ENCRYPTED_PLACEHOLDER
        else:
            plain[full] = _as_text(value)
    return StackFile(path, plain, secret)
