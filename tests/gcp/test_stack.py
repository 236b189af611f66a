"""The GCP stack under the recording mock: exact inputs, options and edges, dev and prod."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from components.build_context import context_digest
from components.gcp.database import database_url
from phxstack.mocks import ProgramRun, Registered, is_secret, secret_version_number, unwrap

from .conftest import FULL, GCP_PROJECT, run_gcp, with_

API = "gcp:projects/service:Service"
NETWORK = "gcp:compute/network:Network"
SUBNET = "gcp:compute/subnetwork:Subnetwork"
ADDRESS = "gcp:compute/globalAddress:GlobalAddress"
PEERING = "gcp:servicenetworking/connection:Connection"
SQL = "gcp:sql/databaseInstance:DatabaseInstance"
SQL_DB = "gcp:sql/database:Database"
SQL_USER = "gcp:sql/user:User"
REDIS = "gcp:redis/instance:Instance"
BUCKET = "gcp:storage/bucket:Bucket"
SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
SECRET_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember"
REPO = "gcp:artifactregistry/repository:Repository"
IMAGE = "docker-build:index:Image"
ACCOUNT = "gcp:serviceaccount/account:Account"
PROJECT_IAM = "gcp:projects/iAMMember:IAMMember"
BUCKET_IAM = "gcp:storage/bucketIAMMember:BucketIAMMember"
JOB = "gcp:cloudrunv2/job:Job"
SERVICE = "gcp:cloudrunv2/service:Service"
DOMAIN = "gcp:cloudrun/domainMapping:DomainMapping"
PASSWORD = "random:index/randomPassword:RandomPassword"
RUN = "command:local:Command"
SLEEP = "time:index/sleep:Sleep"

SECRET_NAMES = [
    "DATABASE_URL",
    "REDIS_CA_CERT",
    "REDIS_URL",
    "RELEASE_COOKIE",
    "SECRET_KEY_BASE",
    "STRIPE_API_KEY",
]


@pytest.fixture
def dev(project_dir: Path) -> ProgramRun:
    return run_gcp(FULL, project_dir, "dev")


@pytest.fixture
def prod(project_dir: Path) -> ProgramRun:
    return run_gcp(FULL, project_dir, "prod")


def plain(value: Any) -> Any:
    """Inputs with secrets opened, for comparing whole structures (secrecy is tested apart)."""
    if is_secret(value):
        return plain(unwrap(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def wired(reg: Registered, key: str, source: Registered) -> None:
    """`reg`'s input `key` comes from `source` (a property dependency, not a copied string)."""
    assert source.urn in reg.property_dependencies.get(key, []), (key, reg.property_dependencies)


def depends(run: ProgramRun, reg: Registered, *sources: Registered) -> None:
    missing = [s.name for s in sources if s.urn not in reg.dependencies]
    assert not missing, f"{reg.name} does not depend on {missing}"


def api(run: ProgramRun, name: str) -> Registered:
    return run.one(API, f"shop-apis-{name}")


# ---- 1. APIs -----------------------------------------------------------------------------------


def test_apis_enabled_are_exactly_those_used_and_stay_on_destroy(dev: ProgramRun) -> None:
    apis = dev.of_type(API)
    assert sorted(r.inputs["service"] for r in apis) == [
        f"{a}.googleapis.com"
        for a in (
            "artifactregistry",
            "compute",
            "iam",
            "redis",
            "run",
            "secretmanager",
            "sqladmin",
            "storage",
        )
    ]
    for r in apis:
        assert r.inputs == {
            "project": GCP_PROJECT,
            "service": r.inputs["service"],
            "disableOnDestroy": False,
            "disableDependentServices": False,
        }


def test_private_database_adds_servicenetworking_and_prebuilt_image_drops_registry(
    project_dir: Path,
) -> None:
    run = run_gcp(
        with_(FULL, database={"private_ip": True}, app={"image": "ghcr.io/acme/shop:1"}),
        project_dir,
    )
    services = {r.inputs["service"].split(".")[0] for r in run.of_type(API)}
    assert "servicenetworking" in services
    assert "artifactregistry" not in services
    assert run.of_type(REPO) == [] and run.of_type(IMAGE) == []


def test_every_resource_depends_on_its_api(project_dir: Path) -> None:
    # Domain and private IP bring the resources the FULL sample leaves out.
    dev = run_gcp(
        with_(FULL, domain="shop.example.com", database={"private_ip": True}), project_dir
    )
    needs = {
        ADDRESS: "compute",
        PEERING: "servicenetworking",
        DOMAIN: "run",
        NETWORK: "compute",
        SUBNET: "compute",
        SQL: "sqladmin",
        REDIS: "redis",
        BUCKET: "storage",
        SECRET: "secretmanager",
        ACCOUNT: "iam",
        REPO: "artifactregistry",
        JOB: "run",
        SERVICE: "run",
    }
    for typ, name in needs.items():
        found = dev.of_type(typ)
        assert found, typ  # an absent resource would pass the loop below vacuously
        for reg in found:
            depends(dev, reg, api(dev, name))


# ---- 2. Network --------------------------------------------------------------------------------


def test_network_is_a_custom_vpc_with_a_direct_egress_subnet_abandoned_on_destroy(
    dev: ProgramRun,
) -> None:
    vpc = dev.one(NETWORK)
    assert vpc.inputs == {"autoCreateSubnetworks": False, "deletionPolicy": "ABANDON"}
    subnet = dev.one(SUBNET)
    assert {k: v for k, v in subnet.inputs.items() if k != "network"} == {
        "region": "us-central1",
        "ipCidrRange": "10.8.0.0/21",
        "privateIpGoogleAccess": True,
        "deletionPolicy": "ABANDON",
    }
    wired(subnet, "network", vpc)
    # No Serverless VPC Access connector, and no private services access unless asked for.
    assert not [r for r in dev.registrations if r.type.startswith("gcp:vpcaccess")]
    assert dev.of_type(ADDRESS) == [] and dev.of_type(PEERING) == []


def test_no_cache_and_public_database_means_no_network(project_dir: Path) -> None:
    run = run_gcp(with_(FULL, cache=None), project_dir)
    assert run.of_type(NETWORK) == [] and run.of_type(SUBNET) == []
    assert "compute.googleapis.com" not in {r.inputs["service"] for r in run.of_type(API)}
    assert "vpcAccess" not in run.one(SERVICE).inputs["template"]


def test_private_ip_database_gets_private_services_access(project_dir: Path) -> None:
    run = run_gcp(with_(FULL, database={"private_ip": True}), project_dir)
    vpc, address, peering = run.one(NETWORK), run.one(ADDRESS), run.one(PEERING)
    assert {k: v for k, v in address.inputs.items() if k != "network"} == {
        "purpose": "VPC_PEERING",
        "addressType": "INTERNAL",
        "prefixLength": 16,
        "deletionPolicy": "ABANDON",
    }
    assert peering.inputs["service"] == "servicenetworking.googleapis.com"
    assert peering.inputs["deletionPolicy"] == "ABANDON"
    wired(address, "network", vpc)
    wired(peering, "network", vpc)
    wired(peering, "reservedPeeringRanges", address)
    sql = run.one(SQL)
    depends(run, sql, peering)
    ip = sql.inputs["settings"]["ipConfiguration"]
    assert ip["ipv4Enabled"] is False and ip["sslMode"] == "ENCRYPTED_ONLY"
    url = unwrap(run.one(VERSION, "shop-secrets-database-url").inputs["secretData"])
    assert url.startswith("ecto://shop:") and url.endswith("@10.20.0.3/shop?ssl=true")
    # Over the VPC there is no connector socket to mount.
    assert "volumes" not in run.one(SERVICE).inputs["template"]


# ---- 3. Cloud SQL ------------------------------------------------------------------------------


def test_cloud_sql_dev(dev: ProgramRun) -> None:
    sql = dev.one(SQL)
    assert sql.inputs == {
        "databaseVersion": "POSTGRES_16",
        "region": "us-central1",
        "deletionProtection": False,
        "settings": {
            "edition": "ENTERPRISE",
            "tier": "db-g1-small",
            "availabilityType": "ZONAL",
            "diskSize": 10,
            "diskAutoresize": True,
            "deletionProtectionEnabled": False,
            "backupConfiguration": {"enabled": False, "pointInTimeRecoveryEnabled": False},
            "ipConfiguration": {
                "ipv4Enabled": True,
                "sslMode": "ENCRYPTED_ONLY",
                "serverCaMode": "GOOGLE_MANAGED_INTERNAL_CA",
            },
        },
    }
    assert "name" not in sql.inputs  # auto-named: a deleted name is blocked for a week
    assert sql.protect is False
    assert sql.options["ignoreChanges"] == ["settings.diskSize"]


def test_cloud_sql_prod_is_backed_up_highly_available_and_protected(project_dir: Path) -> None:
    run = run_gcp(
        with_(FULL, database={"high_availability": True, "size": "3840mb"}), project_dir, "prod"
    )
    sql = run.one(SQL)
    assert sql.protect is True
    assert sql.inputs["deletionProtection"] is True
    assert sql.inputs["settings"] == {
        "edition": "ENTERPRISE",
        "tier": "db-custom-1-3840",
        "availabilityType": "REGIONAL",
        "diskSize": 10,
        "diskAutoresize": True,
        "deletionProtectionEnabled": True,
        "backupConfiguration": {
            "enabled": True,
            "pointInTimeRecoveryEnabled": True,
            "startTime": "03:00",
            "transactionLogRetentionDays": 7,
            "backupRetentionSettings": {"retainedBackups": 14},
        },
        "ipConfiguration": {
            "ipv4Enabled": True,
            "sslMode": "ENCRYPTED_ONLY",
            "serverCaMode": "GOOGLE_MANAGED_INTERNAL_CA",
        },
        "maintenanceWindow": {"day": 7, "hour": 4, "updateTrack": "stable"},
    }
    assert run.one(SQL_DB).protect is True


def test_database_user_and_url(dev: ProgramRun) -> None:
    sql, password = dev.one(SQL), dev.one(PASSWORD, "shop-database-password")
    assert password.inputs == {"length": 32, "special": False}
    user = dev.one(SQL_USER)
    assert {k: v for k, v in user.inputs.items() if k not in ("instance", "password")} == {
        "name": "shop",
        "deletionPolicy": "ABANDON",
    }
    assert is_secret(user.inputs["password"])
    wired(user, "instance", sql)
    wired(user, "password", password)
    db = dev.one(SQL_DB)
    assert db.inputs["name"] == "shop"
    wired(db, "instance", sql)
    url = dev.one(VERSION, "shop-secrets-database-url").inputs["secretData"]
    assert is_secret(url)
    assert unwrap(url) == database_url(
        "shop",
        unwrap(user.inputs["password"]),
        "shop",
        dev.outputs["database_connection_name"],
    )
    assert unwrap(url).startswith("ecto://shop:")
    assert unwrap(url).endswith(
        f"@/shop?socket_dir=/cloudsql/{dev.outputs['database_connection_name']}"
    )


# ---- 4. Memorystore ----------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "tier"), [("dev", "BASIC"), ("prod", "STANDARD_HA")])
def test_memorystore(project_dir: Path, stack: str, tier: str) -> None:
    run = run_gcp(FULL, project_dir, stack)
    redis = run.one(REDIS)
    assert {k: v for k, v in redis.inputs.items() if k != "authorizedNetwork"} == {
        "name": "shop-dev-redis" if stack == "dev" else "shop-redis",
        "region": "us-central1",
        "tier": tier,
        "memorySizeGb": 1,
        "redisVersion": "REDIS_7_2",
        "connectMode": "DIRECT_PEERING",
        "authEnabled": True,
        "transitEncryptionMode": "SERVER_AUTHENTICATION",
    }
    wired(redis, "authorizedNetwork", run.one(NETWORK))
    assert redis.protect is (stack == "prod")
    assert redis.options["customTimeouts"] == {"create": "40m", "update": "40m"}


@pytest.mark.parametrize("private_ip", [False, True])
def test_memorystore_waits_for_every_range_in_its_network(
    project_dir: Path, private_ip: bool
) -> None:
    # Memorystore chooses its own /29 among the VPC's unused addresses: the subnet (and the
    # private services range) must exist first, or the subnet can collide with it.
    run = run_gcp(with_(FULL, database={"private_ip": private_ip}), project_dir)
    redis = run.one(REDIS)
    depends(run, redis, run.one(SUBNET))
    if private_ip:
        depends(run, redis, run.one(PEERING))
    assert "reservedIpRange" not in redis.inputs  # ForceNew: pinning it would replace Redis


def test_redis_url_uses_the_port_output_and_the_ca_is_a_secret(dev: ProgramRun) -> None:
    url = dev.one(VERSION, "shop-secrets-redis-url").inputs["secretData"]
    assert is_secret(url)
    # The mock answers 6378 for a TLS instance: the URL follows the output, not a constant.
    assert unwrap(url).startswith("rediss://:mock-redis-auth-")
    assert unwrap(url).endswith(f"@{dev.outputs['redis_host']}:{dev.outputs['redis_port']}")
    assert dev.outputs["redis_port"] == 6378
    ca = dev.one(VERSION, "shop-secrets-redis-ca-cert").inputs["secretData"]
    assert is_secret(ca)
    assert unwrap(ca) == "-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----\n"


# ---- 5. Bucket ---------------------------------------------------------------------------------


def test_bucket_dev(dev: ProgramRun) -> None:
    bucket = dev.one(BUCKET)
    assert bucket.inputs == {
        "name": "shop-dev-uploads-acme-shop-123",
        "location": "US-CENTRAL1",
        "uniformBucketLevelAccess": True,
        "publicAccessPrevention": "enforced",
        "versioning": {"enabled": False},
        "forceDestroy": True,
    }
    assert bucket.protect is False
    # Changed naming rules never replace (and so empty) an existing bucket.
    assert bucket.options["ignoreChanges"] == ["name"]


def test_bucket_prod(prod: ProgramRun) -> None:
    bucket = prod.one(BUCKET)
    assert bucket.inputs == {
        "name": "shop-uploads-acme-shop-123",
        "location": "US-CENTRAL1",
        "uniformBucketLevelAccess": True,
        "publicAccessPrevention": "enforced",
        "versioning": {"enabled": True},
        "lifecycleRules": [
            {
                "action": {"type": "Delete"},
                "condition": {"withState": "ARCHIVED", "daysSinceNoncurrentTime": 30},
            }
        ],
        "forceDestroy": False,
    }
    assert bucket.protect is True


# ---- 6. Secrets --------------------------------------------------------------------------------


def test_one_secret_per_app_secret_with_auto_replication(dev: ProgramRun) -> None:
    secrets = dev.of_type(SECRET)
    assert sorted(r.inputs["secretId"] for r in secrets) == [
        f"shop-dev-{n.lower().replace('_', '-')}" for n in SECRET_NAMES
    ]
    for r in secrets:
        assert r.inputs == {"secretId": r.inputs["secretId"], "replication": {"auto": {}}}
    for r in dev.of_type(VERSION):
        assert set(r.inputs) == {"secret", "secretData", "deletionPolicy"}
        assert is_secret(r.inputs["secretData"])
        wired(r, "secret", dev.one(SECRET, r.name))
    assert dev.outputs["secret_names"] == SECRET_NAMES


def test_replaced_secret_versions_are_disabled_not_destroyed(dev: ProgramRun) -> None:
    # A rollback to an earlier revision reads the version it was pinned to: destroying the
    # old version when a new value replaces it would leave that revision unable to start.
    for r in dev.of_type(VERSION):
        assert r.inputs["deletionPolicy"] == "DISABLE", r.name


def test_generated_secrets_come_from_random_passwords(dev: ProgramRun) -> None:
    assert dev.one(PASSWORD, "shop-secrets-secret-key-base").inputs == {
        "length": 64,
        "special": False,
    }
    assert dev.one(PASSWORD, "shop-secrets-release-cookie").inputs == {
        "length": 32,
        "special": False,
    }
    skb = dev.one(VERSION, "shop-secrets-secret-key-base")
    wired(skb, "secretData", dev.one(PASSWORD, "shop-secrets-secret-key-base"))
    assert len(unwrap(skb.inputs["secretData"])) == 64


def test_only_the_runtime_account_may_read_each_secret(dev: ProgramRun) -> None:
    grants = dev.of_type(SECRET_IAM)
    member = f"serviceAccount:{dev.outputs['service_account_email']}"
    assert sorted(r.name for r in grants) == [
        f"shop-identity-secret-{n.lower().replace('_', '-')}" for n in SECRET_NAMES
    ]
    for r in grants:
        assert r.inputs["role"] == "roles/secretmanager.secretAccessor"
        assert r.inputs["member"] == member
        secret = dev.one(SECRET, "shop-secrets-" + r.name.removeprefix("shop-identity-secret-"))
        wired(r, "secretId", secret)


@pytest.mark.parametrize("kind", ["service", "job"])
def test_secrets_reach_cloud_run_by_pinned_version_never_as_values(
    dev: ProgramRun, kind: str
) -> None:
    reg = dev.one(SERVICE) if kind == "service" else dev.one(JOB)
    template = reg.inputs["template"] if kind == "service" else reg.inputs["template"]["template"]
    envs = template["containers"][0]["envs"]
    by_name = {e["name"]: e for e in envs}
    for name in SECRET_NAMES:
        slug = name.lower().replace("_", "-")
        assert by_name[name] == {
            "name": name,
            "valueSource": {
                "secretKeyRef": {
                    "secret": f"shop-dev-{slug}",
                    # Exactly the version this secret's SecretVersion got, wired from it.
                    "version": secret_version_number(f"shop-secrets-{slug}"),
                }
            },
        }
        wired(reg, "template", dev.one(VERSION, f"shop-secrets-{slug}"))


def test_the_mock_numbers_secret_versions_differently(dev: ProgramRun) -> None:
    # Were every version "1", a hard-coded "1" in the program would pass the test above.
    numbers = {secret_version_number(r.name) for r in dev.of_type(VERSION)}
    assert len(numbers) > 1


# ---- 7. Image ----------------------------------------------------------------------------------


def test_image_is_built_with_buildkit_for_amd64_tagged_by_content_and_cached_in_the_registry(
    dev: ProgramRun, project_dir: Path
) -> None:
    repo = dev.one(REPO)
    assert repo.inputs == {
        "repositoryId": "shop-dev",
        "location": "us-central1",
        "format": "DOCKER",
    }
    image = dev.one(IMAGE)
    app = project_dir / "app"
    tag = context_digest(app, "Dockerfile")[:32]
    base = f"us-central1-docker.pkg.dev/{GCP_PROJECT}/shop-dev/shop"
    cache = f"{base}-buildcache:latest"
    assert plain(image.inputs) == {
        "tags": [f"{base}:{tag}"],
        # Relative to where Pulumi runs, so state is the same on every machine.
        "context": {"location": os.path.relpath(app)},
        "dockerfile": {"location": os.path.relpath(app / "Dockerfile")},
        "platforms": ["linux/amd64"],
        "push": True,
        "buildOnPreview": False,
        "network": "default",
        "cacheFrom": [{"registry": {"ref": cache}}],
        "cacheTo": [
            {
                "registry": {
                    "ref": cache,
                    "mode": "max",
                    "imageManifest": True,
                    "ociMediaTypes": True,
                    "compression": "gzip",
                    "compressionLevel": 0,
                    "forceCompression": False,
                    "ignoreError": False,
                }
            }
        ],
        "registries": [
            {
                "address": "us-central1-docker.pkg.dev",
                "username": "oauth2accesstoken",
                "password": "mock-access-token",
            }
        ],
    }
    assert is_secret(image.inputs["registries"])  # the access token makes it all secret
    wired(image, "tags", repo)
    assert "gcp:organizations/getClientConfig:getClientConfig" in dev.invokes


def test_build_args_and_target_reach_the_build(project_dir: Path) -> None:
    from components.gcp.image import Image, ImageArgs
    from components.gcp.settings import ImageSettings
    from phxstack.mocks import run_program

    settings = ImageSettings(
        repository_id="shop-dev",
        image_name="shop",
        context=project_dir / "app",
        dockerfile="Dockerfile",
        tag="0" * 32,
        prebuilt=None,
        cleanup_policies=False,
        build_args=(("MIX_ENV", "prod"),),
        target="runner",
    )
    run = run_program(lambda: Image("shop-image", ImageArgs(settings, GCP_PROJECT, "us-central1")))
    image = run.one(IMAGE).inputs
    assert image["buildArgs"] == {"MIX_ENV": "prod"} and image["target"] == "runner"


def test_prod_repository_has_cleanup_policies(prod: ProgramRun) -> None:
    assert prod.one(REPO).inputs == {
        "repositoryId": "shop",
        "location": "us-central1",
        "format": "DOCKER",
        "cleanupPolicyDryRun": False,
        "cleanupPolicies": [
            {"id": "keep-recent", "action": "KEEP", "mostRecentVersions": {"keepCount": 10}},
            {
                "id": "delete-old",
                "action": "DELETE",
                "condition": {"tagState": "ANY", "olderThan": "2592000s"},
            },
        ],
    }


def test_cloud_run_runs_the_pushed_digest(dev: ProgramRun) -> None:
    image = dev.outputs["image"]
    assert "@sha256:" in image
    assert dev.one(SERVICE).inputs["template"]["containers"][0]["image"] == image
    assert dev.one(JOB).inputs["template"]["template"]["containers"][0]["image"] == image
    wired(dev.one(SERVICE), "template", dev.one(IMAGE))


def test_prebuilt_image_skips_the_build(project_dir: Path) -> None:
    ref = "ghcr.io/acme/shop@sha256:" + "ab" * 32
    run = run_gcp(with_(FULL, app={"image": ref}), project_dir)
    assert run.of_type(IMAGE) == [] and run.of_type(REPO) == []
    assert run.one(SERVICE).inputs["template"]["containers"][0]["image"] == ref
    assert re.fullmatch(r"[0-9a-f]{12}", run.one(RUN).inputs["triggers"][0])
    assert run.outputs["image"] == ref


def test_a_prebuilt_image_by_tag_reruns_migrations_whenever_the_reference_changes(
    project_dir: Path,
) -> None:
    # Without a digest the token can only follow the reference: a new tag is a new run.
    def token(image: str) -> str:
        run = run_gcp(with_(FULL, app={"image": image}), project_dir)
        assert run.one(JOB).inputs["template"]["template"]["containers"][0]["image"] == image
        return str(run.one(RUN).inputs["triggers"][0])

    assert token("ghcr.io/acme/shop:1") == token("ghcr.io/acme/shop:1")
    assert token("ghcr.io/acme/shop:1") != token("ghcr.io/acme/shop:2")


# ---- 8. Runtime service account ----------------------------------------------------------------


def test_dedicated_runtime_account_with_only_three_kinds_of_grant(dev: ProgramRun) -> None:
    sa = dev.one(ACCOUNT)
    assert sa.inputs == {"accountId": "shop-dev-run", "displayName": "shop (dev) on Cloud Run"}
    email = "shop-dev-run@acme-shop-123.iam.gserviceaccount.com"
    assert dev.outputs["service_account_email"] == email
    assert dev.one(PROJECT_IAM).inputs == {
        "project": GCP_PROJECT,
        "role": "roles/cloudsql.client",
        "member": f"serviceAccount:{email}",
    }
    bucket_grant = dev.one(BUCKET_IAM)
    assert bucket_grant.inputs == {
        "bucket": "shop-dev-uploads-acme-shop-123",
        "role": "roles/storage.objectAdmin",
        "member": f"serviceAccount:{email}",
    }
    wired(bucket_grant, "bucket", dev.one(BUCKET))
    iam_types = {r.type for r in dev.registrations if "iam" in r.type.lower()}
    assert iam_types == {PROJECT_IAM, BUCKET_IAM, SECRET_IAM}
    for kind in (SERVICE, JOB):
        reg = dev.one(kind)
        template = reg.inputs["template"]
        template = template.get("template", template)
        assert template["serviceAccount"] == email


# ---- 9. Migrations -----------------------------------------------------------------------------


def test_migrations_job(dev: ProgramRun) -> None:
    job = dev.one(JOB)
    assert job.inputs["name"] == "shop-dev-migrate"
    # Never a token: the provider re-sends it on every update, and after any other execution
    # Cloud Run answers "already exists" (magic-modules PR #19060). A command runs the job.
    assert "runExecutionToken" not in job.inputs and "startExecutionToken" not in job.inputs
    assert job.inputs["deletionProtection"] is False
    assert job.inputs["location"] == "us-central1"
    assert job.options["ignoreChanges"] == ["client", "clientVersion"]
    outer = job.inputs["template"]
    assert (outer["taskCount"], outer["parallelism"]) == (1, 1)
    t = outer["template"]
    # A transient failure (a grant still propagating, a slow first connection) is retried.
    assert (t["maxRetries"], t["timeout"]) == (2, "900s")
    container = t["containers"][0]
    assert container["commands"] == ["/app/bin/migrate"]
    assert container["volumeMounts"] == [{"name": "cloudsql", "mountPath": "/cloudsql"}]
    assert t["volumes"] == [
        {
            "name": "cloudsql",
            "cloudSqlInstance": {"instances": [dev.outputs["database_connection_name"]]},
        }
    ]
    assert t["vpcAccess"]["egress"] == "PRIVATE_RANGES_ONLY"
    # Same env as the service, so migrations run with the configuration that will serve.
    assert container["envs"] == dev.one(SERVICE).inputs["template"]["containers"][0]["envs"]
    assert dev.outputs["migrations_job"] == "shop-dev-migrate"


def test_a_deploy_runs_the_job_once_per_spec_and_waits_for_it(dev: ProgramRun) -> None:
    execution = dev.one(RUN)
    assert execution.inputs["create"] == (
        f"gcloud run jobs execute shop-dev-migrate --region us-central1 --project {GCP_PROJECT} "
        "--wait --quiet"
    )
    assert execution.inputs["environment"] == {"CLOUDSDK_CORE_DISABLE_PROMPTS": "1"}
    # No delete or update command: a new spec replaces the run (one new execution), and
    # removing it executes nothing.
    assert set(execution.inputs) == {"create", "environment", "triggers"}
    [trigger] = execution.inputs["triggers"]
    assert re.fullmatch(r"[0-9a-f]{12}", trigger)
    job = dev.one(JOB)
    depends(dev, execution, job)
    wired(execution, "create", job)
    depends(dev, dev.one(SERVICE), execution)


def test_job_waits_for_iam_propagation_after_its_grants(dev: ProgramRun) -> None:
    sleep = dev.one(SLEEP)
    assert sleep.inputs["createDuration"] == "2m"
    # Keyed by what is granted (known in preview), so it sleeps again only for a new grant.
    keys = sleep.inputs["triggers"]["grants"].split(",")
    assert "project:roles/cloudsql.client" in keys
    assert "secret:DATABASE_URL:roles/secretmanager.secretAccessor" in keys
    depends(dev, sleep, *dev.of_type(SECRET_IAM), dev.one(PROJECT_IAM), dev.one(BUCKET_IAM))
    depends(dev, dev.one(JOB), sleep)


def test_job_waits_for_secret_access_and_the_database(dev: ProgramRun) -> None:
    job = dev.one(JOB)
    depends(dev, job, *dev.of_type(SECRET_IAM), dev.one(PROJECT_IAM), dev.one(SQL_USER))
    depends(dev, job, dev.one(SQL_DB))


def test_prod_job_keeps_deletion_protection(prod: ProgramRun) -> None:
    assert prod.one(JOB).inputs["deletionProtection"] is True


# ---- 10. Service -------------------------------------------------------------------------------


def _service_expected(stack: str, run: ProgramRun) -> dict[str, Any]:
    name = "shop-dev" if stack == "dev" else "shop"
    host = f"{name}-123456789012.us-central1.run.app"
    return {
        "name": name,
        "location": "us-central1",
        "ingress": "INGRESS_TRAFFIC_ALL",
        "invokerIamDisabled": True,
        "deletionProtection": stack == "prod",
        "scaling": {"minInstanceCount": 0},
        "template": {
            "serviceAccount": f"{name}-run@{GCP_PROJECT}.iam.gserviceaccount.com",
            "timeout": "3600s",
            "sessionAffinity": True,
            "maxInstanceRequestConcurrency": 1000,
            "scaling": {"minInstanceCount": 2, "maxInstanceCount": 8},
            "containers": [
                {
                    "name": "app",
                    "image": run.outputs["image"],
                    "ports": {"name": "http1", "containerPort": 4000},
                    "resources": {
                        "limits": {"cpu": "2", "memory": "2048Mi"},
                        "cpuIdle": False,
                        "startupCpuBoost": True,
                    },
                    "envs": [
                        {"name": "PHX_SERVER", "value": "true"},
                        {"name": "PHX_HOST", "value": host},
                        {"name": "POOL_SIZE", "value": "10"},
                        {"name": "LOG_LEVEL", "value": "info"},
                        # The bucket's name, under storage.buckets[0].env.bucket's default.
                        {"name": "BUCKET_NAME", "value": f"{name}-uploads-acme-shop-123"},
                    ]
                    + [
                        {
                            "name": n,
                            "valueSource": {
                                "secretKeyRef": {
                                    "secret": f"{name}-{n.lower().replace('_', '-')}",
                                    "version": secret_version_number(
                                        f"shop-secrets-{n.lower().replace('_', '-')}"
                                    ),
                                }
                            },
                        }
                        for n in SECRET_NAMES
                    ],
                    "startupProbe": {
                        "httpGet": {"path": "/health", "port": 4000},
                        "initialDelaySeconds": 10,
                        "periodSeconds": 10,
                        "timeoutSeconds": 2,
                        "failureThreshold": 12,
                    },
                    # No liveness probe by default: /health checks the database.
                    "volumeMounts": [{"name": "cloudsql", "mountPath": "/cloudsql"}],
                }
            ],
            "volumes": [
                {
                    "name": "cloudsql",
                    "cloudSqlInstance": {"instances": [run.outputs["database_connection_name"]]},
                }
            ],
            "vpcAccess": {
                "egress": "PRIVATE_RANGES_ONLY",
                "networkInterfaces": [
                    {
                        "network": run.one(SERVICE).inputs["template"]["vpcAccess"][
                            "networkInterfaces"
                        ][0]["network"],
                        "subnetwork": run.one(SERVICE).inputs["template"]["vpcAccess"][
                            "networkInterfaces"
                        ][0]["subnetwork"],
                    }
                ],
            },
        },
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_service_inputs(project_dir: Path, stack: str) -> None:
    run = run_gcp(FULL, project_dir, stack)
    service = run.one(SERVICE)
    assert plain(service.inputs) == _service_expected(stack, run)
    nic = service.inputs["template"]["vpcAccess"]["networkInterfaces"][0]
    assert nic["network"].startswith("shop-network-vpc")
    assert nic["subnetwork"].startswith("shop-network-subnet")
    wired(service, "template", run.one(SUBNET))
    assert service.options["ignoreChanges"] == ["client", "clientVersion"]
    assert (
        run.outputs["url"]
        == f"https://{_service_expected(stack, run)['template']['containers'][0]['envs'][1]['value']}"
    )


def test_a_shallow_liveness_path_gets_its_own_probe_and_the_deep_path_stays_on_startup(
    project_dir: Path,
) -> None:
    raw = with_(
        FULL, deployment={"health_check": {"liveness": {"type": "http", "path": "/health/live"}}}
    )
    container = run_gcp(raw, project_dir).one(SERVICE).inputs["template"]["containers"][0]
    assert container["startupProbe"]["httpGet"] == {"path": "/health", "port": 4000}
    assert container["livenessProbe"] == {
        "httpGet": {"path": "/health/live", "port": 4000},
        "periodSeconds": 10,
        "timeoutSeconds": 2,
        "failureThreshold": 3,
    }


def test_the_dependency_checking_path_never_restarts_instances_by_default(
    dev: ProgramRun,
) -> None:
    # A Cloud SQL failover longer than 3 x 10 s would otherwise restart every instance.
    container = dev.one(SERVICE).inputs["template"]["containers"][0]
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    assert "livenessProbe" not in container


def test_dev_service_scales_to_zero_with_request_billing(project_dir: Path) -> None:
    raw = with_(
        FULL, deployment={"machines": {"count": 0, "max_count": 3, "cpu": 1, "memory": "1Gi"}}
    )
    service = run_gcp(raw, project_dir).one(SERVICE).inputs["template"]
    assert service["scaling"] == {"minInstanceCount": 0, "maxInstanceCount": 3}
    assert service["containers"][0]["resources"] == {
        "limits": {"cpu": "1", "memory": "1024Mi"},
        "cpuIdle": True,
        "startupCpuBoost": True,
    }


def test_private_service_keeps_the_invoker_check(project_dir: Path) -> None:
    run = run_gcp(with_(FULL, deployment={"public": False}), project_dir)
    assert run.one(SERVICE).inputs["invokerIamDisabled"] is False
    assert not [
        r for r in run.registrations if r.type == "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"
    ]


def test_service_rolls_only_after_migrations_and_secret_access(dev: ProgramRun) -> None:
    service = dev.one(SERVICE)
    depends(dev, service, dev.one(RUN), *dev.of_type(SECRET_IAM), dev.one(REDIS))


# ---- 11. Domain --------------------------------------------------------------------------------


def test_domain_mapping_and_dns_records_output(project_dir: Path) -> None:
    run = run_gcp(with_(FULL, domain="shop.example.com"), project_dir)
    mapping = run.one(DOMAIN)
    assert {k: v for k, v in mapping.inputs.items() if k != "spec"} == {
        "name": "shop.example.com",
        "location": "us-central1",
        "metadata": {"namespace": GCP_PROJECT},
    }
    assert mapping.inputs["spec"] == {"routeName": "shop-dev"}
    wired(mapping, "spec", run.one(SERVICE))
    assert run.outputs["dns_records"] == [
        {"type": "CNAME", "name": "shop.example.com", "value": "ghs.googlehosted.com."}
    ]
    assert run.outputs["url"] == "https://shop.example.com"
    envs = run.one(SERVICE).inputs["template"]["containers"][0]["envs"]
    assert {"name": "PHX_HOST", "value": "shop.example.com"} in envs
    assert "gcp:organizations/getProject:getProject" not in run.invokes


def test_no_domain_no_mapping(dev: ProgramRun) -> None:
    assert dev.of_type(DOMAIN) == [] and dev.outputs["dns_records"] == []


# ---- shape -------------------------------------------------------------------------------------


def test_every_resource_sits_under_its_component(dev: ProgramRun) -> None:
    stack = dev.one("phoenix:gcp:Stack")
    components = {r.urn: r for r in dev.registrations if r.type.startswith("phoenix:gcp:")}
    for r in dev.registrations:
        if r is stack:
            continue
        if r.type.startswith("phoenix:gcp:"):
            assert r.parent == stack.urn
        else:
            assert r.parent in components and r.parent != stack.urn, r.name
    types = sorted(r.type for r in components.values())
    assert types == sorted(
        f"phoenix:gcp:{t}"
        for t in (
            "Stack", "Apis", "Network", "Database", "Cache", "Storage", "Secrets",
            "RuntimeIdentity", "Image", "Migrations", "Service",
        )
    )  # fmt: skip


def test_outputs_are_the_documented_gcp_keys(dev: ProgramRun) -> None:
    from components.outputs import OUTPUTS

    # Its Redis brings the stack's own VPC network, the one optional key it has.
    assert set(dev.outputs) | dev.unknown_outputs == {
        k for k, s in OUTPUTS.items() if "gcp" in s.providers and not s.optional
    } | {"vpc_network"}
    assert dev.outputs["provider"] == "gcp" and dev.outputs["region"] == "us-central1"
    assert dev.outputs["service_name"] == dev.outputs["app_name"] == "shop-dev"
    assert dev.outputs["database_name"] == "shop"
    assert dev.outputs["bucket_name"] == "shop-dev-uploads-acme-shop-123"
