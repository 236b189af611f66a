"""Detection: what a Phoenix repository is, read from its files without compiling or running it.

Owns the facts `init` writes and `doctor` checks, each with the file and line it was seen on:
the Phoenix app (and, in an umbrella, the child that serves HTTP), its database, Redis and
PubSub adapter, object storage, LiveView and channels, clustering and Oban, the release module
and overlay scripts, the env names its runtime config reads and what each one feeds, its HTTP
port, its health route (through router scopes and endpoint plugs), its Elixir/Erlang versions,
and an existing fly.toml. What those facts become in infera.yaml is `phxstack.adopt.writer`'s.

A file this reader cannot follow is reported in `Detection.unreadable` and otherwise skipped:
detection never fails on an odd file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from phxstack.adopt import elixir as ex
from phxstack.adopt import files

T = TypeVar("T")

# Env names a stack provides, by the role the app gives them (the program's names).
STACK_ENV_ROLES = {
    "database_url": "DATABASE_URL",
    "secret_key_base": "SECRET_KEY_BASE",
    "phx_host": "PHX_HOST",
    "port": "PORT",
    "pool_size": "POOL_SIZE",
    "redis_url": "REDIS_URL",
    "ecto_ipv6": "ECTO_IPV6",
    "dns_cluster_query": "DNS_CLUSTER_QUERY",
    "phx_server": "PHX_SERVER",
    "release_cookie": "RELEASE_COOKIE",
}
# Set by the platforms themselves (Fly's runtime environment, Cloud Run's container contract,
# the release scripts), never by the user.
PLATFORM_ENV_PREFIXES = ("FLY_", "K_", "CLOUD_RUN_", "RELEASE_", "GOOGLE_CLOUD_", "MIX_")
PLATFORM_ENV = {"HOSTNAME", "HOME", "PATH", "LANG", "TERM", "K_REVISION", "MIX_ENV"}

# Dependencies that decide something, with what (mix.exs names; hex.pm packages).
DATABASE_DEPS = {"postgrex": "postgres", "ecto_sqlite3": "sqlite", "exqlite": "sqlite",
                 "myxql": "mysql", "mariaex": "mysql", "tds": "mssql"}  # fmt: skip
ECTO_ADAPTERS = {
    "Ecto.Adapters.Postgres": "postgres",
    "Ecto.Adapters.SQLite3": "sqlite",
    "Ecto.Adapters.MyXQL": "mysql",
    "Ecto.Adapters.Tds": "mssql",
}
REDIS_DEPS = ("phoenix_pubsub_redis", "redix")
STORAGE_DEPS = ("ex_aws_s3", "waffle", "arc", "ex_aws")
CLUSTER_DEPS = ("libcluster", "dns_cluster")
HEALTH_NAMES = ("/health", "/healthz", "/_health", "/health_check", "/healthcheck", "/up",
                "/status", "/ping", "/ready", "/live")  # fmt: skip


@dataclass(frozen=True, order=True)
class Where:
    file: str  # relative to the repository root, with forward slashes
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Fact(Generic[T]):
    """A value seen in the repository, where, and what a person would recognise it by."""

    value: T
    where: Where
    detail: str = ""


@dataclass(frozen=True)
class EnvRead:
    """One `System.get_env`/`fetch_env` call, and what the config feeds with its value."""

    name: str
    where: Where
    required: bool  # fetch_env!, or `|| raise`: the app stops without it
    default: str | None  # a literal fallback
    role: str | None  # a key of STACK_ENV_ROLES, when the value feeds that setting
    role_where: Where | None  # the config line that shows the role
    runtime: bool  # read when the release boots (runtime.exs, lib/), not at build time


@dataclass(frozen=True)
class Route:
    verb: str  # get, post, live, forward, ..., or "plug" for an endpoint plug
    path: str  # the full path, scopes applied
    where: Where
    condition: str | None  # the `if`/`unless` around it, when it is conditional


@dataclass
class Detection:
    root: Path
    app: Fact[str] | None = None  # the OTP app that serves HTTP
    web_dir: str = ""  # where that app lives: "" or "apps/shop_web"
    umbrella: Fact[str] | None = None  # value: apps_path
    apps: list[Fact[str]] = field(default_factory=list)  # umbrella children, by OTP app name
    releases: list[Fact[str]] = field(default_factory=list)  # names under `releases:`
    deps: dict[str, Fact[str]] = field(default_factory=dict)  # name -> requirement (prod deps)
    phoenix: Fact[str] | None = None  # "1.7" (from mix.lock, else the requirement)
    elixir: Fact[str] | None = None
    elixir_sources: list[Fact[str]] = field(default_factory=list)
    otp: Fact[str] | None = None
    database: Fact[str] | None = None  # postgres | sqlite | mysql | mssql
    repos: list[Fact[str]] = field(default_factory=list)  # Repo modules
    redis: Fact[str] | None = None  # a Redis client dependency
    redis_pubsub: Fact[str] | None = None  # where Phoenix.PubSub.Redis is configured
    redis_use: Fact[str] | None = None  # where Redix/Redis is used other than PubSub
    storage: Fact[str] | None = None  # a storage dependency
    storage_use: Fact[str] | None = None  # where S3 is configured or called
    liveview: Fact[str] | None = None
    channels: list[Fact[str]] = field(default_factory=list)  # socket paths -> module
    clustering: list[Fact[str]] = field(default_factory=list)
    oban: Fact[str] | None = None
    endpoint: Fact[str] | None = None
    router: Fact[str] | None = None
    routes: list[Route] = field(default_factory=list)
    release_module: Fact[str] | None = None  # module with a migrate function
    overlay_scripts: dict[str, Fact[str]] = field(default_factory=dict)  # bin name -> exec line
    overlay_modes: dict[str, bool] = field(default_factory=dict)  # bin name -> executable
    migrate_command: Fact[str] | None = None
    env_reads: list[EnvRead] = field(default_factory=list)
    port: Fact[int] | None = None
    port_sources: list[Fact[int]] = field(default_factory=list)
    check_origin: list[Fact[Any]] = field(default_factory=list)
    endpoint_host: Fact[Any] | None = None  # url: [host: ...] in prod/runtime config
    env_sh: Fact[dict[str, int]] | None = None  # rel/env.sh.eex exports -> line
    dockerfile: Fact[str] | None = None
    docker_cmd: Fact[str] | None = None
    docker_expose: Fact[int] | None = None
    dockerignore: list[Fact[str]] = field(default_factory=list)
    fly_toml: files.Toml | None = None
    fly_toml_file: str = "fly.toml"
    unreadable: list[Fact[str]] = field(default_factory=list)

    # ---- questions the writer and doctor ask --------------------------------------------

    def reads(self, name: str) -> list[EnvRead]:
        return [r for r in self.env_reads if r.name == name and r.runtime]

    def env_for_role(self, role: str) -> list[EnvRead]:
        """Runtime reads that feed `role`, by what the config does with them."""
        return [r for r in self.env_reads if r.role == role and r.runtime]

    def health_candidates(self) -> list[Route]:
        """Unconditional routes that look like a health check, best first; ties share a rank."""
        scored = [
            (_health_rank(r.path), r)
            for r in self.routes
            if r.condition is None and r.verb in ("get", "match", "forward", "plug", "head")
        ]
        ranked = [(rank, r) for rank, r in scored if rank is not None]
        return [r for _, r in sorted(ranked, key=lambda x: x[0])]

    def serves(self, path: str) -> Route | None:
        """The route that answers GET `path` in production, or None."""
        for route in self.routes:
            if route.condition is not None or route.verb not in (
                "get", "match", "forward", "plug", "head", "live"
            ):  # fmt: skip
                continue
            if _path_matches(route.path, path, prefix=route.verb == "forward"):
                return route
        return None

    def signals(self) -> list[Fact[str]]:
        """Every fact as one line for a person, in file order (what `init` prints)."""
        out: list[Fact[str]] = []
        for name in ("app", "umbrella", "phoenix", "elixir", "otp", "database", "redis",
                     "redis_pubsub", "storage", "storage_use", "liveview", "oban", "endpoint",
                     "router", "release_module", "migrate_command", "port"):  # fmt: skip
            fact = getattr(self, name)
            if fact is not None:
                out.append(Fact(str(fact.value), fact.where, f"{name}: {fact.detail}"))
        for fact in self.channels + self.clustering:
            out.append(Fact(str(fact.value), fact.where, fact.detail))
        for route in self.health_candidates()[:3]:
            out.append(Fact(route.path, route.where, f"health route: {route.verb} {route.path}"))
        for read in self.env_reads:
            if read.runtime:
                role = f" -> {read.role}" if read.role else ""
                out.append(Fact(read.name, read.where, f"reads {read.name}{role}"))
        return sorted(out, key=lambda f: (f.where.file, f.where.line))


def _health_rank(path: str) -> int | None:
    path = path.rstrip("/") or "/"
    if path in HEALTH_NAMES:
        return HEALTH_NAMES.index(path)
    if any(path.startswith(n + "/") for n in ("/health", "/healthz")):
        return len(HEALTH_NAMES)
    if path.endswith(("/health", "/healthz")):
        return len(HEALTH_NAMES) + 1
    return None


def _path_matches(route: str, path: str, *, prefix: bool) -> bool:
    route_parts = [p for p in route.split("/") if p]
    path_parts = [p for p in path.split("?", maxsplit=1)[0].split("/") if p]
    if prefix:
        return path_parts[: len(route_parts)] == route_parts
    if len(route_parts) != len(path_parts) and not (route_parts and route_parts[-1][:1] == "*"):
        return False
    for want, got in zip(route_parts, path_parts, strict=False):
        if want.startswith("*"):
            return True
        if not want.startswith(":") and want != got:
            return False
    return True


# ---- reading the repository ---------------------------------------------------------------


class _Repo:
    """The files of one repository, tokenized once each, with unreadable ones recorded."""

    def __init__(self, root: Path, detection: Detection) -> None:
        self.root = root
        self.det = detection
        self._parsed: dict[Path, list[ex.Stmt] | None] = {}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def text(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.det.unreadable.append(Fact(str(exc), Where(self.rel(path), 1), "unreadable"))
            return None

    def read_if_present(self, name: str) -> str | None:
        """The text of `name` at the repository root, or None when absent or unreadable."""
        path = self.root / name
        return self.text(path) if path.is_file() else None

    def parse(self, path: Path) -> list[ex.Stmt] | None:
        if path not in self._parsed:
            source = self.text(path) if path.is_file() else None
            stmts = None
            if source is not None:
                try:
                    stmts = ex.parse(source)
                except ex.ElixirSyntaxError as exc:
                    self.det.unreadable.append(
                        Fact(str(exc), Where(self.rel(path), exc.line), "not followed")
                    )
            self._parsed[path] = stmts
        return self._parsed[path]

    def elixir_files(self, *dirs: str) -> Iterator[Path]:
        for d in dirs:
            base = self.root / d
            if base.is_dir():
                for path in sorted(base.rglob("*.ex*")):
                    if path.suffix in (".ex", ".exs") and "/deps/" not in path.as_posix():
                        yield path


def detect(root: Path) -> Detection:
    """Read the Phoenix repository at `root`."""
    root = root.resolve()
    det = Detection(root)
    repo = _Repo(root, det)
    _read_mix(repo, root / "mix.exs", top=True)
    lib_dirs = ["lib"] if not det.umbrella else [f"{a}/lib" for a in _child_dirs(det)]
    modules = _index_modules(repo, lib_dirs)
    _read_lock(repo)
    _read_lib(repo, modules)
    if det.umbrella and det.endpoint is not None:
        # The child that serves HTTP is the one whose lib/ holds the endpoint.
        for child in det.apps:
            child_dir = Path(child.where.file).parent.as_posix()
            if det.endpoint.where.file.startswith(child_dir + "/"):
                det.app = Fact(child.value, child.where, f"app: :{child.value} (has the endpoint)")
                det.web_dir = child_dir
    _read_config(repo)
    _read_router_and_endpoint(repo, modules)
    _read_release(repo, modules)
    _read_docker(repo)
    _read_versions(repo)
    _read_fly_toml(repo)
    _decide_port(det)
    _decide_migrate(det)
    return det


def _child_dirs(det: Detection) -> list[str]:
    return sorted({Path(f.where.file).parent.as_posix() for f in det.apps})


# ---- mix.exs -------------------------------------------------------------------------------


def _project_keywords(stmts: list[ex.Stmt]) -> tuple[dict[str, list[ex.Token]], dict[str, ex.Stmt]]:
    """The keyword list `def project` returns, and every function of the MixProject by name."""
    functions: dict[str, ex.Stmt] = {}
    for stmt, _ in ex.iter_statements(stmts):
        if stmt.head in ("def", "defp") and len(stmt.tokens) >= 2 and stmt.body is not None:
            functions.setdefault(stmt.tokens[1].text, stmt)
    project = functions.get("project")
    if project is None or not project.body:
        return {}, functions
    last = project.body[-1].tokens
    if last and last[0].is_op("["):
        return ex.keywords(ex.split_top(last[1:-1])), functions
    return {}, functions


def _read_mix(repo: _Repo, path: Path, *, top: bool) -> None:
    det = repo.det
    stmts = repo.parse(path)
    if stmts is None:
        return
    rel = repo.rel(path)
    project, functions = _project_keywords(stmts)
    app_tokens = project.get("app")
    app = ex.literal(app_tokens) if app_tokens else None
    app_name = app[1:] if isinstance(app, str) and app.startswith(":") else None
    apps_path = ex.literal(project["apps_path"]) if "apps_path" in project else None
    if top and isinstance(apps_path, str):
        det.umbrella = Fact(
            apps_path, Where(rel, project["apps_path"][0].line), f'apps_path: "{apps_path}"'
        )
        for child in sorted((repo.root / apps_path).glob("*/mix.exs")):
            _read_mix(repo, child, top=False)
        _read_releases(repo, project, rel)
        return
    if top:
        _read_releases(repo, project, rel)
    if not top and app_name:
        det.apps.append(Fact(app_name, Where(rel, app_tokens[0].line if app_tokens else 1)))
    deps = _deps(functions, project)
    phoenix_here = False
    for name, (requirement, line, opts) in deps.items():
        only = opts.get("only")
        if only is not None and "prod" not in str(only):
            continue
        det.deps.setdefault(
            name, Fact(requirement, Where(rel, line), f'{{:{name}, "{requirement}"}}')
        )
        if name == "phoenix":
            phoenix_here = True
            version = _minor(requirement)
            if version and det.phoenix is None:
                det.phoenix = Fact(version, Where(rel, line), f'{{:phoenix, "{requirement}"}}')
    # The app that serves HTTP: the one depending on :phoenix with an endpoint (decided after
    # lib/ is read); for now, the first one with :phoenix, else the root project.
    if (
        app_name
        and (det.app is None or (phoenix_here and det.web_dir == "" and not top))
        and (top or phoenix_here)
    ):
        det.app = Fact(
            app_name, Where(rel, app_tokens[0].line if app_tokens else 1), f"app: :{app_name}"
        )
        det.web_dir = "" if top else Path(rel).parent.as_posix()
    if "elixir" in project:
        requirement = ex.literal(project["elixir"])
        if isinstance(requirement, str) and (v := _minor(requirement)):
            det.elixir_sources.append(
                Fact(v, Where(rel, project["elixir"][0].line), f'elixir: "{requirement}" (mix.exs)')
            )


def _read_releases(repo: _Repo, project: dict[str, list[ex.Token]], rel: str) -> None:
    tokens = project.get("releases")
    if not tokens:
        return
    value = ex.literal(tokens)
    if isinstance(value, dict):
        for name in value:
            repo.det.releases.append(Fact(name, Where(rel, tokens[0].line), f"release {name}"))


def _deps(
    functions: dict[str, ex.Stmt], project: dict[str, list[ex.Token]]
) -> dict[str, tuple[str, int, dict[str, Any]]]:
    """`{:name, "~> 1.0", opts}` tuples of the deps list: name -> (requirement, line, opts)."""
    tokens: list[ex.Token] = []
    deps_value = project.get("deps", [])
    if deps_value and deps_value[0].is_op("["):
        tokens = deps_value
    else:
        fn_name = deps_value[0].text if deps_value else "deps"
        fn = functions.get(fn_name)
        if fn and fn.body:
            tokens = fn.body[-1].tokens
    out: dict[str, tuple[str, int, dict[str, Any]]] = {}
    if not tokens or not tokens[0].is_op("["):
        return out
    for part in ex.split_top(tokens[1:-1]):
        if not part or not part[0].is_op("{"):
            continue
        items = ex.split_top(part[1:-1])
        if not items or not items[0] or items[0][0].kind != ex.ATOM:
            continue
        name = str(items[0][0].value)
        requirement = ""
        opts: dict[str, Any] = {}
        for item in items[1:]:
            value = ex.literal(item)
            if isinstance(value, str):
                requirement = value
            elif item and item[0].kind == ex.KEY:
                for k, v in ex.keywords(ex.split_top(item)).items():
                    opts[k] = ex.literal(v)
        out[name] = (requirement, part[0].line, opts)
    return out


def _minor(requirement: str) -> str | None:
    m = re.search(r"(\d+)\.(\d+)", requirement)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def _read_lock(repo: _Repo) -> None:
    det = repo.det
    text = repo.read_if_present("mix.lock")
    if text is None:
        return
    for number, raw in enumerate(text.splitlines(), start=1):
        m = re.match(r'\s*"phoenix":\s*\{:hex,\s*:phoenix,\s*"(\d+\.\d+)(\.\d+)?', raw)
        if m:
            det.phoenix = Fact(
                m.group(1),
                Where("mix.lock", number),
                f"phoenix {m.group(1)}{m.group(2) or ''} (mix.lock)",
            )
            return


# ---- lib/ ----------------------------------------------------------------------------------


@dataclass
class _Module:
    name: str
    file: str
    stmt: ex.Stmt
    uses: list[str]  # `use X` targets


def _index_modules(repo: _Repo, lib_dirs: list[str]) -> dict[str, _Module]:
    out: dict[str, _Module] = {}
    for path in repo.elixir_files(*lib_dirs):
        stmts = repo.parse(path)
        for stmt, _ in ex.iter_statements(stmts or []):
            name = ex.module_name(stmt)
            if name:
                uses = [
                    str(s.tokens[1].value)
                    for s in stmt.body or []
                    if s.head == "use" and len(s.tokens) >= 2 and s.tokens[1].kind == ex.ALIAS
                ]
                out.setdefault(name, _Module(name, repo.rel(path), stmt, uses))
    return out


def _read_lib(repo: _Repo, modules: dict[str, _Module]) -> None:
    det = repo.det
    for mod in modules.values():
        toks = list(mod.stmt.all_tokens())
        where = Where(mod.file, mod.stmt.line)
        if "Ecto.Repo" in mod.uses:
            use = next(
                s
                for s in mod.stmt.body or []
                if s.head == "use" and s.tokens[1].value == "Ecto.Repo"
            )
            opts = ex.keywords(ex.call_args(use.tokens)[1:])
            adapter = ex.literal(opts["adapter"]) if "adapter" in opts else None
            det.repos.append(
                Fact(mod.name, Where(mod.file, use.line), f"use Ecto.Repo, adapter: {adapter}")
            )
            if isinstance(adapter, str) and adapter in ECTO_ADAPTERS and det.database is None:
                det.database = Fact(
                    ECTO_ADAPTERS[adapter], Where(mod.file, use.line), f"{mod.name} uses {adapter}"
                )
        if "Phoenix.Endpoint" in mod.uses and det.endpoint is None:
            det.endpoint = Fact(mod.name, where, f"{mod.name} (use Phoenix.Endpoint)")
        for i, tok in enumerate(toks):
            if (
                tok.kind == ex.ALIAS
                and tok.value == "Phoenix.PubSub.Redis"
                and det.redis_pubsub is None
            ):
                det.redis_pubsub = Fact(
                    mod.name, Where(mod.file, tok.line), "Phoenix.PubSub.Redis adapter"
                )
            elif tok.kind == ex.ALIAS and tok.value in ("Redix",) and det.redis_use is None:
                det.redis_use = Fact(mod.name, Where(mod.file, tok.line), "Redix")
            elif (
                tok.kind == ex.ALIAS
                and (tok.value == "ExAws.S3" or str(tok.value).startswith("Waffle"))
                and det.storage_use is None
            ):
                det.storage_use = Fact(
                    str(tok.value), Where(mod.file, tok.line), f"{tok.value} in {mod.name}"
                )
            elif tok.kind == ex.ALIAS and tok.value in ("DNSCluster", "Cluster.Supervisor"):
                if not any(f.value == tok.value for f in det.clustering):
                    det.clustering.append(
                        Fact(
                            str(tok.value),
                            Where(mod.file, tok.line),
                            f"{tok.value} started in {mod.name}",
                        )
                    )
            elif (
                tok.kind == ex.ALIAS
                and tok.value == "Oban"
                and det.oban is None
                and i + 1 < len(toks)
                and toks[i + 1].is_op(",")
            ):
                det.oban = Fact("Oban", Where(mod.file, tok.line), f"{{Oban, ...}} in {mod.name}")
        _env_reads_in(repo, mod.stmt.body or [], mod.file, runtime=True)
    for dep, db in DATABASE_DEPS.items():
        if dep in det.deps and det.database is None:
            det.database = Fact(db, det.deps[dep].where, det.deps[dep].detail)
    for dep in REDIS_DEPS:
        if dep in det.deps and det.redis is None:
            det.redis = Fact(dep, det.deps[dep].where, det.deps[dep].detail)
    for dep in STORAGE_DEPS:
        if dep in det.deps and det.storage is None:
            det.storage = Fact(dep, det.deps[dep].where, det.deps[dep].detail)
    if "phoenix_live_view" in det.deps and det.liveview is None:
        det.liveview = Fact(
            "phoenix_live_view",
            det.deps["phoenix_live_view"].where,
            det.deps["phoenix_live_view"].detail,
        )
    for dep in CLUSTER_DEPS:
        if dep in det.deps:
            det.clustering.append(Fact(dep, det.deps[dep].where, det.deps[dep].detail))
    if "oban" in det.deps and det.oban is None:
        det.oban = Fact("oban", det.deps["oban"].where, det.deps["oban"].detail)


# ---- env reads and what they feed ---------------------------------------------------------

_ENV_FUNS = {"get_env": False, "fetch_env!": True, "fetch_env": False}


def _env_calls(tokens: list[ex.Token]) -> Iterator[tuple[str, ex.Token, bool, str | None]]:
    """(name, token, required, default) for each System.get_env/fetch_env call in tokens."""
    flat = list(ex.walk(tokens))
    for i, tok in enumerate(flat):
        if not (tok.kind == ex.ALIAS and tok.value == "System" and i + 3 < len(flat)):
            continue
        dot, fun, paren = flat[i + 1], flat[i + 2], flat[i + 3]
        if not (
            dot.is_op(".") and fun.kind == ex.IDENT and fun.text in _ENV_FUNS and paren.is_op("(")
        ):
            continue
        end = _close(flat, i + 3)
        args = ex.split_top(flat[i + 4 : end])
        if not args or len(args[0]) != 1 or args[0][0].kind != ex.STRING or args[0][0].interpolated:
            continue
        name = str(args[0][0].value)
        default = ex.literal(args[1]) if len(args) > 1 else None
        # `System.get_env("X") || "default"` and `|| raise "..."`
        after = flat[end + 1 : end + 3] if end > 0 else []
        required = _ENV_FUNS[fun.text]
        if len(after) == 2 and after[0].is_op("||"):
            if after[1].is_ident("raise"):
                required = True
            elif default is None:
                value = ex.literal([after[1]])
                default = value if isinstance(value, str) else None
        yield name, args[0][0], required, default if isinstance(default, str) else None


def _close(tokens: list[ex.Token], start: int) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        if tokens[j].kind == ex.OP and tokens[j].text in ("(", "[", "{", "<<"):
            depth += 1
        elif tokens[j].kind == ex.OP and tokens[j].text in (")", "]", "}", ">>"):
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def _env_reads_in(
    repo: _Repo,
    stmts: list[ex.Stmt],
    file: str,
    *,
    runtime: bool,
) -> None:
    """Record every env read in `stmts`, with the role its value plays in the config."""
    det = repo.det
    bindings: dict[str, set[str]] = {}  # variable -> env names its value comes from
    roles: dict[str, tuple[str, Where]] = {}  # env name -> role, where
    repos = {f.value for f in det.repos}
    for stmt, _ in ex.iter_statements(stmts):
        toks = stmt.tokens
        names = {n for n, *_ in _env_calls(toks)}
        if len(toks) >= 3 and toks[0].kind == ex.IDENT and toks[1].is_op("="):
            used = names | {
                n for t in toks[2:] if t.kind == ex.IDENT for n in bindings.get(t.text, ())
            }
            if stmt.body:  # x = if ... do System.get_env(...) ... end
                used |= {n for t in stmt.all_tokens() for n, *_ in _env_calls([t])}
                used |= {n for s in stmt.body for n, *_ in _env_calls(list(s.all_tokens()))}
            if used:
                bindings[toks[0].text] = used
        if stmt.head == "config":
            for key_path, value, subject in _config_leaves(toks):
                env_names = {n for n, *_ in _env_calls(value)}
                env_names |= {
                    n for t in value if t.kind == ex.IDENT for n in bindings.get(t.text, ())
                }
                sqlite = det.database is not None and det.database.value == "sqlite"
                role = _role(subject, key_path, repos, sqlite=sqlite)
                if role:
                    for n in env_names:
                        roles.setdefault(
                            n, (role, Where(file, value[0].line if value else stmt.line))
                        )
                if subject.endswith("Endpoint") and key_path[-1:] == ("check_origin",):
                    det.check_origin.append(
                        Fact(ex.literal(value), Where(file, value[0].line), "check_origin")
                    )
                if (
                    subject.endswith("Endpoint")
                    and key_path == ("url", "host")
                    and file.endswith(("runtime.exs", "prod.exs", "releases.exs"))
                ):
                    det.endpoint_host = Fact(
                        ex.literal(value) if not env_names else sorted(env_names),
                        Where(file, value[0].line),
                        "url host",
                    )
                if subject.endswith("Endpoint") and key_path in (("http", "port"),):
                    literal_port = ex.literal(value)
                    if isinstance(literal_port, int):
                        det.port_sources.append(
                            Fact(
                                literal_port,
                                Where(file, value[0].line),
                                f"http: [port: {literal_port}]",
                            )
                        )
    for stmt, _ in ex.iter_statements(stmts):
        for name, tok, required, default in _env_calls(stmt.tokens):
            role, role_where = roles.get(name, (None, None))
            if role is None and name in STACK_ENV_ROLES.values():
                role = next(k for k, v in STACK_ENV_ROLES.items() if v == name)
            det.env_reads.append(
                EnvRead(name, Where(file, tok.line), required, default, role, role_where, runtime)
            )
            if role == "port" and runtime and default and default.isdigit():
                det.port_sources.append(
                    Fact(int(default), Where(file, tok.line), f'{name} defaults to "{default}"')
                )


def _config_leaves(tokens: list[ex.Token]) -> Iterator[tuple[tuple[str, ...], list[ex.Token], str]]:
    """(key path, value tokens, subject) for each setting of a `config` call.

    `config :app, Mod, url: [host: h]` gives (("url", "host"), [h], "Mod");
    `config :app, :redis_url, x` gives (("redis_url",), [x], ":redis_url").
    """
    args = ex.call_args(tokens)
    if len(args) < 2:
        return
    subject_tokens = args[1]
    if subject_tokens and subject_tokens[0].kind == ex.KEY:
        subject = ":" + _literal_text(args[0])
        rest = args[1:]
    else:
        subject = _literal_text(subject_tokens)
        rest = args[2:]
        if len(rest) == 1 and rest[0] and rest[0][0].kind != ex.KEY:
            # config :app, :key, value
            yield (subject.lstrip(":"),), rest[0], subject
            return
    yield from _leaves(rest, (), subject)


def _leaves(
    parts: list[list[ex.Token]], prefix: tuple[str, ...], subject: str
) -> Iterator[tuple[tuple[str, ...], list[ex.Token], str]]:
    for part in parts:
        if not part or part[0].kind != ex.KEY:
            continue
        key = (*prefix, str(part[0].value))
        value = part[1:]
        if value and value[0].is_op("[") and ex._closing(value, 0) == len(value) - 1:
            inner = ex.split_top(value[1:-1])
            if inner and all(p and p[0].kind == ex.KEY for p in inner):
                yield key, value, subject
                yield from _leaves(inner, key, subject)
                continue
        yield key, value, subject


def _literal_text(tokens: list[ex.Token]) -> str:
    return " ".join(t.text for t in tokens)


# A Repo's connection given in parts instead of a URL: key -> role.
DATABASE_PART_ROLES = {
    "hostname": "database_host",
    "port": "database_port",
    "database": "database_name",
    "username": "database_user",
    "password": "database_password",
}


def _role(subject: str, key_path: tuple[str, ...], repos: set[str], *, sqlite: bool) -> str | None:
    is_repo = subject in repos or subject.endswith("Repo")
    if is_repo and key_path == ("url",):
        return "database_url"
    if is_repo and sqlite and key_path == ("database",):
        return "database_file"
    if is_repo and len(key_path) == 1 and key_path[0] in DATABASE_PART_ROLES:
        return DATABASE_PART_ROLES[key_path[0]]
    if is_repo and key_path == ("pool_size",):
        return "pool_size"
    if is_repo and key_path == ("socket_options",):
        return "ecto_ipv6"
    if subject.endswith("Endpoint"):
        if key_path == ("secret_key_base",):
            return "secret_key_base"
        if key_path == ("url", "host"):
            return "phx_host"
        if key_path in (("http", "port"),):
            return "port"
        if key_path == ("server",):
            return "phx_server"
    joined = ".".join(key_path).lower()
    if ("redis" in joined and ("url" in joined or joined.endswith("redis"))) or (
        "redis" in subject.lower() and key_path[-1:] == ("url",)
    ):
        return "redis_url"
    if "dns_cluster_query" in joined:
        return "dns_cluster_query"
    return None


# ---- config/ -------------------------------------------------------------------------------


def _read_config(repo: _Repo) -> None:
    det = repo.det
    config_dir = repo.root / "config"
    for path in sorted(config_dir.glob("*.exs")) if config_dir.is_dir() else []:
        stmts = repo.parse(path)
        if stmts is None:
            continue
        rel = repo.rel(path)
        runtime = path.name in ("runtime.exs", "releases.exs")
        if path.name in ("runtime.exs", "releases.exs", "prod.exs", "config.exs"):
            _env_reads_in(repo, stmts, rel, runtime=runtime)
        for stmt, _ in ex.iter_statements(stmts):
            toks = list(stmt.all_tokens()) if stmt.head == "config" else stmt.tokens
            for tok in toks:
                if (
                    tok.kind == ex.ALIAS
                    and tok.value == "Phoenix.PubSub.Redis"
                    and det.redis_pubsub is None
                ):
                    det.redis_pubsub = Fact(
                        "config", Where(rel, tok.line), "Phoenix.PubSub.Redis adapter"
                    )
                if (
                    tok.kind == ex.ALIAS
                    and str(tok.value).startswith("Waffle.Storage.S3")
                    and det.storage_use is None
                ):
                    det.storage_use = Fact(
                        str(tok.value), Where(rel, tok.line), "Waffle.Storage.S3"
                    )
            if stmt.head == "config" and len(stmt.tokens) >= 2:
                first = stmt.tokens[1]
                if (
                    first.kind == ex.ATOM
                    and first.value in ("ex_aws", "waffle", "arc")
                    and det.storage_use is None
                    and path.name not in {"test.exs", "dev.exs"}
                ):
                    det.storage_use = Fact(
                        str(first.value), Where(rel, stmt.line), f"config :{first.value}"
                    )
                if (
                    first.kind == ex.ATOM
                    and first.value == "libcluster"
                    and path.name not in ("dev.exs", "test.exs")
                ):
                    det.clustering.append(
                        Fact("libcluster", Where(rel, stmt.line), "config :libcluster")
                    )


# ---- router and endpoint -------------------------------------------------------------------

_VERBS = (
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "options",
    "head",
    "match",
    "live",
    "forward",
    "resources",
)


def _read_router_and_endpoint(repo: _Repo, modules: dict[str, _Module]) -> None:
    det = repo.det
    routers = [m for m in modules.values() if "Phoenix.Router" in m.uses or _uses_web(m, ":router")]
    endpoint = modules.get(str(det.endpoint.value)) if det.endpoint else None
    if endpoint is not None:
        body = endpoint.stmt.body or []
        for stmt, chain in ex.iter_statements(body):
            condition = _condition(chain)
            if stmt.head == "socket" and len(stmt.tokens) >= 3:
                args = ex.call_args(stmt.tokens)
                path = ex.literal(args[0]) if args else None
                module = ex.literal(args[1]) if len(args) > 1 else None
                if module == "Phoenix.LiveView.Socket" and isinstance(path, str):
                    det.liveview = Fact(
                        path,
                        Where(endpoint.file, stmt.line),
                        f'socket "{path}", Phoenix.LiveView.Socket',
                    )
                elif (
                    isinstance(path, str)
                    and isinstance(module, str)
                    and "LiveReloader" not in module
                    and condition is None
                ):
                    det.channels.append(
                        Fact(path, Where(endpoint.file, stmt.line), f'socket "{path}", {module}')
                    )
            if stmt.head == "plug" and len(stmt.tokens) >= 2 and condition is None:
                _endpoint_plug(det, endpoint, stmt, modules, routers)
    for router in routers:
        if det.router is None or (endpoint and router.name in _plugged(endpoint)):
            det.router = Fact(router.name, Where(router.file, router.stmt.line), router.name)
    if det.router is not None:
        router = modules[str(det.router.value)]
        _routes(det, router, router.stmt.body or [], "", [])


def _uses_web(module: _Module, kind: str) -> bool:
    for stmt in module.stmt.body or []:
        if stmt.head == "use" and len(stmt.tokens) >= 4 and stmt.tokens[-1].text == kind:
            return True
    return False


def _plugged(module: _Module) -> set[str]:
    return {
        str(s.tokens[1].value)
        for s in module.stmt.body or []
        if s.head == "plug" and len(s.tokens) >= 2 and s.tokens[1].kind == ex.ALIAS
    }


def _condition(chain: list[ex.Stmt]) -> str | None:
    for stmt in chain:
        if stmt.head in ("if", "unless", "case", "cond"):
            return ex.source_text(stmt.tokens)[:80]
    return None


def _endpoint_plug(
    det: Detection,
    endpoint: _Module,
    stmt: ex.Stmt,
    modules: dict[str, _Module],
    routers: list[_Module],
) -> None:
    args = ex.call_args(stmt.tokens)
    target = args[0][0] if args and args[0] else None
    if target is None or any(target.kind == ex.ALIAS and target.value == r.name for r in routers):
        return
    opts = ex.keywords(args[1:])
    where = Where(endpoint.file, stmt.line)
    for key in ("path", "at", "request_path"):
        value = ex.literal(opts[key]) if key in opts else None
        if isinstance(value, str) and value.startswith("/") and target.value != "Plug.Static":
            det.routes.append(Route("plug", value, where, None))
            return
    if target.kind == ex.ALIAS and str(target.value) in modules:
        body = list(modules[str(target.value)].stmt.all_tokens())
    elif target.kind == ex.ATOM:
        body = [
            t
            for s, _ in ex.iter_statements(endpoint.stmt.body or [])
            if s.head in ("def", "defp") and len(s.tokens) > 1 and s.tokens[1].text == target.value
            for t in s.all_tokens()
        ]
    else:
        return
    for path in _paths_matched(body):
        det.routes.append(Route("plug", path, where, None))


def _paths_matched(tokens: list[ex.Token]) -> list[str]:
    """Request paths a plug answers: `request_path: "/x"`, `request_path == "/x"`,
    `path_info: ["a", "b"]`, and the routes of a Plug.Router (`get "/x"`)."""
    out: list[str] = []
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1 : i + 3]
        if tok.kind == ex.KEY and tok.value == "request_path" and nxt and nxt[0].kind == ex.STRING:
            out.append(str(nxt[0].value))
        elif (
            tok.is_ident("request_path")
            and len(nxt) == 2
            and nxt[0].is_op("==")
            and nxt[1].kind == ex.STRING
        ):
            out.append(str(nxt[1].value))
        elif tok.kind == ex.KEY and tok.value == "path_info" and nxt and nxt[0].is_op("["):
            end = ex._closing(tokens, i + 1)
            parts = [ex.literal(p) for p in ex.split_top(tokens[i + 2 : end])]
            if parts and all(isinstance(p, str) for p in parts):
                out.append("/" + "/".join(str(p) for p in parts))
        elif (
            tok.kind == ex.IDENT
            and tok.text in ("get", "match")
            and nxt
            and nxt[0].kind == ex.STRING
            and str(nxt[0].value).startswith("/")
        ):
            out.append(str(nxt[0].value))
    return out


def _routes(
    det: Detection, router: _Module, stmts: list[ex.Stmt], prefix: str, chain: list[ex.Stmt]
) -> None:
    for stmt in stmts:
        head = stmt.head
        if head == "scope":
            args = ex.call_args(stmt.tokens)
            path = (
                ex.literal(args[0]) if args and args[0] and args[0][0].kind == ex.STRING else None
            )
            opts = ex.keywords(args)
            if path is None and "path" in opts:
                path = ex.literal(opts["path"])
            sub = _join(prefix, path if isinstance(path, str) else "")
            _routes(det, router, stmt.body or [], sub, chain)
        elif head in _VERBS and len(stmt.tokens) >= 2 and stmt.tokens[1].kind == ex.STRING:
            det.routes.append(
                Route(
                    head,
                    _join(prefix, str(stmt.tokens[1].value)),
                    Where(router.file, stmt.line),
                    _condition(chain),
                )
            )
        elif (
            head in ("live_dashboard",)
            and len(stmt.tokens) >= 2
            and stmt.tokens[1].kind == ex.STRING
        ):
            det.routes.append(
                Route(
                    "live",
                    _join(prefix, str(stmt.tokens[1].value)),
                    Where(router.file, stmt.line),
                    _condition(chain),
                )
            )
        elif stmt.body and head not in ("pipeline", "def", "defp", "defmacro"):
            _routes(det, router, stmt.body, prefix, [*chain, stmt])


def _join(prefix: str, path: str) -> str:
    joined = "/" + "/".join(p for p in (prefix + "/" + path).split("/") if p)
    return joined


# ---- release -------------------------------------------------------------------------------


def _read_release(repo: _Repo, modules: dict[str, _Module]) -> None:
    det = repo.det
    # The function that runs Ecto.Migrator: `MyApp.Release.migrate` as phx.gen.release writes
    # it, or whatever the team named theirs.
    for mod in modules.values():
        for stmt in mod.stmt.body or []:
            if stmt.head not in ("def", "defp") or len(stmt.tokens) < 2:
                continue
            if any(t.kind == ex.ALIAS and t.value == "Ecto.Migrator" for t in stmt.all_tokens()):
                name = stmt.tokens[1].text
                det.release_module = Fact(
                    f"{mod.name}.{name}", Where(mod.file, stmt.line), f"def {name} in {mod.name}"
                )
                break
        if det.release_module:
            break
    bin_dir = repo.root / "rel" / "overlays" / "bin"
    if bin_dir.is_dir():
        for path in sorted(bin_dir.iterdir()):
            if path.suffix == ".bat" or not path.is_file():
                continue
            text = repo.text(path)
            found = files.shell_exec_line(text or "")
            if found:
                det.overlay_scripts[path.name] = Fact(
                    found[0], Where(repo.rel(path), found[1]), found[0]
                )
                det.overlay_modes[path.name] = bool(path.stat().st_mode & 0o111)
    env_sh = repo.root / "rel" / "env.sh.eex"
    if env_sh.is_file():
        text = repo.text(env_sh) or ""
        det.env_sh = Fact(files.shell_exports(text), Where(repo.rel(env_sh), 1), "rel/env.sh.eex")


def _decide_migrate(det: Detection) -> None:
    """The command that migrates: fly.toml's release_command, else the overlay script that
    runs the release's migrate function (rel/overlays/bin/NAME is /app/bin/NAME in the image)."""
    if det.fly_toml is not None:
        command = det.fly_toml.data.get("deploy", {}).get("release_command")
        if isinstance(command, str):
            line = det.fly_toml.line_of("deploy", "release_command")
            det.migrate_command = Fact(
                command, Where(det.fly_toml_file, line), f'release_command = "{command}"'
            )
            return
    function = str(det.release_module.value) if det.release_module else None
    for name, fact in sorted(det.overlay_scripts.items(), key=lambda kv: kv[0] != "migrate"):
        if name == "server":
            continue
        if (function and function in fact.value) or "migrat" in fact.value.lower():
            det.migrate_command = Fact(f"/app/bin/{name}", fact.where, fact.value)
            return


# ---- Dockerfile, versions, fly.toml, port --------------------------------------------------


def _read_docker(repo: _Repo) -> None:
    det = repo.det
    path = repo.root / "Dockerfile"
    if path.is_file():
        text = repo.text(path) or ""
        det.dockerfile = Fact("Dockerfile", Where("Dockerfile", 1), "Dockerfile")
        for ins in files.dockerfile_instructions(text):
            where = Where("Dockerfile", ins.line)
            if ins.keyword == "ARG":
                for name, value in files.docker_assignments(ins.args).items():
                    if name == "ELIXIR_VERSION" and value:
                        det.elixir_sources.insert(
                            0, Fact(_minor(value) or value, where, f"ARG ELIXIR_VERSION={value}")
                        )
                    if name == "OTP_VERSION" and value:
                        det.otp = det.otp or Fact(value, where, f"ARG OTP_VERSION={value}")
            elif ins.keyword == "ENV":
                port = files.docker_assignments(ins.args).get("PORT")
                if port and port.isdigit():
                    det.port_sources.append(Fact(int(port), where, f"ENV PORT={port}"))
            elif ins.keyword == "EXPOSE":
                first = ins.args.split()[0].split("/")[0] if ins.args.split() else ""
                if first.isdigit():
                    det.docker_expose = Fact(int(first), where, f"EXPOSE {first}")
            elif ins.keyword == "CMD":
                det.docker_cmd = Fact(ins.args, where, f"CMD {ins.args}")
            elif ins.keyword == "FROM":
                m = re.search(r"hexpm/elixir:(\d+\.\d+)(\.\d+)?-erlang-([\d.]+)", ins.args)
                if m:
                    det.elixir_sources.insert(
                        0, Fact(m.group(1), where, f"FROM {ins.args.split()[0]}")
                    )
                    det.otp = det.otp or Fact(m.group(3), where, f"FROM {ins.args.split()[0]}")
    ignore = repo.root / ".dockerignore"
    if ignore.is_file():
        det.dockerignore = [
            Fact(p, Where(".dockerignore", n))
            for p, n in files.dockerignore_patterns(repo.text(ignore) or "")
        ]


def _read_versions(repo: _Repo) -> None:
    det = repo.det
    path = repo.root / ".tool-versions"
    if path.is_file():
        tools = files.tool_versions(repo.text(path) or "")
        if "elixir" in tools:
            version, line = tools["elixir"]
            minor = _minor(version)
            if minor:
                det.elixir_sources.insert(
                    0
                    if not det.elixir_sources or det.elixir_sources[0].where.file != "Dockerfile"
                    else 1,
                    Fact(minor, Where(".tool-versions", line), f"elixir {version}"),
                )
        if "erlang" in tools and det.otp is None:
            version, line = tools["erlang"]
            det.otp = Fact(version, Where(".tool-versions", line), f"erlang {version}")
    if det.elixir_sources:
        det.elixir = det.elixir_sources[0]


def _read_fly_toml(repo: _Repo) -> None:
    det = repo.det
    text = repo.read_if_present("fly.toml")
    if text is None:
        return
    try:
        det.fly_toml = files.read_toml(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError
        det.unreadable.append(Fact(str(exc), Where("fly.toml", 1), "not TOML"))
        return
    service = det.fly_toml.data.get("http_service")
    services = det.fly_toml.data.get("services")
    if not isinstance(service, dict) and isinstance(services, list) and services:
        service = services[0]
        where = Where("fly.toml", det.fly_toml.line_of("services", 0, "internal_port"))
        if isinstance(service, dict) and isinstance(service.get("internal_port"), int):
            port = service["internal_port"]
            det.port_sources.insert(0, Fact(port, where, f"[[services]] internal_port = {port}"))
        return
    if isinstance(service, dict) and isinstance(service.get("internal_port"), int):
        det.port_sources.insert(
            0,
            Fact(
                service["internal_port"],
                Where("fly.toml", det.fly_toml.line_of("http_service", "internal_port")),
                f"internal_port = {service['internal_port']}",
            ),
        )


def _decide_port(det: Detection) -> None:
    if det.port_sources:
        det.port = det.port_sources[0]
    elif det.docker_expose is not None:
        det.port = det.docker_expose
