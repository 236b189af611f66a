"""The app-shapes corpus (issue #10): real-world-shaped infera.yaml files and their plans.

Each `tests/shapes/<provider>_<name>.yaml` is an infera.yaml written the way a public Phoenix
app's own team would write it, from that app's deployment as we understand it. Its first line
names the app: `# Modelled on: <app> (<where its deployment is described>)`. A second optional
header line, `# stacks: dev prod`, says which stacks are planned (default: prod).

`test_shapes.py` pins each stack's plan (resources with their inputs, outputs, warnings) in
`golden/<file stem>.<stack>.json`; regenerate them with
`PHXSTACK_UPDATE_GOLDEN=1 scripts/test tests/shapes` and say why in the commit. The provider
tests (`test_fly_shapes.py`, `test_gcp_shapes.py`) assert what each platform reads, through
the helpers here.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from phxstack.cli import main

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
UPDATE = os.environ.get("PHXSTACK_UPDATE_GOLDEN") == "1"
MODELLED_ON = re.compile(r"^# Modelled on: \S.*$")
STACKS_LINE = re.compile(r"^# stacks: ([a-z0-9 -]+)$")
FLY = "pulumi-python:dynamic/fly:"


def configs(provider: str | None = None) -> list[Path]:
    """The corpus files, for one provider (by file name prefix) or all."""
    prefix = f"{provider}_" if provider else ""
    return sorted(p for p in HERE.glob(f"{prefix}*.yaml"))


def stacks_of(path: Path) -> list[str]:
    for line in path.read_text(encoding="utf-8").splitlines()[:3]:
        m = STACKS_LINE.match(line)
        if m:
            return m.group(1).split()
    return ["prod"]


def cases(provider: str | None = None) -> list[tuple[str, str]]:
    """(file name, stack) pairs, for pytest.mark.parametrize."""
    return [(p.name, s) for p in configs(provider) for s in stacks_of(p)]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@cache
def _plan_text(name: str, stack: str) -> str:
    code, out, err = run_cli(
        "plan", "--config", str(HERE / name), "--stack", stack, "--project-dir", str(ROOT),
        "--json",
    )  # fmt: skip
    assert code == 0, f"{name} ({stack}) does not plan:\n{err}"
    return out


def plan(name: str, stack: str = "prod") -> dict[str, Any]:
    """A fresh copy of the config's `plan --json`, safe to mutate."""
    data: dict[str, Any] = json.loads(_plan_text(name, stack))
    return copy.deepcopy(data)


def of_type(data: dict[str, Any], type_token: str) -> list[dict[str, Any]]:
    return [r for r in data["resources"] if r["type"] == type_token]


def one(data: dict[str, Any], type_token: str) -> dict[str, Any]:
    found = of_type(data, type_token)
    assert len(found) == 1, f"expected one {type_token}, found {[r['name'] for r in found]}"
    return found[0]


def fly_toml(name: str, stack: str = "prod") -> dict[str, Any]:
    """The fly.toml the Deploy resource hands to `fly deploy --config`, parsed as flyctl would."""
    deploy = one(plan(name, stack), FLY + "Deploy")
    parsed: dict[str, Any] = tomllib.loads(deploy["inputs"]["config"])
    return parsed


def pinned_shape(data: dict[str, Any]) -> str:
    """What the golden file holds: every resource with its inputs, the outputs, the warnings."""
    rows = [
        {
            "type": r["type"],
            "name": r["name"],
            "protect": r["protect"],
            "inputs": r["inputs"],
            "dependencies": sorted(d.rsplit("::", 1)[-1] for d in r["dependencies"]),
        }
        for r in data["resources"]
    ]
    # GCP registers in the order outputs resolve, which varies from run to run: pin the set.
    rows.sort(key=lambda r: (r["name"], r["type"]))
    # Warnings name the config by absolute path, which differs between checkouts.
    warnings = [w.replace(f"{ROOT}/", "") for w in data["warnings"]]
    body = {"resources": rows, "outputs": data["outputs"], "warnings": warnings}
    return json.dumps(body, indent=1, sort_keys=True) + "\n"


def check_golden(file_name: str, actual: str) -> None:
    path = GOLDEN / file_name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run with PHXSTACK_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), (
        f"the plan of {file_name} differs from its golden copy; if the change is intended, "
        "regenerate with PHXSTACK_UPDATE_GOLDEN=1 and say why in the commit"
    )
