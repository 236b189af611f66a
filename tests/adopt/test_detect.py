"""Detection on the fixture trees: every signal the issue names, with the file and line it was
seen on. The trees in tests/adopt/fixtures are small Phoenix apps written for these tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from phxstack.adopt.detect import Detection, detect

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "my_app"


def fact(det: Detection, name: str) -> tuple[object, str] | None:
    found = getattr(det, name)
    return None if found is None else (found.value, str(found.where))


def roles(det: Detection) -> dict[str, tuple[str, str]]:
    return {r.role: (r.name, str(r.where)) for r in det.env_reads if r.role and r.runtime}


@pytest.fixture(scope="module")
def found() -> dict[str, Detection]:
    names = [p.name for p in FIXTURES.iterdir() if p.is_dir()]
    out = {name: detect(FIXTURES / name) for name in names}
    out["my_app"] = detect(EXAMPLE)
    return out


def test_every_fixture_is_read_whole(found: dict[str, Detection]) -> None:
    assert {name: det.unreadable for name, det in found.items() if det.unreadable} == {}


def test_umbrella_finds_the_child_with_the_endpoint(found: dict[str, Detection]) -> None:
    det = found["umbrella"]
    assert fact(det, "umbrella") == ("apps", "mix.exs:6")
    assert fact(det, "app") == ("acme_web", "apps/acme_web/mix.exs:6")
    assert det.web_dir == "apps/acme_web"
    assert [a.value for a in det.apps] == ["acme", "acme_web"]
    assert [r.value for r in det.releases] == ["acme"]
    # Deps come from every child; the dev-only live reloader is not a production dep.
    assert "postgrex" in det.deps and "phoenix" in det.deps
    assert "phoenix_live_reload" not in det.deps


def test_umbrella_database_clustering_oban_channels(found: dict[str, Detection]) -> None:
    det = found["umbrella"]
    assert fact(det, "database") == ("postgres", "apps/acme/lib/acme/repo.ex:2")
    assert fact(det, "oban") == ("Oban", "apps/acme/lib/acme/application.ex:13")
    assert {(c.value, str(c.where)) for c in det.clustering} == {
        ("Cluster.Supervisor", "apps/acme/lib/acme/application.ex:11"),
        ("libcluster", "apps/acme/mix.exs:26"),
        ("libcluster", "config/prod.exs:6"),
    }
    assert [(c.value, str(c.where)) for c in det.channels] == [
        ("/socket", "apps/acme_web/lib/acme_web/endpoint.ex:6")
    ]
    assert fact(det, "liveview") == ("/live", "apps/acme_web/lib/acme_web/endpoint.ex:7")


def test_versions_from_the_lock_the_dockerfile_and_tool_versions(
    found: dict[str, Detection],
) -> None:
    det = found["umbrella"]
    assert fact(det, "phoenix") == ("1.7", "mix.lock:3")
    assert fact(det, "elixir") == ("1.17", "Dockerfile:1")
    assert fact(det, "otp") == ("27.0.1", "Dockerfile:2")
    assert [str(s.where) for s in det.elixir_sources] == [
        "Dockerfile:1",
        ".tool-versions:1",
        "apps/acme/mix.exs:12",
        "apps/acme_web/mix.exs:12",
    ]
    assert fact(found["no_ecto"], "elixir") == ("1.16", "mix.exs:8")  # only the requirement
    assert fact(found["sqlite"], "elixir") == ("1.16", "Dockerfile:1")  # FROM hexpm/elixir:…


def test_no_ecto_app_has_no_database_and_a_health_plug(found: dict[str, Detection]) -> None:
    det = found["no_ecto"]
    assert det.database is None and det.repos == [] and det.release_module is None
    assert det.migrate_command is None
    (health, *_) = det.health_candidates()
    assert (health.verb, health.path, str(health.where)) == (
        "plug",
        "/healthz",
        "lib/pulse_web/endpoint.ex:9",
    )
    # A char literal `?#` and a sigil that spells a call are not env reads.
    assert "NOT_READ" not in {r.name for r in det.env_reads}
    assert fact(det, "port") == (8080, "config/runtime.exs:24")


def test_sqlite_and_waffle_s3(found: dict[str, Detection]) -> None:
    det = found["sqlite"]
    assert fact(det, "database") == ("sqlite", "lib/notes/repo.ex:2")
    assert fact(det, "storage_use") == ("Waffle.Storage.S3", "config/config.exs:7")
    assert fact(det, "storage") == ("ex_aws_s3", "mix.exs:18")


def test_custom_migrate_command_and_redis_pubsub(found: dict[str, Detection]) -> None:
    det = found["custom_migrate"]
    assert fact(det, "release_module") == (
        "Ledger.Tasks.Migrate.run",
        "lib/ledger/tasks/migrate.ex:5",
    )
    assert fact(det, "migrate_command") == ("/app/bin/db_migrate", "rel/overlays/bin/db_migrate:4")
    assert fact(det, "redis_pubsub") == ("Ledger.Application", "lib/ledger/application.ex:9")
    assert fact(det, "redis") == ("phoenix_pubsub_redis", "mix.exs:22")
    assert roles(det)["redis_url"] == ("REDIS_URL", "config/runtime.exs:9")


def test_env_names_other_than_the_conventional_ones(found: dict[str, Detection]) -> None:
    det = found["env_names"]
    assert roles(det) == {
        "database_url": ("POSTGRES_URL", "config/runtime.exs:6"),
        "pool_size": ("DB_POOL_SIZE", "config/runtime.exs:13"),
        "phx_host": ("APP_HOST", "config/runtime.exs:21"),
        "port": ("HTTP_PORT", "config/runtime.exs:22"),
        "secret_key_base": ("SECRET_KEY", "config/runtime.exs:23"),
    }
    others = {r.name: (r.required, r.default) for r in det.env_reads if r.role is None}
    assert others == {
        "STRIPE_SECRET_KEY": (True, None),
        "MAILER_FROM": (False, "shop@example.com"),
        "SUPPORT_EMAIL": (True, None),
        "GIT_SHA": (False, "unknown"),
    }
    (git_sha,) = [r for r in det.env_reads if r.name == "GIT_SHA"]
    assert not git_sha.runtime  # config/prod.exs is read when the release is built


def test_health_route_through_nested_scopes_not_the_dev_only_one(
    found: dict[str, Detection],
) -> None:
    det = found["scoped_health"]
    assert [(r.path, str(r.where)) for r in det.health_candidates()] == [
        ("/api/v1/health", "lib/atlas_web/router.ex:14")
    ]
    assert det.serves("/api/v1/health") is not None
    assert det.serves("/health") is None  # only inside `if Mix.env() == :dev`
    (dev,) = [r for r in det.routes if r.condition]
    assert (dev.path, dev.condition) == ("/health", "if Mix.env() == :dev")
    assert [(c.value, str(c.where)) for c in det.check_origin] == [
        (["https://atlas.example.com"], "config/runtime.exs:16")
    ]
    assert fact(det, "storage_use") == ("ex_aws", "config/runtime.exs:8")


def test_existing_fly_toml_is_read_with_lines(found: dict[str, Detection]) -> None:
    det = found["fly_toml"]
    toml = det.fly_toml
    assert toml is not None
    assert toml.data["primary_region"] == "ams"
    assert toml.line_of("http_service", "checks", 0, "path") == 47
    assert toml.line_of("mounts", "destination") == 27
    assert toml.line_of("statics", 0, "url_prefix") == 56
    assert fact(det, "migrate_command") == ("/app/bin/migrate", "fly.toml:13")
    assert fact(det, "port") == (8080, "fly.toml:30")  # fly.toml's internal_port wins
    assert fact(det, "elixir") == ("1.15", "Dockerfile:1")


def test_example_app_matches_the_seed(found: dict[str, Detection]) -> None:
    det = found["my_app"]
    assert fact(det, "app") == ("my_app", "mix.exs:6")
    assert fact(det, "phoenix") == ("1.7", "mix.exs:29")
    assert fact(det, "elixir") == ("1.16", "Dockerfile:2")
    assert fact(det, "database") == ("postgres", "lib/my_app/repo.ex:2")
    assert fact(det, "redis_pubsub") == ("MyApp.Application", "lib/my_app/application.ex:30")
    # The example app is shared with other tests; its router's lines are read, not copied.
    router = (EXAMPLE / "lib/my_app_web/router.ex").read_text().splitlines()
    health = next(i for i, ln in enumerate(router, 1) if 'get "/health",' in ln)
    assert next((r.path, str(r.where)) for r in det.health_candidates()) == (
        "/health",
        f"lib/my_app_web/router.ex:{health}",
    )
    assert det.serves("/dev/dashboard") is None
    assert fact(det, "migrate_command") == ("/app/bin/migrate", "rel/overlays/bin/migrate:5")
    assert det.env_sh is not None and "RELEASE_NODE" in det.env_sh.value
    assert det.storage_use is None  # ex_aws_s3 is a dependency, but nothing uses it


def test_mysql_repo_is_detected(tmp_path: Path) -> None:
    (tmp_path / "lib" / "a").mkdir(parents=True)
    (tmp_path / "mix.exs").write_text(
        "defmodule A.MixProject do\n  use Mix.Project\n  def project, do: [app: :a, deps: deps()]\n"
        '  defp deps do\n    [{:phoenix, "~> 1.7.0"}, {:myxql, "~> 0.7"}]\n  end\nend\n'
    )
    (tmp_path / "lib" / "a" / "repo.ex").write_text(
        "defmodule A.Repo do\n  use Ecto.Repo, otp_app: :a, adapter: Ecto.Adapters.MyXQL\nend\n"
    )
    det = detect(tmp_path)
    assert fact(det, "database") == ("mysql", "lib/a/repo.ex:2")


def test_an_unreadable_file_is_reported_and_the_rest_still_read(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "env_names", tmp_path / "app")
    (tmp_path / "app" / "lib" / "shop_web" / "broken.ex").write_text('defmodule X do\n  "open\n')
    det = detect(tmp_path / "app")
    assert [(str(u.where), u.detail) for u in det.unreadable] == [
        ("lib/shop_web/broken.ex:2", "not followed")
    ]
    assert fact(det, "database") == ("postgres", "lib/shop/repo.ex:2")
