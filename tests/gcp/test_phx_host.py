"""PHX_HOST on Cloud Run without a Resource Manager lookup: from `domain`, `env_vars.PHX_HOST`,
or the project number in stack config; else unset, with a warning that says how to set it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from phxstack.cli import main

from .conftest import FULL, run_gcp, with_

ROOT = Path(__file__).resolve().parents[2]
GET_PROJECT = "gcp:organizations/getProject:getProject"
SERVICE = "gcp:cloudrunv2/service:Service"


def _envs(run) -> dict[str, object]:  # type: ignore[no-untyped-def]
    container = run.one(SERVICE).inputs["template"]["containers"][0]
    return {e["name"]: e.get("value", e.get("valueSource")) for e in container["envs"]}


@pytest.mark.parametrize("preview", [False, True])
def test_project_number_gives_the_run_app_host_without_any_lookup(
    project_dir: Path, preview: bool
) -> None:
    run = run_gcp(FULL, project_dir, "prod", number="987654321098", preview=preview)
    assert _envs(run)["PHX_HOST"] == "shop-987654321098.us-central1.run.app"
    assert GET_PROJECT not in run.invokes
    assert run.outputs["url"] == "https://shop-987654321098.us-central1.run.app"


def test_without_a_project_number_phx_host_is_unset_and_url_is_the_service_uri(
    project_dir: Path,
) -> None:
    run = run_gcp(FULL, project_dir, number=None)
    assert "PHX_HOST" not in _envs(run)
    assert GET_PROJECT not in run.invokes
    assert run.outputs["url"].startswith("https://shop-dev-") and run.outputs["url"].endswith(
        ".run.app"
    )


def test_a_domain_needs_no_project_number(project_dir: Path) -> None:
    run = run_gcp(with_(FULL, domain="shop.example.com"), project_dir, number=None)
    assert _envs(run)["PHX_HOST"] == "shop.example.com"
    assert run.outputs["url"] == "https://shop.example.com"


def _gcp_project(tmp_path: Path, stack_config: str) -> Path:
    shutil.copytree(ROOT / "examples" / "my_app", tmp_path / "my_app")
    (tmp_path / "Pulumi.yaml").write_text("name: phoenix\nruntime: python\n", "utf-8")
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    (tmp_path / "Pulumi.dev.yaml").write_text(
        f"config:\n  gcp:project: acme-1\n{stack_config}", "utf-8"
    )
    (tmp_path / "infera.yaml").write_text(
        "project_name: shop\nprovider: gcp\napp: {path: my_app}\n", "utf-8"
    )
    return tmp_path


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_validate_and_plan_warn_when_no_host_can_be_known(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _gcp_project(tmp_path, "")
    code = main([command, "--config", str(project / "infera.yaml"), "--stack", "dev"])
    out, err = capsys.readouterr()
    assert code == 0, err
    # validate prints warnings on stderr; plan's text shows them with the plan.
    err = err if command == "validate" else out
    assert "gcpProjectNumber: warning: not set, so PHX_HOST is not set" in err
    assert "gcloud projects describe PROJECT_ID --format='value(projectNumber)'" in err


def test_a_project_number_that_is_not_one_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _gcp_project(tmp_path, "  gcpProjectNumber: acme-1\n")
    code = main(["validate", "--config", str(project / "infera.yaml"), "--stack", "dev"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("Pulumi.dev.yaml:1:1: gcpProjectNumber: 'acme-1' is not a project number")
