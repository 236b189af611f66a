"""From the validated config to the Fly stack's typed arguments.

Owns every decision that turns `infera.yaml` into Fly terms: physical names, the fly.toml
values, the clustering environment, which IPs to allocate, the Postgres/Redis/Tigris flags.
Pure: no Pulumi resources, no flyctl, no file reads. `components.fly.stack` composes the
resources from these arguments.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

import pulumi

from components.fly.toml import (
    ExtraPort,
    FlyTomlArgs,
    HttpCheck,
    MachineCheck,
    Mount,
    ProcessGroup,
    Static,
)
from components.naming import fit, fly_app_name
from config import limits
from config.context import StackContext
from config.model import WEB_PROCESS, InferaConfig

IpKind = Literal["v6", "shared_v4", "v4", "private_v6"]

# Phoenix clustering on Fly's private IPv6 network, as `fly launch` writes into rel/env.sh.eex
# (flyctl scanner/phoenix.go). RELEASE_NODE is not here: it must differ per machine, so the
# app's rel/env.sh.eex derives it from FLY_PRIVATE_IP at boot.
CLUSTER_ENV: dict[str, str] = {
    "ERL_AFLAGS": "-proto_dist inet6_tcp",
    "ECTO_IPV6": "true",
    "RELEASE_DISTRIBUTION": "name",
}
# Fly's Phoenix scanner and `mix phx.gen.release` put the migration script here (also the
# default of migrations.command).
RELEASE_COMMAND = "/app/bin/migrate"
# `fly launch` uses 1 node on the smallest size for unmanaged Postgres (fly.md §3).
DEFAULT_PG_SIZE = "shared-cpu-1x"


@dataclass(frozen=True)
class RunnerSettings:
    """How providers run flyctl: plain numbers, so a provider stays picklable."""

    timeout_s: float = 300.0
    retries: int = 4
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 20.0
    # `fly deploy` builds remotely, runs the release command and waits for health checks.
    deploy_timeout_s: float = 1800.0
    # `fly mpg create` polls every 5 s with no limit of its own (fly.md §1, mpg create).
    mpg_create_timeout_s: float = 1800.0


@dataclass(frozen=True)
class PostgresArgs:
    """A Fly Postgres cluster attached to the app, which sets DATABASE_URL on it."""

    kind: Literal["mpg", "unmanaged"]
    name: str
    org: str
    region: str
    volume_size_gb: int
    pg_major_version: int
    # Each None where it does not apply, so the plan shows only what the kind is made of.
    plan: str | None = None  # mpg only
    vm_size: str | None = None  # unmanaged only
    vm_memory_mb: int | None = None  # unmanaged only
    cluster_size: int | None = None  # unmanaged only
    # The secret the attach sets the URL under (`--variable-name`).
    variable_name: str = "DATABASE_URL"
    # URL parts the app reads under its own names: part (host, port, name, user, password)
    # -> env name; each a secret like the URL it comes from.
    parts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RedisArgs:
    """An Upstash Redis database; its URL becomes the app's REDIS_URL secret."""

    name: str
    org: str
    region: str
    eviction: bool = False
    plan: str | None = None


@dataclass(frozen=True)
class StorageArgs:
    """A Tigris bucket; `fly storage create` sets the AWS_* and BUCKET_NAME secrets."""

    name: str
    # The storage.buckets id; "uploads" (the default) keeps the logical name of the one
    # bucket stacks had before buckets could be listed.
    id: str = "uploads"
    # Created for the org, its printed keys delivered by the stack under `env` (flyctl's
    # secret name -> the app's env name); see components.fly.storage.
    detached: bool = False
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScaleArgs:
    """One `fly scale count`: how many machines of one process group run in one region."""

    process_group: str
    region: str
    count: int


@dataclass(frozen=True)
class FlyStackArgs:
    """Everything `PhoenixFly` needs, resolved from the config."""

    app_name: str
    org: str
    region: str
    toml: FlyTomlArgs
    count: int
    url: str
    # Exactly one of: a prebuilt image, or a directory Fly's remote builder builds.
    image: str | None = None
    build_path: str | None = None
    dockerfile: str = "Dockerfile"
    database: PostgresArgs | None = None
    redis: RedisArgs | None = None
    storage: StorageArgs | None = None
    # Every bucket after `storage`, each detached.
    more_buckets: tuple[StorageArgs, ...] = ()
    # storage.buckets is written, so the `buckets` output (id -> name) is exported.
    buckets_listed: bool = False
    ip_kinds: tuple[IpKind, ...] = ("v6", "shared_v4")
    domain: str | None = None
    # Values the user supplied with `pulumi config set --secret NAME`, as secret Outputs.
    supplied_secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Names (never values) of every secret the app receives, for the stack output.
    secret_names: tuple[str, ...] = ()
    # Protects the app and its data from `pulumi destroy` and from replacement.
    protect: bool = False
    runner: RunnerSettings = field(default_factory=RunnerSettings)
    wait_timeout: str = "5m"
    # Every (process group, region) beside the web process in the primary region, whose count
    # is `count`; each is its own `scale count`, after the deploy.
    more_scales: tuple[ScaleArgs, ...] = ()
    strategy: str = "rolling"
    # The env name the Upstash URL is delivered under.
    redis_env: str = "REDIS_URL"


def app_env(cfg: InferaConfig, app: str, sets_release_node: bool = True) -> dict[str, str]:
    """The [env] table: the user's variables plus what Phoenix on Fly needs.

    A clustering variable named in `overrides.program_env` keeps the user's value.
    RELEASE_DISTRIBUTION=name only when the release sets RELEASE_NODE (rel/env.sh.eex, as
    `fly launch` writes it): without it the node's long name has no host and the release
    does not boot.
    """
    env = dict(cfg.env_vars)
    program = {
        "PHX_HOST": cfg.phx_host or f"{app}.fly.dev",
        "PHX_SERVER": "true",
        "PORT": str(cfg.app.port),
        "DNS_CLUSTER_QUERY": f"{app}.internal",
        **{
            k: v for k, v in CLUSTER_ENV.items() if sets_release_node or k != "RELEASE_DISTRIBUTION"
        },
    }
    env.update({k: v for k, v in program.items() if k not in cfg.overrides.program_env})
    if cfg.database is not None:
        env["POOL_SIZE"] = str(cfg.database.pool_size)
    return env


def _words(command: list[str] | None) -> str | None:
    # fly.toml holds commands as one string that flyctl splits with google/shlex, which reads
    # POSIX quoting; shlex.join writes it.
    return shlex.join(command) if command else None


def _process_groups(cfg: InferaConfig) -> tuple[ProcessGroup, ...]:
    d = cfg.deployment
    out: list[ProcessGroup] = []
    for name, p in sorted(d.processes.items()):
        cpu = p.cpu or d.machines.cpu
        memory = p.memory or d.machines.memory
        assert cpu is not None and memory is not None
        size = limits.FLY_SIZES[cpu]
        hc = p.health_check
        check = None
        if hc.type != "none":
            assert hc.port is not None  # the model requires it
            check = MachineCheck(
                hc.type, hc.port, hc.interval, hc.timeout, hc.grace_period, path=hc.path
            )
        command = _words(p.command)
        assert command is not None  # required by the model
        out.append(ProcessGroup(name, command, size.cpu_kind, size.cpus, memory, check))
    return tuple(out)


def toml_args(cfg: InferaConfig, app: str, sets_release_node: bool = True) -> FlyTomlArgs:
    d = cfg.deployment
    m = d.machines
    assert m.cpu is not None and m.memory is not None  # filled by the model's defaults
    size = limits.FLY_SIZES[m.cpu]
    hc = d.health_check
    processes = _process_groups(cfg)
    return FlyTomlArgs(
        app=app,
        primary_region=str(d.region),
        internal_port=cfg.app.port,
        env=app_env(cfg, app, sets_release_node),
        kill_timeout_s=d.kill_timeout,
        release_command=_words(cfg.migrations.command) if cfg.runs_migrations else None,
        release_command_timeout_s=cfg.migrations.timeout,
        min_machines_running=m.count,
        concurrency_type=d.concurrency.type,
        soft_limit=d.concurrency.soft_limit,
        hard_limit=d.concurrency.hard_limit,
        check=HttpCheck(
            hc.path,
            hc.interval,
            hc.timeout,
            hc.grace_period,
            kind=hc.type,
            method=hc.method,
            headers=dict(hc.headers),
        ),
        cpu_kind=size.cpu_kind,
        cpus=size.cpus,
        memory_mib=m.memory,
        kill_signal=d.kill_signal,
        swap_size_mb=d.swap_size_mb,
        build_args=dict(cfg.app.build.args),
        build_target=cfg.app.build.target,
        strategy=d.strategy,
        cmd=tuple(d.command) if d.command and not processes else None,
        web_command=_words(d.command),
        processes=processes,
        mounts=tuple(
            Mount(
                v.name,
                v.path,
                tuple(v.processes),
                initial_size_gb=v.size // 1024 if v.size is not None else None,
                snapshot_retention=v.snapshot_retention,
            )
            for v in d.volumes
        ),
        statics=tuple(Static(s.guest_path, s.url_prefix) for s in d.statics),
        extra_ports=tuple(
            ExtraPort(p.port, p.internal_port or p.port, p.protocol, tuple(p.handlers))
            for p in d.ports
        ),
    )


# flyctl's secret names for a Tigris bucket's keys -> the storage.buckets[].env key naming them.
TIGRIS_KEYS = {
    "AWS_ACCESS_KEY_ID": "access_key_id",
    "AWS_SECRET_ACCESS_KEY": "secret_access_key",
    "AWS_ENDPOINT_URL_S3": "endpoint",
    "AWS_REGION": "region",
    "BUCKET_NAME": "bucket",
}


def bucket_args(cfg: InferaConfig, app: str) -> list[StorageArgs]:
    """The Tigris buckets: the first on flyctl's own secret names is the app's bucket, as
    before; any other, or one the app reads under other names, is detached."""
    if cfg.storage is None:
        return []
    out: list[StorageArgs] = []
    for i, bucket in enumerate(cfg.storage.buckets):
        default_name = f"{app}-storage" if bucket.id == "uploads" else f"{app}-{bucket.id}"
        names = bucket.env.names()
        env = {flyctl: names[key] for flyctl, key in TIGRIS_KEYS.items()}
        detached = i > 0 or any(flyctl != name for flyctl, name in env.items())
        out.append(
            StorageArgs(
                name=bucket.name or fit(default_name, 63),
                id=bucket.id,
                detached=detached,
                env=env if detached else {},
            )
        )
    return out


def scale_plan(cfg: InferaConfig) -> tuple[ScaleArgs, ...]:
    """Every `scale count` after the web process's own one in the primary region: the web
    process in each other region, then each process group (in the primary region)."""
    d = cfg.deployment
    region = str(d.region)
    out = [ScaleArgs(WEB_PROCESS, r, n) for r, n in sorted(d.regions.items())]
    out += [ScaleArgs(name, region, p.count) for name, p in sorted(d.processes.items())]
    return tuple(out)


def _pg_size(memory_mib: int) -> str:
    """The smallest shared size whose memory range covers the database's memory."""
    for size in limits.FLY_SIZES.values():
        if size.min_memory_mib <= memory_mib <= size.max_memory_mib:
            return size.name
    return DEFAULT_PG_SIZE


def postgres_args(cfg: InferaConfig, app: str, org: str) -> PostgresArgs | None:
    db = cfg.database
    if db is None:
        return None
    common = {
        "name": fit(f"{app}-db", 63),
        "org": org,
        "region": str(cfg.deployment.region),
        "volume_size_gb": max(1, math.ceil(db.disk / 1024)),
        "pg_major_version": db.version,
        "variable_name": db.env.url,
        "parts": {
            part: name
            for part in ("host", "port", "name", "user", "password")
            if (name := getattr(db.env, part)) is not None
        },
    }
    if db.provider == "fly-postgres":
        return PostgresArgs(
            kind="unmanaged",
            vm_size=_pg_size(db.size),
            vm_memory_mb=db.size,
            cluster_size=2 if db.high_availability else 1,
            **common,  # type: ignore[arg-type]
        )
    # `size` names the plan (the model refuses a size no plan has); HA is in every plan.
    return PostgresArgs(kind="mpg", plan=db.mpg_plan, **common)  # type: ignore[arg-type]


def url_part(url: str | None, part: str) -> str:
    """One part of a postgres:// URL as the app reads it (percent-decoded; port 5432 when the
    URL has none, as libpq assumes)."""
    if not url:
        raise FlySettingsError(
            "flyctl printed no connection string when it attached the database, so its parts "
            "cannot be derived; unset the URL secret on the app and run `pulumi up` again"
        )
    u = urlsplit(url)
    values = {
        "host": u.hostname or "",
        "port": str(u.port or 5432),
        "name": unquote(u.path.lstrip("/")),
        "user": unquote(u.username or ""),
        "password": unquote(u.password or ""),
    }
    return values[part]


def fly_args(ctx: StackContext) -> FlyStackArgs:
    """Pure: the whole Fly stack's arguments from the stack context."""
    cfg = ctx.infera
    refuse_unbuilt(cfg)
    app = cfg.app_name or fly_app_name(cfg.project_name, ctx.stack)
    region = str(cfg.deployment.region)
    d = cfg.deployment
    if not d.public:
        ips: tuple[IpKind, ...] = ("private_v6",)
    elif d.dedicated_ipv4:
        ips = ("v6", "v4")
    else:
        # A shared IPv4 is free; a dedicated one costs $2/month (fly.md §1, ips allocate-v4).
        ips = ("v6", "shared_v4")
    cache = cfg.cache
    buckets = bucket_args(cfg, app)
    return FlyStackArgs(
        app_name=app,
        org=ctx.fly_org,
        region=region,
        toml=toml_args(cfg, app, ctx.sets_release_node),
        count=d.machines.count,
        url=f"https://{cfg.domain or f'{app}.fly.dev'}",
        image=cfg.app.image,
        # Relative to where Pulumi runs: an absolute path would differ between a laptop and CI
        # and diff forever in state.
        build_path=None if cfg.app.image else str(ctx.portable(ctx.app_path)),
        dockerfile=cfg.app.dockerfile,
        database=postgres_args(cfg, app, ctx.fly_org),
        redis=RedisArgs(
            name=fit(f"{app}-redis", 63),
            org=ctx.fly_org,
            region=region,
            eviction=cache.eviction,
            plan=cache.plan,
        )
        if cache is not None
        else None,
        storage=buckets[0] if buckets else None,
        more_buckets=tuple(buckets[1:]),
        buckets_listed="storage.buckets" in cfg.shape_keys(),
        ip_kinds=ips,
        domain=cfg.domain,
        supplied_secrets=dict(ctx.supplied_secrets),
        secret_names=tuple(sorted(cfg.secret_kinds(ctx.supplied_secrets))),
        protect=cfg.is_production,
        more_scales=scale_plan(cfg),
        strategy=d.strategy,
        redis_env=cache.env.url if cache is not None else "REDIS_URL",
    )


# App-shape keys the Fly adapter does not build yet; refused rather than silently ignored.
NOT_YET: frozenset[str] = frozenset()


class FlySettingsError(pulumi.RunError):
    """A configuration the Fly adapter cannot deploy yet; the message names the keys."""


def refuse_unbuilt(cfg: InferaConfig) -> None:
    pending = [k for k in cfg.shape_keys() if k in NOT_YET]
    if pending:
        raise FlySettingsError(
            f"the Fly adapter does not build {', '.join(pending)} yet (issue #10 is adding "
            "them); remove them for now"
        )
