"""The policy checks, as pure functions over registered resources.

Owns what each rule means and how it reads GCP and Fly resource shapes. A resource is the dict
`phxstack plan --json` prints: `{"urn", "type", "name", "parent", "custom", "protect",
"inputs", "dependencies"}`, with inputs under Pulumi's wire (camelCase) names, `"[secret]"` for a
secret and `"[unknown]"` for a value known only after apply. `phxstack plan` runs these over what
it recorded; the CrossGuard pack (`policy/__main__.py`) converts the engine's resources to the
same shape and runs the same functions.

This module imports nothing from the project or from pulumi_policy: the pack runs in its own
virtualenv with only `policy/` on the path. An unknown value never counts as a violation; the
rule is then checked by the real `pulumi preview`/`up`, where more is known.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

try:
    from policy import cloud_sql
except ImportError:  # run by the Pulumi CLI from inside policy/, where the project is not installed
    import cloud_sql  # type: ignore[no-redef]

Resource = Mapping[str, Any]
Enforcement = Literal["mandatory", "advisory"]

SECRET = "[secret]"
UNKNOWN = "[unknown]"
PRODUCTION_STACKS = ("prod", "production")

CLOUD_RUN_SERVICE = "gcp:cloudrunv2/service:Service"
CLOUD_RUN_JOB = "gcp:cloudrunv2/job:Job"
LOCAL_COMMAND = "command:local:Command"
CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance"
CLOUD_SQL_DATABASE = "gcp:sql/database:Database"
MEMORYSTORE = "gcp:redis/instance:Instance"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
FLY_PREFIX = "pulumi-python:dynamic/fly:"

STATEFUL_TYPES = frozenset(
    {
        CLOUD_SQL,
        CLOUD_SQL_DATABASE,
        MEMORYSTORE,
        GCS_BUCKET,
        f"{FLY_PREFIX}Postgres",
        f"{FLY_PREFIX}Redis",
        f"{FLY_PREFIX}Storage",
    }
)
# Cloud SQL modes that refuse unencrypted connections (sslMode, pulumi-gcp 10).
SSL_MODES = frozenset({"ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"})
OPEN_NETWORKS = frozenset({"0.0.0.0/0", "::/0"})
PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
# Cloud Run's request timeout when none is set; a LiveView socket is one request.
CLOUD_RUN_DEFAULT_TIMEOUT_S = 300.0
LIVEVIEW_MIN_TIMEOUT_S = 3600.0  # Cloud Run's maximum, what a long-lived socket needs
# The seed's config/runtime.exs: `POOL_SIZE || "10"`.
SEED_POOL_SIZE = 10
DEFAULT_COMPUTE_SA = re.compile(r"-compute@developer\.gserviceaccount\.com$")
# Values the seed's runtime.exs falls back to, which break asset URLs and check_origin.
PLACEHOLDER_HOSTS = frozenset({"example.com", "localhost", "127.0.0.1"})
# Names the program always supplies from a secret store; in plain env they leak the value.
KNOWN_SECRET_NAMES = frozenset(
    {"SECRET_KEY_BASE", "RELEASE_COOKIE", "DATABASE_URL", "REDIS_URL", "AWS_SECRET_ACCESS_KEY"}
)
_SECRETISH_NAME = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|COOKIE)"
)
_SECRET_VALUE = re.compile(
    r"^([a-z][a-z0-9+.-]*://[^/\s:@]*:[^@\s]+@"  # a URL with a password
    r"|AKIA[0-9A-Z]{16}$"
    r"|(sk|rk)_(live|test)_[0-9A-Za-z]{10,}$"  # Stripe
    r"|gh[pousr]_[0-9A-Za-z]{30,}$"  # GitHub
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|FlyV1 )"
)


@dataclass(frozen=True)
class Context:
    """What a rule needs to know beyond the resources: the stack, and the configured values."""

    stack: str
    production: bool | None = None  # None: decided by the stack name
    health_check_path: str = "/health"
    # deployment.health_check.type: http, tcp (a TCP startup probe is the check) or none.
    health_check_type: str = "http"
    min_pool_size: int = SEED_POOL_SIZE
    liveview: bool = True
    # infera.yaml `overrides.policies`: policy name -> the reason it is not checked.
    overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        if self.production is not None:
            return self.production
        return self.stack in PRODUCTION_STACKS

    @property
    def enforcement(self) -> Enforcement:
        return "mandatory" if self.is_production else "advisory"


@dataclass(frozen=True)
class Finding:
    """One broken rule on one resource (or on the stack, when `resource` is None)."""

    resource: Resource | None
    message: str


Check = Callable[[Sequence[Resource], Context], list[Finding]]


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    check: Check


# ---- reading resources ------------------------------------------------------------------------


def _known(value: Any) -> bool:
    return value not in (UNKNOWN, None)


def _of_type(resources: Iterable[Resource], *types: str) -> list[Resource]:
    return [r for r in resources if r.get("type") in types]


def _fly(resources: Iterable[Resource], kind: str) -> list[Resource]:
    return _of_type(resources, f"{FLY_PREFIX}{kind}")


def _get(value: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(key, int):
            if not isinstance(value, list) or len(value) <= key:
                return None
            value = value[key]
        else:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
    return value


def _containers(r: Resource) -> list[Mapping[str, Any]]:
    if r["type"] == CLOUD_RUN_JOB:
        found = _get(r["inputs"], "template", "template", "containers")
    else:
        found = _get(r["inputs"], "template", "containers")
    return [c for c in found or [] if isinstance(c, Mapping)]


def _envs(r: Resource) -> list[Mapping[str, Any]]:
    return [e for c in _containers(r) for e in c.get("envs") or [] if isinstance(e, Mapping)]


def _env(r: Resource, name: str) -> Mapping[str, Any] | None:
    return next((e for e in _envs(r) if e.get("name") == name), None)


def _fly_tomls(resources: Iterable[Resource]) -> list[tuple[Resource, dict[str, Any]]]:
    """Every fly.toml carried by a Fly resource's inputs, parsed."""
    found = []
    for r in resources:
        if not str(r.get("type", "")).startswith(FLY_PREFIX):
            continue
        for value in (r.get("inputs") or {}).values():
            if not isinstance(value, str) or "primary_region" not in value:
                continue
            try:
                doc = tomllib.loads(value)
            except tomllib.TOMLDecodeError:
                continue
            if "app" in doc:
                found.append((r, doc))
    return found


def _fly_checks(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    checks = list(_get(doc, "http_service", "checks") or [])
    for service in doc.get("services") or []:
        checks += service.get("http_checks") or []
    return [c for c in checks if isinstance(c, Mapping)]


def _fly_min_running(doc: Mapping[str, Any]) -> int | None:
    value = _get(doc, "http_service", "min_machines_running")
    if value is None:
        value = _get(doc, "services", 0, "min_machines_running")
    return value if isinstance(value, int) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _seconds(value: Any) -> float | None:
    """A protobuf duration as the API writes it, e.g. '3600s' or '3.5s'."""
    if isinstance(value, str) and value.endswith("s"):
        return _number(value[:-1])
    return _number(value)


def _descendants(resources: Sequence[Resource], urns: set[str]) -> set[str]:
    """`urns` plus every resource parented (transitively) under them."""
    out = set(urns)
    grew = True
    while grew:
        grew = False
        for r in resources:
            if r.get("parent") in out and r["urn"] not in out:
                out.add(r["urn"])
                grew = True
    return out


def _depends_on(resources: Sequence[Resource], r: Resource, target: Resource) -> bool:
    """Whether `r` waits for `target`: through its own dependencies, transitively."""
    by_urn = {x["urn"]: x for x in resources}
    seen: set[str] = set()
    todo = list(r.get("dependencies") or [])
    while todo:
        urn = todo.pop()
        if urn in seen:
            continue
        seen.add(urn)
        if urn == target["urn"]:
            return True
        # A component dependency means all of its children.
        todo += [u for u in _descendants(resources, {urn}) if u != urn]
        todo += list((by_urn.get(urn) or {}).get("dependencies") or [])
    return False


def _entropy_bits_per_char(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def secret_reason(name: str, value: Any) -> str | None:
    """Why a plain env var looks like it carries a secret, or None."""
    if value == SECRET:
        return "its value is a Pulumi secret, stored in plain text in the resource"
    if not isinstance(value, str) or not _known(value):
        return None
    secret_name = name in KNOWN_SECRET_NAMES or _SECRETISH_NAME.search(name.upper())
    if secret_name and value not in ("", "true", "false"):
        return "its name says it holds a secret"
    if _SECRET_VALUE.search(value):
        return "its value looks like a credential"
    dense = len(value) >= 32 and not any(ch.isspace() for ch in value)
    if dense and "/" not in value and value.count(".") < 2 and _entropy_bits_per_char(value) >= 4:
        return "its value is a long random token"
    return None


# ---- the rules --------------------------------------------------------------------------------


def database_ssl(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    out = []
    for r in _of_type(resources, CLOUD_SQL):
        ip = _get(r["inputs"], "settings", "ipConfiguration") or {}
        mode = ip.get("sslMode")
        if mode == UNKNOWN or ip.get("requireSsl") is True:
            continue
        if mode not in SSL_MODES:
            out.append(
                Finding(
                    r,
                    f"sslMode is {mode or 'unset'}; set settings.ipConfiguration.sslMode to "
                    "ENCRYPTED_ONLY so unencrypted connections are refused",
                )
            )
    # Fly: Managed Postgres only accepts TLS. The unmanaged cluster is reached over Fly's
    # private network, which WireGuard encrypts, so plain text never leaves it unless the
    # cluster gets a public IP (fly.md: `postgres attach` writes sslmode=disable for .flycast).
    clusters = {r["inputs"].get("name"): r for r in _fly(resources, "Postgres")}
    for ip in _fly(resources, "Ip"):
        cluster = clusters.get(ip["inputs"].get("app"))
        if cluster is not None and ip["inputs"].get("kind") != "private_v6":
            out.append(
                Finding(
                    ip,
                    f"public IP on Postgres {cluster['inputs'].get('name')}, which does not "
                    "require TLS; reach it over the private network",
                )
            )
    return out


def stateful_protected(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    if not ctx.is_production:
        return []  # dev and staging stay destroyable on purpose
    return [
        Finding(r, "stateful resource is not protected; `pulumi destroy` would delete its data")
        for r in resources
        if r.get("type") in STATEFUL_TYPES and not r.get("protect")
    ]


def health_check(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    want = ctx.health_check_path
    out = []
    for r in _of_type(resources, CLOUD_RUN_SERVICE):
        for c in _containers(r):
            # The startup probe gates traffic and checks the configured (deep) path; an app
            # configured for a TCP check (no health route) needs the TCP probe instead, and
            # one configured for none keeps Cloud Run's own (validate warns in production).
            path = _get(c, "startupProbe", "httpGet", "path")
            if ctx.health_check_type == "tcp":
                if _get(c, "startupProbe", "tcpSocket") is None:
                    out.append(Finding(r, f"container {c.get('name')!r} has no TCP startupProbe"))
            elif ctx.health_check_type == "none":
                pass
            elif path is None:
                out.append(Finding(r, f"container {c.get('name')!r} has no HTTP startupProbe"))
            elif _known(path) and path != want:
                out.append(Finding(r, f"startupProbe checks {path!r}, not {want!r}"))
            # A liveness probe restarts the instance: on the deep path, a database outage
            # restarts every instance. Shallow path, or none.
            live = _get(c, "livenessProbe", "httpGet", "path")
            if _known(live) and live == want:
                out.append(
                    Finding(
                        r,
                        f"livenessProbe checks {want!r}, the startup probe's path: a dependency "
                        "outage restarts every instance; set "
                        "deployment.health_check.liveness.path to a shallow route, or type: none",
                    )
                )
    for r, doc in _fly_tomls(resources):
        checks = _fly_checks(doc)
        # As on Cloud Run, the check the config asks for: tcp is the web service's
        # [[services.tcp_checks]] (no path to compare), none is none.
        if ctx.health_check_type == "none":
            continue
        if ctx.health_check_type == "tcp":
            services = [s for s in doc.get("services") or [] if isinstance(s, Mapping)]
            if not any(s.get("tcp_checks") for s in services):
                out.append(Finding(r, "fly.toml has no TCP health check"))
            continue
        if not checks:
            out.append(Finding(r, "fly.toml has no HTTP health check"))
        for chk in checks:
            if chk.get("path") != want:
                out.append(
                    Finding(r, f"fly.toml health check is {chk.get('path')!r}, not {want!r}")
                )
    return out


def pool_size(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    has_db = bool(_of_type(resources, CLOUD_SQL) or _fly(resources, "Postgres"))
    if not has_db:
        return []
    out = []

    def judge(r: Resource, raw: Any) -> None:
        if raw is None:
            size: float | None = SEED_POOL_SIZE
        else:
            size = _number(raw)
        if size is not None and size < ctx.min_pool_size:
            out.append(
                Finding(r, f"POOL_SIZE is {raw or SEED_POOL_SIZE}, below {ctx.min_pool_size}")
            )

    for r in _of_type(resources, CLOUD_RUN_SERVICE):
        env = _env(r, "POOL_SIZE")
        judge(r, None if env is None else env.get("value"))
    for r, doc in _fly_tomls(resources):
        judge(r, _get(doc, "env", "POOL_SIZE"))
    return out


def machine_count(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    need = 2 if ctx.is_production else 1
    why = "in production (one machine is a single point of failure)" if need == 2 else ""
    out = []

    def judge(r: Resource, count: Any) -> None:
        n = _number(count)
        if n is not None and n < need:
            msg = f"{int(n)} instance(s) always running; need at least {need} {why}"
            out.append(Finding(r, msg.rstrip()))

    for r in _of_type(resources, CLOUD_RUN_SERVICE):
        judge(r, _get(r["inputs"], "template", "scaling", "minInstanceCount") or 0)
    scales = _fly(resources, "Scale")
    # The web process's machines, over every region (one Scale each); other process groups
    # serve no traffic, so redundancy is not judged for them.
    web = [r for r in scales if not r["inputs"].get("process_group")]
    counts = [r["inputs"].get("count") for r in web]
    if web:
        known = [_number(c) for c in counts]
        judge(web[0], sum(n for n in known if n is not None) if None not in known else None)
    if not scales:
        for r, doc in _fly_tomls(resources):
            judge(r, _fly_min_running(doc))
    return out


def cache_for_instances(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    if _of_type(resources, MEMORYSTORE):
        return []
    out = []
    for r in _of_type(resources, CLOUD_RUN_SERVICE):
        scaling = _get(r["inputs"], "template", "scaling") or {}
        most = _number(scaling.get("maxInstanceCount"))
        least = _number(scaling.get("minInstanceCount")) or 0
        if most is None and scaling.get("maxInstanceCount") == UNKNOWN:
            continue
        # Cloud Run's own ceiling without maxInstanceCount is 100.
        if max(most if most is not None else 100, least) > 1 and _env(r, "REDIS_URL") is None:
            out.append(
                Finding(
                    r,
                    "more than one instance but no Redis: PubSub and LiveView broadcasts stay on "
                    "one instance; add `cache:` to infera.yaml",
                )
            )
    return out


def no_plaintext_secrets(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    out = []
    for r in _of_type(resources, CLOUD_RUN_SERVICE, CLOUD_RUN_JOB):
        for e in _envs(r):
            if "value" not in e:
                continue
            reason = secret_reason(str(e.get("name")), e["value"])
            if reason:
                out.append(Finding(r, f"env var {e.get('name')} is plain text and {reason}"))
    for r, doc in _fly_tomls(resources):
        for name, value in (doc.get("env") or {}).items():
            reason = secret_reason(name, value)
            if reason:
                out.append(Finding(r, f"fly.toml [env] {name} is plain text and {reason}"))
    return out


def database_not_open(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    out = []
    for r in _of_type(resources, CLOUD_SQL):
        ip = _get(r["inputs"], "settings", "ipConfiguration") or {}
        if ip.get("ipv4Enabled") is False:
            continue
        open_to = [
            n.get("value") for n in ip.get("authorizedNetworks") or [] if isinstance(n, Mapping)
        ]
        bad = sorted(v for v in open_to if v in OPEN_NETWORKS)
        if bad:
            out.append(
                Finding(
                    r, f"public IP with authorized network {', '.join(bad)}: open to the internet"
                )
            )
    return out


def bucket_not_public(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    out = []
    for r in _of_type(resources, GCS_BUCKET):
        prevention = r["inputs"].get("publicAccessPrevention")
        if prevention not in ("enforced", UNKNOWN):
            out.append(
                Finding(r, "publicAccessPrevention is not 'enforced'; a grant can make it public")
            )
    for r in resources:
        if not str(r.get("type", "")).startswith("gcp:storage/"):
            continue
        inputs = r.get("inputs") or {}
        members = [inputs.get("member"), inputs.get("entity"), *(inputs.get("members") or [])]
        if any(m in PUBLIC_MEMBERS for m in members) or str(
            inputs.get("predefinedAcl", "")
        ).startswith("public"):
            out.append(Finding(r, "grants access to allUsers/allAuthenticatedUsers"))
    return out


def runtime_service_account(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    out = []
    for r in _of_type(resources, CLOUD_RUN_SERVICE, CLOUD_RUN_JOB):
        template = _get(r["inputs"], "template")
        if r["type"] == CLOUD_RUN_JOB:
            template = _get(template, "template")
        account = _get(template, "serviceAccount")
        if not account:
            out.append(Finding(r, "no serviceAccount: runs as the default compute account"))
        elif isinstance(account, str) and DEFAULT_COMPUTE_SA.search(account):
            out.append(Finding(r, f"runs as the default compute account {account}"))
    return out


def liveview_timeout(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    if not ctx.liveview:
        return []
    out = []
    for r in _of_type(resources, CLOUD_RUN_SERVICE):
        raw = _get(r["inputs"], "template", "timeout")
        seconds = CLOUD_RUN_DEFAULT_TIMEOUT_S if raw is None else _seconds(raw)
        if seconds is not None and seconds < LIVEVIEW_MIN_TIMEOUT_S:
            out.append(
                Finding(
                    r,
                    f"request timeout is {raw or '300s (default)'}; LiveView sockets are cut "
                    "then: set 3600s",
                )
            )
    return out


def _flag(instance: Resource, name: str) -> Any:
    flags = _get(instance["inputs"], "settings", "databaseFlags") or []
    values = [f.get("value") for f in flags if isinstance(f, Mapping) and f.get("name") == name]
    return values[0] if values else None


def connection_budget(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    """Every instance's pools at full scale, plus a rollout's new instances and the migrations
    job, fit in Cloud SQL's `max_connections` (a database flag, else the tier's default)."""
    out = []
    services = _of_type(resources, CLOUD_RUN_SERVICE)
    for sql in _of_type(resources, CLOUD_SQL):
        tier = _get(sql["inputs"], "settings", "tier")
        flagged = _number(_flag(sql, "max_connections"))
        limit = int(flagged) if flagged is not None else None
        if limit is None and isinstance(tier, str) and _known(tier):
            limit = cloud_sql.max_connections(tier)
        if limit is None or not services:
            continue
        pools, instances, surge = [], 0, 0
        for s in services:
            env = _env(s, "POOL_SIZE")
            pool = _number(env.get("value")) if env is not None else SEED_POOL_SIZE
            scaling = _get(s["inputs"], "template", "scaling") or {}
            most = _number(scaling.get("maxInstanceCount", 100))  # Cloud Run's default ceiling
            least = _number(scaling.get("minInstanceCount", 0))
            if pool is None or most is None or least is None:
                break  # unknown until apply: the real preview checks it
            pools.append(int(pool))
            instances += int(most)
            surge += max(int(least), 1)
        else:
            migrations = any(_runs_migrate(j) for j in _of_type(resources, CLOUD_RUN_JOB))
            budget = cloud_sql.ConnectionBudget(
                tier=str(tier),
                max_connections=limit,
                pool_size=max(pools),
                max_instances=instances,
                surge=surge,
                migrations=cloud_sql.MIGRATION_POOL if migrations else 0,
            )
            if budget.exceeded:
                out.append(Finding(sql, budget.message()))
    return out


def _runs_migrate(job: Resource) -> bool:
    for c in _containers(job):
        words = [*(c.get("commands") or []), *(c.get("args") or [])]
        if any(isinstance(w, str) and "migrate" in w for w in words):
            return True
    return False


def _executions(resources: Sequence[Resource], job: Resource) -> list[Resource]:
    """Commands that execute `job` during a deploy (`gcloud run jobs execute <job> ... --wait`)."""
    found = []
    name = job["inputs"].get("name")
    for c in _of_type(resources, LOCAL_COMMAND):
        create = c["inputs"].get("create")
        named = isinstance(create, str) and "run jobs execute" in create and str(name) in create
        if named or (create == UNKNOWN and _depends_on(resources, c, job)):
            found.append(c)
    return found


def migrations_before_traffic(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    out = []
    services = _of_type(resources, CLOUD_RUN_SERVICE)
    if _of_type(resources, CLOUD_SQL) and services:
        jobs = [j for j in _of_type(resources, CLOUD_RUN_JOB) if _runs_migrate(j)]
        if not jobs:
            out += [Finding(s, "no Cloud Run job runs the release's migrations") for s in services]
        for job in jobs:
            # Either a command executes the job, or Cloud Run does on create/update (a token).
            runs = _executions(resources, job)
            token = job["inputs"].get("runExecutionToken") or job["inputs"].get(
                "startExecutionToken"
            )
            if not runs and not token:
                out.append(
                    Finding(job, "the migrations job is created but never executed by a deploy")
                )
            for s in services:
                waits = all(_depends_on(resources, s, r) for r in runs) if runs else None
                if not (waits if runs else _depends_on(resources, s, job)):
                    out.append(Finding(s, f"does not wait for the migrations job {job['name']}"))
    if _fly(resources, "Postgres"):
        for r, doc in _fly_tomls(resources):
            if not _get(doc, "deploy", "release_command"):
                out.append(Finding(r, "fly.toml has no [deploy] release_command to migrate"))
    return out


def phx_host(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    out = []

    def judge(r: Resource, value: Any, where: str) -> None:
        if value is None or value == "":
            out.append(Finding(r, f"PHX_HOST is not set in {where}"))
        elif isinstance(value, str) and value in PLACEHOLDER_HOSTS:
            out.append(Finding(r, f"PHX_HOST is {value!r} in {where}, not the app's host"))

    for r in _of_type(resources, CLOUD_RUN_SERVICE):
        env = _env(r, "PHX_HOST")
        value = None if env is None else env.get("value", env.get("valueSource"))
        judge(r, value, "the service's env")
    for r, doc in _fly_tomls(resources):
        judge(r, _get(doc, "env", "PHX_HOST"), "fly.toml [env]")
    return out


def secret_key_base(resources: Sequence[Resource], ctx: Context) -> list[Finding]:
    out = [
        Finding(r, "SECRET_KEY_BASE is not in the service's env; the release will not boot")
        for r in _of_type(resources, CLOUD_RUN_SERVICE)
        if _env(r, "SECRET_KEY_BASE") is None
    ]
    apps = _fly(resources, "App")
    if apps:
        stores = [r["inputs"].get("values") for r in _fly(resources, "Secrets")]
        # Under `plan` the whole map is one secret, so its names cannot be read; the engine
        # hands the pack the plain map, where they can.
        opaque = any(v in (SECRET, UNKNOWN) for v in stores)
        carried = any(isinstance(v, Mapping) and "SECRET_KEY_BASE" in v for v in stores)
        in_env = any("SECRET_KEY_BASE" in (d.get("env") or {}) for _, d in _fly_tomls(resources))
        if not (opaque or carried or in_env):
            out += [Finding(a, "SECRET_KEY_BASE is not among the app's secrets") for a in apps]
    return out


# ---- the pack ---------------------------------------------------------------------------------

POLICIES: tuple[Policy, ...] = (
    Policy(
        "database-ssl-required",
        "The database refuses unencrypted connections (seed Common Mistake 6: no SSL).",
        database_ssl,
    ),
    Policy(
        "stateful-resources-protected",
        "In production, databases, caches and buckets are protected from `pulumi destroy`.",
        stateful_protected,
    ),
    Policy(
        "health-check-configured",
        "HTTP health checks exist and hit the configured path (seed Best Practice 4, Common "
        "Mistake 3: wrong health check).",
        health_check,
    ),
    Policy(
        "database-pool-size",
        "The Ecto pool is not below the minimum (seed Best Practice 8, Common Mistake 5: small "
        "pool size).",
        pool_size,
    ),
    Policy(
        "database-connection-budget",
        "Every pool at full scale, a rollout's new instances and the migrations fit in Cloud "
        "SQL's max_connections (seed Common Mistake 5: connection exhaustion).",
        connection_budget,
    ),
    Policy(
        "machine-count",
        "At least one instance always runs, and at least 2 in production (seed Common Mistake "
        "1: no clustering; its sample runs 2).",
        machine_count,
    ),
    Policy(
        "cache-for-multiple-instances",
        "More than one Cloud Run instance needs Redis for PubSub (seed Best Practice 2, Common "
        "Mistake 2: missing PubSub).",
        cache_for_instances,
    ),
    Policy(
        "no-plaintext-secret-env",
        "No secret is in a plain env var; secrets come from the secret store (seed: "
        "--set-secrets).",
        no_plaintext_secrets,
    ),
    Policy(
        "database-not-open",
        "No public database IP with authorized networks open to the internet.",
        database_not_open,
    ),
    Policy(
        "bucket-not-public",
        "The uploads bucket is not public and enforces public access prevention.",
        bucket_not_public,
    ),
    Policy(
        "runtime-service-account",
        "The app runs as its own service account, not the default compute account.",
        runtime_service_account,
    ),
    Policy(
        "liveview-request-timeout",
        "With LiveView, Cloud Run's request timeout is at least 3600s (seed Best Practice 1: use "
        "LiveView).",
        liveview_timeout,
    ),
    Policy(
        "migrations-before-traffic",
        "Migrations run before new code takes traffic (seed Common Mistake 4: no release "
        "migrations).",
        migrations_before_traffic,
    ),
    Policy(
        "phx-host-set",
        "PHX_HOST is set to the app's host (seed Common Mistake 8: wrong PHX_HOST).",
        phx_host,
    ),
    Policy(
        "secret-key-base-present",
        "SECRET_KEY_BASE reaches the app (seed Common Mistake 7: missing SECRET_KEY_BASE).",
        secret_key_base,
    ),
)
POLICY_NAMES = tuple(p.name for p in POLICIES)
# Policies that protect a secret's value or the data: infera.yaml's `overrides.policies` cannot
# turn them off (each with the reason the refusal gives).
PROTECTED_POLICIES: dict[str, str] = {
    "database-ssl-required": "it keeps database traffic encrypted",
    "stateful-resources-protected": "it keeps production data from being deleted or replaced",
    "no-plaintext-secret-env": "it keeps secret values out of plain env and state",
    "database-not-open": "it keeps the database off the open internet",
    "bucket-not-public": "it keeps stored objects private",
    "runtime-service-account": "it keeps the app from running with the project's editor rights",
    "secret-key-base-present": "the release cannot boot without SECRET_KEY_BASE",
}


# ---- the pack's config ------------------------------------------------------------------------
#
# CrossGuard cannot read infera.yaml, so what `Context` carries reaches the pack as policy config
# (`--policy-pack-config`), written from the same validated config `phxstack plan` uses. Every
# policy takes `production`; the rest belong to the policy that reads them.

_PRODUCTION_PROPERTY = {
    "production": {
        "type": "boolean",
        "description": "infera.yaml `production`; unset: the stack is named prod or production",
    }
}
_OWN_PROPERTIES: dict[str, dict[str, dict[str, Any]]] = {
    "health-check-configured": {
        "path": {"type": "string", "default": "/health", "description": "health_check.path"},
        "type": {
            "type": "string",
            "enum": ["http", "tcp", "none"],
            "default": "http",
            "description": "health_check.type",
        },
    },
    "database-pool-size": {"minimum": {"type": "integer", "default": SEED_POOL_SIZE, "minimum": 1}},
    "liveview-request-timeout": {"liveView": {"type": "boolean", "default": True}},
}


_OVERRIDE_PROPERTY = {
    "overrideReason": {
        "type": "string",
        "description": "infera.yaml `overrides.policies` reason; with enforcementLevel "
        "disabled, the policy is not checked",
    }
}


def config_schema(policy: str) -> dict[str, dict[str, Any]]:
    """The JSON Schema properties of one policy's config."""
    own = {**_PRODUCTION_PROPERTY, **_OWN_PROPERTIES.get(policy, {})}
    return own if policy in PROTECTED_POLICIES else {**own, **_OVERRIDE_PROPERTY}


def context_from_config(
    stack: str, config: Mapping[str, Any], policy: str | None = None
) -> Context:
    """The context one policy's config describes; what it leaves out falls back to defaults."""
    production = config.get("production")
    reason = config.get("overrideReason")
    overridden = (
        policy is not None
        and policy not in PROTECTED_POLICIES
        and isinstance(reason, str)
        and bool(reason.strip())
    )
    return Context(
        stack=stack,
        production=production if isinstance(production, bool) else None,
        health_check_path=str(config.get("path", "/health")),
        health_check_type=str(config.get("type", "http")),
        min_pool_size=int(config.get("minimum", SEED_POOL_SIZE)),
        liveview=bool(config.get("liveView", True)),
        overrides={policy: str(reason)} if overridden and policy is not None else {},
    )


def pack_config(ctx: Context) -> dict[str, dict[str, Any]]:
    """A `--policy-pack-config` document that makes the pack judge exactly as `ctx` does.

    `enforcementLevel` is set on every policy because the engine settles enforcement before the
    pack sees its config; the pack's own default follows only the stack name.
    """
    values = {
        "path": ctx.health_check_path,
        "type": ctx.health_check_type,
        "minimum": ctx.min_pool_size,
        "liveView": ctx.liveview,
    }
    out: dict[str, dict[str, Any]] = {}
    for name in POLICY_NAMES:
        out[name] = {
            "enforcementLevel": ctx.enforcement,
            "production": ctx.is_production,
            **{k: values[k] for k in _OWN_PROPERTIES.get(name, {})},
        }
        if name in ctx.overrides and name not in PROTECTED_POLICIES:
            # The engine skips a disabled policy; the reason travels with it for the record.
            out[name] |= {"enforcementLevel": "disabled", "overrideReason": ctx.overrides[name]}
    return out


def violations(resources: Sequence[Resource], ctx: Context) -> list[dict[str, Any]]:
    """Every broken rule as `plan --json` prints it: policy, enforcement, resource, urn, message."""
    return [
        {
            "policy": p.name,
            "enforcement": ctx.enforcement,
            "resource": f.resource["name"] if f.resource is not None else "(stack)",
            "urn": f.resource["urn"] if f.resource is not None else None,
            "message": f.message,
        }
        for p in POLICIES
        if p.name not in ctx.overrides or p.name in PROTECTED_POLICIES
        for f in p.check(resources, ctx)
    ]
