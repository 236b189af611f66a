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
    """The HTTP health check Fly's proxy runs against each machine."""

    path: str = "/health"
    interval_s: float = 10.0
    timeout_s: float = 2.0
    grace_period_s: float = 10.0


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


def _check(c: HttpCheck) -> dict[str, Any]:
    return {
        "interval": format_duration(c.interval_s),
        "timeout": format_duration(c.timeout_s),
        "grace_period": format_duration(c.grace_period_s),
        "method": "GET",
        "path": c.path,
    }


def _concurrency(a: FlyTomlArgs) -> dict[str, Any]:
    return {"type": a.concurrency_type, "hard_limit": a.hard_limit, "soft_limit": a.soft_limit}


def document(a: FlyTomlArgs) -> dict[str, Any]:
    """The fly.toml as a plain structure; `render` is exactly this, serialised."""
    doc: dict[str, Any] = {
        "app": a.app,
        "primary_region": a.primary_region,
        "kill_signal": a.kill_signal,
        "kill_timeout": format_duration(a.kill_timeout_s),
    }
    if a.release_command:
        doc["deploy"] = {"release_command": a.release_command}
    # Sorted so the text, and so the deploy trigger, does not depend on dict order.
    doc["env"] = {k: a.env[k] for k in sorted(a.env)}
    if a.service == "http_service":
        doc["http_service"] = {
            "internal_port": a.internal_port,
            "force_https": a.force_https,
            "auto_stop_machines": a.auto_stop_machines,
            "auto_start_machines": a.auto_start_machines,
            "min_machines_running": a.min_machines_running,
            "processes": ["app"],
            "concurrency": _concurrency(a),
            # Under [http_service] the key is `checks`; `http_checks` there is silently ignored.
            "checks": [_check(a.check)],
        }
    else:
        doc["services"] = [
            {
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
                "http_checks": [_check(a.check)],
            }
        ]
    doc["vm"] = [{"memory": f"{a.memory_mib}mb", "cpu_kind": a.cpu_kind, "cpus": a.cpus}]
    return doc


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
