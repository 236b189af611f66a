"""Cloud SQL for PostgreSQL tiers: their memory, their connection limit, and the app's budget.

Owns the facts that turn a tier into `max_connections`, and the arithmetic that compares it with
what the app can open at peak. `validate` (config.model), the GCP settings and the policy pack
all use it; the pack runs with only `policy/` on its path, so the facts live here and this
module imports nothing from the project.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# Shared-core tiers and their memory in MiB (sql/docs/postgres/instance-settings).
SHARED_CORE_TIERS: tuple[tuple[str, int], ...] = (("db-f1-micro", 614), ("db-g1-small", 1740))
# Custom machine rules (same page): 1 or an even number of vCPUs up to 96, 0.9-6.5 GB per vCPU,
# memory a multiple of 256 MB and at least 3840 MB.
CUSTOM_MIB_PER_VCPU = (922, 6656)
CUSTOM_MIN_MIB = 3840
CUSTOM_STEP_MIB = 256
CUSTOM_MAX_VCPU = 96

# Default `max_connections` by instance memory, "Cloud SQL for PostgreSQL connection limits"
# (sql/docs/postgres/quotas#cloud-sql-for-postgresql-connection-limits): 0.6 GiB (db-f1-micro)
# 25, 1.7 GiB (db-g1-small) 50, then rows of (memory from, in GiB; connections).
SHARED_CORE_MAX_CONNECTIONS = {"db-f1-micro": 25, "db-g1-small": 50}
MAX_CONNECTIONS_BY_GIB: tuple[tuple[float, int], ...] = (
    (3.75, 100),
    (6.0, 200),
    (7.5, 400),
    (15.0, 500),
    (30.0, 600),
    (60.0, 800),
    (120.0, 1000),
)
# PostgreSQL keeps `superuser_reserved_connections` (default 3) for superusers, which the app's
# user is not; past the rest it gets "remaining connection slots are reserved".
RESERVED_CONNECTIONS = 3
# `/app/bin/migrate` (phx.gen.release) runs Ecto.Migrator.with_repo, whose pool defaults to 2
# (ecto_sql lib/ecto/migrator.ex).
MIGRATION_POOL = 2


def cloud_sql_tier(size_mib: int) -> str:
    """The smallest Cloud SQL (Enterprise edition) tier with at least `size_mib` of memory."""
    for tier, mib in SHARED_CORE_TIERS:
        if size_mib <= mib:
            return tier
    vcpus = 1
    while size_mib > vcpus * CUSTOM_MIB_PER_VCPU[1]:
        vcpus = 2 if vcpus == 1 else vcpus + 2
    if vcpus > CUSTOM_MAX_VCPU:
        raise ValueError(
            f"database.size {size_mib}mb is more than Cloud SQL Enterprise custom tiers offer"
        )
    memory = max(size_mib, CUSTOM_MIN_MIB, vcpus * CUSTOM_MIB_PER_VCPU[0])
    memory = math.ceil(memory / CUSTOM_STEP_MIB) * CUSTOM_STEP_MIB
    return f"db-custom-{vcpus}-{memory}"


def tier_memory_mib(tier: str) -> int | None:
    """Memory of a tier this module knows (shared-core, custom, n1-standard/highmem), or None."""
    shared = dict(SHARED_CORE_TIERS)
    if tier in shared:
        return shared[tier]
    if m := re.fullmatch(r"db-custom-(\d+)-(\d+)", tier):
        return int(m.group(2))
    if m := re.fullmatch(r"db-n1-(standard|highmem)-(\d+)", tier):
        per_vcpu = 3840 if m.group(1) == "standard" else 6656
        return per_vcpu * int(m.group(2))
    return None


def max_connections(tier: str) -> int | None:
    """Cloud SQL's default `max_connections` for `tier`, or None for a tier not in the table."""
    if tier in SHARED_CORE_MAX_CONNECTIONS:
        return SHARED_CORE_MAX_CONNECTIONS[tier]
    mib = tier_memory_mib(tier)
    if mib is None:
        return None
    gib = mib / 1024
    rows = [n for floor, n in MAX_CONNECTIONS_BY_GIB if gib >= floor]
    return rows[-1] if rows else None


def smallest_size_for(connections: int) -> tuple[str, int] | None:
    """The smallest `database.size` (and its tier) whose limit leaves `connections` free."""
    for tier, mib in SHARED_CORE_TIERS:
        if SHARED_CORE_MAX_CONNECTIONS[tier] - RESERVED_CONNECTIONS >= connections:
            return tier, mib
    for floor, limit in MAX_CONNECTIONS_BY_GIB:
        if limit - RESERVED_CONNECTIONS >= connections:
            tier = cloud_sql_tier(math.ceil(floor * 1024))
            return tier, tier_memory_mib(tier) or 0
    return None


@dataclass(frozen=True)
class ConnectionBudget:
    """The most connections the app can hold at once, against what the database takes."""

    tier: str
    max_connections: int
    pool_size: int
    max_instances: int
    # New-revision instances Cloud Run starts while the old revision still holds its pools.
    surge: int
    migrations: int = MIGRATION_POOL
    # Worker pool instances (deployment.processes): each runs the release, with its own pool.
    workers: int = 0

    @property
    def demand(self) -> int:
        return self.pool_size * (self.max_instances + self.surge + self.workers) + self.migrations

    @property
    def available(self) -> int:
        return self.max_connections - RESERVED_CONNECTIONS

    @property
    def exceeded(self) -> bool:
        return self.demand > self.available

    def message(self) -> str:
        slots = self.max_instances + self.surge + self.workers
        fit_pool = (self.available - self.migrations) // slots
        fixes = [
            f"set database.pool_size to {fit_pool} or less"
            if fit_pool >= 1
            else "lower database.pool_size"
        ]
        bigger = smallest_size_for(self.demand)
        if bigger is not None:
            tier, mib = bigger
            fixes.append(
                f"give the database more memory (database.size: {mib}mb is {tier}, "
                f"{max_connections(tier)} connections)"
            )
        fixes.append("run fewer instances (deployment.machines.max_count)")
        return (
            f"up to {self.demand} database connections ({self.pool_size} pool x "
            f"({self.max_instances} instances + {self.surge} starting during a rollout"
            + (f" + {self.workers} worker pool instances" if self.workers else "")
            + f") + {self.migrations} for migrations), but {self.tier} allows "
            f"{self.max_connections} ({RESERVED_CONNECTIONS} reserved for superusers, so "
            f"{self.available}); " + ", or ".join(fixes)
        )
