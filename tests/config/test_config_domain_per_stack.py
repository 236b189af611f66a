"""#9 point 8: a top-level `domain` reaches every stack; a non-production stack that inherits it
is warned, at the key, with the fix. A stack that sets its own domain (or null) is not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from phxstack.cli import main

IMAGE = "registry.fly.io/shop@sha256:" + "ab" * 32


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "infera.yaml"
    data = {
        "project_name": "shop",
        "provider": "fly",
        "app": {"image": IMAGE},
        "domain": "shop.example.com",
        "environments": {"staging": {"domain": "staging.shop.example.com"}, "dev": {}},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _warnings(path: Path, stack: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    argv = ["validate", "--config", str(path), "--stack", stack, "--project-dir", str(path.parent)]
    assert main(argv) == 0
    return [line for line in capsys.readouterr().err.splitlines() if "domain" in line]


def test_a_non_production_stack_inheriting_domain_is_warned_at_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path)
    assert _warnings(path, "dev", capsys) == [
        f"{path}:5:9: domain: warning: domain shop.example.com is set for every stack, so 'dev' "
        "(not production) requests a certificate for that host and sets PHX_HOST to it; move "
        "domain under environments.<prod stack>, or give environments.dev.domain its own host "
        "(or null)"
    ]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_a_stack_with_its_own_domain_or_production_is_not(
    tmp_path: Path, stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _warnings(_write(tmp_path), stack, capsys) == []
