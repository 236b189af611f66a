"""The optional `usage:` block of infera.yaml: what `phxstack cost` assumes about traffic.

Owns the names, bounds and default assumptions of the usage-dependent cost items. Nothing here
changes what is deployed: the program never reads it, only the estimate does
(`phxstack.cost`). A key set to (or defaulting to) `null` has no assumption, and its item prints
"depends on usage" with its unit price instead of a number. Per-stack values go under
`environments:` like any other key.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# The defaults are the assumptions the seed's own cost table rests on (the pricing facts'
# seed_check): an app nobody uses yet, so no busy hours, requests, egress or stored objects
# (the seed counted none), and the 2.5M commands behind the seed's $5 of Upstash. The items
# the seed did not price at all (backups, job runs, images, secret reads, snapshots) have no
# default: they print "depends on usage".
DEFAULT_ACTIVE_INSTANCE_HOURS = 0
DEFAULT_REQUESTS = 0
DEFAULT_EGRESS_GB = 0
DEFAULT_REDIS_COMMANDS = 2_500_000
DEFAULT_STORAGE_GB = 0
DEFAULT_STORAGE_OPERATIONS = 0


class Usage(BaseModel):
    """Monthly usage the cost estimate assumes; none of it changes the infrastructure."""

    # The same strictness as config.model's models: a typo or a quoted number is reported.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)

    active_instance_hours: float | None = Field(
        DEFAULT_ACTIVE_INSTANCE_HOURS,
        ge=0,
        description="Cloud Run: instance-hours a month with at least one request or LiveView "
        "socket open, over all instances (0: an idle app; sockets open all month on every "
        "warm instance: count x 730).",
    )
    requests: int | None = Field(
        DEFAULT_REQUESTS,
        ge=0,
        description="Cloud Run: requests a month (request billing charges them).",
    )
    egress_gb: float | None = Field(
        DEFAULT_EGRESS_GB, ge=0, description="GB a month the app sends to the internet."
    )
    redis_commands: int | None = Field(
        DEFAULT_REDIS_COMMANDS,
        ge=0,
        description="Upstash pay-as-you-go: Redis commands a month (PubSub publishes count).",
    )
    storage_gb: float | None = Field(
        DEFAULT_STORAGE_GB,
        ge=0,
        description="Object storage: GB stored (GCS or Tigris), all buckets.",
    )
    storage_class_a_operations: int | None = Field(
        DEFAULT_STORAGE_OPERATIONS,
        ge=0,
        description="Object storage: writes and lists a month (Class A).",
    )
    storage_class_b_operations: int | None = Field(
        DEFAULT_STORAGE_OPERATIONS, ge=0, description="Object storage: reads a month (Class B)."
    )
    secret_access_operations: int | None = Field(
        None,
        ge=0,
        description="Secret Manager: secret reads a month (Cloud Run reads each one when an "
        "instance starts).",
    )
    image_storage_gb: float | None = Field(
        None, ge=0, description="Artifact Registry: GB of images kept."
    )
    backup_gb: float | None = Field(None, ge=0, description="Cloud SQL: GB of backups kept.")
    job_minutes: float | None = Field(
        None,
        ge=0,
        description="Cloud Run jobs (the migrations job): task-minutes a month, all runs.",
    )
    volume_snapshot_gb: float | None = Field(
        None, ge=0, description="Fly: GB of volume snapshots kept (Fly takes them daily)."
    )
