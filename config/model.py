"""The infera.yaml schema: pydantic models, provider defaults, and cross-field rules.

Owns what a valid configuration is. Reading YAML, merging environments and rendering errors with
file positions belong to `config.loader`; the facts about providers live in `config.limits`.
Every field has a one-line description and a default, which the exported JSON Schema carries.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from config import limits
from config.hints import did_you_mean
from config.secrets import (
    GENERATED_SECRETS,
    SECRET_NAME_RE,
    looks_like_secret_value,
    name_says_secret,
    secret_name_problem,
    value_secret_reason,
)
from config.units import format_duration, format_size, parse_duration_s, parse_size_mib
from config.usage import Usage
from policy.cloud_sql import ConnectionBudget, cloud_sql_tier, max_connections


class At(ValueError):
    """A rule broken at a known key path (dotted, from the top of the file).

    A nested model does not know where it sits in the file, so its validators pass
    `relative=True` and the loader prefixes the path pydantic reports for the model.
    """

    def __init__(
        self, path: str | tuple[str | int, ...], message: str, *, relative: bool = False
    ) -> None:
        super().__init__(message)
        self.path: tuple[str | int, ...] = tuple(path.split(".")) if isinstance(path, str) else path
        self.message = message
        self.relative = relative


def _raise_all(problems: list[At]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise AtMany(problems)


class AtMany(ValueError):
    """Several broken rules at once, so one `validate` run lists every one of them."""

    def __init__(self, problems: list[At]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


SizeMiB = Annotated[
    int,
    BeforeValidator(parse_size_mib),
    PlainSerializer(format_size, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "pattern": r"^\s*\d+(\.\d+)?\s*([mMgGtT]([bB]|[iI][bB]?)?)?\s*$",
                },
                {"type": "integer", "minimum": 1},
            ],
            "examples": ["512mb", "1gb", "2Gi"],
        }
    ),
]
Duration = Annotated[
    float,
    BeforeValidator(parse_duration_s),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?([mM][sS]|[sSmMhH]))+\s*$"},
                {"type": "number", "minimum": 0},
            ],
            "examples": ["10s", "2m", "1m30s"],
        }
    ),
]

# What the model accepts, stated for editors: `cpu: 2` is read as "2", and env values that YAML
# types as numbers or booleans are read as text, so the schema must not flag them.
CpuSpec = Annotated[
    str,
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "enum": [*limits.FLY_SIZES, *map(str, limits.CLOUD_RUN_MEMORY_MIB)],
                },
                {"type": "integer", "enum": list(limits.CLOUD_RUN_MEMORY_MIB)},
            ]
        }
    ),
]
Region = Annotated[
    str,
    WithJsonSchema({"type": "string", "enum": sorted(limits.FLY_REGIONS | limits.GCP_REGIONS)}),
]
EnvValue = Annotated[str, WithJsonSchema({"type": ["string", "number", "boolean"]})]

Provider = Literal["fly", "gcp"]
DatabaseProvider = Literal["fly-postgres", "fly-mpg", "cloud-sql"]
CacheProvider = Literal["upstash", "memorystore"]
StorageProvider = Literal["tigris", "gcs"]

# Fly app names and Cloud Run service names are both lowercase DNS labels; 30 characters leaves
# room for the suffixes that components/naming.py adds (e.g. `-migrate`, `-db`).
PROJECT_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,28}[a-z0-9]$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
)

_PROVIDER_OF = {
    "fly-postgres": "fly", "fly-mpg": "fly", "cloud-sql": "gcp",
    "upstash": "fly", "memorystore": "gcp", "tigris": "fly", "gcs": "gcp",
}  # fmt: skip
_DEFAULTS = {
    "fly": {"database": "fly-mpg", "cache": "upstash", "storage": "tigris"},
    "gcp": {"database": "cloud-sql", "cache": "memorystore", "storage": "gcs"},
}


def _scalars_as_text(v: Any) -> Any:
    # YAML reads `PORT: 4000` and `FLAG: true` as numbers and booleans; the process sees text.
    if isinstance(v, dict):
        out: dict[Any, Any] = {}
        for k, val in v.items():
            if isinstance(val, bool):
                out[k] = "true" if val else "false"
            elif isinstance(val, int | float):
                out[k] = str(val)
            else:
                out[k] = val
        return out
    return v


class _Model(BaseModel):
    # strict: pydantic's lax mode reads `count: true` as 1 and `public: "no"` as False; YAML
    # already gives real numbers and booleans, so anything else is a mistake worth reporting.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)


class Framework(_Model):
    """The framework the app is built with; only Phoenix is supported."""

    name: Literal["phoenix"] = Field("phoenix", description="The web framework; only 'phoenix'.")
    version: str = Field(
        "1.7",
        # 1.5 is the oldest Phoenix whose apps build an Elixir release with `mix release` and
        # the runtime.exs this program's env needs (Elixir 1.11); `phx.gen.release`, which
        # writes bin/server, bin/migrate and the release module, exists since 1.6.3.
        pattern=r"^1\.([5-9]|[1-9]\d)(\.\d+)?$",
        description="Phoenix version, e.g. '1.7' (1.5 or later; before 1.6.3 the release "
        "files phx.gen.release writes must be added by hand or with `phxstack init --generate`).",
    )

    @property
    def has_gen_release(self) -> bool:
        """Whether `mix phx.gen.release` exists in this version (Phoenix 1.6.3)."""
        parts = tuple(int(p) for p in self.version.split("."))
        if parts == (1, 6):
            return True  # "1.6" is read as the latest 1.6, which has it
        return parts + (0,) * (3 - len(parts)) >= (1, 6, 3)

    elixir_version: str = Field(
        "1.16",
        pattern=r"^\d+\.\d+(\.\d+)?$",
        description="Elixir version the release is built with, e.g. '1.16'.",
    )


MIN_REASON_CHARS = 8


class Overrides(_Model):
    """Explicit, narrow exceptions to a refusal, each with the reason `plan` and `config` print.

    None relaxes a check that protects a secret's value (a URL with a password, a known key
    format, a random token) or production data (protection, SSL, public access).
    """

    plain_env: dict[str, str] = Field(
        default_factory=dict,
        description="NAME: reason. env_vars NAME is plain although its name sounds like a secret "
        "(DASHBOARD_AUTH: basic_auth); its value is still refused when it is a secret.",
        json_schema_extra={"propertyNames": {"pattern": ENV_NAME_RE.pattern}},
    )
    program_env: dict[str, str] = Field(
        default_factory=dict,
        description="NAME: reason. env_vars NAME replaces the value this program sets for Fly "
        "clustering (ECTO_IPV6, ERL_AFLAGS, RELEASE_DISTRIBUTION, RELEASE_NODE, "
        "DNS_CLUSTER_QUERY).",
        json_schema_extra={"propertyNames": {"pattern": ENV_NAME_RE.pattern}},
    )
    policies: dict[str, str] = Field(
        default_factory=dict,
        description="policy-name: reason. The policy is not checked for this stack (plan, plan "
        "--strict and the CrossGuard pack); policies protecting data or secrets cannot be.",
    )

    @field_validator("plain_env", "program_env", "policies")
    @classmethod
    def _reasons(cls, v: dict[str, str]) -> dict[str, str]:
        problems: list[At] = []
        for name, reason in v.items():
            if len(reason.strip()) < MIN_REASON_CHARS:
                problems.append(
                    At(
                        (name,),
                        f"say why in a few words (at least {MIN_REASON_CHARS} characters): "
                        "plan and config print it next to the override",
                        relative=True,
                    )
                )
        _raise_all(problems)
        return v

    @field_validator("policies")
    @classmethod
    def _policy_names(cls, v: dict[str, str]) -> dict[str, str]:
        from policy.checks import POLICY_NAMES, PROTECTED_POLICIES

        problems: list[At] = []
        for name in v:
            if name in PROTECTED_POLICIES:
                problems.append(
                    At(
                        (name,),
                        f"{name} cannot be overridden: {PROTECTED_POLICIES[name]}",
                        relative=True,
                    )
                )
            elif name not in POLICY_NAMES:
                hint = did_you_mean(name, POLICY_NAMES) or (
                    f"; the policies are: {', '.join(POLICY_NAMES)}"
                )
                problems.append(At((name,), f"{name!r} is not a policy{hint}", relative=True))
        _raise_all(problems)
        return v

    def items(self) -> list[tuple[str, str, str]]:
        """Every override as (kind, name, reason), in file order within each kind."""
        return [
            (kind, name, reason)
            for kind in ("plain_env", "program_env", "policies")
            for name, reason in getattr(self, kind).items()
        ]


class Build(_Model):
    """How the image is built from `app.path` (fly.toml `[build]`; docker build flags)."""

    args: dict[str, EnvValue] = Field(
        default_factory=dict,
        description="Docker build arguments, NAME: value (fly.toml [build.args], docker "
        "--build-arg); plain text kept in state, never secrets.",
        json_schema_extra={"propertyNames": {"pattern": ENV_NAME_RE.pattern}},
    )
    target: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="Dockerfile stage to build (fly.toml [build] build-target, docker --target); "
        "default: the last stage.",
    )

    @field_validator("args", mode="before")
    @classmethod
    def _args_as_text(cls, v: Any) -> Any:
        return _scalars_as_text(v)

    @field_validator("args")
    @classmethod
    def _plain_args(cls, v: dict[str, str]) -> dict[str, str]:
        problems: list[At] = []
        for name, value in v.items():
            if not ENV_NAME_RE.match(name):
                problems.append(
                    At((name,), f"{name!r} is not a build argument name", relative=True)
                )
            elif reason := looks_like_secret_value(name, value):
                # Build args end up in the image's history and in Pulumi state in clear.
                problems.append(
                    At(
                        (name,),
                        f"{name} looks like a secret ({reason}); build arguments are stored in "
                        "clear in the image and in state. Read it at runtime from `secrets:` "
                        "instead, or mount it as a BuildKit secret in your own build",
                        relative=True,
                    )
                )
        _raise_all(problems)
        return v


class App(_Model):
    """Where the app's source and image come from."""

    path: str = Field(".", description="Path of the Phoenix source, the Docker build context.")
    dockerfile: str = Field("Dockerfile", description="Dockerfile, relative to `path`.")
    image: str | None = Field(
        None,
        pattern=r"^\S+$",
        description="A prebuilt image to run instead of building `path` (skips the build); pin "
        "it by digest (name@sha256:…) so a new push rolls a new revision.",
    )
    port: int = Field(4000, ge=1, le=65535, description="Port the Phoenix endpoint listens on.")
    build: Build = Field(default_factory=Build, description="Build arguments and target stage.")


class Machines(_Model):
    """Size and number of app instances (Fly Machines or Cloud Run instances)."""

    cpu: CpuSpec | None = Field(
        None,
        description=(
            "Fly: a preset such as 'shared-cpu-2x' or 'performance-1x' (default shared-cpu-2x). "
            "Cloud Run: vCPUs, 1, 2, 4, 6 or 8 (default 2)."
        ),
    )
    memory: SizeMiB | None = Field(
        None, description="Memory per instance, e.g. '512mb' or '2Gi' (default 512mb Fly, 2Gi GCP)."
    )
    count: int = Field(
        2,
        ge=0,
        le=limits.MAX_INSTANCES,
        description="Instances always running (Fly min_machines_running, Cloud Run min).",
    )
    max_count: int | None = Field(
        None,
        ge=1,
        le=limits.MAX_INSTANCES,
        description="Cloud Run: most instances autoscaling may run (default max(count, 1) * 4).",
    )

    @field_validator("cpu", mode="before")
    @classmethod
    def _cpu_as_text(cls, v: Any) -> Any:
        # `cpu: 2` is natural for Cloud Run; keep one type downstream.
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")  # an RFC 9110 token


class Liveness(_Model):
    """GCP only: the liveness probe, which restarts an instance that fails it.

    Keep it shallow. The startup probe (`health_check`) may check the database; a liveness probe
    that does restarts every instance during a Cloud SQL failover or maintenance window and drops
    every LiveView socket. Google: liveness probes are "for unrecoverable instance failures"
    (run/docs/configuring/healthchecks).
    """

    type: Literal["none", "http"] = Field(
        "none",
        description="none (no liveness probe: Cloud Run restarts an instance whose process exits) "
        "or http (a request to `path`, which must not touch the database). Cloud Run has no TCP "
        "liveness probe.",
    )
    path: str = Field(
        "/health/live",
        pattern=r"^/",
        description="Shallow HTTP path that returns 200 while the BEAM is responsive (http).",
    )

    @field_validator("type", mode="before")
    @classmethod
    def _no_tcp(cls, v: Any) -> Any:
        if v == "tcp":
            # Google's health check page: "HTTP, TCP, and gRPC startup probes, along with HTTP
            # and gRPC liveness probes"; the Cloud Run team had tcp_socket removed from liveness
            # (terraform-provider-google #13506) "since it's not supported".
            raise At(
                (),
                "Cloud Run has no TCP liveness probe (only HTTP and gRPC); use type: none (the "
                "default: Cloud Run restarts an instance whose process exits) or type: http with "
                "a shallow path such as /health/live",
                relative=True,
            )
        return v


class HealthCheck(_Model):
    """The check that tells the platform an instance is ready to take traffic.

    Fly: the [http_service] check (http), a [[services]] tcp check (tcp), or none.
    Cloud Run: the startup probe (http_get, tcp_socket, or Cloud Run's own default).
    """

    type: Literal["http", "tcp", "none"] = Field(
        "http",
        description="http (a request to `path`), tcp (the port accepts a connection; Fly: "
        "[[services.tcp_checks]]) or none (no check of ours; Cloud Run keeps its default TCP "
        "startup probe).",
    )
    path: str = Field(
        "/health", pattern=r"^/", description="HTTP path that returns 200 when healthy (http)."
    )
    method: HttpMethod = Field(
        "GET", description="HTTP method of the check (http; Cloud Run probes send GET only)."
    )
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="HTTP headers sent with the check, name: value (http); plain text, never "
        "credentials.",
    )
    # Whole seconds at least: Cloud Run probes count in seconds, and a sub-second Fly check
    # would be rendered as "0s".
    interval: Duration = Field(10.0, ge=1, description="Time between checks, e.g. '10s'.")
    timeout: Duration = Field(2.0, ge=1, description="How long one check may take, e.g. '2s'.")
    grace_period: Duration = Field(
        10.0, ge=0, description="Time after start before failures count, e.g. '10s'."
    )
    liveness: Liveness = Field(
        default_factory=Liveness,
        description="GCP: the liveness probe, which restarts an instance; keep it shallow.",
    )

    @field_validator("headers")
    @classmethod
    def _headers(cls, v: dict[str, str]) -> dict[str, str]:
        problems: list[At] = []
        for name, value in v.items():
            if not HEADER_NAME_RE.match(name):
                problems.append(At((name,), f"{name!r} is not an HTTP header name", relative=True))
            elif reason := looks_like_secret_value(name, value):
                problems.append(
                    At(
                        (name,),
                        f"header {name} looks like a credential ({reason}); check headers are "
                        "written in clear into fly.toml and the Cloud Run spec. Make the health "
                        "route public, or check a path that needs no credentials",
                        relative=True,
                    )
                )
        _raise_all(problems)
        return v

    @model_validator(mode="after")
    def _timeout_below_interval(self) -> HealthCheck:
        if self.timeout >= self.interval:
            raise At(
                ("timeout",),
                f"timeout ({format_duration(self.timeout)}) must be shorter than interval "
                f"({format_duration(self.interval)}): a check cannot overlap the next one",
                relative=True,
            )
        return self


# The signals fly.toml's kill_signal takes (flyctl internal/appconfig, fly-go MachineConfig).
KillSignal = Literal["SIGINT", "SIGTERM", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGKILL", "SIGSTOP"]
COMMAND_DOC = (
    "shell words as in fly.toml (\"/app/bin/my_app eval 'MyApp.Release.migrate()'\") or a "
    "list of arguments"
)


# Words a shell would treat as operators. Neither Cloud Run (container args "not executed
# within a shell", pulumi_gcp docstring) nor Fly (the machine's init cmd) runs a shell, so these
# reach the program as literal arguments.
SHELL_OPERATORS = frozenset({"&&", "||", "|", ";", ">", ">>", "<", "&"})


def _command(v: Any) -> Any:
    """A command as fly.toml writes it (one string, shell-split) or as a list of arguments."""
    if isinstance(v, str):
        try:
            words = shlex.split(v)
        except ValueError as exc:
            raise ValueError(f"cannot split {v!r} into words ({exc}); check its quotes") from None
        if not words:
            raise ValueError("the command is empty")
    elif isinstance(v, list):
        if not v:
            raise ValueError("the command is empty; give the program to run, or drop the key")
        words = v
    else:
        return v
    operator = next((w for w in words if w in SHELL_OPERATORS), None)
    if operator is not None:
        raise ValueError(
            f"{operator!r} is a shell operator, but no shell runs this command, so it would be "
            "passed to the program as an argument; put the steps in a script (e.g. "
            'rel/overlays/bin/start) or write ["/bin/sh", "-c", "..."]'
        )
    return words


Command = Annotated[
    list[str],
    BeforeValidator(_command),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string"}, "minItems": 1},
            ],
            "examples": ["/app/bin/server"],
        }
    ),
]


class ProcessCheck(_Model):
    """A check for a process that serves no HTTP: Fly [checks.NAME], Cloud Run startup probe."""

    type: Literal["tcp", "http", "none"] = Field(
        "none", description="tcp or http on `port`, or none (default)."
    )
    port: int | None = Field(
        None, ge=1, le=65535, description="Port the check connects to (tcp and http)."
    )
    path: str | None = Field(None, pattern=r"^/", description="HTTP path (http; default /health).")
    interval: Duration = Field(15.0, ge=2, description="Time between checks, e.g. '15s'.")
    timeout: Duration = Field(2.0, ge=1, description="How long one check may take, e.g. '2s'.")
    grace_period: Duration = Field(
        10.0, ge=0, description="Time after start before failures count, e.g. '10s'."
    )

    @model_validator(mode="after")
    def _port_for_checks(self) -> ProcessCheck:
        if self.type != "none" and self.port is None:
            raise At(("port",), f"a {self.type} check needs the port it connects to", relative=True)
        if self.timeout >= self.interval:
            raise At(("timeout",), "timeout must be shorter than interval", relative=True)
        return self


class Process(_Model):
    """A process group besides the web one: a worker, an indexer, a scheduler.

    Fly: a [processes] entry with its own machine count and [[vm]] size. Cloud Run: its own
    worker pool (no ingress, no port to listen on), sized and counted the same way.
    """

    command: Command = Field(..., description=f"What the process runs: {COMMAND_DOC}.")
    count: int = Field(
        1,
        ge=0,
        le=limits.MAX_INSTANCES,
        description="Instances always running (Fly machines, Cloud Run worker pool instances).",
    )
    cpu: CpuSpec | None = Field(
        None, description="Size as for deployment.machines.cpu (default: the web process's)."
    )
    memory: SizeMiB | None = Field(
        None, description="Memory as for deployment.machines.memory (default: the web process's)."
    )
    health_check: ProcessCheck = Field(
        default_factory=ProcessCheck, description="Check for this process (default none)."
    )

    @field_validator("cpu", mode="before")
    @classmethod
    def _cpu_as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


PROCESS_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,20}$")
WEB_PROCESS = "app"  # Fly's default process group, which [http_service] serves


class Volume(_Model):
    """Persistent storage mounted into the app's filesystem.

    Fly: a [[mounts]] volume (one per machine, in its region). Cloud Run has no block volumes:
    it mounts a Cloud Storage bucket (GCS FUSE) or an NFS share instead.
    """

    name: str = Field(
        ...,
        pattern=r"^[a-z][a-z0-9_]{0,29}$",
        description="Volume name (fly.toml [[mounts]] source; Cloud Run volume name).",
    )
    path: str = Field(
        ...,
        pattern=r"^/[^\s]*$",
        description="Where it is mounted (fly.toml destination, Cloud Run mount_path), e.g. /data.",
    )
    type: Literal["volume", "gcs", "nfs"] = Field(
        "volume",
        description="volume (a Fly volume), gcs (Cloud Run: a bucket of `storage` through GCS "
        "FUSE) or nfs (Cloud Run: an NFS share such as Filestore).",
    )
    size: SizeMiB | None = Field(
        None,
        description="Fly: initial size of each machine's volume, whole GB (default 1gb; "
        "fly.toml initial_size).",
    )
    snapshot_retention: int | None = Field(
        None,
        ge=1,
        le=60,
        description="Fly: days of daily snapshots kept (Fly's default 5); flyctl sets it only "
        "on the first deploy's volume, so only with one machine.",
    )
    bucket: str | None = Field(
        None, description="gcs: the `storage.buckets` entry (its id) to mount."
    )
    server: str | None = Field(None, description="nfs: the NFS server's IP address or host.")
    export: str | None = Field(
        None, pattern=r"^/", description="nfs: the exported path on the server, e.g. /share."
    )
    read_only: bool = Field(False, description="gcs and nfs: mount read-only.")
    processes: list[str] = Field(
        default_factory=lambda: [WEB_PROCESS],
        description="Process groups that mount it ('app' is the web process).",
    )


class Static(_Model):
    """Fly [[statics]]: files Fly's proxy serves straight from the image, without the app."""

    guest_path: str = Field(..., pattern=r"^/", description="Directory in the image.")
    url_prefix: str = Field(..., pattern=r"^/", description="URL path they are served under.")


class PublicPort(_Model):
    """One more public port beside HTTP(S): a Fly [[services]] entry for the web process."""

    port: int = Field(..., ge=1, le=65535, description="Public port.")
    internal_port: int | None = Field(
        None, ge=1, le=65535, description="Port in the app (default: the same as `port`)."
    )
    protocol: Literal["tcp", "udp"] = Field("tcp", description="tcp or udp.")
    handlers: list[Literal["tls", "http", "proxy_proto", "pg_tls"]] = Field(
        default_factory=list,
        description="Fly proxy handlers in front of the app (none: raw TCP passed through).",
    )


class Migrations(_Model):
    """How the database is migrated before new code takes traffic.

    Fly: [deploy] release_command, run by `fly deploy` in a temporary machine. Cloud Run: a job
    with the same image, env and secrets, run before the service rolls. With nothing to
    migrate, neither exists.
    """

    enabled: bool | None = Field(
        None, description="Run migrations on deploy (default: when there is a `database`)."
    )
    command: Command = Field(
        default_factory=lambda: ["/app/bin/migrate"],
        description=f"The migrate command: {COMMAND_DOC}; default /app/bin/migrate "
        "(mix phx.gen.release).",
    )
    timeout: Duration | None = Field(
        None,
        ge=1,
        le=86400,
        description="Longest a run may take (Fly release_command_timeout, default 5m; Cloud "
        "Run job timeout, default 15m).",
    )


class Concurrency(_Model):
    """How many connections one instance takes before the platform routes elsewhere."""

    type: Literal["connections", "requests"] = Field(
        "connections", description="What is counted; LiveView sockets are connections."
    )
    soft_limit: int = Field(800, ge=1, description="Above this the load balancer prefers others.")
    hard_limit: int = Field(1000, ge=1, description="Never more than this per instance.")

    @model_validator(mode="after")
    def _soft_below_hard(self) -> Concurrency:
        if self.soft_limit > self.hard_limit:
            raise At(
                ("soft_limit",),
                f"soft_limit ({self.soft_limit}) must not exceed hard_limit ({self.hard_limit})",
                relative=True,
            )
        return self


class Deployment(_Model):
    """Where and how the app runs."""

    type: Literal["container"] = Field("container", description="Deployment kind; 'container'.")
    region: Region | None = Field(
        None,
        description="Region: a Fly code such as 'iad' (default) or a GCP region ('us-central1').",
    )
    machines: Machines = Field(default_factory=Machines, description="Instance size and count.")
    health_check: HealthCheck = Field(default_factory=HealthCheck, description="Health check.")
    concurrency: Concurrency = Field(
        default_factory=Concurrency, description="Per-instance limits."
    )
    kill_timeout: Duration = Field(
        5.0, ge=1, le=300, description="Grace between SIGTERM and SIGKILL on Fly, e.g. '5s'."
    )
    public: bool = Field(
        True, description="Serve the app to the internet (Cloud Run: no invoker IAM check)."
    )
    dedicated_ipv4: bool = Field(
        False, description="Fly: allocate a dedicated IPv4 ($2/month) instead of a shared one."
    )
    regions: dict[str, int] = Field(
        default_factory=dict,
        description="Fly: more regions beside `region`, each with its web machine count, e.g. "
        "{lhr: 1, syd: 1} (one `fly scale count` per region). Cloud Run serves a service from "
        "one region.",
        json_schema_extra={"additionalProperties": {"type": "integer", "minimum": 0}},
    )
    command: Command | None = Field(
        None,
        description=f"Start command of the web process: {COMMAND_DOC} (Fly [processes] app, "
        "Cloud Run args); default: the image's CMD.",
    )
    processes: dict[str, Process] = Field(
        default_factory=dict,
        description="More process groups (workers), by name; the web process is 'app'.",
        json_schema_extra={"propertyNames": {"pattern": PROCESS_NAME_RE.pattern}},
    )
    volumes: list[Volume] = Field(default_factory=list, description="Persistent volumes.")
    kill_signal: KillSignal = Field(
        "SIGTERM", description="Fly: signal that asks a machine to stop (Cloud Run: SIGTERM)."
    )
    swap_size_mb: int | None = Field(
        None, ge=1, description="Fly: swap space per machine in MB (fly.toml swap_size_mb)."
    )
    strategy: Literal["rolling", "immediate", "canary", "bluegreen"] = Field(
        "rolling", description="Fly deploy strategy: rolling, immediate, canary or bluegreen."
    )
    auto_rollback: bool | None = Field(
        None,
        description="Whether a release that fails its checks is rolled back. Fly: only "
        "strategy bluegreen does (flyctl ignores [experimental] auto_rollback), so true needs "
        "bluegreen. Cloud Run always keeps the old revision until the new one starts.",
    )
    statics: list[Static] = Field(
        default_factory=list, description="Fly: static files the proxy serves ([[statics]])."
    )
    ports: list[PublicPort] = Field(
        default_factory=list,
        description="Fly: public ports besides 80/443, e.g. raw TCP ([[services]]).",
    )
    billing: Literal["instance", "request"] | None = Field(
        None,
        description="Cloud Run billing: 'instance' (CPU always allocated, so PubSub and timers "
        "run between requests; the default) or 'request' (CPU only while a request or socket "
        "is open; the default when count is 0). Not on Fly.",
    )


EnvName = Annotated[str, Field(pattern=ENV_NAME_RE.pattern)]


class DatabaseEnv(_Model):
    """The env names the app reads the database's connection under.

    The URL and the password are always secrets; on Cloud Run the other parts are plain
    variables, on Fly they are secrets like the URL they come from.
    """

    url: EnvName = Field(
        "DATABASE_URL",
        description="The connection URL (Fly: `mpg attach` / `postgres attach` --variable-name).",
    )
    host: EnvName | None = Field(
        None,
        description="The host (Cloud Run connector: the socket "
        "directory, which Postgrex takes as socket_dir or PGHOST).",
    )
    port: EnvName | None = Field(None, description="The port.")
    name: EnvName | None = Field(None, description="The database name.")
    user: EnvName | None = Field(None, description="The user name.")
    password: EnvName | None = Field(None, description="The password (a secret).")


class Database(_Model):
    """The app's PostgreSQL database."""

    type: Literal["postgresql"] = Field("postgresql", description="Database engine; 'postgresql'.")
    provider: DatabaseProvider | None = Field(
        None,
        description="fly-mpg (Fly Managed Postgres, default on fly), fly-postgres (unmanaged, "
        "legacy) or cloud-sql (default on gcp).",
    )
    size: SizeMiB = Field(
        1024, description="Database memory, e.g. '1gb'; maps to a Cloud SQL tier or Fly VM size."
    )
    disk: SizeMiB = Field(
        10 * 1024,
        description="Initial volume size, e.g. '10gb'; Cloud SQL then grows it itself and never "
        "shrinks it, so later raises here are not applied.",
    )
    version: int = Field(16, ge=13, le=17, description="PostgreSQL major version.")
    pool_size: int = Field(10, ge=1, le=500, description="Ecto pool size per instance (POOL_SIZE).")
    high_availability: bool = Field(
        False,
        description="A standby in another zone (Cloud SQL REGIONAL, unmanaged Fly Postgres 2-node "
        "cluster); every Fly Managed Postgres plan includes it.",
    )
    private_ip: bool = Field(
        False, description="GCP: reach Cloud SQL over private services access, not the connector."
    )
    # The plans `mpg create --plan` finds; flyctl turns any other name into basic silently,
    # and its `performance` plan cannot be chosen from the CLI at all.
    plan: Literal["basic", "starter", "launch", "scale"] | None = Field(
        None,
        description="Fly Managed Postgres plan: basic, starter, launch, scale (default: the plan "
        "whose memory is `size`: 1gb basic, 2gb starter, 8gb launch, 32gb scale).",
    )

    @property
    def mpg_plan(self) -> str:
        """The Managed Postgres plan: as set, else the one whose memory is `size`."""
        if self.plan is not None:
            return self.plan
        for name, sizes in limits.MPG_PLAN_MEMORY_MIB.items():
            if self.size in sizes:
                return name
        return "basic"  # an unmatched size is refused by the model's MPG check

    env: DatabaseEnv = Field(
        default_factory=DatabaseEnv, description="Env names the connection is delivered under."
    )


class CacheEnv(_Model):
    """The env names the app reads Redis under (all secrets)."""

    url: EnvName = Field("REDIS_URL", description="The Redis URL, with its password.")
    ca_cert: EnvName | None = Field(
        None,
        description="Memorystore: the CA certificate of its TLS endpoint (default REDIS_CA_CERT).",
    )


class Cache(_Model):
    """Redis, used by Phoenix.PubSub.Redis so LiveView works across instances."""

    type: Literal["redis"] = Field("redis", description="Cache engine; 'redis'.")
    provider: CacheProvider | None = Field(
        None, description="upstash (default on fly) or memorystore (default on gcp)."
    )
    size: SizeMiB = Field(1024, description="Memorystore capacity, e.g. '1gb' (whole GiB).")
    eviction: bool = Field(False, description="Upstash: evict keys when full instead of erroring.")
    plan: str | None = Field(None, description="Upstash plan name (default pay-as-you-go).")
    env: CacheEnv = Field(
        default_factory=CacheEnv, description="Env names Redis is delivered under."
    )


# What `fly storage create` sets on the app (fly.md §1), and so the default names everywhere.
DEFAULT_BUCKET_ENV = {
    "access_key_id": "AWS_ACCESS_KEY_ID",
    "secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "endpoint": "AWS_ENDPOINT_URL_S3",
    "region": "AWS_REGION",
    "bucket": "BUCKET_NAME",
}


class BucketEnv(_Model):
    """The env names a bucket is delivered under: its name and S3-compatible credentials.

    Fly: Tigris keys, one pair per bucket. GCP: the keys exist only with `storage.hmac`; the
    app otherwise reaches GCS as its service account and needs none.
    """

    bucket: EnvName = Field("BUCKET_NAME", description="The bucket's name.")
    access_key_id: EnvName | None = Field(
        None, description="S3 access key id, a secret (default AWS_ACCESS_KEY_ID)."
    )
    secret_access_key: EnvName | None = Field(
        None, description="S3 secret access key, a secret (default AWS_SECRET_ACCESS_KEY)."
    )
    endpoint: EnvName | None = Field(
        None,
        description="S3 endpoint URL, Tigris's or storage.googleapis.com (default "
        "AWS_ENDPOINT_URL_S3).",
    )
    region: EnvName | None = Field(
        None, description="Region to sign S3 requests for (default AWS_REGION)."
    )

    def names(self) -> dict[str, str]:
        """Each value's env name, defaults filled in."""
        return {k: getattr(self, k) or default for k, default in DEFAULT_BUCKET_ENV.items()}

    def written_credentials(self) -> list[str]:
        return [k for k in DEFAULT_BUCKET_ENV if k != "bucket" and getattr(self, k) is not None]


BUCKET_ID_RE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
DEFAULT_BUCKET = "uploads"


class Bucket(_Model):
    """One bucket of the app's object storage."""

    id: str = Field(
        DEFAULT_BUCKET,
        pattern=BUCKET_ID_RE.pattern,
        description="Stable id, never shown to the app; renaming it replaces the bucket.",
    )
    name: str | None = Field(
        None,
        pattern=r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$",
        description="The bucket's own (global) name; default: derived from the app and stack.",
    )
    env: BucketEnv = Field(
        default_factory=BucketEnv, description="Env names it is delivered under."
    )


class Storage(_Model):
    """Object storage for uploads."""

    provider: StorageProvider | None = Field(
        None, description="tigris (default on fly) or gcs (default on gcp)."
    )
    versioning: bool | None = Field(
        None, description="GCS: keep old object versions (default: on in production)."
    )
    hmac: bool = Field(
        False,
        description="GCP: an HMAC key for the runtime service account, so S3 clients "
        "(ex_aws_s3) reach GCS with access keys.",
    )
    buckets: list[Bucket] = Field(
        default_factory=lambda: [Bucket()],
        min_length=1,
        description="The buckets (default: one, 'uploads').",
    )


class InferaConfig(_Model):
    """An app's deploy description: one file, every environment."""

    project_name: str = Field(
        ...,
        description="App name: lowercase letters, digits and dashes, 2-30 characters.",
        json_schema_extra={"pattern": PROJECT_NAME_RE.pattern},
    )
    provider: Provider = Field(..., description="Where the app runs: 'fly' or 'gcp'.")
    production: bool | None = Field(
        None,
        description="Production safety: protected data, deletion protection, backups, HA Redis "
        "(a standby database needs database.high_availability); default: true for stacks "
        "named prod or production.",
    )
    app_name: str | None = Field(
        None,
        description="Fly app / Cloud Run service name for this stack, usually set under "
        "`environments` (default: project_name, suffixed with the stack except in prod).",
        json_schema_extra={"pattern": PROJECT_NAME_RE.pattern},
    )
    framework: Framework = Field(default_factory=Framework, description="Framework versions.")
    app: App = Field(default_factory=App, description="Source, Dockerfile or prebuilt image, port.")
    deployment: Deployment = Field(default_factory=Deployment, description="Runtime shape.")
    database: Database | None = Field(None, description="PostgreSQL; omit for none.")
    cache: Cache | None = Field(None, description="Redis for PubSub; omit for none.")
    storage: Storage | None = Field(None, description="Object storage; omit for none.")
    migrations: Migrations = Field(
        default_factory=Migrations, description="Database migrations on deploy."
    )
    domain: str | None = Field(
        None, description="Custom host, e.g. 'app.example.com'; also sets PHX_HOST."
    )
    overrides: Overrides = Field(
        default_factory=Overrides,
        description="Explicit exceptions to a refusal, each NAME: reason: plain_env, program_env, "
        "policies (see [Overrides](#overrides)).",
    )
    env_vars: dict[str, EnvValue] = Field(
        default_factory=dict,
        description="Plain environment variables (never secrets).",
        json_schema_extra={"propertyNames": {"pattern": ENV_NAME_RE.pattern}},
    )
    secrets: list[str] = Field(
        default_factory=list,
        json_schema_extra={"items": {"type": "string", "pattern": SECRET_NAME_RE.pattern}},
        description="Names of secrets the app reads; values come from the program or from "
        "`pulumi config set --secret NAME`.",
    )
    usage: Usage = Field(
        default_factory=Usage,
        description="Traffic the cost estimate assumes (`phxstack cost`); a key left unset takes "
        "its default, and a key without one (or set to null) shows 'depends on usage'. Never "
        "changes what is deployed.",
    )
    environments: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-stack overlays, deep-merged over the rest of this file.",
    )

    # ---- normalisation before field validation -------------------------------------------

    @field_validator("env_vars", mode="before")
    @classmethod
    def _env_values_as_text(cls, v: Any) -> Any:
        return _scalars_as_text(v)

    @model_validator(mode="before")
    @classmethod
    def _provider_defaults(cls, data: Any, info: ValidationInfo) -> Any:
        """Fill the defaults that depend on the provider and the stack name."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        provider = data.get("provider")
        stack = (info.context or {}).get("stack") if info else None
        if data.get("production") is None and stack is not None:
            data["production"] = stack in ("prod", "production")
        if provider not in ("fly", "gcp"):
            return data
        defaults = _DEFAULTS[provider]
        for section in ("database", "cache", "storage"):
            value = data.get(section)
            if isinstance(value, dict) and value.get("provider") is None:
                data[section] = {**value, "provider": defaults[section]}
        deployment = data.get("deployment")
        if deployment is None:
            deployment = {}
        if isinstance(deployment, dict):
            deployment = dict(deployment)
            if deployment.get("region") is None:
                deployment["region"] = limits.DEFAULT_REGION[provider]
            machines = deployment.get("machines")
            if machines is None:
                machines = {}
            if isinstance(machines, dict):
                machines = dict(machines)
                cpu, memory = limits.DEFAULT_MACHINE[provider]
                machines.setdefault("cpu", cpu)
                if machines.get("cpu") is None:
                    machines["cpu"] = cpu
                if machines.get("memory") is None:
                    machines["memory"] = memory
                deployment["machines"] = machines
            data["deployment"] = deployment
        return data

    # ---- single-field rules ----------------------------------------------------------------

    @field_validator("project_name")
    @classmethod
    def _project_name(cls, v: str) -> str:
        if not PROJECT_NAME_RE.match(v):
            raise ValueError(
                f"{v!r} is not a valid app name: use 2-30 lowercase letters, digits and dashes, "
                "starting with a letter and not ending with a dash"
            )
        return v

    @field_validator("domain")
    @classmethod
    def _domain(cls, v: str | None) -> str | None:
        if v is not None and not HOSTNAME_RE.match(v):
            raise ValueError(f"{v!r} is not a host name; write it like 'app.example.com'")
        return v

    @field_validator("env_vars")
    @classmethod
    def _env_vars(cls, v: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        provider = info.data.get("provider")
        # None when `overrides` itself failed: its own error is reported, and the name check
        # waits for it, since an override may be what answers it.
        overrides = info.data.get("overrides")
        problems: list[At] = []
        for name, value in v.items():
            path = ("env_vars", name)
            if not ENV_NAME_RE.match(name):
                problems.append(
                    At(
                        path,
                        f"{name!r} is not a valid environment variable name: use letters, "
                        "digits and underscores, not starting with a digit",
                    )
                )
            elif message := _program_env_problem(
                provider, name, overrides or Overrides(), "env_vars"
            ):
                problems.append(At(path, message))
            # A reserved name (FLY_MACHINE_ID) is reported as reserved by the cross-field check;
            # "move it to secrets" would only lead to that same refusal.
            elif _reserved_reason(provider, name):
                continue
            elif reason := value_secret_reason(value):
                problems.append(
                    At(
                        path,
                        f"{name} looks like a secret ({reason}); list {name} under `secrets:` "
                        f"and set its value with `pulumi config set --secret {name}`",
                    )
                )
            elif (
                overrides is not None
                and name_says_secret(name, value)
                and (name not in overrides.plain_env)
            ):
                problems.append(
                    At(
                        path,
                        f"{name} looks like a secret (its name says it holds a secret); list "
                        f"{name} under `secrets:` and set its value with `pulumi config set "
                        f"--secret {name}`, or, if the value is plain, add "
                        f"`overrides.plain_env.{name}: <why it is plain>`",
                    )
                )
        _raise_all(problems)
        return v

    @field_validator("secrets")
    @classmethod
    def _secrets(cls, v: list[str], info: ValidationInfo) -> list[str]:
        seen: set[str] = set()
        problems: list[At] = []
        for i, name in enumerate(v):
            problem = secret_name_problem(name)
            if problem:
                problems.append(At(("secrets", i), problem))
            elif name in seen:
                problems.append(At(("secrets", i), f"secret {name} is listed twice"))
            # The program's value would silently win over (or clash with) the secret's.
            elif message := _program_env_problem(
                info.data.get("provider"), name, Overrides(), "secrets"
            ):
                problems.append(At(("secrets", i), message))
            seen.add(name)
        _raise_all(problems)
        return v

    # ---- cross-field rules ------------------------------------------------------------------

    @model_validator(mode="after")
    def _cross_field(self) -> InferaConfig:
        # Each check stops at its own first problem, but every check runs: one `validate`
        # lists a bad region, a bad size and a misplaced provider together.
        problems: list[At] = []
        for check in (
            self._check_region,
            self._check_machines,
            self._check_providers_fit,
            self._check_database_size,
            self._check_env_against_platform,
            self._check_overrides,
            self._check_host_and_overlap,
            self._check_app_name,
            self._check_processes,
            self._check_volumes,
            self._check_fly_only,
            self._check_health_check_fits,
            self._check_liveness,
            self._check_deploy_strategy,
            self._check_buckets,
            self._check_derived_names,
            self._check_billing,
            self._check_fly_shapes,
            self._check_mpg,
        ):
            try:
                check()
            except At as exc:
                problems.append(exc)
            except AtMany as exc:  # a check that lists several problems of its own
                problems.extend(exc.problems)
        _raise_all(problems)
        return self

    # ---- app shapes: processes, volumes, regions, derived names ----------------------------

    def _check_app_name(self) -> None:
        if self.app_name is not None and not PROJECT_NAME_RE.match(self.app_name):
            raise At(
                "app_name",
                f"{self.app_name!r} is not a valid app name: use 2-30 lowercase letters, digits "
                "and dashes, starting with a letter and not ending with a dash",
            )

    def _check_processes(self) -> None:
        problems: list[At] = []
        d = self.deployment
        for name, process in d.processes.items():
            path = ("deployment", "processes", name)
            if name == WEB_PROCESS:
                problems.append(
                    At(
                        path,
                        "'app' is the web process; set its command with deployment.command and "
                        "its size and count with deployment.machines",
                    )
                )
                continue
            if not PROCESS_NAME_RE.match(name):
                problems.append(
                    At(
                        path,
                        f"{name!r} is not a process name: lowercase letters, digits and "
                        "underscores, starting with a letter, at most 21 characters",
                    )
                )
                continue
            if self.provider == "gcp":
                # A worker pool's startup probe has the service probes' limits.
                check = process.health_check
                for key in ("interval", "grace_period"):
                    if getattr(check, key) > limits.CLOUD_RUN_MAX_PROBE_PERIOD_S:
                        problems.append(
                            At(
                                (*path, "health_check", key),
                                f"Cloud Run probes allow at most "
                                f"{limits.CLOUD_RUN_MAX_PROBE_PERIOD_S}s",
                            )
                        )
            cpu = process.cpu or d.machines.cpu
            memory = process.memory or d.machines.memory
            assert cpu is not None and memory is not None
            try:
                self._check_size((*path, "cpu"), (*path, "memory"), cpu, memory)
            except At as exc:
                problems.append(exc)
        _raise_all(problems)

    def _check_size(
        self,
        cpu_path: str | tuple[str | int, ...],
        memory_path: str | tuple[str | int, ...],
        cpu: str,
        memory: int,
    ) -> None:
        if self.provider == "fly":
            size = limits.FLY_SIZES.get(cpu)
            if size is None:
                hint = did_you_mean(cpu, limits.FLY_SIZES)
                raise At(cpu_path, f"{cpu!r} is not a Fly size{hint}")
            if not size.min_memory_mib <= memory <= size.max_memory_mib:
                raise At(
                    memory_path,
                    f"{format_size(memory)} is outside what {size.name} allows "
                    f"({format_size(size.min_memory_mib)} to {format_size(size.max_memory_mib)})",
                )
            if memory % limits.FLY_MEMORY_STEP_MIB:
                raise At(
                    memory_path,
                    f"Fly allocates memory in 256mb steps; {format_size(memory)} is not one",
                )
            return
        if not cpu.isdigit() or int(cpu) not in limits.CLOUD_RUN_MEMORY_MIB:
            raise At(cpu_path, f"{cpu!r} is not a Cloud Run CPU count; use 1, 2, 4, 6 or 8")
        low, high = limits.CLOUD_RUN_MEMORY_MIB[int(cpu)]
        if not low <= memory <= high:
            raise At(
                memory_path,
                f"{format_size(memory)} is outside what {cpu} vCPU allows on Cloud Run "
                f"({format_size(low)} to {format_size(high)})",
            )

    def _check_volumes(self) -> None:
        problems: list[At] = []
        d = self.deployment
        known = {WEB_PROCESS, *d.processes}
        bucket_ids = [b.id for b in self.storage.buckets] if self.storage else []
        names: set[str] = set()
        per_process: dict[str, int] = {}
        for i, v in enumerate(d.volumes):
            path: tuple[str | int, ...] = ("deployment", "volumes", i)
            if v.name in names:
                problems.append(At((*path, "name"), f"volume {v.name!r} is listed twice"))
            names.add(v.name)
            for j, group in enumerate(v.processes):
                if group not in known:
                    problems.append(
                        At(
                            (*path, "processes", j),
                            f"no process {group!r}; the processes are {', '.join(sorted(known))}",
                        )
                    )
                elif self.provider == "fly" and group in per_process:
                    # flyctl: "group '…' has more than one [[mounts]] section defined".
                    problems.append(
                        At(
                            (*path, "processes", j),
                            f"process {group!r} already mounts volume "
                            f"{d.volumes[per_process[group]].name!r}; a Fly machine mounts one "
                            "volume: give each process its own, or use one volume with "
                            "sub-directories",
                        )
                    )
                else:
                    per_process[group] = i
            if self.provider == "fly":
                if v.type != "volume":
                    problems.append(
                        At(
                            (*path, "type"),
                            f"Fly mounts Fly volumes only, not {v.type}; use type: volume, or read "
                            "the bucket through Tigris's S3 API (storage:)",
                        )
                    )
                for key in ("bucket", "server", "export"):
                    if getattr(v, key) is not None:
                        problems.append(
                            At((*path, key), f"{key} is for gcs and nfs volumes on Cloud Run")
                        )
                if v.read_only:
                    problems.append(
                        At((*path, "read_only"), "a Fly volume is always writable; drop read_only")
                    )
                if v.size is not None and (v.size % 1024 or v.size < 1024):
                    problems.append(
                        At((*path, "size"), "Fly volumes come in whole GB, at least 1gb")
                    )
                continue
            # Cloud Run
            problems.extend(_cloud_run_mount_problems(v, path, d.volumes[:i]))
            if v.type == "volume":
                problems.append(
                    At(
                        (*path, "type"),
                        "Cloud Run has no block volumes (its disk is memory, lost on restart); "
                        "use type: gcs to mount a storage bucket through GCS FUSE, or type: nfs "
                        "for a Filestore share; keep SQLite-style data in the database instead",
                    )
                )
            for key in ("size", "snapshot_retention"):
                if getattr(v, key) is not None:
                    problems.append(
                        At((*path, key), f"{key} is for Fly volumes; Cloud Run mounts no disk")
                    )
            if v.type == "gcs":
                if v.bucket is None:
                    problems.append(
                        At(path, "a gcs volume needs `bucket:`, the id of a storage.buckets entry")
                    )
                elif v.bucket not in bucket_ids:
                    where = (
                        f"one of {', '.join(bucket_ids)}"
                        if bucket_ids
                        else "add a `storage:` section first"
                    )
                    problems.append(
                        At((*path, "bucket"), f"no storage bucket {v.bucket!r}; use {where}")
                    )
                for key in ("server", "export"):
                    if getattr(v, key) is not None:
                        problems.append(At((*path, key), f"{key} is for nfs volumes"))
            if v.type == "nfs":
                for key in ("server", "export"):
                    if getattr(v, key) is None:
                        problems.append(At(path, f"an nfs volume needs `{key}:`"))
                if v.bucket is not None:
                    problems.append(At((*path, "bucket"), "bucket is for gcs volumes"))
        _raise_all(problems)

    def _check_fly_only(self) -> None:
        """Fly.io keys a Cloud Run service has no counterpart for, refused with the reason."""
        problems: list[At] = []
        d = self.deployment
        if self.provider == "fly":
            for i, (region, count) in enumerate(d.regions.items()):
                path = ("deployment", "regions", region)
                if count < 0:
                    problems.append(At(path, "a machine count is 0 or more"))
                if region == d.region:
                    problems.append(
                        At(
                            path,
                            f"{region} is the primary region, whose count is "
                            "deployment.machines.count; list only the other regions here",
                        )
                    )
                elif region in limits.FLY_RETIRED_REGIONS:
                    problems.append(
                        At(
                            path,
                            f"Fly retired region {region!r}; use "
                            f"{limits.FLY_RETIRED_REGIONS[region]!r}",
                        )
                    )
                elif region not in limits.FLY_REGIONS:
                    problems.append(
                        At(
                            path,
                            f"{region!r} is not a Fly region"
                            f"{did_you_mean(region, limits.FLY_REGIONS)}",
                        )
                    )
                del i
            if self.storage is not None and self.storage.hmac:
                problems.append(
                    At(
                        "storage.hmac",
                        "Tigris always issues S3 keys for its buckets; hmac is for GCS on Cloud "
                        "Run. Drop it",
                    )
                )
            _raise_all(problems)
            return
        refusals: list[tuple[str, bool, str]] = [
            (
                "deployment.regions",
                bool(d.regions),
                "a Cloud Run service runs in one region; serving from several needs a global "
                "external load balancer with serverless NEGs, which this program does not "
                "build. Deploy one stack per region, or use Fly for several regions",
            ),
            (
                "deployment.kill_signal",
                d.kill_signal != "SIGTERM",
                "Cloud Run always stops an instance with SIGTERM; handle SIGTERM in the app",
            ),
            (
                "deployment.swap_size_mb",
                d.swap_size_mb is not None,
                "Cloud Run has no swap; raise deployment.machines.memory instead",
            ),
            (
                "deployment.strategy",
                d.strategy != "rolling",
                "Cloud Run starts the new revision beside the old one and moves traffic once "
                "its startup probe passes; Fly's deploy strategies do not apply. Drop it",
            ),
            (
                "deployment.auto_rollback",
                d.auto_rollback is False,
                "Cloud Run always keeps serving the previous revision until the new one starts; "
                "it cannot be turned off",
            ),
            (
                "deployment.statics",
                bool(d.statics),
                "Cloud Run has no proxy that serves files from the image; Phoenix serves "
                "priv/static itself (Plug.Static), or put Cloud CDN in front. Drop statics",
            ),
            (
                "deployment.ports",
                bool(d.ports),
                "a Cloud Run service serves one HTTP port (app.port); raw TCP or UDP ports "
                "are not possible there",
            ),
            (
                "deployment.dedicated_ipv4",
                d.dedicated_ipv4,
                "Cloud Run has no per-service IP addresses; drop dedicated_ipv4",
            ),
        ]
        for key, refused, why in refusals:
            if refused:
                problems.append(At(key, why))
        _raise_all(problems)

    def _check_health_check_fits(self) -> None:
        hc = self.deployment.health_check
        if hc.type != "http":
            for key, default in (("method", "GET"), ("headers", {})):
                if getattr(hc, key) != default:
                    raise At(
                        f"deployment.health_check.{key}",
                        f"{key} applies to http checks only; this check is {hc.type}",
                    )
        if self.provider == "gcp" and hc.method != "GET":
            raise At(
                "deployment.health_check.method",
                "Cloud Run's HTTP probes send GET only; serve the health route on GET",
            )
        for name, process in self.deployment.processes.items():
            pc = process.health_check
            if pc.type != "http" and pc.path is not None:
                raise At(
                    ("deployment", "processes", name, "health_check", "path"),
                    "path applies to http checks only",
                )

    def _check_liveness(self) -> None:
        if self.provider == "fly" and self.deployment.health_check.liveness != Liveness():
            raise At(
                "deployment.health_check.liveness",
                "Fly has no liveness probe: its checks route traffic and gate deploys, and never "
                "restart a machine; remove liveness (it applies to Cloud Run)",
            )

    def _check_deploy_strategy(self) -> None:
        d = self.deployment
        if self.provider != "fly":
            return
        mounted = bool(d.volumes)
        if d.strategy == "canary" and mounted:
            # flyctl internal/appconfig/validation.go, validateDeploySection.
            raise At(
                "deployment.strategy",
                "Fly's canary strategy cannot deploy machines with volumes; use rolling or "
                "immediate",
            )
        if d.strategy == "bluegreen":
            if d.health_check.type == "none":
                # flyctl internal/command/deploy/strategy_bluegreen.go: "You need to define at
                # least 1 check in order to use blue-green deployments".
                raise At(
                    "deployment.strategy",
                    "bluegreen needs a health check to know when the green machines are ready; "
                    "set deployment.health_check or use rolling",
                )
            if mounted:
                raise At(
                    "deployment.strategy",
                    "bluegreen starts a second set of machines beside the first, and a Fly "
                    "volume attaches to one machine only; use rolling or immediate",
                )

    def _check_fly_shapes(self) -> None:
        """What flyctl would reject, silently clamp or silently ignore in the app shape."""
        if self.provider != "fly":
            return
        problems: list[At] = []
        d = self.deployment
        if self.app.image is not None and self.app.build != Build():
            problems.append(
                At(
                    "app.build",
                    "app.image is a prebuilt image, so nothing is built and build arguments "
                    "and target would be ignored; drop app.build, or drop app.image to build "
                    "app.path",
                )
            )
        if d.auto_rollback is True and d.strategy != "bluegreen":
            # flyctl ad0172fa reads [experimental] auto_rollback (appconfig/config.go) and never
            # acts on it; only the bluegreen strategy rolls back (deploy/strategy_bluegreen.go).
            problems.append(
                At(
                    "deployment.auto_rollback",
                    f"flyctl does not roll back a {d.strategy} deploy (it reads "
                    "[experimental] auto_rollback and ignores it); set strategy: bluegreen, "
                    "which removes the new machines when they fail their checks, or drop "
                    "auto_rollback",
                )
            )
        if d.auto_rollback is False and d.strategy == "bluegreen":
            problems.append(
                At(
                    "deployment.auto_rollback",
                    "a bluegreen deploy always removes new machines that fail their checks; "
                    "use strategy: rolling to keep them, or drop auto_rollback",
                )
            )
        hc = d.health_check
        for key in ("interval", "timeout", "grace_period"):
            if hc.type != "none" and getattr(hc, key) > limits.FLY_SERVICE_CHECK_MAX_S:
                # appconfig/validation.go validateSingleServiceCheckDuration: lowered to 1m.
                problems.append(
                    At(
                        f"deployment.health_check.{key}",
                        "Fly lowers service check durations above 1 minute to 1 minute; use "
                        "60s or less",
                    )
                )
        for name, process in d.processes.items():
            pc = process.health_check
            if pc.type != "none" and pc.timeout > limits.FLY_SERVICE_CHECK_MAX_S:
                # appconfig/validation.go validateChecksSection: "maximum is 60 seconds".
                problems.append(
                    At(
                        ("deployment", "processes", name, "health_check", "timeout"),
                        "Fly machine checks time out after 60 seconds at most; use 60s or less",
                    )
                )
        machines = {WEB_PROCESS: d.machines.count + sum(d.regions.values())}
        machines |= {n: p.count for n, p in d.processes.items()}
        for i, v in enumerate(d.volumes):
            if (
                v.snapshot_retention is not None
                and sum(machines.get(g, 0) for g in v.processes) > 1
            ):
                problems.append(
                    At(
                        ("deployment", "volumes", i, "snapshot_retention"),
                        "flyctl sets snapshot_retention only on the volume the first deploy "
                        "creates (deploy/deploy_first.go); the volumes `fly scale count` creates "
                        "for the other machines keep Fly's default of 5 days "
                        "(scale/machine_defaults.go). Drop it, or set it on each volume with "
                        "`fly volumes update --snapshot-retention`",
                    )
                )
        seen: dict[tuple[int, str], int] = {}
        for i, port in enumerate(d.ports):
            path: tuple[str | int, ...] = ("deployment", "ports", i)
            if port.port in (80, 443) and port.protocol == "tcp":
                problems.append(
                    At(
                        (*path, "port"),
                        f"port {port.port} is the HTTP service's (80 and 443 serve app.port); "
                        "pick another public port",
                    )
                )
            listened = (port.port, port.protocol)
            if listened in seen:
                problems.append(
                    At((*path, "port"), f"{port.protocol} port {port.port} is listed twice")
                )
            seen[listened] = i
            if port.protocol == "udp" and port.handlers:
                problems.append(
                    At(
                        (*path, "handlers"),
                        "Fly's proxy has no handlers for UDP; drop handlers for a udp port",
                    )
                )
        _raise_all(problems)

    def _check_buckets(self) -> None:
        st = self.storage
        if st is None:
            return
        problems: list[At] = []
        ids: set[str] = set()
        names: set[str] = set()
        default_names = set(DEFAULT_BUCKET_ENV.values())
        for i, bucket in enumerate(st.buckets):
            path: tuple[str | int, ...] = ("storage", "buckets", i)
            if bucket.id in ids:
                problems.append(At((*path, "id"), f"bucket id {bucket.id!r} is used twice"))
            ids.add(bucket.id)
            if bucket.name is not None:
                if bucket.name in names:
                    problems.append(At((*path, "name"), f"bucket {bucket.name!r} is listed twice"))
                names.add(bucket.name)
                if st.provider == "gcs" and bucket.name.startswith("goog"):
                    problems.append(
                        At((*path, "name"), "GCS refuses bucket names starting with 'goog'")
                    )
                elif st.provider == "gcs" and "google" in bucket.name:
                    # storage/docs/buckets#naming: "Bucket names cannot contain google".
                    problems.append(
                        At(
                            (*path, "name"),
                            "GCS refuses bucket names that contain 'google'; pick another name",
                        )
                    )
                elif st.provider == "gcs" and "." in bucket.name:
                    # storage/docs/domain-name-verification: a dotted name is a domain, which
                    # the deployer must have verified, or the create fails with 403.
                    problems.append(
                        At(
                            (*path, "name"),
                            "a GCS bucket name with dots is a domain name, which Cloud Storage "
                            "creates only for a verified owner of that domain; use dashes "
                            "instead of dots",
                        )
                    )
            env = bucket.env
            if st.provider == "tigris" and i > 0:
                clash = sorted(set(env.names().values()) & default_names)
                if clash:
                    problems.append(
                        At(
                            (*path, "env"),
                            f"{clash[0]} belongs to the first bucket: flyctl sets "
                            f"{', '.join(sorted(default_names))} for the app's first Tigris "
                            "bucket. Each Tigris bucket has its own keys; name this one's under "
                            "env (e.g. bucket: MEDIA_BUCKET, access_key_id: MEDIA_ACCESS_KEY_ID)",
                        )
                    )
            if st.provider == "gcs" and not st.hmac:
                written = env.written_credentials()
                if written:
                    problems.append(
                        At(
                            (*path, "env", written[0]),
                            "GCS gives the app no keys unless storage.hmac is true (the app "
                            "reaches GCS as its service account); set `hmac: true` for S3 "
                            "clients such as ex_aws_s3, or drop this name",
                        )
                    )
        _raise_all(problems)

    def _reported_by_buckets(self, item: DerivedEnv) -> bool:
        # A later Tigris bucket on the first one's names: _check_buckets says why, once.
        return (
            item.key.startswith("storage.buckets.")
            and not item.key.startswith("storage.buckets.0.")
            and self.storage is not None
            and self.storage.provider == "tigris"
            and item.name in DEFAULT_BUCKET_ENV.values()
        )

    def _check_derived_names(self) -> None:
        """Every derived value gets its own env name, one the app can have and nobody else sets."""
        problems: list[At] = []
        seen: dict[str, _Seen] = {}
        cache = self.cache
        if cache is not None and cache.provider == "upstash" and cache.env.ca_cert is not None:
            problems.append(
                At("cache.env.ca_cert", "Upstash needs no CA certificate; drop ca_cert")
            )
        for item in self.derived_env():
            path = tuple(int(p) if p.isdigit() else p for p in item.key.split("."))
            first = seen.get(item.name)
            if first is not None and self._reported_by_buckets(item):
                continue
            if first is not None:
                same_value = item.shared and first.shared and first.key[-1] == item.key[-1]
                if not same_value:
                    problems.append(
                        At(path, f"{item.name} is already the name of {first.key}; pick another")
                    )
                continue
            seen[item.name] = _Seen(_dotted_key(item.key), item.shared)
            if not item.secret and item.name in self.secrets:
                problems.append(
                    At(
                        ("secrets", self.secrets.index(item.name)),
                        f"{item.name} is set in plain env from {_dotted_key(item.key)} (it is no "
                        "secret); "
                        "drop it from secrets",
                    )
                )
            elif item.name in self.env_vars:
                problems.append(
                    At(
                        ("env_vars", item.name),
                        f"{item.name} is set from {_dotted_key(item.key)}; drop it from env_vars",
                    )
                )
            elif item.name in limits.PROGRAM_ENV:
                problems.append(At(path, f"{item.name} is set by this program; pick another name"))
            elif reason := _reserved_reason(self.provider, item.name):
                problems.append(At(path, reason))
        _raise_all(problems)

    def _check_host_and_overlap(self) -> None:
        if self.domain and self.env_vars.get("PHX_HOST") not in (None, self.domain):
            raise At(
                "env_vars.PHX_HOST",
                f"PHX_HOST ({self.env_vars['PHX_HOST']}) disagrees with domain "
                f"({self.domain}); drop PHX_HOST: domain sets it",
            )
        overlap = set(self.secrets) & set(self.env_vars)
        if overlap:
            name = sorted(overlap)[0]
            raise At(
                ("env_vars", name),
                f"{name} is both an env var and a secret; keep it only under secrets",
            )

    def _check_mpg(self) -> None:
        """Managed Postgres has plans, not machines: `size` must name one, or agree with `plan`."""
        db = self.database
        if db is None or db.provider != "fly-mpg":
            return
        plans = ", ".join(
            f"{name} {format_size(sizes[0])}" for name, sizes in limits.MPG_PLAN_MEMORY_MIB.items()
        )
        size_set = "size" in db.model_fields_set
        matching = [n for n, sizes in limits.MPG_PLAN_MEMORY_MIB.items() if db.size in sizes]
        if size_set and not matching:
            raise At(
                "database.size",
                f"{format_size(db.size)} is not the memory of a Managed Postgres plan flyctl can "
                f"create ({plans}); set database.size to one of them, or set database.plan",
            )
        if size_set and db.plan is not None and db.plan not in matching:
            raise At(
                "database.plan",
                f"plan {db.plan} has {format_size(limits.MPG_PLAN_MEMORY_MIB[db.plan][0])} of "
                f"memory, but database.size is {format_size(db.size)}; keep one of the two",
            )

    def _check_billing(self) -> None:
        if self.provider == "fly" and self.deployment.billing is not None:
            raise At(
                "deployment.billing",
                "Cloud Run only: Fly bills each machine by the second while it runs, so there is "
                "no billing mode to choose; remove deployment.billing",
            )

    def _check_database_size(self) -> None:
        db = self.database
        if db is None:
            return
        if db.disk % 1024:
            raise At("database.disk", "volumes come in whole GB; write it like '10gb'")
        if db.provider == "cloud-sql":
            if db.size > limits.CLOUD_SQL_MAX_MIB:
                raise At(
                    "database.size",
                    f"{format_size(db.size)} is more than the largest Cloud SQL Enterprise tier "
                    f"({format_size(limits.CLOUD_SQL_MAX_MIB)})",
                )
            if db.disk < limits.CLOUD_SQL_MIN_DISK_MIB:
                raise At("database.disk", "Cloud SQL disks start at 10gb")
        elif db.provider == "fly-postgres":
            largest = max(s.max_memory_mib for s in limits.FLY_SIZES.values())
            if db.size > largest or db.size % limits.FLY_MEMORY_STEP_MIB:
                raise At(
                    "database.size",
                    f"Fly Postgres runs on a Fly Machine: use 256mb steps up to "
                    f"{format_size(largest)}",
                )

    def _check_region(self) -> None:
        region = self.deployment.region
        known = limits.FLY_REGIONS if self.provider == "fly" else limits.GCP_REGIONS
        if region and region not in known and region.lower() in known:
            raise At("deployment.region", f"region codes are lower case: use {region.lower()!r}")
        if self.provider == "fly":
            if region in limits.FLY_RETIRED_REGIONS:
                raise At(
                    "deployment.region",
                    f"Fly retired region {region!r}; use {limits.FLY_RETIRED_REGIONS[region]!r}",
                )
            if region not in limits.FLY_REGIONS:
                raise At(
                    "deployment.region",
                    f"{region!r} is not a Fly region"
                    f"{did_you_mean(str(region), limits.FLY_REGIONS)}",
                )
        elif region not in limits.GCP_REGIONS:
            raise At(
                "deployment.region",
                f"{region!r} is not a Cloud Run region"
                f"{did_you_mean(str(region), limits.GCP_REGIONS)}",
            )

    def _check_machines(self) -> None:
        m = self.deployment.machines
        assert m.cpu is not None and m.memory is not None  # filled by _provider_defaults
        if self.provider == "fly" and m.count == 0:
            raise At(
                "deployment.machines.count",
                "Fly runs exactly `count` machines and never stops them (a stopped node leaves "
                "the Erlang cluster), so 0 means the app is down; use 1 or more",
            )
        self._check_size("deployment.machines.cpu", "deployment.machines.memory", m.cpu, m.memory)
        if self.provider == "gcp":
            if self.deployment.concurrency.hard_limit > limits.CLOUD_RUN_MAX_CONCURRENCY:
                raise At(
                    "deployment.concurrency.hard_limit",
                    f"Cloud Run allows at most "
                    f"{limits.CLOUD_RUN_MAX_CONCURRENCY} concurrent requests per instance",
                )
            hc = self.deployment.health_check
            if hc.interval > limits.CLOUD_RUN_MAX_PROBE_PERIOD_S:
                raise At("deployment.health_check.interval", "Cloud Run probes allow at most 240s")
            if hc.grace_period > limits.CLOUD_RUN_MAX_PROBE_PERIOD_S:
                raise At(
                    "deployment.health_check.grace_period", "Cloud Run probes allow at most 240s"
                )
        if m.max_count is not None and m.max_count < m.count:
            raise At(
                "deployment.machines.max_count",
                f"max_count ({m.max_count}) is below count ({m.count})",
            )

    def _check_providers_fit(self) -> None:
        # Every section at once: switching `provider` should list all that must follow it.
        mismatched: list[At] = []
        for section in ("database", "cache", "storage"):
            value = getattr(self, section)
            if value is None:
                continue
            owner = _PROVIDER_OF[value.provider]
            if owner != self.provider:
                fits = sorted(k for k, p in _PROVIDER_OF.items() if p == self.provider)
                choices = [c for c in fits if c in _section_choices(section)]
                mismatched.append(
                    At(
                        f"{section}.provider",
                        f"{value.provider!r} runs on {owner}, but provider is "
                        f"{self.provider!r}; use {' or '.join(repr(c) for c in choices)}",
                    )
                )
        _raise_all(mismatched)
        host = self.env_vars.get("PHX_HOST", "")
        other_suffix = {"fly": ".run.app", "gcp": ".fly.dev"}[self.provider]
        if host.endswith(other_suffix):
            raise At(
                "env_vars.PHX_HOST",
                f"PHX_HOST {host!r} is a {'Cloud Run' if self.provider == 'fly' else 'Fly'} "
                f"host, but provider is {self.provider!r}; drop PHX_HOST (the program sets the "
                "platform's host) or set `domain`",
            )
        if self.cache is not None and self.cache.provider == "memorystore":
            gib, rest = divmod(self.cache.size, 1024)
            if rest or not limits.MEMORYSTORE_MIN_GIB <= gib <= limits.MEMORYSTORE_MAX_GIB:
                raise At("cache.size", "Memorystore takes a whole number of GiB from 1gb to 300gb")
        if self.database is not None and self.database.private_ip and self.provider != "gcp":
            raise At("database.private_ip", "private_ip applies to Cloud SQL only")

    def _check_overrides(self) -> None:
        """Each env override names a variable the file sets, and one it needs overriding for."""
        problems: list[At] = []
        for name in self.overrides.plain_env:
            path = ("overrides", "plain_env", name)
            if name not in self.env_vars:
                problems.append(
                    At(path, f"{name} is not in env_vars; the override marks an env_vars value")
                )
            elif reason := value_secret_reason(self.env_vars[name]):
                # Never waived: the value itself is a credential, whatever the name says.
                problems.append(
                    At(
                        ("env_vars", name),
                        f"{name} looks like a secret ({reason}), which overrides.plain_env "
                        f"cannot waive; list {name} under `secrets:` and set its value with "
                        f"`pulumi config set --secret {name}`",
                    )
                )
        for name in self.overrides.program_env:
            path = ("overrides", "program_env", name)
            if name not in self.env_vars:
                problems.append(At(path, f"{name} is not in env_vars; set the value there as well"))
            elif self.provider != "fly" or name not in limits.FLY_CLUSTER_ENV:
                what = (
                    f"this program sets {name} from {limits.KEYED_ENV[name]}; set that key"
                    if name in limits.KEYED_ENV
                    else f"{name} cannot be overridden ({limits.FIXED_ENV[name]})"
                    if name in limits.FIXED_ENV
                    else f"this program does not set {name} on {self.provider}, so env_vars "
                    "alone sets it; remove the override"
                )
                problems.append(At(path, what))
        _raise_all(problems)

    def _check_env_against_platform(self) -> None:
        names: list[tuple[tuple[str | int, ...], str]] = [
            (("env_vars", n), n) for n in self.env_vars
        ]
        names += [(("secrets", i), n) for i, n in enumerate(self.secrets)]
        for path, name in names:
            reason = _reserved_reason(self.provider, name)
            if reason:
                raise At(path, reason)

    # ---- derived values -----------------------------------------------------------------

    @property
    def is_production(self) -> bool:
        return bool(self.production)

    @property
    def max_instances(self) -> int:
        m = self.deployment.machines
        return m.max_count if m.max_count is not None else max(m.count, 1) * 4

    @property
    def runs_migrations(self) -> bool:
        """Whether a deploy migrates: as configured, else when there is a database."""
        enabled = self.migrations.enabled
        return enabled if enabled is not None else self.database is not None

    @property
    def cloud_run_billing(self) -> Literal["instance", "request"]:
        """Cloud Run's billing mode: as set, else request for a scale-to-zero service."""
        if self.deployment.billing is not None:
            return self.deployment.billing
        # A service with no warm instance has nothing to keep busy between requests.
        return "request" if self.deployment.machines.count == 0 else "instance"

    @property
    def phx_host(self) -> str | None:
        """The host Phoenix builds URLs for; None means the platform's default URL."""
        return self.domain or self.env_vars.get("PHX_HOST")

    def secret_kinds(self, with_values: Collection[str] = ()) -> dict[str, str]:
        """Each secret the app gets, mapped to generated / derived / supplied.

        `with_values`: names the stack has a value for. A generated name (SECRET_KEY_BASE,
        RELEASE_COOKIE) listed under `secrets:` with a value in the stack is supplied: an app
        moving here keeps its sessions and its running nodes' cookie. Listed without one (as
        the seed lists SECRET_KEY_BASE), it is still generated.
        """
        kinds: dict[str, str] = {}
        derived = self.derived_secrets()
        for name in GENERATED_SECRETS:
            supplied = name in self.secrets and name in with_values
            kinds[name] = "supplied" if supplied else "generated"
        for name in derived:
            kinds[name] = "derived"
        for name in self.secrets:
            kinds.setdefault(name, "supplied")
        return kinds

    def shape_keys(self) -> list[str]:
        """The app-shape keys (issue #10) this config sets away from their defaults."""
        d, hc = self.deployment, self.deployment.health_check
        used = {
            "app_name": self.app_name is not None,
            "app.build": bool(self.app.build.args) or self.app.build.target is not None,
            "deployment.health_check.type": hc.type != "http",
            "deployment.health_check.method": hc.method != "GET",
            "deployment.health_check.headers": bool(hc.headers),
            "deployment.regions": bool(d.regions),
            "deployment.command": d.command is not None,
            "deployment.processes": bool(d.processes),
            "deployment.volumes": bool(d.volumes),
            "deployment.kill_signal": d.kill_signal != "SIGTERM",
            "deployment.swap_size_mb": d.swap_size_mb is not None,
            "deployment.strategy": d.strategy != "rolling",
            "deployment.auto_rollback": d.auto_rollback is not None,
            "deployment.statics": bool(d.statics),
            "deployment.ports": bool(d.ports),
            "migrations": self.migrations != Migrations(),
            "database.env": self.database is not None and self.database.env != DatabaseEnv(),
            "cache.env": self.cache is not None and self.cache.env != CacheEnv(),
            "storage.hmac": self.storage is not None and self.storage.hmac,
            "storage.buckets": self.storage is not None and self.storage.buckets != [Bucket()],
        }
        return [key for key, on in used.items() if on]

    def derived_env(self) -> list[DerivedEnv]:
        """Every value the program derives from a resource it creates, under the env name the
        app reads it by, in a stable order: database, cache, then each bucket."""
        out: list[DerivedEnv] = []
        fly = self.provider == "fly"
        db = self.database
        if db is not None:
            out.append(DerivedEnv(db.env.url, "database.env.url", secret=True))
            for part in ("host", "port", "name", "user", "password"):
                name = getattr(db.env, part)
                if name is not None:
                    # From the secret URL on Fly; on Cloud Run only the password is secret.
                    secret = fly or part == "password"
                    out.append(DerivedEnv(name, f"database.env.{part}", secret=secret))
        cache = self.cache
        if cache is not None:
            out.append(DerivedEnv(cache.env.url, "cache.env.url", secret=True))
            if cache.provider == "memorystore":
                name = cache.env.ca_cert or "REDIS_CA_CERT"
                out.append(DerivedEnv(name, "cache.env.ca_cert", secret=True))
        st = self.storage
        if st is not None:
            for i, bucket in enumerate(st.buckets):
                prefix = f"storage.buckets.{i}.env"
                if fly:
                    # `fly storage create` sets all five as app secrets (fly.md §1).
                    for key, name in bucket.env.names().items():
                        out.append(DerivedEnv(name, f"{prefix}.{key}", secret=True))
                    continue
                names = bucket.env.names()
                out.append(DerivedEnv(names["bucket"], f"{prefix}.bucket", secret=False))
                if st.hmac:
                    # One HMAC key for the service account serves every bucket.
                    for key in ("access_key_id", "secret_access_key", "endpoint", "region"):
                        secret = key in ("access_key_id", "secret_access_key")
                        name = names[key]
                        out.append(DerivedEnv(name, f"{prefix}.{key}", secret=secret, shared=True))
        return out

    def derived_secrets(self) -> tuple[str, ...]:
        names: list[str] = []
        for item in self.derived_env():
            if item.secret and item.name not in names:
                names.append(item.name)
        return tuple(names)

    def derived_plain_env(self) -> dict[str, str]:
        """Derived values that are not secret, by env name -> the key that first names them."""
        out: dict[str, str] = {}
        for d in self.derived_env():
            if not d.secret:
                out.setdefault(d.name, d.key)
        return out

    def supplied_secrets(self) -> list[str]:
        return [n for n, k in self.secret_kinds().items() if k == "supplied"]

    def connection_budget(self) -> ConnectionBudget | None:
        """Peak connections against Cloud SQL's limit for the chosen size (GCP only)."""
        db = self.database
        if self.provider != "gcp" or db is None or db.provider != "cloud-sql":
            return None
        try:
            tier = cloud_sql_tier(db.size)
        except ValueError:
            return None  # too large: reported by the size check
        limit = max_connections(tier)
        if limit is None:
            return None
        return ConnectionBudget(
            tier=tier,
            max_connections=limit,
            pool_size=db.pool_size,
            max_instances=self.max_instances,
            # Cloud Run starts the new revision's minimum (at least one instance) before it
            # moves traffic, while the old revision's instances still hold their pools.
            surge=max(self.deployment.machines.count, 1),
            workers=sum(p.count for p in self.deployment.processes.values()),
        )

    def warnings(self) -> list[tuple[str, str]]:
        """Advice that does not block a deploy, as (key path, message)."""
        out: list[tuple[str, str]] = []
        if not self.framework.has_gen_release:
            out.append(
                (
                    "framework.version",
                    f"Phoenix {self.framework.version} has no `mix phx.gen.release` (added in "
                    "1.6.3): the release needs rel/overlays/bin/server, rel/overlays/bin/migrate "
                    "and a release module with migrate/0; `phxstack init --generate` writes "
                    "them, or upgrade to 1.6.3+ and run `mix phx.gen.release`",
                )
            )
        budget = self.connection_budget()
        if budget is not None and budget.exceeded:
            out.append(("database.pool_size", budget.message()))
        if self.provider == "gcp":
            for i, v in enumerate(self.deployment.volumes):
                if v.type == "nfs":
                    # Cloud Run reaches private addresses only through the stack's own VPC,
                    # and VPC peering is not transitive: a Filestore instance on another
                    # network (such as `default`) cannot be reached from it.
                    out.append(
                        (
                            f"deployment.volumes.{i}.server",
                            f"{v.server} must be reachable from this stack's own VPC network, "
                            "which the first `pulumi up` creates: create the Filestore "
                            "instance on it (`gcloud filestore instances create ... "
                            '--network=name="$(pulumi stack output vpc_network)"`); one on '
                            "another network, such as default, cannot be reached",
                        )
                    )
        hc = self.deployment.health_check
        if hc.liveness.type == "http" and hc.type == "http" and hc.liveness.path == hc.path:
            out.append(
                (
                    "deployment.health_check.liveness.path",
                    f"the liveness probe checks {hc.path}, as the startup probe does: if that "
                    "path checks the database, a failover or maintenance window restarts every "
                    "instance and drops every LiveView socket; give liveness a shallow path",
                )
            )
        if (
            self.provider == "gcp"
            and self.max_instances > 1
            and self.cache is None
            and "cache-for-multiple-instances" not in self.overrides.policies
        ):
            out.append(
                (
                    "cache",
                    "more than one Cloud Run instance and no cache: instances cannot cluster, so "
                    "LiveView and PubSub broadcasts need Redis (add `cache: {type: redis}`)",
                )
            )
        if self.database is not None and self.database.provider == "fly-postgres":
            out.append(
                (
                    "database.provider",
                    "Fly no longer supports unmanaged Fly Postgres; prefer 'fly-mpg' "
                    "(Managed Postgres)",
                )
            )
        if self.app.image is not None and "@sha256:" not in self.app.image:
            out.append(
                (
                    "app.image",
                    "pin the prebuilt image by digest (name@sha256:…): a tag can move, and "
                    "pushing the same tag again rolls no new revision and runs no migration",
                )
            )
        if (
            self.storage is not None
            and self.storage.provider == "tigris"
            and (self.storage.versioning is not None)
        ):
            out.append(
                (
                    "storage.versioning",
                    "has no effect on Tigris; object versioning is set up on GCS buckets only",
                )
            )
        if self.provider == "fly" and self.deployment.machines.max_count is not None:
            out.append(
                (
                    "deployment.machines.max_count",
                    "has no effect on Fly: machines stay up (stopped ones would leave the "
                    "Erlang cluster), so Fly runs exactly `count` machines; raise count instead",
                )
            )
        d = self.deployment
        if self.provider == "fly" and d.volumes:
            machines = d.machines.count + sum(d.regions.values())
            mounted = {g for v in d.volumes for g in v.processes}
            counts = {WEB_PROCESS: machines} | {n: p.count for n, p in d.processes.items()}
            if any(counts.get(g, 0) > 1 for g in mounted):
                out.append(
                    (
                        "deployment.volumes",
                        "each Fly machine gets its own volume, and machines do not share them: "
                        "a SQLite file or uploads written on one are not on the others (use "
                        "LiteFS, the database, or storage: for shared data)",
                    )
                )
        if self.provider == "fly" and d.ports and not d.dedicated_ipv4:
            out.append(
                (
                    "deployment.ports",
                    "Fly's shared IPv4 carries HTTP and TLS on 80/443 only: these ports are "
                    "reachable over IPv6 alone unless deployment.dedicated_ipv4 is true",
                )
            )
        if self.is_production and d.health_check.type == "none":
            out.append(
                (
                    "deployment.health_check.type",
                    "production without a health check: a release that cannot serve still "
                    "takes traffic",
                )
            )
        # The policy's own advice; an override of it says the single instance is on purpose.
        if (
            self.is_production
            and self.deployment.machines.count < 2
            and "machine-count" not in self.overrides.policies
        ):
            out.append(
                (
                    "deployment.machines.count",
                    "production with fewer than 2 instances has no redundancy",
                )
            )
        return out


@dataclass(frozen=True)
class _Seen:
    key: str
    shared: bool


# Cloud Run refuses mounts at these system directories and below them.
CLOUD_RUN_RESERVED_MOUNTS = ("/dev", "/proc", "/sys")
# Where the program mounts the Cloud SQL connector's sockets (components/gcp/runtime.py).
CLOUDSQL_VOLUME, CLOUDSQL_MOUNT = "cloudsql", "/cloudsql"


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _cloud_run_mount_problems(
    v: Volume, path: tuple[str | int, ...], earlier: list[Volume]
) -> list[At]:
    """What Cloud Run (or this program's own Cloud SQL mount) would refuse about one volume."""
    problems: list[At] = []
    if v.name.replace("_", "-") == CLOUDSQL_VOLUME:
        problems.append(
            At(
                (*path, "name"),
                "the volume 'cloudsql' is the Cloud SQL connector's, which this program mounts "
                "itself; name this volume differently",
            )
        )
    if _under(v.path, CLOUDSQL_MOUNT):
        problems.append(
            At(
                (*path, "path"),
                f"{v.path} is under {CLOUDSQL_MOUNT}, where the Cloud SQL connector's sockets are "
                "mounted; mount this volume elsewhere, e.g. /data",
            )
        )
    reserved = next((r for r in CLOUD_RUN_RESERVED_MOUNTS if _under(v.path, r)), None)
    if reserved is not None:
        problems.append(
            At(
                (*path, "path"),
                f"Cloud Run does not mount volumes at {reserved} or below it; mount this volume "
                "elsewhere, e.g. /data",
            )
        )
    for other in earlier:
        shared = sorted(set(v.processes) & set(other.processes))
        if shared and other.path == v.path:
            problems.append(
                At(
                    (*path, "path"),
                    f"volume {other.name!r} is already mounted at {v.path} in process "
                    f"{shared[0]!r}; a container takes one volume per path: give each its own",
                )
            )
    return problems


def _dotted_key(key: str) -> str:
    """storage.buckets.1.env.bucket -> storage.buckets[1].env.bucket, as errors print keys."""
    return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", key)


@dataclass(frozen=True)
class DerivedEnv:
    """One value the program derives (a URL, a key, a bucket name) and the env name it gets."""

    name: str
    key: str  # the infera.yaml key that names it, e.g. database.env.url
    secret: bool
    # The same value may be delivered under one name by several keys (GCS HMAC credentials).
    shared: bool = False


def _reserved_reason(provider: str | None, name: str) -> str | None:
    """Why the platform keeps `name` for itself, or None."""
    if provider == "gcp" and name in limits.CLOUD_RUN_RESERVED_ENV:
        return f"{name} is reserved by Cloud Run and set by the platform"
    if provider == "fly" and name in limits.FLY_RESERVED_ENV:
        return (
            f"{name} is reserved: Fly sets it in every machine; read Fly's value in the app "
            "instead of setting one"
        )
    for prefix in limits.RESERVED_ENV_PREFIXES.get(str(provider), ()):
        if name.startswith(prefix):
            return f"{name} is reserved: {provider} sets names starting with {prefix}"
    return None


def _program_env_problem(
    provider: str | None, name: str, overrides: Overrides, where: str
) -> str | None:
    """Why the app may not set `name` itself (under `where`), naming the key to use instead."""
    if name in limits.KEYED_ENV:
        key = limits.KEYED_ENV[name]
        return f"{name} is set by this program from {key}; set {key} instead"
    if name in limits.FIXED_ENV:
        return f"{name} is set by this program ({limits.FIXED_ENV[name]}); remove it"
    if provider != "fly" or name not in limits.FLY_CLUSTER_ENV:
        return None  # on Cloud Run nothing sets the Fly clustering names
    if where == "env_vars" and name in overrides.program_env:
        return None
    how = limits.FLY_CLUSTER_ENV[name]
    if where == "secrets":
        return (
            f"{name} is {how}; to set your own value, put {name} under env_vars and add "
            f"`overrides.program_env.{name}: <why>`"
        )
    return f"{name} is {how}; to set your own value, add `overrides.program_env.{name}: <why>`"


def _section_choices(section: str) -> tuple[str, ...]:
    return {
        "database": ("fly-postgres", "fly-mpg", "cloud-sql"),
        "cache": ("upstash", "memorystore"),
        "storage": ("tigris", "gcs"),
    }[section]


__all__ = ["InferaConfig"]
