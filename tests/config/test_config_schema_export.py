"""The exported JSON Schema: current with the model, complete (every key described, every
optional key defaulted), and in agreement with the model on real configs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cfg_helpers import FLY, GCP, HERE, SAMPLES, SEED_YAML, load

from config import schema
from config.loader import parse_document
from config.model import InferaConfig


@pytest.fixture(scope="module")
def exported() -> dict[str, Any]:
    return schema.json_schema()


@pytest.fixture(scope="module")
def validator(exported: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(exported)
    return jsonschema.Draft202012Validator(exported)


def test_committed_schema_is_current() -> None:
    committed = schema.SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == schema.render(), (
        "config/infera.schema.json is stale; regenerate it with `python -m config.schema`"
    )


def test_schema_names_its_dialect_id_and_title(exported: dict[str, Any]) -> None:
    assert exported["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert exported["$id"] == schema.SCHEMA_ID
    assert exported["title"] == "infera.yaml"
    assert exported["required"] == ["project_name", "provider"]
    assert exported["additionalProperties"] is False


def _objects(exported: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [("", exported), *exported["$defs"].items()]


def test_every_property_has_a_description_and_optional_ones_a_default(
    exported: dict[str, Any],
) -> None:
    seen = 0
    for name, node in _objects(exported):
        required = set(node.get("required", []))
        assert node["additionalProperties"] is False, name
        for key, prop in node["properties"].items():
            seen += 1
            assert prop.get("description"), f"{name}.{key} has no description"
            if key not in required:
                assert "default" in prop, f"{name}.{key} has no default"
    # Every model field is in the schema: the count guards against a model dropping out.
    assert seen == sum(len(m.model_fields) for m in schema.model_classes(InferaConfig))


@pytest.mark.parametrize(
    ("where", "key", "default"),
    [
        ("Database", "size", "1gb"),
        ("Database", "disk", "10gb"),
        ("HealthCheck", "interval", "10s"),
        ("HealthCheck", "timeout", "2s"),
        ("Deployment", "kill_timeout", "5s"),
        ("App", "port", 4000),
        ("Machines", "count", 2),
    ],
)
def test_defaults_are_written_the_way_a_person_types_them(
    exported: dict[str, Any], where: str, key: str, default: Any
) -> None:
    assert exported["$defs"][where]["properties"][key]["default"] == default


def test_factory_defaults_are_exported_and_valid(
    exported: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    props = exported["properties"]
    assert props["env_vars"]["default"] == {}
    assert props["secrets"]["default"] == []
    assert props["deployment"]["default"]["health_check"]["interval"] == "10s"
    # Writing out every default by hand gives a config both the schema and the model accept.
    data = {**FLY, **{k: p["default"] for k, p in props.items() if "default" in p}}
    validator.validate(data)
    load(data)


def test_schema_accepts_the_seed_config(validator: jsonschema.Draft202012Validator) -> None:
    validator.validate(yaml.safe_load(SEED_YAML))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_schema_accepts_the_sample_configs(
    sample: Path, validator: jsonschema.Draft202012Validator
) -> None:
    if not sample.exists():
        pytest.skip(f"{sample} is not written yet")
    doc = parse_document(sample.read_bytes(), str(sample))
    validator.validate(doc.data)


@pytest.mark.parametrize("good", sorted((HERE / "good").glob("*.yaml")), ids=lambda p: p.name)
def test_schema_accepts_the_valid_edge_cases(
    good: Path, validator: jsonschema.Draft202012Validator
) -> None:
    validator.validate(parse_document(good.read_bytes(), good.name).data)


@pytest.mark.parametrize(
    "data",
    [
        {**FLY, "colour": "blue"},
        {"provider": "fly"},
        {**FLY, "provider": "aws"},
        {**FLY, "project_name": "My_App"},
        {**FLY, "deployment": {"machines": {"cpu": "shared-cpu-3x"}}},
        {**FLY, "deployment": {"machines": {"memory": "512 potatoes"}}},
        {**FLY, "deployment": {"machines": {"count": True}}},
        {**FLY, "deployment": {"region": "atl"}},
        {**FLY, "deployment": {"health_check": {"interval": "10 seconds"}}},
        {**FLY, "env_vars": {"1BAD": "x"}},
        {**FLY, "env_vars": {"NESTED": {"A": 1}}},
        {**FLY, "secrets": ["DATABASE_URL=postgres://u:p@h/db"]},
        {**GCP, "database": {"provider": "mysql"}},
    ],
    ids=lambda d: json.dumps(d)[:60],
)
def test_schema_and_model_both_refuse(
    data: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    assert list(validator.iter_errors(data)), "the schema accepted it"
    with pytest.raises(Exception, match=r"infera\.yaml:\d+:\d+"):
        load(data)


def test_schema_takes_the_numbers_and_booleans_the_model_reads_as_text(
    validator: jsonschema.Draft202012Validator,
) -> None:
    data = {
        **GCP,
        "deployment": {"machines": {"cpu": 4, "memory": "4Gi"}},
        "env_vars": {"WORKERS": 4, "FEATURE_X": True, "RATIO": 0.5},
    }
    validator.validate(data)
    config = load(data)
    assert config.env_vars == {"WORKERS": "4", "FEATURE_X": "true", "RATIO": "0.5"}


def test_the_module_entry_point_writes_the_committed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "infera.schema.json"
    monkeypatch.setattr(schema, "SCHEMA_PATH", target)
    assert schema.main(["--check"]) == 1
    assert schema.main([]) == 0
    assert target.read_text(encoding="utf-8") == schema.render()
    assert schema.main(["--check"]) == 0
