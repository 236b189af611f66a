"""`phxstack plan`: run the real program (`__main__.py`) under Pulumi's mock runtime.

Owns turning a recorded run into the plan's data: the resource list with wire-named inputs,
secrets replaced by `[secret]`, unknowns by `[unknown]`, and the stack outputs. Text rendering
is in `phxstack.render`. Needs no credentials and no network.
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.context import CONFIG_KEY
from config.errors import ConfigError, Problem
from phxstack.mocks import DYNAMIC_PROVIDER_KEY, ProgramRun, is_secret, is_unknown, run_program
from phxstack.stackfile import project_name, read_stack_file

SECRET = "[secret]"
UNKNOWN = "[unknown]"
PLAN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Plan:
    stack: str
    provider: str
    run: ProgramRun

    def to_json(self) -> dict[str, Any]:
        """The documented, stable `plan --json` shape (see phxstack/plan.schema.json)."""
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "stack": self.stack,
            "provider": self.provider,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "parent": r.parent,
                    "custom": r.custom,
                    "protect": r.protect,
                    "inputs": sanitize(
                        {k: v for k, v in r.inputs.items() if k != DYNAMIC_PROVIDER_KEY}
                    ),
                    "dependencies": list(r.dependencies),
                }
                for r in self.run.registrations
            ],
            "outputs": {k: sanitize(v) for k, v in sorted(self.run.outputs.items())},
        }


def sanitize(value: Any) -> Any:
    """JSON-safe, with every secret as `[secret]` and every unknown as `[unknown]`."""
    if is_secret(value):
        return SECRET
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, dict):
        return {str(k): sanitize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [sanitize(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire carries every number as a double
    if value is None or isinstance(value, str | int | float | bool):
        return value
    path = getattr(value, "path", None)  # pulumi FileAsset / FileArchive
    return f"<{type(value).__name__} {path}>" if path else f"<{type(value).__name__}>"


def make_plan(
    config_path: Path,
    stack: str,
    project_dir: Path,
    defaults: dict[str, str] | None = None,
) -> Plan:
    """Run `__main__.py` for `stack` with `config_path`; ConfigError propagates unchanged.

    `defaults` fills stack settings the stack file leaves out (`cost` prices a stack that has
    no GCP project yet: the estimate does not depend on it).
    """
    from config.loader import load_config

    infera = load_config(config_path, stack)  # fail before any resource, like the program
    project = project_name(project_dir)
    stack_file = read_stack_file(project_dir, stack, project)
    config = {
        **(defaults or {}),
        **stack_file.plain,
        stack_file.key(CONFIG_KEY): str(config_path.resolve()),
    }
    main = project_dir / "__main__.py"
    if not main.is_file():
        raise ConfigError(
            [
                Problem(
                    str(main),
                    1,
                    1,
                    "",
                    "no Pulumi program here; run phxstack from the project directory or pass "
                    "--project-dir",
                )
            ]
        )
    run = run_program(
        lambda: runpy.run_path(str(main), run_name="__main__"),
        stack=stack,
        project=project,
        config=config,
        secret_config=stack_file.secret,
        preview=True,
        gcp_project=config.get("gcp:project", "plan-project"),
    )
    return Plan(stack, infera.provider, run)
