"""What the Pulumi program knows about the stack it is running: the validated config plus
the values that come from Pulumi stack config (secrets, the GCP project, the Fly org).

Owns the hand-over from configuration to components. Components receive typed Args built from
a `StackContext`; none of them reads YAML or `pulumi.Config` itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from config.model import InferaConfig

# Pulumi project name, and so the namespace of this program's stack config keys.
PROJECT = "phoenix"


@dataclass(frozen=True)
class StackContext:
    """Everything a stack component needs, resolved once in `__main__.py`."""

    infera: InferaConfig
    stack: str
    project_dir: Path
    # Supplied secrets by name, each a secret Output read from `pulumi config set --secret NAME`.
    supplied_secrets: dict[str, pulumi.Output[str]] = field(default_factory=dict)
    gcp_project: str | None = None
    fly_org: str = "personal"

    @property
    def app_path(self) -> Path:
        """The Docker build context, resolved against the directory of infera.yaml."""
        return (self.project_dir / self.infera.app.path).resolve()

    @staticmethod
    def portable(path: Path) -> Path:
        """`path` relative to the working directory Pulumi runs in, for inputs kept in state."""
        return Path(os.path.relpath(path))


def from_pulumi() -> StackContext:
    """Build the context inside a running Pulumi program (`pulumi up`, preview, or `plan`).

    Fails before any resource is registered when the config is invalid or a supplied secret
    has no value, and says which command fixes it.
    """
    from config.errors import ConfigError, Problem
    from config.loader import load_config, read_document

    stack = pulumi.get_stack()
    cfg = pulumi.Config(PROJECT)
    config_path = Path(cfg.get("config") or "infera.yaml")
    infera = load_config(config_path, stack)

    problems: list[Problem] = []
    supplied: dict[str, pulumi.Output[str]] = {}
    doc = None
    for name in infera.supplied_secrets():
        value = cfg.get_secret(name)
        if value is None:
            doc = doc or read_document(config_path)
            index = infera.secrets.index(name)
            line, col = doc.place(("secrets", index))
            problems.append(
                Problem(
                    str(config_path),
                    line,
                    col,
                    f"secrets[{index}]",
                    f"{name} has no value in stack {stack!r}; run "
                    f"`pulumi config set --secret {name} --stack {stack}` (it reads the value "
                    "from stdin when you leave it off the command line)",
                )
            )
        else:
            supplied[name] = value
    gcp_project = pulumi.Config("gcp").get("project")
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
    if problems:
        raise ConfigError(problems)
    return StackContext(
        infera=infera,
        stack=stack,
        project_dir=config_path.resolve().parent,
        supplied_secrets=supplied,
        gcp_project=gcp_project,
        fly_org=cfg.get("flyOrg") or "personal",
    )
