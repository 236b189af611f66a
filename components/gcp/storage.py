"""The uploads bucket: private, regional, versioned in production.

Owns the bucket and its safety settings. The app's access to it is granted in `iam.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.settings import StorageSettings

NONCURRENT_RETENTION_DAYS = 30  # how long overwritten or deleted uploads stay recoverable


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
        self.bucket = gcp.storage.Bucket(
            f"{name}-bucket",
            name=s.name,
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
                # A bucket cannot be renamed: a new name is a new, empty bucket and the old one
                # deleted. Naming rules may tighten (as they did for names that read as
                # "google"); a bucket Cloud Storage already accepted keeps its name.
                ignore_changes=["name"],
            ),
        )
        self.name: pulumi.Output[str] = self.bucket.name
        self.register_outputs({"name": self.name})
