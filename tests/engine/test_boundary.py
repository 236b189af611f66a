"""What only the out-of-process provider path shows: each failure class at the plugin boundary.

The local engine sends every dynamic-provider call to the SDK's own `pulumi.dynamic` server, as
`pulumi up` does. Each test here asserts something that calling the unpickled provider inside
the test process gets wrong: where the class is imported from, what protobuf does to numbers,
how secrets cross, and what a raised exception becomes.
"""

from __future__ import annotations

import base64
import importlib
import sys
from pathlib import Path

import dill
import grpc
import pulumi
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from tests.engine.probes import EchoProbe, NumberProbe, Probe, RefusingProbe
from tests.support.engine import CheckFailed, EngineError, LocalEngine, ProviderError
from tests.support.provider_server import POOL

PROBE = "pulumi-python:dynamic/probe:Probe"
CANARY = "canary-3f9a0c6e-boundary-never-print-me"

OUTSIDE = """
from pulumi.dynamic import CreateResult, ResourceProvider


class OutsideProvider(ResourceProvider):
    def create(self, props):
        return CreateResult("outside", {})
"""


def test_a_provider_class_the_project_directory_cannot_import_fails_in_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "outside_probe.py").write_text(OUTSIDE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "outside_probe", raising=False)
    outside = importlib.import_module("outside_probe")
    provider = outside.OutsideProvider()
    # In this process the blob unpickles: the class's module is on this process's path.
    blob = serialize_provider(provider)
    assert type(dill.loads(base64.b64decode(blob))).__name__ == "OutsideProvider"
    engine = LocalEngine()
    with pytest.raises(EngineError) as err:
        engine.run(lambda: Probe("far", provider, {}))
    monkeypatch.delitem(sys.modules, "outside_probe")
    [error] = err.value.errors
    assert isinstance(error, ProviderError)
    assert (error.method, error.code) == ("Check", grpc.StatusCode.UNKNOWN)
    assert "ModuleNotFoundError: No module named 'outside_probe'" in error.details
    assert engine.state == {}


def test_a_number_made_whole_in_check_reaches_create_as_a_float() -> None:
    # protobuf's Struct has one number type; check's answer crosses it before create is called.
    engine = LocalEngine()
    engine.run(lambda: Probe("numbers", NumberProbe(), {"count": 3}))
    outs = engine.state[f"{PROBE}::numbers"].outs
    assert outs == {"count_type": "float", "flag": "--count=3.0"}


def test_a_secret_input_reaches_the_provider_unwrapped_and_is_secret_again_by_name(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state.json"
    engine = LocalEngine(state)
    engine.run(lambda: Probe("echo", EchoProbe(), {"token": pulumi.Output.secret(CANARY)}))
    stored = engine.state[f"{PROBE}::echo"]
    # The provider answered Configure with acceptSecrets=False: the engine strips the marker,
    # so the provider gets the plain string, never the secret envelope.
    assert stored.outs["token_type"] == "str"
    assert stored.outs["token_length"] == len(CANARY)
    # Secretness comes back by name only: the echoed `token` is secret, what was derived from
    # it under another name is not (that needs additional_secret_outputs).
    assert (stored.secret_inputs, stored.secret_outs) == (["token"], ["token"])
    assert CANARY not in state.read_text()
    refreshed = engine.refresh()
    assert [(s.name, s.op, s.changed) for s in refreshed.steps] == [("echo", "read", [])]
    assert engine.state[f"{PROBE}::echo"].secret_outs == ["token"]
    assert CANARY not in state.read_text()
    # Nor did the plugin print it or log it to the engine.
    server = engine._provider()
    printed = server.stderr_text() + "".join(server.stdout) + "".join(POOL.engine().service.logs)
    assert CANARY not in printed


def test_a_check_failure_stops_the_run_as_a_check_failure_before_create() -> None:
    engine = LocalEngine()
    with pytest.raises(EngineError) as err:
        engine.run(lambda: Probe("refused", RefusingProbe(), {"mode": "fail"}))
    [error] = err.value.errors
    assert isinstance(error, CheckFailed)
    assert str(error) == f"{PROBE} refused: check failed: mode: mode 'fail' is refused by check"
    assert engine.state == {}


@pytest.mark.parametrize(
    ("mode", "method", "raised"),
    [
        ("raise", "Check", "ValueError: mode 'raise' is refused by raising"),
        ("create", "Create", "RuntimeError: create refused: the quota is exhausted"),
    ],
)
def test_an_exception_raised_in_the_provider_reaches_the_engine_as_a_grpc_status(
    mode: str, method: str, raised: str
) -> None:
    engine = LocalEngine()
    with pytest.raises(EngineError) as err:
        engine.run(lambda: Probe("refused", RefusingProbe(), {"mode": mode}))
    [error] = err.value.errors
    # Not the provider's exception type, and not a check failure: a status with a traceback.
    assert type(error) is ProviderError
    assert (error.method, error.code) == (method, grpc.StatusCode.UNKNOWN)
    assert error.details.startswith("Traceback (most recent call last):")
    assert error.details.rstrip().endswith(raised)
    assert engine.state == {}
