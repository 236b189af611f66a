"""Secret values reach Fly byte for byte, or are refused at check with the reason.

The judge is tests/fakes/flyctl_stdin.py, a port of flyctl's own stdin readers
(internal/command/secrets/parser.go parseSecrets, helpers/stdin.go ReadStdin), never the
adapter's idea of them.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.fly import providers as p
from components.fly.secrets import _import_problem, import_lines, stdin_problem
from tests.fakes.fake_flyctl import digest as fake_digest
from tests.fakes.flyctl_stdin import (
    GoPanic,
    ParseError,
    StdinTooLong,
    parse_secrets,
    read_stdin,
)
from tests.fly.conftest import FAST, FlyEnv

APP = "demo-app"


# --------------------------------------------------------------------------- the port itself
@pytest.mark.parametrize(
    ("stdin", "parsed"),
    [
        # flyctl's own parser_test.go cases.
        ("\n# A comment\n\nFOO=BAR\n# Another\nQUX=NAH\n", {"FOO": "BAR", "QUX": "NAH"}),
        ("FOO=BAR\r\nQUX=NAH\r\n", {"FOO": "BAR", "QUX": "NAH"}),
        (
            'MULTILINE="""SOMETHING\nANOTHER LINE\n\nENDSHERE"""\nTRAILERENV=what\n',
            {"MULTILINE": "SOMETHING\nANOTHER LINE\n\nENDSHERE", "TRAILERENV": "what"},
        ),
        ("FOO=BAR,BAZ", {"FOO": "BAR,BAZ"}),
        ('FOO="BAR BAZ" # comment', {"FOO": "BAR BAZ"}),
        ("FOO = BAR", {"FOO": "BAR"}),
        ("FOO='BAR BAZ'\nKEY='value'", {"FOO": "BAR BAZ", "KEY": "value"}),
        ('EMPTY=""""""\nWITHSPACES="""  spaces  """', {"EMPTY": "", "WITHSPACES": "  spaces  "}),
        # The cut at the first `#` whenever the `"` before it are even, not only at " #".
        ("P=p@ss#w0rd\nU=https://x/#frag\nH=#x\n", {"P": "p@ss", "U": "https://x/", "H": ""}),
        ('ODD=a"b#c\n', {"ODD": 'a"b#c'}),
        # A `"""` never closed swallows every later line and is itself dropped.
        ('A="""open\nB=1\nC=2\n', {}),
        # A line of 64 KiB ends the scan without an error: it and every later line are gone.
        ("A=1\nBIG=" + "x" * 65532 + "\nC=3\n", {"A": "1"}),
        ("A=1\nOK=" + "x" * 65532 + "\nC=3\n", {"A": "1", "OK": "x" * 65532, "C": "3"}),
    ],
)
def test_the_ported_parser_reads_stdin_as_flyctl_does(stdin: str, parsed: dict[str, str]) -> None:
    assert parse_secrets(stdin.encode()) == parsed


def test_the_ported_parser_fails_and_panics_where_flyctl_does() -> None:
    with pytest.raises(ParseError, match=r"^Secrets must be provided as NAME=VALUE pairs \(JUNK"):
        parse_secrets(b"JUNK\n")
    with pytest.raises(GoPanic, match=r"slice bounds out of range \[1:0\]"):
        parse_secrets(b'Q="\n')


def test_set_from_stdin_trims_and_limits_as_read_stdin_does() -> None:
    assert read_stdin(b"  a\r\nb \n") == "a\r\nb"
    assert read_stdin(b"x" * 65536) == "x" * 65536
    with pytest.raises(StdinTooLong, match=r"^Input exceeded max length of 65536 bytes$"):
        read_stdin(b"x" * 65537)
    # ReadRune makes each byte that starts no UTF-8 sequence one U+FFFD.
    assert read_stdin(b"a\xe2\x82b") == "a\ufffd\ufffdb"


# --------------------------------------------------------------------------- the adapter
NAMES = st.from_regex(r"\A[A-Z_][A-Z0-9_]{0,12}\Z")
TRICKY = st.sampled_from(["#", '"', "'", '"""', "\r", "\n", "\r\n", " ", "=", "\t", "\x85"])
VALUES = st.lists(st.one_of(TRICKY, st.text(max_size=6)), max_size=12).map("".join)
# Around the scanner's 64 KiB limit (65535 bytes with NAME= and quotes, then 65536 bytes).
LONG = st.builds(
    lambda head, n, tail: head + "y" * n + tail,
    VALUES,
    st.integers(min_value=65520, max_value=65545),
    VALUES,
)


def carried(name: str, value: str) -> str:
    """What Fly would store, per the ported flyctl readers, given what the adapter sends."""
    if _import_problem(name, value) is None:
        parsed = parse_secrets(import_lines(name, value).encode())
        assert set(parsed) == {name}
        return parsed[name]
    return read_stdin(value.encode())


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NAMES, st.one_of(VALUES, VALUES, VALUES, LONG))
def test_every_value_arrives_intact_or_is_refused(name: str, value: str) -> None:
    problem = stdin_problem(name, value)
    if problem is None:
        assert carried(name, value) == value
    else:
        assert problem.startswith(f"{name}'s value cannot reach Fly intact")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=6))
def test_one_import_carries_many_values_without_one_swallowing_the_next(
    values: dict[str, str],
) -> None:
    imported = {k: v for k, v in values.items() if _import_problem(k, v) is None}
    stdin = "".join(import_lines(k, v) for k, v in sorted(imported.items()))
    assert parse_secrets(stdin.encode()) == imported


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("x" * 70 * 1024, "would drop a line of 64 KiB or more, and `fly secrets set S=-` "
         "would refuse a value over 64 KiB"),
        (" a\r\nb", "would drop the carriage return before a line break, and `fly secrets set "
         "S=-` would trim its leading and trailing whitespace"),
    ],
)  # fmt: skip
def test_a_value_no_flyctl_path_carries_is_refused_at_check_with_the_reason(
    value: str, reason: str
) -> None:
    failures = p.SecretsProvider(FAST).check({}, {"app": APP, "values": {"S": value}}).failures
    assert [(f.property, f.reason) for f in failures] == [
        (
            "values",
            f"S's value cannot reach Fly intact: `fly secrets import` {reason} (flyctl "
            "internal/command/secrets/parser.go, helpers/stdin.go); shorten it or split it into "
            "several secrets",
        )
    ]
    assert value not in failures[0].reason


CANARY = {
    "HASH": "p@ss#w0rd-canary",
    "DQUOTE": 'say "hi" # not a comment',
    "SQUOTE": "it's a 'canary'",
    "NEWLINE": "line one\nline two # still the value\n",
    "CRLF": "-----BEGIN-----\r\nabc\r\n-----END-----",
    "TRIPLE": 'a"""b',
    "BIG_LINES": ("z" * 1023 + "\n") * 70,  # 70 KiB over many lines: import carries it
}


def test_the_canary_reaches_the_fakes_state_byte_for_byte(fly_env: FlyEnv) -> None:
    p.AppProvider(FAST).create({"name": APP, "org": "personal"})
    prov = p.SecretsProvider(FAST)
    checked = prov.check({}, {"app": APP, "values": CANARY})
    assert checked.failures == []
    mark = fly_env.mark()
    prov.create(checked.inputs)
    assert fly_env.since(mark) == [
        ["secrets", "import", "--app", APP, "--stage"],
        ["secrets", "set", "CRLF=-", "--app", APP, "--stage"],
    ]
    listed = prov._json(["secrets", "list", "--app", APP, "--json"])
    assert {i["name"]: i["digest"] for i in listed} == {
        k: fake_digest(v) for k, v in CANARY.items()
    }
    log = fly_env.log.read_text()
    assert not any(v in log for v in CANARY.values())


def test_a_70_kib_single_line_canary_is_refused_before_anything_runs(fly_env: FlyEnv) -> None:
    values = {**CANARY, "BIG": "q" * 70 * 1024}
    checked = p.SecretsProvider(FAST).check({}, {"app": APP, "values": values})
    assert [f.reason.split(":")[0] for f in checked.failures] == [
        "BIG's value cannot reach Fly intact"
    ]
    assert fly_env.calls() == []
