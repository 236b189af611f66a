"""The one place that runs the `flyctl` binary.

Owns: finding the binary, the child's environment (token only through the environment, no
prompts, no update checks), per-call cwd and timeout, killing a hung process group, retrying
transient failures with capped backoff, classifying failures into typed errors, and redacting
secret values from everything it reports. It leaves to callers (the dynamic providers) which
commands to run and what their output means.

Result stdout/stderr are returned as flyctl printed them, because some commands print values
the caller needs (connection strings); only errors, argv and snippets are redacted.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

# "timeout": our own limit killed flyctl, or flyctl's ran out (exit 126); neither is retried.
Kind = Literal[
    "transient", "permanent", "not_found", "timeout", "malformed", "missing_binary", "auth"
]
KINDS: tuple[str, ...] = get_args(Kind)

REDACTED = "[REDACTED]"
# Shorter secret values are matched only as whole argv elements or standalone words: as
# substrings, "dev" would refuse app "shop-dev" and garble every message that names it.
MIN_SUBSTRING_SECRET = 8
TOKEN_VARS = ("FLY_API_TOKEN", "FLY_ACCESS_TOKEN")
INSTALL_HINT = (
    "flyctl (Fly.io's command-line tool) was not found: set FLYCTL to its path, or install it "
    "and put `flyctl` or `fly` on PATH (for example `brew install flyctl`, or the install "
    "script from Fly.io's documentation)"
)
# Without a TTY flyctl cannot prompt; these also switch off its update check and auto-update
# (internal/update/update.go, internal/env), and colour, so output is parseable.
CHILD_ENV = {"FLY_NO_UPDATE_CHECK": "1", "CI": "1", "NO_COLOR": "1"}

# Texts from flyctl/fly-go (see tests/fakes/flyctl-contract.json): auth first, since a revoked
# token can surface as a not-found on some endpoints; then transport trouble; then not-found.
_AUTH = re.compile(
    r"no access token available|You must be authenticated|MPG commands require updated tokens"
    r"|\bunauthori[sz]ed\b|not authorized",
    re.IGNORECASE,
)
# Matched against flyctl's own `Error:` line only (see `flyctl_error`): `deploy` prints build
# output and the app's logs to stderr too, where "connection refused" is routine.
_TRANSIENT = re.compile(
    r"status(?: code)?[:,]?\s*(?:5\d\d|429)\b"
    r"|\b(?:500 Internal Server Error|502 Bad Gateway|503 Service Unavailable|504 Gateway Timeout)"
    r"|Too Many Requests|rate limit"
    r"|connection reset by peer|connection refused|broken pipe|unexpected EOF"
    r"|i/o timeout|TLS handshake timeout|timeout awaiting response headers"
    r"|Client\.Timeout exceeded"
    # Go's own resolver: flyctl is built with CGO_ENABLED=0 (.goreleaser.yml), so a DNS
    # hiccup reads as net/dnsclient_unix.go's words, not glibc's "Temporary failure in name
    # resolution".
    r"|server misbehaving|no answer from DNS server"
    # APPROX: a flaps 4xx/5xx with a JSON body prints only the body's `error`/`message`
    # (fly-go flaps/flaps.go handleAPIError), no status code. Fly's machines API prefixes
    # retryable ones with a code word (flyctl deploy matches "deploys to this host are
    # temporarily disabled" in machines_deploymachinesapp.go updateMachine).
    r"|\b(?:unavailable|internal|resource_exhausted): "
    r"|temporarily disabled|please try again later",
    re.IGNORECASE,
)
_NOT_FOUND = re.compile(r"Could not find|could not be found|\bnot found\b", re.IGNORECASE)
# "not found" texts that describe the caller's own mistake, not a missing remote resource.
_NOT_FOUND_EXCEPTIONS = re.compile(r"config file not found|unknown (?:flag|command)")
# internal/cli/cli.go Run: an error that wraps context.DeadlineExceeded exits 126. That is a
# wait that ran out (a deploy's health checks, a machine that never started), not a blip.
_DEADLINE_EXIT = 126
_sleep = time.sleep  # a seam for tests that count backoff delays


class FlyctlError(Exception):
    """flyctl failed; str() quotes flyctl's own message with secret values redacted."""

    def __init__(
        self, kind: Kind, message: str, argv: Sequence[str] = (), exit_code: int | None = None
    ) -> None:
        super().__init__(kind, message, list(argv), exit_code)
        self.kind: Kind = kind
        self.message = message
        self.argv = list(argv)
        self.exit_code = exit_code

    def __str__(self) -> str:
        command = " ".join(self.argv[1:] if self.argv else [])
        code = "" if self.exit_code is None else f", exit {self.exit_code}"
        return f"flyctl {command} failed ({self.kind}{code}): {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind, self.message, self.argv, self.exit_code))


@dataclass(frozen=True)
class FlyctlResult:
    argv: list[str]  # redacted
    stdout: str
    stderr: str
    exit_code: int


def _standalone(secret: str) -> re.Pattern[str]:
    # Bounded by whitespace, quotes, `=`, `:`, commas, brackets or the ends of the text, so
    # "dev" is caught in `KEY=dev` or `"dev"` but not inside "shop-dev" or "device".
    return re.compile(rf"(?<![^\s\"'=:,(\[{{]){re.escape(secret)}(?![^\s\"'=:,;)\]}}])")


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replaces each non-empty secret, longest first, with a marker.

    A value of MIN_SUBSTRING_SECRET characters or more is replaced wherever it occurs. A
    shorter one ("dev", "1") is replaced only where it stands alone: as a substring it would
    match inside ordinary words and app names and garble the message it is meant to protect.
    """
    # A multi-line value (a PEM key) may be quoted one line at a time, as flyctl's parse error
    # quotes the offending stdin line: each of its lines is a needle too.
    needles = {s for s in secrets if s}
    needles |= {line.strip() for s in list(needles) if "\n" in s for line in s.splitlines()}
    for secret in sorted({n for n in needles if n}, key=len, reverse=True):
        if len(secret) >= MIN_SUBSTRING_SECRET:
            text = text.replace(secret, REDACTED)
        else:
            text = _standalone(secret).sub(REDACTED, text)
    return text


# Credentials flyctl prints that no caller knows in advance: the password in a connection
# string (`scheme://user:PASSWORD@`, also when a snippet cuts it before the `@`) and
# `"password": "..."` fields (`mpg status --json` carries the cluster password).
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s\"']*:)[^@\s\"']+(?=@|$)")
_PASSWORD_FIELD = re.compile(r"(\"password\"\s*:\s*\")(?:[^\"\\]|\\.)*(\"|$)", re.IGNORECASE)


def scrub_credentials(text: str) -> str:
    """Redacts connection-string passwords and JSON `password` fields, known or not."""
    text = _URL_PASSWORD.sub(rf"\g<1>{REDACTED}", text)
    return _PASSWORD_FIELD.sub(rf"\g<1>{REDACTED}\g<2>", text)


def _in_argv(arg: str, secret: str) -> bool:
    """Whether a secret is in one argv element: the whole element, or inside it if long."""
    return arg == secret or (len(secret) >= MIN_SUBSTRING_SECRET and secret in arg)


def flyctl_error(stderr: str) -> str:
    """flyctl's own error line, without `Error: `; "" when it printed none.

    internal/cli/cli.go printError writes `Error: <err>` (plus request and trace ids) after
    everything else the command printed, so the last line that starts with it is flyctl's;
    earlier ones belong to build output or the app's logs.
    """
    lines = [ln for ln in stderr.splitlines() if ln.startswith("Error: ")]
    return lines[-1].removeprefix("Error: ").strip() if lines else ""


def classify(stderr: str, exit_code: int) -> str:
    """Maps a failed flyctl run to transient / timeout / permanent / not_found / auth.

    Only flyctl's own `Error:` line and exit code count: never the logs before them.
    """
    line = flyctl_error(stderr)
    if _AUTH.search(line):
        return "auth"
    if _TRANSIENT.search(line):
        return "transient"
    if exit_code == _DEADLINE_EXIT:
        return "timeout"
    if _NOT_FOUND.search(line) and not _NOT_FOUND_EXCEPTIONS.search(line):
        return "not_found"
    return "permanent"


def find_flyctl(env: Mapping[str, str] | None = None) -> str:
    """FLYCTL if set, else `flyctl` or `fly` on PATH."""
    env = os.environ if env is None else env
    explicit = env.get("FLYCTL")
    if explicit:
        if os.path.isfile(explicit) and os.access(explicit, os.X_OK):
            return explicit
        raise FlyctlError(
            "missing_binary", f"FLYCTL={explicit} is not an executable file. {INSTALL_HINT}"
        )
    for name in ("flyctl", "fly"):
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return found
    raise FlyctlError("missing_binary", INSTALL_HINT)


def _token_secrets(env: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    for var in TOKEN_VARS:
        value = env.get(var, "")
        if value:
            out.append(value)
            # A token list ("FlyV1 fm2_a,fm2_b") may be quoted piecewise in API errors.
            out += [p.strip() for p in value.removeprefix("FlyV1 ").split(",") if len(p) >= 8]
    return out


def _error_message(stderr: str, stdout: str) -> str:
    """flyctl's own error: from its last `Error:` line on, else the last line it printed."""
    starts = [m.end() for m in re.finditer(r"(?m)^Error: ", stderr)]
    if starts:
        # With what follows it: printError's description and suggestion lines.
        text = stderr[starts[-1] :]
    else:
        lines = [ln for ln in (stderr or stdout).splitlines() if ln.strip()]
        text = lines[-1] if lines else "(no output)"
    text = text.strip()
    return text if len(text) <= 2000 else text[:2000] + "…"


@dataclass(frozen=True)
class Flyctl:
    """Runs flyctl in an explicit cwd (flyctl quietly reads ./fly.toml)."""

    cwd: str
    timeout: float = 300.0
    retries: int = 4  # transient failures only
    backoff_base: float = 1.0
    backoff_cap: float = 20.0
    binary: str | None = None  # resolved lazily with find_flyctl()

    def run(
        self,
        args: Sequence[str],
        *,
        stdin: str | None = None,
        timeout: float | None = None,
        redact: Sequence[str] = (),
        retry: bool = True,
    ) -> FlyctlResult:
        tokens = _token_secrets(os.environ)
        secrets = [*redact, *tokens]
        # Values this call sends on stdin reach flyctl that way; if one also equals an argv
        # element (a secret whose value is the app name), argv only shows it, redacted.
        guarded = [*tokens, *(s for s in redact if stdin is None or s not in stdin)]
        for arg in args:
            if any(s and _in_argv(arg, s) for s in guarded):
                # A programming error, not a flyctl failure: the value would be visible in
                # `ps` and in any log of argv. Secret values go through stdin.
                raise ValueError("a secret value appears in flyctl argv; pass it through stdin")
        binary = self.binary or find_flyctl()
        argv = [binary, *args]
        shown = [redact_text(a, secrets) for a in argv]
        env = {**os.environ, **CHILD_ENV}
        limit = self.timeout if timeout is None else timeout
        attempts = 1 + (max(0, self.retries) if retry else 0)
        for attempt in range(attempts):
            try:
                return self._once(
                    argv=argv, shown=shown, env=env, stdin=stdin, limit=limit, secrets=secrets
                )
            except FlyctlError as exc:
                if exc.kind != "transient" or attempt == attempts - 1:
                    raise
            _sleep(min(self.backoff_cap, self.backoff_base * (2**attempt)))
        raise AssertionError("unreachable")  # pragma: no cover

    def run_json(self, args: Sequence[str], **kw: Any) -> Any:
        result = self.run(args, **kw)
        try:
            return json.loads(result.stdout)
        except json.JSONDecodeError as exc:
            secrets = [*kw.get("redact", ()), *_token_secrets(os.environ)]
            # Scrubbed before the cut (whole URLs match) and after it (a cut one still does).
            head = scrub_credentials(redact_text(result.stdout, secrets))[:200]
            snippet = scrub_credentials(redact_text(head, secrets))
            raise FlyctlError(
                "malformed",
                f"expected JSON on stdout ({exc.msg} at char {exc.pos}), got: {snippet!r}",
                result.argv,
                result.exit_code,
            ) from None

    def _once(
        self,
        *,
        argv: list[str],
        shown: list[str],
        env: dict[str, str],
        stdin: str | None,
        limit: float,
        secrets: list[str],
    ) -> FlyctlResult:
        try:
            proc = subprocess.Popen(  # noqa: S603 - argv list, no shell
                argv,
                cwd=self.cwd,
                env=env,
                stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                # Own process group, so a timeout kills flyctl and anything it spawned.
                start_new_session=True,
            )
        except FileNotFoundError:
            raise FlyctlError(
                "missing_binary", f"{shown[0]} does not exist. {INSTALL_HINT}", shown
            ) from None
        except PermissionError:
            raise FlyctlError(
                "missing_binary", f"{shown[0]} is not executable. {INSTALL_HINT}", shown
            ) from None
        try:
            stdout, stderr = proc.communicate(stdin, timeout=limit)
        except subprocess.TimeoutExpired:
            # The group may already be gone between the timeout and the kill.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise FlyctlError(
                "timeout", f"no result after {limit:g}s; the process group was killed", shown
            ) from None
        code = proc.returncode
        if code == 0:
            return FlyctlResult(shown, stdout, stderr, code)
        kind = classify(stderr, code)
        message = scrub_credentials(redact_text(_error_message(stderr, stdout), secrets))
        raise FlyctlError(kind, message, shown, code)  # type: ignore[arg-type]
