"""`phxstack doctor`: check infera.yaml against the app it deploys and the stack it deploys to,
and say what would fail at deploy or at boot, before `pulumi up` does.

Owns the cross-checks: each finding names a file and line (in infera.yaml, the app or the stack
file) and the fix. Exit 0 when clean, 1 with findings, 2 when the config itself is invalid (as
`validate` reports it). Reading the app is `phxstack.adopt.detect`'s; the GCP one-time
prerequisites are `components.gcp.prerequisites`'s, listed, never copied.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from config.context import PROJECT_NUMBER_KEY
from config.loader import Document, for_stack, load_config, read_document
from config.model import InferaConfig
from config.secrets import GENERATED_SECRETS
from phxstack.adopt.detect import (
    PLATFORM_ENV,
    PLATFORM_ENV_PREFIXES,
    STACK_ENV_ROLES,
    Detection,
    Where,
    detect,
)
from phxstack.stackfile import read_stack_file

EXIT_CLEAN = 0
EXIT_FINDINGS = 1


@dataclass(frozen=True, order=True)
class Finding:
    where: Where
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}; fix: {self.fix}"


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    p = sub.add_parser(
        "doctor",
        help="check infera.yaml against the app and the stack; exit 1 with findings",
        description="Cross-check infera.yaml against the Phoenix app at app.path and the "
        "stack's Pulumi.<stack>.yaml: what would fail at deploy or boot. Exit 0 when clean, "
        "1 with findings (each with file:line and the fix), 2 when infera.yaml is invalid.",
    )
    common(p)


def run(args: argparse.Namespace) -> int:
    stack = args.stack or "dev"
    cfg = load_config(args.config, stack)  # invalid config: ConfigError, exit 2
    doc = for_stack(read_document(args.config), stack)
    app = (args.config.resolve().parent / cfg.app.path).resolve()
    findings = check(cfg, doc, detect(app), stack, args.project_dir)
    for f in sorted(set(findings)):
        print(f, file=sys.stdout)
    if cfg.provider == "gcp":
        project = read_stack_file(args.project_dir, stack).plain.get("gcp:project")
        _print_gcp_reminders(project or "PROJECT_ID")
    if findings:
        print(f"{len(set(findings))} finding(s) for stack {stack!r}", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"{args.config}: no findings for stack {stack!r} (app at {app})")
    return EXIT_CLEAN


def check(
    cfg: InferaConfig, doc: Document, det: Detection, stack: str, project_dir: Path
) -> list[Finding]:
    """Every finding for this config, app and stack."""

    at = Locator(doc)
    out: list[Finding] = []
    for checker in (
        _health, _commands, _database, _redis, _fly_clustering, _origin, _env, _misc,
        _dockerignore,
    ):  # fmt: skip
        out += checker(cfg, det, at)
    out += _stack_file(cfg, stack, project_dir)
    return out


class Locator:
    """Where a key of infera.yaml (as the stack sees it) is written: its line, or its nearest
    written ancestor's."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def __call__(self, *path: str | int) -> Where:
        line, _ = self.doc.place(tuple(path), key=True)
        return Where(self.doc.file, line)

    def first(self, *paths: tuple[str | int, ...]) -> Where:
        """The first of `paths` that is written in the file, else the last one's place."""
        for path in paths:
            if path in self.doc.key_at:
                return self(*path)
        return self(*paths[-1])


# ---- health ----------------------------------------------------------------------------


def _health(cfg: InferaConfig, det: Detection, at: Locator) -> list[Finding]:
    hc = cfg.deployment.health_check
    if getattr(hc, "type", "http") != "http":
        return []
    if det.router is None and not det.routes:
        return [
            Finding(
                at("deployment", "health_check", "path"),
                f"no router found in the app at {cfg.app.path}, so nothing answers {hc.path}",
                "point app.path at the Phoenix app (the directory with mix.exs)",
            )
        ]
    liveness = hc.liveness
    live: list[Finding] = []
    if liveness.type == "http" and det.serves(liveness.path) is None:
        live.append(
            Finding(
                at("deployment", "health_check", "liveness", "path"),
                f"the liveness probe asks GET {liveness.path}, which the app does not serve: "
                "Cloud Run would restart every instance",
                "add a shallow route (no database) such as "
                '`get "/health/live", HealthController, :live`, or set liveness.type: none',
            )
        )
    if det.serves(hc.path) is not None:
        return live
    where = at("deployment", "health_check", "path")
    conditional = [r for r in det.routes if r.condition and r.path == hc.path]
    if conditional:
        r = conditional[0]
        problem = f"GET {hc.path} is served only under `{r.condition}` ({r.where}), not in prod"
    else:
        router = det.router.where.file if det.router else "the router"
        problem = f"the app does not serve GET {hc.path}: no route in {router} or endpoint plug"
    candidates = det.health_candidates()
    if candidates:
        fix = (
            f"set deployment.health_check.path: {candidates[0].path} (served at "
            f"{candidates[0].where})"
        )
    else:
        fix = (
            f'add `get "{hc.path}", HealthController, :index` to a scope without auth or '
            "sessions in the router"
        )
    return [*live, Finding(where, problem, fix)]


# ---- migrate and start commands ------------------------------------------------------------


def _release_names(det: Detection) -> set[str]:
    names = {str(r.value) for r in det.releases}
    if det.app is not None and not det.umbrella:
        names.add(str(det.app.value))
    return names


def _missing_bin(det: Detection, command: str) -> str | None:
    """The /app/bin/NAME a command runs when neither rel/overlays/bin nor the release has it."""
    first = command.split(maxsplit=1)[0] if command.split() else ""
    if not first.startswith("/app/bin/"):
        return None
    name = first.removeprefix("/app/bin/")
    if name in det.overlay_scripts or name in _release_names(det):
        return None
    return name


def _commands(cfg: InferaConfig, det: Detection, at: Locator) -> list[Finding]:
    out: list[Finding] = []
    migrations = getattr(cfg, "migrations", None)
    enabled = getattr(migrations, "enabled", None)
    if cfg.database is not None and enabled is not False:
        command = _command_text(getattr(migrations, "command", None)) or "/app/bin/migrate"
        missing = _missing_bin(det, command)
        if missing:
            where = at.first(("migrations", "command"), ("migrations",), ("database",))
            if det.migrate_command is not None and det.migrate_command.value != command:
                fix = (
                    f"set migrations.command: {det.migrate_command.value} (the app's migrate "
                    f"script, {det.migrate_command.where})"
                )
            else:
                fix = (
                    f"add rel/overlays/bin/{missing} running the release's migrate function "
                    "(`phxstack init --generate` writes it and the release module)"
                )
            out.append(
                Finding(
                    where,
                    f"migrations run {command}, but rel/overlays/bin/{missing} does not exist, so "
                    "the image has no such command",
                    fix,
                )
            )
    if det.docker_cmd is not None and cfg.app.image is None:
        import json

        try:
            argv = json.loads(det.docker_cmd.value)
            start = argv[0] if isinstance(argv, list) and argv else ""
        except ValueError:
            start = det.docker_cmd.value.split()[0] if det.docker_cmd.value.split() else ""
        missing = _missing_bin(det, str(start))
        if missing:
            out.append(
                Finding(
                    det.docker_cmd.where,
                    f"the image starts {start}, but rel/overlays/bin/{missing} does not exist",
                    f"add rel/overlays/bin/{missing} (`mix phx.gen.release` writes `server`)",
                )
            )
    for name, executable in sorted(det.overlay_modes.items()):
        if not executable:
            fact = det.overlay_scripts[name]
            out.append(
                Finding(
                    Where(fact.where.file, 1),
                    f"rel/overlays/bin/{name} is not executable; the release copies it as it is "
                    "and running it fails with 'permission denied'",
                    f"chmod +x rel/overlays/bin/{name} (and `git update-index --chmod=+x` it)",
                )
            )
    return out


def _command_text(command: object) -> str | None:
    if command is None:
        return None
    if isinstance(command, str):
        return command
    if isinstance(command, list | tuple):
        return " ".join(str(c) for c in command)
    return str(command)


# ---- env names the stack provides vs what the app reads -------------------------------------


def _env_name(cfg: InferaConfig, section: str, default: str) -> str:
    value = getattr(cfg, section, None)
    env = getattr(value, "env", None)
    return str(getattr(env, "url", None) or default)


def _database(cfg: InferaConfig, det: Detection, at: Locator) -> list[Finding]:
    out: list[Finding] = []
    if cfg.database is not None:
        name = _env_name(cfg, "database", "DATABASE_URL")
        delivered = [d.name for d in cfg.derived_env() if d.key.startswith("database.env.")]
        if not any(det.reads(n) for n in delivered or [name]):
            other = det.env_for_role("database_url")
            fix = (
                f"the app reads {other[0].name} for the Repo url ({other[0].where}): read "
                f"{name} there instead, or set database.env.url: {other[0].name}"
                if other
                else f'read it in config/runtime.exs: `url: System.fetch_env!("{name}")` in '
                "the Repo's config"
            )
            out.append(
                Finding(
                    at("database"),
                    f"a database is configured, but the app never reads {name} at runtime",
                    fix,
                )
            )
        if det.database is not None and det.database.value != "postgres":
            out.append(
                Finding(
                    at("database"),
                    f"the stack creates PostgreSQL, but the app's Repo is {det.database.value} "
                    f"({det.database.where})",
                    "remove database: (and keep the app's own database), or move the Repo to "
                    "Ecto.Adapters.Postgres",
                )
            )
    else:
        for read in det.env_for_role("database_url"):
            if read.required and read.name not in cfg.secrets:
                out.append(
                    Finding(
                        read.where,
                        f"the app stops without {read.name}, and infera.yaml has no database: "
                        "to derive it",
                        f"add `database: {{type: postgresql}}`, or list {read.name} under secrets",
                    )
                )
    if det.database is not None and det.database.value == "sqlite":
        if cfg.provider == "gcp":
            out.append(
                Finding(
                    det.database.where,
                    "SQLite on Cloud Run: each instance's disk is memory and is lost on restart",
                    "move to PostgreSQL (database: {type: postgresql}) or deploy on Fly with a "
                    "volume",
                )
            )
        elif cfg.deployment.machines.count > 1:
            out.append(
                Finding(
                    at("deployment", "machines", "count"),
                    f"{cfg.deployment.machines.count} machines with SQLite ({det.database.where}):"
                    " each machine would have its own database file",
                    "set deployment.machines.count: 1 (or replicate with LiteFS)",
                )
            )
    return out


def _redis(cfg: InferaConfig, det: Detection, at: Locator) -> list[Finding]:
    out: list[Finding] = []
    if cfg.cache is not None:
        name = _env_name(cfg, "cache", "REDIS_URL")
        if det.redis_pubsub is None and det.redis_use is None:
            out.append(
                Finding(
                    at("cache"),
                    "Redis is configured, but PubSub is not on the Redis adapter (no "
                    "Phoenix.PubSub.Redis in lib/ or config/) and nothing else uses Redis",
                    "start `{Phoenix.PubSub, name: ..., adapter: Phoenix.PubSub.Redis, url: "
                    f'System.get_env("{name}")}}` (and add :phoenix_pubsub_redis), or remove '
                    "cache:",
                )
            )
        elif not det.reads(name):
            out.append(
                Finding(
                    at("cache"),
                    f"Redis is configured, but the app never reads {name} at runtime",
                    f"read {name} in config/runtime.exs and pass it to the PubSub adapter",
                )
            )
    if cfg.provider == "gcp" and cfg.max_instances > 1 and det.redis_pubsub is None:
        out.append(
            Finding(
                at("deployment", "machines"),
                f"Cloud Run may run up to {cfg.max_instances} instances, which cannot cluster, "
                "and the app's PubSub is not on Redis: a LiveView broadcast reaches only the "
                "sockets on its own instance",
                "add cache: {type: redis} and start Phoenix.PubSub with the Redis adapter, or "
                "set deployment.machines.max_count: 1",
            )
        )
    return out


# ---- Fly clustering -------------------------------------------------------------------------


def _fly_clustering(cfg: InferaConfig, det: Detection, at: Locator) -> list[Finding]:
    if cfg.provider != "fly":
        return []
    out: list[Finding] = []
    if cfg.database is not None and not det.reads("ECTO_IPV6"):
        repo = det.env_for_role("database_url")
        where = repo[0].role_where or repo[0].where if repo else at("database")
        out.append(
            Finding(
                where,
                "Fly's private network is IPv6 and the stack sets ECTO_IPV6=true, but the app "
                "never reads ECTO_IPV6, so Ecto dials the database over IPv4 and fails",
                'in the Repo config: `socket_options: if System.get_env("ECTO_IPV6") in ~w(true '
                "1), do: [:inet6], else: []`",
            )
        )
    exports = det.env_sh.value if det.env_sh is not None else {}
    if "RELEASE_NODE" not in exports:
        where = det.env_sh.where if det.env_sh is not None else Where("rel/env.sh.eex", 1)
        what = "does not set RELEASE_NODE" if det.env_sh is not None else "is missing"
        out.append(
            Finding(
                where,
                f"rel/env.sh.eex {what}: every machine would boot with the same node name and "
                "the cluster would refuse the second one",
                'export RELEASE_NODE="${FLY_APP_NAME}-${FLY_IMAGE_REF##*-}@${FLY_PRIVATE_IP}" '
                "when FLY_APP_NAME is set (`phxstack init --generate` writes the file)",
            )
        )
    return out


# ---- check_origin ---------------------------------------------------------------------------


def _origin_allows(origins: list[str], host: str) -> bool:
    for origin in origins:
        bare = origin.split("//", 1)[-1].split(":")[0].rstrip("/")
        if bare == host or (bare.startswith("*.") and host.endswith(bare[1:])):
            return True
    return False


def _origin(cfg: InferaConfig, det: Detection, at: Locator) -> list[Finding]:
    host = cfg.phx_host or (f"{cfg.project_name}.fly.dev" if cfg.provider == "fly" else None)
    if host is None:
        return []
    where_host = at("domain") if cfg.domain else at("env_vars", "PHX_HOST")
    out: list[Finding] = []
    for fact in det.check_origin:
        if fact.where.file.endswith(("dev.exs", "test.exs")):
            continue
        value = fact.value
        if value is False:
            out.append(
                Finding(
                    fact.where,
                    "check_origin: false accepts sockets from any site (cross-site WebSocket "
                    "hijacking)",
                    f'allow only your host: check_origin: ["https://{host}"]',
                )
            )
        elif (
            isinstance(value, list)
            and all(isinstance(v, str) for v in value)
            and not _origin_allows([str(v) for v in value], host)
        ):
            out.append(
                Finding(
                    fact.where,
                    f"check_origin allows {', '.join(map(str, value))}, but the app is "
                    f"served at {host} ({where_host}): LiveView sockets will be refused",
                    f'add "https://{host}" to check_origin, or leave check_origin out so '
                    "Phoenix checks against url: [host: ...]",
                )
            )
    host_fact = det.endpoint_host
    if (
        host_fact is not None
        and isinstance(host_fact.value, str)
        and host_fact.value != host
        and not det.check_origin
    ):
        out.append(
            Finding(
                host_fact.where,
                f"the endpoint's url host is hard-coded to {host_fact.value!r}, but the app "
                f"is served at {host}: Phoenix checks socket origins against it",
                'read it from PHX_HOST: `url: [host: System.get_env("PHX_HOST"), ...]`',
            )
        )
    return out


# ---- env the app requires ---------------------------------------------------------------------


def _env(cfg: InferaConfig, det: Detection, at: Locator) -> list[Finding]:
    provided = set(cfg.env_vars) | set(cfg.secret_kinds()) | set(GENERATED_SECRETS)
    provided |= set(STACK_ENV_ROLES.values()) - {"DATABASE_URL", "REDIS_URL"}
    # Exactly what the program derives for this config, under the names it maps.
    provided |= {d.name for d in cfg.derived_env()}
    out: list[Finding] = []
    seen: set[str] = set()
    for read in det.env_reads:
        if (
            not read.runtime
            or not read.required
            or read.name in provided
            or read.name in seen
            or read.name in PLATFORM_ENV
            or read.name.startswith(PLATFORM_ENV_PREFIXES)
        ):
            continue
        seen.add(read.name)
        out.append(
            Finding(
                read.where,
                f"the app stops at boot without {read.name}, and infera.yaml neither sets nor "
                "derives it",
                f"list {read.name} under secrets (then `pulumi config set --secret {read.name}`)"
                " or set it in env_vars",
            )
        )
    reads = {r.name for r in det.env_reads}
    for i, name in enumerate(cfg.secrets):
        if cfg.secret_kinds().get(name) == "supplied" and name not in reads:
            out.append(
                Finding(
                    at("secrets", i),
                    f"secret {name} is never read by the app (no System.get_env/fetch_env of it)",
                    "check the spelling against config/runtime.exs, or remove it",
                )
            )
    return out


# ---- versions and port ------------------------------------------------------------------------


def _misc(cfg: InferaConfig, det: Detection, at: Locator) -> list[Finding]:
    out: list[Finding] = []
    built = [f for f in det.elixir_sources if not f.where.file.endswith("mix.exs")]
    minor = ".".join(cfg.framework.elixir_version.split(".")[:2])
    if built and built[0].value != minor:
        out.append(
            Finding(
                at("framework", "elixir_version"),
                f"elixir_version {cfg.framework.elixir_version} disagrees with what the app "
                f"builds with: {built[0].value} ({built[0].where})",
                f"set framework.elixir_version: '{built[0].value}'",
            )
        )
    reads_port = bool(det.env_for_role("port"))
    literal = [f for f in det.port_sources if f.detail.startswith("http: [port:")]
    if not reads_port and literal and literal[0].value != cfg.app.port:
        out.append(
            Finding(
                at("app", "port"),
                f"app.port is {cfg.app.port}, but the app listens on {literal[0].value} "
                f"({literal[0].where}) and ignores PORT",
                f"set app.port: {literal[0].value}",
            )
        )
    return out


# ---- the build context ------------------------------------------------------------------


def _dockerignore(cfg: InferaConfig, det: Detection, at: Locator) -> list[Finding]:
    """A .dockerignore pattern that drops a path the release build copies."""
    if cfg.app.image is not None or not det.dockerignore:
        return []
    needed = ["mix.exs", "mix.lock", "config", "lib", "priv", "rel"]
    if det.umbrella is not None:
        needed.append(str(det.umbrella.value))
    needed = [n for n in needed if (det.root / n).exists()]
    out: list[Finding] = []
    for name in needed:
        ignored_by = None
        for fact in det.dockerignore:  # the last matching pattern wins, as in Docker
            pattern = fact.value
            negated = pattern.startswith("!")
            bare = pattern.lstrip("!").strip("/")
            if bare and (fnmatch.fnmatch(name, bare) or bare in (f"{name}/*", f"{name}/**")):
                ignored_by = None if negated else fact
        if ignored_by is not None:
            out.append(
                Finding(
                    ignored_by.where,
                    f"`{ignored_by.value}` leaves {name} out of the build context, and the "
                    "release build needs it",
                    f"remove the line, or add `!{name}` after it",
                )
            )
    return out


# ---- the stack file and the GCP prerequisites ------------------------------------------------


def _stack_file(cfg: InferaConfig, stack: str, project_dir: Path) -> list[Finding]:
    if cfg.provider != "gcp":
        return []
    from components.gcp.prerequisites import project_number_command

    stack_file = read_stack_file(project_dir, stack)
    where = Where(f"Pulumi.{stack}.yaml", 1)
    out: list[Finding] = []
    project = stack_file.plain.get("gcp:project")
    if not project:
        out.append(
            Finding(
                where,
                "no gcp:project: the stack does not know which Google Cloud project to use",
                f"pulumi config set gcp:project PROJECT_ID --stack {stack}",
            )
        )
    if stack_file.own(PROJECT_NUMBER_KEY) is None and not cfg.domain:
        out.append(
            Finding(
                where,
                f"no {PROJECT_NUMBER_KEY}: without it (or domain) PHX_HOST is not set, so "
                "Phoenix builds URLs and checks socket origins against the wrong host",
                project_number_command(project or "PROJECT_ID", stack),
            )
        )
    return out


def _print_gcp_reminders(project: str) -> None:
    from components.gcp.prerequisites import DEPLOYER_ROLES, enable_command

    print(
        "Not checked offline (once per project, before the first `pulumi up`):\n"
        f"  {enable_command(project)}\n"
        f"  the deployer needs {len(DEPLOYER_ROLES)} roles: "
        + ", ".join(r.role for r in DEPLOYER_ROLES),
        file=sys.stderr,
    )
