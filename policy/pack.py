"""The CrossGuard side of the policy pack: `policy.checks` wrapped as pulumi_policy policies.

Owns converting what the engine passes (`StackValidationArgs.resources`: engine property names,
which are the same camelCase wire names `phxstack plan --json` prints) to the checks' resource
dicts, and deciding enforcement. Every rule is a stack validation, because several need the
whole stack (the cache beside the service, the job the service waits for).

What production means and which health check path is right are infera.yaml's (`production`,
`deployment.health_check.path`), as in `phxstack plan`. The pack cannot read infera.yaml, so CI
writes both into `--policy-pack-config` with `python -m phxstack.policy_run` (see
`checks.pack_config`), including each policy's `enforcementLevel`. Without that file the pack falls
back to the stack name: `mandatory` and production rules for `prod`/`production`, `advisory`
elsewhere. The stack is PULUMI_STACK, which the engine sets for the pack (pulumi_policy reads it
for `pulumi.get_stack()`), else the URNs' stack field; with neither, the pack fails safe to
production.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

try:
    from policy import checks
except ImportError:  # run by the Pulumi CLI from inside policy/, where the project is not installed
    import checks  # type: ignore[no-redef]

PACK_NAME = "phoenix-stack"
_UNKNOWNS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


def plain(value: Any) -> Any:
    """Engine properties as plain data: proxies unwrapped, unknowns as `[unknown]`."""
    if isinstance(value, Mapping):
        target = value.get("__target", value)
        return {str(k): plain(v) for k, v in dict(target).items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        try:
            target = value["__target"]  # type: ignore[call-overload]
        except (TypeError, IndexError, KeyError):
            target = value
        return [plain(v) for v in target]
    if isinstance(value, str) and value in _UNKNOWNS:
        return checks.UNKNOWN
    return value


def to_resources(args: StackValidationArgs) -> list[dict[str, Any]]:
    """The stack's resources in the `plan --json` shape the checks read."""
    return [
        {
            "urn": r.urn,
            "type": r.resource_type,
            "name": r.name,
            "parent": r.parent.urn if r.parent is not None else None,
            "custom": True,
            "protect": bool(r.opts.protect),
            "inputs": plain(r.props),
            "dependencies": [d.urn for d in r.dependencies],
        }
        for r in args.resources
    ]


def stack_enforcement(stack: str | None) -> EnforcementLevel:
    if stack is None:
        return EnforcementLevel.MANDATORY
    return (
        EnforcementLevel.MANDATORY
        if stack in checks.PRODUCTION_STACKS
        else EnforcementLevel.ADVISORY
    )


def stack_of(resources: Sequence[Mapping[str, Any]]) -> str | None:
    """The stack being checked: PULUMI_STACK, which the engine sets for the pack, else the URNs."""
    if os.environ.get("PULUMI_STACK"):
        return os.environ["PULUMI_STACK"]
    # urn:pulumi:<stack>::<project>::<type>::<name>; the stack is the third `:` field.
    for r in resources:
        urn = str(r["urn"])
        if urn.startswith("urn:pulumi:") and "::" in urn:
            return urn.split("::", 1)[0].rsplit(":", 1)[-1]
    return None


class PhoenixPolicy(StackValidationPolicy):
    """One `policy.checks` rule, enforced by the stack it runs against."""

    def __init__(self, rule: checks.Policy) -> None:
        self.rule = rule
        super().__init__(
            rule.name,
            rule.description,
            self._validate,
            config_schema=PolicyConfigSchema(checks.config_schema(rule.name)),
        )

    @property
    def enforcement_level(self) -> EnforcementLevel:
        return stack_enforcement(os.environ.get("PULUMI_STACK"))

    @enforcement_level.setter
    def enforcement_level(self, _value: EnforcementLevel | None) -> None:
        """Ignored: the level follows the stack (see the module docstring)."""

    def _validate(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = to_resources(args)
        stack = stack_of(resources) or "prod"
        ctx = checks.context_from_config(stack, args.get_config() or {}, self.rule.name)
        if self.rule.name in ctx.overrides:
            return  # the engine skips it when disabled; a config that only gives the reason too
        for finding in self.rule.check(resources, ctx):
            urn = finding.resource["urn"] if finding.resource is not None else None
            report_violation(finding.message, urn)


def policies() -> list[Policy]:
    return [PhoenixPolicy(rule) for rule in checks.POLICIES]
