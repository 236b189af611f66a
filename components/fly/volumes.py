"""The volumes a later `fly deploy` needs and will not make: which `fly volumes create` to run.

flyctl makes volumes only on an app's first deploy (deploy/deploy_first.go
provisionVolumesOnFirstDeploy). On any later deploy, deploy/machines.go validateVolumeConfig
refuses a mount that an existing machine lacks, or a new process group with a mount, unless an
unattached volume of that name is waiting, and the machines it then launches take those
volumes (deploy/machines_launchinput.go). So adding `deployment.volumes`, or a process that
mounts one, to a deployed app fails in `fly deploy` until someone runs `fly volume create`.

Owns the pure computation: from the fly.toml being deployed, `status --json` and
`volumes list --json`, the `volumes create` calls that leave exactly what that deploy will
look for, and what no volume can fix (a machine keeping a volume the new fly.toml drops or
renames). Running flyctl is `components.fly.deploy`'s job; no Pulumi, no flyctl here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# deploy/machines.go DefaultVolumeInitialSizeGB, what the first deploy gives a mount without
# initial_size (and `volumes create`'s --size default).
DEFAULT_SIZE_GB = 1
_SIZE = re.compile(r"^\s*(\d+)\s*(?:gb?)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class VolumeCreate:
    """One `fly volumes create`: `count` volumes named `name` in `region`."""

    name: str
    region: str
    count: int
    size_gb: int
    snapshot_retention: int | None = None

    def argv(self, app: str) -> list[str]:
        # --yes: without it, a single volume of a new name stops at volumes/create.go's
        # "pinned to a specific physical host" prompt, which fails without a terminal.
        args = [
            "volumes", "create", self.name, "--app", app, "--region", self.region,
            "--count", str(self.count), "--size", str(self.size_gb),
        ]  # fmt: skip
        if self.snapshot_retention is not None:
            args += ["--snapshot-retention", str(self.snapshot_retention)]
        return [*args, "--yes"]


def _mounts(config: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    mounts = config.get("mounts") or []
    return [mounts] if isinstance(mounts, Mapping) else list(mounts)


def _groups(config: Mapping[str, Any]) -> list[str]:
    # appconfig/processgroups.go ProcessNames: [processes]' names, sorted, else "app".
    processes = config.get("processes") or {}
    return sorted(processes) if processes else ["app"]


def group_mounts(config: Mapping[str, Any], group: str) -> list[Mapping[str, Any]]:
    """The mounts a group's machines get (appconfig Flatten, flattenGroupsMatch).

    A mount without `processes` belongs to the default group only: "app" if there is one,
    else the first name (DefaultProcessName).
    """
    groups = _groups(config)
    default = "app" if "app" in groups else groups[0]
    return [m for m in _mounts(config) if group in (m.get("processes") or [default])]


def size_gb(mount: Mapping[str, Any]) -> int:
    """initial_size ("3gb", 3) in whole GB; deploy_first.go's 1 GB without one."""
    raw = mount.get("initial_size")
    if raw is None or raw == "":
        return DEFAULT_SIZE_GB
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return raw
    match = _SIZE.match(str(raw))
    if not match or int(match.group(1)) < 1:
        raise ValueError(
            f"mount {mount.get('source')!r}: initial_size {raw!r} is not a whole number of GB "
            "such as '3gb'"
        )
    return int(match.group(1))


def _metadata(machine: Mapping[str, Any]) -> Mapping[str, Any]:
    return (machine.get("config") or {}).get("metadata") or {}


def _group_of(machine: Mapping[str, Any]) -> str:
    # fly-go machine_types.go MachineConfig.ProcessGroup: the older key is `process_group`.
    metadata = _metadata(machine)
    return str(metadata.get("fly_process_group") or metadata.get("process_group") or "")


def _deploy_machines(machines: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The machines a deploy manages (fly-go flaps_machines.go ListFlyAppsMachines).

    Fly Launch machines (fly_platform_version v2) that are not destroyed, and are neither
    the release command's nor a console's.
    """
    out = []
    for m in machines:
        metadata = _metadata(m)
        group = _group_of(m)
        if (
            metadata.get("fly_platform_version") == "v2"
            and m.get("state") not in ("destroyed", "destroying")
            and group not in ("fly_app_release_command", "release_command", "fly_app_console")
        ):
            out.append(m)
    return out


def _unattached(volumes: Sequence[Mapping[str, Any]]) -> Counter[tuple[str, str]]:
    # deploy/machines.go setVolumes: attached to no machine and no alloc, on a healthy host.
    return Counter(
        (str(v["name"]), str(v["region"]))
        for v in volumes
        if v.get("attached_machine_id") is None
        and v.get("attached_alloc_id") is None
        and v.get("host_status") == "ok"
    )


def missing_volumes(
    config: Mapping[str, Any],
    status: Mapping[str, Any],
    volumes: Sequence[Mapping[str, Any]],
) -> list[VolumeCreate]:
    """The `volumes create` calls that let `fly deploy` of `config` attach every mount.

    `status` is `fly status --json` (its `Deployed` and `Machines`), `volumes` is
    `fly volumes list --json`. Empty on a first deploy, where flyctl makes the volumes itself.

    Per group, as flyctl's later deploy does:
    - a group with machines: each machine without a volume, while fly.toml mounts one, is
      replaced by a machine in its own region on an unattached volume of the mount's name
      there (validateVolumeConfig, launchInputForUpdate);
    - a group without machines gets one machine, in the primary region, on an unattached
      volume there (launchInputForLaunch; validateVolumeConfig alone would accept any region).
    Needs are summed per (name, region) before the unattached volumes are subtracted: at
    launch flyctl pops each volume once (popVolumeFor), even where validation counted it
    for two groups. A machine whose volume has another name fails in flyctl whatever exists
    ("can't update the attached volume"), so it asks for nothing here.
    """
    if not _mounts(config):
        return []
    machines = _deploy_machines(status.get("Machines") or [])
    # deploy/machines.go setFirstDeploy: an app not yet deployed and without machines.
    if not status.get("Deployed") and not machines:
        return []
    groups = _groups(config)
    # setMachinesForDeployment: a machine without a group belongs to the default one.
    default = "app" if "app" in groups else groups[0]
    needs: Counter[tuple[str, str]] = Counter()
    sizes: dict[str, tuple[int, int | None]] = {}
    for group in groups:
        mounts = group_mounts(config, group)
        if not mounts:
            continue
        # A machine mounts one volume: flyctl uses the group's first mount
        # (appconfig refuses a second one for the same group).
        mount = mounts[0]
        source = str(mount["source"])
        sizes.setdefault(source, (size_gb(mount), mount.get("snapshot_retention")))
        members = [m for m in machines if (_group_of(m) or default) == group]
        if members:
            for m in members:
                if not (m.get("config") or {}).get("mounts"):
                    needs[(source, str(m["region"]))] += 1
            continue
        region = config.get("primary_region")
        if not region:
            raise ValueError(
                f"fly.toml has no primary_region, so the volume {source!r} for the new "
                f"process group {group!r} has no region; set deployment.region"
            )
        needs[(source, str(region))] += 1
    have = _unattached(volumes)
    creates = []
    for (name, region), n in sorted(needs.items()):
        short = n - have[(name, region)]
        if short > 0:
            size, retention = sizes[name]
            creates.append(VolumeCreate(name, region, short, size, retention))
    return creates


def volume_refusals(config: Mapping[str, Any], status: Mapping[str, Any]) -> list[str]:
    """What a later `fly deploy` of `config` stops at for the volumes machines already have.

    deploy/machines.go validateVolumeConfig, for each group the new fly.toml keeps:
    - a machine with a volume, in a group that no longer mounts one: flyctl asks "Do you still
      want to continue and detach the volume?" with prompt.Confirm, which `--yes` does not
      answer, so without a terminal it fails with "yes flag must be specified when not running
      interactively", an error that names neither the machine nor the volume;
    - a machine whose volume has another name than the group's mount: "can't update the
      attached volume", whatever volumes exist.
    One message per machine, each saying how to go on; empty when the deploy can proceed.
    """
    machines = _deploy_machines(status.get("Machines") or [])
    if not machines:
        return []
    groups = _groups(config)
    default = "app" if "app" in groups else groups[0]
    out = []
    for m in machines:
        attached = (m.get("config") or {}).get("mounts") or []
        group = _group_of(m) or default
        if not attached or group not in groups:
            continue
        have = attached[0]
        volume = f"{have.get('volume', '?')} ({have.get('name') or 'unnamed'})"
        mounts = group_mounts(config, group)
        if not mounts:
            out.append(
                f"machine {m['id']} [{group}] has the volume {volume} mounted, and the new "
                f"fly.toml mounts none for {group}; flyctl asks before it detaches a volume, "
                "a question --yes does not answer, so `fly deploy` cannot run here. Keep the "
                f"mount, or run `fly machine destroy {m['id']} --force` and `pulumi up` again: "
                "the deploy starts the group's machine without it (the volume stays until "
                "`fly volumes destroy`)."
            )
        elif have.get("name") and have["name"] != mounts[0]["source"]:
            out.append(
                f"machine {m['id']} [{group}] has the volume {volume} mounted, and the new "
                f"fly.toml mounts {mounts[0]['source']!r} for {group}; flyctl cannot change "
                "the volume a machine has. Keep the volume's name as the mount's source, or "
                f"run `fly machine destroy {m['id']} --force` and `pulumi up` again."
            )
    return out
