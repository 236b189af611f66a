"""Pools x instances (+ a rollout's new instances + migrations) against Cloud SQL's limit."""

from __future__ import annotations

import pytest

from config.model import InferaConfig
from policy import cloud_sql


@pytest.mark.parametrize(
    ("tier", "connections"),
    [
        ("db-f1-micro", 25),
        ("db-g1-small", 50),
        ("db-custom-1-3840", 100),
        ("db-custom-1-6144", 200),
        ("db-custom-2-7680", 400),
        ("db-custom-4-15360", 500),
        ("db-custom-8-30720", 600),
        ("db-custom-16-61440", 800),
        ("db-custom-32-122880", 1000),
        ("db-n1-standard-2", 400),
        ("db-perf-optimized-N-2", None),  # not in the table: no verdict rather than a guess
    ],
)
def test_max_connections_follow_googles_table_by_memory(tier: str, connections: int | None) -> None:
    assert cloud_sql.max_connections(tier) == connections


def _gcp(**database: object) -> InferaConfig:
    raw = {
        "project_name": "shop",
        "provider": "gcp",
        "database": database,
        "cache": {},
        "deployment": {"machines": {"count": 3, "max_count": 12}},
    }
    return InferaConfig.model_validate(raw, context={"stack": "prod"})


def test_the_seed_prod_shape_is_warned_about_with_the_numbers_and_both_fixes() -> None:
    infera = _gcp(size="3840mb", pool_size=15)
    [message] = [m for k, m in infera.warnings() if k == "database.pool_size"]
    assert message == (
        "up to 227 database connections (15 pool x (12 instances + 3 starting during a rollout) "
        "+ 2 for migrations), but db-custom-1-3840 allows 100 (3 reserved for superusers, so "
        "97); set database.pool_size to 6 or less, or give the database more memory "
        "(database.size: 7680mb is db-custom-2-7680, 400 connections), or run fewer instances "
        "(deployment.machines.max_count)"
    )


def test_a_budget_that_fits_is_no_warning() -> None:
    infera = _gcp(size="7680mb", pool_size=15)  # 227 of 397
    assert "database.pool_size" not in [k for k, _ in infera.warnings()]
    budget = infera.connection_budget()
    assert budget is not None and (budget.demand, budget.available) == (227, 397)


def test_a_fly_database_has_no_cloud_sql_budget() -> None:
    raw = {"project_name": "shop", "provider": "fly", "database": {"pool_size": 50}}
    assert InferaConfig.model_validate(raw, context={"stack": "prod"}).connection_budget() is None
