"""The whole Fly stack, run through the local engine against the fake flyctl.

Invariants: a second identical `up` makes zero mutating flyctl calls; one env var change makes
exactly one redeploy and nothing else; a count change scales without redeploying; a secret
canary never shows up in argv, logs, errors, provider outputs, state or the plan; a run that
fails halfway leaves state that the next run resumes from.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.fly.providers import digest
from components.fly.stack import OUTPUT_KEYS, PhoenixFly, fly_args
from config.context import StackContext
from config.model import InferaConfig
from tests.fakes.fake_flyctl import digest as fake_digest
from tests.fly.conftest import FAST, FlyEnv
from tests.support.engine import MUTATING, EngineError, LocalEngine, count_calls

CANARY = "canary-9c2f7e1b-never-print-me"
DYN = "pulumi-python:dynamic/fly:"


def base_config(**over: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "project_name": "shop",
        "provider": "fly",
        "database": {"provider": "fly-mpg"},
        "cache": {},
        "storage": {},
        "env_vars": {"FEATURE_FLAG": "on"},
        "secrets": ["STRIPE_KEY"],
    }
    cfg.update(over)
    return cfg


class Stack:
    """One stack's engine state, app source and fake Fly, across several `up` runs."""

    def __init__(self, root: Path, fly: FlyEnv, stack: str = "dev") -> None:
        self.root = root
        self.fly = fly
        self.stack = stack
        self.app_dir = root / "app"
        self.app_dir.mkdir(exist_ok=True)
        (self.app_dir / "Dockerfile").write_text("FROM elixir:1.16\nCOPY . .\n")
        (self.app_dir / "mix.exs").write_text("defmodule Shop.MixProject do\n  # phoenix\nend\n")
        self.state_file = root / "pulumi-state.json"
        self.runner = FAST

    def program(self, cfg: dict[str, Any], secret: str = CANARY) -> Any:
        def run() -> None:
            infera = InferaConfig.model_validate(cfg, context={"stack": self.stack})
            ctx = StackContext(
                infera=infera,
                stack=self.stack,
                project_dir=self.root,
                supplied_secrets={"STRIPE_KEY": pulumi.Output.secret(secret)},
                fly_org="personal",
            )
            args = dataclasses.replace(
                fly_args(ctx), runner=self.runner, build_path=str(self.app_dir)
            )
            component = PhoenixFly("web", args)
            for key, value in component.outputs.items():
                pulumi.export(key, value)

        return run

    def up(self, cfg: dict[str, Any], secret: str = CANARY) -> tuple[Any, Any]:
        mark = self.fly.mark()
        result = LocalEngine(self.state_file, stack=self.stack).run(self.program(cfg, secret))
        return result, count_calls(self.fly.since(mark))


@pytest.fixture
def stack(tmp_path: Path, fly_env: FlyEnv) -> Stack:
    return Stack(tmp_path, fly_env)


def test_first_deploy_creates_everything_in_order_and_exports_the_contract(stack: Stack) -> None:
    result, calls = stack.up(base_config())
    assert set(result.ops().values()) == {"create"}
    assert set(result.ops()) == {
        "web-app", "web-db", "web-redis", "web-storage", "web-secrets", "web-ip-v6",
        "web-ip-shared_v4", "web-deploy", "web-scale",
    }  # fmt: skip
    order = list(calls.commands)
    assert order.index("apps create") < min(
        order.index(c) for c in ("secrets import", "storage create", "mpg attach")
    )
    assert order.index("deploy") > max(
        order.index(c) for c in ("secrets import", "mpg attach", "storage create")
    )
    assert order.index("deploy") > order.index("ips allocate-v6")
    assert order[-1] == "scale count"
    assert set(result.outputs) == set(OUTPUT_KEYS)
    assert result.outputs["url"] == "https://shop-dev.fly.dev"
    assert result.outputs["app_name"] == "shop-dev"
    assert result.outputs["database_name"] == "shop-dev-db"
    assert result.outputs["redis_host"] == "fly-shop-dev-redis.upstash.io"
    assert result.outputs["bucket_name"] == "shop-dev-storage"
    assert result.outputs["image"].startswith("registry.fly.io/shop-dev@sha256:")
    assert result.outputs["dns_records"] == []
    assert "STRIPE_KEY" in result.outputs["secret_names"]
    assert "RELEASE_COOKIE" in result.outputs["secret_names"]


def test_identical_second_run_makes_zero_mutating_flyctl_calls(stack: Stack) -> None:
    stack.up(base_config())
    result, calls = stack.up(base_config())
    assert calls.mutating == 0, calls.mutating_commands
    assert result.changed() == []


def test_one_env_var_change_redeploys_once_and_nothing_else(stack: Stack) -> None:
    stack.up(base_config())
    result, calls = stack.up(base_config(env_vars={"FEATURE_FLAG": "off"}))
    assert calls.mutating_commands == ("deploy",)
    assert [(s.name, s.op) for s in result.changed()] == [("web-deploy", "update")]
    _, calls = stack.up(base_config(env_vars={"FEATURE_FLAG": "off"}))
    assert calls.mutating == 0


def test_count_change_scales_without_redeploying(stack: Stack) -> None:
    stack.up(base_config())
    cfg = base_config(deployment={"machines": {"count": 3}})
    result, calls = stack.up(cfg)
    assert calls.mutating_commands == ("scale count",)
    assert [(s.name, s.op) for s in result.changed()] == [("web-scale", "update")]
    machines = stack.fly.calls()
    assert machines[-1] == ["scale", "count", "3", "--app", "shop-dev", "--region", "iad", "--yes"]


def test_a_changed_secret_is_staged_then_redeployed(stack: Stack) -> None:
    stack.up(base_config())
    result, calls = stack.up(base_config(), secret="rotated-value-0001")
    assert calls.mutating_commands == ("secrets import", "deploy")
    assert sorted(s.name for s in result.changed()) == ["web-deploy", "web-secrets"]


def test_removing_the_cache_unsets_redis_url_and_destroys_redis(stack: Stack) -> None:
    stack.up(base_config())
    cfg = base_config()
    del cfg["cache"]
    result, calls = stack.up(cfg)
    assert ["secrets", "unset", "REDIS_URL", "--app", "shop-dev", "--stage"] in stack.fly.calls()
    assert ("web-redis", "delete") in [(s.name, s.op) for s in result.steps]
    assert calls.mutating_commands.count("deploy") == 1
    assert calls.mutating_commands[-1] == "redis destroy"


def test_domain_gets_a_certificate_and_its_dns_records_as_outputs(stack: Stack) -> None:
    result, _ = stack.up(base_config(domain="shop.example.com"))
    records = result.outputs["dns_records"]
    assert {(r["type"], r["name"]) for r in records} == {
        ("A", "shop.example.com"),
        ("AAAA", "shop.example.com"),
        ("CNAME", "_acme-challenge.shop.example.com"),
        ("TXT", "_fly-ownership.shop.example.com"),
    }
    assert result.outputs["url"] == "https://shop.example.com"


def test_dedicated_ipv4_only_on_request(stack: Stack) -> None:
    stack.up(base_config(deployment={"dedicated_ipv4": True}))
    allocs = [c for c in stack.fly.calls() if c[:2] == ["ips", "allocate-v4"]]
    assert allocs == [["ips", "allocate-v4", "--yes", "--app", "shop-dev"]]


def test_canary_secret_never_leaks(
    stack: Stack, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    first, _ = stack.up(base_config())
    second, _ = stack.up(base_config(env_vars={"FEATURE_FLAG": "x"}))
    # The rotated value's `secrets import` fails the way flyctl's stdin parser does, quoting
    # the offending NAME=VALUE line; only redaction keeps the value out of the error.
    n = len(stack.fly.calls()) + 1
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", f"{n}:parse")
    with pytest.raises(EngineError) as err:
        stack.up(base_config(), secret=CANARY + "-rotated")
    monkeypatch.delenv("FLYCTL_FAKE_FAIL")
    assert stack.fly.calls()[n - 1] == ["secrets", "import", "--app", "shop-dev", "--stage"]
    assert (
        "Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs "
        '(STRIPE_KEY="""[REDACTED]""" is invalid)'
    ) in str(err.value)
    engine = LocalEngine(stack.state_file)
    provider_outputs = json.dumps({k: s.outs for k, s in engine.state.items()}, default=str)
    secrets_state = engine.state[f"{DYN}Secrets::web-secrets"]
    assert secrets_state.secret_inputs == ["values"]
    assert secrets_state.inputs["values"]["STRIPE_KEY"] == CANARY  # sealed on disk, kept
    places = {
        "argv": stack.fly.log.read_text(),
        "log lines": caplog.text,
        "error": str(err.value) + repr(err.value.errors),
        "provider outputs": provider_outputs,
        "state file": stack.state_file.read_text(),
        "plan": repr(first.steps) + repr(second.steps),
        "stack outputs": json.dumps(first.outputs, default=str),
    }
    for where, text in places.items():
        assert CANARY not in text, where


def test_transient_failures_mid_run_are_retried(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "2:transient,5:ratelimit,9:reset")
    result, calls = stack.up(base_config())
    assert set(result.ops().values()) == {"create"}
    assert calls.total >= 9  # all three injected failures fired, and the run still succeeded
    fake = json.loads((stack.fly.state / "state.json").read_text())
    assert sorted(fake["apps"]) == ["shop-dev"]
    assert sorted(ip["type"] for ip in fake["apps"]["shop-dev"]["ips"]) == ["shared_v4", "v6"]
    assert sorted(fake["redis"]) == ["shop-dev-redis"] and len(fake["mpg"]) == 1


def test_failure_halfway_leaves_state_the_next_run_resumes_from(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_RELEASE_COMMAND_FAIL", "1")
    with pytest.raises(EngineError) as err:
        stack.up(base_config())
    assert "release command failed" in str(err.value)
    kept = {s.name for s in LocalEngine(stack.state_file).state.values()}
    assert {"web-app", "web-db", "web-secrets", "web-storage"} <= kept
    assert "web-deploy" not in kept and "web-scale" not in kept
    monkeypatch.delenv("FLYCTL_FAKE_RELEASE_COMMAND_FAIL")
    result, calls = stack.up(base_config())
    assert [(s.name, s.op) for s in result.changed()] == [
        ("web-deploy", "create"),
        ("web-scale", "create"),
    ]
    assert calls.mutating_commands == ("deploy", "scale count")


def test_malformed_output_mid_create_is_reported_and_resumed(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first call creates something (the app or the Redis database, whichever the runtime
    # registers first) and then prints only half of its output.
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "1:malformed")
    with pytest.raises(EngineError) as err:
        stack.up(base_config())
    assert "(malformed" in str(err.value)
    monkeypatch.delenv("FLYCTL_FAKE_FAIL")
    result, _ = stack.up(base_config())
    # What completed before the failure was recorded and is left alone.
    assert set(result.ops().values()) <= {"create", "same"}
    assert result.ops()["web-deploy"] == "create"
    fake = json.loads((stack.fly.state / "state.json").read_text())
    assert sorted(fake["apps"]) == ["shop-dev"]  # adopted, not a second app
    assert sorted(fake["redis"]) == ["shop-dev-redis"]


def test_hang_hits_the_timeout_and_is_reported(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "1:hang")
    monkeypatch.setenv("FLYCTL_FAKE_HANG_SECONDS", "120")
    stack.runner = dataclasses.replace(FAST, timeout_s=6)
    with pytest.raises(EngineError) as err:
        stack.up(base_config())
    assert "(timeout)" in str(err.value)


def test_destroy_removes_everything_and_is_idempotent(stack: Stack) -> None:
    stack.up(base_config(domain="shop.example.com"))
    engine = LocalEngine(stack.state_file)
    result = engine.destroy()
    deleted = [s.name for s in result.steps if s.op == "delete"]
    # Everything on the app goes before the app; Redis belongs to the org, not the app.
    on_app = set(deleted) - {"web-app", "web-redis"}
    assert on_app == {
        "web-db", "web-storage", "web-secrets", "web-ip-v6", "web-ip-shared_v4", "web-cert",
        "web-deploy", "web-scale",
    }  # fmt: skip
    assert all(deleted.index(n) < deleted.index("web-app") for n in on_app)
    assert engine.state == {}
    assert LocalEngine(stack.state_file).destroy().steps == []


def test_production_protects_the_app_and_its_data(tmp_path: Path, fly_env: FlyEnv) -> None:
    prod = Stack(tmp_path, fly_env, stack="prod")
    prod.up(base_config())
    protected = {s.name for s in LocalEngine(prod.state_file).state.values() if s.protect}
    assert protected == {"web-app", "web-db", "web-redis", "web-storage"}
    with pytest.raises(EngineError, match="is protected; refusing to delete it"):
        LocalEngine(prod.state_file, stack="prod").destroy()


def test_mutating_commands_are_real_flyctl_commands() -> None:
    contract = json.loads(
        (Path(__file__).resolve().parents[1] / "fakes" / "flyctl-contract.json").read_text()
    )
    assert set(contract["commands"]) >= MUTATING


def test_secret_digests_and_the_deploy_trigger_are_sealed_in_state(stack: Stack) -> None:
    # An unsalted digest of a low-entropy value ("dev", "true") is as good as the value to
    # anyone who reads the state: the digests and the trigger built from them are secrets.
    stack.up(base_config(), secret="dev")
    text = stack.state_file.read_text()
    engine = LocalEngine(stack.state_file)
    secrets_state = engine.state[f"{DYN}Secrets::web-secrets"]
    deploy_state = engine.state[f"{DYN}Deploy::web-deploy"]
    assert "digests" in secrets_state.secret_outs
    assert "trigger" in deploy_state.secret_inputs and "trigger" in deploy_state.secret_outs
    for value in secrets_state.outs["digests"].values():
        assert value not in text
    assert digest("STRIPE_KEY", "dev") == secrets_state.outs["digests"]["STRIPE_KEY"]
    assert deploy_state.outs["trigger"] not in text
    _, calls = stack.up(base_config(), secret="dev")
    assert calls.mutating == 0, calls.mutating_commands


def test_replacing_the_database_redeploys_so_the_app_uses_the_new_one(stack: Stack) -> None:
    # DATABASE_URL is staged by the attach; without a deploy the running machines keep the
    # destroyed cluster's URL.
    stack.up(base_config())
    result, calls = stack.up(base_config(database={"provider": "fly-postgres"}))
    assert [(s.name, s.op) for s in result.changed()] == [
        ("web-db", "delete"),  # delete_before_replace: one DATABASE_URL per app
        ("web-db", "replace"),
        ("web-deploy", "update"),
    ]
    assert calls.mutating_commands == (
        "secrets unset", "mpg destroy", "postgres create", "postgres attach", "deploy",
    )  # fmt: skip
    _, calls = stack.up(base_config(database={"provider": "fly-postgres"}))
    assert calls.mutating == 0, calls.mutating_commands


def test_a_canary_with_hash_quotes_and_a_newline_reaches_fly_byte_for_byte(stack: Stack) -> None:
    # An odd `"` before the first `#`: inside a `"""` block flyctl's parser would cut it.
    canary = "canary-'sq'-\"dq-#-p@ss#w0rd\nsecond line # not a comment"
    stack.up(base_config(), secret=canary)
    listed = json.loads((stack.fly.state / "state.json").read_text())["apps"]["shop-dev"]["secrets"]
    assert listed["STRIPE_KEY"]["digest"] == fake_digest(canary)
    for line in canary.splitlines():
        assert line not in stack.fly.log.read_text()


def test_a_canary_no_flyctl_path_carries_is_refused_at_check_and_never_sent(
    stack: Stack,
) -> None:
    with pytest.raises(EngineError) as err:
        stack.up(base_config(), secret="k" * 70 * 1024)
    assert "STRIPE_KEY's value cannot reach Fly intact" in str(err.value)
    assert "kkkkkkkk" not in str(err.value)
    sent = [c for c in stack.fly.calls() if c[:1] == ["secrets"] and c[1] in ("import", "set")]
    assert sent == []
