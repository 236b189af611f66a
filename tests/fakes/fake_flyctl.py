"""A stand-in for the `flyctl` binary, for tests only (stdlib, no network).

Owns: command-line parsing with cobra/pflag semantics, the error texts, exit codes and output
shapes recorded in `flyctl-contract.json` (next to this file, a copy of the contract read from
superfly/flyctl at the commit it names), and a small persistent model of a Fly organisation
(apps, releases, machines, secrets digests, IPs, certificates, Postgres, MPG, Redis, Tigris).
It leaves to the code under test everything about *when* to call flyctl.

It always behaves as a non-interactive run (no TTY): every prompt fails with the contract's
non-interactive error text.

Environment knobs:
  FLYCTL_FAKE_STATE      directory for state (JSON); created if missing. Required.
  FLYCTL_FAKE_LOG        if set, one JSON line per invocation: {"argv": [...], "cwd": "..."}.
                         argv excludes the program name. stdin is never written anywhere.
  FLYCTL_FAKE_FAIL       comma list of "N:kind": the N-th invocation (1-based, counted in the
                         state dir across processes) fails instead of running. kinds:
                         transient (HTTP 503), ratelimit (HTTP 429), reset (connection reset),
                         permanent (a 422 validation error), auth (revoked token),
                         flaps5xx (a machines API 5xx with a JSON body: no status printed),
                         deadline (an error wrapping context.DeadlineExceeded: exit 126),
                         lookup (`mpg` only: the cluster lookup fails, say with a 5xx, and
                         flyctl reports it as `managed postgres cluster "ID" not found`),
                         hang (sleeps FLYCTL_FAKE_HANG_SECONDS, default 3600),
                         malformed (runs the command, then prints only half of its stdout),
                         parse (`secrets import` only: reads stdin, then fails as flyctl does
                         on a line it cannot parse, with the contract's error text quoting the
                         first NAME=VALUE line, exit 1; on any other command the knob itself
                         is refused with exit 2, so a miscounted N cannot pass unnoticed).
  FLYCTL_FAKE_ORGS       comma list of org slugs the token can see (default "personal", which
                         is auto-selected as the user's only personal org, as flyctl does);
                         a command that resolves its org fails for any other slug.
  FLYCTL_FAKE_TAKEN_NAMES  comma list of app names already taken by other Fly users.
  FLYCTL_FAKE_NAME_TAKEN_TEXT  the API's text when `apps create` finds the name taken.
  FLYCTL_FAKE_EMAIL      what `auth whoami` prints (default "fake-user@example.com").
  FLYCTL_FAKE_RELEASE_COMMAND_FAIL  truthy: `deploy` fails in the release command.
  FLYCTL_FAKE_DEPLOY_UNHEALTHY  truthy: a `deploy` that updates machines fails waiting for
                         their health checks (exit 1: see cmd_deploy).
  FLYCTL_FAKE_APP_LOGS   the app's log messages (newline-separated) a failing deploy prints.
  FLYCTL_FAKE_MPG_GONE_AFTER  invocations after `mpg destroy` before the cluster is gone (3);
                         until then it is listed with status "deleting".
  FLYCTL_FAKE_MPG_ATTACHMENT_FAIL  truthy: `mpg attach` sets the secret but its attachment
                         record fails (a warning; the cluster does not list the app).
  FLYCTL_FAKE_PG_ATTACH_SECRET_FAIL  truthy: the first `postgres attach` creates the database
                         user, then fails setting the app's secret (a 503), as a partial attach.
  FLYCTL_FAKE_CERT_CHECKS  how many `certs check` calls before a certificate is issued (default 1).

Tokens: `--access-token`, else FLY_ACCESS_TOKEN, else FLY_API_TOKEN (~/.fly is never read).
The token "invalid" behaves as a revoked token. `mpg` commands need a macaroon token
(containing "fm2_", "fm1r_" or "fm1a_"), as the real CLI does.

Where the contract gives no exact text (e.g. a missing certificate), the fake prints a message in
the same shape as flyctl's API errors and marks it APPROX in a comment. Secret values are never
stored: state keeps a sha256 digest prefix per secret.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import hashlib
import ipaddress
import json
import os
import re
import secrets as _rand
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# flyctl's stdin readers, ported beside this file; imported as a sibling when run as `flyctl`.
if __package__:
    from tests.fakes import flyctl_stdin
else:
    import flyctl_stdin

HERE = Path(__file__).resolve().parent
CONTRACT: dict[str, Any] = json.loads((HERE / "flyctl-contract.json").read_text())
COMMANDS: dict[str, dict[str, Any]] = CONTRACT["commands"]
AUTH = CONTRACT["auth"]
NONINTERACTIVE = "prompt: non interactive"
YES_NONINTERACTIVE = "yes flag must be specified when not running interactively"
FAKE_VERSION = "0.3.200"
PG_NOTICE = (
    "Unmanaged Fly Postgres is not supported by Fly.io Support and users are responsible for "
    "operations, management, and disaster recovery. If you'd like a managed, supported solution, "
    "try 'fly mpg' (Managed Postgres)."
)
# The fake's own set; the real list comes from the API.
MPG_REGIONS = ["ams", "fra", "iad", "lax", "lhr", "nrt", "ord", "sin", "sjc", "syd", "yyz"]
# APPROX: the platform's regions come from the API (prompt.PlatformRegions); the fake's set.
PLATFORM_REGIONS = sorted(
    {*MPG_REGIONS, "arn", "bom", "cdg", "dfw", "ewr", "gru", "jnb", "mad", "mia", "sea", "yul"}
)
MPG_PLANS = {"basic": "Basic", "starter": "Starter", "launch": "Launch", "scale": "Scale"}
# fly-go machine presets: (cpu_kind, cpus, memory_mb)
PRESETS = {
    "shared-cpu-1x": ("shared", 1, 256),
    "shared-cpu-2x": ("shared", 2, 512),
    "shared-cpu-4x": ("shared", 4, 1024),
    "shared-cpu-8x": ("shared", 8, 2048),
    "performance-1x": ("performance", 1, 2048),
    "performance-2x": ("performance", 2, 4096),
    "performance-4x": ("performance", 4, 8192),
    "performance-8x": ("performance", 8, 16384),
    "performance-16x": ("performance", 16, 32768),
}
SUPPORTED = {
    "apps create",
    "apps destroy",
    "apps list",
    "status",
    "secrets import",
    "secrets set",
    "secrets unset",
    "secrets list",
    "secrets deploy",
    "postgres create",
    "postgres attach",
    "postgres detach",
    "postgres list",
    "mpg create",
    "mpg list",
    "mpg status",
    "mpg attach",
    "mpg detach",
    "mpg destroy",
    "redis create",
    "redis list",
    "redis status",
    "redis destroy",
    "storage create",
    "storage list",
    "storage status",
    "storage destroy",
    "scale count",
    "scale show",
    "ips allocate-v4",
    "ips allocate-v6",
    "ips list",
    "ips release",
    "certs add",
    "certs list",
    "certs remove",
    "certs check",
    "deploy",
    "machine list",
    "volumes list",
    "volumes create",
    "config validate",
    "auth whoami",
    "version",
}
SINGLE = {"status", "deploy", "version"}


class CliError(Exception):
    def __init__(
        self,
        message: str,
        *,
        description: str = "",
        suggestion: str = "",
        usage: str = "",
        code: int = 1,
        partial: bool = False,
    ) -> None:
        super().__init__(message)
        # partial: flyctl failed after changing something; the change stays (state is saved).
        self.partial = partial
        self.message = message
        self.description = description
        self.suggestion = suggestion
        self.usage = usage
        self.code = code


# --------------------------------------------------------------------------- command lookup
def _aliases() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    parents = {"app": "apps"}  # fly.md: `apps` has alias `app`
    subs: dict[tuple[str, str], str] = {}
    for canonical, spec in COMMANDS.items():
        words = canonical.split()
        for alias in spec.get("aliases", []):
            aw = alias.split()
            if len(aw) != len(words) or len(aw) != 2:
                continue
            if aw[0] != words[0]:
                parents[aw[0]] = words[0]
            if aw[1] != words[1]:
                subs[(words[0], aw[1])] = words[1]
    # fly.md: parents `machine` (machines, m) and `volumes` (volume, vol, v); `storage` (tigris).
    parents.update({"machines": "machine", "m": "machine", "volume": "volumes", "vol": "volumes"})
    parents.update({"v": "volumes", "tigris": "storage", "ip": "ips", "pg": "postgres"})
    return parents, subs


PARENT_ALIASES, SUB_ALIASES = _aliases()
GLOBAL_FLAGS = {f["name"]: f for f in CONTRACT["global_flags"]}


def _flag_table(spec: dict[str, Any], root: bool) -> tuple[dict[str, Any], dict[str, str]]:
    longs: dict[str, Any] = {}
    shorts: dict[str, str] = {}
    flags = dict(spec.get("flags", {}))
    for name, g in GLOBAL_FLAGS.items():
        if g.get("root_only") and not root:
            continue
        flags.setdefault(name, g)
    for name, f in flags.items():
        longs[name] = (name, f)
        for alias in f.get("aliases", []):
            longs[alias] = (name, f)
        if "short" in f:
            shorts[f["short"][1:]] = name
    return longs, shorts


def _convert(flag: str, f: dict[str, Any], raw: str) -> Any:
    kind = f["type"]
    if kind == "bool":
        low = raw.lower()
        if low in ("1", "t", "true"):
            return True
        if low in ("0", "f", "false"):
            return False
        raise CliError(
            f'invalid argument "{raw}" for "{flag}" flag: strconv.ParseBool: parsing "{raw}": '
            "invalid syntax"
        )
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise CliError(
                f'invalid argument "{raw}" for "{flag}" flag: strconv.ParseInt: parsing "{raw}": '
                "invalid syntax"
            ) from None
    if kind == "float64":
        try:
            return float(raw)
        except ValueError:
            raise CliError(
                f'invalid argument "{raw}" for "{flag}" flag: strconv.ParseFloat: parsing '
                f'"{raw}": invalid syntax'
            ) from None
    return raw


class Parsed:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.specified: set[str] = set()
        self.args: list[str] = []

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def set(self, name: str, f: dict[str, Any], value: Any) -> None:
        self.specified.add(name)
        if f["type"] == "stringArray":
            self.values.setdefault(name, []).append(value)
        elif f["type"] == "stringSlice":
            self.values.setdefault(name, []).extend(v for v in value.split(",") if v)
        else:
            self.values[name] = value


def parse_flags(argv: list[str], spec: dict[str, Any], root: bool, usage: str) -> Parsed:
    longs, shorts = _flag_table(spec, root)
    out = Parsed()
    for name, (canonical, f) in longs.items():
        if name == canonical and "default" in f and f["type"] not in ("stringArray", "stringSlice"):
            out.values[name] = f["default"]
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            out.args.extend(argv[i + 1 :])
            break
        if a.startswith("--"):
            name, eq, raw = a[2:].partition("=")
            key = "--" + name
            if key not in longs:
                raise CliError(f"unknown flag: {key}", usage=usage)
            canonical, f = longs[key]
            if f["type"] == "bool":
                out.set(canonical, f, _convert(key, f, raw) if eq else True)
            elif eq:
                out.set(canonical, f, _convert(key, f, raw))
            elif "no_opt_default" in f:
                out.set(canonical, f, f["no_opt_default"])
            else:
                if i + 1 >= len(argv):
                    raise CliError(f"flag needs an argument: {key}", usage=usage)
                i += 1
                out.set(canonical, f, _convert(key, f, argv[i]))
        elif a.startswith("-") and a != "-":
            chars = a[1:]
            j = 0
            while j < len(chars):
                c = chars[j]
                if c not in shorts:
                    raise CliError(f"unknown shorthand flag: '{c}' in {a}", usage=usage)
                canonical = shorts[c]
                f = longs[canonical][1]
                rest = chars[j + 1 :]
                if f["type"] == "bool":
                    if rest.startswith("="):
                        out.set(canonical, f, _convert(canonical, f, rest[1:]))
                        break
                    out.set(canonical, f, True)
                    j += 1
                    continue
                if rest.startswith("="):
                    rest = rest[1:]
                if rest:
                    out.set(canonical, f, _convert(canonical, f, rest))
                else:
                    if i + 1 >= len(argv):
                        raise CliError(f"flag needs an argument: '{c}' in {a}", usage=usage)
                    i += 1
                    out.set(canonical, f, _convert(canonical, f, argv[i]))
                break
        else:
            out.args.append(a)
        i += 1
    return out


def check_args(command: str, spec: dict[str, Any], args: list[str], usage: str) -> None:
    shape = spec.get("args", [])
    n = len(args)
    if not shape:
        if n:
            raise CliError(f'unknown command "{args[0]}" for "fly {command}"', usage=usage)
        return
    (only,) = shape
    if only.endswith("..."):
        if command != "apps destroy" and n == 0:
            raise CliError("requires at least 1 arg(s), only received 0", usage=usage)
    elif only.endswith("?"):
        if n > 1:
            if command == "apps create":  # cobra.RangeArgs(0, 1)
                raise CliError(f"accepts between 0 and 1 arg(s), received {n}", usage=usage)
            raise CliError(f"accepts at most 1 arg(s), received {n}", usage=usage)
    elif n != 1:
        raise CliError(f"accepts 1 arg(s), received {n}", usage=usage)


def resolve_command(argv: list[str]) -> tuple[str | None, list[str]]:
    """Find the command path among the leading words, as cobra does; return the rest."""
    words: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if len(words) < 3 and not a.startswith("-"):
            words.append(a)
            if _path(words, complete=True) is not None or not _is_prefix(words):
                break
        else:
            rest.append(a)
            if a in ("-t", "--access-token") and i + 1 < len(argv):
                i += 1
                rest.append(argv[i])
        i += 1
    rest.extend(argv[i + 1 :])
    path = _path(words, complete=True)
    if path is None:
        if not words:
            return None, rest
        parent = _path(words[:1], complete=False) or words[0]
        if _is_prefix(words[:1]) and len(words) == 1:
            return f"__parent__ {parent}", rest
        bad = words[-1]
        where = "fly" if len(words) == 1 else f"fly {parent}"
        raise CliError(
            f'unknown command "{bad}" for "{where}"',
            suggestion=f"Run '{where} --help' for usage.",
        )
    return path, rest


def _normalise(words: list[str]) -> list[str]:
    if words[:2] == ["ext", "tigris"]:
        words = ["storage", *words[2:]]
    if not words:
        return words
    parent = PARENT_ALIASES.get(words[0], words[0])
    out = [parent]
    if len(words) > 1:
        out.append(SUB_ALIASES.get((parent, words[1]), words[1]))
        out.extend(words[2:])
    return out


def _path(words: list[str], complete: bool) -> str | None:
    w = _normalise(words)
    if not w:
        return None
    if not complete:
        return w[0]
    key = " ".join(w)
    return key if key in COMMANDS else None


def _is_prefix(words: list[str]) -> bool:
    w = _normalise(words)
    if w[:1] == ["ext"]:
        return len(words) < 3
    return any(c.split()[: len(w)] == w and len(c.split()) > len(w) for c in COMMANDS)


# --------------------------------------------------------------------------- state
def now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def digest(value: str) -> str:
    # Values from stdin keep bytes that are not UTF-8 as surrogates (flyctl_stdin.py).
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def hexid(n: int = 7) -> str:
    return _rand.token_hex(n)


class State:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "state.json"
        self.data: dict[str, Any] = {}

    def load(self) -> None:
        if self.path.exists():
            self.data = json.loads(self.path.read_text())
        for key in ("apps", "mpg", "redis", "buckets", "taken_ips"):
            self.data.setdefault(key, {})
        self.data.setdefault("seq", 0)
        calls = self.root / "calls"
        call = int(calls.read_text()) if calls.exists() else 0
        for cid, c in list(self.data["mpg"].items()):
            if c.get("gone_at") is not None and call > c["gone_at"]:
                del self.data["mpg"][cid]

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        tmp.replace(self.path)

    def seq(self) -> int:
        self.data["seq"] += 1
        return int(self.data["seq"])

    @property
    def apps(self) -> dict[str, Any]:
        return self.data["apps"]  # type: ignore[no-any-return]


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    with open(root / "lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def next_call(root: Path) -> int:
    with locked(root):
        counter = root / "calls"
        n = int(counter.read_text()) + 1 if counter.exists() else 1
        counter.write_text(str(n))
    return n


# --------------------------------------------------------------------------- context
class Ctx:
    def __init__(
        self, command: str, p: Parsed, state: State, cwd: Path, out: list[str], err: list[str]
    ) -> None:
        self.command = command
        self.p = p
        self.state = state
        self.cwd = cwd
        # Shared with main(), so lines printed before an error still reach the terminal.
        self.out = out
        self.err = err
        self.config_path: Path | None = None
        self.config: dict[str, Any] | None = None
        self._app: str | None = None

    def say(self, line: str = "") -> None:
        self.out.append(line)

    def warn(self, line: str) -> None:
        self.err.append(line)

    @property
    def json(self) -> bool:
        env = os.environ.get("FLY_JSON", "").lower() in ("1", "true", "yes")
        spec_flags = COMMANDS[self.command].get("flags", {})
        return bool(self.p.get("--json")) or (env and "--json" in spec_flags)

    def emit_json(self, value: Any) -> None:
        self.say(json.dumps(value, indent=4))

    @property
    def app(self) -> str:
        assert self._app is not None
        return self._app

    def app_record(self, *, error: str = 'Could not find App "{name}"') -> dict[str, Any]:
        rec = self.state.apps.get(self.app)
        if rec is None:
            raise CliError(error.format(name=self.app))
        return rec  # type: ignore[no-any-return]


TOKEN_FLAG: list[str] = []  # --access-token, when given
ARGV0: list[str] = ["flyctl"]
PARSE_FAIL: list[bool] = []  # FLYCTL_FAKE_FAIL's `parse` kind is due on this invocation
LOOKUP_FAIL: list[bool] = []  # FLYCTL_FAKE_FAIL's `lookup` kind is due on this invocation


def token() -> str:
    return (
        (TOKEN_FLAG[0] if TOKEN_FLAG else "")
        or os.environ.get("FLY_ACCESS_TOKEN")
        or os.environ.get("FLY_API_TOKEN")
        or ""
    )


def is_macaroon(tok: str) -> bool:
    tok = tok.removeprefix("FlyV1 ")
    return any(p.strip().startswith(("fm2_", "fm1r_", "fm1a_")) for p in tok.split(","))


def load_config(ctx: Ctx) -> None:
    flag = ctx.p.get("--config") or ""
    candidates: list[Path]
    if flag:
        given = Path(flag) if Path(flag).is_absolute() else ctx.cwd / flag
        candidates = [given, given / "fly.toml"]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise CliError(f"config file not found at specified path: {flag}")
    else:
        candidates = [ctx.cwd / n for n in ("fly.toml", "fly.json")]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            return
    try:
        if found.suffix == ".json":
            data = json.loads(found.read_text())
        else:
            data = tomllib.loads(found.read_text())
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"failed loading app config from {found}: {exc}") from None
    ctx.config_path, ctx.config = found, data


def orgs() -> list[str]:
    return [o for o in os.environ.get("FLYCTL_FAKE_ORGS", "personal").split(",") if o]


def pick_org(ctx: Ctx) -> str:
    org = ctx.p.get("--org") or os.environ.get("FLY_ORG") or os.environ.get("FLY_ORGANIZATION")
    if org:
        if org not in orgs():
            # Not in the contract; flyctl internal/prompt/prompt.go Org() when no org the
            # token sees has this slug.
            raise CliError(f"organization {org} not found")
        return str(org)
    available = orgs()
    if available == ["personal"]:
        ctx.warn(f"automatically selected personal organization: {org_name('personal')}")
        return "personal"
    raise CliError("org slug must be specified when not running interactively")


def org_name(slug: str) -> str:
    return "Fake User" if slug == "personal" else slug


# --------------------------------------------------------------------------- JSON shapes
def org_json(slug: str, full: bool = True) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ID": "org_" + hashlib.sha1(slug.encode()).hexdigest()[:10],
        "InternalNumericID": str(int(hashlib.sha1(slug.encode()).hexdigest()[:6], 16)),
        "Name": org_name(slug),
        "Slug": slug,
        "RawSlug": slug,
        "PaidPlan": slug != "personal",
    }
    if not full:
        return base
    return {
        "ID": base["ID"],
        "InternalNumericID": base["InternalNumericID"],
        "Name": base["Name"],
        "RemoteBuilderImage": "",
        "RemoteBuilderApp": None,
        "Slug": slug,
        "RawSlug": slug,
        "Type": "PERSONAL" if slug == "personal" else "SHARED",
        "PaidPlan": base["PaidPlan"],
        "Billable": base["PaidPlan"],
        "Settings": None,
        "AllowedReplaySourceOrgSlugs": None,
        "AllowAllCrossNetworkReplays": False,
        "WireGuardPeer": None,
        "WireGuardPeers": {"Nodes": None},
        "DelegatedWireGuardTokens": {"Nodes": None},
        "LoggedCertificates": {"Nodes": None},
    }


def app_status(rec: dict[str, Any]) -> str:
    if not rec["releases"]:
        return "pending"
    return "deployed" if rec["machines"] else "suspended"


def app_json(name: str, rec: dict[str, Any]) -> dict[str, Any]:
    current = rec["releases"][-1] if rec["releases"] else None
    release = (
        {
            "ID": current["id"],
            "Version": current["version"],
            "Stable": True,
            "InProgress": False,
            "Reason": "",
            "Description": "",
            "Status": "complete",
            "DeploymentStrategy": current["strategy"].upper(),
            "User": {"ID": "", "Email": "", "Name": ""},
            "EvaluationID": "",
            "CreatedAt": current["created_at"],
            "ImageRef": current["image"],
        }
        if current
        else None
    )
    return {
        "ID": name,
        "InternalNumericID": rec["numeric_id"],
        "Name": name,
        "State": "",
        "Status": app_status(rec),
        "Deployed": bool(rec["releases"]),
        "Hostname": f"{name}.fly.dev",
        "AppURL": f"https://{name}.fly.dev",
        "Version": current["version"] if current else 0,
        "NetworkID": 0,
        "Network": rec.get("network", ""),
        "Release": None,
        "Organization": org_json(rec["org"]),
        "Secrets": None,
        "CurrentRelease": release,
        "Releases": {"Nodes": None},
        "IPAddresses": {"Nodes": None},
        "EgressIpAddresses": {"Nodes": None},
        "SharedIPAddress": "",
        "CNAMETarget": "",
        "IPAddress": None,
        "Certificates": {"Nodes": None},
        "Certificate": None,
        "PostgresAppRole": {"Name": "postgres_cluster", "Databases": None, "Users": None}
        if rec.get("pg")
        else None,
        "Image": "",
        "ImageUpgradeAvailable": False,
        "ImageVersionTrackingEnabled": False,
        "ImageDetails": {"Registry": "", "Repository": "", "Tag": "", "Digest": "", "Version": ""},
        "LatestImageDetails": {
            "Registry": "",
            "Repository": "",
            "Tag": "",
            "Digest": "",
            "Version": "",
        },
        "PlatformVersion": "machines",
        "Machines": {"Nodes": None},
        "CurrentLock": None,
    }


def ip_json(ip: dict[str, Any]) -> dict[str, Any]:
    return {
        "ID": ip["id"],
        "Address": ip["address"],
        "Type": ip["type"],
        "Region": ip["region"],
        "CreatedAt": ip["created_at"],
        "ServiceName": "",
        "Network": None,
    }


def machine_json(m: dict[str, Any]) -> dict[str, Any]:
    image = m["config"]["image"]
    repo, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "latest")
    registry, _, repository = repo.partition("/") if "/" in repo else ("docker.io", "", repo)
    out: dict[str, Any] = {
        "id": m["id"],
        "name": m["name"],
        "state": m["state"],
        "region": m["region"],
        "image_ref": {
            "registry": registry,
            "repository": repository,
            "tag": tag,
            "digest": "sha256:" + hashlib.sha256(image.encode()).hexdigest(),
        },
        "instance_id": m["instance_id"],
        "private_ip": m["private_ip"],
        "created_at": m["created_at"],
        "updated_at": m["updated_at"],
        "config": m["config"],
        "events": [
            {"type": "start", "status": "started", "source": "flyd", "timestamp": 0},
        ],
        "host_status": "ok",
        "cordoned": False,
    }
    return out


# --------------------------------------------------------------------------- fly.toml model
def parse_memory(raw: Any) -> int:
    if isinstance(raw, int):
        return raw
    m = re.fullmatch(r"\s*(\d+)\s*([kmgt]?)i?b?\s*", str(raw).lower())
    if not m:
        raise CliError(f"invalid memory size: {raw}")  # APPROX
    n, unit = int(m.group(1)), m.group(2)
    return {"": n // (1024 * 1024), "k": n // 1024, "m": n, "g": n * 1024, "t": n * 1024 * 1024}[
        unit
    ]


def parse_size_gb(raw: Any) -> int | None:
    """A mount's initial_size ("3gb", "10GB", 5) in whole GB, as helpers.ParseSize reads it."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, int):
        return raw
    m = re.fullmatch(r"\s*(\d+)\s*([gt]?)b?\s*", str(raw).lower())
    if not m:
        raise CliError(f"invalid initial_size: {raw}")  # APPROX
    return int(m.group(1)) * (1024 if m.group(2) == "t" else 1)


def guest_for(config: dict[str, Any], group: str, p: Parsed) -> dict[str, Any]:
    vms = config.get("vm") or config.get("compute") or []
    if isinstance(vms, dict):
        vms = [vms]
    vm = next((v for v in vms if not v.get("processes") or group in v["processes"]), {})
    size = p.get("--vm-size") or vm.get("size") or "shared-cpu-1x"
    if size not in PRESETS:
        raise CliError(f"invalid machine size requested, '{size}'")  # APPROX
    kind, cpus, mem = PRESETS[size]
    if vm.get("memory"):
        mem = parse_memory(vm["memory"])
    kind = vm.get("cpu_kind") or kind
    cpus = vm.get("cpus") or cpus
    mem = vm.get("memory_mb") or mem
    if p.get("--vm-cpu-kind"):
        kind = p.get("--vm-cpu-kind")
    if p.get("--vm-cpus"):
        cpus = p.get("--vm-cpus")
    if p.get("--vm-memory"):
        mem = parse_memory(p.get("--vm-memory"))
    return {"cpu_kind": kind, "cpus": cpus, "memory_mb": mem}


def groups_of(config: dict[str, Any]) -> list[str]:
    procs = config.get("processes") or {}
    return sorted(procs) if isinstance(procs, dict) and procs else ["app"]


def services_for(config: dict[str, Any], group: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    hs = config.get("http_service")
    if hs and (not hs.get("processes") or group in hs["processes"]):
        svc: dict[str, Any] = {
            "protocol": "tcp",
            "internal_port": hs.get("internal_port", 8080),
            "ports": [
                {"port": 80, "handlers": ["http"], "force_https": bool(hs.get("force_https"))},
                {"port": 443, "handlers": ["http", "tls"]},
            ],
            "autostop": hs.get("auto_stop_machines"),
            "autostart": hs.get("auto_start_machines"),
            "min_machines_running": hs.get("min_machines_running", 0),
        }
        if "concurrency" in hs:
            svc["concurrency"] = hs["concurrency"]
        if "checks" in hs:
            svc["checks"] = hs["checks"]
        out.append(svc)
    for s in config.get("services") or []:
        if not s.get("processes") or group in s["processes"]:
            out.append({k: v for k, v in s.items() if k != "processes"})
    return out


def all_mounts(config: dict[str, Any]) -> list[dict[str, Any]]:
    mounts = config.get("mounts") or config.get("mount") or []
    return [mounts] if isinstance(mounts, dict) else list(mounts)


def mounts_for(config: dict[str, Any], group: str) -> list[dict[str, Any]]:
    # appconfig/processgroups.go Flatten (flattenGroupsMatch): a mount without `processes`
    # belongs to the default group only, "app" if there is one, else the first name
    # (DefaultProcessName).
    groups = groups_of(config)
    default = "app" if "app" in groups else groups[0]
    return [m for m in all_mounts(config) if group in (m.get("processes") or [default])]


STRATEGIES = ("canary", "rolling", "immediate", "bluegreen")
TOP_KEYS = {
    "app",
    "primary_region",
    "kill_signal",
    "kill_timeout",
    "swap_size_mb",
    "console_command",
    "host_dedication_id",
    "machine_config",
    "container",
    "experimental",
    "build",
    "deploy",
    "env",
    "processes",
    "mounts",
    "mount",
    "http_service",
    "services",
    "checks",
    "files",
    "machine_checks",
    "restart",
    "vm",
    "compute",
    "computes",
    "statics",
    "metrics",
    "metric",
}
SECTION_KEYS = {
    "deploy": {
        "strategy",
        "max_unavailable",
        "wait_timeout",
        "release_command",
        "release_command_timeout",
        "release_command_vm",
        "seed_command",
    },
    "build": {
        "builder",
        "args",
        "buildpacks",
        "image",
        "settings",
        "builtin",
        "dockerfile",
        "ignorefile",
        "build-target",
        "build_target",
        "compose",
        "compression",
        "compression_level",
    },
    "http_service": {
        "internal_port",
        "force_https",
        "auto_stop_machines",
        "auto_start_machines",
        "min_machines_running",
        "processes",
        "concurrency",
        "tls_options",
        "http_options",
        "checks",
        "machine_checks",
    },
}


def validate_config(config: dict[str, Any], strict: bool) -> tuple[list[str], list[str]]:
    """Returns (errors, strict findings). A subset of appconfig.Config.Validate."""
    errors: list[str] = []
    deploy = config.get("deploy") or {}
    strategy = deploy.get("strategy")
    if strategy and strategy not in STRATEGIES:
        errors.append(  # APPROX wording
            f"unsupported deployment strategy '{strategy}'; fly.toml only supports the "
            f"following strategies: {', '.join(STRATEGIES)}"
        )
    if strategy == "canary" and config.get("mounts"):
        errors.append(
            "error canary deployment strategy is not supported when using mounted volumes"
        )
    compression = (config.get("build") or {}).get("compression")
    if compression and compression not in ("gzip", "zstd"):
        errors.append(f"invalid compression {compression!r}, must be one of: gzip, zstd")  # APPROX
    procs = config.get("processes") or {}
    if procs:
        for s in [config.get("http_service"), *(config.get("services") or [])]:
            if not s:
                continue
            listed = s.get("processes") or []
            if not listed:
                errors.append(  # APPROX wording
                    "Service must specify processes when the app has [processes] defined"
                )
            for name in listed:
                if name not in procs:
                    errors.append(
                        f"Service specifies '{name}' as one of its processes, but no "
                        "processes are defined with that name"
                    )
    findings: list[str] = []
    if strict:
        findings += [f"{k}" for k in sorted(config) if k not in TOP_KEYS]
        for section, keys in SECTION_KEYS.items():
            value = config.get(section)
            if isinstance(value, dict):
                findings += [f"{section}.{k}" for k in sorted(value) if k not in keys]
    return errors, findings


def parse_duration(raw: str, flag: str) -> None:
    if raw == "none" or re.fullmatch(r"\d+", raw):
        return
    if re.fullmatch(r"(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+", raw):
        return
    raise CliError(
        f"invalid duration value {raw} used for {flag} flag: valid options are a number of "
        "seconds, number with time unit (i.e.: 5m, 180s) or 'none'"
    )


# --------------------------------------------------------------------------- helpers
def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "   ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(headers), *(line(r) for r in rows)]


def app_log_lines() -> list[str]:
    """The app's log lines a failing deploy prints, as release-command logs are printed
    (machines_releasecommand.go: aurora.Faint timestamp, which aurora always colours, then
    the message). FLYCTL_FAKE_APP_LOGS gives the messages, one per line."""
    default = "** (DBConnection.ConnectionError) tcp connect (db:5432): connection refused"
    messages = os.environ.get("FLYCTL_FAKE_APP_LOGS", default).split("\n")
    return [f"\x1b[2m{now()}\x1b[0m {m}" for m in messages]


def vertical_table(title: str, rows: list[tuple[str, str]]) -> list[str]:
    """internal/render/render.go VerticalTable, as tablewriter v1.1.4 renders it.

    The title goes through aurora.Bold, which writes its escape codes whatever NO_COLOR says
    (logrusorgru/aurora v2.0.3). Each row is ` LABEL │ VALUE ` with both columns padded to
    their widest (trimmed) cell, no borders, then the blank line VerticalTable prints after
    Render. Checked by running VerticalTable against tablewriter v1.1.4 (go.mod pins).
    """
    cells = [(k.strip(), v.strip()) for k, v in rows]
    w1 = max(len(k) for k, _ in cells)
    w2 = max(len(v) for _, v in cells)
    lines = [f"\x1b[1m{title}\x1b[0m"]
    lines += [f" {k.ljust(w1)} \u2502 {v.ljust(w2)} " for k, v in cells]
    return [*lines, ""]


def new_app_record(state: State, org: str, network: str = "") -> dict[str, Any]:
    return {
        "org": org,
        "numeric_id": str(100000 + state.seq()),
        "created_at": now(),
        "network": network,
        "releases": [],
        "machines": [],
        "secrets": {},
        "ips": [],
        "certs": {},
        "volumes": [],
    }


# fly-go flaps/flaps_error.go FlapsError.Suggestion for the API's `name_taken` status code;
# cli.go printError prints it after the Error line.
NAME_TAKEN_SUGGESTION = (
    "App names are unique across all of Fly.io, not just your organization, so this name may "
    "be held by an app you cannot see. Try a different name."
)


def create_app_checked(ctx: Ctx, name: str, org: str, network: str = "") -> dict[str, Any]:
    taken = os.environ.get("FLYCTL_FAKE_TAKEN_NAMES", "").split(",")
    if name in ctx.state.apps or name in taken:
        # apps/create.go RunCreate goes through flaps CreateApp, which prints only the API's
        # error text (APPROX; FLYCTL_FAKE_NAME_TAKEN_TEXT replaces it, e.g. with the generic
        # text a lost name race can bring) and the name_taken suggestion.
        text = os.environ.get(
            "FLYCTL_FAKE_NAME_TAKEN_TEXT", "Validation failed: Name has already been taken"
        )
        raise CliError(text, suggestion=NAME_TAKEN_SUGGESTION)
    rec = new_app_record(ctx.state, org, network)
    ctx.state.apps[name] = rec
    return rec


def new_machine(
    state: State, app: str, group: str, region: str, config: dict[str, Any]
) -> dict[str, Any]:
    n = state.seq()
    return {
        "id": hexid(7),
        "name": f"{app}-{group}-{n}",
        "state": "started",
        "region": region,
        "instance_id": "01" + hexid(12).upper(),
        "private_ip": f"fdaa:0:1:a7b:{n % 65536:x}:{_rand.randbelow(65536):x}:1:2",
        "created_at": now(),
        "updated_at": now(),
        "config": json.loads(json.dumps(config)),
    }


def new_volume(
    name: str, region: str, size_gb: int, snapshot_retention: int | None = None
) -> dict[str, Any]:
    """An unattached fly.Volume (fly-go volume_types.go), as the machines API returns it."""
    return {
        "id": "vol_" + hexid(8),
        "name": name,
        "state": "created",
        "size_gb": size_gb,
        "region": region,
        "zone": "fake",
        "encrypted": True,
        "attached_machine_id": None,
        "attached_alloc_id": None,
        "created_at": now(),
        "host_dedication_id": "",
        # Fly's default retention is 5 days (volumes/create.go's --snapshot-retention default).
        "snapshot_retention": snapshot_retention or 5,
        "auto_backup_enabled": True,
        # APPROX: the API's value for a volume on a healthy host; deploy's setVolumes
        # (machines.go) only reuses volumes whose host_status is "ok".
        "host_status": "ok",
    }


def unattached_volumes(rec: dict[str, Any]) -> list[dict[str, Any]]:
    # deploy/machines.go setVolumes: neither attached to a machine nor to an alloc, host ok.
    return [
        v
        for v in rec["volumes"]
        if v.get("attached_machine_id") is None
        and v.get("attached_alloc_id") is None
        and v.get("host_status", "ok") == "ok"
    ]


def attach(vol: dict[str, Any], machine: dict[str, Any], mount: dict[str, Any]) -> None:
    vol["attached_machine_id"] = machine["id"]
    machine["config"]["mounts"] = [
        {
            "volume": vol["id"],
            "path": mount["destination"],
            "name": mount["source"],
            "size_gb": vol["size_gb"],
        }
    ]


def allocate_ip(state: State, kind: str, region: str = "global") -> dict[str, Any]:
    n = state.seq()
    address = {
        "v4": f"137.66.{(n >> 8) % 256}.{n % 256}",
        "shared_v4": "66.241.124.1",
        "v6": f"2a09:8280:1::{n:x}",
        "private_v6": f"fdaa:0:1:0:{n:x}::3",
    }[kind]
    return {
        "id": "ip_" + hexid(6),
        "address": address,
        "type": kind,
        "region": region,
        "created_at": now(),
    }


def ip_rows(ips: list[dict[str, Any]]) -> list[str]:
    rows = []
    for ip in ips:
        version = "v6" if ":" in ip["address"] else "v4"
        kind = {"shared_v4": "shared", "v4": "public (dedicated, $2/mo)"}.get(ip["type"], "")
        kind = kind or ("private" if ip["type"] == "private_v6" else "public")
        rows.append([version, ip["address"], kind, ip["region"], ip["created_at"]])
    return table(["VERSION", "IP", "TYPE", "REGION", "CREATED AT"], rows)


def apply_secrets(ctx: Ctx, changes: dict[str, str | None], stage: bool) -> None:
    rec = ctx.app_record()
    for name, value in changes.items():
        if value is None:
            rec["secrets"].pop(name, None)
        else:
            rec["secrets"][name] = {"digest": digest(value), "status": "Staged"}
    if stage:
        ctx.say(
            "Secrets have been staged, but not set on VMs. Deploy or update machines in this "
            "app for the secrets to take effect."
        )
        return
    if not rec["releases"] and not rec["machines"]:
        ctx.say("Secrets are staged for the first deployment")
        return
    restart_machines(ctx, rec)


def restart_machines(ctx: Ctx, rec: dict[str, Any]) -> None:
    ctx.warn(f"Updating existing machines in '{ctx.app}' with rolling strategy")
    for m in rec["machines"]:
        m["updated_at"] = now()
        m["instance_id"] = "01" + hexid(12).upper()
        ctx.warn(
            f"  Machine {m['id']} [{m['config'].get('metadata', {}).get('fly_process_group')}] "
            "update finished: success"
        )
    for s in rec["secrets"].values():
        s["status"] = "Deployed"


def parse_error(line: str) -> CliError:
    # flyctl quotes the offending line whole, value included (secrets/parser.go).
    return CliError(
        "Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE "
        f"pairs ({line} is invalid)"
    )


# --------------------------------------------------------------------------- commands
def cmd_version(ctx: Ctx) -> None:
    exe = os.path.basename(ARGV0[0])
    if ctx.json:
        info = {
            "Name": exe,
            "Version": FAKE_VERSION,
            "Commit": "fake",
            "BranchName": "",
            "BuildDate": "2026-08-21T00:00:00Z",
            "OS": "linux",
            "Architecture": "amd64",
            "Environment": "production",
        }
        ctx.say(json.dumps(info, separators=(",", ":")))
    else:
        ctx.say(f"{exe} v{FAKE_VERSION} linux/amd64 Commit: fake BuildDate: 2026-08-21T00:00:00Z")


def cmd_auth_whoami(ctx: Ctx) -> None:
    email = os.environ.get("FLYCTL_FAKE_EMAIL", "fake-user@example.com")
    if ctx.json:
        ctx.emit_json({"email": email})
    else:
        ctx.say(email)


def cmd_apps_create(ctx: Ctx) -> None:
    p = ctx.p
    arg = p.args[0] if p.args else ""
    flag = p.get("--name") or ""
    if arg and flag and arg != flag:
        raise CliError(f"two app names specified {arg} and {flag}, only one may be specified")
    name = arg or flag
    if not name:
        if not p.get("--generate-name"):
            raise CliError("name argument or flag must be specified when not running interactively")
        name = f"app-{hexid(4)}"
    org = pick_org(ctx)
    rec = create_app_checked(ctx, name, org, p.get("--network") or "")
    if ctx.json:
        ctx.emit_json(app_json(name, rec))
    else:
        ctx.say(f"New app created: {name}")


def cmd_apps_destroy(ctx: Ctx) -> None:
    if not ctx.p.args:
        raise CliError("no app names provided")
    if not ctx.p.get("--yes"):
        ctx.warn("Destroying an app is not reversible.")
        raise CliError(YES_NONINTERACTIVE)
    for name in ctx.p.args:
        if name not in ctx.state.apps:
            raise CliError(f'Could not find App "{name}"')
        del ctx.state.apps[name]
        for bucket in ctx.state.data["buckets"].values():
            if bucket.get("app") == name:
                bucket["app"] = None
        for cluster in ctx.state.data["mpg"].values():
            cluster["attached_apps"] = [a for a in cluster["attached_apps"] if a["name"] != name]
        ctx.say(f"Destroyed app {name}")


def cmd_apps_list(ctx: Ctx) -> None:
    org = ctx.p.get("--org") or os.environ.get("FLY_ORG")
    names = sorted(n for n, r in ctx.state.apps.items() if not org or r["org"] == org)
    if ctx.json:
        ctx.emit_json([app_json(n, ctx.state.apps[n]) for n in names])
    elif ctx.p.get("--quiet"):
        for n in names:
            ctx.say(n)
    elif not names:
        ctx.say("No apps found")
    else:
        rows = []
        for n in names:
            rec = ctx.state.apps[n]
            last = rec["releases"][-1]["created_at"] if rec["releases"] else ""
            rows.append([n, rec["org"], app_status(rec), last])
        ctx.out += table(["NAME", "OWNER", "STATUS", "LATEST DEPLOY"], rows)


def cmd_status(ctx: Ctx) -> None:
    if ctx.p.get("--watch"):
        if ctx.json:
            raise CliError("--watch and --json are not supported together")
        raise CliError("--watch is not supported for non-interactive sessions")
    rate = ctx.p.get("--rate")
    if not 1 <= rate <= 3600:
        raise CliError("--rate must be in the [1, 3600] range")
    rec = ctx.app_record(error='failed to get app: Could not find App "{name}"')
    name = ctx.app
    version = rec["releases"][-1]["version"] if rec["releases"] else 0
    if ctx.json:
        out: dict[str, Any] = {
            "AppURL": f"https://{name}.fly.dev",
            "Deployed": bool(rec["releases"]),
            "Hostname": f"{name}.fly.dev",
            "ID": name,
            # internal/command/status/machines.go RenderMachineStatus sorts by ID, descending,
            # before renderMachineJSONStatus: the first machine is not the newest.
            "Machines": [
                machine_json(m)
                for m in sorted(rec["machines"], key=lambda m: m["id"], reverse=True)
            ],
            "Name": name,
            "Organization": org_json(rec["org"], full=False),
            "PlatformVersion": "machines",
            "Status": app_status(rec),
            "Version": version,
        }
        if rec.get("network"):
            out["Network"] = rec["network"]
        ctx.emit_json(dict(sorted(out.items())))
        return
    ctx.say(f"App\n  Name     = {name}\n  Owner    = {rec['org']}\n  Hostname = {name}.fly.dev")
    ctx.say(f"  Image    = {rec['releases'][-1]['image'] if rec['releases'] else '-'}")
    if not rec["machines"]:
        ctx.say("\nNo machines are available on this app " + name)
        return
    rows = [
        [
            m["config"].get("metadata", {}).get("fly_process_group"),
            m["id"],
            str(version),
            m["region"],
            m["state"],
            m["updated_at"],
        ]
        for m in rec["machines"]
    ]
    ctx.say("\nMachines")
    ctx.out += table(["PROCESS", "ID", "VERSION", "REGION", "STATE", "LAST UPDATED"], rows)


def cmd_machine_list(ctx: Ctx) -> None:
    rec = ctx.app_record()
    if ctx.json:
        ctx.emit_json([machine_json(m) for m in rec["machines"]])
    elif ctx.p.get("--quiet"):
        for m in rec["machines"]:
            ctx.say(m["id"])
    elif not rec["machines"]:
        ctx.say(f"No machines are available on this app {ctx.app}")
    else:
        rows = [
            [m["id"], m["name"], m["state"], m["region"], m["config"]["image"]]
            for m in rec["machines"]
        ]
        ctx.out += table(["ID", "NAME", "STATE", "REGION", "IMAGE"], rows)


# dustin/go-humanize v1.0.1 times.go defaultMagnitudes (flyctl's go.mod pins that version):
# (below this many seconds, format, divide by). The last row stands for its MaxInt64 one.
_DAY, _MONTH = 86400, 30 * 86400
_MAGNITUDES = (
    (1, "now", 1), (2, "1 second %s", 1), (60, "%d seconds %s", 1), (120, "1 minute %s", 1),
    (3600, "%d minutes %s", 60), (7200, "1 hour %s", 1), (_DAY, "%d hours %s", 3600),
    (2 * _DAY, "1 day %s", 1), (7 * _DAY, "%d days %s", _DAY),
    (14 * _DAY, "1 week %s", 1), (_MONTH, "%d weeks %s", 7 * _DAY),
    (2 * _MONTH, "1 month %s", 1), (12 * _MONTH, "%d months %s", _MONTH),
    (18 * _MONTH, "1 year %s", 1), (24 * _MONTH, "2 years %s", 1),
    (37 * 12 * _MONTH, "%d years %s", 12 * _MONTH), (float("inf"), "a long while %s", 1),
)  # fmt: skip


def humanize_time(stamp: str, now_: _dt.datetime | None = None) -> str:
    """go-humanize's Time (RelTime against now, "ago" / "from now"), for an RFC 3339 stamp."""
    then = _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.UTC)
    diff = ((now_ or _dt.datetime.now(_dt.UTC)) - then).total_seconds()
    label = "ago" if diff >= 0 else "from now"
    diff = abs(diff)
    _below, fmt, div = next(m for m in _MAGNITUDES if m[0] > diff)
    args = [int(diff // div) if code == "d" else label for code in re.findall(r"%([ds])", fmt)]
    return fmt % tuple(args)


def cmd_volumes_list(ctx: Ctx) -> None:
    rec = ctx.app_record()
    vols = rec["volumes"]
    if ctx.json:
        ctx.emit_json(vols)
        return
    # volumes/volumes.go renderTable (showHostStatus: list passes true).
    rows = [
        [
            v["id"] + ("*" if v.get("host_status") == "unreachable" else ""),
            v["state"],
            v["name"],
            f"{v['size_gb']}GB",
            v["region"],
            v.get("zone") or "",
            "true" if v.get("encrypted") else "false",
            v.get("attached_machine_id") or "",
            humanize_time(v["created_at"]),
        ]
        for v in vols
    ]
    headers = ["ID", "STATE", "NAME", "SIZE", "REGION", "ZONE", "ENCRYPTED", "ATTACHED VM"]
    ctx.out += table([*headers, "CREATED AT"], rows)
    if any(v.get("host_status") == "unreachable" for v in vols):
        ctx.out.append("* These volumes' hosts could not be reached.")


def cmd_volumes_create(ctx: Ctx) -> None:
    """internal/command/volumes/create.go runCreate."""
    p = ctx.p
    name = p.args[0]
    rec = ctx.app_record()
    count = p.get("--count")
    # confirmVolumeCreate: no warning with --yes, with --count above 1, or when the app already
    # has a volume of that name; otherwise the warning, then a prompt no script can answer.
    if not p.get("--yes") and count <= 1 and not any(v["name"] == name for v in rec["volumes"]):
        ctx.warn(
            "Warning! Every volume is pinned to a specific physical host. You should create two "
            "or more volumes per application to avoid downtime. Learn more at "
            "https://fly.io/docs/volumes/overview/"
        )
        raise CliError(YES_NONINTERACTIVE)
    # prompt.Region: --region, else FLY_REGION (config.go), else a prompt.
    region = p.get("--region") or os.environ.get("FLY_REGION")
    if not region:
        raise CliError("region code must be specified when not running interactively")
    if region not in PLATFORM_REGIONS:
        raise CliError(f"region {region} not found")
    if "--fs-type" in p.specified and p.get("--fs-type") not in ("ext4", "raw"):
        raise CliError(f'filesystem "{p.get("--fs-type")}" must be either "ext4" or "raw"')
    if "--vm-gpus" in p.specified or "--vm-gpu-kind" in p.specified:
        # flag/machines.go GetMachineGuest.
        raise CliError(
            "GPU machines are no longer supported: --vm-gpu-kind and --vm-gpus are no longer "
            "accepted"
        )
    for _ in range(count):
        vol = new_volume(name, region, p.get("--size"), p.get("--snapshot-retention"))
        vol["encrypted"] = not p.get("--no-encryption")
        if "--scheduled-snapshots" in p.specified:
            vol["auto_backup_enabled"] = bool(p.get("--scheduled-snapshots"))
        rec["volumes"].append(vol)
        if ctx.json:
            ctx.emit_json(vol)
            continue
        # volumes.go printVolume: each label right-aligned in 20 columns.
        created = _dt.datetime.strptime(vol["created_at"], "%Y-%m-%dT%H:%M:%SZ")
        rows = [
            ("ID", vol["id"]),
            ("Name", vol["name"]),
            ("App", ctx.app),
            ("Region", vol["region"]),
            ("Zone", vol["zone"]),
            ("Size GB", str(vol["size_gb"])),
            ("Encrypted", str(vol["encrypted"]).lower()),
            # Go's time.RFC822, "02 Jan 06 15:04 MST".
            ("Created at", created.strftime("%d %b %y %H:%M UTC")),
            ("Snapshot retention", str(vol["snapshot_retention"])),
            ("Scheduled snapshots", str(vol["auto_backup_enabled"]).lower()),
        ]
        for label, value in rows:
            ctx.say(f"{label:>20}: {value}")


def _stage_flag(ctx: Ctx) -> bool:
    return bool(ctx.p.get("--stage"))


def cmd_secrets_import(ctx: Ctx) -> None:
    ctx.app_record()
    data = sys.stdin.buffer.read() if not sys.stdin.isatty() else b""
    if PARSE_FAIL:
        text = data.decode("utf-8", "surrogateescape")
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        raise parse_error(lines[0] if lines else "")
    # secrets/import.go runImport: parseSecrets' error gets this prefix.
    try:
        pairs = flyctl_stdin.parse_secrets(data)
    except flyctl_stdin.ParseError as exc:
        raise CliError(f"Failed to parse secrets from stdin: {exc}") from None
    if not pairs:
        raise CliError("requires at least one SECRET=VALUE pair")
    apply_secrets(ctx, dict(pairs), _stage_flag(ctx))


def cmd_secrets_set(ctx: Ctx) -> None:
    # secrets/set.go runSet, with cmdutil.ParseKVStringsToMap (internal/cmdutil/flags.go).
    ctx.app_record()
    pairs: dict[str, str | None] = {}
    for arg in ctx.p.args:
        name, eq, value = arg.partition("=")
        if not eq:
            raise CliError(f"could not parse secrets: '{arg}': must be in the format NAME=VALUE")
        pairs[name] = value
    for name, value in pairs.items():
        if value == "-":
            if sys.stdin.isatty():
                raise CliError(f"secret `{name}` expects standard input but none provided")
            try:
                pairs[name] = flyctl_stdin.read_stdin(sys.stdin.buffer.read())
            except flyctl_stdin.StdinTooLong as exc:
                raise CliError(f"error reading stdin for '{name}': {exc}") from None
    if not pairs:
        raise CliError("requires at least one SECRET=VALUE pair")
    apply_secrets(ctx, pairs, _stage_flag(ctx))


def cmd_secrets_unset(ctx: Ctx) -> None:
    ctx.app_record()
    apply_secrets(ctx, dict.fromkeys(ctx.p.args), _stage_flag(ctx))


def cmd_secrets_list(ctx: Ctx) -> None:
    rec = ctx.app_record()
    items = [
        {"name": n, "digest": s["digest"], "status": s["status"]}
        for n, s in sorted(rec["secrets"].items())
    ]
    if ctx.json:
        ctx.emit_json(items)
        return
    prefix = {"Staged": "* ", "Partial": "! "}
    rows = [[prefix.get(i["status"], "") + i["name"], i["digest"], i["status"]] for i in items]
    ctx.out += table(["NAME", "DIGEST", "STATUS"], rows)


def cmd_secrets_deploy(ctx: Ctx) -> None:
    rec = ctx.app_record()
    if not rec["releases"] or not rec["machines"]:
        raise CliError(
            "no machines available to deploy",
            description="'fly secrets deploy' will only work if the app has been deployed and "
            "there are machines available",
            suggestion="Try 'fly deploy' first",
        )
    restart_machines(ctx, rec)


def _group(m: dict[str, Any]) -> str:
    return str(m["config"].get("metadata", {}).get("fly_process_group") or "")


def pop_volume(pool: list[dict[str, Any]], name: str, region: str) -> dict[str, Any] | None:
    # deploy/machines.go popVolumeFor: the first unattached volume of that name in the region.
    for i, v in enumerate(pool):
        if v["name"] == name and (not region or v["region"] == region):
            return pool.pop(i)
    return None


def provision_first_volumes(
    ctx: Ctx, rec: dict[str, Any], config: dict[str, Any], region: str, pool: list[dict[str, Any]]
) -> None:
    """deploy/deploy_first.go provisionVolumesOnFirstDeploy: one volume per group mount.

    In the primary region, left unattached for the machine launched next; an unattached
    volume of the same name that already exists is used instead of a new one.
    """
    existent: dict[str, int] = {}
    for v in pool:
        existent[v["name"]] = existent.get(v["name"], 0) + 1
    for group in groups_of(config):
        for mount in mounts_for(config, group):
            source = mount["source"]
            if existent.get(source, 0) > 0:
                existent[source] -= 1
                continue
            # The mount's initial_size, else --volume-initial-size, else 1 GB
            # (DefaultVolumeInitialSizeGB).
            size = parse_size_gb(mount.get("initial_size")) or int(
                ctx.p.get("--volume-initial-size") or 1
            )
            ctx.say(
                f"Creating a {size} GB volume named '{source}' for process group '{group}'. "
                "Use 'fly vol extend' to increase its size"
            )
            vol = new_volume(source, region, size, mount.get("snapshot_retention"))
            rec["volumes"].append(vol)
            pool.append(vol)


def validate_volume_config(
    ctx: Ctx, rec: dict[str, Any], config: dict[str, Any], pool: list[dict[str, Any]]
) -> None:
    """deploy/machines.go validateVolumeConfig, run on every deploy after the first's volumes.

    A group with machines: each machine without a volume while fly.toml mounts one needs an
    unattached volume of that name in its region; a group without machines needs one
    unattached volume of each mount's name, anywhere. Counting never consumes the pool.
    """
    for group in groups_of(config):
        mounts = mounts_for(config, group)
        machines = [m for m in rec["machines"] if _group(m) == group]
        if not machines:
            for mount in mounts:
                source = mount["source"]
                if not any(v["name"] == source for v in pool):
                    raise CliError(
                        f"creating a new machine in group '{group}' requires an unattached "
                        f"'{source}' volume. Create it with `fly volume create {source}`"
                    )
            continue
        source = mounts[0]["source"] if mounts else ""
        destination = mounts[0]["destination"] if mounts else ""
        needs: dict[str, int] = {}
        for m in machines:
            attached = m["config"].get("mounts") or []
            if not destination and attached:
                ctx.warn(
                    f"Warning! machine {m['id']} [{group}] has a volume mounted but app config "
                    "does not specify a volume.\nThis usually indicates a misconfiguration."
                )
                # prompt.Confirm without a TTY; deploy's --yes does not answer it.
                raise CliError(YES_NONINTERACTIVE)
            if destination and not attached:
                needs[m["region"]] = needs.get(m["region"], 0) + 1
            if attached and source and attached[0].get("name") and source != attached[0]["name"]:
                # The arguments in flyctl's order: the fly.toml name, then the volume's ID,
                # then the name of the volume attached.
                raise CliError(
                    f"machine {m['id']} [{group}] can't update the attached volume {source} "
                    f"with name '{attached[0].get('volume')}' by '{attached[0]['name']}'"
                )
        have: dict[str, int] = {}
        for v in pool:
            if v["name"] == source:
                have[v["region"]] = have.get(v["region"], 0) + 1
        # flyctl ranges over a Go map here, so with several regions its order varies from run
        # to run; the fake sorts them.
        missing = [
            f"{r}={n - have.get(r, 0)}" for r, n in sorted(needs.items()) if n > have.get(r, 0)
        ]
        if missing:
            raise CliError(
                f"Process group '{group}' needs volumes with name '{source}' to fulfill mounts "
                f"defined in fly.toml; Run `fly volume create {source} -r REGION -n COUNT` for "
                f"the following regions and counts: {' '.join(missing)}"
            )


def update_machine(
    ctx: Ctx,
    rec: dict[str, Any],
    m: dict[str, Any],
    mconfig: dict[str, Any],
    mounts: list[dict[str, Any]],
    pool: list[dict[str, Any]],
) -> None:
    """An existing machine takes the new config (deploy/machines_launchinput.go
    launchInputForUpdate): it keeps the volume it has (with fly.toml's path), or, gaining a
    mount, is replaced by a machine in its own region on an unattached volume there."""
    old_mounts = m["config"].get("mounts") or []
    m["config"] = json.loads(json.dumps(mconfig))
    m["updated_at"] = now()
    m["instance_id"] = "01" + hexid(12).upper()
    if old_mounts and mounts and not old_mounts[0].get("name"):
        # The attached volume's name is unknown: flyctl keeps the mount as it is.
        m["config"]["mounts"] = old_mounts
        return
    if old_mounts and mounts:
        # Same name (validateVolumeConfig refused any other): the volume stays, and only the
        # destination may change in place.
        m["config"]["mounts"] = [{**old_mounts[0], "path": mounts[0]["destination"]}]
        return
    if not mounts:
        return
    group = _group(m)
    vol = pop_volume(pool, mounts[0]["source"], m["region"])
    if vol is None:
        raise CliError(
            f"machine in group '{group}' needs an unattached volume named "
            f"'{mounts[0]['source']}' in region '{m['region']}'",
            partial=True,
        )
    # machines_deploymachinesapp.go updateMachineByReplace: the old machine is destroyed and
    # a new one launched from the input (region and volume above). fly-go's LaunchMachineInput
    # keeps the old ID client side only (json:"-"), so the machines API gives it a new one.
    rec["machines"].remove(m)
    replacement = new_machine(ctx.state, ctx.app, group, m["region"], m["config"])
    attach(vol, replacement, mounts[0])
    rec["machines"].append(replacement)


def cmd_deploy(ctx: Ctx) -> None:
    p = ctx.p
    for flag in ("--wait-timeout", "--release-command-timeout"):
        parse_duration(p.get(flag), flag)
    if p.get("--max-unavailable") <= 0:
        raise CliError("the value for --max-unavailable must be > 0")
    retries = p.get("--deploy-retries")
    if retries != "auto" and not re.fullmatch(r"\d+", retries):
        raise CliError("--deploy-retries must be set to a positive integer, 0, or 'auto'")
    rec = ctx.app_record(
        error="the app name {name} could not be found, did you create the app or misspell it "
        "in the fly.toml file or via -a?"
    )
    app = ctx.app
    if ctx.config is not None:
        config = dict(ctx.config)
        ctx.warn(f"==> Verifying app config\nValidating {ctx.config_path}")
    elif rec["releases"]:
        config = dict(rec["releases"][-1]["config"])
    else:
        config = {}
    config["app"] = app
    errors, _ = validate_config(config, strict=False)
    if errors:
        for e in errors:
            ctx.say(f"\n   ✘{e}")
        raise CliError("App configuration is not valid")
    if ctx.config is not None:
        ctx.warn("✓ Configuration is valid")
    build = config.get("build") or {}
    image = p.get("--image") or build.get("image")
    if image:
        ctx.warn(f"Searching for image '{image}' remotely...")
    else:
        dockerfile = p.get("--dockerfile") or build.get("dockerfile") or "Dockerfile"
        if not (ctx.cwd / dockerfile).is_file():
            raise CliError(
                "failed to fetch an image or build from source: app does not have a Dockerfile "
                "or buildpacks configured."
            )
        image = f"registry.fly.io/{app}:deployment-{hexid(13).upper()}"
        ctx.warn(f"==> Building image\nimage: {image}")
    if p.get("--build-only"):
        return
    ctx.warn(f"Watch your deployment at https://fly.io/apps/{app}/monitoring")
    region = p.get("--primary-region") or config.get("primary_region") or "iad"
    # deploy/machines.go setFirstDeploy: the first deploy is one to an app that is not yet
    # deployed (fly-go flaps_apps.go Deployed: status "deployed" or "suspended", see
    # app_status) and has no machines.
    first = app_status(rec) not in ("deployed", "suspended") and not rec["machines"]
    # setVolumes: the unattached volumes this deploy may attach, looked up only if fly.toml
    # mounts any. Both steps below run in NewMachineDeployment, before the release exists.
    pool = unattached_volumes(rec) if all_mounts(config) else []
    if first:
        provision_first_volumes(ctx, rec, config, region, pool)
    validate_volume_config(ctx, rec, config, pool)
    release_cmd = (config.get("deploy") or {}).get("release_command")
    if release_cmd and not p.get("--skip-release-command"):
        ctx.warn(f"Running {app} release_command: {release_cmd}")
        if os.environ.get("FLYCTL_FAKE_RELEASE_COMMAND_FAIL"):
            # deploy/machines_releasecommand.go runReleaseCommand: its own "Error release_command
            # failed" line, up to 100 log lines, then the error that
            # machines_deploymachinesapp.go wraps; cli.go exits 1.
            mid = hexid(7)
            ctx.warn(f"Error release_command failed running on machine {mid} with exit code 1.")
            ctx.warn("Checking logs: fetching the last 100 lines below:")
            ctx.err += app_log_lines()[-100:]
            # partial: a first deploy's volumes, made before the release command, stay.
            raise CliError(
                "release command failed - aborting deployment. "
                f"machine {mid} exited with non-zero status of 1",
                partial=True,
            )
    version = (rec["releases"][-1]["version"] if rec["releases"] else 0) + 1
    release_id = hexid(6)
    strategy = p.get("--strategy") or (config.get("deploy") or {}).get("strategy") or "rolling"
    rec["releases"].append(
        {
            "id": release_id,
            "version": version,
            "image": image,
            "config": config,
            "strategy": strategy,
            "created_at": now(),
            # Not part of the real release object: recorded so tests can see what was passed.
            "flags": {
                "build_args": p.get("--build-arg", []),
                "env": p.get("--env", []),
                "wait_timeout": p.get("--wait-timeout"),
                "remote_only": p.get("--remote-only"),
                "ha": p.get("--ha"),
            },
        }
    )
    env = {str(k): str(v) for k, v in (config.get("env") or {}).items()}
    for pair in p.get("--env", []):
        k, _, v = pair.partition("=")
        env[k] = v
    has_services = False
    for group in groups_of(config):
        services = services_for(config, group)
        has_services = has_services or bool(services)
        mounts = mounts_for(config, group)
        mconfig: dict[str, Any] = {
            "env": {**env, "FLY_PROCESS_GROUP": group, "PRIMARY_REGION": region},
            "guest": guest_for(config, group, p),
            "metadata": {
                "fly_platform_version": "v2",
                "fly_process_group": group,
                "fly_release_id": release_id,
                "fly_release_version": str(version),
                "fly_flyctl_version": FAKE_VERSION,
            },
            "image": image,
            "restart": {"policy": "on-failure", "max_retries": 10},
        }
        procs = config.get("processes") or {}
        if group in procs:
            mconfig["init"] = {"cmd": str(procs[group]).split()}
        if services:
            mconfig["services"] = services
        existing = [
            m
            for m in rec["machines"]
            if m["config"].get("metadata", {}).get("fly_process_group") == group
        ]
        if existing:
            for m in existing:
                update_machine(ctx, rec, m, mconfig, mounts, pool)
            continue
        count = 1 if mounts or not p.get("--ha") else 2
        for _ in range(count):
            m = new_machine(ctx.state, app, group, region, mconfig)
            if mounts:
                # deploy/machines_launchinput.go launchInputForLaunch: a new machine runs in
                # the primary region, on an unattached volume of the mount's name there.
                vol = pop_volume(pool, mounts[0]["source"], region)
                if vol is None:
                    raise CliError(
                        f"New machine in group '{group}' needs an unattached volume named "
                        f"'{mounts[0]['source']}' in region '{region}'",
                        partial=True,
                    )
                attach(vol, m, mounts[0])
            rec["machines"].append(m)
            ctx.warn(f"Creating a new machine {m['id']} [{group}]")
    if first and has_services and not rec["ips"] and not p.get("--no-public-ips"):
        ctx.say(f"Provisioning ips for {app}")
        if p.get("--flycast"):
            ip = allocate_ip(ctx.state, "private_v6")
            rec["ips"].append(ip)
            ctx.say(f"  Private ipv6: {ip['address']}")
        else:
            v6, v4 = allocate_ip(ctx.state, "v6"), allocate_ip(ctx.state, "shared_v4")
            rec["ips"] += [v6, v4]
            ctx.say(f"  Dedicated ipv6: {v6['address']}")
            ctx.say(f"  Shared ipv4: {v4['address']}")
    if os.environ.get("FLYCTL_FAKE_DEPLOY_UNHEALTHY") and rec["machines"]:
        # internal/machine/leasable_machine.go WaitForHealthchecksToPass: the wait's context
        # runs out inside flaps Get (fly-go flaps_machines.go "failed to get VM"). The deploy's
        # suggestChangeWaitTimeout turns it into a flyerr.GenericErr holding only the text, so
        # cli.go no longer sees context.DeadlineExceeded and exits 1, not 126.
        mid = rec["machines"][0]["id"]
        ctx.err += app_log_lines()
        raise CliError(
            f"timeout reached waiting for health checks to pass for machine {mid}: failed to "
            f'get VM {mid}: Get "https://api.machines.dev/v1/apps/{app}/machines/{mid}": '
            "context deadline exceeded"
        )
    for s in rec["secrets"].values():
        s["status"] = "Deployed"
    ctx.say(f"Visit your newly deployed app at https://{app}.fly.dev/")


def _current_group_counts(rec: dict[str, Any]) -> dict[str, int]:
    groups = groups_of(rec["releases"][-1]["config"])
    counts = dict.fromkeys(groups, 0)
    for m in rec["machines"]:
        g = m["config"].get("metadata", {}).get("fly_process_group")
        counts[g] = counts.get(g, 0) + 1
    return counts


def cmd_scale_count(ctx: Ctx) -> None:
    rec = ctx.app_record()
    if not rec["releases"]:
        raise CliError(
            "this app has no complete releases. Run `fly deploy` to create one and rerun this "
            "command"
        )
    release = rec["releases"][-1]
    # scale/count_machines.go: --region lists the regions acted on; without it, every region
    # with a machine of the app (else the primary region). Counts are per group over those
    # regions only (convergeGroupCounts), so machines elsewhere are neither counted nor touched.
    regions = [r for r in (ctx.p.get("--region") or "").split(",") if r]
    if not regions:
        regions = sorted({m["region"] for m in rec["machines"]}) or [
            release["config"].get("primary_region", "iad")
        ]
    counts = _current_group_counts(rec)
    in_regions = {
        g: sum(
            1
            for m in rec["machines"]
            if m["config"].get("metadata", {}).get("fly_process_group") == g
            and m["region"] in regions
        )
        for g in counts
    }
    default = ctx.p.get("--process-group") or "app"
    wanted: dict[str, int] = {}
    for arg in ctx.p.args:
        group, eq, raw = arg.rpartition("=")
        group = group if eq else default
        base = in_regions.get(group, 0)
        if re.fullmatch(r"[+-]\d+", raw):
            wanted[group] = max(0, base + int(raw))
        elif re.fullmatch(r"\d+", raw):
            wanted[group] = int(raw)
        else:
            raise CliError(f"'{arg}' is not a valid process=count option")
    unknown = sorted(g for g in wanted if g not in counts)
    if unknown:
        raise CliError(
            f"Attempting to scale unknown process groups [{' '.join(unknown)}] but valid names "
            f"are [{' '.join(sorted(counts))}]"
        )
    changes = {g: n for g, n in wanted.items() if in_regions[g] != n}
    if not changes:
        ctx.say("App already scaled to desired state. No need for changes")
        return
    ctx.say(f"App '{ctx.app}' is going to be scaled according to this plan:")
    for g, n in sorted(changes.items()):
        delta = n - in_regions[g]
        ctx.say(f"{delta:+d} machines for group '{g}'")
    if not ctx.p.get("--yes"):
        raise CliError("--yes flag must be specified when not running interactively")
    ctx.say("Executing scale plan")
    region = regions[0]
    for g, n in sorted(changes.items()):
        group_machines = [
            m
            for m in rec["machines"]
            if m["config"].get("metadata", {}).get("fly_process_group") == g
        ]
        members = [m for m in group_machines if m["region"] in regions]
        if n < len(members):
            doomed = {m["id"] for m in members[n:]}
            rec["machines"] = [m for m in rec["machines"] if m["id"] not in doomed]
            for mid in sorted(doomed):
                ctx.say(f"  Destroyed {mid} group:{g} region:{region}")
            continue
        # The group's first machine, wherever it runs, is the template (computeActions).
        template = group_machines[0]["config"] if group_machines else None
        if template is None:
            raise CliError(f"No active machines in process group '{g}', check `fly status` output")
        for _ in range(n - len(members)):
            m = new_machine(ctx.state, ctx.app, g, region, template)
            mounts = template.get("mounts") or []
            if mounts:
                # scale/machine_defaults.go CreateVolumeRequest: a new volume of the template
                # mount's size in the new machine's region (no snapshot_retention is passed).
                vol = new_volume(mounts[0]["name"], region, mounts[0].get("size_gb") or 1)
                vol["attached_machine_id"] = m["id"]
                rec["volumes"].append(vol)
                m["config"]["mounts"] = [{**mounts[0], "volume": vol["id"]}]
            rec["machines"].append(m)
            ctx.say(f"  Created {m['id']} group:{g} region:{region} size:shared-cpu-1x")


def cmd_scale_show(ctx: Ctx) -> None:
    rec = ctx.app_record()
    out = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for m in rec["machines"]:
        groups.setdefault(m["config"].get("metadata", {}).get("fly_process_group"), []).append(m)
    for g, ms in sorted(groups.items()):
        regions: dict[str, int] = {}
        for m in ms:
            regions[m["region"]] = regions.get(m["region"], 0) + 1
        guest = ms[0]["config"]["guest"]
        out.append(
            {
                "Process": g,
                "Count": len(ms),
                "CPUKind": guest["cpu_kind"],
                "CPUs": guest["cpus"],
                "Memory": guest["memory_mb"],
                "Regions": dict(sorted(regions.items())),
            }
        )
    if ctx.json:
        ctx.emit_json(out)
        return
    rows = [
        [
            o["Process"],
            str(o["Count"]),
            o["CPUKind"],
            str(o["CPUs"]),
            f"{o['Memory']}MB",
            ",".join(f"{r}({c})" for r, c in o["Regions"].items()),
        ]
        for o in out
    ]
    ctx.out += table(["NAME", "COUNT", "KIND", "CPUS", "MEMORY", "REGIONS"], rows)


def cmd_ips_allocate_v4(ctx: Ctx) -> None:
    rec = ctx.app_record()
    shared = ctx.p.get("--shared")
    if not shared and not ctx.p.get("--yes"):
        raise CliError(YES_NONINTERACTIVE)
    ip = allocate_ip(ctx.state, "shared_v4" if shared else "v4", ctx.p.get("--region") or "global")
    rec["ips"].append(ip)
    ctx.out += ip_rows([ip])


def cmd_ips_allocate_v6(ctx: Ctx) -> None:
    rec = ctx.app_record()
    kind = "private_v6" if ctx.p.get("--private") else "v6"
    ip = allocate_ip(ctx.state, kind, ctx.p.get("--region") or "global")
    rec["ips"].append(ip)
    ctx.out += ip_rows([ip])


def cmd_ips_list(ctx: Ctx) -> None:
    rec = ctx.app_record()
    if ctx.json:
        ctx.emit_json([ip_json(ip) for ip in rec["ips"]])
    else:
        ctx.out += ip_rows(rec["ips"])


def cmd_ips_release(ctx: Ctx) -> None:
    rec = ctx.app_record()
    for address in ctx.p.args:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise CliError(f"Invalid IP address: '{address}'") from None
        match = [ip for ip in rec["ips"] if ip["address"] == address]
        if not match:
            raise CliError(f'Could not find IP address "{address}"')  # APPROX
        rec["ips"] = [ip for ip in rec["ips"] if ip["address"] != address]
        ctx.say(f"Released {address} from {ctx.app}")


def cert_detail(app: str, rec: dict[str, Any], cert: dict[str, Any]) -> dict[str, Any]:
    host = cert["hostname"]
    ready = cert["status"] == "Ready"
    return {
        "hostname": host,
        "configured": ready,
        "acme_requested": True,
        "status": cert["status"],
        "certificates": [
            {
                "source": "fly",
                "status": "active" if ready else "pending",
                "created_at": cert["created_at"],
                **(
                    {
                        "issuer": "Let's Encrypt",
                        "expires_at": "2099-01-01T00:00:00Z",
                        "issued": [
                            {"type": "rsa", "expires_at": "2099-01-01T00:00:00Z"},
                            {"type": "ecdsa", "expires_at": "2099-01-01T00:00:00Z"},
                        ],
                    }
                    if ready
                    else {"issued": []}
                ),
            }
        ],
        "validation": {
            "dns_configured": ready,
            "alpn_configured": ready,
            "http_configured": ready,
            "ownership_txt_configured": False,
        },
        "dns_requirements": {
            "a": [ip["address"] for ip in rec["ips"] if ip["type"] in ("v4", "shared_v4")],
            "aaaa": [ip["address"] for ip in rec["ips"] if ip["type"] == "v6"],
            "cname": f"{app}.fly.dev",
            "acme_challenge": {
                "name": f"_acme-challenge.{host}",
                "target": f"{host}.{app[:6]}.flydns.net",
            },
            "ownership": {
                "name": f"_fly-ownership.{host}",
                "app_value": f"app-{rec['numeric_id']}",
                "org_value": f"org-{rec['org']}",
            },
        },
    }


def _find_cert(ctx: Ctx) -> tuple[dict[str, Any], dict[str, Any]]:
    rec = ctx.app_record()
    host = ctx.p.args[0]
    if host not in rec["certs"]:
        raise CliError(f'Could not find Certificate "{host}" for app {ctx.app}')  # APPROX
    return rec, rec["certs"][host]


def cmd_certs_add(ctx: Ctx) -> None:
    rec = ctx.app_record()
    host = ctx.p.args[0]
    if host in rec["certs"]:
        # APPROX: certificates/root.go runCertificatesAdd passes the API's refusal through
        # (flaps CreateACMECertificate); the wording is Fly's.
        raise CliError("Hostname already exists on app")
    cert = {"hostname": host, "status": "Awaiting configuration", "created_at": now(), "checks": 0}
    rec["certs"][host] = cert
    cert["updated_at"] = now()
    detail = cert_detail(ctx.app, rec, cert)
    if ctx.json:
        ctx.emit_json(detail)
        return
    ctx.say(f"✓ Certificate created for {host}")
    ctx.say("Recommended DNS setup:")
    for a in detail["dns_requirements"]["a"]:
        ctx.say(f"  A    {host} → {a}")
    for a in detail["dns_requirements"]["aaaa"]:
        ctx.say(f"  AAAA {host} → {a}")
    ctx.say(f"Run fly certs check {host} to verify")


def cmd_certs_check(ctx: Ctx) -> None:
    rec, cert = _find_cert(ctx)
    cert["checks"] += 1
    if cert["checks"] >= int(os.environ.get("FLYCTL_FAKE_CERT_CHECKS", "1")):
        cert["status"] = "Ready"
    cert["updated_at"] = now()
    detail = cert_detail(ctx.app, rec, cert)
    if ctx.json:
        ctx.emit_json(detail)
    else:
        ctx.say(f"Status = {cert['status']}")


def cmd_certs_list(ctx: Ctx) -> None:
    rec = ctx.app_record()
    items = []
    for host, cert in sorted(rec["certs"].items())[:50]:
        ready = cert["status"] == "Ready"
        items.append(
            {
                "hostname": host,
                "status": cert["status"],
                "acme_dns_configured": ready,
                "acme_alpn_configured": ready,
                "acme_http_configured": ready,
                "ownership_txt_configured": False,
                "configured": ready,
                "acme_requested": True,
                "has_custom_certificate": False,
                "has_fly_certificate": ready,
                "created_at": cert["created_at"],
                "updated_at": cert["updated_at"],
            }
        )
    if ctx.json:
        ctx.emit_json(items)
        return
    ctx.out += table(
        ["HOSTNAME", "SOURCE", "STATUS"], [[i["hostname"], "fly", i["status"]] for i in items]
    )


def cmd_certs_remove(ctx: Ctx) -> None:
    if ctx.p.get("--custom") and ctx.p.get("--acme"):
        raise CliError("cannot specify both --custom and --acme")
    # The confirmation names only the host and the app, so flyctl asks before it looks
    # anything up: without --yes even a missing certificate fails on the prompt.
    if not ctx.p.get("--yes"):
        raise CliError(NONINTERACTIVE)
    rec, cert = _find_cert(ctx)
    del rec["certs"][cert["hostname"]]
    ctx.say(f"✓ Certificate {cert['hostname']} deleted from app {ctx.app}")


def cmd_config_validate(ctx: Ctx) -> None:
    if ctx.config is None:
        rec = ctx.app_record()
        config = rec["releases"][-1]["config"] if rec["releases"] else {"app": ctx.app}
        ctx.say(f"Validating remote config for {ctx.app}")  # APPROX
    else:
        config = ctx.config
        ctx.say(f"Validating {ctx.config_path}")
    errors, findings = validate_config(config, strict=bool(ctx.p.get("--strict")))
    if errors:
        for e in errors:
            ctx.say(f"\n   ✘{e}")
        raise CliError("App configuration is not valid")
    if findings:
        ctx.say("Strict validation found unrecognised sections or keys:")
        for f in findings:
            ctx.say(f"  - {f}")
        raise CliError("strict validation failed")
    ctx.say("✓ Configuration is valid")


# ---- unmanaged postgres
def cmd_postgres_create(ctx: Ctx) -> None:
    p = ctx.p
    name = p.get("--name") or (f"pg-{hexid(4)}" if p.get("--generate-name") else "")
    if not name:
        raise CliError("name argument or flag must be specified when not running interactively")
    org = pick_org(ctx)
    region = p.get("--region") or os.environ.get("FLY_REGION")
    if not region:
        raise CliError("region code must be specified when not running interactively")
    sizing = (
        "--initial-cluster-size",
        "--vm-size",
        "--volume-size",
        "--vm-cpus",
        "--vm-memory",
        "--vm-cpu-kind",
    )
    if not any(f in p.specified for f in sizing):
        raise CliError(NONINTERACTIVE)  # the "Select configuration" menu
    if "--initial-cluster-size" not in p.specified:
        raise CliError(NONINTERACTIVE)
    if not ({"--vm-size", "--vm-cpus", "--vm-memory", "--vm-cpu-kind"} & p.specified):
        raise CliError(NONINTERACTIVE)
    if "--volume-size" not in p.specified:
        raise CliError(NONINTERACTIVE)
    rec = create_app_checked(ctx, name, org)
    password = p.get("--password") or _rand.token_hex(12)
    rec["pg"] = {"attachments": [], "users": ["postgres"]}
    config = {
        "env": {"PRIMARY_REGION": region},
        "guest": guest_for({}, "app", p),
        "metadata": {"fly-managed-postgres": "true", "managed-by-fly-deploy": "false"},
        "image": p.get("--image-ref") or "flyio/postgres-flex:16",
    }
    for _ in range(p.get("--initial-cluster-size")):
        rec["machines"].append(new_machine(ctx.state, name, "app", region, config))
    flycast = allocate_ip(ctx.state, "private_v6")
    rec["ips"].append(flycast)
    # Real flyctl prints the password once; the fake cannot show it again, so it keeps the
    # password itself for `postgres attach` URLs. It is generated, never a caller's secret
    # unless passed as --password (which real flyctl also puts in argv).
    rec["pg"]["password"] = password
    ctx.say(f"Postgres cluster {name} created")
    ctx.say("  Username:    postgres")
    ctx.say(f"  Password:    {password}")
    ctx.say(f"  Hostname:    {name}.internal")
    ctx.say(f"  Flycast:     {flycast['address']}")
    ctx.say("  Proxy port:  5432")
    ctx.say("  Postgres port:  5433")
    ctx.say(f"  Connection string: postgres://postgres:{password}@{name}.flycast:5432")


def cmd_postgres_attach(ctx: Ctx) -> None:
    # internal/command/postgres/attach.go runAttachCluster, step by step.
    rec = ctx.app_record()
    pg_name = ctx.p.args[0]
    pg = ctx.state.apps.get(pg_name)
    if pg is None:
        raise CliError(f'failed retrieving postgres app {pg_name}: Could not find App "{pg_name}"')
    if not pg.get("pg"):
        raise CliError(f"app {pg_name} is not a postgres app")
    var = ctx.p.get("--variable-name")
    db = (ctx.p.get("--database-name") or ctx.app).replace("-", "_").lower()
    user = (ctx.p.get("--database-user") or ctx.app).replace("-", "_").lower()
    ctx.say("Checking for existing attachments")
    if var in rec["secrets"]:
        raise CliError(f'consumer app "{ctx.app}" already contains a secret named {var}')
    db_exists = db in pg["pg"].setdefault("databases", [])
    if db_exists and not ctx.p.get("--yes"):
        raise CliError(NONINTERACTIVE)  # "Database %q already exists. Continue ...?"
    if user in pg["pg"]["users"]:
        raise CliError(
            f'database user "{user}" already exists. Please specify a new database user via '
            "--database-user"
        )
    ctx.say("Registering attachment")
    pg["pg"]["attachments"].append({"app": ctx.app, "database": db, "user": user, "var": var})
    if not db_exists:
        ctx.say("Creating database")
        pg["pg"]["databases"].append(db)
    ctx.say("Creating user")
    pg["pg"]["users"].append(user)
    if os.environ.get("FLYCTL_FAKE_PG_ATTACH_SECRET_FAIL") and not pg["pg"].get("failed_once"):
        # The user and database now exist; only the app's secret is missing.
        pg["pg"]["failed_once"] = True
        raise CliError(INJECTED["transient"].replace("get app", "update app secrets"), partial=True)
    password = _rand.token_hex(12)
    url = f"postgres://{user}:{password}@{pg_name}.flycast:5432/{db}?sslmode=disable"
    rec["secrets"][var] = {"digest": digest(url), "status": "Staged"}
    ctx.say(f"\nPostgres cluster {pg_name} is now attached to {ctx.app}")
    ctx.say(f"The following secret was added to {ctx.app}:\n  {var}={url}")


def cmd_postgres_detach(ctx: Ctx) -> None:
    ctx.app_record()
    pg_name = ctx.p.args[0]
    if pg_name not in ctx.state.apps:
        raise CliError(f'Could not find App "{pg_name}"')
    raise CliError(NONINTERACTIVE)  # always a Select prompt


def cmd_postgres_list(ctx: Ctx) -> None:
    names = sorted(n for n, r in ctx.state.apps.items() if r.get("pg"))
    if not names:
        ctx.say("No postgres clusters found")
        return
    if ctx.json:
        ctx.emit_json([app_json(n, ctx.state.apps[n]) for n in names])
        return
    rows = [[n, ctx.state.apps[n]["org"], "deployed", ""] for n in names]
    ctx.out += table(["NAME", "OWNER", "STATUS", "LATEST DEPLOY"], rows)


# ---- managed postgres
def _cluster(ctx: Ctx, cid: str) -> dict[str, Any]:
    # internal/command/mpg/mpg.go ClusterFromArgOrSelect: every failed lookup by ID (a 404, a
    # 5xx, a timeout) becomes this one error; FLYCTL_FAKE_FAIL's `lookup` kind is such a
    # failure for a cluster that does exist.
    cluster = ctx.state.data["mpg"].get(cid)
    if cluster is None or LOOKUP_FAIL:
        raise CliError(f'managed postgres cluster "{cid}" not found')
    return cluster  # type: ignore[no-any-return]


def _cluster_public(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": c["id"],
        "mpgd_cluster_id": c["id"],
        "version": c["pg_major_version"],
        "name": c["name"],
        "region": c["region"],
        "status": c.get("status", "ready"),
        "plan": c["plan"],
        "disk": c["disk"],
        "replicas": 0,
        "organization": org_json(c["org"]),
        "ip_assignments": {"direct": f"fdaa:0:2:0:{c['id'][:4]}::1"},
        "attached_apps": c["attached_apps"],
    }


def _pgbouncer(c: dict[str, Any]) -> str:
    return f"postgresql://fly-user:{c['password']}@pgbouncer.{c['id']}.flympg.net/fly-db"


def cmd_mpg_create(ctx: Ctx) -> None:
    p = ctx.p
    name = p.get("--name")
    if not name:
        raise CliError("name argument or flag must be specified when not running interactively")
    org = pick_org(ctx)
    if "--v2" in p.specified:
        ctx.warn("The --v2 flag is deprecated; clusters are always created on the v2 backend")
    plan = MPG_PLANS.get(str(p.get("--plan") or "").lower(), "Basic")
    region = p.get("--region")
    if not region:
        raise CliError(NONINTERACTIVE)
    if region not in MPG_REGIONS:
        raise CliError(
            f"region {region} is not available for Managed Postgres. Available regions: "
            f"[{' '.join(MPG_REGIONS)}]"
        )
    version = p.get("--pg-major-version")
    if version not in (16, 17):
        raise CliError(
            f"invalid Postgres major version: {version}. Supported versions are 16 and 17"
        )
    cid = hexid(8)
    cluster = {
        "id": cid,
        "name": name,
        "org": org,
        "region": region,
        "plan": plan.lower(),
        "disk": p.get("--volume-size"),
        "postgis": bool(p.get("--enable-postgis-support")),
        "pg_major_version": version,
        "password": _rand.token_hex(12),
        "attached_apps": [],
    }
    ctx.state.data["mpg"][cid] = cluster
    ctx.say(f"Selected Plan: {plan}")
    ctx.say(f"Waiting for cluster {name} ({cid}) to be ready...")
    ctx.say("\nManaged Postgres cluster created successfully!")
    ctx.say(f"  ID: {cid}")
    ctx.say(f"  Name: {name}")
    ctx.say(f"  Organization: {org}")
    ctx.say(f"  Region: {region}")
    ctx.say(f"  Plan: {plan}")
    ctx.say(f"  Disk: {cluster['disk']}GB")
    ctx.say(f"  PostGIS: {str(cluster['postgis']).lower()}")
    ctx.say(f"  Connection string: {_pgbouncer(cluster)}")


def cmd_mpg_list(ctx: Ctx) -> None:
    org = ctx.p.get("--org") or os.environ.get("FLY_ORG") or "personal"
    clusters = [c for c in ctx.state.data["mpg"].values() if c["org"] == org]
    if not clusters:
        ctx.say(f"No managed postgres clusters found in organization {org}")
        return
    if ctx.json:
        ctx.emit_json([_cluster_public(c) for c in clusters])
        return
    rows = [
        [c["id"], c["name"], c["org"], c["region"], c.get("status", "ready"), c["plan"]]
        for c in clusters
    ]
    ctx.out += table(["ID", "NAME", "ORG", "REGION", "STATUS", "PLAN"], rows)


def cmd_mpg_status(ctx: Ctx) -> None:
    if not ctx.p.args:
        raise CliError(NONINTERACTIVE)
    c = _cluster(ctx, ctx.p.args[0])
    data = _cluster_public(c)
    data.pop("version")
    data["engine"] = f"postgres{c['pg_major_version']}"
    out = {
        "data": data,
        "credentials": {
            "status": "ready",
            "user": "fly-user",
            "password": c["password"],
            "dbname": "fly-db",
            "pgbouncer_uri": _pgbouncer(c),
        },
    }
    if ctx.json:
        ctx.emit_json(out)
    else:
        # internal/command/mpg/v2/run_status.go: a VerticalTable titled "Cluster Status".
        rows = [
            ("ID", data["id"]),
            ("Name", data["name"]),
            ("Organization", c["org"]),
            ("Region", data["region"]),
            ("Status", data["status"]),
            ("Allocated Disk (GB)", str(data["disk"])),
            ("Replicas", str(data["replicas"])),
            ("Direct IP", data["ip_assignments"]["direct"]),
        ]
        ctx.out += vertical_table("Cluster Status", rows)


def cmd_mpg_attach(ctx: Ctx) -> None:
    rec = ctx.app_record()
    if not ctx.p.args:
        raise CliError(NONINTERACTIVE)
    try:
        c = _cluster(ctx, ctx.p.args[0])
    except CliError as exc:
        # mpg/attach.go runAttach wraps ClusterFromArgOrSelect's error.
        raise CliError(f"failed retrieving cluster {ctx.p.args[0]}: {exc.message}") from None
    if rec["org"] != c["org"]:
        raise CliError(
            f"app {ctx.app} is in organization {rec['org']}, but cluster {c['id']} is in "
            f"organization {c['org']}. They must be in the same organization to attach"
        )
    var = ctx.p.get("--variable-name")
    if var in rec["secrets"]:
        raise CliError(
            f"app {ctx.app} already has {var} set. Use 'fly secrets unset {var}' to remove it first"
        )
    uri = _pgbouncer(c)
    if ctx.p.get("--database"):
        uri = uri.rsplit("/", 1)[0] + "/" + ctx.p.get("--database")
    rec["secrets"][var] = {"digest": digest(uri), "status": "Staged"}
    if os.environ.get("FLYCTL_FAKE_MPG_ATTACHMENT_FAIL"):
        # mpg/v2/run_attach.go: a failed CreateAttachment is only a warning; the secret is set
        # and the cluster does not list the app. The error text is the API's (APPROX).
        ctx.warn(
            "Warning: failed to create attachment record: request returned non-2xx status: 503"
        )
    else:
        c["attached_apps"].append({"name": ctx.app, "id": int(rec["numeric_id"])})
    ctx.say(f"\nPostgres cluster {c['id']} is being attached to {ctx.app}")
    ctx.say(f"The following secret was added to {ctx.app}:\n  {var}={uri}")


def cmd_mpg_detach(ctx: Ctx) -> None:
    ctx.app_record()
    if not ctx.p.args:
        raise CliError(NONINTERACTIVE)
    c = _cluster(ctx, ctx.p.args[0])
    before = len(c["attached_apps"])
    c["attached_apps"] = [a for a in c["attached_apps"] if a["name"] != ctx.app]
    if len(c["attached_apps"]) == before:
        raise CliError(f"app {ctx.app} is not attached to cluster {c['id']}")  # APPROX
    ctx.say(f"Detached app {ctx.app} from cluster {c['id']}")  # APPROX


def cmd_mpg_destroy(ctx: Ctx) -> None:
    c = _cluster(ctx, ctx.p.args[0])
    if not ctx.p.get("--yes"):
        raise CliError("--yes flag must be specified when not running interactively")
    # mpg/v2/run_destroy.go: the API only schedules the deletion. The cluster stays, listed
    # and readable, with a status saying so (APPROX: the word is the API's), until Fly
    # removes it; FLYCTL_FAKE_MPG_GONE_AFTER counts the later invocations that takes (3).
    c["status"] = "deleting"
    c["gone_at"] = int((ctx.state.root / "calls").read_text()) + int(
        os.environ.get("FLYCTL_FAKE_MPG_GONE_AFTER", "3")
    )
    ctx.say(
        f"Managed Postgres cluster {c['name']} ({c['id']}) scheduled to be destroyed "
        "(may take some time)"
    )


# ---- redis
def _redis_url(r: dict[str, Any]) -> str:
    return f"redis://default:{r['password']}@fly-{r['name']}.upstash.io:6379"


def _redis(ctx: Ctx, name: str) -> dict[str, Any]:
    r = ctx.state.data["redis"].get(name)
    if r is None:
        raise CliError(f'Could not find AddOn "{name}"')  # APPROX
    return r  # type: ignore[no-any-return]


def cmd_redis_create(ctx: Ctx) -> None:
    p = ctx.p
    org = pick_org(ctx)
    name = p.get("--name")
    if not name:
        raise CliError(NONINTERACTIVE)
    region = p.get("--region") or os.environ.get("FLY_REGION")
    if not region:
        raise CliError("region code must be specified when not running interactively")
    plan = p.get("--plan") or "pay-as-you-go"
    if not ({"--enable-eviction", "--disable-eviction"} & p.specified):
        raise CliError(NONINTERACTIVE)
    if plan.lower() != "pay-as-you-go" and "--enable-auto-upgrade" not in p.specified:
        raise CliError(NONINTERACTIVE)  # "Would you like to enable auto-upgrade?" (fixed plans)
    if "--enable-prodpack" not in p.specified:
        raise CliError(NONINTERACTIVE)
    if not p.get("--no-replicas") and "--replica-regions" not in p.specified:
        raise CliError(
            "regions codes must be specified in a comma-separated when not running interactively"
        )
    if name in ctx.state.data["redis"]:
        raise CliError("Validation failed: Name has already been taken")  # APPROX
    r = {
        "id": hexid(6),
        "name": name,
        "org": org,
        "region": region,
        "plan": plan,
        "replica_regions": [x for x in (p.get("--replica-regions") or "").split(",") if x],
        "eviction": bool(p.get("--enable-eviction")) and not p.get("--disable-eviction"),
        "prodpack": bool(p.get("--enable-prodpack")),
        "auto_upgrade": bool(p.get("--enable-auto-upgrade")),
        "password": _rand.token_hex(16),
    }
    ctx.state.data["redis"][name] = r
    ctx.say(
        f"Your database {name} is ready. Apps in the {org} org can connect to Redis at "
        f"{_redis_url(r)}"
    )


def cmd_redis_list(ctx: Ctx) -> None:
    org = ctx.p.get("--org")
    rows = [
        [
            r["name"],
            r["org"],
            r["plan"],
            "Enabled" if r["eviction"] else "Disabled",
            r["region"],
            ",".join(r["replica_regions"]),
        ]
        for r in ctx.state.data["redis"].values()
        if not org or r["org"] == org
    ]
    ctx.out += table(["NAME", "ORG", "PLAN", "EVICTION", "PRIMARY REGION", "READ REGIONS"], rows)


def cmd_redis_status(ctx: Ctx) -> None:
    # internal/command/redis/status.go runStatus; the plan's display name is the API's (APPROX).
    r = _redis(ctx, ctx.p.args[0])
    rows = [
        ("ID", r["id"]),
        ("Name", r["name"]),
        ("Plan", r["plan"]),
        ("Primary Region", r["region"]),
        ("Read Regions", ",".join(r["replica_regions"]) or "None"),
        ("Eviction", "Enabled" if r["eviction"] else "Disabled"),
        ("Auto-Upgrade", "Enabled" if r["auto_upgrade"] else "Disabled"),
        ("ProdPack", "Enabled" if r["prodpack"] else "Disabled"),
        ("Private URL", _redis_url(r)),
    ]
    ctx.out += vertical_table("Redis", rows)


def cmd_redis_destroy(ctx: Ctx) -> None:
    name = ctx.p.args[0]
    _redis(ctx, name)
    if not ctx.p.get("--yes"):
        raise CliError(YES_NONINTERACTIVE)
    del ctx.state.data["redis"][name]
    ctx.say(f"Your Redis database {name} was destroyed")


# ---- tigris
SHADOW = (
    "--shadow-access-key",
    "--shadow-secret-key",
    "--shadow-region",
    "--shadow-endpoint",
    "--shadow-name",
)


def cmd_storage_create(ctx: Ctx) -> None:
    p = ctx.p
    given = [f for f in SHADOW if p.get(f)]
    if given and len(given) != len(SHADOW):
        raise CliError(
            "You must set all required shadow bucket values: shadow-access-key, "
            "shadow-secret-key, shadow-region, shadow-name, shadow-endpoint"
        )
    if not p.get("--yes"):
        raise CliError("To agree, the --yes flag must be specified when not running interactively")
    app = ctx._app
    rec = ctx.state.apps.get(app) if app else None
    if app and rec is None:
        raise CliError(f'Could not find App "{app}"')
    if rec is not None:
        existing = [n for n, b in ctx.state.data["buckets"].items() if b.get("app") == app]
        if existing:
            raise CliError(
                f"A Tigris object storage bucket named {existing[0]} already exists for app {app}"
            )
        org = rec["org"]
    else:
        org = pick_org(ctx)
    name = p.get("--name") or (f"{app}-{hexid(3)}" if app else f"bucket-{hexid(4)}")
    if name in ctx.state.data["buckets"]:
        raise CliError("Validation failed: Name has already been taken")  # APPROX
    bucket = {
        "name": name,
        "org": org,
        "app": app,
        "public": bool(p.get("--public")),
        "shadow": p.get("--shadow-name") or "",
    }
    ctx.state.data["buckets"][name] = bucket
    values = {
        "AWS_ACCESS_KEY_ID": "tid_" + _rand.token_hex(12),
        "AWS_ENDPOINT_URL_S3": "https://fly.storage.tigris.dev",
        "AWS_REGION": "auto",
        "AWS_SECRET_ACCESS_KEY": "tsec_" + _rand.token_hex(20),
        "BUCKET_NAME": name,
    }
    ctx.say(
        f"Your Tigris project ({name}) is ready. See details and next steps with: "
        f"fly storage dashboard {name}"
    )
    # extensions/core/core.go setSecretsFromExtension: if the app has ANY of the names, none
    # is set, and the command still succeeds; tigris/create.go runCreate then calls
    # secrets.DeploySecrets (restarting the app's machines) only when secrets were set.
    matching = [n for n in rec["secrets"] if n in values] if rec is not None else []
    if matching:
        ctx.say(
            f"Secrets [{' '.join(matching)}] already exist on app {app}. They won't be set "
            "automatically.\n"
        )
    if rec is None or matching:
        ctx.say("Set the following secrets on your target app.")
        for k, v in values.items():
            ctx.say(f"{k}: {v}")
        return
    ctx.say(f"Setting the following secrets on {app}:")
    for k, v in values.items():
        ctx.say(f"{k}: {v}")
    ctx.say()
    apply_secrets(ctx, dict(values), stage=False)


def _bucket_name(ctx: Ctx) -> str:
    if ctx.p.args:
        return ctx.p.args[0]
    app = ctx._app
    found = [n for n, b in ctx.state.data["buckets"].items() if app and b.get("app") == app]
    if not found:
        raise CliError(
            "Run this command in a Fly app directory or pass a name as the first argument."
        )
    return found[0]


def _bucket(ctx: Ctx, name: str) -> dict[str, Any]:
    b = ctx.state.data["buckets"].get(name)
    if b is None:
        raise CliError(f'Could not find AddOn "{name}"')  # APPROX
    return b  # type: ignore[no-any-return]


def cmd_storage_list(ctx: Ctx) -> None:
    org = ctx.p.get("--org")
    rows = [
        [b["name"], b["org"]]
        for b in ctx.state.data["buckets"].values()
        if not org or b["org"] == org
    ]
    ctx.out += table(["NAME", "ORG"], rows)


def cmd_storage_status(ctx: Ctx) -> None:
    # internal/command/extensions/tigris/status.go runStatus: the shadow bucket rows appear
    # only when the extension has shadow options (the loop breaks otherwise). The Status text
    # is the API's (APPROX).
    b = _bucket(ctx, _bucket_name(ctx))
    rows = [("Name", b["name"]), ("Status", "created"), ("Public", str(b["public"]))]
    if b.get("shadow"):
        rows += [
            ("Shadow Bucket Write Through", "False"),
            ("Shadow Bucket Name", str(b["shadow"])),
            ("Shadow Bucket Endpoint", "False"),
        ]
    if b.get("app"):
        rows.append(("App", b["app"]))
    ctx.out += vertical_table("Status", rows)


def cmd_storage_destroy(ctx: Ctx) -> None:
    name = _bucket_name(ctx)
    _bucket(ctx, name)
    if not ctx.p.get("--yes"):
        raise CliError(YES_NONINTERACTIVE)
    del ctx.state.data["buckets"][name]
    ctx.say(f"Your Tigris object storage bucket {name} was destroyed")


HANDLERS = {
    name: globals()["cmd_" + name.replace(" ", "_").replace("-", "_")] for name in SUPPORTED
}


# --------------------------------------------------------------------------- main
def _fail_plan() -> dict[int, str]:
    plan: dict[int, str] = {}
    for item in os.environ.get("FLYCTL_FAKE_FAIL", "").split(","):
        if item.strip():
            n, _, kind = item.strip().partition(":")
            plan[int(n)] = kind
    return plan


# Real shapes: fly-go's GraphQL client on a non-2xx response, flaps on 429, Go's net errors.
INJECTED = {
    "transient": "failed to get app: server returned a non-200 status code: 503",
    "ratelimit": "failed to list machines: request returned non-2xx status, 429",
    "reset": 'Post "https://api.fly.io/graphql": read tcp 10.0.0.2:50412->'
    "77.83.143.220:443: read: connection reset by peer",
    "permanent": "failed to update app secrets: request returned non-2xx status, 422",
    "auth": "failed retrieving current user: You must be authenticated to view this.",
    # APPROX (the text is Fly's API's): a flaps 5xx with a JSON body prints only its error
    # text, no status (fly-go flaps/flaps.go handleAPIError); wording from flyctl PR #3732.
    "flaps5xx": "failed to update VM 148e290a1b2c48: unavailable: deploys to this host are "
    "temporarily disabled, please try again later or check the status page: "
    "https://status.flyio.net/",
    # internal/cli/cli.go Run: an error wrapping context.DeadlineExceeded exits 126.
    "deadline": "context deadline exceeded",
}


def write_error(err: CliError) -> None:
    # internal/cli/cli.go printError: the Error line, then the description and the
    # suggestion, each followed by a blank line.
    if err.usage:
        sys.stdout.write(f"Usage:\n  fly {err.usage}\n\n")
    sys.stderr.write(f"Error: {err.message}\n")
    if err.description and err.description != err.message:
        sys.stderr.write(f"{err.description}\n\n")
    if err.suggestion:
        sys.stderr.write(f"{err.suggestion}\n\n")


def main(argv: list[str]) -> int:
    log = os.environ.get("FLYCTL_FAKE_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(json.dumps({"argv": argv, "cwd": os.getcwd()}) + "\n")
    root_dir = os.environ.get("FLYCTL_FAKE_STATE")
    if not root_dir:
        sys.stderr.write("fake flyctl: FLYCTL_FAKE_STATE is not set\n")
        return 2
    root = Path(root_dir)
    root.mkdir(parents=True, exist_ok=True)
    call = next_call(root)
    injected = _fail_plan().get(call)
    if injected == "hang":
        time.sleep(float(os.environ.get("FLYCTL_FAKE_HANG_SECONDS", "3600")))
        return 126
    if injected == "parse":
        PARSE_FAIL[:] = [True]
    elif injected == "lookup":
        if argv[:2] not in (["mpg", w] for w in ("status", "attach", "detach", "destroy")):
            sys.stderr.write("fake flyctl: FLYCTL_FAKE_FAIL `lookup` hit a command without one\n")
            return 2
        LOOKUP_FAIL[:] = [True]
    elif injected and injected != "malformed":
        write_error(CliError(INJECTED[injected]))
        return 126 if injected == "deadline" else 1
    out: list[str] = []
    err: list[str] = []
    try:
        with locked(root):
            state = State(root)
            state.load()
            run(argv, state, out, err)
            state.save()
    except CliError as exc:
        if exc.partial:
            with locked(root):
                state.save()
        sys.stdout.write("".join(line + "\n" for line in out))
        sys.stderr.write("".join(line + "\n" for line in err))
        write_error(exc)
        return exc.code
    except flyctl_stdin.GoPanic as exc:
        # main.go run(): a release build recovers the panic, sentry.printError writes this to
        # stdout (internal/sentry/sentry.go), and flyctl exits 3. Nothing was saved.
        sys.stdout.write(f"Oops, something went wrong! Could you try that again?\n\n{exc}\n")
        return 3
    text = "".join(line + "\n" for line in out)
    if injected == "malformed":
        text = text[: max(1, len(text) // 2)]
    sys.stdout.write(text)
    sys.stderr.write("".join(line + "\n" for line in err))
    return 0


def run(argv: list[str], state: State, out: list[str], err: list[str]) -> None:
    command, rest = resolve_command(argv)
    if command is None or command.startswith("__parent__"):
        spec: dict[str, Any] = {"flags": {}}
        p = parse_flags(rest, spec, root=command is None, usage="fly [command]")
        if command is None and p.get("--version"):
            command, rest = "version", []
        else:
            name = command.split()[1] + " " if command else ""
            out.append(f"Usage:\n  fly {name}[command]")
            return
    spec = COMMANDS[command]
    usage = spec["usage"]
    p = parse_flags(rest, spec, root=False, usage=usage)
    if p.get("--help"):
        out.append(f"Usage:\n  fly {usage}")
        return
    if command not in SUPPORTED:
        raise CliError(f"fake flyctl does not implement `{command}`", code=2)
    if PARSE_FAIL and command != "secrets import":
        raise CliError(f"fake flyctl: FLYCTL_FAKE_FAIL `parse` hit `{command}`", code=2)
    check_args(command, spec, p.args, usage)
    if p.get("--access-token"):
        TOKEN_FLAG[:] = [p.get("--access-token")]
    cwd = Path.cwd()
    if command == "deploy" and p.args:
        cwd = (cwd / p.args[0]).resolve()
    ctx = Ctx(command, p, state, cwd, out, err)
    if command.startswith("postgres "):
        ctx.warn(PG_NOTICE)
    tok = token()
    if spec.get("requires_auth") and not tok:
        raise CliError(AUTH["no_token_error"])
    if command.startswith("mpg ") and not is_macaroon(tok):
        raise CliError(
            AUTH["mpg_old_token_error"],
            description="Please log out and log back in with 'fly auth logout' and "
            "'fly auth login'.",
        )
    if "--config" in spec.get("flags", {}):
        load_config(ctx)
    app = ctx.p.get("--app") or os.environ.get("FLY_APP") or (ctx.config or {}).get("app")
    ctx._app = app or None
    if spec.get("requires_app") and not app:
        raise CliError(CONTRACT["missing_app_error"])
    if command != "version" and (tok == "invalid" or not tok):
        if command == "auth whoami":
            raise CliError(
                f"failed retrieving current user: {AUTH['invalid_token_error_contains']}"
            )
        raise CliError(AUTH["invalid_token_error_contains"])
    HANDLERS[command](ctx)


def entrypoint() -> None:
    ARGV0[:] = [sys.argv[0]]
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    entrypoint()
