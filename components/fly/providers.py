"""Dynamic providers: one `ResourceProvider` per Fly object, each driving flyctl.

Owns the lifecycle of every Fly object this project creates: what `check` normalises and
refuses, what `diff` says forces a replacement, which flyctl commands `create`, `update`,
`read` and `delete` run, and what goes into state. Running flyctl (finding it, timeouts,
retries, redaction) is `components.fly.cli`'s job; the typed resources are in
`components.fly.resources`.

Rules every provider here keeps:
- Nothing unpicklable on `self`: Pulumi pickles the provider into state. The runner is built
  inside each method from plain `RunnerSettings`.
- The Fly token reaches flyctl only through the environment (the runner passes it on).
- Secret values go to flyctl on stdin (`secrets import`), never in argv; state keeps their
  sha256 digests. Connection strings flyctl prints are kept only as secret outputs.
- `delete` treats "not found" as success; every other failure is raised.
- A `create` that a failed earlier run left half done adopts what exists instead of failing on
  "already taken", so the next `pulumi up` resumes.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime.rpc import UNKNOWN

from components.fly.cli import Flyctl, FlyctlError
from components.fly.settings import RunnerSettings

# Fly app names are DNS labels under fly.dev (flyctl `apps create`).
APP_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")
SECRET_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
IP_KINDS = ("v6", "shared_v4", "v4", "private_v6")
# Plans `mpg create --plan` finds (flyctl internal/command/mpg/plans.go, case-insensitive).
# `performance` is listed by flyctl but stored capitalised, so no spelling of it is found,
# and a plan that is not found silently becomes basic when there is no TTY.
MPG_PLANS = ("basic", "starter", "launch", "scale")


def digest(name: str, value: str) -> str:
    """sha256 of one secret, keyed by its name so equal values of two secrets differ."""
    return hashlib.sha256(f"{name}\0{value}".encode()).hexdigest()


def _unknown(value: Any) -> bool:
    if value is UNKNOWN or value == UNKNOWN:
        return True
    if isinstance(value, Mapping):
        return any(_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_unknown(v) for v in value)
    return False


def _changed(old: Any, new: Any) -> bool:
    return _unknown(new) or old != new


def _diff(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    *,
    mutable: Iterable[str] = (),
    immutable: Iterable[str] = (),
    delete_before_replace: bool = False,
) -> DiffResult:
    """changes/replaces over the named fields; immutable ones force a replacement."""
    mutable, immutable = list(mutable), list(immutable)
    replaces = [k for k in immutable if _changed(olds.get(k), news.get(k))]
    changed = replaces + [k for k in mutable if _changed(olds.get(k), news.get(k))]
    stables = [k for k in immutable if k not in replaces]
    return DiffResult(
        changes=bool(changed),
        replaces=replaces,
        stables=stables,
        delete_before_replace=delete_before_replace and bool(replaces),
    )


@contextmanager
def _empty_dir() -> Iterator[str]:
    # flyctl reads ./fly.toml from its cwd; an empty directory means it reads nothing by chance.
    with tempfile.TemporaryDirectory(prefix="flyctl-") as d:
        yield d


class _FlyProvider(ResourceProvider):
    """Shared plumbing: the runner settings (plain data) and the runner built per call."""

    def __init__(self, runner: RunnerSettings | None = None) -> None:
        super().__init__()
        self.runner = runner or RunnerSettings()

    def _fly(self, cwd: str, timeout: float | None = None) -> Flyctl:
        r = self.runner
        return Flyctl(
            cwd=cwd,
            timeout=r.timeout_s if timeout is None else timeout,
            retries=r.retries,
            backoff_base=r.backoff_base_s,
            backoff_cap=r.backoff_cap_s,
        )

    def _run(self, args: list[str], **kw: Any) -> str:
        timeout = kw.pop("timeout", None)
        with _empty_dir() as cwd:
            return self._fly(cwd, timeout).run(args, **kw).stdout

    def _json(self, args: list[str], **kw: Any) -> Any:
        with _empty_dir() as cwd:
            return self._fly(cwd).run_json(args, **kw)

    def _create(
        self, args: list[str], exists: Callable[[], bool], timeout: float | None = None
    ) -> str | None:
        """Run a create that must not happen twice; stdout, or None if it happened anyway.

        A transient failure (a 5xx, a reset connection) may come after Fly did the work, so
        before trying again it asks Fly whether the object now exists.
        """
        r = self.runner
        for attempt in range(r.retries + 1):
            try:
                return self._run(args, timeout=timeout, retry=False)
            except FlyctlError as exc:
                if exc.kind != "transient" or attempt == r.retries:
                    raise
                if exists():
                    return None
            time.sleep(min(r.backoff_cap_s, r.backoff_base_s * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover


def _malformed(what: str, argv: list[str]) -> FlyctlError:
    return FlyctlError("malformed", f"could not find {what} in flyctl's output", ["flyctl", *argv])


def _line_value(text: str, label: str) -> str | None:
    m = re.search(rf"^\s*{re.escape(label)}\s*[:=]\s*(\S.*?)\s*$", text, re.MULTILINE)
    return m.group(1) if m else None


def _ints(news: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """Numbers arrive as floats over Pulumi's wire (protobuf Struct); flyctl wants `10`."""
    out = dict(news)
    for key in keys:
        value = out.get(key)
        if isinstance(value, float) and value.is_integer():
            out[key] = int(value)
    return out


def _require(failures: list[CheckFailure], news: Mapping[str, Any], *keys: str) -> None:
    for key in keys:
        value = news.get(key)
        if value is None or value == "":
            failures.append(CheckFailure(key, f"{key} is required"))


def _check_app(failures: list[CheckFailure], news: Mapping[str, Any], key: str = "app") -> None:
    value = news.get(key)
    if isinstance(value, str) and not _unknown(value) and not APP_NAME_RE.match(value):
        failures.append(
            CheckFailure(key, f"{value!r} is not a Fly app name: lowercase letters, digits, dashes")
        )


# --------------------------------------------------------------------------- App
class AppProvider(_FlyProvider):
    """A Fly app: `apps create NAME --org ORG --json`, `apps destroy NAME --yes`."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        _require(failures, news, "name", "org")
        _check_app(failures, news, "name")
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # App names are global: the old app must go before a new one can take the name.
        return _diff(olds, news, immutable=("name", "org"), delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        name, org = props["name"], props["org"]
        args = ["apps", "create", name, "--org", org, "--json"]
        try:
            app = self._json(args)
        except FlyctlError as exc:
            if "already been taken" not in exc.message:
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


# --------------------------------------------------------------------------- Secrets
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


class SecretsProvider(_FlyProvider):
    """App secrets: set through stdin with `secrets import`, removed with `secrets unset`.

    Inputs: `app`, `values` (name -> value, a Pulumi secret), `stage`. Outputs keep `digests`
    (name -> sha256, a secret output too: unsalted, they give a short value away), never
    `values`. With `stage`, the values wait for the next deploy, which
    the stack's Deploy resource runs because its trigger includes these digests.
    """

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        _require(failures, news, "app")
        _check_app(failures, news)
        values = news.get("values") or {}
        if not _unknown(values):
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
        changed = _unknown(values) or {k: digest(k, v) for k, v in values.items()} != old
        replaces = ["app"] if _changed(olds.get("app"), news.get("app")) else []
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


# --------------------------------------------------------------------------- Postgres
class PostgresProvider(_FlyProvider):
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

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        news = _ints(news, "volume_size_gb", "pg_major_version", "vm_memory_mb", "cluster_size")
        olds = _ints(olds, "volume_size_gb", "pg_major_version", "vm_memory_mb", "cluster_size")
        _require(failures, news, "app", "kind", "name", "org", "region")
        _check_app(failures, news)
        kind = news.get("kind")
        if kind not in ("mpg", "unmanaged"):
            failures.append(CheckFailure("kind", "kind is 'mpg' or 'unmanaged'"))
        if kind == "mpg":
            if news.get("plan") is None:
                news["plan"] = "basic"  # what flyctl picks when given no --plan
            plan = news["plan"]
            if not _unknown(plan) and plan not in MPG_PLANS:
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
        if olds and olds.get("kind") == kind:
            for key in self._FIXED:
                if key in olds and not _unknown(news.get(key)) and olds[key] != news.get(key):
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
        return _diff(olds, news, immutable=immutable, delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        url: str | None
        if props["kind"] == "mpg":
            cluster_id, url = self._create_mpg(props)
        else:
            cluster_id, url = self._create_unmanaged(props)
        outs = {**props, "cluster_id": cluster_id, "connection_string": url}
        return CreateResult(cluster_id, outs)

    # ---- managed
    def _find_mpg(self, name: str, org: str) -> dict[str, Any] | None:
        args = ["mpg", "list", "--org", org, "--json"]
        text = self._run(args)
        # With no clusters flyctl prints a sentence even under --json (fly.md §1, mpg list).
        if text.startswith("No managed postgres clusters found"):
            return None
        try:
            clusters = json.loads(text)
        except json.JSONDecodeError:
            raise _malformed("a JSON list of clusters", args) from None
        return next((c for c in clusters if c.get("name") == name), None)

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
            cluster_id = _line_value(out or "", "ID")
            if not cluster_id:
                # Output cut short, or created by an attempt that reported a failure.
                found = self._find_mpg(name, org)
                if found is None:
                    raise _malformed("the cluster ID", args)
                cluster_id = str(found["id"])
            attached: list[str] = []
        else:
            cluster_id = str(found["id"])
            attached = [a.get("name") for a in found.get("attached_apps") or []]
        if app not in attached:
            out = self._run(["mpg", "attach", cluster_id, "--app", app])
            printed = _line_value(out, "DATABASE_URL")
            if printed:
                return cluster_id, printed
        status = self._json(["mpg", "status", cluster_id, "--json"])
        url = ((status or {}).get("credentials") or {}).get("pgbouncer_uri")
        if not url:
            raise _malformed("the connection string", ["mpg", "status", cluster_id])
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
        try:
            out = self._run(["postgres", "attach", name, "--app", app, "--yes"])
        except FlyctlError as exc:
            if "already contains a secret named DATABASE_URL" not in exc.message:
                raise
            # An earlier, interrupted run attached it; the URL was printed only then.
            return name, None
        return name, _line_value(out, "DATABASE_URL")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if props.get("kind") == "mpg":
            try:
                status = self._json(["mpg", "status", id_, "--json"])
            except FlyctlError as exc:
                if exc.kind == "not_found":
                    return ReadResult("", {})
                raise
            data = status.get("data") or {}
            outs = {**props, "region": data.get("region", props.get("region"))}
            return ReadResult(id_, outs)
        if AppProvider(self.runner)._status(id_) is None:
            return ReadResult("", {})
        return ReadResult(id_, dict(props))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        args = (
            ["mpg", "destroy", id_, "--yes"]
            if props.get("kind") == "mpg"
            else ["apps", "destroy", id_, "--yes"]
        )
        for step in (["secrets", "unset", "DATABASE_URL", "--app", props["app"], "--stage"], args):
            try:
                self._run(step)
            except FlyctlError as exc:
                if exc.kind != "not_found":
                    raise


# --------------------------------------------------------------------------- Redis
class RedisProvider(_FlyProvider):
    """An Upstash Redis database (`redis create` with every flag that avoids a prompt).

    `redis create` does not set REDIS_URL on any app; the stack passes the `url` output (a
    secret) into the app's Secrets resource.
    """

    _IMMUTABLE = ("name", "org", "region", "plan", "eviction")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        _require(failures, news, "name", "org", "region")
        news = {**news, "eviction": bool(news.get("eviction")), "plan": news.get("plan")}
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # flyctl has no `redis update`; it is a cache, so a new one is acceptable.
        return _diff(olds, news, immutable=self._IMMUTABLE, delete_before_replace=True)

    def _status_url(self, name: str) -> str | None:
        try:
            out = self._run(["redis", "status", name])
        except FlyctlError as exc:
            if exc.kind == "not_found":
                return None
            raise
        url = _line_value(out, "Private URL")
        if not url:
            raise _malformed("the Private URL", ["redis", "status", name])
        return url

    @staticmethod
    def _outs(props: Mapping[str, Any], url: str) -> dict[str, Any]:
        return {**props, "url": url, "host": urlsplit(url).hostname or ""}

    def create(self, props: dict[str, Any]) -> CreateResult:
        name = props["name"]
        args = [
            "redis", "create", "--name", name, "--org", props["org"],
            "--region", props["region"], "--no-replicas",
            "--enable-eviction" if props.get("eviction") else "--disable-eviction",
            "--enable-prodpack=false",
        ]  # fmt: skip
        if props.get("plan"):
            args += ["--plan", props["plan"], "--enable-auto-upgrade=false"]
        try:
            # A retry after a create that did happen fails as taken, and is adopted below.
            out = self._run(args)
        except FlyctlError as exc:
            if "already been taken" not in exc.message:
                raise
            found = self._status_url(name)
            if found is None:
                raise
            return CreateResult(name, self._outs(props, found))
        m = re.search(r"connect to Redis at <?(rediss?://[^\s>]+)>?", out)
        if not m:
            raise _malformed("the Redis URL", args)
        return CreateResult(name, self._outs(props, m.group(1)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        url = self._status_url(id_)
        if url is None:
            return ReadResult("", {})
        return ReadResult(id_, self._outs(props, url))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        try:
            self._run(["redis", "destroy", id_, "--yes"])
        except FlyctlError as exc:
            if exc.kind != "not_found":
                raise


# --------------------------------------------------------------------------- Storage
# What `storage create` sets on the app (flyctl internal/command/extensions/tigris/create.go).
STORAGE_SECRETS = (
    "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_SECRET_ACCESS_KEY",
    "BUCKET_NAME",
)  # fmt: skip


class StorageProvider(_FlyProvider):
    """A Tigris bucket for the app: `storage create --app APP --name NAME --yes`.

    flyctl sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_S3, AWS_REGION and
    BUCKET_NAME on the app itself and prints them; that output is discarded, never stored.
    """

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        _require(failures, news, "app", "name")
        _check_app(failures, news)
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # One bucket per app and global names: the old one goes first.
        return _diff(olds, news, immutable=("app", "name"), delete_before_replace=True)

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


# --------------------------------------------------------------------------- Deploy
class DeployProvider(_FlyProvider):
    """A release: `fly deploy` with the rendered fly.toml, run when `trigger` changes.

    `trigger` digests the source tree (or image), the rendered fly.toml without the machine
    count, and the secret digests; `config` (the full fly.toml) rides along but alone does not
    cause a deploy. Deleting a release is a no-op: the app's machines go with the app.
    """

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        _require(failures, news, "app", "config", "trigger")
        _check_app(failures, news)
        if not news.get("image") and not news.get("build_path"):
            failures.append(CheckFailure("image", "give a prebuilt image or a build_path"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _diff(olds, news, mutable=("trigger", "image"), immutable=("app",))

    def _deploy(self, props: Mapping[str, Any]) -> dict[str, Any]:
        app = props["app"]
        with tempfile.TemporaryDirectory(prefix="fly-deploy-") as tmp:
            config = Path(tmp) / "fly.toml"
            config.write_text(props["config"])
            args = [
                "deploy", "--config", str(config), "--app", app, "--yes",
                "--strategy", props.get("strategy") or "rolling",
                "--wait-timeout", props.get("wait_timeout") or "5m",
                # One machine at first; the Scale resource owns the count.
                "--ha=false",
            ]  # fmt: skip
            if props.get("image"):
                args += ["--image", props["image"]]
                cwd = tmp
            else:
                # The build context is flyctl's working directory. `build_path` is kept
                # relative to the project (where Pulumi runs this provider), and flyctl makes
                # `--dockerfile` absolute against its own cwd (deploy_build.go
                # resolveDockerfilePath), so both are resolved here, before flyctl moves.
                context = Path(props["build_path"]).resolve()
                cwd = str(context)
                dockerfile = context / (props.get("dockerfile") or "Dockerfile")
                args += ["--remote-only", "--dockerfile", str(dockerfile)]
            self._fly(cwd, self.runner.deploy_timeout_s).run(args)
        status = self._json(["status", "--app", app, "--json"])
        machines = status.get("Machines") or []
        image = props.get("image") or ""
        if machines:
            ref = machines[0].get("image_ref") or {}
            repo = "/".join(x for x in (ref.get("registry"), ref.get("repository")) if x)
            image = f"{repo}@{ref['digest']}" if ref.get("digest") else image
        return {**props, "image_ref": image, "release_version": int(status.get("Version") or 0)}

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['app']}-release", self._deploy(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._deploy(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        app = AppProvider(self.runner)._status(props["app"])
        if app is None:
            return ReadResult("", {})
        return ReadResult(id_, {**props, "release_version": int(app.get("Version") or 0)})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


# --------------------------------------------------------------------------- Scale
class ScaleProvider(_FlyProvider):
    """How many machines run: `scale count N --region R --yes`. Never redeploys."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        news = _ints(news, "count")
        _require(failures, news, "app", "region")
        count = news.get("count")
        if not _unknown(count) and (not isinstance(count, int) or count < 0):
            failures.append(CheckFailure("count", "count is a whole number, 0 or more"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _diff(olds, news, mutable=("count", "region"), immutable=("app",))

    def _scale(self, props: Mapping[str, Any]) -> dict[str, Any]:
        app, count, region = props["app"], props["count"], props["region"]
        self._run(["scale", "count", str(count), "--app", app, "--region", region, "--yes"])
        return dict(props)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['app']}-scale", self._scale(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._scale(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            groups = self._json(["scale", "show", "--app", props["app"], "--json"])
        except FlyctlError as exc:
            if exc.kind == "not_found":
                return ReadResult("", {})
            raise
        count = next((g["Count"] for g in groups if g.get("Process") == "app"), 0)
        return ReadResult(id_, {**props, "count": count})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # Machines belong to the app; destroying the app removes them.
        return None


# --------------------------------------------------------------------------- IPs
class IpProvider(_FlyProvider):
    """One IP address of the app: v6, shared_v4, v4 (dedicated, $2/month) or private_v6."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        _require(failures, news, "app", "kind")
        if news.get("kind") not in IP_KINDS:
            failures.append(CheckFailure("kind", f"kind is one of {', '.join(IP_KINDS)}"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _diff(olds, news, immutable=("app", "kind"))

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
                raise _malformed(f"a {kind} address", ["ips", "list", "--app", app])
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


# --------------------------------------------------------------------------- Certificates
def dns_records(detail: Mapping[str, Any]) -> list[dict[str, str]]:
    """The records to create for a certificate: A/AAAA to the app, and the ACME challenge."""
    req = detail.get("dns_requirements") or {}
    host = str(detail.get("hostname") or "")
    records = [{"type": "A", "name": host, "value": a} for a in req.get("a") or []]
    records += [{"type": "AAAA", "name": host, "value": a} for a in req.get("aaaa") or []]
    challenge = req.get("acme_challenge") or {}
    if challenge.get("name") and challenge.get("target"):
        records.append({"type": "CNAME", "name": challenge["name"], "value": challenge["target"]})
    return records


class CertProvider(_FlyProvider):
    """A TLS certificate for the custom domain: `certs add HOST --json`."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        _require(failures, news, "app", "hostname")
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # A host name can be on one app only.
        return _diff(olds, news, immutable=("app", "hostname"), delete_before_replace=True)

    def _outs(self, props: Mapping[str, Any], detail: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "app": props["app"],
            "hostname": props["hostname"],
            "status": detail.get("status", ""),
            "dns_records": dns_records(detail),
        }

    def create(self, props: dict[str, Any]) -> CreateResult:
        app, host = props["app"], props["hostname"]
        detail = self._json(["certs", "add", host, "--app", app, "--json"])
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
