"""The CrossGuard wrapper: engine resources become the checks' dicts, and enforcement follows the
stack. The pack's gRPC server is not started; its policies are called as the analyzer calls them."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
)
from pulumi_policy.policy import PolicyCustomTimeouts
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policy.checks import POLICIES
from policy.pack import PhoenixPolicy, plain, policies, stack_of, to_resources
from tests.delivery.plans import one, resources


def _engine_args(
    rs: list[dict[str, Any]], config: dict[str, Any] | None = None
) -> StackValidationArgs:
    """What the analyzer builds from the engine's AnalyzeStack request, for these resources."""
    built: dict[str, PolicyResource] = {}
    for r in rs:
        opts = PolicyResourceOptions(
            r["protect"], [], None, [], PolicyCustomTimeouts(0, 0, 0), [], r["parent"]
        )
        built[r["urn"]] = PolicyResource(
            r["type"],
            unknown_checking_proxy(r["inputs"]),
            r["urn"],
            r["name"],
            opts,
            None,
            None,
            [],
            {},
        )
    for r in rs:
        built[r["urn"]].parent = built.get(r["parent"]) if r["parent"] else None
        built[r["urn"]].dependencies = [built[d] for d in r["dependencies"] if d in built]
    return StackValidationArgs(list(built.values()), config or {})


def test_one_policy_per_check_with_the_same_names() -> None:
    assert [p.name for p in policies()] == [p.name for p in POLICIES]


def test_unknowns_become_the_plan_marker_and_proxies_unwrap() -> None:
    props = unknown_checking_proxy({"a": {"b": [UNKNOWN_STRING_VALUE, {"c": 1}]}, "d": "x"})
    assert plain(props) == {"a": {"b": ["[unknown]", {"c": 1}]}, "d": "x"}


def test_engine_resources_convert_back_to_the_plan_shape() -> None:
    rs = [r for r in resources("gcp", "prod") if r["custom"]]
    converted = to_resources(_engine_args(rs))
    expected = [
        {
            **r,
            "custom": True,
            "parent": r["parent"] if r["parent"] in {x["urn"] for x in rs} else None,
        }
        for r in rs
    ]
    assert converted == expected


@pytest.mark.parametrize(
    ("stack", "level"),
    [
        ("prod", EnforcementLevel.MANDATORY),
        ("production", EnforcementLevel.MANDATORY),
        ("dev", EnforcementLevel.ADVISORY),
        (None, EnforcementLevel.MANDATORY),
    ],
)
def test_enforcement_follows_the_stack_and_fails_safe(
    stack: str | None, level: EnforcementLevel, monkeypatch: pytest.MonkeyPatch
) -> None:
    if stack is None:
        monkeypatch.delenv("PULUMI_STACK", raising=False)
    else:
        monkeypatch.setenv("PULUMI_STACK", stack)
    assert {p.enforcement_level for p in policies()} == {level}


def test_pack_reports_the_violation_with_the_resource_urn() -> None:
    rs = resources("gcp", "prod")
    service = next(r for r in rs if r["type"] == "gcp:cloudrunv2/service:Service")
    service["inputs"]["template"]["timeout"] = "60s"
    reported: list[tuple[str, str | None]] = []
    rule = next(p for p in POLICIES if p.name == "liveview-request-timeout")
    PhoenixPolicy(rule).validate(
        _engine_args(rs), lambda msg, urn=None: reported.append((msg, urn))
    )
    assert reported == [
        ("request timeout is 60s; LiveView sockets are cut then: set 3600s", service["urn"])
    ]


def test_policy_config_sets_the_health_check_path() -> None:
    rs = resources("gcp", "prod")
    reported: list[tuple[str, str | None]] = []
    rule = next(p for p in POLICIES if p.name == "health-check-configured")
    args = _engine_args(rs, {"path": "/healthz"})
    PhoenixPolicy(rule).validate(args, lambda msg, urn=None: reported.append((msg, urn)))
    assert [m for m, _ in reported] == [
        "startupProbe checks '/health', not '/healthz'",
    ]


def _run_pack(rs: list[dict[str, Any]]) -> dict[str, list[tuple[str, str | None]]]:
    """Every policy of the pack over `rs`, as the analyzer calls them: name → (message, urn)."""
    reported: dict[str, list[tuple[str, str | None]]] = {}
    for policy in policies():
        found = reported.setdefault(policy.name, [])
        policy.validate(_engine_args(rs), lambda msg, urn=None, f=found: f.append((msg, urn)))
    return reported


def _one_instance_unprotected_sql() -> tuple[list[dict[str, Any]], str, str]:
    rs = resources("gcp", "prod")
    service = one(rs, "gcp:cloudrunv2/service:Service")
    service["inputs"]["template"]["scaling"]["minInstanceCount"] = 1
    sql = one(rs, "gcp:sql/databaseInstance:DatabaseInstance")
    sql["protect"] = False
    return rs, service["urn"], sql["urn"]


@pytest.mark.parametrize("env_stack", ["prod", None], ids=["PULUMI_STACK", "from-urn"])
def test_prod_only_rules_fire_for_a_prod_stack(
    env_stack: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The URNs say `urn:pulumi:prod::phoenix::…`; both the engine's env var and the URN must
    # read as `prod`, or the production rules silently stop firing.
    if env_stack is None:
        monkeypatch.delenv("PULUMI_STACK", raising=False)
    else:
        monkeypatch.setenv("PULUMI_STACK", env_stack)
    rs, service_urn, sql_urn = _one_instance_unprotected_sql()
    assert rs[0]["urn"].startswith("urn:pulumi:prod::phoenix::")
    reported = _run_pack(rs)
    assert reported["machine-count"] == [
        (
            "1 instance(s) always running; need at least 2 in production (one machine is a "
            "single point of failure)",
            service_urn,
        )
    ]
    assert reported["stateful-resources-protected"] == [
        (
            "stateful resource is not protected; `pulumi destroy` would delete its data",
            sql_urn,
        )
    ]


def test_pulumi_stack_wins_over_the_urn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "dev")
    rs, _, _ = _one_instance_unprotected_sql()
    reported = _run_pack(rs)
    assert reported["machine-count"] == []
    assert reported["stateful-resources-protected"] == []


@pytest.mark.parametrize(
    ("urn", "stack"),
    [
        ("urn:pulumi:prod::phoenix::pulumi:pulumi:Stack::phoenix-prod", "prod"),
        ("urn:pulumi:staging::phoenix::gcp:sql/databaseInstance:DatabaseInstance::db", "staging"),
        ("urn:pulumi:org.dev-1::p::a$b::c", "org.dev-1"),
    ],
)
def test_stack_is_read_from_the_urn_without_the_env(
    urn: str, stack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    assert stack_of([{"urn": urn}]) == stack
