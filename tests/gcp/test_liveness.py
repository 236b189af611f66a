"""The liveness probe is shallow or absent: a dependency outage must never restart instances."""

from __future__ import annotations

from pathlib import Path

import pytest

from phxstack.cli import main


def _validate(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "infera.yaml"
    path.write_text(text, "utf-8")
    (tmp_path / "Pulumi.yaml").write_text("name: phoenix\nruntime: python\n", "utf-8")
    code = main(["validate", "--config", str(path)])
    return code, capsys.readouterr().err


GCP = "project_name: shop\nprovider: gcp\napp: {image: 'r/a@sha256:" + "0" * 64 + "'}\n"


def test_tcp_liveness_is_refused_on_cloud_run_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Google: "HTTP, TCP, and gRPC startup probes, along with HTTP and gRPC liveness probes".
    code, err = _validate(
        tmp_path,
        GCP + "deployment:\n  health_check:\n    liveness:\n      type: tcp\n",
        capsys,
    )
    assert code == 2
    assert err.startswith(
        f"{tmp_path / 'infera.yaml'}:7:13: deployment.health_check.liveness.type: Cloud Run has "
        "no TCP liveness probe (only HTTP and gRPC)"
    ), err


def test_liveness_on_fly_is_refused_because_fly_never_restarts_on_a_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _validate(
        tmp_path,
        "project_name: shop\nprovider: fly\napp: {image: 'r/a@sha256:"
        + "0" * 64
        + "'}\ndeployment:\n  health_check:\n    liveness: {type: http}\n",
        capsys,
    )
    assert code == 2
    assert "deployment.health_check.liveness: Fly has no liveness probe" in err


def test_liveness_on_the_startup_path_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _validate(
        tmp_path,
        GCP + "deployment:\n  health_check:\n    liveness: {type: http, path: /health}\n",
        capsys,
    )
    assert code == 0, err
    assert (
        "deployment.health_check.liveness.path: warning: the liveness probe checks /health, as "
        "the startup probe does"
    ) in err
