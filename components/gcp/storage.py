"""The app's buckets: private, regional, versioned in production.

Owns the buckets and their safety settings. The app's access to them (and its HMAC key) is
granted in `iam.py`.

Each bucket's logical name comes from its stable id, never its place in the list: the default
bucket (id `uploads`) keeps the logical name `<name>-bucket` and the physical name it had before
buckets had ids, so listing `storage.buckets` later adopts the existing bucket instead of
replacing it; any other id is `<name>-bucket-<id>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.settings import StorageSettings

NONCURRENT_RETENTION_DAYS = 30  # how long overwritten or deleted uploads stay recoverable
DEFAULT_BUCKET_ID = "uploads"


def bucket_suffix(bucket_id: str) -> str:
    """The logical-name suffix of a bucket (and of its grant): stable across list edits."""
    return "bucket" if bucket_id == DEFAULT_BUCKET_ID else f"bucket-{bucket_id}"


@dataclass(frozen=True)
class StorageArgs:
    settings: StorageSettings
    region: str
    production: bool
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


class Storage(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Storage"

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        s = args.settings
        lifecycle = (
            [
                # Versioning without expiry keeps every overwritten upload forever.
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                        with_state="ARCHIVED",
                        days_since_noncurrent_time=NONCURRENT_RETENTION_DAYS,
                    ),
                )
            ]
            if s.versioning
            else None
        )
        self.buckets: dict[str, gcp.storage.Bucket] = {}
        for b in s.buckets:
            self.buckets[b.id] = gcp.storage.Bucket(
                f"{name}-{bucket_suffix(b.id)}",
                name=b.name,
                location=args.region.upper(),
                uniform_bucket_level_access=True,
                public_access_prevention="enforced",
                versioning=gcp.storage.BucketVersioningArgs(enabled=s.versioning),
                lifecycle_rules=lifecycle,
                # Only a dev bucket may be deleted with objects still in it.
                force_destroy=s.force_destroy,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=list(args.depends_on),
                    protect=args.production,
                    # A bucket cannot be renamed: a new name is a new, empty bucket. A derived
                    # name is kept as Cloud Storage first accepted it when naming rules tighten
                    # (as they did for names that read as "google"); a name the config gives
                    # is the user's, and changing it shows as the replacement it is.
                    ignore_changes=[] if b.name_given else ["name"],
                ),
            )
        # Bucket id -> its name, in config order.
        self.names: dict[str, pulumi.Output[str]] = {k: v.name for k, v in self.buckets.items()}
        self.register_outputs({"names": self.names})
