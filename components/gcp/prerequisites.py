"""What a Google Cloud project and its deployer need before the first `pulumi up`.

Owns the one list of one-time prerequisites: the two APIs a stack cannot enable for itself, the
roles the deployer needs for each kind of resource the stack creates, the organization policies
that would refuse those resources, and the tools the machine running `pulumi up` needs. The
README's GCP setup section is rendered from here (`python -m phxstack.docs`), and
`phxstack doctor` reads the same data. Pure data and pure functions: no Pulumi, no cloud calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from config.context import PROJECT_NUMBER_KEY

# ---- APIs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BootstrapApi:
    service: str
    why: str


# A stack enables every other API it uses (`components/gcp/apis.py`), but not these two: the
# provider needs them to enable anything at all. Its `projects.Service` checks the enabled list
# through Service Usage and, after enabling, reads the project back through Resource Manager
# (`Projects.Get` in resource_google_project_service.go, magic-modules); the project IAM grant
# uses Resource Manager's getIamPolicy/setIamPolicy (iam_project.go.tmpl). Without them the
# first `pulumi up` stops with a 403 (terraform-provider-google #6101, #11435).
# Service Usage is on by default for projects made in the console or with gcloud; projects made
# through the API or Terraform start with nothing enabled, and enabling it again is a no-op.
BOOTSTRAP_APIS: tuple[BootstrapApi, ...] = (
    BootstrapApi(
        "cloudresourcemanager.googleapis.com",
        "the provider reads the project after enabling each API, and grants project roles",
    ),
    BootstrapApi("serviceusage.googleapis.com", "the provider lists and enables APIs through it"),
)


def enable_command(project: str = "PROJECT_ID") -> str:
    """The one command that makes a fresh project deployable, run once by a project owner."""
    services = " ".join(api.service for api in BOOTSTRAP_APIS)
    return f"gcloud services enable {services} --project {project}"


def project_number_command(project: str = "PROJECT_ID", stack: str = "STACK") -> str:
    """Stores the project number, from which PHX_HOST is known without a Resource Manager
    lookup during preview (the run.app host is `<service>-<number>.<region>.run.app`)."""
    return (
        f"pulumi config set {PROJECT_NUMBER_KEY} "
        f"\"$(gcloud projects describe {project} --format='value(projectNumber)')\" "
        f"--stack {stack}"
    )


# ---- deployer roles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    role: str
    why: str
    # Pulumi type tokens of the resources this role lets the deployer create.
    types: tuple[str, ...]


DEPLOYER_ROLES: tuple[Role, ...] = (
    Role(
        "roles/serviceusage.serviceUsageAdmin",
        "enable the APIs the stack uses",
        ("gcp:projects/service:Service",),
    ),
    Role(
        "roles/run.admin",
        "create the service, its worker pools and the migrations job, run the job, map a "
        "domain, and turn off the invoker check for a public service (run.services.setIamPolicy, "
        "which roles/run.developer lacks)",
        (
            "gcp:cloudrunv2/service:Service",
            "gcp:cloudrunv2/workerPool:WorkerPool",
            "gcp:cloudrunv2/job:Job",
            "gcp:cloudrun/domainMapping:DomainMapping",
            "command:local:Command",
        ),
    ),
    Role(
        "roles/iam.serviceAccountAdmin",
        "create the runtime service account",
        ("gcp:serviceaccount/account:Account",),
    ),
    Role(
        "roles/iam.serviceAccountUser",
        "deploy the service, its worker pools and the job as the runtime service account",
        (
            "gcp:cloudrunv2/service:Service",
            "gcp:cloudrunv2/workerPool:WorkerPool",
            "gcp:cloudrunv2/job:Job",
        ),
    ),
    Role(
        "roles/resourcemanager.projectIamAdmin",
        "grant the runtime account roles/cloudsql.client on the project",
        ("gcp:projects/iAMMember:IAMMember",),
    ),
    Role(
        "roles/cloudsql.admin",
        "create the Cloud SQL instance, its database and user",
        (
            "gcp:sql/databaseInstance:DatabaseInstance",
            "gcp:sql/database:Database",
            "gcp:sql/user:User",
        ),
    ),
    Role("roles/redis.admin", "create the Memorystore instance", ("gcp:redis/instance:Instance",)),
    Role(
        "roles/compute.networkAdmin",
        "create the VPC, the Direct VPC egress subnet and the private services range",
        (
            "gcp:compute/network:Network",
            "gcp:compute/subnetwork:Subnetwork",
            "gcp:compute/globalAddress:GlobalAddress",
        ),
    ),
    Role(
        "roles/servicenetworking.networksAdmin",
        "peer the VPC with Google's services for a private-IP database",
        ("gcp:servicenetworking/connection:Connection",),
    ),
    Role(
        "roles/secretmanager.admin",
        "create the secrets and their versions, and grant the runtime account access",
        (
            "gcp:secretmanager/secret:Secret",
            "gcp:secretmanager/secretVersion:SecretVersion",
            "gcp:secretmanager/secretIamMember:SecretIamMember",
        ),
    ),
    Role(
        "roles/storage.admin",
        "create the buckets, grant the runtime account access, and make its HMAC key "
        "(storage.hmacKeys.create)",
        (
            "gcp:storage/bucket:Bucket",
            "gcp:storage/bucketIAMMember:BucketIAMMember",
            "gcp:storage/hmacKey:HmacKey",
        ),
    ),
    Role(
        "roles/artifactregistry.admin",
        "create the image repository and push the image and its build cache",
        (
            "gcp:artifactregistry/repository:Repository",
            "docker-build:index:Image",
        ),
    ),
)

# Types that need no role: they run on the deployer's machine or only inside Pulumi.
LOCAL_TYPES: frozenset[str] = frozenset(
    {"random:index/randomPassword:RandomPassword", "time:index/sleep:Sleep"}
)


def roles_for(types: Iterable[str]) -> list[Role]:
    """The deployer roles a plan with these resource types needs, in the table's order."""
    wanted = set(types)
    return [r for r in DEPLOYER_ROLES if wanted & set(r.types)]


def grant_commands(member: str, project: str = "PROJECT_ID") -> list[str]:
    """`gcloud` lines granting every deployer role to `member` (user:… or serviceAccount:…)."""
    return [
        f"gcloud projects add-iam-policy-binding {project} --member={member} --role={r.role}"
        for r in DEPLOYER_ROLES
    ]


# ---- organization policies ----------------------------------------------------------------------


@dataclass(frozen=True)
class OrgPolicy:
    constraint: str
    blocks: str
    fix: str


ORG_POLICIES: tuple[OrgPolicy, ...] = (
    OrgPolicy(
        "constraints/sql.restrictPublicIp",
        "the Cloud SQL instance, which has a public IP (reached only through the Cloud Run "
        "connector, with no authorized networks)",
        "set `database.private_ip: true`: the database is then reached over private services "
        "access instead",
    ),
    OrgPolicy(
        "constraints/iam.disableServiceAccountCreation",
        "the runtime service account",
        "ask for an exception on this project; the stack never runs as the default compute account",
    ),
    OrgPolicy(
        "constraints/compute.restrictVpcPeering",
        "Memorystore (DIRECT_PEERING) and a private-IP database (private services access), "
        "which peer the stack's VPC with Google's",
        "allow peering for this project's VPC",
    ),
    OrgPolicy(
        "constraints/gcp.resourceLocations",
        "every regional resource outside the allowed locations",
        "set `deployment.region` to an allowed region",
    ),
    OrgPolicy(
        "constraints/run.allowedIngress",
        "a public service (ingress INGRESS_TRAFFIC_ALL) when only internal ingress is allowed",
        "allow `all` ingress for this project, or set `deployment.public: false` and put a "
        "load balancer in front",
    ),
)

# ---- the deployer's machine ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    name: str
    why: str


DEPLOY_TOOLS: tuple[Tool, ...] = (
    Tool("gcloud", "enables the two APIs once, and runs the migrations job during `pulumi up`"),
    Tool(
        "Docker (BuildKit)",
        "builds and pushes the image during `pulumi up`; not needed with `app.image`",
    ),
)


# ---- README -------------------------------------------------------------------------------------


def markdown() -> str:
    """The README's GCP setup section."""
    lines = [
        "Once per Google Cloud project, by someone who may enable APIs, before the first "
        "`pulumi up` (even `pulumi preview` needs the first two APIs):",
        "",
        "```sh",
        enable_command(),
        project_number_command(),
        "```",
        "",
        "The stack enables every other API it uses and leaves them on when destroyed. The "
        "project number lets the program set `PHX_HOST` to the service's run.app host without "
        "asking Resource Manager during a preview; without it (and without `domain`), "
        "`PHX_HOST` is not set and `url` is the service's own URI.",
        "",
        "The deployer (you, or CI's service account) needs these roles on the project:",
        "",
        "| role | for |",
        "| --- | --- |",
        *(f"| `{r.role}` | {r.why} |" for r in DEPLOYER_ROLES),
        "",
        "Organization policies that refuse part of the stack:",
        "",
        "| constraint | refuses | fix |",
        "| --- | --- | --- |",
        *(f"| `{p.constraint}` | {p.blocks} | {p.fix} |" for p in ORG_POLICIES),
        "",
        "The domain-restricted sharing policy (`constraints/iam.allowedPolicyMemberDomains`) does "
        "not: a public service turns off the invoker check instead of granting `allUsers`.",
        "",
        "On the machine that runs `pulumi up`:",
        "",
        *(f"- **{t.name}**: {t.why}." for t in DEPLOY_TOOLS),
    ]
    return "\n".join(lines)
