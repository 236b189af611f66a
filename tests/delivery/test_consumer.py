"""The example consumer stack under mocks, reading a fake StackReference of this stack.

The engine answers a StackReference as a `pulumi:pulumi:StackReference` resource whose state
holds the other stack's `outputs`; the mock below answers exactly that, with outputs taken from
the samples' real plans where they are known.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from phxstack.mocks import ProgramRun, ProjectMocks, run_program

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


GCP_OUTPUTS = {
    "outputs_version": 1,
    "provider": "gcp",
    "url": "https://my-phoenix-app-abc123-uc.a.run.app",
    "app_name": "my-phoenix-app",
    "dns_records": [],
}
FLY_OUTPUTS = {
    "outputs_version": 1,
    "provider": "fly",
    "url": "https://app.example.com",
    "app_name": "my-phoenix-app",
    "dns_records": [
        {"type": "A", "name": "app.example.com", "value": "66.241.125.1"},
        {"type": "AAAA", "name": "app.example.com", "value": "2a09:8280:1::1"},
        {
            "type": "CNAME",
            "name": "_acme-challenge.app.example.com",
            # As Fly's API returns it: relative, without the root dot.
            "value": "app.example.com.x.flydns.net",
        },
    ],
}


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
        "labels": {"project_id": "watch", "host": "my-phoenix-app-abc123-uc.a.run.app"},
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
