"""Postgres attached to the app, and the `Postgres` resource and its provider.

Managed Postgres (`mpg create/attach/status/destroy`) or legacy Fly Postgres
(`postgres create/attach`); the attach sets DATABASE_URL on the app as a staged secret.
"""

from __future__ import annotations

import json
import time
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
    UpdateResult,
)

from components.fly.app import AppProvider
from components.fly.base import (
    FlyProvider,
    check_app,
    diff_fields,
    is_unknown,
    line_value,
    malformed,
    require,
    resource_options,
    whole_numbers,
)
from components.fly.cli import FlyctlError
from components.fly.settings import RunnerSettings

# Plans `mpg create --plan` finds (flyctl internal/command/mpg/plans.go, case-insensitive).
# `performance` is listed by flyctl but stored capitalised, so no spelling of it is found,
# and a plan that is not found silently becomes basic when there is no TTY.
MPG_PLANS = ("basic", "starter", "launch", "scale")
# Database users a resumed `postgres attach` tries (the app's name, then _2, _3, ...).
_ATTACH_USERS = 5


# The secret `mpg attach` / `postgres attach` set without --variable-name.
DEFAULT_VARIABLE = "DATABASE_URL"


def _variable(props: Mapping[str, Any]) -> str:
    return str(props.get("variable_name") or DEFAULT_VARIABLE)


def _variable_flag(props: Mapping[str, Any]) -> list[str]:
    var = _variable(props)
    return [] if var == DEFAULT_VARIABLE else ["--variable-name", var]


def _dying(cluster: Mapping[str, Any]) -> bool:
    # APPROX: the status words are Fly's API's, not flyctl's; any that speaks of deletion.
    status = str(cluster.get("status") or "").lower()
    return "delet" in status or "destroy" in status


class PostgresProvider(FlyProvider):
    """A Postgres cluster attached to the app (which sets DATABASE_URL as a staged secret).

    `kind` "mpg" is Fly Managed Postgres (`mpg create`, `mpg attach`), the supported default;
    "unmanaged" is legacy Fly Postgres (`postgres create`, `postgres attach`). The connection
    string flyctl prints is kept only in the `connection_string` output, which the resource
    declares secret.
    """

    _IMMUTABLE = ("app", "kind", "name", "org", "region", "pg_major_version")
    # `postgres create` is never given a version: the contract's only lever would be
    # `--image-ref`, and which image tag carries which major is not part of it. flyctl picks
    # the postgres-flex image, so the version is neither recorded nor a reason to replace.
    _IMMUTABLE_UNMANAGED = ("app", "kind", "name", "org", "region")
    _FIXED = ("plan", "volume_size_gb", "vm_size", "vm_memory_mb", "cluster_size")
    _NOT_FOR = {
        "mpg": ("vm_size", "vm_memory_mb", "cluster_size"),
        "unmanaged": ("plan",),
    }
    _NUMBERS = ("volume_size_gb", "pg_major_version", "vm_memory_mb", "cluster_size")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        news = whole_numbers(news, *self._NUMBERS)
        olds = whole_numbers(olds, *self._NUMBERS)
        require(failures, news, "app", "kind", "name", "org", "region")
        check_app(failures, news)
        kind = news.get("kind")
        if kind not in ("mpg", "unmanaged"):
            failures.append(CheckFailure("kind", "kind is 'mpg' or 'unmanaged'"))
        if kind == "mpg":
            if news.get("plan") is None:
                news["plan"] = "basic"  # what flyctl picks when given no --plan
            plan = news["plan"]
            if not is_unknown(plan) and plan not in MPG_PLANS:
                failures.append(
                    CheckFailure(
                        "plan",
                        f"{plan!r} is not a Managed Postgres plan flyctl can create; "
                        f"use {', '.join(MPG_PLANS[:-1])} or {MPG_PLANS[-1]}",
                    )
                )
        if kind == "mpg" and news.get("pg_major_version") not in (16, 17):
            failures.append(
                CheckFailure(
                    "pg_major_version",
                    f"Managed Postgres runs PostgreSQL 16 or 17, not "
                    f"{news.get('pg_major_version')}; set database.version to 16 or 17",
                )
            )
        if kind == "unmanaged":
            news["pg_major_version"] = None
        # What does not apply to the kind is dropped, so state and plan show only what does
        # (and a state written before with machine defaults on a managed cluster compares
        # equal: those keys are not compared for it).
        for key in self._NOT_FOR.get(str(kind), ()):
            news[key] = None
        if olds and olds.get("kind") == kind:
            for key in self._FIXED:
                if key in self._NOT_FOR.get(str(kind), ()):
                    continue
                if key in olds and not is_unknown(news.get(key)) and olds[key] != news.get(key):
                    # flyctl has no command that changes these, and replacing the cluster
                    # would throw the data away.
                    failures.append(
                        CheckFailure(
                            key,
                            f"{key} cannot change from {olds[key]!r} to {news.get(key)!r} "
                            "with flyctl; change it in the Fly dashboard, then here",
                        )
                    )
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # One DATABASE_URL per app: the old attachment must go before a new one is made.
        unmanaged = olds.get("kind") == news.get("kind") == "unmanaged"
        immutable = self._IMMUTABLE_UNMANAGED if unmanaged else self._IMMUTABLE
        return diff_fields(
            olds,
            news,
            mutable=("variable_name",),
            immutable=immutable,
            delete_before_replace=True,
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """A new env name for the URL: the same value moves to it (staged, like the attach),
        and the old name is unset. The cluster and its attachment stay as they are."""
        from components.fly.secrets import SecretsProvider

        old, new = _variable(olds), _variable(news)
        outs = {**news, "cluster_id": olds.get("cluster_id")}
        outs["connection_string"] = olds.get("connection_string")
        if old != new:
            url = olds.get("connection_string")
            if not url:
                raise FlyctlError(
                    "permanent",
                    f"the connection string attached as {old} was never printed by flyctl, so it "
                    f"cannot move to {new}; run `fly secrets unset {old} -a {news['app']}` "
                    "and attach again",
                )
            secrets = SecretsProvider(self.runner)
            secrets._import(news["app"], {new: url}, True)
            secrets._unset(news["app"], [old], True)
        return UpdateResult(outs)

    def create(self, props: dict[str, Any]) -> CreateResult:
        # What check made whole crosses the wire again as a float (`--volume-size 10.0`).
        props = whole_numbers(props, *self._NUMBERS)
        url: str | None
        if props["kind"] == "mpg":
            cluster_id, url = self._create_mpg(props)
        else:
            cluster_id, url = self._create_unmanaged(props)
        outs = {**props, "cluster_id": cluster_id, "connection_string": url}
        return CreateResult(cluster_id, outs)

    # ---- managed
    def _mpg_list(self, org: str) -> list[dict[str, Any]]:
        args = ["mpg", "list", "--org", org, "--json"]
        text = self._run(args)
        # With no clusters flyctl prints a sentence even under --json (mpg/list.go runList).
        if text.startswith("No managed postgres clusters found"):
            return []
        try:
            clusters = json.loads(text)
        except json.JSONDecodeError:
            raise malformed("a JSON list of clusters", args) from None
        return [c for c in clusters if isinstance(c, dict)]

    def _find_mpg(self, name: str, org: str) -> dict[str, Any] | None:
        # A cluster whose destroy is scheduled keeps its name until Fly removes it; adopting
        # it would attach the replacement to a database about to vanish.
        return next(
            (c for c in self._mpg_list(org) if c.get("name") == name and not _dying(c)), None
        )

    def _mpg_lookup(self, args: list[str], cluster_id: str, org: str) -> str | None:
        """Runs an `mpg` command on one cluster; None once `mpg list` confirms it is gone.

        mpg/mpg.go ClusterFromArgOrSelect turns every failed lookup by ID, 5xx and timeouts
        included, into `managed postgres cluster "ID" not found`, so that text alone proves
        nothing: the org's list does. Listed and alive means the lookup failed; it is tried
        again, and then reported, never taken for a missing cluster.
        """
        r = self.runner
        for attempt in range(r.retries + 1):
            try:
                return self._run(args)
            except FlyctlError as exc:
                if exc.kind != "not_found":
                    raise
                listed = next(
                    (c for c in self._mpg_list(org) if str(c.get("id")) == cluster_id), None
                )
                if listed is None or _dying(listed):
                    return None
                if attempt == r.retries:
                    raise FlyctlError(
                        "transient",
                        f"{exc.message}, yet `mpg list --org {org}` shows it "
                        f"({listed.get('status') or 'no status'}): flyctl reports any failed "
                        "lookup this way, so it was not taken as gone; try again",
                        exc.argv,
                        exc.exit_code,
                    ) from None
            time.sleep(min(r.backoff_cap_s, r.backoff_base_s * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _create_mpg(self, p: Mapping[str, Any]) -> tuple[str, str]:
        app, name, org = p["app"], p["name"], p["org"]
        found = self._find_mpg(name, org)
        if found is None:
            args = [
                "mpg", "create", "--name", name, "--org", org, "--region", p["region"],
                "--plan", p.get("plan") or "basic",
                "--volume-size", str(p["volume_size_gb"]),
                "--pg-major-version", str(p["pg_major_version"]),
            ]  # fmt: skip
            out = self._create(
                args,
                lambda: self._find_mpg(name, org) is not None,
                timeout=self.runner.mpg_create_timeout_s,
            )
            cluster_id = line_value(out or "", "ID")
            if not cluster_id:
                # Output cut short, or created by an attempt that reported a failure.
                found = self._find_mpg(name, org)
                if found is None:
                    raise malformed("the cluster ID", args)
                cluster_id = str(found["id"])
            attached: list[str] = []
        else:
            cluster_id = str(found["id"])
            attached = [a.get("name") for a in found.get("attached_apps") or []]
        if app not in attached:
            # mpg/v2/run_attach.go: the secret is named by --variable-name (default
            # DATABASE_URL) and printed as "  NAME=URL".
            var = _variable(p)
            attach = ["mpg", "attach", cluster_id, "--app", app, *_variable_flag(p)]
            try:
                out = self._run(attach)
            except FlyctlError as exc:
                if f"already has {var} set" not in exc.message:
                    raise
                # An earlier attach set the secret but left no attachment record (a failed
                # CreateAttachment is only a warning, mpg/v2/run_attach.go), or was cut off
                # before its output was read. The value cannot be read back to check which
                # cluster it names, so it is replaced by this cluster's.
                self._run(["secrets", "unset", var, "--app", app, "--stage"])
                out = self._run(attach)
            printed = line_value(out, var)
            if printed:
                return cluster_id, printed
        status = self._json(["mpg", "status", cluster_id, "--json"])
        url = ((status or {}).get("credentials") or {}).get("pgbouncer_uri")
        if not url:
            raise malformed("the connection string", ["mpg", "status", cluster_id])
        return cluster_id, url

    # ---- unmanaged
    def _create_unmanaged(self, p: Mapping[str, Any]) -> tuple[str, str | None]:
        app, name = p["app"], p["name"]

        def exists() -> bool:
            return AppProvider(self.runner)._status(name) is not None

        if not exists():
            # Every sizing flag is given, so flyctl skips its "Select configuration" menu.
            self._create(
                [
                    "postgres", "create", "--name", name, "--org", p["org"],
                    "--region", p["region"],
                    "--initial-cluster-size", str(p.get("cluster_size") or 1),
                    "--vm-size", p.get("vm_size") or "shared-cpu-1x",
                    "--vm-memory", str(p.get("vm_memory_mb") or 1024),
                    "--volume-size", str(p["volume_size_gb"]),
                ],
                exists,
            )  # fmt: skip
        # postgres/attach.go names the database user after the app; an attach cut off after
        # creating that user (before setting the secret) refuses it ever after, and its
        # password was never printed. A resumed attach takes the next numbered user.
        user = app.replace("-", "_").lower()
        for n in range(1, _ATTACH_USERS + 1):
            named = [] if n == 1 else ["--database-user", f"{user}_{n}"]
            try:
                out = self._run(
                    ["postgres", "attach", name, "--app", app, "--yes", *named, *_variable_flag(p)]
                )
            except FlyctlError as exc:
                if f"already contains a secret named {_variable(p)}" in exc.message:
                    # An earlier, interrupted run attached it; the URL was printed only then.
                    return name, None
                taken = "already exists. Please specify a new database user" in exc.message
                if taken and n < _ATTACH_USERS:
                    continue
                raise
            return name, line_value(out, _variable(p))
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if props.get("kind") == "mpg":
            args = ["mpg", "status", id_, "--json"]
            text = self._mpg_lookup(args, id_, props["org"])
            if text is None:
                return ReadResult("", {})
            try:
                status = json.loads(text)
            except json.JSONDecodeError:
                raise malformed("the cluster's JSON status", args) from None
            data = status.get("data") or {}
            if _dying(data):
                return ReadResult("", {})
            outs = {**props, "region": data.get("region", props.get("region"))}
            return ReadResult(id_, outs)
        if AppProvider(self.runner)._status(id_) is None:
            return ReadResult("", {})
        return ReadResult(id_, dict(props))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        unset = ["secrets", "unset", _variable(props), "--app", props["app"], "--stage"]
        steps = (
            [unset] if props.get("kind") == "mpg" else [unset, ["apps", "destroy", id_, "--yes"]]
        )
        for step in steps:
            try:
                self._run(step)
            except FlyctlError as exc:
                if exc.kind != "not_found":
                    raise
        if props.get("kind") == "mpg":
            # `mpg destroy` only schedules the deletion (mpg/v2/run_destroy.go); the cluster
            # is listed as dying until Fly removes it, which _find_mpg and read respect.
            self._mpg_lookup(["mpg", "destroy", id_, "--yes"], id_, props["org"])


class Postgres(dynamic.Resource, module="fly", name="Postgres"):
    """A Postgres cluster attached to the app; `connection_string` is a secret output."""

    cluster_id: pulumi.Output[str]
    name: pulumi.Output[str]
    connection_string: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        kind: str,
        name: str,
        org: str,
        region: str,
        volume_size_gb: int,
        pg_major_version: int,
        plan: str | None = None,
        vm_size: str | None = None,
        vm_memory_mb: int | None = None,
        cluster_size: int | None = None,
        variable_name: str = DEFAULT_VARIABLE,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "app": app,
            "kind": kind,
            "name": name,
            "org": org,
            "region": region,
            "volume_size_gb": volume_size_gb,
            "pg_major_version": pg_major_version,
            "plan": plan,
            "vm_size": vm_size,
            "vm_memory_mb": vm_memory_mb,
            "cluster_size": cluster_size,
            "cluster_id": None,
            "connection_string": None,
        }
        if variable_name != DEFAULT_VARIABLE:
            # Only when set, so stacks on the default register exactly what they did before.
            props["variable_name"] = variable_name
        super().__init__(
            PostgresProvider(runner),
            resource_name,
            props,
            resource_options(opts, ["connection_string"]),
        )
