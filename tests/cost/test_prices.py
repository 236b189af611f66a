"""The price table says what the facts say: every price, allowance, region list and source date
in phxstack/cost/prices.py equals the compiled pricing facts (tests/cost/facts/prices.json, and
prose.json for the few the facts give only in words), and every fact is in the table."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from phxstack.cost import prices

FACTS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "facts" / "prices.json").read_text(encoding="utf-8")
)
PROSE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "facts" / "prose.json").read_text(encoding="utf-8")
)
GCP_FACTS = {
    **FACTS["gcp"]["us-central1"],
    **FACTS["gcp"]["tier2_and_regions"],
    **PROSE["gcp"],
}
FLY_FACTS = {**FACTS["fly"]["iad"], **PROSE["fly"]}
# Facts that are not prices, and where the table keeps what they say instead.
NOT_PRICES = {
    "tier_source": "the source of tier1_regions and tier2_regions (TABLE_SOURCES)",
    "default_region": "iad, the region FLY_MACHINE_MONTH_IAD is for",
    "month_convention": "FLY_HOURS_PER_MONTH",
    "machine_memory_limits": "a sizing rule: config.limits.FLY_SIZES refuses other sizes",
}


def _fact(value: Any) -> Decimal:
    return Decimal(str(value))


@pytest.mark.parametrize("key", sorted({**prices.GCP, **prices.GCP_FREE, **prices.GCP_RULES}))
def test_every_gcp_price_is_the_fact_with_its_source(key: str) -> None:
    price = {**prices.GCP, **prices.GCP_FREE, **prices.GCP_RULES}[key]
    fact = GCP_FACTS[key]
    assert price.value == _fact(fact["value"])
    assert price.source == fact["source"]


@pytest.mark.parametrize("key", sorted({**prices.FLY, **prices.FLY_FREE}))
def test_every_fly_price_is_the_fact_with_its_source(key: str) -> None:
    price = {**prices.FLY, **prices.FLY_FREE}[key]
    fact = FLY_FACTS[key]
    assert price.value == _fact(fact["value"])
    assert price.source == fact["source"]


def test_every_fact_is_in_the_table_or_named_as_not_a_price() -> None:
    """A price the facts give and the table lacks would be priced by nobody, silently."""
    in_table = {
        *prices.all_prices(),
        *prices.GCP_RULES,
        *prices.TABLE_SOURCES,
        "upstash_redis_fixed_plans_monthly",
    }
    facts = {*GCP_FACTS, *FLY_FACTS}
    assert sorted(facts - in_table) == sorted(NOT_PRICES)
    assert set(NOT_PRICES) <= facts  # no stale excuse


@pytest.mark.parametrize("key", sorted(prices.TABLE_SOURCES))
def test_every_table_names_the_facts_source_and_its_date(key: str) -> None:
    fact_source = {**GCP_FACTS, **FLY_FACTS}.get(key, {})
    source = fact_source["source"] if isinstance(fact_source, dict) else GCP_FACTS["tier_source"]
    assert prices.TABLE_SOURCES[key] == source
    assert prices.table_as_of(key) == min(prices.SOURCES[s].as_of for s in source.split(","))


def test_ha_cloud_sql_prices_are_the_zonal_ones_times_the_ha_multiplier() -> None:
    multiplier = prices.GCP_RULES["cloud_sql_ha_multiplier"].value
    ha = [k for k in prices.GCP if k.startswith("cloud_sql_") and k.endswith("_ha")]
    assert len(ha) == 6  # f1-micro, g1-small, vCPU, RAM, SSD, HDD
    for key in ha:
        assert prices.GCP[key].value == prices.GCP[key.removesuffix("_ha")].value * multiplier


def test_fly_per_second_table_is_the_published_one_and_agrees_with_the_monthly_table() -> None:
    published = FLY_FACTS["machines_per_second_usd_iad"]["value"]
    table = {
        preset: {f"{mib // 1024}gb" if mib >= 1024 else f"{mib}mb": v for mib, v in sizes.items()}
        for preset, sizes in prices.FLY_MACHINE_SECOND_IAD.items()
    }
    assert table == {p: {s: _fact(v) for s, v in sizes.items()} for p, sizes in published.items()}
    # Fly rounds the per-second price to three figures: 30 days of it is the monthly price
    # within half a percent.
    for preset, sizes in prices.FLY_MACHINE_SECOND_IAD.items():
        for mib, per_second in sizes.items():
            monthly = prices.FLY_MACHINE_MONTH_IAD[preset][mib]
            assert abs(per_second * 2_592_000 - monthly) <= monthly * Decimal("0.005")


def test_unmanaged_postgres_presets_are_machines_and_volumes_at_table_prices() -> None:
    published = FLY_FACTS["fly_postgres_unmanaged"]["value"]
    volume = prices.FLY["volume_gb_month"].value
    for name, (machines, preset, mib, gb, monthly) in prices.FLY_POSTGRES_PRESETS.items():
        fact = published[name]
        assert machines == fact["machines"]
        size = f"{mib // 1024}GB" if mib >= 1024 else f"{mib}MB"
        assert f"{preset} {size}" == fact["size"]
        assert gb == fact.get("volume_gb", fact.get("volume_gb_each"))
        assert monthly == _fact(fact["monthly_usd_iad"])
        # e.g. production small: 3 x (21.40 + 40 x 0.15) = 82.20
        assert machines * (prices.FLY_MACHINE_MONTH_IAD[preset][mib] + gb * volume) == monthly


def test_upstash_read_regions_and_bandwidth_are_the_facts() -> None:
    plans = FLY_FACTS["upstash_redis_fixed_plans_monthly"]["value"]
    assert {p: _fact(v["per_read_region_usd"]) for p, v in plans.items()} == (
        prices.FLY_UPSTASH_READ_REGION_MONTH
    )
    assert {p: v["bandwidth_gb"] for p, v in plans.items()} == prices.FLY_UPSTASH_BANDWIDTH_GB


def test_a_price_per_many_units_is_the_published_unit() -> None:
    # The facts give these per 1,000 / 10,000 / 100,000 / 1,000,000; the table keeps that unit.
    per = {k: p.per for k, p in prices.all_prices().items() if p.per != 1}
    assert per == {
        "cloud_run_requests_per_million_request_billing": 1_000_000,
        "gcs_class_a_per_1000_regional": 1000,
        "gcs_class_b_per_1000_regional": 1000,
        "secret_manager_access_per_10k": 10_000,
        "upstash_redis_payg_per_100k_commands": 100_000,
        "tigris_class_a_per_1000": 1000,
        "tigris_multiregion_class_a_per_1000": 1000,
        "tigris_class_b_per_1000": 1000,
    }


def test_fly_machine_table_is_the_published_iad_table() -> None:
    published = FLY_FACTS["machines_monthly_usd_iad"]["value"]
    table = {
        preset: {f"{mib // 1024}gb" if mib >= 1024 else f"{mib}mb": v for mib, v in sizes.items()}
        for preset, sizes in prices.FLY_MACHINE_MONTH_IAD.items()
    }
    assert table == {p: {s: _fact(v) for s, v in sizes.items()} for p, sizes in published.items()}


def test_fly_region_multipliers_mpg_upstash_and_tiers_are_the_facts() -> None:
    assert {
        r: _fact(v) for r, v in FLY_FACTS["region_multipliers"]["value"].items()
    } == prices.FLY_REGION_MULTIPLIER
    assert {
        plan: _fact(p["usd"])
        for plan, p in FLY_FACTS["managed_postgres_plans_monthly"]["value"].items()
    } == prices.FLY_MPG_PLAN_MONTH
    assert set(FLY_FACTS["managed_postgres_regions"]["value"]) == prices.FLY_MPG_REGIONS
    assert {
        plan: _fact(p["usd"])
        for plan, p in FLY_FACTS["upstash_redis_fixed_plans_monthly"]["value"].items()
    } == prices.FLY_UPSTASH_FIXED_MONTH
    regions = FACTS["gcp"]["tier2_and_regions"]
    assert set(regions["tier1_regions"]) == prices.GCP_TIER1
    assert set(regions["tier2_regions"]) == prices.GCP_TIER2
    assert (
        (GCP_FACTS["serverless_vpc_connector_min_instances"]["value"])
        == prices.SERVERLESS_VPC_CONNECTOR_MIN_INSTANCES
    )


def test_fly_derived_rates_reproduce_every_published_machine_price_within_a_quarter_percent() -> (
    None
):
    # Why sizes missing from the table can be priced from the three per-second rates: the
    # rates are rounded in the facts, so they land within 0.25% of each published price.
    shared = prices.FLY["machine_shared_vcpu_second_derived"].value
    perf = prices.FLY["machine_performance_vcpu_second_derived"].value
    ram = prices.FLY["machine_ram_gb_second_derived"].value
    month = Decimal(30 * 24 * 3600)
    for preset, sizes in prices.FLY_MACHINE_MONTH_IAD.items():
        cpus = int(preset.rpartition("-")[2].rstrip("x"))
        rate = shared if preset.startswith("shared") else perf
        for mib, published in sizes.items():
            derived = (cpus * rate + Decimal(mib) / 1024 * ram) * month
            assert abs(derived - published) <= published * Decimal("0.0025"), (preset, mib)


def test_fly_egress_groups_cover_every_fly_region() -> None:
    from config.limits import FLY_REGIONS

    assert set(prices.FLY_EGRESS_GROUP) == FLY_REGIONS
    assert set(prices.FLY_EGRESS_GROUP.values()) <= set(prices.FLY)


@pytest.mark.parametrize("source", sorted(prices.SOURCES))
def test_every_source_is_in_the_facts_with_its_date(source: str) -> None:
    facts = {s["id"]: s for s in FACTS["sources"]}
    assert prices.SOURCES[source].as_of in facts[source]["as_of"]


def test_every_price_names_known_sources_and_a_date() -> None:
    for price in prices.all_prices().values():
        assert all(s in prices.SOURCES for s in price.source.split(","))
        assert price.as_of


def test_months_are_each_providers_convention() -> None:
    conventions = FACTS["month_conventions"]
    assert prices.GCP_HOURS_PER_MONTH == conventions["gcp_hours_per_month"] == 730
    assert prices.FLY_HOURS_PER_MONTH == conventions["fly_hours_per_month"] == 720


def test_regions_outside_the_facts_get_no_cloud_run_price() -> None:
    assert prices.cloud_run_rates("us-central1") is not None
    west3 = prices.cloud_run_rates("europe-west3")
    assert west3 is not None and west3.missing("instance") is None
    london = prices.cloud_run_rates("europe-west2")
    assert london is not None
    assert london.missing("instance") == (
        "instance-based billing is priced per region and the price table has us-central1's "
        "Tier 1 prices and europe-west3's, not europe-west2's"
    )
    assert london.missing("request") == (
        "europe-west2 is a Tier 2 region and the price table has no Tier 2 idle min-instance price"
    )
    assert prices.cloud_run_rates("mars-north1") is None
