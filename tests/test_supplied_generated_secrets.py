"""#9 point 3 (GCP's half is tests/gcp/test_supplied_generated_secrets.py): a SECRET_KEY_BASE or RELEASE_COOKIE listed under `secrets:` is the user's value,
on both providers, never silently replaced by a generated one; `config` says `supplied`, and
validate warns what switching an existing stack from the generated value does."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
import yaml

from components.fly.settings import fly_args
from components.fly.stack import PhoenixFly
from config.context import StackContext
from config.model import InferaConfig
from phxstack.cli import main
from phxstack.mocks import is_secret, run_program, unwrap

CANARY = "canary-3c9e-user-secret-key-base-value"
PASSWORD = "random:index/randomPassword:RandomPassword"
IMAGE = "registry.fly.io/shop@sha256:" + "ab" * 32


@pytest.mark.parametrize("name", ["SECRET_KEY_BASE", "RELEASE_COOKIE"])
def test_a_listed_generated_name_with_a_stack_value_is_supplied(name: str) -> None:
    raw = {"project_name": "shop", "provider": "fly", "secrets": [name]}
    cfg = InferaConfig.model_validate(raw, context={"stack": "dev"})
    assert cfg.secret_kinds({name})[name] == "supplied"
    # Listed without a value, as the seed lists SECRET_KEY_BASE: still generated.
    assert cfg.secret_kinds()[name] == "generated"
    assert cfg.supplied_secrets() == []
    other = ({"SECRET_KEY_BASE", "RELEASE_COOKIE"} - {name}).pop()
    assert cfg.secret_kinds({name, other})[other] == "generated"  # not listed: generated


@pytest.mark.parametrize(
    ("name", "logical"),
    [("SECRET_KEY_BASE", "web-secret-key-base"), ("RELEASE_COOKIE", "web-release-cookie")],
)
def test_fly_sets_the_supplied_value_and_generates_nothing_for_it(name: str, logical: str) -> None:
    raw = {"project_name": "shop", "provider": "fly", "app": {"image": IMAGE}, "secrets": [name]}

    def program() -> None:
        infera = InferaConfig.model_validate(raw, context={"stack": "dev"})
        ctx = StackContext(
            infera=infera,
            stack="dev",
            project_dir=Path("."),
            supplied_secrets={name: pulumi.Output.secret(CANARY)},
        )
        PhoenixFly("web", fly_args(ctx))

    run = run_program(program)
    values = run.one("pulumi-python:dynamic/fly:Secrets").inputs["values"]
    assert is_secret(values)
    assert unwrap(values)[name] == CANARY
    passwords = [r.name for r in run.of_type(PASSWORD)]
    assert logical not in passwords and len(passwords) == 1


def _project(tmp_path: Path, value: str | None) -> Path:
    path = tmp_path / "infera.yaml"
    image = {"image": IMAGE}
    data = {"project_name": "shop", "provider": "fly", "app": image, "secrets": ["SECRET_KEY_BASE"]}
    path.write_text(yaml.safe_dump(data))
    (tmp_path / "Pulumi.yaml").write_text("name: phoenix\nruntime: python\n")
    stack: dict[str, object] = {"config": {}}
    if value is not None:
        stack["config"] = {"phoenix:SECRET_KEY_BASE": {"secure": value}}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    return path


def test_config_shows_it_supplied_and_validate_warns_about_switching(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _project(tmp_path, "v1:ZW5jcnlwdGVk")
    argv = ["--config", str(path), "--project-dir", str(tmp_path), "--stack", "dev"]
    assert main(["config", *argv]) == 0
    out = yaml.safe_load(capsys.readouterr().out)
    assert out["secrets"]["SECRET_KEY_BASE"] == "supplied"
    assert out["secrets"]["RELEASE_COOKIE"] == "generated"
    assert main(["validate", *argv]) == 0
    err = capsys.readouterr().err
    assert (
        f"{path}:6:3: secrets[0]: warning: SECRET_KEY_BASE is supplied: stack 'dev' has a " in err
    )
    assert "signs every user out" in err


def test_listed_without_a_value_it_is_generated_with_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _project(tmp_path, None)
    argv = ["--config", str(path), "--project-dir", str(tmp_path), "--stack", "dev"]
    assert main(["config", *argv]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["secrets"]["SECRET_KEY_BASE"] == "generated"
    assert main(["validate", *argv]) == 0
    assert "SECRET_KEY_BASE" not in capsys.readouterr().err
