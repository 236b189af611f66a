"""A Fly app: `apps create`, `status`, `apps destroy`; the `App` resource and its provider."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi import dynamic
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
)

from components.fly.base import (
    FlyProvider,
    check_app,
    diff_fields,
    require,
    resource_options,
)
from components.fly.cli import FlyctlError
from components.fly.settings import RunnerSettings

# fly-go flaps/flaps_error.go FlapsError.Suggestion for the API's `name_taken` code, which
# flyctl prints after its Error line; the error text itself may be generic (a lost race).
NAME_TAKEN_SUGGESTION = "App names are unique across all of Fly.io"


def name_taken(message: str) -> bool:
    return "already been taken" in message or NAME_TAKEN_SUGGESTION in message


class AppProvider(FlyProvider):
    """A Fly app: `apps create NAME --org ORG --json`, `apps destroy NAME --yes`."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        require(failures, news, "name", "org")
        check_app(failures, news, "name")
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # App names are global: the old app must go before a new one can take the name.
        return diff_fields(olds, news, immutable=("name", "org"), delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        name, org = props["name"], props["org"]
        args = ["apps", "create", name, "--org", org, "--json"]
        try:
            app = self._json(args)
        except FlyctlError as exc:
            if not name_taken(exc.message):
                raise
            # A run that failed after `apps create` succeeded left our app behind: adopt it,
            # but only if this token sees it in the same org (app names are global).
            app = self._status(name)
            if app is None or (app.get("Organization") or {}).get("Slug") != org:
                raise
        return CreateResult(name, self._outs(props, app))

    def _status(self, name: str) -> dict[str, Any] | None:
        try:
            status = self._json(["status", "--app", name, "--json"])
        except FlyctlError as exc:
            if exc.kind == "not_found":
                return None
            raise
        return status if isinstance(status, dict) else None

    @staticmethod
    def _outs(props: Mapping[str, Any], app: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "name": props["name"],
            "org": props["org"],
            "hostname": app.get("Hostname") or f"{props['name']}.fly.dev",
            "app_id": str(app.get("ID") or props["name"]),
        }

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        app = self._status(id_)
        if app is None:
            return ReadResult("", {})
        org = (app.get("Organization") or {}).get("Slug") or props.get("org")
        inputs = {"name": id_, "org": org}
        return ReadResult(id_, self._outs(inputs, app), inputs)

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        try:
            self._run(["apps", "destroy", id_, "--yes"])
        except FlyctlError as exc:
            if exc.kind != "not_found":
                raise


class App(dynamic.Resource, module="fly", name="App"):
    """A Fly app: the namespace of machines, secrets, IPs and certificates."""

    name: pulumi.Output[str]
    org: pulumi.Output[str]
    hostname: pulumi.Output[str]
    app_id: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        org: pulumi.Input[str],
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"name": name, "org": org, "hostname": None, "app_id": None}
        super().__init__(AppProvider(runner), resource_name, props, resource_options(opts))
