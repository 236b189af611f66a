"""A command runs with Python's cycle collector off (plan speed, issue #9), and an in-process
caller such as this test suite gets its own setting back, whatever the command did."""

from __future__ import annotations

import argparse
import gc

import pytest

from phxstack import cli
from tests.delivery.plans import ROOT

GCP = ROOT / "examples" / "gcp" / "infera.yaml"


@pytest.mark.parametrize("enabled_before", [True, False])
@pytest.mark.parametrize("outcome", ["returns", "raises"])
def test_a_command_runs_without_cycle_collection_and_restores_the_callers_setting(
    monkeypatch: pytest.MonkeyPatch, enabled_before: bool, outcome: str
) -> None:
    seen: list[bool] = []

    def handler(args: argparse.Namespace) -> int:
        seen.append(gc.isenabled())
        if outcome == "raises":
            raise RuntimeError("boom")
        return 0

    monkeypatch.setattr(cli, "cmd_validate", handler)
    (gc.enable if enabled_before else gc.disable)()
    try:
        if outcome == "raises":
            with pytest.raises(RuntimeError, match="boom"):
                cli.main(["validate", "--config", str(GCP)])
        else:
            assert cli.main(["validate", "--config", str(GCP)]) == 0
        assert gc.isenabled() is enabled_before
    finally:
        gc.enable()
    assert seen == [False]
