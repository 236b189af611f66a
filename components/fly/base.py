"""What every Fly provider and resource shares: the runner plumbing, diff and check helpers.

Rules every provider under `components.fly` keeps:
- Nothing unpicklable on `self`: Pulumi pickles the provider into state. The runner is built
  inside each method from plain `RunnerSettings`.
- The Fly token reaches flyctl only through the environment (the runner passes it on).
- Secret values go to flyctl on stdin, never in argv; state keeps their sha256 digests.
  Connection strings flyctl prints are kept only as secret outputs.
- `delete` treats "not found" as success; every other failure is raised.
- A `create` that a failed earlier run left half done adopts what exists instead of failing on
  "already taken", so the next `pulumi up` resumes.

Each Fly object has its own module beside this one (`app`, `secrets`, `postgres`, `redis`,
`storage`, `deploy`, `scale`, `ips`, `certs`), holding its provider and its resource class.
Running flyctl (finding it, timeouts, retries, redaction) is `components.fly.cli`'s job.
"""

from __future__ import annotations

import pickle
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, DiffResult, ResourceProvider
from pulumi.dynamic import dynamic as _sdk_dynamic
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from components.fly.cli import Flyctl, FlyctlError
from components.fly.settings import RunnerSettings


def _unwrapped_batch_setitems(fn: Any) -> Any:
    # Each sorting wrapper closes over the one it replaced; pickle's own method is at the end.
    while fn.__qualname__ != "_Pickler._batch_setitems":
        (cell,) = fn.__closure__
        fn = cell.cell_contents
    return fn


# pulumi.dynamic's serialize_provider wraps pickle._Pickler._batch_setitems in a sorting wrapper
# on every call and never restores it (pulumi/dynamic/dynamic.py), so each dynamic resource
# registered in one process adds a frame to every later pickling: after about 970 registrations
# (a test worker, a long-lived Automation API process) each one fails with RecursionError.
# Starting every call from pickle's own method keeps the chain one wrapper deep; the sorted,
# deterministic blob is unchanged.
_PICKLE_BATCH_SETITEMS = _unwrapped_batch_setitems(pickle._Pickler._batch_setitems)  # type: ignore[attr-defined]
_sdk_serialize_provider = _sdk_dynamic.serialize_provider


def _serialize_provider(provider: ResourceProvider) -> str:
    pickle._Pickler._batch_setitems = _PICKLE_BATCH_SETITEMS  # type: ignore[attr-defined]
    return _sdk_serialize_provider(provider)


_sdk_dynamic.serialize_provider = _serialize_provider

# Fly app names are DNS labels under fly.dev (flyctl `apps create`).
APP_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")


def is_unknown(value: Any) -> bool:
    # Under the Pulumi CLI a dynamic provider sees an unknown as a pulumi.output.Unknown (its
    # host deserialises with keep_unknowns, pulumi/dynamic/__main__.py); mocks pass the raw string.
    if isinstance(value, Unknown) or value is UNKNOWN or value == UNKNOWN:
        return True
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(is_unknown(v) for v in value)
    return False


def differs(old: Any, new: Any) -> bool:
    return is_unknown(new) or old != new


def diff_fields(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    *,
    mutable: Iterable[str] = (),
    immutable: Iterable[str] = (),
    delete_before_replace: bool = False,
) -> DiffResult:
    """changes/replaces over the named fields; immutable ones force a replacement."""
    mutable, immutable = list(mutable), list(immutable)
    replaces = [k for k in immutable if differs(olds.get(k), news.get(k))]
    changed = replaces + [k for k in mutable if differs(olds.get(k), news.get(k))]
    stables = [k for k in immutable if k not in replaces]
    return DiffResult(
        changes=bool(changed),
        replaces=replaces,
        stables=stables,
        delete_before_replace=delete_before_replace and bool(replaces),
    )


@contextmanager
def empty_dir() -> Iterator[str]:
    # flyctl reads ./fly.toml from its cwd; an empty directory means it reads nothing by chance.
    with tempfile.TemporaryDirectory(prefix="flyctl-") as d:
        yield d


class FlyProvider(ResourceProvider):
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
        with empty_dir() as cwd:
            return self._fly(cwd, timeout).run(args, **kw).stdout

    def _json(self, args: list[str], **kw: Any) -> Any:
        with empty_dir() as cwd:
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


def malformed(what: str, argv: list[str]) -> FlyctlError:
    return FlyctlError("malformed", f"could not find {what} in flyctl's output", ["flyctl", *argv])


def line_value(text: str, label: str) -> str | None:
    m = re.search(rf"^\s*{re.escape(label)}\s*[:=]\s*(\S.*?)\s*$", text, re.MULTILINE)
    return m.group(1) if m else None


def table_value(text: str, label: str) -> str | None:
    """A row of flyctl's vertical table (internal/render/render.go VerticalTable).

    tablewriter v1.1.4 prints ` LABEL │ VALUE `, columns padded; the title line before it
    carries ANSI bold codes whatever NO_COLOR says. An empty cell reads as None.
    """
    m = re.search(rf"^\s*{re.escape(label)}\s*\u2502[ \t]*(\S.*?)\s*$", text, re.MULTILINE)
    return m.group(1) if m else None


def whole_numbers(news: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """Numbers arrive as floats over Pulumi's wire (protobuf Struct); flyctl wants `10`."""
    out = dict(news)
    for key in keys:
        value = out.get(key)
        if isinstance(value, float) and value.is_integer():
            out[key] = int(value)
    return out


def require(failures: list[CheckFailure], news: Mapping[str, Any], *keys: str) -> None:
    for key in keys:
        value = news.get(key)
        if value is None or value == "":
            failures.append(CheckFailure(key, f"{key} is required"))


def check_app(failures: list[CheckFailure], news: Mapping[str, Any], key: str = "app") -> None:
    value = news.get(key)
    if isinstance(value, str) and not is_unknown(value) and not APP_NAME_RE.match(value):
        failures.append(
            CheckFailure(key, f"{value!r} is not a Fly app name: lowercase letters, digits, dashes")
        )


def resource_options(
    opts: pulumi.ResourceOptions | None, secret_outputs: list[str] | None = None
) -> pulumi.ResourceOptions:
    # Returning Output.secret from a dynamic provider's create does not make it secret
    # (pulumi/pulumi#3012); additional_secret_outputs does.
    extra = pulumi.ResourceOptions(additional_secret_outputs=secret_outputs or [])
    return pulumi.ResourceOptions.merge(opts, extra)
