"""`deployment.billing` and the `usage:` block: what they accept, what they refuse and where,
and how they follow a stack through `environments:`."""

from __future__ import annotations

from typing import Any

import pytest
from cfg_helpers import FLY, GCP, load, only_problem, with_value

from config.usage import DEFAULT_ACTIVE_INSTANCE_HOURS, DEFAULT_REDIS_COMMANDS


def test_billing_on_fly_is_refused_at_its_key_with_the_reason() -> None:
    problem = only_problem(with_value(FLY, "deployment.billing", "request"))
    assert problem.key == "deployment.billing"
    assert problem.message == (
        "Cloud Run only: Fly bills each machine by the second while it runs, so there is no "
        "billing mode to choose; remove deployment.billing"
    )
    assert (problem.file, problem.line) == ("infera.yaml", 4)


@pytest.mark.parametrize(
    ("machines", "billing", "expected"),
    [
        ({"count": 2}, None, "instance"),  # today's behaviour: CPU always allocated
        ({"count": 0}, None, "request"),  # a scale-to-zero service, as before
        ({"count": 2}, "request", "request"),
        ({"count": 0}, "instance", "instance"),
    ],
)
def test_cloud_run_billing_is_as_set_else_instance_unless_scaled_to_zero(
    machines: dict[str, Any], billing: str | None, expected: str
) -> None:
    deployment: dict[str, Any] = {"machines": machines}
    if billing:
        deployment["billing"] = billing
    assert load({**GCP, "deployment": deployment}).cloud_run_billing == expected


def test_billing_takes_only_instance_or_request() -> None:
    problem = only_problem(with_value(GCP, "deployment.billing", "cpu"))
    assert problem.key == "deployment.billing"
    assert "'cpu' is not one of 'instance', 'request'" in problem.message


def test_usage_defaults_are_the_documented_assumptions_and_not_marked_set() -> None:
    usage = load(GCP).usage
    assert usage.active_instance_hours == DEFAULT_ACTIVE_INSTANCE_HOURS == 0
    assert usage.redis_commands == DEFAULT_REDIS_COMMANDS == 2_500_000
    # An app nobody uses yet: no requests, egress or stored objects (the seed counted none).
    assert (usage.requests, usage.egress_gb, usage.storage_gb) == (0, 0, 0)
    assert (usage.storage_class_a_operations, usage.storage_class_b_operations) == (0, 0)
    # What the seed did not price has no default: "depends on usage".
    assert (usage.backup_gb, usage.job_minutes, usage.image_storage_gb) == (None, None, None)
    assert (usage.secret_access_operations, usage.volume_snapshot_gb) == (None, None)
    assert usage.model_fields_set == set()


def test_usage_set_in_the_file_is_marked_set_and_null_means_no_assumption() -> None:
    usage = load({**FLY, "usage": {"redis_commands": None, "egress_gb": 12.5}}).usage
    assert usage.redis_commands is None
    assert usage.egress_gb == 12.5
    assert usage.model_fields_set == {"redis_commands", "egress_gb"}


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("usage.egress_gb", -1, "greater than or equal to 0"),
        ("usage.requests", "lots", "expected a whole number"),
        ("usage.requests", 1.5, "expected a whole number"),
        ("usage.egres_gb", 1, "did you mean 'egress_gb'?"),
    ],
)
def test_bad_usage_is_refused_at_its_key(key: str, value: Any, fragment: str) -> None:
    problem = only_problem(with_value(GCP, key, value))
    assert problem.key == key
    assert fragment in problem.message


def test_usage_follows_the_stack_through_environments() -> None:
    raw = {
        **GCP,
        "usage": {"active_instance_hours": 10},
        "environments": {"prod": {"usage": {"active_instance_hours": 2190, "requests": 9}}},
    }
    assert load(raw, "dev").usage.active_instance_hours == 10
    prod = load(raw, "prod").usage
    assert (prod.active_instance_hours, prod.requests) == (2190, 9)
