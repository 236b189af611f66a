"""The Fly half of the shapes corpus: the fly.toml each config renders, parsed with tomllib,
holds the keys flyctl reads (internal/appconfig/config.go, service.go, processgroups.go at
ad0172fa), and the machines land where the config says (one `scale count` per group and
region, scale/count_machines.go)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.shapes.harness import FLY, cases, fly_toml, of_type, one, plan

WEB_CHECK = {"interval": "10s", "timeout": "2s", "grace_period": "10s", "method": "GET"}


def scales(name: str) -> list[dict[str, Any]]:
    return [
        {k: r["inputs"][k] for k in ("count", "region", "process_group") if k in r["inputs"]}
        for r in of_type(plan(name), FLY + "Scale")
    ]


def test_every_fly_config_is_checked_here() -> None:
    checked = {n.removeprefix("test_") + ".yaml" for n in globals() if n.startswith("test_fly_")}
    assert {n for n, _ in cases("fly")} <= checked


def test_fly_custom_migrations() -> None:
    doc = fly_toml("fly_custom_migrations.yaml")
    # flyctl shlex-splits release_command (appconfig ToReleaseMachineConfig).
    assert doc["deploy"] == {
        "release_command": "/entrypoint.sh db migrate",
        "release_command_timeout": "600s",
    }
    assert doc["http_service"]["checks"] == [
        {"interval": "15s", "timeout": "5s", "grace_period": "30s", "method": "GET",
         "path": "/api/health"}
    ]  # fmt: skip
    assert doc["http_service"]["internal_port"] == 8000


def test_fly_sqlite_volume() -> None:
    doc = fly_toml("fly_sqlite_volume.yaml")
    # No release_command: migrations are off, though the image has /app/bin/migrate.
    assert doc["deploy"] == {"strategy": "immediate"}
    assert doc["mounts"] == [
        {"source": "pinchflat_config", "destination": "/config", "initial_size": "5gb",
         "snapshot_retention": 14, "processes": ["app"]}
    ]  # fmt: skip
    assert (doc["kill_signal"], doc["kill_timeout"]) == ("SIGINT", "30s")
    deploy = one(plan("fly_sqlite_volume.yaml"), FLY + "Deploy")
    assert deploy["inputs"]["strategy"] == "immediate"  # --strategy would override fly.toml
    assert scales("fly_sqlite_volume.yaml") == [{"count": 1, "region": "ord"}]


def test_fly_tcp_check_regions() -> None:
    doc = fly_toml("fly_tcp_check_regions.yaml")
    assert "http_service" not in doc  # [http_service] takes HTTP checks only
    (web,) = doc["services"]
    assert web["tcp_checks"] == [{"interval": "15s", "timeout": "2s", "grace_period": "30s"}]
    assert "http_checks" not in web
    assert web["ports"] == [
        {"port": 80, "handlers": ["http"], "force_https": True},
        {"port": 443, "handlers": ["tls", "http"]},
    ]
    assert (web["internal_port"], web["processes"]) == (4000, ["app"])
    assert doc["swap_size_mb"] == 512
    assert doc["primary_region"] == "iad"
    assert scales("fly_tcp_check_regions.yaml") == [
        {"count": 2, "region": "iad"}, {"count": 2, "region": "fra"}, {"count": 1, "region": "sin"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("stack", "app"), [("dev", "changelog-dev"), ("prod", "changelog-2024-01-12")]
)
def test_fly_bluegreen_app_name(stack: str, app: str) -> None:
    doc = fly_toml("fly_bluegreen_app_name.yaml", stack)
    assert doc["app"] == app
    assert doc["env"]["PHX_HOST"] == f"{app}.fly.dev"
    assert doc["deploy"] == {"release_command": "/app/bin/migrate", "strategy": "bluegreen"}
    # auto_rollback: flyctl ignores [experimental] auto_rollback; bluegreen is what rolls back.
    assert "experimental" not in doc
    assert doc["http_service"]["checks"] == [
        WEB_CHECK | {"path": "/health", "headers": {"X-Forwarded-Proto": "https"}}
    ]
    data = plan("fly_bluegreen_app_name.yaml", stack)
    assert one(data, FLY + "App")["inputs"]["name"] == app
    assert one(data, FLY + "Postgres")["inputs"]["name"] == f"{app}-db"
    assert one(data, FLY + "Deploy")["inputs"]["strategy"] == "bluegreen"
    assert data["outputs"]["app_name"] == app


def test_fly_build_args_statics() -> None:
    doc = fly_toml("fly_build_args_statics.yaml")
    assert doc["build"] == {
        "args": {"FLAVOUR": "social", "MIX_ENV": "prod"},
        "build-target": "final",
    }
    assert doc["statics"] == [{"guest_path": "/opt/app/priv/static", "url_prefix": "/assets"}]
    assert "checks" not in doc["http_service"]  # health_check.type: none
    assert doc["deploy"] == {
        "release_command": "/opt/app/bin/bonfire eval 'EctoSparkles.Migrator.migrate()'"
    }


def test_fly_worker_process() -> None:
    doc = fly_toml("fly_worker_process.yaml")
    # "app" is listed, so it stays the default group the HTTP service is bound to
    # (appconfig DefaultProcessName).
    assert doc["processes"] == {
        "app": "/app/bin/nerves_hub start",
        "device": "/app/bin/nerves_hub start --role device",
    }
    assert "experimental" not in doc
    assert doc["http_service"]["processes"] == ["app"]
    assert doc["checks"] == {
        "device": {"type": "tcp", "port": 4001, "interval": "15s", "timeout": "2s",
                   "grace_period": "10s", "processes": ["device"]}
    }  # fmt: skip
    assert doc["vm"] == [
        {"memory": "1024mb", "cpu_kind": "shared", "cpus": 2, "processes": ["app"]},
        {"memory": "2048mb", "cpu_kind": "performance", "cpus": 1, "processes": ["device"]},
    ]
    assert scales("fly_worker_process.yaml") == [
        {"count": 2, "region": "iad"}, {"count": 3, "region": "iad", "process_group": "device"},
    ]  # fmt: skip
    secrets = plan("fly_worker_process.yaml")["outputs"]["secret_names"]
    assert "PUBSUB_REDIS_URL" in secrets and "REDIS_URL" not in secrets


def test_fly_raw_tcp_port() -> None:
    doc = fly_toml("fly_raw_tcp_port.yaml")
    assert doc["services"] == [
        {"protocol": "tcp", "internal_port": 65432, "auto_stop_machines": "off",
         "auto_start_machines": True, "processes": ["app"],
         "ports": [{"port": 65432, "handlers": ["pg_tls"]}, {"port": 5433, "handlers": []}]}
    ]  # fmt: skip
    assert doc["http_service"]["internal_port"] == 5133
    assert "deploy" not in doc
    kinds = {r["inputs"]["kind"] for r in of_type(plan("fly_raw_tcp_port.yaml"), FLY + "Ip")}
    assert kinds == {"v6", "v4"}


def test_fly_database_parts() -> None:
    data = plan("fly_database_parts.yaml")
    assert "variable_name" not in one(data, FLY + "Postgres")["inputs"]  # the URL stays put
    names = data["outputs"]["secret_names"]
    parts = ["DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASS"]
    assert set(parts) <= set(names)
    # Parts come from the attach's connection string, so the secrets wait for the database.
    secrets = one(data, FLY + "Secrets")
    assert any(d.endswith("teslamate-db") for d in secrets["dependencies"])
    assert "deploy" not in fly_toml("fly_database_parts.yaml")


def test_fly_database_url_name() -> None:
    data = plan("fly_database_url_name.yaml")
    # postgres/attach.go and mpg/v2/run_attach.go: --variable-name names the secret.
    assert one(data, FLY + "Postgres")["inputs"]["variable_name"] == "PG_URL"
    names = data["outputs"]["secret_names"]
    assert "PG_URL" in names and "DATABASE_URL" not in names
    assert fly_toml("fly_database_url_name.yaml")["deploy"] == {
        "release_command": "/app/bin/sequin eval 'Sequin.Release.migrate()'"
    }


def test_fly_buckets() -> None:
    data = plan("fly_buckets.yaml")
    buckets = {r["name"]: r["inputs"] for r in of_type(data, FLY + "Storage")}
    assert buckets == {
        # The app's own bucket, as before: flyctl sets its keys under its own names.
        "changelog-media-storage": {"app": "changelog-media", "name": "changelog-uploads"},
        # flyctl refuses a second bucket for an app (extensions/core/core.go), so it is made
        # for the org and its printed keys go out under the app's names.
        "changelog-media-storage-feeds": {
            "app": "changelog-media", "name": "changelog-feeds", "org": "personal",
            "detached": True,
        },
    }  # fmt: skip
    names = set(data["outputs"]["secret_names"])
    assert {"FEEDS_BUCKET", "FEEDS_ACCESS_KEY_ID", "FEEDS_SECRET_ACCESS_KEY"} <= names
    assert {"BUCKET_NAME", "AWS_ACCESS_KEY_ID"} <= names
    assert all(r["protect"] for r in of_type(data, FLY + "Storage"))
    assert data["outputs"]["bucket_name"] == "changelog-uploads"  # the first bucket's
    assert data["outputs"]["buckets"] == {
        "uploads": "changelog-uploads",
        "feeds": "changelog-feeds",
    }


@pytest.mark.parametrize(("name", "stack"), cases("fly"))
def test_fly_shapes_pass_the_policy_pack_or_say_why_not(name: str, stack: str) -> None:
    # A TCP check is a health check, and the web machines count over every region (one
    # Scale each); what a shape really lacks is overridden in its file, with the reason.
    data = plan(name, stack)
    assert [v for v in data["violations"] if v["enforcement"] == "mandatory"] == []


def test_plan_text_lists_which_process_runs_where() -> None:
    from pathlib import Path

    from tests.shapes.harness import ROOT, run_cli

    regions = str(Path(__file__).with_name("fly_tcp_check_regions.yaml"))
    code, out, err = run_cli("plan", "--config", regions, "--stack", "prod",
                             "--project-dir", str(ROOT))  # fmt: skip
    assert code == 0, err
    assert "Processes (machines per region):\n    app (web): iad x2, fra x2, sin x1\n" in out
    worker = str(Path(__file__).with_name("fly_worker_process.yaml"))
    out = run_cli("plan", "--config", worker, "--stack", "prod", "--project-dir", str(ROOT))[1]
    assert "    app (web): iad x2\n    device: iad x3\n" in out
