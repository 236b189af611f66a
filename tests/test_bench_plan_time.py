"""bench/plan_time.py's floor imports exactly the classes the sample plans' resources come from.

The oracle is each provider package's own type-to-class registration (the `resource_modules`
JSON its `__init__.py` hands to the Pulumi SDK), so a floor that imports the wrong module, or
misses one, fails here. No timing is asserted.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.delivery.plans import ROOT, sample_plan


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("plan_time", ROOT / "bench" / "plan_time.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _registered_classes(package: str) -> dict[str, str]:
    """Type token -> `from <module> import <Class>`, as the package registers its resources."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text(encoding="utf-8")
    match = re.search(r'resource_modules="""(.*?)"""', source, re.DOTALL)
    assert match, f"{package} registers no resource modules"
    return {
        token: f"from {module['fqn']} import {cls}"
        for module in json.loads(match.group(1))
        for token, cls in module["classes"].items()
    }


@pytest.mark.slow
@pytest.mark.parametrize("provider", ["gcp", "fly"])
def test_floor_imports_the_registered_class_of_every_custom_resource(provider: str) -> None:
    bench = _bench()
    plan = sample_plan(provider, bench.STACK)
    expected = set()
    for resource in plan["resources"]:
        if not resource["custom"]:
            continue
        pkg = resource["type"].split(":")[0]
        if pkg == bench.DYNAMIC:
            expected.add("from pulumi.dynamic import Resource")
        else:
            expected.add(_registered_classes(bench.PACKAGES[pkg])[resource["type"]])
    assert bench.floor_imports(plan) == sorted(expected)
    assert len(expected) > 1  # the sample plans something from a provider package
