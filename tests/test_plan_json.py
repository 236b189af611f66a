"""`plan --json` is a documented interface: it matches phxstack/plan.schema.json for both samples
and every committed stack, and a secret set in stack config never appears in it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.delivery.plans import ROOT, SAMPLES, STACKS, run_plan, sample_plan

SCHEMA = json.loads((ROOT / "phxstack" / "plan.schema.json").read_text(encoding="utf-8"))
CANARY = "plan-json-canary-5b1e0c7d"


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("provider", sorted(SAMPLES))
def test_plan_json_matches_the_schema(provider: str, stack: str) -> None:
    plan = sample_plan(provider, stack)
    jsonschema.Draft202012Validator(SCHEMA).validate(plan)
    assert (plan["stack"], plan["provider"], plan["format_version"]) == (stack, provider, 1)


def test_schema_rejects_a_plan_missing_violations() -> None:
    plan = sample_plan("gcp", "prod")
    del plan["violations"]
    with pytest.raises(jsonschema.ValidationError, match="'violations' is a required property"):
        jsonschema.Draft202012Validator(SCHEMA).validate(plan)


@pytest.mark.parametrize("provider", sorted(SAMPLES))
def test_supplied_secret_canary_never_appears(provider: str, tmp_path: Path) -> None:
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    sample = SAMPLES[provider]
    infera = yaml.safe_load(sample.read_text(encoding="utf-8"))
    infera["app"]["path"] = str((sample.parent / infera["app"]["path"]).resolve())
    infera["secrets"] = [*infera.get("secrets", []), "MAILER_API_KEY"]
    config = tmp_path / "infera.yaml"
    config.write_text(yaml.safe_dump(infera), encoding="utf-8")
    stack_file = (ROOT / "Pulumi.prod.yaml").read_text(encoding="utf-8")
    # Plain text in the stack file, which the program reads as a secret: the worst case.
    (tmp_path / "Pulumi.prod.yaml").write_text(
        stack_file + f"  phoenix:MAILER_API_KEY: {CANARY}\n", encoding="utf-8"
    )
    for extra in (["--json"], []):
        code, out, err = run_plan(
            "--config", str(config), "--stack", "prod", "--project-dir", str(tmp_path), *extra
        )
        assert code == 0, err
        assert "MAILER_API_KEY" in out  # the secret reached the plan, by name
        assert CANARY not in out and CANARY not in err
