"""Secrets are names, env vars are plain: names, reserved names, values that look like secrets,
PHX_HOST against domain, the three kinds of secret, and the warnings that do not block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfg_helpers import FLY, GCP, load, only_problem

from config import limits
from config.loader import warning_problems
from config.secrets import looks_like_secret_value, secret_name_problem

# ---- env var names -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["A", "_PRIVATE", "lower_case", "LOG_LEVEL", "X1", "MIX_ENV"])
def test_env_var_names_that_a_shell_accepts(name: str) -> None:
    assert load({**FLY, "env_vars": {name: "x"}}).env_vars == {name: "x"}


@pytest.mark.parametrize("name", ["1BAD", "MY-VAR", "MY VAR", "A.B", "ÉTÉ", "A=B"])
def test_env_var_names_that_a_shell_refuses(name: str) -> None:
    problem = only_problem({**FLY, "env_vars": {name: "x"}})
    assert (problem.key, problem.message) == (
        f"env_vars.{name}",
        f"{name!r} is not a valid environment variable name: use letters, digits and "
        "underscores, not starting with a digit",
    )


# ---- reserved names ----------------------------------------------------------------------------

FLY_RESERVED = (
    "is reserved: Fly sets it in every machine; read Fly's value in the app instead of setting one"
)
RESERVED: list[tuple[dict[str, Any], str, str]] = [
    *[(FLY, name, f"{name} {FLY_RESERVED}") for name in sorted(limits.FLY_RESERVED_ENV)],
    (GCP, "X_GOOGLE_THING", "X_GOOGLE_THING is reserved: gcp sets names starting with X_GOOGLE_"),
    (
        GCP,
        "GOOGLE_CLOUD_RUN_X",
        "GOOGLE_CLOUD_RUN_X is reserved: gcp sets names starting with GOOGLE_CLOUD_RUN_",
    ),
    *[
        (GCP, name, f"{name} is reserved by Cloud Run and set by the platform")
        for name in sorted(limits.CLOUD_RUN_RESERVED_ENV - set(limits.PROGRAM_ENV))
    ],
]


@pytest.mark.parametrize(("base", "name", "message"), RESERVED, ids=[n for _, n, _ in RESERVED])
@pytest.mark.parametrize("where", ["env_vars", "secrets"])
def test_names_the_platform_reserves_are_refused(
    base: dict[str, Any], name: str, message: str, where: str
) -> None:
    data = {**base, where: {name: "x"} if where == "env_vars" else [name]}
    problem = only_problem(data)
    assert problem.key == (f"env_vars.{name}" if where == "env_vars" else "secrets[0]")
    assert problem.message == message


def test_fly_reserves_what_machines_get_from_fly_and_flyctl() -> None:
    # fly.io/docs/machines/runtime-environment, and flyctl's appconfig/machines.go and
    # deploy/machines_launchinput.go: nothing more, so the app's own FLY_ names stay its own.
    assert {
        "FLY_APP_NAME", "FLY_MACHINE_ID", "FLY_ALLOC_ID", "FLY_REGION", "FLY_PUBLIC_IP",
        "FLY_IMAGE_REF", "FLY_MACHINE_VERSION", "FLY_PRIVATE_IP", "FLY_PROCESS_GROUP",
        "FLY_VM_MEMORY_MB", "FLY_STANDBY_FOR", "PRIMARY_REGION",
    } == limits.FLY_RESERVED_ENV  # fmt: skip


@pytest.mark.parametrize("name", ["FLY_API_TOKEN", "FLY_ORG", "FLY_MACHINE_POOL_SIZE"])
def test_fly_names_fly_does_not_set_are_the_apps_own(name: str) -> None:
    # FLAME's Fly backend reads FLY_API_TOKEN from the app's secrets.
    assert load({**FLY, "secrets": [name]}).secret_kinds()[name] == "supplied"


@pytest.mark.parametrize("name", ["K_SERVICE", "X_GOOGLE_THING"])
def test_cloud_run_reservations_do_not_apply_on_fly(name: str) -> None:
    load({**FLY, "env_vars": {name: "x"}})


@pytest.mark.parametrize(("name", "key"), sorted(limits.KEYED_ENV.items()))
@pytest.mark.parametrize("where", ["env_vars", "secrets"])
@pytest.mark.parametrize("base", [FLY, GCP], ids=["fly", "gcp"])
def test_names_this_program_sets_from_a_key_name_that_key(
    name: str, key: str, where: str, base: dict[str, Any]
) -> None:
    if base is GCP and name == "PORT":
        return  # Cloud Run reserves PORT itself
    data = {**base, where: {name: "1"} if where == "env_vars" else [name]}
    problem = only_problem(data)
    assert problem.message == f"{name} is set by this program from {key}; set {key} instead"


@pytest.mark.parametrize("where", ["env_vars", "secrets"])
def test_phx_server_is_always_set(where: str) -> None:
    data = {**FLY, where: {"PHX_SERVER": "1"} if where == "env_vars" else ["PHX_SERVER"]}
    assert only_problem(data).message == (
        "PHX_SERVER is set by this program (always true: the release serves HTTP only with it); "
        "remove it"
    )


@pytest.mark.parametrize("name", sorted(limits.FLY_CLUSTER_ENV))
def test_fly_clustering_names_are_refused_with_the_override_key(name: str) -> None:
    problem = only_problem({**FLY, "env_vars": {name: "x"}})
    assert problem.key == f"env_vars.{name}"
    assert problem.message == (
        f"{name} is {limits.FLY_CLUSTER_ENV[name]}; to set your own value, add "
        f"`overrides.program_env.{name}: <why>`"
    )
    problem = only_problem({**FLY, "secrets": [name]})
    assert problem.message.endswith(
        f"put {name} under env_vars and add `overrides.program_env.{name}: <why>`"
    )


def test_ecto_ipv6_false_with_an_override_is_the_apps_value_on_fly() -> None:
    from components.fly.settings import app_env

    cfg = load(
        {
            **FLY,
            "env_vars": {"ECTO_IPV6": "false"},
            "overrides": {"program_env": {"ECTO_IPV6": "external IPv4-only database"}},
        }
    )
    env = app_env(cfg, "my-app")
    assert env["ECTO_IPV6"] == "false"
    assert env["ERL_AFLAGS"] == "-proto_dist inet6_tcp"  # only the named one is overridden


@pytest.mark.parametrize("name", sorted(limits.FLY_CLUSTER_ENV))
@pytest.mark.parametrize("where", ["env_vars", "secrets"])
def test_gcp_sets_no_fly_clustering_names_so_the_app_may(name: str, where: str) -> None:
    data = {**GCP, where: {name: "x"} if where == "env_vars" else [name]}
    load(data)


def test_a_program_env_override_must_name_something_this_provider_sets() -> None:
    problem = only_problem(
        {
            **GCP,
            "env_vars": {"ECTO_IPV6": "false"},
            "overrides": {"program_env": {"ECTO_IPV6": "external IPv4-only database"}},
        }
    )
    assert (problem.key, problem.message) == (
        "overrides.program_env.ECTO_IPV6",
        "this program does not set ECTO_IPV6 on gcp, so env_vars alone sets it; remove the "
        "override",
    )
    problem = only_problem(
        {**FLY, "overrides": {"program_env": {"ECTO_IPV6": "external IPv4-only database"}}}
    )
    assert (problem.key, problem.message) == (
        "overrides.program_env.ECTO_IPV6",
        "ECTO_IPV6 is not in env_vars; set the value there as well",
    )


# ---- secret names, never values ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        (
            "DATABASE_URL=postgres://u:p@h/db",
            "secrets takes names only, not NAME=VALUE; list DATABASE_URL and set its value "
            "with `pulumi config set --secret DATABASE_URL`",
        ),
        ("=abc", "list the name and set its value with `pulumi config set --secret NAME`"),
        ("postgres://app:hunter2@db.example.com/app", "this looks like a secret value, not a name"),
        ("sk_live_51HxAbCdEfGhIjKlMnOp", "this looks like a secret value, not a name"),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "this looks like a secret value"),
        ("AKIAIOSFODNN7EXAMPLE", None),  # upper-case letters and digits: a valid *name*
        ("9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a", "this looks like a secret value"),
        ("kX9#mP2$vL5@nQ8&wR3!tY6^zB1*cF4%hJ7", "this looks like a secret value"),
        ("lower_case", "'lower_case' is not a secret name: use upper-case letters"),
        ("MY-SECRET", "'MY-SECRET' is not a secret name"),
        ("1PASSWORD", "'1PASSWORD' is not a secret name"),
    ],
)
def test_secret_entries_must_be_names(entry: str, fragment: str | None) -> None:
    if fragment is None:
        assert load({**FLY, "secrets": [entry]}).secrets == [entry]
        return
    problem = only_problem({**FLY, "secrets": [entry]})
    assert problem.key == "secrets[0]"
    assert fragment in problem.message
    # The message never echoes a value back: it could be a real secret.
    if "=" in entry or "looks like a secret value" in fragment:
        assert entry.split("=", 1)[-1] not in problem.message


def test_a_secret_listed_twice_is_refused_at_the_second() -> None:
    problem = only_problem({**FLY, "secrets": ["STRIPE_KEY", "OTHER", "STRIPE_KEY"]})
    assert (problem.key, problem.message) == ("secrets[2]", "secret STRIPE_KEY is listed twice")


def test_a_name_cannot_be_both_env_var_and_secret() -> None:
    problem = only_problem({**FLY, "env_vars": {"SMTP_HOST": "x"}, "secrets": ["SMTP_HOST"]})
    assert (problem.key, problem.message) == (
        "env_vars.SMTP_HOST",
        "SMTP_HOST is both an env var and a secret; keep it only under secrets",
    )


def test_secret_name_problem_refuses_non_text() -> None:
    assert secret_name_problem(42) == "secrets must be names, got 42"  # type: ignore[arg-type]


# ---- env values that look like secrets ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("DB", "postgres://user:hunter2@db.example.com/app", "its value is a URL with a password"),
        ("REDIS", "rediss://:pw@cache.internal:6379", "its value is a URL with a password in it"),
        ("PAY", "sk_live_abcdefghijklmnop", "its value is a Stripe key"),
        ("PAY", "rk_test_abcdefghijklmnop", "its value is a Stripe key"),
        ("GH", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "its value is a GitHub token"),
        ("AWS_ID", "AKIAIOSFODNN7EXAMPLE", "its value is an AWS access key id"),
        ("SLACK", "xoxb-1234567890-abcdefghij", "its value is a Slack token"),
        ("KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIE", "its value is a private key"),
        ("DEPLOY", "FlyV1 fm2_lJPECAAAAAAAA", "its value is a Fly token"),
        ("X", "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5", "its value is a long random token"),
        ("HOOK", "https://hooks.slack.com/services/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",
         "its value is a URL with a token in it"),
        ("MAPS", "https://maps.example.com/api/js?key=AIzaSyD-9tSrke72PouQMnMX", "its value is a "
         "URL with a credential in its query"),
    ],
)  # fmt: skip
def test_secret_looking_env_values_are_refused(name: str, value: str, reason: str) -> None:
    problem = only_problem({**FLY, "env_vars": {name: value}})
    assert problem.key == f"env_vars.{name}"
    assert problem.message.startswith(f"{name} looks like a secret ({reason}")
    assert problem.message.endswith(
        f"list {name} under `secrets:` and set its value with `pulumi config set --secret {name}`"
    )
    assert value not in problem.message


@pytest.mark.parametrize(
    ("name", "value"),
    [("API_TOKEN", "abc"), ("DB_PASSWORD", "changeme"), ("DASHBOARD_AUTH", "basic_auth")],
)
def test_a_name_that_says_secret_is_refused_naming_the_plain_env_override(
    name: str, value: str
) -> None:
    problem = only_problem({**FLY, "env_vars": {name: value}})
    assert (problem.key, problem.message) == (
        f"env_vars.{name}",
        f"{name} looks like a secret (its name says it holds a secret); list {name} under "
        f"`secrets:` and set its value with `pulumi config set --secret {name}`, or, if the "
        f"value is plain, add `overrides.plain_env.{name}: <why it is plain>`",
    )
    reason = "the auth scheme's name, not a credential"
    cfg = load({**FLY, "env_vars": {name: value}, "overrides": {"plain_env": {name: reason}}})
    assert cfg.env_vars[name] == value
    assert cfg.overrides.items() == [("plain_env", name, reason)]


@pytest.mark.parametrize(
    "value",
    [
        "postgres://user:hunter2@db.example.com/app",
        "sk_live_abcdefghijklmnop",
        "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5",
    ],
)
def test_plain_env_override_never_waives_a_secret_value(value: str) -> None:
    problem = only_problem(
        {
            **FLY,
            "env_vars": {"DASHBOARD_AUTH": value},
            "overrides": {"plain_env": {"DASHBOARD_AUTH": "the auth scheme, not a credential"}},
        }
    )
    assert problem.key == "env_vars.DASHBOARD_AUTH"
    assert "list DASHBOARD_AUTH under `secrets:`" in problem.message
    assert "overrides.plain_env" not in problem.message
    assert value not in problem.message


def test_plain_env_override_must_name_an_env_var_and_give_a_reason() -> None:
    problem = only_problem({**FLY, "overrides": {"plain_env": {"DASHBOARD_AUTH": "a scheme name"}}})
    assert (problem.key, problem.message) == (
        "overrides.plain_env.DASHBOARD_AUTH",
        "DASHBOARD_AUTH is not in env_vars; the override marks an env_vars value",
    )
    problem = only_problem(
        {
            **FLY,
            "env_vars": {"DASHBOARD_AUTH": "basic"},
            "overrides": {"plain_env": {"DASHBOARD_AUTH": " ok "}},
        }
    )
    assert (problem.key, problem.message) == (
        "overrides.plain_env.DASHBOARD_AUTH",
        "say why in a few words (at least 8 characters): plan and config print it next to the "
        "override",
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PHX_HOST", "my-phoenix-app.fly.dev"),
        ("LOG_LEVEL", "info"),
        ("CALLBACK_URL", "https://app.example.com/auth/callback"),
        ("DATABASE_SSL", "true"),
        ("SECRET_ROTATION_ENABLED", "false"),  # booleans say nothing secret
        ("RELEASE_NAME", "my_app"),
        ("CDN_HOST", "assets.eu-west-1.cdn.example.com"),
        # Each refused before #9: a URL without credentials is no secret, nor is a number, nor
        # a name whose last word is a setting about a secret.
        ("OTLP_ENDPOINT", "http://otel-collector.internal:4318"),
        ("GITHUB_CLIENT_REDIRECT_URI", "https://app.example.com/auth/github/callback"),
        ("ETH_RPC", "http://rpc.example.internal:8545"),
        ("API_RATE_LIMIT_UI_V2_TOKEN_TTL", "18000"),
        ("ACCOUNT_AUTH0_DOMAIN", "my-account.eu.auth0.com"),
        ("SESSION_COOKIE_MAX_AGE", "86400"),
    ],
)
def test_plain_env_values_pass(name: str, value: str) -> None:
    assert looks_like_secret_value(name, value) is None
    assert load({**FLY, "env_vars": {name: value}}).env_vars[name] == value


# ---- PHX_HOST and domain -----------------------------------------------------------------------


def test_domain_sets_phx_host() -> None:
    assert load({**FLY, "domain": "app.example.com"}).phx_host == "app.example.com"


def test_phx_host_alone_is_the_host() -> None:
    config = load({**FLY, "env_vars": {"PHX_HOST": "x.fly.dev"}})
    assert config.phx_host == "x.fly.dev"


def test_no_domain_and_no_phx_host_means_the_platform_url() -> None:
    assert load(FLY).phx_host is None


def test_phx_host_equal_to_domain_is_allowed() -> None:
    config = load({**FLY, "domain": "a.example.com", "env_vars": {"PHX_HOST": "a.example.com"}})
    assert config.phx_host == "a.example.com"


def test_phx_host_that_disagrees_with_domain_is_refused() -> None:
    problem = only_problem(
        {**FLY, "domain": "a.example.com", "env_vars": {"PHX_HOST": "b.example.com"}}
    )
    assert (problem.key, problem.message) == (
        "env_vars.PHX_HOST",
        "PHX_HOST (b.example.com) disagrees with domain (a.example.com); drop PHX_HOST: "
        "domain sets it",
    )


# ---- kinds of secret ---------------------------------------------------------------------------

TIGRIS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ENDPOINT_URL_S3",
    "AWS_REGION",
    "BUCKET_NAME",
)


@pytest.mark.parametrize(
    ("data", "derived"),
    [
        (FLY, ()),
        ({**FLY, "database": {}}, ("DATABASE_URL",)),
        ({**FLY, "cache": {}}, ("REDIS_URL",)),
        ({**FLY, "storage": {}}, TIGRIS),
        (
            {**FLY, "database": {}, "cache": {}, "storage": {}},
            ("DATABASE_URL", "REDIS_URL", *TIGRIS),
        ),
        ({**GCP, "database": {}}, ("DATABASE_URL",)),
        ({**GCP, "cache": {}}, ("REDIS_URL", "REDIS_CA_CERT")),
        # GCS is reached with the service's own identity: no credentials to derive.
        ({**GCP, "storage": {}}, ()),
    ],
    ids=[
        "fly-none",
        "fly-db",
        "fly-cache",
        "fly-tigris",
        "fly-all",
        "gcp-db",
        "gcp-cache",
        "gcp-gcs",
    ],
)
def test_derived_secrets_follow_the_enabled_resources(
    data: dict[str, Any], derived: tuple[str, ...]
) -> None:
    config = load(data)
    assert config.derived_secrets() == derived
    kinds = config.secret_kinds()
    assert {n for n, k in kinds.items() if k == "derived"} == set(derived)
    assert {n for n, k in kinds.items() if k == "generated"} == {
        "SECRET_KEY_BASE",
        "RELEASE_COOKIE",
    }
    assert config.supplied_secrets() == []


def test_listed_secrets_keep_their_kind_and_the_rest_are_supplied() -> None:
    config = load(
        {
            **FLY,
            "database": {},
            "secrets": ["DATABASE_URL", "SECRET_KEY_BASE", "REDIS_URL", "STRIPE_API_KEY"],
        }
    )
    kinds = config.secret_kinds()
    assert kinds["DATABASE_URL"] == "derived"
    assert kinds["SECRET_KEY_BASE"] == "generated"
    # No cache: nothing derives REDIS_URL, so the person must supply it.
    assert kinds["REDIS_URL"] == "supplied"
    assert kinds["STRIPE_API_KEY"] == "supplied"
    assert config.supplied_secrets() == ["REDIS_URL", "STRIPE_API_KEY"]


# ---- warnings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "stack", "expected"),
    [
        ({**GCP, "deployment": {"machines": {"count": 2}}}, None, ["cache"]),
        ({**GCP, "deployment": {"machines": {"count": 1}}}, None, ["cache"]),  # autoscales to 4
        ({**GCP, "deployment": {"machines": {"count": 1, "max_count": 1}}}, None, []),
        ({**GCP, "cache": {}}, None, []),
        ({**FLY, "deployment": {"machines": {"count": 3}}}, None, []),
        ({**FLY, "database": {"provider": "fly-postgres"}}, None, ["database.provider"]),
        ({**FLY, "database": {"provider": "fly-mpg"}}, None, []),
        ({**FLY, "deployment": {"machines": {"count": 1}}}, "prod", ["deployment.machines.count"]),
        ({**FLY, "deployment": {"machines": {"count": 1}}}, "dev", []),
        (
            {**FLY, "deployment": {"machines": {"count": 2, "max_count": 6}}},
            None,
            ["deployment.machines.max_count"],
        ),
    ],
)
def test_warnings_name_their_key(
    data: dict[str, Any], stack: str | None, expected: list[str]
) -> None:
    assert [key for key, _ in load(data, stack).warnings()] == expected


def test_warning_messages_say_what_to_do() -> None:
    gcp = dict(load({**GCP}).warnings())
    assert "add `cache: {type: redis}`" in gcp["cache"]
    fly = dict(load({**FLY, "database": {"provider": "fly-postgres"}}).warnings())
    assert fly["database.provider"] == (
        "Fly no longer supports unmanaged Fly Postgres; prefer 'fly-mpg' (Managed Postgres)"
    )


def test_warnings_are_placed_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "infera.yaml"
    path.write_text("project_name: app\nprovider: fly\ndatabase:\n  provider: fly-postgres\n")
    config = load({**FLY, "database": {"provider": "fly-postgres"}})
    [warning] = warning_problems(path, None, config)
    assert str(warning).startswith(f"{path}:4:3: database.provider: warning: Fly no longer")
