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
from policy.pack import PhoenixPolicy, plain, policies, to_resources
from tests.delivery.plans import resources


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
        "livenessProbe checks '/health', not '/healthz'",
    ]
