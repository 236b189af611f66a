"""Physical names, per each service's rules (length, charset, global uniqueness).

Owns every name a cloud will see. Logical Pulumi names are the components' business; these are
pure functions, unit-tested without Pulumi.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

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


# ---- Google Cloud ----------------------------------------------------------------------------
# Limits from the pulumi_gcp 10.2 docstrings and the Cloud Run / IAM / Storage naming docs.

CLOUD_RUN_SERVICE_MAX = 49  # Cloud Run service names: revision suffixes need the rest of 63
CLOUD_RUN_JOB_TOKEN_MAX = 62  # "the sum of job name and token length must be fewer than 63"
EXECUTION_TOKEN_LEN = 12
SERVICE_ACCOUNT_MIN, SERVICE_ACCOUNT_MAX = 6, 30
REDIS_INSTANCE_MAX = 40
BUCKET_MAX = 63
RFC1035_MAX = 63  # Artifact Registry repositories
SECRET_ID_MAX = 255
POSTGRES_IDENTIFIER_MAX = 63


def _label(text: str, limit: int) -> str:
    """A lowercase DNS-label-like name: starts with a letter, no trailing dash, within `limit`."""
    slug = _slug(text)
    if not slug or not slug[0].isalpha():
        slug = f"a-{slug}".rstrip("-")
    return fit(slug, limit).rstrip("-")


def cloud_run_service_name(project_name: str, stack: str) -> str:
    """The Cloud Run service: also the host label in `<name>-<project number>.<region>.run.app`."""
    return _label(stack_prefix(project_name, stack), CLOUD_RUN_SERVICE_MAX)


def migrations_job_name(project_name: str, stack: str) -> str:
    """The migrations job, leaving room for a `EXECUTION_TOKEN_LEN` execution token."""
    return _label(
        f"{stack_prefix(project_name, stack)}-migrate",
        CLOUD_RUN_JOB_TOKEN_MAX - EXECUTION_TOKEN_LEN,
    )


def execution_token(spec: Mapping[str, Any]) -> str:
    """A short stable token for one job spec (image, env, secret versions, connections).

    Cloud Run starts an execution with this token on every create *or update* of the job, and
    an update that re-sends the previous token fails with "<job>-<token> already exists". So
    any change to the job must change the token, and an unchanged job must keep it. The image
    is hashed as a whole reference: a digest when there is one, else the tag as given.
    """
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:EXECUTION_TOKEN_LEN]


def service_account_id(project_name: str, stack: str) -> str:
    """IAM account ids: 6-30 characters, lowercase letters, digits and dashes."""
    name = _label(f"{stack_prefix(project_name, stack)}-run", SERVICE_ACCOUNT_MAX)
    return name if len(name) >= SERVICE_ACCOUNT_MIN else f"{name}-app"


def redis_instance_name(project_name: str, stack: str) -> str:
    """Memorystore instance ids: at most 40 characters, starting with a letter."""
    return _label(f"{stack_prefix(project_name, stack)}-redis", REDIS_INSTANCE_MAX)


def bucket_name(project_name: str, stack: str, gcp_project: str) -> str:
    """Bucket names are global across all of Cloud Storage; the project id makes them unique.

    Storage forbids names starting with `goog` or containing `google`.
    """
    name = _label(f"{stack_prefix(project_name, stack)}-uploads-{gcp_project}", BUCKET_MAX)
    name = name.replace("google", "g00gle")
    return f"b-{name}"[:BUCKET_MAX].rstrip("-") if name.startswith("goog") else name


def repository_id(project_name: str, stack: str) -> str:
    """Artifact Registry repository ids: lowercase letters, digits and dashes, at most 63."""
    return _label(stack_prefix(project_name, stack), RFC1035_MAX)


def secret_id(project_name: str, stack: str, secret: str) -> str:
    """Secret Manager ids (letters, digits, `-`, `_`; at most 255): `my-app-dev-secret-key-base`."""
    return _label(f"{stack_prefix(project_name, stack)}-{secret}", SECRET_ID_MAX)


def postgres_identifier(project_name: str) -> str:
    """The database and its user: `my-app` becomes `my_app`, needing no quotes in SQL."""
    return project_name.replace("-", "_")[:POSTGRES_IDENTIFIER_MAX]
