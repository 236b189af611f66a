"""What the service and the migrations job share: image, identity, env, secrets, connections.

Owns the one description both containers are built from, so that the job migrates with exactly
the configuration the service will run with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.gcp.settings import VolumeSettings

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

    # The job's and the service's container and template types are distinct classes with the
    # same fields; pulumi_gcp accepts their dict form for both, so each shape is written once.

    def envs(self) -> Any:
        """Plain env first, then secrets by reference pinned to a version (a new value is a
        new revision, never a silent restart)."""
        plain = [{"name": k, "value": v} for k, v in self.env]
        refs = [
            {
                "name": key,
                "value_source": {"secret_key_ref": {"secret": secret, "version": version}},
            }
            for key, (secret, version) in sorted(self.secrets.items())
        ]
        return plain + refs

    def volume_mounts(self) -> Any:
        if self.cloudsql_instance is None:
            return None
        return [{"name": CLOUDSQL_VOLUME, "mount_path": CLOUDSQL_MOUNT}]

    def volumes(self) -> Any:
        if self.cloudsql_instance is None:
            return None
        return [
            {"name": CLOUDSQL_VOLUME, "cloud_sql_instance": {"instances": [self.cloudsql_instance]}}
        ]

    def vpc_access(self) -> Any:
        if self.network is None:
            return None
        return {
            "egress": VPC_EGRESS,
            "network_interfaces": [{"network": self.network, "subnetwork": self.subnetwork}],
        }


# GCS FUSE and NFS mounts need Cloud Run's second generation execution environment (the
# pulumi_gcp docstring of `gcs`: "only supported in the gen2 execution environment"; Cloud Run's
# NFS page likewise). Worker pools run there always and take no setting.
GEN2 = "EXECUTION_ENVIRONMENT_GEN2"


def app_volumes(
    volumes: Sequence[VolumeSettings],
    bucket_names: Mapping[str, pulumi.Input[str]],
    mounted: Sequence[str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The template volumes and container mounts for the volumes one process mounts."""
    out_volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for v in volumes:
        if v.name not in mounted:
            continue
        if v.type == "gcs":
            assert v.bucket_id is not None  # the model requires a known bucket id
            source: dict[str, Any] = {
                "gcs": {"bucket": bucket_names[v.bucket_id], "read_only": v.read_only}
            }
        else:
            source = {"nfs": {"server": v.server, "path": v.export, "read_only": v.read_only}}
        out_volumes.append({"name": v.name, **source})
        mounts.append({"name": v.name, "mount_path": v.path})
    return out_volumes, mounts
