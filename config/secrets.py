"""Secret names: which the program makes, which it derives, which the user supplies.

Owns the rules that keep secret *values* out of infera.yaml. The values themselves only ever
live in Pulumi secret config or in resources the program creates.
"""

from __future__ import annotations

import math
import re
from collections import Counter

SECRET_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")

# Made by the program with pulumi_random and kept stable across deploys.
GENERATED_SECRETS: tuple[str, ...] = ("SECRET_KEY_BASE", "RELEASE_COOKIE")
# Composed from resources the program creates, per provider feature.
DERIVED_SECRETS: dict[str, tuple[str, ...]] = {
    "database": ("DATABASE_URL",),
    "cache": ("REDIS_URL",),
    "memorystore": ("REDIS_CA_CERT",),
    # `fly storage create` sets exactly these on the app (fly.md §1, storage create).
    "tigris": (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL_S3",
        "AWS_REGION",
        "BUCKET_NAME",
    ),
}

# The infera.yaml section whose resource derives each of those secrets.
DERIVING_SECTION: dict[str, str] = {
    name: {"memorystore": "cache", "tigris": "storage"}.get(feature, feature)
    for feature, names in DERIVED_SECRETS.items()
    for name in names
}

_SECRETISH_NAME = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH|COOKIE)"
)
_VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]*:[^@\s]+@"), "a URL with a password in it"),
    (re.compile(r"^AKIA[0-9A-Z]{16}$"), "an AWS access key id"),
    (re.compile(r"^(sk|rk)_(live|test)_[0-9A-Za-z]{10,}$"), "a Stripe key"),
    (re.compile(r"^gh[pousr]_[0-9A-Za-z]{30,}$"), "a GitHub token"),
    (re.compile(r"^xox[abpr]-[0-9A-Za-z-]{10,}$"), "a Slack token"),
    (re.compile(r"^-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"^FlyV1 "), "a Fly token"),
    (re.compile(r"^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$"), "a JSON Web Token"),
    (re.compile(r"^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$"), "a SendGrid key"),
    (re.compile(r"^AIza[0-9A-Za-z_-]{35}$"), "a Google API key"),
    (re.compile(r"^(glpat|npm|pypi)-[0-9A-Za-z_-]{16,}"), "a registry or GitLab token"),
)
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")

# Hex digests and API keys top out at 4 bits per character, below the entropy bar; in `secrets:`
# (where only names belong) 32 or more hex digits can only be a pasted value.
_HEX_TOKEN = re.compile(r"^[0-9a-fA-F]{32,}$")


def _entropy_bits_per_char(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_like_random_token(value: str) -> bool:
    """Long, dense strings (SECRET_KEY_BASE-like) rather than words, hosts or paths."""
    if len(value) < 32 or any(ch.isspace() for ch in value):
        return False
    if _HOST.match(value):  # a host name such as my-app.fly.dev, not a dotted token
        return False
    return _entropy_bits_per_char(value) >= 4.0


def looks_like_secret_value(name: str, value: str) -> str | None:
    """Why an env var's value looks like a secret, or None. Used to refuse it in env_vars."""
    for pattern, what in _VALUE_PATTERNS:
        if pattern.search(value):
            return f"its value is {what}"
    if looks_like_random_token(value):
        return "its value is a long random token"
    if _SECRETISH_NAME.search(name.upper()) and value not in ("", "true", "false"):
        return "its name says it holds a secret"
    return None


def secret_name_problem(name: str) -> str | None:
    """What is wrong with an entry under `secrets:`, which must be a NAME, never a value."""
    if not isinstance(name, str):
        return f"secrets must be names, got {name!r}"
    if "=" in name:
        key = name.split("=", 1)[0].strip().upper()
        return (
            "secrets takes names only, not NAME=VALUE; list "
            f"{key or 'the name'} and set its value with `pulumi config set --secret "
            f"{key or 'NAME'}`"
        )
    if SECRET_NAME_RE.match(name):
        return None
    if (
        looks_like_secret_value("", name)
        or looks_like_random_token(name)
        or _HEX_TOKEN.match(name)
        or len(name) > 64
    ):
        return (
            "this looks like a secret value, not a name; remove it from infera.yaml, list a "
            "name such as API_KEY, and run `pulumi config set --secret API_KEY`"
        )
    return (
        f"{name!r} is not a secret name: use upper-case letters, digits and underscores, "
        "starting with a letter (e.g. STRIPE_API_KEY)"
    )
