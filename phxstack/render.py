"""Text rendering of a plan: the resource tree, the settings a reviewer cares about, outputs.

Pure functions over `Plan.to_json()` data, so the text and the JSON can never disagree.
"""

from __future__ import annotations

import json
from typing import Any

from phxstack.cost.render import one_line
from phxstack.plan import SECRET, UNKNOWN

MAX_SETTINGS = 16
MAX_VALUE = 90
MAX_BLOCK_LINES = 80
MAX_DEPENDENCIES = 6
# What a reviewer looks at first, by the last part of the setting's path; the rest follow in
# the program's order. Size, scaling, safety and exposure come before plumbing.
_FIRST = (
    "name", "tier", "edition", "databaseVersion", "availabilityType", "sslMode",
    "limits.cpu", "limits.memory", "minInstanceCount", "maxInstanceCount",
    "maxInstanceRequestConcurrency", "timeout", "cpuIdle", "sessionAffinity",
    "invokerIamDisabled", "ingress", "deletionProtection", "deletionProtectionEnabled",
    "memorySizeGb", "transitEncryptionMode", "authEnabled", "publicAccessPrevention",
    "forceDestroy", "versioning.enabled", "count", "kind", "plan", "region", "location",
    "role", "member", "config",
)  # fmt: skip
# Inputs that are noise to a reviewer: provider plumbing, and labels repeated everywhere.
_NOISE = {"project", "labels", "effectiveLabels", "pulumiLabels", "disableOnDestroy"}


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            if k in _NOISE:
                continue
            out.extend(_flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = []
        for i, v in enumerate(value):
            out.extend(_flatten(v, f"{prefix}[{i}]"))
        return out
    return [(prefix, value)]


def _rank(key: str) -> int:
    for i, suffix in enumerate(_FIRST):
        if key == suffix or key.endswith("." + suffix):
            return i
    return len(_FIRST)


def _show(value: Any, pad: str = "") -> str:
    if value == SECRET:
        return "[secret]"
    if value == UNKNOWN:
        return "(known after apply)"
    text = value if isinstance(value, str) else json.dumps(value)
    if "\n" in text.strip():
        # A rendered file (fly.toml): what the reviewer most needs to read, as an indented block.
        lines = text.strip().splitlines()
        shown = lines[:MAX_BLOCK_LINES]
        more = (
            [f"… {len(lines) - len(shown)} more lines (see --json)"] if lines[len(shown) :] else []
        )
        return "|\n" + "\n".join(f"{pad}    {line}" for line in [*shown, *more])
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


_PROCESS_KINDS = {"service": "Cloud Run service", "worker_pool": "Cloud Run worker pool"}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _placements(resources: list[dict[str, Any]]) -> list[str]:
    """Which process group runs where, from the Fly Scale resources (one per group and region);
    shown only when there is more than the web process in one region."""
    scales = [r["inputs"] for r in resources if r["type"].endswith("dynamic/fly:Scale")]
    if len(scales) < 2:
        return []
    where: dict[str, list[str]] = {}
    for inputs in scales:
        group = str(inputs.get("process_group") or "app")
        where.setdefault(group, []).append(f"{inputs.get('region')} x{_show(inputs.get('count'))}")
    return ["", "Processes (machines per region):"] + [
        f"    {group}{' (web)' if group == 'app' else ''}: {', '.join(places)}"
        for group, places in where.items()
    ]


def render_text(plan: dict[str, Any], warnings: list[str] | None = None) -> str:
    resources = plan["resources"]
    names = {r["urn"]: r["name"] for r in resources}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for r in resources:
        parent = r["parent"] if r["parent"] in names else None
        children.setdefault(parent, []).append(r)

    lines = [
        f"Plan for stack {plan['stack']!r} (provider {plan['provider']}): "
        f"{_count(sum(1 for r in resources if r['custom']), 'resource')} in "
        f"{_count(sum(1 for r in resources if not r['custom']), 'component')}, offline, "
        "under mocks.",
    ]
    if plan.get("cost"):
        lines.append(one_line(plan["cost"]))
    lines.append("")

    def emit(r: dict[str, Any], depth: int) -> None:
        pad = "    " * depth
        flags = " [protected]" if r["protect"] else ""
        lines.append(f"{pad}+ {r['type']}  {r['name']}{flags}")
        if r["custom"]:
            settings = [(k, v) for k, v in _flatten(r["inputs"]) if v not in (None, [], {})]
            settings = [
                kv for _, kv in sorted(enumerate(settings), key=lambda e: (_rank(e[1][0]), e[0]))
            ]
            for key, value in settings[:MAX_SETTINGS]:
                lines.append(f"{pad}      {key}: {_show(value, pad + '      ')}")
            if len(settings) > MAX_SETTINGS:
                lines.append(f"{pad}      … {len(settings) - MAX_SETTINGS} more (see --json)")
            own_parent = r["parent"]
            deps = sorted({names[d] for d in r["dependencies"] if d in names and d != own_parent})
            if deps:
                more = len(deps) - MAX_DEPENDENCIES
                shown = ", ".join(deps[:MAX_DEPENDENCIES]) + (f", +{more} more" if more > 0 else "")
                lines.append(f"{pad}      depends on: {shown}")
        for child in children.get(r["urn"], []):
            emit(child, depth + 1)

    for r in children.get(None, []):
        emit(r, 0)
    processes = plan["outputs"].get("processes")
    if isinstance(processes, dict) and processes:
        # Which process group runs where (issue #10): one line each, never cut short.
        lines += ["", "Processes:"]
        for process, where in processes.items():
            kind = where.get("kind", "") if isinstance(where, dict) else ""
            name = where.get("name", "") if isinstance(where, dict) else where
            lines.append(f"    {process}: {_PROCESS_KINDS.get(kind, kind)} {_show(name)}")
    lines += _placements(resources)
    lines += ["", "Outputs:"]
    for key, value in plan["outputs"].items():
        lines.append(f"    {key}: {_show(value)}")
    if plan.get("overrides"):
        lines += ["", "Overrides (infera.yaml `overrides:`, each with its reason):"]
        for o in plan["overrides"]:
            lines.append(f"    {o['kind']}.{o['name']}: {o['reason']}")
    if plan.get("violations"):
        lines += ["", "Policy violations:"]
        for v in plan["violations"]:
            lines.append(f"    [{v['enforcement']}] {v['policy']}: {v['resource']}: {v['message']}")
    if warnings:
        lines += ["", "Warnings:"]
        lines += [f"    {w}" for w in warnings]
    return "\n".join(lines) + "\n"
