"""Provider limits: Fly sizes and their memory, Cloud Run CPUs and theirs, regions (with
retired Fly codes and did-you-mean), Cloud Run's ceilings, and providers that fit together."""

from __future__ import annotations

from typing import Any

import pytest
from cfg_helpers import FLY, GCP, load, only_problem, with_value

from config import limits
from config.units import format_size

# Fly sizes, restated from fly-go's guest limits (fly.md §2) so a change to limits.py is
# deliberate: shared 256-2048 MB per CPU, performance 2048-8192 MB per CPU.
FLY_BOUNDS = {
    "shared-cpu-1x": (256, 2048),
    "shared-cpu-2x": (512, 4096),
    "shared-cpu-4x": (1024, 8192),
    "shared-cpu-8x": (2048, 16384),
    "performance-1x": (2048, 8192),
    "performance-2x": (4096, 16384),
    "performance-4x": (8192, 32768),
    "performance-8x": (16384, 65536),
    "performance-16x": (32768, 131072),
}


def _machines(base: dict[str, Any], cpu: Any, memory: Any) -> dict[str, Any]:
    return with_value(
        with_value(base, "deployment.machines.cpu", cpu), "deployment.machines.memory", memory
    )


def test_fly_size_table_is_the_documented_one() -> None:
    assert {
        n: (s.min_memory_mib, s.max_memory_mib) for n, s in limits.FLY_SIZES.items()
    } == FLY_BOUNDS


@pytest.mark.parametrize(("size", "bounds"), FLY_BOUNDS.items())
def test_fly_size_accepts_its_memory_bounds(size: str, bounds: tuple[int, int]) -> None:
    low, high = bounds
    for memory in (format_size(low), format_size(high)):
        config = load(_machines(FLY, size, memory))
        assert config.deployment.machines.memory in (low, high)


@pytest.mark.parametrize(("size", "bounds"), FLY_BOUNDS.items())
def test_fly_size_refuses_memory_outside_its_bounds(size: str, bounds: tuple[int, int]) -> None:
    low, high = bounds
    for memory in (low - 256, high + 256):
        if memory <= 0:
            continue
        problem = only_problem(_machines(FLY, size, f"{memory}mb"))
        assert problem.key == "deployment.machines.memory"
        assert problem.message == (
            f"{format_size(memory)} is outside what {size} allows "
            f"({format_size(low)} to {format_size(high)})"
        )


@pytest.mark.parametrize("size", FLY_BOUNDS)
def test_fly_memory_comes_in_256mb_steps(size: str) -> None:
    low, _ = FLY_BOUNDS[size]
    problem = only_problem(_machines(FLY, size, f"{low + 128}mb"))
    assert problem.key == "deployment.machines.memory"
    assert problem.message == (
        f"Fly allocates memory in 256mb steps; {format_size(low + 128)} is not one"
    )


@pytest.mark.parametrize(
    ("cpu", "hint"),
    [
        ("shared-cpu-3x", "did you mean 'shared-cpu-2x'?"),
        ("performance-3x", "did you mean 'performance-2x'?"),
        ("shared-cpu", "did you mean"),
        ("2", ""),
    ],
)
def test_an_unknown_fly_size_is_refused_with_a_suggestion(cpu: str, hint: str) -> None:
    problem = only_problem(_machines(FLY, cpu, "512mb"))
    assert problem.key == "deployment.machines.cpu"
    assert problem.message.startswith(f"{cpu!r} is not a Fly size")
    assert hint in problem.message


# Cloud Run CPU -> memory bounds (Cloud Run "memory limits" docs), restated on purpose.
CLOUD_RUN_BOUNDS = {
    1: (512, 4096),
    2: (512, 8192),
    4: (2048, 16384),
    6: (4096, 24576),
    8: (4096, 32768),
}


def test_cloud_run_cpu_table_is_the_documented_one() -> None:
    assert limits.CLOUD_RUN_MEMORY_MIB == CLOUD_RUN_BOUNDS


@pytest.mark.parametrize(("cpu", "bounds"), CLOUD_RUN_BOUNDS.items())
def test_cloud_run_cpu_accepts_its_memory_bounds_as_text_or_number(
    cpu: int, bounds: tuple[int, int]
) -> None:
    low, high = bounds
    for written in (cpu, str(cpu)):
        for memory in (low, high):
            config = load(_machines(GCP, written, format_size(memory)))
            assert config.deployment.machines.cpu == str(cpu)
            assert config.deployment.machines.memory == memory


@pytest.mark.parametrize(("cpu", "bounds"), CLOUD_RUN_BOUNDS.items())
def test_cloud_run_cpu_refuses_memory_outside_its_bounds(cpu: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    for memory in (low - 256, high + 512):
        problem = only_problem(_machines(GCP, cpu, f"{memory}mb"))
        assert problem.key == "deployment.machines.memory"
        assert problem.message == (
            f"{format_size(memory)} is outside what {cpu} vCPU allows on Cloud Run "
            f"({format_size(low)} to {format_size(high)})"
        )


@pytest.mark.parametrize("cpu", [3, 16, "0", "shared-cpu-1x", "1.5"])
def test_cloud_run_refuses_other_cpu_counts(cpu: Any) -> None:
    problem = only_problem(_machines(GCP, cpu, "2gb"))
    assert problem.key == "deployment.machines.cpu"
    assert problem.message == f"{str(cpu)!r} is not a Cloud Run CPU count; use 1, 2, 4, 6 or 8"


def test_a_cpu_that_is_neither_text_nor_number_is_a_type_error() -> None:
    problem = only_problem(_machines(GCP, [2], "2gb"))
    assert (problem.key, problem.message) == (
        "deployment.machines.cpu",
        "expected text, got a list",
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "deployment.concurrency.hard_limit",
            1001,
            "Cloud Run allows at most 1000 concurrent requests per instance",
        ),
        ("deployment.health_check.interval", "241s", "Cloud Run probes allow at most 240s"),
        ("deployment.health_check.grace_period", "5m", "Cloud Run probes allow at most 240s"),
    ],
)
def test_cloud_run_ceilings(key: str, value: Any, message: str) -> None:
    problem = only_problem(with_value(GCP, key, value))
    assert (problem.key, problem.message) == (key, message)


def test_cloud_run_ceilings_are_inclusive_and_do_not_apply_to_fly() -> None:
    load(with_value(GCP, "deployment.concurrency.hard_limit", 1000))
    load(with_value(GCP, "deployment.health_check.interval", "240s"))
    load(with_value(FLY, "deployment.concurrency.hard_limit", 5000))


# ---- regions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("region", sorted(limits.FLY_REGIONS))
def test_every_fly_region_is_accepted_on_fly(region: str) -> None:
    assert load(with_value(FLY, "deployment.region", region)).deployment.region == region


@pytest.mark.parametrize(("retired", "successor"), sorted(limits.FLY_RETIRED_REGIONS.items()))
def test_a_retired_fly_region_names_its_successor(retired: str, successor: str) -> None:
    assert successor in limits.FLY_REGIONS
    problem = only_problem(with_value(FLY, "deployment.region", retired))
    assert (problem.key, problem.message) == (
        "deployment.region",
        f"Fly retired region {retired!r}; use {successor!r}",
    )


@pytest.mark.parametrize("region", sorted(limits.GCP_REGIONS))
def test_every_cloud_run_region_is_accepted_on_gcp(region: str) -> None:
    assert load(with_value(GCP, "deployment.region", region)).deployment.region == region


@pytest.mark.parametrize(
    ("base", "region", "message"),
    [
        (FLY, "iaa", "'iaa' is not a Fly region; did you mean 'iad'?"),
        (FLY, "us-central1", "'us-central1' is not a Fly region"),
        (FLY, "IAD", "region codes are lower case: use 'iad'"),
        (GCP, "us-central", "'us-central' is not a Cloud Run region; did you mean 'us-central1'?"),
        (GCP, "europe-west5", "'europe-west5' is not a Cloud Run region; did you mean"),
        (GCP, "iad", "'iad' is not a Cloud Run region"),
    ],
)
def test_an_unknown_region_is_refused_for_its_provider(
    base: dict[str, Any], region: str, message: str
) -> None:
    problem = only_problem(with_value(base, "deployment.region", region))
    assert problem.key == "deployment.region"
    assert problem.message.startswith(message)


def test_regions_are_real_codes() -> None:
    assert limits.FLY_REGIONS.isdisjoint(limits.FLY_RETIRED_REGIONS)
    assert all(len(r) == 3 and r.islower() for r in limits.FLY_REGIONS)
    assert limits.DEFAULT_REGION["fly"] in limits.FLY_REGIONS
    assert limits.DEFAULT_REGION["gcp"] in limits.GCP_REGIONS


# ---- providers that fit together ---------------------------------------------------------------

OWNER = {
    ("database", "fly-postgres"): "fly",
    ("database", "fly-mpg"): "fly",
    ("database", "cloud-sql"): "gcp",
    ("cache", "upstash"): "fly",
    ("cache", "memorystore"): "gcp",
    ("storage", "tigris"): "fly",
    ("storage", "gcs"): "gcp",
}
FITS = {
    ("database", "fly"): "'fly-mpg' or 'fly-postgres'",
    ("database", "gcp"): "'cloud-sql'",
    ("cache", "fly"): "'upstash'",
    ("cache", "gcp"): "'memorystore'",
    ("storage", "fly"): "'tigris'",
    ("storage", "gcp"): "'gcs'",
}


@pytest.mark.parametrize("provider", ["fly", "gcp"])
@pytest.mark.parametrize(("section", "service"), OWNER)
def test_a_service_runs_only_with_its_own_provider(
    provider: str, section: str, service: str
) -> None:
    base = FLY if provider == "fly" else GCP
    data = {**base, section: {"provider": service}}
    if OWNER[(section, service)] == provider:
        config = load(data)
        assert getattr(config, section).provider == service
        return
    problem = only_problem(data)
    assert (problem.key, problem.message) == (
        f"{section}.provider",
        f"{service!r} runs on {OWNER[(section, service)]}, but provider is {provider!r}; "
        f"use {FITS[(section, provider)]}",
    )


@pytest.mark.parametrize("size", ["1gb", "300gb", "2Gi"])
def test_memorystore_takes_whole_gib_within_bounds(size: str) -> None:
    load({**GCP, "cache": {"provider": "memorystore", "size": size}})


@pytest.mark.parametrize("size", ["512mb", "1536mb", "301gb"])
def test_memorystore_refuses_other_sizes(size: str) -> None:
    problem = only_problem({**GCP, "cache": {"provider": "memorystore", "size": size}})
    assert (problem.key, problem.message) == (
        "cache.size",
        "Memorystore takes a whole number of GiB from 1gb to 300gb",
    )


def test_upstash_size_is_not_held_to_memorystore_bounds() -> None:
    load({**FLY, "cache": {"provider": "upstash", "size": "512mb"}})
