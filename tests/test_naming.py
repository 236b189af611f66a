"""Physical names fit each Google service's rules."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import naming

PROJECT_NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,28}[a-z0-9]", fullmatch=True)
STACKS = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)
LABEL = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")


@pytest.mark.parametrize(
    ("fn", "expected_dev", "expected_prod"),
    [
        (naming.cloud_run_service_name, "shop-dev", "shop"),
        (naming.migrations_job_name, "shop-dev-migrate", "shop-migrate"),
        (naming.service_account_id, "shop-dev-run", "shop-run"),
        (naming.redis_instance_name, "shop-dev-redis", "shop-redis"),
        (naming.repository_id, "shop-dev", "shop"),
    ],
)
def test_gcp_names(fn, expected_dev: str, expected_prod: str) -> None:  # type: ignore[no-untyped-def]
    assert fn("shop", "dev") == expected_dev
    assert fn("shop", "prod") == expected_prod


def test_secret_bucket_and_database_names() -> None:
    assert naming.secret_id("shop", "dev", "SECRET_KEY_BASE") == "shop-dev-secret-key-base"
    assert naming.bucket_name("shop", "prod", "acme-1") == "shop-uploads-acme-1"
    assert naming.postgres_identifier("my-shop") == "my_shop"


def test_short_service_account_ids_are_padded_to_six() -> None:
    assert naming.service_account_id("ab", "prod") == "ab-run"
    assert len(naming.service_account_id("ab", "prod")) >= 6


# "Bucket names cannot contain google or close misspellings, such as g00gle"
# (storage/docs/buckets#naming): the literal word, look-alike digits, doubled or dropped
# letters, swapped letters, one wrong letter, and the same spelled across separators.
GOOGLE_LOOKALIKES = [
    "google", "g00gle", "goog1e", "g0og1e", "go0gle", "gooogle", "gogle", "googel", "goolge",
    "googie", "googl3", "6oogle", "g-o-o-g-l-e", "goo-gle", "googgle", "goggle",
]  # fmt: skip


@pytest.mark.parametrize("word", GOOGLE_LOOKALIKES)
def test_every_close_misspelling_of_google_is_recognised(word: str) -> None:
    assert naming.google_like_spans(f"my-{word}-app"), word
    assert "contains google" in " ".join(naming.bucket_name_problems(f"my-{word}-app"))


@pytest.mark.parametrize("word", ["shop", "uploads", "goal", "logo", "gallery", "go-live"])
def test_ordinary_words_are_not_taken_for_google(word: str) -> None:
    assert naming.google_like_spans(f"{word}-uploads-acme-1") == []


def test_google_in_any_part_of_a_bucket_name_is_masked_readably() -> None:
    assert naming.bucket_name("my-g00gle-shop", "prod", "acme-1") == "my-xxxxxx-shop-uploads-acme-1"
    assert naming.bucket_name("shop", "prod", "google-proj") == "shop-uploads-xxxxxx-proj"
    assert naming.bucket_name("g00g", "prod", "p") == "b-g00g-uploads-p"  # no goog prefix
    assert naming.bucket_name("shop", "prod", "acme-1") == "shop-uploads-acme-1"  # untouched


def _with_word(parts: tuple[str, str, str]) -> str:
    return "-".join(p for p in parts if p)


APP_NAMES_WITH_GOOGLE = (
    st.tuples(
        st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True) | st.just(""),
        st.sampled_from(GOOGLE_LOOKALIKES),
        st.from_regex(r"[a-z0-9]{0,6}", fullmatch=True),
    )
    .map(_with_word)
    .filter(lambda n: re.fullmatch(r"[a-z][a-z0-9-]{0,28}[a-z0-9]", n) is not None)
)
GCP_PROJECT_IDS = st.from_regex(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", fullmatch=True)


@given(PROJECT_NAMES | APP_NAMES_WITH_GOOGLE, STACKS, GCP_PROJECT_IDS | st.just("g00gle-labs"))
def test_bucket_names_obey_every_cloud_storage_rule(project: str, stack: str, gcp: str) -> None:
    name = naming.bucket_name(project, stack, gcp)
    assert naming.bucket_name_problems(name) == [], name
    assert name == naming.bucket_name(project, stack, gcp)  # stable across runs


SPEC = {
    "image": "r/app@sha256:" + "0" * 64,
    "envs": [{"name": "LOG_LEVEL", "value": "info"}],
    "volumes": None,
}


def test_execution_token_is_a_short_stable_hash_of_the_whole_spec() -> None:
    token = naming.execution_token(SPEC)
    assert re.fullmatch(r"[0-9a-f]{12}", token)
    assert naming.execution_token(dict(reversed(SPEC.items()))) == token  # key order is no diff


@pytest.mark.parametrize(
    "change",
    [
        {"image": "r/app@sha256:" + "1" * 64},
        # A prebuilt image by tag has no digest: the reference itself is all there is.
        {"image": "ghcr.io/acme/app:1.3"},
        {"envs": [{"name": "LOG_LEVEL", "value": "debug"}]},
        {"volumes": [{"name": "cloudsql"}]},
    ],
)
def test_execution_token_changes_with_any_part_of_the_spec(change: dict[str, object]) -> None:
    # The job is updated whenever any of these change, and an update re-sending the old token
    # fails with "<job>-<token> already exists".
    assert naming.execution_token({**SPEC, **change}) != naming.execution_token(SPEC)


@given(PROJECT_NAMES, STACKS)
def test_names_respect_limits(project: str, stack: str) -> None:
    service = naming.cloud_run_service_name(project, stack)
    job = naming.migrations_job_name(project, stack)
    sa = naming.service_account_id(project, stack)
    redis = naming.redis_instance_name(project, stack)
    bucket = naming.bucket_name(project, stack, "some-project-123456")
    for name, limit in ((service, 49), (redis, 40), (bucket, 63), (sa, 30)):
        assert LABEL.match(name) and len(name) <= limit, name
    assert len(sa) >= 6
    assert LABEL.match(job) and len(job) + naming.EXECUTION_TOKEN_LEN < 63
    assert naming.repository_id(project, stack) == service or len(service) == 49
