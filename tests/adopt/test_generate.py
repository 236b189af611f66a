"""`init --generate`: the deploy files an app lacks, linted (hadolint for the Dockerfile,
shellcheck for the shell scripts, this project's Elixir reader for the release module), and
read back by detection and doctor as the real thing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from phxstack.adopt import elixir as ex
from phxstack.adopt.detect import detect
from phxstack.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
BIN = Path(sys.prefix) / "bin"

# What each tree lacks, and so what --generate writes into it.
STRIPPED = {
    # no Dockerfile, no rel/ at all, no Ecto
    "no_ecto": ([], ["Dockerfile", "rel/overlays/bin/server", "rel/env.sh.eex"]),
    # the example app with its release files removed
    "my_app": (
        ["Dockerfile", "rel", "lib/my_app/release.ex"],
        [
            "Dockerfile",
            "rel/overlays/bin/server",
            "lib/my_app/release.ex",
            "rel/overlays/bin/migrate",
            "rel/env.sh.eex",
        ],
    ),
    # an umbrella: the release module goes to the child that owns the Repo
    "umbrella": (
        ["Dockerfile", "rel", "apps/acme/lib/acme/release.ex"],
        [
            "Dockerfile",
            "rel/overlays/bin/server",
            "apps/acme/lib/acme/release.ex",
            "rel/overlays/bin/migrate",
            "rel/env.sh.eex",
        ],
    ),
}


def generate(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> Path:
    src = ROOT / "examples" / "my_app" if name == "my_app" else FIXTURES / name
    app = tmp_path / "app"
    shutil.copytree(src, app)
    for rel in STRIPPED[name][0]:
        target = app / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    code = main(
        [
            "init",
            str(app),
            "--provider",
            "fly",
            "--generate",
            "--config",
            str(tmp_path / "infra" / "infera.yaml"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    for rel in STRIPPED[name][1]:
        assert f"wrote     {os.path.relpath(app / rel)}" in out
    return app


def _lint(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = BIN / tool
    if not exe.exists():
        pytest.fail(
            f"{tool} is not installed in {BIN}: run scripts/bootstrap (requirements-dev.txt)"
        )
    return subprocess.run([str(exe), *args], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("name", sorted(STRIPPED))
def test_generated_dockerfile_passes_hadolint(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = generate(tmp_path, name, capsys)
    result = _lint("hadolint", "--no-color", str(app / "Dockerfile"))
    assert result.returncode == 0, result.stdout + result.stderr
    text = (app / "Dockerfile").read_text()
    assert 'CMD ["/app/bin/server"]' in text and "RUN mix release" in text


def test_generated_dockerfile_uses_the_repos_versions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = generate(tmp_path, "umbrella", capsys)  # .tool-versions: elixir 1.17.2, erlang 27.0.1
    text = (app / "Dockerfile").read_text()
    assert "ARG ELIXIR_VERSION=1.17.2" in text and "ARG OTP_VERSION=27.0.1" in text
    assert "RUN mix release acme" in text  # the umbrella's release, not a child app
    assert "COPY apps/acme/mix.exs apps/acme/" in text


@pytest.mark.parametrize("name", sorted(STRIPPED))
def test_generated_scripts_pass_shellcheck(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = generate(tmp_path, name, capsys)
    scripts = [p for p in (app / "rel" / "overlays" / "bin").iterdir()]
    for script in scripts:
        assert os.access(script, os.X_OK), f"{script.name} is not executable"
    # env.sh.eex is an EEx template: shellcheck sees it as the release renders it.
    rendered = tmp_path / "env.sh"
    rendered.write_text(
        (app / "rel" / "env.sh.eex").read_text().replace("<%= @release.name %>", "app")
    )
    result = _lint("shellcheck", "--shell=sh", *map(str, scripts), str(rendered))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["my_app", "umbrella"])
def test_generated_release_module_reads_as_elixir_and_is_the_migrate_target(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = generate(tmp_path, name, capsys)
    rel = STRIPPED[name][1][2]
    (module,) = ex.parse((app / rel).read_text())
    assert ex.module_name(module) in ("MyApp.Release", "Acme.Release")
    det = detect(app)
    assert det.unreadable == []
    assert det.release_module is not None and det.release_module.value.endswith(".Release.migrate")
    # The generated migrate script runs exactly that function.
    assert det.migrate_command is not None
    assert det.migrate_command.value == "/app/bin/migrate"
    assert str(det.release_module.value) in det.overlay_scripts["migrate"].value


@pytest.mark.parametrize("name", sorted(STRIPPED))
def test_doctor_is_clean_of_release_findings_after_generate(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    generate(tmp_path, name, capsys)
    main(["doctor", "--config", str(tmp_path / "infra" / "infera.yaml")])
    out, _ = capsys.readouterr()
    for phrase in ("does not exist", "RELEASE_NODE", "not executable"):
        assert phrase not in out, out


def test_generate_never_overwrites_the_apps_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tmp_path / "app"
    shutil.copytree(ROOT / "examples" / "my_app", app)
    before = {p: p.read_bytes() for p in app.rglob("*") if p.is_file()}
    code = main(
        [
            "init",
            str(app),
            "--provider",
            "fly",
            "--generate",
            "--config",
            str(tmp_path / "i" / "infera.yaml"),
        ]
    )
    assert code == 0
    assert {p: p.read_bytes() for p in app.rglob("*") if p.is_file()} == before
