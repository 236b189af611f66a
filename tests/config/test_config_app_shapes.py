"""The app-shape keys (issue #10): what each valid shape means, the env names derived values get,
and the combinations one provider cannot run, refused at the key with the reason."""

from __future__ import annotations

from typing import Any

import pytest
from cfg_helpers import FLY, GCP, load, only_problem, problems

from config.model import InferaConfig


def _derived(cfg: InferaConfig) -> dict[str, tuple[str, bool]]:
    return {d.name: (d.key, d.secret) for d in cfg.derived_env()}


def test_default_names_are_the_ones_flyctl_and_the_seed_use() -> None:
    cfg = load({**FLY, "database": {}, "cache": {}, "storage": {}})
    assert cfg.derived_secrets() == (
        "DATABASE_URL", "REDIS_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL_S3", "AWS_REGION", "BUCKET_NAME",
    )  # fmt: skip
    assert cfg.derived_plain_env() == {}


def test_database_url_and_parts_under_the_apps_names() -> None:
    env = {"url": "PG_URL", "host": "DATABASE_HOST", "name": "DATABASE_NAME",
           "user": "DATABASE_USER", "password": "DATABASE_PASSWORD", "port": "DATABASE_PORT"}  # fmt: skip
    fly = load({**FLY, "database": {"env": env}})
    # On Fly every part comes out of the attach's secret URL, so every part is a secret.
    assert fly.derived_secrets() == (
        "PG_URL", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER",
        "DATABASE_PASSWORD",
    )  # fmt: skip
    gcp = load({**GCP, "database": {"env": env}})
    assert gcp.derived_secrets() == ("PG_URL", "DATABASE_PASSWORD")
    assert gcp.derived_plain_env() == {
        "DATABASE_HOST": "database.env.host",
        "DATABASE_PORT": "database.env.port",
        "DATABASE_NAME": "database.env.name",
        "DATABASE_USER": "database.env.user",
    }
    assert "DATABASE_URL" not in gcp.secret_kinds()


def test_a_renamed_url_leaves_the_old_name_to_the_person() -> None:
    cfg = load({**FLY, "database": {"env": {"url": "POSTGRES_URL"}}, "secrets": ["DATABASE_URL"]})
    assert cfg.secret_kinds()["POSTGRES_URL"] == "derived"
    assert cfg.secret_kinds()["DATABASE_URL"] == "supplied"


def test_redis_under_another_name_and_memorystore_ca() -> None:
    cfg = load({**GCP, "cache": {"env": {"url": "PUBSUB_REDIS_URL", "ca_cert": "PUBSUB_CA"}}})
    assert cfg.derived_secrets() == ("PUBSUB_REDIS_URL", "PUBSUB_CA")


def test_gcs_bucket_names_are_plain_env_and_hmac_keys_are_secrets() -> None:
    storage = {
        "hmac": True,
        "buckets": [
            {"id": "uploads", "env": {"bucket": "BUCKET"}},
            {"id": "exports", "name": "acme-exports", "env": {"bucket": "EXPORTS_BUCKET"}},
        ],
    }
    cfg = load({**GCP, "storage": storage})
    # One HMAC key serves every bucket: the same four names are derived once.
    assert cfg.derived_secrets() == ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    assert cfg.derived_plain_env() == {
        "BUCKET": "storage.buckets.0.env.bucket",
        "AWS_ENDPOINT_URL_S3": "storage.buckets.0.env.endpoint",
        "AWS_REGION": "storage.buckets.0.env.region",
        "EXPORTS_BUCKET": "storage.buckets.1.env.bucket",
    }


def test_each_tigris_bucket_brings_its_own_keys() -> None:
    second = {"bucket": "MEDIA_BUCKET", "access_key_id": "MEDIA_KEY_ID",
              "secret_access_key": "MEDIA_SECRET", "endpoint": "MEDIA_ENDPOINT",
              "region": "MEDIA_REGION"}  # fmt: skip
    cfg = load({**FLY, "storage": {"buckets": [{"id": "uploads"}, {"id": "media", "env": second}]}})
    assert set(second.values()) <= set(cfg.derived_secrets())
    p = only_problem(
        {**FLY, "storage": {"buckets": [{}, {"id": "media", "env": {"bucket": "MEDIA_BUCKET"}}]}}
    )
    assert p.key == "storage.buckets[1].env"
    assert "flyctl sets" in p.message and "first Tigris bucket" in p.message


@pytest.mark.parametrize(
    ("data", "runs"),
    [
        ({**FLY}, False),
        ({**FLY, "database": {}}, True),
        ({**GCP, "database": {}, "migrations": {"enabled": False}}, False),
        # An external database whose URL is a supplied secret still migrates when asked.
        ({**GCP, "migrations": {"enabled": True}, "secrets": ["DATABASE_URL"]}, True),
    ],
)
def test_migrations_run_when_there_is_a_database_unless_told(
    data: dict[str, Any], runs: bool
) -> None:
    assert load(data).runs_migrations is runs


def test_commands_are_fly_toml_shell_words_or_lists() -> None:
    text = load({**FLY, "migrations": {"command": "/app/bin/shop eval 'Shop.Release.migrate()'"}})
    listed = load({**FLY, "migrations": {"command": ["/app/bin/shop", "eval",
                                                     "Shop.Release.migrate()"]}})  # fmt: skip
    assert text.migrations.command == listed.migrations.command == [
        "/app/bin/shop", "eval", "Shop.Release.migrate()",
    ]  # fmt: skip
    assert load({**FLY}).migrations.command == ["/app/bin/migrate"]


def test_processes_default_to_the_web_size_and_are_checked_per_provider() -> None:
    cfg = load({**GCP, "deployment": {"processes": {"worker": {"command": "/app/bin/worker"}}}})
    assert cfg.deployment.processes["worker"].count == 1
    p = only_problem({**GCP, "deployment": {"processes": {"worker": {"command": "x", "cpu": 3}}}})
    assert (p.key, p.message) == (
        "deployment.processes.worker.cpu",
        "'3' is not a Cloud Run CPU count; use 1, 2, 4, 6 or 8",
    )


def test_fly_regions_take_counts_and_typos_get_a_hint() -> None:
    cfg = load({**FLY, "deployment": {"regions": {"lhr": 1, "syd": 2}}})
    assert cfg.deployment.regions == {"lhr": 1, "syd": 2}
    p = only_problem({**FLY, "deployment": {"regions": {"lhrr": 1}}})
    assert p.key == "deployment.regions.lhrr" and "did you mean 'lhr'" in p.message


def test_gcp_volumes_mount_buckets_of_the_stack_or_nfs() -> None:
    cfg = load(
        {
            **GCP,
            "storage": {},
            "deployment": {
                "volumes": [
                    {"name": "media", "path": "/media", "type": "gcs", "bucket": "uploads"},
                    {"name": "share", "path": "/share", "type": "nfs", "server": "10.0.0.2",
                     "export": "/vol1", "read_only": True},
                ]
            },
        }
    )  # fmt: skip
    assert [v.type for v in cfg.deployment.volumes] == ["gcs", "nfs"]
    # Cloud Run reaches 10.0.0.2 only through the stack's own VPC (peering is not transitive).
    (nfs_warning,) = [m for k, m in cfg.warnings() if k == "deployment.volumes.1.server"]
    assert nfs_warning.startswith("10.0.0.2 must be reachable from this stack's own VPC network")
    assert '--network=name="$(pulumi stack output vpc_network)"' in nfs_warning


def test_a_volume_on_several_fly_machines_warns_that_they_do_not_share_it() -> None:
    volumes = [{"name": "data", "path": "/data"}]
    one = load({**FLY, "deployment": {"machines": {"count": 1}, "volumes": volumes}})
    assert [k for k, _ in one.warnings()] == []
    two = load({**FLY, "deployment": {"machines": {"count": 2}, "volumes": volumes}})
    assert "deployment.volumes" in [k for k, _ in two.warnings()]


def test_health_check_shapes() -> None:
    tcp = load({**FLY, "deployment": {"health_check": {"type": "tcp"}}})
    assert tcp.deployment.health_check.type == "tcp"
    http = load(
        {**FLY, "deployment": {"health_check": {"method": "HEAD",
                                                 "headers": {"X-Forwarded-Proto": "https"}}}}
    )  # fmt: skip
    assert http.deployment.health_check.headers == {"X-Forwarded-Proto": "https"}
    prod = load({**FLY, "deployment": {"health_check": {"type": "none"}}}, stack="prod")
    assert "deployment.health_check.type" in [k for k, _ in prod.warnings()]


def test_every_refusal_is_listed_in_one_run() -> None:
    found = problems(
        {
            **GCP,
            "deployment": {
                "regions": {"europe-west1": 1},
                "swap_size_mb": 512,
                "volumes": [{"name": "data", "path": "/data"}],
            },
        }
    )
    assert {p.key for p in found} == {
        "deployment.regions", "deployment.swap_size_mb", "deployment.volumes[0].type",
    }  # fmt: skip


def test_build_args_are_text() -> None:
    cfg = load({**FLY, "app": {"build": {"args": {"ELIXIR_VERSION": 1.16, "SKIP": True},
                                         "target": "runner"}}})  # fmt: skip
    assert cfg.app.build.args == {"ELIXIR_VERSION": "1.16", "SKIP": "true"}
    assert cfg.app.build.target == "runner"


def test_keys_a_provider_does_not_build_yet_stop_the_program_instead_of_vanishing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pathlib import Path

    import components.fly.settings as fly_settings
    from config.context import StackContext

    # The Fly adapter builds every key today; the refusal stays for the next key added.
    monkeypatch.setattr(fly_settings, "NOT_YET", frozenset({"deployment.processes"}))
    cfg = load({**FLY, "deployment": {"processes": {"worker": {"command": "/app/bin/w"}}}})
    ctx = StackContext(infera=cfg, stack="dev", project_dir=Path("."))
    with pytest.raises(fly_settings.FlySettingsError, match=r"deployment\.processes"):
        fly_settings.fly_args(ctx)
