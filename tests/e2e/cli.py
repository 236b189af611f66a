"""The real Pulumi CLI, built by tools/pulumi-engine/build, driving this program in a temporary
project against the fake flyctl.

Owns: finding the built binaries (skip locally, fail under CI when they are missing, as the
actionlint tests do), the offline environment every command runs in (a file backend, a
passphrase secrets provider, no update check, no plugin download, the plugins and the fake
flyctl on PATH), the project directory a test deploys, and the record of everything the CLI
printed, so that a test can look for a secret in all of it.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENGINE_BIN = ROOT / "tools" / "pulumi-engine" / "bin"
FAKES = ROOT / "tests" / "fakes"
VENV_BIN = ROOT / ".venv" / "bin"
BINARIES = (
    "pulumi",
    "pulumi-language-python",
    "host/pulumi-language-python",
    "host/pulumi-language-python-exec",
    "pulumi-resource-pulumi-python",
    "pulumi-resource-random",
)
# A macaroon-shaped token, as in the provider tests: the fake refuses `mpg` commands otherwise.
TOKEN = "FlyV1 fm2_e2e-tests-0123456789"
PASSPHRASE = "e2e-passphrase-not-a-secret-value"
# What the program's directory holds besides infera.yaml and the stack files: linked, not copied,
# so the CLI runs the repository's code.
PROGRAM = ("Pulumi.yaml", "__main__.py", "components", "config", "phxstack", "examples", ".venv")
# One CLI command, however loaded the machine: a whole `up` of the Fly sample is well under this.
TIMEOUT_S = 900


def engine_bin() -> Path:
    """The built CLI's folder; skips (or fails when CI is set) if the build has not run."""
    missing = [name for name in BINARIES if not (ENGINE_BIN / name).is_file()]
    if missing:
        why = (
            f"the Pulumi CLI is not built ({', '.join(missing)} missing from {ENGINE_BIN}); "
            "run tools/pulumi-engine/build (needs Go)"
        )
        # CI runs the build (.ci/run): a missing binary there is a broken setup, and skipping
        # would report the end-to-end tests as passed when they never ran.
        if os.environ.get("CI"):
            pytest.fail(f"{why} (CI is set)")
        pytest.skip(why)
    return ENGINE_BIN


@dataclass
class Run:
    argv: list[str]
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def check(self) -> Run:
        assert self.code == 0, (
            f"{' '.join(self.argv)} exited {self.code}\n{self.stdout}\n{self.stderr}"
        )
        return self


@dataclass
class Workspace:
    """A Pulumi home, a file backend and a fake Fly organisation, shared by the stacks in it."""

    root: Path
    bin: Path
    runs: list[Run] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("backend", "home", "fly-state"):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    @property
    def backend(self) -> Path:
        return self.root / "backend"

    @property
    def fly_log(self) -> Path:
        return self.root / "flyctl.log"

    @property
    def fly_state(self) -> Path:
        return self.root / "fly-state"

    def fly_calls(self) -> list[list[str]]:
        if not self.fly_log.exists():
            return []
        return [json.loads(line)["argv"] for line in self.fly_log.read_text().splitlines()]

    def env(self) -> dict[str, str]:
        keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            # Plugins first, then the project's Python: the language host built here predates
            # the `virtualenv` runtime option reaching it (tools/pulumi-engine/build), so it
            # runs the `python3` found on PATH, which must be .venv's.
            PATH=os.pathsep.join(
                [str(self.bin), str(VENV_BIN), str(FAKES), "/usr/local/bin", "/usr/bin", "/bin"]
            ),
            PULUMI_HOME=str(self.root / "home"),
            PULUMI_BACKEND_URL=self.backend.as_uri(),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PULUMI_SKIP_CONFIRMATIONS="true",
            FLYCTL_FAKE_STATE=str(self.fly_state),
            FLYCTL_FAKE_LOG=str(self.fly_log),
            FLY_API_TOKEN=TOKEN,
        )
        return env

    def project(self, name: str, infera: dict[str, Any]) -> Project:
        directory = self.root / name
        directory.mkdir()
        for entry in PROGRAM:
            (directory / entry).symlink_to(ROOT / entry)
        (directory / "infera.yaml").write_text(yaml.safe_dump(infera, sort_keys=False))
        return Project(self, directory)

    def pulumi(self, cwd: Path, *args: str, stdin: str | None = None) -> Run:
        argv = [str(self.bin / "pulumi"), *args, "--non-interactive", "--color", "never"]
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        run = Run(["pulumi", *args], done.returncode, done.stdout, done.stderr)
        self.runs.append(run)
        return run

    def everything_written(self) -> dict[str, str]:
        """Every file under the workspace (state, backups, logs, the fake's state and log),
        and every CLI output, by name."""
        found = {
            str(path.relative_to(self.root)): path.read_text(errors="replace")
            for path in sorted(self.root.rglob("*"))
            if path.is_file() and not path.is_symlink()
        }
        for i, run in enumerate(self.runs):
            found[f"run {i} {' '.join(run.argv)}"] = run.stdout + run.stderr
        return found


@dataclass
class Project:
    ws: Workspace
    dir: Path

    def pulumi(self, *args: str, stdin: str | None = None) -> Run:
        return self.ws.pulumi(self.dir, *args, stdin=stdin)

    def init(self, stack: str, secrets: dict[str, str]) -> None:
        self.pulumi("stack", "init", stack).check()
        for name, value in secrets.items():
            # The value goes through stdin, never argv, as the README tells users.
            self.pulumi("config", "set", "--secret", f"phoenix:{name}", "--stack", stack,
                        stdin=value).check()  # fmt: skip

    def write_infera(self, infera: dict[str, Any]) -> None:
        (self.dir / "infera.yaml").write_text(yaml.safe_dump(infera, sort_keys=False))
