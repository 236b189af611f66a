"""From detected facts to an infera.yaml a person reviews: every decided key carries the signal
it came from (file:line), and every unclear one is written commented out with its question.

Owns the decisions `init` makes and the text it writes. Detection is `phxstack.adopt.detect`'s;
files and the command line are `phxstack.adopt.init`'s. A key the schema on this checkout does
not have yet is never invented: its line is written commented out, saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel

from config import limits
from config.model import InferaConfig
from config.secrets import (
    DERIVING_SECTION,
    GENERATED_SECRETS,
    looks_like_secret_value,
)
from phxstack.adopt.detect import (
    PLATFORM_ENV,
    PLATFORM_ENV_PREFIXES,
    STACK_ENV_ROLES,
    Detection,
    EnvRead,
    Fact,
)

# The order keys are written in, at each level (others follow in the order they were decided).
ORDER = (
    "project_name", "provider", "framework", "name", "version", "elixir_version", "app", "path",
    "dockerfile", "port", "build", "deployment", "type", "region", "machines", "cpu", "memory",
    "count", "health_check", "interval", "timeout", "grace_period", "method", "concurrency",
    "kill_timeout", "volumes", "processes", "migrations", "command", "database", "provider",
    "cache", "storage", "env_vars", "secrets",
)  # fmt: skip

# Where infera.yaml maps an env name the app reads for a role (`add_if_known` writes them
# commented out where the schema lacks them).
ENV_NAME_KEYS = {
    "database_url": "database.env.url",
    "database_host": "database.env.host",
    "database_port": "database.env.port",
    "database_name": "database.env.name",
    "database_user": "database.env.user",
    "database_password": "database.env.password",
    "redis_url": "cache.env.url",
}
# The env name the stack uses for each role when infera.yaml maps none (None: only when mapped).
DEFAULT_ENV_NAMES: dict[str, str | None] = {
    **STACK_ENV_ROLES,
    **dict.fromkeys(k for k in ENV_NAME_KEYS if k.startswith("database_") and k != "database_url"),
}


@dataclass
class Entry:
    """One key of the file: decided (written) or a question (written commented out)."""

    path: tuple[str, ...]
    value: Any
    why: str  # the signal: "file:line: what was seen", or the reason for a default
    decided: bool = True

    @property
    def top(self) -> str:
        return self.path[0]


@dataclass
class Decisions:
    provider: str
    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # comments written at the end
    supplied: list[str] = field(default_factory=list)  # secrets the user must set

    def add(self, path: str, value: Any, why: str) -> None:
        self.entries.append(Entry(tuple(path.split(".")), value, why))

    def ask(self, path: str, value: Any, question: str) -> None:
        self.entries.append(Entry(tuple(path.split(".")), value, question, decided=False))

    def add_if_known(self, path: str, value: Any, why: str) -> None:
        """Decide `path` when this checkout's schema has it and the provider builds it;
        otherwise write it commented out, saying which is missing."""
        if not schema_has(tuple(path.split("."))):
            self.ask(path, value, f"{why}; this version of infera.yaml has no `{path}` key yet")
        elif pending := not_built(self.provider, path):
            target = {"fly": "the Fly adapter", "gcp": "the GCP target"}[self.provider]
            self.ask(path, value, f"{why}; {target} does not build `{pending}` yet")
        else:
            self.add(path, value, why)

    @property
    def questions(self) -> list[Entry]:
        return [e for e in self.entries if not e.decided]


def not_built(provider: str, path: str) -> str | None:
    """The key covering `path` that `provider`'s adapter refuses for now, or None."""
    if provider == "fly":
        from components.fly.settings import NOT_YET
    else:
        from components.gcp.settings import NOT_YET
    for key in NOT_YET:
        if path == key or path.startswith(key + "."):
            return key
    return None


def schema_has(path: tuple[str, ...]) -> bool:
    """Whether infera.yaml's model on this checkout has the key at `path`."""
    model: type[BaseModel] | None = InferaConfig
    for part in path:
        if model is None or part not in model.model_fields:
            return False
        model = _nested_model(model.model_fields[part].annotation)
    return True


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation) if get_origin(annotation) is not None else ():
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def project_name_from(app: str) -> str:
    """`my_app` -> `my-app`: a Fly app name and Cloud Run service name (config.model's rule)."""
    name = re.sub(r"[^a-z0-9-]+", "-", app.lower()).strip("-")
    name = re.sub(r"-{2,}", "-", name)
    if not name or not name[0].isalpha():
        name = f"app-{name}".strip("-")
    return name[:30].rstrip("-")


def _sig(fact: Fact[Any]) -> str:
    return f"{fact.where}: {fact.detail}" if fact.detail else str(fact.where)


def decide(
    det: Detection,
    *,
    provider: str,
    app_path: str,
    name: str | None = None,
) -> Decisions:
    """Every key init writes for the app `det` read, on `provider`."""
    d = Decisions(provider)
    _identity(d, det, name)
    d.add("provider", provider, _provider_why(det, provider))
    _framework(d, det)
    d.add("app.path", app_path, "the repository init read")
    if det.port is not None:
        d.add("app.port", det.port.value, _sig(det.port))
    fly = det.fly_toml.data if det.fly_toml is not None and provider == "fly" else None
    _deployment(d, det, fly)
    _database(d, det)
    _cache(d, det)
    _storage(d, det)
    _env_and_secrets(d, det, fly)
    _notes(d, det)
    return d


def _identity(d: Decisions, det: Detection, name: str | None) -> None:
    if name:
        d.add("project_name", name, "--name")
        return
    fly_app = det.fly_toml.data.get("app") if det.fly_toml is not None else None
    if isinstance(fly_app, str) and fly_app:
        where = f"{det.fly_toml_file}:{det.fly_toml.line_of('app') if det.fly_toml else 1}"
        d.add("project_name", project_name_from(fly_app), f'{where}: app = "{fly_app}"')
    elif det.app is not None:
        d.add("project_name", project_name_from(det.app.value), _sig(det.app))
    else:
        d.ask("project_name", "my-app", "no mix.exs `app:` found; what is the app called?")


def _provider_why(det: Detection, provider: str) -> str:
    if det.fly_toml is not None and provider == "fly":
        return f"{det.fly_toml_file}:1: the app already has a fly.toml"
    return "--provider"


def _framework(d: Decisions, det: Detection) -> None:
    if det.phoenix is not None:
        if _accepted_phoenix(det.phoenix.value):
            d.add("framework.version", det.phoenix.value, _sig(det.phoenix))
        else:
            d.ask(
                "framework.version",
                det.phoenix.value,
                f"{_sig(det.phoenix)}: this program deploys Phoenix 1.5 or later; upgrade "
                "the app, or is this version right?",
            )
    else:
        d.ask("framework.version", "1.7", "no :phoenix dependency found in mix.exs; which Phoenix?")
    built = [f for f in det.elixir_sources if not f.where.file.endswith("mix.exs")]
    if det.elixir is not None and len({f.value for f in built}) <= 1:
        d.add("framework.elixir_version", det.elixir.value, _sig(det.elixir))
    elif det.elixir is not None:
        seen = ", ".join(f"{f.value} ({f.where})" for f in built)
        d.ask(
            "framework.elixir_version",
            det.elixir.value,
            f"the repo builds with different Elixir versions: {seen}; which one?",
        )


def _accepted_phoenix(version: str) -> bool:
    """Whether this checkout's schema takes `version` (it decides the floor, not init)."""
    from pydantic import ValidationError

    from config.model import Framework

    try:
        Framework(version=version)
    except ValidationError:
        return False
    return True


def _fly_size(vm: dict[str, Any]) -> str | None:
    if isinstance(vm.get("size"), str):
        return str(vm["size"])
    kind = vm.get("cpu_kind", "shared")
    cpus = vm.get("cpus", 1)
    name = f"{'shared-cpu' if kind == 'shared' else 'performance'}-{cpus}x"
    return name if name in limits.FLY_SIZES else None


def _deployment(d: Decisions, det: Detection, fly: dict[str, Any] | None) -> None:
    toml = det.fly_toml
    if fly is not None and toml is not None:
        where = det.fly_toml_file
        if isinstance(fly.get("primary_region"), str):
            region = fly["primary_region"]
            line = toml.line_of("primary_region")
            d.add("deployment.region", region, f'{where}:{line}: primary_region = "{region}"')
        vms = fly.get("vm") or []
        vm = vms[0] if isinstance(vms, list) and vms else vms if isinstance(vms, dict) else None
        if isinstance(vm, dict):
            line = toml.line_of("vm", 0)
            size = _fly_size(vm)
            if size:
                d.add("deployment.machines.cpu", size, f"{where}:{line}: [[vm]] {_vm_text(vm)}")
            if vm.get("memory") is not None:
                d.add("deployment.machines.memory", str(vm["memory"]), f"{where}:{line}: [[vm]]")
        service = fly.get("http_service")
        if isinstance(service, dict):
            if isinstance(service.get("min_machines_running"), int):
                n = service["min_machines_running"]
                line = toml.line_of("http_service", "min_machines_running")
                d.add(
                    "deployment.machines.count",
                    max(n, 1),
                    f"{where}:{line}: min_machines_running = {n}"
                    + (" (Fly here never stops machines, so at least 1)" if n < 1 else ""),
                )
            conc = service.get("concurrency")
            if isinstance(conc, dict):
                line = toml.line_of("http_service", "concurrency")
                for key in ("type", "soft_limit", "hard_limit"):
                    if key in conc:
                        d.add(f"deployment.concurrency.{key}", conc[key], f"{where}:{line}")
            checks = service.get("checks") or []
            if isinstance(checks, list) and checks and isinstance(checks[0], dict):
                _fly_check(d, det, checks[0], ("http_service", "checks", 0))
                return _rest_of_deployment(d, det, fly)
        # The older shape (the seed's): [[services]] with [[services.http_checks]].
        for i, svc in enumerate(fly.get("services") or []):
            checks = svc.get("http_checks") if isinstance(svc, dict) else None
            if isinstance(checks, list) and checks and isinstance(checks[0], dict):
                _fly_check(d, det, checks[0], ("services", i, "http_checks", 0))
                return _rest_of_deployment(d, det, fly)
    _health(d, det)
    _rest_of_deployment(d, det, fly)
    return None


def _vm_text(vm: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in vm.items())


def _fly_check(d: Decisions, det: Detection, check: dict[str, Any], at: tuple[Any, ...]) -> None:
    assert det.fly_toml is not None
    line = det.fly_toml.line_of(*at)
    table = ".".join(str(p) for p in at if not isinstance(p, int))
    where = f"{det.fly_toml_file}:{line}: [[{table}]]"
    if isinstance(check.get("path"), str):
        d.add("deployment.health_check.path", check["path"], where)
        if det.routes and det.serves(check["path"]) is None:
            d.notes.append(
                f"fly.toml's check path {check['path']} is not a route this app serves "
                "(phxstack doctor says where it should be)"
            )
    for key in ("interval", "timeout", "grace_period"):
        if key in check:
            d.add(f"deployment.health_check.{key}", str(check[key]), where)
    if "method" in check and str(check["method"]).upper() != "GET":
        d.add_if_known("deployment.health_check.method", str(check["method"]).upper(), where)
    if isinstance(check.get("headers"), dict) and check["headers"]:
        d.add_if_known("deployment.health_check.headers", check["headers"], where)


def _health(d: Decisions, det: Detection) -> None:
    candidates = det.health_candidates()
    if not candidates:
        d.ask(
            "deployment.health_check.path",
            "/health",
            "no health route found in the router or the endpoint's plugs; add one (a "
            "controller that answers 200), then set its path here",
        )
        return
    best = candidates[0]
    rank = _rank(best.path)
    tied = [c for c in candidates if _rank(c.path) == rank and c.path != best.path]
    if tied:
        seen = ", ".join(f"{c.path} ({c.where})" for c in [best, *tied])
        d.ask("deployment.health_check.path", best.path, f"several health routes: {seen}; which?")
        return
    d.add("deployment.health_check.path", best.path, f"{best.where}: {best.verb} {best.path}")
    _liveness(d, det, best.path)


LIVENESS_PATHS = ("/health/live", "/healthz/live", "/live", "/livez", "/health/liveness")


def _liveness(d: Decisions, det: Detection, health: str) -> None:
    """Cloud Run's liveness probe on a shallow route the app already has (never the deep one)."""
    if d.provider != "gcp":
        return
    for path in LIVENESS_PATHS:
        route = det.serves(path)
        if route is not None and path != health and route.verb != "forward":
            d.add_if_known(
                "deployment.health_check.liveness",
                {"type": "http", "path": path},
                f"{route.where}: {route.verb} {route.path}, a shallow route to restart on",
            )
            return


def _rank(path: str) -> int | None:
    from phxstack.adopt.detect import _health_rank

    return _health_rank(path)


def _rest_of_deployment(d: Decisions, det: Detection, fly: dict[str, Any] | None) -> None:
    toml = det.fly_toml
    if det.database is not None and det.database.value == "sqlite":
        d.add(
            "deployment.machines.count",
            1,
            f"{_sig(det.database)}: SQLite is one file on one machine's volume; more machines "
            "would each have their own database",
        )
    if fly is None or toml is None:
        return
    where = det.fly_toml_file
    if "kill_timeout" in fly:
        value = fly["kill_timeout"]
        text = f"{value}s" if isinstance(value, int) else str(value)
        d.add("deployment.kill_timeout", text, f"{where}:{toml.line_of('kill_timeout')}")
    for key, target in (("kill_signal", "deployment.kill_signal"),
                        ("swap_size_mb", "deployment.swap_size_mb")):  # fmt: skip
        if key in fly and fly[key] != {"kill_signal": "SIGTERM"}.get(key):
            d.add_if_known(target, fly[key], f"{where}:{toml.line_of(key)}: {key}")
    deploy: dict[str, Any] = fly["deploy"] if isinstance(fly.get("deploy"), dict) else {}
    if deploy.get("strategy") not in (None, "rolling"):
        line = toml.line_of("deploy", "strategy")
        d.add_if_known("deployment.strategy", deploy["strategy"], f"{where}:{line}: [deploy]")
    if "release_command_timeout" in deploy:
        line = toml.line_of("deploy", "release_command_timeout")
        d.add_if_known(
            "migrations.timeout", str(deploy["release_command_timeout"]), f"{where}:{line}"
        )
    processes: dict[str, Any] = fly["processes"] if isinstance(fly.get("processes"), dict) else {}
    if processes:
        extra = {k: {"command": v} for k, v in processes.items() if k != "app"}
        line = toml.line_of("processes")
        if "app" in processes:
            d.add_if_known("deployment.command", processes["app"], f"{where}:{line}: [processes]")
        if extra:
            d.add_if_known("deployment.processes", extra, f"{where}:{line}: [processes]")
    decided_processes = any(e.path == ("deployment", "processes") and e.decided for e in d.entries)
    known = {"app"} | (set(processes) if decided_processes else set())
    mounts = fly.get("mounts")
    mount_list = (
        mounts if isinstance(mounts, list) else [mounts] if isinstance(mounts, dict) else []
    )
    volumes = []
    for m in mount_list:
        if isinstance(m, dict) and "source" in m and "destination" in m:
            volume: dict[str, Any] = {"name": m["source"], "path": m["destination"]}
            # flyctl mounts a volume without `processes` on every process group; only groups
            # this config has can be named.
            groups = [g for g in (m.get("processes") or sorted(processes)) if g in known]
            if groups and groups != ["app"]:
                volume["processes"] = groups
            if m.get("initial_size"):
                volume["size"] = str(m["initial_size"])
            volumes.append(volume)
    if volumes:
        d.add_if_known("deployment.volumes", volumes, f"{where}:{toml.line_of('mounts')}: [mounts]")
    statics = fly.get("statics")
    if isinstance(statics, list) and statics:
        items = [
            {"guest_path": st["guest_path"], "url_prefix": st["url_prefix"]}
            for st in statics
            if isinstance(st, dict) and "guest_path" in st and "url_prefix" in st
        ]
        d.add_if_known("deployment.statics", items, f"{where}:{toml.line_of('statics', 0)}")
    build = fly.get("build")
    if isinstance(build, dict):
        if isinstance(build.get("args"), dict) and build["args"]:
            line = toml.line_of("build", "args")
            d.add_if_known("app.build.args", build["args"], f"{where}:{line}: [build.args]")
        if isinstance(build.get("dockerfile"), str):
            line = toml.line_of("build", "dockerfile")
            d.add("app.dockerfile", build["dockerfile"], f"{where}:{line}: [build]")
        if isinstance(build.get("build-target"), str):
            line = toml.line_of("build", "build-target")
            d.add_if_known("app.build.target", build["build-target"], f"{where}:{line}: [build]")


def _database(d: Decisions, det: Detection) -> None:
    db = det.database
    if db is None:
        d.notes.append("no database: no Ecto repo or database driver in mix.exs")
        return
    if db.value == "postgres":
        d.add("database.type", "postgresql", _sig(db))
        pool = det.env_for_role("pool_size")
        if pool and pool[0].default and pool[0].default.isdigit():
            d.add("database.pool_size", int(pool[0].default), f"{pool[0].where}: default")
        _migrations(d, det)
        return
    if db.value == "sqlite":
        volume_why = (
            f"{_sig(db)}: SQLite keeps its data in a file; it needs a volume that outlives deploys"
        )
        if d.provider == "fly":
            d.add_if_known("deployment.volumes", [{"name": "data", "path": "/data"}], volume_why)
        else:
            d.notes.append(
                f"{_sig(db)}: SQLite is not given a database here: Cloud Run's disk is memory, "
                "per instance and lost on every restart. Move to Postgres (database: "
                "{type: postgresql}) or deploy on Fly with a volume."
            )
        _migrations(d, det)
        return
    d.notes.append(
        f"{_sig(db)}: {db.value} is not offered here (Cloud SQL for PostgreSQL on GCP, Fly "
        "Postgres on Fly); keep your own server and list its URL under secrets"
    )


def _migrations(d: Decisions, det: Detection) -> None:
    command = det.migrate_command
    if command is None:
        d.ask(
            "migrations.command",
            "/app/bin/migrate",
            "no migrate script in rel/overlays/bin and no release_command; `init --generate` "
            "writes rel/overlays/bin/migrate and the release module",
        )
        return
    if command.value == "/app/bin/migrate" and not schema_has(("migrations", "command")):
        return  # what the program runs today anyway
    d.add_if_known("migrations.command", command.value, _sig(command))


def _cache(d: Decisions, det: Detection) -> None:
    if det.redis_pubsub is not None:
        d.add("cache.type", "redis", _sig(det.redis_pubsub))
    elif det.redis_use is not None:
        d.add("cache.type", "redis", _sig(det.redis_use))
    elif det.redis is not None:
        d.ask(
            "cache.type",
            "redis",
            f"{_sig(det.redis)}, but no Phoenix.PubSub.Redis adapter and no Redix call; does the "
            "app use Redis in production?",
        )


def _storage(d: Decisions, det: Detection) -> None:
    default = {"fly": "tigris", "gcp": "gcs"}[d.provider]
    if det.storage_use is not None:
        d.add("storage.provider", default, _sig(det.storage_use))
        keys = [r for r in det.env_reads if r.runtime and r.name == "AWS_ACCESS_KEY_ID"]
        if d.provider == "gcp" and keys:
            d.add_if_known(
                "storage.hmac",
                True,
                f"{keys[0].where}: the app signs S3 requests with access keys (ex_aws)",
            )
    elif det.storage is not None:
        d.ask(
            "storage.provider",
            default,
            f"{_sig(det.storage)}, but nothing configures or calls S3; does the app store uploads?",
        )


def _env_and_secrets(d: Decisions, det: Detection, fly: dict[str, Any] | None) -> None:
    program = set(limits.PROGRAM_ENV) | {"PHX_HOST"} | set(GENERATED_SECRETS)
    sections = {e.top for e in d.entries if e.decided}
    if fly is not None and isinstance(fly.get("env"), dict) and det.fly_toml is not None:
        for key, value in fly["env"].items():
            line = det.fly_toml.line_of("env", key)
            why = f"{det.fly_toml_file}:{line}: [env]"
            if key in limits.PROGRAM_ENV:
                d.notes.append(f"{why} {key} is set by the program ({limits.PROGRAM_ENV[key]})")
            else:
                d.add(f"env_vars.{key}", str(value), why)
    # Names the app reads for something the stack provides under another name (or, for a
    # database given in parts, under no name until infera.yaml maps one).
    renamed: set[str] = set()
    for role, stack_name in DEFAULT_ENV_NAMES.items():
        for read in det.env_for_role(role):
            if read.name == stack_name:
                continue
            renamed.add(read.name)
            key = ENV_NAME_KEYS.get(role)
            if key and key.split(".")[0] in sections:
                why = f"{read.where}: the app reads {read.name}" + (
                    f" where the stack would set {stack_name}" if stack_name else ""
                )
                d.add_if_known(key, read.name, why)
            elif not key:
                d.notes.append(
                    f"{read.where}: the app reads {read.name} for its {role}; the stack sets "
                    f"{stack_name}: rename it in the app (infera.yaml cannot map this name)"
                )
    derived = _derived(d)
    for read in _first_reads(det):
        name = read.name
        if name in renamed or _platform(name):
            continue
        if name in GENERATED_SECRETS:
            d.add(f"secrets.{name}", name, f"{read.where}: generated by the program")
        elif name in derived:
            if derived[name]:
                d.add(f"secrets.{name}", name, f"{read.where}: derived from `{derived[name]}`")
        elif name in program or name in DERIVING_SECTION:
            continue
        elif looks_like_secret_value(name, "x" * 8):
            if read.required:
                d.add(f"secrets.{name}", name, f"{read.where}: required; you supply its value")
                d.supplied.append(name)
            else:
                d.ask(f"secrets.{name}", name, f"{read.where}: optional; set it?")
        elif name.endswith(("_URL", "_DSN", "_URI")):
            d.ask(
                f"secrets.{name}",
                name,
                f"{read.where}: a URL may carry credentials: a secret, or a plain env var?",
            )
        elif read.required and read.default is None:
            d.ask(f"env_vars.{name}", "", f"{read.where}: the app stops without {name}; its value?")
        elif not any(e.path == ("env_vars", name) for e in d.entries):
            default = f" (default {read.default!r})" if read.default is not None else ""
            d.ask(f"env_vars.{name}", read.default or "", f"{read.where}: optional{default}")


def _derived(d: Decisions) -> dict[str, str | None]:
    """Env names the decided config derives: name -> its key when secret, None when plain.

    Asked of the model itself (`InferaConfig.derived_env`), so init lists exactly what the
    program will deliver under the names the config maps.
    """
    data = _data_of([e for e in d.entries if e.decided and e.top not in ("secrets", "env_vars")])
    try:
        cfg = InferaConfig.model_validate(data)
    except ValueError:
        return {}
    out: dict[str, str | None] = {}
    for item in cfg.derived_env():
        out.setdefault(item.name, item.key if item.secret else None)
    return out


def _data_of(entries: list[Entry]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for e in entries:
        node = data
        for part in e.path[:-1]:
            node = node.setdefault(part, {})
        node[e.path[-1]] = e.value
    return data


def _first_reads(det: Detection) -> list[EnvRead]:
    seen: set[str] = set()
    out = []
    for read in det.env_reads:
        if read.runtime and read.name not in seen:
            seen.add(read.name)
            out.append(read)
    return out


def _platform(name: str) -> bool:
    return name in PLATFORM_ENV or name.startswith(PLATFORM_ENV_PREFIXES)


def _section_of(name: str) -> str:
    return DERIVING_SECTION.get(name, "database")


def _notes(d: Decisions, det: Detection) -> None:
    realtime = [f for f in ([det.liveview] if det.liveview else []) + det.channels]
    if realtime:
        seen = ", ".join(_sig(f) for f in realtime)
        if d.provider == "gcp":
            d.notes.append(
                f"LiveView/channels ({seen}): Cloud Run gets a 3600s request timeout and session "
                "affinity, so a socket lives up to an hour and reconnects to the same instance"
            )
        else:
            d.notes.append(
                f"LiveView/channels ({seen}): Fly machines stay up (never auto-stopped), so "
                "sockets are not cut by scale-to-zero"
            )
    if det.clustering:
        seen = ", ".join(_sig(f) for f in det.clustering[:2])
        d.notes.append(
            f"clustering ({seen}): "
            + (
                "on Fly the stack sets DNS_CLUSTER_QUERY and the release cookie; RELEASE_NODE "
                "comes from rel/env.sh.eex"
                if d.provider == "fly"
                else "Cloud Run instances cannot reach each other, so nodes never cluster "
                "there; PubSub needs Redis"
            )
        )
    if det.oban is not None:
        d.notes.append(
            f"Oban ({_sig(det.oban)}): jobs run inside the web instances, which stay up (Fly) "
            "or keep CPU allocated (Cloud Run, instance billing)"
        )
    for fact in det.unreadable:
        d.notes.append(f"{fact.where}: could not be read ({fact.value}); signals there are missed")


# ---- text ----------------------------------------------------------------------------------


def render(d: Decisions, header: list[str]) -> str:
    """The infera.yaml text: decided keys with their signal, questions commented out."""
    lines = [f"# {h}" if h else "#" for h in header]
    tree = _tree(d.entries)
    _emit(tree, 0, lines, commented=False)
    if d.notes:
        lines.append("")
        lines.append("# Also seen in the app (no key to set):")
        lines.extend(f"# - {n}" for n in d.notes)
    return "\n".join(lines) + "\n"


def _tree(entries: list[Entry]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for e in entries:
        if e.top == "secrets":
            node = tree.setdefault("secrets", {"__list__": []})
            node["__list__"].append(e)
            continue
        node = tree
        for part in e.path[:-1]:
            node = node.setdefault(part, {})
            if isinstance(node, Entry):  # a value and a section at once: keep the value
                break
        else:
            existing = node.get(e.path[-1])
            # A decided key beats a question about the same key; the first decision wins.
            if existing is None or (isinstance(existing, Entry) and not existing.decided):
                node[e.path[-1]] = e
    return tree


def _all_questions(node: Any) -> bool:
    if isinstance(node, Entry):
        return not node.decided
    if isinstance(node, dict):
        items = [v for k, v in node.items() if k != "__list__"] + list(node.get("__list__", []))
        return all(_all_questions(v) for v in items)
    return False


def _order(key: str) -> int:
    return ORDER.index(key) if key in ORDER else len(ORDER)


def _emit(node: dict[str, Any], indent: int, lines: list[str], *, commented: bool) -> None:
    pad = "  " * indent
    for key in sorted(node, key=_order):
        value = node[key]
        if key == "__list__":
            continue
        if isinstance(value, Entry):
            lines.extend(_entry_lines(key, value, pad, commented))
            continue
        if key == "secrets":
            quiet = all(not e.decided for e in value["__list__"])
            lines.append("")
            lines.append(f"{pad}{'# ' if quiet else ''}secrets:")
            for e in value["__list__"]:
                mark = "" if e.decided else "# "
                why = e.why if e.decided else f"? {e.why}"
                lines.append(_with_comment(f"{pad}  {mark}- {e.value}", why))
            continue
        quiet = commented or _all_questions(value)
        if indent == 0:
            lines.append("")
        lines.append(f"{pad}{'# ' if quiet and not commented else ''}{key}:")
        _emit(value, indent + 1, lines, commented=quiet)


def _entry_lines(key: str, e: Entry, pad: str, commented: bool) -> list[str]:
    mark = "# " if commented or not e.decided else ""
    if isinstance(e.value, dict | list) and e.value:
        dumped = yaml.safe_dump({key: e.value}, sort_keys=False, default_flow_style=False)
        body = dumped.rstrip("\n").split("\n")
        note = f"{pad}# {'?' if not e.decided else 'from'} {e.why}"
        return [note, *(f"{pad}{mark}{ln}" for ln in body)]
    scalar = yaml.safe_dump(e.value, default_flow_style=True).strip()
    scalar = scalar.removesuffix("\n...").removesuffix("...").strip()
    text = f"{pad}{mark}{key}: {scalar}"
    return [_with_comment(text, e.why if e.decided else f"? {e.why}")]


def _with_comment(text: str, why: str) -> str:
    line = f"{text}  # {why}"
    if len(line) <= 100:
        return line
    indent = len(text) - len(text.lstrip())
    return f"{' ' * indent}# {why}\n{text}"


def relative_app_path(config_dir: PurePosixPath, app: PurePosixPath) -> str:
    """`app` as infera.yaml's app.path: relative to the config's directory."""
    import os

    return PurePosixPath(os.path.relpath(app, config_dir)).as_posix()
