"""Every corpus config names the app it is modelled on, validates, plans, and keeps its plan.

The pinned plan (golden/<stem>.<stack>.json) makes any change to what a real-world shape
registers visible in review. Provider-specific assertions live in test_fly_shapes.py and
test_gcp_shapes.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shapes.harness import (
    GOLDEN,
    MODELLED_ON,
    cases,
    check_golden,
    configs,
    pinned_shape,
    plan,
    run_cli,
)


@pytest.mark.parametrize("path", configs(), ids=lambda p: p.name)
def test_each_config_names_the_app_it_is_modelled_on(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert MODELLED_ON.match(first), f"{path.name}: first line must be '# Modelled on: ...'"
    provider = path.name.split("_", 1)[0]
    assert provider in ("fly", "gcp"), f"{path.name}: name it fly_<shape>.yaml or gcp_<shape>.yaml"
    assert f"provider: {provider}" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "stack"), cases())
def test_each_config_validates(name: str, stack: str) -> None:
    code, out, err = run_cli("validate", "--config", str(Path(__file__).parent / name))
    assert code == 0, err
    assert "valid" in out


@pytest.mark.parametrize(("name", "stack"), cases())
def test_each_config_plans_as_pinned(name: str, stack: str) -> None:
    check_golden(f"{Path(name).stem}.{stack}.json", pinned_shape(plan(name, stack)))


def test_no_golden_file_is_left_without_its_config() -> None:
    wanted = {f"{Path(n).stem}.{s}.json" for n, s in cases()}
    orphans = sorted(p.name for p in GOLDEN.glob("*.json") if p.name not in wanted)
    assert not orphans, f"golden files without a config (delete them): {orphans}"
