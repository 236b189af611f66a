"""`overrides.policies`: a policy waived on purpose, with a reason, in every place it is checked:
`plan` (text and --json), `plan --strict`, the CrossGuard pack's config, and the pack itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from phxstack.cli import main
from phxstack.policy_run import main as policy_run_main
from policy.checks import POLICIES, PROTECTED_POLICIES, Context, violations
from policy.pack import PhoenixPolicy
from tests.delivery.plans import ROOT, resources, run_plan
from tests.delivery.test_policy_pack import _engine_args

REASON = "single-instance by design: SQLite on a volume has one writer"
IMAGE = "registry.fly.io/notebook@sha256:" + "0123456789abcdef" * 4


def _config(tmp_path: Path, overrides: dict[str, Any] | None) -> Path:
    data: dict[str, Any] = {
        "project_name": "notebook",
        "provider": "fly",
        "app": {"image": IMAGE},
        "deployment": {"machines": {"count": 1}},
    }
    if overrides is not None:
        data["overrides"] = overrides
    path = tmp_path / "infera.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _plan(config: Path, *extra: str) -> tuple[int, str, str]:
    return run_plan("--config", str(config), "--stack", "prod", "--project-dir", str(ROOT), *extra)


def test_a_single_instance_prod_app_fails_strict_without_the_override(tmp_path: Path) -> None:
    code, out, _ = _plan(_config(tmp_path, None), "--strict", "--json")
    assert code == 3
    assert "machine-count" in {v["policy"] for v in json.loads(out)["violations"]}


def test_the_override_passes_strict_and_the_plan_shows_it_with_its_reason(tmp_path: Path) -> None:
    config = _config(tmp_path, {"policies": {"machine-count": REASON}})
    code, out, err = _plan(config, "--strict", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert "machine-count" not in {v["policy"] for v in plan["violations"]}
    assert plan["overrides"] == [{"kind": "policies", "name": "machine-count", "reason": REASON}]
    # The matching validate warning is the policy's own advice, waived with it.
    assert not any("deployment.machines.count" in w for w in plan["warnings"])
    code, text, _ = _plan(config)
    assert code == 0
    assert f"    policies.machine-count: {REASON}\n" in text
    assert "Overrides (infera.yaml `overrides:`, each with its reason):" in text


def test_the_override_reaches_crossguard_as_a_disabled_policy_with_its_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, {"policies": {"machine-count": REASON}})
    assert policy_run_main(["--config", str(config), "--stack", "prod"]) == 0
    pack_config = json.loads(capsys.readouterr().out)
    assert pack_config["machine-count"] == {
        "enforcementLevel": "disabled",
        "overrideReason": REASON,
        "production": True,
    }
    assert pack_config["cache-for-multiple-instances"]["enforcementLevel"] == "mandatory"


def test_the_pack_skips_an_overridden_policy_given_its_reason() -> None:
    rs = resources("fly", "prod")
    scale = next(r for r in rs if r["type"] == "pulumi-python:dynamic/fly:Scale")
    scale["inputs"]["count"] = 1
    rule = next(p for p in POLICIES if p.name == "machine-count")
    found: list[str] = []
    PhoenixPolicy(rule).validate(_engine_args(rs), lambda msg, urn=None: found.append(msg))
    assert found, "the fixture must break machine-count for the test to mean anything"
    waived: list[str] = []
    args = _engine_args(rs, {"overrideReason": REASON, "production": True})
    PhoenixPolicy(rule).validate(args, lambda msg, urn=None: waived.append(msg))
    assert waived == []


@pytest.mark.parametrize("name", sorted(PROTECTED_POLICIES))
def test_a_protected_policy_is_checked_even_if_a_context_names_it(name: str) -> None:
    # infera.yaml refuses these overrides; the checks do not trust a context that has one.
    rs = resources("gcp", "prod")
    for r in rs:
        r["protect"] = False
    ctx = Context(stack="prod", overrides={name: REASON})
    plain = Context(stack="prod")
    assert [v for v in violations(rs, ctx) if v["policy"] == name] == [
        v for v in violations(rs, plain) if v["policy"] == name
    ]


def test_config_echoes_overrides_with_their_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, {"policies": {"machine-count": REASON}})
    assert main(["config", "--config", str(config), "--stack", "prod"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert data["overrides"] == {
        "plain_env": {},
        "program_env": {},
        "policies": {"machine-count": REASON},
    }
