"""Plugins out of process, started and spoken to the way the Pulumi engine does it.

Owns the engine's side of the plugin boundary for tests: starting the SDK's dynamic-provider
server (`python -u -m pulumi.dynamic`) through the project's `pulumi-resource-pulumi-python`
launcher with the CLI's argv, working directory and environment; the ResourceProvider gRPC
calls; and the engine's property marshalling for a provider that answered Configure with
`acceptSecrets=False`: secrets stripped on the way in, re-marked on the way out by name. What to
create, update, replace or delete, and in which order, is `tests.support.engine`'s.

Read from pulumi/pulumi (the mirror's newest tag, v3.259, and master; the pinned SDK is 3.272):
- pkg/resource/plugin/plugin.go `ExecPlugin`: argv is the plugin's args after the logging
  flags, the process runs in the program's directory with the CLI's environment plus extras.
- pkg/resource/plugin/provider_plugin.go `NewProvider`: the extras are PULUMI_RUNTIME_<OPTION>
  (each Pulumi.yaml runtime option, upper-cased, `%v`-formatted), PULUMI_PROJECT, and
  PULUMI_CONFIG; `Configure` sends acceptSecrets/acceptResources and takes the plugin's answer
  as its protocol when the plugin has no Handshake; Check/Diff/Create/Update/Read/Delete marshal
  with `KeepSecrets: acceptSecrets` and then `annotateSecrets(outs, ins)`.
- pkg/host/host.go `Provider`: PULUMI_CONFIG is the JSON of the config keys in the provider's
  own namespace (`pulumi-python:*`), keyed by name.

One server is kept per (project directory, environment): a `pulumi up` hands its plugins the
environment it has, so a test that changes the environment gets a fresh server, as a new
`pulumi up` would; tests that keep it share one, which keeps the suite fast.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Mapping
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import engine_pb2_grpc, provider_pb2, provider_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "tools" / "pulumi-launchers" / "pulumi-resource-pulumi-python"
DYNAMIC_PACKAGE = "pulumi-python"  # the package of `pulumi-python:dynamic/...` type tokens
PROVIDER_KEY = "__provider"
START_TIMEOUT_S = 60.0
# Set by pytest for each test phase; it says nothing about the run, so it does not make a new
# server necessary.
_VOLATILE_ENV = frozenset({"PYTEST_CURRENT_TEST"})


# ------------------------------------------------------------------------------ properties
def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def secret(value: Any) -> Any:
    return value if is_secret(value) else rpc.wrap_rpc_secret(value)


def is_object(value: Any) -> bool:
    """A property map; a secret is its own kind of value, as in Go's PropertyValue."""
    return isinstance(value, dict) and not is_secret(value)


def contains_secrets(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secrets(v) for v in value)
    return False


def strip_secrets(value: Any) -> Any:
    """What `MarshalProperties(KeepSecrets: false)` sends: each secret replaced by its element."""
    if is_secret(value):
        return strip_secrets(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: strip_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_secrets(v) for v in value]
    return value


def annotate_secrets(outs: dict[str, Any], ins: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's `annotateSecrets`: a copy of `outs` with secretness copied from `ins`.

    By key: where both sides are objects it recurses, so one secret field does not make the
    whole object secret; otherwise an output whose same-named input holds a secret anywhere
    becomes secret as a whole (a list with one secret element is secret entirely). Outputs with
    a new name get nothing: only `additionalSecretOutputs` makes them secret.
    """
    result = dict(outs)
    for key, in_value in ins.items():
        if key not in result:
            continue
        out_value = result[key]
        if is_object(out_value) and is_object(in_value):
            result[key] = annotate_secrets(out_value, in_value)
        elif not is_secret(out_value) and contains_secrets(in_value):
            result[key] = secret(out_value)
    return result


def to_struct(props: Mapping[str, Any], *, keep_secrets: bool) -> struct_pb2.Struct:
    """Properties on the wire, serialised with the SDK's own `rpc.serialize_properties`."""
    plain = dict(props) if keep_secrets else strip_secrets(dict(props))
    loop = asyncio.new_event_loop()
    try:
        struct: struct_pb2.Struct = loop.run_until_complete(rpc.serialize_properties(plain, {}))
    finally:
        loop.close()
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True))


# ------------------------------------------------------------------------------ the launch
def _go_format(value: Any) -> str:
    """Go's `fmt.Sprintf("%v", v)` for the YAML scalars a runtime option can hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    return str(value)


def read_project(project_dir: Path) -> tuple[str, dict[str, Any]]:
    """The project's name and its runtime options, from Pulumi.yaml."""
    doc = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    runtime = doc.get("runtime")
    options = runtime.get("options") or {} if isinstance(runtime, dict) else {}
    return str(doc["name"]), dict(options)


def plugin_env(
    project_dir: Path, base: Mapping[str, str], config: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment the CLI gives a `pulumi-python` resource plugin it starts."""
    name, options = read_project(project_dir)
    env = dict(base)
    for key, value in options.items():
        env[f"PULUMI_RUNTIME_{key.upper()}"] = _go_format(value)
    env["PULUMI_PROJECT"] = name
    own = {
        k.split(":", 1)[1]: v
        for k, v in (config or {}).items()
        if k.split(":", 1)[0] == DYNAMIC_PACKAGE
    }
    env["PULUMI_CONFIG"] = json.dumps(own, separators=(",", ":"), sort_keys=True)
    return env


class _Engine(engine_pb2_grpc.EngineServicer):
    """The engine address plugins are given; it keeps what they log."""

    def __init__(self) -> None:
        self.logs: list[str] = []

    def Log(self, request: Any, context: Any) -> Any:
        self.logs.append(request.message)
        return empty_pb2.Empty()


class EngineHost:
    """The gRPC endpoint whose address the CLI passes as every plugin's last argument."""

    def __init__(self) -> None:
        self.service = _Engine()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self.service, self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.address = f"127.0.0.1:{port}"

    def close(self) -> None:
        self.server.stop(0)


class ProviderError(Exception):
    """A provider call that the server answered with a gRPC status, as the engine reports it."""

    def __init__(self, method: str, urn: str, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{urn}: {method} failed with {code.name}: {details}")
        self.method, self.urn, self.code, self.details = method, urn, code, details


@dataclass(frozen=True)
class CheckFailure:
    property: str
    reason: str


@dataclass(frozen=True)
class Diff:
    changes: int  # provider_pb2.DiffResponse.DIFF_{UNKNOWN,NONE,SOME}
    replaces: list[str]
    delete_before_replace: bool


def _urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _urn_type(urn: str) -> str:
    return urn.split("::")[2].rsplit("$", 1)[-1]


class PluginProcess:
    """A plugin started as the CLI starts one: its first stdout line is its gRPC port.

    The rest of its output is drained into `stdout` and `stderr` so that it never blocks.
    """

    def __init__(self, argv: list[str], cwd: Path, env: Mapping[str, str]) -> None:
        self.argv = argv
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.port = self._await_port()

    def _await_port(self) -> int:
        """The first stdout line is the port (as `newPlugin` reads it); the rest is drained."""
        first: list[str] = []
        got = threading.Event()

        def read_stdout() -> None:
            assert self.proc.stdout is not None
            for raw in self.proc.stdout:
                line = raw.decode(errors="replace")
                if not got.is_set():
                    first.append(line)
                    got.set()
                else:
                    self.stdout.append(line)
            got.set()

        def read_stderr() -> None:
            assert self.proc.stderr is not None
            for raw in self.proc.stderr:
                self.stderr.append(raw.decode(errors="replace"))

        for target in (read_stdout, read_stderr):
            threading.Thread(target=target, daemon=True, name="plugin-output").start()
        name = Path(self.argv[0]).name
        if not got.wait(START_TIMEOUT_S) or not first:
            self.close()
            raise RuntimeError(
                f"{name} wrote no port (exit {self.proc.poll()}): {self.stderr_text()}"
            )
        try:
            return int(first[0].strip())
        except ValueError:
            self.close()
            raise RuntimeError(
                f"{name} wrote an invalid port {first[0]!r}: {self.stderr_text()}"
            ) from None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_text(self) -> str:
        return "".join(self.stderr)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class ProviderServer:
    """One running `pulumi-resource-pulumi-python`, configured, with its output captured."""

    def __init__(self, project_dir: Path, env: Mapping[str, str], engine_address: str) -> None:
        self.project_dir = project_dir
        self.argv = [str(LAUNCHER), engine_address]
        self.plugin = PluginProcess(self.argv, project_dir, env)
        self.proc = self.plugin.proc
        self.stdout, self.stderr = self.plugin.stdout, self.plugin.stderr
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.plugin.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.accept_secrets = self._configure()

    def _configure(self) -> bool:
        """Handshake if the plugin has one, then Configure; whichever answers first is the protocol.

        The dynamic-provider server has no Handshake, so its Configure answer
        (`acceptSecrets=False`) decides, as in `provider.Configure` when `p.protocol == nil`.
        """
        protocol: bool | None = None
        try:
            shake = self.stub.Handshake(
                provider_pb2.ProviderHandshakeRequest(
                    engine_address=self.argv[-1],
                    root_directory=str(self.project_dir),
                    program_directory=str(self.project_dir),
                    configure_with_urn=True,
                    supports_views=True,
                    invoke_with_preview=True,
                    accepts_byte_string=True,
                )
            )
            protocol = bool(shake.accept_secrets)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
        self.stub.GetPluginInfo(empty_pb2.Empty())
        answer = self.stub.Configure(
            provider_pb2.ConfigureRequest(
                variables={},
                args=struct_pb2.Struct(),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
            )
        )
        return bool(answer.acceptSecrets) if protocol is None else protocol

    def alive(self) -> bool:
        return self.plugin.alive()

    def stderr_text(self) -> str:
        return self.plugin.stderr_text()

    def close(self) -> None:
        self.channel.close()
        self.plugin.close()

    # ---- the calls, as pkg/resource/plugin/provider_plugin.go makes them
    def _wire(self, props: Mapping[str, Any]) -> struct_pb2.Struct:
        return to_struct(props, keep_secrets=self.accept_secrets)

    def _call(self, method: str, urn: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request)
        except grpc.RpcError as exc:
            raise ProviderError(method, urn, exc.code(), exc.details() or "") from None

    def check(
        self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[CheckFailure]]:
        resp = self._call(
            "Check",
            urn,
            provider_pb2.CheckRequest(
                urn=urn, name=_urn_name(urn), type=_urn_type(urn),
                olds=self._wire(olds), news=self._wire(news),
            ),
        )  # fmt: skip
        inputs = from_struct(resp.inputs)
        if not self.accept_secrets:
            inputs = annotate_secrets(inputs, news)
        return inputs, [CheckFailure(f.property, f.reason) for f in resp.failures]

    def diff(
        self,
        urn: str,
        id_: str,
        old_inputs: Mapping[str, Any],
        old_outputs: Mapping[str, Any],
        news: Mapping[str, Any],
    ) -> Diff:
        resp = self._call(
            "Diff",
            urn,
            provider_pb2.DiffRequest(
                id=id_, urn=urn, name=_urn_name(urn), type=_urn_type(urn),
                olds=self._wire(old_outputs), news=self._wire(news),
                old_inputs=self._wire(old_inputs),
            ),
        )  # fmt: skip
        return Diff(resp.changes, list(resp.replaces), bool(resp.deleteBeforeReplace))

    def create(self, urn: str, news: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        resp = self._call(
            "Create",
            urn,
            provider_pb2.CreateRequest(
                urn=urn, name=_urn_name(urn), type=_urn_type(urn),
                properties=self._wire(news), preview=False,
            ),
        )  # fmt: skip
        return resp.id, self._outs(from_struct(resp.properties), news)

    def update(
        self,
        urn: str,
        id_: str,
        old_inputs: Mapping[str, Any],
        old_outputs: Mapping[str, Any],
        news: Mapping[str, Any],
    ) -> dict[str, Any]:
        resp = self._call(
            "Update",
            urn,
            provider_pb2.UpdateRequest(
                id=id_, urn=urn, name=_urn_name(urn), type=_urn_type(urn),
                olds=self._wire(old_outputs), news=self._wire(news),
                old_inputs=self._wire(old_inputs), preview=False,
            ),
        )  # fmt: skip
        return self._outs(from_struct(resp.properties), news)

    def read(
        self, urn: str, id_: str, inputs: Mapping[str, Any], outputs: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        """Refresh: the id ("" when gone), the outputs, and the inputs if the provider gave any."""
        resp = self._call(
            "Read",
            urn,
            provider_pb2.ReadRequest(
                id=id_, urn=urn, name=_urn_name(urn), type=_urn_type(urn),
                properties=self._wire(outputs), inputs=self._wire(inputs),
            ),
        )  # fmt: skip
        outs = self._outs(from_struct(resp.properties), outputs)
        new_inputs = None
        if resp.HasField("inputs"):
            new_inputs = self._outs(from_struct(resp.inputs), inputs)
        return resp.id, outs, new_inputs

    def delete(
        self, urn: str, id_: str, old_inputs: Mapping[str, Any], old_outputs: Mapping[str, Any]
    ) -> None:
        self._call(
            "Delete",
            urn,
            provider_pb2.DeleteRequest(
                id=id_, urn=urn, name=_urn_name(urn), type=_urn_type(urn),
                properties=self._wire(old_outputs), old_inputs=self._wire(old_inputs),
            ),
        )  # fmt: skip

    def _outs(self, outs: dict[str, Any], ins: Mapping[str, Any]) -> dict[str, Any]:
        return outs if self.accept_secrets else annotate_secrets(outs, ins)


# ------------------------------------------------------------------------------ the pool
class ServerPool:
    """Running servers by (project directory, environment), the least recently used closed."""

    def __init__(self, size: int = 3) -> None:
        self.size = size
        self._servers: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], ProviderServer] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._engine: EngineHost | None = None
        self.started = 0

    def engine(self) -> EngineHost:
        if self._engine is None:
            self._engine = EngineHost()
        return self._engine

    def server(self, project_dir: Path, env: Mapping[str, str]) -> ProviderServer:
        key = (
            str(project_dir.resolve()),
            tuple(sorted((k, v) for k, v in env.items() if k not in _VOLATILE_ENV)),
        )
        with self._lock:
            found = self._servers.get(key)
            if found is not None and found.alive():
                self._servers.move_to_end(key)
                return found
            if found is not None:
                found.close()
                del self._servers[key]
            started = ProviderServer(project_dir, env, self.engine().address)
            self.started += 1
            self._servers[key] = started
            while len(self._servers) > self.size:
                _, oldest = self._servers.popitem(last=False)
                oldest.close()
            return started

    def close(self) -> None:
        with self._lock:
            for server in self._servers.values():
                server.close()
            self._servers.clear()
            if self._engine is not None:
                self._engine.close()
                self._engine = None


POOL = ServerPool()
atexit.register(POOL.close)


def provider_server(
    project_dir: Path = ROOT,
    base_env: Mapping[str, str] | None = None,
    config: Mapping[str, str] | None = None,
) -> ProviderServer:
    """The server a `pulumi up` from `project_dir` would talk to, with this environment."""
    env = plugin_env(project_dir, os.environ if base_env is None else base_env, config)
    return POOL.server(project_dir, env)
