"""Run the real Pulumi program in-process under Pulumi's mock runtime, and record everything.

Owns the recording monitor and the mock engine behind `phxstack plan` and the component tests.
It needs no Pulumi CLI, no credentials and no network. Rendering what was recorded is
`phxstack.render`'s job.

In preview mode (`plan`), a resource's computed outputs are left out of the mock state, so the
SDK treats them as unknown exactly as a real `pulumi preview` of a new stack does. With
`preview=False` (tests), the mocks fabricate plausible computed outputs for the types this
project creates, so composed values such as DATABASE_URL can be asserted.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import heapq
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

UNKNOWN = Unknown
SECRET_SIG = rpc._special_secret_sig  # the SDK's marker for a secret value on the wire
DYNAMIC_PROVIDER_KEY = "__provider"  # the pickled provider a dynamic resource carries


def is_secret(value: Any) -> bool:
    """True for a value that went over the wire as a Pulumi secret."""
    return rpc.is_rpc_secret(value)


def unwrap(value: Any) -> Any:
    """The plaintext inside a wire secret (tests only: plan never unwraps)."""
    return rpc.unwrap_rpc_secret(value)


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


@dataclass(frozen=True)
class Registered:
    """One resource registration as the engine would see it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    options: dict[str, Any]


def stable_order(registrations: list[Registered]) -> list[Registered]:
    """The registrations in an order that does not depend on scheduling: each after its parent
    and its dependencies, and otherwise by name. The SDK registers concurrently, so the order it
    happened in changes from run to run, and a plan a reviewer reads twice must not."""
    by_urn = {r.urn: r for r in registrations}
    waits = {
        r.urn: {u for u in (r.parent, *r.dependencies) if u in by_urn and u != r.urn}
        for r in registrations
    }
    waited_by: dict[str, list[str]] = {}
    for urn, before in waits.items():
        for u in before:
            waited_by.setdefault(u, []).append(urn)
    ready = [(r.name, r.urn) for r in registrations if not waits[r.urn]]
    heapq.heapify(ready)
    out: list[Registered] = []
    while ready:
        _, urn = heapq.heappop(ready)
        out.append(by_urn[urn])
        for later in waited_by.get(urn, []):
            waits[later].discard(urn)
            if not waits[later]:
                heapq.heappush(ready, (by_urn[later].name, later))
    # A cycle cannot come from the SDK; were there one, its members still appear, by name.
    placed = {r.urn for r in out}
    return out + sorted((r for r in registrations if r.urn not in placed), key=lambda r: r.name)


@dataclass
class ProgramRun:
    """What a program registered (in stable_order) and its resolved stack outputs."""

    registrations: list[Registered]
    outputs: dict[str, Any] = field(default_factory=dict)
    unknown_outputs: set[str] = field(default_factory=set)
    invokes: list[str] = field(default_factory=list)

    def of_type(self, type_token: str) -> list[Registered]:
        return [r for r in self.registrations if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> Registered:
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.of_type(type_token)]
            raise AssertionError(f"expected one {type_token} named {name!r}, found {names}")
        return found[0]

    def by_urn(self, urn: str) -> Registered:
        for r in self.registrations:
            if r.urn == urn:
                return r
        raise KeyError(urn)

    def by_name(self, name: str) -> Registered:
        found = [r for r in self.registrations if r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one resource named {name!r}, found {len(found)}")
        return found[0]


def _hex(*parts: str, n: int = 8) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:n]


SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion"


def secret_version_number(name: str) -> str:
    """The version number the mock gives the SecretVersion named `name`: 1-9, fixed per name.

    It varies by name (not "1" for all), so that a test can tell a reference wired to its own
    version from a hard-coded one.
    """
    return str(1 + int(_hex(SECRET_VERSION, name), 16) % 9)


ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps what the stock one drops: parents, dependencies, protect."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registered] = []
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._loops_lock = threading.Lock()

    def _thread_loop(self) -> None:
        """Give the SDK's worker thread an event loop that `close_loops` will close.

        The SDK calls the monitor from its executor threads, and the stock monitor makes each
        such thread a loop (`_ensure_event_loop`) that nobody closes; left to the garbage
        collector at interpreter exit, it can print an ignored-exception traceback.
        """
        if getattr(self._local, "loop", None) is None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._local.loop = loop
            with self._loops_lock:
                self._loops.append(loop)

    def close_loops(self) -> None:
        """Close the worker threads' loops; call once the SDK's executor has shut down."""
        with self._loops_lock:
            loops, self._loops = self._loops, []
        for loop in loops:
            loop.close()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # As the engine names resources (pulumi/pulumi pkg/resource/deploy/deployment.go,
        # generateURN), so that plan's URNs are the ones `pulumi preview` reports: a child
        # carries its parent's whole qualified type, except under the root stack, whose type no
        # URN carries. The stock mock keeps only the parent's last type, the stack's included.
        if parent:
            qualified = parent.split("::")[2]
            if qualified != ROOT_STACK_TYPE:
                type_ = f"{qualified}${type_}"
        return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), type_, name])

    def ReadResource(self, request: Any) -> Any:
        self._thread_loop()
        return super().ReadResource(request)

    def RegisterResource(self, request: Any) -> Any:
        self._thread_loop()
        if request.type != ROOT_STACK_TYPE:
            urn = self.make_urn(request.parent, request.type, request.name)
            inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
            timeouts = request.customTimeouts
            self.registrations.append(
                Registered(
                    urn=urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent or None,
                    custom=bool(request.custom),
                    protect=bool(request.protect),
                    inputs=dict(inputs),
                    dependencies=list(request.dependencies),
                    property_dependencies={
                        k: list(v.urns) for k, v in request.propertyDependencies.items()
                    },
                    options={
                        "deleteBeforeReplace": bool(request.deleteBeforeReplace),
                        "ignoreChanges": list(request.ignoreChanges),
                        "replaceOnChanges": list(request.replaceOnChanges),
                        "retainOnDelete": bool(request.retainOnDelete),
                        "additionalSecretOutputs": list(request.additionalSecretOutputs),
                        "customTimeouts": {
                            k: getattr(timeouts, k)
                            for k in ("create", "update", "delete")
                            if getattr(timeouts, k)
                        },
                        "aliases": [str(a) for a in request.aliasURNs],
                    },
                )
            )
        if request.type == ROOT_STACK_TYPE:
            return super().RegisterResource(request)
        return self._register(request)

    def _register(self, request: Any) -> Any:
        # The stock monitor, plus what the real engine does with additionalSecretOutputs:
        # mark those outputs secret (pulumi_random's `result`, Memorystore's `authString`).
        urn = self.make_urn(request.parent, request.type, request.name)
        inputs = rpc.deserialize_properties(request.object)
        resource_args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(resource_args)
        for key in request.additionalSecretOutputs:
            if key in state and not rpc.is_rpc_secret(state[key]):
                state[key] = rpc.wrap_rpc_secret(state[key])
        obj_proto = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", state)
        return pulumi_mocks.resource_pb2.RegisterResourceResponse(
            urn=urn, id=id_ or "", object=obj_proto
        )

    def Invoke(self, request: Any) -> Any:
        self._thread_loop()
        mocks = self.mocks
        if isinstance(mocks, ProjectMocks):
            mocks.invokes.append(request.tok)
        return super().Invoke(request)


class ProjectMocks(pulumi.runtime.Mocks):
    """Mock engine answers for the resource types and invokes this project uses."""

    def __init__(self, *, preview: bool, gcp_project: str = "plan-project") -> None:
        self.preview = preview
        self.gcp_project = gcp_project
        self.invokes: list[str] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        if args.token == "gcp:organizations/getClientConfig:getClientConfig":
            # Never a real credential: plan and tests run without one.
            return {
                "accessToken": "mock-access-token",
                "project": self.gcp_project,
                "region": "us-central1",
                "id": "mock",
            }
        if args.token == "gcp:organizations/getProject:getProject":
            return {"number": "123456789012", "projectId": self.gcp_project, "name": "plan"}
        return {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        if self.preview:
            # A preview of a new stack knows no ids and no computed outputs.
            return "", inputs
        rid = f"{args.name}-{_hex(args.typ, args.name)}"
        return rid, {**inputs, **self._computed(args.typ, args.name, inputs)}

    def _computed(self, typ: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Plausible outputs a real apply would return, deterministic per name."""
        project = inputs.get("project") or self.gcp_project
        auto = inputs.get("name") or f"{name}-{_hex(typ, name, n=7)}"
        region = inputs.get("region") or inputs.get("location") or "us-central1"
        out: dict[str, Any] = {"name": auto}
        if typ == "gcp:sql/databaseInstance:DatabaseInstance":
            out |= {
                "connectionName": f"{project}:{region}:{auto}",
                "privateIpAddress": "10.20.0.3",
                "publicIpAddress": "34.0.0.3",
                "selfLink": f"https://sqladmin/projects/{project}/instances/{auto}",
            }
        elif typ == "gcp:redis/instance:Instance":
            out |= {
                "host": "10.30.0.4",
                "port": 6378 if inputs.get("transitEncryptionMode") else 6379,
                "authString": f"mock-redis-auth-{_hex(name)}",
                "serverCaCerts": [
                    {"cert": "-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----"}
                ],
            }
        elif typ == "gcp:cloudrunv2/service:Service":
            out |= {"uri": f"https://{auto}-{_hex(name, n=10)}-uc.a.run.app"}
        elif typ == "gcp:serviceaccount/account:Account":
            email = f"{inputs.get('accountId', name)}@{project}.iam.gserviceaccount.com"
            out |= {
                "email": email,
                "name": f"projects/{project}/serviceAccounts/{email}",
                "member": f"serviceAccount:{email}",
            }
        elif typ == "gcp:secretmanager/secret:Secret":
            out |= {"name": f"projects/{project}/secrets/{inputs.get('secretId', name)}"}
        elif typ == SECRET_VERSION:
            version = secret_version_number(name)
            out |= {"version": version, "name": f"{inputs.get('secret', name)}/versions/{version}"}
        elif typ == "gcp:artifactregistry/repository:Repository":
            repo = inputs.get("repositoryId", name)
            out |= {"registryUri": f"{region}-docker.pkg.dev/{project}/{repo}"}
        elif typ == "docker-build:index:Image":
            tag = str((inputs.get("tags") or [name])[0])
            digest = f"sha256:{hashlib.sha256(tag.encode()).hexdigest()}"
            out = {"digest": digest, "ref": f"{tag}@{digest}", "contextHash": _hex(tag, n=64)}
        elif typ == "gcp:storage/bucket:Bucket":
            out |= {"url": f"gs://{auto}"}
        elif typ == "gcp:storage/hmacKey:HmacKey":
            # An access id as GCS prints one (GOOG1E + 55 characters); the secret is a
            # credential, which the provider marks secret (additionalSecretOutputs).
            out = {
                "accessId": f"GOOG1E{_hex(typ, name, n=55).upper()}",
                "secret": f"mock-hmac-secret-{_hex(name, n=24)}",
                "state": "ACTIVE",
            }
        elif typ == "gcp:compute/network:Network":
            out |= {"selfLink": f"projects/{project}/global/networks/{auto}"}
        elif typ == "gcp:compute/subnetwork:Subnetwork":
            out |= {"selfLink": f"projects/{project}/regions/{region}/subnetworks/{auto}"}
        elif typ == "gcp:cloudrun/domainMapping:DomainMapping":
            host = inputs.get("name", name)
            out |= {
                "statuses": [
                    {
                        "resourceRecords": [
                            {"type": "CNAME", "name": host, "rrdata": "ghs.googlehosted.com."}
                        ]
                    }
                ]
            }
        elif typ.startswith("random:index/random"):
            length = int(inputs.get("length", 32))
            seed = hashlib.sha256(f"{typ}:{name}".encode()).hexdigest() * 4
            out = {"result": seed[:length]}
        return out


def _json_config(config: Mapping[str, str]) -> dict[str, str]:
    return {k: (v if isinstance(v, str) else str(v)) for k, v in config.items()}


def run_program(
    program: Callable[[], object],
    *,
    stack: str = "dev",
    project: str = "phoenix",
    config: Mapping[str, str] | None = None,
    secret_config: Mapping[str, str] | None = None,
    preview: bool = False,
    gcp_project: str = "plan-project",
    mocks: ProjectMocks | None = None,
) -> ProgramRun:
    """Run `program` as `pulumi up` (or `preview`) would, against mocks; return what it did.

    Each call runs in a fresh context, so runs do not leak resources or config into each other.
    """

    def run() -> ProgramRun:
        # The run owns its event loop and closes it, as `asyncio.run` would: tasks cancelled,
        # async generators and the default executor shut down, then the loop. Left open (the
        # SDK's `get_event_loop` makes one and nobody closes it), it is closed by its own
        # `__del__` at interpreter exit, when the socket of its self-pipe may already be
        # finalised: "Exception ignored in BaseEventLoop.__del__ ... Invalid file descriptor:
        # -1" on stderr after a successful plan, depending on the finalisation order.
        # The monitor's worker-thread loops are closed after the runner has shut down the
        # executor those threads belong to, so none of them can be running.
        monitor: RecordingMonitor | None = None
        try:
            with asyncio.Runner() as runner:
                runner.get_loop()  # made the thread's current loop, which the SDK then uses
                engine = mocks or ProjectMocks(preview=preview, gcp_project=gcp_project)
                monitor = RecordingMonitor(engine)
                return record(engine, monitor)
        finally:
            if monitor is not None:
                monitor.close_loops()

    def record(engine: ProjectMocks, monitor: RecordingMonitor) -> ProgramRun:
        all_config = _json_config({**(config or {}), **(secret_config or {})})
        set_all_config(all_config, secret_keys=list(secret_config or {}))
        pulumi.runtime.settings.ROOT.set(None)
        pulumi.runtime.set_mocks(
            engine, project=project, stack=stack, preview=preview, monitor=monitor
        )

        def call() -> None:
            program()

        _sync_await(run_pulumi_func(call))
        outputs, unknown = _resolve_outputs()
        registered = stable_order(monitor.registrations)
        return ProgramRun(registered, outputs, unknown, list(engine.invokes))

    return contextvars.copy_context().run(run)


def _resolve_outputs() -> tuple[dict[str, Any], set[str]]:
    root = pulumi.runtime.settings.get_root_resource()
    raw: dict[str, Any] = dict(getattr(root, "outputs", {}) or {})
    outputs: dict[str, Any] = {}
    unknown: set[str] = set()
    for key, value in raw.items():
        out = pulumi.Output.from_input(value)
        known = _sync_await(out.is_known())
        secret = _sync_await(out.is_secret())
        if not known:
            unknown.add(key)
            outputs[key] = Unknown()
            continue
        resolved = _sync_await(out.future(with_unknowns=True))
        outputs[key] = rpc.wrap_rpc_secret(resolved) if secret else resolved
    return outputs, unknown
