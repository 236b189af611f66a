"""`phxstack cost` as a person runs it, and the cost that `plan` and `plan --json` carry."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cost.conftest import FLY_SAMPLE, ROOT, SEED_FLY, SEED_GCP, cost_of, crafted, run_cli


def test_cost_prints_line_items_the_total_and_what_it_left_out() -> None:
    code, out, err = run_cli("cost", "--config", str(SEED_FLY), "--stack", "seed")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Monthly cost of stack 'seed' (provider fly): $19.98"
    header = next(line for line in lines if line.startswith("Resource / component"))
    assert header.split() == ["Resource", "/", "component", "Quantity", "Unit", "Unit", "price",
                              "Monthly"]  # fmt: skip
    machines = next(line for line in lines if "Machines, shared-cpu-2x 512MB" in line)
    assert machines.split()[-4:] == ["2", "machines", "$3.89", "$7.78"]
    upstash = next(line for line in lines if "pay-as-you-go" in line)
    assert upstash.split()[-9:] == [
        "2,500,000", "commands", "$0.20", "/100k", "$5.00", "usage.redis_commands", "=",
        "2,500,000", "(default)",
    ]  # fmt: skip
    assert "Total: $19.98 a month = $14.98 fixed + $5.00 usage at assumptions." in lines
    egress = next(line for line in lines if "Internet egress from iad" in line)
    assert egress.split()[-8:] == [
        "0", "GB", "$0.02", "$0.00", "usage.egress_gb", "=", "0", "(default)",
    ]  # fmt: skip
    assert lines[
        lines.index("Depends on usage (not in the total; give a number under `usage:`):") + 1
    ] == (
        "    (stack): Volume snapshots (daily, kept 5 days): $0.08 per GB (usage.volume_snapshot_gb)"
    )
    # Config warnings go to stderr, so `cost > file` keeps only the estimate.
    assert "unmanaged Fly Postgres" in err and "unmanaged" not in out.split("Total:")[1]


def test_cost_needs_no_gcp_project_to_price_a_stack() -> None:
    # examples/seed has no Pulumi.seed.yaml: plan would stop and ask for gcp:project.
    code, out, err = run_cli("cost", "--config", str(SEED_GCP), "--stack", "seed")
    assert code == 0, err
    assert out.startswith("Monthly cost of stack 'seed' (provider gcp): $255.68\n")
    assert "Free tiers (shared by every stack on the account, so not subtracted): $5.52" in out
    code, _, err = run_cli("plan", "--config", str(SEED_GCP), "--stack", "seed")
    assert code == 2 and "no GCP project set" in err


def test_plan_shows_the_total_and_plan_json_carries_the_same_cost() -> None:
    code, out, _ = run_cli("plan", "--config", str(FLY_SAMPLE), "--stack", "prod")
    assert code == 0
    assert out.splitlines()[1] == (
        "Monthly cost: $23.87 estimated (list prices, USD; $5.00 of it usage at assumptions; "
        "1 item depends on usage). Breakdown: `phxstack cost`."
    )
    code, out, _ = run_cli("plan", "--json", "--config", str(FLY_SAMPLE), "--stack", "prod")
    assert json.loads(out)["cost"] == cost_of(FLY_SAMPLE, "prod", ROOT)
    assert json.loads(out)["cost"]["monthly_total"] == 23.87


def test_cost_of_a_config_with_errors_exits_2_naming_each_place_and_prints_no_estimate(
    tmp_path: Path,
) -> None:
    config = crafted(
        tmp_path,
        {
            "project_name": "shop",
            "provider": "gcp",
            "usage": {"requests": "lots", "egres_gb": 3},
        },
    )
    code, out, err = run_cli("cost", "--config", str(config), "--project-dir", str(tmp_path))
    assert (code, out) == (2, "")
    # crafted() writes app (2 lines), project_name, provider, then usage: requests is line 6
    assert err.splitlines() == [
        f"{config}:6:13: usage.requests: expected a whole number, got 'lots'",
        f"{config}:7:3: usage.egres_gb: unknown key 'egres_gb'; did you mean 'egress_gb'?",
    ]
    assert "Traceback" not in err


def test_free_tiers_are_subtracted_only_when_asked() -> None:
    # The seed on instance billing: $255.68 less Cloud Run's CPU ($4.32) and memory ($0.90) free
    # tiers and Secret Manager's six free versions ($0.30) is $250.16, the README's figure.
    args = ("cost", "--config", str(SEED_GCP), "--stack", "seed")
    code, out, _ = run_cli(*args)
    assert code == 0 and "after free tiers" not in out
    code, out, _ = run_cli(*args, "--subtract-free-tiers")
    assert code == 0
    assert out.splitlines()[0] == "Monthly cost of stack 'seed' (provider gcp): $255.68"
    assert (
        "Total after free tiers: $250.16 a month, if no other stack or project on the billing "
        "account uses them."
    ) in out.splitlines()
