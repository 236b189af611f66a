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
    line_value,
    malformed,
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

    `detached` buckets (a second one, or one whose keys the app reads under other names) are
    created for the org only, `storage create --org ORG --name NAME --yes`: flyctl refuses a
    second bucket for an app and cannot rename the secrets it sets
    (extensions/core/core.go), so it prints the keys instead, which are kept only in the
    secret `credentials` output for the stack's Secrets to deliver.
    """

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        require(failures, news, "app", "name")
        check_app(failures, news)
        if news.get("detached"):
            require(failures, news, "org")
        if olds and bool(olds.get("detached")) != bool(news.get("detached")):
            # Replacing the bucket would lose its objects, and an attached bucket's keys were
            # set on the app by flyctl and never kept, so they cannot move to other names.
            failures.append(
                CheckFailure(
                    "detached",
                    f"bucket {news.get('name')}'s keys cannot move between flyctl's default "
                    "names and the app's own once it exists; keep its env names as they were, "
                    "or add a bucket with a new id",
                )
            )
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # One bucket per app and global names: the old one goes first.
        return diff_fields(olds, news, immutable=("app", "name"), delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        app, name = props["app"], props["name"]
        if props.get("detached"):
            argv = ["storage", "create", "--org", props["org"], "--name", name, "--yes"]
            try:
                out = self._run(argv)
            except FlyctlError as exc:
                if exc.kind == "transient" or not self._exists(name):
                    raise
                # flyctl prints a bucket's keys once, when it creates it (core.go), and this
                # stack has none for this one: a run stopped after that (or a retry after a
                # create that went through) lost them, or another stack owns the name. The
                # API's own refusal says only that the name is taken.
                raise FlyctlError(
                    "permanent",
                    f"bucket {name} already exists and this stack has none of its keys, which "
                    "flyctl prints only when it creates a bucket (an interrupted `pulumi up` "
                    "loses them); give the bucket another name in infera.yaml, or, if it is "
                    f"this stack's and holds nothing, run `fly storage destroy {name} --yes` "
                    "and `pulumi up` again",
                    ["flyctl", *argv],
                ) from exc
            # core.go setSecretsFromExtension: "KEY: value" lines after the header line.
            credentials = {key: line_value(out, key) for key in STORAGE_SECRETS}
            if not all(credentials.values()):
                raise malformed("the bucket's keys", ["storage", "create", "--name", name])
            return CreateResult(name, {**props, "credentials": credentials})
        # `storage create` sets none of its five secrets, and still exits 0, when the app has
        # any of them already (extensions/core/core.go setSecretsFromExtension): the bucket
        # would exist with the app pointing elsewhere. So such an app is refused first.
        listed = self._json(["secrets", "list", "--app", app, "--json"])
        clashing = sorted({item.get("name") for item in listed} & set(STORAGE_SECRETS))
        if clashing and not self._exists(name):
            raise FlyctlError(
                "permanent",
                f"app {app} already has {', '.join(clashing)}, so `fly storage create` would "
                "create the bucket but set none of its credentials; unset them with "
                f"`fly secrets unset {' '.join(clashing)} --app {app}` (or move them to other "
                "names), then run again",
                ["flyctl", "storage", "create", "--app", app, "--name", name],
            )
        try:
            # When it sets the secrets it also restarts the app's machines, if any
            # (secrets.DeploySecrets), so it gets the deploy's time limit.
            out = self._run(
                ["storage", "create", "--app", app, "--name", name, "--yes"],
                timeout=self.runner.deploy_timeout_s,
            )
        except FlyctlError as exc:
            if f"bucket named {name} already exists for app {app}" not in exc.message:
                raise
            return CreateResult(name, {"app": app, "name": name})
        if "They won't be set automatically" in out:
            raise FlyctlError(
                "permanent",
                f"bucket {name} was created, but flyctl set none of its credentials on {app} "
                "because some of its secret names appeared on the app meanwhile; unset "
                f"{' '.join(STORAGE_SECRETS)} on {app}, destroy the bucket, and run again",
                ["flyctl", "storage", "create", "--app", app, "--name", name],
            )
        return CreateResult(name, {"app": app, "name": name})

    def _exists(self, name: str) -> bool:
        try:
            self._run(["storage", "status", name])
        except FlyctlError as exc:
            if exc.kind == "not_found":
                return False
            raise
        return True

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Only whether the bucket exists is read: the contract records no output shape for
        # `storage status`, so nothing is parsed from it and the app is the one in state.
        try:
            self._run(["storage", "status", id_])
        except FlyctlError as exc:
            if exc.kind == "not_found":
                return ReadResult("", {})
            raise
        return ReadResult(id_, {**props, "app": props.get("app"), "name": id_})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # `storage destroy` leaves the credentials it set on the app; stale ones would point
        # the app at a bucket that is gone. Staged: the next deploy drops them from machines.
        # A detached bucket's keys are the stack's Secrets', which unset them themselves.
        unset = ["secrets", "unset", *STORAGE_SECRETS, "--app", props["app"], "--stage"]
        steps = [["storage", "destroy", id_, "--yes"]]
        for step in steps if props.get("detached") else [unset, *steps]:
            try:
                self._run(step)
            except FlyctlError as exc:
                if exc.kind != "not_found":
                    raise


class Storage(dynamic.Resource, module="fly", name="Storage"):
    """A Tigris bucket whose credentials flyctl sets on the app as secrets."""

    app: pulumi.Output[str]
    name: pulumi.Output[str]
    # Detached buckets only: the keys flyctl printed, by its secret names (a secret output).
    credentials: pulumi.Output[dict[str, str] | None]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        name: str,
        org: str | None = None,
        detached: bool = False,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"app": app, "name": name}
        if detached:
            # Only then, so the app's own bucket registers exactly what it did before.
            props |= {"org": org, "detached": True, "credentials": None}
        super().__init__(
            StorageProvider(runner),
            resource_name,
            props,
            resource_options(opts, ["credentials"] if detached else None),
        )
