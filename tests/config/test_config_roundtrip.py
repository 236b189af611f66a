"""Valid configs survive the trip model -> YAML -> loader -> model unchanged, and the exported
JSON Schema accepts every one of them (so editors never flag a config the model takes)."""

from __future__ import annotations

from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import limits, schema
from config.loader import parse_document, validate_document
from config.model import InferaConfig
from config.secrets import looks_like_secret_value
from config.units import format_duration, format_size

VALIDATOR = jsonschema.Draft202012Validator(schema.json_schema())
RESERVED_PREFIXES = ("FLY_", "X_GOOGLE_", "GOOGLE_CLOUD_RUN_")


def _usable_name(name: str) -> bool:
    return (
        name not in limits.PROGRAM_ENV
        and name not in limits.CLOUD_RUN_RESERVED_ENV
        and not name.startswith(RESERVED_PREFIXES)
        and name != "PHX_HOST"
        and looks_like_secret_value(name, "x") is None
    )


NAMES = st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True).filter(_usable_name)
PLAIN_VALUES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-./: ", max_size=20)


@st.composite
def machines(draw: st.DrawFn, provider: str) -> dict[str, Any]:
    if provider == "fly":
        size = limits.FLY_SIZES[draw(st.sampled_from(sorted(limits.FLY_SIZES)))]
        steps = range(size.min_memory_mib, size.max_memory_mib + 1, limits.FLY_MEMORY_STEP_MIB)
        cpu, memory = size.name, draw(st.sampled_from(list(steps)))
    else:
        n = draw(st.sampled_from(sorted(limits.CLOUD_RUN_MEMORY_MIB)))
        low, high = limits.CLOUD_RUN_MEMORY_MIB[n]
        cpu, memory = str(n), draw(st.integers(low, high))
    # Cloud Run scales to zero; Fly runs exactly `count` machines, so at least one.
    count = draw(st.integers(0 if provider == "gcp" else 1, 10))
    out: dict[str, Any] = {"cpu": cpu, "memory": format_size(memory), "count": count}
    if draw(st.booleans()):
        out["max_count"] = draw(st.integers(max(count, 1), 50))
    return out


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    provider = draw(st.sampled_from(["fly", "gcp"]))
    fly = provider == "fly"
    regions = limits.FLY_REGIONS if fly else limits.GCP_REGIONS
    # Whole milliseconds, so a duration's text form is exact.
    # Fly lowers check durations above a minute (flyctl appconfig/validation.go), so the model
    # refuses them there; Cloud Run probes go to 240 s.
    ceiling_s = 60 if fly else 240
    interval_ms = draw(st.integers(1_001, ceiling_s * 1000))
    timeout_ms = draw(st.integers(1_000, interval_ms - 1))
    hard = draw(st.integers(1, 1000 if not fly else 5000))
    data: dict[str, Any] = {
        "project_name": draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True)),
        "provider": provider,
        "deployment": {
            "region": draw(st.sampled_from(sorted(regions))),
            "machines": draw(machines(provider)),
            "health_check": {
                "path": draw(st.sampled_from(["/health", "/healthz", "/up"])),
                "interval": format_duration(interval_ms / 1000),
                "timeout": format_duration(timeout_ms / 1000),
                "grace_period": format_duration(draw(st.integers(0, ceiling_s)) * 1.0),
            },
            "concurrency": {
                "type": draw(st.sampled_from(["connections", "requests"])),
                "soft_limit": draw(st.integers(1, hard)),
                "hard_limit": hard,
            },
            "kill_timeout": format_duration(draw(st.integers(1, 300)) * 1.0),
            "public": draw(st.booleans()),
        },
        "app": {"port": draw(st.integers(1, 65535))},
    }
    if draw(st.booleans()):
        data["production"] = draw(st.booleans())
    if draw(st.booleans()):
        provider = draw(st.sampled_from(["fly-mpg", "fly-postgres"] if fly else ["cloud-sql"]))
        sizes = (
            # Managed Postgres takes a plan's memory only (#9 point 7).
            st.sampled_from([m[0] for m in limits.MPG_PLAN_MEMORY_MIB.values()])
            if provider == "fly-mpg"
            else st.integers(1, 64).map(lambda n: n * 256)
        )
        data["database"] = {
            "provider": provider,
            "size": format_size(draw(sizes)),
            "version": draw(st.integers(13, 17)),
            "pool_size": draw(st.integers(1, 500)),
            "high_availability": draw(st.booleans()),
        }
    if draw(st.booleans()):
        data["cache"] = (
            {"provider": "upstash", "eviction": draw(st.booleans())}
            if fly
            else {"provider": "memorystore", "size": f"{draw(st.integers(1, 300))}gb"}
        )
    if draw(st.booleans()):
        data["storage"] = {"provider": "tigris" if fly else "gcs"}
    if draw(st.booleans()):
        data["domain"] = draw(st.sampled_from(["app.example.com", "x.y.example.org"]))
    env = draw(st.dictionaries(NAMES, PLAIN_VALUES, max_size=4))
    secrets = draw(st.lists(NAMES.filter(lambda n: n not in env), unique=True, max_size=4))
    data["env_vars"], data["secrets"] = env, secrets
    return data


def _through_yaml(model: InferaConfig) -> InferaConfig:
    dumped = model.model_dump(mode="json", exclude={"environments"})
    text = yaml.safe_dump(dumped, sort_keys=False, allow_unicode=True)
    return validate_document(parse_document(text.encode(), "infera.yaml"), None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_valid_configs_round_trip_through_yaml(data: dict[str, Any]) -> None:
    model = InferaConfig.model_validate(data)
    again = _through_yaml(model)
    assert again == model
    # A second trip is a fixed point: the dump is already in normal form.
    assert _through_yaml(again).model_dump(mode="json") == model.model_dump(mode="json")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_the_schema_accepts_every_valid_config_as_written_and_as_dumped(
    data: dict[str, Any],
) -> None:
    model = InferaConfig.model_validate(data)
    VALIDATOR.validate(data)
    VALIDATOR.validate(model.model_dump(mode="json", exclude={"environments"}))
