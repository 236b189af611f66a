"""Checks on examples/my_app, the Phoenix app the sample configs build and deploy.

This module owns the example app's contract with the rest of the project: its layout
(the seed template's Project Structure), the release scripts the image runs, the
environment variables runtime.exs reads, and the Docker build context. It cannot
compile the Elixir code (no Hex access in CI); it checks the files the deploy relies on.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "examples" / "my_app"

# The seed template's "Project Structure", minus fly.toml, which the program renders.
SEED_PATHS = [
    "lib/my_app/application.ex",
    "lib/my_app/repo.ex",
    "lib/my_app/accounts/user.ex",
    "lib/my_app/accounts/accounts.ex",
    "lib/my_app_web/endpoint.ex",
    "lib/my_app_web/router.ex",
    "lib/my_app_web/controllers/",
    "lib/my_app_web/live/user_live/",
    "lib/my_app_web/components/",
    "lib/my_app_web/telemetry.ex",
    "lib/my_app_web.ex",
    "priv/repo/migrations/",
    "config/config.exs",
    "config/dev.exs",
    "config/prod.exs",
    "config/runtime.exs",
    "mix.exs",
    "mix.lock",
    "Dockerfile",
    "rel/overlays/",
]


def _read(rel: str) -> str:
    return (APP / rel).read_text(encoding="utf-8")


@pytest.mark.parametrize("rel", SEED_PATHS)
def test_seed_project_structure_path_exists(rel: str) -> None:
    path = APP / rel
    if rel.endswith("/"):
        assert path.is_dir(), f"{rel} is missing"
        assert any(path.iterdir()), f"{rel} is empty"
    else:
        assert path.is_file(), f"{rel} is missing"


def test_no_checked_in_fly_toml_because_the_program_renders_it() -> None:
    assert not (APP / "fly.toml").exists()


@pytest.mark.parametrize(
    ("script", "exec_line"),
    [
        ("server", "PHX_SERVER=true exec ./my_app start"),
        ("migrate", "exec ./my_app eval MyApp.Release.migrate"),
    ],
)
def test_release_overlay_script_is_executable_and_execs_the_release(
    script: str, exec_line: str
) -> None:
    path = APP / "rel" / "overlays" / "bin" / script
    assert os.access(path, os.X_OK), f"{path} lost its executable bit"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#!/bin/sh"
    assert 'cd -P -- "$(dirname -- "$0")"' in lines
    assert lines[-1] == exec_line


def test_release_migrate_runs_the_module_the_migrate_script_names() -> None:
    release = _read("lib/my_app/release.ex")
    assert "defmodule MyApp.Release do" in release
    assert re.search(r"^  def migrate do$", release, re.M)
    assert re.search(r"^  def rollback\(repo, version\) do$", release, re.M)


def test_health_route_is_outside_the_browser_pipeline() -> None:
    router = _read("lib/my_app_web/router.ex")
    # Each top-level scope runs from its "scope" line to the next one (or EOF).
    scopes = re.split(r"\n(?=  scope )", router)
    (health_scope,) = [s for s in scopes if 'get "/health"' in s]
    assert 'get "/health", HealthController, :index' in health_scope
    # The liveness route examples/gcp/infera.yaml probes, outside the browser pipeline too.
    assert 'get "/health/live", HealthController, :live' in health_scope
    assert "pipe_through :api" in health_scope
    assert ":browser" not in health_scope
    assert "defmodule MyAppWeb.HealthController do" in _read(
        "lib/my_app_web/controllers/health_controller.ex"
    )


def test_the_liveness_action_never_touches_the_database() -> None:
    controller = _read("lib/my_app_web/controllers/health_controller.ex")
    live = controller.split("  def live(conn, _params) do", 1)[1].split("\n  end", 1)[0]
    assert live.strip() == 'json(conn, %{status: "alive"})'
    assert "Repo" not in live and "check_database" not in live


@pytest.mark.parametrize(
    "var",
    [
        "DATABASE_URL",
        "SECRET_KEY_BASE",
        "PHX_HOST",
        "PORT",
        "REDIS_URL",
        "POOL_SIZE",
        "ECTO_IPV6",
        "DNS_CLUSTER_QUERY",
    ],
)
def test_runtime_config_reads_env_var(var: str) -> None:
    assert f'System.get_env("{var}")' in _read("config/runtime.exs")


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = _read("Dockerfile").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_dockerfile_final_cmd_is_the_server_overlay() -> None:
    keyword, rest = _dockerfile_instructions()[-1]
    assert keyword == "CMD"
    assert json.loads(rest) == ["/app/bin/server"]


def _dockerignore_patterns() -> list[str]:
    lines = _read(".dockerignore").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


@pytest.mark.parametrize("artifact", ["_build", "deps"])
def test_dockerignore_excludes_mix_artifact(artifact: str) -> None:
    assert artifact in {p.strip("/") for p in _dockerignore_patterns()}


def _build_context_sources() -> list[str]:
    """Local sources of every COPY (not COPY --from) with MIX_ENV as the Dockerfile sets it."""
    sources = []
    for keyword, rest in _dockerfile_instructions():
        if keyword == "COPY" and not rest.startswith("--from"):
            *srcs, _dest = rest.split()
            sources += [s.replace("${MIX_ENV}", "prod") for s in srcs]
    return sources


def test_every_copy_source_is_in_the_build_context_and_not_dockerignored() -> None:
    sources = _build_context_sources()
    assert "mix.lock" in sources and "rel" in sources
    # Docker matches each pattern against the path and every parent directory.
    excludes = [p.strip("/") for p in _dockerignore_patterns() if not p.startswith("!")]
    for src in sources:
        assert (APP / src).exists(), f"Dockerfile copies {src}, which is missing"
        parts = src.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        hits = [p for p in excludes for pre in prefixes if fnmatch.fnmatchcase(pre, p)]
        assert not hits, f".dockerignore pattern(s) {hits} drop {src}, which the image needs"


def _source_env_sh(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Render rel/env.sh.eex as mix release would, source it, and return what it exported."""
    sh = shutil.which("sh")
    assert sh is not None
    rendered = tmp_path / "env.sh"
    rendered.write_text(_read("rel/env.sh.eex").replace("<%= @release.name %>", "my_app"))
    names = ["RELEASE_NODE", "RELEASE_DISTRIBUTION", "DNS_CLUSTER_QUERY", "ECTO_IPV6", "ERL_AFLAGS"]
    script = '. "$1"; ' + " ".join(f'printf "%s=%s\\n" {n} "${n}";' for n in names)
    result = subprocess.run(
        [sh, "-c", script, "sh", str(rendered)],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


@pytest.mark.slow
def test_env_sh_names_the_node_for_fly_dns_clustering(tmp_path: Path) -> None:
    exported = _source_env_sh(
        {
            "FLY_APP_NAME": "demo",
            "FLY_IMAGE_REF": "registry.fly.io/demo:deployment-01HZX",
            "FLY_PRIVATE_IP": "fdaa:0:1::2",
        },
        tmp_path,
    )
    assert exported == {
        "RELEASE_NODE": "demo-01HZX@fdaa:0:1::2",
        "RELEASE_DISTRIBUTION": "name",
        "DNS_CLUSTER_QUERY": "demo.internal",
        "ECTO_IPV6": "true",
        "ERL_AFLAGS": "-proto_dist inet6_tcp",
    }


@pytest.mark.slow
def test_env_sh_off_fly_leaves_clustering_and_ipv6_off(tmp_path: Path) -> None:
    exported = _source_env_sh({}, tmp_path)
    assert exported["RELEASE_NODE"].startswith("my_app@")
    assert exported["RELEASE_DISTRIBUTION"] == "name"
    assert exported["DNS_CLUSTER_QUERY"] == ""
    assert exported["ECTO_IPV6"] == ""
    assert exported["ERL_AFLAGS"] == ""


def test_pubsub_uses_redis_with_the_pinned_ca_when_redis_url_is_set() -> None:
    app = (APP / "lib/my_app/application.ex").read_text()
    assert "{Phoenix.PubSub, pubsub_options()}" in app
    assert "adapter: Phoenix.PubSub.Redis" in app
    assert ":public_key.pem_decode(ca_pem)" in app
    runtime = (APP / "config/runtime.exs").read_text()
    assert 'config :my_app, :redis_url, System.get_env("REDIS_URL")' in runtime
    assert 'config :my_app, :redis_ca_cert, System.get_env("REDIS_CA_CERT")' in runtime
    # Phoenix 1.7 ignores the endpoint's pubsub option; leaving it would mislead.
    assert "pubsub: [" not in runtime


@pytest.mark.skipif(shutil.which("elixir") is None, reason="no elixir on this machine")
@pytest.mark.parametrize(
    ("database_url", "fly", "ssl"),
    [
        ("ecto://u:p@/db?socket_dir=/cloudsql/p:r:i", False, "false"),
        ("ecto://u:p@10.0.0.5/db", False, "true"),
        ("postgres://u:p@app-db.flycast:5432/db", True, "false"),
    ],
)
def test_runtime_exs_asks_for_tls_only_where_the_link_offers_it(
    database_url: str, fly: bool, ssl: str
) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": database_url,
        "SECRET_KEY_BASE": "x" * 64,
        **({"FLY_APP_NAME": "shop"} if fly else {}),
    }
    proc = subprocess.run(
        [
            "elixir",
            "-e",
            'c = Config.Reader.read!("config/runtime.exs", env: :prod); '
            "IO.puts(c[:my_app][MyApp.Repo][:ssl])",
        ],
        cwd=APP,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert proc.stdout.strip().splitlines()[-1] == ssl
