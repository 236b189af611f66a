"""Shared helpers for the config tests: the seed config, and validation through the YAML edge.

Every helper goes through `parse_document` + `validate_document`, the path the CLI and the
Pulumi program take, so that a test sees the same problems (with places) a person would.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError, Problem
from config.loader import parse_document, validate_document
from config.model import InferaConfig

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# The seed's config, verbatim from the issue: it must load unchanged.
SEED_YAML = """\
# infera.yaml
project_name: my-phoenix-app
provider: fly

framework:
  name: phoenix
  version: "1.7"
  elixir_version: "1.16"

deployment:
  type: container

  machines:
    cpu: shared-cpu-2x
    memory: 512mb
    count: 2

  health_check:
    path: /health
    interval: 10s

database:
  type: postgresql
  provider: fly-postgres
  size: 1gb

cache:
  type: redis
  provider: upstash

env_vars:
  PHX_HOST: my-phoenix-app.fly.dev

secrets:
  - DATABASE_URL
  - SECRET_KEY_BASE
  - REDIS_URL
"""

FLY = {"project_name": "my-app", "provider": "fly"}
GCP = {"project_name": "my-app", "provider": "gcp"}

# Sample configs written for the repository; tests skip the ones not there yet.
SAMPLES = [REPO / "infera.yaml", REPO / "examples" / "gcp" / "infera.yaml"]


def with_value(base: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A deep copy of `base` with `dotted` (e.g. 'deployment.machines.cpu') set to `value`."""
    out = copy.deepcopy(base)
    node = out
    *parents, last = dotted.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return out


def load_text(text: str | bytes, stack: str | None = None) -> InferaConfig:
    raw = text.encode() if isinstance(text, str) else text
    return validate_document(parse_document(raw, "infera.yaml"), stack)


def load(data: dict[str, Any], stack: str | None = None) -> InferaConfig:
    return load_text(yaml.safe_dump(data, sort_keys=False), stack)


def problems(data: dict[str, Any] | str, stack: str | None = None) -> list[Problem]:
    """The problems validation reports; fails the test if the config is valid."""
    try:
        if isinstance(data, str):
            load_text(data, stack)
        else:
            load(data, stack)
    except ConfigError as exc:
        return exc.problems
    raise AssertionError(f"expected problems, but the config is valid: {data!r}")


def only_problem(data: dict[str, Any] | str, stack: str | None = None) -> Problem:
    found = problems(data, stack)
    assert len(found) == 1, "\n".join(str(p) for p in found)
    return found[0]
