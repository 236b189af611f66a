"""What the Pulumi program knows about the stack it is running: the validated config plus
the values that come from Pulumi stack config (secrets, the GCP project, the Fly org).

Owns the hand-over from configuration to components. Components receive typed Args built from
a `StackContext`; none of them reads YAML or `pulumi.Config` itself.
"""

from __future__ import annotations

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
        """The Docker build context, resolved against the project directory."""
        return (self.project_dir / self.infera.app.path).resolve()
