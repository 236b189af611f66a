"""The stack outputs contract shared by both providers.

Owns the names, meanings and secrecy of stack outputs: other stacks read them through
StackReference, so a key keeps its meaning across providers and versions. README's outputs
table is checked against `OUTPUTS` by a test. No output carries a secret value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

# Bump when a key is removed or changes meaning; adding a key does not bump it.
OUTPUTS_VERSION = 1


@dataclass(frozen=True)
class OutputSpec:
    """One stack output as documented: type, meaning, which providers set it."""

    type: str
    description: str
    providers: tuple[str, ...]
    # Exported only by stacks that have such a thing (its meaning says when), so that stacks
    # without it keep exactly the outputs they had.
    optional: bool = False


OUTPUTS: dict[str, OutputSpec] = {
    "outputs_version": OutputSpec("int", "Version of this outputs contract.", ("fly", "gcp")),
    "provider": OutputSpec("string", "Where the app runs: 'fly' or 'gcp'.", ("fly", "gcp")),
    "url": OutputSpec("string", "Public HTTPS URL of the app.", ("fly", "gcp")),
    "region": OutputSpec("string", "Primary region of the app.", ("fly", "gcp")),
    "app_name": OutputSpec("string", "Fly app name, or Cloud Run service name.", ("fly", "gcp")),
    "service_name": OutputSpec("string", "Cloud Run service name.", ("gcp",)),
    "image": OutputSpec("string", "Image the app runs, by digest where known.", ("fly", "gcp")),
    "database_name": OutputSpec(
        "string | null", "Name of the app's Postgres database (cluster on Fly).", ("fly", "gcp")
    ),
    "database_connection_name": OutputSpec(
        "string | null", "Cloud SQL connection name PROJECT:REGION:INSTANCE.", ("gcp",)
    ),
    "redis_host": OutputSpec("string | null", "Redis host (Upstash name on Fly).", ("fly", "gcp")),
    "redis_port": OutputSpec("int | null", "Redis port.", ("gcp",)),
    "bucket_name": OutputSpec(
        "string | null",
        "Object storage bucket for uploads (the first of storage.buckets).",
        ("fly", "gcp"),
    ),
    "service_account_email": OutputSpec(
        "string", "Runtime service account the app runs as.", ("gcp",)
    ),
    "secret_names": OutputSpec(
        "list[string]", "Names (never values) of the secrets the app receives.", ("fly", "gcp")
    ),
    "migrations_job": OutputSpec("string | null", "Cloud Run job that runs migrations.", ("gcp",)),
    "dns_records": OutputSpec(
        "list[{type, name, value}]",
        "DNS records to create for `domain` (empty when no domain is set).",
        ("fly", "gcp"),
    ),
    "buckets": OutputSpec(
        "map[string, string]",
        "Each bucket's name by its `storage.buckets` id; only when `storage.buckets` is "
        "written (`bucket_name` is the first).",
        ("fly", "gcp"),
        optional=True,
    ),
    "vpc_network": OutputSpec(
        "string",
        "Name of the stack's own VPC network, which the app's private egress uses; only when "
        "the stack has one (a cache, a private-IP database or an nfs volume). An NFS server "
        "(a Filestore instance) must be on it to be reachable.",
        ("gcp",),
        optional=True,
    ),
    "processes": OutputSpec(
        "map[string, {kind, name}]",
        "Where each process group runs, by process name ('app' is the web process): kind "
        "'service' (Cloud Run service) or 'worker_pool' (Cloud Run worker pool) and its name; "
        "only when `deployment.processes` is set.",
        ("gcp",),
        optional=True,
    ),
}


def export_outputs(provider: str, values: dict[str, Any]) -> None:
    """Export exactly the documented keys this provider sets; refuse anything undocumented."""
    unknown = set(values) - set(OUTPUTS)
    if unknown:
        raise ValueError(f"undocumented stack outputs: {sorted(unknown)}")
    pulumi.export("outputs_version", OUTPUTS_VERSION)
    pulumi.export("provider", provider)
    for key, spec in OUTPUTS.items():
        if key in ("outputs_version", "provider") or provider not in spec.providers:
            continue
        if key not in values:
            if spec.optional:
                continue
            raise ValueError(f"stack output {key!r} is documented for {provider} but not set")
        pulumi.export(key, values[key])
