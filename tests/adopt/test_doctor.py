"""`phxstack doctor` finds each planted mistake, at its file and line, with the fix; a clean
app and config exit 0, findings exit 1, an invalid config exits 2 without a traceback."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from phxstack.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def setup(tmp_path: Path, fixture: str, infera: str, stack_file: str = "") -> tuple[Path, Path]:
    app = tmp_path / "app"
    src = ROOT / "examples" / "my_app" if fixture == "my_app" else FIXTURES / fixture
    shutil.copytree(src, app)
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    config = infra / "infera.yaml"
    config.write_text(infera)
    (infra / "Pulumi.dev.yaml").write_text(stack_file or "config:\n  phoenix:config: infera.yaml\n")
    return app, config


def doctor(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["doctor", "--config", str(config), "--stack", "dev"])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def line_of(path: Path, text: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if text in ln)


# The example app is shared with other tests; its health route's line is read, not copied.
EXAMPLE_HEALTH = "lib/my_app_web/router.ex:" + str(
    line_of(ROOT / "examples/my_app/lib/my_app_web/router.ex", 'get "/health",')
)

FLY = """project_name: {name}
provider: fly
app:
  path: ../app
deployment:
  health_check:
    path: {health}
"""
GCP = """project_name: {name}
provider: gcp
app:
  path: ../app
deployment:
  machines:
    count: {count}
  health_check:
    path: {health}
"""
GCP_STACK = "config:\n  phoenix:config: infera.yaml\n  gcp:project: p-1\n  gcpProjectNumber: '42'\n"


def test_the_sample_config_and_example_app_are_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--config", str(ROOT / "infera.yaml")]) == 0
    out, err = capsys.readouterr()
    assert "no findings" in out and err == ""


@pytest.mark.parametrize("fixture", ["fly_toml", "custom_migrate_fixed"])
def test_a_fitting_config_is_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: str
) -> None:
    if fixture == "fly_toml":
        _, config = setup(
            tmp_path,
            "fly_toml",
            FLY.format(name="relay", health="/healthz")
            + "database: {}\nframework:\n  elixir_version: '1.15'\n",
        )
    else:
        app, config = setup(
            tmp_path,
            "custom_migrate",
            GCP.format(name="ledger", count=2, health="/health")
            + "database: {}\ncache: {}\nframework:\n  elixir_version: '1.17'\n",
            GCP_STACK,
        )
        (app / "rel/overlays/bin/migrate").write_text(
            '#!/bin/sh\nexec ./ledger eval "Ledger.Tasks.Migrate.run()"\n'
        )
        (app / "rel/overlays/bin/migrate").chmod(0o755)
    code, out, _ = doctor(config, capsys)
    assert (code, out) == (
        0,
        [f"{config}: no findings for stack 'dev' (app at {tmp_path / 'app'})"],
    ), out


# Each planted mistake: (fixture, infera.yaml, stack file, plant(app, config), the finding's
# file (relative to the app, or "CONFIG"), a text on its line there, and what the message says).
Plant = Callable[[Path, Path], None]


def _nothing(app: Path, config: Path) -> None:
    del app, config


def _rm(rel: str) -> Plant:
    def plant(app: Path, config: Path) -> None:
        (app / rel).unlink()

    return plant


def _chmod(rel: str) -> Plant:
    def plant(app: Path, config: Path) -> None:
        (app / rel).chmod(0o644)

    return plant


def _drop_line(rel: str, pattern: str) -> Plant:
    def plant(app: Path, config: Path) -> None:
        path = app / rel
        lines = [ln for ln in path.read_text().splitlines() if not re.search(pattern, ln)]
        path.write_text("\n".join(lines) + "\n")

    return plant


def _append(rel: str, text: str) -> Plant:
    def plant(app: Path, config: Path) -> None:
        with (app / rel).open("a") as f:
            f.write(text)

    return plant


MISTAKES = [
    pytest.param(
        "my_app",
        FLY.format(name="my-app", health="/status") + "database: {}\n",
        "",
        _nothing,
        ("CONFIG", "path: /status"),
        "the app does not serve GET /status",
        f"set deployment.health_check.path: /health (served at {EXAMPLE_HEALTH})",
        id="health-path-not-routed",
    ),
    pytest.param(
        "scoped_health",
        GCP.format(name="atlas", count=1, health="/health") + "database: {}\n",
        GCP_STACK,
        _nothing,
        ("CONFIG", "path: /health"),
        "GET /health is served only under `if Mix.env() == :dev` (lib/atlas_web/router.ex:21)",
        "set deployment.health_check.path: /api/v1/health",
        id="health-route-dev-only",
    ),
    pytest.param(
        "my_app",
        FLY.format(name="my-app", health="/health") + "database: {}\n",
        "",
        _rm("rel/overlays/bin/migrate"),
        ("CONFIG", "database:"),
        "migrations run /app/bin/migrate, but rel/overlays/bin/migrate does not exist",
        "phxstack init --generate",
        id="migrate-script-missing",
    ),
    pytest.param(
        "custom_migrate",
        GCP.format(name="ledger", count=1, health="/health") + "database: {}\ncache: {}\n",
        GCP_STACK,
        _nothing,
        ("CONFIG", "database:"),
        "migrations run /app/bin/migrate, but rel/overlays/bin/migrate does not exist",
        "rel/overlays/bin/db_migrate:4",
        id="custom-migrate-command-not-configured",
    ),
    pytest.param(
        "my_app",
        FLY.format(name="my-app", health="/health") + "database: {}\n",
        "",
        _rm("rel/overlays/bin/server"),
        ("Dockerfile", 'CMD ["/app/bin/server"]'),
        "the image starts /app/bin/server, but rel/overlays/bin/server does not exist",
        "add rel/overlays/bin/server",
        id="start-script-missing",
    ),
    pytest.param(
        "my_app",
        FLY.format(name="my-app", health="/health") + "database: {}\n",
        "",
        _chmod("rel/overlays/bin/migrate"),
        ("rel/overlays/bin/migrate", "#!/bin/sh"),
        "rel/overlays/bin/migrate is not executable",
        "chmod +x rel/overlays/bin/migrate",
        id="migrate-script-not-executable",
    ),
    pytest.param(
        "env_names",
        GCP.format(name="shop", count=1, health="/health")
        + "database: {}\nsecrets: [STRIPE_SECRET_KEY]\nenv_vars:\n  SUPPORT_EMAIL: a@b.c\n",
        GCP_STACK,
        _nothing,
        ("CONFIG", "database:"),
        "a database is configured, but the app never reads DATABASE_URL at runtime",
        "the app reads POSTGRES_URL for the Repo url (config/runtime.exs:6)",
        id="database-url-never-read",
    ),
    pytest.param(
        "no_ecto",
        FLY.format(name="pulse", health="/healthz") + "cache: {}\nsecrets: [METRICS_API_TOKEN]\n",
        "",
        _nothing,
        ("CONFIG", "cache:"),
        "Redis is configured, but PubSub is not on the Redis adapter",
        "adapter: Phoenix.PubSub.Redis",
        id="redis-without-redis-pubsub",
    ),
    pytest.param(
        "umbrella",
        GCP.format(name="acme", count=2, health="/health") + "database: {}\n",
        GCP_STACK,
        _nothing,
        ("CONFIG", "machines:"),
        "Cloud Run may run up to 8 instances, which cannot cluster, and the app's PubSub is "
        "not on Redis",
        "add cache: {type: redis}",
        id="cloud-run-instances-without-redis-pubsub",
    ),
    pytest.param(
        "my_app",
        FLY.format(name="my-app", health="/health") + "database: {}\n",
        "",
        _drop_line("config/runtime.exs", "ECTO_IPV6"),
        ("config/runtime.exs", "url: database_url,"),
        "the app never reads ECTO_IPV6",
        "socket_options:",
        id="fly-without-ecto-ipv6",
    ),
    pytest.param(
        "my_app",
        FLY.format(name="my-app", health="/health") + "database: {}\n",
        "",
        _drop_line("rel/env.sh.eex", "RELEASE_NODE"),
        ("rel/env.sh.eex", "#!/bin/sh"),
        "rel/env.sh.eex does not set RELEASE_NODE",
        'export RELEASE_NODE="${FLY_APP_NAME}',
        id="fly-without-release-node",
    ),
    pytest.param(
        "no_ecto",
        FLY.format(name="pulse", health="/healthz") + "secrets: [METRICS_API_TOKEN]\n",
        "",
        _nothing,
        ("rel/env.sh.eex", None),
        "rel/env.sh.eex is missing",
        "phxstack init --generate",
        id="fly-without-env-sh",
    ),
    pytest.param(
        "scoped_health",
        GCP.format(name="atlas", count=1, health="/api/v1/health")
        + "database: {}\ndomain: maps.example.org\n",
        GCP_STACK,
        _nothing,
        ("config/runtime.exs", "check_origin:"),
        "check_origin allows https://atlas.example.com, but the app is served at maps.example.org",
        'add "https://maps.example.org" to check_origin',
        id="check-origin-vs-domain",
    ),
    pytest.param(
        "scoped_health",
        GCP.format(name="atlas", count=1, health="/api/v1/health") + "database: {}\n",
        "config:\n  phoenix:config: infera.yaml\n",
        _nothing,
        ("Pulumi.dev.yaml", None),
        "no gcp:project",
        "pulumi config set gcp:project PROJECT_ID --stack dev",
        id="gcp-prerequisite-project",
    ),
    pytest.param(
        "scoped_health",
        GCP.format(name="atlas", count=1, health="/api/v1/health") + "database: {}\n",
        "config:\n  phoenix:config: infera.yaml\n  gcp:project: p-1\n",
        _nothing,
        ("Pulumi.dev.yaml", None),
        "no gcpProjectNumber",
        "gcloud projects describe p-1",
        id="gcp-prerequisite-project-number",
    ),
    pytest.param(
        "env_names",
        GCP.format(name="shop", count=1, health="/health")
        + "database: {}\nsecrets: [STRIPE_SECRET_KEY]\n",
        GCP_STACK,
        _nothing,
        ("config/runtime.exs", 'System.fetch_env!("SUPPORT_EMAIL")'),
        "the app stops at boot without SUPPORT_EMAIL",
        "list SUPPORT_EMAIL under secrets",
        id="required-env-not-provided",
    ),
    pytest.param(
        "my_app",
        FLY.format(name="my-app", health="/health") + "database: {}\nsecrets: [STRIPE_KEY]\n",
        "config:\n  phoenix:config: infera.yaml\n  phoenix:STRIPE_KEY:\n    secure: v1:x\n",
        _nothing,
        ("CONFIG", "secrets: [STRIPE_KEY]"),
        "secret STRIPE_KEY is never read by the app",
        "check the spelling",
        id="supplied-secret-never-read",
    ),
    pytest.param(
        "my_app",
        FLY.format(name="my-app", health="/health")
        + "database: {}\nframework:\n  elixir_version: '1.15'\n",
        "",
        _nothing,
        ("CONFIG", "elixir_version:"),
        "elixir_version 1.15 disagrees with what the app builds with: 1.16 (Dockerfile:2)",
        "set framework.elixir_version: '1.16'",
        id="elixir-version-mismatch",
    ),
    pytest.param(
        "scoped_health",
        GCP.format(name="atlas", count=1, health="/api/v1/health")
        + "    liveness:\n      type: http\n      path: /health/live\n"
        + "database: {}\n",
        GCP_STACK,
        _nothing,
        ("CONFIG", "path: /health/live"),
        "the liveness probe asks GET /health/live, which the app does not serve",
        'get "/health/live"',
        id="liveness-path-not-routed",
    ),
    pytest.param(
        "umbrella",
        FLY.format(name="acme", health="/health")
        + "database: {}\nframework:\n  elixir_version: '1.17'\n",
        "",
        _append(".dockerignore", "rel/\n"),
        (".dockerignore", "rel/"),
        "`rel/` leaves rel out of the build context, and the release build needs it",
        "add `!rel` after it",
        id="dockerignore-drops-rel",
    ),
    pytest.param(
        "sqlite",
        "project_name: notes\nprovider: fly\napp:\n  path: ../app\ndeployment:\n"
        "  machines:\n    count: 2\n",
        "",
        _nothing,
        ("CONFIG", "count: 2"),
        "2 machines with SQLite (lib/notes/repo.ex:2)",
        "set deployment.machines.count: 1",
        id="sqlite-on-several-machines",
    ),
]


@pytest.mark.parametrize(
    ("fixture", "infera", "stack_file", "plant", "at", "problem", "fix"), MISTAKES
)
def test_doctor_finds_the_planted_mistake(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fixture: str,
    infera: str,
    stack_file: str,
    plant: Plant,
    at: tuple[str, str | None],
    problem: str,
    fix: str,
) -> None:
    app, config = setup(tmp_path, fixture, infera, stack_file)
    plant(app, config)
    code, out, err = doctor(config, capsys)
    assert code == 1, out
    assert "Traceback" not in err
    file, text = at
    if file == "CONFIG":
        where = f"{config}:{line_of(config, text)}"  # type: ignore[arg-type]
    elif text is None:
        where = f"{file}:1"
    else:
        where = f"{file}:{line_of(app / file, text)}"
    matching = [ln for ln in out if ln.startswith(where + ": ") and problem in ln]
    assert matching, f"no finding at {where} saying {problem!r}:\n" + "\n".join(out)
    assert fix in matching[0].split("; fix: ", 1)[1]


def test_invalid_config_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, config = setup(tmp_path, "my_app", "project_name: x\nprovider: fly\n")
    code, out, err = doctor(config, capsys)
    assert code == 2 and out == []
    assert "project_name: 'x' is not a valid app name" in err and "Traceback" not in err
