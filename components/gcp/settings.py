"""Config to Args for the GCP target: tiers, dev/prod defaults, environment, physical names.

Owns every decision that turns an `InferaConfig` into the plain settings each GCP component
receives. Pure: it creates no resources and is tested without the Pulumi engine. Wiring between
components (outputs of one feeding another) is `stack.py`'s business; the components own the
provider arguments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from components import naming
from components.build_context import context_digest
from config.context import StackContext
from config.model import WEB_PROCESS, InferaConfig
from policy import cloud_sql

# The Direct VPC egress subnet's range is fixed, never derived from max_instances. The provider
# replaces a subnet whose range shrinks (terraform-provider-google, ForceNewIfChange with
# IsShrinkageIpCidr); the new subnet then overlaps the old one, which is abandoned rather than
# deleted (network.py), and the deploy can never succeed.
# Sizing (run/docs/configuring/vpc-direct-vpc, "IP address allocation"): in steady state Cloud
# Run uses 2 addresses per instance, the range must be a /26 or larger, and Google reserves 4
# per subnet. A /21 (2048) holds 2 x 1000 instances, the ceiling config/limits.py allows. An
# idle range costs nothing, and the older /26-/22 ranges at the same base grow into it in place.
SUBNET_CIDR = "10.8.0.0/21"
# Private services access: Google's examples reserve a /16 for producer services (gcp.md §3).
PEERING_PREFIX_LENGTH = 16

# LiveView sockets hold one request each; Cloud Run's maximum request timeout is an hour.
REQUEST_TIMEOUT = "3600s"
# Direct VPC egress can delay first connections "a minute or more" at instance start
# (vpc-direct-vpc), and the release connects to the DB at boot: allow two minutes to start.
STARTUP_BUDGET_S = 120
LIVENESS_FAILURE_THRESHOLD = 3
MIGRATION_TIMEOUT = "900s"

GENERATED_SECRET_LENGTH = {"SECRET_KEY_BASE": 64, "RELEASE_COOKIE": 32}

BASE_APIS = ("run", "iam", "secretmanager")


# App-shape keys the GCP target does not build yet; refused rather than silently ignored. Every
# key of issue #10 is built now; the ones Cloud Run cannot have at all are refused by the model
# with the reason (config/model.py, `_check_fly_only`).
NOT_YET: frozenset[str] = frozenset()


class GcpSettingsError(pulumi.RunError):
    """A configuration the GCP target cannot deploy; the message says how to fix it."""


@dataclass(frozen=True)
class NetworkSettings:
    subnet_cidr: str
    # Private services access, only when the database asks for a private IP.
    private_services_access: bool


@dataclass(frozen=True)
class DatabaseEnvSettings:
    """The env names the database's connection is delivered under (`database.env`)."""

    url: str = "DATABASE_URL"
    host: str | None = None
    port: str | None = None
    name: str | None = None
    user: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class DatabaseSettings:
    version: str
    tier: str
    disk_gb: int
    availability_type: str
    backups: bool
    point_in_time_recovery: bool
    deletion_protection: bool
    database_name: str
    user_name: str
    private_ip: bool
    pool_size: int
    env: DatabaseEnvSettings = DatabaseEnvSettings()


@dataclass(frozen=True)
class CacheSettings:
    name: str
    tier: str
    memory_size_gb: int
    # The env names of the URL and of the TLS CA certificate (`cache.env`).
    url_env: str = "REDIS_URL"
    ca_cert_env: str = "REDIS_CA_CERT"


@dataclass(frozen=True)
class BucketSettings:
    id: str
    name: str
    # Given in the config (`storage.buckets[].name`) rather than derived: a derived name keeps
    # the name the bucket was created with when naming rules change; a given one is the user's.
    name_given: bool
    # The env name the app reads the bucket's name under.
    env: str


@dataclass(frozen=True)
class HmacSettings:
    """S3-compatible access to GCS: one HMAC key of the runtime account serves every bucket."""

    access_key_id: tuple[str, ...]  # env names (one per bucket that names it differently)
    secret_access_key: tuple[str, ...]
    endpoint: tuple[str, ...]
    region: tuple[str, ...]


@dataclass(frozen=True)
class StorageSettings:
    versioning: bool
    force_destroy: bool
    # In config order; a config without `buckets:` has the one default bucket, `uploads`.
    buckets: tuple[BucketSettings, ...] = ()
    hmac: HmacSettings | None = None


@dataclass(frozen=True)
class ImageSettings:
    repository_id: str
    image_name: str  # repository-relative, e.g. `my-app`
    context: Path | None
    dockerfile: str
    tag: str | None  # content digest of the build context; None with a prebuilt image
    prebuilt: str | None
    cleanup_policies: bool
    # Docker build arguments (name, value) and the target stage; plain, never secrets.
    build_args: tuple[tuple[str, str], ...] = ()
    target: str | None = None


@dataclass(frozen=True)
class ProbeSettings:
    path: str
    period_s: int
    timeout_s: int
    initial_delay_s: int
    startup_failure_threshold: int
    liveness_failure_threshold: int
    # The liveness probe's shallow path; None: no liveness probe (`liveness.type: none`).
    liveness_path: str | None = None
    # http (http_get on `path`), tcp (tcp_socket on the port) or none (Cloud Run's own default
    # TCP startup probe: no startup probe is declared).
    type: str = "http"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class VolumeSettings:
    """A Cloud Run volume: a bucket through GCS FUSE, or an NFS share."""

    name: str
    path: str
    type: str  # gcs | nfs
    read_only: bool
    bucket_id: str | None = None
    server: str | None = None
    export: str | None = None


@dataclass(frozen=True)
class ProcessProbeSettings:
    type: str  # tcp | http
    port: int
    path: str | None
    period_s: int
    timeout_s: int
    initial_delay_s: int
    failure_threshold: int


@dataclass(frozen=True)
class ProcessSettings:
    """A non-web process group: a Cloud Run worker pool (no ingress, no port to serve)."""

    process: str
    name: str
    args: tuple[str, ...]
    cpu: str
    memory: str
    count: int
    probe: ProcessProbeSettings | None
    volumes: tuple[str, ...] = ()  # names of the volumes it mounts


@dataclass(frozen=True)
class MigrationSettings:
    job_name: str
    # The job container's command (it replaces the image's ENTRYPOINT, as the default
    # /app/bin/migrate always has).
    command: tuple[str, ...]
    timeout: str


@dataclass(frozen=True)
class ServiceSettings:
    name: str
    job_name: str
    cpu: str
    memory: str
    min_instances: int
    max_instances: int
    concurrency: int
    cpu_idle: bool
    port: int
    probe: ProbeSettings
    # Plain env in a stable order (reordering alone is a diff); PHX_HOST is added by the stack
    # when `phx_host` is None, from the service's own URL.
    env: tuple[tuple[str, str], ...]
    phx_host: str | None
    public: bool
    deletion_protection: bool
    # The web process's start command (`deployment.command`): the container's args, so the
    # image's ENTRYPOINT still runs, as Fly's [processes] command does. None: the image's CMD.
    args: tuple[str, ...] | None = None
    # Names of the volumes the web process mounts.
    volumes: tuple[str, ...] = ()


@dataclass(frozen=True)
class GcpStackArgs:
    """Everything `PhoenixGcp` builds, decided from config alone."""

    project_name: str
    stack: str
    gcp_project: str
    region: str
    production: bool
    apis: tuple[str, ...]
    service_account_id: str
    network: NetworkSettings | None
    database: DatabaseSettings | None
    cache: CacheSettings | None
    storage: StorageSettings | None
    # Secret name -> Secret Manager id, for every secret the app receives.
    secret_ids: dict[str, str]
    generated_secrets: dict[str, int]
    supplied_secrets: dict[str, pulumi.Output[str]] = field(repr=False)
    image: ImageSettings = field(repr=False)
    service: ServiceSettings = field(repr=False)
    domain: str | None = None
    # The project number, when stack config gives it: PHX_HOST is then the run.app host.
    project_number: str | None = None
    # None: nothing to migrate (no database, or `migrations.enabled: false`): no job at all.
    migrations: MigrationSettings | None = None
    volumes: tuple[VolumeSettings, ...] = ()
    processes: tuple[ProcessSettings, ...] = ()
    # `storage.buckets` is written: the `buckets` output lists them.
    list_buckets: bool = False


def cloud_sql_tier(size_mib: int) -> str:
    """The smallest Cloud SQL (Enterprise edition) tier with at least `size_mib` of memory."""
    try:
        return cloud_sql.cloud_sql_tier(size_mib)
    except ValueError as exc:
        raise GcpSettingsError(str(exc)) from None


def probe_settings(infera: InferaConfig) -> ProbeSettings:
    hc = infera.deployment.health_check
    period = max(1, round(hc.interval))
    # Cloud Run takes whole seconds and wants the timeout strictly below the period.
    timeout = min(max(1, math.ceil(hc.timeout)), max(1, period - 1))
    return ProbeSettings(
        path=hc.path,
        period_s=period,
        timeout_s=timeout,
        initial_delay_s=round(hc.grace_period),
        startup_failure_threshold=max(LIVENESS_FAILURE_THRESHOLD, -(-STARTUP_BUDGET_S // period)),
        liveness_failure_threshold=LIVENESS_FAILURE_THRESHOLD,
        liveness_path=hc.liveness.path if hc.liveness.type == "http" else None,
        type=hc.type,
        headers=tuple(hc.headers.items()),
    )


# GCS's XML API, which speaks S3 with HMAC keys (storage/docs/interoperability).
GCS_S3_ENDPOINT = "https://storage.googleapis.com"


def hmac_settings(infera: InferaConfig) -> HmacSettings | None:
    """The env names the HMAC key's id and secret, the endpoint and the region go under."""
    st = infera.storage
    if st is None or not st.hmac:
        return None

    def names(key: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.env.names()[key] for b in st.buckets))

    return HmacSettings(
        access_key_id=names("access_key_id"),
        secret_access_key=names("secret_access_key"),
        endpoint=names("endpoint"),
        region=names("region"),
    )


def volume_settings(infera: InferaConfig) -> tuple[VolumeSettings, ...]:
    """Cloud Run volumes; `volume` (a block device) is refused by the model with the reason."""
    return tuple(
        VolumeSettings(
            # Cloud Run names volumes like DNS labels; the config allows `_`.
            name=v.name.replace("_", "-"),
            path=v.path,
            type=v.type,
            read_only=v.read_only,
            bucket_id=v.bucket,
            server=v.server,
            export=v.export,
        )
        for v in infera.deployment.volumes
    )


def mounted_by(infera: InferaConfig, process: str) -> tuple[str, ...]:
    return tuple(
        v.name.replace("_", "-") for v in infera.deployment.volumes if process in v.processes
    )


def process_settings(infera: InferaConfig, service_name: str) -> tuple[ProcessSettings, ...]:
    """Each non-web process group as a worker pool beside the service."""
    d = infera.deployment
    out = []
    for process, p in d.processes.items():
        check = p.health_check
        probe = None
        if check.type != "none":
            assert check.port is not None  # the model requires it for tcp and http
            period = max(1, round(check.interval))
            probe = ProcessProbeSettings(
                type=check.type,
                port=check.port,
                path=(check.path or "/health") if check.type == "http" else None,
                period_s=period,
                timeout_s=min(max(1, math.ceil(check.timeout)), max(1, period - 1)),
                initial_delay_s=round(check.grace_period),
                failure_threshold=max(LIVENESS_FAILURE_THRESHOLD, -(-STARTUP_BUDGET_S // period)),
            )
        memory = p.memory or d.machines.memory
        out.append(
            ProcessSettings(
                process=process,
                name=naming.worker_pool_name(service_name, process),
                args=tuple(p.command),
                cpu=p.cpu or str(d.machines.cpu),
                memory=f"{memory}Mi",
                count=p.count,
                probe=probe,
                volumes=mounted_by(infera, process),
            )
        )
    return tuple(out)


def migration_settings(infera: InferaConfig, job_name: str) -> MigrationSettings | None:
    """The migrations job, or None when a deploy has nothing to migrate."""
    if not infera.runs_migrations:
        return None
    m = infera.migrations
    timeout = MIGRATION_TIMEOUT if m.timeout is None else f"{math.ceil(m.timeout)}s"
    return MigrationSettings(job_name=job_name, command=tuple(m.command), timeout=timeout)


def plain_env(infera: InferaConfig) -> tuple[tuple[str, str], ...]:
    """Program-set variables first, then the user's, sorted.

    PORT is not here: Cloud Run refuses it as a user variable and sets it from the container
    port (run/docs/container-contract), which is `app.port`.
    """
    env: list[tuple[str, str]] = [("PHX_SERVER", "true")]
    if infera.phx_host is not None:
        env.append(("PHX_HOST", infera.phx_host))
    if infera.database is not None:
        env.append(("POOL_SIZE", str(infera.database.pool_size)))
    env.extend(sorted((k, v) for k, v in infera.env_vars.items() if k != "PHX_HOST"))
    return tuple(env)


def gcp_args(ctx: StackContext) -> GcpStackArgs:
    """Decide the whole GCP stack from the validated config and stack context."""
    infera = ctx.infera
    pending = [k for k in infera.shape_keys() if k in NOT_YET]
    if pending:
        raise GcpSettingsError(
            f"the GCP target does not build {', '.join(pending)} yet (issue #10 is adding "
            "them); remove them for now"
        )
    if infera.provider != "gcp":
        raise GcpSettingsError(f"provider is {infera.provider!r}; the GCP target needs 'gcp'")
    if not ctx.gcp_project:
        raise GcpSettingsError(
            "no GCP project: run `pulumi config set gcp:project <project-id>` for this stack"
        )
    name, stack, prod = infera.project_name, ctx.stack, infera.is_production
    region = infera.deployment.region
    assert region is not None  # filled by the model's provider defaults
    machines = infera.deployment.machines
    assert machines.cpu is not None and machines.memory is not None

    db = infera.database
    private_db = db is not None and db.private_ip
    # An NFS server (Filestore) has a private address: it is reached through the VPC.
    nfs = any(v.type == "nfs" for v in infera.deployment.volumes)
    needs_vpc = infera.cache is not None or private_db or nfs

    apis = list(BASE_APIS)
    if ctx.infera.app.image is None:
        apis.append("artifactregistry")
    if needs_vpc:
        apis.append("compute")
    if private_db:
        apis.append("servicenetworking")
    if db is not None:
        apis.append("sqladmin")
    if infera.cache is not None:
        apis.append("redis")
    if infera.storage is not None:
        apis.append("storage")

    network = None
    if needs_vpc:
        network = NetworkSettings(subnet_cidr=SUBNET_CIDR, private_services_access=private_db)

    database = None
    if db is not None:
        backups = prod or db.high_availability  # REGIONAL requires backups and PITR on Postgres
        database = DatabaseSettings(
            version=f"POSTGRES_{db.version}",
            tier=cloud_sql_tier(db.size),
            disk_gb=max(10, math.ceil(db.disk / 1024)),
            availability_type="REGIONAL" if db.high_availability else "ZONAL",
            backups=backups,
            point_in_time_recovery=backups,
            deletion_protection=prod,
            database_name=naming.postgres_identifier(name),
            user_name=naming.postgres_identifier(name),
            private_ip=db.private_ip,
            pool_size=db.pool_size,
            env=DatabaseEnvSettings(
                url=db.env.url,
                host=db.env.host,
                port=db.env.port,
                name=db.env.name,
                user=db.env.user,
                password=db.env.password,
            ),
        )

    cache = None
    if infera.cache is not None:
        cache = CacheSettings(
            name=naming.redis_instance_name(name, stack),
            tier="STANDARD_HA" if prod else "BASIC",
            memory_size_gb=infera.cache.size // 1024,
            url_env=infera.cache.env.url,
            ca_cert_env=infera.cache.env.ca_cert or "REDIS_CA_CERT",
        )

    storage = None
    if infera.storage is not None:
        versioning = infera.storage.versioning
        storage = StorageSettings(
            versioning=prod if versioning is None else versioning,
            force_destroy=not prod,
            buckets=tuple(
                BucketSettings(
                    id=b.id,
                    name=b.name or naming.bucket_name(name, stack, ctx.gcp_project, b.id),
                    name_given=b.name is not None,
                    env=b.env.names()["bucket"],
                )
                for b in infera.storage.buckets
            ),
            hmac=hmac_settings(infera),
        )

    kinds = infera.secret_kinds(ctx.supplied_secrets)
    missing = [n for n, k in kinds.items() if k == "supplied" and n not in ctx.supplied_secrets]
    if missing:
        raise GcpSettingsError(
            f"secret {missing[0]} is listed in infera.yaml but has no value; run "
            f"`pulumi config set --secret {missing[0]}` for stack {stack}"
        )
    secret_ids = {n: naming.secret_id(name, stack, n) for n in sorted(kinds)}

    app = infera.app
    if app.image is None:
        context = ctx.app_path
        if not (context / app.dockerfile).is_file():
            raise GcpSettingsError(
                f"app.path {app.path!r} has no {app.dockerfile}: the image is built from it "
                "(or set app.image to a prebuilt image)"
            )
        tag: str | None = context_digest(context, app.dockerfile)[:32]
        # Relative to the project directory Pulumi runs in: an absolute path would differ between
        # a laptop and CI and show up as a permanent diff on the image.
        build_context: Path | None = ctx.portable(context)
    else:
        tag, build_context = None, None
    image = ImageSettings(
        repository_id=naming.repository_id(name, stack),
        image_name=name,
        context=build_context,
        dockerfile=app.dockerfile,
        tag=tag,
        prebuilt=app.image,
        cleanup_policies=prod,
        build_args=tuple(sorted(app.build.args.items())),
        target=app.build.target,
    )

    # `app_name` names the service (and the job beside it) for this stack; everything else
    # keeps its project-and-stack name, so renaming the service replaces nothing stateful.
    service_name = infera.app_name or naming.cloud_run_service_name(name, stack)
    job_name = naming.migrations_job_name(name, stack, infera.app_name)
    service = ServiceSettings(
        name=service_name,
        job_name=job_name,
        cpu=machines.cpu,
        memory=f"{machines.memory}Mi",
        min_instances=machines.count,
        max_instances=infera.max_instances,
        concurrency=infera.deployment.concurrency.hard_limit,
        # deployment.billing: instance billing keeps the CPU allocated, so the BEAM's background
        # work (PubSub, timers) runs between requests; request billing lets it idle.
        cpu_idle=infera.cloud_run_billing == "request",
        port=app.port,
        probe=probe_settings(infera),
        env=plain_env(infera),
        phx_host=infera.phx_host,
        public=infera.deployment.public,
        deletion_protection=prod,
        args=tuple(infera.deployment.command) if infera.deployment.command else None,
        volumes=mounted_by(infera, WEB_PROCESS),
    )

    return GcpStackArgs(
        project_name=name,
        stack=stack,
        gcp_project=ctx.gcp_project,
        region=region,
        production=prod,
        apis=tuple(sorted(apis)),
        service_account_id=naming.service_account_id(name, stack),
        network=network,
        database=database,
        cache=cache,
        storage=storage,
        secret_ids=secret_ids,
        generated_secrets={n: GENERATED_SECRET_LENGTH[n] for n in kinds if kinds[n] == "generated"},
        supplied_secrets={n: ctx.supplied_secrets[n] for n in kinds if kinds[n] == "supplied"},
        image=image,
        service=service,
        domain=infera.domain,
        project_number=ctx.gcp_project_number,
        migrations=migration_settings(infera, job_name),
        list_buckets="storage.buckets" in infera.shape_keys(),
        volumes=volume_settings(infera),
        processes=process_settings(infera, service_name),
    )
