"""Shared helpers for the GCP target's tests: a sample app on disk and a program to run."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.gcp.stack import PhoenixGcp, gcp_args
from components.outputs import export_outputs
from config.context import StackContext
from config.model import InferaConfig
from phxstack.mocks import ProgramRun, run_program
from phxstack.stackfile import DEFAULT_PROJECT as PROJECT

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_APP = ROOT / "examples" / "my_app"
GCP_PROJECT = "acme-shop-123"
PROJECT_NUMBER = "123456789012"
CANARY = "canary-5b1e0c77-never-in-plaintext"

# Every feature on: database, cache, bucket, a supplied secret and a plain env var.
FULL: dict[str, Any] = {
    "project_name": "shop",
    "provider": "gcp",
    "app": {"path": "app"},
    "database": {},
    "cache": {},
    "storage": {},
    "secrets": ["STRIPE_API_KEY"],
    "env_vars": {"LOG_LEVEL": "info"},
}


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A copy of the example Phoenix app at `<tmp>/app`, so tests may edit its sources."""
    shutil.copytree(
        EXAMPLE_APP,
        tmp_path / "app",
        ignore=shutil.ignore_patterns("_build", "deps", "node_modules"),
    )
    return tmp_path


def program(
    raw: dict[str, Any], stack: str, project_dir: Path, number: str | None = PROJECT_NUMBER
) -> Callable[[], None]:
    """The composition root's work for the GCP target, with supplied secrets from config."""

    def run() -> None:
        infera = InferaConfig.model_validate(raw, context={"stack": stack})
        cfg = pulumi.Config(PROJECT)
        ctx = StackContext(
            infera=infera,
            stack=stack,
            project_dir=project_dir,
            supplied_secrets={n: cfg.require_secret(n) for n in infera.supplied_secrets()},
            gcp_project=GCP_PROJECT,
            gcp_project_number=number,
        )
        export_outputs("gcp", PhoenixGcp(infera.project_name, gcp_args(ctx)).outputs)

    return run


def run_gcp(
    raw: dict[str, Any],
    project_dir: Path,
    stack: str = "dev",
    secret: str = CANARY,
    preview: bool = False,
    number: str | None = PROJECT_NUMBER,
    more_secrets: tuple[str, ...] = (),
) -> ProgramRun:
    return run_program(
        program(raw, stack, project_dir, number),
        stack=stack,
        project=PROJECT,
        secret_config={f"{PROJECT}:{n}": secret for n in ("STRIPE_API_KEY", *more_secrets)},
        preview=preview,
        gcp_project=GCP_PROJECT,
    )
