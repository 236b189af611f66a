"""fly.toml rendering: the text parses back to exactly the structure we meant, with exactly one
of [http_service] / [[services]] (flyctl issue #1635), and config maps to the right values."""

from __future__ import annotations

import os
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from components.fly.settings import CLUSTER_ENV, fly_args
from components.fly.toml import FlyTomlArgs, HttpCheck, document, render, render_for_trigger
from config.context import StackContext
from config.model import InferaConfig

BASE = FlyTomlArgs(app="shop", primary_region="iad", internal_port=4000, env={"PORT": "4000"})

CASES = {
    "seed-like http_service": (BASE, {"http_service"}),
    "services style": (replace(BASE, service="services"), {"services"}),
    "with database": (replace(BASE, release_command="/app/bin/migrate"), {"http_service"}),
    "sub-second check": (replace(BASE, check=HttpCheck("/up", 0.5, 0.25, 0)), {"http_service"}),
    "performance vm": (replace(BASE, cpu_kind="performance", cpus=1, memory_mib=2048), set()),
    "no machines": (replace(BASE, min_machines_running=0), set()),
}


@pytest.mark.parametrize("name", CASES)
def test_rendered_toml_parses_back_to_the_same_structure(name: str) -> None:
    args, _ = CASES[name]
    assert tomllib.loads(render(args)) == document(args)


@pytest.mark.parametrize("name", CASES)
def test_exactly_one_service_section(name: str) -> None:
    args, expected = CASES[name]
    doc = tomllib.loads(render(args))
    present = {k for k in ("http_service", "services") if k in doc}
    assert len(present) == 1
    assert not expected or present == expected


def test_http_service_shape_matches_fly_launch_for_phoenix() -> None:
    doc = tomllib.loads(render(replace(BASE, release_command="/app/bin/migrate")))
    assert doc["kill_signal"] == "SIGTERM" and doc["kill_timeout"] == "5s"
    assert doc["deploy"] == {"release_command": "/app/bin/migrate"}
    assert doc["http_service"] == {
        "internal_port": 4000,
        "force_https": True,
        "auto_stop_machines": "off",
        "auto_start_machines": True,
        "min_machines_running": 2,
        "processes": ["app"],
        "concurrency": {"type": "connections", "hard_limit": 1000, "soft_limit": 800},
        "checks": [
            {"interval": "10s", "timeout": "2s", "grace_period": "10s", "method": "GET",
             "path": "/health"}
        ],
    }  # fmt: skip
    assert doc["vm"] == [{"memory": "512mb", "cpu_kind": "shared", "cpus": 2}]
    assert "deploy" not in tomllib.loads(render(BASE))


def test_trigger_text_ignores_the_machine_count_only() -> None:
    assert render_for_trigger(BASE) == render_for_trigger(replace(BASE, min_machines_running=5))
    assert render_for_trigger(BASE) != render_for_trigger(replace(BASE, env={"PORT": "1"}))


def test_env_order_does_not_change_the_text() -> None:
    a = replace(BASE, env={"A": "1", "B": "2"})
    b = replace(BASE, env={"B": "2", "A": "1"})
    assert render(a) == render(b)


def ctx(cfg: dict, stack: str = "dev") -> StackContext:
    infera = InferaConfig.model_validate(cfg, context={"stack": stack})
    return StackContext(infera=infera, stack=stack, project_dir=Path("/src"), fly_org="acme")


def test_fly_args_from_config_sets_clustering_env_and_defaults() -> None:
    args = fly_args(ctx({"project_name": "shop", "provider": "fly", "database": {},
                         "env_vars": {"FEATURE": "x"}}))  # fmt: skip
    env = dict(args.toml.env)
    assert env == {
        "FEATURE": "x", "PHX_HOST": "shop-dev.fly.dev", "PHX_SERVER": "true", "PORT": "4000",
        "DNS_CLUSTER_QUERY": "shop-dev.internal", "POOL_SIZE": "10", **CLUSTER_ENV,
    }  # fmt: skip
    assert "RELEASE_NODE" not in env  # per machine, from rel/env.sh.eex
    assert args.toml.release_command == "/app/bin/migrate"
    assert (args.toml.cpu_kind, args.toml.cpus, args.toml.memory_mib) == ("shared", 2, 512)
    assert args.ip_kinds == ("v6", "shared_v4")
    assert args.database is not None and args.database.kind == "mpg"
    assert (args.database.name, args.database.org, args.database.volume_size_gb) == (
        "shop-dev-db", "acme", 10,
    )  # fmt: skip
    # Relative to the directory Pulumi runs in, so state is the same on every machine.
    assert args.build_path == os.path.relpath("/src") and args.image is None
    assert args.protect is False


@pytest.mark.parametrize(
    ("deployment", "ips"),
    [({}, ("v6", "shared_v4")), ({"dedicated_ipv4": True}, ("v6", "v4")),
     ({"public": False}, ("private_v6",))],
)  # fmt: skip
def test_ip_kinds_follow_the_config(deployment: dict, ips: tuple[str, ...]) -> None:
    cfg = {"project_name": "shop", "provider": "fly", "deployment": deployment}
    assert fly_args(ctx(cfg)).ip_kinds == ips


def test_unmanaged_postgres_and_production_protection() -> None:
    cfg = {
        "project_name": "shop",
        "provider": "fly",
        "database": {"provider": "fly-postgres", "size": "2gb", "high_availability": True},
    }
    args = fly_args(ctx(cfg, stack="prod"))
    assert args.app_name == "shop" and args.protect is True
    assert args.database is not None
    assert (args.database.kind, args.database.vm_size, args.database.vm_memory_mb,
            args.database.cluster_size) == ("unmanaged", "shared-cpu-1x", 2048, 2)  # fmt: skip
