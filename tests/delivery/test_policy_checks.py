"""Each policy against real registered shapes: the sample passes, one mutation violates it.

Shapes come from `plan --json` of the samples (tests/delivery/plans.py), then are mutated the way
a mistaken config or a regressed component would change them.
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
import tomli_w

from policy.checks import POLICIES, Context
from tests.delivery.plans import one, resources

SERVICE = "gcp:cloudrunv2/service:Service"
JOB = "gcp:cloudrunv2/job:Job"
SQL = "gcp:sql/databaseInstance:DatabaseInstance"
REDIS = "gcp:redis/instance:Instance"
BUCKET = "gcp:storage/bucket:Bucket"
FLY = "pulumi-python:dynamic/fly:"
PROD = Context("prod")
DEV = Context("dev")


def found(policy: str, rs: list[dict[str, Any]], ctx: Context = PROD) -> list[tuple[str, str]]:
    rule = next(p for p in POLICIES if p.name == policy)
    return [
        (f.resource["name"] if f.resource else "(stack)", f.message) for f in rule.check(rs, ctx)
    ]


def container(rs: list[dict[str, Any]], type_token: str = SERVICE) -> dict[str, Any]:
    r = one(rs, type_token)
    template = r["inputs"]["template"]
    if type_token == JOB:
        template = template["template"]
    c: dict[str, Any] = template["containers"][0]
    return c


def env(rs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    e: dict[str, Any] = next(e for e in container(rs)["envs"] if e["name"] == name)
    return e


def drop_env(rs: list[dict[str, Any]], name: str) -> None:
    c = container(rs)
    c["envs"] = [e for e in c["envs"] if e["name"] != name]


def edit_fly_toml(rs: list[dict[str, Any]], edit: Any) -> None:
    deploy = one(rs, FLY + "Deploy")
    doc = tomllib.loads(deploy["inputs"]["config"])
    edit(doc)
    deploy["inputs"]["config"] = tomli_w.dumps(doc)


SERVICE_NAME = "my-phoenix-app-service-service"
DEPLOY_NAME = "my-phoenix-app-deploy"


def test_policy_names_are_unique_and_described_with_the_seed_item() -> None:
    names = [p.name for p in POLICIES]
    assert len(names) == len(set(names)) == 15
    seeded = [p.name for p in POLICIES if "seed" in p.description]
    assert len(seeded) >= 9


@pytest.mark.parametrize("provider", ["gcp", "fly"])
@pytest.mark.parametrize("policy", [p.name for p in POLICIES])
def test_sample_prod_passes_every_policy(provider: str, policy: str) -> None:
    findings = found(policy, resources(provider, "prod"))
    if (provider, policy) == ("gcp", "database-connection-budget"):
        # The seed's prod shape exceeds its database on purpose (see test_plan_policy).
        assert [name for name, _ in findings] == ["my-phoenix-app-database-sql"]
    else:
        assert findings == []


def test_connection_budget_reads_the_tier_the_pools_and_a_max_connections_flag() -> None:
    rs = resources("gcp", "prod")
    sql = one(rs, "gcp:sql/databaseInstance:DatabaseInstance")
    assert sql["inputs"]["settings"]["tier"] == "db-custom-1-3840"
    (message,) = [m for _, m in found("database-connection-budget", rs)]
    assert message.startswith("up to 227 database connections (15 pool x (12 instances + 3")
    sql["inputs"]["settings"]["tier"] = "db-custom-2-7680"  # 400 connections
    assert found("database-connection-budget", rs) == []
    sql["inputs"]["settings"]["databaseFlags"] = [{"name": "max_connections", "value": "150"}]
    assert [n for n, _ in found("database-connection-budget", rs)] == [sql["name"]]
    sql["inputs"]["settings"]["tier"] = "[unknown]"
    sql["inputs"]["settings"].pop("databaseFlags")
    assert found("database-connection-budget", rs) == []  # unknown until apply


# ---- database-ssl-required ----


def test_cloud_sql_without_ssl_mode_is_a_violation() -> None:
    rs = resources("gcp", "prod")
    one(rs, SQL)["inputs"]["settings"]["ipConfiguration"]["sslMode"] = (
        "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
    )
    assert found("database-ssl-required", rs) == [
        (
            "my-phoenix-app-database-sql",
            "sslMode is ALLOW_UNENCRYPTED_AND_ENCRYPTED; set settings.ipConfiguration.sslMode to "
            "ENCRYPTED_ONLY so unencrypted connections are refused",
        )
    ]


def test_public_ip_on_unmanaged_fly_postgres_is_a_violation() -> None:
    rs = resources("fly", "prod")
    assert one(rs, FLY + "Postgres")["inputs"]["kind"] == "unmanaged"
    ip = dict(next(r for r in rs if r["type"] == FLY + "Ip" and r["inputs"]["kind"] == "v6"))
    ip["inputs"] = {"app": "my-phoenix-app-db", "kind": "v6"}
    rs.append(ip)
    assert found("database-ssl-required", rs) == [
        (
            ip["name"],
            "public IP on Postgres my-phoenix-app-db, which does not require TLS; reach it over "
            "the private network",
        )
    ]


# ---- stateful-resources-protected ----


@pytest.mark.parametrize(
    ("provider", "type_token", "name"),
    [
        ("gcp", SQL, "my-phoenix-app-database-sql"),
        ("gcp", REDIS, "my-phoenix-app-cache-redis"),
        ("gcp", BUCKET, "my-phoenix-app-storage-bucket"),
        ("fly", FLY + "Postgres", "my-phoenix-app-db"),
    ],
)
def test_unprotected_stateful_resource_in_prod_is_a_violation(
    provider: str, type_token: str, name: str
) -> None:
    rs = resources(provider, "prod")
    one(rs, type_token)["protect"] = False
    assert (
        name,
        "stateful resource is not protected; `pulumi destroy` would delete its data",
    ) in found("stateful-resources-protected", rs)


def test_dev_stacks_stay_destroyable_without_a_finding() -> None:
    rs = resources("gcp", "dev")
    assert any(r["type"] == SQL and not r["protect"] for r in rs)
    assert found("stateful-resources-protected", rs, DEV) == []


# ---- health-check-configured ----


def test_probe_on_another_path_and_a_missing_probe_are_violations() -> None:
    rs = resources("gcp", "prod")
    c = container(rs)
    assert c["livenessProbe"]["httpGet"]["path"] == "/health/live"  # the sample's shallow route
    c["livenessProbe"]["httpGet"]["path"] = "/health"
    del c["startupProbe"]
    assert found("health-check-configured", rs) == [
        (SERVICE_NAME, "container 'app' has no HTTP startupProbe"),
        (SERVICE_NAME, LIVENESS_ON_THE_DEEP_PATH),
    ]


LIVENESS_ON_THE_DEEP_PATH = (
    "livenessProbe checks '/health', the startup probe's path: a dependency outage restarts "
    "every instance; set deployment.health_check.liveness.path to a shallow route, or type: none"
)


def test_no_liveness_probe_is_no_violation() -> None:
    rs = resources("gcp", "prod")
    del container(rs)["livenessProbe"]
    assert found("health-check-configured", rs) == []


def test_configured_path_is_the_one_required() -> None:
    rs = resources("gcp", "prod")
    ctx = Context("prod", health_check_path="/healthz")
    assert found("health-check-configured", rs, ctx) == [
        (SERVICE_NAME, "startupProbe checks '/health', not '/healthz'"),
    ]


def test_a_tcp_check_is_required_as_configured_and_none_requires_none() -> None:
    # An app configured for a TCP check (no health route) is judged by its TCP startup probe.
    rs = resources("gcp", "prod")
    c = container(rs)
    tcp = Context("prod", health_check_type="tcp")
    assert found("health-check-configured", rs, tcp) == [
        (SERVICE_NAME, "container 'app' has no TCP startupProbe")
    ]
    c["startupProbe"] = {"tcpSocket": {"port": 4000}, "periodSeconds": 10}
    assert found("health-check-configured", rs, tcp) == []
    # Configured for none: no startup probe is the configuration, not a mistake.
    del c["startupProbe"]
    assert found("health-check-configured", rs, Context("prod", health_check_type="none")) == []
    assert found("health-check-configured", rs) == [
        (SERVICE_NAME, "container 'app' has no HTTP startupProbe")
    ]


def test_fly_toml_without_checks_or_on_another_path_is_a_violation() -> None:
    rs = resources("fly", "prod")
    edit_fly_toml(rs, lambda d: d["http_service"]["checks"][0].update(path="/"))
    assert found("health-check-configured", rs) == [
        (DEPLOY_NAME, "fly.toml health check is '/', not '/health'")
    ]
    edit_fly_toml(rs, lambda d: d["http_service"].pop("checks"))
    assert found("health-check-configured", rs) == [
        (DEPLOY_NAME, "fly.toml has no HTTP health check")
    ]


# ---- database-pool-size ----


def test_small_pool_is_a_violation_on_both_providers() -> None:
    rs = resources("gcp", "prod")
    env(rs, "POOL_SIZE")["value"] = "5"
    assert found("database-pool-size", rs) == [(SERVICE_NAME, "POOL_SIZE is 5, below 10")]
    fly = resources("fly", "prod")
    edit_fly_toml(fly, lambda d: d["env"].update(POOL_SIZE="4"))
    assert found("database-pool-size", fly) == [(DEPLOY_NAME, "POOL_SIZE is 4, below 10")]


def test_unset_pool_size_is_the_seeds_default_of_10() -> None:
    rs = resources("gcp", "prod")
    drop_env(rs, "POOL_SIZE")
    assert found("database-pool-size", rs) == []
    assert found("database-pool-size", rs, Context("prod", min_pool_size=12)) == [
        (SERVICE_NAME, "POOL_SIZE is 10, below 12")
    ]


# ---- machine-count ----


def test_one_instance_is_enough_in_dev_but_not_in_prod() -> None:
    rs = resources("gcp", "prod")
    one(rs, SERVICE)["inputs"]["template"]["scaling"]["minInstanceCount"] = 1
    assert found("machine-count", rs, DEV) == []
    assert found("machine-count", rs) == [
        (
            SERVICE_NAME,
            "1 instance(s) always running; need at least 2 in production (one machine is a "
            "single point of failure)",
        )
    ]


def test_zero_instances_is_a_finding_even_in_dev() -> None:
    assert found("machine-count", resources("gcp", "dev"), DEV) == [
        (SERVICE_NAME, "0 instance(s) always running; need at least 1")
    ]


def test_fly_scale_of_one_in_prod_is_a_violation() -> None:
    rs = resources("fly", "prod")
    one(rs, FLY + "Scale")["inputs"]["count"] = 1
    assert found("machine-count", rs) == [
        (
            "my-phoenix-app-scale",
            "1 instance(s) always running; need at least 2 in production (one machine is a "
            "single point of failure)",
        )
    ]


# ---- cache-for-multiple-instances ----


def test_many_instances_without_redis_is_a_violation_and_one_instance_is_not() -> None:
    rs = [r for r in resources("gcp", "prod") if r["type"] != REDIS]
    drop_env(rs, "REDIS_URL")
    message = (
        "more than one instance but no Redis: PubSub and LiveView broadcasts stay on one "
        "instance; add `cache:` to infera.yaml"
    )
    assert found("cache-for-multiple-instances", rs) == [(SERVICE_NAME, message)]
    one(rs, SERVICE)["inputs"]["template"]["scaling"] = {
        "minInstanceCount": 1,
        "maxInstanceCount": 1,
    }
    assert found("cache-for-multiple-instances", rs) == []


# ---- no-plaintext-secret-env ----


def test_secret_values_in_plain_env_are_violations() -> None:
    rs = resources("gcp", "prod")
    c = container(rs)
    c["envs"] += [
        {"name": "STRIPE_KEY", "value": "sk_live_" + "a1B2c3D4e5" * 3},
        {"name": "DATABASE_URL", "value": "[secret]"},
        {"name": "MAILER_PASSWORD", "value": "hunter2"},
    ]
    assert found("no-plaintext-secret-env", rs) == [
        (SERVICE_NAME, "env var STRIPE_KEY is plain text and its value looks like a credential"),
        (
            SERVICE_NAME,
            "env var DATABASE_URL is plain text and its value is a Pulumi secret, stored in "
            "plain text in the resource",
        ),
        (SERVICE_NAME, "env var MAILER_PASSWORD is plain text and its name says it holds a secret"),
    ]


def test_plain_secret_in_the_migrations_job_and_fly_toml_are_violations() -> None:
    rs = resources("gcp", "prod")
    container(rs, JOB)["envs"].append({"name": "SECRET_KEY_BASE", "value": "x" * 64})
    assert found("no-plaintext-secret-env", rs) == [
        (
            "my-phoenix-app-migrations-job",
            "env var SECRET_KEY_BASE is plain text and its name says it holds a secret",
        )
    ]
    fly = resources("fly", "prod")
    edit_fly_toml(fly, lambda d: d["env"].update(DATABASE_URL="postgres://u:pw@db.flycast/app"))
    assert found("no-plaintext-secret-env", fly) == [
        (
            DEPLOY_NAME,
            "fly.toml [env] DATABASE_URL is plain text and its name says it holds a secret",
        )
    ]


# ---- database-not-open ----


def test_public_ip_open_to_the_internet_is_a_violation() -> None:
    rs = resources("gcp", "prod")
    ip = one(rs, SQL)["inputs"]["settings"]["ipConfiguration"]
    ip["authorizedNetworks"] = [{"value": "203.0.113.0/24"}, {"value": "0.0.0.0/0"}]
    assert found("database-not-open", rs) == [
        (
            "my-phoenix-app-database-sql",
            "public IP with authorized network 0.0.0.0/0: open to the internet",
        )
    ]
    ip["ipv4Enabled"] = False
    assert found("database-not-open", rs) == []


# ---- bucket-not-public ----


def test_public_bucket_grant_and_missing_prevention_are_violations() -> None:
    rs = resources("gcp", "prod")
    one(rs, BUCKET)["inputs"]["publicAccessPrevention"] = "inherited"
    one(rs, "gcp:storage/bucketIAMMember:BucketIAMMember")["inputs"]["member"] = "allUsers"
    assert found("bucket-not-public", rs) == [
        (
            "my-phoenix-app-storage-bucket",
            "publicAccessPrevention is not 'enforced'; a grant can make it public",
        ),
        (
            "my-phoenix-app-identity-bucket-object-admin",
            "grants access to allUsers/allAuthenticatedUsers",
        ),
    ]


# ---- runtime-service-account ----


def test_default_or_missing_service_account_is_a_violation() -> None:
    rs = resources("gcp", "prod")
    one(rs, SERVICE)["inputs"]["template"]["serviceAccount"] = (
        "123456789012-compute@developer.gserviceaccount.com"
    )
    del one(rs, JOB)["inputs"]["template"]["template"]["serviceAccount"]
    assert found("runtime-service-account", rs) == [
        ("my-phoenix-app-migrations-job", "no serviceAccount: runs as the default compute account"),
        (
            SERVICE_NAME,
            "runs as the default compute account 123456789012-compute@developer.gserviceaccount.com",
        ),
    ]


# ---- liveview-request-timeout ----


def test_short_or_default_timeout_is_a_violation_with_liveview() -> None:
    rs = resources("gcp", "prod")
    template = one(rs, SERVICE)["inputs"]["template"]
    template["timeout"] = "900s"
    assert found("liveview-request-timeout", rs) == [
        (SERVICE_NAME, "request timeout is 900s; LiveView sockets are cut then: set 3600s")
    ]
    del template["timeout"]
    assert found("liveview-request-timeout", rs) == [
        (
            SERVICE_NAME,
            "request timeout is 300s (default); LiveView sockets are cut then: set 3600s",
        )
    ]
    assert found("liveview-request-timeout", rs, Context("prod", liveview=False)) == []


# ---- migrations-before-traffic ----


def test_service_not_waiting_for_the_job_is_a_violation() -> None:
    rs = resources("gcp", "prod")
    job = one(rs, JOB)
    run = one(rs, "command:local:Command")
    assert "gcloud run jobs execute my-phoenix-app-migrate " in run["inputs"]["create"]
    service = one(rs, SERVICE)
    service["dependencies"] = [d for d in service["dependencies"] if d not in (run["urn"],)]
    assert found("migrations-before-traffic", rs) == [
        (SERVICE_NAME, "does not wait for the migrations job my-phoenix-app-migrations-job"),
    ]
    rs.remove(run)
    assert found("migrations-before-traffic", rs) == [
        (job["name"], "the migrations job is created but never executed by a deploy"),
        (SERVICE_NAME, "does not wait for the migrations job my-phoenix-app-migrations-job"),
    ]


def test_a_token_on_the_job_still_counts_as_executing_it() -> None:
    rs = resources("gcp", "prod")
    rs.remove(one(rs, "command:local:Command"))
    job, service = one(rs, JOB), one(rs, SERVICE)
    job["inputs"]["runExecutionToken"] = "abc"
    service["dependencies"].append(job["urn"])
    assert found("migrations-before-traffic", rs) == []


def test_no_migrations_job_is_a_violation() -> None:
    rs = [r for r in resources("gcp", "prod") if r["type"] != JOB]
    assert found("migrations-before-traffic", rs) == [
        (SERVICE_NAME, "no Cloud Run job runs the release's migrations")
    ]


def test_fly_toml_without_release_command_is_a_violation() -> None:
    rs = resources("fly", "prod")
    edit_fly_toml(rs, lambda d: d.pop("deploy"))
    assert found("migrations-before-traffic", rs) == [
        (DEPLOY_NAME, "fly.toml has no [deploy] release_command to migrate")
    ]


# ---- phx-host-set ----


def test_missing_or_placeholder_phx_host_is_a_violation() -> None:
    rs = resources("gcp", "prod")
    env(rs, "PHX_HOST")["value"] = "example.com"
    assert found("phx-host-set", rs) == [
        (SERVICE_NAME, "PHX_HOST is 'example.com' in the service's env, not the app's host")
    ]
    drop_env(rs, "PHX_HOST")
    assert found("phx-host-set", rs) == [(SERVICE_NAME, "PHX_HOST is not set in the service's env")]
    fly = resources("fly", "prod")
    edit_fly_toml(fly, lambda d: d["env"].pop("PHX_HOST"))
    assert found("phx-host-set", fly) == [(DEPLOY_NAME, "PHX_HOST is not set in fly.toml [env]")]


# ---- secret-key-base-present ----


def test_missing_secret_key_base_is_a_violation() -> None:
    rs = resources("gcp", "prod")
    drop_env(rs, "SECRET_KEY_BASE")
    assert found("secret-key-base-present", rs) == [
        (SERVICE_NAME, "SECRET_KEY_BASE is not in the service's env; the release will not boot")
    ]


def test_fly_secret_map_as_the_engine_passes_it() -> None:
    rs = resources("fly", "prod")
    secrets = one(rs, FLY + "Secrets")
    assert secrets["inputs"]["values"] == "[secret]"  # plan cannot read names inside a secret
    # The pack receives the map in plain form.
    secrets["inputs"]["values"] = {"SECRET_KEY_BASE": "v", "RELEASE_COOKIE": "c"}
    assert found("secret-key-base-present", rs) == []
    secrets["inputs"]["values"] = {"RELEASE_COOKIE": "c"}
    assert found("secret-key-base-present", rs) == [
        ("my-phoenix-app-app", "SECRET_KEY_BASE is not among the app's secrets")
    ]
