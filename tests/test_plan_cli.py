"""`phxstack plan` runs the real program offline, for both samples and every committed stack."""

from __future__ import annotations

import json
import runpy
import shutil
from pathlib import Path

import pytest
import yaml

import phxstack.plan as plan_module
from phxstack.cli import main
from phxstack.mocks import is_secret, run_program
from phxstack.render import render_text
from phxstack.stackfile import ENCRYPTED_PLACEHOLDER, project_name, read_stack_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {"fly": ROOT / "infera.yaml", "gcp": ROOT / "examples" / "gcp" / "infera.yaml"}
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
CANARY = "canary-7f3e1d9a-never-print-me"
GUARD = "phoenix:index:ProductionGuard"


def _plan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["plan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_committed_stacks_are_dev_staging_prod() -> None:
    assert STACKS == ["dev", "prod", "staging"]


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("provider", sorted(SAMPLES))
def test_plan_json_for_every_sample_and_stack(
    provider: str, stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _plan(
        capsys,
        "--config",
        str(SAMPLES[provider]),
        "--stack",
        stack,
        "--project-dir",
        str(ROOT),
        "--json",
    )
    assert code == 0, err
    plan = json.loads(out)
    assert plan["stack"] == stack and plan["provider"] == provider
    urns = {r["urn"] for r in plan["resources"]}
    for r in plan["resources"]:
        assert set(r) >= {
            "urn",
            "type",
            "name",
            "parent",
            "custom",
            "protect",
            "inputs",
            "dependencies",
        }
        assert (
            r["parent"] is None
            or r["parent"] in urns
            or r["parent"].endswith("pulumi:pulumi:Stack::phoenix-" + stack)
        )
        assert set(r["dependencies"]) <= urns
        assert "__provider" not in r["inputs"]
    assert plan["outputs"]["provider"] == provider
    # A component resource of the provider's stack is the root of everything custom; beside it
    # a production stack has only its destroy guard, which depends on every custom resource.
    top = {
        r["type"]: r
        for r in plan["resources"]
        if not r["custom"] and r["parent"].endswith("Stack::phoenix-" + stack)
    }
    guarded = stack == "prod"
    expected = {f"phoenix:{provider}:Stack"} | ({GUARD} if guarded else set())
    assert set(top) == expected
    if guarded:
        custom = {r["urn"] for r in plan["resources"] if r["custom"]}
        assert top[GUARD]["protect"] is True
        assert set(top[GUARD]["dependencies"]) == custom


def test_plan_text_shows_tree_unknowns_and_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _plan(
        capsys, "--config", str(SAMPLES["gcp"]), "--stack", "prod", "--project-dir", str(ROOT)
    )
    assert code == 0
    assert out.startswith("Plan for stack 'prod' (provider gcp)")
    assert "+ gcp:sql/databaseInstance:DatabaseInstance" in out
    assert "[protected]" in out
    assert "(known after apply)" in out
    assert "Outputs:\n" in out


def _project_with_canary(tmp_path: Path, provider: str, stack: str) -> Path:
    """A copy of the project whose infera.yaml lists CANARY_API_KEY and whose stack config
    holds it as `secure:` ciphertext."""
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    sample = SAMPLES[provider]
    infera = yaml.safe_load(sample.read_text())
    infera["secrets"] = [*infera.get("secrets", []), "CANARY_API_KEY"]
    infera["app"]["path"] = str((sample.parent / infera["app"]["path"]).resolve())
    (tmp_path / "infera.yaml").write_text(yaml.safe_dump(infera, sort_keys=False))
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(
        f"config:\n  gcp:project: canary-project\n  phoenix:CANARY_API_KEY:\n    secure: {CANARY}\n"
    )
    return tmp_path


@pytest.mark.parametrize("provider", sorted(SAMPLES))
def test_encrypted_stack_config_is_never_printed(
    provider: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project_with_canary(tmp_path, provider, "prod")
    for fmt in ([], ["--json"]):
        code, out, err = _plan(
            capsys,
            "--config",
            str(project / "infera.yaml"),
            "--stack",
            "prod",
            "--project-dir",
            str(project),
            *fmt,
        )
        assert code == 0, err
        assert CANARY not in out and CANARY not in err
        assert ENCRYPTED_PLACEHOLDER not in out


def _contains(value: object, needle: str) -> bool:
    if isinstance(value, dict):
        return any(_contains(v, needle) for v in value.values())
    if isinstance(value, list):
        return any(_contains(v, needle) for v in value)
    return isinstance(value, str) and needle in value


@pytest.mark.parametrize("provider", sorted(SAMPLES))
def test_a_decrypted_secret_reaches_the_program_but_never_the_plan(
    provider: str, tmp_path: Path
) -> None:
    """What `pulumi up` sees: the plaintext value, as a Pulumi secret. It must reach a resource
    (so the check below means something), only ever inside a secret, and print as [secret]."""
    project = _project_with_canary(tmp_path, provider, "prod")
    # As `pulumi up` runs it (not a preview), so values computed from other resources, like the
    # Fly secrets map, are known and the canary really flows through them.
    run = run_program(
        lambda: runpy.run_path(str(project / "__main__.py"), run_name="__main__"),
        stack="prod",
        config={"phoenix:config": str(project / "infera.yaml"), "gcp:project": "canary-project"},
        secret_config={"phoenix:CANARY_API_KEY": CANARY},
        preview=False,
    )
    plan = plan_module.Plan("prod", provider, run)
    carriers = [r for r in plan.run.registrations if _contains(r.inputs, CANARY)]
    assert carriers, "the canary never reached a resource; this test would prove nothing"
    for r in carriers:
        for key, value in r.inputs.items():
            if _contains(value, CANARY):
                assert is_secret(value), f"{r.name}.{key} carries the canary outside a secret"
    data = plan.to_json()
    text = render_text(data)
    assert CANARY not in json.dumps(data) and CANARY not in text
    assert "[secret]" in text


def test_supplied_secret_without_value_fails_before_any_resource(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project_with_canary(tmp_path, "fly", "dev")
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    code, out, err = _plan(
        capsys,
        "--config",
        str(project / "infera.yaml"),
        "--stack",
        "dev",
        "--project-dir",
        str(project),
    )
    assert code == 2
    assert out == ""
    assert "CANARY_API_KEY has no value in stack 'dev'" in err
    assert "pulumi config set --secret CANARY_API_KEY --stack dev" in err
    assert "Traceback" not in err


def test_invalid_config_fails_plan_like_validate_and_registers_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "infera.yaml"
    bad.write_text(SAMPLES["fly"].read_text().replace("cpu: shared-cpu-2x", "cpu: shared-cpu-3x"))
    registered: list[object] = []
    import phxstack.mocks as mocks

    real = mocks.RecordingMonitor.RegisterResource
    monkeypatch.setattr(
        mocks.RecordingMonitor,
        "RegisterResource",
        lambda self, req: registered.append(req) or real(self, req),
    )
    code_plan, out_plan, err_plan = _plan(capsys, "--config", str(bad), "--stack", "dev")
    code_val = main(["validate", "--config", str(bad), "--stack", "dev"])
    _, err_val = capsys.readouterr()
    assert code_plan == code_val == 2
    assert out_plan == ""
    assert err_plan == err_val
    assert (
        f"{bad}:15:10: deployment.machines.cpu: 'shared-cpu-3x' is not a Fly size; did you mean 'shared-cpu-2x'?"
        in err_plan
    )
    assert registered == []


def test_plan_runs_as_the_project_pulumi_yaml_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A project `init` wrote for an app called shop: its stacks are org/shop/<stack>, and its
    # settings are shop's (`pulumi config set flyOrg acme` writes `shop:flyOrg`).
    project = (ROOT / "Pulumi.yaml").read_text().replace("name: phoenix\n", "name: shop\n", 1)
    (tmp_path / "Pulumi.yaml").write_text(project)
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    infera = yaml.safe_load(SAMPLES["fly"].read_text())
    infera["app"]["path"] = str((ROOT / infera["app"]["path"]).resolve())
    (tmp_path / "infera.yaml").write_text(yaml.safe_dump(infera, sort_keys=False))
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  shop:flyOrg: acme\n  phoenix:flyOrg: not-this-one\n"
    )
    code, out, err = _plan(
        capsys,
        "--config",
        str(tmp_path / "infera.yaml"),
        "--stack",
        "dev",
        "--project-dir",
        str(tmp_path),
        "--json",
    )
    assert code == 0, err
    plan = json.loads(out)
    assert {r["urn"].split("::")[1] for r in plan["resources"]} == {"shop"}
    app = next(r for r in plan["resources"] if r["type"] == "pulumi-python:dynamic/fly:App")
    assert app["inputs"]["org"] == "acme"


def test_the_project_name_is_pulumi_yaml_s(tmp_path: Path) -> None:
    assert project_name(tmp_path) == "phoenix"  # none to read: this checkout's
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    assert project_name(tmp_path) == "shop"
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  flyOrg: acme\n  gcp:project: p\n")
    stack_file = read_stack_file(tmp_path, "dev")
    # A key without a namespace is the project's, as Pulumi reads it.
    assert stack_file.plain == {"shop:flyOrg": "acme", "gcp:project": "p"}
    assert stack_file.own("flyOrg") == "acme"
