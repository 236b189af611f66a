"""Prices for the Google Cloud resources a plan registers, by pulumi_gcp type token.

Owns how each billed GCP resource turns into line items: Cloud Run services and jobs (by
billing mode and region tier), Cloud SQL, Memorystore, Cloud Storage, Secret Manager versions,
Artifact Registry, Serverless VPC Access connectors, and the per-account free tiers. Reads
only registered inputs (wire names), so it prices what `pulumi up` would create.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from phxstack.cost.estimate import (
    STACK,
    Context,
    Line,
    NotPriced,
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
    GCP,
    GCP_FREE,
    GCP_HOURS_PER_MONTH,
    GCP_PRICED_REGIONS,
    GCP_TIER1,
    MEMORYSTORE_BANDS,
    SECONDS_PER_HOUR,
    SERVERLESS_VPC_CONNECTOR_MIN_INSTANCES,
    Price,
    cloud_run_rates,
)

MONTH_S = Decimal(GCP_HOURS_PER_MONTH * SECONDS_PER_HOUR)  # 2,628,000
HOURS = Decimal(GCP_HOURS_PER_MONTH)
# Cloud Run's defaults when a container sets no limits (run/docs/configuring/services/cpu and
# .../memory-limits): 1 vCPU and 512 MiB.
DEFAULT_CPU = Decimal(1)
DEFAULT_GIB = Decimal("0.5")

SERVICE = "gcp:cloudrunv2/service:Service"
JOB = "gcp:cloudrunv2/job:Job"

_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")
# Kubernetes quantities, as Cloud Run reads limits: binary Ki/Mi/Gi/Ti, decimal k/M/G/T.
_BYTES = {
    "": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
}  # fmt: skip


def parse_cpu(value: Any) -> Decimal | None:
    """`"2"` -> 2, `"1000m"` -> 1, `"0.5"` -> 0.5; None when it cannot be read."""
    m = _QUANTITY.match(str(value))
    if not m or m.group(2) not in ("", "m"):
        return None
    n = Decimal(m.group(1))
    return n / 1000 if m.group(2) == "m" else n


def parse_gib(value: Any) -> Decimal | None:
    """`"2048Mi"` -> 2, `"2Gi"` -> 2, `"512M"` -> 0.4768...; None when it cannot be read."""
    m = _QUANTITY.match(str(value))
    if not m or m.group(2) not in _BYTES:
        return None
    return Decimal(m.group(1)) * _BYTES[m.group(2)] / Decimal(2**30)


def _fmt(n: Decimal) -> str:
    text = f"{n.normalize():f}"
    return text


def _region_problem(r: Resource, region: Any, what: str) -> NotPriced | None:
    if not known(region) or not region:
        return not_priced(r, f"its region is known only after apply, so {what} is not priced")
    if str(region).lower() not in GCP_PRICED_REGIONS:
        return not_priced(
            r,
            f"the price table has {what} prices for us-central1 only, not {region} "
            "(no price is guessed for another region)",
        )
    return None


# ------------------------------------------------------------------------------ Cloud Run
def _limits(containers: list[Any]) -> list[Any]:
    """What sizes and bills an instance: each container's limits and CPU allocation."""
    return [
        {k: v for k, v in ((c or {}).get("resources") or {}).items() if k in ("limits", "cpuIdle")}
        for c in containers
    ]


def _size(containers: list[Any]) -> tuple[Decimal, Decimal] | None:
    """vCPUs and GiB of one instance: the sum over its containers (sidecars included)."""
    cpu, gib = Decimal(0), Decimal(0)
    for c in containers:
        limits = ((c or {}).get("resources") or {}).get("limits") or {}
        c_cpu = parse_cpu(limits["cpu"]) if "cpu" in limits else DEFAULT_CPU
        c_gib = parse_gib(limits["memory"]) if "memory" in limits else DEFAULT_GIB
        if c_cpu is None or c_gib is None:
            return None
        cpu, gib = cpu + c_cpu, gib + c_gib
    return cpu, gib


def _public(service: Resource) -> bool:
    return service.inputs.get("ingress") in (None, "INGRESS_TRAFFIC_ALL")


def web_service(ctx: Context) -> Resource | None:
    """The service the stack's traffic reaches: the public one (the first by name if several;
    registration order varies between runs), else the first by name."""
    services = sorted(ctx.of_type(SERVICE), key=lambda s: s.name)
    return next((s for s in services if _public(s)), services[0] if services else None)


def cloud_run_service(r: Resource, ctx: Context) -> Priced:
    inputs = r.inputs
    template = inputs.get("template") or {}
    containers = template.get("containers") or [{}]
    scaling_known = known(template.get("scaling") or {}) and known(inputs.get("scaling") or {})
    if not scaling_known or not known(_limits(containers)):
        return [not_priced(r, "its size or scaling is known only after apply")]
    region = inputs.get("location")
    if not known(region):
        return [not_priced(r, "its region is known only after apply")]
    rates = cloud_run_rates(str(region))
    if rates is None:
        return [not_priced(r, f"{region} is in neither of the price table's Cloud Run tiers")]
    size = _size(containers)
    if size is None:
        return [not_priced(r, "its CPU or memory limit could not be read")]
    cpu, gib = size
    # Cloud Run's default, when cpuIdle is not set, is request-based billing.
    cpu_idle = ((containers[0] or {}).get("resources") or {}).get("cpuIdle", True)
    billing = "request" if cpu_idle else "instance"
    missing = rates.missing(billing)
    if missing:
        return [not_priced(r, f"{billing}-based billing: {missing}")]
    # The service-level minimum keeps instances warm across revisions too: the larger wins.
    service_scaling = inputs.get("scaling") or {}
    if service_scaling.get("scalingMode") == "MANUAL":
        # Manual scaling runs exactly this many instances, whatever the revision's min/max.
        warm = int(service_scaling.get("manualInstanceCount") or 0)
    else:
        warm = max(
            int((template.get("scaling") or {}).get("minInstanceCount") or 0),
            int(service_scaling.get("minInstanceCount") or 0),
        )
    warm_s = Decimal(warm) * MONTH_S
    size_text = f"{_fmt(cpu)} vCPU, {_fmt(gib)} GiB"
    # `usage` describes the traffic of the stack, which reaches one service: another service
    # (a worker, an internal API) has busy time of its own that nothing describes, so its
    # usage items print "depends on usage" rather than count the same traffic twice.
    web = web_service(ctx)
    is_web = web is None or web is r
    active_h = ctx.usage_value("active_instance_hours") if is_web else None
    out: Priced = []
    if billing == "instance":
        assert rates.instance_vcpu and rates.instance_gib
        if warm:
            out += [
                line(r, f"CPU, warm instances of {_fmt(cpu)} vCPU, instance billing (always on)",
                     "vCPU-seconds", warm_s * cpu, rates.instance_vcpu),
                line(r, f"Memory, warm instances of {_fmt(gib)} GiB, instance billing",
                     "GiB-seconds", warm_s * gib, rates.instance_gib),
            ]  # fmt: skip
        extra = None if active_h is None else max(Decimal(0), active_h - warm * HOURS)
        if extra is None or extra or not warm:
            # Instances above the minimum live while there is work, and are billed the whole
            # time they live.
            out += _busy_lines(
                r, f"instances above the minimum ({size_text})", "instances above the minimum",
                hours=extra, size=(cpu, gib), rates=(rates.instance_vcpu, rates.instance_gib),
            )  # fmt: skip
        billed_vcpu_s = warm_s * cpu + (extra or 0) * SECONDS_PER_HOUR * cpu
        billed_gib_s = warm_s * gib + (extra or 0) * SECONDS_PER_HOUR * gib
        ctx.add_free_use("instance_vcpu", billed_vcpu_s)
        ctx.add_free_use("instance_gib", billed_gib_s)
    else:
        assert rates.active_vcpu and rates.active_gib and rates.idle_vcpu and rates.idle_gib
        assert rates.requests
        if warm:
            out += [
                line(r, f"CPU, warm instances of {_fmt(cpu)} vCPU, idle rate (request billing)",
                     "vCPU-seconds", warm_s * cpu, rates.idle_vcpu),
                line(r, f"Memory, warm instances of {_fmt(gib)} GiB, idle rate",
                     "GiB-seconds", warm_s * gib, rates.idle_gib),
            ]  # fmt: skip
        busy_warm = None if active_h is None else min(active_h, warm * HOURS)
        busy_other = None if active_h is None else active_h - (busy_warm or 0)
        # While a request or socket is open a warm instance pays the active rate instead of
        # the idle one: the difference is what LiveView sockets cost on top of the floor.
        busy_s = None if busy_warm is None else busy_warm * SECONDS_PER_HOUR
        for what, amount, active, idle in (
            ("CPU", cpu, rates.active_vcpu, rates.idle_vcpu),
            ("Memory", gib, rates.active_gib, rates.idle_gib),
        ):
            premium = active.value - idle.value
            if warm and premium:  # in Tier 1, memory costs the same idle or active
                out.append(
                    line(r, f"{what}, warm instances busy: active rate above the idle rate",
                         active.unit + "s", None if busy_s is None else busy_s * amount, active,
                         unit_price=premium, usage_key="active_instance_hours",
                         note=f"active {active.value} - idle {idle.value} per {active.unit}")
                )  # fmt: skip
        if busy_other is None or busy_other or not warm:
            out += _busy_lines(
                r, f"other instances while busy ({size_text})", "other instances while busy",
                hours=busy_other, size=(cpu, gib), rates=(rates.active_vcpu, rates.active_gib),
            )  # fmt: skip
        requests = ctx.usage_value("requests") if is_web else None
        out.append(
            line(r, "Requests (request billing)", "requests", requests, rates.requests,
                 usage_key="requests")
        )  # fmt: skip
        if active_h is not None:
            ctx.add_free_use("request_vcpu", active_h * SECONDS_PER_HOUR * cpu)
            ctx.add_free_use("request_gib", active_h * SECONDS_PER_HOUR * gib)
        if requests is not None:
            ctx.add_free_use("requests", requests)
    if not is_web:
        assert web is not None
        why = f"`usage` describes the traffic of {web.name}; this service's is not described"
        out = [
            replace(item, note=why) if isinstance(item, Line) and item.usage_key else item
            for item in out
        ]
    return out


def _busy_lines(
    r: Resource,
    cpu_label: str,
    memory_label: str,
    *,
    hours: Decimal | None,
    size: tuple[Decimal, Decimal],
    rates: tuple[Price, Price],
) -> Priced:
    """CPU and memory of instances that run only while busy (None hours: no assumption).

    Approximate: the idle minutes before Cloud Run stops such an instance are not counted.
    """
    seconds = None if hours is None else hours * SECONDS_PER_HOUR
    note = "busy hours beyond the warm instances' (usage.active_instance_hours)"
    return [
        line(r, f"{what}, {label}", unit, None if seconds is None else seconds * amount, price,
             usage_key="active_instance_hours", note=note)
        for what, label, unit, amount, price in (
            ("CPU", cpu_label, "vCPU-seconds", size[0], rates[0]),
            ("Memory", memory_label, "GiB-seconds", size[1], rates[1]),
        )
    ]  # fmt: skip


def cloud_run_job(r: Resource, ctx: Context) -> Priced:
    template = ((r.inputs.get("template") or {}).get("template")) or {}
    region = r.inputs.get("location")
    containers = template.get("containers") or [{}]
    if not known(region) or not known(_limits(containers)):
        return [not_priced(r, "its region or size is known only after apply")]
    rates = cloud_run_rates(str(region))
    missing = (
        f"{region} is in neither Cloud Run tier" if rates is None else rates.missing("instance")
    )
    if missing or rates is None:
        return [not_priced(r, f"jobs bill at the instance-based rate: {missing}")]
    size = _size(containers)
    if size is None:
        return [not_priced(r, "its CPU or memory limit could not be read")]
    cpu, gib = size
    minutes = ctx.usage_value("job_minutes")
    seconds = None if minutes is None else minutes * 60
    assert rates.instance_vcpu and rates.instance_gib
    return [
        line(r, f"CPU while a task runs ({_fmt(cpu)} vCPU)", "vCPU-seconds",
             None if seconds is None else seconds * cpu, rates.instance_vcpu,
             usage_key="job_minutes"),
        line(r, f"Memory while a task runs ({_fmt(gib)} GiB)", "GiB-seconds",
             None if seconds is None else seconds * gib, rates.instance_gib,
             usage_key="job_minutes"),
    ]  # fmt: skip


def worker_pool(r: Resource, ctx: Context) -> Priced:
    template = r.inputs.get("template") or {}
    containers = template.get("containers") or [{}]
    scaling = r.inputs.get("scaling") or {}
    region = r.inputs.get("location")
    if not known(region) or not known(_limits(containers)) or not known(scaling):
        return [not_priced(r, "its region, size or instance count is known only after apply")]
    if str(region) not in GCP_TIER1:
        return [not_priced(r, f"worker pool prices are known for Tier 1 regions, not {region}")]
    size = _size(containers)
    if size is None:
        return [not_priced(r, "its CPU or memory limit could not be read")]
    cpu, gib = size
    manual, minimum = scaling.get("manualInstanceCount"), scaling.get("minInstanceCount")
    note = ""
    if scaling.get("scalingMode") == "AUTOMATIC" or (manual is None and minimum is not None):
        # Instances above the minimum run when the pool scales up, which nothing describes.
        n = int(minimum or 0)
        note = "the minimum of an automatically scaled pool; instances above it are not counted"
    elif manual is not None:
        n = int(manual)
    else:
        return [not_priced(r, "it sets no instance count, so Cloud Run's default applies")]
    seconds = Decimal(n) * MONTH_S
    return [
        line(r, f"CPU, {n} x {_fmt(cpu)} vCPU, always on", "vCPU-seconds", seconds * cpu,
             GCP["cloud_run_worker_pool_vcpu_second"], note=note),
        line(r, f"Memory, {n} x {_fmt(gib)} GiB", "GiB-seconds", seconds * gib,
             GCP["cloud_run_worker_pool_gib_second"], note=note),
    ]  # fmt: skip


# ------------------------------------------------------------------------------ Cloud SQL
_CUSTOM = re.compile(r"^db-custom-(\d+)-(\d+)$")
_SHARED = {
    "db-f1-micro": "cloud_sql_pg_db_f1_micro_hour",
    "db-g1-small": "cloud_sql_pg_db_g1_small_hour",
}


def cloud_sql_instance(r: Resource, ctx: Context) -> Priced:
    inputs = r.inputs
    settings = inputs.get("settings") or {}
    problem = _region_problem(r, inputs.get("region"), "Cloud SQL")
    if problem:
        return [problem]
    version = str(inputs.get("databaseVersion") or "")
    if not version.startswith("POSTGRES_"):
        return [not_priced(r, f"only PostgreSQL is priced, not {version or 'an unset version'}")]
    edition = settings.get("edition") or "ENTERPRISE"
    if edition != "ENTERPRISE":
        return [not_priced(r, f"only the Enterprise edition is priced, not {edition}")]
    tier = settings.get("tier")
    if not known(tier) or not known(settings.get("availabilityType")):
        return [not_priced(r, "its tier is known only after apply")]
    ha = settings.get("availabilityType") == "REGIONAL"
    suffix = "_ha" if ha else ""
    where = "regional (HA)" if ha else "zonal"
    out: Priced = []
    custom = _CUSTOM.match(str(tier))
    if tier in _SHARED:
        out.append(
            line(r, f"Instance {tier}, {where}", "hours", HOURS, GCP[_SHARED[tier] + suffix])
        )
    elif custom:
        vcpus, mib = int(custom.group(1)), int(custom.group(2))
        gb = Decimal(mib) / 1024
        out += [
            line(r, f"vCPUs, {tier} ({vcpus}), {where}", "vCPU-hours", vcpus * HOURS,
                 GCP["cloud_sql_pg_enterprise_vcpu_hour" + suffix]),
            line(r, f"Memory, {tier} ({_fmt(gb)} GB), {where}", "GB-hours", gb * HOURS,
                 GCP["cloud_sql_pg_enterprise_ram_gb_hour" + suffix]),
        ]  # fmt: skip
    else:
        return [not_priced(r, f"tier {tier} is not in the price table (shared-core or custom)")]
    disk_type = str(settings.get("diskType") or "PD_SSD")
    if disk_type not in ("PD_SSD", "PD_HDD"):
        out.append(not_priced(r, f"{disk_type} storage is not in the price table"))
    else:
        disk = settings.get("diskSize") or 10  # the provider's default and Cloud SQL's minimum
        kind = "ssd" if disk_type == "PD_SSD" else "hdd"
        note = (
            "grows on its own (diskAutoresize); priced at this size"
            if settings.get("diskAutoresize", True)
            else ""
        )
        out.append(
            line(r, f"Storage, {kind.upper()}, {where}", "GB", Decimal(str(disk)),
                 GCP[f"cloud_sql_storage_{kind}_gb_month{suffix}"], note=note)
        )  # fmt: skip
    if (settings.get("backupConfiguration") or {}).get("enabled"):
        out.append(
            line(r, "Backups", "GB", ctx.usage_value("backup_gb"),
                 GCP["cloud_sql_backup_gb_month"], usage_key="backup_gb")
        )  # fmt: skip
    return out


# ---------------------------------------------------------------------------- Memorystore
def memorystore(r: Resource, ctx: Context) -> Priced:
    inputs = r.inputs
    problem = _region_problem(r, inputs.get("region"), "Memorystore")
    if problem:
        return [problem]
    size, tier = inputs.get("memorySizeGb"), inputs.get("tier") or "BASIC"
    if not known(size) or not known(tier):
        return [not_priced(r, "its size or tier is known only after apply")]
    if tier not in ("BASIC", "STANDARD_HA"):
        return [not_priced(r, f"tier {tier} is not in the price table")]
    gb = Decimal(str(size))
    band = next((b for limit, b in MEMORYSTORE_BANDS if gb <= limit), "m5")
    name = "basic" if tier == "BASIC" else "standard"
    label = "Basic" if tier == "BASIC" else "Standard (HA)"
    return [
        line(r, f"Capacity, {label}, {_fmt(gb)} GB (band {band.upper()})", "GB-hours",
             gb * HOURS, GCP[f"memorystore_redis_{name}_{band}_gb_hour"])
    ]  # fmt: skip


# -------------------------------------------------------------------------- Cloud Storage
def bucket(r: Resource, ctx: Context) -> Priced:
    inputs = r.inputs
    location = str(inputs.get("location") or "US").upper()
    storage_class = str(inputs.get("storageClass") or "STANDARD").upper()
    if storage_class != "STANDARD":
        return [not_priced(r, f"the {storage_class} class is not in the price table")]
    buckets = ctx.of_type(r.type)
    if min(buckets, key=lambda b: b.name) is not r:
        return []  # usage describes all buckets together: priced once, on the first by name
    note = f"all {len(buckets)} buckets" if len(buckets) > 1 else ""
    gb, a, b = (
        ctx.usage_value("storage_gb"),
        ctx.usage_value("storage_class_a_operations"),
        ctx.usage_value("storage_class_b_operations"),
    )
    if location in ("US", "EU"):
        return [
            line(r, f"Storage, Standard, {location} multi-region", "GB", gb,
                 GCP["gcs_standard_multiregion_us_eu_gb_month"], usage_key="storage_gb",
                 note=note),
            not_priced(r, "multi-region operation prices are not in the price table"),
        ]  # fmt: skip
    problem = _region_problem(r, location.lower(), "Cloud Storage")
    if problem:
        return [problem]
    versioned = (inputs.get("versioning") or {}).get("enabled")
    keep = "; old versions are stored too (versioning)" if versioned else ""
    return [
        line(r, f"Storage, Standard, {location.lower()}", "GB", gb,
             GCP["gcs_standard_regional_gb_month"], usage_key="storage_gb", note=note + keep),
        line(r, "Class A operations (writes, lists)", "operations", a,
             GCP["gcs_class_a_per_1000_regional"], usage_key="storage_class_a_operations"),
        line(r, "Class B operations (reads)", "operations", b,
             GCP["gcs_class_b_per_1000_regional"], usage_key="storage_class_b_operations"),
    ]  # fmt: skip


# ------------------------------------------------------------- Secrets, images, networking
def secret_version(r: Resource, ctx: Context) -> Priced:
    ctx.add_free_use("secret_versions", Decimal(1))
    note = (
        "deletionPolicy DISABLE: a replaced version is disabled, not destroyed, and stays billed"
        if r.inputs.get("deletionPolicy") == "DISABLE"
        else ""
    )
    return [
        line(r, "Active secret version", "versions", Decimal(1),
             GCP["secret_manager_active_version_month"], note=note)
    ]  # fmt: skip


def repository(r: Resource, ctx: Context) -> Priced:
    gb = ctx.usage_value("image_storage_gb")
    if gb is not None:
        ctx.add_free_use("image_gb", gb)
    return [
        line(r, "Image storage", "GB", gb, GCP["artifact_registry_storage_gb_month"],
             usage_key="image_storage_gb")
    ]  # fmt: skip


def vpc_connector(r: Resource, ctx: Context) -> Priced:
    machine = r.inputs.get("machineType") or "e2-micro"
    if machine != "e2-micro":
        return [not_priced(r, f"{machine} connector instances are not in the price table")]
    problem = _region_problem(r, r.inputs.get("region"), "e2-micro")
    if problem:
        return [problem]
    count = int(r.inputs.get("minInstances") or SERVERLESS_VPC_CONNECTOR_MIN_INSTANCES)
    return [
        line(r, f"{count} e2-micro connector instances (the minimum running)", "hours",
             count * HOURS, GCP["serverless_vpc_connector_e2_micro_instance_hour"],
             note="more instances start under load, up to maxInstances")
    ]  # fmt: skip


def global_address(r: Resource, ctx: Context) -> Priced:
    # An internal range reserved for private services access is free; an external one is not.
    if r.inputs.get("purpose") == "VPC_PEERING" or r.inputs.get("addressType") == "INTERNAL":
        return []
    # The table's external IPv4 prices are for addresses on VMs, or reserved and unused; a
    # global address serves a load balancer, whose forwarding rules the table does not price.
    return [
        not_priced(r, "a global external address is billed with a load balancer's forwarding "
                   "rules, which the price table does not have")
    ]  # fmt: skip


PRICERS: dict[str, Pricer] = {
    SERVICE: cloud_run_service,
    JOB: cloud_run_job,
    "gcp:cloudrunv2/workerPool:WorkerPool": worker_pool,
    "gcp:sql/databaseInstance:DatabaseInstance": cloud_sql_instance,
    "gcp:redis/instance:Instance": memorystore,
    "gcp:storage/bucket:Bucket": bucket,
    "gcp:secretmanager/secretVersion:SecretVersion": secret_version,
    "gcp:artifactregistry/repository:Repository": repository,
    "gcp:vpcaccess/connector:Connector": vpc_connector,
    "gcp:compute/globalAddress:GlobalAddress": global_address,
}


# ------------------------------------------------------------------- stack-wide and free
# Per billing account: (what was used, name, allowance key, the price one unit of it saves).
FREE_TIERS = (
    ("instance_vcpu", "Cloud Run, instance billing: CPU",
     "cloud_run_free_vcpu_seconds_instance_billing", "cloud_run_vcpu_second_instance_billing"),
    ("instance_gib", "Cloud Run, instance billing: memory",
     "cloud_run_free_gib_seconds_instance_billing", "cloud_run_gib_second_instance_billing"),
    ("request_vcpu", "Cloud Run, request billing: active CPU",
     "cloud_run_free_vcpu_seconds_request_billing", "cloud_run_vcpu_second_request_billing_active"),
    ("request_gib", "Cloud Run, request billing: active memory",
     "cloud_run_free_gib_seconds_request_billing", "cloud_run_gib_second_request_billing_active"),
    ("requests", "Cloud Run requests",
     "cloud_run_free_requests_request_billing", "cloud_run_requests_per_million_request_billing"),
    ("egress", "Cloud Run internet egress from North America",
     "cloud_run_internet_egress_free_gib_north_america", "internet_egress_premium_gb_0_1tib"),
    ("secret_versions", "Secret Manager active versions",
     "secret_manager_free_active_versions", "secret_manager_active_version_month"),
    ("secret_accesses", "Secret Manager access operations",
     "secret_manager_free_access_operations", "secret_manager_access_per_10k"),
    ("image_gb", "Artifact Registry storage",
     "artifact_registry_free_storage_gb", "artifact_registry_storage_gb_month"),
)  # fmt: skip


# Premium-tier egress is priced by the month's volume (S8): the first TiB, up to 10 TiB, above.
EGRESS_TIERS = (
    ("first TiB", Decimal(0), Decimal(1024), "internet_egress_premium_gb_0_1tib"),
    ("1-10 TiB", Decimal(1024), Decimal(10240), "internet_egress_premium_gb_1_10tib"),
    ("over 10 TiB", Decimal(10240), None, "internet_egress_premium_gb_over_10tib"),
)


_EGRESS_NOTE = (
    "priced at the rate to most of the world; the first TiB to China costs "
    f"${GCP['internet_egress_premium_gb_china_0_1tib'].value}/GB, to Australia "
    f"${GCP['internet_egress_premium_gb_australia_0_1tib'].value}/GB"
)


def _egress(ctx: Context, service: Resource) -> None:
    gb = ctx.usage_value("egress_gb")
    for label, low, high, key in EGRESS_TIERS:
        if low and (gb is None or gb <= low):
            break
        quantity = None if gb is None else (gb if high is None else min(gb, high)) - low
        ctx.estimate.lines.append(
            line(service, f"Internet egress, Premium tier ({label})", "GB", quantity, GCP[key],
                 usage_key="egress_gb", resource=STACK,
                 note="" if low else _EGRESS_NOTE)
        )  # fmt: skip
    if gb:
        ctx.add_free_use("egress", gb)


def stack_items(ctx: Context) -> None:
    """Usage billed to the project rather than one resource, and the free tiers."""
    est = ctx.estimate
    service = web_service(ctx)
    if service is not None:
        region = str(service.inputs.get("location") or "")
        if region in GCP_PRICED_REGIONS:
            _egress(ctx, service)
        else:
            est.not_priced.append(
                NotPriced(STACK, service.type, None,
                          f"internet egress from {region} is not in the price table")
            )  # fmt: skip
    versions = ctx.of_type("gcp:secretmanager/secretVersion:SecretVersion")
    if versions:
        stack_usage(
            ctx, versions[0], "Secret Manager access operations", "operations",
            usage_key="secret_access_operations", price=GCP["secret_manager_access_per_10k"],
            free_use="secret_accesses",
        )  # fmt: skip
    add_free_tiers(ctx, FREE_TIERS, GCP_FREE, GCP)
