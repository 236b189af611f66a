"""README blocks generated from code: the stack outputs table, the `plan --json` reference, the
GCP setup section and what the seed's configs cost.

Owns the text between the `<!-- outputs:… -->`, `<!-- plan-json:… -->`, `<!-- gcp-setup:… -->`
and `<!-- seed-cost:… -->` start/end markers in README.md, so the documentation is derived from
`components.outputs.OUTPUTS`, `phxstack/plan.schema.json`, `components.gcp.prerequisites` and
`phxstack cost` on the seed's configs (examples/seed), and a test can insist they agree.
`python -m phxstack.docs` rewrites the blocks in place; `--check` exits 1 when README.md is
stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from components.gcp import prerequisites
from components.outputs import OUTPUTS, OUTPUTS_VERSION
from phxstack.plan import PLAN_FORMAT_VERSION

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PLAN_SCHEMA = Path(__file__).with_name("plan.schema.json")
_PROVIDER_NAMES = {"fly": "Fly.io", "gcp": "GCP"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def outputs_block() -> str:
    lines = [
        f"`outputs_version`: **{OUTPUTS_VERSION}**. It is bumped when a key is removed or changes "
        "meaning; adding a key does not bump it. Every key means the same on both providers, a "
        "provider that has no such thing leaves the key out, and no output is ever secret: read "
        "them from another stack with `pulumi.StackReference` (see `examples/consumer/`). A "
        "`null` in the type means the stack has none (no database, say): Pulumi stores no output "
        "whose value is null, so `pulumi stack output` and a StackReference leave that key out; "
        "read such keys with `.get`, as `examples/consumer/` does.",
        "",
        "| output | type | meaning | set by | secret |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, spec in OUTPUTS.items():
        providers = ", ".join(_PROVIDER_NAMES[p] for p in spec.providers)
        lines.append(
            f"| `{name}` | `{_cell(spec.type)}` | {_cell(spec.description)} | {providers} | never |"
        )
    return "\n".join(lines)


def _schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PLAN_SCHEMA.read_text(encoding="utf-8"))
    return data


def plan_json_block() -> str:
    schema = _schema()
    props = schema["properties"]
    resource = props["resources"]["items"]["properties"]
    violation = props["violations"]["items"]["properties"]
    cost = props["cost"]["properties"]
    cost_item = schema["$defs"]["cost_item"]["properties"]

    def rows(fields: dict[str, Any]) -> list[str]:
        out = []
        for key, spec in fields.items():
            about = spec.get("description", "")
            if "enum" in spec:
                about = (
                    (about + " " if about else "")
                    + "One of "
                    + ", ".join(f"`{v}`" for v in spec["enum"])
                    + "."
                )
            out.append(f"| `{key}` | {_cell(about)} |")
        return out

    lines = [
        "### `plan --json`",
        "",
        "`phxstack plan --json` prints one JSON object, described by the JSON Schema "
        "[`phxstack/plan.schema.json`](phxstack/plan.schema.json). It is an interface: within a "
        f"`format_version` (now **{PLAN_FORMAT_VERSION}**) fields may be added but none is "
        "removed, renamed or changes meaning. Secret values never appear: each is the string "
        '`"[secret]"`, and a value known only after apply is `"[unknown]"`.',
        "",
        "| field | meaning |",
        "| --- | --- |",
        *rows({k: v for k, v in props.items() if k not in ("resources", "violations", "cost")}),
        "| `resources` | " + _cell(props["resources"]["description"]) + " Each one: |",
        *[r.replace("| `", "| `resources[].", 1) for r in rows(resource)],
        "| `violations` | " + _cell(props["violations"]["description"]) + " Each one: |",
        *[r.replace("| `", "| `violations[].", 1) for r in rows(violation)],
        "| `cost` | " + _cell(props["cost"]["description"]) + " |",
        *[r.replace("| `", "| `cost.", 1) for r in rows(cost)],
        "| `cost.items[]`, `cost.usage_items[]`, `cost.depends_on_usage[]` | One line item each: |",
        *[r.replace("| `", "| `…[].", 1) for r in rows(cost_item)],
        "",
        "`plan` exits 0 whenever the program ran, so a reviewer always sees the whole plan; "
        "`plan --strict` exits 3 when a mandatory violation (a `prod` or `production` stack) is "
        "found, and exit 2 still means invalid config.",
    ]
    return "\n".join(lines)


# The seed's configs and the variants the README prices: (config, what the seed said, stacks).
SEED_COST: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "Fly.io": (
        "examples/seed/fly.yaml",
        "~$27",
        (
            ("seed", "the seed, as written (unmanaged Fly Postgres)"),
            ("managed-postgres", "with Fly's supported Managed Postgres (Basic) instead"),
        ),
    ),
    "Cloud Run": (
        "examples/seed/gcp.yaml",
        "~$120",
        (
            ("seed", "the seed, on instance billing (the default)"),
            ("request-billing", "on request billing, an idle app"),
            ("liveview-sockets", "on request billing, LiveView sockets open all month"),
        ),
    ),
}


def break_even() -> Decimal:
    """The busy share of the time above which request billing costs more than instance billing,
    for an instance of 1 vCPU and 1 GiB: idle floor + share x active premium = instance price."""
    from phxstack.cost.prices import GCP

    def v(key: str) -> Decimal:
        return GCP[key].value

    instance = v("cloud_run_vcpu_second_instance_billing") + v(
        "cloud_run_gib_second_instance_billing"
    )
    idle = v("cloud_run_vcpu_second_request_billing_idle_min_instance") + v(
        "cloud_run_gib_second_request_billing_idle_min_instance"
    )
    premium = v("cloud_run_vcpu_second_request_billing_active") - v(
        "cloud_run_vcpu_second_request_billing_idle_min_instance"
    )
    return (instance - idle) / premium


def seed_cost_block() -> str:
    from phxstack.cost import price_stack
    from phxstack.cost.render import quantity, usd

    lines = [
        "Generated by `phxstack cost` from the seed's own configs in `examples/seed/` (`python "
        "-m phxstack.docs` rewrites it; a test keeps it current). List prices in USD a month; "
        "free tiers are shown apart because a billing account shares them between stacks.",
    ]
    for platform, (config, said, variants) in SEED_COST.items():
        priced = [(s, what, price_stack(ROOT / config, s, ROOT)[1]) for s, what in variants]
        base = priced[0][2]
        lines += [
            "",
            f"**{platform}**, `phxstack cost --config {config} --stack seed` (the seed said "
            f"{said}):",
            "",
            "| item | monthly |",
            "| --- | ---: |",
        ]
        # One row per kind of item: five secret versions are one row of five; the usage items
        # that cost nothing at their default assumptions share one row too.
        rows: dict[str, tuple[int, Decimal]] = {}
        at_zero: dict[str, str] = {}
        for item in base["items"] + base["usage_items"]:
            label = item["component"]
            key = item["usage_key"]
            if key:
                value = quantity(base["usage"][key]["value"])
                if not item["monthly"]:
                    at_zero[key] = value
                    continue
                label += f" ({value} {item['unit']} assumed: `usage.{key}`)"
            count, total = rows.get(label, (0, Decimal(0)))
            rows[label] = (count + 1, total + Decimal(str(item["monthly"])))
        for label, (count, total) in rows.items():
            lines.append(f"| {label}{f' x {count}' if count > 1 else ''} | {usd(total)} |")
        if at_zero:
            assumed = ", ".join(f"`usage.{k}` {v}" for k, v in at_zero.items())
            lines.append(f"| usage at the default assumptions ({assumed}) | {usd(0)} |")
        lines += [
            f"| **total** | **{usd(base['monthly_total'])}** |",
            "",
            "| variant | `--stack` | total | after free tiers |",
            "| --- | --- | ---: | ---: |",
        ]
        for stack, what, cost in priced:
            net = Decimal(str(cost["monthly_total"])) - Decimal(str(cost["free_tier_monthly"]))
            lines.append(f"| {what} | `{stack}` | {usd(cost['monthly_total'])} | {usd(net)} |")
    lines += [
        "",
        "Request billing costs more than instance billing once an instance has a request or a "
        f"socket open more than **{break_even() * 100:.1f}%** of the time (for 1 vCPU and 1 "
        "GiB, the idle floor plus the active rate's premium then passes the instance-billing "
        "price).",
    ]
    return "\n".join(lines)


BLOCKS = {
    "outputs": outputs_block,
    "plan-json": plan_json_block,
    "gcp-setup": prerequisites.markdown,
    "seed-cost": seed_cost_block,
}


def replace_block(text: str, marker: str, body: str) -> str:
    pattern = re.compile(
        rf"(<!-- {re.escape(marker)}:start -->\n).*?(<!-- {re.escape(marker)}:end -->)", re.S
    )
    if not pattern.search(text):
        raise ValueError(f"README has no <!-- {marker}:start --> … <!-- {marker}:end --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text, count=1)


def render_readme(text: str) -> str:
    for marker, make in BLOCKS.items():
        text = replace_block(text, marker, make())
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phxstack.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    wanted = render_readme(current)
    if args.check:
        if wanted != current:
            print("README.md is stale: run `python -m phxstack.docs`", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
