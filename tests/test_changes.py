"""The offline diff of a base plan and a head plan, and its replacement rules.

The Fly rules are checked against the Fly providers themselves: each provider is taken from a
real run of the program (unpickled from `__provider`, as the engine does), and asked to diff
one changed field at a time. The GCP rules come from terraform-provider-google's ForceNew
fields (phxstack/changes.py names the source); their conditional cases are tested here.
"""

from __future__ import annotations

import base64
import runpy
import shutil
from pathlib import Path
from typing import Any

import dill
import pytest
import yaml

from phxstack.changes import FLY, REFUSED_ON, REPLACE_ON, diff
from phxstack.mocks import DYNAMIC_PROVIDER_KEY, is_secret, run_program, unwrap

ROOT = Path(__file__).resolve().parents[1]


def res(type_: str, logical: str, protect: bool = False, **inputs: Any) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:prod::phoenix::{type_}::{logical}",
        "type": type_,
        "name": logical,
        "custom": True,
        "protect": protect,
        "inputs": inputs,
    }


def one(base: list[dict[str, Any]], head: list[dict[str, Any]]) -> Any:
    (change,) = diff(base, head)
    return change


# --------------------------------------------------------------------- actions and rules
def test_added_deleted_and_unchanged_resources() -> None:
    same = res("gcp:compute/network:Network", "net", autoCreateSubnetworks=False)
    gone = res("gcp:storage/bucket:Bucket", "uploads", protect=True, location="US-CENTRAL1")
    new = res("gcp:redis/instance:Instance", "cache", tier="BASIC")
    changes = diff([same, gone], [same, new])
    assert [(c.action, c.name, c.stateful, c.protected, c.risky) for c in changes] == [
        ("create", "cache", True, False, False),
        ("delete", "uploads", True, True, True),
    ]


def test_components_are_left_out() -> None:
    component = {**res("phoenix:gcp:Stack", "s"), "custom": False}
    assert diff([], [component]) == []


def test_a_force_new_field_replaces_and_an_updatable_one_updates() -> None:
    base = res("gcp:redis/instance:Instance", "cache", tier="BASIC", memorySizeGb=1)
    bigger = one([base], [res("gcp:redis/instance:Instance", "cache", tier="BASIC",
                              memorySizeGb=5)])  # fmt: skip
    assert (bigger.action, bigger.because, bigger.risky) == ("update", (), False)
    ha = one([base], [res("gcp:redis/instance:Instance", "cache", tier="STANDARD_HA",
                          memorySizeGb=1)])  # fmt: skip
    assert (ha.action, ha.because, ha.risky) == ("replace", ("tier",), True)


def test_nested_force_new_fields_match_through_lists() -> None:
    base = res("gcp:sql/databaseInstance:DatabaseInstance", "sql",
               settings={"tier": "db-f1-micro", "collation": "en_US.UTF8"})  # fmt: skip
    tier = res("gcp:sql/databaseInstance:DatabaseInstance", "sql",
               settings={"tier": "db-g1-small", "collation": "en_US.UTF8"})  # fmt: skip
    assert one([base], [tier]).action == "update"  # a tier change restarts, in place
    collation = res("gcp:sql/databaseInstance:DatabaseInstance", "sql",
                    settings={"tier": "db-f1-micro", "collation": "C"})  # fmt: skip
    assert one([base], [collation]).because == ("settings.collation",)
    repo = res("gcp:artifactregistry/repository:Repository", "r",
               mavenConfig={"versionPolicy": "RELEASE"})  # fmt: skip
    repo2 = res("gcp:artifactregistry/repository:Repository", "r",
                mavenConfig={"versionPolicy": "SNAPSHOT"})  # fmt: skip
    assert one([repo], [repo2]).action == "replace"


@pytest.mark.parametrize(
    ("autoresize", "old", "new", "action"),
    [
        (False, 20, 10, "replace"),  # shrinking with autoresize off (diskSizeCutomizeDiff)
        (True, 20, 10, "update"),  # with autoresize the smaller size is dropped from the diff
        (False, 10, 20, "update"),  # growing is always in place
    ],
)
def test_a_cloud_sql_disk_shrink_replaces_only_without_autoresize(
    autoresize: bool, old: int, new: int, action: str
) -> None:
    t = "gcp:sql/databaseInstance:DatabaseInstance"
    base = res(t, "sql", settings={"diskSize": old, "diskAutoresize": autoresize})
    head = res(t, "sql", settings={"diskSize": new, "diskAutoresize": autoresize})
    assert one([base], [head]).action == action


@pytest.mark.parametrize(
    ("old", "new", "action"),
    [
        ("10.8.0.0/24", "10.8.0.0/21", "update"),  # expanded in place (expandIpCidrRange)
        ("10.8.0.0/21", "10.8.0.0/24", "replace"),  # IsShrinkageIpCidr
        ("10.8.0.0/21", "10.9.0.0/21", "replace"),  # moved: not a superset either
    ],
)
def test_a_subnet_range_replaces_only_when_it_does_not_contain_the_old_one(
    old: str, new: str, action: str
) -> None:
    t = "gcp:compute/subnetwork:Subnetwork"
    assert one([res(t, "s", ipCidrRange=old)], [res(t, "s", ipCidrRange=new)]).action == action


@pytest.mark.parametrize(
    ("old", "new", "action"),
    [("REDIS_6_X", "REDIS_7_2", "update"), ("REDIS_7_2", "REDIS_7_0", "replace")],
)
def test_a_redis_downgrade_replaces_an_upgrade_does_not(old: str, new: str, action: str) -> None:
    t = "gcp:redis/instance:Instance"
    assert one([res(t, "c", redisVersion=old)], [res(t, "c", redisVersion=new)]).action == action


def test_iam_members_and_generated_passwords_replace_on_any_change() -> None:
    t = "gcp:secretmanager/secretIamMember:SecretIamMember"
    member = one([res(t, "m", role="roles/a")], [res(t, "m", role="roles/b")])
    assert member.action == "replace"
    t = "random:index/randomPassword:RandomPassword"
    assert one([res(t, "p", length=32)], [res(t, "p", length=64)]).action == "replace"


def test_a_renamed_worker_pool_replaces_and_a_new_count_updates() -> None:
    t = "gcp:cloudrunv2/workerPool:WorkerPool"
    base = res(t, "w", name="shop-jobs", scaling={"manualInstanceCount": 1})
    more = one([base], [res(t, "w", name="shop-jobs", scaling={"manualInstanceCount": 3})])
    assert (more.action, more.known_rules) == ("update", True)
    renamed = one([base], [res(t, "w", name="shop-work", scaling={"manualInstanceCount": 1})])
    assert (renamed.action, renamed.because) == ("replace", ("name",))
    k = "gcp:storage/hmacKey:HmacKey"
    key = one([res(k, "h", serviceAccountEmail="a@p")], [res(k, "h", serviceAccountEmail="b@p")])
    assert (key.action, key.because) == ("replace", ("serviceAccountEmail",))


def test_a_type_without_rules_is_an_update_that_says_so() -> None:
    t = "docker-build:index:Image"
    change = one([res(t, "i", tags=["a"])], [res(t, "i", tags=["b"])])
    assert (change.action, change.known_rules) == ("update", False)


def test_unknown_and_secret_values_compare_equal_on_both_sides() -> None:
    t = "gcp:secretmanager/secretVersion:SecretVersion"
    base = res(t, "v", secret="[unknown]", secretData="[secret]")
    assert diff([base], [res(t, "v", secret="[unknown]", secretData="[secret]")]) == []


def test_a_protection_change_alone_is_an_update() -> None:
    t = "gcp:sql/database:Database"
    change = one([res(t, "db", name="app")], [res(t, "db", protect=True, name="app")])
    assert (change.action, change.changed) == ("update", ())


def test_fly_postgres_fields_flyctl_cannot_change_are_refused_not_replaced() -> None:
    t = FLY + "Postgres"
    base = res(t, "db", kind="unmanaged", volume_size_gb=10, pg_major_version=16, region="iad")
    bigger = one([base], [res(t, "db", kind="unmanaged", volume_size_gb=20,
                              pg_major_version=16, region="iad")])  # fmt: skip
    assert (bigger.action, bigger.because, bigger.risky) == ("refused", ("volume_size_gb",), True)
    # Unmanaged Postgres records no version: a new one is neither a replacement nor refused.
    version = one([base], [res(t, "db", kind="unmanaged", volume_size_gb=10,
                               pg_major_version=17, region="iad")])  # fmt: skip
    assert version.action == "update"
    moved = one([base], [res(t, "db", kind="unmanaged", volume_size_gb=10, pg_major_version=16,
                             region="ams")])  # fmt: skip
    assert (moved.action, moved.because) == ("replace", ("region",))


# --------------------------------------------------- the Fly table against the providers
def _fly_registrations(tmp_path: Path, database: dict[str, Any]) -> dict[str, Any]:
    """Every Fly object the program makes, as `pulumi up` registers it (not a preview)."""
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    raw = yaml.safe_load((ROOT / "infera.yaml").read_text(encoding="utf-8"))
    raw["app"]["path"] = str(ROOT / "examples" / "my_app")
    raw.update(database=database, storage={}, domain="app.example.com")
    raw["cache"]["plan"] = "Fixed 250MB"  # so Redis registers a plan, which replaces it
    raw["deployment"]["dedicated_ipv4"] = True
    raw["env_vars"].pop("PHX_HOST")
    raw.pop("environments")
    (tmp_path / "infera.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    run = run_program(
        lambda: runpy.run_path(str(tmp_path / "__main__.py"), run_name="__main__"),
        stack="prod",
        config={"phoenix:config": str(tmp_path / "infera.yaml")},
        preview=False,
    )
    return {r.type: r for r in run.registrations if r.type.startswith(FLY)}


def _other(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return f"{value}-changed" if isinstance(value, str) else "changed"


@pytest.mark.parametrize("kind", ["unmanaged", "mpg"])
def test_fly_replace_rules_are_what_each_provider_diff_replaces(kind: str, tmp_path: Path) -> None:
    database = {"provider": "fly-postgres" if kind == "unmanaged" else "fly-mpg"}
    registered = _fly_registrations(tmp_path, database)
    table = {t for t in REPLACE_ON if t.startswith(FLY)} - {FLY + "Volume"}
    assert table <= set(registered), f"not registered by the program: {table - set(registered)}"
    checked = 0
    for type_ in sorted(table):
        r = registered[type_]
        blob = r.inputs[DYNAMIC_PROVIDER_KEY]
        provider = dill.loads(base64.b64decode(unwrap(blob) if is_secret(blob) else blob))
        olds = {k: v for k, v in r.inputs.items() if k != DYNAMIC_PROVIDER_KEY}
        rules = {path for path, _ in REPLACE_ON[type_]}
        # Each field the table names is set by the program here, so each is really diffed.
        assert rules <= set(olds), (type_, rules - set(olds))
        for key, value in olds.items():
            if is_secret(value) or isinstance(value, dict | list):
                continue  # secret values and maps are not compared offline
            news = {**olds, key: _other(value)}
            replaces = set(provider.diff("id", olds, news).replaces or ())
            ignored = kind == "unmanaged" and key == "pg_major_version"
            assert (key in replaces) is (key in rules and not ignored), (type_, key)
            # A refusal is check's "cannot change" failure (other failures are invalid values).
            refused = key in REFUSED_ON.get(type_, ())
            failures = provider.check(olds, news).failures
            says = any(f.property == key and "cannot change" in f.reason for f in failures)
            assert says is refused, (type_, key, failures)
            checked += 1
    assert checked > 30  # the walk really compared fields
