"""A Tigris bucket for the app: the `Storage` resource and its provider.

`storage create/status/destroy`, and the names of the secrets `storage create` sets on the app.
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
    check_app,
    diff_fields,
    require,
    resource_options,
)
from components.fly.cli import FlyctlError
from components.fly.settings import RunnerSettings

# What `storage create` sets on the app (flyctl internal/command/extensions/tigris/create.go).
STORAGE_SECRETS = (
    "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_SECRET_ACCESS_KEY",
    "BUCKET_NAME",
)  # fmt: skip


class StorageProvider(FlyProvider):
    """A Tigris bucket for the app: `storage create --app APP --name NAME --yes`.

    flyctl sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_S3, AWS_REGION and
    BUCKET_NAME on the app itself and prints them; that output is discarded, never stored.
    """

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        require(failures, news, "app", "name")
        check_app(failures, news)
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # One bucket per app and global names: the old one goes first.
        return diff_fields(olds, news, immutable=("app", "name"), delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        app, name = props["app"], props["name"]
        try:
            self._run(["storage", "create", "--app", app, "--name", name, "--yes"])
        except FlyctlError as exc:
            if f"bucket named {name} already exists for app {app}" not in exc.message:
                raise
        return CreateResult(name, {"app": app, "name": name})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Only whether the bucket exists is read: the contract records no output shape for
        # `storage status`, so nothing is parsed from it and the app is the one in state.
        try:
            self._run(["storage", "status", id_])
        except FlyctlError as exc:
            if exc.kind == "not_found":
                return ReadResult("", {})
            raise
        return ReadResult(id_, {"app": props.get("app"), "name": id_})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # `storage destroy` leaves the credentials it set on the app; stale ones would point
        # the app at a bucket that is gone. Staged: the next deploy drops them from machines.
        unset = ["secrets", "unset", *STORAGE_SECRETS, "--app", props["app"], "--stage"]
        for step in (unset, ["storage", "destroy", id_, "--yes"]):
            try:
                self._run(step)
            except FlyctlError as exc:
                if exc.kind != "not_found":
                    raise


class Storage(dynamic.Resource, module="fly", name="Storage"):
    """A Tigris bucket whose credentials flyctl sets on the app as secrets."""

    app: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        name: str,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"app": app, "name": name}
        super().__init__(StorageProvider(runner), resource_name, props, resource_options(opts))
