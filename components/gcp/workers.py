"""Process groups besides the web one: each a Cloud Run worker pool.

Owns the worker pools (`deployment.processes`): a process that serves no HTTP (a job queue, an
indexer, a scheduler) runs in a worker pool, which has no ingress, no URL and no request-driven
scaling: it runs exactly `count` instances (manual scaling), always allocated. Each runs the
service's image, identity, env, secrets and connections, with its own command, size and count,
and rolls only after the migrations, like the service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.gcp.runtime import RuntimeSpec
from components.gcp.settings import ProcessSettings

run = gcp.cloudrunv2


@dataclass(frozen=True)
class WorkerPoolArgs:
    settings: ProcessSettings
    region: str
    runtime: RuntimeSpec
    deletion_protection: bool
    # The process's own volumes (GCS FUSE, NFS): template volumes and container mounts.
    volumes: Sequence[Any] = ()
    mounts: Sequence[Any] = ()
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


def startup_probe(s: ProcessSettings) -> dict[str, Any] | None:
    """The process's check as a startup probe (the pool has no port of its own to default to)."""
    p = s.probe
    if p is None:
        return None
    action: dict[str, Any] = (
        {"tcp_socket": {"port": p.port}}
        if p.type == "tcp"
        else {"http_get": {"port": p.port, "path": p.path}}
    )
    return {
        **action,
        "initial_delay_seconds": p.initial_delay_s,
        "period_seconds": p.period_s,
        "timeout_seconds": p.timeout_s,
        "failure_threshold": p.failure_threshold,
    }


def _present(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class WorkerPool(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:WorkerPool"

    def __init__(self, name: str, args: WorkerPoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        s, spec = args.settings, args.runtime
        volumes = [*(spec.volumes() or []), *args.volumes] or None
        mounts = [*(spec.volume_mounts() or []), *args.mounts] or None
        container: dict[str, Any] = {
            "name": s.process.replace("_", "-"),
            "image": spec.image,
            # Like Fly's [processes]: the command replaces the image's CMD, its ENTRYPOINT runs.
            "args": list(s.args),
            "envs": spec.envs(),
            "resources": {"limits": {"cpu": s.cpu, "memory": s.memory}},
            "startup_probe": startup_probe(s),
            "volume_mounts": mounts,
        }
        # The dict form of the template (as runtime.py writes the shared shapes); pulumi_gcp
        # accepts it, its TypedDicts cannot say which keys are present.
        template: Any = _present(
            {
                "service_account": spec.service_account,
                "containers": [_present(container)],
                "volumes": volumes,
                "vpc_access": spec.vpc_access(),
            }
        )
        self.pool = run.WorkerPool(
            f"{name}-pool",
            name=s.name,
            location=args.region,
            deletion_protection=args.deletion_protection,
            # No launch_stage: worker pools are GA (gcloud's reference for `beta run
            # worker-pools` names the GA `gcloud run worker-pools`; the provider's examples set
            # BETA from before that). A BETA-only field added here would need launch_stage="BETA".
            # A worker pool does not autoscale on requests (it takes none): it runs `count`.
            scaling=run.WorkerPoolScalingArgs(scaling_mode="MANUAL", manual_instance_count=s.count),
            template=template,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.depends_on),
                ignore_changes=["client", "clientVersion"],
            ),
        )
        self.name: pulumi.Output[str] = self.pool.name
        self.register_outputs({"name": self.name})
