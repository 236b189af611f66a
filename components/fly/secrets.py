"""App secrets: `secrets import` over stdin, `secrets unset`, `secrets list`.

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


def _stdin_line(name: str, value: str) -> str:
    """One NAME=VALUE line as `secrets import` parses it (flyctl secrets/parser.go)."""
    plain = (
        value == value.strip()
        and "\n" not in value
        and " #" not in value
        and value[:1] not in ("'", '"')
        and value != ""
    )
    # Triple quotes keep what the parser would otherwise trim, strip or unquote.
    return f"{name}={value}" if plain else f'{name}="""{value}"""'


class SecretsProvider(FlyProvider):
    """App secrets: set through stdin with `secrets import`, removed with `secrets unset`.

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
                elif isinstance(value, str) and '"""' in value:
                    # The only text `secrets import` cannot carry; the value is not quoted here.
                    failures.append(CheckFailure("values", f'{name} contains """'))
        news = {**news, "values": values, "stage": bool(news.get("stage", True))}
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        values = news.get("values") or {}
        old = olds.get("digests") or {}
        changed = is_unknown(values) or {k: digest(k, v) for k, v in values.items()} != old
        replaces = ["app"] if differs(olds.get("app"), news.get("app")) else []
        return DiffResult(changes=changed or bool(replaces), replaces=replaces)

    def _import(self, app: str, values: Mapping[str, str], stage: bool) -> None:
        if not values:
            return
        stdin = "".join(_stdin_line(k, v) + "\n" for k, v in sorted(values.items()))
        args = ["secrets", "import", "--app", app] + (["--stage"] if stage else [])
        self._run(args, stdin=stdin, redact=list(values.values()))

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
