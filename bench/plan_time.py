"""What `plan` costs over its floor, per sample, measured side by side in one run.

The floor is a fresh Python that merely imports the classes the plan's resources come from
(`gcp:compute/network:Network` -> `from pulumi_gcp.compute import Network`, and
`pulumi.dynamic` for Fly's dynamic providers): no program can plan those resources faster than
it can import their classes. `phxstack` runs each command with the cycle collector off and
exits without tearing the interpreter down (phxstack/cli.py), so the floor is also measured
that way ("lean floor"), to show what is left once both sides skip the same work. Every
command runs in its own fresh subprocess, `--rounds` times, interleaved so that load on the
machine falls on all of them alike. Prints the medians of wall-clock time, CPU time and peak
RSS, and the plan/floor, plan/lean floor and plan/validate ratios of each. The absolute numbers
depend on the machine; the ratios are what to compare between commits.

Run: .venv/bin/python bench/plan_time.py [--rounds N] [--sample gcp|fly]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {"gcp": ROOT / "examples" / "gcp" / "infera.yaml", "fly": ROOT / "infera.yaml"}
STACK = "prod"
# The Python package each provider's resources are generated into: `pulumi_` + the provider
# package's name, except pulumiverse's, which carry their own prefix.
PACKAGES = {
    "gcp": "pulumi_gcp",
    "random": "pulumi_random",
    "time": "pulumiverse_time",
    "docker-build": "pulumi_docker_build",
    "command": "pulumi_command",
}
DYNAMIC = "pulumi-python"  # the provider of every Python dynamic resource


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)

    @property
    def ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def cpu_ms(self) -> float:
        return statistics.median(self.cpu_seconds) * 1000

    @property
    def mib(self) -> float:
        return statistics.median(self.rss_mib)


def run_once(argv: list[str], runs: Runs | None = None) -> bytes:
    """Run argv in a fresh process; record its wall time, CPU time and its own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT)
        # wait4 rather than wait(): it returns this child's own rusage, so each run's peak RSS
        # is its own and not the maximum over every child so far.
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{err.read().decode()}")
        if runs is not None:
            runs.seconds.append(elapsed)
            runs.cpu_seconds.append(usage.ru_utime + usage.ru_stime)
            runs.rss_mib.append(usage.ru_maxrss / 1024)  # Linux reports KiB
        return out.read()


def floor_imports(plan: dict) -> list[str]:
    """`from <module> import <Class>` for each class of the plan's custom resources, sorted.

    The class, not just its module: the providers' packages load their submodules lazily, so
    `import pulumi_gcp.compute` alone executes nothing of it.
    """
    imports = set()
    for resource in plan["resources"]:
        if not resource["custom"]:
            continue  # components are this project's own classes
        provider, module, cls = resource["type"].split(":")
        if provider == DYNAMIC:
            imports.add("from pulumi.dynamic import Resource")
            continue
        head = module.split("/")[0]  # `compute/network`, or `index` for the package's root
        package = PACKAGES[provider]
        if head != "index":
            package = f"{package}.{head}"
        imports.add(f"from {package} import {cls}")
    return sorted(imports)


def measure(name: str, rounds: int) -> dict[str, Runs]:
    python = sys.executable
    common = ["--config", str(SAMPLES[name]), "--stack", STACK]
    plan_argv = [python, "-m", "phxstack.cli", "plan", *common, "--json"]
    # One untimed plan, to learn which classes its resources come from (and warm the disk cache).
    imports = floor_imports(json.loads(run_once(plan_argv)))
    argvs = {
        "floor": [python, "-c", "\n".join(imports)],
        "lean floor": [
            python,
            "-c",
            "\n".join(["import gc, os", "gc.disable()", *imports, "os._exit(0)"]),
        ],
        "plan": plan_argv,
        "validate": [python, "-m", "phxstack.cli", "validate", *common],
    }
    runs = {key: Runs() for key in argvs}
    for _ in range(rounds):
        for key, argv in argvs.items():
            run_once(argv, runs[key])
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="fresh processes per command")
    parser.add_argument("--sample", choices=sorted(SAMPLES), action="append")
    args = parser.parse_args()
    # Wall time is what a user waits; CPU time (user + system) is what survives a loaded machine.
    print(
        f"{'':<18}{'floor':>8}{'lean floor':>12}{'plan':>8}{'validate':>10}"
        f"{'plan/floor':>12}{'plan/lean floor':>17}{'plan/validate':>15}"
    )
    for name in args.sample or list(SAMPLES):
        runs = measure(name, args.rounds)
        floor, lean, plan, validate = (runs[k] for k in ("floor", "lean floor", "plan", "validate"))
        for label, of in (
            ("wall ms", lambda r: r.ms),
            ("cpu ms", lambda r: r.cpu_ms),
            ("peak RSS MiB", lambda r: r.mib),
        ):
            print(
                f"{name + ' ' + label:<18}{of(floor):>8.0f}{of(lean):>12.0f}{of(plan):>8.0f}"
                f"{of(validate):>10.0f}{of(plan) / of(floor):>12.2f}"
                f"{of(plan) / of(lean):>17.2f}{of(plan) / of(validate):>15.2f}",
                flush=True,
            )
    print(f"medians of {args.rounds} fresh processes each; stack {STACK}; {sys.executable}")


if __name__ == "__main__":
    main()
