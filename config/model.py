"""The infera.yaml schema: pydantic models, provider defaults, and cross-field rules.

Owns what a valid configuration is. Reading YAML, merging environments and rendering errors with
file positions belong to `config.loader`; the facts about providers live in `config.limits`.
Every field has a one-line description and a default, which the exported JSON Schema carries.
"""

from __future__ import annotations

import re
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
    DERIVED_SECRETS,
    GENERATED_SECRETS,
    SECRET_NAME_RE,
    looks_like_secret_value,
    secret_name_problem,
)
from config.units import format_duration, format_size, parse_duration_s, parse_size_mib


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


class _Model(BaseModel):
    # strict: pydantic's lax mode reads `count: true` as 1 and `public: "no"` as False; YAML
    # already gives real numbers and booleans, so anything else is a mistake worth reporting.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)


class Framework(_Model):
    """The framework the app is built with; only Phoenix is supported."""

    name: Literal["phoenix"] = Field("phoenix", description="The web framework; only 'phoenix'.")
    version: str = Field(
        "1.7",
        pattern=r"^1\.([7-9]|[1-9]\d)(\.\d+)?$",
        description="Phoenix version, e.g. '1.7' (1.7 or later: releases need phx.gen.release).",
    )
    elixir_version: str = Field(
        "1.16",
        pattern=r"^\d+\.\d+(\.\d+)?$",
        description="Elixir version the release is built with, e.g. '1.16'.",
    )


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


class HealthCheck(_Model):
    """The HTTP check that tells the platform an instance is ready and alive."""

    path: str = Field(
        "/health", pattern=r"^/", description="HTTP path that returns 200 when healthy."
    )
    # Whole seconds at least: Cloud Run probes count in seconds, and a sub-second Fly check
    # would be rendered as "0s".
    interval: Duration = Field(10.0, ge=1, description="Time between checks, e.g. '10s'.")
    timeout: Duration = Field(2.0, ge=1, description="How long one check may take, e.g. '2s'.")
    grace_period: Duration = Field(
        10.0, ge=0, description="Time after start before failures count, e.g. '10s'."
    )

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
        False, description="A standby in another zone (Cloud SQL REGIONAL, Fly 2-node cluster)."
    )
    private_ip: bool = Field(
        False, description="GCP: reach Cloud SQL over private services access, not the connector."
    )
    # The plans `mpg create --plan` finds; flyctl turns any other name into basic silently,
    # and its `performance` plan cannot be chosen from the CLI at all.
    plan: Literal["basic", "starter", "launch", "scale"] | None = Field(
        None,
        description="Fly Managed Postgres plan: basic, starter, launch, scale (default basic).",
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


class Storage(_Model):
    """Object storage for uploads."""

    provider: StorageProvider | None = Field(
        None, description="tigris (default on fly) or gcs (default on gcp)."
    )
    versioning: bool | None = Field(
        None, description="GCS: keep old object versions (default: on in production)."
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
    framework: Framework = Field(default_factory=Framework, description="Framework versions.")
    app: App = Field(default_factory=App, description="Source, Dockerfile or prebuilt image, port.")
    deployment: Deployment = Field(default_factory=Deployment, description="Runtime shape.")
    database: Database | None = Field(None, description="PostgreSQL; omit for none.")
    cache: Cache | None = Field(None, description="Redis for PubSub; omit for none.")
    storage: Storage | None = Field(None, description="Object storage; omit for none.")
    domain: str | None = Field(
        None, description="Custom host, e.g. 'app.example.com'; also sets PHX_HOST."
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
    environments: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-stack overlays, deep-merged over the rest of this file.",
    )

    # ---- normalisation before field validation -------------------------------------------

    @field_validator("env_vars", mode="before")
    @classmethod
    def _env_values_as_text(cls, v: Any) -> Any:
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
            elif name in limits.PROGRAM_ENV:
                problems.append(
                    At(
                        path,
                        f"{name} is set by this program; configure it through "
                        f"{limits.PROGRAM_ENV[name]} instead",
                    )
                )
            # A reserved name (FLY_API_TOKEN) is reported as reserved by the cross-field check;
            # "move it to secrets" would only lead to that same refusal.
            elif reason := (
                None if _reserved_reason(provider, name) else looks_like_secret_value(name, value)
            ):
                problems.append(
                    At(
                        path,
                        f"{name} looks like a secret ({reason}); list {name} under `secrets:` "
                        f"and set its value with `pulumi config set --secret {name}`",
                    )
                )
        _raise_all(problems)
        return v

    @field_validator("secrets")
    @classmethod
    def _secrets(cls, v: list[str]) -> list[str]:
        seen: set[str] = set()
        problems: list[At] = []
        for i, name in enumerate(v):
            problem = secret_name_problem(name)
            if problem:
                problems.append(At(("secrets", i), problem))
            elif name in seen:
                problems.append(At(("secrets", i), f"secret {name} is listed twice"))
            elif name in limits.PROGRAM_ENV:
                # The program's value would silently win over (or clash with) the secret's.
                problems.append(
                    At(
                        ("secrets", i),
                        f"{name} is set by this program; configure it through "
                        f"{limits.PROGRAM_ENV[name]} instead",
                    )
                )
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
            self._check_host_and_overlap,
        ):
            try:
                check()
            except At as exc:
                problems.append(exc)
        _raise_all(problems)
        return self

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
        if self.provider == "fly":
            size = limits.FLY_SIZES.get(m.cpu)
            if size is None:
                raise At(
                    "deployment.machines.cpu",
                    f"{m.cpu!r} is not a Fly size{did_you_mean(m.cpu, limits.FLY_SIZES)}",
                )
            if not size.min_memory_mib <= m.memory <= size.max_memory_mib:
                raise At(
                    "deployment.machines.memory",
                    f"{format_size(m.memory)} is outside what "
                    f"{size.name} allows ({format_size(size.min_memory_mib)} to "
                    f"{format_size(size.max_memory_mib)})",
                )
            if m.memory % limits.FLY_MEMORY_STEP_MIB:
                raise At(
                    "deployment.machines.memory",
                    f"Fly allocates memory in 256mb steps; {format_size(m.memory)} is not one",
                )
        else:
            if not m.cpu.isdigit() or int(m.cpu) not in limits.CLOUD_RUN_MEMORY_MIB:
                raise At(
                    "deployment.machines.cpu",
                    f"{m.cpu!r} is not a Cloud Run CPU count; use 1, 2, 4, 6 or 8",
                )
            low, high = limits.CLOUD_RUN_MEMORY_MIB[int(m.cpu)]
            if not low <= m.memory <= high:
                raise At(
                    "deployment.machines.memory",
                    f"{format_size(m.memory)} is outside what "
                    f"{m.cpu} vCPU allows on Cloud Run ({format_size(low)} to {format_size(high)})",
                )
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
    def phx_host(self) -> str | None:
        """The host Phoenix builds URLs for; None means the platform's default URL."""
        return self.domain or self.env_vars.get("PHX_HOST")

    def secret_kinds(self) -> dict[str, str]:
        """Each secret the app gets, mapped to generated / derived / supplied."""
        kinds: dict[str, str] = {}
        derived = self.derived_secrets()
        for name in GENERATED_SECRETS:
            kinds[name] = "generated"
        for name in derived:
            kinds[name] = "derived"
        for name in self.secrets:
            kinds.setdefault(name, "supplied")
        return kinds

    def derived_secrets(self) -> tuple[str, ...]:
        features = [
            section
            for section in ("database", "cache", "storage")
            if getattr(self, section) is not None
        ]
        for section in ("cache", "storage"):
            value = getattr(self, section)
            if value is not None:
                features.append(value.provider)  # memorystore's CA, tigris's credentials
        return tuple(name for f in features for name in DERIVED_SECRETS.get(f, ()))

    def supplied_secrets(self) -> list[str]:
        return [n for n, k in self.secret_kinds().items() if k == "supplied"]

    def warnings(self) -> list[tuple[str, str]]:
        """Advice that does not block a deploy, as (key path, message)."""
        out: list[tuple[str, str]] = []
        if self.provider == "gcp" and self.max_instances > 1 and self.cache is None:
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
        if self.is_production and self.deployment.machines.count < 2:
            out.append(
                (
                    "deployment.machines.count",
                    "production with fewer than 2 instances has no redundancy",
                )
            )
        return out


def _reserved_reason(provider: str | None, name: str) -> str | None:
    """Why the platform keeps `name` for itself, or None."""
    if provider == "gcp" and name in limits.CLOUD_RUN_RESERVED_ENV:
        return f"{name} is reserved by Cloud Run and set by the platform"
    for prefix in limits.RESERVED_ENV_PREFIXES.get(str(provider), ()):
        if name.startswith(prefix):
            return f"{name} is reserved: {provider} sets names starting with {prefix}"
    return None


def _section_choices(section: str) -> tuple[str, ...]:
    return {
        "database": ("fly-postgres", "fly-mpg", "cloud-sql"),
        "cache": ("upstash", "memorystore"),
        "storage": ("tigris", "gcs"),
    }[section]


__all__ = ["InferaConfig"]
