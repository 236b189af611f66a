"""#9 point 7: with `provider: fly-mpg`, `size` picks the Managed Postgres plan (or is refused),
`high_availability` is what every plan includes, and the registered cluster carries no machine
keys (vm size, memory, node count) that do not apply to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.fly.settings import fly_args
from components.fly.stack import PhoenixFly
from config.context import StackContext
from config.model import InferaConfig
from phxstack.mocks import run_program

IMAGE = "registry.fly.io/shop@sha256:" + "ab" * 32
POSTGRES = "pulumi-python:dynamic/fly:Postgres"


def _postgres_inputs(database: dict[str, Any]) -> dict[str, Any]:
    raw = {"project_name": "shop", "provider": "fly", "app": {"image": IMAGE}, "database": database}

    def program() -> None:
        infera = InferaConfig.model_validate(raw, context={"stack": "dev"})
        PhoenixFly("web", fly_args(StackContext(infera=infera, stack="dev", project_dir=Path("."))))

    inputs = run_program(program).one(POSTGRES).inputs
    return {k: v for k, v in inputs.items() if k != "__provider"}


@pytest.mark.parametrize(
    ("size", "plan"),
    [(None, "basic"), ("1gb", "basic"), ("2gb", "starter"), ("8gb", "launch"), ("32gb", "scale")],
)
def test_size_picks_the_managed_postgres_plan(size: str | None, plan: str) -> None:
    database: dict[str, Any] = {"provider": "fly-mpg", "high_availability": True}
    if size is not None:
        database["size"] = size
    inputs = _postgres_inputs(database)
    assert inputs["kind"] == "mpg"
    assert inputs["plan"] == plan
    # Machine keys do not apply to a managed cluster: none is registered with a value.
    assert not {"vm_size", "vm_memory_mb", "cluster_size"} & set(inputs)


def test_unmanaged_postgres_keeps_its_machine_keys_and_no_plan() -> None:
    inputs = _postgres_inputs(
        {"provider": "fly-postgres", "size": "2gb", "high_availability": True}
    )
    assert (inputs["vm_memory_mb"], inputs["cluster_size"], "plan" in inputs) == (2048, 2, False)
