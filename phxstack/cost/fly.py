"""Prices for the Fly.io resources a plan registers (the `pulumi-python:dynamic/fly:*` types).

Owns how each billed Fly object turns into line items: the app's Machines (the count on each
Scale resource, the size from the fly.toml its Deploy carries), volumes declared in fly.toml,
unmanaged and Managed Postgres, Upstash Redis, Tigris, dedicated IPv4 addresses, certificates,
egress, and Fly's free allowances. Machine prices follow the region (Fly's per-region tables);
what Fly does not price by region is priced flat and says so.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from typing import Any

from config.units import UnitError, parse_size_mib
from phxstack.cost.estimate import (
    Context,
    Priced,
    Pricer,
    Resource,
    add_free_tiers,
    known,
    line,
    not_priced,
    stack_usage,
)
from phxstack.cost.prices import (
    FLY,
    FLY_EGRESS_GROUP,
    FLY_FREE,
    FLY_HOURS_PER_MONTH,
    FLY_MACHINE_MONTH_IAD,
    FLY_MPG_PLAN_MONTH,
    FLY_MPG_REGIONS,
    FLY_REGION_MULTIPLIER,
    FLY_UPSTASH_FIXED_MONTH,
    SECONDS_PER_HOUR,
    TABLE_SOURCES,
    Price,
)

PREFIX = "pulumi-python:dynamic/fly:"
MONTH_S = Decimal(FLY_HOURS_PER_MONTH * SECONDS_PER_HOUR)  # 30 days, as Fly publishes
# A preset's memory when fly.toml names only the size (flyctl's defaults: 256 MB per shared
# CPU, 2 GB per performance CPU; fly.md §2).
_DEFAULT_MIB = {"shared": 256, "performance": 2048}
# A fly.toml mount without initial_size gets a 1 GB volume (fly.io/docs/reference/configuration,
# [mounts] initial_size).
DEFAULT_MOUNT_GB = 1


def _machine_month(preset: str, mib: int) -> tuple[Decimal, str, str] | None:
    """iad price of one machine for 30 days, the price key it comes from, and how."""
    listed = FLY_MACHINE_MONTH_IAD.get(preset, {}).get(mib)
    if listed is not None:
        return listed, "machines_monthly_usd_iad", ""
    kind, _, count = preset.rpartition("-")
    if not count.endswith("x") or not count[:-1].isdigit():
        return None
    cpus = int(count[:-1])
    vcpu_key = {"shared-cpu": "machine_shared_vcpu_second_derived",
                "performance": "machine_performance_vcpu_second_derived"}.get(kind)  # fmt: skip
    if vcpu_key is None:
        return None
    per_second = (
        cpus * FLY[vcpu_key].value
        + Decimal(mib) / 1024 * FLY["machine_ram_gb_second_derived"].value
    )
    return (
        per_second * MONTH_S,
        vcpu_key,
        "from Fly's per-second CPU and RAM rates (this size is not in the published table)",
    )


def _machine_price(preset: str, mib: int, region: str) -> tuple[Price, str] | str:
    """A machine's price for 30 days in `region` and how it was found, or why there is none."""
    iad = _machine_month(preset, mib)
    if iad is None:
        return f"{preset} is not a Fly machine preset the price table knows"
    multiplier = FLY_REGION_MULTIPLIER.get(region)
    if multiplier is None:
        return f"the price table has no Fly machine prices for region {region}"
    value, key, how = iad
    where = "" if multiplier == 1 else f"the iad price x{multiplier}, Fly's {region} premium"
    note = "; ".join(part for part in (how, where) if part)
    source = TABLE_SOURCES[key] if key in TABLE_SOURCES else FLY[key].source
    return Price(key, value * multiplier, "machine-month", source), note


def _size_text(preset: str, mib: int) -> str:
    return f"{preset} {mib // 1024}GB" if mib % 1024 == 0 else f"{preset} {mib}MB"


def _mib(value: Any) -> int | None:
    try:
        return parse_size_mib(value)
    except UnitError:
        return None


def _toml(ctx: Context, app: Any) -> dict[str, Any] | None:
    for deploy in ctx.of_type(PREFIX + "Deploy"):
        if deploy.inputs.get("app") == app and known(deploy.inputs.get("config")):
            try:
                return tomllib.loads(str(deploy.inputs.get("config")))
            except tomllib.TOMLDecodeError:
                return None
    return None


def _applies(entry: dict[str, Any], group: str) -> bool:
    processes = entry.get("processes")
    return not processes or group in processes


def _vm_of(toml: dict[str, Any], group: str) -> tuple[str, int] | None:
    """(preset, MiB) of the machines of process `group`, from fly.toml's [[vm]] entries."""
    vms = toml.get("vm") or [{}]
    entries: list[dict[str, Any]] = vms if isinstance(vms, list) else [vms]
    vm = next((v for v in entries if _applies(v, group)), {})
    if "size" in vm:
        preset = str(vm["size"])
        kind = "performance" if preset.startswith("performance") else "shared"
        cpus = int(preset.rpartition("-")[2].rstrip("x") or 1)
    else:
        kind = str(vm.get("cpu_kind") or "shared")
        cpus = int(vm.get("cpus") or 1)
        preset = f"shared-cpu-{cpus}x" if kind == "shared" else f"performance-{cpus}x"
    memory = vm.get("memory") or vm.get("memory_mb")
    mib = _mib(memory) if memory is not None else _DEFAULT_MIB[kind] * cpus
    return None if mib is None else (preset, mib)


def _mounts_gb(toml: dict[str, Any], group: str) -> int:
    mounts = toml.get("mounts") or []
    total = 0
    for m in mounts if isinstance(mounts, list) else [mounts]:
        if _applies(m, group):
            size = m.get("initial_size")
            mib = _mib(size) if size is not None else DEFAULT_MOUNT_GB * 1024
            total += -(-(mib or 1024) // 1024)  # volumes come in whole GB
    return total


def scale(r: Resource, ctx: Context) -> Priced:
    count, region, app = r.inputs.get("count"), r.inputs.get("region"), r.inputs.get("app")
    if not known(count) or not known(region):
        return [not_priced(r, "its machine count or region is known only after apply")]
    toml = _toml(ctx, app)
    if toml is None:
        return [not_priced(r, f"no readable fly.toml for app {app} to size its machines")]
    group = str(r.inputs.get("process_group") or r.inputs.get("process") or "app")
    vm = _vm_of(toml, group)
    if vm is None:
        return [not_priced(r, f"the memory of process group {group} could not be read")]
    preset, mib = vm
    priced = _machine_price(preset, mib, str(region))
    if isinstance(priced, str):
        return [not_priced(r, priced)]
    price, how = priced
    n = Decimal(int(str(count)))
    out: Priced = [
        line(r, f"Machines, {_size_text(preset, mib)}, {region}, always running", "machines",
             n, price, note=how)
    ]  # fmt: skip
    gb = _mounts_gb(toml, group)
    if gb:
        out.append(
            line(r, f"Volumes, {gb} GB on each machine", "GB", n * gb, FLY["volume_gb_month"],
                 note="Fly does not price volumes by region")
        )  # fmt: skip
        ctx.add_free_use("volumes", n * gb)
    return out


def postgres(r: Resource, ctx: Context) -> Priced:
    inputs = r.inputs
    kind, region = inputs.get("kind"), inputs.get("region")
    volume = inputs.get("volume_size_gb")
    if not known(region) or not known(volume) or not known(kind):
        return [not_priced(r, "its region or size is known only after apply")]
    gb = Decimal(int(volume or 10))
    if kind == "mpg":
        plan = str(inputs.get("plan") or "basic")
        if str(region) not in FLY_MPG_REGIONS:
            return [not_priced(r, f"Managed Postgres is not offered in {region}")]
        if plan not in FLY_MPG_PLAN_MONTH:
            return [not_priced(r, f"Managed Postgres plan {plan!r} is not in the price table")]
        return [
            line(r, f"Managed Postgres, {plan} plan (HA, backups, pooling included)", "clusters",
                 Decimal(1), Price("managed_postgres_plans_monthly", FLY_MPG_PLAN_MONTH[plan],
                                   "month", TABLE_SOURCES["managed_postgres_plans_monthly"])),
            line(r, "Managed Postgres storage", "GB", gb,
                 FLY["managed_postgres_storage_gb_month"]),
        ]  # fmt: skip
    # Unmanaged Fly Postgres is ordinary machines with a volume each.
    preset = str(inputs.get("vm_size") or "shared-cpu-1x")
    mib = int(str(inputs.get("vm_memory_mb") or 1024))
    nodes = Decimal(int(str(inputs.get("cluster_size") or 1)))
    priced = _machine_price(preset, mib, str(region))
    if isinstance(priced, str):
        return [not_priced(r, priced)]
    price, how = priced
    ctx.add_free_use("volumes", nodes * gb)
    return [
        line(r, f"Postgres machines, {_size_text(preset, mib)}, {region}", "machines", nodes,
             price, note=how),
        line(r, f"Postgres volumes, {gb} GB each", "GB", nodes * gb, FLY["volume_gb_month"]),
    ]  # fmt: skip


def redis(r: Resource, ctx: Context) -> Priced:
    plan = r.inputs.get("plan")
    if not known(plan):
        return [not_priced(r, "its plan is known only after apply")]
    if not plan:
        return [
            line(r, "Upstash Redis, pay-as-you-go commands", "commands",
                 ctx.usage_value("redis_commands"),
                 FLY["upstash_redis_payg_per_100k_commands"], usage_key="redis_commands")
        ]  # fmt: skip
    name = str(plan).lower().replace(" ", "_").removeprefix("flyio_")
    if name not in FLY_UPSTASH_FIXED_MONTH:
        return [not_priced(r, f"Upstash plan {plan!r} is not in the price table")]
    return [
        line(r, f"Upstash Redis, {plan} plan", "plans", Decimal(1),
             Price("upstash_redis_fixed_plans_monthly", FLY_UPSTASH_FIXED_MONTH[name], "month",
                   TABLE_SOURCES["upstash_redis_fixed_plans_monthly"]))
    ]  # fmt: skip


def tigris(r: Resource, ctx: Context) -> Priced:
    buckets = ctx.of_type(r.type)
    if min(buckets, key=lambda b: b.name) is not r:
        return []  # usage describes all buckets together: priced once, on the first by name
    gb = ctx.usage_value("storage_gb")
    a = ctx.usage_value("storage_class_a_operations")
    b = ctx.usage_value("storage_class_b_operations")
    for quantity, free in (
        (gb, "tigris_free_standard_gb"),
        (a, "tigris_free_class_a"),
        (b, "tigris_free_class_b"),
    ):
        if quantity:
            ctx.add_free_use(free, quantity)
    return [
        line(r, "Tigris storage, Standard", "GB", gb, FLY["tigris_standard_gb_month"],
             usage_key="storage_gb", note="Tigris charges no egress"),
        line(r, "Tigris Class A requests (PUT, COPY, POST, LIST)", "requests", a,
             FLY["tigris_class_a_per_1000"], usage_key="storage_class_a_operations"),
        line(r, "Tigris Class B requests (GET, HEAD)", "requests", b,
             FLY["tigris_class_b_per_1000"], usage_key="storage_class_b_operations"),
    ]  # fmt: skip


def ip(r: Resource, ctx: Context) -> Priced:
    if r.inputs.get("kind") != "v4":
        return []  # IPv6 and the shared IPv4 are free (S2)
    return [line(r, "Dedicated IPv4", "addresses", Decimal(1), FLY["dedicated_ipv4_month"])]


def cert(r: Resource, ctx: Context) -> Priced:
    host = r.inputs.get("hostname")
    if str(host).startswith("*."):
        return [line(r, f"Wildcard certificate {host}", "certificates", Decimal(1),
                     FLY["cert_wildcard_month"])]  # fmt: skip
    ctx.add_free_use("certs", Decimal(1))
    return [line(r, f"Certificate {host}", "certificates", Decimal(1),
                 FLY["cert_single_hostname_month"])]  # fmt: skip


PRICERS: dict[str, Pricer] = {
    PREFIX + "Scale": scale,
    PREFIX + "Postgres": postgres,
    PREFIX + "Redis": redis,
    PREFIX + "Storage": tigris,
    PREFIX + "Ip": ip,
    PREFIX + "Cert": cert,
}


def _region_of(ctx: Context, app: Resource) -> str | None:
    """The app's primary region (fly.toml's), where its traffic is taken to leave from; else
    the region of its first Scale by name (registration order varies between runs)."""
    toml = _toml(ctx, app.inputs.get("name"))
    if toml is not None and toml.get("primary_region"):
        return str(toml["primary_region"])
    scales = sorted(ctx.of_type(PREFIX + "Scale"), key=lambda r: r.name)
    return next((str(r.inputs["region"]) for r in scales if known(r.inputs.get("region"))), None)


# Per organization: (what was used, name, allowance key, the price one unit of it saves).
FREE_TIERS = (
    ("volume_snapshot_gb", "Fly volume snapshots", "volume_snapshot_free_gb",
     "volume_snapshot_gb_month"),
    ("certs", "Fly single-host certificates", "cert_free_single_hostname_per_org",
     "cert_single_hostname_month"),
    ("tigris_free_standard_gb", "Tigris storage", "tigris_free_standard_gb",
     "tigris_standard_gb_month"),
    ("tigris_free_class_a", "Tigris Class A requests", "tigris_free_class_a",
     "tigris_class_a_per_1000"),
    ("tigris_free_class_b", "Tigris Class B requests", "tigris_free_class_b",
     "tigris_class_b_per_1000"),
)  # fmt: skip


def stack_items(ctx: Context) -> None:
    """Egress and snapshots (usage of the whole app), and Fly's free allowances."""
    est = ctx.estimate
    apps = ctx.of_type(PREFIX + "App")
    region = _region_of(ctx, apps[0]) if apps else None
    if apps and region is not None:
        key = FLY_EGRESS_GROUP.get(region)
        if key is None:
            est.not_priced.append(
                not_priced(apps[0], f"Fly egress from {region} is not in the price table")
            )
        else:
            stack_usage(ctx, apps[0], f"Internet egress from {region}", "GB",
                        usage_key="egress_gb", price=FLY[key])  # fmt: skip
    if ctx.free_use.get("volumes") and apps:
        stack_usage(ctx, apps[0], "Volume snapshots (daily, kept 5 days)", "GB",
                    usage_key="volume_snapshot_gb", price=FLY["volume_snapshot_gb_month"],
                    free_use="volume_snapshot_gb")  # fmt: skip
    add_free_tiers(ctx, FREE_TIERS, FLY_FREE, FLY)
