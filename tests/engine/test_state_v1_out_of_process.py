"""Users' existing Fly state refreshes and destroys through the SDK's provider server.

`pulumi refresh` and `pulumi destroy` hand the `__provider` blobs in state to a fresh
`pulumi.dynamic` server started in the project directory, which unpickles them by their module
paths. The fixtures in tests/fly/fixtures/state_v1 (see its README) are state written by an
older version of this code; here they are loaded into the local engine's state as a
`pulumi stack import` would, and refreshed and destroyed over gRPC against the fake flyctl
holding the same objects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fly.conftest import FlyEnv, fake_flyctl_env
from tests.support.engine import LocalEngine, Stored

FIXTURES = Path(__file__).resolve().parents[1] / "fly" / "fixtures" / "state_v1"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
PROVIDER_KEY = "__provider"


def _open(props: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`--show-secrets` values opened, and which keys were secret."""
    plain: dict[str, Any] = {}
    secret: list[str] = []
    for key, value in props.items():
        if isinstance(value, dict) and SECRET_SIG in value:
            plain[key] = json.loads(value["plaintext"])
            secret.append(key)
        else:
            plain[key] = value
    return plain, sorted(k for k in secret if k != PROVIDER_KEY)


def imported(stack_dir: str, state_file: Path) -> LocalEngine:
    doc = json.loads((FIXTURES / stack_dir / "stack.json").read_text())
    resources = doc["deployment"]["resources"]
    stack = resources[0]["urn"].split("::")[0].rsplit(":", 1)[-1]
    engine = LocalEngine(state_file, stack=stack)
    for seq, r in enumerate(resources, 1):
        inputs, secret_inputs = _open(r["inputs"])
        outs, secret_outs = _open(r["outputs"])
        inputs.pop(PROVIDER_KEY)
        blob = outs.pop(PROVIDER_KEY)
        name = r["urn"].rsplit("::", 1)[-1]
        engine.state[f"{r['type']}::{name}"] = Stored(
            r["type"], name, r["id"], inputs, outs, secret_inputs, secret_outs,
            r["protect"], seq, blob, r["urn"],
        )  # fmt: skip
    engine.save()
    return engine


@pytest.fixture
def fly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FlyEnv:
    return fake_flyctl_env(tmp_path, monkeypatch)


def _world(fly: FlyEnv, stack_dir: str) -> None:
    fly.state.mkdir()
    (fly.state / "state.json").write_text(
        (FIXTURES / stack_dir / "fake-flyctl-state.json").read_text()
    )


@pytest.mark.parametrize("stack_dir", ["sample", "full"])
def test_old_state_refreshes_to_the_same_resources(
    tmp_path: Path, fly: FlyEnv, stack_dir: str
) -> None:
    _world(fly, stack_dir)
    engine = imported(stack_dir, tmp_path / "state.json")
    before = {k: (s.id, dict(s.outs), list(s.secret_outs)) for k, s in engine.state.items()}
    result = engine.refresh()
    assert [s.op for s in result.steps] == ["read"] * len(before)
    for key, (rid, outs, secret_outs) in before.items():
        now = engine.state[key]
        assert now.id == rid, key
        # Values Fly owns (versions, the cert's status) may move on; what names it may not.
        # A null output (Redis's `plan`) does not cross: the server's serialize_properties
        # leaves keys whose value is None out, so refreshed state has no such key.
        assert {k for k, v in outs.items() if v is not None} <= set(now.outs), key
        assert not {k for k, v in now.outs.items() if v is None}, key
        for field in ("app", "name", "kind", "address", "hostname", "cluster_id", "url"):
            if field in outs:
                assert now.outs[field] == outs[field], (key, field)
        # Secret by name after the round trip: the server returns them unmarked.
        assert set(secret_outs) <= set(now.secret_outs), key


@pytest.mark.parametrize("stack_dir", ["sample", "full"])
def test_old_state_destroys_everything_and_a_second_destroy_is_a_no_op(
    tmp_path: Path, fly: FlyEnv, stack_dir: str
) -> None:
    _world(fly, stack_dir)
    engine = imported(stack_dir, tmp_path / "state.json")
    count = len(engine.state)
    result = engine.destroy()
    assert [s.op for s in result.steps] == ["delete"] * count
    assert engine.state == {}
    world = json.loads((fly.state / "state.json").read_text())
    assert (world["apps"], world["mpg"], world["redis"], world["buckets"]) == ({}, {}, {}, {})
    assert LocalEngine(tmp_path / "state.json").destroy().steps == []
    # The same old state once more, against a Fly where all of it is already gone.
    again = imported(stack_dir, tmp_path / "again.json").destroy()
    assert [s.op for s in again.steps] == ["delete"] * count
