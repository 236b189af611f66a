"""Monthly cost estimates from a plan's resources: the price table, the pricers, rendering."""

from phxstack.cost.estimate import Estimate, estimate

__all__ = ["Estimate", "estimate"]
