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
# A name whose last word is one of these holds a setting *about* a secret (how long a token
# lives, where the auth provider is), not the secret: API_TOKEN_TTL, AUTH0_DOMAIN.
_SETTING_WORDS = frozenset(
    {
        "TTL", "TIMEOUT", "EXPIRY", "EXPIRES", "EXPIRATION", "LIFETIME", "AGE", "SECONDS",
        "MINUTES", "HOURS", "DAYS", "MS", "DOMAIN", "HOST", "HOSTNAME", "URL", "URI", "ENDPOINT",
        "PATH", "PORT", "ISSUER", "AUDIENCE", "REALM", "SCOPE", "SCOPES", "HEADER", "ALGORITHM",
        "LENGTH", "SIZE", "LIMIT", "COUNT", "ENABLED", "DISABLED", "MODE", "STRATEGY", "PROVIDER",
        "METHOD", "REGION", "VERSION", "FORMAT",
    }
)  # fmt: skip
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# A query parameter that carries a credential: ?token=..., &api_key=..., &sig=...
_SECRET_QUERY = re.compile(
    r"[?&](access_?token|token|api_?key|key|secret|password|passwd|sig|signature|auth)=[^&#\s]+",
    re.IGNORECASE,
)
_VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]*:[^@\s]+@"), "a URL with a password in it"),
    (_SECRET_QUERY, "a URL with a credential in its query"),
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


def _url_token(value: str) -> bool:
    """A URL whose path or query carries a random token (a webhook URL such as Slack's)."""
    rest = value.split("://", 1)[1]
    parts = re.split(r"[/?&=#]", rest)[1:]  # past the host: path segments, query keys, values
    return any(
        len(part) >= 20
        and any(c.isdigit() for c in part)
        and any(c.isalpha() for c in part)
        and _entropy_bits_per_char(part) >= 3.8
        for part in parts
    )


def value_secret_reason(value: str) -> str | None:
    """Why a value *is* a secret whatever its name: a known key format, credentials in a URL,
    a long random token. No override relaxes these: they protect a secret's value."""
    for pattern, what in _VALUE_PATTERNS:
        if pattern.search(value):
            return f"its value is {what}"
    if _URL.match(value):
        # A URL's host, port and words are no secret; a token inside it is.
        return "its value is a URL with a token in it" if _url_token(value) else None
    if looks_like_random_token(value):
        return "its value is a long random token"
    return None


def name_says_secret(name: str, value: str) -> bool:
    """True when only the *name* suggests a secret; `overrides.plain_env` can say it is not.

    A number is not a secret (a TTL, a port, a limit), nor is a boolean, a URL without
    credentials or a host name; a name whose last word is a setting about a secret (TOKEN_TTL,
    AUTH0_DOMAIN, REDIRECT_URI) does not hold one.
    """
    upper = name.upper()
    if not _SECRETISH_NAME.search(upper):
        return False
    if upper.rsplit("_", 1)[-1] in _SETTING_WORDS:
        return False
    lowered = value.strip().lower()
    if lowered in ("", "true", "false") or _NUMBER.match(lowered):
        return False
    return not (_URL.match(value) or _HOST.match(lowered))


def looks_like_secret_value(name: str, value: str) -> str | None:
    """Why an env var's value looks like a secret, or None. Used to refuse it in env_vars."""
    if reason := value_secret_reason(value):
        return reason
    if name_says_secret(name, value):
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
