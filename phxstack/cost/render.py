"""Text for a cost estimate: the `phxstack cost` table, `plan`'s one line, Markdown pieces.

Pure functions over the `cost` JSON (`Estimate.to_json()`), so the text, the JSON and a saved
base plan all read the same data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# Unit multipliers people read more easily than a price per single unit.
_PER = {1000: "1k", 10_000: "10k", 100_000: "100k", 1_000_000: "1M"}
# How the stack-wide items are labelled, since they belong to no one resource.
STACK = "(stack)"


def usd(value: float | int | Decimal | None, *, sign: bool = False) -> str:
    if value is None:
        return "depends on usage"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    text = f"${abs(amount):,.2f}"
    if amount < 0:
        return "-" + text
    return ("+" + text) if sign else text


def _price(value: float | int) -> str:
    price = Decimal(str(value)).normalize()
    text = f"{price:,f}"
    decimals = len(text.partition(".")[2])
    return f"${price:,.2f}" if decimals < 2 else f"${text}"


def unit_price(item: dict[str, Any]) -> str:
    """`$0.000018`, or `$0.20 /100k` for a price per many units (Infracost's unit multiplier)."""
    per = item.get("price_per") or 1
    text = _price(item["unit_price"])
    return f"{text} /{_PER.get(per, f'{per:,}')}" if per != 1 else text


def price_per(item: dict[str, Any]) -> str:
    """`$0.12 per GB`, `$0.005 per 1k operations`."""
    per = item.get("price_per") or 1
    unit = item["unit"]
    if per == 1:
        return f"{_price(item['unit_price'])} per {unit.removesuffix('s')}"
    return f"{_price(item['unit_price'])} per {_PER.get(per, f'{per:,}')} {unit}"


def quantity(value: float | int | None) -> str:
    if value is None:
        return "-"
    q = Decimal(str(value))
    if q == q.to_integral_value():
        return f"{int(q):,}"
    return f"{q.normalize():,f}"


def _assumption(item: dict[str, Any], usage: dict[str, Any]) -> str:
    key = item.get("usage_key")
    if not key:
        return ""
    found = usage.get(key) or {}
    where = "set in infera.yaml" if found.get("set") else "default"
    return f"usage.{key} = {quantity(found.get('value'))} ({where})"


def _table(rows: list[tuple[str, str, str, str, str, str]]) -> list[str]:
    """Infracost's columns: name, quantity, unit, unit price, monthly (and a note)."""
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    out = []
    for name, qty, unit, price, monthly, note in rows:
        if not qty and not unit and not price and not monthly:
            out.append(name)
            continue
        text = (
            f"{name:<{widths[0]}}  {qty:>{widths[1]}}  {unit:<{widths[2]}}  "
            f"{price:>{widths[3]}}  {monthly:>{widths[4]}}"
        )
        out.append((text + ("  " + note if note else "")).rstrip())
    return out


def _grouped(items: list[dict[str, Any]], usage: dict[str, Any]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    by_resource: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for item in items:
        by_resource.setdefault((item["resource"], item["type"]), []).append(item)
    for (resource, type_), group in by_resource.items():
        header = resource if resource == STACK else f"{resource}  ({type_})"
        rows.append((header, "", "", "", "", ""))
        for i, item in enumerate(group):
            branch = "└─" if i == len(group) - 1 else "├─"
            rows.append(
                (
                    f" {branch} {item['component']}",
                    quantity(item["quantity"]),
                    item["unit"],
                    unit_price(item),
                    usd(item["monthly"]),
                    _assumption(item, usage),
                )
            )
    return rows


def render_cost(
    cost: dict[str, Any], stack: str, provider: str, *, subtract_free_tiers: bool = False
) -> str:
    """The `phxstack cost` breakdown; free tiers are subtracted only when asked to."""
    usage = cost.get("usage") or {}
    lines = [
        f"Monthly cost of stack {stack!r} (provider {provider}): {usd(cost['monthly_total'])}"
        + ("" if cost["complete"] else " (incomplete: see Not priced)"),
        f"List prices in USD for a month of {cost['hours_per_month']} hours, from the price "
        f"table compiled {cost['prices_compiled']} (phxstack/cost/prices.py); each item's "
        "source and date are in `--json`.",
        "",
    ]
    header = ("Resource / component", "Quantity", "Unit", "Unit price", "Monthly", "")
    rows: list[tuple[str, ...]] = [header]
    rows += _grouped(cost["items"], usage)
    if cost["usage_items"]:
        rows.append(("", "", "", "", "", ""))
        rows.append(("Usage-dependent, at the assumptions below (set them under `usage:`)",
                     "", "", "", "", ""))  # fmt: skip
        rows += _grouped(cost["usage_items"], usage)
    lines += _table(rows)  # type: ignore[arg-type]
    lines += [
        "",
        f"Total: {usd(cost['monthly_total'])} a month = {usd(cost['fixed_monthly'])} fixed + "
        f"{usd(cost['usage_monthly'])} usage at assumptions.",
    ]
    if cost["depends_on_usage"]:
        lines += ["", "Depends on usage (not in the total; give a number under `usage:`):"]
        for item in cost["depends_on_usage"]:
            note = f"; {item['note']}" if item.get("note") else ""
            lines.append(
                f"    {item['resource']}: {item['component']}: {price_per(item)} "
                f"(usage.{item['usage_key']}{note})"
            )
    if cost["free_tiers"]:
        lines += [
            "",
            "Free tiers (shared by every stack on the account, so not subtracted): "
            f"{usd(cost['free_tier_monthly'])} off if this stack used them alone.",
        ]
        for free in cost["free_tiers"]:
            lines.append(f"    {free['name']}: {free['allowance']}: -{usd(free['monthly'])}")
        if subtract_free_tiers:
            after = Decimal(str(cost["monthly_total"])) - Decimal(str(cost["free_tier_monthly"]))
            lines.append(
                f"Total after free tiers: {usd(after)} a month, if no other stack or project on "
                "the billing account uses them."
            )
    if cost["not_priced"]:
        lines += ["", "Not priced (left out of the total):"]
        for item in cost["not_priced"]:
            lines.append(f"    {item['resource']} ({item['type']}): {item['reason']}")
    if cost["no_charge"]:
        lines += ["", f"No charge of their own: {len(cost['no_charge'])} resources."]
    notes = [
        (i["resource"], i["component"], i["note"])
        for i in cost["items"] + cost["usage_items"]
        if i.get("note")
    ]
    if notes:
        lines += ["", "Notes:"]
        seen: set[str] = set()
        for resource, component, note in notes:
            if note not in seen:
                seen.add(note)
                lines.append(f"    {resource}: {component}: {note}")
    return "\n".join(lines) + "\n"


def one_line(cost: dict[str, Any]) -> str:
    """`plan`'s summary of the estimate."""
    parts = [f"Monthly cost: {usd(cost['monthly_total'])} estimated (list prices, USD"]
    if cost["usage_items"]:
        parts.append(f"; {usd(cost['usage_monthly'])} of it usage at assumptions")
    if cost["depends_on_usage"]:
        n = len(cost["depends_on_usage"])
        parts.append(f"; {n} item depends on usage" if n == 1 else f"; {n} items depend on usage")
    if cost["not_priced"]:
        parts.append(f"; {len(cost['not_priced'])} not priced")  # "1 not priced" reads fine
    parts.append("). Breakdown: `phxstack cost`.")
    return "".join(parts)
