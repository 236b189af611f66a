"""What Cloud Run reads from each GCP corpus config: the need it was written for, planned.

Each test names the need (issue #10) its config was modelled for and asserts the registered
inputs that meet it; the whole plan is pinned by test_shapes.py.
"""

from __future__ import annotations

from typing import Any

from tests.shapes.harness import of_type, one, plan

SERVICE = "gcp:cloudrunv2/service:Service"
JOB = "gcp:cloudrunv2/job:Job"
RUN = "command:local:Command"
POOL = "gcp:cloudrunv2/workerPool:WorkerPool"
BUCKET = "gcp:storage/bucket:Bucket"
HMAC = "gcp:storage/hmacKey:HmacKey"
SQL = "gcp:sql/databaseInstance:DatabaseInstance"


def web(data: dict[str, Any]) -> dict[str, Any]:
    c: dict[str, Any] = one(data, SERVICE)["inputs"]["template"]["containers"][0]
    return c


def env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueSource")) for e in container["envs"]}


def test_plausible_builds_its_target_with_its_arguments_and_migrates_behind_its_entrypoint() -> (
    None
):
    data = plan("gcp_plausible.yaml", "prod")
    image = one(data, "docker-build:index:Image")["inputs"]
    assert image["buildArgs"] == {"BUILD_METADATA": '{"version": "2.1.4"}', "MIX_ENV": "prod"}
    assert image["target"] == "final"
    job = one(data, JOB)["inputs"]["template"]["template"]
    assert job["containers"][0]["commands"] == ["/entrypoint.sh", "db", "migrate"]
    assert job["timeout"] == "1800s"
    assert web(data)["args"] == ["run"]
    assert web(data)["startupProbe"]["httpGet"]["path"] == "/api/health"


def test_teslamate_reads_the_database_in_parts_checks_tcp_and_migrates_on_boot() -> None:
    data = plan("gcp_teslamate.yaml", "prod")
    assert not of_type(data, JOB) and not of_type(data, RUN)
    assert data["outputs"]["migrations_job"] is None
    c = web(data)
    assert c["startupProbe"]["tcpSocket"] == {"port": 4000}
    e = env(c)
    assert e["DATABASE_HOST"].startswith("/cloudsql/") or e["DATABASE_HOST"] == "[unknown]"
    assert (e["DATABASE_PORT"], e["DATABASE_NAME"], e["DATABASE_USER"]) == (
        "5432",
        "teslamate",
        "teslamate",
    )
    assert set(e["DATABASE_PASS"]["secretKeyRef"]) == {"secret", "version"}
    assert "DATABASE_URL" in e  # the URL is still delivered under its default name


def test_livebook_keeps_its_home_in_a_bucket_mounted_through_gcs_fuse() -> None:
    for stack, service in (("dev", "notebooks-dev"), ("prod", "notebooks")):
        data = plan("gcp_livebook.yaml", stack)
        svc = one(data, SERVICE)["inputs"]
        assert svc["name"] == service
        template = svc["template"]
        assert template["executionEnvironment"] == "EXECUTION_ENVIRONMENT_GEN2"
        bucket = one(data, BUCKET)
        assert template["volumes"] == [
            {"name": "home", "gcs": {"bucket": bucket["inputs"]["name"], "readOnly": False}}
        ]
        assert template["containers"][0]["volumeMounts"] == [{"name": "home", "mountPath": "/data"}]
        assert not of_type(data, SQL) and not of_type(data, JOB)
        assert bucket["protect"] is (stack == "prod")


def test_changelog_reads_two_buckets_through_s3_keys_under_its_own_names() -> None:
    data = plan("gcp_changelog.yaml", "prod")
    names = sorted(b["inputs"]["name"] for b in of_type(data, BUCKET))
    assert names == ["changelog-feeds-prod", "changelog-uploads-my-gcp-project"]
    assert all(b["protect"] for b in of_type(data, BUCKET))
    one(data, HMAC)
    e = env(web(data))
    assert e["AWS_UPLOADS_BUCKET"] == "changelog-uploads-my-gcp-project"
    assert e["AWS_FEEDS_BUCKET"] == "changelog-feeds-prod"
    assert e["AWS_S3_ENDPOINT"] == "https://storage.googleapis.com"
    assert e["AWS_REGION"] == "us-east1"
    for secret in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DB_PASS", "DATABASE_URL"):
        assert "secretKeyRef" in e[secret], secret
    assert data["outputs"]["buckets"] == {
        "uploads": "changelog-uploads-my-gcp-project",
        "feeds": "changelog-feeds-prod",
    }


def test_firezone_runs_its_domain_app_as_a_worker_pool_beside_the_web_service() -> None:
    data = plan("gcp_firezone.yaml", "prod")
    pool = one(data, POOL)["inputs"]
    assert pool["name"] == "firezone-domain"
    assert pool["scaling"] == {"manualInstanceCount": 2, "scalingMode": "MANUAL"}
    c = pool["template"]["containers"][0]
    assert c["args"] == ["/app/bin/domain", "start"]
    assert c["resources"] == {"limits": {"cpu": "1", "memory": "1024Mi"}}
    assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": 4000}
    assert web(data)["args"] == ["/app/bin/web", "start"]
    assert "PHOENIX_PUBSUB_REDIS_URL" in env(web(data))
    assert data["outputs"]["processes"] == {
        "app": {"kind": "service", "name": "firezone"},
        "domain": {"kind": "worker_pool", "name": "firezone-domain"},
    }
