"""Run the policy pack's checks over a plan, offline, and hand the same view to CrossGuard.

Owns the bridge from a validated `infera.yaml` to the checks' `Context` (stack, production,
health check path), so `phxstack plan` reports the same violations that
`pulumi preview --policy-pack policy` would. The pack cannot read infera.yaml, so
`python -m phxstack.policy_run --stack STACK` prints the `--policy-pack-config` document that
carries this context to it. The rules themselves live in `policy.checks`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from config.model import InferaConfig
from policy.checks import Context, pack_config, violations


def context_for(infera: InferaConfig, stack: str) -> Context:
    """The checks' view of this stack: production as the config decides it, the health path."""
    return Context(
        stack=stack,
        production=infera.production,
        health_check_path=infera.deployment.health_check.path,
        health_check_type=infera.deployment.health_check.type,
        overrides=dict(infera.overrides.policies),
    )


def plan_violations(
    resources: Sequence[Mapping[str, Any]], infera: InferaConfig, stack: str
) -> list[dict[str, Any]]:
    """Violations over `plan --json` resources, in the pack's policy order."""
    return violations(resources, context_for(infera, stack))


def has_mandatory(found: Sequence[Mapping[str, Any]]) -> bool:
    return any(v["enforcement"] == "mandatory" for v in found)


def policy_pack_config(infera: InferaConfig, stack: str) -> dict[str, dict[str, Any]]:
    """The `--policy-pack-config` document for `stack`: the pack then judges as `plan` does."""
    return pack_config(context_for(infera, stack))


def main(argv: list[str] | None = None) -> int:
    from config.errors import ConfigError
    from config.loader import load_config

    parser = argparse.ArgumentParser(
        prog="python -m phxstack.policy_run",
        description="Print the policy pack config (JSON) that matches infera.yaml for a stack.",
    )
    parser.add_argument("--config", type=Path, default=Path("infera.yaml"), help="infera.yaml")
    parser.add_argument("--stack", required=True, help="stack (environment) name, e.g. prod")
    args = parser.parse_args(argv)
    try:
        infera = load_config(args.config, args.stack)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    json.dump(policy_pack_config(infera, args.stack), sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
