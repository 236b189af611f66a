"""The `phxstack` executable ends without interpreter teardown (plan speed, issue #9), and loses
nothing by it: all of stdout arrives, main's exit code is the process's, exit handlers run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _phxstack(*argv: str, before: str = "") -> subprocess.CompletedProcess[str]:
    script = (
        f"import sys\n{before}\nsys.argv = ['phxstack', *{list(argv)!r}]\n"
        "from phxstack.cli import run\nrun()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_plan_larger_than_a_pipe_buffer_arrives_whole_with_exit_0() -> None:
    proc = _phxstack("plan", "--config", "examples/gcp/infera.yaml", "--stack", "prod", "--json")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert len(proc.stdout) > 65536  # more than a pipe holds, so buffering is exercised
    plan = json.loads(proc.stdout)
    assert plan["stack"] == "prod" and plan["resources"]


def test_a_refusal_exits_2_and_the_exit_handlers_still_run() -> None:
    proc = _phxstack(
        "validate",
        "--config",
        "no-such-infera.yaml",
        before="import atexit\natexit.register(print, 'exit handlers ran', file=sys.stderr)",
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "no-such-infera.yaml:1:1: file not found; pass --config PATH or create it",
        "exit handlers ran",
    ]
    assert proc.stdout == ""
