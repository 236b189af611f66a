"""Without the built CLI the end-to-end tests skip, except under CI, where that is a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import cli


def test_a_missing_build_fails_on_ci_and_skips_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "ENGINE_BIN", tmp_path)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="run tools/pulumi-engine/build"):
        cli.engine_bin()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"pulumi, .* missing .*\(CI is set\)"):
        cli.engine_bin()


def test_a_complete_build_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in cli.BINARIES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    monkeypatch.setattr(cli, "ENGINE_BIN", tmp_path)
    monkeypatch.setenv("CI", "true")
    assert cli.engine_bin() == tmp_path
