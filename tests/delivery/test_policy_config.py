"""One rule for production and the health check path, in `plan` and in the CrossGuard pack.

`plan` reads infera.yaml; the pack reads the `--policy-pack-config` that
`python -m phxstack.policy_run` writes from the same infera.yaml. These tests run the pack with
that config over the samples' real resources and require the same findings as `plan`.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from config.loader import load_config
from config.model import InferaConfig
from phxstack.policy_run import main, plan_violations, policy_pack_config
from policy.checks import POLICY_NAMES, config_schema
from policy.pack import policies
from tests.delivery.plans import SAMPLES, STACKS, resources
from tests.delivery.test_policy_pack import _engine_args

CASES = [(p, s) for p in SAMPLES for s in STACKS]


def pack_findings(
    rs: list[dict[str, Any]], config: dict[str, dict[str, Any]]
) -> list[tuple[str, str, str | None]]:
    """The pack's findings with `config`, as the engine hands it: enforcementLevel taken out."""
    found: list[tuple[str, str, str | None]] = []
    for policy in policies():
        props = {k: v for k, v in config[policy.name].items() if k != "enforcementLevel"}
        policy.validate(
            _engine_args(rs, props),
            lambda msg, urn=None, name=policy.name: found.append((name, msg, urn)),
        )
    return found


def plan_findings(rs: list[dict[str, Any]], infera: InferaConfig, stack: str) -> list[Any]:
    return [(v["policy"], v["message"], v["urn"]) for v in plan_violations(rs, infera, stack)]


@pytest.mark.parametrize(("provider", "stack"), CASES)
def test_pack_with_the_generated_config_agrees_with_plan(
    provider: str, stack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_STACK", stack)
    infera = load_config(SAMPLES[provider], stack)
    rs = resources(provider, stack)
    config = policy_pack_config(infera, stack)
    assert pack_findings(rs, config) == plan_findings(rs, infera, stack)
    levels = {c["enforcementLevel"] for c in config.values()}
    assert levels == {"mandatory" if stack == "prod" else "advisory"}


def _overridden(infera: InferaConfig, *, production: bool, path: str) -> InferaConfig:
    check = infera.deployment.health_check.model_copy(update={"path": path})
    deployment = infera.deployment.model_copy(update={"health_check": check})
    return infera.model_copy(update={"production": production, "deployment": deployment})


def test_infera_production_and_path_win_over_the_stack_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A `dev` stack that infera.yaml declares production, with a different health path: the
    # pack must judge it as production and by that path, exactly as plan does.
    monkeypatch.setenv("PULUMI_STACK", "dev")
    infera = _overridden(load_config(SAMPLES["gcp"], "dev"), production=True, path="/healthz")
    rs = resources("gcp", "dev")
    config = policy_pack_config(infera, "dev")
    found = pack_findings(rs, config)
    assert found == plan_findings(rs, infera, "dev")
    names = {name for name, _, _ in found}
    assert {"health-check-configured", "stateful-resources-protected"} <= names
    assert {c["enforcementLevel"] for c in config.values()} == {"mandatory"}
    assert config["health-check-configured"]["path"] == "/healthz"


def test_prod_stack_declared_not_production_is_advisory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    infera = _overridden(load_config(SAMPLES["gcp"], "prod"), production=False, path="/health")
    rs = resources("gcp", "prod")
    config = policy_pack_config(infera, "prod")
    assert pack_findings(rs, config) == plan_findings(rs, infera, "prod")
    assert {c["enforcementLevel"] for c in config.values()} == {"advisory"}
    assert {c["production"] for c in config.values()} == {False}


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_generated_config_fits_each_policy_schema(name: str) -> None:
    config = policy_pack_config(load_config(SAMPLES["gcp"], "prod"), "prod")[name]
    schema = {"type": "object", "properties": config_schema(name), "additionalProperties": False}
    props = {k: v for k, v in config.items() if k != "enforcementLevel"}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(props)) == []
    assert config["enforcementLevel"] == "mandatory"


def run_main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_prints_the_config_for_the_stack() -> None:
    code, out, err = run_main("--config", str(SAMPLES["fly"]), "--stack", "prod")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert list(document) == sorted(POLICY_NAMES)
    assert document["health-check-configured"] == {
        "enforcementLevel": "mandatory",
        "production": True,
        "path": "/health",
        "type": "http",
    }


def test_cli_reports_an_invalid_config_without_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "infera.yaml"
    broken.write_text("project_name: my-app\nprovider: nowhere\n", encoding="utf-8")
    code, out, err = run_main("--config", str(broken), "--stack", "prod")
    assert (code, out) == (1, "")
    assert f"{broken}:2:11: provider: 'nowhere' is not one of 'fly', 'gcp'" in err.splitlines()
