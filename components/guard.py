"""The production guard: `pulumi destroy` of a production stack deletes nothing.

Owns one protected component that depends on every resource of the app. Protecting the data
alone (databases, Redis, buckets, the Fly app) is not enough: the engine refuses a protected
delete only when that resource's own delete step runs (DeleteStep.Apply in
pkg/resource/deploy/step.go), it deletes dependents first, in batches, and after an error it still
runs every later step that the failed one does not depend on (deploymentExecutor.Execute in
pkg/resource/deploy/deployment_executor.go; pulumi/pulumi v3.259.0). So a destroy of a stack with
only its data protected releases the IPs, unsets the secrets and deletes the service before it
stops at the database, and the generated SECRET_KEY_BASE and RELEASE_COOKIE leave the state.

The guard depends on everything, so it is the only resource in the first batch; its refusal makes
every other resource one that a failed step depends on, and the destroy stops with nothing
touched. It depends only through `depends_on`, never through an input, so a replacement elsewhere
never has to replace it, and it is a component, so it calls no provider and costs nothing.

A deliberate teardown is two steps, both in the README: `pulumi state unprotect` on the guard
lets destroy remove everything but the protected data, and unprotecting the data removes that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class GuardArgs:
    # Components count as their children: the SDK expands a local component in `depends_on`
    # into its descendants (pulumi/runtime/rpc.py, `_add_dependency`).
    protects: Sequence[pulumi.Resource]


class ProductionGuard(pulumi.ComponentResource):
    """Refuses `pulumi destroy` of a production stack before it deletes anything."""

    TYPE = "phoenix:index:ProductionGuard"

    def __init__(self, name: str, args: GuardArgs, opts: pulumi.ResourceOptions | None = None):
        # Not a child of what it guards: a parent's expansion would then include the guard.
        guard = pulumi.ResourceOptions(protect=True, depends_on=list(args.protects))
        super().__init__(self.TYPE, name, None, pulumi.ResourceOptions.merge(opts, guard))
        self.register_outputs({})
