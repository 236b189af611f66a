"""The migrations job: the migrate command with the service's image, secrets and socket.

Owns the Cloud Run job, when it runs, and what it waits for.

When it runs. Cloud Run can start an execution itself when a job carrying a
`run_execution_token` is created or updated, but the provider sends that token on *every*
update of the job (magic-modules' generated Update puts each set field in the PATCH body, and
Job.yaml has no update mask), and the API forgets the token as soon as the job is executed any
other way: the console, gcloud, a scheduler, a retry (magic-modules PR #19060). After that a
refresh sees no token, the next `pulumi up` re-sends it, and Cloud Run answers
"Resource '<job>-<token>' already exists"; a failed first run leaves the job in the same state.
Either way every later `pulumi up` fails until the job spec changes. So the job carries no
token, and a separate `command.local.Command` runs it with `gcloud run jobs execute --wait`:
Cloud Run names each execution itself, so nothing can already exist; the command's trigger is a
hash of the job's whole runtime spec, so it runs again exactly when the image, env, secret
versions or connections change, and never for an out-of-band execution or a refresh; and a
failed run is not recorded, so the next `pulumi up` runs it again. `pulumi up` waits for the
execution to finish, and the service depends on it: new code ships only after its migrations.

What it waits for. IAM grants are eventually consistent ("typically 2 minutes, potentially 7
minutes or longer", iam/docs/access-change-propagation), and Cloud Run checks secret access when
it deploys (terraform-provider-google #13786). A `pulumiverse_time.Sleep` after the grants holds
the job back; it sleeps again only when the grants change, and on a first deploy it runs beside
the much slower Cloud SQL creation. Attempts that still lose a race, or meet a socket that is
not ready yet, are retried by the job itself: Ecto runs each migration in its own transaction
and records it, so a retried task resumes where the failed one stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp.cloudrunv2 as run
import pulumiverse_time as time
from pulumi_command import local

from components import naming
from components.gcp.runtime import RuntimeSpec
from components.gcp.settings import MIGRATION_TIMEOUT

MIGRATE_COMMAND = ("/app/bin/migrate",)  # written by `mix phx.gen.release`
# Two retries: a grant still propagating, or the first connection through Direct VPC egress
# taking "a minute or more" (run/docs/configuring/vpc-direct-vpc), fails one attempt, not the
# deploy. A genuinely broken migration fails three times and stops the deploy.
MAX_RETRIES = 2
IAM_PROPAGATION = "2m"  # Google's typical propagation time; the retries cover the rest


def execute_command(job: str, region: str, project: str) -> str:
    """The command that runs the job once and exits non-zero unless it succeeded."""
    return f"gcloud run jobs execute {job} --region {region} --project {project} --wait --quiet"


@dataclass(frozen=True)
class MigrationsArgs:
    job_name: str
    region: str
    project: str
    runtime: RuntimeSpec
    deletion_protection: bool
    # The container's command; the release's migrate script by default.
    command: tuple[str, ...] = MIGRATE_COMMAND
    timeout: str = MIGRATION_TIMEOUT
    max_retries: int = MAX_RETRIES
    # The runtime account's grants, which must have propagated before the job deploys, and
    # stable names for them (the wait is repeated when these change).
    grants: Sequence[pulumi.Resource] = field(default_factory=tuple)
    grant_keys: tuple[str, ...] = ()
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


class Migrations(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Migrations"

    def __init__(self, name: str, args: MigrationsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        spec = args.runtime
        self.iam_wait = time.Sleep(
            f"{name}-iam-propagation",
            create_duration=IAM_PROPAGATION,
            triggers={"grants": ",".join(sorted(args.grant_keys))},
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.grants)),
        )
        container = run.JobTemplateTemplateContainerArgs(
            name="migrate",
            image=spec.image,
            commands=list(args.command),
            envs=spec.envs(),
            volume_mounts=spec.volume_mounts(),
        )
        self.job = run.Job(
            f"{name}-job",
            name=args.job_name,
            location=args.region,
            deletion_protection=args.deletion_protection,
            template=run.JobTemplateArgs(
                task_count=1,
                parallelism=1,
                template=run.JobTemplateTemplateArgs(
                    service_account=spec.service_account,
                    containers=[container],
                    max_retries=args.max_retries,
                    timeout=args.timeout,
                    volumes=spec.volumes(),
                    vpc_access=spec.vpc_access(),
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*args.depends_on, self.iam_wait],
                ignore_changes=["client", "clientVersion"],
            ),
        )
        # Everything the job runs with, in the shape it is registered in: any change to the job
        # that could need a migration runs it once more.
        runtime_spec = {
            "image": spec.image,
            "commands": list(args.command),
            "service_account": spec.service_account,
            "envs": spec.envs(),
            "volume_mounts": spec.volume_mounts(),
            "volumes": spec.volumes(),
            "vpc_access": spec.vpc_access(),
            "timeout": args.timeout,
        }
        self.trigger: pulumi.Output[str] = pulumi.Output.from_input(runtime_spec).apply(
            naming.execution_token
        )
        self.run = local.Command(
            f"{name}-run",
            create=self.job.name.apply(lambda job: execute_command(job, args.region, args.project)),
            triggers=[self.trigger],
            # Never prompt: there is nobody to answer during `pulumi up`.
            environment={"CLOUDSDK_CORE_DISABLE_PROMPTS": "1"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.job]),
        )
        self.name: pulumi.Output[str] = self.job.name
        self.register_outputs({"name": self.name})
