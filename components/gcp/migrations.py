"""The migrations job: `/app/bin/migrate` with the service's image, secrets and socket.

Owns the Cloud Run job and when it runs. `run_execution_token` comes from the image digest, so
each new image runs its migrations once, and `pulumi up` waits for them to complete before the
service (which depends on this job) rolls. Don't execute the job by hand: the API then forgets
the token and the next plan shows a diff (gcp.md §2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.runtime import RuntimeSpec
from components.gcp.settings import MIGRATION_TIMEOUT

run = gcp.cloudrunv2

MIGRATE_COMMAND = "/app/bin/migrate"  # written by `mix phx.gen.release`


@dataclass(frozen=True)
class MigrationsArgs:
    job_name: str
    region: str
    runtime: RuntimeSpec
    execution_token: pulumi.Input[str]
    deletion_protection: bool
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


class Migrations(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Migrations"

    def __init__(self, name: str, args: MigrationsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        spec = args.runtime
        container = run.JobTemplateTemplateContainerArgs(
            name="migrate",
            image=spec.image,
            commands=[MIGRATE_COMMAND],
            envs=spec.envs(),
            volume_mounts=spec.volume_mounts(),
        )
        self.job = run.Job(
            f"{name}-job",
            name=args.job_name,
            location=args.region,
            deletion_protection=args.deletion_protection,
            run_execution_token=args.execution_token,
            template=run.JobTemplateArgs(
                task_count=1,
                parallelism=1,
                template=run.JobTemplateTemplateArgs(
                    service_account=spec.service_account,
                    containers=[container],
                    # A failed migration must fail the deploy, not be retried half-applied.
                    max_retries=0,
                    timeout=MIGRATION_TIMEOUT,
                    volumes=spec.volumes(),
                    vpc_access=spec.vpc_access(),
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.depends_on),
                ignore_changes=["client", "clientVersion"],
            ),
        )
        self.name: pulumi.Output[str] = self.job.name
        self.register_outputs({"name": self.name})
