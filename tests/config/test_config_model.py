"""Every key of infera.yaml: a value it takes, and values it refuses with the message a person
sees. Provider limits, units, secrets and overlays have their own files beside this one."""

from __future__ import annotations

from typing import Any

import pytest
from cfg_helpers import FLY, GCP, SEED_YAML, load, load_text, only_problem, with_value

from config.errors import ConfigError
from config.model import InferaConfig

# (base, dotted key, value) that validates, and what the model then holds.
VALID: list[tuple[dict[str, Any], str, Any, Any]] = [
    (FLY, "project_name", "ab", "ab"),
    (FLY, "project_name", "a" * 30, "a" * 30),
    (FLY, "project_name", "my-app-2", "my-app-2"),
    (FLY, "provider", "fly", "fly"),
    (GCP, "provider", "gcp", "gcp"),
    (FLY, "production", True, True),
    (FLY, "production", False, False),
    (FLY, "framework.name", "phoenix", "phoenix"),
    (FLY, "framework.version", "1.7.14", "1.7.14"),
    (FLY, "framework.elixir_version", "1.17", "1.17"),
    (FLY, "app.path", "examples/my_app", "examples/my_app"),
    (FLY, "app.dockerfile", "Dockerfile.prod", "Dockerfile.prod"),
    (FLY, "app.image", "registry.example/app:1.2.3", "registry.example/app:1.2.3"),
    (FLY, "app.port", 8080, 8080),
    (FLY, "app.port", 65535, 65535),
    (FLY, "deployment.type", "container", "container"),
    (FLY, "deployment.region", "ams", "ams"),
    (GCP, "deployment.region", "europe-west1", "europe-west1"),
    (FLY, "deployment.machines.cpu", "performance-2x", None),  # memory must follow; see limits
    (FLY, "deployment.machines.memory", "1gb", 1024),
    (GCP, "deployment.machines.count", 0, 0),
    (FLY, "deployment.machines.count", 5, 5),
    (FLY, "deployment.machines.max_count", 10, 10),
    (FLY, "deployment.health_check.path", "/healthz", "/healthz"),
    (FLY, "deployment.health_check.interval", "30s", 30.0),
    (FLY, "deployment.health_check.timeout", "1500ms", 1.5),
    (FLY, "deployment.health_check.grace_period", "1m", 60.0),
    (FLY, "deployment.health_check.grace_period", 0, 0.0),
    (FLY, "deployment.concurrency.type", "requests", "requests"),
    (FLY, "deployment.concurrency.soft_limit", 1000, 1000),
    (FLY, "deployment.concurrency.hard_limit", 5000, 5000),
    (FLY, "deployment.kill_timeout", "300s", 300.0),
    (FLY, "deployment.public", False, False),
    (FLY, "deployment.dedicated_ipv4", True, True),
    (FLY, "database.type", "postgresql", "postgresql"),
    (FLY, "database.provider", "fly-mpg", "fly-mpg"),
    (GCP, "database.provider", "cloud-sql", "cloud-sql"),
    (FLY, "database.size", "2gb", 2048),
    (FLY, "database.disk", "40gb", 40960),
    (FLY, "database.version", 13, 13),
    (FLY, "database.version", 17, 17),
    (FLY, "database.pool_size", 1, 1),
    (FLY, "database.pool_size", 500, 500),
    (FLY, "database.high_availability", True, True),
    (GCP, "database.private_ip", True, True),
    (FLY, "database.plan", "launch", "launch"),
    (FLY, "cache.type", "redis", "redis"),
    (FLY, "cache.provider", "upstash", "upstash"),
    (GCP, "cache.provider", "memorystore", "memorystore"),
    (GCP, "cache.size", "5gb", 5120),
    (FLY, "cache.eviction", True, True),
    (FLY, "cache.plan", "pay-as-you-go", "pay-as-you-go"),
    (FLY, "storage.provider", "tigris", "tigris"),
    (GCP, "storage.provider", "gcs", "gcs"),
    (FLY, "storage.versioning", True, True),
    (FLY, "domain", "app.example.com", "app.example.com"),
    (FLY, "env_vars", {"LOG_LEVEL": "info"}, {"LOG_LEVEL": "info"}),
    # YAML types these; the process sees text.
    (FLY, "env_vars", {"WORKERS": 4, "FEATURE_X": True}, {"WORKERS": "4", "FEATURE_X": "true"}),
    (FLY, "secrets", ["STRIPE_API_KEY"], ["STRIPE_API_KEY"]),
    (FLY, "environments", {"prod": {"domain": "x.example.com"}}, None),
]


def _get(config: InferaConfig, dotted: str) -> Any:
    node: Any = config
    for part in dotted.split("."):
        node = getattr(node, part)
    return node


@pytest.mark.parametrize(
    ("base", "key", "value", "held"), VALID, ids=[f"{k}={v!r}" for _, k, v, _ in VALID]
)
def test_each_key_accepts_a_valid_value(
    base: dict[str, Any], key: str, value: Any, held: Any
) -> None:
    data = with_value(base, key, value)
    if key == "deployment.machines.cpu":
        data = with_value(data, "deployment.machines.memory", "4gb")
    config = load(data)
    if held is not None:
        assert _get(config, key) == held


# (base, dotted key, value, reported key, message fragment).
INVALID: list[tuple[dict[str, Any], str, Any, str, str]] = [
    (FLY, "project_name", "My_App", "project_name", "is not a valid app name"),
    (FLY, "project_name", "a", "project_name", "is not a valid app name"),
    (FLY, "project_name", "a" * 31, "project_name", "is not a valid app name"),
    (FLY, "project_name", "app-", "project_name", "not ending with a dash"),
    (FLY, "project_name", "1app", "project_name", "starting with a letter"),
    (FLY, "project_name", 42, "project_name", "expected text, got 42"),
    (FLY, "provider", "aws", "provider", "'aws' is not one of 'fly', 'gcp'"),
    (FLY, "provider", "fyl", "provider", "did you mean 'fly'?"),
    (FLY, "production", "maybe", "production", "expected true or false, got 'maybe'"),
    (FLY, "production", 1, "production", "expected true or false, got 1"),
    (FLY, "framework", "phoenix", "framework", "expected a mapping"),
    (FLY, "framework.name", "rails", "framework.name", "'rails' is not one of 'phoenix'"),
    (FLY, "framework.version", 1.7, "framework.version", "quote it if it looks like a number"),
    (FLY, "framework.version", "1.x", "framework.version", "Phoenix 1.5 or later"),
    (FLY, "framework.elixir_version", "latest", "framework.elixir_version", "like '1.16'"),
    (FLY, "app.path", 5, "app.path", "expected text, got 5"),
    (FLY, "app.dockerfile", ["Dockerfile"], "app.dockerfile", "expected text, got a list"),
    (FLY, "app.image", "", "app.image", "cannot be empty or contain spaces"),
    (FLY, "app.image", "ghcr.io/a/b :1", "app.image", "cannot be empty or contain spaces"),
    (FLY, "framework.version", "1.4", "framework.version", "Phoenix 1.5 or later"),
    (
        FLY,
        "deployment.health_check.timeout",
        "500ms",
        "deployment.health_check.timeout",
        "at least 1s",
    ),
    (
        FLY,
        "deployment.machines.count",
        1001,
        "deployment.machines.count",
        "less than or equal to 1000",
    ),
    (FLY, "app.port", 0, "app.port", "greater than or equal to 1"),
    (FLY, "app.port", 70000, "app.port", "less than or equal to 65535"),
    (FLY, "app.port", "4000", "app.port", "expected a whole number, got '4000'"),
    (FLY, "app.port", True, "app.port", "expected a whole number, got true"),
    (FLY, "deployment.type", "vm", "deployment.type", "'vm' is not one of 'container'"),
    (FLY, "deployment.machines", [1], "deployment.machines", "expected a mapping"),
    (FLY, "deployment.machines.count", -1, "deployment.machines.count", "greater than or equal"),
    (FLY, "deployment.machines.count", 2.5, "deployment.machines.count", "a whole number"),
    (FLY, "deployment.machines.count", True, "deployment.machines.count", "got true"),
    (FLY, "deployment.machines.max_count", 0, "deployment.machines.max_count", "greater than"),
    (
        FLY,
        "deployment.health_check.path",
        "health",
        "deployment.health_check.path",
        "must start with '/'",
    ),
    (
        FLY,
        "deployment.health_check.interval",
        "0s",
        "deployment.health_check.interval",
        "at least 1s",
    ),
    (
        FLY,
        "deployment.health_check.timeout",
        "0s",
        "deployment.health_check.timeout",
        "at least 1s",
    ),
    (
        FLY,
        "deployment.health_check.grace_period",
        "soon",
        "deployment.health_check.grace_period",
        "'soon' is not a duration",
    ),
    (FLY, "deployment.concurrency.type", "sockets", "deployment.concurrency.type", "not one of"),
    (FLY, "deployment.concurrency.soft_limit", 0, "deployment.concurrency.soft_limit", "greater"),
    (FLY, "deployment.concurrency.hard_limit", 0, "deployment.concurrency.hard_limit", "greater"),
    (FLY, "deployment.kill_timeout", "0s", "deployment.kill_timeout", "at least 1s"),
    (FLY, "deployment.kill_timeout", "301s", "deployment.kill_timeout", "less than or equal"),
    (FLY, "deployment.public", "no", "deployment.public", "expected true or false, got 'no'"),
    (FLY, "deployment.dedicated_ipv4", 1, "deployment.dedicated_ipv4", "true or false, got 1"),
    (FLY, "deployment.colour", "blue", "deployment.colour", "unknown key 'colour'"),
    (FLY, "database", "postgres", "database", "expected a mapping"),
    (FLY, "database.type", "mysql", "database.type", "'mysql' is not one of 'postgresql'"),
    (FLY, "database.provider", "fly-pg", "database.provider", "did you mean"),
    (FLY, "database.size", "big", "database.size", "'big' is not a size"),
    (FLY, "database.disk", "0gb", "database.disk", "not a whole number of MiB"),
    (FLY, "database.version", 12, "database.version", "greater than or equal to 13"),
    (FLY, "database.version", 18, "database.version", "less than or equal to 17"),
    (FLY, "database.pool_size", 0, "database.pool_size", "greater than or equal to 1"),
    (FLY, "database.pool_size", 501, "database.pool_size", "less than or equal to 500"),
    (FLY, "database.high_availability", "yes", "database.high_availability", "true or false"),
    (FLY, "database.private_ip", True, "database.private_ip", "applies to Cloud SQL only"),
    (
        FLY,
        "database.plan",
        3,
        "database.plan",
        "3 is not one of 'basic', 'starter', 'launch', 'scale'",
    ),
    (FLY, "database.plan", "lanch", "database.plan", "did you mean 'launch'?"),
    (FLY, "deployment.machines.count", 0, "deployment.machines.count", "0 means the app is down"),
    (
        GCP,
        "env_vars.PHX_HOST",
        "app.fly.dev",
        "env_vars.PHX_HOST",
        "is a Fly host, but provider is 'gcp'",
    ),
    (FLY, "env_vars.PHX_HOST", "app-x.a.run.app", "env_vars.PHX_HOST", "is a Cloud Run host"),
    (
        FLY,
        "deployment.region",
        "IAD",
        "deployment.region",
        "region codes are lower case: use 'iad'",
    ),
    (FLY, "cache.type", "memcached", "cache.type", "'memcached' is not one of 'redis'"),
    (FLY, "cache.provider", "upstsh", "cache.provider", "did you mean 'upstash'?"),
    (FLY, "cache.size", "lots", "cache.size", "'lots' is not a size"),
    (FLY, "cache.eviction", "on", "cache.eviction", "true or false"),
    (FLY, "storage.provider", "s3", "storage.provider", "'s3' is not one of 'tigris', 'gcs'"),
    (FLY, "storage.versioning", "always", "storage.versioning", "true or false"),
    (FLY, "domain", "not a host", "domain", "is not a host name"),
    (FLY, "domain", "https://app.example.com", "domain", "is not a host name"),
    (FLY, "env_vars", ["A=1"], "env_vars", "expected a mapping"),
    (FLY, "env_vars", {"NESTED": {"A": 1}}, "env_vars.NESTED", "expected text, got a mapping"),
    (FLY, "secrets", "FOO", "secrets", "expected a list"),
    (FLY, "secrets", [{"A": 1}], "secrets[0]", "expected text, got a mapping"),
    (FLY, "environments", ["prod"], "environments", "expected a mapping of stack names"),
    (FLY, "environments", {"prod": [1]}, "environments.prod", "overlay must be a mapping"),
    (FLY, "environments", {"bad name!": {}}, "environments.bad name!", "not a valid Pulumi stack"),
    (FLY, "environments", {"prod": {"environments": {}}}, "environments.prod", "cannot be nested"),
    (FLY, "flavour", "x", "flavour", "unknown key 'flavour'; allowed here: project_name"),
    (FLY, "projectname", "x", "projectname", "did you mean 'project_name'?"),
]


@pytest.mark.parametrize(
    ("base", "key", "value", "reported", "fragment"),
    INVALID,
    ids=[f"{k}={v!r}" for _, k, v, _, _ in INVALID],
)
def test_each_key_refuses_an_invalid_value_with_one_placed_problem(
    base: dict[str, Any], key: str, value: Any, reported: str, fragment: str
) -> None:
    problem = only_problem(with_value(base, key, value))
    assert problem.key == reported
    assert fragment in problem.message
    assert problem.file == "infera.yaml"


def test_required_keys_are_reported_missing() -> None:
    problem = only_problem({"provider": "fly"})
    assert (problem.key, problem.message) == ("project_name", "required key is missing")
    problem = only_problem({"project_name": "app"})
    assert (problem.key, problem.message) == ("provider", "required key is missing")


def test_the_seed_config_loads_unchanged_with_its_values() -> None:
    config = load_text(SEED_YAML)
    assert config.project_name == "my-phoenix-app"
    assert config.provider == "fly"
    assert config.deployment.machines.cpu == "shared-cpu-2x"
    assert config.deployment.machines.memory == 512
    assert config.deployment.machines.count == 2
    assert config.deployment.health_check.interval == 10.0
    assert config.database is not None and config.database.provider == "fly-postgres"
    assert config.database.size == 1024
    assert config.cache is not None and config.cache.provider == "upstash"
    assert config.env_vars == {"PHX_HOST": "my-phoenix-app.fly.dev"}
    assert config.secrets == ["DATABASE_URL", "SECRET_KEY_BASE", "REDIS_URL"]


@pytest.mark.parametrize(
    ("base", "region", "cpu", "memory", "database", "cache", "storage"),
    [
        (FLY, "iad", "shared-cpu-2x", 512, "fly-mpg", "upstash", "tigris"),
        (GCP, "us-central1", "2", 2048, "cloud-sql", "memorystore", "gcs"),
    ],
)
def test_provider_defaults_fill_what_is_left_out(
    base: dict[str, Any],
    region: str,
    cpu: str,
    memory: int,
    database: str,
    cache: str,
    storage: str,
) -> None:
    config = load({**base, "database": {}, "cache": {}, "storage": {}})
    assert config.deployment.region == region
    assert (config.deployment.machines.cpu, config.deployment.machines.memory) == (cpu, memory)
    assert config.database is not None and config.database.provider == database
    assert config.cache is not None and config.cache.provider == cache
    assert config.storage is not None and config.storage.provider == storage


def test_documented_defaults_hold_when_keys_are_left_out() -> None:
    config = load(FLY)
    assert (config.app.path, config.app.dockerfile, config.app.image, config.app.port) == (
        ".",
        "Dockerfile",
        None,
        4000,
    )
    hc = config.deployment.health_check
    assert (hc.path, hc.interval, hc.timeout, hc.grace_period) == ("/health", 10.0, 2.0, 10.0)
    cc = config.deployment.concurrency
    assert (cc.type, cc.soft_limit, cc.hard_limit) == ("connections", 800, 1000)
    assert config.deployment.machines.count == 2
    assert config.max_instances == 8  # max(count, 1) * 4
    assert (config.database, config.cache, config.storage, config.domain) == (None,) * 4
    assert (config.env_vars, config.secrets, config.production) == ({}, [], None)


def test_max_instances_follows_max_count_or_four_times_count() -> None:
    assert load(with_value(FLY, "deployment.machines.max_count", 3)).max_instances == 3
    assert load(with_value(GCP, "deployment.machines.count", 0)).max_instances == 4
    assert load(with_value(FLY, "deployment.machines.count", 3)).max_instances == 12


@pytest.mark.parametrize(
    ("stack", "production"), [(None, None), ("dev", False), ("prod", True), ("production", True)]
)
def test_production_defaults_from_the_stack_name(stack: str | None, production: bool) -> None:
    assert load(FLY, stack).production is production


def test_an_explicit_production_wins_over_the_stack_name() -> None:
    assert load({**FLY, "production": False}, "prod").is_production is False


def test_models_are_frozen() -> None:
    config = load(FLY)
    with pytest.raises(ValueError, match="frozen"):
        config.project_name = "other"  # type: ignore[misc]


def test_switching_provider_lists_every_section_that_must_follow() -> None:
    text = (
        "project_name: app\nprovider: gcp\ndatabase:\n  provider: fly-postgres\n"
        "cache:\n  provider: upstash\nstorage:\n  provider: tigris\n"
    )
    with pytest.raises(ConfigError) as err:
        load_text(text)
    assert [(p.key, p.line) for p in err.value.problems] == [
        ("database.provider", 4),
        ("cache.provider", 6),
        ("storage.provider", 8),
    ]


def test_tigris_versioning_is_a_warning_not_silence() -> None:
    config = load({**FLY, "storage": {"provider": "tigris", "versioning": True}})
    assert dict(config.warnings())["storage.versioning"].startswith("has no effect on Tigris")


# ---- Phoenix versions (#9 point 6) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "has_gen_release"),
    [("1.5", False), ("1.5.14", False), ("1.6.0", False), ("1.6.2", False), ("1.6", True),
     ("1.6.3", True), ("1.7", True), ("1.7.14", True), ("1.8", True)],
)  # fmt: skip
def test_phoenix_1_5_and_later_are_accepted_and_the_old_ones_warned(
    version: str, has_gen_release: bool
) -> None:
    cfg = load({**FLY, "framework": {"version": version}})
    assert cfg.framework.version == version
    assert cfg.framework.has_gen_release is has_gen_release
    warned = [m for k, m in cfg.warnings() if k == "framework.version"]
    if has_gen_release:
        assert warned == []
    else:
        assert warned == [
            f"Phoenix {version} has no `mix phx.gen.release` (added in 1.6.3): the release needs "
            "rel/overlays/bin/server, rel/overlays/bin/migrate and a release module with "
            "migrate/0; `phxstack init --generate` writes them, or upgrade to 1.6.3+ and run "
            "`mix phx.gen.release`"
        ]
