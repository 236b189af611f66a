"""Secrets never in plaintext; diffs are exactly as wide as the change that caused them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from phxstack.mocks import ProgramRun, Registered, is_secret, unwrap
from phxstack.plan import Plan

from .conftest import CANARY, FULL, run_gcp, with_

JOB = "gcp:cloudrunv2/job:Job"
RUN = "command:local:Command"
SERVICE = "gcp:cloudrunv2/service:Service"


def plaintext(value: Any) -> list[str]:
    """Every string reachable without opening a secret."""
    if is_secret(value):
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in plaintext(v)]
    if isinstance(value, list):
        return [s for v in value for s in plaintext(v)]
    return [value] if isinstance(value, str) else []


def secret_strings(value: Any) -> list[str]:
    if is_secret(value):
        inner = unwrap(value)
        return [inner] if isinstance(inner, str) else [json.dumps(inner, default=str)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in secret_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in secret_strings(v)]
    return []


@pytest.mark.parametrize("preview", [False, True])
def test_canary_secret_never_in_plaintext_inputs_outputs_or_plan(
    project_dir: Path, preview: bool
) -> None:
    run = run_gcp(FULL, project_dir, preview=preview)
    for reg in run.registrations:
        assert not [s for s in plaintext(reg.inputs) if CANARY in s], reg.name
    assert CANARY not in json.dumps(
        {k: v for k, v in run.outputs.items() if not is_secret(v)}, default=str
    )
    assert not [k for k, v in run.outputs.items() if is_secret(v)]  # no output is a secret
    plan = json.dumps(Plan("dev", "gcp", run).to_json())
    assert CANARY not in plan
    if not preview:
        # ...and the value did reach its secret version, marked secret.
        version = run.one(
            "gcp:secretmanager/secretVersion:SecretVersion", "shop-secrets-stripe-api-key"
        )
        assert unwrap(version.inputs["secretData"]) == CANARY


def test_every_secret_value_the_program_holds_is_marked_secret(project_dir: Path) -> None:
    run = run_gcp(FULL, project_dir)
    versions = run.of_type("gcp:secretmanager/secretVersion:SecretVersion")
    values = [unwrap(v.inputs["secretData"]) for v in versions]
    assert len(values) == 6 and all(is_secret(v.inputs["secretData"]) for v in versions)
    user = run.one("gcp:sql/user:User")
    values.append(unwrap(user.inputs["password"]))
    for reg in run.registrations:
        leaked = [s for s in plaintext(reg.inputs) for v in values if v and v in s]
        assert not leaked, reg.name
    # The registry token is a credential too.
    image = run.one("docker-build:index:Image")
    assert is_secret(image.inputs["registries"])
    assert "mock-access-token" not in json.dumps(plaintext(image.inputs))


def _by_urn(run: ProgramRun) -> dict[str, Registered]:
    return {r.urn: r for r in run.registrations}


def _changed(a: ProgramRun, b: ProgramRun) -> set[str]:
    ra, rb = _by_urn(a), _by_urn(b)
    assert set(ra) == set(rb)

    def comparable(r: Registered) -> Any:
        return (
            plaintext(r.inputs),
            secret_strings(r.inputs),
            r.inputs,
            r.protect,
            r.options,
            sorted(r.dependencies),
        )

    return {ra[u].type + "::" + ra[u].name for u in ra if comparable(ra[u]) != comparable(rb[u])}


def test_no_change_registers_identical_resources(project_dir: Path) -> None:
    assert _changed(run_gcp(FULL, project_dir), run_gcp(FULL, project_dir)) == set()


def test_only_an_env_var_change_touches_only_the_service_and_its_job(project_dir: Path) -> None:
    before = run_gcp(FULL, project_dir)
    after = run_gcp(with_(FULL, env_vars={"LOG_LEVEL": "debug"}), project_dir)
    assert _changed(before, after) == {
        f"{SERVICE}::shop-service-service",
        f"{JOB}::shop-migrations-job",
        f"{RUN}::shop-migrations-run",
    }


def _token(run: ProgramRun) -> str:
    [trigger] = run.one(RUN).inputs["triggers"]
    return str(trigger)


def test_an_env_only_change_runs_the_migrations_again(
    project_dir: Path,
) -> None:
    # A new trigger replaces the run command, which executes the job once more. Migrations
    # are idempotent, so running them again for a new env is harmless.
    before = run_gcp(FULL, project_dir)
    after = run_gcp(with_(FULL, env_vars={"LOG_LEVEL": "debug"}), project_dir)
    assert before.outputs["image"] == after.outputs["image"]
    assert _token(before) != _token(after)


def test_a_runtime_change_without_a_new_image_runs_the_migrations_again(
    project_dir: Path,
) -> None:
    # Switching the database to private IP drops the Cloud SQL socket and changes the URL.
    before = run_gcp(FULL, project_dir)
    after = run_gcp(with_(FULL, database={"private_ip": True}), project_dir)
    assert _token(before) != _token(after)


def test_no_change_runs_no_migration(project_dir: Path) -> None:
    assert _token(run_gcp(FULL, project_dir)) == _token(run_gcp(FULL, project_dir))


def test_a_scaling_change_touches_only_the_service_never_the_subnet(project_dir: Path) -> None:
    # A new subnet range would force a replacement that overlaps the abandoned subnet.
    before = run_gcp(FULL, project_dir)
    after = run_gcp(with_(FULL, deployment={"machines": {"max_count": 40}}), project_dir)
    assert _changed(before, after) == {f"{SERVICE}::shop-service-service"}


def test_a_source_change_changes_the_image_tag_and_the_digest(project_dir: Path) -> None:
    before = run_gcp(FULL, project_dir)
    (project_dir / "app" / "lib" / "my_app" / "repo.ex").write_text("# changed\n", "utf-8")
    after = run_gcp(FULL, project_dir)
    image_before = before.one("docker-build:index:Image").inputs["tags"]
    image_after = after.one("docker-build:index:Image").inputs["tags"]
    assert image_before != image_after
    assert before.outputs["image"] != after.outputs["image"]
    job_before, job_after = before.one(JOB), after.one(JOB)
    assert job_before.inputs != job_after.inputs and _token(before) != _token(after)
    assert _changed(before, after) == {
        "docker-build:index:Image::shop-image-image",
        f"{SERVICE}::shop-service-service",
        f"{JOB}::shop-migrations-job",
        f"{RUN}::shop-migrations-run",
    }


def test_a_change_to_an_ignored_file_changes_nothing(project_dir: Path) -> None:
    before = run_gcp(FULL, project_dir)
    (project_dir / "app" / "_build").mkdir(exist_ok=True)
    (project_dir / "app" / "_build" / "junk.beam").write_bytes(b"\x00\x01")
    (project_dir / "app" / "erl_crash.dump").write_text("crash", "utf-8")
    assert _changed(before, run_gcp(FULL, project_dir)) == set()


def test_a_new_registry_token_is_the_only_image_input_that_differs_between_runs(
    project_dir: Path,
) -> None:
    # The access token is minted per run; pulumi-docker-build's Diff ignores registry password
    # changes (provider/internal/image.go), so this is no rebuild and no diff.
    from phxstack.mocks import ProjectMocks, run_program

    from .conftest import GCP_PROJECT, program

    class FreshToken(ProjectMocks):
        def __init__(self, token: str) -> None:
            super().__init__(preview=False, gcp_project=GCP_PROJECT)
            self.token = token

        def call(self, args):  # type: ignore[no-untyped-def]
            out = super().call(args)
            return {**out, "accessToken": self.token} if "accessToken" in out else out

    def image(token: str) -> dict[str, Any]:
        run = run_program(
            program(FULL, "dev", project_dir),
            project="phoenix",
            secret_config={"phoenix:STRIPE_API_KEY": CANARY},
            mocks=FreshToken(token),
        )
        return run.one("docker-build:index:Image").inputs

    a, b = image("token-one"), image("token-two")
    assert {k: v for k, v in a.items() if k != "registries"} == {
        k: v for k, v in b.items() if k != "registries"
    }
    ra, rb = unwrap(a["registries"]), unwrap(b["registries"])
    assert [{**r, "password": None} for r in ra] == [{**r, "password": None} for r in rb]
    assert ra[0]["password"] != rb[0]["password"]
