"""The fake flyctl keeps to the recorded flyctl contract, so tests built on it mean something."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FAKES = Path(__file__).resolve().parents[1] / "fakes"
FAKE = FAKES / "flyctl"
CONTRACT = json.loads((FAKES / "flyctl-contract.json").read_text())
COMMANDS = CONTRACT["commands"]
sys.path.insert(0, str(FAKES))
import fake_flyctl  # noqa: E402

TOKEN = "FlyV1 fm2_test-token-0123456789"
CANARY = "canary-3f9a1c"


class Fly:
    def __init__(self, tmp: Path) -> None:
        self.state = tmp / "state"
        self.log = tmp / "log.jsonl"
        self.cwd = tmp / "work"
        self.cwd.mkdir()
        self.env = {
            "PATH": os.environ["PATH"],
            "FLYCTL_FAKE_STATE": str(self.state),
            "FLYCTL_FAKE_LOG": str(self.log),
            "FLY_API_TOKEN": TOKEN,
        }

    def __call__(
        self, *args: str, stdin: str = "", timeout: float = 10, **env: str
    ) -> subprocess.CompletedProcess[str]:
        full = {**self.env, **env}
        full = {k: v for k, v in full.items() if v is not None and v != "<unset>"}
        return subprocess.run(
            [str(FAKE), *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=full,
            timeout=timeout,
            check=False,
        )

    def ok(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        r = self(*args, **kw)
        assert r.returncode == 0, r.stderr
        return r

    def error(self, *args: str, **kw: Any) -> str:
        r = self(*args, **kw)
        assert r.returncode == 1, (r.stdout, r.stderr)
        line = next(ln for ln in r.stderr.splitlines() if ln.startswith("Error: "))
        return line.removeprefix("Error: ")

    def toml(self, text: str) -> None:
        (self.cwd / "fly.toml").write_text(text)


@pytest.fixture
def fly(tmp_path: Path) -> Fly:
    return Fly(tmp_path)


APP_TOML = """app = "demo"
primary_region = "ams"
[build]
image = "registry.example/demo:1"
[env]
PHX_HOST = "demo.fly.dev"
[http_service]
internal_port = 8080
force_https = true
[[vm]]
memory = "512mb"
cpu_kind = "shared"
cpus = 2
"""


def deployed(fly: Fly) -> None:
    fly.toml(APP_TOML)
    fly.ok("apps", "create", "demo", "--org", "personal")
    fly.ok("deploy", "--yes", "--remote-only", "--wait-timeout", "2m")


# --------------------------------------------------------------------------- contract coverage
def test_every_command_the_fake_runs_exists_in_the_contract() -> None:
    assert set(COMMANDS) >= fake_flyctl.SUPPORTED


@pytest.mark.parametrize(
    ("command", "spelling"),
    [
        (c, s)
        for c in sorted(fake_flyctl.SUPPORTED)
        for s in COMMANDS[c].get("accepted_flag_spellings", [])
    ],
)
def test_every_contract_flag_spelling_parses(command: str, spelling: str) -> None:
    spec = COMMANDS[command]
    canonical = next(
        name
        for name, f in spec["flags"].items()
        if spelling in (name, f.get("short"), *f.get("aliases", []))
    )
    kind = spec["flags"][canonical]["type"]
    value = {"bool": "true", "int": "3", "float64": "0.5"}.get(kind, "x")
    parsed = fake_flyctl.parse_flags([spelling, value], spec, root=False, usage="")
    assert canonical in parsed.specified
    if kind == "bool":  # a bool flag does not swallow the next word
        assert parsed.args == ["true"]


@pytest.mark.parametrize("command", sorted(fake_flyctl.SUPPORTED))
def test_flags_outside_the_contract_are_unknown(command: str) -> None:
    with pytest.raises(fake_flyctl.CliError) as err:
        fake_flyctl.parse_flags(["--not-a-flag"], COMMANDS[command], root=False, usage="")
    assert err.value.message == "unknown flag: --not-a-flag"


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["ip", "ls"], "ips list"),
        (["machines", "list"], "machine list"),
        (["m", "ls"], "machine list"),
        (["pg", "create"], "postgres create"),
        (["apps", "rm"], "apps destroy"),
        (["app", "ls"], "apps list"),
        (["tigris", "create"], "storage create"),
        (["ext", "tigris", "create"], "storage create"),
        (["certs", "show"], "certs check"),
        (["mpg", "delete"], "mpg destroy"),
    ],
)
def test_aliases_resolve_to_the_contract_command(argv: list[str], command: str) -> None:
    assert fake_flyctl.resolve_command(argv)[0] == command


def test_unknown_flag_is_cobras_exact_error(fly: Fly) -> None:
    r = fly("apps", "list", "--x")
    assert (r.returncode, r.stderr) == (1, "Error: unknown flag: --x\n")
    assert "Usage:" in r.stdout


def test_json_is_not_a_global_flag(fly: Fly) -> None:
    assert fly.error("deploy", "--json") == "unknown flag: --json"


def test_allocate_v6_has_no_yes_flag(fly: Fly) -> None:
    assert fly.error("ips", "allocate-v6", "--yes", "-a", "demo") == "unknown flag: --yes"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["certs", "add", "-a", "demo"], "accepts 1 arg(s), received 0"),
        (["secrets", "set", "-a", "demo"], "requires at least 1 arg(s), only received 0"),
        (["apps", "create", "a", "b"], "accepts between 0 and 1 arg(s), received 2"),
        (["status", "extra"], 'unknown command "extra" for "fly status"'),
        (["apps", "destroy", "--yes"], "no app names provided"),
        (["status", "-a"], "flag needs an argument: 'a' in -a"),
        (
            ["status", "--rate", "x", "-a", "d"],
            'invalid argument "x" for "--rate" flag: strconv.ParseInt: parsing "x": invalid syntax',
        ),
    ],
)
def test_argument_errors_match_cobra(fly: Fly, argv: list[str], message: str) -> None:
    assert fly.error(*argv) == message


def _prompt_errors(command: str) -> set[str]:
    return {
        p["noninteractive_error"]
        for p in COMMANDS[command]["prompts"]
        if p.get("noninteractive_error")
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One state with an app, a certificate, a cluster and a bucket, copied per test for speed."""
    seed = Fly(tmp_path_factory.mktemp("seed"))
    deployed(seed)
    seed.ok("mpg", "create", "-n", "db", "-o", "personal", "-r", "ams")
    seed.ok("certs", "add", "demo.example", "-a", "demo")
    seed.ok("storage", "create", "--yes", "-n", "bucket-x", "-o", "personal")
    (seed.state / "calls").unlink()
    return seed.state


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("apps create", ["apps", "create"]),
        ("apps destroy", ["apps", "destroy", "demo"]),
        ("certs remove", ["certs", "remove", "demo.example", "-a", "demo"]),
        ("ips allocate-v4", ["ips", "allocate-v4", "-a", "demo"]),
        ("scale count", ["scale", "count", "3", "-a", "demo"]),
        ("postgres create", ["postgres", "create", "--org", "personal"]),
        ("postgres create", ["postgres", "create", "--name", "db", "--org", "personal"]),
        ("postgres create", ["pg", "create", "-n", "db", "-o", "personal", "-r", "ams"]),
        ("postgres detach", ["postgres", "detach", "demo", "-a", "demo"]),
        ("mpg create", ["mpg", "create", "--org", "personal"]),
        ("mpg create", ["mpg", "create", "-n", "db", "-o", "personal"]),
        ("mpg destroy", ["mpg", "destroy", "CLUSTER"]),
        ("mpg status", ["mpg", "status"]),
        ("redis create", ["redis", "create", "-o", "personal"]),
        ("redis create", ["redis", "create", "-o", "personal", "-n", "r", "-r", "ams"]),
        (
            "redis create",
            ["redis", "create", "-o", "personal", "-n", "r", "-r", "ams", "--disable-eviction"],
        ),
        (
            "redis create",
            [
                "redis",
                "create",
                "-o",
                "personal",
                "-n",
                "r",
                "-r",
                "ams",
                "--disable-eviction",
                "--enable-prodpack=false",
            ],
        ),
        (
            "redis create",
            # A fixed plan also asks "Would you like to enable auto-upgrade?".
            [
                "redis",
                "create",
                "-o",
                "personal",
                "-n",
                "r",
                "-r",
                "ams",
                "--disable-eviction",
                "--enable-prodpack=false",
                "--no-replicas",
                "--plan",
                "Fixed 250MB",
            ],
        ),
        # The confirmation comes before the lookup: a missing certificate fails on it too.
        ("certs remove", ["certs", "remove", "missing.example", "-a", "demo"]),
        ("storage create", ["storage", "create", "-a", "demo"]),
        ("storage destroy", ["storage", "destroy", "bucket-x"]),
        # The warning about volumes pinned to one host: only --yes or --count > 1 skip it.
        ("volumes create", ["volumes", "create", "data", "-a", "demo", "-r", "ams"]),
        ("volumes create", ["volumes", "create", "data", "-a", "demo", "--yes"]),
    ],
)
def test_prompts_fail_with_the_contracts_noninteractive_text(
    fly: Fly, seeded: Path, command: str, argv: list[str]
) -> None:
    shutil.copytree(seeded, fly.state)
    cluster = next(iter(json.loads((fly.state / "state.json").read_text())["mpg"]))
    argv = [cluster if a == "CLUSTER" else a for a in argv]
    assert fly.error(*argv, FLY_APP="<unset>") in _prompt_errors(command)


def test_redis_fixed_plan_runs_once_auto_upgrade_is_answered(fly: Fly) -> None:
    fly.ok("redis", "create", "-o", "personal", "-n", "r", "-r", "ams", "--disable-eviction",
           "--enable-prodpack=false", "--no-replicas", "--plan", "Fixed 250MB",
           "--enable-auto-upgrade=false")  # fmt: skip


@pytest.mark.parametrize(
    "argv",
    [
        ["apps", "create", "x", "--org", "acme"],
        ["mpg", "create", "-n", "db", "-o", "acme", "-r", "ams"],
        ["redis", "create", "-o", "acme"],
        ["storage", "create", "--yes", "-n", "b", "-o", "acme"],
    ],
)
def test_an_org_the_token_cannot_see_is_not_found(fly: Fly, argv: list[str]) -> None:
    # Not in the contract: flyctl internal/prompt/prompt.go Org() for an unknown slug.
    assert fly.error(*argv) == "organization acme not found"
    assert fly.error("apps", "create", "x", FLY_ORG="acme") == "organization acme not found"
    fly.ok("apps", "create", "x", "--org", "acme", FLYCTL_FAKE_ORGS="personal,acme")


def test_org_prompt_fails_when_the_token_sees_several_orgs(fly: Fly) -> None:
    message = fly.error("apps", "create", "x", FLYCTL_FAKE_ORGS="personal,acme")
    assert message == "org slug must be specified when not running interactively"


# --------------------------------------------------------------------------- auth
@pytest.mark.parametrize("argv", [["apps", "list"], ["status", "-a", "x"], ["auth", "whoami"]])
def test_no_token_is_the_contracts_error(fly: Fly, argv: list[str]) -> None:
    assert fly.error(*argv, FLY_API_TOKEN="<unset>") == CONTRACT["auth"]["no_token_error"]


def test_access_token_env_and_flag_count_as_tokens(fly: Fly) -> None:
    fly.ok("apps", "list", FLY_API_TOKEN="<unset>", FLY_ACCESS_TOKEN=TOKEN)
    fly.ok("apps", "list", "-t", TOKEN, FLY_API_TOKEN="<unset>")


def test_invalid_token_is_an_api_error(fly: Fly) -> None:
    message = fly.error("auth", "whoami", FLY_API_TOKEN="invalid")
    assert message.startswith("failed retrieving current user: ")
    assert CONTRACT["auth"]["invalid_token_error_contains"] in message


def test_postgres_list_has_no_session_check(fly: Fly) -> None:
    message = fly.error("postgres", "list", FLY_API_TOKEN="<unset>")
    assert message == CONTRACT["auth"]["invalid_token_error_contains"]


def test_mpg_needs_a_macaroon_token(fly: Fly) -> None:
    message = fly.error("mpg", "list", FLY_API_TOKEN="old-style-token")
    assert message == CONTRACT["auth"]["mpg_old_token_error"]


# --------------------------------------------------------------------------- app resolution
def test_missing_app_is_the_contracts_error(fly: Fly) -> None:
    assert fly.error("status") == CONTRACT["missing_app_error"]


def test_app_comes_from_flag_then_env_then_fly_toml(fly: Fly) -> None:
    fly.toml('app = "from-toml"\n')
    for name in ("from-flag", "from-env", "from-toml"):
        fly.ok("apps", "create", name)
    assert (
        json.loads(fly.ok("status", "--json", "-a", "from-flag", FLY_APP="from-env").stdout)["Name"]
        == "from-flag"
    )
    assert json.loads(fly.ok("status", "--json", FLY_APP="from-env").stdout)["Name"] == "from-env"
    assert json.loads(fly.ok("status", "--json").stdout)["Name"] == "from-toml"


def test_config_flag_accepts_a_directory(fly: Fly) -> None:
    (fly.cwd / "sub").mkdir()
    (fly.cwd / "sub" / "fly.toml").write_text('app = "sub-app"\n')
    fly.ok("apps", "create", "sub-app")
    assert json.loads(fly.ok("status", "-j", "-c", "sub").stdout)["Name"] == "sub-app"
    assert fly.error("status", "-c", "nope") == "config file not found at specified path: nope"


def test_unknown_app_is_flyctls_not_found(fly: Fly) -> None:
    assert fly.error("status", "-a", "ghost") == 'failed to get app: Could not find App "ghost"'
    assert fly.error("deploy", "-a", "ghost", "-i", "img") == (
        "the app name ghost could not be found, did you create the app or misspell it in the "
        "fly.toml file or via -a?"
    )


def test_app_names_are_global(fly: Fly) -> None:
    fly.ok("apps", "create", "demo")
    assert fly.error("apps", "create", "demo") == "Validation failed: Name has already been taken"
    # fly-go FlapsError.Suggestion for the name_taken code, after the Error line.
    assert fly("apps", "create", "demo").stderr.endswith(
        "\nApp names are unique across all of Fly.io, not just your organization, so this name "
        "may be held by an app you cannot see. Try a different name.\n\n"
    )
    message = fly.error("apps", "create", "other", FLYCTL_FAKE_TAKEN_NAMES="other")
    assert message == "Validation failed: Name has already been taken"


# --------------------------------------------------------------------------- JSON shapes
def test_apps_create_json_is_a_full_fly_app(fly: Fly) -> None:
    app = json.loads(fly.ok("apps", "create", "demo", "--json").stdout)
    spec = COMMANDS["apps create"]
    assert list(app) == spec["json_fields"]
    assert list(app["Organization"]) == spec["json_shape"]["Organization"]


def test_status_json_is_a_sorted_map(fly: Fly) -> None:
    deployed(fly)
    status = json.loads(fly.ok("status", "--json").stdout)
    fields = [f for f in COMMANDS["status"]["json_fields"] if f != "Network"]
    assert list(status) == sorted(fields)
    assert list(status["Organization"]) == COMMANDS["status"]["json_shape"]["Organization"]
    assert status["Version"] == 1


def test_status_json_lists_machines_by_id_descending(fly: Fly) -> None:
    deployed(fly)
    fly.ok("scale", "count", "3", "--yes", "-a", "demo")
    ids = [m["id"] for m in json.loads(fly.ok("status", "-a", "demo", "--json").stdout)["Machines"]]
    assert len(ids) == 3
    assert ids == sorted(ids, reverse=True)


def test_json_output_is_indented_four_spaces(fly: Fly) -> None:
    fly.ok("apps", "create", "demo")
    assert fly.ok("apps", "list", "--json").stdout.startswith("[\n    {\n        ")


def test_machine_json_fields_come_from_fly_machine(fly: Fly) -> None:
    deployed(fly)
    machines = json.loads(fly.ok("machine", "list", "--json").stdout)
    shape = COMMANDS["machine list"]["json_shape"]["shape"]
    for m in machines:
        assert set(m) <= set(COMMANDS["machine list"]["json_fields"])
        assert {"image_ref", "cordoned"} <= set(m)
        assert set(m["image_ref"]) <= set(shape["image_ref"])
        assert set(m["config"]) <= set(shape["config"])
        assert set(m["config"]["guest"]) <= set(shape["config.guest"])
        assert m["config"]["metadata"]["fly_platform_version"] == "v2"
        assert m["config"]["guest"] == {"cpu_kind": "shared", "cpus": 2, "memory_mb": 512}


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["ips", "list", "--json"], "ips list"),
        (["scale", "show", "--json"], "scale show"),
        (["secrets", "list", "--json"], "secrets list"),
        (["certs", "list", "--json"], "certs list"),
        (["postgres", "list", "--json"], "postgres list"),
    ],
)
def test_list_json_items_have_the_contract_fields(fly: Fly, argv: list[str], command: str) -> None:
    deployed(fly)
    fly.ok("secrets", "set", "A=1", "-a", "demo")
    fly.ok("certs", "add", "demo.example", "-a", "demo")
    fly.ok(
        "pg",
        "create",
        "-n",
        "db",
        "-o",
        "personal",
        "-r",
        "ams",
        "--initial-cluster-size",
        "1",
        "--vm-size",
        "shared-cpu-1x",
        "--volume-size",
        "1",
    )
    items = json.loads(
        fly.ok(*argv, "-a", "demo").stdout if command != "postgres list" else fly.ok(*argv).stdout
    )
    assert items
    optional = set(COMMANDS[command].get("json_shape", {}).get("omitempty", [])) | {"dns_provider"}
    for item in items:
        assert set(COMMANDS[command]["json_fields"]) - optional <= set(item)
        assert set(item) <= set(COMMANDS[command]["json_fields"])


def test_certs_add_json_shape(fly: Fly) -> None:
    deployed(fly)
    cert = json.loads(fly.ok("certs", "add", "demo.example", "-a", "demo", "-j").stdout)
    shape = COMMANDS["certs add"]["json_shape"]
    required = set(COMMANDS["certs add"]["json_fields"]) - set(shape["omitempty"])
    assert required <= set(cert) <= set(COMMANDS["certs add"]["json_fields"])
    assert list(cert["validation"]) == shape["validation"]
    assert cert["configured"] is False
    ready = json.loads(fly.ok("certs", "check", "demo.example", "-a", "demo", "-j").stdout)
    assert (ready["configured"], ready["status"]) == (True, "Ready")


def test_version_json_is_single_line(fly: Fly) -> None:
    out = fly.ok("version", "--json", FLY_API_TOKEN="<unset>").stdout
    assert out.count("\n") == 1
    assert list(json.loads(out)) == COMMANDS["version"]["json_fields"]


def test_empty_lists_print_text_even_with_json(fly: Fly) -> None:
    assert fly.ok("postgres", "list", "--json").stdout == "No postgres clusters found\n"
    assert fly.ok("mpg", "list", "--json").stdout == (
        "No managed postgres clusters found in organization personal\n"
    )
    assert fly.ok("apps", "list", "--json").stdout == "[]\n"


def test_mpg_lookup_errors_all_read_as_not_found(fly: Fly) -> None:
    # mpg/mpg.go ClusterFromArgOrSelect: one text for a missing cluster and a failed lookup.
    assert fly.error("mpg", "status", "nope1234") == 'managed postgres cluster "nope1234" not found'
    fly.ok("mpg", "create", "--name", "db", "--org", "personal", "--region", "iad",
           "--pg-major-version", "16")  # fmt: skip
    cid = json.loads(fly.ok("mpg", "list", "--org", "personal", "--json").stdout)[0]["id"]
    calls = int((fly.state / "calls").read_text())
    assert fly.error("mpg", "status", cid, FLYCTL_FAKE_FAIL=f"{calls + 1}:lookup") == (
        f'managed postgres cluster "{cid}" not found'
    )


def test_mpg_destroy_only_schedules_the_deletion(fly: Fly) -> None:
    fly.ok("mpg", "create", "--name", "db", "--org", "personal", "--region", "iad",
           "--pg-major-version", "16")  # fmt: skip
    cid = json.loads(fly.ok("mpg", "list", "--org", "personal", "--json").stdout)[0]["id"]
    out = fly.ok("mpg", "destroy", cid, "--yes").stdout
    assert (
        out
        == f"Managed Postgres cluster db ({cid}) scheduled to be destroyed (may take some time)\n"
    )
    listed = json.loads(fly.ok("mpg", "list", "--org", "personal", "--json").stdout)
    assert [(c["id"], c["status"]) for c in listed] == [(cid, "deleting")]
    for _ in range(3):
        fly.ok("version")
    assert fly.ok("mpg", "list", "--org", "personal", "--json").stdout.startswith(
        "No managed postgres clusters found"
    )


def test_mpg_status_json_has_data_and_credentials(fly: Fly) -> None:
    out = fly.ok("mpg", "create", "-n", "db", "-o", "personal", "-r", "ams").stdout
    assert "Managed Postgres cluster created successfully!" in out
    cid = next(ln.split(": ")[1] for ln in out.splitlines() if ln.startswith("  ID: "))
    status = json.loads(fly.ok("mpg", "status", cid, "--json").stdout)
    spec = COMMANDS["mpg status"]["json_shape"]
    assert set(status["data"]) == set(spec["data"])
    assert list(status["credentials"]) == spec["credentials"]


# What flyctl's render.VerticalTable printed, built against tablewriter v1.1.4 and aurora
# v2.0.3 (flyctl ad0172fa go.mod) for these two rows.
TABLEWRITER_1_1_4 = (
    "\x1b[1mRedis\x1b[0m\n"
    " ID             \u2502 abc123XYZ                                                       \n"
    " Name           \u2502 demo-app-redis                                                  \n"
    " Plan           \u2502 Pay-as-you-go                                                   \n"
    " Primary Region \u2502 iad                                                             \n"
    " Read Regions   \u2502 None                                                            \n"
    " Eviction       \u2502 Disabled                                                        \n"
    " Auto-Upgrade   \u2502 Disabled                                                        \n"
    " ProdPack       \u2502 Disabled                                                        \n"
    " Private URL    \u2502 redis://default:pw0123456789@fly-demo-app-redis.upstash.io:6379 \n"
    "\n"
    "\x1b[1mRedis\x1b[0m\n"
    " ID             \u2502 x        \n"
    " Name           \u2502          \n"
    " Plan           \u2502 a b      \n"
    " Primary Region \u2502 iad      \n"
    " Read Regions   \u2502 ams,fra  \n"
    " Eviction       \u2502 Enabled  \n"
    " Auto-Upgrade   \u2502 Disabled \n"
    " ProdPack       \u2502 Disabled \n"
    " Private URL    \u2502          \n"
    "\n"
)
REDIS_ROWS = ["ID", "Name", "Plan", "Primary Region", "Read Regions", "Eviction",
              "Auto-Upgrade", "ProdPack", "Private URL"]  # fmt: skip


def test_vertical_tables_render_as_tablewriter_1_1_4_does() -> None:
    first = ["abc123XYZ", "demo-app-redis", "Pay-as-you-go", "iad", "None", "Disabled",
             "Disabled", "Disabled", "redis://default:pw0123456789@fly-demo-app-redis.upstash.io:6379"]  # fmt: skip
    second = ["x", "", "a b  ", "iad", "ams,fra", "Enabled", "Disabled", "Disabled", ""]
    text = "".join(
        line + "\n"
        for values in (first, second)
        for line in fake_flyctl.vertical_table("Redis", list(zip(REDIS_ROWS, values, strict=True)))
    )
    assert text == TABLEWRITER_1_1_4


def test_redis_status_is_a_vertical_table_with_a_box_drawing_separator(fly: Fly) -> None:
    fly.ok("redis", "create", "-o", "personal", "-n", "cache", "-r", "ams",
           "--disable-eviction", "--no-replicas", "--enable-prodpack=false")  # fmt: skip
    lines = fly.ok("redis", "status", "cache").stdout.split("\n")
    assert lines[0] == "\x1b[1mRedis\x1b[0m"
    assert [ln.split("\u2502")[0].strip() for ln in lines[1:10]] == REDIS_ROWS
    assert lines[5] == " Read Regions   \u2502 None" + " " * (len(lines[5]) - 22)
    assert lines[9].startswith(" Private URL    \u2502 redis://default:")
    assert "=" not in "".join(ln.split("\u2502")[0] for ln in lines[1:10])
    assert lines[10:] == ["", ""]


def test_redis_create_prints_the_url_line(fly: Fly) -> None:
    out = fly.ok(
        "redis",
        "create",
        "-o",
        "personal",
        "-n",
        "cache",
        "-r",
        "ams",
        "--disable-eviction",
        "--no-replicas",
        "--enable-prodpack=false",
    ).stdout
    assert out.startswith(
        "Your database cache is ready. Apps in the personal org can connect to Redis at "
        "redis://default:"
    )
    assert out.rstrip().endswith("@fly-cache.upstash.io:6379")


def test_postgres_create_prints_the_connection_string(fly: Fly) -> None:
    r = fly.ok(
        "pg",
        "create",
        "-n",
        "db",
        "-o",
        "personal",
        "-r",
        "ams",
        "-p",
        "pw123",
        "--initial-cluster-size",
        "1",
        "--vm-size",
        "shared-cpu-1x",
        "--volume-size",
        "1",
    )
    assert "  Connection string: postgres://postgres:pw123@db.flycast:5432\n" in r.stdout
    assert "Unmanaged Fly Postgres is not supported" in r.stderr


# --------------------------------------------------------------------------- secrets
def test_secrets_import_parses_flyctl_stdin_format(fly: Fly) -> None:
    fly.ok("apps", "create", "demo")
    stdin = '# comment\n\nA=plain\nB = "quoted" # note\nC="""multi\nline"""\n'
    fly.ok("secrets", "import", "-a", "demo", stdin=stdin)
    listed = json.loads(fly.ok("secrets", "list", "-a", "demo", "--json").stdout)
    digests = {s["name"]: s["digest"] for s in listed}
    expect = {"A": "plain", "B": "quoted", "C": "multi\nline"}
    assert digests == {k: fake_flyctl.digest(v) for k, v in expect.items()}


def test_secrets_import_cuts_at_the_first_hash_and_stops_at_a_64_kib_line(fly: Fly) -> None:
    # secrets/parser.go: strings.Cut(value, "#") with an even count of `"` before it; the
    # bufio.Scanner stops silently at a line that does not fit 64 KiB.
    fly.ok("apps", "create", "demo")
    stdin = 'P=p@ss#w0rd\nODD=a"b#c\nCR=v\r\nBIG=' + "x" * 65536 + "\nLATE=gone\n"
    fly.ok("secrets", "import", "-a", "demo", stdin=stdin)
    listed = json.loads(fly.ok("secrets", "list", "-a", "demo", "--json").stdout)
    expect = {"P": "p@ss", "ODD": 'a"b#c', "CR": "v"}
    assert {s["name"]: s["digest"] for s in listed} == {
        k: fake_flyctl.digest(v) for k, v in expect.items()
    }


def test_secrets_import_panics_on_a_lone_quote_as_flyctl_does(fly: Fly) -> None:
    fly.ok("apps", "create", "demo")
    r = fly("secrets", "import", "-a", "demo", stdin="Q='\n")
    assert (r.returncode, r.stderr) == (3, "")
    assert r.stdout.startswith(
        "Oops, something went wrong! Could you try that again?\n\n"
        "runtime error: slice bounds out of range [1:0]"
    )


def test_secrets_set_from_stdin_trims_and_refuses_more_than_64_kib(fly: Fly) -> None:
    fly.ok("apps", "create", "demo")
    fly.ok("secrets", "set", "K=-", "-a", "demo", "--stage", stdin=" a\r\nb\n")
    listed = json.loads(fly.ok("secrets", "list", "-a", "demo", "--json").stdout)
    assert [s["digest"] for s in listed] == [fake_flyctl.digest("a\r\nb")]
    assert fly.error("secrets", "set", "K=-", "-a", "demo", stdin="x" * 65537) == (
        "error reading stdin for 'K': Input exceeded max length of 65536 bytes"
    )


def test_secrets_import_rejects_a_line_without_equals(fly: Fly) -> None:
    fly.ok("apps", "create", "demo")
    assert fly.error("secrets", "import", "-a", "demo", stdin="JUNK\n") == (
        "Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs "
        "(JUNK is invalid)"
    )
    assert fly.error("secrets", "import", "-a", "demo", stdin="") == (
        "requires at least one SECRET=VALUE pair"
    )


def test_stdin_secret_values_reach_neither_log_nor_state_nor_output(fly: Fly) -> None:
    deployed(fly)
    r = fly.ok("secrets", "import", "-a", "demo", stdin=f"DB_PASSWORD={CANARY}\n")
    listed = fly.ok("secrets", "list", "-a", "demo", "--json").stdout
    assert CANARY not in r.stdout + r.stderr + listed
    assert CANARY not in fly.log.read_text()
    for path in fly.state.iterdir():
        assert CANARY not in path.read_text()


def test_staged_secrets_wait_for_a_deploy(fly: Fly) -> None:
    deployed(fly)
    out = fly.ok("secrets", "import", "--stage", "-a", "demo", stdin="K=v\n").stdout
    assert out.startswith("Secrets have been staged, but not set on VMs.")

    def statuses():
        return {s["name"]: s["status"] for s in json.loads(fly.ok("secrets", "list", "-j").stdout)}

    assert statuses() == {"K": "Staged"}
    fly.ok("secrets", "deploy")
    assert statuses() == {"K": "Deployed"}
    fly.ok("secrets", "unset", "K", "MISSING")
    assert statuses() == {}


def test_secrets_before_first_deploy_are_staged_for_it(fly: Fly) -> None:
    fly.ok("apps", "create", "demo")
    out = fly.ok("secrets", "set", "K=v", "-a", "demo").stdout
    assert out == "Secrets are staged for the first deployment\n"
    r = fly("secrets", "deploy", "-a", "demo")
    assert r.returncode == 1
    # internal/cli/cli.go printError: description and suggestion each end with a blank line.
    assert r.stderr == (
        "Error: no machines available to deploy\n'fly secrets deploy' will only work if the "
        "app has been deployed and there are machines available\n\nTry 'fly deploy' first\n\n"
    )


# --------------------------------------------------------------------------- deploy and scale
def test_deploy_records_config_image_release_and_machines(fly: Fly) -> None:
    deployed(fly)
    fly.ok(
        "deploy",
        "--image",
        "registry.example/demo:2",
        "--strategy",
        "immediate",
        "--build-arg",
        "A=1",
        "--build-arg",
        "B=2",
    )
    state = json.loads((fly.state / "state.json").read_text())["apps"]["demo"]
    release = state["releases"][-1]
    assert (release["version"], release["image"], release["strategy"]) == (
        2,
        "registry.example/demo:2",
        "immediate",
    )
    assert release["config"]["http_service"]["internal_port"] == 8080
    assert release["flags"]["build_args"] == ["A=1", "B=2"]
    machines = json.loads(fly.ok("machine", "list", "--json").stdout)
    assert len(machines) == 2  # --ha defaults to true
    assert {m["config"]["image"] for m in machines} == {"registry.example/demo:2"}
    assert {m["config"]["metadata"]["fly_release_version"] for m in machines} == {"2"}
    assert json.loads(fly.ok("status", "-j").stdout)["Version"] == 2


def test_deploy_validates_its_duration_flags(fly: Fly) -> None:
    deployed(fly)
    assert fly.error("deploy", "--wait-timeout", "soon") == (
        "invalid duration value soon used for --wait-timeout flag: valid options are a number "
        "of seconds, number with time unit (i.e.: 5m, 180s) or 'none'"
    )


def test_first_deploy_allocates_shared_v4_and_v6(fly: Fly) -> None:
    deployed(fly)
    types = sorted(ip["Type"] for ip in json.loads(fly.ok("ips", "list", "-j").stdout))
    assert types == ["shared_v4", "v6"]


def test_scale_count_changes_machines_without_a_release(fly: Fly) -> None:
    deployed(fly)
    fly.ok("scale", "count", "3", "--yes")
    assert len(json.loads(fly.ok("machine", "list", "--json").stdout)) == 3
    assert json.loads(fly.ok("status", "-j").stdout)["Version"] == 1
    noop = fly.ok("scale", "count", "3").stdout
    assert noop == "App already scaled to desired state. No need for changes\n"
    fly.ok("scale", "count", "app=1", "-y")
    assert json.loads(fly.ok("scale", "show", "-j").stdout)[0]["Count"] == 1


def test_scale_count_needs_a_release(fly: Fly) -> None:
    fly.ok("apps", "create", "demo")
    assert fly.error("scale", "count", "2", "-a", "demo", "-y") == (
        "this app has no complete releases. Run `fly deploy` to create one and rerun this command"
    )


def test_state_persists_across_invocations(fly: Fly) -> None:
    fly.ok("apps", "create", "one")
    fly.ok("apps", "create", "two")
    fly.ok("apps", "destroy", "one", "--yes")
    assert fly.ok("apps", "list", "-q").stdout == "two\n"


# --------------------------------------------------------------------------- knobs and log
def test_log_has_one_line_per_call_with_argv_and_cwd(fly: Fly) -> None:
    fly.ok("apps", "list")
    fly("apps", "list", "--bogus")
    lines = [json.loads(ln) for ln in fly.log.read_text().splitlines()]
    assert lines == [
        {"argv": ["apps", "list"], "cwd": str(fly.cwd)},
        {"argv": ["apps", "list", "--bogus"], "cwd": str(fly.cwd)},
    ]


def test_fail_knob_fails_the_nth_call_with_real_shapes(fly: Fly) -> None:
    knob = {"FLYCTL_FAKE_FAIL": "2:transient, 3:permanent,4:ratelimit,5:reset,6:auth"}
    fly.ok("apps", "list", **knob)
    assert "non-200 status code: 503" in fly.error("apps", "list", **knob)
    assert "non-2xx status, 422" in fly.error("apps", "list", **knob)
    assert "429" in fly.error("apps", "list", **knob)
    assert "connection reset by peer" in fly.error("apps", "list", **knob)
    assert "You must be authenticated" in fly.error("apps", "list", **knob)
    fly.ok("apps", "list", **knob)
    assert (fly.state / "calls").read_text() == "7"


def test_fail_knob_does_not_change_state(fly: Fly) -> None:
    fly("apps", "create", "demo", FLYCTL_FAKE_FAIL="1:transient")
    assert fly.ok("apps", "list", "-q").stdout == ""


def test_malformed_knob_truncates_json(fly: Fly) -> None:
    fly.ok("apps", "create", "demo")
    out = fly.ok("apps", "list", "--json", FLYCTL_FAKE_FAIL="2:malformed").stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)
    assert out and json.loads(fly.ok("apps", "list", "--json").stdout)


def test_parse_knob_fails_secrets_import_quoting_its_first_line_and_sets_nothing(
    fly: Fly,
) -> None:
    fly.ok("apps", "create", "demo")
    knob = {"FLYCTL_FAKE_FAIL": "2:parse"}
    stdin = "# note\n\nA=first-value\nB=second\n"
    assert fly.error("secrets", "import", "-a", "demo", stdin=stdin, **knob) == (
        "Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs "
        "(A=first-value is invalid)"
    )
    assert json.loads(fly.ok("secrets", "list", "-a", "demo", "--json").stdout) == []


def test_parse_knob_on_another_command_is_refused_not_ignored(fly: Fly) -> None:
    r = fly("apps", "list", FLYCTL_FAKE_FAIL="1:parse")
    assert (r.returncode, r.stderr) == (
        2,
        "Error: fake flyctl: FLYCTL_FAKE_FAIL `parse` hit `apps list`\n",
    )


def test_hang_knob_outlasts_a_timeout(fly: Fly) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        fly("apps", "list", timeout=0.5, FLYCTL_FAKE_FAIL="1:hang", FLYCTL_FAKE_HANG_SECONDS="5")


def test_fake_refuses_to_run_without_a_state_dir(fly: Fly) -> None:
    r = fly("version", FLYCTL_FAKE_STATE="<unset>")
    assert (r.returncode, r.stderr) == (2, "fake flyctl: FLYCTL_FAKE_STATE is not set\n")


# --------------------------------------------------------------------------- regions, groups, volumes
def worker_toml(mount: str) -> str:
    """The app with a worker process group beside the web one, and one [[mounts]] table."""
    return (
        APP_TOML.replace("force_https = true\n", 'force_https = true\nprocesses = ["app"]\n')
        + """[processes]
app = ""
worker = "/app/bin/my_app eval 'MyApp.Worker.run()'"
[[mounts]]
source = "data"
destination = "/data"
"""
        + mount
    )


WORKER_TOML = worker_toml('initial_size = "3gb"\nsnapshot_retention = 10\nprocesses = ["app"]\n')


def _machines(fly: Fly) -> list[tuple[str, str, str | None]]:
    out = []
    for m in json.loads(fly.ok("machine", "list", "--json").stdout):
        mounts = m["config"].get("mounts") or [{}]
        out.append(
            (m["config"]["metadata"]["fly_process_group"], m["region"], mounts[0].get("name"))
        )
    return sorted(out)


def test_scale_count_with_a_region_counts_and_changes_only_that_region(fly: Fly) -> None:
    # scale/count_machines.go convergeGroupCounts: only the listed regions are counted.
    deployed(fly)
    fly.ok("scale", "count", "1", "--region", "ams", "--yes")
    fly.ok("scale", "count", "2", "--region", "lhr", "--yes")
    assert [(g, r) for g, r, _ in _machines(fly)] == [
        ("app", "ams"),
        ("app", "lhr"),
        ("app", "lhr"),
    ]
    noop = fly.ok("scale", "count", "1", "--region", "ams", "--yes").stdout
    assert noop == "App already scaled to desired state. No need for changes\n"


def test_first_deploy_sizes_volumes_from_the_mount_and_scale_adds_one_per_machine(
    fly: Fly,
) -> None:
    fly.toml(WORKER_TOML)
    fly.ok("apps", "create", "demo", "--org", "personal")
    fly.ok("deploy", "--yes", "--ha=false")
    vols = json.loads(fly.ok("volumes", "list", "--json").stdout)
    # deploy_first.go: one volume per group that mounts it, initial_size and retention as set.
    assert [(v["name"], v["size_gb"], v["snapshot_retention"]) for v in vols] == [("data", 3, 10)]
    fly.ok("scale", "count", "2", "--region", "ams", "--yes")
    fly.ok("scale", "count", "3", "--process-group", "worker", "--region", "ams", "--yes")
    vols = json.loads(fly.ok("volumes", "list", "--json").stdout)
    # machine_defaults.go: the new app machine gets a new 3 GB volume, without the retention.
    assert sorted((v["size_gb"], v["snapshot_retention"]) for v in vols) == [(3, 5), (3, 10)]
    assert _machines(fly) == [
        ("app", "ams", "data"), ("app", "ams", "data"),
        ("worker", "ams", None), ("worker", "ams", None), ("worker", "ams", None),
    ]  # fmt: skip


def test_volumes_list_prints_flyctl_s_nine_columns(fly: Fly) -> None:
    # volumes/volumes.go renderTable: ID, State, Name, Size, Region, Zone, Encrypted,
    # Attached VM, Created At (go-humanize), as render.Table prints the headers.
    fly.toml(WORKER_TOML)
    fly.ok("apps", "create", "demo", "--org", "personal")
    fly.ok("deploy", "--yes", "--ha=false")
    vol = json.loads(fly.ok("volumes", "list", "--json").stdout)[0]
    header, row = fly.ok("volumes", "list").stdout.splitlines()
    assert header.split() == [
        "ID", "STATE", "NAME", "SIZE", "REGION", "ZONE", "ENCRYPTED", "ATTACHED", "VM",
        "CREATED", "AT",
    ]  # fmt: skip
    cells = row.split()
    assert cells[:8] == [
        vol["id"], "created", "data", "3GB", vol["region"], vol["zone"], "true",
        vol["attached_machine_id"],
    ]  # fmt: skip
    assert " ".join(cells[8:]) in ("now", "1 second ago") or cells[-1] == "ago"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "now"),
        (1, "1 second ago"),
        (59, "59 seconds ago"),
        (90, "1 minute ago"),
        (3 * 3600 + 5, "3 hours ago"),
        (3 * 86400, "3 days ago"),
        (20 * 86400, "2 weeks ago"),
        (-7200, "2 hours from now"),
    ],
)
def test_created_at_reads_as_go_humanize_writes_it(seconds: int, text: str) -> None:
    # dustin/go-humanize v1.0.1 times.go: RelTime's magnitudes, and "from now" ahead of now.
    import datetime as dt

    now = dt.datetime(2026, 12, 2, 12, 0, 0, tzinfo=dt.UTC)
    stamp = (now - dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert fake_flyctl.humanize_time(stamp, now) == text


# --------------------------------------------------------------------------- later deploys, volumes
DATA_MOUNT = """[[mounts]]
source = "data"
destination = "/data"
processes = ["app"]
"""
WORKER_DATA_TOML = worker_toml('processes = ["worker"]\n')
# deploy/machines.go validateVolumeConfig, verbatim (Go's %s verbs).
GO_NEEDS_VOLUMES = (
    "Process group '%s' needs volumes with name '%s' to fulfill mounts defined in fly.toml; "
    "Run `fly volume create %s -r REGION -n COUNT` for the following regions and counts: %s"
)
GO_NEW_GROUP = (
    "creating a new machine in group '%s' requires an unattached '%s' volume. "
    "Create it with `fly volume create %s`"
)


def _volumes(fly: Fly) -> list[dict[str, Any]]:
    return list(json.loads(fly.ok("volumes", "list", "--json", "-a", "demo").stdout))


def test_later_deploy_adding_a_mount_is_refused_with_flyctls_text(fly: Fly) -> None:
    deployed(fly)
    fly.ok("scale", "count", "2", "--region", "lhr", "--yes")
    fly.toml(APP_TOML + DATA_MOUNT)
    # One region per run: flyctl lists several in Go's (random) map order.
    fly.ok("volumes", "create", "data", "-a", "demo", "-r", "lhr", "-n", "2")
    # `deployed` made two machines in ams (--ha); both need one.
    assert fly.error("deploy", "--yes") == GO_NEEDS_VOLUMES % ("app", "data", "data", "ams=2")
    # Nothing was deployed: the refusal comes before the release.
    status = json.loads(fly.ok("status", "--json").stdout)
    assert status["Version"] == 1
    assert all(not m["config"].get("mounts") for m in status["Machines"])


def test_later_deploy_adding_a_mounted_group_is_refused_with_flyctls_text(fly: Fly) -> None:
    deployed(fly)
    fly.toml(WORKER_DATA_TOML)
    assert fly.error("deploy", "--yes") == GO_NEW_GROUP % ("worker", "data", "data")


def test_later_deploy_replaces_a_machine_gaining_a_mount_on_the_volume_in_its_region(
    fly: Fly,
) -> None:
    deployed(fly)
    fly.ok("scale", "count", "1", "--region", "ams", "--yes")
    fly.ok("scale", "count", "1", "--region", "lhr", "--yes")
    old_ids = {m["id"] for m in json.loads(fly.ok("machine", "list", "--json").stdout)}
    fly.toml(APP_TOML + DATA_MOUNT)
    fly.ok("volumes", "create", "data", "-a", "demo", "-r", "ams", "--yes")
    fly.ok("volumes", "create", "data", "-a", "demo", "-r", "lhr", "--yes")
    fly.ok("deploy", "--yes")
    machines = json.loads(fly.ok("machine", "list", "--json").stdout)
    # launchInputForUpdate + updateMachineByReplace: new machines, same regions, each on the
    # volume of its own region.
    assert not {m["id"] for m in machines} & old_ids
    assert sorted(m["region"] for m in machines) == ["ams", "lhr"]
    vols = {v["id"]: v for v in _volumes(fly)}
    for m in machines:
        (mount,) = m["config"]["mounts"]
        assert (mount["name"], mount["path"]) == ("data", "/data")
        vol = vols[mount["volume"]]
        assert (vol["region"], vol["attached_machine_id"]) == (m["region"], m["id"])


def test_later_deploy_attaches_an_existing_volume_to_a_new_group_instead_of_creating_one(
    fly: Fly,
) -> None:
    deployed(fly)
    fly.toml(WORKER_DATA_TOML)
    fly.ok("volumes", "create", "data", "-a", "demo", "-r", "ams", "--yes", "-s", "2")
    fly.ok("deploy", "--yes")
    (vol,) = _volumes(fly)
    worker = next(
        m
        for m in json.loads(fly.ok("machine", "list", "--json").stdout)
        if m["config"]["metadata"]["fly_process_group"] == "worker"
    )
    assert vol["attached_machine_id"] == worker["id"]
    assert worker["config"]["mounts"][0]["volume"] == vol["id"]


def test_new_group_volume_outside_the_primary_region_passes_validation_and_fails_launch(
    fly: Fly,
) -> None:
    # validateVolumeConfig counts the name in any region; launchInputForLaunch wants the
    # primary region's.
    deployed(fly)
    fly.toml(WORKER_DATA_TOML)
    fly.ok("volumes", "create", "data", "-a", "demo", "-r", "lhr", "--yes")
    assert fly.error("deploy", "--yes") == (
        "New machine in group 'worker' needs an unattached volume named 'data' in region 'ams'"
    )


def test_later_deploy_dropping_a_mount_needs_an_answer_deploy_cannot_give(fly: Fly) -> None:
    fly.toml(APP_TOML + DATA_MOUNT)
    fly.ok("apps", "create", "demo", "--org", "personal")
    fly.ok("deploy", "--yes")
    fly.toml(APP_TOML)
    r = fly("deploy", "--yes")
    assert r.returncode == 1
    assert "has a volume mounted but app config does not specify a volume." in r.stderr
    assert r.stderr.rstrip().endswith(
        "Error: yes flag must be specified when not running interactively"
    )


def test_first_deploy_still_provisions_its_volumes(fly: Fly) -> None:
    fly.toml(APP_TOML + DATA_MOUNT)
    fly.ok("apps", "create", "demo", "--org", "personal")
    out = fly.ok("deploy", "--yes").stdout
    assert (
        "Creating a 1 GB volume named 'data' for process group 'app'. "
        "Use 'fly vol extend' to increase its size\n"
    ) in out
    (vol,) = _volumes(fly)
    (machine,) = json.loads(fly.ok("machine", "list", "--json").stdout)
    assert vol["attached_machine_id"] == machine["id"]


def test_volumes_create_prints_each_volume_as_json_with_the_contract_fields(fly: Fly) -> None:
    deployed(fly)
    out = fly.ok(
        "volumes", "create", "data", "-a", "demo", "-r", "ams", "-n", "2", "-s", "3",
        "--snapshot-retention", "10", "--json",
    ).stdout  # fmt: skip
    decoder = json.JSONDecoder()
    docs, at = [], 0
    while at < len(out.rstrip()):
        doc, at = decoder.raw_decode(out, at)
        docs.append(doc)
        at += len(out[at:]) - len(out[at:].lstrip())
    # One render.JSON per volume: two documents, not an array.
    assert len(docs) == 2
    fields = COMMANDS["volumes create"]["json_fields"]
    for doc in docs:
        assert list(doc) == fields
        assert (doc["name"], doc["region"], doc["size_gb"], doc["snapshot_retention"]) == (
            "data", "ams", 3, 10,
        )  # fmt: skip
        assert doc["attached_machine_id"] is None


def test_volumes_create_text_output_is_print_volumes_table(fly: Fly) -> None:
    deployed(fly)
    out = fly.ok("volumes", "create", "data", "-a", "demo", "-r", "ams", "--yes").stdout
    labels = [line.split(":")[0] for line in out.splitlines()]
    assert labels == [
        f"{x:>20}"
        for x in ("ID", "Name", "App", "Region", "Zone", "Size GB", "Encrypted", "Created at",
                  "Snapshot retention", "Scheduled snapshots")
    ]  # fmt: skip
    assert "                 App: demo" in out.splitlines()


def test_volumes_create_refuses_a_region_the_platform_does_not_have(fly: Fly) -> None:
    deployed(fly)
    assert fly.error("volumes", "create", "data", "-a", "demo", "-r", "xyz", "--yes") == (
        "region xyz not found"
    )


def test_first_deploy_volumes_outlive_a_failed_release_command(fly: Fly) -> None:
    # NewMachineDeployment provisions them before DeployMachinesApp runs the release command.
    fly.toml(APP_TOML + '[deploy]\nrelease_command = "/app/bin/migrate"\n' + DATA_MOUNT)
    fly.ok("apps", "create", "demo", "--org", "personal")
    fly.error("deploy", "--yes", FLYCTL_FAKE_RELEASE_COMMAND_FAIL="1")
    assert [(v["name"], v["attached_machine_id"]) for v in _volumes(fly)] == [("data", None)]
