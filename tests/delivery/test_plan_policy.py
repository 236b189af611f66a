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
def test_sample_prod_has_no_mandatory_violation_but_the_gcp_connection_budget(
    provider: str,
) -> None:
    # The seed's GCP prod shape (12 instances x pool 15 on 3.75 GB) really does exceed Cloud
    # SQL's 100 connections; the sample keeps it so that the check is seen working.
    plan = sample_plan(provider, "prod")
    mandatory = [v["policy"] for v in plan["violations"] if v["enforcement"] == "mandatory"]
    assert mandatory == (["database-connection-budget"] if provider == "gcp" else [])


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
            "database-connection-budget",
            "mandatory",
            "up to 27 database connections (5 pool x (4 instances + 1 starting during a rollout) "
            "+ 2 for migrations), but db-f1-micro allows 25 (3 reserved for superusers, so 22); "
            "set database.pool_size to 4 or less, or give the database more memory "
            "(database.size: 1740mb is db-g1-small, 50 connections), or run fewer instances "
            "(deployment.machines.max_count)",
        ),
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


def test_strict_fails_the_gcp_sample_prod_on_its_connection_budget_with_the_numbers() -> None:
    code, out, err = run_plan(
        "--config", str(SAMPLES["gcp"]), "--stack", "prod", "--project-dir", str(ROOT), "--strict"
    )
    assert code == EXIT_POLICY, err
    assert (
        "[mandatory] database-connection-budget: my-phoenix-app-database-sql: up to 227 database "
        "connections (15 pool x (12 instances + 3 starting during a rollout) + 2 for migrations), "
        "but db-custom-1-3840 allows 100 (3 reserved for superusers, so 97); set "
        "database.pool_size to 6 or less, or give the database more memory (database.size: "
        "7680mb is db-custom-2-7680, 400 connections), or run fewer instances"
    ) in out
    # ...and validate warns with the same numbers, at the prod overlay's pool_size.
    assert "examples/gcp/infera.yaml:74:7: database.pool_size: warning: up to 227" in out


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
