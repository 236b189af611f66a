"""Physical names, per each service's rules (length, charset, global uniqueness).

Owns every name a cloud will see. Logical Pulumi names are the components' business; these are
pure functions, unit-tested without Pulumi.
"""

from __future__ import annotations

import hashlib
import re

PRODUCTION_STACKS = ("prod", "production")


def _slug(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-")


def stack_prefix(project_name: str, stack: str) -> str:
    """`my-app` in production stacks, `my-app-dev` elsewhere: one app per environment."""
    if stack in PRODUCTION_STACKS:
        return project_name
    return _slug(f"{project_name}-{stack}")


def fit(name: str, limit: int) -> str:
    """Shorten to `limit` characters keeping it unique: cut, then add a 6-hex hash of the whole."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: limit - 7].rstrip('-')}-{digest}"


def fly_app_name(project_name: str, stack: str) -> str:
    """Fly app names are global DNS labels (`<app>.fly.dev`), at most 63 characters."""
    return fit(stack_prefix(project_name, stack), 63)
