"""App secrets: `secrets import` (or `secrets set NAME=-`) over stdin, `secrets unset`, `list`.

The `Secrets` resource and its provider. State keeps sha256 digests of the values, never the
values.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pulumi
from pulumi import dynamic
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from components.fly.base import (
    FlyProvider,
    check_app,
    differs,
    is_unknown,
    require,
    resource_options,
)
from components.fly.cli import FlyctlError
from components.fly.settings import RunnerSettings

SECRET_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def digest(name: str, value: str) -> str:
    """sha256 of one secret, keyed by its name so equal values of two secrets differ."""
    return hashlib.sha256(f"{name}\0{value}".encode()).hexdigest()


# `fly secrets import` reads stdin with a bufio.Scanner (secrets/parser.go parseSecrets): a
# line that does not fit its buffer with the "\n" (Go bufio.MaxScanTokenSize, 64 KiB) ends the
# scan, and parseSecrets ignores scanner.Err(), so that line and all after it vanish silently.
IMPORT_LINE_MAX = 64 * 1024 - 1
# `fly secrets set NAME=-` reads at most this many bytes (secrets/set.go: ReadStdin(64 * 1024)).
SET_STDIN_MAX = 64 * 1024
# What Go's strings.TrimSpace trims (unicode.IsSpace), which ReadStdin applies to the value.
_GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _quotes_before_hash(text: str) -> int:
    before, hash_sign, _ = text.partition("#")
    return before.count('"') if hash_sign else 0


def _import_problem(name: str, value: str) -> str | None:
    """Why no quoting gets `value` through parseSecrets unchanged, or None."""
    lines = value.split("\n")
    if len(lines) == 1:
        # One of two quotings always survives the `#` cut; only the length can defeat it.
        if len(import_lines(name, value, check=False).encode()) - 1 > IMPORT_LINE_MAX:
            return "drop a line of 64 KiB or more"
        return None
    first, middle, last = lines[0], lines[1:-1], lines[-1]
    physical = [f'{name}="""{first}', *middle, f'{last}"""']
    if any(len(line.encode()) > IMPORT_LINE_MAX for line in physical):
        return "drop a line of 64 KiB or more"
    if any(line.endswith("\r") for line in lines[:-1]):
        return "drop the carriage return before a line break"
    if _quotes_before_hash(first) % 2:
        return "cut the first line at its '#'"
    if any(line.endswith('"""') for line in lines[:-1]):
        return 'end the value early at a line ending in """'
    return None


def import_lines(name: str, value: str, *, check: bool = True) -> str:
    """The `secrets import` stdin lines that parseSecrets reads back as exactly `value`.

    parser.go cuts an unquoted value at its first `#` whenever an even number of `"` comes
    before it, strips one pair of matching quotes, and reads triple quotes as a (multi-line)
    block. A single line therefore goes inside triple quotes when the `"` before its first `#`
    are even (three more make them odd, so nothing is cut), else inside `'…'` (one `'` leaves
    them odd). Several lines go in a triple-quoted block, which `_import_problem` vets.
    """
    if check and _import_problem(name, value) is not None:
        raise ValueError(f"{name}: secrets import cannot carry this value")
    if "\n" not in value and _quotes_before_hash(value) % 2:
        return f"{name}='{value}'\n"
    return f'{name}="""{value}"""\n'


def _set_problem(value: str) -> str | None:
    if len(value.encode()) > SET_STDIN_MAX:
        return "refuse a value over 64 KiB"
    if value[:1] in _GO_SPACE or value[-1:] in _GO_SPACE:
        return "trim its leading and trailing whitespace"
    return None


def stdin_problem(name: str, value: str) -> str | None:
    """Why neither flyctl stdin path carries `value` intact, or None when one does.

    `secrets import` (parser.go) is tried first, as it takes every value in one call;
    `secrets set NAME=-` (set.go, helpers/stdin.go ReadStdin) carries one value per call.
    """
    try:
        value.encode()
    except UnicodeEncodeError:
        return f"{name}'s value is not valid Unicode text, so it cannot be sent to flyctl"
    importing = _import_problem(name, value)
    setting = _set_problem(value)
    if importing is None or setting is None:
        return None
    return (
        f"{name}'s value cannot reach Fly intact: `fly secrets import` would {importing}, and "
        f"`fly secrets set {name}=-` would {setting} (flyctl internal/command/secrets/parser.go,"
        " helpers/stdin.go); shorten it or split it into several secrets"
    )


class SecretsProvider(FlyProvider):
    """App secrets: set through stdin with `secrets import` (or, for a value its parser would
    change, `secrets set NAME=-`), removed with `secrets unset`.

    Inputs: `app`, `values` (name -> value, a Pulumi secret), `stage`. Outputs keep `digests`
    (name -> sha256, a secret output too: unsalted, they give a short value away), never
    `values`. With `stage`, the values wait for the next deploy, which
    the stack's Deploy resource runs because its trigger includes these digests.
    """

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        require(failures, news, "app")
        check_app(failures, news)
        values = news.get("values") or {}
        if not is_unknown(values):
            for name, value in values.items():
                if not SECRET_NAME_RE.match(name):
                    failures.append(CheckFailure("values", f"{name!r} is not a secret name"))
                elif isinstance(value, str) and not is_unknown(value):
                    # Refused before anything runs; the reason never quotes the value.
                    problem = stdin_problem(name, value)
                    if problem:
                        failures.append(CheckFailure("values", problem))
        news = {**news, "values": values, "stage": bool(news.get("stage", True))}
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        values = news.get("values") or {}
        old = olds.get("digests") or {}
        changed = is_unknown(values) or {k: digest(k, v) for k, v in values.items()} != old
        replaces = ["app"] if differs(olds.get("app"), news.get("app")) else []
        return DiffResult(changes=changed or bool(replaces), replaces=replaces)

    def _import(self, app: str, values: Mapping[str, str], stage: bool) -> None:
        staged = ["--stage"] if stage else []
        imported = {k: v for k, v in values.items() if _import_problem(k, v) is None}
        if imported:
            stdin = "".join(import_lines(k, v) for k, v in sorted(imported.items()))
            args = ["secrets", "import", "--app", app, *staged]
            self._run(args, stdin=stdin, redact=list(imported.values()))
        # What the import parser cannot carry (CRLF, a very long line) goes one value at a time
        # through ReadStdin; check() refused whatever neither path carries.
        for name, value in sorted(values.items()):
            if name not in imported:
                args = ["secrets", "set", f"{name}=-", "--app", app, *staged]
                self._run(args, stdin=value, redact=[value])

    def _unset(self, app: str, names: Iterable[str], stage: bool) -> None:
        names = sorted(names)
        if names:
            self._run(["secrets", "unset", *names, "--app", app] + (["--stage"] if stage else []))

    @staticmethod
    def _outs(props: Mapping[str, Any]) -> dict[str, Any]:
        values = props.get("values") or {}
        return {
            "app": props["app"],
            "stage": props.get("stage", True),
            "digests": {k: digest(k, v) for k, v in sorted(values.items())},
        }

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._import(props["app"], props.get("values") or {}, props.get("stage", True))
        return CreateResult(f"{props['app']}-secrets", self._outs(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        app, stage = news["app"], news.get("stage", True)
        values = news.get("values") or {}
        old = olds.get("digests") or {}
        changed = {k: v for k, v in values.items() if old.get(k) != digest(k, v)}
        # Dropped keys are unset explicitly: comparing old state after overwriting it is how
        # other Fly providers lose track of removed secrets (fly.md §4).
        self._unset(app, set(old) - set(values), stage)
        self._import(app, changed, stage)
        return UpdateResult(self._outs(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        app = props["app"]
        try:
            listed = self._json(["secrets", "list", "--app", app, "--json"])
        except FlyctlError as exc:
            if exc.kind == "not_found":
                return ReadResult("", {})
            raise
        present = {item["name"] for item in listed}
        # Fly's digests are not ours; a name gone from Fly drops out, so the next diff sets it.
        digests = {k: v for k, v in (props.get("digests") or {}).items() if k in present}
        return ReadResult(id_, {**props, "digests": digests})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        try:
            self._unset(props["app"], (props.get("digests") or {}).keys(), True)
        except FlyctlError as exc:
            if exc.kind != "not_found":
                raise


class Secrets(dynamic.Resource, module="fly", name="Secrets"):
    """The app secrets this program owns. Values go in; only their digests come out, sealed."""

    app: pulumi.Output[str]
    stage: pulumi.Output[bool]
    digests: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        values: pulumi.Input[dict[str, pulumi.Input[str]]],
        stage: bool = True,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "app": app,
            # Secret as a whole, so the values are encrypted wherever Pulumi keeps inputs.
            "values": pulumi.Output.secret(values),
            "stage": stage,
            "digests": None,
        }
        # The digests are unsalted sha256 of the values: for a low-entropy value ("dev",
        # "true") a digest in plaintext state gives the value away, so they are sealed too.
        super().__init__(
            SecretsProvider(runner), resource_name, props, resource_options(opts, ["digests"])
        )
