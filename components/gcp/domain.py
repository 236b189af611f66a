"""A custom domain for the service, and the DNS records the owner must create.

Owns the Cloud Run domain mapping (Cloud Run v2 has none of its own, so the v1 resource maps a
domain to the v2 service by name). Google issues the certificate once the records resolve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp


def _field(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def dns_records(statuses: Sequence[Any] | None, domain: str) -> list[dict[str, str]]:
    """The mapping's resource records as `{type, name, value}`; `name` is absolute when the
    record is for the domain itself, else as Google gives it."""
    out: list[dict[str, str]] = []
    for status in statuses or []:
        for record in _field(status, "resource_records") or []:
            label = _field(record, "name") or ""
            name = domain if label in ("", "@") or domain.startswith(f"{label}.") else label
            out.append(
                {
                    "type": _field(record, "type") or "",
                    "name": name,
                    "value": _field(record, "rrdata") or "",
                }
            )
    return out


@dataclass(frozen=True)
class DomainArgs:
    domain: str
    project: str
    region: str
    service_name: pulumi.Input[str]
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


class Domain(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Domain"

    def __init__(self, name: str, args: DomainArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        self.mapping = gcp.cloudrun.DomainMapping(
            f"{name}-mapping",
            name=args.domain,
            location=args.region,
            metadata=gcp.cloudrun.DomainMappingMetadataArgs(namespace=args.project),
            spec=gcp.cloudrun.DomainMappingSpecArgs(route_name=args.service_name),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        self.dns_records: pulumi.Output[list[dict[str, str]]] = self.mapping.statuses.apply(
            lambda statuses: dns_records(statuses, args.domain)
        )
        self.register_outputs({"dns_records": self.dns_records})
