"""Config to Args for GCP, without the Pulumi engine."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

from components.gcp.settings import (
    SUBNET_CIDR,
    GcpSettingsError,
    cloud_sql_tier,
    gcp_args,
    plain_env,
    probe_settings,
)
from config.context import StackContext
from config.limits import MAX_INSTANCES
from config.model import InferaConfig

from .conftest import FULL, GCP_PROJECT, with_


def ctx(raw: dict[str, Any], project_dir: Path, stack: str = "dev", **kw: Any) -> StackContext:
    infera = InferaConfig.model_validate(raw, context={"stack": stack})
    secrets = kw.pop("secrets", {"STRIPE_API_KEY": object()})
    return StackContext(infera, stack, project_dir, secrets, kw.pop("gcp_project", GCP_PROJECT))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mib", "tier"),
    [
        (256, "db-f1-micro"),
        (614, "db-f1-micro"),
        (615, "db-g1-small"),
        (1024, "db-g1-small"),
        (1740, "db-g1-small"),
        (1741, "db-custom-1-3840"),
        (3840, "db-custom-1-3840"),
        (6656, "db-custom-1-6656"),
        (6657, "db-custom-2-6912"),
        (7680, "db-custom-2-7680"),
        (16 * 1024, "db-custom-4-16384"),
    ],
)
def test_cloud_sql_tier_is_the_smallest_that_fits(mib: int, tier: str) -> None:
    assert cloud_sql_tier(mib) == tier


@pytest.mark.parametrize("max_count", [1, 15, 16, 100, MAX_INSTANCES])
def test_subnet_range_never_moves_with_scaling(tmp_path: Path, max_count: int) -> None:
    # A changed range forces a new subnet overlapping the abandoned one: the range must be
    # the same whatever max_count says, and big enough for Cloud Run's ceiling.
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM scratch\n")
    raw = with_(FULL, deployment={"machines": {"count": 1, "max_count": max_count}})
    network = gcp_args(ctx(raw, tmp_path)).network
    assert network is not None and network.subnet_cidr == "10.8.0.0/21"


def test_subnet_holds_two_addresses_per_instance_at_cloud_runs_ceiling() -> None:
    subnet = ipaddress.ip_network(SUBNET_CIDR)
    assert subnet.num_addresses - 4 >= 2 * MAX_INSTANCES  # Google reserves 4 per subnet
    assert subnet.prefixlen <= 26  # Google's minimum for Direct VPC egress
    assert subnet.is_private


def test_probe_timeout_stays_below_period_and_startup_allows_two_minutes() -> None:
    infera = InferaConfig.model_validate(
        with_(FULL, deployment={"health_check": {"interval": "3s", "timeout": "2.5s"}}),
        context={"stack": "dev"},
    )
    p = probe_settings(infera)
    assert (p.period_s, p.timeout_s, p.startup_failure_threshold) == (3, 2, 40)


def test_plain_env_is_ordered_and_never_has_port() -> None:
    infera = InferaConfig.model_validate(
        with_(FULL, env_vars={"B": "2", "A": "1"}, domain="shop.example.com"),
        context={"stack": "dev"},
    )
    assert plain_env(infera) == (
        ("PHX_SERVER", "true"),
        ("PHX_HOST", "shop.example.com"),
        ("POOL_SIZE", "10"),
        ("A", "1"),
        ("B", "2"),
    )


def test_dev_and_prod_defaults_differ_where_the_issue_says(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM scratch\n")
    dev, prod = gcp_args(ctx(FULL, tmp_path, "dev")), gcp_args(ctx(FULL, tmp_path, "prod"))
    assert dev.database and prod.database and dev.cache and prod.cache
    assert dev.storage and prod.storage
    assert (dev.cache.tier, prod.cache.tier) == ("BASIC", "STANDARD_HA")
    assert (dev.database.backups, prod.database.backups) == (False, True)
    assert (dev.database.deletion_protection, prod.database.deletion_protection) == (False, True)
    assert (dev.storage.versioning, prod.storage.versioning) == (False, True)
    assert (dev.storage.force_destroy, prod.storage.force_destroy) == (True, False)
    assert (dev.image.cleanup_policies, prod.image.cleanup_policies) == (False, True)
    assert (dev.service.deletion_protection, prod.service.deletion_protection) == (False, True)
    assert (dev.service.name, prod.service.name) == ("shop-dev", "shop")


def test_high_availability_forces_backups_even_in_dev(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM scratch\n")
    args = gcp_args(ctx(with_(FULL, database={"high_availability": True}), tmp_path))
    assert args.database is not None
    assert (args.database.availability_type, args.database.backups) == ("REGIONAL", True)
    assert args.database.point_in_time_recovery is True


def test_missing_supplied_secret_is_an_error_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(GcpSettingsError) as err:
        gcp_args(ctx(FULL, tmp_path, secrets={}))
    assert str(err.value) == (
        "secret STRIPE_API_KEY is listed in infera.yaml but has no value; run "
        "`pulumi config set --secret STRIPE_API_KEY` for stack dev"
    )


def test_missing_project_and_missing_dockerfile_are_errors(tmp_path: Path) -> None:
    with pytest.raises(GcpSettingsError, match="pulumi config set gcp:project"):
        gcp_args(ctx(FULL, tmp_path, gcp_project=None))
    with pytest.raises(GcpSettingsError, match=r"app\.path 'app' has no Dockerfile"):
        gcp_args(ctx(FULL, tmp_path))


def test_sample_config_matches_the_seed_gcp_column() -> None:
    from config.loader import load_config

    sample = Path(__file__).resolve().parents[2] / "examples" / "gcp" / "infera.yaml"
    base = load_config(sample, "staging")
    m = base.deployment.machines
    assert (base.provider, m.cpu, m.memory, m.count) == ("gcp", "2", 2048, 2)
    assert base.database and cloud_sql_tier(base.database.size) == "db-f1-micro"
    assert base.cache and base.cache.size == 1024 and base.cache.provider == "memorystore"
    assert base.storage and base.storage.provider == "gcs"
    assert base.app.path == "../my_app"
    dev, prod = load_config(sample, "dev"), load_config(sample, "prod")
    assert dev.deployment.machines.count == 0
    assert prod.deployment.machines.count == 3
    assert prod.database and prod.database.high_availability
