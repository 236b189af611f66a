"""The migrations job: `/app/bin/migrate` with the service's image, secrets and socket.

Owns the Cloud Run job and when it runs. Cloud Run executes the job on every create or update
that carries a new `run_execution_token`, and rejects an update that re-sends the old one
("<job>-<token> already exists"). The token is therefore a hash of the job's whole runtime spec
(image, env values, secret versions, Cloud SQL socket, network): a new image or a new env runs
the migrations once, which is harmless because migrations are idempotent, and `pulumi up`
waits for them to complete before the service (which depends on this job) rolls; an unchanged
job keeps its token and runs nothing. Don't execute the job by hand: the API then forgets the
token and the next plan shows a diff (gcp.md §2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components import naming
from components.gcp.runtime import RuntimeSpec
from components.gcp.settings import MIGRATION_TIMEOUT

run = gcp.cloudrunv2

MIGRATE_COMMAND = "/app/bin/migrate"  # written by `mix phx.gen.release`


@dataclass(frozen=True)
class MigrationsArgs:
    job_name: str
    region: str
    runtime: RuntimeSpec
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
        # Everything the job runs with, in the shape it is registered in, so that no change
        # to the job can reach the API with the previous token.
        runtime_spec = {
            "image": spec.image,
            "commands": [MIGRATE_COMMAND],
            "service_account": spec.service_account,
            "envs": spec.envs(),
            "volume_mounts": spec.volume_mounts(),
            "volumes": spec.volumes(),
            "vpc_access": spec.vpc_access(),
            "timeout": MIGRATION_TIMEOUT,
        }
        token = pulumi.Output.from_input(runtime_spec).apply(naming.execution_token)
        self.job = run.Job(
            f"{name}-job",
            name=args.job_name,
            location=args.region,
            deletion_protection=args.deletion_protection,
            run_execution_token=token,
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
