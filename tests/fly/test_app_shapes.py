"""The Fly adapter builds the app-shape keys (issue #10): from infera.yaml to fly.toml values,
to the `scale count` per process group and region, to the flags `fly deploy` gets.

Each behaviour is checked against flyctl's source at ad0172fa, named next to the assertion.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from components.fly import providers as p
from components.fly.cli import FlyctlError
from components.fly.settings import NOT_YET, ScaleArgs, fly_args
from components.fly.toml import render
from config.context import StackContext
from tests.config.cfg_helpers import load
from tests.fly.conftest import FAST, FlyEnv

APP = "shapes-app"
FLY: dict[str, Any] = {"project_name": "shop", "provider": "fly"}


def toml_of(data: dict[str, Any], stack: str = "dev") -> dict[str, Any]:
    ctx = StackContext(infera=load(data, stack=stack), stack=stack, project_dir=Path("."))
    doc: dict[str, Any] = tomllib.loads(render(fly_args(ctx).toml))
    return doc


def args_of(data: dict[str, Any], stack: str = "dev") -> Any:
    ctx = StackContext(infera=load(data, stack=stack), stack=stack, project_dir=Path("."))
    return fly_args(ctx)


def test_the_fly_adapter_builds_every_app_shape_key() -> None:
    assert not NOT_YET


def test_a_web_command_without_process_groups_is_experimental_cmd() -> None:
    # appconfig/machines.go updateMachineConfig: with no [processes] entry for the group,
    # init.cmd comes from [experimental] cmd, an array: no shell quoting round trip.
    doc = toml_of({**FLY, "deployment": {"command": "/app/bin/shop eval 'Shop.start()'"}})
    assert doc["experimental"] == {"cmd": ["/app/bin/shop", "eval", "Shop.start()"]}
    assert "processes" not in doc


def test_process_groups_keep_app_as_the_web_group_even_without_a_command() -> None:
    # appconfig/processgroups.go DefaultProcessName: without "app" in [processes], the first
    # other group becomes the default one; InitCmd treats "" as the image's CMD.
    doc = toml_of({**FLY, "deployment": {"processes": {"worker": {"command": ["/app/bin/w"]}}}})
    assert doc["processes"] == {"app": "", "worker": "/app/bin/w"}
    assert doc["http_service"]["processes"] == ["app"]
    assert [v["processes"] for v in doc["vm"]] == [["app"], ["worker"]]


@pytest.mark.parametrize(
    ("migrations", "database", "release"),
    [
        ({}, True, {"release_command": "/app/bin/migrate"}),
        ({}, False, None),
        ({"enabled": False}, True, None),
        ({"enabled": True}, False, {"release_command": "/app/bin/migrate"}),
        ({"command": ["bin/shop", "eval", "Shop.Release.migrate()"], "timeout": "90s"}, True,
         {"release_command": "bin/shop eval 'Shop.Release.migrate()'",
          "release_command_timeout": "90s"}),
    ],
)  # fmt: skip
def test_the_release_command_is_the_configured_migration_or_none(
    migrations: dict[str, Any], database: bool, release: dict[str, Any] | None
) -> None:
    data = {**FLY, "migrations": migrations} | ({"database": {}} if database else {})
    assert toml_of(data).get("deploy") == release


@pytest.mark.parametrize(
    ("check", "where"),
    [
        ({"type": "none"}, ("http_service", None)),
        ({"type": "tcp"}, ("services", "tcp_checks")),
        ({"method": "HEAD", "headers": {"Host": "shop.example"}}, ("http_service", "checks")),
    ],
)
def test_the_health_check_type_picks_the_section_flyctl_reads(
    check: dict[str, Any], where: tuple[str, str | None]
) -> None:
    doc = toml_of({**FLY, "deployment": {"health_check": check}})
    section, key = where
    assert {"http_service", "services"} & set(doc) == {section}
    service = doc[section] if section == "http_service" else doc[section][0]
    keys = {k for k in service if k.endswith("checks")}
    assert keys == ({key} if key else set())
    if check.get("method"):
        assert service["checks"][0]["method"] == "HEAD"
        assert service["checks"][0]["headers"] == {"Host": "shop.example"}


def test_regions_and_processes_each_get_a_scale_after_the_primary_one() -> None:
    args = args_of(
        {**FLY, "deployment": {"region": "iad", "machines": {"count": 2},
                               "regions": {"syd": 1, "lhr": 3},
                               "processes": {"worker": {"command": "w", "count": 0}}}}
    )  # fmt: skip
    assert (args.count, args.region) == (2, "iad")
    assert args.more_scales == (
        ScaleArgs("app", "lhr", 3), ScaleArgs("app", "syd", 1), ScaleArgs("worker", "iad", 0),
    )  # fmt: skip


def test_app_name_overrides_the_stack_derived_name_for_every_fly_name() -> None:
    args = args_of({**FLY, "environments": {"dev": {"app_name": "shop-preview"}}, "database": {}})
    assert args.app_name == "shop-preview"
    assert args.toml.app == "shop-preview"
    assert args.database.name == "shop-preview-db"
    assert args_of({**FLY, "environments": {"dev": {"app_name": "x-y"}}}, "prod").app_name == "shop"


# --------------------------------------------------------------------------- providers vs fake
def _deployed(fly_env: FlyEnv, config: str) -> None:
    p.AppProvider(FAST).create({"name": APP, "org": "personal"})
    p.DeployProvider(FAST).create(
        {"app": APP, "config": config, "trigger": "t1", "image": "registry.example/s:1",
         "build_path": None, "dockerfile": "Dockerfile", "strategy": "rolling",
         "wait_timeout": "5m"}
    )  # fmt: skip


def test_scale_acts_on_one_group_in_one_region(fly_env: FlyEnv) -> None:
    config = toml_of({**FLY, "app_name": APP,
                      "deployment": {"processes": {"worker": {"command": "w"}}}})  # fmt: skip
    _deployed(fly_env, tomli_w.dumps(config))
    prov = p.ScaleProvider(FAST)
    mark = fly_env.mark()
    prov.create({"app": APP, "count": 2, "region": "iad"})
    prov.create({"app": APP, "count": 1, "region": "lhr"})
    worker = prov.create({"app": APP, "count": 3, "region": "iad", "process_group": "worker"})
    assert fly_env.since(mark) == [
        ["scale", "count", "2", "--app", APP, "--region", "iad", "--yes"],
        ["scale", "count", "1", "--app", APP, "--region", "lhr", "--yes"],
        ["scale", "count", "3", "--app", APP, "--region", "iad", "--yes",
         "--process-group", "worker"],
    ]  # fmt: skip
    shown = json.loads(p.ScaleProvider(FAST)._run(["scale", "show", "--app", APP, "--json"]))
    assert {g["Process"]: g["Regions"] for g in shown} == {
        "app": {"iad": 2, "lhr": 1}, "worker": {"iad": 3},
    }  # fmt: skip
    # read() reports the group's count in its own region, not the app's total.
    lhr = prov.read(f"{APP}-scale", {"app": APP, "count": 9, "region": "lhr"})
    assert lhr.outs["count"] == 1
    assert prov.read(worker.id, worker.outs).outs["count"] == 3


# --------------------------------------------------------------------------- derived env names
def _digests() -> dict[str, str]:
    listed = p.SecretsProvider(FAST)._json(["secrets", "list", "--app", APP, "--json"])
    return {item["name"]: item["digest"] for item in listed}


def _pg(kind: str, **over: Any) -> dict[str, Any]:
    props = {
        "app": APP, "kind": kind, "name": f"{APP}-db", "org": "personal", "region": "iad",
        "volume_size_gb": 10, "pg_major_version": 16, "plan": "basic",
        "vm_size": "shared-cpu-1x", "vm_memory_mb": 1024, "cluster_size": 1,
    }  # fmt: skip
    return props | over


@pytest.mark.parametrize("kind", ["mpg", "unmanaged"])
def test_the_attach_names_the_url_secret_and_a_rename_moves_it(fly_env: FlyEnv, kind: str) -> None:
    p.AppProvider(FAST).create({"name": APP, "org": "personal"})
    prov = p.PostgresProvider(FAST)
    props = _pg(kind, variable_name="PG_URL")
    mark = fly_env.mark()
    created = prov.create(props)
    attach = next(c for c in fly_env.since(mark) if c[1] == "attach")
    # mpg/v2/run_attach.go and postgres/attach.go take --variable-name (default DATABASE_URL).
    assert attach[-2:] == ["--variable-name", "PG_URL"]
    assert created.outs["connection_string"].startswith("postgres")
    assert set(_digests()) == {"PG_URL"}

    renamed = {**created.outs, "variable_name": "POSTGRES_URL"}
    diff = prov.diff(created.id, created.outs, renamed)
    assert (diff.changes, diff.replaces) is not None and diff.changes and not diff.replaces
    mark = fly_env.mark()
    updated = prov.update(created.id, created.outs, renamed)
    assert [c[:2] for c in fly_env.since(mark)] == [["secrets", "import"], ["secrets", "unset"]]
    assert set(_digests()) == {"POSTGRES_URL"}
    assert updated.outs["connection_string"] == created.outs["connection_string"]
    mark = fly_env.mark()
    prov.delete(created.id, updated.outs)
    assert fly_env.since(mark)[0][:3] == ["secrets", "unset", "POSTGRES_URL"]


@pytest.mark.parametrize(
    ("url", "parts"),
    [
        ("postgresql://fly-user:p%40ss@direct.abc.flympg.net:5432/fly-db?sslmode=require",
         ("direct.abc.flympg.net", "5432", "fly-db", "fly-user", "p@ss")),
        ("postgres://app_x:pw@shop-db.flycast/app_x?sslmode=disable",
         ("shop-db.flycast", "5432", "app_x", "app_x", "pw")),
    ],
)  # fmt: skip
def test_url_parts_are_what_libpq_reads(url: str, parts: tuple[str, ...]) -> None:
    from components.fly.settings import url_part

    assert tuple(url_part(url, k) for k in ("host", "port", "name", "user", "password")) == parts


def test_a_second_bucket_is_made_for_the_org_and_its_printed_keys_kept_secret(
    fly_env: FlyEnv,
) -> None:
    p.AppProvider(FAST).create({"name": APP, "org": "personal"})
    prov = p.StorageProvider(FAST)
    prov.create({"app": APP, "name": f"{APP}-storage"})
    props = {"app": APP, "name": f"{APP}-feeds", "org": "personal", "detached": True}
    mark = fly_env.mark()
    created = prov.create(props)
    # extensions/core/core.go: without an app, flyctl prints "KEY: value" lines, sets nothing.
    assert fly_env.since(mark) == [
        ["storage", "create", "--org", "personal", "--name", f"{APP}-feeds", "--yes"]
    ]
    creds = created.outs["credentials"]
    assert creds["BUCKET_NAME"] == f"{APP}-feeds"
    assert creds["AWS_SECRET_ACCESS_KEY"].startswith("tsec_")
    # The app keeps only the first bucket's keys (flyctl set them); the second's are the
    # stack's to deliver under the app's names.
    assert set(_digests()) == {
        "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_SECRET_ACCESS_KEY",
        "BUCKET_NAME",
    }  # fmt: skip
    refused = prov.check(props, {**props, "detached": False}).failures
    assert [f.property for f in refused] == ["detached"]
    mark = fly_env.mark()
    prov.delete(created.id, created.outs)
    assert fly_env.since(mark) == [["storage", "destroy", f"{APP}-feeds", "--yes"]]


def test_an_org_bucket_whose_keys_were_lost_is_explained_not_left_as_name_taken(
    fly_env: FlyEnv,
) -> None:
    # The first create went through, and its printed keys never reached the state.
    p.AppProvider(FAST).create({"name": APP, "org": "personal"})
    props = {"app": APP, "name": f"{APP}-feeds", "org": "personal", "detached": True}
    p.StorageProvider(FAST).create(props)
    mark = fly_env.mark()
    with pytest.raises(FlyctlError) as raised:
        p.StorageProvider(FAST).create(props)
    assert raised.value.kind == "permanent"
    assert raised.value.message.startswith(
        f"bucket {APP}-feeds already exists and this stack has none of its keys"
    )
    assert f"`fly storage destroy {APP}-feeds --yes`" in raised.value.message
    # The create (refused), then the check that the name is a bucket that exists.
    assert [c[:2] for c in fly_env.since(mark)] == [["storage", "create"], ["storage", "status"]]


def test_an_org_bucket_name_that_is_not_a_bucket_keeps_flyctl_s_error(
    fly_env: FlyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    p.AppProvider(FAST).create({"name": APP, "org": "personal"})
    props = {"app": APP, "name": f"{APP}-feeds", "org": "personal", "detached": True}
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", f"{fly_env.mark() + 1}:permanent")
    with pytest.raises(FlyctlError) as raised:
        p.StorageProvider(FAST).create(props)
    assert "this stack has none of its keys" not in raised.value.message


def test_the_policy_judges_fly_by_the_check_type_and_the_web_machines_in_every_region() -> None:
    from policy.checks import Context, health_check, machine_count

    def res(type_: str, **inputs: Any) -> dict[str, Any]:
        return {"type": f"pulumi-python:dynamic/fly:{type_}", "name": type_, "urn": type_,
                "inputs": inputs}  # fmt: skip

    tcp = render(args_of({**FLY, "deployment": {"health_check": {"type": "tcp"}}}).toml)
    http = render(args_of(FLY).toml)
    prod = Context(stack="prod", health_check_type="tcp")
    assert health_check([res("Deploy", config=tcp)], prod) == []
    found = health_check([res("Deploy", config=http)], prod)
    assert [f.message for f in found] == ["fly.toml has no TCP health check"]
    scales = [
        res("Scale", count=1, region="iad"), res("Scale", count=1, region="lhr"),
        res("Scale", count=1, region="iad", process_group="worker"),
    ]  # fmt: skip
    assert machine_count(scales, Context(stack="prod")) == []
    assert [f.message for f in machine_count(scales[:1], Context(stack="prod"))] == [
        "1 instance(s) always running; need at least 2 in production (one machine is a single "
        "point of failure)"
    ]


@pytest.mark.parametrize(
    ("environments", "warned"),
    [
        ("environments:\n  dev: {}\n  prod: {}\n", True),
        ("environments:\n  dev: {}\n  prod:\n    app_name: shop-prod\n", False),
        ("", False),  # one stack only: the name is that stack's
    ],
)
def test_a_top_level_app_name_shared_by_two_stacks_is_warned(
    tmp_path: Path, environments: str, warned: bool
) -> None:
    from config.loader import load_config, warning_problems

    config = tmp_path / "infera.yaml"
    config.write_text("project_name: shop\nprovider: fly\napp_name: shop-live\n" + environments)
    found = [
        p
        for p in warning_problems(config, "dev", load_config(config, "dev"))
        if p.key == "app_name"
    ]
    assert bool(found) is warned
    if warned:
        assert (found[0].line, found[0].col) == (3, 11)
        assert "'dev' and 'prod' deploy to the same app" in found[0].message
