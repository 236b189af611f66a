"""fly.toml rendering: typed arguments in, the text `fly deploy --config` reads out.

Owns the shape of the file: which sections exist and what goes in them, following the seed's
sample and what `fly launch` writes for Phoenix (flyctl `scanner/phoenix.go`, fly.md §2-§3).
Pure: no Pulumi, no flyctl. Where the values come from is `components.fly.settings`' job.

The seed's sample declares `[http_service]` and a `[[services]]` on the same internal port.
flyctl accepts that, but the machine gets two services for one port and the health checks
misbehave (flyctl issue #1635; the validation PR #3522 was closed). So the document has exactly
one of them, chosen by `FlyTomlArgs.service`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import tomli_w

from config.units import format_duration

ServiceStyle = Literal["http_service", "services"]


@dataclass(frozen=True)
class HttpCheck:
    """The health check Fly's proxy runs against each machine of the web process.

    `kind` http is a request to `path` ([[http_service.checks]]); tcp only opens a connection
    to the port, which flyctl can express only under [[services]] ([[services.tcp_checks]]:
    appconfig/service.go gives [http_service] HTTP checks alone); none renders no check.
    """

    path: str = "/health"
    interval_s: float = 10.0
    timeout_s: float = 2.0
    grace_period_s: float = 10.0
    kind: Literal["http", "tcp", "none"] = "http"
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProcessGroup:
    """A process group besides the web one: its [processes] command, [[vm]] size and check."""

    name: str
    # Shell words, as fly.toml's [processes] holds them (flyctl shlex-splits them again).
    command: str
    cpu_kind: str
    cpus: int
    memory_mib: int
    check: MachineCheck | None = None


@dataclass(frozen=True)
class MachineCheck:
    """A top-level [checks.NAME] machine check for one process group (no proxy involved)."""

    kind: Literal["tcp", "http"]
    port: int
    interval_s: float
    timeout_s: float
    grace_period_s: float
    path: str | None = None


@dataclass(frozen=True)
class Mount:
    """A [[mounts]] entry: one Fly volume per machine of each listed group."""

    source: str
    destination: str
    processes: tuple[str, ...]
    initial_size_gb: int | None = None
    snapshot_retention: int | None = None


@dataclass(frozen=True)
class Static:
    guest_path: str
    url_prefix: str


@dataclass(frozen=True)
class ExtraPort:
    """A public port besides 80/443: its own [[services]] entry for the web process."""

    port: int
    internal_port: int
    protocol: Literal["tcp", "udp"] = "tcp"
    handlers: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlyTomlArgs:
    """Everything fly.toml says, already resolved from infera.yaml."""

    app: str
    primary_region: str
    internal_port: int
    # The whole [env] table, including PHX_HOST, PORT and the clustering variables.
    env: Mapping[str, str] = field(default_factory=dict)
    kill_timeout_s: float = 5.0
    # `/app/bin/migrate` when the app has a database (what `fly launch` writes for Ecto apps).
    release_command: str | None = None
    min_machines_running: int = 2
    concurrency_type: Literal["connections", "requests"] = "connections"
    soft_limit: int = 800
    hard_limit: int = 1000
    check: HttpCheck = field(default_factory=HttpCheck)
    cpu_kind: str = "shared"
    cpus: int = 2
    memory_mib: int = 512
    force_https: bool = True
    # Machines stay up: BEAM nodes that stop drop out of the cluster and their LiveView sockets.
    auto_stop_machines: Literal["off", "stop", "suspend"] = "off"
    auto_start_machines: bool = True
    service: ServiceStyle = "http_service"
    kill_signal: str = "SIGTERM"
    swap_size_mb: int | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)
    build_target: str | None = None
    # [deploy]: written only when they differ from flyctl's defaults (rolling, 5m).
    strategy: str = "rolling"
    release_command_timeout_s: float | None = None
    # The web process's command when it has no [processes] entry: [experimental] cmd.
    cmd: tuple[str, ...] | None = None
    # Shell words of the web command in [processes] (None: the image's CMD).
    web_command: str | None = None
    processes: tuple[ProcessGroup, ...] = ()
    mounts: tuple[Mount, ...] = ()
    statics: tuple[Static, ...] = ()
    extra_ports: tuple[ExtraPort, ...] = ()


def _check(c: HttpCheck) -> dict[str, Any]:
    timing = {
        "interval": format_duration(c.interval_s),
        "timeout": format_duration(c.timeout_s),
        "grace_period": format_duration(c.grace_period_s),
    }
    if c.kind == "tcp":
        return timing
    out: dict[str, Any] = {**timing, "method": c.method, "path": c.path}
    if c.headers:
        # A map, as appconfig.ServiceHTTPCheck reads `headers` (the list form is legacy).
        out["headers"] = dict(c.headers)
    return out


def _concurrency(a: FlyTomlArgs) -> dict[str, Any]:
    return {"type": a.concurrency_type, "hard_limit": a.hard_limit, "soft_limit": a.soft_limit}


def _machine_check(c: MachineCheck, group: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": c.kind,
        "port": c.port,
        "interval": format_duration(c.interval_s),
        "timeout": format_duration(c.timeout_s),
        "grace_period": format_duration(c.grace_period_s),
    }
    if c.kind == "http":
        out |= {"method": "GET", "path": c.path or "/health"}
    return out | {"processes": [group]}


def _vm(cpu_kind: str, cpus: int, memory_mib: int, group: str | None) -> dict[str, Any]:
    vm: dict[str, Any] = {"memory": f"{memory_mib}mb", "cpu_kind": cpu_kind, "cpus": cpus}
    # With process groups every [[vm]] names its group: flyctl picks the most specific entry
    # (appconfig ComputeForGroup), and a reader never has to know that rule.
    return vm | {"processes": [group]} if group else vm


def document(a: FlyTomlArgs) -> dict[str, Any]:
    """The fly.toml as a plain structure; `render` is exactly this, serialised."""
    doc: dict[str, Any] = {
        "app": a.app,
        "primary_region": a.primary_region,
        "kill_signal": a.kill_signal,
        "kill_timeout": format_duration(a.kill_timeout_s),
    }
    if a.swap_size_mb is not None:
        doc["swap_size_mb"] = a.swap_size_mb
    if a.cmd is not None and not a.processes:
        doc["experimental"] = {"cmd": list(a.cmd)}
    build: dict[str, Any] = {}
    if a.build_args:
        build["args"] = {k: a.build_args[k] for k in sorted(a.build_args)}
    if a.build_target:
        build["build-target"] = a.build_target
    if build:
        doc["build"] = build
    deploy: dict[str, Any] = {}
    if a.release_command:
        deploy["release_command"] = a.release_command
        if a.release_command_timeout_s is not None:
            deploy["release_command_timeout"] = format_duration(a.release_command_timeout_s)
    if a.strategy != "rolling":
        deploy["strategy"] = a.strategy
    if deploy:
        doc["deploy"] = deploy
    # Sorted so the text, and so the deploy trigger, does not depend on dict order.
    doc["env"] = {k: a.env[k] for k in sorted(a.env)}
    if a.processes:
        # "app" must be listed, or flyctl makes the first other group the default one and the
        # web service names a group that does not exist (appconfig DefaultProcessName). An
        # empty command keeps the image's CMD (appconfig InitCmd).
        doc["processes"] = {"app": a.web_command or ""} | {p.name: p.command for p in a.processes}
    if a.mounts:
        doc["mounts"] = [_mount(m) for m in a.mounts]
    checks = [] if a.check.kind == "none" else [_check(a.check)]
    if a.service == "http_service" and a.check.kind != "tcp":
        service: dict[str, Any] = {
            "internal_port": a.internal_port,
            "force_https": a.force_https,
            "auto_stop_machines": a.auto_stop_machines,
            "auto_start_machines": a.auto_start_machines,
            "min_machines_running": a.min_machines_running,
            "processes": ["app"],
            "concurrency": _concurrency(a),
        }
        if checks:
            # Under [http_service] the key is `checks`; `http_checks` there is silently ignored.
            service["checks"] = checks
        doc["http_service"] = service
        services: list[dict[str, Any]] = []
    else:
        web: dict[str, Any] = {
            "protocol": "tcp",
            "internal_port": a.internal_port,
            "auto_stop_machines": a.auto_stop_machines,
            "auto_start_machines": a.auto_start_machines,
            "min_machines_running": a.min_machines_running,
            "processes": ["app"],
            "ports": [
                {"port": 80, "handlers": ["http"], "force_https": a.force_https},
                {"port": 443, "handlers": ["tls", "http"]},
            ],
            "concurrency": _concurrency(a),
        }
        if checks:
            web["tcp_checks" if a.check.kind == "tcp" else "http_checks"] = checks
        services = [web]
    services += _extra_services(a)
    if services:
        doc["services"] = services
    machine_checks = {p.name: _machine_check(p.check, p.name) for p in a.processes if p.check}
    if machine_checks:
        doc["checks"] = machine_checks
    if a.processes:
        doc["vm"] = [_vm(a.cpu_kind, a.cpus, a.memory_mib, "app")] + [
            _vm(p.cpu_kind, p.cpus, p.memory_mib, p.name) for p in a.processes
        ]
    else:
        doc["vm"] = [_vm(a.cpu_kind, a.cpus, a.memory_mib, None)]
    if a.statics:
        doc["statics"] = [
            {"guest_path": s.guest_path, "url_prefix": s.url_prefix} for s in a.statics
        ]
    return doc


def _mount(m: Mount) -> dict[str, Any]:
    out: dict[str, Any] = {"source": m.source, "destination": m.destination}
    if m.initial_size_gb is not None:
        out["initial_size"] = f"{m.initial_size_gb}gb"
    if m.snapshot_retention is not None:
        out["snapshot_retention"] = m.snapshot_retention
    # Always listed: a mount without processes belongs to the default group only
    # (appconfig Flatten), which is easy to misread once there are several groups.
    return out | {"processes": list(m.processes)}


def _extra_services(a: FlyTomlArgs) -> list[dict[str, Any]]:
    # One [[services]] per internal port and protocol, with all its public ports: two services
    # on one internal port is the duplicate flyctl issue #1635 warns about.
    grouped: dict[tuple[int, str], list[ExtraPort]] = {}
    for p in a.extra_ports:
        grouped.setdefault((p.internal_port, p.protocol), []).append(p)
    return [
        {
            "protocol": protocol,
            "internal_port": internal,
            "auto_stop_machines": a.auto_stop_machines,
            "auto_start_machines": a.auto_start_machines,
            "processes": ["app"],
            "ports": [{"port": p.port, "handlers": list(p.handlers)} for p in ports],
        }
        for (internal, protocol), ports in grouped.items()
    ]


def render(a: FlyTomlArgs) -> str:
    """fly.toml text, deterministic for equal arguments."""
    return tomli_w.dumps(document(a))


def render_for_trigger(a: FlyTomlArgs) -> str:
    """The file with the machine count left out, for the deploy trigger.

    `scale count` owns how many machines run; if `min_machines_running` were in the trigger, a
    count change would redeploy every machine as well as scale. The new floor reaches the
    machines with the next deploy that something else causes.
    """
    return render(replace(a, min_machines_running=0))
