"""The pull-request summary: `phxstack plan --markdown --base BASE_PLAN.json`.

Owns the Markdown a PR comment shows for one stack: stateful replacements, deletions and
refusals first and in bold, then the monthly cost before and after, then every resource added,
changed, replaced or deleted against the base branch's plan. It never shows a secret (plans
carry `[secret]`, and values under secret-looking keys are masked again here), and it stays
under `MAX_CHARS`, saying plainly what was cut. Reads only plan JSON; `phxstack.changes` does
the diff and `phxstack.cost` the pricing.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from config.errors import ConfigError, Problem
from config.usage import Usage
from phxstack.changes import Change, bare, diff
from phxstack.cost import estimate
from phxstack.cost.render import usd
from phxstack.plan import PLAN_FORMAT_VERSION, SECRET, UNKNOWN
from phxstack.render import _rank

# GitHub refuses comments over 65,536 characters; stay well under it, counting UTF-8 bytes
# (never fewer than characters) so pr-summary.yml's byte cap never bites (see _fit).
MAX_CHARS = 60_000
MAX_VALUE = 60
MAX_PATHS = 6
# Values under these keys are masked even if a plan forgot to mark them secret.
_SECRET_KEY = re.compile(r"(password|secret_?data|auth_?string|private_?key|token)$", re.I)
MARKER = "<!-- phxstack-plan-summary:{stack} -->"

_SYMBOL = {"create": "+", "update": "~", "replace": "±", "delete": "-", "refused": "✗"}
_VERB = {
    "create": "add",
    "update": "update",
    "replace": "replace",
    "delete": "delete",
    "refused": "refused",
}


def read_base_plan(path: Path) -> dict[str, Any]:
    """A base branch's `plan --json`, checked enough to compare against; exit 2 otherwise."""

    def fail(message: str) -> ConfigError:
        return ConfigError([Problem(str(path), 1, 1, "", message)])

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(f"cannot read the base plan: {exc.strerror}") from None
    except ValueError as exc:
        message = f"the base plan is not JSON ({exc}); pass `phxstack plan --json` output"
        raise fail(message) from None
    if not isinstance(data, dict) or data.get("format_version") != PLAN_FORMAT_VERSION:
        raise fail(f"not a `phxstack plan --json` document of format_version {PLAN_FORMAT_VERSION}")
    if not isinstance(data.get("resources"), list) or not isinstance(data.get("provider"), str):
        raise fail("the base plan has no `resources` list or `provider`")
    return data


def _base_usage(base: dict[str, Any]) -> Usage:
    """The assumptions the base plan was priced with, where it recorded them."""
    recorded = ((base.get("cost") or {}).get("usage")) or {}
    try:
        return Usage.model_validate({k: v["value"] for k, v in recorded.items()})
    except (ValueError, TypeError, KeyError):
        return Usage()


def _code(value: Any, limit: int = MAX_VALUE) -> str:
    if value is None:
        text = "(none)"
    elif value == UNKNOWN:
        text = "(known after apply)"
    else:
        text = value if isinstance(value, str) else json.dumps(value)
    if "\n" in text:
        text = f"({len(text.splitlines())} lines)"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    # A table cell: no pipes, no backticks that would end the code span early.
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _masked(path: str, value: Any) -> Any:
    last = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]
    return SECRET if value not in (None, SECRET) and _SECRET_KEY.search(last) else value


def _what(change: Change) -> str:
    if change.action in ("create", "delete"):
        return ""
    parts = []
    forcing = set(change.because)
    # What forces the replacement first, then what a reviewer weighs (size, safety) first.
    ordered = sorted(
        change.changed, key=lambda c: (c.path not in forcing, _rank(bare(c.path)), c.path)
    )
    for c in ordered[:MAX_PATHS]:
        old, new = _masked(c.path, c.old), _masked(c.path, c.new)
        mark = " (forces replacement)" if c.path in forcing and change.action == "replace" else ""
        if change.action == "refused" and c.path in forcing:
            mark = " (flyctl cannot change it)"
        parts.append(f"`{c.path}`: {_code(old)} → {_code(new)}{mark}")
    if len(change.changed) > MAX_PATHS:
        parts.append(f"… {len(change.changed) - MAX_PATHS} more")
    if not change.changed:
        parts.append("protection changed")
    if change.action == "update" and not change.known_rules:
        parts.append("(no replacement rules known for this type: check `pulumi preview`)")
    return "<br>".join(parts)


def _risk_line(change: Change) -> str:
    name = f"`{change.name}` ({change.type})"
    protected = (
        "; it is protected, so `pulumi up` stops until the protection is lifted"
        if change.protected and change.action in ("replace", "delete")
        else ""
    )
    if change.action == "refused":
        paths = ", ".join(f"`{p}`" for p in change.because)
        return (
            f"- **Refused: {name}**: {paths} cannot be changed with flyctl; `pulumi up` will "
            "stop here (change it in the Fly dashboard first)"
        )
    if change.action == "delete":
        return f"- **Delete {name}**: its data goes with it{protected}"
    paths = ", ".join(f"`{p}`" for p in change.because)
    return (
        f"- **Replace {name}**: {paths} cannot change in place, so it is deleted and "
        f"created again, and its data is lost unless restored{protected}"
    )


def _cost_section(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    new_total = Decimal(str(after["monthly_total"]))
    if before is None:
        return [f"**Monthly cost:** {usd(new_total)} (no base plan to compare with)"]
    old_total = Decimal(str(before["monthly_total"]))
    delta = new_total - old_total
    pct = f", {delta / old_total * 100:+.1f}%" if old_total else ""
    lines = [
        f"**Monthly cost:** {usd(old_total)} → {usd(new_total)} (**{usd(delta, sign=True)}**{pct})",
        "",
        "| | before | after | change |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, key in (("fixed", "fixed_monthly"), ("usage at assumptions", "usage_monthly")):
        a, b = Decimal(str(before[key])), Decimal(str(after[key]))
        lines.append(f"| {label} | {usd(a)} | {usd(b)} | {usd(b - a, sign=True)} |")
    lines.append(
        f"| **total** | **{usd(old_total)}** | **{usd(new_total)}** | **{usd(delta, sign=True)}** |"
    )
    if not after["complete"]:
        lines += ["", f"{len(after['not_priced'])} items are not priced (see `phxstack cost`)."]
    return lines


def _cost_lines_changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    def items(cost: dict[str, Any]) -> dict[tuple[str, str], Decimal]:
        out: dict[tuple[str, str], Decimal] = {}
        for i in cost["items"] + cost["usage_items"]:
            key = (i["resource"], i["component"])
            out[key] = out.get(key, Decimal(0)) + Decimal(str(i["monthly"]))
        return out

    a, b = items(before), items(after)
    rows = []
    for key in [*b, *(k for k in a if k not in b)]:
        if a.get(key, Decimal(0)) != b.get(key, Decimal(0)):
            old = usd(a[key]) if key in a else "-"
            new = usd(b[key]) if key in b else "-"
            rows.append(f"| `{key[0]}`: {key[1]} | {old} | {new} |")
    return rows


def _override_lines(head: dict[str, Any], base: dict[str, Any] | None) -> list[str]:
    """The checks infera.yaml waives, each with its reason; one this change adds is marked, so a
    reviewer sees a policy switched off in the same comment as the resources it lets through."""
    overrides = head.get("overrides") or []
    if not overrides:
        return []
    known = {(o["kind"], o["name"]) for o in (base or {}).get("overrides") or []}
    lines = ["**Overrides** (infera.yaml `overrides:`, each waiving one check):", ""]
    for o in overrides:
        new = base is not None and (o["kind"], o["name"]) not in known
        lines.append(
            f"- {'**new:** ' if new else ''}`{o['kind']}.{o['name']}`: "
            # In a code span and on one line: a reason is the PR author's text, never markup.
            f"{_code(' '.join(str(o['reason']).split()), 300)}"
        )
    return [*lines, ""]


def render_markdown(
    head: dict[str, Any], base: dict[str, Any] | None, *, limit: int = MAX_CHARS
) -> str:
    """The PR comment for one stack, under `limit` characters."""
    stack, provider = head["stack"], head["provider"]
    if base is not None and base.get("stack") != stack:
        # URNs carry the stack name: another stack's plan would show everything replaced.
        message = (
            f"the base plan is of stack {base.get('stack')!r}, this plan of {stack!r}; "
            "compare a stack with its own base plan"
        )
        raise ConfigError([Problem("--base", 1, 1, "", message)])
    changes = diff(base["resources"] if base else [], head["resources"])
    before = None
    if base is not None:
        before = estimate(base["resources"], base["provider"], _base_usage(base)).to_json()
    risky = [c for c in changes if c.risky]
    counts = {a: sum(c.action == a for c in changes) for a in _VERB}
    head_lines = [
        MARKER.format(stack=stack),
        f"### phxstack plan: `{stack}` ({provider})",
        "",
    ]
    if base is None:
        head_lines += ["No base plan to compare with: every resource is listed as new.", ""]
    if risky:
        head_lines += ["**Data at risk, or a deploy that will stop:**", ""]
        head_lines += [_risk_line(c) for c in risky]
        head_lines.append("")
    head_lines += _override_lines(head, base)
    head_lines += [*_cost_section(before, head["cost"]), ""]
    summary = ", ".join(f"{n} to {_VERB[a]}" for a, n in counts.items() if n) or "no changes"
    head_lines += [f"**Resources:** {summary}.", ""]
    footer = [
        "",
        "<sub>Offline plans of both branches under Pulumi's mock runtime, no credentials. "
        "Replace or update is decided from the providers' replacement rules for the "
        "properties that changed; values known only after apply and secret values are not "
        "compared. `pulumi preview --diff` is the authority. Costs are list prices in USD "
        "(`phxstack cost` for the breakdown).</sub>",
    ]
    table = ["| | resource | type | what changed |", "| --- | --- | --- | --- |"]
    order = {"refused": 0, "replace": 1, "delete": 2, "update": 3, "create": 4}
    rows = [
        f"| {_SYMBOL[c.action]} {_VERB[c.action]} | `{c.name}` | `{c.type}` | {_what(c)} |"
        for c in sorted(changes, key=lambda c: (not c.risky, order[c.action]))
    ]
    moved = _cost_lines_changed(before, head["cost"]) if before is not None else []
    cost_items = (
        ["", "| cost item | before | after |", "| --- | ---: | ---: |", *moved] if moved else []
    )
    return _fit(
        head_lines,
        table=table,
        rows=rows,
        cost_items=cost_items,
        footer=footer,
        limit=limit,
        stack=stack,
    )


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _fit(
    head_lines: list[str],
    *,
    table: list[str],
    rows: list[str],
    cost_items: list[str],
    footer: list[str],
    limit: int,
    stack: str,
) -> str:
    """Everything that fits under `limit`: the head and footer always, then the changed cost
    items (a few lines), then the change rows in order; what is left out is said at the end.

    Sizes are counted in UTF-8 bytes, never fewer than the characters GitHub counts, so the
    workflow's byte cap (pr-summary.yml) never cuts a summary that this bound let through.
    """
    tail = "\n".join(footer) + "\n"
    text = "\n".join(head_lines)
    cut_room = 400  # for the closing line that says what was cut
    if _size(text) + _size(tail) + cut_room > limit:
        # Even the risks do not fit: cut them too, and say so.
        keep = max(0, limit - _size(tail) - cut_room)
        return (
            text.encode("utf-8")[:keep].decode("utf-8", errors="ignore")
            + "\n\n**Cut here:** the risks above go on; this summary is longer than a PR comment "
            "may be. Run `phxstack plan --markdown` locally for all of it.\n" + tail
        )
    used = _size(text) + _size(tail) + cut_room
    items_fit = bool(cost_items) and used + _size("\n".join(cost_items)) + 1 <= limit
    if items_fit:
        used += _size("\n".join(cost_items)) + 1
    shown: list[str] = []
    if rows:
        used += _size("\n".join(table)) + 1
        for row in rows:
            if used + _size(row) + 1 > limit:
                break
            shown.append(row)
            used += _size(row) + 1
    out = [text]
    if shown:
        out.append("\n".join(table + shown))
    if items_fit:
        out.append("\n".join(cost_items))
    cut = []
    if len(shown) < len(rows):
        cut.append(f"{len(rows) - len(shown)} of {len(rows)} changes")
    if cost_items and not items_fit:
        cut.append("the changed cost items")
    if cut:
        out += [
            "",
            f"**Cut here:** {' and '.join(cut)} are not shown, to keep this comment under "
            f"{limit:,} characters. Run `phxstack plan --markdown --base BASE_PLAN.json "
            f"--stack {stack}` for all of them.",
        ]
    return "\n".join(out) + "\n" + tail
