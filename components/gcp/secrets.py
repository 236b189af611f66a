"""Secret Manager: one secret per value the app receives, and the values themselves.

Owns the generated secrets (SECRET_KEY_BASE, RELEASE_COOKIE, from pulumi_random), the secret
containers and their versions. Derived values (DATABASE_URL, REDIS_URL, REDIS_CA_CERT) come from
`database.py` and `cache.py`, supplied ones from Pulumi secret config. Who may read them is
`iam.py`'s business; how the app reads them (by pinned version) is `service.py`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random


def _slug(key: str) -> str:
    return key.lower().replace("_", "-")


@dataclass(frozen=True)
class SecretsArgs:
    # Secret name (the env var) -> Secret Manager id, for every secret.
    ids: Mapping[str, str]
    # Values for the derived and supplied secrets, each a secret Output.
    values: Mapping[str, pulumi.Input[str]]
    # Generated secrets and their lengths.
    generated: Mapping[str, int]
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


class Secrets(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Secrets"

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        unknown = (set(args.values) | set(args.generated)) ^ set(args.ids)
        if unknown:
            raise ValueError(f"secrets without an id or without a value: {sorted(unknown)}")
        values: dict[str, pulumi.Input[str]] = dict(args.values)
        for key, length in sorted(args.generated.items()):
            generated = random.RandomPassword(
                f"{name}-{_slug(key)}",
                length=length,
                # Phoenix and the Erlang cookie both take letters and digits fine.
                special=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            values[key] = generated.result
        self.secrets: dict[str, gcp.secretmanager.Secret] = {}
        self.versions: dict[str, gcp.secretmanager.SecretVersion] = {}
        for key in sorted(args.ids):
            secret = gcp.secretmanager.Secret(
                f"{name}-{_slug(key)}",
                secret_id=args.ids[key],
                replication=gcp.secretmanager.SecretReplicationArgs(
                    auto=gcp.secretmanager.SecretReplicationAutoArgs()
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
            )
            self.secrets[key] = secret
            self.versions[key] = gcp.secretmanager.SecretVersion(
                f"{name}-{_slug(key)}",
                secret=secret.id,
                secret_data=pulumi.Output.secret(values[key]),
                # A new value replaces the version. Destroying the old one is irreversible and
                # strands any revision still pinned to it (a rollback); disabled, it can be
                # re-enabled to bring that revision back.
                deletion_policy="DISABLE",
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.names: list[str] = sorted(args.ids)
        self.register_outputs({"names": self.names})

    def refs(self) -> dict[str, tuple[pulumi.Output[str], pulumi.Output[str]]]:
        """Secret name -> (Secret Manager id, version number) for env var references."""
        return {
            k: (self.secrets[k].secret_id, self.versions[k].version) for k in sorted(self.secrets)
        }
