"""Google APIs the stack uses, enabled once and left enabled on destroy.

Owns the `projects.Service` resources. Other components receive the ones they need and
`depends_on` them; which APIs are needed is decided in `settings.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp


@dataclass(frozen=True)
class ApisArgs:
    project: str
    # Short names, e.g. "run" for run.googleapis.com.
    apis: tuple[str, ...]


class Apis(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Apis"

    def __init__(self, name: str, args: ApisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        self.services: dict[str, gcp.projects.Service] = {
            api: gcp.projects.Service(
                f"{name}-{api}",
                project=args.project,
                service=f"{api}.googleapis.com",
                # Disabling an API on destroy would break anything else in the project using it.
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for api in args.apis
        }
        self.register_outputs({"services": {k: v.service for k, v in self.services.items()}})

    def of(self, *apis: str) -> list[pulumi.Resource]:
        """The API resources a child must wait for."""
        return [self.services[a] for a in apis]
