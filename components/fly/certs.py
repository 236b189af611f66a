"""A TLS certificate for the custom domain: the `Cert` resource and its provider.

`certs add/check/remove`, and the DNS records the certificate needs (a stack output).
"""

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
    diff_fields,
    require,
    resource_options,
)
from components.fly.cli import FlyctlError
from components.fly.settings import RunnerSettings


def dns_records(detail: Mapping[str, Any]) -> list[dict[str, str]]:
    """The records a certificate needs: A/AAAA to the app, the ACME challenge, the ownership TXT."""
    req = detail.get("dns_requirements") or {}
    host = str(detail.get("hostname") or "")
    records = [{"type": "A", "name": host, "value": a} for a in req.get("a") or []]
    records += [{"type": "AAAA", "name": host, "value": a} for a in req.get("aaaa") or []]
    challenge = req.get("acme_challenge") or {}
    if challenge.get("name") and challenge.get("target"):
        records.append({"type": "CNAME", "name": challenge["name"], "value": challenge["target"]})
    # fly-go types.go OwnershipRequirement: a certificate in `pending_ownership` issues only
    # once this TXT record exists (flyctl certificates/root.go prints `TXT name → app_value`).
    ownership = req.get("ownership") or {}
    if ownership.get("name") and ownership.get("app_value"):
        records.append({"type": "TXT", "name": ownership["name"], "value": ownership["app_value"]})
    return records


class CertProvider(FlyProvider):
    """A TLS certificate for the custom domain: `certs add HOST --json`."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        require(failures, news, "app", "hostname")
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # A host name can be on one app only.
        return diff_fields(olds, news, immutable=("app", "hostname"), delete_before_replace=True)

    def _outs(self, props: Mapping[str, Any], detail: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "app": props["app"],
            "hostname": props["hostname"],
            "status": detail.get("status", ""),
            "dns_records": dns_records(detail),
        }

    def create(self, props: dict[str, Any]) -> CreateResult:
        app, host = props["app"], props["hostname"]
        try:
            detail = self._json(["certs", "add", host, "--app", app, "--json"])
        except FlyctlError as exc:
            # APPROX: Fly's API refuses a hostname the app already has ("Hostname already
            # exists on app"); an earlier run that added it, or one made by hand, is adopted
            # when this app has it, and the refusal stands otherwise.
            if "already exists" not in exc.message:
                raise
            try:
                detail = self._json(["certs", "check", host, "--app", app, "--json"])
            except FlyctlError as missing:
                if missing.kind == "not_found":
                    raise exc from None
                raise
        return CreateResult(host, self._outs(props, detail))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            detail = self._json(["certs", "check", id_, "--app", props["app"], "--json"])
        except FlyctlError as exc:
            if exc.kind == "not_found":
                return ReadResult("", {})
            raise
        return ReadResult(id_, self._outs(props, detail))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self._run(["certs", "remove", id_, "--app", props["app"], "--yes"])
        except FlyctlError as exc:
            if exc.kind != "not_found":
                raise


class Cert(dynamic.Resource, module="fly", name="Cert"):
    """A certificate for the custom domain, and the DNS records it needs."""

    status: pulumi.Output[str]
    dns_records: pulumi.Output[list[dict[str, str]]]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        hostname: str,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "app": app,
            "hostname": hostname,
            "status": None,
            "dns_records": None,
        }
        super().__init__(CertProvider(runner), resource_name, props, resource_options(opts))
