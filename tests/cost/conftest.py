"""Run `phxstack cost --json` on a config, the way a person would, and read its line items."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from phxstack.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_APP = ROOT / "examples" / "my_app"
FLY_SAMPLE = ROOT / "infera.yaml"
GCP_SAMPLE = ROOT / "examples" / "gcp" / "infera.yaml"
SEED_FLY = ROOT / "examples" / "seed" / "fly.yaml"
SEED_GCP = ROOT / "examples" / "seed" / "gcp.yaml"
# The seed's figures as the pricing facts work them out (prices.json `seed_check`).
SEED_CHECK: dict[str, Any] = json.loads(
    (Path(__file__).parent / "facts" / "prices.json").read_text(encoding="utf-8")
)["seed_check"]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@cache
def _cost_text(config: str, stack: str, project_dir: str) -> str:
    code, out, err = run_cli(
        "cost", "--json", "--config", config, "--stack", stack, "--project-dir", project_dir
    )
    assert code == 0, err
    return out


def cost_of(config: Path, stack: str, project_dir: Path = ROOT) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_cost_text(str(config), stack, str(project_dir)))
    return result


def crafted(tmp_path: Path, raw: dict[str, Any]) -> Path:
    """A project in `tmp_path` whose infera.yaml is `raw`, building the example app."""
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    config = tmp_path / "infera.yaml"
    config.write_text(
        yaml.safe_dump({"app": {"path": str(EXAMPLE_APP)}, **raw}, sort_keys=False),
        encoding="utf-8",
    )
    return config


def lines(items: list[dict[str, Any]]) -> list[tuple[str, Decimal | None, Decimal, Decimal | None]]:
    """(component, quantity, unit price, monthly) of each item, as exact decimals."""

    def dec(v: Any) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    return [
        (i["component"], dec(i["quantity"]), Decimal(str(i["unit_price"])), dec(i["monthly"]))
        for i in items
    ]


def same_lines(items: list[dict[str, Any]], expected: list[Any]) -> bool:
    """The items are exactly `expected`, in any order (registration order is not the point)."""
    assert sorted(lines(items), key=repr) == sorted(expected, key=repr)
    return True


def D(text: str) -> Decimal:
    return Decimal(text)
