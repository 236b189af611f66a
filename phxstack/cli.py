"""The `phxstack` command: validate, config, plan, cost; init and doctor (phxstack.adopt).

Owns argument parsing, exit codes and where text goes: results on stdout, problems on stderr.
Expected failures exit 2 with one line per problem and never a traceback.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import functools
import gc
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import yaml

from phxstack.stackfile import StackFile

if TYPE_CHECKING:
    from config.model import InferaConfig

EXIT_OK = 0
EXIT_INVALID = 2
# `plan --strict` only: the plan ran, and a mandatory policy is violated.
EXIT_POLICY = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phxstack",
        description="Deploy a Phoenix app to Cloud Run or Fly.io from infera.yaml (Pulumi).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path, default=Path("infera.yaml"), help="infera.yaml")
        p.add_argument("--stack", help="stack (environment) name, e.g. dev or prod")
        p.add_argument(
            "--project-dir",
            type=Path,
            default=None,
            help="directory with Pulumi.yaml and Pulumi.<stack>.yaml (default: the nearest "
            "one above --config, else the current directory)",
        )

    common(sub.add_parser("validate", help="check infera.yaml; exit 2 on problems"))
    common(sub.add_parser("config", help="print the effective config for a stack"))
    plan = sub.add_parser("plan", help="what `pulumi up` would create, offline")
    common(plan)
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.add_argument(
        "--strict",
        action="store_true",
        help=f"exit {EXIT_POLICY} when a mandatory policy (prod stacks) is violated",
    )
    plan.add_argument(
        "--markdown",
        action="store_true",
        help="print a pull-request summary: changes against --base, stateful risks, cost",
    )
    plan.add_argument(
        "--base",
        type=Path,
        help="with --markdown: the base branch's `plan --json` output to compare against",
    )
    cost = sub.add_parser("cost", help="monthly cost estimate of what `pulumi up` would create")
    common(cost)
    cost.add_argument("--json", action="store_true", help="print the estimate as JSON")
    cost.add_argument(
        "--subtract-free-tiers",
        action="store_true",
        help="also print the total less the free tiers, for a billing account this stack has alone",
    )
    from phxstack.adopt import doctor, init

    init.add_parser(sub)
    doctor.add_parser(sub, common)
    return parser


def find_project_dir(config: Path) -> Path:
    """The Pulumi project a config belongs to: the nearest directory above it with Pulumi.yaml."""
    for directory in config.resolve().parents:
        if (directory / "Pulumi.yaml").is_file():
            return directory
    return Path.cwd()


def _fail(problems: list[object]) -> int:
    for p in problems:
        print(p, file=sys.stderr)
    return EXIT_INVALID


def _stack_warnings(args: argparse.Namespace) -> list[str]:
    """A stack nobody configured is allowed (Pulumi creates it), but a typo deserves a hint."""
    from config.hints import did_you_mean
    from config.loader import read_document, stacks_of

    if not args.stack:
        return []
    known = set(stacks_of(read_document(args.config), args.config.parent))
    known |= {
        p.name[len("Pulumi.") : -len(".yaml")] for p in args.project_dir.glob("Pulumi.*.yaml")
    }
    if args.stack in known:
        return []
    return [
        f"{args.config}:1:1: stack {args.stack!r} has no Pulumi.{args.stack}.yaml and no "
        f"environments.{args.stack} overlay{did_you_mean(args.stack, known)}"
    ]


def _check_stack_name(args: argparse.Namespace) -> None:
    from config.errors import ConfigError, Problem
    from config.loader import STACK_NAME_RE

    if args.stack is not None and not STACK_NAME_RE.match(args.stack):
        raise ConfigError(
            [
                Problem(
                    "--stack",
                    1,
                    1,
                    "",
                    f"{args.stack!r} is not a stack name: use letters, digits, '-', '_' and '.'",
                )
            ]
        )


def _secret_state_of(stack_file: StackFile, name: str) -> str:
    from phxstack.stackfile import secret_state

    return secret_state(stack_file, stack_file.key(name))


def _supplied_generated_warnings(
    config: Path, infera: InferaConfig, stack_file: StackFile, stack: str
) -> list[str]:
    from config.context import supplied_generated, supplied_generated_warnings

    names = supplied_generated(infera, lambda n: _secret_state_of(stack_file, n) == "secret")
    return supplied_generated_warnings(config, infera, names, stack)


def cmd_validate(args: argparse.Namespace) -> int:
    from config.context import (
        PROJECT_NUMBER_KEY,
        command_warnings,
        deploy_problems,
        deploy_warnings,
    )
    from config.errors import ConfigError
    from config.loader import validate_all, warning_problems
    from phxstack.stackfile import read_stack_file

    stacks = [args.stack] if args.stack else None
    configs = validate_all(args.config, stacks)
    # What `pulumi up` would refuse before creating anything, found now: for the named stack,
    # or for every stack that has a Pulumi.<stack>.yaml.
    problems = []
    stack_warnings: list[str] = []
    for stack, infera in configs:
        if stack is None or (
            not args.stack and not (args.project_dir / f"Pulumi.{stack}.yaml").is_file()
        ):
            continue
        stack_file = read_stack_file(args.project_dir, stack)
        problems += deploy_problems(
            args.config,
            stack,
            infera,
            functools.partial(_secret_state_of, stack_file),
            stack_file.plain.get("gcp:project"),
            gcp_project_number=stack_file.own(PROJECT_NUMBER_KEY),
        )
        stack_warnings += deploy_warnings(
            stack, infera, stack_file.own(PROJECT_NUMBER_KEY)
        ) + _supplied_generated_warnings(args.config, infera, stack_file, stack)
        stack_warnings += [
            w for w in command_warnings(args.config, stack, infera) if w not in stack_warnings
        ]
    if problems:
        raise ConfigError(problems)
    warnings: list[str] = _stack_warnings(args) + stack_warnings
    for stack, cfg in configs:
        if stack is None and stacks:
            continue
        for problem in warning_problems(args.config, stack, cfg):
            if str(problem) not in warnings:
                warnings.append(str(problem))
    for line in warnings:
        print(line, file=sys.stderr)
    names = [s for s, _ in configs if s is not None]
    where = f" (stacks: {', '.join(names)})" if names else ""
    print(f"{args.config}: valid{where}")
    return EXIT_OK


def cmd_config(args: argparse.Namespace) -> int:
    from config.loader import load_config
    from phxstack.stackfile import read_stack_file

    cfg = load_config(args.config, args.stack)
    data = cfg.model_dump(mode="json", exclude={"environments"})
    with_values: set[str] = set()
    if args.stack:
        stack_file = read_stack_file(args.project_dir, args.stack)
        with_values = {n for n in cfg.secrets if _secret_state_of(stack_file, n) != "missing"}
    data["secrets"] = {name: kind for name, kind in cfg.secret_kinds(with_values).items()}
    header = f"# effective config for stack {args.stack!r}" if args.stack else "# base config"
    print(header + "; secrets are names, mapped to where their value comes from")
    print(yaml.safe_dump(data, sort_keys=False).rstrip())
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from config.context import PROJECT_NUMBER_KEY, deploy_warnings
    from config.loader import load_config, warning_problems
    from phxstack.cost import estimate
    from phxstack.plan import make_plan
    from phxstack.policy_run import has_mandatory, plan_violations
    from phxstack.render import render_text
    from phxstack.stackfile import read_stack_file
    from phxstack.summary import read_base_plan, render_markdown

    stack = args.stack or "dev"
    if args.base is not None and not args.markdown:
        raise _usage_error("--base", "--base goes with --markdown")
    base = read_base_plan(args.base) if args.base is not None else None
    plan = make_plan(args.config, stack, args.project_dir.resolve())
    data = plan.to_json()
    infera = load_config(args.config, stack)
    stack_file = read_stack_file(args.project_dir, stack)
    number = stack_file.own(PROJECT_NUMBER_KEY)
    warnings = (
        _stack_warnings(args)
        + [str(w) for w in warning_problems(args.config, stack, infera)]
        + deploy_warnings(stack, infera, number)
        + _supplied_generated_warnings(args.config, infera, stack_file, stack)
    )
    # The same checks as `pulumi preview --policy-pack policy`, over what the program registered.
    data["violations"] = plan_violations(data["resources"], infera, stack)
    data["overrides"] = [
        {"kind": kind, "name": name, "reason": reason}
        for kind, name, reason in infera.overrides.items()
    ]
    data["cost"] = estimate(data["resources"], plan.provider, infera.usage).to_json()
    data["warnings"] = warnings
    if args.markdown:
        sys.stdout.write(render_markdown(data, base))
    elif args.json:
        print(json.dumps(data, indent=2, sort_keys=False))
    else:
        sys.stdout.write(render_text(data, warnings))
    # Exit 0 by default so a reviewer always gets the whole plan; CI opts in to failing.
    return EXIT_POLICY if args.strict and has_mandatory(data["violations"]) else EXIT_OK


def cmd_cost(args: argparse.Namespace) -> int:
    from config.loader import load_config, warning_problems
    from phxstack.cost import price_stack
    from phxstack.cost.render import render_cost

    stack = args.stack or "dev"
    provider, cost = price_stack(args.config, stack, args.project_dir)
    infera = load_config(args.config, stack)
    for line in _stack_warnings(args) + [
        str(w) for w in warning_problems(args.config, stack, infera)
    ]:
        print(line, file=sys.stderr)
    if args.json:
        print(json.dumps(cost, indent=2))
    else:
        sys.stdout.write(
            render_cost(cost, stack, provider, subtract_free_tiers=args.subtract_free_tiers)
        )
    return EXIT_OK


def _usage_error(flag: str, message: str) -> Exception:
    from config.errors import ConfigError, Problem

    return ConfigError([Problem(flag, 1, 1, "", message)])


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Leave Python's cycle collector off for one command; restore it for in-process callers.

    A `plan` imports pulumi_gcp and the other providers, some 300,000 tracked objects, and
    each full collection walks all of them again to free the few thousand cycles a run makes:
    about a third of the CPU time of the GCP sample's plan, for no change in its peak RSS
    (bench/plan_time.py). A command is one short run; the cycles go when it ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def main(argv: list[str] | None = None) -> int:
    with _no_cycle_collection():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    import pulumi

    from config.errors import ConfigError

    args = _parser().parse_args(argv)
    if args.project_dir is None:
        args.project_dir = find_project_dir(args.config)
    from phxstack.adopt import doctor, init

    handlers = {
        "validate": cmd_validate,
        "config": cmd_config,
        "plan": cmd_plan,
        "init": init.run,
        "doctor": doctor.run,
        "cost": cmd_cost,
    }
    try:
        _check_stack_name(args)
        code = handlers[args.command](args)
        sys.stdout.flush()  # inside the try: a reader that left shows up here, not at exit
        return code
    except ConfigError as exc:
        return _fail(list(exc.problems))
    except pulumi.RunError as exc:
        # The components' own expected errors (a setting they cannot map): a message, no trace.
        return _fail([f"{args.config}: {' '.join(str(exc).split())}"])
    except BrokenPipeError:
        # `phxstack config | head`: the reader left; that is not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def run() -> NoReturn:
    """The `phxstack` executable: `main`, then exit without tearing the interpreter down.

    Teardown frees every object of every module one by one, and runs one last collection
    over them all: after a plan, some 300,000 objects of the providers' packages, close to a
    second of CPU for the GCP sample, half as long as importing them took (bench/plan_time.py,
    floor against lean floor). None of it is this command's work: stdout and stderr are
    flushed, the exit handlers run, then the process ends with main's exit code. An exception
    still propagates and exits the ordinary way.
    """
    code = main()
    atexit._run_exitfuncs()  # what an ordinary exit runs first (Pulumi's tracing shutdown)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that left, a closed stream
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
