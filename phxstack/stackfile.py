"""Read `Pulumi.<stack>.yaml` the way Pulumi does, without decrypting anything.

Plain values pass through as strings (non-strings as JSON, as Pulumi stores them); `secure:`
values count as set and are replaced by a placeholder that is itself marked secret, so it
prints as `[secret]` and never as ciphertext. The program's own settings are in the project's
namespace (`<project>:flyOrg`), the project being Pulumi.yaml's `name`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError, Problem

ENCRYPTED_PLACEHOLDER = "<encrypted in Pulumi stack config>"
# This checkout's project name. `phxstack init` names a project after its app instead, so two
# apps' stacks never share a name (a stack is org/<project>/<stack>).
DEFAULT_PROJECT = "phoenix"


@dataclass(frozen=True)
class StackFile:
    """Config from one stack file: plain values and secret values, keyed `namespace:key`."""

    path: Path
    plain: dict[str, str] = field(default_factory=dict)
    secret: dict[str, str] = field(default_factory=dict)
    # The project's namespace, which `pulumi config set NAME` (no namespace) writes to.
    namespace: str = DEFAULT_PROJECT

    def key(self, name: str) -> str:
        """The full key of one of the program's own settings, e.g. `shop:flyOrg`."""
        return f"{self.namespace}:{name}"

    def own(self, name: str) -> str | None:
        """The plain value of one of the program's own settings."""
        return self.plain.get(self.key(name))


def project_name(project_dir: Path) -> str:
    """Pulumi.yaml's `name` in `project_dir`; this checkout's name when there is none to read
    (Pulumi itself refuses such a project, and `validate` checks the file)."""
    try:
        data = yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return DEFAULT_PROJECT
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name else DEFAULT_PROJECT


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def secret_state(stack_file: StackFile, key: str) -> str:
    """Where a supplied secret's value is: "secret", "plain" (in clear: refused) or "missing"."""
    if key in stack_file.secret:
        return "secret"
    return "plain" if key in stack_file.plain else "missing"


def read_stack_file(project_dir: Path, stack: str, namespace: str | None = None) -> StackFile:
    """`Pulumi.<stack>.yaml` in `project_dir`; keys without a namespace are the project's."""
    default_namespace = namespace or project_name(project_dir)
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return StackFile(path, namespace=default_namespace)
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
    return StackFile(path, plain, secret, default_namespace)
