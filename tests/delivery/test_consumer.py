"""The example consumer stack under mocks, reading a fake StackReference of this stack.

The engine answers a StackReference as a `pulumi:pulumi:StackReference` resource whose state
holds the other stack's `outputs`; the mock below answers exactly that, with outputs taken from
the samples' real `plan --json` where they are known (the Fly one with a custom domain), and
plausible values, written out below, where the plan says `[unknown]`.
"""

from __future__ import annotations

import json
import runpy
import tempfile
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from phxstack.mocks import ProgramRun, ProjectMocks, run_program
from tests.delivery.plans import ROOT, SAMPLES, run_plan, sample_plan

CONSUMER = Path(__file__).resolve().parents[2] / "examples" / "consumer"
CONFIG = {
    "phoenix-consumer:org": "acme",
    "phoenix-consumer:stack": "prod",
    "phoenix-consumer:dnsZone": "example-com",
    "phoenix-consumer:notificationChannels": '["projects/watch/notificationChannels/42"]',
    "gcp:project": "watch",
}


class StackReferenceMocks(ProjectMocks):
    """ProjectMocks, plus the other stack's outputs where the engine would read them."""

    def __init__(self, outputs: dict[str, Any]) -> None:
        super().__init__(preview=False, gcp_project="watch")
        self.outputs = outputs
        self.read: list[str] = []  # stacks read (a StackReference is a read, not a registration)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ == "pulumi:pulumi:StackReference":
            self.read.append(args.inputs["name"])
            return args.name, {"name": args.name, "outputs": self.outputs, "secretOutputNames": []}
        rid, state = super().new_resource(args)
        if args.typ == "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig":
            state["uptimeCheckId"] = f"{args.name}-id"  # computed by the API on create
        return rid, state


def run_consumer(
    outputs: dict[str, Any], config: dict[str, str] | None = None
) -> tuple[ProgramRun, StackReferenceMocks]:
    mocks = StackReferenceMocks(outputs)
    run = run_program(
        lambda: runpy.run_path(str(CONSUMER / "__main__.py"), run_name="__main__"),
        stack="prod",
        project="phoenix-consumer",
        config=config or CONFIG,
        mocks=mocks,
    )
    return run, mocks


def _known_outputs(plan: dict[str, Any], filled: dict[str, Any]) -> dict[str, Any]:
    """The plan's outputs with its unknowns replaced by `filled`, which must name exactly them."""
    outputs = dict(plan["outputs"])
    unknown = sorted(k for k, v in outputs.items() if v == "[unknown]")
    assert unknown == sorted(filled), "fill exactly the outputs the plan cannot know"
    return {**outputs, **filled}


def _fly_plan_with_domain(domain: str) -> dict[str, Any]:
    """The Fly sample's prod plan with a custom domain, so that it has DNS records to export."""
    doc = yaml.safe_load(SAMPLES["fly"].read_text(encoding="utf-8"))
    doc["domain"] = domain
    doc["env_vars"]["PHX_HOST"] = domain
    doc["app"]["path"] = str((SAMPLES["fly"].parent / doc["app"]["path"]).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "infera.yaml"
        config.write_text(yaml.safe_dump(doc), encoding="utf-8")
        code, out, err = run_plan(
            "--config", str(config), "--stack", "prod", "--project-dir", str(ROOT), "--json"
        )
    assert code == 0, err
    plan: dict[str, Any] = json.loads(out)
    return plan


# Taken from the samples' prod plans; only what is known after apply is filled in by hand.
GCP_OUTPUTS = _known_outputs(
    sample_plan("gcp", "prod"),
    {
        "database_connection_name": "my-gcp-project:us-central1:my-phoenix-app-database-sql",
        "image": "us-central1-docker.pkg.dev/my-gcp-project/my-phoenix-app/app@sha256:" + "0" * 64,
        "redis_host": "10.0.0.3",
        "redis_port": 6379,
        "service_account_email": "my-phoenix-app-run@my-gcp-project.iam.gserviceaccount.com",
        "vpc_network": "my-phoenix-app-vpc-1a2b3c4",
    },
)
FLY_OUTPUTS = _known_outputs(
    _fly_plan_with_domain("app.example.com"),
    {
        "image": "registry.fly.io/my-phoenix-app@sha256:" + "0" * 64,
        "redis_host": "my-phoenix-app-redis",
        # What `fly certs add` asks for: the app's shared IPs, and the ACME challenge target,
        # which Fly returns relative (without the root dot).
        "dns_records": [
            {"type": "A", "name": "app.example.com", "value": "66.241.125.1"},
            {"type": "AAAA", "name": "app.example.com", "value": "2a09:8280:1::1"},
            {
                "type": "CNAME",
                "name": "_acme-challenge.app.example.com",
                "value": "app.example.com.x.flydns.net",
            },
        ],
    },
)


def test_reads_the_configured_org_project_and_stack() -> None:
    run, mocks = run_consumer(GCP_OUTPUTS)
    assert mocks.read == ["acme/phoenix/prod"]
    assert run.outputs["watched"] == "acme/phoenix/prod"


def test_gcp_app_gets_an_uptime_check_on_its_url_and_an_alert_on_it() -> None:
    run, _ = run_consumer(GCP_OUTPUTS)
    check = run.one("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig")
    assert check.name == "my-phoenix-app-prod-uptime"
    assert check.inputs["httpCheck"] == {
        "path": "/health",
        "port": 443,
        "useSsl": True,
        "validateSsl": True,
    }
    assert check.inputs["monitoredResource"] == {
        "type": "uptime_url",
        "labels": {
            "project_id": "watch",
            "host": "my-phoenix-app-123456789012.us-central1.run.app",
        },
    }
    alert = run.one("gcp:monitoring/alertPolicy:AlertPolicy")
    assert alert.inputs["notificationChannels"] == ["projects/watch/notificationChannels/42"]
    threshold = alert.inputs["conditions"][0]["conditionThreshold"]
    assert threshold["filter"] == (
        'metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND '
        'resource.type="uptime_url" AND metric.label.check_id="my-phoenix-app-prod-uptime-id"'
    )
    assert threshold["aggregations"][0]["crossSeriesReducer"] == "REDUCE_COUNT_FALSE"
    assert run.of_type("gcp:dns/recordSet:RecordSet") == []


def test_fly_app_gets_one_record_set_per_name_and_type_in_the_zone() -> None:
    run, _ = run_consumer(FLY_OUTPUTS)
    records = {
        r.name: (r.inputs["managedZone"], r.inputs["name"], r.inputs["type"], r.inputs["rrdatas"])
        for r in run.of_type("gcp:dns/recordSet:RecordSet")
    }
    assert records == {
        "acme-challenge-app-example-com-cname": (
            "example-com",
            "_acme-challenge.app.example.com.",
            "CNAME",
            ["app.example.com.x.flydns.net."],
        ),
        "app-example-com-a": ("example-com", "app.example.com.", "A", ["66.241.125.1"]),
        "app-example-com-aaaa": ("example-com", "app.example.com.", "AAAA", ["2a09:8280:1::1"]),
    }
    assert run.of_type("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig") == []


def test_cname_values_are_fully_qualified_once() -> None:
    outputs = {
        **FLY_OUTPUTS,
        "dns_records": [
            {"type": "CNAME", "name": "a.example.com", "value": "relative.flydns.net"},
            {"type": "CNAME", "name": "b.example.com", "value": "absolute.flydns.net."},
            {"type": "A", "name": "a.example.com", "value": "66.241.125.1"},
        ],
    }
    run, _ = run_consumer(outputs)
    rrdatas = {
        (r.inputs["name"], r.inputs["type"]): r.inputs["rrdatas"]
        for r in run.of_type("gcp:dns/recordSet:RecordSet")
    }
    assert rrdatas == {
        ("a.example.com.", "CNAME"): ["relative.flydns.net."],
        ("b.example.com.", "CNAME"): ["absolute.flydns.net."],
        ("a.example.com.", "A"): ["66.241.125.1"],
    }


def test_fly_without_a_zone_creates_no_records() -> None:
    config = {k: v for k, v in CONFIG.items() if k != "phoenix-consumer:dnsZone"}
    run, _ = run_consumer(FLY_OUTPUTS, config)
    assert run.of_type("gcp:dns/recordSet:RecordSet") == []


def test_an_unknown_outputs_version_is_refused() -> None:
    with pytest.raises(
        Exception, match=r"acme/phoenix/prod has outputs_version 2; this consumer reads version 1"
    ):
        run_consumer({**GCP_OUTPUTS, "outputs_version": 2})
