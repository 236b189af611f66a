"""A successful `plan` leaves nothing for the interpreter to complain about at exit.

The event loop the Pulumi SDK runs on used to be left open; its `__del__` then closed it during
interpreter shutdown, after the socket of its self-pipe was finalised, and printed
`Exception ignored in: <function BaseEventLoop.__del__> ... Invalid file descriptor: -1` on
stderr, with exit 0. Whether it happened depended on finalisation order, so on the hash seed:
the subprocess test below runs several seeds, two of which printed it before the fix.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pulumi

from phxstack.mocks import run_program

ROOT = Path(__file__).resolve().parents[1]
RUNS = 20


def test_run_program_closes_the_event_loop_it_ran_on() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    def program() -> None:
        loops.append(asyncio.get_event_loop())
        pulumi.export("answer", 42)

    run = run_program(program)
    assert run.outputs == {"answer": 42}
    assert len(loops) == 1 and loops[0].is_closed()


def _plan_stderr(seed: int) -> tuple[int, str]:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    # Through `main` and an ordinary exit, with the interpreter's teardown: the `phxstack`
    # executable skips that teardown (phxstack.cli.run), which would hide what this looks for.
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from phxstack.cli import main; sys.exit(main(sys.argv[1:]))",
            "plan",
            "--stack",
            "prod",
        ],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.returncode, proc.stderr


def test_plan_as_a_subprocess_exits_with_empty_stderr_every_time() -> None:
    # Seeds 0-19: with the loop left open, seeds 16 and 19 printed the traceback on CPython 3.11.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_plan_stderr, range(RUNS)))
    dirty = {seed: err for seed, (code, err) in enumerate(results) if code != 0 or err}
    assert dirty == {}, f"{len(dirty)} of {RUNS} runs wrote to stderr: {dirty}"
