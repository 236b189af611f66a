"""The project's own error type for expected failures, and one problem per line.

Rooted at `pulumi.RunError` so that `pulumi up` prints the message without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the config, at a place a person can jump to."""

    file: str
    line: int
    col: int
    key: str
    message: str

    def __str__(self) -> str:
        key = f"{self.key}: " if self.key else ""
        return f"{self.file}:{self.line}:{self.col}: {key}{self.message}"


class ConfigError(pulumi.RunError):
    """Invalid configuration: nothing was created. `problems` has one entry per mistake."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
