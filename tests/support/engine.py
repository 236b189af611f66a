"""A tiny local Pulumi engine: runs a whole program twice, thrice, with state in between.

Owns what `pulumi up` does around dynamic providers, for tests and the benchmark: for every
`pulumi-python:dynamic/fly:*` resource it runs check, diff against the previous run's state,
and create / update / replace (honouring `delete_before_replace`) or nothing; after a
successful run it deletes what the program no longer declares, newest first. `refresh` reads
every resource back. Protected resources are never deleted or replaced. A failed run keeps
whatever completed, so the next run resumes from there. Other types (pulumi_random, ...) get
the deterministic outputs of `phxstack.mocks.ProjectMocks`.

Every provider call goes out of process, as in Pulumi: to the SDK's own dynamic-provider server
(`python -u -m pulumi.dynamic`), started through the project's launcher and spoken to over the
ResourceProvider gRPC protocol by `tests.support.provider_server`, which also marshals the
properties as the engine does (secrets stripped, then re-marked by name). So the server, not
this process, unpickles `__provider`: a provider the project directory cannot import, a value
that does not survive protobuf, or an error the server reports as a gRPC status fails here as
it would under `pulumi up`.

State is a dict, optionally persisted to a JSON file. Secret values in it are sealed (here a
keyed XOR, standing in for Pulumi's secrets provider), so no plaintext secret is on disk.

It also owns which flyctl commands mutate Fly (`MUTATING`), for call counting.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from phxstack.mocks import ProjectMocks, RecordingMonitor, _resolve_outputs
from tests.support.provider_server import (
    ROOT,
    ProviderError,
    ProviderServer,
    contains_secrets,
    provider_server,
    secret,
    strip_secrets,
)

DYNAMIC_PREFIX = "pulumi-python:dynamic/fly:"
# Every dynamic resource, whatever its module: the type tokens the pulumi-python plugin serves.
DYNAMIC_PACKAGE = "pulumi-python:dynamic"
PROVIDER_KEY = "__provider"

# Every flyctl command that changes something on Fly. Everything else only reads.
MUTATING: frozenset[str] = frozenset(
    {
        "apps create", "apps destroy", "deploy", "scale count", "scale vm", "scale memory",
        "secrets set", "secrets import", "secrets unset", "secrets deploy",
        "postgres create", "postgres attach", "postgres detach",
        "mpg create", "mpg attach", "mpg detach", "mpg destroy",
        "redis create", "redis destroy", "storage create", "storage destroy",
        "ips allocate-v4", "ips allocate-v6", "ips release", "certs add", "certs remove",
    }
)  # fmt: skip
_TWO_WORD_PARENTS = {"apps", "secrets", "postgres", "mpg", "redis", "storage", "scale", "ips",
                     "certs", "config", "machine", "volumes", "auth"}  # fmt: skip


def command_of(argv: list[str]) -> str:
    """`["secrets", "import", "--app", "x"]` -> "secrets import"."""
    words = [a for a in argv if not a.startswith("-")]
    if words and words[0] in _TWO_WORD_PARENTS and len(words) > 1:
        return f"{words[0]} {words[1]}"
    return words[0] if words else ""


def read_log(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [json.loads(line)["argv"] for line in path.read_text().splitlines()]


@dataclass(frozen=True)
class CallCount:
    total: int
    mutating: int
    commands: tuple[str, ...]

    @property
    def mutating_commands(self) -> tuple[str, ...]:
        return tuple(c for c in self.commands if c in MUTATING)


def count_calls(argvs: Iterable[list[str]]) -> CallCount:
    commands = tuple(command_of(a) for a in argvs)
    return CallCount(len(commands), sum(c in MUTATING for c in commands), commands)


# ---------------------------------------------------------------------------------- sealing
_KEY = b"local-engine-test-key"


def _stream(n: int) -> bytes:
    out = b""
    block = 0
    while len(out) < n:
        out += hashlib.sha256(_KEY + block.to_bytes(8, "big")).digest()
        block += 1
    return out[:n]


def seal(value: Any) -> dict[str, str]:
    raw = json.dumps(value).encode()
    return {
        "sealed": base64.b64encode(
            bytes(a ^ b for a, b in zip(raw, _stream(len(raw)), strict=True))
        ).decode()
    }


def unseal(box: dict[str, str]) -> Any:
    raw = base64.b64decode(box["sealed"])
    return json.loads(bytes(a ^ b for a, b in zip(raw, _stream(len(raw)), strict=True)))


def _plain(props: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Values without secret markers, and the keys that held a secret anywhere inside."""
    return (
        {k: strip_secrets(v) for k, v in props.items()},
        sorted(k for k, v in props.items() if contains_secrets(v)),
    )


def _marked(props: dict[str, Any], secret_keys: Iterable[str]) -> dict[str, Any]:
    keys = set(secret_keys)
    return {k: secret(v) if k in keys else v for k, v in props.items()}


# ---------------------------------------------------------------------------------- engine
@dataclass
class Step:
    """One thing the engine did to a resource: the run's plan, with key names only."""

    op: str  # create | update | replace | same | delete | read | gone
    type: str
    name: str
    changed: list[str] = field(default_factory=list)


@dataclass
class Stored:
    type: str
    name: str
    id: str
    inputs: dict[str, Any]
    outs: dict[str, Any]
    secret_inputs: list[str]
    secret_outs: list[str]
    protect: bool
    seq: int
    provider: str  # the pickled provider, as Pulumi keeps it (`__provider`)
    urn: str = ""

    def to_json(self) -> dict[str, Any]:
        def sealed(d: dict[str, Any], secret: list[str]) -> dict[str, Any]:
            return {k: seal(v) if k in secret else v for k, v in d.items()}

        return {
            "type": self.type, "name": self.name, "id": self.id,
            "inputs": sealed(self.inputs, self.secret_inputs),
            "outs": sealed(self.outs, self.secret_outs),
            "secret_inputs": self.secret_inputs, "secret_outs": self.secret_outs,
            "protect": self.protect, "seq": self.seq, "provider": self.provider,
            "urn": self.urn,
        }  # fmt: skip

    @staticmethod
    def from_json(d: dict[str, Any]) -> Stored:
        def opened(x: dict[str, Any], secret: list[str]) -> dict[str, Any]:
            return {k: unseal(v) if k in secret else v for k, v in x.items()}

        return Stored(
            d["type"], d["name"], d["id"],
            opened(d["inputs"], d["secret_inputs"]), opened(d["outs"], d["secret_outs"]),
            d["secret_inputs"], d["secret_outs"], d["protect"], d["seq"], d["provider"],
            d.get("urn", ""),
        )  # fmt: skip

    def wire_inputs(self) -> dict[str, Any]:
        """The inputs as the engine holds them: secrets marked, `__provider` included."""
        return {**_marked(self.inputs, self.secret_inputs), PROVIDER_KEY: secret(self.provider)}

    def wire_outs(self) -> dict[str, Any]:
        return {**_marked(self.outs, self.secret_outs), PROVIDER_KEY: secret(self.provider)}


class EngineError(Exception):
    """A run failed; `errors` holds what the providers raised."""

    def __init__(self, errors: list[BaseException]) -> None:
        super().__init__("; ".join(f"{type(e).__name__}: {e}" for e in errors))
        self.errors = errors


class CheckFailed(Exception):
    """The provider's check answered with failures: the engine stops before any change."""


@dataclass
class RunResult:
    steps: list[Step]
    outputs: dict[str, Any]

    def ops(self) -> dict[str, str]:
        return {s.name: s.op for s in self.steps}

    def changed(self) -> list[Step]:
        return [s for s in self.steps if s.op != "same"]


class _Monitor(RecordingMonitor):
    """Hands the engine the options the stock mock drops (secret outputs, protect, URN)."""

    def __init__(self, engine: LocalEngine) -> None:
        super().__init__(engine)
        self.engine = engine

    def RegisterResource(self, request: Any) -> Any:
        with self.engine._lock:
            self.engine._in_flight += 1
        try:
            return super().RegisterResource(request)
        finally:
            with self.engine._lock:
                self.engine._in_flight -= 1

    def _register(self, request: Any) -> Any:
        self.engine._options[(request.type, request.name)] = (
            list(request.additionalSecretOutputs),
            bool(request.protect),
            self.make_urn(request.parent, request.type, request.name),
        )
        return super()._register(request)


class LocalEngine(ProjectMocks):
    """`pulumi up` in-process, its dynamic providers out of process: state between runs."""

    def __init__(
        self, state_file: Path | None = None, stack: str = "dev", project_dir: Path = ROOT
    ) -> None:
        super().__init__(preview=False)
        self.state_file = state_file
        self.stack = stack
        self.project_dir = project_dir
        self.state: dict[str, Stored] = {}
        if state_file is not None and state_file.exists():
            raw = json.loads(state_file.read_text())
            self.state = {k: Stored.from_json(v) for k, v in raw.items()}
        self._lock = threading.Lock()
        self._options: dict[tuple[str, str], tuple[list[str], bool, str]] = {}
        self._seen: set[str] = set()
        self._steps: list[Step] = []
        self._errors: list[BaseException] = []
        self._pending_deletes: list[Stored] = []
        self._in_flight = 0
        self._env: dict[str, str] = {}
        self._server: ProviderServer | None = None

    # ---- the plugin
    def _provider(self) -> ProviderServer:
        """The run's provider plugin, started on first use with the run's environment.

        A `pulumi up` starts its plugins with the environment it was started with; the pool
        shares one running server between runs (and engines) whose environment is the same.
        """
        with self._lock:
            if self._server is None or not self._server.alive():
                self._server = provider_server(self.project_dir, base_env=self._env)
            return self._server

    def _begin(self) -> None:
        self._seen, self._steps, self._errors, self._pending_deletes = set(), [], [], []
        self._env = dict(os.environ)
        self._server = None

    # ---- a run
    def run(self, program: Callable[[], None]) -> RunResult:
        self._begin()

        def go() -> dict[str, Any]:
            asyncio.set_event_loop(asyncio.new_event_loop())
            set_all_config({}, secret_keys=[])
            monitor = _Monitor(self)
            pulumi.runtime.settings.ROOT.set(None)
            pulumi.runtime.set_mocks(
                self, project="phoenix", stack=self.stack, preview=False, monitor=monitor
            )
            # As `pulumi.runtime.test` does: tasks a failed run left behind are not ours to await.
            pulumi.runtime.settings.SETTINGS.outputs.clear()
            try:
                _sync_await(run_pulumi_func(program))
            except Exception as exc:  # provider errors are collected below
                if not self._errors:
                    self._errors.append(exc)
                # Like the real engine, let operations already running finish and be recorded;
                # otherwise they would go on in the background, unrecorded.
                loop = asyncio.get_event_loop()
                self._wait_for_in_flight(loop)
                # The loop is abandoned with the failed run; its unawaited futures hold errors
                # already collected above, so asyncio need not print each one again.
                loop.set_exception_handler(lambda _loop, _context: None)
                return {}
            outputs, _ = _resolve_outputs()
            return outputs

        box: dict[str, Any] = {}

        def in_own_thread() -> None:
            try:
                box["outputs"] = contextvars.copy_context().run(go)
            except BaseException as exc:  # re-raised in the caller's thread
                box["error"] = exc

        # Each run gets its own thread and so its own event loop: whatever a failed run left
        # pending in the SDK stays there and cannot surface in the next run.
        thread = threading.Thread(target=in_own_thread, name="local-engine-run")
        try:
            thread.start()
            thread.join()
            # A failed run leaves its tasks in the SDK's global set of outputs, bound to a loop
            # that is gone; the next program run in this process would wait on them forever.
            pulumi.runtime.settings.SETTINGS.outputs.clear()
            if "error" in box:
                raise box["error"]
            outputs = box["outputs"]
            if self._errors:
                raise EngineError(self._errors)
            try:
                for old in self._pending_deletes:
                    self._delete(old)
                gone = [s for k, s in self.state.items() if k not in self._seen]
                for old in sorted(gone, key=lambda s: s.seq, reverse=True):
                    self._delete(old)
                    del self.state[f"{old.type}::{old.name}"]
            except Exception as exc:
                raise EngineError([exc]) from exc
        finally:
            self.save()
        return RunResult(list(self._steps), outputs)

    def destroy(self) -> RunResult:
        """`pulumi destroy`: every resource, newest first."""
        return self.run(lambda: None)

    def refresh(self) -> RunResult:
        """`pulumi refresh`: Read each resource; one Fly no longer has leaves the state."""
        self._begin()
        try:
            for key, old in sorted(self.state.items(), key=lambda kv: kv[1].seq):
                rid, outs, inputs = self._provider().read(
                    self._urn(old), old.id, old.wire_inputs(), old.wire_outs()
                )
                if not rid:
                    del self.state[key]
                    self._steps.append(Step("gone", old.type, old.name))
                    continue
                outs.pop(PROVIDER_KEY, None)
                plain_outs, secret_outs = _plain(outs)
                if inputs is not None:
                    inputs.pop(PROVIDER_KEY, None)
                    old.inputs, old.secret_inputs = _plain(inputs)
                changed = sorted(k for k in set(plain_outs) | set(old.outs)
                                 if plain_outs.get(k) != old.outs.get(k))  # fmt: skip
                old.id, old.outs = rid, plain_outs
                old.secret_outs = sorted(set(secret_outs) | set(old.secret_outs) & set(outs))
                self._steps.append(Step("read", old.type, old.name, changed))
        except Exception as exc:
            raise EngineError([exc]) from exc
        finally:
            self.save()
        return RunResult(list(self._steps), {})

    def save(self) -> None:
        if self.state_file is not None:
            data = {k: v.to_json() for k, v in self.state.items()}
            self.state_file.write_text(json.dumps(data, indent=1, sort_keys=True))

    def state_text(self) -> str:
        return json.dumps({k: v.to_json() for k, v in self.state.items()}, sort_keys=True)

    # ---- the mock hook
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.typ.startswith(DYNAMIC_PACKAGE):
            return super().new_resource(args)
        try:
            return self._apply(args)
        except BaseException as exc:
            with self._lock:
                self._errors.append(exc)
            raise

    def _apply(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        key = f"{args.typ}::{args.name}"
        extra_secret_outs, protect, urn = self._options.get(
            (args.typ, args.name), ([], False, self._default_urn(args.typ, args.name))
        )
        with self._lock:
            self._seen.add(key)
            old = self.state.get(key)
        server = self._provider()
        # Check gets the inputs as registered (the program's secrets marked), olds from state.
        checked, failures = server.check(urn, old.wire_inputs() if old else {}, dict(args.inputs))
        if failures:
            reasons = "; ".join(f"{f.property}: {f.reason}" for f in failures)
            raise CheckFailed(f"{args.typ} {args.name}: check failed: {reasons}")
        blob = strip_secrets(checked.pop(PROVIDER_KEY))
        news, secret_inputs = _plain(checked)
        news_wire = {**checked, PROVIDER_KEY: secret(blob)}
        op, changed = "create", sorted(news)
        if old is None:
            rid, outs = server.create(urn, news_wire)
        else:
            diff = server.diff(urn, old.id, old.wire_inputs(), old.wire_outs(), news_wire)
            changed = list(diff.replaces)
            some = diff.changes == provider_pb2.DiffResponse.DIFF_SOME or (
                # A provider with no diff of its own: the engine compares the inputs.
                diff.changes == provider_pb2.DiffResponse.DIFF_UNKNOWN and news != old.inputs
            )
            if diff.replaces:
                if old.protect:
                    raise ValueError(f"{args.name} is protected; refusing to replace it")
                op = "replace"
                if diff.delete_before_replace:
                    self._delete(old)
                else:
                    self._pending_deletes.append(old)
                rid, outs = server.create(urn, news_wire)
            elif some:
                op = "update"
                changed = [k for k in news if news.get(k) != old.inputs.get(k)]
                outs = server.update(urn, old.id, old.wire_inputs(), old.wire_outs(), news_wire)
                rid = old.id
            else:
                op, changed = "same", []
                rid, outs = old.id, old.wire_outs()
        outs.pop(PROVIDER_KEY, None)
        plain_outs, secret_outs = _plain(outs)
        secret_outs = sorted(set(secret_outs) | (set(extra_secret_outs) & set(plain_outs)))
        with self._lock:
            seq = old.seq if old is not None and op != "replace" else self._next_seq()
            self.state[key] = Stored(
                args.typ, args.name, rid, news, plain_outs, secret_inputs, secret_outs,
                protect, seq, blob, urn,
            )  # fmt: skip
            self._steps.append(Step(op, args.typ, args.name, changed))
        return rid, _marked(plain_outs, secret_outs)

    def _wait_for_in_flight(self, loop: asyncio.AbstractEventLoop) -> None:
        # The SDK runs each registration in the loop's default executor; once its queue is
        # empty and no registration is inside the monitor, nothing more will happen.
        executor = getattr(loop, "_default_executor", None)
        quiet = 0
        while quiet < 2:
            queued = executor._work_queue.qsize() if executor is not None else 0
            quiet = quiet + 1 if queued == 0 and self._in_flight == 0 else 0
            time.sleep(0.05)

    def _next_seq(self) -> int:
        return 1 + max((s.seq for s in self.state.values()), default=0)

    def _default_urn(self, typ: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::phoenix::{typ}::{name}"

    def _urn(self, stored: Stored) -> str:
        return stored.urn or self._default_urn(stored.type, stored.name)

    def _delete(self, old: Stored) -> None:
        if old.protect:
            raise ValueError(f"{old.name} is protected; refusing to delete it")
        self._provider().delete(self._urn(old), old.id, old.wire_inputs(), old.wire_outs())
        self._steps.append(Step("delete", old.type, old.name))


__all__ = ["CheckFailed", "EngineError", "LocalEngine", "ProviderError", "Stored"]
