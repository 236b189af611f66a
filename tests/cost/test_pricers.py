"""Pricing rules on hand-built plan resources: no program run, one rule per test."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from config.usage import Usage
from phxstack.cost import estimate
from phxstack.cost.estimate import cents, no_charge_reason
from tests.cost.conftest import D, lines

FLY = "pulumi-python:dynamic/fly:"
# The stack's egress at the default assumption, 0 GB.
EGRESS_AT_DEFAULT = ("Internet egress, Premium tier (first TiB)", D("0"), D("0.12"), D("0.00"))


def res(type_: str, logical: str, **inputs: Any) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:dev::phoenix::{type_}::{logical}",
        "type": type_,
        "name": logical,
        "custom": True,
        "inputs": inputs,
    }


def service(region: str = "us-central1", *, cpu_idle: bool, warm: int = 1) -> dict[str, Any]:
    return res(
        "gcp:cloudrunv2/service:Service",
        "svc",
        location=region,
        template={
            "containers": [
                {"resources": {"limits": {"cpu": "1", "memory": "512Mi"}, "cpuIdle": cpu_idle}}
            ],
            "scaling": {"minInstanceCount": warm},
        },
    )


def test_money_rounds_half_up_to_the_cent() -> None:
    assert cents(D("7.665")) == D("7.67")  # db-f1-micro: 0.0105 x 730 (a float gives 7.66)
    assert cents(D("38.325")) == D("38.33")
    assert cents(D("189.216")) == D("189.22")


def test_an_unknown_type_is_listed_as_not_priced_never_dropped() -> None:
    cost = estimate([res("gcp:compute/instance:Instance", "vm")], "gcp")
    assert [(n.resource, n.reason) for n in cost.not_priced] == [
        ("vm", "no price for this resource type in phxstack/cost")
    ]
    assert cost.complete is False
    assert cost.total == 0


def test_components_are_not_resources_and_free_types_say_why() -> None:
    component = {**res("phoenix:gcp:Stack", "s"), "custom": False}
    cost = estimate([component, res("random:index/randomPassword:RandomPassword", "p")], "gcp")
    assert cost.no_charge == [("p", "random:index/randomPassword:RandomPassword")]
    assert cost.not_priced == []
    assert no_charge_reason("gcp:storage/bucketIAMMember:BucketIAMMember") == (
        "IAM bindings are free"
    )
    assert no_charge_reason("gcp:compute/instance:Instance") is None


def test_a_value_known_only_after_apply_is_not_priced() -> None:
    redis = res("gcp:redis/instance:Instance", "r", region="us-central1", memorySizeGb="[unknown]")
    (item,) = estimate([redis], "gcp").not_priced
    assert item.reason == "its size or tier is known only after apply"


def test_tier_two_instance_billing_is_priced_only_where_the_region_sku_is_known() -> None:
    west3 = estimate([service("europe-west3", cpu_idle=False)], "gcp")
    # 1 warm x 1 vCPU x 2,628,000 s x $0.0000216 (europe-west3's SKU) = 56.7648
    # 0.5 GiB x 2,628,000 s = 1,314,000 GiB-s x $0.0000024 = 3.1536
    assert lines(west3.to_json()["items"]) == [
        ("CPU, warm instances of 1 vCPU, instance billing (always on)", D("2628000"), D("0.0000216"),
         D("56.76")),
        ("Memory, warm instances of 0.5 GiB, instance billing", D("1314000"), D("0.0000024"), D("3.15")),
    ]  # fmt: skip
    london = estimate([service("europe-west2", cpu_idle=False)], "gcp")
    assert [n.reason for n in london.not_priced] == [
        "instance-based billing: instance-based billing is priced per region and the price "
        "table has us-central1's Tier 1 prices and europe-west3's, not europe-west2's",
        "internet egress from europe-west2 is not in the price table",
    ]


def test_request_billing_above_the_warm_instances_pays_the_active_rate() -> None:
    usage = Usage(active_instance_hours=1000, requests=3_000_000)
    cost = estimate([service(cpu_idle=True, warm=1)], "gcp", usage).to_json()
    assert lines(cost["usage_items"]) == [
        # 730 of the 1,000 busy hours on the warm instance: 730 x 3,600 = 2,628,000 vCPU-s at
        # the active premium $0.0000215 = 56.502
        ("CPU, warm instances busy: active rate above the idle rate", D("2628000"),
         D("0.0000215"), D("56.50")),
        # the other 270 h: 972,000 vCPU-s x $0.000024 = 23.328; 486,000 GiB-s x $0.0000025
        ("CPU, other instances while busy (1 vCPU, 0.5 GiB)", D("972000"), D("0.000024"),
         D("23.33")),
        ("Memory, other instances while busy", D("486000"), D("0.0000025"), D("1.22")),
        # 3,000,000 / 1,000,000 x $0.40
        ("Requests (request billing)", D("3000000"), D("0.4"), D("1.20")),
        EGRESS_AT_DEFAULT,
    ]  # fmt: skip
    free = {f["name"]: f["monthly"] for f in cost["free_tiers"]}
    assert free["Cloud Run requests"] == 0.8  # 2,000,000 free x $0.40 / 1M


def test_instance_billing_bills_busy_hours_beyond_the_warm_instances() -> None:
    cost = estimate(
        [service(cpu_idle=False, warm=1)], "gcp", Usage(active_instance_hours=1000)
    ).to_json()
    # 1,000 - 730 = 270 h: 972,000 vCPU-s x $0.000018 = 17.496; 486,000 GiB-s x $0.000002
    assert lines(cost["usage_items"]) == [
        ("CPU, instances above the minimum (1 vCPU, 0.5 GiB)", D("972000"), D("0.000018"),
         D("17.50")),
        ("Memory, instances above the minimum", D("486000"), D("0.000002"), D("0.97")),
        EGRESS_AT_DEFAULT,
    ]  # fmt: skip


def test_no_assumption_prints_depends_on_usage_and_stays_out_of_the_total() -> None:
    none = Usage(active_instance_hours=None, requests=None, egress_gb=None)
    cost = estimate([service(cpu_idle=True, warm=0)], "gcp", none)
    depends = cost.of_kind("depends")
    assert {d.usage_key for d in depends} == {"active_instance_hours", "requests", "egress_gb"}
    assert all(d.monthly is None for d in depends)
    assert cost.total == 0


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ("Fixed 250MB", D("10")),  # the display name flyctl prints
        ("flyio_fixed_1gb", D("20")),  # the id
    ],
)
def test_upstash_fixed_plans_are_a_monthly_price(plan: str, expected: Decimal) -> None:
    cost = estimate([res(FLY + "Redis", "r", plan=plan)], "fly")
    ((_, quantity, price, monthly),) = lines(cost.to_json()["items"])
    assert (quantity, price, monthly) == (1, expected, expected)
    unknown = estimate([res(FLY + "Redis", "r", plan="Pro 2K")], "fly")
    assert unknown.not_priced[0].reason == "Upstash plan 'Pro 2K' is not in the price table"


def test_fly_extras_ipv4_certificates_and_their_free_allowance() -> None:
    resources = [
        res(FLY + "Ip", "v6", kind="v6"),
        res(FLY + "Ip", "v4", kind="v4"),
        res(FLY + "Cert", "c", hostname="app.example.com"),
        res(FLY + "Cert", "w", hostname="*.example.com"),
    ]
    cost = estimate(resources, "fly").to_json()
    assert lines(cost["items"]) == [  # by resource name: c, v4, w
        ("Certificate app.example.com", D("1"), D("0.1"), D("0.10")),
        ("Dedicated IPv4", D("1"), D("2.0"), D("2.00")),
        ("Wildcard certificate *.example.com", D("1"), D("1.0"), D("1.00")),
    ]
    assert cost["no_charge"] == [{"resource": "v6", "type": FLY + "Ip"}]
    assert [(f["name"], f["monthly"]) for f in cost["free_tiers"]] == [
        ("Fly single-host certificates", 0.1)  # the first 10 per organization are free
    ]


def test_tigris_usage_and_its_free_tier() -> None:
    usage = Usage(storage_gb=50, storage_class_a_operations=100_000, storage_class_b_operations=0)
    cost = estimate([res(FLY + "Storage", "b", app="a", name="b")], "fly", usage).to_json()
    assert lines(cost["usage_items"]) == [
        ("Tigris storage, Standard", D("50"), D("0.02"), D("1.00")),  # 50 x $0.02
        # 100,000 / 1,000 x $0.005
        ("Tigris Class A requests (PUT, COPY, POST, LIST)", D("100000"), D("0.005"), D("0.50")),
        ("Tigris Class B requests (GET, HEAD)", D("0"), D("0.0005"), D("0.00")),
    ]
    assert [(f["name"], f["monthly"]) for f in cost["free_tiers"]] == [
        ("Tigris storage", 0.1),  # 5 GB x $0.02
        ("Tigris Class A requests", 0.05),  # 10,000 x $0.005 / 1,000
    ]


def test_managed_postgres_outside_its_regions_is_not_priced() -> None:
    pg = res(FLY + "Postgres", "db", kind="mpg", region="bom", plan="basic", volume_size_gb=10)
    assert estimate([pg], "fly").not_priced[0].reason == ("Managed Postgres is not offered in bom")


def test_a_connector_and_a_worker_pool_are_priced_when_a_program_makes_them() -> None:
    connector = res("gcp:vpcaccess/connector:Connector", "c", region="us-central1", minInstances=2)
    pool = res(
        "gcp:cloudrunv2/workerPool:WorkerPool",
        "w",
        location="us-central1",
        scaling={"manualInstanceCount": 1},
        template={"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]},
    )
    cost = estimate([connector, pool], "gcp").to_json()
    assert lines(cost["items"]) == [
        # 2 x 730 h x $0.0083764275 = 12.2296
        ("2 e2-micro connector instances (the minimum running)", D("1460"), D("0.0083764275"),
         D("12.23")),
        # 1 x 1 vCPU x 2,628,000 s x $0.000011244 = 29.549
        ("CPU, 1 x 1 vCPU, always on", D("2628000"), D("0.000011244"), D("29.55")),
        # 2,628,000 GiB-s x $0.000001235 = 3.2456
        ("Memory, 1 x 1 GiB", D("2628000"), D("0.000001235"), D("3.25")),
    ]  # fmt: skip


def test_every_type_the_samples_register_is_priced_or_known_to_be_free() -> None:
    """A resource type added to the program must be priced or listed as free on purpose:
    otherwise its cost would be left out of every estimate with only a line saying so."""
    from tests.cost.conftest import FLY_SAMPLE, GCP_SAMPLE, cost_of

    for config in (FLY_SAMPLE, GCP_SAMPLE):
        for stack in ("dev", "staging", "prod"):
            cost = cost_of(config, stack)
            unknown = [n for n in cost["not_priced"] if n["reason"].startswith("no price for this")]
            assert unknown == [], (
                f"{config.name} {stack}: add these types to phxstack/cost (a pricer, or "
                f"NO_CHARGE with the reason): {sorted({n['type'] for n in unknown})}"
            )
            assert cost["complete"], cost["not_priced"]


def test_fly_machines_follow_each_process_groups_vm_and_mounts_in_fly_toml() -> None:
    toml = "\n".join(
        [
            'app = "a"',
            'primary_region = "iad"',
            'vm = [{ memory = "512mb", cpu_kind = "shared", cpus = 2, processes = ["app"] },',
            '      { size = "performance-1x", processes = ["worker"] }]',
            "[[mounts]]",
            'source = "data"',
            'destination = "/data"',
            'initial_size = "3gb"',
            'processes = ["app"]',
        ]
    )
    resources = [
        res(FLY + "App", "app", name="a"),
        res(FLY + "Deploy", "deploy", app="a", config=toml),
        res(FLY + "Scale", "scale", app="a", region="iad", count=2),
        res(FLY + "Scale", "scale-worker", app="a", region="lhr", count=1, process_group="worker"),
    ]
    cost = estimate(resources, "fly").to_json()
    assert lines(cost["items"]) == [
        ("Machines, shared-cpu-2x 512MB, iad, always running", D("2"), D("3.89"), D("7.78")),
        # one 3 GB volume on each of the 2 app machines: 6 GB x $0.15
        ("Volumes, 3 GB on each machine", D("6"), D("0.15"), D("0.90")),
        # performance-1x takes 2 GB by default: $31.00 x 1.1346 in lhr = 35.1726
        ("Machines, performance-1x 2GB, lhr, always running", D("1"), D("35.17260"),
         D("35.17")),
    ]  # fmt: skip
    assert [i["usage_key"] for i in cost["depends_on_usage"]] == ["volume_snapshot_gb"]


def test_usage_is_the_public_services_traffic_never_counted_twice() -> None:
    web = service(cpu_idle=True, warm=1)
    worker = service(cpu_idle=True, warm=1)
    worker["name"], worker["urn"] = "a-worker", worker["urn"] + "-worker"  # sorts first by name
    worker["inputs"]["ingress"] = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    usage = Usage(active_instance_hours=730, requests=1_000_000)
    cost = estimate([worker, web], "gcp", usage).to_json()
    # The public service carries the traffic: 730 h x 3,600 s x 1 vCPU at the $0.0000215 premium
    assert lines([i for i in cost["usage_items"] if i["resource"] == "svc"]) == [
        ("CPU, warm instances busy: active rate above the idle rate", D("2628000"),
         D("0.0000215"), D("56.50")),
        ("Requests (request billing)", D("1000000"), D("0.4"), D("0.40")),
    ]  # fmt: skip
    # The worker's busy time is nothing `usage` describes: it depends on usage, and says why.
    worker_items = [i for i in cost["depends_on_usage"] if i["resource"] == "a-worker"]
    assert [(i["component"], i["usage_key"]) for i in worker_items] == [
        ("CPU, warm instances busy: active rate above the idle rate", "active_instance_hours"),
        ("CPU, other instances while busy (1 vCPU, 0.5 GiB)", "active_instance_hours"),
        ("Memory, other instances while busy", "active_instance_hours"),
        ("Requests (request billing)", "requests"),
    ]
    assert {i["note"] for i in worker_items} == {
        "`usage` describes the traffic of svc; this service's is not described"
    }
    # Its warm instances are fixed costs all the same: 2,628,000 vCPU-s x $0.0000025
    assert (
        "CPU, warm instances of 1 vCPU, idle rate (request billing)",
        D("2628000"),
        D("0.0000025"),
        D("6.57"),
    ) in lines([i for i in cost["items"] if i["resource"] == "a-worker"])


@pytest.mark.parametrize(
    ("gb", "expected"),
    [
        # 500 GB, all in the first TiB: 500 x $0.12
        (500, [("Internet egress, Premium tier (first TiB)", D("500"), D("0.12"), D("60.00"))]),
        # 2,048 GB: 1,024 x $0.12 = 122.88, then 1,024 x $0.11 = 112.64
        (2048, [
            ("Internet egress, Premium tier (first TiB)", D("1024"), D("0.12"), D("122.88")),
            ("Internet egress, Premium tier (1-10 TiB)", D("1024"), D("0.11"), D("112.64")),
        ]),
        # 12,288 GB: 122.88, 9,216 x $0.11 = 1,013.76, 2,048 x $0.08 = 163.84
        (12288, [
            ("Internet egress, Premium tier (first TiB)", D("1024"), D("0.12"), D("122.88")),
            ("Internet egress, Premium tier (1-10 TiB)", D("9216"), D("0.11"), D("1013.76")),
            ("Internet egress, Premium tier (over 10 TiB)", D("2048"), D("0.08"), D("163.84")),
        ]),
    ],
)  # fmt: skip
def test_gcp_egress_is_priced_by_the_months_volume_tiers(gb: int, expected: list[Any]) -> None:
    cost = estimate([service(cpu_idle=False, warm=0)], "gcp", Usage(egress_gb=gb)).to_json()
    egress = [i for i in cost["usage_items"] if i["resource"] == "(stack)"]
    assert lines(egress) == expected


def test_the_readme_break_even_is_worked_by_hand_and_is_where_the_pricer_crosses() -> None:
    from phxstack.docs import README, break_even

    # Per second, 1 vCPU and 1 GiB. Instance billing: 0.000018 + 0.000002 = 0.000020.
    # Request billing: the idle floor 0.0000025 + 0.0000025 = 0.000005, plus the busy share f
    # of the CPU's active premium 0.000024 - 0.0000025 = 0.0000215 (memory has none in Tier 1).
    # 0.000005 + f x 0.0000215 = 0.000020, so f = 0.000015 / 0.0000215 = 0.6977
    f = D("0.000015") / D("0.0000215")
    assert break_even() == f
    assert f"{f * 100:.1f}" == "69.8"
    assert "more than **69.8%** of the time" in README.read_text(encoding="utf-8")

    def monthly(cpu_idle: bool, busy_share: str) -> Decimal:
        one = service(cpu_idle=cpu_idle, warm=1)
        one["inputs"]["template"]["containers"][0]["resources"]["limits"]["memory"] = "1Gi"
        hours = float(D(busy_share) * 730)
        return estimate([one], "gcp", Usage(active_instance_hours=hours)).total

    # Instance billing, whatever the share: 2,628,000 s x 0.000018 = 47.30, x 0.000002 = 5.26
    assert monthly(False, "0.697") == monthly(False, "0.699") == D("52.56")
    # Request billing: 6.57 + 6.57 of floor, plus 508.81 h x 3,600 x 0.0000215 = 39.38 ...
    assert monthly(True, "0.697") == D("52.52")  # ... cheaper just below the break-even
    # ... or 510.27 h x 3,600 x 0.0000215 = 39.49: dearer just above it
    assert monthly(True, "0.699") == D("52.63")


@pytest.mark.parametrize("order", [("b-assets", "a-uploads"), ("a-uploads", "b-assets")])
def test_storage_usage_is_priced_once_on_the_first_bucket_by_name_whatever_the_order(
    order: tuple[str, str],
) -> None:
    # The program registers concurrently: the estimate must not move between runs.
    buckets = [
        res("gcp:storage/bucket:Bucket", name, location="US-CENTRAL1", storageClass="STANDARD")
        for name in order
    ]
    cost = estimate(buckets, "gcp", Usage(storage_gb=100)).to_json()
    storage = [i for i in cost["usage_items"] if i["component"].startswith("Storage")]
    # 100 GB of both buckets together x $0.02
    assert [(i["resource"], i["monthly"], i["note"]) for i in storage] == [
        ("a-uploads", 2, "all 2 buckets")
    ]
    assert cost["no_charge"] == [{"resource": "b-assets", "type": "gcp:storage/bucket:Bucket"}]


def test_a_manually_scaled_service_runs_exactly_its_manual_count() -> None:
    svc = service(cpu_idle=False, warm=1)
    svc["inputs"]["scaling"] = {"scalingMode": "MANUAL", "manualInstanceCount": 3}
    cost = estimate([svc], "gcp").to_json()
    # 3 x 1 vCPU x 2,628,000 s = 7,884,000 vCPU-s x $0.000018 = 141.912
    assert lines(cost["items"]) == [
        ("CPU, warm instances of 1 vCPU, instance billing (always on)", D("7884000"),
         D("0.000018"), D("141.91")),
        # 3 x 0.5 GiB x 2,628,000 s = 3,942,000 GiB-s x $0.000002 = 7.884
        ("Memory, warm instances of 0.5 GiB, instance billing", D("3942000"), D("0.000002"),
         D("7.88")),
    ]  # fmt: skip


def test_an_automatically_scaled_worker_pool_is_priced_at_its_minimum_and_says_so() -> None:
    def pool(**scaling: Any) -> dict[str, Any]:
        return res(
            "gcp:cloudrunv2/workerPool:WorkerPool", "w", location="us-central1", scaling=scaling,
            template={"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]},
        )  # fmt: skip

    cost = estimate([pool(scalingMode="AUTOMATIC", minInstanceCount=2, maxInstanceCount=5)], "gcp")
    # 2 x 2,628,000 s = 5,256,000 vCPU-s x $0.000011244 = 59.098...; GiB-s x $0.000001235 = 6.49
    assert lines(cost.to_json()["items"]) == [
        ("CPU, 2 x 1 vCPU, always on", D("5256000"), D("0.000011244"), D("59.10")),
        ("Memory, 2 x 1 GiB", D("5256000"), D("0.000001235"), D("6.49")),
    ]
    assert {i.note for i in cost.lines} == {
        "the minimum of an automatically scaled pool; instances above it are not counted"
    }
    unset = estimate([pool()], "gcp")
    assert [n.reason for n in unset.not_priced] == [
        "it sets no instance count, so Cloud Run's default applies"
    ]


def test_fly_egress_leaves_from_the_primary_region_whatever_the_order() -> None:
    toml = 'app = "a"\nprimary_region = "sin"\n'
    resources = [
        res(FLY + "Scale", "a-scale-iad", app="a", region="iad", count=1, process_group="worker"),
        res(FLY + "App", "app", name="a"),
        res(FLY + "Deploy", "deploy", app="a", config=toml),
        res(FLY + "Scale", "b-scale-sin", app="a", region="sin", count=1),
    ]
    for order in (resources, resources[::-1]):
        cost = estimate(order, "fly", Usage(egress_gb=100)).to_json()
        # sin is in Fly's APAC group: 100 GB x $0.04
        assert lines([i for i in cost["usage_items"] if i["resource"] == "(stack)"]) == [
            ("Internet egress from sin", D("100"), D("0.04"), D("4.00"))
        ]
