"""Real `plan --json` output of the samples, for the policy and contract tests.

Fixtures are taken from the program as it registers today, never written by hand, so a test
breaks when a component's shape drifts away from what a policy reads.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

from phxstack.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = {"fly": ROOT / "infera.yaml", "gcp": ROOT / "examples" / "gcp" / "infera.yaml"}
STACKS = ("dev", "staging", "prod")


def run_plan(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["plan", *argv])
    return code, out.getvalue(), err.getvalue()


@cache
def _plan_text(provider: str, stack: str) -> str:
    code, out, err = run_plan(
        "--config", str(SAMPLES[provider]), "--stack", stack, "--project-dir", str(ROOT), "--json"
    )
    assert code == 0, err
    return out


def sample_plan(provider: str, stack: str) -> dict[str, Any]:
    """A fresh copy of the sample's plan, safe to mutate."""
    plan: dict[str, Any] = json.loads(_plan_text(provider, stack))
    return plan


def resources(provider: str, stack: str) -> list[dict[str, Any]]:
    return copy.deepcopy(sample_plan(provider, stack)["resources"])


def one(rs: list[dict[str, Any]], type_token: str) -> dict[str, Any]:
    found = [r for r in rs if r["type"] == type_token]
    assert len(found) == 1, f"expected one {type_token}, found {[r['name'] for r in found]}"
    return found[0]
