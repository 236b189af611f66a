"""`phxstack plan --json` for the GCP sample lists every resource, parented and ordered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phxstack.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "gcp" / "infera.yaml"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_json_lists_the_gcp_stack(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["plan", "--config", str(SAMPLE), "--stack", stack, "--project-dir", str(ROOT), "--json"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    resources = json.loads(out)["resources"]
    by_name = {r["name"]: r for r in resources}
    type_of = {r["urn"]: r["type"] for r in resources}
    parent_of = {r["name"]: type_of.get(r["parent"]) for r in resources}
    name = "my-phoenix-app"
    expected = {
        f"{name}-network-vpc": "phoenix:gcp:Network",
        f"{name}-network-subnet": "phoenix:gcp:Network",
        f"{name}-database-sql": "phoenix:gcp:Database",
        f"{name}-database-db": "phoenix:gcp:Database",
        f"{name}-database-user": "phoenix:gcp:Database",
        f"{name}-cache-redis": "phoenix:gcp:Cache",
        f"{name}-storage-bucket": "phoenix:gcp:Storage",
        f"{name}-secrets-secret-key-base": "phoenix:gcp:Secrets",
        f"{name}-identity-sa": "phoenix:gcp:RuntimeIdentity",
        f"{name}-image-repo": "phoenix:gcp:Image",
        f"{name}-image-image": "phoenix:gcp:Image",
        f"{name}-migrations-job": "phoenix:gcp:Migrations",
        f"{name}-service-service": "phoenix:gcp:Service",
        f"{name}-apis-run": "phoenix:gcp:Apis",
    }
    for child, parent_type in expected.items():
        assert parent_of[child] == parent_type, child
    urn = {n: r["urn"] for n, r in by_name.items()}
    service = by_name[f"{name}-service-service"]
    assert urn[f"{name}-migrations-run"] in service["dependencies"]
    assert urn[f"{name}-migrations-job"] in by_name[f"{name}-migrations-run"]["dependencies"]
    job = by_name[f"{name}-migrations-job"]
    assert urn[f"{name}-identity-secret-database-url"] in job["dependencies"]
    assert urn[f"{name}-migrations-iam-propagation"] in job["dependencies"]
    assert by_name[f"{name}-database-sql"]["protect"] is (stack == "prod")


# Invokes that need no Cloud Resource Manager API: on a fresh project that API is off, and an
# invoke runs during `pulumi preview` too (terraform-provider-google #6101, #11435).
INVOKES_WITHOUT_RESOURCE_MANAGER = {"gcp:organizations/getClientConfig:getClientConfig"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_for_the_gcp_sample_registers_no_invoke_that_needs_resource_manager(
    stack: str,
) -> None:
    from phxstack.plan import make_plan

    plan = make_plan(SAMPLE, stack, ROOT)
    assert plan.run.invokes, "the sample should still fetch registry credentials"
    assert set(plan.run.invokes) <= INVOKES_WITHOUT_RESOURCE_MANAGER
    service = next(r for r in plan.run.registrations if r.name.endswith("-service-service"))
    envs = {e["name"]: e.get("value") for e in service.inputs["template"]["containers"][0]["envs"]}
    # From `gcpProjectNumber` in Pulumi.<stack>.yaml: known in preview, not unknown.
    name = "my-phoenix-app" if stack == "prod" else f"my-phoenix-app-{stack}"
    assert envs["PHX_HOST"] == f"{name}-123456789012.us-central1.run.app"
