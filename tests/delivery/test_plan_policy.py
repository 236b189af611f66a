"""`plan` runs the policy pack offline: the samples' prod stacks pass the mandatory policies, and
a deliberately broken config yields the expected violations, in text, JSON and `--strict`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from phxstack.cli import EXIT_POLICY
from tests.delivery.plans import ROOT, SAMPLES, run_plan, sample_plan


@pytest.mark.parametrize("provider", ["gcp", "fly"])
def test_sample_prod_has_no_mandatory_violation(provider: str) -> None:
    plan = sample_plan(provider, "prod")
    assert [v for v in plan["violations"] if v["enforcement"] == "mandatory"] == []


def _broken_gcp(tmp_path: Path) -> Path:
    """The GCP sample with one instance, no cache and a secret value in env_vars."""
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "Pulumi.prod.yaml", tmp_path / "Pulumi.prod.yaml")
    sample = SAMPLES["gcp"]
    infera = yaml.safe_load(sample.read_text(encoding="utf-8"))
    infera["app"]["path"] = str((sample.parent / infera["app"]["path"]).resolve())
    del infera["environments"]
    del infera["cache"]
    infera["deployment"]["machines"].update(count=1, max_count=4)
    infera["database"]["pool_size"] = 5
    path = tmp_path / "infera.yaml"
    path.write_text(yaml.safe_dump(infera), encoding="utf-8")
    return path


def test_broken_config_yields_the_expected_violations(tmp_path: Path) -> None:
    config = _broken_gcp(tmp_path)
    argv = ["--config", str(config), "--stack", "prod", "--project-dir", str(tmp_path)]
    code, out, err = run_plan(*argv, "--json")
    assert code == 0, err
    found = [(v["policy"], v["enforcement"], v["message"]) for v in json.loads(out)["violations"]]
    assert found == [
        ("database-pool-size", "mandatory", "POOL_SIZE is 5, below 10"),
        (
            "machine-count",
            "mandatory",
            "1 instance(s) always running; need at least 2 in production (one machine is a "
            "single point of failure)",
        ),
        (
            "cache-for-multiple-instances",
            "mandatory",
            "more than one instance but no Redis: PubSub and LiveView broadcasts stay on one "
            "instance; add `cache:` to infera.yaml",
        ),
    ]
    code, out, _ = run_plan(*argv)
    assert code == 0
    assert (
        "    [mandatory] database-pool-size: my-phoenix-app-service-service: POOL_SIZE is 5, "
        "below 10\n"
    ) in out
    code, _, _ = run_plan(*argv, "--strict")
    assert code == EXIT_POLICY == 3


def test_strict_passes_the_gcp_sample_prod() -> None:
    code, _, err = run_plan(
        "--config", str(SAMPLES["gcp"]), "--stack", "prod", "--project-dir", str(ROOT), "--strict"
    )
    assert code == 0, err


def test_advisory_violations_do_not_fail_strict() -> None:
    code, out, _ = run_plan(
        "--config", str(SAMPLES["gcp"]), "--stack", "dev", "--project-dir", str(ROOT), "--strict"
    )
    assert code == 0
    assert "[advisory] machine-count" in out


def test_plaintext_secret_in_config_stops_plan_before_any_policy(tmp_path: Path) -> None:
    # A secret can only reach plain env through infera.yaml, which refuses it (exit 2); the
    # no-plaintext-secret-env policy catches the same mistake in resources (test_policy_checks).
    config = _broken_gcp(tmp_path)
    infera = yaml.safe_load(config.read_text(encoding="utf-8"))
    infera["env_vars"]["STRIPE_KEY"] = "sk_live_" + "a1B2c3D4e5" * 3
    config.write_text(yaml.safe_dump(infera), encoding="utf-8")
    code, out, err = run_plan(
        "--config", str(config), "--stack", "prod", "--project-dir", str(tmp_path)
    )
    assert code == 2
    assert out == ""
    assert "env_vars.STRIPE_KEY" in err and "sk_live_" not in err
