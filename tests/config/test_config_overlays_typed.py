"""#9 point 10: every environment overlay is type-checked whichever stack is asked for; rules
across keys are judged for the stack they belong to."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from phxstack.cli import main

IMAGE = "registry.fly.io/my-app@sha256:" + "ab" * 32
BASE = {"project_name": "my-app", "provider": "fly", "app": {"image": IMAGE}}


def _write(tmp_path: Path, environments: dict[str, object]) -> Path:
    path = tmp_path / "infera.yaml"
    path.write_text(yaml.safe_dump({**BASE, "environments": environments}, sort_keys=False))
    return path


@pytest.mark.parametrize("command", ["validate", "config"])
def test_a_type_error_in_the_prod_overlay_fails_the_dev_stack(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path,
        {
            "dev": {"env_vars": {"LOG_LEVEL": "debug"}},
            "prod": {"deployment": {"machines": {"count": "many"}}},
        },
    )
    assert main([command, "--config", str(path), "--stack", "dev"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"{path}:12:16: deployment.machines.count: expected a whole number, got 'many'\n"
    )


def test_an_unknown_key_in_another_overlay_fails_with_the_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, {"staging": {"databse": {}}})
    assert main(["validate", "--config", str(path), "--stack", "dev"]) == 2
    assert "databse: unknown key 'databse'; did you mean 'database'?" in (capsys.readouterr().err)


def test_a_cross_key_rule_of_another_stack_waits_for_that_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # billing is a Cloud Run key: a rule across `provider` and `deployment.billing`, judged
    # when prod is asked for, and not blocking dev.
    path = _write(tmp_path, {"prod": {"deployment": {"billing": "instance"}}})
    assert main(["validate", "--config", str(path), "--stack", "dev"]) == 0
    capsys.readouterr()
    assert main(["validate", "--config", str(path), "--stack", "prod"]) == 2
    assert "deployment.billing: Cloud Run only" in capsys.readouterr().err
