"""An example consumer: another stack that reads the phoenix stack's outputs and builds on them.

Owns nothing of the app. It reads the outputs contract (README "Stack outputs") through
`pulumi.StackReference`, refuses an `outputs_version` it does not understand, and then:
- GCP app: a Cloud Monitoring uptime check on `url` and an alert policy on that check;
- Fly app: Cloud DNS records (pulumi-gcp, already pinned) for `dns_records` in `dnsZone`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

import pulumi
import pulumi_gcp as gcp

UNDERSTOOD_OUTPUTS_VERSION = 1
# Google's recipe for alerting on an uptime check: count failed checks per check.
UPTIME_METRIC = "monitoring.googleapis.com/uptime_check/check_passed"
# Record types whose value is a host name, which Cloud DNS wants fully qualified.
HOST_VALUED_TYPES = frozenset({"CNAME", "NS", "PTR"})

config = pulumi.Config()
org = config.require("org")
project = config.get("project") or "phoenix"
stack = config.require("stack")
health_path = config.get("healthPath") or "/health"
channels: list[str] = config.get_object("notificationChannels") or []
dns_zone = config.get("dnsZone") or ""

app = pulumi.StackReference(f"{org}/{project}/{stack}")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")


def uptime(outputs: dict[str, Any]) -> None:
    host = urlsplit(outputs["url"]).hostname
    name = f"{outputs['app_name']}-{stack}"
    check = gcp.monitoring.UptimeCheckConfig(
        f"{name}-uptime",
        display_name=f"{outputs['app_name']} ({stack}) {health_path}",
        period="60s",
        timeout="10s",
        http_check=gcp.monitoring.UptimeCheckConfigHttpCheckArgs(
            path=health_path, port=443, use_ssl=True, validate_ssl=True
        ),
        monitored_resource=gcp.monitoring.UptimeCheckConfigMonitoredResourceArgs(
            type="uptime_url",
            labels={"project_id": gcp.config.project or "", "host": host or ""},
        ),
    )
    gcp.monitoring.AlertPolicy(
        f"{name}-down",
        display_name=f"{outputs['app_name']} ({stack}) is down",
        combiner="OR",
        notification_channels=channels,
        conditions=[
            gcp.monitoring.AlertPolicyConditionArgs(
                display_name=f"uptime check {health_path} failing",
                condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                    filter=check.uptime_check_id.apply(
                        lambda check_id: (
                            f'metric.type="{UPTIME_METRIC}" AND resource.type="uptime_url" '
                            f'AND metric.label.check_id="{check_id}"'
                        )
                    ),
                    comparison="COMPARISON_GT",
                    threshold_value=1,
                    duration="300s",
                    aggregations=[
                        gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                            alignment_period="1200s",
                            per_series_aligner="ALIGN_NEXT_OLDER",
                            cross_series_reducer="REDUCE_COUNT_FALSE",
                            group_by_fields=["resource.label.*"],
                        )
                    ],
                ),
            )
        ],
    )


def rrdata(kind: str, value: str) -> str:
    """A record's value as Cloud DNS takes it.

    Cloud DNS rejects a relative host name in rrdatas, and Fly's ACME challenge target comes
    without the root dot, so values that name a host are made fully qualified.
    """
    if kind in HOST_VALUED_TYPES:
        return f"{value.rstrip('.')}."
    return value


def dns(outputs: dict[str, Any]) -> None:
    if not dns_zone:
        pulumi.log.warn("no dnsZone configured: the app's DNS records are not created")
        return
    # Cloud DNS holds one record set per name and type, with every value in it.
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for record in outputs.get("dns_records") or []:
        grouped[(record["name"].rstrip("."), record["type"])].append(
            rrdata(record["type"], record["value"])
        )
    for (name, kind), values in sorted(grouped.items()):
        gcp.dns.RecordSet(
            f"{_slug(name)}-{kind.lower()}",
            managed_zone=dns_zone,
            name=f"{name}.",
            type=kind,
            ttl=300,
            rrdatas=sorted(values),
        )


def build(outputs: dict[str, Any]) -> None:
    version = outputs.get("outputs_version")
    if isinstance(version, float) and version.is_integer():
        version = int(version)  # the wire carries every number as a double
    if version != UNDERSTOOD_OUTPUTS_VERSION:
        raise pulumi.RunError(
            f"{org}/{project}/{stack} has outputs_version {version!r}; this consumer reads "
            f"version {UNDERSTOOD_OUTPUTS_VERSION}"
        )
    if outputs["provider"] == "gcp":
        uptime(outputs)
    else:
        dns(outputs)


# The outputs are known at preview (they are the other stack's state), so the resources built
# from them show in `pulumi preview` too.
app.outputs.apply(build)
pulumi.export("watched", app.name)
