"""`deployment.billing` reaches the Cloud Run service as its CPU allocation (cpuIdle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import FULL, run_gcp, with_

SERVICE = "gcp:cloudrunv2/service:Service"


@pytest.mark.parametrize(
    ("deployment", "cpu_idle"),
    [
        # Default: instance billing, the CPU stays allocated so PubSub and timers keep running.
        ({"machines": {"count": 2}}, False),
        ({"machines": {"count": 2}, "billing": "request"}, True),
        # A scale-to-zero service keeps request billing unless told otherwise.
        ({"machines": {"count": 0}}, True),
        ({"machines": {"count": 0}, "billing": "instance"}, False),
    ],
)
def test_billing_sets_cpu_idle_on_the_service(
    deployment: dict[str, Any], cpu_idle: bool, project_dir: Path
) -> None:
    run = run_gcp(with_(FULL, deployment=deployment), project_dir)
    resources = run.one(SERVICE).inputs["template"]["containers"][0]["resources"]
    assert resources["cpuIdle"] is cpu_idle
