"""Cloud SQL for PostgreSQL: the instance, the app's database and its user, and DATABASE_URL.

Owns the instance's shape (edition, tier, HA, backups, TLS), its protections, the generated
password and the URL the app connects with. The secret that carries the URL belongs to
`secrets.py`; the `/cloudsql` volume to `service.py` and `migrations.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from components.gcp.settings import DatabaseSettings

SOCKET_ROOT = "/cloudsql"
PASSWORD_LENGTH = 32
BACKUP_START = "03:00"  # UTC; a quiet hour for most apps, changeable without replacement
LOG_RETENTION_DAYS = 7  # PITR window; Enterprise edition allows 1-7 days
RETAINED_BACKUPS = 14
POSTGRES_PORT = "5432"  # Cloud SQL's; Postgrex also names the socket file after it


def database_url(user: str, password: str, database: str, connection_name: str) -> str:
    """Ecto's URL over the Cloud Run connector's Unix socket (empty host, `socket_dir`).

    The password is generated URL-safe, and quoted anyway in case that ever changes.
    """
    return (
        f"ecto://{quote(user, safe='')}:{quote(password, safe='')}@/{database}"
        f"?socket_dir={SOCKET_ROOT}/{connection_name}"
    )


def private_database_url(user: str, password: str, database: str, host: str) -> str:
    """Ecto's URL over the VPC to a private IP; TLS because the instance requires it."""
    return f"ecto://{quote(user, safe='')}:{quote(password, safe='')}@{host}/{database}?ssl=true"


@dataclass(frozen=True)
class DatabaseArgs:
    settings: DatabaseSettings
    region: str
    production: bool
    network_id: pulumi.Input[str] | None = None
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


class Database(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Database"

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        s, prod = args.settings, args.production
        self.password = random.RandomPassword(
            f"{name}-password",
            length=PASSWORD_LENGTH,
            # Letters and digits only: the password sits inside DATABASE_URL unescaped by Ecto.
            special=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        backup = gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs(
            enabled=s.backups,
            point_in_time_recovery_enabled=s.point_in_time_recovery,
            start_time=BACKUP_START if s.backups else None,
            transaction_log_retention_days=LOG_RETENTION_DAYS if s.backups else None,
            backup_retention_settings=(
                gcp.sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs(
                    retained_backups=RETAINED_BACKUPS
                )
                if s.backups
                else None
            ),
        )
        self.instance = gcp.sql.DatabaseInstance(
            f"{name}-sql",
            # No `name`: a deleted instance's name is unusable for a week, so let it auto-name.
            database_version=s.version,
            region=args.region,
            deletion_protection=s.deletion_protection,
            settings=gcp.sql.DatabaseInstanceSettingsArgs(
                # Explicit: PG16+ defaults to ENTERPRISE_PLUS, which rejects these tiers.
                edition="ENTERPRISE",
                tier=s.tier,
                availability_type=s.availability_type,
                disk_size=s.disk_gb,
                disk_autoresize=True,
                deletion_protection_enabled=s.deletion_protection,
                backup_configuration=backup,
                ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(
                    # The Cloud Run connector reaches a public-IP instance without any
                    # authorized network; a private-IP instance is reached over the VPC only.
                    ipv4_enabled=not s.private_ip,
                    private_network=args.network_id if s.private_ip else None,
                    ssl_mode="ENCRYPTED_ONLY",
                    server_ca_mode="GOOGLE_MANAGED_INTERNAL_CA",
                ),
                maintenance_window=(
                    gcp.sql.DatabaseInstanceSettingsMaintenanceWindowArgs(
                        day=7, hour=4, update_track="stable"
                    )
                    if prod
                    else None
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.depends_on),
                protect=prod,
                # `database.disk` is the size at creation only. Autoresize grows the disk and a
                # Cloud SQL disk can never shrink, so diffing against the configured size would
                # try to shrink it, which forces a replacement of the instance. The price: a
                # raised `database.disk` is ignored too; grow a disk beyond what autoresize did
                # with `gcloud sql instances patch --storage-size`.
                ignore_changes=["settings.diskSize"],
            ),
        )
        self.database = gcp.sql.Database(
            f"{name}-db",
            instance=self.instance.name,
            name=s.database_name,
            # The instance's protections guard the data; dropping the database on destroy of
            # an unprotected (dev) stack is the intended behaviour.
            opts=pulumi.ResourceOptions(parent=self, protect=prod),
        )
        self.user = gcp.sql.User(
            f"{name}-user",
            instance=self.instance.name,
            name=s.user_name,
            password=self.password.result,
            # Postgres refuses to drop a user that owns tables; abandon it with the instance.
            deletion_policy="ABANDON",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.connection_name: pulumi.Output[str] = self.instance.connection_name
        self.database_name: pulumi.Output[str] = self.database.name
        self.user_name: pulumi.Output[str] = self.user.name
        # Always a secret Output: it reaches the app only through Secret Manager.
        self.password_value: pulumi.Output[str] = pulumi.Output.secret(self.password.result)
        # What Postgrex connects to: the connector's socket directory (Postgrex's socket_dir,
        # or PGHOST starting with "/"), or the private IP.
        self.host: pulumi.Output[str] = (
            self.instance.private_ip_address
            if s.private_ip
            else self.connection_name.apply(lambda c: f"{SOCKET_ROOT}/{c}")
        )
        if s.private_ip:
            self.url: pulumi.Output[str] = pulumi.Output.secret(
                pulumi.Output.all(
                    self.user.name,
                    self.password.result,
                    self.database.name,
                    self.instance.private_ip_address,
                ).apply(lambda a: private_database_url(a[0], a[1], a[2], a[3]))
            )
        else:
            self.url = pulumi.Output.secret(
                pulumi.Output.all(
                    self.user.name, self.password.result, self.database.name, self.connection_name
                ).apply(lambda a: database_url(a[0], a[1], a[2], a[3]))
            )
        self.register_outputs(
            {"connection_name": self.connection_name, "database_name": self.database_name}
        )
