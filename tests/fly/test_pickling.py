"""The Fly resources keep pulumi.dynamic's provider pickling usable in a long-lived process."""

from __future__ import annotations

import pickle

from pulumi.dynamic import dynamic

import components.fly.base  # noqa: F401  (installs the reset around serialize_provider)
from components.fly.app import AppProvider
from components.fly.settings import RunnerSettings


def test_a_thousand_registrations_in_one_process_still_pickle_the_provider() -> None:
    # The SDK alone fails with RecursionError after about 970 calls: every call wrapped the
    # previous call's wrapper. A pytest worker or an Automation API process registers that many.
    provider = AppProvider(RunnerSettings())
    blobs = {dynamic.serialize_provider(provider) for _ in range(1500)}
    assert len(blobs) == 1
    depth, fn = 0, pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    while fn.__qualname__ != "_Pickler._batch_setitems":
        depth, fn = depth + 1, fn.__closure__[0].cell_contents
    assert depth == 1


def test_the_blob_is_still_sorted_so_state_does_not_churn() -> None:
    # The SDK sorts dict items so that an unchanged provider pickles to the same blob; the reset
    # must keep that wrapper in place for the call it makes.
    class Holder(AppProvider):
        pass

    one, two = Holder(RunnerSettings()), Holder(RunnerSettings())
    one.__dict__.update({"b": 1, "a": 2})
    two.__dict__.update({"a": 2, "b": 1})
    assert dynamic.serialize_provider(one) == dynamic.serialize_provider(two)
