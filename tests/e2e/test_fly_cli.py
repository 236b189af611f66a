"""The Fly sample deployed by the real Pulumi CLI (tools/pulumi-engine), against the fake flyctl.

Invariants: `preview` announces what `up` then creates; a second `up` makes no mutating flyctl
call; one env var change makes exactly one deploy; `refresh` finds no drift; the stack outputs
keep the contract and a second stack reads them through a real StackReference; the policy pack
fails a prod preview on a mandatory violation; `destroy` of dev leaves nothing on Fly and
`destroy` of prod is refused by `protect`; a secret set with `pulumi config set --secret` is
ciphertext in state and nowhere in plain text; `phxstack plan --json` lists the resources and
dependencies `pulumi preview --json` reports, URN for URN.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.outputs import OUTPUTS, OUTPUTS_VERSION
from tests.e2e.cli import ROOT, VENV_BIN, Project, Run, Workspace, engine_bin
from tests.support.engine import count_calls

pytestmark = pytest.mark.slow

# The sample lists SECRET_KEY_BASE under `secrets:`, so the stack must supply it: the canary.
SECRET = "SECRET_KEY_BASE"
CANARY = "canary-5d1e0c77-e2e-never-print-me-" + "0123456789abcdef" * 4
STACK_TYPE = "pulumi:pulumi:Stack"


def sample(**overlay: Any) -> dict[str, Any]:
    """The repository's infera.yaml, plus `overlay` per stack."""
    infera: dict[str, Any] = yaml.safe_load((ROOT / "infera.yaml").read_text())
    assert SECRET in infera["secrets"]
    for stack, extra in overlay.items():
        infera["environments"].setdefault(stack, {}).update(copy.deepcopy(extra))
    return infera


@dataclass
class Deployed:
    ws: Workspace
    project: Project
    stack: str
    preview: Run
    up: Run


def deploy(root: Path, stack: str, infera: dict[str, Any]) -> Deployed:
    ws = Workspace(root, engine_bin())
    project = ws.project("app", infera)
    project.init(stack, {SECRET: CANARY})
    preview = project.pulumi("preview", "--stack", stack, "--json").check()
    up = project.pulumi("up", "--stack", stack, "--yes", "--skip-preview").check()
    return Deployed(ws, project, stack, preview, up)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """One dev stack, deployed once, for the tests that only read it or change nothing."""
    return deploy(tmp_path_factory.mktemp("e2e-dev"), "dev", sample())


def preview_steps(run: Run) -> dict[str, dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = {s["urn"]: s for s in run.json()["steps"]}
    return steps


def state_resources(project: Project, stack: str) -> list[dict[str, Any]]:
    exported = project.pulumi("stack", "export", "--stack", stack).check().json()
    # An empty stack's deployment has no `resources` key at all.
    resources: list[dict[str, Any]] = exported["deployment"].get("resources", [])
    return resources


def fly_objects(ws: Workspace) -> dict[str, Any]:
    """What the fake Fly organisation holds (its state.json), by kind, non-empty kinds only."""
    path = ws.fly_state / "state.json"
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    # `seq` numbers the fake's objects; it is not an object.
    return {kind: objects for kind, objects in data.items() if kind != "seq" and objects}


def test_preview_announces_what_up_creates(dev: Deployed) -> None:
    steps = preview_steps(dev.preview)
    assert {s["op"] for s in steps.values()} == {"create"}
    created = {r["urn"] for r in state_resources(dev.project, dev.stack)}
    # State also holds the providers the engine made; everything the program registered is there.
    program = {u for u in created if "::pulumi:providers:" not in u}
    assert program == set(steps)
    assert any(s["newState"]["type"] == "pulumi-python:dynamic/fly:App" for s in steps.values())
    assert any(s["newState"]["type"] == "random:index/randomPassword:RandomPassword"
               for s in steps.values())  # fmt: skip


def test_a_second_up_changes_nothing_and_makes_no_mutating_flyctl_call(dev: Deployed) -> None:
    mark = len(dev.ws.fly_calls())
    dev.project.pulumi("up", "--stack", dev.stack, "--yes", "--expect-no-changes").check()
    calls = count_calls(dev.ws.fly_calls()[mark:])
    assert calls.mutating == 0, calls.mutating_commands


def test_refresh_finds_no_drift(dev: Deployed) -> None:
    run = dev.project.pulumi("refresh", "--stack", dev.stack, "--yes", "--expect-no-changes")
    run.check()


def _matches(type_: str, value: Any) -> bool:
    """`value` as JSON has the contract's documented type (README "Stack outputs")."""
    options = [t.strip() for t in type_.split(" | ")]
    if value is None:
        return "null" in options
    for option in options:
        if option == "string" and isinstance(value, str):
            return True
        if option == "int" and isinstance(value, int) and not isinstance(value, bool):
            return True
        if option == "list[string]" and isinstance(value, list):
            return all(isinstance(v, str) for v in value)
        if option == "map[string, string]" and isinstance(value, dict):
            return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        if option.startswith("list[{") and isinstance(value, list):
            keys = set(re.findall(r"\w+", option[len("list[{") :]))
            return all(isinstance(v, dict) and set(v) == keys for v in value)
    return False


def test_stack_output_json_keeps_the_outputs_contract(dev: Deployed) -> None:
    outputs = dev.project.pulumi("stack", "output", "--stack", dev.stack, "--json").check().json()
    documented = {k for k, spec in OUTPUTS.items() if "fly" in spec.providers}
    assert set(outputs) <= documented
    # A null output never reaches the stack: the SDK drops None when it registers the outputs,
    # so `stack output` and a StackReference see the key absent (the sample has no storage:
    # bucket_name). Every other key the program exports is there, with the plan's value where
    # the plan knows it.
    planned = plan_json(dev)["outputs"]
    assert set(outputs) == {k for k, v in planned.items() if v is not None}
    assert "bucket_name" not in outputs
    known = {k: v for k, v in planned.items() if v is not None and v != "[unknown]"}
    assert {k: outputs[k] for k in known} == known
    wrong = {k: v for k, v in outputs.items() if not _matches(OUTPUTS[k].type, v)}
    assert wrong == {}
    assert outputs["outputs_version"] == OUTPUTS_VERSION
    assert outputs["provider"] == "fly"
    assert outputs["app_name"] == "my-phoenix-app-dev"
    assert outputs["url"] == "https://my-phoenix-app-dev.fly.dev"
    assert SECRET in outputs["secret_names"]
    # No output is a secret: `stack output` would print "[secret]" for one.
    assert "[secret]" not in json.dumps(outputs)


def test_a_consumer_stack_reads_the_outputs_through_a_stack_reference(dev: Deployed) -> None:
    consumer = dev.ws.root / "examples" / "consumer"
    consumer.mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        (consumer / name).symlink_to(ROOT / "examples" / "consumer" / name)
    # Its Pulumi.yaml names ../../.venv: the same layout as in the repository.
    if not (dev.ws.root / ".venv").exists():
        (dev.ws.root / ".venv").symlink_to(ROOT / ".venv")
    dev.ws.pulumi(consumer, "stack", "init", "watch").check()
    for key, value in (("org", "organization"), ("stack", dev.stack)):
        dev.ws.pulumi(consumer, "config", "set", f"phoenix-consumer:{key}", value).check()
    run = dev.ws.pulumi(consumer, "up", "--yes", "--skip-preview").check()
    # The consumer checks outputs_version and provider before it gets here: with no dnsZone set,
    # the Fly branch says it creates no records.
    assert "no dnsZone configured: the app's DNS records are not created" in run.stdout
    watched = dev.ws.pulumi(consumer, "stack", "output", "watched").check().stdout.strip()
    assert watched == f"organization/phoenix/{dev.stack}"


def test_the_secret_canary_is_ciphertext_in_state_and_nowhere_in_plain_text(
    dev: Deployed,
) -> None:
    exported = dev.project.pulumi("stack", "export", "--stack", dev.stack).check().stdout
    assert "ciphertext" in exported
    plain = dev.project.pulumi("stack", "export", "--stack", dev.stack, "--show-secrets").check()
    # The canary did reach state, encrypted: only decryption shows it.
    assert CANARY in plain.stdout
    dev.ws.runs.remove(plain)
    leaks = [name for name, text in dev.ws.everything_written().items() if CANARY in text]
    assert leaks == []


def plan_json(d: Deployed) -> dict[str, Any]:
    """`phxstack plan --json` of the deployed project's stack, as CI runs it beside preview."""
    done = subprocess.run(
        [str(VENV_BIN / "phxstack"), "plan", "--json", "--stack", d.stack,
         "--config", str(d.project.dir / "infera.yaml"), "--project-dir", str(d.project.dir)],
        capture_output=True, text=True, check=False, cwd=d.project.dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan: dict[str, Any] = json.loads(done.stdout)
    return plan


def test_plan_json_lists_what_pulumi_preview_reports_urn_for_urn(dev: Deployed) -> None:
    plan = plan_json(dev)
    planned = {
        r["urn"]: (r["type"], r["parent"], sorted(r["dependencies"])) for r in plan["resources"]
    }
    previewed = {
        urn: (
            step["newState"]["type"],
            step["newState"]["parent"],
            sorted(step["newState"].get("dependencies") or []),
        )
        for urn, step in preview_steps(dev.preview).items()
        if step["newState"]["type"] != STACK_TYPE
    }
    assert planned == previewed


def test_one_env_var_change_makes_exactly_one_deploy(tmp_path: Path) -> None:
    d = deploy(tmp_path, "dev", sample())
    changed = sample(dev={"env_vars": {"PHX_HOST": "my-phoenix-app-dev.fly.dev", "FEATURE": "on"}})
    d.project.write_infera(changed)
    mark = len(d.ws.fly_calls())
    d.project.pulumi("up", "--stack", "dev", "--yes", "--skip-preview").check()
    calls = count_calls(d.ws.fly_calls()[mark:])
    assert calls.mutating_commands == ("deploy",)


def test_destroy_of_dev_leaves_no_fly_object(tmp_path: Path) -> None:
    d = deploy(tmp_path, "dev", sample())
    assert fly_objects(d.ws) != {}
    d.project.pulumi("destroy", "--stack", "dev", "--yes", "--skip-preview").check()
    assert fly_objects(d.ws) == {}
    assert [r["type"] for r in state_resources(d.project, "dev")] == []


GUARD_URN = "urn:pulumi:prod::phoenix::phoenix:index:ProductionGuard::my-phoenix-app-guard"


def test_destroy_of_prod_is_refused_before_anything_is_deleted(tmp_path: Path) -> None:
    d = deploy(tmp_path, "prod", sample())
    before, state_before = fly_objects(d.ws), kept(d.project)
    run = d.project.pulumi("destroy", "--stack", "prod", "--yes", "--skip-preview")
    assert run.code != 0
    out = run.stdout + run.stderr
    # The engine's refusal (deleteProtectedError, pkg/resource/deploy/step.go), for the guard
    # alone: it depends on everything, so it is the only resource in the first batch.
    assert f'resource "{GUARD_URN}" cannot be deleted\n    because it is protected' in out
    assert out.count("cannot be deleted") == out.count(GUARD_URN + '" cannot be deleted')
    assert fly_objects(d.ws) == before
    # Nothing left the state either: the generated SECRET_KEY_BASE and RELEASE_COOKIE are kept.
    assert kept(d.project) == state_before


def test_turning_production_off_is_refused_until_the_guard_is_unprotected(tmp_path: Path) -> None:
    d = deploy(tmp_path, "prod", sample())
    d.project.write_infera(sample(prod={"production": False}))
    run = d.project.pulumi("up", "--stack", "prod", "--yes", "--skip-preview")
    assert run.code != 0
    assert f'resource "{GUARD_URN}" cannot be deleted' in run.stdout + run.stderr
    assert GUARD_URN in {urn for urn, _ in kept(d.project)}
    d.project.pulumi("state", "unprotect", GUARD_URN, "--stack", "prod", "--yes").check()
    d.project.pulumi("up", "--stack", "prod", "--yes", "--skip-preview").check()
    assert GUARD_URN not in {urn for urn, _ in kept(d.project)}


def kept(project: Project) -> set[tuple[str, str | None]]:
    """The prod stack's resources by URN and ID (secrets re-encrypt on every state write)."""
    return {(r["urn"], r.get("id")) for r in state_resources(project, "prod")}


def test_without_the_guard_destroy_of_prod_still_keeps_the_data(tmp_path: Path) -> None:
    # The README's deliberate teardown, first step: unprotect the guard.
    d = deploy(tmp_path, "prod", sample())
    before = fly_objects(d.ws)
    d.project.pulumi("state", "unprotect", GUARD_URN, "--stack", "prod", "--yes").check()
    run = d.project.pulumi("destroy", "--stack", "prod", "--yes", "--skip-preview")
    assert run.code != 0
    out = run.stdout + run.stderr
    # Pulumi stops at the protected data resources it reaches (dependents first).
    for name in ("my-phoenix-app-db", "my-phoenix-app-redis"):
        assert f'::{name}" cannot be deleted' in out, name
    after = fly_objects(d.ws)
    # The app (with its volumes and machines), the Postgres cluster and Redis are still there.
    assert (
        sorted(after["apps"]) == sorted(before["apps"]) == ["my-phoenix-app", "my-phoenix-app-db"]
    )
    assert after["redis"] == before["redis"]
    machines = {name: len(app["machines"]) for name, app in after["apps"].items()}
    assert machines == {name: len(app["machines"]) for name, app in before["apps"].items()}


def policy_pack(root: Path, venv: bool = True) -> Path:
    """A copy of policy/ as `pulumi install` leaves it: with the `venv` PulumiPolicy.yaml names
    (here the project's .venv, which pins the same pulumi and pulumi-policy)."""
    pack = root / "policy"
    shutil.copytree(ROOT / "policy", pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    if venv:
        (pack / "venv").symlink_to(VENV_BIN.parent, target_is_directory=True)
    return pack


# The CLI starts a Python policy pack through the language host's RunPlugin (kind "analyzer"),
# which tools/pulumi-engine's host proxy serves as the current host does.
def test_a_mandatory_policy_violation_fails_the_prod_preview(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, engine_bin())
    # Planted: one machine in prod, which the machine-count policy makes mandatory there.
    project = ws.project("app", sample(prod={"deployment": {"machines": {"count": 1}}}))
    project.init("prod", {SECRET: CANARY})
    run = project.pulumi("preview", "--stack", "prod", "--policy-pack", str(policy_pack(tmp_path)))
    assert run.code != 0
    out = run.stdout + run.stderr
    assert "❌ phoenix-stack@v0.1.0" in out
    scale = "pulumi-python:dynamic/fly:Scale: my-phoenix-app-scale"
    assert f"- [mandatory]  machine-count  ({scale})" in out
    assert "1 instance(s) always running; need at least 2 in production" in out
    # The planted violation is the only one: the rest of the sample passes every policy.
    assert out.count("- [mandatory]") == 1 and "- [advisory]" not in out
    # The pack gets the stack's config (secrets included) in its environment, never in output.
    assert CANARY not in out


def test_the_prod_sample_passes_the_policy_pack(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, engine_bin())
    project = ws.project("app", sample())
    project.init("prod", {SECRET: CANARY})
    run = project.pulumi("preview", "--stack", "prod", "--policy-pack", str(policy_pack(tmp_path)))
    assert run.code == 0, run.stdout + run.stderr
    # The pack ran and passed (the CLI shortens a long local path, so only its start is fixed).
    assert "✅ phoenix-stack@v0.1.0 (local: " in run.stdout


def test_a_policy_pack_without_its_virtualenv_says_how_to_create_it(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, engine_bin())
    project = ws.project("app", sample())
    project.init("prod", {SECRET: CANARY})
    pack = policy_pack(tmp_path, venv=False)
    run = project.pulumi("preview", "--stack", "prod", "--policy-pack", str(pack))
    assert run.code != 0
    # Pulumi's own message (NewVirtualEnvError, sdk/python/toolchain/pip.go).
    assert f'is set to "venv", but "{pack / "venv"}" doesn\'t exist' in run.stdout + run.stderr
