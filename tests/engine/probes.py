"""Dynamic providers that each cross the plugin boundary one way, for tests/engine.

They live in the repository so that the provider server, started in the project directory,
can import them by module path as it imports `components.fly.*`. Each output names what the
provider saw, so a test can tell what crossed the wire from what the program sent.
"""

from __future__ import annotations

from typing import Any

from pulumi import ResourceOptions
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    ReadResult,
    Resource,
    ResourceProvider,
)


class Probe(Resource, module="probe", name="Probe"):
    """A dynamic resource of type `pulumi-python:dynamic/probe:Probe`."""

    def __init__(
        self,
        name: str,
        provider: ResourceProvider,
        props: dict[str, Any],
        opts: ResourceOptions | None = None,
    ) -> None:
        super().__init__(provider, name, props, opts)


class NumberProbe(ResourceProvider):
    """Makes `count` whole in check, as the Fly providers do, and reports what create got."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult({**news, "count": int(news["count"])}, [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        count = props["count"]
        return CreateResult(
            "numbers", {"count_type": type(count).__name__, "flag": f"--count={count}"}
        )


class EchoProbe(ResourceProvider):
    """Echoes `token` back as an output of the same name, and reports how it arrived."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        token = props["token"]
        return CreateResult(
            "echo",
            {"token": token, "token_type": type(token).__name__, "token_length": len(token)},
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, dict(props))


class RefusingProbe(ResourceProvider):
    """`mode: fail` is a check failure; `mode: raise` raises in check; create always raises."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        if news.get("mode") == "raise":
            raise ValueError("mode 'raise' is refused by raising")
        failures = []
        if news.get("mode") == "fail":
            failures.append(CheckFailure("mode", "mode 'fail' is refused by check"))
        return CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> CreateResult:
        raise RuntimeError("create refused: the quota is exhausted")
