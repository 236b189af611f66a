"""Content digest of a Docker build context, as the Docker CLI would send it.

Owns which files are in the build context (`.dockerignore` semantics, as implemented by
moby/patternmatcher) and the digest over them. Both targets tag images with this digest, so an
unchanged source tree gives an unchanged tag, no image diff and no new revision. Pure: no Pulumi,
no provider SDK, no Docker daemon.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
from dataclasses import dataclass
from pathlib import Path

DOCKERIGNORE = ".dockerignore"


@dataclass(frozen=True)
class IgnorePattern:
    """One `.dockerignore` line, compiled."""

    text: str
    negated: bool
    regex: re.Pattern[str]


def _clean(pattern: str) -> str:
    # The CLI runs filepath.Clean on each pattern and drops a leading "/": the context root is "/".
    cleaned = posixpath.normpath(pattern.strip())
    cleaned = cleaned.lstrip("/")
    return "" if cleaned == "." else cleaned


def _compile(pattern: str) -> re.Pattern[str]:
    """Translate a cleaned pattern the way moby/patternmatcher does (Go filepath.Match plus **)."""
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 2
                if i < n and pattern[i] == "/":  # treat "**/" as "**"
                    i += 1
                # "**" at the end matches everything below; elsewhere any number of directories.
                out.append(".*" if i >= n else "(.*/)?")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("^"):
                    body = "^" + body[1:].replace("\\", "\\\\")
                else:
                    body = body.replace("\\", "\\\\")
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return re.compile("".join(out))


def parse_dockerignore(text: str) -> list[IgnorePattern]:
    """Patterns in file order; comments and blank lines dropped, `!` marks an exception."""
    patterns: list[IgnorePattern] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated:
            line = line[1:].strip()
        cleaned = _clean(line)
        if not cleaned:
            continue
        patterns.append(IgnorePattern(cleaned, negated, _compile(cleaned)))
    return patterns


def is_excluded(relpath: str, patterns: list[IgnorePattern]) -> bool:
    """Docker's rule: the last pattern matching the path, or any parent directory of it, wins."""
    parts = relpath.split("/")
    prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
    excluded = False
    for pattern in patterns:
        if any(pattern.regex.match(prefix) for prefix in prefixes):
            excluded = not pattern.negated
    return excluded


def context_files(path: Path, dockerfile: str = "Dockerfile") -> list[str]:
    """Relative POSIX paths of the files the build sees, sorted.

    The Dockerfile and `.dockerignore` are sent even when ignored (the CLI re-adds them), and
    they shape the build, so they are always part of the digest.
    """
    ignore_file = path / DOCKERIGNORE
    patterns = parse_dockerignore(ignore_file.read_text()) if ignore_file.is_file() else []
    always = {posixpath.normpath(dockerfile.replace(os.sep, "/")), DOCKERIGNORE}
    files: list[str] = []
    for root, dirs, names in os.walk(path, followlinks=False):
        rel_root = Path(root).relative_to(path).as_posix()
        rel_root = "" if rel_root == "." else rel_root
        # Symlinked directories are sent as links, not followed.
        entries = names + [d for d in dirs if (Path(root) / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if not (Path(root) / d).is_symlink())
        for name in entries:
            rel = f"{rel_root}/{name}" if rel_root else name
            if rel in always:
                if (path / rel).exists() or (path / rel).is_symlink():
                    files.append(rel)
            elif not is_excluded(rel, patterns):
                files.append(rel)
    return sorted(set(files))


def context_digest(path: Path, dockerfile: str = "Dockerfile") -> str:
    """SHA-256 hex over each included file's path, executable bit and content (or link target).

    The executable bit is part of the image (`bin/migrate` must stay runnable), modification
    times are not: a fresh checkout of the same tree gives the same digest.
    """
    h = hashlib.sha256()
    # The Dockerfile may live outside the context (`-f ../Dockerfile`); hash it by content too.
    recipe = (path / dockerfile).read_bytes()
    h.update(f"dockerfile\0{dockerfile}\0{len(recipe)}\0".encode() + recipe)
    for rel in context_files(path, dockerfile):
        full = path / rel
        info = full.lstat()
        if stat.S_ISLNK(info.st_mode):
            kind, payload = b"l", os.readlink(full).encode()
        else:
            kind = b"x" if info.st_mode & stat.S_IXUSR else b"f"
            payload = full.read_bytes()
        h.update(rel.encode() + b"\0" + kind + b"\0")
        h.update(str(len(payload)).encode() + b"\0" + payload)
    return h.hexdigest()


# mix phx.gen.release's Dockerfile copies the release to /app, so /app/bin holds the release's
# own script and every file of rel/overlays/bin (Phoenix's release generator templates).
RELEASE_BIN = "/app/bin/"
OVERLAY_BIN = "rel/overlays/bin/"
_MIX_APP = re.compile(r"\bapp:\s*:([a-z_][a-z0-9_]*)")
_KEYWORD = re.compile(r"([a-z_][a-z0-9_]*):\s*\[")


def _top_level_keys(text: str) -> set[str]:
    """Keyword keys of the first list in `text` (`[a: [...], b: [...]]` -> {a, b})."""
    start = text.find("[")
    if start < 0:
        return set()
    names: set[str] = set()
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
            if depth == 0:
                break
        elif depth == 1 and (m := _KEYWORD.match(text, i)) and not text[i - 1].isalnum():
            names.add(m.group(1))
            i = m.end() - 1
            continue
        i += 1
    return names


def release_names(path: Path) -> set[str]:
    """The release names mix.exs can build: the app's name, and each `releases:` entry."""
    mix = path / "mix.exs"
    if not mix.is_file():
        return set()
    text = mix.read_text(encoding="utf-8", errors="replace")
    names = set(_MIX_APP.findall(text))
    releases = text.split("releases:", 1)
    if len(releases) == 2:
        names |= _top_level_keys(releases[1])
    return names


def missing_command(path: Path, dockerfile: str, argv: list[str]) -> str | None:
    """Why `argv` cannot run from the image built from `path`, when that is known without
    building; None when it is there or cannot be told.

    Only `/app/bin/NAME` is judged, and only for a Phoenix release (a mix.exs in the context):
    NAME is then the release's own script or must come from rel/overlays/bin/NAME.
    """
    if not argv or not argv[0].startswith(RELEASE_BIN) or not (path / "mix.exs").is_file():
        return None
    name = argv[0][len(RELEASE_BIN) :]
    if "/" in name or name in release_names(path):
        return None
    overlay = OVERLAY_BIN + name
    if overlay in context_files(path, dockerfile):
        return None
    why = (
        "is left out by .dockerignore"
        if (path / overlay).is_file()
        else "is not in the build context"
    )
    return (
        f"{argv[0]} is neither the release's own script nor an overlay: {overlay} {why}, "
        "and mix phx.gen.release copies rel/overlays/bin to /app/bin"
    )
