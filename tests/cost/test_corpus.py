"""Every resource type the app-shapes corpus (tests/shapes) registers is priced, or known to
have no charge: a type added for a real app's shape (another Cloud Run service, a worker pool,
several buckets, Fly volumes) must be a decision in phxstack/cost, not a line saying it was
left out."""

from __future__ import annotations

import pytest

from tests.shapes.harness import cases, plan


@pytest.mark.parametrize(("name", "stack"), cases())
def test_every_type_the_corpus_registers_is_priced_or_known_to_be_free(
    name: str, stack: str
) -> None:
    cost = plan(name, stack)["cost"]
    unknown = sorted(
        {n["type"] for n in cost["not_priced"] if n["reason"].startswith("no price for this")}
    )
    assert unknown == [], (
        f"{name} {stack}: add these types to phxstack/cost (a pricer, or NO_CHARGE with the "
        f"reason): {unknown}"
    )
