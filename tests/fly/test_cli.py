"""The flyctl runner: exact argv, retries only where safe, typed errors, secrets never leak."""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.fly import cli as cli_module
from components.fly.cli import (
    MIN_SUBSTRING_SECRET,
    REDACTED,
    Flyctl,
    FlyctlError,
    FlyctlResult,
    classify,
    find_flyctl,
    redact_text,
)

FAKE = Path(__file__).resolve().parents[1] / "fakes" / "flyctl"
TOKEN = "FlyV1 fm2_runner-token-abcdef0123"
CANARY = "canary-3f9a1c"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FLYCTL", str(FAKE))
    monkeypatch.setenv("FLYCTL_FAKE_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("FLYCTL_FAKE_LOG", str(tmp_path / "log.jsonl"))
    monkeypatch.setenv("FLY_API_TOKEN", TOKEN)
    for var in ("FLY_ACCESS_TOKEN", "FLY_APP", "FLY_ORG", "FLY_REGION", "FLYCTL_FAKE_FAIL"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "work").mkdir()
    return tmp_path


def fly(env: Path, **kw: float) -> Flyctl:
    return Flyctl(cwd=str(env / "work"), timeout=10, backoff_base=0, **kw)  # type: ignore[arg-type]


def log(env: Path) -> list[dict[str, object]]:
    path = env / "log.jsonl"
    return [json.loads(ln) for ln in path.read_text().splitlines()] if path.exists() else []


def test_argv_and_cwd_reach_flyctl_exactly(env: Path) -> None:
    result = fly(env).run(["apps", "create", "demo", "--org", "personal"])
    assert result == FlyctlResult(
        argv=[str(FAKE), "apps", "create", "demo", "--org", "personal"],
        stdout="New app created: demo\n",
        stderr="",
        exit_code=0,
    )
    assert log(env) == [
        {"argv": ["apps", "create", "demo", "--org", "personal"], "cwd": str(env / "work")}
    ]


def test_run_json_parses_stdout(env: Path) -> None:
    runner = fly(env)
    runner.run(["apps", "create", "demo"])
    apps = runner.run_json(["apps", "list", "--json"])
    assert [a["Name"] for a in apps] == ["demo"]


def test_child_env_is_non_interactive_and_carries_the_token(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    printer = env / "printenv"
    printer.write_text(
        "#!/usr/bin/env python3\nimport json, os\nprint(json.dumps(dict(os.environ)))\n"
    )
    printer.chmod(printer.stat().st_mode | stat.S_IEXEC)
    child = Flyctl(cwd=str(env), binary=str(printer)).run_json([])
    assert (child["FLY_NO_UPDATE_CHECK"], child["CI"], child["NO_COLOR"]) == ("1", "1", "1")
    assert child["FLY_API_TOKEN"] == TOKEN


def test_stdin_is_closed_unless_given(env: Path) -> None:
    reader = env / "reader"
    reader.write_text("#!/usr/bin/env python3\nimport sys\nprint(repr(sys.stdin.read()))\n")
    reader.chmod(reader.stat().st_mode | stat.S_IEXEC)
    runner = Flyctl(cwd=str(env), binary=str(reader))
    assert runner.run([]).stdout == "''\n"
    assert runner.run([], stdin="A=1\n").stdout == "'A=1\\n'\n"


def test_transient_failures_are_retried_until_success(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "1:transient,2:ratelimit,3:reset")
    result = fly(env).run(["apps", "list"])
    assert result.stdout == "No apps found\n"
    assert len(log(env)) == 4


def test_transient_failures_give_up_after_the_retry_budget(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "1:transient,2:transient,3:transient")
    with pytest.raises(FlyctlError) as err:
        fly(env, retries=2).run(["apps", "list"])
    assert err.value.kind == "transient"
    assert err.value.message == "failed to get app: server returned a non-200 status code: 503"
    assert len(log(env)) == 3


def test_retry_false_runs_once(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "1:transient")
    with pytest.raises(FlyctlError):
        fly(env).run(["apps", "list"], retry=False)
    assert len(log(env)) == 1


@pytest.mark.parametrize(
    ("args", "fail", "kind", "message"),
    [
        (
            ["apps", "list"],
            "1:permanent",
            "permanent",
            "failed to update app secrets: request returned non-2xx status, 422",
        ),
        (
            ["apps", "list"],
            "1:auth",
            "auth",
            "failed retrieving current user: You must be authenticated to view this.",
        ),
        (
            ["status", "-a", "ghost"],
            "",
            "not_found",
            'failed to get app: Could not find App "ghost"',
        ),
        (["apps", "list", "--x"], "", "permanent", "unknown flag: --x"),
    ],
)
def test_permanent_failures_are_not_retried(
    env: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], fail: str, kind: str, message: str
) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", fail)
    with pytest.raises(FlyctlError) as err:
        fly(env).run(args)
    assert (err.value.kind, err.value.message, err.value.exit_code) == (kind, message, 1)
    assert err.value.argv == [str(FAKE), *args]
    assert len(log(env)) == 1


def test_missing_token_is_an_auth_error(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLY_API_TOKEN")
    with pytest.raises(FlyctlError) as err:
        fly(env).run(["apps", "list"])
    assert err.value.kind == "auth"
    assert err.value.message == "no access token available. Please login with 'flyctl auth login'"


def test_a_hang_is_killed_and_reported_as_timeout(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "1:hang")
    started: list[object] = []
    popen = cli_module.subprocess.Popen

    def counting(*args: object, **kw: object) -> object:
        started.append(args)
        return popen(*args, **kw)  # type: ignore[call-overload]

    # Counted at the spawn, not in the fake's log: on a loaded machine the fake may not have
    # written its log line before the 1 s limit kills it.
    monkeypatch.setattr(cli_module.subprocess, "Popen", counting)
    with pytest.raises(FlyctlError) as err:
        fly(env).run(["apps", "list"], timeout=1)
    assert err.value.kind == "timeout"
    assert err.value.exit_code is None
    assert len(started) == 1  # a timed-out call may have had effects: not retried


def test_malformed_json_is_reported_with_a_snippet(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = fly(env)
    runner.run(["apps", "create", "demo"])
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "2:malformed")
    with pytest.raises(FlyctlError) as err:
        runner.run_json(["apps", "list", "--json"])
    assert err.value.kind == "malformed"
    assert err.value.message.startswith("expected JSON on stdout (")
    assert "got: '[\\n    {" in err.value.message


def test_missing_binary_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(FlyctlError) as err:
        find_flyctl({"PATH": str(tmp_path)})
    assert err.value.kind == "missing_binary"
    assert "set FLYCTL to its path" in err.value.message
    assert "brew install flyctl" in err.value.message


def test_flyctl_env_var_must_name_an_executable(tmp_path: Path) -> None:
    with pytest.raises(FlyctlError) as err:
        find_flyctl({"FLYCTL": str(tmp_path / "nope"), "PATH": ""})
    assert err.value.kind == "missing_binary"
    assert err.value.message.startswith(f"FLYCTL={tmp_path / 'nope'} is not an executable file.")


def test_find_prefers_flyctl_then_fly_on_path(tmp_path: Path) -> None:
    for name in ("fly", "flyctl"):
        exe = tmp_path / name
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    assert find_flyctl({"PATH": str(tmp_path)}) == str(tmp_path / "flyctl")
    (tmp_path / "flyctl").unlink()
    assert find_flyctl({"PATH": str(tmp_path)}) == str(tmp_path / "fly")


def test_unresolvable_binary_raises_missing_binary_from_run(tmp_path: Path) -> None:
    with pytest.raises(FlyctlError) as err:
        Flyctl(cwd=str(tmp_path), binary=str(tmp_path / "gone")).run(["version"])
    assert err.value.kind == "missing_binary"


# --------------------------------------------------------------------------- secrets
def test_canary_via_stdin_reaches_no_log_argv_or_error(env: Path) -> None:
    runner = fly(env)
    runner.run(["apps", "create", "demo"])
    ok = runner.run(["secrets", "import", "-a", "demo"], stdin=f"DB={CANARY}\n", redact=[CANARY])
    assert CANARY not in " ".join(ok.argv)
    with pytest.raises(FlyctlError) as err:
        # A line without '=' makes flyctl quote the line back in its error.
        runner.run(["secrets", "import", "-a", "demo"], stdin=f"{CANARY}\n", redact=[CANARY])
    assert CANARY not in str(err.value)
    assert str(err.value) == (
        f"flyctl secrets import -a demo failed (permanent, exit 1): Failed to parse secrets "
        f"from stdin: Secrets must be provided as NAME=VALUE pairs ({REDACTED} is invalid)"
    )
    assert CANARY not in (env / "log.jsonl").read_text()
    assert CANARY not in pickle.dumps(err.value).decode("latin-1")


def test_a_secret_in_argv_is_refused_before_running(env: Path) -> None:
    with pytest.raises(ValueError, match="secret value appears in flyctl argv"):
        fly(env).run(["secrets", "set", f"DB={CANARY}"], redact=[CANARY])
    with pytest.raises(ValueError, match="secret value appears in flyctl argv"):
        fly(env).run(["apps", "list", "--access-token", TOKEN])
    assert log(env) == []


def test_the_token_is_redacted_from_errors(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    echo = env / "echo-token"
    echo.write_text(
        "#!/usr/bin/env python3\nimport os, sys\n"
        "sys.stderr.write('Error: bad token ' + os.environ['FLY_API_TOKEN'] + '\\n')\nsys.exit(1)\n"
    )
    echo.chmod(0o755)
    with pytest.raises(FlyctlError) as err:
        Flyctl(cwd=str(env), binary=str(echo)).run(["x"])
    assert TOKEN not in str(err.value)
    assert err.value.message == f"bad token {REDACTED}"


# --------------------------------------------------------------------------- pure parts
@pytest.mark.parametrize(
    ("stderr", "code", "kind"),
    [
        ("Error: failed to get app: server returned a non-200 status code: 503", 1, "transient"),
        ("Error: failed to list machines: request returned non-2xx status, 429", 1, "transient"),
        ("Error: 502 Bad Gateway", 1, "transient"),
        (
            'Error: Post "https://api.fly.io/graphql": read: connection reset by peer',
            1,
            "transient",
        ),
        ("Error: dial tcp: i/o timeout", 1, "transient"),
        ("Error: context deadline exceeded", 126, "timeout"),
        ("Error: anything", 126, "timeout"),
        # An API call's own timeout also wraps context.DeadlineExceeded (exit 126): a blip.
        ('Error: Get "https://api.fly.io/graphql": dial tcp: i/o timeout', 126, "transient"),
        # CGO-off flyctl resolves names with Go's resolver (net/dnsclient_unix.go wording).
        (
            'Error: Post "https://api.fly.io/graphql": dial tcp: lookup api.fly.io on '
            "127.0.0.53:53: server misbehaving",
            1,
            "transient",
        ),
        # A flaps 5xx with a JSON body: only the API's text, no status code.
        (
            "Error: failed to update VM 148e290a1b2c48: unavailable: deploys to this host are "
            "temporarily disabled, please try again later or check the status page: "
            "https://status.flyio.net/ (Request ID: 01J0000000000000000000000)",
            1,
            "transient",
        ),
        # The app's logs before flyctl's own Error line never decide.
        (
            "\x1b[2m2026-12-02T01:00:00Z\x1b[0m tcp connect (db:5432): connection refused\n"
            "\x1b[2m2026-12-02T01:00:01Z\x1b[0m Error: context deadline exceeded (app)\n"
            "Error: release command failed - aborting deployment. machine 1 exited with "
            "non-zero status of 1",
            1,
            "permanent",
        ),
        (
            "Error: timeout reached waiting for health checks to pass for machine 1: failed "
            'to get VM 1: Get "https://api.machines.dev/v1/apps/a/machines/1": context '
            "deadline exceeded",
            1,
            "permanent",
        ),
        ("Error: no access token available. Please login with 'flyctl auth login'", 1, "auth"),
        ("Error: failed to run query(x): You must be authenticated to view this.", 1, "auth"),
        ("Error: MPG commands require updated tokens but found older-style tokens.", 1, "auth"),
        ('Error: failed to get app: Could not find App "x"', 1, "not_found"),
        ("Error: the app name x could not be found, did you create the app", 1, "not_found"),
        ("Error: config file not found at specified path: x", 1, "permanent"),
        ("Error: unknown flag: --x", 1, "permanent"),
        ("Error: Validation failed: Name has already been taken", 1, "permanent"),
        ("Error: postgres port 5432 refused", 1, "permanent"),
        ("", 1, "permanent"),
    ],
)
def test_classify(stderr: str, code: int, kind: str) -> None:
    assert classify(stderr, code) == kind


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("a secret-x b", ["secret-x"], f"a {REDACTED} b"),
        ("app shop-dev-0001 x", ["shop-dev"], f"app {REDACTED}-0001 x"),
        ('App "shop-dev" (dev)', ["dev"], f'App "shop-dev" ({REDACTED})'),
        ("device dev.example dev", ["dev"], f"device dev.example {REDACTED}"),
        ("abcabc", ["abc", "abcabc"], REDACTED),  # longest first
        ("keep", ["", "zzz"], "keep"),
        ("x=1 y=1", ["1"], f"x={REDACTED} y={REDACTED}"),
    ],
)
def test_redact_text(text: str, secrets: list[str], expected: str) -> None:
    assert redact_text(text, secrets) == expected


@given(
    st.text(min_size=MIN_SUBSTRING_SECRET, alphabet="abcdef0123-"), st.text(alphabet="abcdef0123- ")
)
def test_redacted_text_never_contains_a_long_secret(secret: str, around: str) -> None:
    assert secret not in redact_text(around + secret + around, [secret])


@given(
    st.text(min_size=1, max_size=MIN_SUBSTRING_SECRET - 1, alphabet="abcdef0123-"),
    st.lists(st.text(alphabet="abcdef0123-"), max_size=4),
    st.sampled_from([" ", "=", '"', ": ", "\n"]),
)
def test_a_short_secret_standing_alone_is_always_redacted(
    secret: str, words: list[str], sep: str
) -> None:
    text = sep.join([*words, secret, *words])
    assert secret not in redact_text(text, [secret]).split(sep)


def test_runner_and_errors_pickle(env: Path) -> None:
    runner = fly(env, retries=2)
    assert pickle.loads(pickle.dumps(runner)) == runner
    err = FlyctlError("not_found", "gone", ["flyctl", "status"], 1)
    back = pickle.loads(pickle.dumps(err))
    assert (back.kind, back.message, back.argv, back.exit_code, str(back)) == (
        "not_found",
        "gone",
        ["flyctl", "status"],
        1,
        str(err),
    )


def test_backoff_is_capped(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr("components.fly.cli._sleep", sleeps.append)
    monkeypatch.setenv("FLYCTL_FAKE_FAIL", "1:transient,2:transient,3:transient,4:transient")
    Flyctl(cwd=str(env / "work"), backoff_base=3, backoff_cap=10).run(["apps", "list"])
    assert sleeps == [3, 6, 10, 10]


def test_os_environ_is_not_modified(env: Path) -> None:
    before = dict(os.environ)
    fly(env).run(["version"])
    assert dict(os.environ) == before


# --------------------------------------------------------------------------- short secret values
def test_a_short_secret_inside_an_argv_element_is_not_refused(env: Path) -> None:
    # "dev" is a secret value and also part of the app name: a coincidence, not a leak.
    runner = fly(env)
    runner.run(["apps", "create", "shop-dev"])
    ok = runner.run(["secrets", "import", "-a", "shop-dev"], stdin="MODE=dev\n", redact=["dev"])
    assert ok.argv == [str(FAKE), "secrets", "import", "-a", "shop-dev"]


def test_a_value_that_goes_only_through_stdin_is_never_refused(env: Path) -> None:
    # A secret whose value equals the app name reaches flyctl on stdin; argv only shows it.
    runner = fly(env)
    runner.run(["apps", "create", "shop-dev"])
    ok = runner.run(
        ["secrets", "import", "-a", "shop-dev"], stdin="NAME=shop-dev\n", redact=["shop-dev"]
    )
    assert ok.argv == [str(FAKE), "secrets", "import", "-a", REDACTED]


def test_a_short_secret_equal_to_a_whole_argv_element_is_refused(env: Path) -> None:
    with pytest.raises(ValueError, match="secret value appears in flyctl argv"):
        fly(env).run(["secrets", "set", "dev"], redact=["dev"])
    assert log(env) == []


def test_short_secrets_do_not_garble_error_messages(env: Path) -> None:
    with pytest.raises(FlyctlError) as err:
        fly(env).run(["status", "--app", "shop-dev"], redact=["dev", "op"])
    assert err.value.message == 'failed to get app: Could not find App "shop-dev"'


# --------------------------------------------------------------------------- credentials in output
def test_malformed_json_snippet_hides_passwords_flyctl_printed(env: Path) -> None:
    # `mpg status --json` carries the cluster password, which no caller knows to redact.
    cut = env / "cut-json"
    cut.write_text(
        "#!/usr/bin/env python3\n"
        'print(\'{"credentials": {"password": "pw-Zx81", "user": "fly-user", \'\n'
        '      \'"pgbouncer_uri": "postgresql://fly-user:pw-Zx81@pgbouncer.x.flympg.net/fly", '
        "'\n      '\"x\": \"mysql://u:p')\n"
    )
    cut.chmod(0o755)
    with pytest.raises(FlyctlError) as err:
        Flyctl(cwd=str(env), binary=str(cut)).run_json(["mpg", "status", "abc", "--json"])
    assert "pw-Zx81" not in str(err.value)
    assert err.value.kind == "malformed"
    assert err.value.message == (
        "expected JSON on stdout (Invalid control character at at char 154), got: "
        + repr(
            f'{{"credentials": {{"password": "{REDACTED}", "user": "fly-user", '
            f'"pgbouncer_uri": "postgresql://fly-user:{REDACTED}@pgbouncer.x.flympg.net/fly", '
            f'"x": "mysql://u:{REDACTED}\n'
        )
    )


def test_each_line_of_a_multiline_secret_is_redacted_on_its_own() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    message = (
        "Secrets must be provided as NAME=VALUE pairs (MIIEvQIBADANBgkqhkiG9w0BAQEFAASC is invalid)"
    )
    assert "MIIEvQ" not in redact_text(message, [pem])
