"""Readers for the repository's non-Elixir files: Dockerfile, fly.toml, .tool-versions,
rel/env.sh.eex and .dockerignore, each returning facts with the line they sit on.

Owns only reading; what a fact means for infera.yaml is decided in `phxstack.adopt.detect`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DockerInstruction:
    line: int
    keyword: str  # upper case: FROM, ARG, ENV, EXPOSE, CMD, ...
    args: str  # the rest, continuation lines joined


def dockerfile_instructions(text: str) -> list[DockerInstruction]:
    """Instructions with their first line; `\\` continuations joined, comments dropped."""
    out: list[DockerInstruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction is skipped by Docker too
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        joined = " ".join(p.strip() for p in pending)
        pending = []
        keyword, _, args = joined.partition(" ")
        out.append(DockerInstruction(start, keyword.upper(), args.strip()))
    return out


def docker_assignments(args: str) -> dict[str, str]:
    """`ARG A=1` / `ENV A=1 B="2"` / legacy `ENV A 1` as a mapping."""
    if "=" not in args.split(" ", 1)[0]:
        name, _, value = args.partition(" ")
        return {name: _unquote(value.strip())} if name else {}
    out: dict[str, str] = {}
    for m in re.finditer(r'([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|\'[^\']*\'|\S*))?', args):
        out[m.group(1)] = _unquote(m.group(2) or "")
    return out


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


@dataclass
class Toml:
    """A parsed TOML document and where its tables and keys are written."""

    data: dict[str, Any]
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    def line_of(self, *path: str | int) -> int:
        """The line of `path` or of its nearest written ancestor (1 when none is)."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return 1


_TOML_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+?)\s*=")


def read_toml(text: str) -> Toml:
    """Parse with tomllib, then find each table header and key's line by scanning the text.

    Dotted keys and inline tables are located at the line of their first segment; arrays of
    tables are counted, so `[[services]]` twice gives ("services", 0) and ("services", 1).
    """
    data = tomllib.loads(text)
    lines: dict[tuple[str | int, ...], int] = {}
    counts: dict[tuple[str, ...], int] = {}
    table: tuple[str | int, ...] = ()
    in_multiline = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if raw.count('"""') % 2 or raw.count("'''") % 2:
                in_multiline = False
            continue
        m = _TOML_HEADER.match(raw)
        if m:
            names = tuple(part.strip().strip("\"'") for part in m.group(2).split("."))
            if m.group(1) == "[[":
                # The array of tables sits under the nearest enclosing table's last index.
                base = _with_indexes(names, counts)
                index = counts.get(names, 0)
                counts[names] = index + 1
                table = (*base, index)
            else:
                table = _with_indexes(names, counts)
            lines.setdefault(table, number)
            continue
        k = _TOML_KEY.match(raw)
        if k:
            key = tuple(part.strip().strip("\"'") for part in k.group(1).split("."))
            lines.setdefault((*table, *key), number)
            after = raw[k.end() :]
            if after.count('"""') == 1 or after.count("'''") == 1:
                in_multiline = True
    return Toml(data, lines)


def _with_indexes(
    names: tuple[str, ...], counts: dict[tuple[str, ...], int]
) -> tuple[str | int, ...]:
    """`services.ports` inside the second `[[services]]` is ("services", 1, "ports")."""
    out: list[str | int] = []
    for i, name in enumerate(names):
        out.append(name)
        prefix = names[: i + 1]
        if prefix in counts and i < len(names) - 1:
            out.append(counts[prefix] - 1)
    return tuple(out)


def tool_versions(text: str) -> dict[str, tuple[str, int]]:
    """`.tool-versions`: tool name -> (first version listed, line)."""
    out: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if len(words) >= 2:
            out.setdefault(words[0], (words[1], number))
    return out


_EXPORT = re.compile(r"^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=")


def shell_exports(text: str) -> dict[str, int]:
    """Names a shell script exports (`export NAME=...`), with the first line of each.

    Commented-out lines do not count: `# export ERL_CRASH_DUMP=...` sets nothing.
    """
    out: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        m = _EXPORT.match(raw)
        if m:
            out.setdefault(m.group(1), number)
    return out


def shell_exec_line(text: str) -> tuple[str, int] | None:
    """The last command a release overlay script runs (its `exec` line, else its last line)."""
    last: tuple[str, int] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("exec ") or " exec " in line:
            return line, number
        last = (line, number)
    return last


def dockerignore_patterns(text: str) -> list[tuple[str, int]]:
    return [
        (raw.strip(), number)
        for number, raw in enumerate(text.splitlines(), start=1)
        if raw.strip() and not raw.strip().startswith("#")
    ]
