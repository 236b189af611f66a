"""The runtime identity: a dedicated service account and the only grants it gets.

Owns the account the service and the migrations job run as, and its least-privilege grants:
`cloudsql.client` on the project, `secretAccessor` on each of its own secrets, and
`storage.objectAdmin` on its own bucket. Never the project's default compute account, which
holds Editor on the whole project.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp


@dataclass(frozen=True)
class RuntimeIdentityArgs:
    project: str
    account_id: str
    display_name: str
    cloudsql_client: bool
    bucket: pulumi.Input[str] | None
    # Secret name -> fully qualified secret id (`projects/P/secrets/S`).
    secrets: Mapping[str, pulumi.Input[str]]
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


class RuntimeIdentity(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:RuntimeIdentity"

    def __init__(
        self, name: str, args: RuntimeIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__(self.TYPE, name, None, opts)
        self.account = gcp.serviceaccount.Account(
            f"{name}-sa",
            account_id=args.account_id,
            display_name=args.display_name,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        self.email: pulumi.Output[str] = self.account.email
        member = self.account.email.apply(lambda e: f"serviceAccount:{e}")
        child = pulumi.ResourceOptions(parent=self)
        self.grants: list[pulumi.Resource] = []
        # What is granted, named without any id known only after apply, so a wait on the
        # grants can tell a new grant from an unchanged one even during a preview.
        self.grant_keys: tuple[str, ...] = (
            *(["project:roles/cloudsql.client"] if args.cloudsql_client else []),
            *(["bucket:roles/storage.objectAdmin"] if args.bucket is not None else []),
            *(f"secret:{k}:roles/secretmanager.secretAccessor" for k in sorted(args.secrets)),
        )
        if args.cloudsql_client:
            self.grants.append(
                gcp.projects.IAMMember(
                    f"{name}-cloudsql-client",
                    project=args.project,
                    role="roles/cloudsql.client",
                    member=member,
                    opts=child,
                )
            )
        if args.bucket is not None:
            self.grants.append(
                gcp.storage.BucketIAMMember(
                    f"{name}-bucket-object-admin",
                    bucket=args.bucket,
                    role="roles/storage.objectAdmin",
                    member=member,
                    opts=child,
                )
            )
        self.secret_grants: list[pulumi.Resource] = [
            gcp.secretmanager.SecretIamMember(
                f"{name}-secret-{key.lower().replace('_', '-')}",
                secret_id=secret,
                role="roles/secretmanager.secretAccessor",
                member=member,
                opts=child,
            )
            for key, secret in sorted(args.secrets.items())
        ]
        self.grants.extend(self.secret_grants)
        self.register_outputs({"email": self.email})
