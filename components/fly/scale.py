"""How many app machines run: the `Scale` resource and its provider.

`scale count`, read back with `scale show`. Never redeploys.
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
    UpdateResult,
)

from components.fly.base import (
    FlyProvider,
    diff_fields,
    is_unknown,
    require,
    resource_options,
    whole_numbers,
)
from components.fly.cli import FlyctlError
from components.fly.settings import RunnerSettings


class ScaleProvider(FlyProvider):
    """How many machines run: `scale count N --region R --yes`. Never redeploys."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        news = whole_numbers(news, "count")
        require(failures, news, "app", "region")
        count = news.get("count")
        if not is_unknown(count) and (not isinstance(count, int) or count < 0):
            failures.append(CheckFailure("count", "count is a whole number, 0 or more"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_fields(olds, news, mutable=("count", "region"), immutable=("app",))

    def _scale(self, props: Mapping[str, Any]) -> dict[str, Any]:
        # What check made whole crosses the wire again as a float (`scale count 3.0`).
        props = whole_numbers(props, "count")
        app, count, region = props["app"], props["count"], props["region"]
        args = ["scale", "count", str(count), "--app", app, "--region", region, "--yes"]
        # With --region, flyctl counts and changes only that region's machines of the group
        # (scale/count_machines.go convergeGroupCounts), so each region is its own call.
        if props.get("process_group"):
            args += ["--process-group", props["process_group"]]
        self._run(args)
        return props

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
        group = props.get("process_group") or "app"
        found = next((g for g in groups if g.get("Process") == group), None)
        count = 0
        if found is not None:
            regions = found.get("Regions") or {}
            count = regions.get(props["region"], 0) if regions else found.get("Count", 0)
        return ReadResult(id_, {**props, "count": count})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # Machines belong to the app; destroying the app removes them.
        return None


class Scale(dynamic.Resource, module="fly", name="Scale"):
    """The number of machines of one process group (default: the web one) in one region."""

    count: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        count: pulumi.Input[int],
        region: str,
        process_group: str | None = None,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"app": app, "count": count, "region": region}
        if process_group is not None:
            props["process_group"] = process_group
        super().__init__(ScaleProvider(runner), resource_name, props, resource_options(opts))
