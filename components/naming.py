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


def migrations_job_name(project_name: str, stack: str, app_name: str | None = None) -> str:
    """The migrations job, leaving room for a `EXECUTION_TOKEN_LEN` execution token; named
    after the service (`app_name` when the config gives one)."""
    return _label(
        f"{app_name or stack_prefix(project_name, stack)}-migrate",
        CLOUD_RUN_JOB_TOKEN_MAX - EXECUTION_TOKEN_LEN,
    )


def worker_pool_name(service: str, process: str) -> str:
    """A process group's worker pool, named after the service it sits beside: `shop-dev-indexer`.
    Process names allow `_`, Cloud Run names do not."""
    return _label(f"{service}-{process.replace('_', '-')}", CLOUD_RUN_SERVICE_MAX)


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


# Cloud Storage bucket names "cannot begin with the goog prefix" and "cannot contain google or
# close misspellings, such as g00gle" (storage/docs/buckets#naming). "Close" is not defined, so
# a name counts as google-like here when, with look-alike digits read as letters, separators
# dropped and repeated letters collapsed, some stretch of it is within one edit (a typo, a
# missing, extra or swapped letter) of "gogle", the collapsed "google".
_LOOKALIKES = str.maketrans({"0": "o", "1": "l", "3": "e", "6": "g", "9": "g"})
_SEPARATORS = "-_."
_GOOGLE = "gogle"


def _osa_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def google_like_spans(name: str) -> list[tuple[int, int]]:
    """`(start, end)` slices of `name` that read as "google" or a close misspelling of it."""
    letters: list[str] = []
    where: list[int] = []  # index in `name` of each kept letter
    for i, ch in enumerate(name.lower().translate(_LOOKALIKES)):
        if ch in _SEPARATORS or (letters and letters[-1] == ch):
            continue
        letters.append(ch)
        where.append(i)
    text = "".join(letters)
    spans = []
    for start in range(len(text)):
        if text[start] != "g":
            # "google" keeps its first letter in every misspelling worth the name, and the
            # neighbours of a match ("sgoogle") stay readable.
            continue
        windows = [text[start : start + size] for size in (4, 5, 6) if start + size <= len(text)]
        scored = [(_osa_distance(w, _GOOGLE), len(w)) for w in windows]
        close = [s for s in scored if s[0] <= 1]
        if close:
            end = start + min(close)[1]
            # Through the last original character of the window's last letter (its run).
            spans.append((where[start], where[end] if end < len(where) else len(name)))
    return spans


def bucket_name_problems(name: str) -> list[str]:
    """Why Cloud Storage would refuse `name` as a bucket name (storage/docs/buckets#naming)."""
    problems = []
    if not 3 <= len(name) <= BUCKET_MAX:
        problems.append(f"{len(name)} characters; bucket names have 3 to {BUCKET_MAX}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*[a-z0-9]", name):
        problems.append("lowercase letters, digits, '-', '_' and '.' only, alphanumeric ends")
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        problems.append("looks like an IP address")
    squeezed = name.translate(_LOOKALIKES).translate({ord(c): None for c in _SEPARATORS})
    if squeezed.startswith("goog"):
        problems.append("begins with goog")
    if google_like_spans(name):
        problems.append("contains google or a close misspelling of it")
    return problems


def bucket_name(project_name: str, stack: str, gcp_project: str, bucket_id: str = "uploads") -> str:
    """Bucket names are global across all of Cloud Storage; the project id makes them unique.

    The default bucket's id is `uploads`, so its name is the one it had before buckets had ids.

    Anything that reads as "google" (in the app name, the stack or the project id) is masked
    with x, and a name that would begin with "goog" gets a `b-` prefix.
    """
    name = _label(f"{stack_prefix(project_name, stack)}-{bucket_id}-{gcp_project}", BUCKET_MAX)
    while spans := google_like_spans(name):
        start = spans[0][0]
        end = max(e for s, e in spans if s == start)
        name = name[:start] + re.sub(r"[^-]", "x", name[start:end]) + name[end:]
    squeezed = name.translate(_LOOKALIKES).translate({ord(c): None for c in _SEPARATORS})
    if squeezed.startswith("goog"):
        name = f"b-{name}"[:BUCKET_MAX].rstrip("-")
    return name


def repository_id(project_name: str, stack: str) -> str:
    """Artifact Registry repository ids: lowercase letters, digits and dashes, at most 63."""
    return _label(stack_prefix(project_name, stack), RFC1035_MAX)


def secret_id(project_name: str, stack: str, secret: str) -> str:
    """Secret Manager ids (letters, digits, `-`, `_`; at most 255): `my-app-dev-secret-key-base`."""
    return _label(f"{stack_prefix(project_name, stack)}-{secret}", SECRET_ID_MAX)


def postgres_identifier(project_name: str) -> str:
    """The database and its user: `my-app` becomes `my_app`, needing no quotes in SQL."""
    return project_name.replace("-", "_")[:POSTGRES_IDENTIFIER_MAX]
