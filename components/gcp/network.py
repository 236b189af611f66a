"""The VPC that Cloud Run reaches Memorystore (and a private-IP Cloud SQL) through.

Owns the network, the Direct VPC egress subnet and, when the database wants a private IP, the
private services access range and peering. Direct VPC egress, not a Serverless VPC Access
connector: Google recommends it and it has no always-on VMs to pay for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.settings import PEERING_PREFIX_LENGTH, NetworkSettings


@dataclass(frozen=True)
class NetworkArgs:
    settings: NetworkSettings
    region: str
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


class Network(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Network"

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        s = args.settings
        child = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        # Teardown must not hang or fail: Cloud Run keeps `serverless-ipv4-*` addresses in the
        # subnet for 1-2 hours after its resources are gone, and Cloud SQL keeps the peering busy
        # for a while after deletion (gcp.md §1, §3). Every networking piece is therefore
        # abandoned on destroy rather than deleted; none of them costs anything while idle.
        # They keep Pulumi's auto-names (random suffix), so that re-creating a destroyed stack
        # does not collide with the abandoned ones.
        self.network = gcp.compute.Network(
            f"{name}-vpc",
            auto_create_subnetworks=False,
            deletion_policy="ABANDON",
            opts=child,
        )
        self.subnet = gcp.compute.Subnetwork(
            f"{name}-subnet",
            network=self.network.id,
            region=args.region,
            ip_cidr_range=s.subnet_cidr,
            private_ip_google_access=True,
            deletion_policy="ABANDON",
            opts=child,
        )
        self.peering: gcp.servicenetworking.Connection | None = None
        if s.private_services_access:
            peering_range = gcp.compute.GlobalAddress(
                f"{name}-psa-range",
                purpose="VPC_PEERING",
                address_type="INTERNAL",
                prefix_length=PEERING_PREFIX_LENGTH,
                network=self.network.id,
                deletion_policy="ABANDON",
                opts=child,
            )
            self.peering = gcp.servicenetworking.Connection(
                f"{name}-psa",
                network=self.network.id,
                service="servicenetworking.googleapis.com",
                reserved_peering_ranges=[peering_range.name],
                deletion_policy="ABANDON",
                opts=child,
            )
        self.network_id: pulumi.Output[str] = self.network.id
        self.subnet_id: pulumi.Output[str] = self.subnet.id
        self.register_outputs({"network_id": self.network_id, "subnet_id": self.subnet_id})
