"""The hashed requirements files pin exactly what pyproject.toml declares, and name no index."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def _pins(name: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    lines = (ROOT / name).read_text().splitlines()
    for i, line in enumerate(lines):
        m = PIN.match(line)
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
            block = " ".join(lines[i : i + 4])
            assert "--hash=sha256:" in block, f"{name}: {m.group(1)} is pinned without a hash"
    return pins


def _declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    if extra:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return reqs


@pytest.mark.parametrize(
    ("filename", "extra"), [("requirements.txt", None), ("requirements-dev.txt", "dev")]
)
def test_every_declared_dependency_is_pinned_within_its_range(
    filename: str, extra: str | None
) -> None:
    pins = _pins(filename)
    for req in _declared(extra):
        name = canonicalize_name(req.name)
        assert name in pins, f"{filename} lacks {req.name}; recompile it (see README, Development)"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{filename} pins {req.name}=={pins[name]}, outside pyproject's {req.specifier}; "
            "recompile it (see README, Development)"
        )


def test_runtime_pins_agree_with_dev_pins() -> None:
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    drift = {n: (v, dev.get(n)) for n, v in runtime.items() if dev.get(n) != v}
    assert not drift, f"requirements.txt and requirements-dev.txt disagree: {drift}"


def test_dev_pins_nothing_runtime_does_not_need_without_declaring_it() -> None:
    # requirements.txt must not carry dev tools: Pulumi installs it into production previews.
    runtime = _pins("requirements.txt")
    for tool in ("pytest", "ruff", "mypy", "hypothesis"):
        assert tool not in runtime


def test_no_file_names_a_package_index_or_lockfile() -> None:
    assert not (ROOT / "uv.lock").exists() or "uv.lock" in (ROOT / ".gitignore").read_text()
    for name in ("requirements.txt", "requirements-dev.txt"):
        text = (ROOT / name).read_text()
        assert "--index-url" not in text and "--extra-index-url" not in text
        assert "://" not in text, f"{name} names a URL"
