"""The app image: an Artifact Registry repository and a BuildKit build tagged by content.

Owns where the image lives and which reference Cloud Run runs. The build is
`pulumi_docker_build.Image` (BuildKit; pulumi_docker v5's `Image` points there itself). The tag
is the build context's digest (`components/build_context.py`), so unchanged source is no diff
at all; Cloud Run runs the pushed *digest*, because a tag alone never rolls a revision. Layers
are cached in the same registry, so a CI runner with an empty Docker cache still builds
incrementally. With `app.image` set nothing is built and that reference is used as given: only
an `@sha256:` reference pins what runs. Given by tag, re-pushing the same tag rolls nothing
(Cloud Run resolves a tag once per revision); a new tag does roll, and reruns the migrations
because their trigger hashes the reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_docker_build as docker_build
import pulumi_gcp as gcp

from components.gcp.settings import ImageSettings

PLATFORM = docker_build.Platform.LINUX_AMD64  # the only platform Cloud Run runs
# The registry cache lives in its own package, so the repository's keep-the-10-most-recent
# cleanup counts only app images.
CACHE_SUFFIX = "-buildcache:latest"
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
            base = pulumi.Output.format(
                "{0}/{1}/{2}/{3}", server, args.project, self.repository.repository_id, s.image_name
            )
            cache = pulumi.Output.concat(base, CACHE_SUFFIX)
            self.image = docker_build.Image(
                f"{name}-image",
                tags=[pulumi.Output.concat(base, ":", s.tag)],
                context=docker_build.BuildContextArgs(location=str(s.context)),
                dockerfile=docker_build.DockerfileArgs(location=str(s.context / s.dockerfile)),
                platforms=[PLATFORM],
                build_args=dict(s.build_args) or None,
                target=s.target,
                push=True,
                # Previews (every pull request) need no Docker daemon and push nothing; the
                # tag already says whether the source changed.
                build_on_preview=False,
                cache_from=[
                    docker_build.CacheFromArgs(
                        registry=docker_build.CacheFromRegistryArgs(ref=cache)
                    )
                ],
                cache_to=[
                    docker_build.CacheToArgs(
                        registry=docker_build.CacheToRegistryArgs(
                            ref=cache,
                            mode=docker_build.CacheMode.MAX,
                            # Artifact Registry stores the cache as an OCI image manifest.
                            image_manifest=True,
                            oci_media_types=True,
                        )
                    )
                ],
                # The access token changes on every run; the provider ignores password changes
                # when diffing (pulumi-docker-build image.go, Diff), so it is no churn.
                registries=[
                    docker_build.RegistryArgs(
                        address=server,
                        username="oauth2accesstoken",
                        password=pulumi.Output.secret(token),
                    )
                ],
                opts=pulumi.ResourceOptions(parent=self),
            )
            # By digest, not by the `ref` output (a tag plus the digest): one name, one image.
            self.ref = pulumi.Output.concat(base, "@", self.image.digest)
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
