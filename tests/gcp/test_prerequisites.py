"""The one list of GCP prerequisites, and the README's setup section that is rendered from it."""

from __future__ import annotations

import re
from pathlib import Path

from components.gcp import prerequisites as pre
from phxstack.docs import README

from .conftest import FULL, run_gcp, with_


def _setup_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("<!-- gcp-setup:start -->", 1)[1].split("<!-- gcp-setup:end -->", 1)[0]


def test_readme_enables_the_two_bootstrap_apis_with_one_exact_gcloud_line() -> None:
    # Resource Manager and Service Usage: a stack cannot enable them for itself
    # (terraform-provider-google #6101, #11435).
    line = (
        "gcloud services enable cloudresourcemanager.googleapis.com "
        "serviceusage.googleapis.com --project PROJECT_ID"
    )
    assert pre.enable_command() == line
    assert line in _setup_section().splitlines()


def test_readme_setup_lists_exactly_the_module_roles_and_org_policies() -> None:
    section = _setup_section()
    roles = set(re.findall(r"^\| `(roles/[^`]+)` \|", section, re.M))
    assert roles == {r.role for r in pre.DEPLOYER_ROLES}
    constraints = set(re.findall(r"^\| `(constraints/[^`]+)` \|", section, re.M))
    assert constraints == {p.constraint for p in pre.ORG_POLICIES}
    assert "constraints/sql.restrictPublicIp" in constraints
    assert "`database.private_ip: true`" in section  # the way out of restrictPublicIp


def test_every_resource_the_plan_registers_is_covered_by_a_readme_role(
    project_dir: Path,
) -> None:
    # Read the README against what the program really creates: every feature on, plus a
    # domain and a private-IP database, which bring resources the sample leaves out.
    run = run_gcp(
        with_(FULL, domain="shop.example.com", database={"private_ip": True}), project_dir, "prod"
    )
    types = {r.type for r in run.registrations if r.custom}
    covered = {t for r in pre.DEPLOYER_ROLES for t in r.types} | pre.LOCAL_TYPES
    assert types - covered == set(), "a resource type no deployer role covers"
    section = _setup_section()
    for role in pre.roles_for(types):
        assert f"`{role.role}`" in section


def test_invoker_iam_disabled_needs_run_admin_not_run_developer(project_dir: Path) -> None:
    run = run_gcp(FULL, project_dir)
    assert run.one("gcp:cloudrunv2/service:Service").inputs["invokerIamDisabled"] is True
    [role] = [r for r in pre.roles_for({"gcp:cloudrunv2/service:Service"}) if "run." in r.role]
    assert role.role == "roles/run.admin" and "setIamPolicy" in role.why


def test_grant_commands_name_every_role_for_the_member() -> None:
    lines = pre.grant_commands("serviceAccount:ci@p.iam.gserviceaccount.com", "p")
    assert len(lines) == len(pre.DEPLOYER_ROLES)
    assert lines[0] == (
        "gcloud projects add-iam-policy-binding p "
        "--member=serviceAccount:ci@p.iam.gserviceaccount.com "
        "--role=roles/serviceusage.serviceUsageAdmin"
    )
