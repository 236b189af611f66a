"""The stack outputs contract: README documents exactly `OUTPUTS`, and each provider's program
exports exactly the documented keys for that provider, none of them secret."""

from __future__ import annotations

import re

import pytest

from components.outputs import OUTPUTS, OUTPUTS_VERSION
from phxstack.docs import README, outputs_block, render_readme
from tests.delivery.plans import SAMPLES, STACKS, sample_plan

ESCAPED_BAR = "\\|"  # how a | inside a markdown table cell is written
ROW = re.compile(
    r"^\| `(?P<name>[a-z_]+)` \| `(?P<type>[^`]+)` \| (?P<meaning>.+?) \| (?P<by>[^|]+) \| (?P<secret>\w+) \|$"
)


def _documented() -> dict[str, tuple[str, str, str, str]]:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- outputs:start -->", 1)[1].split("<!-- outputs:end -->", 1)[0]
    rows = {}
    for line in block.splitlines():
        m = ROW.match(line)
        if m:
            rows[m["name"]] = (
                m["type"].replace(ESCAPED_BAR, "|"),
                m["meaning"],
                m["by"],
                m["secret"],
            )
    return rows


def test_readme_blocks_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert render_readme(text) == text, "README is stale: run `python -m phxstack.docs`"


def test_readme_table_lists_every_output_with_its_type_providers_and_secrecy() -> None:
    names = {"fly": "Fly.io", "gcp": "GCP"}
    expected = {
        key: (
            spec.type,
            spec.description.replace("|", ESCAPED_BAR),
            ", ".join(names[p] for p in spec.providers),
            "never",
        )
        for key, spec in OUTPUTS.items()
    }
    assert _documented() == expected
    assert f"`outputs_version`: **{OUTPUTS_VERSION}**" in outputs_block()


def test_table_parser_sees_a_missing_row() -> None:
    # The agreement test above would pass vacuously if the parser matched nothing.
    assert len(_documented()) == len(OUTPUTS) > 10


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("provider", sorted(SAMPLES))
def test_program_exports_exactly_the_documented_keys(provider: str, stack: str) -> None:
    outputs = sample_plan(provider, stack)["outputs"]
    # The samples have no processes and no bucket list, so those optional keys are left out;
    # the GCP sample's Redis brings the stack's own VPC network.
    has = {"vpc_network"} if provider == "gcp" else set()
    assert (
        set(outputs)
        == {k for k, spec in OUTPUTS.items() if provider in spec.providers and not spec.optional}
        | has
    )
    assert "[secret]" not in outputs.values()
    assert outputs["outputs_version"] == OUTPUTS_VERSION
    assert outputs["provider"] == provider
