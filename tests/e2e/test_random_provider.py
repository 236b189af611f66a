"""The pulumi-resource-random built here serves the package the pinned pulumi_random SDK was
generated for: the same resource tokens, each with the properties the SDK's classes set.

pulumi-random's own provider module is not served by the Go module proxy, so
tools/pulumi-engine/random maps terraform-provider-random itself; this is what keeps that
mapping honest against the SDK the program imports.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pulumi_random

from tests.e2e.cli import Workspace, engine_bin

SDK_DIR = Path(pulumi_random.__file__).parent
TOKEN = re.compile(r"^random:index/(\w+):(\w+)$")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _sdk_properties(module: str) -> tuple[str, set[str]]:
    """The token a pulumi_random class registers and the properties its `get` reads back."""
    source = Path(importlib.import_module(f"pulumi_random.{module}").__file__ or "").read_text()
    token = re.findall(r"@pulumi\.type_token\(\"([^\"]+)\"\)", source)
    props = set(re.findall(r'__props__\.__dict__\["(\w+)"\]', source))
    assert len(token) == 1, module
    return token[0], props


def test_the_built_provider_serves_the_schema_the_pinned_sdk_was_generated_for(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path, engine_bin())
    run = ws.pulumi(tmp_path, "package", "get-schema", str(ws.bin / "pulumi-resource-random"))
    schema: dict[str, Any] = run.check().json()
    assert schema["name"] == "random"
    plugin = json.loads((SDK_DIR / "pulumi-plugin.json").read_text())
    # The engine matches the SDK's registrations to the plugin by this version.
    assert schema["version"] == plugin["version"]
    served = {}
    for token, spec in schema["resources"].items():
        m = TOKEN.match(token)
        assert m, token
        served[token] = {_snake(p) for p in spec["properties"]}
    sdk = {}
    for path in SDK_DIR.glob("random_*.py"):
        token, props = _sdk_properties(path.stem)
        sdk[token] = props
    assert sorted(served) == sorted(sdk)
    assert {t: sorted(p) for t, p in served.items()} == {t: sorted(p) for t, p in sdk.items()}
