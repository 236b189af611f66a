"""A release: the `Deploy` resource and its provider.

`fly deploy` of the rendered fly.toml, run when the trigger changes; read back with `status`.
Before a later deploy it creates the volumes that deploy needs and flyctl will not make
(which ones is `components.fly.volumes`' pure computation).
"""

from __future__ import annotations

import tempfile
import time
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi import dynamic
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from components.fly.app import AppProvider
from components.fly.base import (
    FlyProvider,
    check_app,
    diff_fields,
    require,
    resource_options,
)
from components.fly.cli import FlyctlError
from components.fly.settings import RunnerSettings
from components.fly.volumes import missing_volumes, volume_refusals


def _release_version(machine: Mapping[str, Any]) -> int:
    metadata = (machine.get("config") or {}).get("metadata") or {}
    try:
        return int(metadata.get("fly_release_version") or 0)
    except (TypeError, ValueError):
        return 0


def newest_release_machine(machines: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The machine running the newest release, not the first listed.

    `status --json` sorts machines by ID, descending (status/machines.go RenderMachineStatus),
    and lists machines no deploy manages (a `fly machine run`), so the first may run an old
    image. Deployed machines carry their release in `fly_release_version` metadata.
    """
    released = [m for m in machines if _release_version(m) > 0]
    if not released:
        return None
    return max(released, key=lambda m: (_release_version(m), str(m.get("updated_at") or "")))


class DeployProvider(FlyProvider):
    """A release: `fly deploy` with the rendered fly.toml, run when `trigger` changes.

    `trigger` digests the source tree (or image), the rendered fly.toml without the machine
    count, and the secret digests; `config` (the full fly.toml) rides along but alone does not
    cause a deploy. Deleting a release is a no-op: the app's machines go with the app.
    """

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        require(failures, news, "app", "config", "trigger")
        check_app(failures, news)
        if not news.get("image") and not news.get("build_path"):
            failures.append(CheckFailure("image", "give a prebuilt image or a build_path"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff_fields(olds, news, mutable=("trigger", "image"), immutable=("app",))

    def _create_volumes(self, app: str, config_text: str, old_text: str | None = None) -> None:
        """Creates the volumes `fly deploy` of this config needs and will not make itself.

        Only a first deploy provisions volumes (deploy/deploy_first.go); a later one refuses a
        new mount or a new mounted process group without unattached volumes of that name
        (deploy/machines.go validateVolumeConfig). A failed create is not re-run as such: the
        volumes it made before failing count as present, so the plan is worked out again
        from what Fly lists, and nothing is ever created twice.

        When this config or the last one deployed (`old_text`) mounts a volume, what no volume
        fixes (a machine keeping one the config drops or renames) stops here, before
        `fly deploy`, with the machine named; apps that never mounted one make no extra call.
        """
        config = tomllib.loads(config_text)
        old = tomllib.loads(old_text) if old_text else {}
        if not config.get("mounts") and not old.get("mounts"):
            return
        r = self.runner
        for attempt in range(r.retries + 1):
            status = self._json(["status", "--app", app, "--json"])
            refusals = volume_refusals(config, status)
            if refusals:
                raise ValueError("\n".join(refusals))
            if not config.get("mounts"):
                return
            volumes = self._json(["volumes", "list", "--app", app, "--json"])
            # A ValueError here (a mount's size flyctl could not read either) is raised as is.
            creates = missing_volumes(config, status, volumes)
            try:
                for create in creates:
                    self._run(create.argv(app), retry=False)
                return
            except FlyctlError as exc:
                if exc.kind != "transient" or attempt == r.retries:
                    raise
            time.sleep(min(r.backoff_cap_s, r.backoff_base_s * 2**attempt))

    def _deploy(self, props: Mapping[str, Any], old_config: str | None = None) -> dict[str, Any]:
        app = props["app"]
        self._create_volumes(app, props["config"], old_config)
        with tempfile.TemporaryDirectory(prefix="fly-deploy-") as tmp:
            config = Path(tmp) / "fly.toml"
            config.write_text(props["config"])
            args = [
                "deploy", "--config", str(config), "--app", app, "--yes",
                "--strategy", props.get("strategy") or "rolling",
                "--wait-timeout", props.get("wait_timeout") or "5m",
                # One machine at first; the Scale resource owns the count.
                "--ha=false",
            ]  # fmt: skip
            if props.get("image"):
                args += ["--image", props["image"]]
                cwd = tmp
            else:
                # The build context is flyctl's working directory. `build_path` is kept
                # relative to the project (where Pulumi runs this provider), and flyctl makes
                # `--dockerfile` absolute against its own cwd (deploy_build.go
                # resolveDockerfilePath), so both are resolved here, before flyctl moves.
                context = Path(props["build_path"]).resolve()
                cwd = str(context)
                dockerfile = context / (props.get("dockerfile") or "Dockerfile")
                args += ["--remote-only", "--dockerfile", str(dockerfile)]
            # Never re-run: each run is a full remote build and rollout, and a failed one may
            # have released. Whatever failed (even a 5xx), the next `pulumi up` decides.
            self._fly(cwd, self.runner.deploy_timeout_s).run(args, retry=False)
        status = self._json(["status", "--app", app, "--json"])
        machines = status.get("Machines") or []
        image = props.get("image") or ""
        current = newest_release_machine(machines)
        if current is not None:
            ref = current.get("image_ref") or {}
            repo = "/".join(x for x in (ref.get("registry"), ref.get("repository")) if x)
            image = f"{repo}@{ref['digest']}" if ref.get("digest") else image
        return {**props, "image_ref": image, "release_version": int(status.get("Version") or 0)}

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['app']}-release", self._deploy(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._deploy(news, olds.get("config")))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        app = AppProvider(self.runner)._status(props["app"])
        if app is None:
            return ReadResult("", {})
        return ReadResult(id_, {**props, "release_version": int(app.get("Version") or 0)})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class Deploy(dynamic.Resource, module="fly", name="Deploy"):
    """A release of the app, made again only when `trigger` (or `image`) changes."""

    image_ref: pulumi.Output[str]
    release_version: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        config: pulumi.Input[str],
        trigger: pulumi.Input[str],
        image: str | None = None,
        build_path: str | None = None,
        dockerfile: str = "Dockerfile",
        wait_timeout: str = "5m",
        strategy: str = "rolling",
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "app": app,
            "config": config,
            "trigger": trigger,
            "image": image,
            "build_path": build_path,
            "dockerfile": dockerfile,
            "strategy": strategy,
            "wait_timeout": wait_timeout,
            "image_ref": None,
            "release_version": None,
        }
        # The trigger digests the secret digests (and the database's connection string).
        super().__init__(
            DeployProvider(runner), resource_name, props, resource_options(opts, ["trigger"])
        )
