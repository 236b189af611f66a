"""The `pulumi-resource-pulumi-python` launcher picks the Python and passes on what the CLI gives.

The CLI runs it as `pulumi-resource-pulumi-python [flags] ENGINE_ADDRESS` from the project
directory, with PULUMI_RUNTIME_<OPTION> for each Pulumi.yaml runtime option (pulumi/pulumi
pkg/resource/plugin/provider_plugin.go, `NewProvider`). Each case here stands a recording
`python` in for the interpreter, so what the launcher would run is seen without starting a
server; tests/engine/test_boundary.py starts the real one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.provider_server import LAUNCHER, ROOT

# Prints what it was run with, as the server would print its port.
RECORDER = f"""#!{sys.executable}
import json, os, sys
print(json.dumps({{
    "exe": sys.argv[0], "argv": sys.argv[1:], "cwd": os.getcwd(),
    "path0": os.environ["PATH"].split(os.pathsep)[0],
    "pythonhome": os.environ.get("PYTHONHOME"),
}}))
"""


def _fake_python(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RECORDER)
    path.chmod(0o755)
    return path


def _launch(cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    base.pop("PYTHONHOME", None)
    return subprocess.run(
        [str(LAUNCHER), "--logtostderr", "-v=9", "127.0.0.1:41234"],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_virtualenv_option_is_resolved_against_the_project_directory(tmp_path: Path) -> None:
    python = _fake_python(tmp_path / ".venv" / "bin" / "python")
    done = _launch(
        tmp_path,
        PULUMI_RUNTIME_VIRTUALENV=".venv/",
        PULUMI_RUNTIME_TOOLCHAIN="pip",
        PYTHONHOME="/somewhere/else",
    )
    assert done.returncode == 0, done.stderr
    ran = json.loads(done.stdout)
    assert ran["exe"] == str(python)
    # -u: unbuffered, so the engine reads the port line at once; the CLI's argv untouched.
    assert ran["argv"] == ["-u", "-m", "pulumi.dynamic", "--logtostderr", "-v=9", "127.0.0.1:41234"]
    assert ran["cwd"] == str(tmp_path)
    assert ran["path0"] == str(tmp_path / ".venv" / "bin")
    assert ran["pythonhome"] is None


def test_an_absolute_virtualenv_is_used_as_given(tmp_path: Path) -> None:
    python = _fake_python(tmp_path / "envs" / "phoenix" / "bin" / "python")
    project = tmp_path / "project"
    project.mkdir()
    done = _launch(project, PULUMI_RUNTIME_VIRTUALENV=str(tmp_path / "envs" / "phoenix"))
    assert json.loads(done.stdout)["exe"] == str(python)


def test_the_uv_toolchain_without_a_virtualenv_option_means_dot_venv(tmp_path: Path) -> None:
    python = _fake_python(tmp_path / ".venv" / "bin" / "python")
    done = _launch(tmp_path, PULUMI_RUNTIME_TOOLCHAIN="uv")
    assert json.loads(done.stdout)["exe"] == str(python)


def test_without_a_virtualenv_pulumi_python_cmd_is_run(tmp_path: Path) -> None:
    python = _fake_python(tmp_path / "bin" / "my-python")
    done = _launch(tmp_path, PULUMI_PYTHON_CMD=str(python))
    ran = json.loads(done.stdout)
    assert ran["exe"] == str(python)
    assert ran["argv"][:3] == ["-u", "-m", "pulumi.dynamic"]


@pytest.mark.parametrize("make_dir", [False, True], ids=["missing", "not-a-virtualenv"])
def test_a_missing_virtualenv_fails_with_the_fix_and_no_port(
    tmp_path: Path, make_dir: bool
) -> None:
    if make_dir:
        (tmp_path / ".venv").mkdir()
    done = _launch(tmp_path, PULUMI_RUNTIME_VIRTUALENV=".venv")
    assert done.returncode == 1
    assert done.stdout == ""  # the engine would otherwise read garbage as the port
    assert f"{tmp_path}/.venv" in done.stderr
    assert "run scripts/bootstrap" in done.stderr


def test_the_launcher_is_what_the_cli_looks_up_on_path() -> None:
    # workspace.GetPluginPath looks for `pulumi-resource-<name>` with the package name of the
    # type token `pulumi-python:dynamic/fly:App`; it must be an executable file.
    assert LAUNCHER.name == "pulumi-resource-pulumi-python"
    assert LAUNCHER.parent == ROOT / "tools" / "pulumi-launchers"
    assert os.access(LAUNCHER, os.X_OK)
    assert LAUNCHER.read_text().startswith("#!/bin/sh\n")
