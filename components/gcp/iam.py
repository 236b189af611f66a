"""The runtime identity: a dedicated service account and the only grants it gets.

Owns the account the service and the migrations job run as, and its least-privilege grants:
`cloudsql.client` on the project, `secretAccessor` on each of its own secrets, and
`storage.objectAdmin` on each of its own buckets (which covers what a GCS FUSE volume needs:
roles/storage.objectUser for read-write, objectViewer read-only). Never the project's default
compute account, which holds Editor on the whole project. With `storage.hmac`, also the
account's HMAC key, through which S3 clients act as the account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.storage import DEFAULT_BUCKET_ID, bucket_suffix

# Read, write, list and delete objects. A superset of roles/storage.objectUser, which Cloud Run
# asks for to mount a bucket read-write through GCS FUSE (run/docs/configuring/services/
# cloud-storage-volume-mounts), and of the objectViewer a read-only mount needs.
OBJECT_ADMIN = "roles/storage.objectAdmin"


@dataclass(frozen=True)
class RuntimeIdentityArgs:
    project: str
    account_id: str
    display_name: str
    cloudsql_client: bool
    # Bucket id -> bucket name, for every bucket of the app.
    buckets: Mapping[str, pulumi.Input[str]]
    # Secret name -> fully qualified secret id (`projects/P/secrets/S`).
    secrets: Mapping[str, pulumi.Input[str]]
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)
    # An HMAC key for the account (S3-compatible access to its buckets).
    hmac: bool = False


def bucket_grant_key(bucket_id: str) -> str:
    # The default bucket's key predates bucket ids; keeping it keeps the IAM wait unchanged.
    if bucket_id == DEFAULT_BUCKET_ID:
        return f"bucket:{OBJECT_ADMIN}"
    return f"bucket:{bucket_id}:{OBJECT_ADMIN}"


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
            *(bucket_grant_key(b) for b in args.buckets),
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
        for bucket_id, bucket in args.buckets.items():
            self.grants.append(
                gcp.storage.BucketIAMMember(
                    f"{name}-{bucket_suffix(bucket_id)}-object-admin",
                    bucket=bucket,
                    role=OBJECT_ADMIN,
                    member=member,
                    opts=child,
                )
            )
        self.hmac_key: gcp.storage.HmacKey | None = None
        if args.hmac:
            # S3 clients sign with this key and act as the account, so they get exactly the
            # account's grants. Its id and secret reach the app only through Secret Manager.
            # (A service account may hold at most 10 HMAC keys; the stack makes one.)
            self.hmac_key = gcp.storage.HmacKey(
                f"{name}-hmac",
                service_account_email=self.email,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
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
