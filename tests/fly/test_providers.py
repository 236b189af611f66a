"""Each dynamic provider's lifecycle against the fake flyctl, with the exact argv it runs.

Invariants: create returns the natural id and every output; diff with equal inputs reports no
change; update touches only what changed; read supports refresh; delete is idempotent.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from pulumi.output import Unknown

from components.fly import providers as p
from components.fly.cli import FlyctlError
from tests.fakes.fake_flyctl import digest as fake_digest
from tests.fly.conftest import FAST, FlyEnv

APP = "demo-app"


def make_app(name: str = APP) -> dict[str, Any]:
    props = {"name": name, "org": "personal"}
    return p.AppProvider(FAST).create(props).outs


def deploy_props(app: str = APP) -> dict[str, Any]:
    return {
        "app": app,
        "config": f'app = "{app}"\nprimary_region = "iad"\n',
        "trigger": "t1",
        "image": "registry.example/demo:1",
        "build_path": None,
        "dockerfile": "Dockerfile",
        "strategy": "rolling",
        "wait_timeout": "5m",
    }


def deploy_once(tmp: Path, app: str = APP) -> dict[str, Any]:
    return p.DeployProvider(FAST).create(deploy_props(app)).outs


# --------------------------------------------------------------------------- App
def test_app_lifecycle_create_diff_read_delete_twice(fly_env: FlyEnv) -> None:
    prov = p.AppProvider(FAST)
    props = {"name": APP, "org": "personal"}
    created = prov.create(props)
    assert created.id == APP
    assert created.outs == {
        "name": APP,
        "org": "personal",
        "hostname": f"{APP}.fly.dev",
        "app_id": APP,
    }
    assert fly_env.calls() == [["apps", "create", APP, "--org", "personal", "--json"]]

    assert prov.diff(APP, created.outs, dict(props)).changes is False
    renamed = prov.diff(APP, created.outs, {**props, "name": "other-app"})
    assert (renamed.changes, renamed.replaces, renamed.delete_before_replace) == (
        True,
        ["name"],
        True,
    )

    read = prov.read(APP, created.outs)
    assert (read.id, read.outs, read.inputs) == (APP, created.outs, props)

    mark = fly_env.mark()
    prov.delete(APP, created.outs)
    prov.delete(APP, created.outs)
    assert fly_env.since(mark) == [["apps", "destroy", APP, "--yes"]] * 2
    assert prov.read(APP, created.outs).id == ""


def test_app_create_adopts_our_own_app_left_by_an_interrupted_run(fly_env: FlyEnv) -> None:
    first = make_app()
    again = p.AppProvider(FAST).create({"name": APP, "org": "personal"})
    assert again.outs == first
    assert fly_env.calls()[1:] == [
        ["apps", "create", APP, "--org", "personal", "--json"],
        ["status", "--app", APP, "--json"],
    ]


def test_app_create_refuses_a_name_someone_else_holds(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_TAKEN_NAMES", APP)
    with pytest.raises(FlyctlError) as err:
        p.AppProvider(FAST).create({"name": APP, "org": "personal"})
    assert err.value.kind == "permanent"
    assert err.value.message.startswith("Validation failed: Name has already been taken")


def test_app_create_adopts_after_a_name_race_answered_with_generic_text(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_app()
    # Only the name_taken code (printed as fly-go's suggestion) says what happened.
    monkeypatch.setenv("FLYCTL_FAKE_NAME_TAKEN_TEXT", "failed to create app")
    again = p.AppProvider(FAST).create({"name": APP, "org": "personal"})
    assert again.outs == first
    assert fly_env.calls()[-1] == ["status", "--app", APP, "--json"]


def test_app_check_names_the_bad_field() -> None:
    result = p.AppProvider(FAST).check({}, {"name": "Bad_Name", "org": ""})
    assert [(f.property, f.reason) for f in result.failures] == [
        ("org", "org is required"),
        ("name", "'Bad_Name' is not a Fly app name: lowercase letters, digits, dashes"),
    ]


def test_providers_pickle_because_pulumi_stores_them_in_state() -> None:
    for cls in (
        p.AppProvider, p.SecretsProvider, p.PostgresProvider, p.RedisProvider,
        p.StorageProvider, p.DeployProvider, p.ScaleProvider, p.IpProvider, p.CertProvider,
    ):  # fmt: skip
        clone = pickle.loads(pickle.dumps(cls(FAST)))
        assert clone.runner == FAST


# --------------------------------------------------------------------------- Secrets
def fake_secret_digests(app: str) -> dict[str, str]:
    listed = p.SecretsProvider(FAST)._json(["secrets", "list", "--app", app, "--json"])
    return {item["name"]: item["digest"] for item in listed}


def test_secrets_lifecycle_values_on_stdin_digests_in_state(fly_env: FlyEnv) -> None:
    make_app()
    canary = "canary-value-7d1e"
    prov = p.SecretsProvider(FAST)
    props = prov.check({}, {"app": APP, "values": {"A": "one", "CANARY": canary}}).inputs
    mark = fly_env.mark()
    created = prov.create(props)
    assert fly_env.since(mark) == [["secrets", "import", "--app", APP, "--stage"]]
    assert created.outs == {
        "app": APP,
        "stage": True,
        "digests": {"A": p.digest("A", "one"), "CANARY": p.digest("CANARY", canary)},
    }
    assert canary not in repr(created.outs)
    assert canary not in fly_env.log.read_text()
    assert fake_secret_digests(APP) == {"A": fake_digest("one"), "CANARY": fake_digest(canary)}

    assert prov.diff(created.id, created.outs, props).changes is False
    news = prov.check(created.outs, {"app": APP, "values": {"A": "two", "B": "b"}}).inputs
    assert prov.diff(created.id, created.outs, news).changes is True

    mark = fly_env.mark()
    updated = prov.update(created.id, created.outs, news)
    assert fly_env.since(mark) == [
        ["secrets", "unset", "CANARY", "--app", APP, "--stage"],
        ["secrets", "import", "--app", APP, "--stage"],
    ]
    assert updated.outs["digests"] == {"A": p.digest("A", "two"), "B": p.digest("B", "b")}
    assert fake_secret_digests(APP) == {"A": fake_digest("two"), "B": fake_digest("b")}

    read = prov.read(created.id, updated.outs)
    assert read.outs == updated.outs

    mark = fly_env.mark()
    prov.delete(created.id, updated.outs)
    prov.delete(created.id, updated.outs)
    assert fly_env.since(mark) == [["secrets", "unset", "A", "B", "--app", APP, "--stage"]] * 2
    assert fake_secret_digests(APP) == {}


def test_secrets_read_drops_names_removed_outside_pulumi(fly_env: FlyEnv) -> None:
    make_app()
    prov = p.SecretsProvider(FAST)
    created = prov.create({"app": APP, "values": {"A": "1", "B": "2"}, "stage": True})
    prov._run(["secrets", "unset", "B", "--app", APP])
    read = prov.read(created.id, created.outs)
    assert read.outs["digests"] == {"A": p.digest("A", "1")}
    news = {"app": APP, "values": {"A": "1", "B": "2"}, "stage": True}
    assert prov.diff(created.id, read.outs, news).changes is True


@pytest.mark.parametrize(
    "value",
    ["plain", "  leading spaces", "trailing ", "has # hash", '"quoted"', "'single'",
     "multi\nline\nvalue", "a=b=c", "ünïcode ✓", "p@ss#w0rd", "https://x/#frag", "#x",
     'a"""b', 'odd"quote#hash', "", "trailing cr\r"],
)  # fmt: skip
def test_secret_values_reach_fly_unchanged_through_the_import_parser(
    fly_env: FlyEnv, value: str
) -> None:
    make_app()
    p.SecretsProvider(FAST).create({"app": APP, "values": {"S": value}, "stage": True})
    assert fake_secret_digests(APP) == {"S": fake_digest(value)}


def test_secrets_import_error_quoting_stdin_is_redacted(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    make_app()
    canary = "canary-3b8e0d5a-never-print-me"
    # Call 2 is the import: the fake fails it as flyctl's stdin parser does, quoting the line.
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "2:parse")
    with pytest.raises(FlyctlError) as err:
        p.SecretsProvider(FAST).create({"app": APP, "values": {"TOKEN": canary}, "stage": True})
    assert fly_env.calls()[1] == ["secrets", "import", "--app", APP, "--stage"]
    assert err.value.message == (
        "Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs "
        '(TOKEN="""[REDACTED]""" is invalid)'
    )
    places = {
        "error": str(err.value) + repr(err.value) + repr(err.value.args),
        "argv": repr(err.value.argv) + fly_env.log.read_text(),
        "log lines": caplog.text,
        "fake state": "".join(f.read_text() for f in fly_env.state.iterdir() if f.is_file()),
    }
    for where, text in places.items():
        assert canary not in text, where


def test_secrets_check_refuses_bad_names_without_quoting_values() -> None:
    result = p.SecretsProvider(FAST).check(
        {}, {"app": APP, "values": {"bad-name": "v", "X": 'a"""b', "Y": "y" * 70_000}}
    )
    reasons = [f.reason.split(":")[0] for f in result.failures]
    assert reasons == ["'bad-name' is not a secret name", "Y's value cannot reach Fly intact"]


def test_secrets_check_and_diff_take_values_unknown_at_preview() -> None:
    # Under the Pulumi CLI the dynamic-provider host hands an unknown over as a
    # pulumi.output.Unknown (pulumi/dynamic/__main__.py deserialises with keep_unknowns), and
    # the values map is wholly unknown while a generated secret (RELEASE_COOKIE) is.
    provider = p.SecretsProvider(FAST)
    news = {"app": APP, "values": Unknown()}
    result = provider.check({}, news)
    assert result.failures == []
    assert isinstance(result.inputs["values"], Unknown)
    diff = provider.diff(APP, {"app": APP, "digests": {"X": "d"}}, result.inputs)
    assert diff.changes is True
    assert diff.replaces == []


# --------------------------------------------------------------------------- Postgres
def mpg_props(**over: Any) -> dict[str, Any]:
    props = {
        "app": APP, "kind": "mpg", "name": f"{APP}-db", "org": "personal", "region": "iad",
        "volume_size_gb": 10, "pg_major_version": 16, "plan": "basic",
        "vm_size": "shared-cpu-1x", "vm_memory_mb": 1024, "cluster_size": 1,
    }  # fmt: skip
    return {**props, **over}


def test_mpg_lifecycle_creates_attaches_and_keeps_the_url_secret_side(fly_env: FlyEnv) -> None:
    make_app()
    prov = p.PostgresProvider(FAST)
    props = mpg_props()
    mark = fly_env.mark()
    created = prov.create(props)
    cid = created.id
    assert fly_env.since(mark) == [
        ["mpg", "list", "--org", "personal", "--json"],
        ["mpg", "create", "--name", f"{APP}-db", "--org", "personal", "--region", "iad",
         "--plan", "basic", "--volume-size", "10", "--pg-major-version", "16"],
        ["mpg", "attach", cid, "--app", APP],
    ]  # fmt: skip
    assert created.outs["cluster_id"] == cid
    assert created.outs["connection_string"].startswith("postgresql://fly-user:")
    assert "DATABASE_URL" in fake_secret_digests(APP)

    assert prov.diff(cid, created.outs, props).changes is False
    moved = prov.diff(cid, created.outs, mpg_props(region="fra"))
    assert (moved.replaces, moved.delete_before_replace) == (["region"], True)
    refused = prov.check(props, mpg_props(plan="launch"))
    assert [(f.property, f.reason) for f in refused.failures] == [
        (
            "plan",
            "plan cannot change from 'basic' to 'launch' with flyctl; change it in the Fly "
            "dashboard, then here",
        )
    ]

    read = prov.read(cid, created.outs)
    assert (read.id, read.outs) == (cid, created.outs)

    mark = fly_env.mark()
    prov.delete(cid, created.outs)
    prov.delete(cid, created.outs)
    step = [
        ["secrets", "unset", "DATABASE_URL", "--app", APP, "--stage"],
        ["mpg", "destroy", cid, "--yes"],
    ]
    assert fly_env.since(mark) == step * 2
    assert prov.read(cid, created.outs).id == ""


def mpg_created(fly_env: FlyEnv) -> tuple[p.PostgresProvider, Any]:
    make_app()
    prov = p.PostgresProvider(FAST)
    return prov, prov.create(mpg_props())


def test_mpg_read_confirms_not_found_with_mpg_list_before_dropping_the_cluster(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    prov, created = mpg_created(fly_env)
    cid = created.id
    # flyctl reports the failed lookup (a 5xx, say) as `managed postgres cluster "ID" not found`.
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", f"{fly_env.mark() + 1}:lookup")
    mark = fly_env.mark()
    read = prov.read(cid, created.outs)
    assert (read.id, read.outs) == (cid, created.outs)
    assert fly_env.since(mark) == [
        ["mpg", "status", cid, "--json"],
        ["mpg", "list", "--org", "personal", "--json"],
        ["mpg", "status", cid, "--json"],
    ]


def test_mpg_read_of_a_cluster_that_is_really_gone_drops_it(fly_env: FlyEnv) -> None:
    prov, created = mpg_created(fly_env)
    state = json.loads((fly_env.state / "state.json").read_text())
    state["mpg"] = {}
    (fly_env.state / "state.json").write_text(json.dumps(state))
    assert prov.read(created.id, created.outs).id == ""


def test_mpg_delete_confirms_not_found_with_mpg_list_instead_of_orphaning_the_cluster(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    prov, created = mpg_created(fly_env)
    cid = created.id
    # Call 2 of the delete is `mpg destroy`; its lookup fails.
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", f"{fly_env.mark() + 2}:lookup")
    mark = fly_env.mark()
    prov.delete(cid, created.outs)
    assert fly_env.since(mark) == [
        ["secrets", "unset", "DATABASE_URL", "--app", APP, "--stage"],
        ["mpg", "destroy", cid, "--yes"],
        ["mpg", "list", "--org", "personal", "--json"],
        ["mpg", "destroy", cid, "--yes"],
    ]
    state = json.loads((fly_env.state / "state.json").read_text())
    assert state["mpg"][cid]["status"] == "deleting"


def test_mpg_lookup_failing_every_time_is_an_error_not_a_deleted_cluster(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    prov, created = mpg_created(fly_env)
    first = fly_env.mark() + 1
    # Every `mpg status` fails its lookup (calls alternate status, list).
    fails = ",".join(f"{first + 2 * i}:lookup" for i in range(FAST.retries + 1))
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", fails)
    with pytest.raises(FlyctlError) as err:
        prov.read(created.id, created.outs)
    assert err.value.kind == "transient"
    assert err.value.message.startswith(
        f'managed postgres cluster "{created.id}" not found, yet `mpg list --org personal` '
        "shows it (ready)"
    )


def test_mpg_replacement_never_adopts_the_cluster_whose_destroy_is_scheduled(
    fly_env: FlyEnv,
) -> None:
    prov, created = mpg_created(fly_env)
    prov.delete(created.id, created.outs)
    assert prov.read(created.id, created.outs).id == ""
    mark = fly_env.mark()
    again = prov.create(mpg_props())
    assert again.id != created.id
    assert [c[:2] for c in fly_env.since(mark)] == [
        ["mpg", "list"], ["mpg", "create"], ["mpg", "attach"],
    ]  # fmt: skip


def test_mpg_check_refuses_versions_managed_postgres_does_not_run() -> None:
    result = p.PostgresProvider(FAST).check({}, mpg_props(pg_major_version=15))
    assert [f.property for f in result.failures] == ["pg_major_version"]


@pytest.mark.parametrize("plan", ["performance", "Performance", "Basic", "pro", ""])
def test_mpg_check_refuses_plans_flyctl_would_silently_turn_into_basic(plan: str) -> None:
    # Non-interactive `mpg create --plan X` with an unknown X creates a basic cluster; the
    # `performance` key is stored capitalised, so no spelling of it is found either.
    result = p.PostgresProvider(FAST).check({}, mpg_props(plan=plan))
    assert [(f.property, f.reason) for f in result.failures] == [
        (
            "plan",
            f"{plan!r} is not a Managed Postgres plan flyctl can create; "
            "use basic, starter, launch or scale",
        )
    ]


def test_unmanaged_postgres_check_ignores_the_mpg_plan() -> None:
    assert p.PostgresProvider(FAST).check({}, mpg_props(kind="unmanaged", plan="")).failures == []


@pytest.mark.parametrize("plan", ["performance", "pro", "Basic"])
def test_database_plan_outside_the_real_mpg_plans_is_refused_in_config(plan: str) -> None:
    from pydantic import ValidationError

    from config.model import Database

    with pytest.raises(ValidationError) as err:
        Database.model_validate({"provider": "fly-mpg", "plan": plan})
    assert err.value.errors()[0]["loc"] == ("plan",)
    assert err.value.errors()[0]["type"] == "literal_error"
    assert Database.model_validate({"plan": "scale"}).plan == "scale"


def test_mpg_create_resumes_after_attach_failed_without_a_second_cluster(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_app()
    # Calls: 1 apps create, 2 mpg list, 3 mpg create, 4 mpg attach (fails for good).
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "4:permanent")
    prov = p.PostgresProvider(FAST)
    with pytest.raises(FlyctlError) as err:
        prov.create(mpg_props())
    assert err.value.kind == "permanent"
    monkeypatch.delenv("FLYCTL_FAKE_FAIL")
    mark = fly_env.mark()
    created = prov.create(mpg_props())
    assert fly_env.since(mark) == [
        ["mpg", "list", "--org", "personal", "--json"],
        ["mpg", "attach", created.id, "--app", APP],
    ]
    clusters = prov._json(["mpg", "list", "--org", "personal", "--json"])
    assert [c["name"] for c in clusters] == [f"{APP}-db"]


def test_mpg_create_resumes_when_an_earlier_attach_set_the_secret_but_left_no_record(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_app()
    prov = p.PostgresProvider(FAST)
    # The attach sets DATABASE_URL, but its attachment record fails (only a warning); then
    # the run is cut off, so Pulumi never records the cluster.
    monkeypatch.setenv("FLYCTL_FAKE_MPG_ATTACHMENT_FAIL", "1")
    first = prov.create(mpg_props())
    monkeypatch.delenv("FLYCTL_FAKE_MPG_ATTACHMENT_FAIL")
    cid = first.id
    mark = fly_env.mark()
    resumed = prov.create(mpg_props())
    assert fly_env.since(mark) == [
        ["mpg", "list", "--org", "personal", "--json"],
        ["mpg", "attach", cid, "--app", APP],
        ["secrets", "unset", "DATABASE_URL", "--app", APP, "--stage"],
        ["mpg", "attach", cid, "--app", APP],
    ]
    assert resumed.id == cid
    url = resumed.outs["connection_string"]
    assert fake_secret_digests(APP)["DATABASE_URL"] == fake_digest(url)


def test_unmanaged_attach_resumes_after_one_that_created_the_user_but_set_no_secret(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_app()
    monkeypatch.setenv("FLYCTL_FAKE_PG_ATTACH_SECRET_FAIL", "1")
    prov = p.PostgresProvider(FAST)
    mark = fly_env.mark()
    created = prov.create(mpg_props(kind="unmanaged"))
    attach = ["postgres", "attach", f"{APP}-db", "--app", APP, "--yes"]
    assert [c for c in fly_env.since(mark) if c[:2] == ["postgres", "attach"]] == [
        attach,  # creates the user demo_app, then fails setting the secret (a 503)
        attach,  # the runner's retry: "database user "demo_app" already exists"
        [*attach, "--database-user", "demo_app_2"],
    ]
    url = created.outs["connection_string"]
    assert url.startswith("postgres://demo_app_2:")
    assert fake_secret_digests(APP)["DATABASE_URL"] == fake_digest(url)


def test_unmanaged_postgres_passes_every_flag_that_avoids_a_prompt(fly_env: FlyEnv) -> None:
    make_app()
    prov = p.PostgresProvider(FAST)
    props = mpg_props(kind="unmanaged", vm_memory_mb=512, cluster_size=2)
    mark = fly_env.mark()
    created = prov.create(props)
    assert created.id == f"{APP}-db"
    assert fly_env.since(mark) == [
        ["status", "--app", f"{APP}-db", "--json"],
        ["postgres", "create", "--name", f"{APP}-db", "--org", "personal", "--region", "iad",
         "--initial-cluster-size", "2", "--vm-size", "shared-cpu-1x", "--vm-memory", "512",
         "--volume-size", "10"],
        ["postgres", "attach", f"{APP}-db", "--app", APP, "--yes"],
    ]  # fmt: skip
    assert created.outs["connection_string"].startswith("postgres://demo_app:")
    assert prov.diff(created.id, created.outs, props).changes is False
    assert prov.read(created.id, created.outs).id == created.id
    mark = fly_env.mark()
    prov.delete(created.id, created.outs)
    prov.delete(created.id, created.outs)
    assert fly_env.since(mark)[1] == ["apps", "destroy", f"{APP}-db", "--yes"]


def test_unmanaged_postgres_version_is_not_recorded_and_never_replaces_the_cluster() -> None:
    # `postgres create` is never told a version (flyctl picks the postgres-flex image), so a
    # changed database.version must not destroy a cluster that would come back the same.
    prov = p.PostgresProvider(FAST)
    checked = prov.check({}, mpg_props(kind="unmanaged", pg_major_version=15))
    assert checked.failures == []
    assert checked.inputs["pg_major_version"] is None
    # State written before this fix recorded the version.
    old = {**mpg_props(kind="unmanaged", pg_major_version=16), "cluster_id": f"{APP}-db"}
    news = prov.check(old, mpg_props(kind="unmanaged", pg_major_version=17)).inputs
    diff = prov.diff(f"{APP}-db", old, news)
    assert (diff.changes, diff.replaces) == (False, [])
    # Managed Postgres is created with --pg-major-version: there a change still replaces.
    mpg = prov.diff("c1", mpg_props(), prov.check({}, mpg_props(pg_major_version=17)).inputs)
    assert mpg.replaces == ["pg_major_version"]


# --------------------------------------------------------------------------- Redis
def test_redis_lifecycle_captures_the_url_and_never_prompts(fly_env: FlyEnv) -> None:
    prov = p.RedisProvider(FAST)
    props = prov.check(
        {}, {"name": "demo-redis", "org": "personal", "region": "iad", "eviction": True}
    ).inputs
    created = prov.create(props)
    assert fly_env.calls() == [
        ["redis", "create", "--name", "demo-redis", "--org", "personal", "--region", "iad",
         "--no-replicas", "--enable-eviction", "--enable-prodpack=false"],
    ]  # fmt: skip
    assert created.id == "demo-redis"
    assert created.outs["url"].startswith("redis://default:")
    assert created.outs["host"] == "fly-demo-redis.upstash.io"
    assert prov.diff(created.id, created.outs, props).changes is False
    assert prov.diff(created.id, created.outs, {**props, "eviction": False}).replaces == [
        "eviction"
    ]
    read = prov.read(created.id, created.outs)
    assert read.outs == created.outs
    mark = fly_env.mark()
    prov.delete(created.id, created.outs)
    prov.delete(created.id, created.outs)
    assert fly_env.since(mark) == [["redis", "destroy", "demo-redis", "--yes"]] * 2


def test_redis_create_retried_after_it_happened_adopts_the_url_from_the_status_table(
    fly_env: FlyEnv,
) -> None:
    prov = p.RedisProvider(FAST)
    props = prov.check({}, {"name": "demo-redis", "org": "personal", "region": "iad"}).inputs
    first = prov.create(props)
    mark = fly_env.mark()
    again = prov.create(props)
    assert [c[:2] for c in fly_env.since(mark)] == [["redis", "create"], ["redis", "status"]]
    assert again.outs == first.outs


def test_table_value_reads_flyctls_vertical_table_rows() -> None:
    from components.fly.base import table_value

    text = "\x1b[1mRedis\x1b[0m\n ID          \u2502 abc \n Name        \u2502     \n" \
        " Private URL \u2502 redis://default:pw@h:6379 \n\n"  # fmt: skip
    assert table_value(text, "Private URL") == "redis://default:pw@h:6379"
    assert table_value(text, "ID") == "abc"
    assert table_value(text, "Name") is None


# --------------------------------------------------------------------------- Storage
def test_storage_lifecycle(fly_env: FlyEnv) -> None:
    make_app()
    prov = p.StorageProvider(FAST)
    props = {"app": APP, "name": f"{APP}-storage"}
    mark = fly_env.mark()
    created = prov.create(props)
    assert fly_env.since(mark) == [
        ["secrets", "list", "--app", APP, "--json"],
        ["storage", "create", "--app", APP, "--name", f"{APP}-storage", "--yes"],
    ]
    assert created.outs == props
    assert set(fake_secret_digests(APP)) == {
        "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_SECRET_ACCESS_KEY",
        "BUCKET_NAME",
    }  # fmt: skip
    assert prov.diff(created.id, created.outs, props).changes is False
    mark = fly_env.mark()
    assert prov.read(created.id, created.outs).outs == props
    assert fly_env.since(mark) == [["storage", "status", f"{APP}-storage"]]
    # A second create (a resumed run) adopts the app's bucket.
    assert prov.create(props).outs == props
    mark = fly_env.mark()
    prov.delete(created.id, props)
    prov.delete(created.id, props)
    # The bucket's credentials go with it: stale AWS_* would point the app at a dead bucket.
    unset = [
        "secrets", "unset", "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL_S3", "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY", "BUCKET_NAME", "--app", APP, "--stage",
    ]  # fmt: skip
    assert fly_env.since(mark) == [unset, ["storage", "destroy", f"{APP}-storage", "--yes"]] * 2
    assert fake_secret_digests(APP) == {}


def test_storage_create_refuses_an_app_holding_one_of_its_secret_names(fly_env: FlyEnv) -> None:
    make_app()
    p.SecretsProvider(FAST).create({"app": APP, "values": {"AWS_REGION": "eu"}, "stage": True})
    mark = fly_env.mark()
    with pytest.raises(FlyctlError) as err:
        p.StorageProvider(FAST).create({"app": APP, "name": f"{APP}-storage"})
    assert err.value.message.startswith(
        f"app {APP} already has AWS_REGION, so `fly storage create` would create the bucket but "
        "set none of its credentials"
    )
    assert [c[:2] for c in fly_env.since(mark)] == [
        ["secrets", "list"], ["storage", "status"],
    ]  # fmt: skip


def test_fake_storage_create_sets_nothing_when_the_app_has_one_of_its_names(
    fly_env: FlyEnv,
) -> None:
    make_app()
    prov = p.SecretsProvider(FAST)
    prov.create({"app": APP, "values": {"BUCKET_NAME": "mine"}, "stage": True})
    out = prov._run(["storage", "create", "--app", APP, "--name", "b1", "--yes"])
    assert (
        f"Secrets [BUCKET_NAME] already exist on app {APP}. They won't be set automatically." in out
    )
    assert set(fake_secret_digests(APP)) == {"BUCKET_NAME"}


def test_storage_create_restarts_the_apps_machines(fly_env: FlyEnv, tmp_path: Path) -> None:
    make_app()
    deploy_once(tmp_path)
    before = [m["instance_id"] for m in p.AppProvider(FAST)._status(APP)["Machines"]]
    p.StorageProvider(FAST).create({"app": APP, "name": f"{APP}-storage"})
    after = [m["instance_id"] for m in p.AppProvider(FAST)._status(APP)["Machines"]]
    assert before and all(b != a for b, a in zip(before, after, strict=True))


def test_storage_create_waits_as_long_as_a_deploy_since_it_restarts_machines(
    fly_env: FlyEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # flyctl's storage create sets the secrets through DeploySecrets, which restarts every
    # machine: with the ordinary command limit a healthy rollout would be cut off as a timeout.
    from dataclasses import replace

    from components.fly.cli import Flyctl

    make_app()
    deploy_once(tmp_path)
    limits: dict[str, float | None] = {}
    run = Flyctl.run

    def recording(self: Flyctl, args: list[str], **kw: Any) -> Any:
        limits[" ".join(args[:2])] = kw.get("timeout") or self.timeout
        return run(self, args, **kw)

    monkeypatch.setattr(Flyctl, "run", recording)
    settings = replace(FAST, timeout_s=7, deploy_timeout_s=1234)
    p.StorageProvider(settings).create({"app": APP, "name": f"{APP}-storage"})
    assert limits["storage create"] == 1234


def test_storage_delete_after_the_app_is_gone_still_destroys_the_bucket(fly_env: FlyEnv) -> None:
    make_app()
    prov = p.StorageProvider(FAST)
    props = {"app": APP, "name": f"{APP}-storage"}
    prov.create(props)
    p.AppProvider(FAST).delete(APP, {})
    prov.delete(f"{APP}-storage", props)
    assert prov.read(f"{APP}-storage", props).id == ""


# --------------------------------------------------------------------------- Deploy
def test_deploy_lifecycle_builds_remotely_from_the_source_tree(
    fly_env: FlyEnv, tmp_path: Path
) -> None:
    make_app()
    src = tmp_path / "src"
    src.mkdir()
    (src / "Dockerfile").write_text("FROM scratch\n")
    prov = p.DeployProvider(FAST)
    props = {
        "app": APP, "config": f'app = "{APP}"\nprimary_region = "iad"\n', "trigger": "t1",
        "image": None, "build_path": str(src), "dockerfile": "Dockerfile",
        "strategy": "rolling", "wait_timeout": "5m",
    }  # fmt: skip
    mark = fly_env.mark()
    created = prov.create(props)
    deploy, status = fly_env.since(mark)
    config = deploy[2]
    assert config.endswith("/fly.toml")
    assert deploy == [
        "deploy", "--config", config, "--app", APP, "--yes", "--strategy", "rolling",
        "--wait-timeout", "5m", "--ha=false", "--remote-only",
        "--dockerfile", str(src / "Dockerfile"),
    ]  # fmt: skip
    assert status == ["status", "--app", APP, "--json"]
    assert created.outs["release_version"] == 1
    assert created.outs["image_ref"].startswith("registry.fly.io/demo-app@sha256:")

    assert prov.diff(created.id, created.outs, props).changes is False
    # The full config alone does not redeploy (it carries the count, which Scale owns).
    assert prov.diff(created.id, created.outs, {**props, "config": "changed"}).changes is False
    news = {**props, "trigger": "t2"}
    assert prov.diff(created.id, created.outs, news).changes is True
    updated = prov.update(created.id, created.outs, news)
    assert updated.outs["release_version"] == 2
    assert prov.read(created.id, updated.outs).outs["release_version"] == 2
    mark = fly_env.mark()
    prov.delete(created.id, updated.outs)
    prov.delete(created.id, updated.outs)
    assert fly_env.since(mark) == []


APP_LOGS = "tcp connect (db:5432): connection refused\nError: context deadline exceeded"


@pytest.mark.parametrize(
    ("knob", "kind", "message"),
    [
        ("FLYCTL_FAKE_DEPLOY_UNHEALTHY", "permanent",
         "timeout reached waiting for health checks to pass for machine "),
        ("FLYCTL_FAKE_RELEASE_COMMAND_FAIL", "permanent",
         "release command failed - aborting deployment. machine "),
    ],
)  # fmt: skip
def test_a_failed_deploy_runs_once_and_reports_flyctls_error_not_the_apps_logs(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, knob: str, kind: str,
    message: str,
) -> None:  # fmt: skip
    make_app()
    deploy_once(tmp_path)
    monkeypatch.setenv(knob, "1")
    monkeypatch.setenv("FLYCTL_FAKE_APP_LOGS", APP_LOGS)
    config = f'app = "{APP}"\n[deploy]\nrelease_command = "/app/bin/migrate"\n'
    props = {**deploy_props(), "config": config, "trigger": "t2"}
    mark = fly_env.mark()
    with pytest.raises(FlyctlError) as err:
        p.DeployProvider(FAST).update(f"{APP}-release", props, props)
    assert [c[0] for c in fly_env.since(mark)] == ["deploy"]
    assert (err.value.kind, err.value.exit_code) == (kind, 1)
    assert err.value.message.startswith(message)
    assert "connection refused" not in err.value.message


@pytest.mark.parametrize(("fail", "kind"), [("deadline", "timeout"), ("transient", "transient"),
                                            ("flaps5xx", "transient")])  # fmt: skip
def test_deploy_is_never_re_run_automatically(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fail: str, kind: str
) -> None:
    make_app()
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", f"{fly_env.mark() + 1}:{fail}")
    with pytest.raises(FlyctlError) as err:
        deploy_once(tmp_path)
    assert err.value.kind == kind
    assert [c[0] for c in fly_env.calls()[1:]] == ["deploy"]


def test_deploy_reads_the_image_of_the_newest_release_not_the_first_machine_listed(
    fly_env: FlyEnv, tmp_path: Path
) -> None:
    make_app()
    first = deploy_once(tmp_path)
    # A machine no deploy manages (`fly machine run`), whose ID sorts first: `status --json`
    # lists machines by ID, descending.
    path = fly_env.state / "state.json"
    state = json.loads(path.read_text())
    machines = state["apps"][APP]["machines"]
    odd = json.loads(json.dumps(machines[0]))
    odd.update(id="zzzzzzzzzzzzzz", name="one-off")
    odd["config"].update(image="registry.example/other:0", metadata={})
    machines.append(odd)
    path.write_text(json.dumps(state))
    listed = p.AppProvider(FAST)._status(APP)["Machines"]
    assert listed[0]["id"] == "zzzzzzzzzzzzzz"
    second = p.DeployProvider(FAST).update(
        f"{APP}-release", first, {**deploy_props(), "trigger": "t2"}
    )
    assert second.outs["image_ref"] == first["image_ref"]
    assert first["image_ref"].startswith("registry.example/demo@sha256:")


def test_deploy_finds_the_dockerfile_of_a_build_path_kept_relative_to_the_project(
    fly_env: FlyEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fly_args keeps build_path relative to where Pulumi runs; flyctl runs inside the build
    # context and makes --dockerfile absolute against that cwd (deploy_build.go
    # resolveDockerfilePath), so a relative Dockerfile path would be looked up twice nested.
    make_app()
    (tmp_path / "examples" / "app").mkdir(parents=True)
    (tmp_path / "examples" / "app" / "Dockerfile").write_text("FROM scratch\n")
    monkeypatch.chdir(tmp_path)
    props = {
        "app": APP, "config": f'app = "{APP}"\nprimary_region = "iad"\n', "trigger": "t1",
        "image": None, "build_path": "examples/app", "dockerfile": "Dockerfile",
        "strategy": "rolling", "wait_timeout": "5m",
    }  # fmt: skip
    mark = fly_env.mark()
    created = p.DeployProvider(FAST).create(props)
    deploy = fly_env.since(mark)[0]
    assert deploy[-1] == str(tmp_path / "examples" / "app" / "Dockerfile")
    assert created.outs["release_version"] == 1


MOUNT = '[[mounts]]\nsource = "data"\ndestination = "/data"\ninitial_size = "3gb"\n'
WORKER = '[processes]\napp = ""\nworker = "bin/worker"\n'


def _state_machines(fly_env: FlyEnv) -> list[dict[str, Any]]:
    state = json.loads((fly_env.state / "state.json").read_text())
    return list(state["apps"][APP]["machines"])


def test_deploy_adding_a_mount_creates_the_volumes_flyctl_would_refuse_without(
    fly_env: FlyEnv, tmp_path: Path
) -> None:
    make_app()
    first = deploy_once(tmp_path)
    p.ScaleProvider(FAST).create({"app": APP, "count": 2, "region": "lhr"})
    news = {**deploy_props(), "config": deploy_props()["config"] + MOUNT, "trigger": "t2"}
    mark = fly_env.mark()
    updated = p.DeployProvider(FAST).update(f"{APP}-release", first, news)
    calls = fly_env.since(mark)
    assert calls[:4] == [
        ["status", "--app", APP, "--json"],
        ["volumes", "list", "--app", APP, "--json"],
        ["volumes", "create", "data", "--app", APP, "--region", "iad", "--count", "1",
         "--size", "3", "--yes"],
        ["volumes", "create", "data", "--app", APP, "--region", "lhr", "--count", "2",
         "--size", "3", "--yes"],
    ]  # fmt: skip
    assert [c[0] for c in calls[4:]] == ["deploy", "status"]
    assert updated.outs["release_version"] == 2
    # Every machine now runs on a volume of its own region (the deploy replaced them).
    machines = _state_machines(fly_env)
    assert sorted(m["region"] for m in machines) == ["iad", "lhr", "lhr"]
    assert all(m["config"]["mounts"][0]["name"] == "data" for m in machines)
    # A deploy with nothing missing creates nothing.
    mark = fly_env.mark()
    p.DeployProvider(FAST).update(f"{APP}-release", updated.outs, {**news, "trigger": "t3"})
    assert [c[:2] for c in fly_env.since(mark)] == [
        ["status", "--app"], ["volumes", "list"], ["deploy", "--config"], ["status", "--app"],
    ]  # fmt: skip


def test_deploy_adding_a_mounted_process_group_creates_its_volume_in_the_primary_region(
    fly_env: FlyEnv, tmp_path: Path
) -> None:
    make_app()
    first = deploy_once(tmp_path)
    config = deploy_props()["config"] + WORKER + MOUNT + 'processes = ["worker"]\n'
    news = {**deploy_props(), "config": config, "trigger": "t2"}
    mark = fly_env.mark()
    p.DeployProvider(FAST).update(f"{APP}-release", first, news)
    creates = [c for c in fly_env.since(mark) if c[:2] == ["volumes", "create"]]
    assert creates == [
        ["volumes", "create", "data", "--app", APP, "--region", "iad", "--count", "1",
         "--size", "3", "--yes"],
    ]  # fmt: skip
    worker = next(
        m for m in _state_machines(fly_env)
        if m["config"]["metadata"]["fly_process_group"] == "worker"
    )  # fmt: skip
    assert worker["config"]["mounts"][0]["name"] == "data"


def test_first_deploy_with_a_mount_leaves_the_volume_to_flyctl(
    fly_env: FlyEnv, tmp_path: Path
) -> None:
    make_app()
    props = {**deploy_props(), "config": deploy_props()["config"] + MOUNT}
    mark = fly_env.mark()
    p.DeployProvider(FAST).create(props)
    assert [c[:2] for c in fly_env.since(mark)] == [
        ["status", "--app"], ["volumes", "list"], ["deploy", "--config"], ["status", "--app"],
    ]  # fmt: skip
    state = json.loads((fly_env.state / "state.json").read_text())
    assert [(v["name"], v["size_gb"]) for v in state["apps"][APP]["volumes"]] == [("data", 3)]


def test_dropping_a_mount_stops_before_fly_deploy_naming_the_machine(
    fly_env: FlyEnv, tmp_path: Path
) -> None:
    make_app()
    with_mount = {**deploy_props(), "config": deploy_props()["config"] + MOUNT}
    first = p.DeployProvider(FAST).create(with_mount).outs
    (machine,) = _state_machines(fly_env)
    mark = fly_env.mark()
    with pytest.raises(ValueError, match=rf"^machine {machine['id']} \[app\] has the volume "):
        p.DeployProvider(FAST).update(f"{APP}-release", first, {**deploy_props(), "trigger": "t2"})
    # Only the status it needed; flyctl's deploy would have stopped at a question it cannot ask.
    assert [c[:2] for c in fly_env.since(mark)] == [["status", "--app"]]


def test_snapshot_retention_of_the_mount_reaches_volumes_create(
    fly_env: FlyEnv, tmp_path: Path
) -> None:
    make_app()
    first = deploy_once(tmp_path)
    config = deploy_props()["config"] + MOUNT + "snapshot_retention = 10\n"
    mark = fly_env.mark()
    p.DeployProvider(FAST).update(
        f"{APP}-release", first, {**deploy_props(), "config": config, "trigger": "t2"}
    )
    (create,) = [c for c in fly_env.since(mark) if c[:2] == ["volumes", "create"]]
    assert create[-3:] == ["--snapshot-retention", "10", "--yes"]
    state = json.loads((fly_env.state / "state.json").read_text())
    assert [v["snapshot_retention"] for v in state["apps"][APP]["volumes"]] == [10]


def test_a_transient_volumes_create_failure_is_planned_again_never_doubled(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    make_app()
    first = deploy_once(tmp_path)
    p.ScaleProvider(FAST).create({"app": APP, "count": 1, "region": "lhr"})
    news = {**deploy_props(), "config": deploy_props()["config"] + MOUNT, "trigger": "t2"}
    # Calls from here: status, volumes list, create (iad), create (lhr): the lhr one fails.
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", f"{fly_env.mark() + 4}:transient")
    mark = fly_env.mark()
    p.DeployProvider(FAST).update(f"{APP}-release", first, news)
    creates = [c[c.index("--region") + 1] for c in fly_env.since(mark) if c[1:2] == ["create"]]
    # iad was made before the failure, so the second plan asks only for lhr.
    assert creates == ["iad", "lhr", "lhr"]
    state = json.loads((fly_env.state / "state.json").read_text())
    assert sorted(v["region"] for v in state["apps"][APP]["volumes"]) == ["iad", "lhr"]


# --------------------------------------------------------------------------- Scale
def test_scale_lifecycle_changes_count_without_deploying(fly_env: FlyEnv, tmp_path: Path) -> None:
    make_app()
    deploy_once(tmp_path)
    prov = p.ScaleProvider(FAST)
    props = {"app": APP, "count": 2, "region": "iad"}
    mark = fly_env.mark()
    created = prov.create(props)
    assert fly_env.since(mark) == [
        ["scale", "count", "2", "--app", APP, "--region", "iad", "--yes"]
    ]
    assert prov.diff(created.id, created.outs, props).changes is False
    news = {**props, "count": 3}
    assert prov.diff(created.id, created.outs, news).changes is True
    mark = fly_env.mark()
    updated = prov.update(created.id, created.outs, news)
    assert fly_env.since(mark) == [
        ["scale", "count", "3", "--app", APP, "--region", "iad", "--yes"]
    ]
    assert prov.read(created.id, updated.outs).outs["count"] == 3
    mark = fly_env.mark()
    prov.delete(created.id, updated.outs)
    prov.delete(created.id, updated.outs)
    assert fly_env.since(mark) == []


# --------------------------------------------------------------------------- IPs and certs
def test_ip_lifecycle_v6_and_shared_v4(fly_env: FlyEnv) -> None:
    make_app()
    prov = p.IpProvider(FAST)
    mark = fly_env.mark()
    v6 = prov.create({"app": APP, "kind": "v6"})
    v4 = prov.create({"app": APP, "kind": "shared_v4"})
    assert fly_env.since(mark) == [
        ["ips", "list", "--app", APP, "--json"],
        ["ips", "allocate-v6", "--app", APP],
        ["ips", "list", "--app", APP, "--json"],
        ["ips", "list", "--app", APP, "--json"],
        ["ips", "allocate-v4", "--shared", "--app", APP],
        ["ips", "list", "--app", APP, "--json"],
    ]
    assert ":" in v6.id and v4.id.count(".") == 3
    props = {"app": APP, "kind": "v6"}
    assert prov.diff(v6.id, v6.outs, props).changes is False
    assert prov.diff(v6.id, v6.outs, {**props, "kind": "v4"}).replaces == ["kind"]
    assert prov.read(v6.id, v6.outs).outs == v6.outs
    mark = fly_env.mark()
    prov.delete(v6.id, v6.outs)
    prov.delete(v6.id, v6.outs)
    assert fly_env.since(mark) == [["ips", "release", v6.id, "--app", APP]] * 2
    assert prov.read(v6.id, v6.outs).id == ""


def test_dedicated_v4_is_confirmed_with_yes(fly_env: FlyEnv) -> None:
    make_app()
    created = p.IpProvider(FAST).create({"app": APP, "kind": "v4"})
    assert ["ips", "allocate-v4", "--yes", "--app", APP] in fly_env.calls()
    assert created.outs["kind"] == "v4"


def ownership_value(app: str = APP) -> str:
    # The fake's app_value for the ownership TXT record (the real one is Fly's).
    detail = p.CertProvider(FAST)._json(["certs", "list", "--app", app, "--json"])
    assert detail  # the certificate exists
    state = json.loads((Path(os.environ["FLYCTL_FAKE_STATE"]) / "state.json").read_text())
    return f"app-{state['apps'][app]['numeric_id']}"


def test_cert_create_adopts_a_certificate_the_app_already_has(fly_env: FlyEnv) -> None:
    make_app()
    prov = p.CertProvider(FAST)
    props = {"app": APP, "hostname": "app.example.com"}
    first = prov.create(props)
    mark = fly_env.mark()
    again = prov.create(props)
    assert fly_env.since(mark) == [
        ["certs", "add", "app.example.com", "--app", APP, "--json"],
        ["certs", "check", "app.example.com", "--app", APP, "--json"],
    ]
    assert (again.id, again.outs["dns_records"]) == (first.id, first.outs["dns_records"])


def test_cert_lifecycle_reports_the_dns_records(fly_env: FlyEnv) -> None:
    make_app()
    ip = p.IpProvider(FAST).create({"app": APP, "kind": "shared_v4"})
    prov = p.CertProvider(FAST)
    props = {"app": APP, "hostname": "app.example.com"}
    mark = fly_env.mark()
    created = prov.create(props)
    assert fly_env.since(mark) == [["certs", "add", "app.example.com", "--app", APP, "--json"]]
    assert created.outs["dns_records"] == [
        {"type": "A", "name": "app.example.com", "value": ip.id},
        {
            "type": "CNAME",
            "name": "_acme-challenge.app.example.com",
            "value": "app.example.com.demo-a.flydns.net",
        },
        # Without it a certificate in pending_ownership never issues.
        {"type": "TXT", "name": "_fly-ownership.app.example.com", "value": ownership_value()},
    ]
    assert prov.diff(created.id, created.outs, props).changes is False
    assert prov.read(created.id, created.outs).outs["status"] == "Ready"
    mark = fly_env.mark()
    prov.delete(created.id, created.outs)
    prov.delete(created.id, created.outs)
    assert (
        fly_env.since(mark) == [["certs", "remove", "app.example.com", "--app", APP, "--yes"]] * 2
    )


# --------------------------------------------------------------------------- faults
def test_transient_failure_is_retried_and_succeeds(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "1:transient")
    assert make_app()["name"] == APP
    assert fly_env.calls() == [["apps", "create", APP, "--org", "personal", "--json"]] * 2


def test_permanent_failure_raises_flyctls_own_message(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_app()
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "2:permanent")
    with pytest.raises(FlyctlError) as err:
        p.SecretsProvider(FAST).create({"app": APP, "values": {"K": "secret-v"}, "stage": True})
    assert str(err.value).endswith(
        "failed (permanent, exit 1): failed to update app secrets: request returned non-2xx "
        "status, 422"
    )
    assert len(fly_env.calls()) == 2


def test_hang_hits_the_timeout(fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "1:hang")
    monkeypatch.setenv("FLYCTL_FAKE_HANG_SECONDS", "30")
    from dataclasses import replace

    with pytest.raises(FlyctlError) as err:
        p.AppProvider(replace(FAST, timeout_s=1)).create({"name": APP, "org": "personal"})
    assert err.value.kind == "timeout"


def test_malformed_json_is_reported_and_the_next_create_resumes(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "1:malformed")
    with pytest.raises(FlyctlError) as err:
        make_app()
    assert err.value.kind == "malformed"
    assert err.value.message.startswith("expected JSON on stdout")
    monkeypatch.delenv("FLYCTL_FAKE_FAIL")
    assert make_app()["hostname"] == f"{APP}.fly.dev"
