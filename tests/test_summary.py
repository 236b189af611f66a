"""`phxstack plan --markdown --base BASE.json`: the pull-request summary, on crafted plan pairs
(add, change, replace of a stateful resource, delete, a cost decrease), its size bound, its
secrecy, and the command end to end on the real program."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.errors import ConfigError
from phxstack.cli import main
from phxstack.cost import estimate
from phxstack.summary import MAX_CHARS, render_markdown

ROOT = Path(__file__).resolve().parents[1]
SERVICE = "gcp:cloudrunv2/service:Service"
REDIS = "gcp:redis/instance:Instance"
BUCKET = "gcp:storage/bucket:Bucket"
CANARY = "summary-canary-4e1f9d2b"


def res(type_: str, logical: str, protect: bool = False, **inputs: Any) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:prod::phoenix::{type_}::{logical}",
        "type": type_,
        "name": logical,
        "parent": None,
        "custom": True,
        "protect": protect,
        "inputs": inputs,
        "dependencies": [],
    }


def service(warm: int) -> dict[str, Any]:
    return res(
        SERVICE,
        "app-service",
        location="us-central1",
        template={
            "containers": [
                {"resources": {"limits": {"cpu": "2", "memory": "2048Mi"}, "cpuIdle": False}}
            ],
            "scaling": {"minInstanceCount": warm},
        },
    )


def redis(tier: str, protect: bool = False) -> dict[str, Any]:
    return res(REDIS, "app-redis", protect, region="us-central1", tier=tier, memorySizeGb=1)


def bucket() -> dict[str, Any]:
    return res(BUCKET, "app-uploads", True, location="US-CENTRAL1", name="app-uploads")


def plan(*resources: dict[str, Any], with_cost: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format_version": 1,
        "stack": "prod",
        "provider": "gcp",
        "resources": list(resources),
    }
    if with_cost:
        data["cost"] = estimate(data["resources"], "gcp").to_json()
    return data


# ------------------------------------------------------------------------ crafted pairs
def test_an_added_resource_is_listed_and_priced() -> None:
    md = render_markdown(plan(service(2), redis("BASIC")), plan(service(2)))
    assert "| + add | `app-redis` | `gcp:redis/instance:Instance` |  |" in md
    assert "**Resources:** 1 to add." in md
    # 730 GB-h x $0.049: the new Memorystore's whole price is the delta
    assert "**Monthly cost:** $210.24 → $246.01 (**+$35.77**, +17.0%)" in md
    assert "| `app-redis`: Capacity, Basic, 1 GB (band M1) | - | $35.77 |" in md
    assert "Data at risk" not in md


def test_a_change_shows_the_old_and_new_value_and_the_cost_it_adds() -> None:
    md = render_markdown(plan(service(3)), plan(service(2)))
    assert (
        "| ~ update | `app-service` | `gcp:cloudrunv2/service:Service` | "
        "`template.scaling.minInstanceCount`: `2` → `3` |"
    ) in md
    # one more warm 2 vCPU / 2 GiB instance: 5,256,000 x $0.000018 + 5,256,000 x $0.000002
    assert "**Monthly cost:** $210.24 → $315.36 (**+$105.12**, +50.0%)" in md


def test_a_cost_decrease_is_a_negative_delta() -> None:
    md = render_markdown(plan(service(1)), plan(service(3)))
    assert "**Monthly cost:** $315.36 → $105.12 (**-$210.24**, -66.7%)" in md
    assert "| **total** | **$315.36** | **$105.12** | **-$210.24** |" in md


def test_a_stateful_replacement_comes_first_in_bold_with_what_forces_it() -> None:
    base = plan(service(2), redis("BASIC", protect=True))
    head = plan(service(3), redis("STANDARD_HA", protect=True))
    md = render_markdown(head, base)
    risk = (
        "- **Replace `app-redis` (gcp:redis/instance:Instance)**: `tier` cannot change in "
        "place, so it is deleted and created again, and its data is lost unless restored; it is "
        "protected, so `pulumi up` stops until the protection is lifted"
    )
    assert risk in md
    assert md.index("**Data at risk") < md.index("**Monthly cost:**") < md.index("| ~ update")
    rows = [line for line in md.splitlines() if line.startswith("| ± ") or line.startswith("| ~")]
    assert rows[0].startswith("| ± replace | `app-redis`")
    assert "`tier`: `BASIC` → `STANDARD_HA` (forces replacement)" in rows[0]


def test_a_stateful_deletion_is_listed_first_in_bold() -> None:
    md = render_markdown(plan(service(2)), plan(service(2), bucket()))
    assert (
        "- **Delete `app-uploads` (gcp:storage/bucket:Bucket)**: its data goes with it; it is "
        "protected, so `pulumi up` stops until the protection is lifted"
    ) in md
    assert "| - delete | `app-uploads` | `gcp:storage/bucket:Bucket` |  |" in md


def test_a_refused_fly_change_says_the_deploy_will_stop() -> None:
    t = "pulumi-python:dynamic/fly:Postgres"
    base = res(t, "db", kind="unmanaged", region="iad", volume_size_gb=10, vm_memory_mb=1024)
    head = res(t, "db", kind="unmanaged", region="iad", volume_size_gb=40, vm_memory_mb=1024)
    fly = {"format_version": 1, "stack": "prod", "provider": "fly"}
    md = render_markdown(
        {**fly, "resources": [head], "cost": estimate([head], "fly").to_json()},
        {**fly, "resources": [base]},
    )
    assert (
        "- **Refused: `db` (pulumi-python:dynamic/fly:Postgres)**: `volume_size_gb` cannot be "
        "changed with flyctl; `pulumi up` will stop here (change it in the Fly dashboard first)"
    ) in md


def test_no_base_lists_everything_as_new() -> None:
    md = render_markdown(plan(service(2)), None)
    assert "No base plan to compare with: every resource is listed as new." in md
    assert "**Monthly cost:** $210.24 (no base plan to compare with)" in md


def test_the_base_is_priced_with_the_assumptions_it_recorded() -> None:
    busy = service(1)
    busy["inputs"]["template"]["containers"][0]["resources"]["cpuIdle"] = True
    base = plan(busy)
    # the base branch assumed 730 busy hours: the idle floor plus the active premium
    base["cost"]["usage"] = {"active_instance_hours": {"value": 730, "set": True}}
    md = render_markdown(plan(busy), base)
    # 2,628,000 s x 2 vCPU x $0.0000215 = 113.004 more in the base than in the head (0 h)
    assert "| usage at assumptions | $113.00 | $0.00 | -$113.00 |" in md


# ---------------------------------------------------------------------- secrecy and size
def test_secrets_never_appear_even_when_a_plan_forgot_to_mark_one() -> None:
    t = "gcp:sql/user:User"
    base = res(t, "user", name="app", password="[secret]")
    head = res(t, "user", name="app2", password=CANARY)  # a base file written by hand
    md = render_markdown(plan(head), plan(base))
    assert CANARY not in md
    assert "`password`: `[secret]` → `[secret]`" in md


def test_the_summary_stays_under_the_limit_and_says_where_it_was_cut() -> None:
    many = [
        res("gcp:secretmanager/secretIamMember:SecretIamMember", f"member-{i:04}",
            role="roles/secretmanager.secretAccessor", member=f"serviceAccount:sa-{i}@x")
        for i in range(3000)
    ]  # fmt: skip
    base = plan(service(2), redis("BASIC"))
    md = render_markdown(plan(service(2), redis("STANDARD_HA"), *many), base)
    assert len(md) < MAX_CHARS
    assert "**Replace `app-redis`" in md  # the risks are never what gets cut
    cut = [line for line in md.splitlines() if line.startswith("**Cut here:**")]
    assert len(cut) == 1
    shown = md.count("| + add |")
    assert 0 < shown < 3000
    assert "| cost item | before | after |" in md  # a few lines, kept before the long list
    assert cut[0] == (
        f"**Cut here:** {3001 - (shown + 1)} of 3001 changes are not shown, to keep this "
        "comment under 60,000 characters. Run `phxstack plan --markdown --base BASE_PLAN.json "
        "--stack prod` for all of them."
    )


def test_risks_longer_than_the_limit_are_cut_too_and_the_cut_is_said() -> None:
    # 2,000 protected buckets deleted: the bold risk lines alone pass 60,000 characters.
    buckets = [
        res(BUCKET, f"uploads-{i:04}", True, location="US-CENTRAL1", name=f"uploads-{i:04}")
        for i in range(2000)
    ]
    md = render_markdown(plan(service(2)), plan(service(2), *buckets))
    assert len(md.encode("utf-8")) < MAX_CHARS
    assert md.startswith("<!-- phxstack-plan-summary:prod -->\n")
    assert "- **Delete `uploads-0000` (gcp:storage/bucket:Bucket)**" in md
    assert "- **Delete `uploads-1999`" not in md
    assert (
        "**Cut here:** the risks above go on; this summary is longer than a PR comment may be. "
        "Run `phxstack plan --markdown` locally for all of it."
    ) in md
    assert md.endswith("`phxstack cost` for the breakdown).</sub>\n")  # the footer stays


def test_the_bound_counts_bytes_so_the_workflows_byte_cap_never_cuts() -> None:
    # Every update row carries a three-byte arrow and an ellipsis-cut value: 60,000 characters
    # of these would be well over 65,000 bytes, which pr-summary.yml's `head -c` would cut
    # silently, without the closing line.
    t = "gcp:secretmanager/secret:Secret"
    base = [res(t, f"s-{i:04}", labels={"note": "é" * 80}) for i in range(3000)]
    head = [res(t, f"s-{i:04}", labels={"note": "ü" * 80}) for i in range(3000)]
    md = render_markdown(plan(*head), plan(*base))
    assert "→" in md and md.count("| ~ update |") > 100
    assert len(md.encode("utf-8")) < MAX_CHARS
    assert md.splitlines()[-3].startswith("**Cut here:**")


def test_a_small_limit_is_honoured_too() -> None:
    md = render_markdown(plan(service(3), redis("BASIC")), plan(service(2)), limit=1200)
    assert len(md) < 1200
    assert "**Cut here:**" in md


def test_a_base_plan_of_another_stack_is_refused() -> None:
    other = {**plan(service(2)), "stack": "dev"}
    with pytest.raises(ConfigError) as err:
        render_markdown(plan(service(2)), other)
    assert str(err.value) == (
        "--base:1:1: the base plan is of stack 'dev', this plan of 'prod'; compare a stack "
        "with its own base plan"
    )


# --------------------------------------------------------------------------- end to end
def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _project(tmp_path: Path, **changes: Any) -> Path:
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "Pulumi.prod.yaml", tmp_path / "Pulumi.prod.yaml")
    raw = yaml.safe_load((ROOT / "examples" / "gcp" / "infera.yaml").read_text())
    raw["app"]["path"] = str(ROOT / "examples" / "my_app")
    raw.update(changes)
    (tmp_path / "infera.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    return tmp_path / "infera.yaml"


def test_plan_markdown_against_the_base_branchs_plan(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    base_config = _project(tmp_path / "base")
    code, base_json, err = _cli("plan", "--json", "--stack", "prod", "--config", str(base_config))
    assert code == 0, err
    (tmp_path / "base.json").write_text(base_json, encoding="utf-8")
    # The PR: no more uploads bucket, and a production cache twice the size.
    head_config = _project(tmp_path / "head", cache={"provider": "memorystore", "size": "2gb"})
    raw = yaml.safe_load(head_config.read_text())
    del raw["storage"]
    head_config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    code, md, err = _cli(
        "plan", "--markdown", "--base", str(tmp_path / "base.json"), "--stack", "prod",
        "--config", str(head_config),
    )  # fmt: skip
    assert code == 0, err
    assert md.startswith("<!-- phxstack-plan-summary:prod -->\n### phxstack plan: `prod` (gcp)")
    assert "- **Delete `my-phoenix-app-storage-bucket` (gcp:storage/bucket:Bucket)**" in md
    assert "`memorySizeGb`: `1` → `2`" in md  # resized in place: an update
    # 2 GB x 730 h x $0.064 = 93.44, up from 46.72
    assert "| `my-phoenix-app-cache-redis`: Capacity, Standard (HA), 2 GB (band M1) |" in md
    assert "$467.81 → $514.53 (**+$46.72**" in md
    assert json.loads(base_json)["cost"]["monthly_total"] == 467.81


def test_a_base_that_is_not_a_plan_exits_2_with_the_file_named(tmp_path: Path) -> None:
    bad = tmp_path / "base.json"
    bad.write_text('{"resources": []}', encoding="utf-8")
    code, out, err = _cli("plan", "--markdown", "--base", str(bad))
    assert (code, out) == (2, "")
    assert err == f"{bad}:1:1: not a `phxstack plan --json` document of format_version 1\n"
    code, _, err = _cli("plan", "--json", "--base", str(bad))
    assert (code, err) == (2, "--base:1:1: --base goes with --markdown\n")


def test_a_supplied_secret_never_reaches_the_summary(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    base_config = _project(tmp_path / "base")
    code, base_json, err = _cli("plan", "--json", "--stack", "prod", "--config", str(base_config))
    assert code == 0, err
    (tmp_path / "base.json").write_text(base_json, encoding="utf-8")
    head_config = _project(tmp_path / "head", secrets=["MAILER_API_KEY"])
    stack_file = tmp_path / "head" / "Pulumi.prod.yaml"
    # In clear in the stack file, which the program reads as a secret: the worst case.
    stack_file.write_text(
        stack_file.read_text() + f"  phoenix:MAILER_API_KEY: {CANARY}\n", encoding="utf-8"
    )
    code, md, err = _cli(
        "plan", "--markdown", "--base", str(tmp_path / "base.json"), "--stack", "prod",
        "--config", str(head_config),
    )  # fmt: skip
    assert code == 0, err
    assert "my-phoenix-app-secrets-mailer-api-key" in md  # the secret's resources are listed
    assert CANARY not in md and CANARY not in err


def test_a_base_plan_from_before_cost_existed_is_priced_at_the_defaults() -> None:
    md = render_markdown(plan(service(3)), plan(service(2), with_cost=False))
    assert "**Monthly cost:** $210.24 → $315.36 (**+$105.12**, +50.0%)" in md


def test_overrides_are_listed_and_the_ones_this_change_adds_are_marked_new() -> None:
    base = plan(service(1))
    base["overrides"] = [
        {"kind": "plain_env", "name": "OTLP_ENDPOINT", "reason": "collector URL, no credentials"}
    ]
    head = plan(service(1))
    head["overrides"] = [
        *base["overrides"],
        {
            "kind": "policies",
            "name": "machine-count",
            "reason": "SQLite on one volume:\none writer | by design",
        },
    ]
    text = render_markdown(head, base)
    assert "- `plain_env.OTLP_ENDPOINT`: `collector URL, no credentials`" in text.splitlines()
    # Folded to one line, in a code span, pipes escaped: the reason is text, not markup.
    assert (
        "- **new:** `policies.machine-count`: `SQLite on one volume: one writer \\| by design`"
        in text.splitlines()
    )
    # Above the resources, where a reviewer reads first.
    assert text.index("**Overrides**") < text.index("**Resources:**")
    assert "**Overrides**" not in render_markdown(plan(service(1)), plan(service(1)))
