"""Parse the sizes and durations people write in infera.yaml (`512mb`, `2Gi`, `10s`, `1m30s`).

Owns only the text-to-number rules. Which sizes a provider accepts is `config.limits`' business.
"""

from __future__ import annotations

import math
import re

# Fly parses memory with docker's RAMInBytes, so `mb`/`gb` are binary units there (fly.md §2);
# Kubernetes-style `Mi`/`Gi` are binary too. Treating every unit as binary keeps one meaning.
_SIZE_UNITS_MIB = {
    "": 1,  # a bare number is MiB, as in Fly's `memory_mb`
    "m": 1,
    "mb": 1,
    "mi": 1,
    "mib": 1,
    "g": 1024,
    "gb": 1024,
    "gi": 1024,
    "gib": 1024,
    "t": 1024 * 1024,
    "tb": 1024 * 1024,
    "ti": 1024 * 1024,
    "tib": 1024 * 1024,
}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")

_DURATION_UNITS_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


class UnitError(ValueError):
    """A size or duration that cannot be read; the message says what would be accepted."""


def parse_size_mib(value: object) -> int:
    """`512mb` -> 512, `1gb` -> 1024, `2Gi` -> 2048, `0.5gb` -> 512. Returns whole MiB."""
    if isinstance(value, bool):
        raise UnitError(f"expected a size such as '512mb' or '2Gi', got {value!r}")
    if isinstance(value, int):
        if value <= 0:
            raise UnitError(f"a size must be positive, got {value}")
        return value
    if not isinstance(value, str):
        raise UnitError(f"expected a size such as '512mb' or '2Gi', got {value!r}")
    m = _SIZE_RE.match(value)
    if not m or m.group(2).lower() not in _SIZE_UNITS_MIB:
        raise UnitError(f"{value!r} is not a size; write it like '512mb', '1gb' or '2Gi'")
    mib = float(m.group(1)) * _SIZE_UNITS_MIB[m.group(2).lower()]
    if mib <= 0 or mib != int(mib):
        raise UnitError(f"{value!r} is not a whole number of MiB")
    return int(mib)


def parse_duration_s(value: object) -> float:
    """`10s` -> 10.0, `1m30s` -> 90.0, `500ms` -> 0.5. A bare number is seconds (as in fly.toml)."""
    if isinstance(value, bool):
        raise UnitError(f"expected a duration such as '10s' or '1m', got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise UnitError(f"a duration must be a finite number, got {value}")
        if value < 0:
            raise UnitError(f"a duration cannot be negative, got {value}")
        return float(value)
    if not isinstance(value, str):
        raise UnitError(f"expected a duration such as '10s' or '1m', got {value!r}")
    text = value.strip().lower()
    if not text or _DURATION_PART.sub("", text) != "":
        raise UnitError(f"{value!r} is not a duration; write it like '10s', '2m' or '1m30s'")
    return sum(float(n) * _DURATION_UNITS_S[u] for n, u in _DURATION_PART.findall(text))


def format_size(mib: int) -> str:
    """The inverse used in plans and rendered files: 1024 -> '1gb', 512 -> '512mb'."""
    return f"{mib // 1024}gb" if mib % 1024 == 0 else f"{mib}mb"


def format_duration(seconds: float) -> str:
    """10.0 -> '10s', 0.5 -> '500ms'; the form both fly.toml and Cloud Run accept."""
    if seconds != int(seconds):
        return f"{round(seconds * 1000)}ms"
    return f"{int(seconds)}s"
