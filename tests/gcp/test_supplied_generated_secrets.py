"""#9 point 3 on GCP: a supplied SECRET_KEY_BASE / RELEASE_COOKIE is stored, never generated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.gcp.stack import PhoenixGcp, gcp_args
from config.context import StackContext
from config.model import InferaConfig
from phxstack.mocks import run_program, unwrap

from .conftest import GCP_PROJECT, PROJECT_NUMBER

CANARY = "canary-3c9e-user-secret-key-base-value"
PASSWORD = "random:index/randomPassword:RandomPassword"


@pytest.mark.parametrize("name", ["SECRET_KEY_BASE", "RELEASE_COOKIE"])
def test_gcp_stores_the_supplied_value_and_generates_nothing_for_it(
    name: str, project_dir: Path
) -> None:
    raw: dict[str, Any] = {
        "project_name": "shop",
        "provider": "gcp",
        "app": {"path": "app"},
        "secrets": ["STRIPE_API_KEY", name],
    }

    def program() -> None:
        infera = InferaConfig.model_validate(raw, context={"stack": "dev"})
        ctx = StackContext(
            infera=infera,
            stack="dev",
            project_dir=project_dir,
            supplied_secrets={
                "STRIPE_API_KEY": pulumi.Output.secret("stripe"),
                name: pulumi.Output.secret(CANARY),
            },
            gcp_project=GCP_PROJECT,
            gcp_project_number=PROJECT_NUMBER,
        )
        PhoenixGcp("shop", gcp_args(ctx))

    run = run_program(program, gcp_project=GCP_PROJECT)
    slug = name.lower().replace("_", "-")
    version = run.one("gcp:secretmanager/secretVersion:SecretVersion", f"shop-secrets-{slug}")
    assert unwrap(version.inputs["secretData"]) == CANARY
    assert f"shop-secrets-{slug}" not in [r.name for r in run.of_type(PASSWORD)]
