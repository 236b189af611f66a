"""The policy pack out of process, started and called the way the Pulumi engine does it.

Owns the engine's side of the Analyzer boundary for tests: starting the pack through
`pulumi.policy`'s own entry point, configuring it from a `--policy-pack-config` document, and
sending it a program's registrations over the Analyzer gRPC protocol. What the pack decides is
`policy/`'s; which resources a program registers is `phxstack.mocks`'.

Read from pulumi/pulumi v3.259:
- sdk/python/cmd/pulumi-language-python/main.go `RunPlugin`: a Python policy pack (kind
  analyzer) runs as `python -u -m pulumi.policy ENGINE_ADDRESS PACK_DIR`, with the pack
  directory as the working directory, in the pack's toolchain.
- pkg/resource/plugin/analyzer_plugin.go: the pack's environment gets PULUMI_CONFIG,
  PULUMI_ORGANIZATION, PULUMI_PROJECT, PULUMI_STACK and PULUMI_DRY_RUN; `Analyze` and
  `AnalyzeStack` marshal properties keeping secrets and unknowns and skipping internal
  (`__`-prefixed) keys; `Configure` sends each policy's enforcement level apart from its
  properties.
- pkg/resource/analyzer/config.go `parsePolicyPackConfig`: in the config file a policy's
  `enforcementLevel` is taken out and the rest are its properties.

The pack's own `virtualenv: venv` would be made by the CLI from policy/requirements.txt; here the
project's `.venv`, which pins the same pulumi-policy, runs it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from phxstack.mocks import Registered
from tests.support.provider_server import ROOT, PluginProcess, to_struct

PACK_DIR = ROOT / "policy"
_LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "disabled": analyzer_pb2.DISABLED,
    "remediate": analyzer_pb2.REMEDIATE,
}
_LEVEL_NAMES = {v: k for k, v in _LEVELS.items()}


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    enforcement: str
    urn: str
    message: str


def analyzer_env(
    base: Mapping[str, str], project: str, stack: str, config: Mapping[str, str], dry_run: bool
) -> dict[str, str]:
    env = dict(base)
    env.update(
        PULUMI_CONFIG=json.dumps(dict(config), separators=(",", ":"), sort_keys=True),
        PULUMI_ORGANIZATION="organization",
        PULUMI_PROJECT=project,
        PULUMI_STACK=stack,
        PULUMI_DRY_RUN="true" if dry_run else "false",
    )
    return env


def wire_properties(inputs: Mapping[str, Any]) -> struct_pb2.Struct:
    """MarshalProperties(KeepSecrets, KeepUnknowns, SkipInternalKeys)."""
    return to_struct({k: v for k, v in inputs.items() if not k.startswith("__")}, keep_secrets=True)


def _options(r: Registered) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=r.protect,
        ignoreChanges=r.options.get("ignoreChanges", []),
        deleteBeforeReplace=bool(r.options.get("deleteBeforeReplace")),
        additionalSecretOutputs=r.options.get("additionalSecretOutputs", []),
        aliases=r.options.get("aliases", []),
        parent=r.parent or "",
    )


class AnalyzerServer:
    """One running policy pack for one stack, spoken to over the Analyzer protocol."""

    def __init__(
        self,
        engine_address: str,
        *,
        project: str,
        stack: str,
        config: Mapping[str, str] | None = None,
        dry_run: bool = True,
        pack_dir: Path = PACK_DIR,
        python: str = sys.executable,
    ) -> None:
        self.pack_dir = pack_dir
        env = analyzer_env(os.environ, project, stack, config or {}, dry_run)
        argv = [python, "-u", "-m", "pulumi.policy", engine_address, str(pack_dir)]
        self.plugin = PluginProcess(argv, pack_dir, env)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.plugin.port}")
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

    def close(self) -> None:
        self.channel.close()
        self.plugin.close()

    def __enter__(self) -> AnalyzerServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---- the calls
    def plugin_info(self) -> Any:
        return self.stub.GetPluginInfo(empty_pb2.Empty())

    def analyzer_info(self) -> Any:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure(self, pack_config: Mapping[str, Mapping[str, Any]]) -> None:
        """`--policy-pack-config`: each policy's enforcementLevel apart, the rest as properties."""
        policy_config = {}
        for name, entry in pack_config.items():
            props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            struct = struct_pb2.Struct()
            struct.update(props)
            policy_config[name] = analyzer_pb2.PolicyConfig(
                enforcementLevel=_LEVELS[str(entry.get("enforcementLevel", "advisory"))],
                properties=struct,
            )
        self.stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=policy_config))

    def analyze(self, r: Registered) -> list[Diagnostic]:
        resp = self.stub.Analyze(
            analyzer_pb2.AnalyzeRequest(
                type=r.type,
                properties=wire_properties(r.inputs),
                urn=r.urn,
                name=r.name,
                options=_options(r),
            )
        )
        return self._diagnostics(resp)

    def analyze_stack(self, registrations: Sequence[Registered]) -> list[Diagnostic]:
        resources = [
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                properties=wire_properties(r.inputs),
                urn=r.urn,
                name=r.name,
                options=_options(r),
                parent=r.parent or "",
                dependencies=r.dependencies,
                propertyDependencies={
                    k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                    for k, v in r.property_dependencies.items()
                    if v
                },
            )
            for r in registrations
        ]
        return self._diagnostics(
            self.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources))
        )

    @staticmethod
    def _diagnostics(resp: Any) -> list[Diagnostic]:
        return [
            Diagnostic(d.policyName, _LEVEL_NAMES[d.enforcementLevel], d.urn, d.message)
            for d in resp.diagnostics
        ]


__all__ = ["AnalyzerServer", "Diagnostic"]
