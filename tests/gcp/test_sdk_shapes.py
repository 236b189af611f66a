"""The dict-form inputs the GCP components write are spelled as pulumi_gcp 10.2 spells them.

The mock runtime accepts any property name, so a misspelt key (`readonly`, `mountPath` in a
dict) would pass every other test and fail only against the real provider. Each dict shape is
fed here to the SDK's typed `*Args` classes, which reject unknown keyword names.
"""

from __future__ import annotations

from typing import Any

import pulumi_gcp.cloudrunv2 as run
import pytest

from components.gcp.runtime import app_volumes
from components.gcp.settings import ProcessProbeSettings, ProcessSettings, VolumeSettings
from components.gcp.workers import startup_probe

VOLUMES = (
    VolumeSettings(name="media", path="/media", type="gcs", read_only=True, bucket_id="media"),
    VolumeSettings(
        name="shared", path="/shared", type="nfs", read_only=False, server="10.0.0.2",
        export="/share",
    ),
)  # fmt: skip
KINDS = {
    "service": ("ServiceTemplate", "ServiceTemplateContainer"),
    "worker_pool": ("WorkerPoolTemplate", "WorkerPoolTemplateContainer"),
    "job": ("JobTemplateTemplate", "JobTemplateTemplateContainer"),
}


def build(prefix: str, shape: dict[str, Any]) -> Any:
    """Construct `<prefix>Args` from `shape`, nested dicts through their own Args classes."""
    cls = getattr(run, f"{prefix}Args")
    kwargs: dict[str, Any] = {}
    for key, value in shape.items():
        nested = prefix + "".join(p.capitalize() for p in key.split("_"))
        if isinstance(value, dict):
            kwargs[key] = build(nested, value)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            kwargs[key] = [build(nested.removesuffix("s"), v) for v in value]
        else:
            kwargs[key] = value
    return cls(**kwargs)


@pytest.mark.parametrize("kind", ["service", "worker_pool", "job"])
def test_volume_and_mount_dicts_are_the_sdks_argument_names(kind: str) -> None:
    template, container = KINDS[kind]
    volumes, mounts = app_volumes(VOLUMES, {"media": "shop-media"}, ["media", "shared"])
    for v in volumes:
        build(f"{template}Volume", v)
    for m in mounts:
        build(f"{container}VolumeMount", m)


@pytest.mark.parametrize(
    "probe",
    [
        ProcessProbeSettings("tcp", 9000, None, 15, 2, 10, 8),
        ProcessProbeSettings("http", 4000, "/healthz", 15, 2, 10, 8),
    ],
)
def test_a_worker_pools_probe_dict_is_the_sdks_argument_names(
    probe: ProcessProbeSettings,
) -> None:
    s = ProcessSettings("jobs", "shop-jobs", ("/app/bin/jobs",), "1", "512Mi", 1, probe)
    shape = startup_probe(s)
    assert shape is not None
    build("WorkerPoolTemplateContainerStartupProbe", shape)


def test_the_builder_refuses_a_misspelt_key() -> None:
    # The check above would prove nothing if the SDK took any keyword.
    with pytest.raises(TypeError):
        build("ServiceTemplateVolumeGcs", {"bucket": "b", "readonly": True})
