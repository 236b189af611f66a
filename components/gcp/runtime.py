"""What the service and the migrations job share: image, identity, env, secrets, connections.

Owns the one description both containers are built from, so that the job migrates with exactly
the configuration the service will run with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

CLOUDSQL_VOLUME = "cloudsql"
CLOUDSQL_MOUNT = "/cloudsql"
# Only RFC 1918 destinations (Memorystore, a private Cloud SQL) go through the VPC; the internet
# stays on Cloud Run's own egress, which needs no NAT.
VPC_EGRESS = "PRIVATE_RANGES_ONLY"


@dataclass(frozen=True)
class RuntimeSpec:
    image: pulumi.Input[str]
    service_account: pulumi.Input[str]
    # Plain variables in a stable order; values are never secrets.
    env: tuple[tuple[str, pulumi.Input[str]], ...]
    # Env name -> (Secret Manager id, pinned version number).
    secrets: Mapping[str, tuple[pulumi.Input[str], pulumi.Input[str]]]
    # Cloud SQL connection name for the built-in connector's socket, when one is used.
    cloudsql_instance: pulumi.Input[str] | None = None
    # Direct VPC egress, when the app reaches private addresses.
    network: pulumi.Input[str] | None = None
    subnetwork: pulumi.Input[str] | None = None
