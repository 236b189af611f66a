"""The Cloud Run v2 service that runs the Phoenix release.

Owns the revision template: size and scaling, LiveView's websocket needs (hour-long requests,
session affinity, HTTP/1), probes, env and secret references, the Cloud SQL socket, Direct VPC
egress, and public access. It runs the image by digest and rolls only after the migrations job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.gcp.runtime import GEN2, RuntimeSpec
from components.gcp.settings import REQUEST_TIMEOUT, ServiceSettings

run = gcp.cloudrunv2


@dataclass(frozen=True)
class ServiceArgs:
    settings: ServiceSettings
    region: str
    runtime: RuntimeSpec
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)
    # The web process's own volumes (GCS FUSE, NFS): template volumes and container mounts.
    volumes: Sequence[Any] = ()
    mounts: Sequence[Any] = ()


class Service(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Service"

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        s, spec, p = args.settings, args.runtime, args.settings.probe
        headers = [
            run.ServiceTemplateContainerStartupProbeHttpGetHttpHeaderArgs(name=k, value=v)
            for k, v in p.headers
        ] or None
        # The startup probe gates traffic and may check dependencies. `none` declares no probe:
        # Cloud Run then applies its own TCP startup probe on the port.
        startup = None
        if p.type == "http":
            startup = run.ServiceTemplateContainerStartupProbeArgs(
                http_get=run.ServiceTemplateContainerStartupProbeHttpGetArgs(
                    path=p.path, port=s.port, http_headers=headers
                ),
                initial_delay_seconds=p.initial_delay_s,
                period_seconds=p.period_s,
                timeout_seconds=p.timeout_s,
                failure_threshold=p.startup_failure_threshold,
            )
        elif p.type == "tcp":
            startup = run.ServiceTemplateContainerStartupProbeArgs(
                tcp_socket=run.ServiceTemplateContainerStartupProbeTcpSocketArgs(port=s.port),
                initial_delay_seconds=p.initial_delay_s,
                period_seconds=p.period_s,
                timeout_seconds=p.timeout_s,
                failure_threshold=p.startup_failure_threshold,
            )
        # The liveness probe restarts the instance, so it is shallow (its own path) or absent,
        # never the deep one. It sends the same headers as the check (a Host the router wants).
        liveness = (
            run.ServiceTemplateContainerLivenessProbeArgs(
                http_get=run.ServiceTemplateContainerLivenessProbeHttpGetArgs(
                    path=p.liveness_path,
                    port=s.port,
                    http_headers=[
                        run.ServiceTemplateContainerLivenessProbeHttpGetHttpHeaderArgs(
                            name=k, value=v
                        )
                        for k, v in p.headers
                    ]
                    or None,
                ),
                period_seconds=p.period_s,
                timeout_seconds=p.timeout_s,
                failure_threshold=p.liveness_failure_threshold,
            )
            if p.liveness_path is not None
            else None
        )
        container = run.ServiceTemplateContainerArgs(
            name="app",
            image=spec.image,
            # "http1", not "h2c": LiveView's websockets upgrade over HTTP/1.1.
            ports=run.ServiceTemplateContainerPortsArgs(name="http1", container_port=s.port),
            resources=run.ServiceTemplateContainerResourcesArgs(
                limits={"cpu": s.cpu, "memory": s.memory},
                # Once `resources` is set the provider no longer defaults this: say it.
                cpu_idle=s.cpu_idle,
                startup_cpu_boost=True,
            ),
            # The web process's command replaces the image's CMD only, as on Fly.
            args=list(s.args) if s.args is not None else None,
            envs=spec.envs(),
            startup_probe=startup,
            liveness_probe=liveness,
            volume_mounts=[*(spec.volume_mounts() or []), *args.mounts] or None,
        )
        template = run.ServiceTemplateArgs(
            service_account=spec.service_account,
            containers=[container],
            # LiveView sockets are one long request each: allow Cloud Run's maximum, and keep a
            # reconnecting client on the instance that holds its state where possible.
            timeout=REQUEST_TIMEOUT,
            session_affinity=True,
            max_instance_request_concurrency=s.concurrency,
            scaling=run.ServiceTemplateScalingArgs(
                min_instance_count=s.min_instances, max_instance_count=s.max_instances
            ),
            volumes=[*(spec.volumes() or []), *args.volumes] or None,
            vpc_access=spec.vpc_access(),
            execution_environment=GEN2 if args.volumes else None,
        )
        self.service = run.Service(
            f"{name}-service",
            name=s.name,
            location=args.region,
            ingress="INGRESS_TRAFFIC_ALL",
            # Public without an allUsers binding, which domain-restricted organisations reject.
            invoker_iam_disabled=s.public,
            deletion_protection=s.deletion_protection,
            # The API fills in a service-level scaling block; declaring it avoids a permanent
            # diff. Per-revision min/max live in the template.
            scaling=run.ServiceScalingArgs(min_instance_count=0),
            template=template,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.depends_on),
                # gcloud and the console stamp these; they are not ours to fight over.
                ignore_changes=["client", "clientVersion"],
            ),
        )
        self.name: pulumi.Output[str] = self.service.name
        self.uri: pulumi.Output[str] = self.service.uri
        self.register_outputs({"name": self.name, "uri": self.uri})
