"""The app-shape keys (issue #10) on Cloud Run: each registers exactly what it says.

app_name, build arguments, the start command, the kinds of health check, migrations that can be
moved or turned off, and derived values under the env names the app reads. The secret ones are
checked with the mock's generated password as a canary: it reaches Secret Manager and nothing
else.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from phxstack.mocks import ProgramRun, is_secret, secret_version_number, unwrap
from phxstack.plan import Plan

from .conftest import FULL, run_gcp, with_
from .test_secrecy_and_changes import plaintext

SERVICE = "gcp:cloudrunv2/service:Service"
JOB = "gcp:cloudrunv2/job:Job"
RUN = "command:local:Command"
SLEEP = "time:index/sleep:Sleep"
IMAGE = "docker-build:index:Image"
SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
SECRET_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember"


def container(run: ProgramRun, type_token: str = SERVICE) -> dict[str, Any]:
    reg = run.one(type_token)
    template = reg.inputs["template"]
    if type_token == JOB:
        template = template["template"]
    c: dict[str, Any] = template["containers"][0]
    return c


def env_of(c: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueSource")) for e in c["envs"]}


def test_app_name_names_the_service_and_its_job_and_nothing_stateful(project_dir: Path) -> None:
    base = run_gcp(FULL, project_dir)
    named = run_gcp(with_(FULL, app_name="shop-eu"), project_dir)
    assert named.one(SERVICE).inputs["name"] == "shop-eu"
    assert named.one(JOB).inputs["name"] == "shop-eu-migrate"
    assert named.outputs["app_name"] == named.outputs["service_name"] == "shop-eu"
    # Everything else keeps its project-and-stack name: no bucket, database, secret or account
    # is replaced because the service was renamed.
    others = [SERVICE, JOB, RUN]
    before = {(r.type, r.name): r for r in base.registrations}
    after = {(r.type, r.name): r for r in named.registrations}
    assert before.keys() == after.keys()
    for key, a in before.items():
        if a.type in others or a.type.startswith("phoenix:"):
            continue
        assert a.inputs == after[key].inputs, a.name


def test_build_arguments_and_target_reach_the_buildkit_image(project_dir: Path) -> None:
    raw = with_(FULL, app={"path": "app", "build": {"args": {"MIX_ENV": "prod", "N": 2},
                                                     "target": "runner"}})  # fmt: skip
    image = run_gcp(raw, project_dir).one(IMAGE).inputs
    assert image["buildArgs"] == {"MIX_ENV": "prod", "N": "2"}
    assert image["target"] == "runner"
    plain = run_gcp(FULL, project_dir).one(IMAGE).inputs
    assert "buildArgs" not in plain and "target" not in plain


def test_the_start_command_replaces_the_images_cmd_not_its_entrypoint(project_dir: Path) -> None:
    raw = with_(FULL, deployment={"command": "/app/bin/shop start --name 'web 1'"})
    c = container(run_gcp(raw, project_dir))
    assert c["args"] == ["/app/bin/shop", "start", "--name", "web 1"]
    assert "commands" not in c
    assert "args" not in container(run_gcp(FULL, project_dir))


def test_a_tcp_check_is_a_tcp_startup_probe_on_the_port(project_dir: Path) -> None:
    raw = with_(FULL, deployment={"health_check": {"type": "tcp", "interval": "5s"}})
    probe = container(run_gcp(raw, project_dir))["startupProbe"]
    assert probe == {
        "tcpSocket": {"port": 4000},
        "initialDelaySeconds": 10,
        "periodSeconds": 5,
        "timeoutSeconds": 2,
        "failureThreshold": 24,  # two minutes to start, at 5 s a try
    }


def test_no_check_declares_no_startup_probe_so_cloud_run_keeps_its_own(project_dir: Path) -> None:
    raw = with_(FULL, deployment={"health_check": {"type": "none"}})
    c = container(run_gcp(raw, project_dir))
    assert "startupProbe" not in c and "livenessProbe" not in c


def test_check_headers_go_with_the_http_probes(project_dir: Path) -> None:
    raw = with_(
        FULL,
        deployment={
            "health_check": {
                "headers": {"Host": "shop.example.com", "X-Probe": "cloud-run"},
                "liveness": {"type": "http"},
            }
        },
    )
    c = container(run_gcp(raw, project_dir))
    headers = [
        {"name": "Host", "value": "shop.example.com"},
        {"name": "X-Probe", "value": "cloud-run"},
    ]
    assert c["startupProbe"]["httpGet"] == {"path": "/health", "port": 4000, "httpHeaders": headers}
    assert c["livenessProbe"]["httpGet"]["httpHeaders"] == headers


def test_auto_rollback_on_is_what_cloud_run_does_and_changes_nothing(project_dir: Path) -> None:
    base = run_gcp(FULL, project_dir)
    on = run_gcp(with_(FULL, deployment={"auto_rollback": True}), project_dir)

    def shape(run: ProgramRun) -> list[tuple[str, str, str]]:
        return sorted((r.type, r.name, json.dumps(r.inputs, sort_keys=True, default=str))
                      for r in run.registrations)  # fmt: skip

    assert shape(on) == shape(base)


MIGRATION_TYPES = {JOB, RUN, SLEEP, "phoenix:gcp:Migrations"}


def test_migrations_turned_off_leave_no_job_no_command_and_no_wait(project_dir: Path) -> None:
    run = run_gcp(with_(FULL, migrations={"enabled": False}), project_dir)
    assert not [r.name for r in run.registrations if r.type in MIGRATION_TYPES]
    assert run.outputs["migrations_job"] is None
    # The service no longer waits for a migration run.
    service = run.one(SERVICE)
    assert not [u for u in service.dependencies if "migrations" in u]


def test_no_database_means_nothing_to_migrate(project_dir: Path) -> None:
    raw = {k: v for k, v in FULL.items() if k != "database"}
    run = run_gcp(raw, project_dir)
    assert not [r.name for r in run.registrations if r.type in MIGRATION_TYPES]
    assert run.outputs["migrations_job"] is None


def test_the_migrate_command_and_timeout_are_the_jobs(project_dir: Path) -> None:
    raw = with_(
        FULL,
        migrations={"command": "/app/bin/shop eval 'Shop.Release.migrate()'", "timeout": "20m"},
    )
    run = run_gcp(raw, project_dir)
    job = run.one(JOB).inputs["template"]["template"]
    assert job["containers"][0]["commands"] == ["/app/bin/shop", "eval", "Shop.Release.migrate()"]
    assert job["timeout"] == "1200s"
    # The default stays the release's script and fifteen minutes.
    default = run_gcp(FULL, project_dir).one(JOB).inputs["template"]["template"]
    assert default["containers"][0]["commands"] == ["/app/bin/migrate"]
    assert default["timeout"] == "900s"
    # A new command is a new job spec, so the migration runs again.
    assert run.one(RUN).inputs["triggers"] != run_gcp(FULL, project_dir).one(RUN).inputs["triggers"]


def test_migrations_on_without_a_database_run_against_the_apps_own_url(project_dir: Path) -> None:
    # An external database (DATABASE_URL supplied as a secret): a job, and no Cloud SQL socket.
    raw = {k: v for k, v in FULL.items() if k != "database"}
    raw = with_(raw, secrets=["DATABASE_URL"], migrations={"enabled": True})
    run = run_gcp(raw, project_dir, more_secrets=("DATABASE_URL",))
    job = run.one(JOB).inputs["template"]["template"]
    assert "volumes" not in job
    assert "DATABASE_URL" in env_of(job["containers"][0])


DB_PASSWORD = (
    hashlib.sha256(b"random:index/randomPassword:RandomPassword:shop-database-password").hexdigest()
    * 4
)[:32]


def test_database_url_and_parts_under_the_apps_names(project_dir: Path) -> None:
    raw = with_(
        FULL,
        database={
            "env": {
                "url": "PG_URL",
                "host": "PGHOST",
                "port": "PGPORT",
                "name": "PGDATABASE",
                "user": "PGUSER",
                "password": "PGPASSWORD",
            }
        },
    )
    run = run_gcp(raw, project_dir)
    env = env_of(container(run))
    assert env["PGHOST"] == f"/cloudsql/{run.outputs['database_connection_name']}"
    assert (env["PGPORT"], env["PGDATABASE"], env["PGUSER"]) == ("5432", "shop", "shop")
    assert "DATABASE_URL" not in env
    for name in ("PG_URL", "PGPASSWORD"):
        slug = name.lower().replace("_", "-")
        ref = env[name]["secretKeyRef"]
        assert ref == {
            "secret": f"shop-dev-{slug}",
            "version": secret_version_number(f"shop-secrets-{slug}"),
        }
        run.one(SECRET_IAM, f"shop-identity-secret-{slug}")
    # The migrations job gets exactly the same env.
    assert env_of(container(run, JOB)) == env
    assert sorted(run.outputs["secret_names"]) == sorted(
        ["PGPASSWORD", "PG_URL", "REDIS_CA_CERT", "REDIS_URL", "RELEASE_COOKIE",
         "SECRET_KEY_BASE", "STRIPE_API_KEY"]
    )  # fmt: skip


def test_the_generated_password_reaches_only_its_secret_version(project_dir: Path) -> None:
    raw = with_(FULL, database={"env": {"password": "PGPASSWORD", "user": "PGUSER"}})
    for preview in (False, True):
        run = run_gcp(raw, project_dir, preview=preview)
        for reg in run.registrations:
            assert not [s for s in plaintext(reg.inputs) if DB_PASSWORD in s], reg.name
        assert DB_PASSWORD not in json.dumps(Plan("dev", "gcp", run).to_json())
        assert DB_PASSWORD not in json.dumps(run.outputs, default=str)
        if not preview:
            version = run.one(VERSION, "shop-secrets-pgpassword")
            assert is_secret(version.inputs["secretData"])
            assert unwrap(version.inputs["secretData"]) == DB_PASSWORD


def test_a_private_ip_database_delivers_its_address_as_the_host(project_dir: Path) -> None:
    raw = with_(FULL, database={"private_ip": True, "env": {"host": "DB_HOST"}})
    run = run_gcp(raw, project_dir)
    assert env_of(container(run))["DB_HOST"] == "10.20.0.3"  # the mock's private address


def test_redis_under_the_apps_names(project_dir: Path) -> None:
    raw = with_(FULL, cache={"env": {"url": "PUBSUB_REDIS_URL", "ca_cert": "PUBSUB_REDIS_CA"}})
    run = run_gcp(raw, project_dir)
    env = env_of(container(run))
    assert "REDIS_URL" not in env and "REDIS_CA_CERT" not in env
    assert env["PUBSUB_REDIS_URL"]["secretKeyRef"]["secret"] == "shop-dev-pubsub-redis-url"
    assert env["PUBSUB_REDIS_CA"]["secretKeyRef"]["secret"] == "shop-dev-pubsub-redis-ca"
    url = run.one(VERSION, "shop-secrets-pubsub-redis-url").inputs["secretData"]
    assert is_secret(url) and unwrap(url).startswith("rediss://:")


BUCKET = "gcp:storage/bucket:Bucket"
BUCKET_IAM = "gcp:storage/bucketIAMMember:BucketIAMMember"
HMAC = "gcp:storage/hmacKey:HmacKey"

TWO_BUCKETS = with_(
    FULL,
    storage={
        "buckets": [
            {"id": "uploads", "env": {"bucket": "UPLOADS_BUCKET"}},
            {"id": "media", "name": "shop-media-assets", "env": {"bucket": "MEDIA_BUCKET"}},
        ]
    },
)


def test_the_default_bucket_sets_its_name_in_the_env(project_dir: Path) -> None:
    run = run_gcp(FULL, project_dir)
    assert env_of(container(run))["BUCKET_NAME"] == "shop-dev-uploads-acme-shop-123"
    assert "buckets" not in run.outputs  # no bucket list written: the outputs stay as they were


def test_listing_buckets_keeps_the_default_bucket_and_adds_the_others(project_dir: Path) -> None:
    before = run_gcp(FULL, project_dir)
    after = run_gcp(TWO_BUCKETS, project_dir)
    old, kept = before.one(BUCKET), after.one(BUCKET, "shop-storage-bucket")
    # Same logical name, same physical name, same options: the bucket is adopted, not replaced.
    assert (kept.urn, kept.inputs, kept.options) == (old.urn, old.inputs, old.options)
    grant = after.one(BUCKET_IAM, "shop-identity-bucket-object-admin")
    assert grant.inputs == before.one(BUCKET_IAM).inputs
    media = after.one(BUCKET, "shop-storage-bucket-media")
    assert media.inputs["name"] == "shop-media-assets"
    # A given name is the user's: changing it shows as the replacement it is.
    assert media.options["ignoreChanges"] == []
    media_grant = after.one(BUCKET_IAM, "shop-identity-bucket-media-object-admin")
    assert media_grant.inputs["role"] == "roles/storage.objectAdmin"
    assert media_grant.inputs["bucket"] == "shop-media-assets"
    env = env_of(container(after))
    assert (env["UPLOADS_BUCKET"], env["MEDIA_BUCKET"]) == (
        "shop-dev-uploads-acme-shop-123",
        "shop-media-assets",
    )
    assert "BUCKET_NAME" not in env
    assert after.outputs["buckets"] == {
        "uploads": "shop-dev-uploads-acme-shop-123",
        "media": "shop-media-assets",
    }
    assert after.outputs["bucket_name"] == "shop-dev-uploads-acme-shop-123"
    # The job waits for the new grant too.
    sleep = after.one(SLEEP).inputs["triggers"]["grants"]
    assert "bucket:media:roles/storage.objectAdmin" in sleep
    assert "bucket:roles/storage.objectAdmin" in sleep


def test_every_bucket_is_protected_in_production(project_dir: Path) -> None:
    run = run_gcp(TWO_BUCKETS, project_dir, stack="prod")
    assert [b.protect for b in run.of_type(BUCKET)] == [True, True]
    media = run.one(BUCKET, "shop-storage-bucket-media").inputs
    assert media["versioning"] == {"enabled": True} and media["forceDestroy"] is False


def test_a_derived_bucket_name_includes_the_bucket_id(project_dir: Path) -> None:
    raw = with_(FULL, storage={"buckets": [{"id": "uploads"}, {"id": "exports",
                                                              "env": {"bucket": "EXPORTS"}}]})  # fmt: skip
    run = run_gcp(raw, project_dir)
    exports = run.one(BUCKET, "shop-storage-bucket-exports")
    assert exports.inputs["name"] == "shop-dev-exports-acme-shop-123"
    assert exports.options["ignoreChanges"] == ["name"]


HMAC_SECRET = "hmac-secret-canary-0b9f"


def test_hmac_credentials_reach_the_app_only_through_secret_manager(project_dir: Path) -> None:
    raw = with_(FULL, storage={"hmac": True})
    run = run_gcp(raw, project_dir)
    key = run.one(HMAC)
    assert key.inputs == {"serviceAccountEmail": run.outputs["service_account_email"]}
    env = env_of(container(run))
    assert env["AWS_ENDPOINT_URL_S3"] == "https://storage.googleapis.com"
    assert env["AWS_REGION"] == "us-central1"
    assert env["BUCKET_NAME"] == "shop-dev-uploads-acme-shop-123"
    for name, slug in (("AWS_ACCESS_KEY_ID", "aws-access-key-id"),
                       ("AWS_SECRET_ACCESS_KEY", "aws-secret-access-key")):  # fmt: skip
        assert env[name]["secretKeyRef"]["secret"] == f"shop-dev-{slug}"
        version = run.one(VERSION, f"shop-secrets-{slug}")
        assert is_secret(version.inputs["secretData"])
        # The version is made from the key: it waits for it.
        waits = {u for us in version.property_dependencies.values() for u in us}
        assert key.urn in waits | set(version.dependencies)
    secret = unwrap(run.one(VERSION, "shop-secrets-aws-secret-access-key").inputs["secretData"])
    assert secret  # the mock's key secret
    for reg in run.registrations:
        assert not [s for s in plaintext(reg.inputs) if secret in s], reg.name
    assert secret not in json.dumps(Plan("dev", "gcp", run).to_json())


POOL = "gcp:cloudrunv2/workerPool:WorkerPool"

VOLUMES = with_(
    FULL,
    storage={"buckets": [{"id": "uploads"}, {"id": "media", "env": {"bucket": "MEDIA_BUCKET"}}]},
    deployment={
        "volumes": [
            {"name": "media_files", "path": "/app/media", "type": "gcs", "bucket": "media"},
            {"name": "shared", "path": "/mnt/shared", "type": "nfs", "server": "10.9.0.2",
             "export": "/share", "read_only": True},
        ]
    },
)  # fmt: skip


def test_gcs_and_nfs_volumes_mount_in_the_service_on_gen2(project_dir: Path) -> None:
    run = run_gcp(VOLUMES, project_dir)
    template = run.one(SERVICE).inputs["template"]
    assert template["executionEnvironment"] == "EXECUTION_ENVIRONMENT_GEN2"
    cloudsql = {"name": "cloudsql", "cloudSqlInstance": {"instances": [
        run.outputs["database_connection_name"]]}}  # fmt: skip
    assert template["volumes"] == [
        cloudsql,
        {"name": "media-files", "gcs": {"bucket": "shop-dev-media-acme-shop-123",
                                         "readOnly": False}},
        {"name": "shared", "nfs": {"server": "10.9.0.2", "path": "/share", "readOnly": True}},
    ]  # fmt: skip
    assert template["containers"][0]["volumeMounts"] == [
        {"name": "cloudsql", "mountPath": "/cloudsql"},
        {"name": "media-files", "mountPath": "/app/media"},
        {"name": "shared", "mountPath": "/mnt/shared"},
    ]
    # The runtime account may read and write the mounted bucket (objectAdmin covers the
    # objectUser role a read-write GCS FUSE mount needs), and the service waits for the grant.
    grant = run.one(BUCKET_IAM, "shop-identity-bucket-media-object-admin")
    assert grant.inputs["bucket"] == "shop-dev-media-acme-shop-123"
    assert grant.urn in run.one(SERVICE).dependencies
    # The migrations job mounts no app volume (as Fly's release machine mounts none).
    job = run.one(JOB).inputs["template"]["template"]
    assert [v["name"] for v in job["volumes"]] == ["cloudsql"]
    assert "executionEnvironment" not in job


def test_an_nfs_volume_brings_the_vpc_it_is_reached_through(project_dir: Path) -> None:
    raw = {k: v for k, v in FULL.items() if k != "cache"}
    bare = run_gcp(raw, project_dir)
    assert not bare.of_type("gcp:compute/network:Network")
    nfs = with_(raw, deployment={"volumes": [
        {"name": "data", "path": "/data", "type": "nfs", "server": "10.9.0.2", "export": "/d"}]})  # fmt: skip
    run = run_gcp(nfs, project_dir)
    run.one("gcp:compute/network:Network")
    access = run.one(SERVICE).inputs["template"]["vpcAccess"]
    assert access["egress"] == "PRIVATE_RANGES_ONLY"
    # Auto-named, so its name is exported: the Filestore instance has to be created on it.
    assert "vpc_network" in run.outputs or "vpc_network" in run.unknown_outputs
    assert "vpc_network" not in bare.outputs and "vpc_network" not in bare.unknown_outputs


def test_no_volumes_leave_the_execution_environment_unset(project_dir: Path) -> None:
    assert "executionEnvironment" not in run_gcp(FULL, project_dir).one(SERVICE).inputs["template"]


WORKERS = with_(
    FULL,
    deployment={
        "machines": {"cpu": 2, "memory": "2Gi"},
        "processes": {
            "indexer": {"command": "/app/bin/shop eval 'Shop.Indexer.run()'", "count": 2,
                        "cpu": 1, "memory": "1Gi"},
            "mail_worker": {"command": ["/app/bin/shop", "start"],
                            "health_check": {"type": "tcp", "port": 9000}},
        },
        "volumes": [{"name": "media", "path": "/media", "type": "gcs", "bucket": "uploads",
                     "processes": ["indexer"]}],
    },
)  # fmt: skip


def test_each_process_is_a_worker_pool_with_its_own_command_size_and_count(
    project_dir: Path,
) -> None:
    run = run_gcp(WORKERS, project_dir)
    indexer = run.one(POOL, "shop-worker-indexer-pool")
    assert indexer.inputs["name"] == "shop-dev-indexer"
    assert indexer.inputs["location"] == "us-central1"
    assert indexer.inputs["scaling"] == {"scalingMode": "MANUAL", "manualInstanceCount": 2}
    assert indexer.inputs["deletionProtection"] is False
    c = indexer.inputs["template"]["containers"][0]
    assert c["name"] == "indexer"
    assert c["args"] == ["/app/bin/shop", "eval", "Shop.Indexer.run()"]
    assert "commands" not in c and "startupProbe" not in c
    assert c["resources"] == {"limits": {"cpu": "1", "memory": "1024Mi"}}
    # The same identity, env and secrets as the service, and its volume (only its own).
    service = run.one(SERVICE).inputs["template"]
    assert indexer.inputs["template"]["serviceAccount"] == service["serviceAccount"]
    assert c["envs"] == service["containers"][0]["envs"]
    assert indexer.inputs["template"]["vpcAccess"] == service["vpcAccess"]
    assert [m["name"] for m in c["volumeMounts"]] == ["cloudsql", "media"]
    assert [m["name"] for m in service["containers"][0]["volumeMounts"]] == ["cloudsql"]
    mail = run.one(POOL, "shop-worker-mail-worker-pool")
    assert mail.inputs["name"] == "shop-dev-mail-worker"
    m = mail.inputs["template"]["containers"][0]
    assert m["resources"] == {"limits": {"cpu": "2", "memory": "2048Mi"}}  # the web size
    assert m["startupProbe"] == {"tcpSocket": {"port": 9000}, "initialDelaySeconds": 10,
                                 "periodSeconds": 15, "timeoutSeconds": 2,
                                 "failureThreshold": 8}  # fmt: skip
    assert mail.inputs["scaling"]["manualInstanceCount"] == 1
    # New code reaches the workers only after its migrations, like the service.
    migrate = run.one(RUN)
    assert migrate.urn in indexer.dependencies and migrate.urn in mail.dependencies
    assert run.outputs["processes"] == {
        "app": {"kind": "service", "name": "shop-dev"},
        "indexer": {"kind": "worker_pool", "name": "shop-dev-indexer"},
        "mail_worker": {"kind": "worker_pool", "name": "shop-dev-mail-worker"},
    }


def test_production_worker_pools_keep_deletion_protection(project_dir: Path) -> None:
    run = run_gcp(WORKERS, project_dir, stack="prod")
    assert {p.inputs["deletionProtection"] for p in run.of_type(POOL)} == {True}
    assert run.one(POOL, "shop-worker-indexer-pool").inputs["name"] == "shop-indexer"


def test_the_plan_shows_which_process_runs_where(project_dir: Path) -> None:
    from phxstack.render import render_text

    run = run_gcp(WORKERS, project_dir)
    text = render_text(Plan("dev", "gcp", run).to_json())
    block = text.split("\nProcesses:\n", 1)[1].split("\n\n", 1)[0]
    assert block.splitlines() == [
        "    app: Cloud Run service shop-dev",
        "    indexer: Cloud Run worker pool shop-dev-indexer",
        "    mail_worker: Cloud Run worker pool shop-dev-mail-worker",
    ]
    assert "\nProcesses:\n" not in render_text(
        Plan("dev", "gcp", run_gcp(FULL, project_dir)).to_json()
    )


def test_worker_pool_instances_count_against_the_database_connections() -> None:
    from config.model import InferaConfig

    raw = with_(FULL, deployment={"machines": {"count": 1, "max_count": 4},
                                  "processes": {"jobs": {"command": "/app/bin/jobs", "count": 3}}},
                database={"size": "1gb", "pool_size": 10})  # fmt: skip
    budget = InferaConfig.model_validate(raw, context={"stack": "dev"}).connection_budget()
    assert budget is not None and budget.workers == 3
    # 10 x (4 instances + 1 starting + 3 workers) + the migrations' pool.
    assert budget.demand == 10 * (4 + 1 + 3) + budget.migrations
    assert "+ 3 worker pool instances" in budget.message()
    without = InferaConfig.model_validate(
        with_(raw, deployment={"machines": {"count": 1, "max_count": 4}}), context={"stack": "dev"}
    ).connection_budget()
    assert without is not None and without.workers == 0
    assert "worker pool" not in without.message()
