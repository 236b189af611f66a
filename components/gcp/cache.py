"""Memorystore for Redis: Phoenix.PubSub's transport between Cloud Run instances.

Owns the instance (tier, size, AUTH, TLS), REDIS_URL and the server CA the client must trust.
Cloud Run instances cannot form an Erlang cluster, so with more than one instance LiveView
broadcasts travel through this Redis. The secrets that carry the values belong to `secrets.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.gcp.settings import CacheSettings

REDIS_VERSION = "REDIS_7_2"  # newest Memorystore for Redis major (gcp.md §4)


def redis_url(auth: str, host: str, port: int) -> str:
    """`rediss://` makes Redix use TLS; `:AUTH@` is a password without a user name."""
    return f"rediss://:{auth}@{host}:{port}"


def ca_bundle(certs: Sequence[Any] | None) -> str:
    """Every server CA (a rotation briefly has two), PEM-concatenated."""
    pems = [c["cert"] if isinstance(c, dict) else c.cert for c in certs or []]
    return "\n".join(p.strip() for p in pems if p) + "\n" if pems else ""


@dataclass(frozen=True)
class CacheArgs:
    settings: CacheSettings
    region: str
    production: bool
    network_id: pulumi.Input[str]
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


class Cache(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Cache"

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        s = args.settings
        self.instance = gcp.redis.Instance(
            f"{name}-redis",
            name=s.name,
            region=args.region,
            tier=s.tier,
            memory_size_gb=s.memory_size_gb,
            redis_version=REDIS_VERSION,
            authorized_network=args.network_id,
            connect_mode="DIRECT_PEERING",
            auth_enabled=True,
            transit_encryption_mode="SERVER_AUTHENTICATION",
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.depends_on),
                # Tier, network and TLS mode changes replace the instance (new host); in
                # production `protect` turns such a plan into an error instead of a swap.
                protect=args.production,
                # Resizes have run past the provider's 20-minute default (TF #10360).
                custom_timeouts=pulumi.CustomTimeouts(create="40m", update="40m"),
            ),
        )
        self.host: pulumi.Output[str] = self.instance.host
        self.port: pulumi.Output[int] = self.instance.port
        self.url: pulumi.Output[str] = pulumi.Output.secret(
            pulumi.Output.all(self.instance.auth_string, self.host, self.port).apply(
                lambda a: redis_url(a[0], a[1], a[2])
            )
        )
        self.ca_cert: pulumi.Output[str] = pulumi.Output.secret(
            self.instance.server_ca_certs.apply(ca_bundle)
        )
        self.register_outputs({"host": self.host, "port": self.port})
