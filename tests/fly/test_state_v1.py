"""Providers pickled into state by an older version of this code still refresh and destroy.

Pulumi keeps each dynamic resource's provider in state as a dill pickle that names its class by
module path (`components.fly.providers.AppProvider`, `components.fly.settings.RunnerSettings`),
and `pulumi refresh` and `pulumi destroy` unpickle that, not the current program. The fixtures
under `fixtures/state_v1/` (see its README) were recorded from a real run of the program before
the Fly providers moved into one module per object; these tests load those exact blobs and run
them against the fake flyctl holding the same objects.
"""

from __future__ import annotations

import base64
import json
import pickletools
from pathlib import Path
from typing import Any

import dill
import pytest
from pulumi.dynamic import ResourceProvider

from tests.fly.conftest import FlyEnv

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "state_v1"
STACKS = ("sample", "full")
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and SECRET_SIG in value:
        return json.loads(value["plaintext"])
    return value


def resources(stack: str) -> list[dict[str, Any]]:
    doc = json.loads((FIXTURES / stack / "stack.json").read_text())
    out = []
    for res in doc["deployment"]["resources"]:
        inputs = {k: _plain(v) for k, v in res["inputs"].items()}
        outputs = {k: _plain(v) for k, v in res["outputs"].items()}
        out.append({**res, "inputs": inputs, "outputs": outputs})
    return out


def provider_of(res: dict[str, Any]) -> ResourceProvider:
    # What the SDK's dynamic provider server does with `__provider` (pulumi/dynamic/__main__.py).
    provider: ResourceProvider = dill.loads(base64.b64decode(res["outputs"]["__provider"]))
    return provider


def props(res: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in res["outputs"].items() if k != "__provider"}


@pytest.fixture(params=STACKS)
def recorded(request: pytest.FixtureRequest, fly_env: FlyEnv) -> list[dict[str, Any]]:
    fly_env.state.mkdir()
    world = (FIXTURES / request.param / "fake-flyctl-state.json").read_text()
    (fly_env.state / "state.json").write_text(world)
    return resources(request.param)


def test_the_fixtures_cover_every_fly_object_and_both_postgres_kinds() -> None:
    seen = {
        (r["type"].rsplit(":", 1)[1], r["inputs"].get("kind")) for s in STACKS for r in resources(s)
    }
    kinds = {name for name, _ in seen}
    assert kinds == {
        "App",
        "Secrets",
        "Postgres",
        "Redis",
        "Storage",
        "Deploy",
        "Scale",
        "Ip",
        "Cert",
    }
    assert {k for name, k in seen if name == "Postgres"} == {"mpg", "unmanaged"}


def test_the_blobs_name_the_classes_by_their_pre_split_module_paths() -> None:
    # Guards the fixtures themselves: regenerated on a later commit they would name the new
    # modules and this whole file would stop testing anything.
    for stack in STACKS:
        for res in resources(stack):
            raw = base64.b64decode(res["outputs"]["__provider"])
            strings = [arg for op, arg, _ in pickletools.genops(raw) if isinstance(arg, str)]
            assert "components.fly.providers" in strings
            assert "components.fly.settings" in strings and "RunnerSettings" in strings


def test_recorded_providers_refresh_to_the_same_resources(recorded: list[dict[str, Any]]) -> None:
    for res in recorded:
        provider = provider_of(res)
        read = provider.read(res["id"], props(res))
        assert read.id == res["id"], res["type"]
        outs = read.outs or {}
        # Refresh keeps every key state has and what names the object; values Fly owns
        # (versions, the cert's status) may move on.
        assert set(props(res)) <= set(outs), res["type"]
        for key in ("app", "name", "kind", "address", "hostname", "cluster_id", "url"):
            if key in props(res):
                assert outs[key] == props(res)[key], (res["type"], key)


def test_recorded_providers_destroy_everything_and_again_is_a_no_op(
    recorded: list[dict[str, Any]], fly_env: FlyEnv
) -> None:
    for res in reversed(recorded):  # newest first, as `pulumi destroy` does
        provider_of(res).delete(res["id"], props(res))
    for res in reversed(recorded):
        provider_of(res).delete(res["id"], props(res))
    world = json.loads((fly_env.state / "state.json").read_text())
    assert (world["apps"], world["mpg"], world["redis"], world["buckets"]) == ({}, {}, {}, {})
    for res in recorded:
        if res["type"].endswith(("App", "Postgres", "Redis", "Storage", "Ip", "Cert")):
            assert provider_of(res).read(res["id"], props(res)).id == "", res["type"]


# What state written before the split names, by module path (the fixtures' blobs among them).
PRE_SPLIT_PROVIDERS = (
    "AppProvider", "SecretsProvider", "PostgresProvider", "RedisProvider", "StorageProvider",
    "DeployProvider", "ScaleProvider", "IpProvider", "CertProvider",
)  # fmt: skip


def test_every_pre_split_provider_path_names_the_class_in_its_objects_module() -> None:
    import importlib

    old = importlib.import_module("components.fly.providers")
    settings = importlib.import_module("components.fly.settings")
    for name in PRE_SPLIT_PROVIDERS:
        cls = getattr(old, name)
        assert cls.__module__ != "components.fly.providers", name
        assert getattr(importlib.import_module(cls.__module__), name) is cls
    assert settings.RunnerSettings.__module__ == "components.fly.settings"
