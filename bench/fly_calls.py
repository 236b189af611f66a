"""How many flyctl calls the Fly stack makes: first deploy, a no-op run, one env var change.

Runs the whole Fly program three times through the local engine (`tests/support/engine.py`)
against the fake flyctl (`tests/fakes/flyctl`), all in a temporary directory, and prints the
number of flyctl calls and of mutating calls for each run, and the ratios between them. As
under `pulumi up`, every provider call goes over gRPC to the SDK's own `pulumi.dynamic` server,
started through tools/pulumi-launchers in the project directory; the three runs share one
server because their environment is the same. The mutating commands are listed in the order
they ran, which varies: the engine registers independent resources concurrently.
No network, no credentials. Usage: `.venv/bin/python bench/fly_calls.py`.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pulumi  # noqa: E402

from components.fly.settings import RunnerSettings  # noqa: E402
from components.fly.stack import PhoenixFly, fly_args  # noqa: E402
from config.context import StackContext  # noqa: E402
from config.model import InferaConfig  # noqa: E402
from tests.support.engine import LocalEngine, count_calls, read_log  # noqa: E402
from tests.support.provider_server import POOL  # noqa: E402

CONFIG: dict[str, Any] = {
    "project_name": "bench",
    "provider": "fly",
    "database": {},
    "cache": {},
    "storage": {},
    "domain": "bench.example.com",
    "env_vars": {"FEATURE_FLAG": "on"},
    "secrets": ["API_KEY"],
}


def program(root: Path, cfg: dict[str, Any]) -> Any:
    def run() -> None:
        infera = InferaConfig.model_validate(cfg, context={"stack": "dev"})
        ctx = StackContext(
            infera=infera,
            stack="dev",
            project_dir=root,
            supplied_secrets={"API_KEY": pulumi.Output.secret("bench-secret-value")},
        )
        args = dataclasses.replace(
            fly_args(ctx), build_path=str(root / "app"), runner=RunnerSettings(backoff_base_s=0)
        )
        for key, value in PhoenixFly("web", args).outputs.items():
            pulumi.export(key, value)

    return run


def ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="fly-bench-") as tmp:
        root = Path(tmp)
        (root / "app").mkdir()
        (root / "app" / "Dockerfile").write_text("FROM elixir:1.16\n")
        log = root / "flyctl.log"
        os.environ.update(
            FLYCTL=str(ROOT / "tests" / "fakes" / "flyctl"),
            FLYCTL_FAKE_STATE=str(root / "fly-state"),
            FLYCTL_FAKE_LOG=str(log),
            FLY_API_TOKEN="FlyV1 fm2_bench-token-0123456789",
        )
        os.environ.pop("FLYCTL_FAKE_FAIL", None)
        changed = {**CONFIG, "env_vars": {"FEATURE_FLAG": "off"}}
        runs = [("first deploy", CONFIG), ("no-op", CONFIG), ("one env var", changed)]
        counts = {}
        for label, cfg in runs:
            before = len(read_log(log))
            LocalEngine(root / "state.json").run(program(root, cfg))
            counts[label] = count_calls(read_log(log)[before:])
        print(f"{'run':<14}{'calls':>7}{'mutating':>10}  mutating commands")
        for label, c in counts.items():
            print(f"{label:<14}{c.total:>7}{c.mutating:>10}  {', '.join(c.mutating_commands)}")
        first, noop, env = counts["first deploy"], counts["no-op"], counts["one env var"]
        print(
            f"no-op / first deploy: calls {ratio(noop.total, first.total)}, "
            f"mutating {ratio(noop.mutating, first.mutating)}"
        )
        print(
            f"one env var / first deploy: calls {ratio(env.total, first.total)}, "
            f"mutating {ratio(env.mutating, first.mutating)}"
        )
        print(f"provider servers started: {POOL.started}")


if __name__ == "__main__":
    main()
