"""Upstash Redis: the `Redis` resource and its provider (`redis create/status/destroy`).

`redis create` sets nothing on the app: the URL (with its password) is a secret output the
stack hands to the app's `Secrets`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

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
    table_value,
)
from components.fly.cli import FlyctlError
from components.fly.settings import RunnerSettings


class RedisProvider(FlyProvider):
    """An Upstash Redis database (`redis create` with every flag that avoids a prompt).

    `redis create` does not set REDIS_URL on any app; the stack passes the `url` output (a
    secret) into the app's Secrets resource.
    """

    _IMMUTABLE = ("name", "org", "region", "plan", "eviction")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        require(failures, news, "name", "org", "region")
        news = {**news, "eviction": bool(news.get("eviction")), "plan": news.get("plan")}
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # flyctl has no `redis update`; it is a cache, so a new one is acceptable.
        return diff_fields(olds, news, immutable=self._IMMUTABLE, delete_before_replace=True)

    def _status_url(self, name: str) -> str | None:
        try:
            out = self._run(["redis", "status", name])
        except FlyctlError as exc:
            if exc.kind == "not_found":
                return None
            raise
        url = table_value(out, "Private URL")
        if not url:
            raise malformed("the Private URL", ["redis", "status", name])
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
            raise malformed("the Redis URL", args)
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


class Redis(dynamic.Resource, module="fly", name="Redis"):
    """An Upstash Redis database; `url` (with its password) is a secret output."""

    name: pulumi.Output[str]
    host: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: str,
        org: str,
        region: str,
        eviction: bool = False,
        plan: str | None = None,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "org": org,
            "region": region,
            "eviction": eviction,
            "plan": plan,
            "host": None,
            "url": None,
        }
        super().__init__(
            RedisProvider(runner), resource_name, props, resource_options(opts, ["url"])
        )
