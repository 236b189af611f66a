"""`phxstack init APP_PATH`: read a Phoenix repository and write the Pulumi project that deploys
it: infera.yaml (reviewed by a person: each key names its signal), Pulumi.yaml, __main__.py
and one Pulumi.<stack>.yaml per stack, in the directory of `--config`.

Owns which files are written and the refusal to overwrite. The project's program (components,
config) is this checkout's: Pulumi.yaml points its virtualenv at the one running this command,
and __main__.py is this checkout's composition root, copied. Decisions are
`phxstack.adopt.writer`'s; `--generate` files are `phxstack.adopt.generate`'s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from config.errors import ConfigError, Problem
from config.loader import STACK_NAME_RE
from phxstack.adopt.detect import Detection, detect
from phxstack.adopt.writer import Decisions, decide, render

# This checkout: the program the written project runs.
PROGRAM_ROOT = Path(__file__).resolve().parents[2]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "init",
        help="read a Phoenix repository and write infera.yaml and its Pulumi project",
        description="Read APP_PATH (mix.exs, config/, lib/, rel/, Dockerfile, fly.toml, "
        ".tool-versions) without compiling it, and write infera.yaml, Pulumi.yaml, "
        "__main__.py and Pulumi.<stack>.yaml into the directory of --config.",
    )
    p.add_argument("app_path", type=Path, metavar="APP_PATH", help="the Phoenix repository")
    p.add_argument("--provider", choices=("fly", "gcp"), help="where it runs (default: fly when "
                   "the app has a fly.toml; otherwise required)")  # fmt: skip
    p.add_argument(
        "--stack",
        dest="stacks",
        action="extend",
        nargs="+",
        metavar="NAME",
        help="stacks to write Pulumi.<NAME>.yaml for, e.g. --stack dev prod (default: dev)",
    )
    p.add_argument("--config", type=Path, default=Path("infera.yaml"), help="where to write")
    p.add_argument("--name", help="project_name (default: from fly.toml's app or mix.exs)")
    p.add_argument("--fly-org", help="Fly organization slug (the stacks' flyOrg)")
    p.add_argument("--gcp-project", help="GCP project id (gcp:project)")
    p.add_argument("--force", action="store_true", help="overwrite files that differ")
    p.add_argument(
        "--generate",
        action="store_true",
        help="also write the deploy files the app lacks into APP_PATH: a release Dockerfile, "
        "rel/env.sh.eex, rel/overlays/bin/server and migrate, and the release module",
    )
    p.set_defaults(stack=None, project_dir=None)


@dataclass(frozen=True)
class Planned:
    path: Path
    text: str
    mode: int = 0o644


def run(args: argparse.Namespace) -> int:
    app = args.app_path.resolve()
    if not (app / "mix.exs").is_file():
        raise _error(args.app_path, f"no mix.exs in {app}; APP_PATH is the Phoenix repository")
    stacks = args.stacks or ["dev"]
    for stack in stacks:
        if not STACK_NAME_RE.match(stack):
            raise _error(Path("--stack"), f"{stack!r} is not a stack name")
    det = detect(app)
    provider = args.provider or ("fly" if det.fly_toml is not None else None)
    if provider is None:
        raise _error(
            Path("--provider"), "pass --provider fly or --provider gcp (the app has no fly.toml)"
        )
    config = args.config.resolve()
    out_dir = config.parent
    decisions = decide(
        det,
        provider=provider,
        app_path=Path(os.path.relpath(app, out_dir)).as_posix(),
        name=args.name,
    )
    planned = [Planned(config, render(decisions, _header(out_dir)))]
    # The Pulumi project is named after the app, so two apps in one Pulumi organization (or one
    # state bucket) never share a stack: a stack's full name is org/<project>/<stack>.
    project = _decided(decisions, "project_name")
    planned += _project_files(out_dir, project)
    planned += [
        Planned(
            out_dir / f"Pulumi.{s}.yaml",
            _stack_file(s, provider, config, decisions, args, project=project),
        )
        for s in stacks
    ]
    if args.generate:
        from phxstack.adopt.generate import files_to_generate

        planned += [
            Planned(app / rel, text, mode) for rel, text, mode in files_to_generate(det, provider)
        ]
    written, unchanged = _write(planned, force=args.force)
    _report(
        det,
        decisions,
        written,
        unchanged,
        stacks=stacks,
        provider=provider,
        config=config,
        args=args,
    )
    return 0


def _error(path: Path, message: str) -> ConfigError:
    return ConfigError([Problem(str(path), 1, 1, "", message)])


def _header(out_dir: Path) -> list[str]:
    return [
        "infera.yaml written by `phxstack init` from the app's own files. Each key says which",
        "file and line decided it; a commented-out key is a question init could not answer",
        "from the repository: answer it and uncomment it. `phxstack doctor` checks this file",
        "against the app; `phxstack validate` against the schema.",
        "",
        "yaml-language-server: $schema="
        + _relpath(PROGRAM_ROOT / "config" / "infera.schema.json", out_dir),
    ]


def _relpath(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def _decided(d: Decisions, key: str) -> str:
    """The value written for a top-level key (decided, or the question's placeholder)."""
    return str(next(e.value for e in d.entries if e.path == (key,)))


def _project_files(out_dir: Path, project: str) -> list[Planned]:
    """Pulumi.yaml and __main__.py: this checkout's, named `project`, the virtualenv pointed at
    this one. Its config declarations have no namespace, so they are any project's own."""
    main = PROGRAM_ROOT / "__main__.py"
    project_file = PROGRAM_ROOT / "Pulumi.yaml"
    if not main.is_file() or not project_file.is_file():
        raise _error(
            PROGRAM_ROOT,
            "this installation has no __main__.py/Pulumi.yaml to copy; run phxstack from a "
            "checkout of the project (scripts/bootstrap)",
        )
    venv = _relpath(Path(sys.prefix), out_dir)
    text = project_file.read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if line.startswith("name:"):
            lines.append(f"name: {project}")
        elif line.strip().startswith("virtualenv:"):
            lines.append(f"    virtualenv: {venv}")
        elif "uv venv" in line and venv != ".venv":
            lines.append(
                "    # The program's environment: the phoenix-stack checkout init ran from."
            )
        else:
            lines.append(line)
    return [
        Planned(out_dir / "Pulumi.yaml", "\n".join(lines) + "\n"),
        Planned(out_dir / "__main__.py", main.read_text(encoding="utf-8")),
    ]


def _stack_file(
    stack: str, provider: str, config: Path, d: Decisions, args: argparse.Namespace, *, project: str
) -> str:
    lines = [
        f"# Stack settings for {stack}, written by `phxstack init`. Secret values are set with",
        f"# `pulumi config set --secret NAME --stack {stack}` and stored here encrypted.",
        "config:",
        f"  {project}:config: {config.name}",
    ]
    if provider == "fly":
        if args.fly_org:
            lines.append(f"  {project}:flyOrg: {args.fly_org}")
        else:
            lines.append(
                f"  # {project}:flyOrg: personal  # which Fly organization owns the app? "
                "(default personal)"
            )
    else:
        region = next(
            (e.value for e in d.entries if e.path == ("deployment", "region") and e.decided),
            "us-central1",
        )
        if args.gcp_project:
            lines.append(f"  gcp:project: {args.gcp_project}")
        else:
            lines.append("  # gcp:project: PROJECT_ID  # which Google Cloud project? (required)")
        lines.append(f"  gcp:region: {region}")
    return "\n".join(lines) + "\n"


def _write(planned: list[Planned], *, force: bool) -> tuple[list[Planned], list[Planned]]:
    """Write everything or nothing: an existing file that differs stops all without --force."""
    conflicts = [
        p
        for p in planned
        if p.path.exists() and p.path.read_text(encoding="utf-8", errors="replace") != p.text
    ]
    if conflicts and not force:
        raise ConfigError(
            [
                Problem(
                    str(p.path),
                    1,
                    1,
                    "",
                    "exists and differs from what init would write; nothing was written. "
                    "Move it away, or pass --force to overwrite",
                )
                for p in conflicts
            ]
        )
    written, unchanged = [], []
    for p in planned:
        if p.path.exists() and p.path.read_text(encoding="utf-8", errors="replace") == p.text:
            unchanged.append(p)
            continue
        p.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.path.with_name(p.path.name + ".phxstack-tmp")
        tmp.write_text(p.text, encoding="utf-8")
        tmp.chmod(p.mode)
        tmp.replace(p.path)
        written.append(p)
    return written, unchanged


def _command() -> str:
    """How to run phxstack again, as the person typed it (the venv's script, else the name)."""
    script = Path(sys.prefix) / "bin" / "phxstack"
    if shutil.which("phxstack") == str(script) or not script.exists():
        return "phxstack"
    return os.path.relpath(script)


def _report(
    det: Detection,
    d: Decisions,
    written: list[Planned],
    unchanged: list[Planned],
    *,
    stacks: list[str],
    provider: str,
    config: Path,
    args: argparse.Namespace,
) -> None:
    out = sys.stdout
    print(f"Read {det.root} ({len(det.signals())} signals).", file=out)
    for p in written:
        print(f"  wrote     {os.path.relpath(p.path)}", file=out)
    for p in unchanged:
        print(f"  unchanged {os.path.relpath(p.path)}", file=out)
    questions = d.questions
    if questions:
        print(
            f"{len(questions)} key(s) in {os.path.relpath(config)} are commented out with a "
            "question; answer them and uncomment:",
            file=out,
        )
        for q in questions:
            print(f"  {'.'.join(q.path)}: {q.why}", file=out)
    cfg = os.path.relpath(config)
    cmd = _command()
    first = stacks[0]
    if not args.generate and not (det.root / "Dockerfile").is_file():
        print(
            f"{os.path.relpath(det.root)} has no Dockerfile to build: run init again with "
            "--generate to write one (and the rel/ files it needs)",
            file=out,
        )
    print("Next:", file=out)
    print(f"  {cmd} doctor --config {cfg} --stack {first}", file=out)
    if provider == "gcp" and not args.gcp_project:
        for s in stacks:
            print(f"  pulumi config set gcp:project PROJECT_ID --stack {s}", file=out)
    for s in stacks:
        for name in d.supplied:
            print(f"  pulumi config set --secret {name} --stack {s}", file=out)
    print(f"  {cmd} plan --config {cfg} --stack {first}", file=out)
    if provider == "gcp":
        from components.gcp.prerequisites import enable_command, project_number_command

        project = args.gcp_project or "PROJECT_ID"
        print(f"  {enable_command(project)}", file=out)
        for s in stacks:
            print(f"  {project_number_command(project, s)}", file=out)
    print(f"  pulumi stack init {first} && pulumi up --stack {first}", file=out)
