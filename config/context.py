"""What the Pulumi program knows about the stack it is running: the validated config plus
the values that come from Pulumi stack config (secrets, the GCP project, the Fly org).

Owns the hand-over from configuration to components. Components receive typed Args built from
a `StackContext`; none of them reads YAML or `pulumi.Config` itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from config.errors import ConfigError, Problem
from config.model import InferaConfig
from config.secrets import DERIVING_SECTION, GENERATED_SECRETS

# The program's own stack settings. They are in the project's namespace, so `pulumi config set
# flyOrg my-org` sets one whatever the project is called (Pulumi.yaml `name`: the app's, as
# `phxstack init` writes it, so that two apps' stacks never share org/<project>/<stack>).
CONFIG_KEY = "config"
FLY_ORG_KEY = "flyOrg"
PROJECT_NUMBER_KEY = "gcpProjectNumber"
PROJECT_NUMBER_RE = re.compile(r"^[0-9]{6,20}$")


@dataclass(frozen=True)
class StackContext:
    """Everything a stack component needs, resolved once in `__main__.py`."""

    infera: InferaConfig
    stack: str
    project_dir: Path
    # Supplied secrets by name, each a secret Output read from `pulumi config set --secret NAME`.
    supplied_secrets: dict[str, pulumi.Output[str]] = field(default_factory=dict)
    gcp_project: str | None = None
    # The GCP project's number (`gcpProjectNumber`): the run.app host, and so PHX_HOST,
    # is `<service>-<number>.<region>.run.app`. Stack config, not infera.yaml: it belongs to the
    # Google project a stack deploys into, as `gcp:project` does, and one infera.yaml serves
    # stacks in different projects. A lookup instead would need Resource Manager in preview.
    gcp_project_number: str | None = None
    fly_org: str = "personal"
    # Whether the app's release sets RELEASE_NODE (rel/env.sh.eex in the build context): only
    # then is RELEASE_DISTRIBUTION=name right on Fly; a long name with no host fails to boot.
    sets_release_node: bool = True

    @property
    def app_path(self) -> Path:
        """The Docker build context, resolved against the directory of infera.yaml."""
        return (self.project_dir / self.infera.app.path).resolve()

    @staticmethod
    def portable(path: Path) -> Path:
        """`path` relative to the working directory Pulumi runs in, for inputs kept in state."""
        return Path(os.path.relpath(path))


_RELEASE_NODE_LINE = re.compile(r"^\s*(export\s+)?RELEASE_NODE=", re.MULTILINE)


def env_sh_sets_release_node(build_context: Path) -> bool:
    """Whether the release's rel/env.sh.eex in `build_context` sets RELEASE_NODE."""
    env_sh = build_context / "rel" / "env.sh.eex"
    try:
        return bool(_RELEASE_NODE_LINE.search(env_sh.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def deploy_problems(
    config_path: Path,
    stack: str,
    infera: InferaConfig,
    secret_state: Callable[[str], str],
    gcp_project: str | None,
    *,
    gcp_project_number: str | None = None,
) -> list[Problem]:
    """What stops a valid config from deploying to `stack`, found before anything is created.

    `secret_state(name)` says where a supplied secret's value is: "secret" (encrypted stack
    config), "plain" (written in clear in the stack file: refused) or "missing".
    """
    from config.loader import read_document

    problems: list[Problem] = []
    doc = None

    def place(path: tuple[str | int, ...]) -> tuple[int, int]:
        nonlocal doc
        doc = doc or read_document(config_path)
        return doc.place(path)

    # A generated name with a value written in clear is refused like any supplied secret;
    # without a value it is simply generated.
    listed_generated = [n for n in GENERATED_SECRETS if n in infera.secrets]
    for name in [*infera.supplied_secrets(), *listed_generated]:
        state = secret_state(name)
        if state == "secret" or (state == "missing" and name in GENERATED_SECRETS):
            continue
        index = infera.secrets.index(name)
        line, col = place(("secrets", index))
        fix = f"`pulumi config set --secret {name} --stack {stack}`"
        section = DERIVING_SECTION.get(name)
        why = (
            f" (stack {stack!r} has no `{section}:`, so nothing derives it; supply it or remove "
            "it from secrets)"
            if section
            else " (it reads the value from stdin when you leave it off the command line)"
        )
        message = (
            f"{name} has no value in stack {stack!r}; run {fix}{why}"
            if state == "missing"
            else f"{name} is stored in clear text in Pulumi.{stack}.yaml; remove it there and "
            f"run {fix} so it is encrypted"
        )
        problems.append(Problem(str(config_path), line, col, f"secrets[{index}]", message))
    if infera.app.image is None:
        context = (config_path.resolve().parent / infera.app.path).resolve()
        dockerfile = context / infera.app.dockerfile
        if not dockerfile.is_file():
            line, col = place(("app", "path"))
            what = "does not exist" if not context.is_dir() else f"has no {infera.app.dockerfile}"
            problems.append(
                Problem(
                    str(config_path),
                    line,
                    col,
                    "app.path",
                    f"the build context {infera.app.path!r} ({context}) {what}; point app.path "
                    "at the Phoenix app, or set app.image to a prebuilt image",
                )
            )
    if infera.provider == "gcp" and not gcp_project:
        problems.append(
            Problem(
                f"Pulumi.{stack}.yaml",
                1,
                1,
                "gcp:project",
                f"no GCP project set; run `pulumi config set gcp:project YOUR_PROJECT --stack "
                f"{stack}`",
            )
        )
    if (
        infera.provider == "gcp"
        and gcp_project_number
        and not PROJECT_NUMBER_RE.match(gcp_project_number)
    ):
        problems.append(
            Problem(
                f"Pulumi.{stack}.yaml",
                1,
                1,
                PROJECT_NUMBER_KEY,
                f"{gcp_project_number!r} is not a project number (digits only, e.g. "
                f"123456789012); run `pulumi config set {PROJECT_NUMBER_KEY} "
                f"\"$(gcloud projects describe PROJECT_ID --format='value(projectNumber)')\" "
                f"--stack {stack}`",
            )
        )
    return problems


def supplied_generated(infera: InferaConfig, has_value: Callable[[str], bool]) -> list[str]:
    """Generated names (SECRET_KEY_BASE, RELEASE_COOKIE) listed under `secrets:` that the stack
    has a value for: the program uses that value and generates nothing for them."""
    return [n for n in GENERATED_SECRETS if n in infera.secrets and has_value(n)]


def supplied_generated_warnings(
    config_path: Path, infera: InferaConfig, names: list[str], stack: str
) -> list[str]:
    """What switching a deployed stack from the generated value to a supplied one does."""
    from config.loader import for_stack, read_document

    doc = for_stack(read_document(config_path), stack)
    effect = {
        "SECRET_KEY_BASE": "signs every user out and invalidates signed tokens",
        "RELEASE_COOKIE": "leaves old and new nodes unable to connect during the rolling deploy",
    }
    out = []
    for name in names:
        index = infera.secrets.index(name)
        line, col = doc.place(("secrets", index))
        out.append(
            f"{config_path}:{line}:{col}: secrets[{index}]: warning: {name} is supplied: stack "
            f"{stack!r} has a value for it, which the app gets instead of a generated one. On a "
            f"stack this program deployed with the generated value, the next deploy replaces "
            f"it, which {effect[name]}; to keep it, set {name} to the value the app runs with now"
        )
    return out


def command_warnings(config_path: Path, stack: str | None, infera: InferaConfig) -> list[str]:
    """Configured migrate and start commands the image will not have, as far as the build
    context shows without building (`components.build_context.missing_command`)."""
    from components.build_context import missing_command
    from config.loader import for_stack, read_document

    if infera.app.image is not None:
        return []
    context = (config_path.resolve().parent / infera.app.path).resolve()
    if not (context / infera.app.dockerfile).is_file():
        return []  # reported by deploy_problems
    d = infera.deployment
    commands: list[tuple[tuple[str | int, ...], list[str]]] = []
    if infera.runs_migrations:
        commands.append((("migrations", "command"), infera.migrations.command))
    if d.command:
        commands.append((("deployment", "command"), d.command))
    commands += [
        (("deployment", "processes", n, "command"), p.command) for n, p in d.processes.items()
    ]
    out: list[str] = []
    doc = None
    for path, argv in commands:
        why = missing_command(context, infera.app.dockerfile, argv)
        if why is None:
            continue
        doc = doc or for_stack(read_document(config_path), stack)
        line, col = doc.place(path, key=True)
        key = ".".join(str(p) for p in path)
        out.append(f"{doc.file}:{line}:{col}: {key}: warning: {why}")
    return out


def deploy_warnings(stack: str, infera: InferaConfig, gcp_project_number: str | None) -> list[str]:
    """Advice about a stack's Pulumi config, as `validate` and `plan` print it."""
    if infera.provider != "gcp" or infera.phx_host is not None or gcp_project_number:
        return []
    return [
        f"Pulumi.{stack}.yaml:1:1: {PROJECT_NUMBER_KEY}: warning: not set, so PHX_HOST is "
        "not set and the app builds URLs for its default host (LiveView then refuses the "
        f"run.app origin); run `pulumi config set {PROJECT_NUMBER_KEY} "
        "\"$(gcloud projects describe PROJECT_ID --format='value(projectNumber)')\" "
        f"--stack {stack}`, or set `domain`"
    ]


def from_pulumi() -> StackContext:
    """Build the context inside a running Pulumi program (`pulumi up`, preview, or `plan`).

    Fails before any resource is registered when the config is invalid, a supplied secret has
    no value, or the build context is missing, and says which command fixes it.
    """
    from config.loader import load_config

    stack = pulumi.get_stack()
    cfg = pulumi.Config()  # the project's namespace
    config_path = Path(cfg.get(CONFIG_KEY) or "infera.yaml")
    infera = load_config(config_path, stack)
    supplied = {
        name: value
        for name in infera.supplied_secrets()
        if (value := cfg.get_secret(name)) is not None
    }
    for name in supplied_generated(infera, lambda n: cfg.get(n) is not None):
        supplied[name] = cfg.require_secret(name)
    gcp_project = pulumi.Config("gcp").get("project")
    gcp_project_number = cfg.get(PROJECT_NUMBER_KEY) or None  # Pulumi.yaml's default is ""

    def secret_state(name: str) -> str:
        # Pulumi's Config does not say whether a value was encrypted; the stack file check in
        # `phxstack validate --stack` catches values written in clear.
        return "secret" if name in supplied else "missing"

    problems = deploy_problems(
        config_path, stack, infera, secret_state, gcp_project, gcp_project_number=gcp_project_number
    )
    if problems:
        raise ConfigError(problems)
    return StackContext(
        infera=infera,
        stack=stack,
        project_dir=config_path.resolve().parent,
        supplied_secrets=supplied,
        gcp_project=gcp_project,
        gcp_project_number=gcp_project_number,
        fly_org=cfg.get(FLY_ORG_KEY) or "personal",
        # A prebuilt image's env.sh cannot be read: its own RELEASE_* settings stand.
        sets_release_node=infera.app.image is None
        and env_sh_sets_release_node((config_path.resolve().parent / infera.app.path).resolve()),
    )
