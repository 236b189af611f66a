"""How much `plan` costs over `validate`, per sample, measured in one run.

Prints wall-clock medians and the plan/validate ratio. The absolute numbers depend on the
machine; the ratio is what to compare between commits. Run: .venv/bin/python bench/plan_time.py
"""

from __future__ import annotations

import contextlib
import io
import statistics
import time
from pathlib import Path

from phxstack.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {"fly": ROOT / "infera.yaml", "gcp": ROOT / "examples" / "gcp" / "infera.yaml"}
ROUNDS = 5


def _median_seconds(argv: list[str]) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(argv)
        times.append(time.perf_counter() - start)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} exited {code}")
    return statistics.median(times)


def run() -> None:
    # One warm-up plan so imports (pulumi_gcp is large) are not billed to the first sample.
    _median_seconds(["plan", "--config", str(SAMPLES["gcp"]), "--stack", "dev", "--json"])
    print(f"{'sample':<8}{'validate ms':>14}{'plan ms':>12}{'plan/validate':>16}")
    for name, path in SAMPLES.items():
        common = ["--config", str(path), "--stack", "prod"]
        validate = _median_seconds(["validate", *common])
        plan = _median_seconds(["plan", *common, "--json"])
        print(f"{name:<8}{validate * 1000:>14.1f}{plan * 1000:>12.1f}{plan / validate:>16.1f}")


if __name__ == "__main__":
    run()
