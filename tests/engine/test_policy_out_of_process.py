"""The CrossGuard pack, run as `pulumi preview --policy-pack policy` runs it, finds what `plan` finds.

`phxstack plan` calls `policy.checks` in process over its redacted `plan --json` resources. The
engine instead starts the pack with `python -u -m pulumi.policy` in the pack directory and sends
each registration over gRPC with its real secrets and unknowns. Both must report the same
violations, with the same enforcement, on each sample's dev and prod plans.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.loader import load_config
from phxstack.plan import make_plan
from phxstack.policy_run import policy_pack_config
from phxstack.stackfile import project_name, read_stack_file
from tests.delivery.plans import ROOT, SAMPLES, run_plan, sample_plan
from tests.support.analyzer import AnalyzerServer
from tests.support.provider_server import EngineHost

PLANS = [("fly", "dev"), ("fly", "prod"), ("gcp", "dev"), ("gcp", "prod")]


@pytest.fixture(scope="module")
def engine() -> Iterator[EngineHost]:
    host = EngineHost()
    yield host
    host.close()


def _pack_and_plan(
    engine: EngineHost, config: Path, stack: str, plan: dict[str, Any]
) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str, str]]]:
    """What the pack reports out of process, and `plan`'s violations in the same shape."""
    registrations = make_plan(config, stack, ROOT).run.registrations
    pack_config = policy_pack_config(load_config(config, stack), stack)
    stack_config = read_stack_file(ROOT, stack).plain
    project = project_name(ROOT)
    with AnalyzerServer(engine.address, project=project, stack=stack, config=stack_config) as pack:
        info = pack.analyzer_info()
        pack.configure(pack_config)
        per_resource = [d for r in registrations if r.custom for d in pack.analyze(r)]
        found = pack.analyze_stack(registrations)
    assert info.name == "phoenix-stack"
    assert {p.name for p in info.policies} == set(pack_config)
    # Every rule is a stack validation: per-resource analysis has nothing to say.
    assert per_resource == []
    # pulumi_policy's report_violation sends the policy's description, a newline, the message.
    described = {p.name: p.description for p in info.policies}
    expected = [
        (v["policy"], v["enforcement"], v["urn"] or "", f"{described[v['policy']]}\n{v['message']}")
        for v in plan["violations"]
    ]
    return sorted(astuple(d) for d in found), sorted(expected)


@pytest.mark.parametrize(("provider", "stack"), PLANS, ids=[f"{p}-{s}" for p, s in PLANS])
def test_the_pack_out_of_process_reports_exactly_the_plans_violations(
    engine: EngineHost, provider: str, stack: str
) -> None:
    found, expected = _pack_and_plan(engine, SAMPLES[provider], stack, sample_plan(provider, stack))
    assert found == expected


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_fly_config_with_violations_gets_the_same_findings_out_of_process(
    engine: EngineHost, tmp_path: Path, stack: str
) -> None:
    # The Fly samples break no rule, so their comparison is of two empty lists; this variant
    # (one machine in prod, a pool of 2, no Redis) breaks two.
    doc = yaml.safe_load(SAMPLES["fly"].read_text())
    doc["app"]["path"] = str(ROOT / doc["app"]["path"])
    doc["environments"]["prod"]["deployment"]["machines"]["count"] = 1
    doc["database"]["pool_size"] = 2
    del doc["cache"]
    doc["secrets"].remove("REDIS_URL")
    config = tmp_path / "infera.yaml"
    config.write_text(yaml.safe_dump(doc))
    code, out, err = run_plan(
        "--config", str(config), "--stack", stack, "--project-dir", str(ROOT), "--json"
    )
    assert code == 0, err
    plan = json.loads(out)
    policies = sorted(v["policy"] for v in plan["violations"])
    assert policies == (
        ["database-pool-size", "machine-count"] if stack == "prod" else ["database-pool-size"]
    )
    found, expected = _pack_and_plan(engine, config, stack, plan)
    assert found == expected


def test_the_sample_plans_have_violations_to_compare() -> None:
    # Guards the comparison above against passing on two empty lists.
    counts = {f"{p}-{s}": len(sample_plan(p, s)["violations"]) for p, s in PLANS}
    assert sum(counts.values()) > 0, counts
