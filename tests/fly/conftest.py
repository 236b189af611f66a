"""Fixtures for the Fly adapter's tests: the fake flyctl on FLYCTL, its state and its log."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# `tests.support` is imported by path from the repository root, however pytest was started.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from components.fly.settings import RunnerSettings  # noqa: E402

FAKE = ROOT / "tests" / "fakes" / "flyctl"
# A macaroon-shaped token: `mpg` commands refuse older tokens, as real flyctl does.
TOKEN = "FlyV1 fm2_provider-tests-0123456789"
# Fast and bounded: no real backoff waits, and a hang is cut short.
FAST = RunnerSettings(
    timeout_s=20, retries=3, backoff_base_s=0.01, backoff_cap_s=0.02, deploy_timeout_s=20,
    mpg_create_timeout_s=20,
)  # fmt: skip


class FlyEnv:
    """The fake's paths, and what it was asked to do."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = root / "fly-state"
        self.log = root / "flyctl.log"

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line)["argv"] for line in self.log.read_text().splitlines()]

    def since(self, mark: int) -> list[list[str]]:
        return self.calls()[mark:]

    def mark(self) -> int:
        return len(self.calls())


def fake_flyctl_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FlyEnv:
    """Point the providers at the fake flyctl with its own state, and drop the caller's Fly
    settings so that nothing reaches a real app or org."""
    env = FlyEnv(tmp_path)
    monkeypatch.setenv("FLYCTL", str(FAKE))
    monkeypatch.setenv("FLYCTL_FAKE_STATE", str(env.state))
    monkeypatch.setenv("FLYCTL_FAKE_LOG", str(env.log))
    monkeypatch.setenv("FLY_API_TOKEN", TOKEN)
    for var in ("FLY_ACCESS_TOKEN", "FLY_APP", "FLY_ORG", "FLYCTL_FAKE_FAIL", "FLY_REGION"):
        monkeypatch.delenv(var, raising=False)
    return env


@pytest.fixture
def fly_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FlyEnv:
    return fake_flyctl_env(tmp_path, monkeypatch)
