"""Did-you-mean suggestions for misspelt keys and values."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_NUMBER = re.compile(r"\d+")


def _number(text: str) -> int | None:
    m = _NUMBER.search(text)
    return int(m.group()) if m else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`; did you mean 'x'?` when a choice is close, else the empty string.

    Ties (`shared-cpu-3x` is as close to 2x as to 8x) go to the numerically nearest choice,
    then to the smaller one: a person who typed 3 more likely meant 2 or 4 than 8.
    """
    word = str(word)
    options = sorted({str(c) for c in choices})
    scored = [(difflib.SequenceMatcher(None, word, c).ratio(), c) for c in options if c != word]
    scored = [(s, c) for s, c in scored if s >= 0.6]
    if not scored:
        return ""
    best = max(s for s, _ in scored)
    tied = [c for s, c in scored if s == best]
    target = _number(word)

    def distance(choice: str) -> tuple[float, int, str]:
        n = _number(choice)
        gap = abs(n - target) if n is not None and target is not None else float("inf")
        return (gap, n if n is not None else 0, choice)

    return f"; did you mean {min(tied, key=distance)!r}?"
