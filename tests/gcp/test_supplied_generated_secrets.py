"""#9 point 3 on GCP: a supplied SECRET_KEY_BASE / RELEASE_COOKIE is stored, never generated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from phxstack.mocks import unwrap

from .conftest import run_gcp

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
    run = run_gcp(raw, project_dir, secret=CANARY, more_secrets=(name,))
    slug = name.lower().replace("_", "-")
    version = run.one("gcp:secretmanager/secretVersion:SecretVersion", f"shop-secrets-{slug}")
    assert unwrap(version.inputs["secretData"]) == CANARY
    assert f"shop-secrets-{slug}" not in [r.name for r in run.of_type(PASSWORD)]
