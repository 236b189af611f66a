"""Monthly estimates, line by line, against figures worked by hand from the pricing facts.

Each expected line is (component, quantity, unit price, monthly), with the arithmetic beside
it. Prices are list prices in USD (the pricing facts in tests/cost/facts/): a GCP month is
730 h (2,628,000 s), a Fly month 30 days as Fly publishes. Every line's monthly is rounded
half-up to the cent, and totals are sums of those lines. Where the facts work out the same
figure (`seed_check`), the test checks that it agrees.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.cost.conftest import (
    FLY_SAMPLE,
    GCP_SAMPLE,
    SEED_CHECK,
    SEED_FLY,
    SEED_GCP,
    D,
    cost_of,
    crafted,
    lines,
    same_lines,
)

# The five Secret Manager versions a GCP stack with database, cache and bucket makes
# (SECRET_KEY_BASE, RELEASE_COOKIE, DATABASE_URL, REDIS_URL, REDIS_CA_CERT), $0.06 each.
SECRET_VERSIONS = [("Active secret version", D("1"), D("0.06"), D("0.06"))] * 5
# The default assumptions of an app nobody uses yet: no stored objects, no egress.
GCS_AT_DEFAULTS = [
    ("Storage, Standard, us-central1", D("0"), D("0.02"), D("0.00")),
    ("Class A operations (writes, lists)", D("0"), D("0.005"), D("0.00")),
    ("Class B operations (reads)", D("0"), D("0.0004"), D("0.00")),
]
GCP_EGRESS_AT_DEFAULT = [
    ("Internet egress, Premium tier (first TiB)", D("0"), D("0.12"), D("0.00"))
]
FLY_EGRESS_AT_DEFAULT = [("Internet egress from iad", D("0"), D("0.02"), D("0.00"))]
# Upstash at the default 2,500,000 commands: 2,500,000 / 100,000 x $0.20
UPSTASH_AT_DEFAULT = [("Upstash Redis, pay-as-you-go commands", D("2500000"), D("0.2"), D("5.00"))]


def _fact(value: object) -> Decimal:
    return Decimal(str(value))


def _total(cost: dict[str, object]) -> Decimal:
    return Decimal(str(cost["monthly_total"]))


def _free(cost: dict[str, object]) -> list[tuple[str, Decimal]]:
    return [(f["name"], Decimal(str(f["monthly"]))) for f in cost["free_tiers"]]  # type: ignore[attr-defined, index]


def _depends(cost: dict[str, object]) -> list[str]:
    return [i["usage_key"] for i in cost["depends_on_usage"]]  # type: ignore[attr-defined, index]


# ------------------------------------------------------------------------------- the seed
def test_seed_fly_costs_19_98_not_the_seeds_27() -> None:
    cost = cost_of(SEED_FLY, "seed")
    assert same_lines(
        cost["items"],
        [
            # unmanaged Postgres 1gb: one shared-cpu-1x 1GB machine, $5.70 per 30 days in iad
            ("Postgres machines, shared-cpu-1x 1GB, iad", D("1"), D("5.7"), D("5.70")),
            # its 10 GB volume: 10 x $0.15
            ("Postgres volumes, 10 GB each", D("10"), D("0.15"), D("1.50")),
            # 2 x shared-cpu-2x 512MB: 2 x $3.89
            ("Machines, shared-cpu-2x 512MB, iad, always running", D("2"), D("3.89"), D("7.78")),
        ],
    )
    assert same_lines(cost["usage_items"], UPSTASH_AT_DEFAULT + FLY_EGRESS_AT_DEFAULT)
    # Every assumption the estimate used, and where it came from (null: none, so no number).
    assert cost["usage"] == {
        "egress_gb": {"value": 0, "set": False},
        "redis_commands": {"value": 2500000, "set": False},
        "volume_snapshot_gb": {"value": None, "set": False},
    }
    assert _depends(cost) == ["volume_snapshot_gb"]
    assert _total(cost) == D("19.98")  # 5.70 + 1.50 + 7.78 + 5.00
    assert _total(cost) == _fact(SEED_CHECK["fly"]["corrected_total_512mb_unmanaged_pg"])
    assert (cost["fixed_monthly"], cost["usage_monthly"]) == (14.98, 5)
    assert cost["hours_per_month"] == 720 and cost["complete"] is True


def test_seed_fly_with_managed_postgres_costs_53_58() -> None:
    cost = cost_of(SEED_FLY, "managed-postgres")
    assert same_lines(cost["items"], [
        # Managed Postgres Basic, $38 a month, HA and backups included
        ("Managed Postgres, basic plan (HA, backups, pooling included)", D("1"), D("38"),
         D("38.00")),
        # 10 GB x $0.28
        ("Managed Postgres storage", D("10"), D("0.28"), D("2.80")),
        ("Machines, shared-cpu-2x 512MB, iad, always running", D("2"), D("3.89"), D("7.78")),
    ])  # fmt: skip
    assert same_lines(cost["usage_items"], UPSTASH_AT_DEFAULT + FLY_EGRESS_AT_DEFAULT)
    assert _total(cost) == D("53.58")  # 38.00 + 2.80 + 7.78 + 5.00
    assert _total(cost) == _fact(SEED_CHECK["fly"]["corrected_total_512mb_managed_pg_basic"])


def test_seed_gcp_costs_255_68_or_250_16_after_free_tiers_not_the_seeds_120() -> None:
    cost = cost_of(SEED_GCP, "seed")
    assert same_lines(cost["items"], [
        # db-f1-micro zonal: 730 h x $0.0105 = 7.665
        ("Instance db-f1-micro, zonal", D("730"), D("0.0105"), D("7.67")),
        # 10 GB SSD zonal: 10 x $0.17
        ("Storage, SSD, zonal", D("10"), D("0.17"), D("1.70")),
        # Memorystore Basic 1 GB, band M1: 730 GB-h x $0.049 = 35.77
        ("Capacity, Basic, 1 GB (band M1)", D("730"), D("0.049"), D("35.77")),
        *SECRET_VERSIONS,
        # 2 warm x 2 vCPU x 2,628,000 s = 10,512,000 vCPU-s x $0.000018 = 189.216
        ("CPU, warm instances of 2 vCPU, instance billing (always on)", D("10512000"), D("0.000018"),
         D("189.22")),
        # 2 x 2 GiB x 2,628,000 s = 10,512,000 GiB-s x $0.000002 = 21.024
        ("Memory, warm instances of 2 GiB, instance billing", D("10512000"), D("0.000002"), D("21.02")),
    ])  # fmt: skip
    assert same_lines(cost["usage_items"], GCS_AT_DEFAULTS + GCP_EGRESS_AT_DEFAULT)
    # 7.67 + 1.70 + 35.77 + 0.30 + 189.22 + 21.02
    assert _total(cost) == D("255.68")
    assert _free(cost) == [
        ("Cloud Run, instance billing: CPU", D("4.32")),  # 240,000 vCPU-s x $0.000018
        ("Cloud Run, instance billing: memory", D("0.90")),  # 450,000 GiB-s x $0.000002
        ("Secret Manager active versions", D("0.30")),  # 5 of the 6 free versions x $0.06
    ]
    net = _total(cost) - Decimal(str(cost["free_tier_monthly"]))
    assert net == D("250.16")
    assert net == _fact(SEED_CHECK["gcp"]["corrected_total_instance_billing_direct_vpc"])
    # Cloud Run alone, 189.22 + 21.02 and after its free tier: the facts' figures too
    assert D("189.22") + D("21.02") == _fact(
        SEED_CHECK["gcp"]["cloud_run_instance_billing_24x7_no_free_tier"]
    )
    assert D("210.24") - D("4.32") - D("0.90") == _fact(
        SEED_CHECK["gcp"]["cloud_run_instance_billing_24x7"]
    )
    assert sorted(_depends(cost)) == [
        "image_storage_gb", "job_minutes", "job_minutes", "secret_access_operations",
    ]  # fmt: skip


def test_seed_gcp_on_request_billing_idle_costs_the_floor() -> None:
    cost = cost_of(SEED_GCP, "request-billing")
    assert same_lines(cost["items"], [
        ("Instance db-f1-micro, zonal", D("730"), D("0.0105"), D("7.67")),
        ("Storage, SSD, zonal", D("10"), D("0.17"), D("1.70")),
        ("Capacity, Basic, 1 GB (band M1)", D("730"), D("0.049"), D("35.77")),
        *SECRET_VERSIONS,
        # 2 warm x 2 vCPU x 2,628,000 s = 10,512,000 vCPU-s x $0.0000025 (idle min-instance
        # rate) = 26.28; memory the same at $0.0000025 a GiB-s
        ("CPU, warm instances of 2 vCPU, idle rate (request billing)", D("10512000"),
         D("0.0000025"), D("26.28")),
        ("Memory, warm instances of 2 GiB, idle rate", D("10512000"), D("0.0000025"), D("26.28")),
    ])  # fmt: skip
    assert same_lines(cost["usage_items"], [
        # no socket open all month (the default): 0 s at active - idle = $0.0000215
        ("CPU, warm instances busy: active rate above the idle rate", D("0"), D("0.0000215"),
         D("0.00")),
        # no requests (the default): 0 x $0.40 per million
        ("Requests (request billing)", D("0"), D("0.4"), D("0.00")),
        *GCS_AT_DEFAULTS,
        *GCP_EGRESS_AT_DEFAULT,
    ])  # fmt: skip
    # 26.28 + 26.28 + 7.67 + 1.70 + 35.77 + 0.30
    assert _total(cost) == D("98.00")
    assert cost["usage_monthly"] == 0
    # The free tiers take the five secret versions' 0.30: the facts' 52.56 + 7.67 + 1.70 + 35.77
    assert _free(cost) == [("Secret Manager active versions", D("0.30"))]
    assert _total(cost) - D("0.30") == D("97.70")
    assert D("97.70") == _fact(SEED_CHECK["gcp"]["corrected_total_request_billing_idle_direct_vpc"])
    assert D("26.28") * 2 == _fact(SEED_CHECK["gcp"]["cloud_run_request_billing_idle_floor"])


def test_seed_gcp_with_liveview_sockets_open_all_month_costs_324_01() -> None:
    cost = cost_of(SEED_GCP, "liveview-sockets")
    assert same_lines(cost["usage_items"], [
        # 1,460 h x 3,600 s x 2 vCPU = 10,512,000 vCPU-s x (0.000024 - 0.0000025) = 226.008;
        # memory costs $0.0000025 a GiB-s idle or active in Tier 1, so it has no premium line
        ("CPU, warm instances busy: active rate above the idle rate", D("10512000"),
         D("0.0000215"), D("226.01")),
        ("Requests (request billing)", D("0"), D("0.4"), D("0.00")),
        *GCS_AT_DEFAULTS,
        *GCP_EGRESS_AT_DEFAULT,
    ])  # fmt: skip
    assert cost["usage"]["active_instance_hours"] == {"value": 1460, "set": True}
    assert _total(cost) == D("324.01")  # 98.00 + 226.01
    assert _free(cost) == [
        ("Cloud Run, request billing: active CPU", D("4.32")),  # 180,000 x $0.000024
        ("Cloud Run, request billing: active memory", D("0.90")),  # 360,000 x $0.0000025
        ("Secret Manager active versions", D("0.30")),
    ]
    # With sockets always open and after the free tiers: 324.01 - 4.32 - 0.90 - 0.30
    net = _total(cost) - D("5.52")
    assert net == D("318.49")
    assert net == _fact(
        SEED_CHECK["gcp"]["corrected_total_request_billing_sockets_always_open_direct_vpc"]
    )
    # Cloud Run alone: 26.28 + 26.28 + 226.01 - 5.22 of free tier
    assert D("26.28") * 2 + D("226.01") - D("5.22") == _fact(
        SEED_CHECK["gcp"]["cloud_run_request_billing_always_active_eg_open_liveview_sockets"]
    )


# ---------------------------------------------------------------------------- the samples
def test_fly_sample_dev_one_machine() -> None:
    cost = cost_of(FLY_SAMPLE, "dev")
    assert same_lines(
        cost["items"],
        [
            ("Postgres machines, shared-cpu-1x 1GB, iad", D("1"), D("5.7"), D("5.70")),
            ("Postgres volumes, 10 GB each", D("10"), D("0.15"), D("1.50")),
            # dev overlay: count 1, so 1 x $3.89
            ("Machines, shared-cpu-2x 512MB, iad, always running", D("1"), D("3.89"), D("3.89")),
        ],
    )
    assert same_lines(cost["usage_items"], UPSTASH_AT_DEFAULT + FLY_EGRESS_AT_DEFAULT)
    assert _total(cost) == D("16.09")  # 5.70 + 1.50 + 3.89 + 5.00 (Upstash default)


def test_fly_sample_prod_three_machines() -> None:
    cost = cost_of(FLY_SAMPLE, "prod")
    assert same_lines(cost["items"], [
        # unmanaged Postgres 1gb: one shared-cpu-1x 1GB machine and its 10 GB volume
        ("Postgres machines, shared-cpu-1x 1GB, iad", D("1"), D("5.7"), D("5.70")),
        ("Postgres volumes, 10 GB each", D("10"), D("0.15"), D("1.50")),
        # prod overlay: count 3, so 3 x $3.89
        ("Machines, shared-cpu-2x 512MB, iad, always running", D("3"), D("3.89"), D("11.67")),
    ])  # fmt: skip
    assert same_lines(cost["usage_items"], UPSTASH_AT_DEFAULT + FLY_EGRESS_AT_DEFAULT)
    assert _depends(cost) == ["volume_snapshot_gb"]
    assert _total(cost) == D("23.87")  # 5.70 + 1.50 + 11.67 + 5.00


def test_gcp_sample_dev_scales_to_zero_and_bills_by_request() -> None:
    cost = cost_of(GCP_SAMPLE, "dev")
    assert same_lines(
        cost["items"],
        [
            ("Instance db-f1-micro, zonal", D("730"), D("0.0105"), D("7.67")),
            ("Storage, SSD, zonal", D("10"), D("0.17"), D("1.70")),
            ("Capacity, Basic, 1 GB (band M1)", D("730"), D("0.049"), D("35.77")),
            *SECRET_VERSIONS,
        ],
    )
    # count 0: no warm instance; busy time is 0 h by default, so 0 vCPU-s and 0 GiB-s
    assert same_lines(
        cost["usage_items"],
        [
            ("CPU, other instances while busy (1 vCPU, 1 GiB)", D("0"), D("0.000024"), D("0.00")),
            ("Memory, other instances while busy", D("0"), D("0.0000025"), D("0.00")),
            ("Requests (request billing)", D("0"), D("0.4"), D("0.00")),
            *GCS_AT_DEFAULTS,
            *GCP_EGRESS_AT_DEFAULT,
        ],
    )
    assert _total(cost) == D("45.44")  # 7.67 + 1.70 + 35.77 + 0.30


def test_gcp_sample_prod_ha_custom_tier_and_standard_redis() -> None:
    cost = cost_of(GCP_SAMPLE, "prod")
    assert same_lines(cost["items"], [
        # db-custom-1-3840 regional: 1 vCPU x 730 h x $0.0826 = 60.298
        ("vCPUs, db-custom-1-3840 (1), regional (HA)", D("730"), D("0.0826"), D("60.30")),
        # 3840 MB = 3.75 GB x 730 h = 2,737.5 GB-h x $0.014 = 38.325
        ("Memory, db-custom-1-3840 (3.75 GB), regional (HA)", D("2737.5"), D("0.014"),
         D("38.33")),
        # 20 GB SSD regional: 20 x $0.34
        ("Storage, SSD, regional (HA)", D("20"), D("0.34"), D("6.80")),
        # production: Standard (HA) 1 GB, band M1: 730 x $0.064 = 46.72
        ("Capacity, Standard (HA), 1 GB (band M1)", D("730"), D("0.064"), D("46.72")),
        *SECRET_VERSIONS,
        # 3 warm x 2 vCPU x 2,628,000 s = 15,768,000 x $0.000018 = 283.824
        ("CPU, warm instances of 2 vCPU, instance billing (always on)", D("15768000"), D("0.000018"),
         D("283.82")),
        # 15,768,000 GiB-s x $0.000002 = 31.536
        ("Memory, warm instances of 2 GiB, instance billing", D("15768000"), D("0.000002"), D("31.54")),
    ])  # fmt: skip
    assert same_lines(cost["usage_items"], GCS_AT_DEFAULTS + GCP_EGRESS_AT_DEFAULT)
    # 60.30 + 38.33 + 6.80 + 46.72 + 0.30 + 283.82 + 31.54
    assert _total(cost) == D("467.81")
    assert "backup_gb" in _depends(cost)  # production keeps backups: their size is usage


# ------------------------------------------------------------------------- crafted shapes
def test_a_performance_2x_machine(tmp_path: Path) -> None:
    raw = {
        "project_name": "perf",
        "provider": "fly",
        "deployment": {"machines": {"cpu": "performance-2x", "memory": "4gb", "count": 2}},
    }
    cost = cost_of(crafted(tmp_path, raw), "dev", tmp_path)
    # performance-2x 4GB: $62.00 per 30 days in iad; 2 x 62.00
    assert same_lines(
        cost["items"],
        [("Machines, performance-2x 4GB, iad, always running", D("2"), D("62"), D("124.00"))],
    )
    assert same_lines(cost["usage_items"], FLY_EGRESS_AT_DEFAULT)  # no cache, no Upstash
    assert _total(cost) == D("124.00")


def test_a_fly_machine_outside_iad_pays_the_regions_premium(tmp_path: Path) -> None:
    raw = {
        "project_name": "perf",
        "provider": "fly",
        "deployment": {
            "region": "lhr",
            "machines": {"cpu": "performance-2x", "memory": "4gb", "count": 2},
        },
    }
    cost = cost_of(crafted(tmp_path, raw), "dev", tmp_path)
    # lhr is x1.1346 of iad: 62.00 x 1.1346 = 70.3452 a machine; x 2 = 140.6904
    assert same_lines(cost["items"], [
        ("Machines, performance-2x 4GB, lhr, always running", D("2"), D("70.34520"),
         D("140.69")),
    ])  # fmt: skip
    assert cost["items"][0]["note"] == "the iad price x1.1346, Fly's lhr premium"


def test_a_fly_size_fly_does_not_list_is_priced_from_its_rates(tmp_path: Path) -> None:
    raw = {
        "project_name": "odd",
        "provider": "fly",
        "deployment": {"machines": {"cpu": "shared-cpu-1x", "memory": "768mb", "count": 1}},
    }
    cost = cost_of(crafted(tmp_path, raw), "dev", tmp_path)
    # (1 x 0.000000266667 + 0.75 GB x 0.0000019333) per s x 2,592,000 s = 4.44950...
    ((component, quantity, price, monthly),) = lines(cost["items"])
    assert (component, quantity, monthly) == (
        "Machines, shared-cpu-1x 768MB, iad, always running",
        D("1"),
        D("4.45"),
    )
    assert price == (D("0.000000266667") + D("0.75") * D("0.0000019333")) * 2_592_000
    assert "per-second CPU and RAM rates" in cost["items"][0]["note"]


def test_a_5gb_standard_ha_memorystore(tmp_path: Path) -> None:
    raw = {
        "project_name": "redis",
        "provider": "gcp",
        "production": True,
        "cache": {"size": "5gb"},
    }
    cost = cost_of(crafted(tmp_path, raw), "dev", tmp_path)
    assert same_lines(cost["items"], [
        # 5 GB is band M2: 5 GB x 730 h = 3,650 GB-h x $0.054 = 197.10
        ("Capacity, Standard (HA), 5 GB (band M2)", D("3650"), D("0.054"), D("197.10")),
        # four versions: SECRET_KEY_BASE, RELEASE_COOKIE, REDIS_URL, REDIS_CA_CERT
        *SECRET_VERSIONS[:4],
        ("CPU, warm instances of 2 vCPU, instance billing (always on)", D("10512000"), D("0.000018"),
         D("189.22")),
        ("Memory, warm instances of 2 GiB, instance billing", D("10512000"), D("0.000002"), D("21.02")),
    ])  # fmt: skip
    assert same_lines(cost["usage_items"], GCP_EGRESS_AT_DEFAULT)
    assert _total(cost) == D("407.58")  # 197.10 + 0.24 + 189.22 + 21.02


def test_an_ha_cloud_sql_custom_tier(tmp_path: Path) -> None:
    raw = {
        "project_name": "sql",
        "provider": "gcp",
        "deployment": {"machines": {"count": 0}},
        "database": {"size": "7680mb", "high_availability": True},
    }
    cost = cost_of(crafted(tmp_path, raw), "dev", tmp_path)
    assert same_lines(cost["items"], [
        # db-custom-2-7680 regional: 2 vCPU x 730 h = 1,460 vCPU-h x $0.0826 = 120.596
        ("vCPUs, db-custom-2-7680 (2), regional (HA)", D("1460"), D("0.0826"), D("120.60")),
        # 7680 MB = 7.5 GB x 730 h = 5,475 GB-h x $0.014 = 76.65
        ("Memory, db-custom-2-7680 (7.5 GB), regional (HA)", D("5475"), D("0.014"),
         D("76.65")),
        # 10 GB SSD regional: 10 x $0.34
        ("Storage, SSD, regional (HA)", D("10"), D("0.34"), D("3.40")),
        # SECRET_KEY_BASE, RELEASE_COOKIE, DATABASE_URL
        *SECRET_VERSIONS[:3],
    ])  # fmt: skip
    # count 0: request billing with no warm instance, idle by default
    assert same_lines(cost["usage_items"], [
        ("CPU, other instances while busy (2 vCPU, 2 GiB)", D("0"), D("0.000024"), D("0.00")),
        ("Memory, other instances while busy", D("0"), D("0.0000025"), D("0.00")),
        ("Requests (request billing)", D("0"), D("0.4"), D("0.00")),
        *GCP_EGRESS_AT_DEFAULT,
    ])  # fmt: skip
    assert _total(cost) == D("200.83")  # 120.60 + 76.65 + 3.40 + 0.18


def test_a_region_the_facts_do_not_cover_is_said_plainly_never_guessed(tmp_path: Path) -> None:
    raw = {
        "project_name": "eu",
        "provider": "gcp",
        "deployment": {"region": "europe-west1"},
        "database": {"size": "512mb"},
    }
    cost = cost_of(crafted(tmp_path, raw), "dev", tmp_path)
    assert cost["complete"] is False
    reasons = {(n["resource"], n["reason"]) for n in cost["not_priced"]}
    assert (
        "eu-database-sql",
        "the price table has Cloud SQL prices for us-central1 only, not europe-west1 (no price "
        "is guessed for another region)",
    ) in reasons
    assert ("(stack)", "internet egress from europe-west1 is not in the price table") in reasons
    # europe-west1 is a Tier 1 region, whose Cloud Run prices are known: those are priced.
    assert [i["component"] for i in cost["items"] if "warm" in i["component"]] == [
        "CPU, warm instances of 2 vCPU, instance billing (always on)",
        "Memory, warm instances of 2 GiB, instance billing",
    ]
