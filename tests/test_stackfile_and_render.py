"""Stack files are read like Pulumi reads them; plan text hides secrets and marks unknowns."""

from __future__ import annotations

from pathlib import Path

from pulumi.runtime import rpc

from phxstack.mocks import UNKNOWN as UnknownType
from phxstack.plan import SECRET, UNKNOWN, sanitize
from phxstack.render import render_text
from phxstack.stackfile import ENCRYPTED_PLACEHOLDER, read_stack_file


def test_stack_file_plain_values_secure_values_and_namespaces(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n"
        "  gcp:project: p1\n"
        "  flyOrg: acme\n"
        "  phoenix:replicas: 3\n"
        "  phoenix:API_KEY:\n    secure: v1:AAAAciphertext\n"
    )
    sf = read_stack_file(tmp_path, "dev", "phoenix")
    assert sf.plain == {"gcp:project": "p1", "phoenix:flyOrg": "acme", "phoenix:replicas": "3"}
    assert sf.secret == {"phoenix:API_KEY": ENCRYPTED_PLACEHOLDER}
    assert "ciphertext" not in repr(sf)


def test_missing_stack_file_is_empty_config(tmp_path: Path) -> None:
    sf = read_stack_file(tmp_path, "qa", "phoenix")
    assert sf.plain == {} and sf.secret == {}


def test_sanitize_replaces_secrets_and_unknowns_everywhere() -> None:
    value = {
        "a": rpc.wrap_rpc_secret("s3cr3t"),
        "b": [UnknownType(), {"c": rpc.wrap_rpc_secret({"d": 1})}],
        "n": 2.0,
    }
    assert sanitize(value) == {"a": SECRET, "b": [UNKNOWN, {"c": SECRET}], "n": 2}


def test_render_text_tree_flags_and_outputs() -> None:
    stack = "urn:pulumi:dev::phoenix::pulumi:pulumi:Stack::phoenix-dev"
    comp = "urn:pulumi:dev::phoenix::phoenix:gcp:Stack::app"
    db = "urn:pulumi:dev::phoenix::phoenix:gcp:Stack$gcp:sql/databaseInstance:DatabaseInstance::app-sql"
    plan = {
        "stack": "dev",
        "provider": "gcp",
        "resources": [
            {
                "urn": comp,
                "type": "phoenix:gcp:Stack",
                "name": "app",
                "parent": stack,
                "custom": False,
                "protect": False,
                "inputs": {},
                "dependencies": [],
            },
            {
                "urn": db,
                "type": "gcp:sql/databaseInstance:DatabaseInstance",
                "name": "app-sql",
                "parent": comp,
                "custom": True,
                "protect": True,
                "inputs": {
                    "settings": {"tier": "db-f1-micro"},
                    "rootPassword": SECRET,
                    "selfLink": UNKNOWN,
                },
                "dependencies": [comp],
            },
        ],
        "outputs": {"url": UNKNOWN, "db_password_hint": SECRET},
    }
    text = render_text(plan, ["infera.yaml:1:1: cache: warning: x"])
    assert (
        "+ phoenix:gcp:Stack  app\n    + gcp:sql/databaseInstance:DatabaseInstance  app-sql [protected]"
        in text
    )
    assert "settings.tier: db-f1-micro" in text
    assert "rootPassword: [secret]" in text
    assert "selfLink: (known after apply)" in text
    assert "    url: (known after apply)" in text
    assert "Warnings:\n    infera.yaml:1:1: cache: warning: x" in text


def test_multiline_values_render_as_an_indented_block() -> None:
    plan = {
        "stack": "dev",
        "provider": "fly",
        "resources": [
            {
                "urn": "u1",
                "type": "pulumi-python:dynamic/fly:Deploy",
                "name": "d",
                "parent": None,
                "custom": True,
                "protect": False,
                "inputs": {"strategy": "rolling", "config": 'app = "x"\nprimary_region = "iad"\n'},
                "dependencies": [],
            },
        ],
        "outputs": {},
    }
    text = render_text(plan)
    assert text.startswith("Plan for stack 'dev' (provider fly): 1 resource in 0 components")
    # `config` ranks before plumbing such as `strategy`, and keeps every line of the file.
    assert (
        '+ pulumi-python:dynamic/fly:Deploy  d\n      config: |\n          app = "x"\n'
        '          primary_region = "iad"\n      strategy: rolling\n'
    ) in text


def test_reviewer_settings_come_first_and_long_dependency_lists_are_cut() -> None:
    deps = [f"urn:x::r{i}" for i in range(9)]
    resources = [
        {
            "urn": u,
            "type": "t:x:Y",
            "name": u.rsplit("::", 1)[1],
            "parent": None,
            "custom": True,
            "protect": False,
            "inputs": {},
            "dependencies": [],
        }
        for u in deps
    ]
    resources.append(
        {
            "urn": "urn:x::svc",
            "type": "gcp:cloudrunv2/service:Service",
            "name": "svc",
            "parent": None,
            "custom": True,
            "protect": False,
            "inputs": {"location": "us-central1", "template": {"timeout": "3600s"}, "name": "app"},
            "dependencies": deps,
        }
    )
    text = render_text({"stack": "dev", "provider": "gcp", "resources": resources, "outputs": {}})
    block = text.split("+ gcp:cloudrunv2/service:Service  svc\n", 1)[1]
    assert block.startswith(
        "      name: app\n      template.timeout: 3600s\n      location: us-central1\n"
        "      depends on: r0, r1, r2, r3, r4, r5, +3 more\n"
    )
