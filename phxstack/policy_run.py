"""Run the policy pack's checks over a plan, offline.

Owns the bridge from a validated `infera.yaml` to the checks' `Context` (stack, production,
health check path, LiveView), so `phxstack plan` reports the same violations that
`pulumi preview --policy-pack policy` would. The rules themselves live in `policy.checks`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from config.model import InferaConfig
from policy.checks import Context, violations


def context_for(infera: InferaConfig, stack: str) -> Context:
    """The checks' view of this stack: production as the config decides it, the health path."""
    return Context(
        stack=stack,
        production=infera.production,
        health_check_path=infera.deployment.health_check.path,
    )


def plan_violations(
    resources: Sequence[Mapping[str, Any]], infera: InferaConfig, stack: str
) -> list[dict[str, Any]]:
    """Violations over `plan --json` resources, in the pack's policy order."""
    return violations(resources, context_for(infera, stack))


def has_mandatory(found: Sequence[Mapping[str, Any]]) -> bool:
    return any(v["enforcement"] == "mandatory" for v in found)
