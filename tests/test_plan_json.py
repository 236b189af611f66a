"""`plan --json` is a documented interface: it matches phxstack/plan.schema.json for both samples
and every committed stack, and a secret set in stack config never appears in it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

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


def _fields(schema: dict[str, Any], node: dict[str, Any], prefix: str = "") -> set[str]:
    """Every field path `schema` describes under `node`, `a.b[].c` style, following $refs."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    out: set[str] = set()
    for key, sub in (node.get("properties") or {}).items():
        out.add(prefix + key)
        out |= _fields(schema, sub, prefix + key + ".")
    if "items" in node:
        out |= _fields(schema, node["items"], prefix.removesuffix(".") + "[].")
    return out


_COST_ITEM = [
    "resource", "type", "urn", "component", "quantity", "unit", "unit_price", "price_per",
    "monthly", "usage_key", "price_key", "source", "as_of", "note",
]  # fmt: skip
# Every field format_version 1 has had, `cost` included (an addition within version 1). A
# field may be added to the schema; removing or renaming one of these needs format_version 2.
FORMAT_1_FIELDS = {
    "format_version", "stack", "provider", "outputs", "warnings", "resources", "violations",
    "resources[].urn", "resources[].type", "resources[].name", "resources[].parent",
    "resources[].custom", "resources[].protect", "resources[].inputs",
    "resources[].dependencies",
    "violations[].policy", "violations[].enforcement", "violations[].resource",
    "violations[].urn", "violations[].message",
    "cost", "cost.currency", "cost.monthly_total", "cost.fixed_monthly", "cost.usage_monthly",
    "cost.free_tier_monthly", "cost.complete", "cost.hours_per_month", "cost.prices_compiled",
    "cost.usage", "cost.items", "cost.usage_items", "cost.depends_on_usage", "cost.free_tiers",
    "cost.not_priced", "cost.no_charge",
    *(f"cost.{group}[].{field}" for group in ("items", "usage_items", "depends_on_usage")
      for field in _COST_ITEM),
    "cost.free_tiers[].name", "cost.free_tiers[].allowance", "cost.free_tiers[].monthly",
    "cost.free_tiers[].source",
    "cost.not_priced[].resource", "cost.not_priced[].type", "cost.not_priced[].urn",
    "cost.not_priced[].reason",
    "cost.no_charge[].resource", "cost.no_charge[].type",
}  # fmt: skip


def test_format_version_1_keeps_every_field_it_has_had() -> None:
    assert SCHEMA["properties"]["format_version"] == {
        "const": 1,
        "description": "Version of this document's shape.",
    }
    missing = FORMAT_1_FIELDS - _fields(SCHEMA, SCHEMA)
    assert not missing, f"removed or renamed within format_version 1: {sorted(missing)}"
    # What every plan carries stays required, so a reader can count on it.
    assert set(SCHEMA["required"]) >= {
        "format_version", "stack", "provider", "resources", "outputs", "violations", "warnings",
    }  # fmt: skip
    assert "monthly_total" in SCHEMA["properties"]["cost"]["required"]


def test_the_field_list_sees_a_removed_field() -> None:
    # The check above would pass vacuously if _fields found nothing under cost.
    trimmed = json.loads(json.dumps(SCHEMA))
    del trimmed["properties"]["cost"]["properties"]["monthly_total"]
    del trimmed["$defs"]["cost_item"]["properties"]["price_per"]
    gone = _fields(SCHEMA, SCHEMA) - _fields(trimmed, trimmed)
    assert gone == {
        "cost.monthly_total", "cost.items[].price_per", "cost.usage_items[].price_per",
        "cost.depends_on_usage[].price_per",
    }  # fmt: skip


@pytest.mark.parametrize("provider", sorted(SAMPLES))
def test_urns_are_the_ones_the_engine_generates(provider: str) -> None:
    # pulumi/pulumi pkg/resource/deploy/deployment.go generateURN: no URN carries the root
    # stack's type, and a child carries its parent's whole qualified type.
    resources = sample_plan(provider, "dev")["resources"]
    by_urn = {r["urn"]: r for r in resources}
    for r in resources:
        parent_type = r["parent"].split("::")[2]
        prefix = "" if parent_type == "pulumi:pulumi:Stack" else f"{parent_type}$"
        assert r["urn"] == f"urn:pulumi:dev::phoenix::{prefix}{r['type']}::{r['name']}"
        assert r["parent"] in by_urn or parent_type == "pulumi:pulumi:Stack"
