"""Monthly cost estimates from a plan's resources: the price table, the pricers, rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from phxstack.cost.estimate import Estimate, estimate

# Prices do not depend on which GCP project: a stack not set up yet can still be priced.
COST_DEFAULTS = {"gcp:project": "cost-estimate"}


def price_stack(config: Path, stack: str, project_dir: Path) -> tuple[str, dict[str, Any]]:
    """Run the program for `stack` offline and price what it registers: (provider, cost)."""
    from config.loader import load_config
    from phxstack.plan import make_plan

    plan = make_plan(config, stack, project_dir.resolve(), COST_DEFAULTS)
    infera = load_config(config, stack)
    return plan.provider, estimate(
        plan.to_json()["resources"], plan.provider, infera.usage
    ).to_json()


__all__ = ["COST_DEFAULTS", "Estimate", "estimate", "price_stack"]
