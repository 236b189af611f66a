"""Sizes and durations in the units people write, and their round trips through the formatters
that plans and rendered files use."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.units import (
    UnitError,
    format_duration,
    format_size,
    parse_duration_s,
    parse_size_mib,
)


@pytest.mark.parametrize(
    ("written", "mib"),
    [
        ("512mb", 512),
        ("512MB", 512),
        ("512m", 512),
        ("512Mi", 512),
        ("512MiB", 512),
        ("1gb", 1024),
        ("1GB", 1024),
        ("1g", 1024),
        ("2Gi", 2048),
        ("2GiB", 2048),
        ("0.5gb", 512),
        ("1.5gb", 1536),
        (" 256 mb ", 256),
        ("1tb", 1024 * 1024),
        ("1Ti", 1024 * 1024),
        ("300", 300),  # a bare number is MiB, as in Fly's memory_mb
        (2048, 2048),
    ],
)
def test_parse_size_reads_the_units_people_write(written: Any, mib: int) -> None:
    assert parse_size_mib(written) == mib


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ("512 potatoes", "is not a size; write it like '512mb', '1gb' or '2Gi'"),
        ("mb", "is not a size"),
        ("", "is not a size"),
        ("-1gb", "is not a size"),
        ("1kb", "is not a size"),
        ("1e3mb", "is not a size"),
        ("0mb", "is not a whole number of MiB"),
        ("0.3mb", "is not a whole number of MiB"),
        ("0.0001gb", "is not a whole number of MiB"),
        (0, "a size must be positive, got 0"),
        (-5, "a size must be positive, got -5"),
        (True, "expected a size such as '512mb' or '2Gi', got True"),
        (1.5, "expected a size"),
        (None, "expected a size"),
        ([512], "expected a size"),
    ],
)
def test_parse_size_refuses_what_it_cannot_read(written: Any, fragment: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_size_mib(written)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("10s", 10.0),
        ("10S", 10.0),
        ("1m30s", 90.0),
        ("500ms", 0.5),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("1h1m1s", 3661.0),
        ("1.5s", 1.5),
        (" 5s ", 5.0),
        ("0s", 0.0),
        (10, 10.0),  # a bare number is seconds, as in fly.toml
        (2.5, 2.5),
    ],
)
def test_parse_duration_reads_the_units_people_write(written: Any, seconds: float) -> None:
    assert parse_duration_s(written) == seconds


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ("10 seconds", "is not a duration; write it like '10s', '2m' or '1m30s'"),
        ("10", "is not a duration"),  # text without a unit is ambiguous
        ("s", "is not a duration"),
        ("", "is not a duration"),
        ("-1s", "is not a duration"),
        ("1d", "is not a duration"),
        ("1m 30s", "is not a duration"),
        (-1, "a duration cannot be negative, got -1"),
        (False, "expected a duration such as '10s' or '1m', got False"),
        (None, "expected a duration"),
        ({"s": 1}, "expected a duration"),
    ],
)
def test_parse_duration_refuses_what_it_cannot_read(written: Any, fragment: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_duration_s(written)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("mib", "text"), [(512, "512mb"), (1024, "1gb"), (1536, "1536mb"), (2048, "2gb"), (1, "1mb")]
)
def test_format_size_writes_whole_gigabytes_as_gb(mib: int, text: str) -> None:
    assert format_size(mib) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(10.0, "10s"), (0.5, "500ms"), (90.0, "90s"), (0.0, "0s"), (1.25, "1250ms")],
)
def test_format_duration_writes_seconds_or_milliseconds(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10 * 1024 * 1024))
def test_size_round_trips_through_its_text(mib: int) -> None:
    assert parse_size_mib(format_size(mib)) == mib


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=24 * 3600 * 1000))
def test_duration_round_trips_through_its_text(ms: int) -> None:
    seconds = ms / 1000
    assert parse_duration_s(format_duration(seconds)) == pytest.approx(seconds, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=59),
)
def test_compound_durations_add_up(h: int, m: int, s: int) -> None:
    assert parse_duration_s(f"{h}h{m}m{s}s") == h * 3600 + m * 60 + s
