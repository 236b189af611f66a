"""The seed template's Best Practices and Common Mistakes, each pinned to the GCP plan.

Items that do not apply to Cloud Run say why, so that the list stays complete.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from config.model import InferaConfig
from phxstack.mocks import ProgramRun, unwrap

from .conftest import FULL, run_gcp, with_

SERVICE = "gcp:cloudrunv2/service:Service"
JOB = "gcp:cloudrunv2/job:Job"
SQL = "gcp:sql/databaseInstance:DatabaseInstance"


@pytest.fixture
def run(project_dir: Path) -> ProgramRun:
    return run_gcp(FULL, project_dir, "prod")


def container(run: ProgramRun) -> dict[str, Any]:
    return run.one(SERVICE).inputs["template"]["containers"][0]


def env(run: ProgramRun) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueSource")) for e in container(run)["envs"]}


# ---- Best Practices ----------------------------------------------------------------------------


def test_bp1_liveview_websockets_survive_on_cloud_run(run: ProgramRun) -> None:
    template = run.one(SERVICE).inputs["template"]
    assert template["timeout"] == "3600s"  # a socket is one request; Cloud Run's maximum
    assert template["sessionAffinity"] is True
    assert container(run)["ports"]["name"] == "http1"  # websocket upgrade needs HTTP/1.1


def test_bp2_pubsub_across_instances_goes_through_redis(run: ProgramRun) -> None:
    assert run.one("gcp:redis/instance:Instance").inputs["tier"] == "STANDARD_HA"
    assert "secretKeyRef" in env(run)["REDIS_URL"]
    assert "secretKeyRef" in env(run)["REDIS_CA_CERT"]


# BP3 "DNS clustering - auto-discover nodes on Fly" does not apply: Cloud Run has no Direct VPC
# ingress for services, so instances cannot reach each other (gcp.md §1). BP2 replaces it; the
# plan must not half-configure clustering either.
def test_bp3_no_clustering_variables_on_cloud_run(run: ProgramRun) -> None:
    assert not {"DNS_CLUSTER_QUERY", "RELEASE_DISTRIBUTION", "RELEASE_NODE"} & set(env(run))


def test_bp4_health_checks_probe_the_app_at_its_health_path(run: ProgramRun) -> None:
    c = container(run)
    # Common Mistake 3 says checks should verify dependencies: that is the startup probe, which
    # gates traffic. The liveness probe restarts instances, so it never checks the database.
    assert c["startupProbe"]["httpGet"] == {"path": "/health", "port": 4000}
    assert c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/health"


def test_bp5_release_build_runs_the_release_scripts(run: ProgramRun) -> None:
    image = run.one("docker-build:index:Image").inputs
    assert image["dockerfile"]["location"].endswith("/app/Dockerfile")
    # The service runs the image's CMD (/app/bin/server); migrations use the release script.
    assert "commands" not in container(run)
    job = run.one(JOB).inputs["template"]["template"]["containers"][0]
    assert job["commands"] == ["/app/bin/migrate"]


# BP6 "Graceful shutdown - handle SIGTERM" is app behaviour on Cloud Run, which sends SIGTERM and
# allows 10 s; there is no platform setting to emit. BP7 "Telemetry - LiveDashboard" is app code.


def test_bp8_connection_pool_size_comes_from_config(project_dir: Path) -> None:
    run = run_gcp(with_(FULL, database={"pool_size": 25}), project_dir)
    assert env(run)["POOL_SIZE"] == "25"


# ---- Common Mistakes ---------------------------------------------------------------------------


def test_cm1_no_clustering_setup_is_warned_about_without_a_cache() -> None:
    infera = InferaConfig.model_validate(with_(FULL, cache=None), context={"stack": "dev"})
    assert "cache" in [path for path, _ in infera.warnings()]


def test_cm2_missing_pubsub_every_instance_gets_redis(run: ProgramRun) -> None:
    job_envs = {
        e["name"] for e in run.one(JOB).inputs["template"]["template"]["containers"][0]["envs"]
    }
    assert {"REDIS_URL", "REDIS_CA_CERT"} <= set(env(run)) & job_envs
    assert run.one(SERVICE).inputs["template"]["vpcAccess"]["egress"] == "PRIVATE_RANGES_ONLY"


def test_cm3_wrong_health_check_startup_allows_slow_first_connections(run: ProgramRun) -> None:
    probe = container(run)["startupProbe"]
    # Direct VPC egress can delay first connections a minute or more; allow two.
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 120
    assert probe["timeoutSeconds"] < probe["periodSeconds"]
    assert probe["initialDelaySeconds"] == 10


def test_cm4_release_migrations_run_before_the_service_rolls(run: ProgramRun) -> None:
    job, service = run.one(JOB), run.one(SERVICE)
    execution = run.one("command:local:Command")
    # `pulumi up` runs the job to completion (`--wait`) before the service rolls.
    assert execution.urn in service.dependencies and job.urn in execution.dependencies
    assert execution.inputs["create"].startswith("gcloud run jobs execute shop-migrate ")
    assert re.fullmatch(r"[0-9a-f]{12}", execution.inputs["triggers"][0])


def test_cm5_small_pool_size_the_pool_is_set_not_defaulted(run: ProgramRun) -> None:
    assert env(run)["POOL_SIZE"] == "10"
    assert run.one(SERVICE).inputs["template"]["maxInstanceRequestConcurrency"] == 1000


def test_cm6_database_traffic_is_encrypted(project_dir: Path, run: ProgramRun) -> None:
    ip = run.one(SQL).inputs["settings"]["ipConfiguration"]
    assert ip["sslMode"] == "ENCRYPTED_ONLY"
    # The connector socket is encrypted by the connector; over private IP Ecto must use TLS.
    private = run_gcp(with_(FULL, database={"private_ip": True}), project_dir)
    url = private.one("gcp:secretmanager/secretVersion:SecretVersion", "shop-secrets-database-url")
    assert unwrap(url.inputs["secretData"]).endswith("?ssl=true")


def test_cm7_secret_key_base_is_always_there(run: ProgramRun) -> None:
    assert env(run)["SECRET_KEY_BASE"]["secretKeyRef"]["secret"] == "shop-secret-key-base"
    password = run.one("random:index/randomPassword:RandomPassword", "shop-secrets-secret-key-base")
    assert password.inputs["length"] == 64


@pytest.mark.parametrize("domain", [None, "shop.example.com"])
def test_cm8_phx_host_is_the_host_people_use(project_dir: Path, domain: str | None) -> None:
    run = run_gcp(with_(FULL, domain=domain), project_dir, "prod")
    assert run.outputs["url"] == f"https://{env(run)['PHX_HOST']}"
    if domain:
        assert env(run)["PHX_HOST"] == domain
