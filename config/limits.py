"""What each provider really accepts: regions, machine sizes, reserved names.

Owns the facts; `config.model` turns them into validation errors. Facts are dated and sourced
so that a reader can re-check them when a provider changes its catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

# Fly.io regions that accept new Machines (fly.io/docs/reference/regions, checked 2026-08).
# Fly consolidated its smaller regions into these in 2024-25; the retired codes get a hint.
FLY_REGIONS: frozenset[str] = frozenset(
    [
        "ams",
        "arn",
        "bom",
        "cdg",
        "dfw",
        "ewr",
        "fra",
        "gru",
        "iad",
        "jnb",
        "lax",
        "lhr",
        "nrt",
        "ord",
        "sin",
        "sjc",
        "syd",
        "yyz",
    ]
)
FLY_RETIRED_REGIONS: dict[str, str] = {
    "atl": "iad", "bog": "gru", "bos": "ewr", "den": "dfw", "eze": "gru", "gdl": "dfw",
    "hkg": "sin", "mad": "cdg", "mia": "iad", "otp": "fra", "phx": "lax", "qro": "dfw",
    "scl": "gru", "sea": "sjc", "waw": "fra", "yul": "yyz",
}  # fmt: skip

# Cloud Run regions (cloud.google.com/run/docs/locations, checked 2026-08).
GCP_REGIONS: frozenset[str] = frozenset(
    [
        "africa-south1",
        "asia-east1",
        "asia-east2",
        "asia-northeast1",
        "asia-northeast2",
        "asia-northeast3",
        "asia-south1",
        "asia-south2",
        "asia-southeast1",
        "asia-southeast2",
        "australia-southeast1",
        "australia-southeast2",
        "europe-central2",
        "europe-north1",
        "europe-north2",
        "europe-southwest1",
        "europe-west1",
        "europe-west2",
        "europe-west3",
        "europe-west4",
        "europe-west6",
        "europe-west8",
        "europe-west9",
        "europe-west10",
        "europe-west12",
        "me-central1",
        "me-central2",
        "me-west1",
        "northamerica-northeast1",
        "northamerica-northeast2",
        "northamerica-south1",
        "southamerica-east1",
        "southamerica-west1",
        "us-central1",
        "us-east1",
        "us-east4",
        "us-east5",
        "us-south1",
        "us-west1",
        "us-west2",
        "us-west3",
        "us-west4",
    ]
)

DEFAULT_REGION = {"fly": "iad", "gcp": "us-central1"}


@dataclass(frozen=True)
class FlySize:
    """A Fly Machine preset: CPU kind, CPU count and the memory range the platform allows."""

    name: str
    cpu_kind: str
    cpus: int
    min_memory_mib: int
    max_memory_mib: int


def _fly_sizes() -> dict[str, FlySize]:
    # fly-go limits (fly.md §2): shared 256-2048 MB per CPU, performance 2048-8192 MB per CPU.
    sizes: dict[str, FlySize] = {}
    for n in (1, 2, 4, 8):
        sizes[f"shared-cpu-{n}x"] = FlySize(f"shared-cpu-{n}x", "shared", n, 256 * n, 2048 * n)
    for n in (1, 2, 4, 8, 16):
        sizes[f"performance-{n}x"] = FlySize(
            f"performance-{n}x", "performance", n, 2048 * n, 8192 * n
        )
    return sizes


FLY_SIZES: dict[str, FlySize] = _fly_sizes()
# Fly allocates memory in 256 MB steps (fly-go `MachineGuest` validation).
FLY_MEMORY_STEP_MIB = 256
# flyctl lowers a [[services]] / [http_service] check's interval, timeout or grace period above
# one minute to one minute, and refuses a machine check timeout above 60 s
# (internal/appconfig/validation.go).
FLY_SERVICE_CHECK_MAX_S = 60.0

# Cloud Run CPU -> memory bounds in MiB (Cloud Run docs, "memory limits" page
# and the pulumi_gcp 10.2 docstring: 4 CPUs need >= 2Gi, 6 or more need >= 4Gi).
CLOUD_RUN_MEMORY_MIB: dict[int, tuple[int, int]] = {
    1: (512, 4 * 1024),
    2: (512, 8 * 1024),
    4: (2 * 1024, 16 * 1024),
    6: (4 * 1024, 24 * 1024),
    8: (4 * 1024, 32 * 1024),
}
# Cloud Run's per-instance request concurrency ceiling (run/docs/about-concurrency).
CLOUD_RUN_MAX_CONCURRENCY = 1000
# Cloud Run's request timeout ceiling; LiveView websockets live as long as one request.
CLOUD_RUN_MAX_TIMEOUT_S = 3600
# Startup probes accept at most 240 s for period and initial delay (pulumi_gcp 10.2 docstring).
CLOUD_RUN_MAX_PROBE_PERIOD_S = 240

DEFAULT_MACHINE = {"fly": ("shared-cpu-2x", 512), "gcp": ("2", 2048)}  # the seed's two columns

# Memorystore for Redis capacity bounds in GiB (Memorystore for Redis docs, "tiers").
MEMORYSTORE_MIN_GIB = 1
MEMORYSTORE_MAX_GIB = 300

# Env names the platforms set themselves; a user value would be ignored or break the runtime.
CLOUD_RUN_RESERVED_ENV: frozenset[str] = frozenset(
    {"PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION", "CLOUD_RUN_JOB",
     "CLOUD_RUN_EXECUTION", "CLOUD_RUN_TASK_INDEX", "CLOUD_RUN_TASK_ATTEMPT",
     "CLOUD_RUN_TASK_COUNT"}
)  # fmt: skip
RESERVED_ENV_PREFIXES = {"gcp": ("X_GOOGLE_", "GOOGLE_CLOUD_RUN_")}
# What Fly sets in every machine, so a value of ours would be overwritten or would break it: the
# runtime environment (fly.io/docs/machines/runtime-environment), and what flyctl adds to each
# machine's config (internal/appconfig/machines.go: FLY_PROCESS_GROUP, PRIMARY_REGION from
# primary_region; internal/command/deploy/machines_launchinput.go: FLY_STANDBY_FOR). Other FLY_
# names are the app's own: FLAME needs FLY_API_TOKEN as a secret, for one.
FLY_RESERVED_ENV: frozenset[str] = frozenset(
    {"FLY_APP_NAME", "FLY_MACHINE_ID", "FLY_ALLOC_ID", "FLY_REGION", "FLY_PUBLIC_IP",
     "FLY_IMAGE_REF", "FLY_MACHINE_VERSION", "FLY_PRIVATE_IP", "FLY_PROCESS_GROUP",
     "FLY_VM_MEMORY_MB", "FLY_STANDBY_FOR", "PRIMARY_REGION"}
)  # fmt: skip

# Env names this program sets on every provider, each with the infera.yaml key that sets it.
# A key exists for each, so no override is offered.
KEYED_ENV: dict[str, str] = {"PORT": "app.port", "POOL_SIZE": "database.pool_size"}
# Set on every provider and not configurable: the release serves HTTP only with it.
FIXED_ENV: dict[str, str] = {"PHX_SERVER": "always true: the release serves HTTP only with it"}
# Set on Fly only, for clustering over its private IPv6 network; `overrides.program_env.NAME`
# lets the app set its own value (an IPv4-only external database needs ECTO_IPV6 false).
FLY_CLUSTER_ENV: dict[str, str] = {
    "DNS_CLUSTER_QUERY": "set from the Fly app name for DNSCluster",
    "RELEASE_DISTRIBUTION": "set to name for Fly clustering",
    "RELEASE_NODE": "set per machine by rel/env.sh.eex for Fly clustering",
    "ERL_AFLAGS": "set to -proto_dist inet6_tcp for Fly's IPv6 private network",
    "ECTO_IPV6": "set to true on Fly, whose private network is IPv6",
}
# Every env name this program may set, with how.
PROGRAM_ENV: dict[str, str] = {
    **{name: f"set from {key}" for name, key in KEYED_ENV.items()},
    **FIXED_ENV,
    **FLY_CLUSTER_ENV,
}

# The largest Cloud SQL Enterprise custom tier: 96 vCPUs x 6.5 GiB (Cloud SQL "machine series"
# docs), the same bound `components/gcp/settings.py` maps sizes against.
CLOUD_SQL_MAX_MIB = 96 * 6656
CLOUD_SQL_MIN_DISK_MIB = 10 * 1024
# Cloud Run's largest max-instances setting (run/docs/configuring/max-instances).
MAX_INSTANCES = 1000

# Fly Managed Postgres plans `fly mpg create --plan` can create, by memory (flyctl
# internal/command/mpg/plans.go; Fly's MPG pricing docs list the same plans, scale at 32 GB
# where flyctl says 33, so both spellings map to it). Every plan includes high availability,
# backups and pooling (the same docs). `performance` (64 GB) cannot be chosen from flyctl.
MPG_PLAN_MEMORY_MIB: dict[str, tuple[int, ...]] = {
    "basic": (1024,),
    "starter": (2 * 1024,),
    "launch": (8 * 1024,),
    "scale": (32 * 1024, 33 * 1024),
}
