"""Which volumes a later `fly deploy` needs that flyctl will not make: the pure computation.

Checked against flyctl's rules (deploy/machines.go validateVolumeConfig, setVolumes;
deploy/machines_launchinput.go; deploy/deploy_first.go), not against the fake.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.fly.volumes import VolumeCreate, missing_volumes, size_gb, volume_refusals

DATA = {"source": "data", "destination": "/data", "processes": ["app"]}


def toml(*mounts: dict[str, Any], worker: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {"app": "demo", "primary_region": "ams"}
    if worker:
        doc["processes"] = {"app": "", "worker": "bin/worker"}
    if mounts:
        doc["mounts"] = list(mounts)
    return doc


def machine(
    region: str, group: str = "app", mount: str | None = None, **extra: Any
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "metadata": {"fly_platform_version": "v2", "fly_process_group": group},
    }
    if mount:
        config["mounts"] = [{"volume": "vol_x", "path": "/data", "name": mount}]
    return {"id": f"m-{region}-{group}", "region": region, "state": "started", "config": config,
            **extra}  # fmt: skip


def status(*machines: dict[str, Any], deployed: bool = True) -> dict[str, Any]:
    return {"Deployed": deployed, "Machines": list(machines)}


def volume(
    region: str, name: str = "data", attached: str | None = None, host: str = "ok"
) -> dict[str, Any]:
    return {"id": f"vol-{region}", "name": name, "region": region, "attached_machine_id": attached,
            "attached_alloc_id": None, "host_status": host}  # fmt: skip


@pytest.mark.parametrize(
    ("config", "state", "volumes", "creates"),
    [
        pytest.param(
            toml(DATA),
            status(machine("ams"), machine("ams"), machine("lhr")),
            [],
            [VolumeCreate("data", "ams", 2, 1), VolumeCreate("data", "lhr", 1, 1)],
            id="new-mount-on-a-group-in-two-regions",
        ),
        pytest.param(
            toml(
                {**DATA, "processes": ["worker"], "initial_size": "3gb", "snapshot_retention": 10},
                worker=True,
            ),
            status(machine("lhr")),
            [],
            # launchInputForLaunch: the new group's machine runs in the primary region.
            [VolumeCreate("data", "ams", 1, 3, 10)],
            id="new-process-group-with-a-mount",
        ),
        pytest.param(
            toml(DATA),
            status(machine("ams"), machine("ams"), machine("lhr")),
            [volume("ams"), volume("ams"), volume("lhr")],
            [],
            id="unattached-volumes-already-there",
        ),
        pytest.param(
            toml(DATA),
            status(machine("ams"), machine("ams")),
            [volume("ams")],
            [VolumeCreate("data", "ams", 1, 1)],
            id="only-the-shortfall",
        ),
        pytest.param(
            toml(DATA),
            status(deployed=False),
            [],
            [],
            id="first-deploy-flyctl-provisions",
        ),
        pytest.param(
            toml(DATA),
            status(machine("ams", mount="data"), machine("lhr", mount="data")),
            [],
            [],
            id="machines-already-mounted",
        ),
        pytest.param(
            toml(),
            status(machine("ams")),
            [],
            [],
            id="no-mounts",
        ),
        pytest.param(
            toml(DATA),
            status(machine("ams")),
            # setVolumes: attached or on an unreachable host, a volume is not available.
            [
                volume("ams", attached="m-other"),
                volume("ams", host="unreachable"),
                volume("ams", name="other"),
            ],
            [VolumeCreate("data", "ams", 1, 1)],
            id="attached-unreachable-or-other-names-do-not-count",
        ),
        pytest.param(
            toml(DATA),
            status(deployed=True),
            [],
            # Deployed, scaled to zero: not a first deploy, so a new machine needs a volume.
            [VolumeCreate("data", "ams", 1, 1)],
            id="deployed-app-without-machines",
        ),
        pytest.param(
            toml({**DATA, "processes": ["app", "worker"]}, worker=True),
            status(machine("ams")),
            [volume("ams")],
            # Validation counts the one volume for both groups; launch pops it once.
            [VolumeCreate("data", "ams", 1, 1)],
            id="two-groups-share-a-name-and-a-region",
        ),
        pytest.param(
            toml(DATA),
            status(
                machine("ams", mount="data"),
                machine("lhr", group="fly_app_release_command"),
                {**machine("fra"), "state": "destroyed"},
                {**machine("sin"), "config": {"metadata": {"fly_process_group": "app"}}},
            ),
            [],
            [],
            id="machines-no-deploy-manages-are-ignored",
        ),
        pytest.param(
            toml({**DATA, "processes": []}),
            status(
                machine("ams"),
                {**machine("lhr"), "config": {"metadata": {"fly_platform_version": "v2"}}},
            ),
            [],
            # A mount or machine without a group belongs to the default one.
            [VolumeCreate("data", "ams", 1, 1), VolumeCreate("data", "lhr", 1, 1)],
            id="no-group-means-the-default-group",
        ),
    ],
)
def test_missing_volumes_are_what_a_later_deploy_would_refuse_without(
    config: dict[str, Any],
    state: dict[str, Any],
    volumes: list[dict[str, Any]],
    creates: list[VolumeCreate],
) -> None:
    assert missing_volumes(config, state, volumes) == creates


def test_create_argv_uses_volumes_create_flags() -> None:
    # internal/command/volumes/create.go: --region, --count, --size, --snapshot-retention, --yes.
    assert VolumeCreate("data", "lhr", 2, 3, 10).argv("demo") == [
        "volumes", "create", "data", "--app", "demo", "--region", "lhr", "--count", "2",
        "--size", "3", "--snapshot-retention", "10", "--yes",
    ]  # fmt: skip
    assert VolumeCreate("data", "ams", 1, 1).argv("demo") == [
        "volumes", "create", "data", "--app", "demo", "--region", "ams", "--count", "1",
        "--size", "1", "--yes",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "gb"), [(None, 1), ("", 1), ("3gb", 3), ("10GB", 10), ("5 g", 5), (7, 7), ("2", 2)]
)
def test_size_is_the_mounts_initial_size_else_one_gb(raw: Any, gb: int) -> None:
    assert size_gb({"source": "data", "initial_size": raw}) == gb


@pytest.mark.parametrize("raw", ["0gb", "1.5gb", "3tb", "big", 0, -1, True])
def test_a_size_that_is_not_whole_gb_is_refused_by_name(raw: Any) -> None:
    with pytest.raises(ValueError, match="mount 'data': initial_size"):
        size_gb({"source": "data", "initial_size": raw})


def test_a_new_group_without_a_primary_region_is_a_clear_error() -> None:
    config = {**toml({**DATA, "processes": ["worker"]}, worker=True), "primary_region": ""}
    with pytest.raises(ValueError, match="no primary_region"):
        missing_volumes(config, status(machine("ams")), [])


REGIONS = st.sampled_from(["ams", "lhr", "iad"])


@given(
    machines=st.lists(
        st.tuples(REGIONS, st.sampled_from(["app", "worker"]), st.booleans()), max_size=8
    ),
    spare=st.lists(REGIONS, max_size=4),
    mounted=st.sampled_from([["app"], ["worker"], ["app", "worker"]]),
)
def test_after_the_creates_nothing_is_missing(
    machines: list[tuple[str, str, bool]], spare: list[str], mounted: list[str]
) -> None:
    config = toml({**DATA, "processes": mounted}, worker=True)
    state = status(*(machine(r, g, "data" if has and g in mounted else None)
                     for r, g, has in machines))  # fmt: skip
    volumes = [volume(r) for r in spare]
    creates = missing_volumes(config, state, volumes)
    assert all(c.count > 0 for c in creates)
    made = [volume(c.region) for c in creates for _ in range(c.count)]
    assert missing_volumes(config, state, volumes + made) == []


# ---- what no volume fixes: deploy/machines.go validateVolumeConfig, groups with machines


def test_a_machine_keeping_a_volume_the_config_drops_is_named_with_the_way_on() -> None:
    (refusal,) = volume_refusals(toml(), status(machine("ams", mount="data"), machine("lhr")))
    # flyctl itself would ask, and fail without a terminal naming neither machine nor volume.
    assert refusal.startswith(
        "machine m-ams-app [app] has the volume vol_x (data) mounted, and the new fly.toml "
        "mounts none for app; flyctl asks before it detaches a volume"
    )
    assert "`fly machine destroy m-ams-app --force`" in refusal


def test_a_machine_whose_volume_the_config_renames_is_refused() -> None:
    config = toml({**DATA, "source": "uploads"})
    (refusal,) = volume_refusals(config, status(machine("ams", mount="data")))
    assert "mounts 'uploads' for app; flyctl cannot change the volume a machine has" in refusal


@pytest.mark.parametrize(
    ("config", "state"),
    [
        pytest.param(toml(DATA), status(machine("ams", mount="data")), id="mount-kept"),
        pytest.param(toml(DATA), status(machine("ams")), id="mount-added-volumes-fix-it"),
        # validateVolumeConfig checks only the groups the new fly.toml has; the deploy removes
        # a dropped group's machines, volumes and all.
        pytest.param(toml(), status(machine("ams", "worker", mount="data")), id="group-gone"),
        pytest.param(toml(), status(), id="no-machines"),
        pytest.param(
            toml(), status(machine("ams", mount="data", state="destroyed")), id="destroyed"
        ),
    ],
)
def test_nothing_to_refuse(config: dict[str, Any], state: dict[str, Any]) -> None:
    assert volume_refusals(config, state) == []
