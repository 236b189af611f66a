"""Did-you-mean suggestions for misspelt keys and values."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`; did you mean 'x'?` when one choice is close, else the empty string."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""
