"""Expected failures the audit found leaking tracebacks or passing silently: each exits 2 with
one placed line, or warns, exactly as the guide promises."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from phxstack.cli import main

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "examples" / "my_app"


def _project(tmp_path: Path, infera: str, stack_config: str = "config: {}\n") -> Path:
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    (tmp_path / "Pulumi.yaml").write_text("name: phoenix\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_config)
    (tmp_path / "infera.yaml").write_text(infera)
    return tmp_path / "infera.yaml"


BASE = f"project_name: shop\nprovider: fly\napp:\n  path: {APP}\n"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_validate_stack_reports_a_supplied_secret_without_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path, BASE + "secrets:\n  - MAILER_API_KEY\n")
    code, out, err = _run(capsys, "validate", "--config", str(cfg), "--stack", "dev")
    assert (code, out) == (2, "")
    assert err == (
        f"{cfg}:6:5: secrets[0]: MAILER_API_KEY has no value in stack 'dev'; run "
        "`pulumi config set --secret MAILER_API_KEY --stack dev` (it reads the value from stdin "
        "when you leave it off the command line)\n"
    )


def test_validate_stack_refuses_a_secret_written_in_clear_in_the_stack_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(
        tmp_path,
        BASE + "secrets:\n  - MAILER_API_KEY\n",
        "config:\n  phoenix:MAILER_API_KEY: s3cr3t-in-clear\n",
    )
    code, _, err = _run(capsys, "validate", "--config", str(cfg), "--stack", "dev")
    assert code == 2
    assert "MAILER_API_KEY is stored in clear text in Pulumi.dev.yaml" in err
    assert "s3cr3t-in-clear" not in err


def test_validate_stack_accepts_an_encrypted_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(
        tmp_path,
        BASE + "secrets:\n  - MAILER_API_KEY\n",
        "config:\n  phoenix:MAILER_API_KEY:\n    secure: v1:AAAA\n",
    )
    code, out, _ = _run(capsys, "validate", "--config", str(cfg), "--stack", "dev")
    assert code == 0 and out.endswith("valid (stacks: dev)\n")


def test_missing_build_context_fails_validate_stack_and_plan_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path, "project_name: shop\nprovider: fly\napp:\n  path: nowhere\n")
    for command in ("validate", "plan"):
        code, out, err = _run(capsys, command, "--config", str(cfg), "--stack", "dev")
        assert (code, out) == (2, "")
        assert err.startswith(f"{cfg}:4:9: app.path: the build context 'nowhere' (")
        assert "does not exist; point app.path at the Phoenix app" in err


def test_infinite_duration_is_refused_not_crashed_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path, BASE + "deployment:\n  health_check:\n    interval: .inf\n")
    code, _, err = _run(capsys, "config", "--config", str(cfg))
    assert code == 2
    assert f"{cfg}:7:15: deployment.health_check.interval: a duration must be a finite" in err


def test_stack_names_are_checked_and_typos_get_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path, BASE)
    code, _, err = _run(capsys, "validate", "--config", str(cfg), "--stack", "../../etc/x")
    assert code == 2 and "'../../etc/x' is not a stack name" in err
    code, out, err = _run(capsys, "validate", "--config", str(cfg), "--stack", "deb")
    assert code == 0 and "valid" in out
    assert (
        "stack 'deb' has no Pulumi.deb.yaml and no environments.deb overlay; did you mean 'dev'?"
        in err
    )


def test_plan_finds_the_project_from_the_config_path(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "plan", "--config", str(ROOT / "infera.yaml"), "--stack", "dev")
    assert code == 0 and out.startswith("Plan for stack 'dev' (provider fly)")


def test_plan_without_a_program_says_where_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path, BASE)
    (tmp_path / "__main__.py").unlink()
    code, _, err = _run(capsys, "plan", "--config", str(cfg), "--project-dir", str(tmp_path))
    assert code == 2
    assert (
        "no Pulumi program here; run phxstack from the project directory or pass --project-dir"
        in err
    )


def test_a_broken_stack_file_is_one_placed_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path, BASE, "config:\n  a: [1\n")
    code, _, err = _run(capsys, "plan", "--config", str(cfg), "--stack", "dev")
    assert code == 2
    assert err.count("\n") == 1 and f"{tmp_path / 'Pulumi.dev.yaml'}:3:1: invalid YAML" in err


def test_a_closed_pipe_is_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    # `phxstack config | head -1`: the reader is gone before the output is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    closed = open(write_end, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    monkeypatch.setattr(sys, "stdout", closed)
    try:
        assert main(["config", "--config", str(ROOT / "infera.yaml")]) == 0
    finally:
        monkeypatch.undo()
        closed.close()


def test_a_derived_secret_without_its_resource_says_why_it_needs_a_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(
        tmp_path,
        BASE
        + "database: {}\nsecrets:\n  - DATABASE_URL\nenvironments:\n  dev:\n    database: null\n",
    )
    code, _, err = _run(capsys, "validate", "--config", str(cfg), "--stack", "dev")
    assert code == 2
    assert "(stack 'dev' has no `database:`, so nothing derives it; supply it or remove it" in err


def test_validate_without_stack_checks_every_stack_that_has_a_stack_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _project(tmp_path, BASE + "secrets:\n  - MAILER_API_KEY\n")
    code, _, err = _run(capsys, "validate", "--config", str(cfg))
    assert code == 2
    assert "MAILER_API_KEY has no value in stack 'dev'" in err


def test_plan_warns_about_a_stack_nobody_configured(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "plan", "--config", str(ROOT / "infera.yaml"), "--stack", "prdo")
    assert code == 0
    assert (
        "stack 'prdo' has no Pulumi.prdo.yaml and no environments.prdo overlay; did you mean 'prod'?"
        in out
    )
