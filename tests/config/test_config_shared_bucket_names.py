"""A bucket name written once for every stack: bucket names are global, so it is warned."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.loader import load_config, warning_problems

BASE = """\
project_name: shop
provider: gcp
storage:
  buckets:
    - id: uploads
    - id: feeds
      name: shop-feeds
      env:
        bucket: FEEDS_BUCKET
"""


@pytest.mark.parametrize(
    ("environments", "warned"),
    [
        ("environments:\n  dev: {}\n  prod: {}\n", True),
        # Each stack lists its own buckets (or has none): nothing is shared.
        (
            "environments:\n  dev:\n    storage:\n      buckets:\n        - id: uploads\n"
            "  prod: {}\n",
            False,
        ),
        ("environments:\n  dev:\n    storage: null\n  prod: {}\n", False),
        # Only versioning changes in dev: its buckets, and the name, are still the base's.
        ("environments:\n  dev:\n    storage:\n      versioning: false\n  prod: {}\n", True),
        ("", False),  # one stack only: the name is that stack's
    ],
)
def test_a_bucket_name_shared_by_two_stacks_is_warned_at_the_name(
    tmp_path: Path, environments: str, warned: bool
) -> None:
    config = tmp_path / "infera.yaml"
    config.write_text(BASE + environments)
    found = [
        p
        for p in warning_problems(config, "dev", load_config(config, "dev"))
        if p.key.startswith("storage.buckets")
    ]
    if not warned:
        assert found == []
        return
    (problem,) = found
    assert (problem.key, problem.line, problem.col) == ("storage.buckets.1.name", 7, 13)
    assert "'shop-feeds' is set for every stack, so 'dev' and 'prod' would create the same" in (
        problem.message
    )
