"""A tiny local Pulumi engine: runs a whole program twice, thrice, with state in between.

Owns what `pulumi up` does around dynamic providers, for tests and the benchmark: for every
`pulumi-python:dynamic/fly:*` resource it unpickles the provider from `__provider` (so a
provider that does not pickle fails here as it would in Pulumi), then runs check, diff against
the previous run's state, and create / update / replace (honouring `delete_before_replace`) or
nothing; after a successful run it deletes what the program no longer declares, newest first.
Protected resources are never deleted or replaced. A failed run keeps whatever completed, so
the next run resumes from there. Other types (pulumi_random, ...) get the deterministic
outputs of `phxstack.mocks.ProjectMocks`.

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
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dill
import pulumi
from pulumi.dynamic import ResourceProvider
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from phxstack.mocks import ProjectMocks, RecordingMonitor, _resolve_outputs

DYNAMIC_PREFIX = "pulumi-python:dynamic/fly:"
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


def _unwrap(value: Any) -> tuple[Any, bool]:
    """Plain value, and whether a secret was anywhere inside it."""
    if rpc.is_rpc_secret(value):
        inner, _ = _unwrap(rpc.unwrap_rpc_secret(value))
        return inner, True
    if isinstance(value, dict):
        out, secret = {}, False
        for k, v in value.items():
            out[k], s = _unwrap(v)
            secret = secret or s
        return out, secret
    if isinstance(value, list):
        items = [_unwrap(v) for v in value]
        return [i for i, _ in items], any(s for _, s in items)
    return value, False


# ---------------------------------------------------------------------------------- engine
@dataclass
class Step:
    """One thing the engine did to a resource: the run's plan, with key names only."""

    op: str  # create | update | replace | same | delete
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
    provider: str  # the pickled provider, as Pulumi keeps it

    def to_json(self) -> dict[str, Any]:
        def sealed(d: dict[str, Any], secret: list[str]) -> dict[str, Any]:
            return {k: seal(v) if k in secret else v for k, v in d.items()}

        return {
            "type": self.type, "name": self.name, "id": self.id,
            "inputs": sealed(self.inputs, self.secret_inputs),
            "outs": sealed(self.outs, self.secret_outs),
            "secret_inputs": self.secret_inputs, "secret_outs": self.secret_outs,
            "protect": self.protect, "seq": self.seq, "provider": self.provider,
        }  # fmt: skip

    @staticmethod
    def from_json(d: dict[str, Any]) -> Stored:
        def opened(x: dict[str, Any], secret: list[str]) -> dict[str, Any]:
            return {k: unseal(v) if k in secret else v for k, v in x.items()}

        return Stored(
            d["type"], d["name"], d["id"],
            opened(d["inputs"], d["secret_inputs"]), opened(d["outs"], d["secret_outs"]),
            d["secret_inputs"], d["secret_outs"], d["protect"], d["seq"], d["provider"],
        )  # fmt: skip


class EngineError(Exception):
    """A run failed; `errors` holds what the providers raised."""

    def __init__(self, errors: list[BaseException]) -> None:
        super().__init__("; ".join(f"{type(e).__name__}: {e}" for e in errors))
        self.errors = errors


@dataclass
class RunResult:
    steps: list[Step]
    outputs: dict[str, Any]

    def ops(self) -> dict[str, str]:
        return {s.name: s.op for s in self.steps}

    def changed(self) -> list[Step]:
        return [s for s in self.steps if s.op != "same"]


def _provider(blob: str) -> ResourceProvider:
    provider: ResourceProvider = dill.loads(base64.b64decode(blob))
    return provider


class _Monitor(RecordingMonitor):
    """Hands the engine the options the stock mock drops (secret outputs, protect)."""

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
        )
        return super()._register(request)


class LocalEngine(ProjectMocks):
    """`pulumi up` in-process: state between runs, dynamic providers really driven."""

    def __init__(self, state_file: Path | None = None, stack: str = "dev") -> None:
        super().__init__(preview=False)
        self.state_file = state_file
        self.stack = stack
        self.state: dict[str, Stored] = {}
        if state_file is not None and state_file.exists():
            raw = json.loads(state_file.read_text())
            self.state = {k: Stored.from_json(v) for k, v in raw.items()}
        self._lock = threading.Lock()
        self._options: dict[tuple[str, str], tuple[list[str], bool]] = {}
        self._seen: set[str] = set()
        self._steps: list[Step] = []
        self._errors: list[BaseException] = []
        self._pending_deletes: list[Stored] = []
        self._in_flight = 0

    # ---- a run
    def run(self, program: Callable[[], None]) -> RunResult:
        self._seen, self._steps, self._errors, self._pending_deletes = set(), [], [], []

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

    def save(self) -> None:
        if self.state_file is not None:
            data = {k: v.to_json() for k, v in self.state.items()}
            self.state_file.write_text(json.dumps(data, indent=1, sort_keys=True))

    def state_text(self) -> str:
        return json.dumps({k: v.to_json() for k, v in self.state.items()}, sort_keys=True)

    # ---- the mock hook
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.typ.startswith(DYNAMIC_PREFIX):
            return super().new_resource(args)
        try:
            return self._apply(args)
        except BaseException as exc:
            with self._lock:
                self._errors.append(exc)
            raise

    def _apply(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        key = f"{args.typ}::{args.name}"
        secret_outs, protect = self._options.get((args.typ, args.name), ([], False))
        raw = dict(args.inputs)
        blob, _ = _unwrap(raw.pop(PROVIDER_KEY))
        provider = _provider(blob)
        inputs: dict[str, Any] = {}
        secret_inputs: list[str] = []
        for k, v in raw.items():
            inputs[k], secret = _unwrap(v)
            if secret:
                secret_inputs.append(k)
        with self._lock:
            self._seen.add(key)
            old = self.state.get(key)
        checked = provider.check(old.inputs if old else {}, inputs)
        if checked.failures:
            reasons = "; ".join(f"{f.property}: {f.reason}" for f in checked.failures)
            raise ValueError(f"{args.typ} {args.name}: check failed: {reasons}")
        news = checked.inputs
        op, changed = "create", sorted(news)
        if old is None:
            result = provider.create(news)
            rid, outs = result.id, result.outs or {}
        else:
            diff = provider.diff(old.id, old.outs, news)
            changed = list(diff.replaces or [])
            if diff.replaces:
                if old.protect:
                    raise ValueError(f"{args.name} is protected; refusing to replace it")
                op = "replace"
                if diff.delete_before_replace:
                    self._delete(old)
                else:
                    self._pending_deletes.append(old)
                result = provider.create(news)
                rid, outs = result.id, result.outs or {}
            elif diff.changes:
                op = "update"
                changed = [k for k in news if news.get(k) != old.inputs.get(k)]
                outs = provider.update(old.id, old.outs, news).outs or {}
                rid = old.id
            else:
                op, changed = "same", []
                rid, outs = old.id, old.outs
        secret_outs = sorted(set(secret_outs) | (set(secret_inputs) & set(outs)))
        with self._lock:
            seq = old.seq if old is not None and op != "replace" else self._next_seq()
            self.state[key] = Stored(
                args.typ, args.name, rid, news, dict(outs), secret_inputs, secret_outs,
                protect, seq, blob,
            )  # fmt: skip
            self._steps.append(Step(op, args.typ, args.name, changed))
        wire = {k: rpc.wrap_rpc_secret(v) if k in secret_outs else v for k, v in outs.items()}
        return rid, wire

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

    def _delete(self, old: Stored) -> None:
        if old.protect:
            raise ValueError(f"{old.name} is protected; refusing to delete it")
        _provider(old.provider).delete(old.id, old.outs)
        self._steps.append(Step("delete", old.type, old.name))
