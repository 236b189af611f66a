"""The app image: an Artifact Registry repository and a build tagged by content.

Owns where the image lives and which reference Cloud Run runs. The tag is the build context's
digest (`components/build_context.py`), so unchanged source is no diff at all; Cloud Run runs
the pushed *digest*, because a tag alone never rolls a revision. With `app.image` set nothing is
built and that reference is used as given: only an `@sha256:` reference pins what runs. Given by
tag, re-pushing the same tag rolls nothing (Cloud Run resolves a tag once per revision); a new
tag does roll, and reruns the migrations because their token hashes the reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker
import pulumi_gcp as gcp

from components.gcp.settings import ImageSettings

PLATFORM = "linux/amd64"  # the only platform Cloud Run runs
KEEP_RECENT_VERSIONS = 10
DELETE_AFTER = f"{30 * 24 * 3600}s"


@dataclass(frozen=True)
class ImageArgs:
    settings: ImageSettings
    project: str
    region: str
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


class Image(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Image"

    def __init__(self, name: str, args: ImageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        s = args.settings
        self.repository: gcp.artifactregistry.Repository | None = None
        if s.prebuilt is not None:
            self.ref: pulumi.Output[str] = pulumi.Output.from_input(s.prebuilt)
        else:
            assert s.context is not None and s.tag is not None
            self.repository = gcp.artifactregistry.Repository(
                f"{name}-repo",
                repository_id=s.repository_id,
                location=args.region,
                format="DOCKER",
                cleanup_policies=_cleanup_policies() if s.cleanup_policies else None,
                cleanup_policy_dry_run=False if s.cleanup_policies else None,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
            )
            server = f"{args.region}-docker.pkg.dev"
            token = gcp.organizations.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self)
            ).access_token
            self.image = docker.Image(
                f"{name}-image",
                image_name=pulumi.Output.format(
                    "{0}/{1}/{2}/{3}:{4}",
                    server,
                    args.project,
                    self.repository.repository_id,
                    s.image_name,
                    s.tag,
                ),
                build=docker.DockerBuildArgs(
                    context=str(s.context),
                    dockerfile=str(s.context / s.dockerfile),
                    platform=PLATFORM,
                ),
                registry=docker.RegistryArgs(
                    server=server,
                    username="oauth2accesstoken",
                    password=pulumi.Output.secret(token),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.ref = self.image.repo_digest
        self.register_outputs({"ref": self.ref})


def _cleanup_policies() -> list[gcp.artifactregistry.RepositoryCleanupPolicyArgs]:
    # Artifact Registry applies KEEP before DELETE: the recent images, including the one
    # running, survive however old they are.
    return [
        gcp.artifactregistry.RepositoryCleanupPolicyArgs(
            id="keep-recent",
            action="KEEP",
            most_recent_versions=gcp.artifactregistry.RepositoryCleanupPolicyMostRecentVersionsArgs(
                keep_count=KEEP_RECENT_VERSIONS
            ),
        ),
        gcp.artifactregistry.RepositoryCleanupPolicyArgs(
            id="delete-old",
            action="DELETE",
            condition=gcp.artifactregistry.RepositoryCleanupPolicyConditionArgs(
                tag_state="ANY", older_than=DELETE_AFTER
            ),
        ),
    ]
