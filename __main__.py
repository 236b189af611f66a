"""Composition root: validate infera.yaml for this stack, build the provider's stack, export.

`pulumi up`, `pulumi preview` and the offline `phxstack plan` all run exactly this file.
"""

from typing import Any

from components.guard import GuardArgs, ProductionGuard
from components.outputs import export_outputs
from config.context import from_pulumi

ctx = from_pulumi()
app: Any

if ctx.infera.provider == "gcp":
    from components.gcp.stack import PhoenixGcp, gcp_args

    app = PhoenixGcp(ctx.infera.project_name, gcp_args(ctx))
else:
    from components.fly.stack import PhoenixFly, fly_args

    app = PhoenixFly(ctx.infera.project_name, fly_args(ctx))

if ctx.infera.is_production:
    ProductionGuard(f"{ctx.infera.project_name}-guard", GuardArgs(protects=[app]))

export_outputs(ctx.infera.provider, app.outputs)
