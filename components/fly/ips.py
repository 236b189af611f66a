"""One IP address of the app: the `Ip` resource and its provider.

`ips allocate-v4/v6`, `ips list`, `ips release`.
"""

from __future__ import annotations

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
    diff_fields,
    malformed,
    require,
    resource_options,
)
from components.fly.cli import FlyctlError
from components.fly.settings import RunnerSettings

IP_KINDS = ("v6", "shared_v4", "v4", "private_v6")


class IpProvider(FlyProvider):
    """One IP address of the app: v6, shared_v4, v4 (dedicated, $2/month) or private_v6."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        require(failures, news, "app", "kind")
        if news.get("kind") not in IP_KINDS:
            failures.append(CheckFailure("kind", f"kind is one of {', '.join(IP_KINDS)}"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_fields(olds, news, immutable=("app", "kind"))

    def _list(self, app: str) -> list[dict[str, Any]]:
        return list(self._json(["ips", "list", "--app", app, "--json"]) or [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        app, kind = props["app"], props["kind"]
        before = self._list(app)
        # Adopt one of this kind (from an interrupted run, or a first deploy's auto-allocation)
        # rather than pay for or leak a second one.
        mine = [ip for ip in before if ip.get("Type") == kind]
        if not mine:
            args = {
                "v6": ["ips", "allocate-v6"],
                "private_v6": ["ips", "allocate-v6", "--private"],
                "shared_v4": ["ips", "allocate-v4", "--shared"],
                "v4": ["ips", "allocate-v4", "--yes"],
            }[kind]
            seen = {ip.get("Address") for ip in before}

            def new_ones() -> list[dict[str, Any]]:
                listed = [ip for ip in self._list(app) if ip.get("Type") == kind]
                return [ip for ip in listed if ip.get("Address") not in seen] or listed

            self._create([*args, "--app", app], lambda: bool(new_ones()))
            mine = new_ones()
            if not mine:
                raise malformed(f"a {kind} address", ["ips", "list", "--app", app])
        address = mine[0]["Address"]
        return CreateResult(address, {"app": app, "kind": kind, "address": address})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            found = [ip for ip in self._list(props["app"]) if ip.get("Address") == id_]
        except FlyctlError as exc:
            if exc.kind == "not_found":
                return ReadResult("", {})
            raise
        if not found:
            return ReadResult("", {})
        return ReadResult(id_, {**props, "address": id_, "kind": found[0].get("Type")})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self._run(["ips", "release", id_, "--app", props["app"]])
        except FlyctlError as exc:
            if exc.kind != "not_found":
                raise


class Ip(dynamic.Resource, module="fly", name="Ip"):
    """One IP address of the app."""

    address: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        kind: str,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"app": app, "kind": kind, "address": None}
        super().__init__(IpProvider(runner), resource_name, props, resource_options(opts))
