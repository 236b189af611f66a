"""The bad-input corpus through the real command line: exit 2, one placed line per problem,
nothing on stdout, no traceback; valid edge cases exit 0; invalid configs never reach a plan."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfg_helpers import HERE, SEED_YAML, load_text

from config.errors import ConfigError
from config.loader import MAX_BYTES, parse_document
from phxstack import plan as plan_module
from phxstack.cli import main

BAD = HERE / "bad"
GOOD = HERE / "good"
EXPECTED: dict[str, dict[str, Any]] = json.loads((BAD / "expected.json").read_text("utf-8"))
LINE_FORM = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<rest>.*)$")


def test_corpus_and_expectations_match_one_to_one() -> None:
    files = sorted(p.name for p in BAD.glob("*.yaml"))
    assert files == sorted(EXPECTED)
    assert len(files) >= 45


def _expected_line(path: Path, want: dict[str, Any], err: str) -> None:
    prefix = f"{path}:{want['line']}:{want['col']}: " + (f"{want['key']}: " if want["key"] else "")
    lines = err.splitlines()
    assert lines, "nothing printed on stderr"
    for line in lines:
        m = LINE_FORM.match(line)
        assert m and m["file"] == str(path), f"not a FILE:LINE:COL line: {line!r}"
    assert any(
        line.startswith(prefix) and want["fragment"] in line[len(prefix) :] for line in lines
    ), f"no line starting {prefix!r} with {want['fragment']!r} in:\n{err}"
    assert "Traceback" not in err


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_refuses_each_bad_file_with_a_placed_line(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = BAD / name
    assert main(["validate", "--config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    _expected_line(path, EXPECTED[name], err)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_plan_refuses_each_bad_file_before_running_the_program(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[Any] = []
    monkeypatch.setattr(plan_module, "run_program", lambda *a, **k: ran.append(a))
    path = BAD / name
    # prod: the corpus puts its overlay mistakes in the prod environment.
    assert main(["plan", "--stack", "prod", "--config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert (out, ran) == ("", [])
    _expected_line(path, EXPECTED[name], err)


def test_a_50_mb_file_is_refused_without_parsing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "infera.yaml"
    line = "# " + "x" * 1021 + "\n"
    with path.open("w", encoding="utf-8") as f:
        f.write(SEED_YAML)
        f.write(line * (50 * 1024))
    assert path.stat().st_size > 50 * 1024 * 1024
    assert main(["validate", "--config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    size = path.stat().st_size
    assert err == (
        f"{path}:1:1: file is {size:,} bytes; infera.yaml must be under {MAX_BYTES:,} bytes\n"
    )


def test_a_file_just_under_the_limit_is_parsed(tmp_path: Path) -> None:
    padding = MAX_BYTES - len(SEED_YAML.encode()) - 1
    text = SEED_YAML + "#" + "x" * (padding - 2) + "\n"
    assert len(text.encode()) < MAX_BYTES
    assert load_text(text).project_name == "my-phoenix-app"


def test_a_missing_file_is_a_placed_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nope.yaml"
    assert main(["validate", "--config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"{path}:1:1: file not found; pass --config PATH or create it\n")


@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.glob("*.yaml")))
def test_valid_edge_cases_pass(
    name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = GOOD / name
    # The schema alone: an empty project dir has no stack files, so no deploy checks (build
    # context, secret values) apply to these fixtures.
    assert main(["validate", "--config", str(path), "--project-dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: valid")
    # Only warnings may reach stderr, each placed like an error.
    for line in err.splitlines():
        assert LINE_FORM.match(line) and ": warning: " in line, line


def test_good_set_covers_the_edges_the_issue_names() -> None:
    names = {p.name for p in GOOD.glob("*.yaml")}
    assert "01_bom_prefixed.yaml" in names
    assert (GOOD / "01_bom_prefixed.yaml").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (GOOD / "02_crlf_line_endings.yaml").read_bytes()
    assert (GOOD / "03_seed.yaml").read_text("utf-8") == SEED_YAML


def test_bom_and_crlf_read_the_same_as_the_plain_seed() -> None:
    plain = load_text(SEED_YAML)
    assert load_text((GOOD / "01_bom_prefixed.yaml").read_bytes()) == plain
    assert load_text((GOOD / "02_crlf_line_endings.yaml").read_bytes()) == plain


def test_a_written_key_overrides_a_merged_one_and_is_placed_where_written() -> None:
    doc = parse_document((GOOD / "08_small_anchor.yaml").read_bytes(), "infera.yaml")
    check = doc.data["environments"]["prod"]["deployment"]["health_check"]
    assert check == {"path": "/health", "interval": "20s"}
    assert doc.key_at[("environments", "prod", "deployment", "health_check", "interval")] == (13, 9)
    assert doc.value_at[("environments", "prod", "deployment", "health_check", "interval")] == (
        13,
        19,
    )


def test_two_written_keys_still_clash_next_to_a_merge() -> None:
    text = (
        "project_name: app\nprovider: fly\nx: &x {count: 1}\n"
        "deployment:\n  machines: {<<: *x, count: 2, count: 3}\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_document(text.encode(), "infera.yaml")
    [problem] = info.value.problems
    assert (problem.line, problem.key) == (5, "deployment.machines.count")
    assert problem.message.startswith("duplicate key 'count' (first at line 5)")


def test_the_alias_bomb_stops_at_the_node_limit() -> None:
    raw = (BAD / "60_alias_bomb.yaml").read_bytes()
    # 9**9 leaves if it were expanded; the walker gives up after MAX_NODES of them.
    assert raw.count(b"*") == 8 * 9
    with pytest.raises(ConfigError, match="more than 20000 YAML nodes"):
        parse_document(raw, "infera.yaml")
