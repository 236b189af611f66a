"""A plan lists resources in one order whatever order the SDK happened to register them in."""

from __future__ import annotations

import itertools

from phxstack.mocks import Registered, stable_order


def reg(name: str, parent: str | None = None, deps: tuple[str, ...] = ()) -> Registered:
    return Registered(
        urn=f"urn:{name}",
        type="t",
        name=name,
        parent=f"urn:{parent}" if parent else None,
        custom=True,
        protect=False,
        inputs={},
        dependencies=[f"urn:{d}" for d in deps],
        property_dependencies={},
        options={},
    )


RESOURCES = [
    reg("stack"),
    reg("z-app", "stack"),
    reg("a-db", "stack", ("z-app",)),
    reg("m-secrets", "stack", ("a-db", "z-app")),
    reg("b-ip", "stack", ("z-app",)),
]


def test_every_registration_order_gives_the_same_plan_order() -> None:
    orders = {
        tuple(r.name for r in stable_order(list(p))) for p in itertools.permutations(RESOURCES)
    }
    # Parents and dependencies first; among what is ready at once, by name.
    assert orders == {("stack", "z-app", "a-db", "b-ip", "m-secrets")}


def test_a_dependency_outside_the_plan_does_not_hold_a_resource_back() -> None:
    lone = reg("x", None, ("not-registered",))
    assert [r.name for r in stable_order([lone])] == ["x"]
