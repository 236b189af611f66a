"""Defaults stay exactly as they were before the app-shape keys (issue #10).

The seed's config renders the same fly.toml byte for byte, and the sample stacks register the
same resources (type, logical name, protection): a key nobody wrote changes nothing. The golden
files were taken from main before any of the new keys existed.

When a change is *meant* to alter the default shape (another issue's work), regenerate them with
`PHXSTACK_UPDATE_GOLDEN=1 scripts/test tests/test_default_shapes.py` and say why in the commit.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "config"))
sys.path.insert(0, str(ROOT))

from cfg_helpers import SEED_YAML, load_text  # noqa: E402

from components.fly.settings import fly_args  # noqa: E402
from components.fly.toml import render  # noqa: E402
from config.context import StackContext  # noqa: E402
from config.loader import load_config  # noqa: E402
from tests.delivery.plans import sample_plan  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "defaults"
UPDATE = os.environ.get("PHXSTACK_UPDATE_GOLDEN") == "1"
STACKS = ("dev", "staging", "prod")


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run with PHXSTACK_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden copy"


def _fly_toml(ctx: StackContext) -> str:
    return render(fly_args(ctx).toml)


@pytest.mark.parametrize("stack", STACKS)
def test_the_seed_config_renders_the_same_fly_toml(stack: str) -> None:
    infera = load_text(SEED_YAML, stack)
    ctx = StackContext(infera=infera, stack=stack, project_dir=ROOT)
    _golden(f"seed-{stack}.fly.toml", _fly_toml(ctx))


@pytest.mark.parametrize("stack", STACKS)
def test_the_sample_config_renders_the_same_fly_toml(stack: str) -> None:
    infera = load_config(ROOT / "infera.yaml", stack)
    ctx = StackContext(infera=infera, stack=stack, project_dir=ROOT)
    _golden(f"sample-{stack}.fly.toml", _fly_toml(ctx))


def _shape(plan: dict[str, Any], inputs: bool) -> str:
    rows = [
        {"type": r["type"], "name": r["name"], "protect": r["protect"]}
        | ({"inputs": r["inputs"]} if inputs else {})
        for r in plan["resources"]
    ]
    rows.sort(key=lambda r: (r["name"], r["type"]))
    return json.dumps({"resources": rows, "outputs": sorted(plan["outputs"])}, indent=1) + "\n"


@pytest.mark.parametrize("provider", ["fly", "gcp"])
@pytest.mark.parametrize("stack", STACKS)
def test_the_samples_register_the_same_resources(provider: str, stack: str) -> None:
    # Fly's inputs too: every flyctl flag the adapter would pass. GCP's shape only, as the GCP
    # components' inputs belong to other work (issue #8) as much as to this one.
    plan = sample_plan(provider, stack)
    _golden(f"{provider}-{stack}.resources.json", _shape(plan, inputs=provider == "fly"))
