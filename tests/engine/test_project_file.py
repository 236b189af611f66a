"""Our Pulumi.yaml files pass Pulumi's own project-file rules (phxstack/pulumi_project.py).

The rules are ported from pulumi/pulumi's workspace loader and the Python language host; the
table below pins each one on a small document, so that the checker cannot pass everything.
Then the real files: this project's, the consumer example's, and each one `init` writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from phxstack.pulumi_project import project_problems
from tests.adopt.test_init import CASES, init

ROOT = Path(__file__).resolve().parents[2]


def doc(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "phoenix",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}},
    }
    return {**base, **over}


@pytest.mark.parametrize(
    ("project", "problems"),
    [
        (doc(), []),
        (doc(runtime="python"), []),
        # Short-hands: the project's own key gets a default, another namespace's a value.
        (doc(config={"phoenix:size": 3, "gcp:region": "us-central1", "flag": True}), []),
        (
            doc(
                config={
                    "phoenix:regions": {
                        "type": "array",
                        "items": {"type": "string"},
                        "default": ["iad"],
                    }
                }
            ),
            [],
        ),
        (doc(config={"phoenix:count": {"type": "integer", "default": "12"}}), []),
        (
            doc(config={"gcp:project": {"type": "string", "value": "p"}}),
            [
                "config 'gcp:project': only keys in the project's namespace ('phoenix:...') may "
                "declare a type; give a key of another namespace a 'value'"
            ],
        ),
        (
            doc(config={"gcp:region": {"default": "us-central1"}}),
            [
                "config 'gcp:region': a key outside the project's namespace cannot have a "
                "default; use 'value'"
            ],
        ),
        (
            doc(config={"gcp:region": {"description": "where"}}),
            ["config 'gcp:region': a key outside the project's namespace needs a 'value'"],
        ),
        (
            doc(config={"phoenix:x": {"default": "a", "value": "b"}}),
            ["config 'phoenix:x': has both a 'default' and a 'value'; keep one"],
        ),
        (
            doc(config={"phoenix:xs": {"type": "array"}}),
            ["config 'phoenix:xs': an array type must name its element type under 'items'"],
        ),
        (
            doc(config={"phoenix:n": {"type": "integer", "default": "ten"}}),
            ["config 'phoenix:n': the default is not of the declared type 'integer'"],
        ),
        (
            doc(
                config={
                    "phoenix:xs": {"type": "array", "items": {"type": "integer"}, "default": ["a"]}
                }
            ),
            ["config 'phoenix:xs': the default is not of the declared type 'array<integer>'"],
        ),
        (
            doc(config={"phoenix:x": {"type": "string", "descripton": "typo"}}),
            [
                "#/config/phoenix:x: additional property 'descripton' not allowed; "
                "did you mean 'description'?"
            ],
        ),
        (
            doc(config={"phoenix:x": {"type": "text"}}),
            [
                "#/config/phoenix:x/type: 'text' is not one of string, integer, boolean, array, "
                "object"
            ],
        ),
        (
            doc(config={"phoenix:ratio": 0.5}),
            [
                "#/config/phoenix:ratio: 0.5 is neither a string, an integer, a boolean, a list nor "
                "a declaration (type, items, description, secret, default, value)"
            ],
        ),
        (
            doc(runtime={"name": "python", "option": {}}),
            ["#/runtime: additional property 'option' not allowed; did you mean 'options'?"],
        ),
        (
            doc(runtime={"name": "python", "options": {"toolchain": "pipenv"}}),
            ["runtime.options.toolchain: 'pipenv' is not supported; use one of pip, poetry, uv"],
        ),
        (
            doc(runtime={"name": "python", "options": {"virtualenv": True}}),
            ["runtime.options.virtualenv: must be a string (a directory)"],
        ),
        (
            doc(runtime={"name": "python", "options": {"typechecker": "pytype"}}),
            ["runtime.options.typechecker: 'pytype' is not supported; use one of mypy, pyright"],
        ),
        ({"nmae": "phoenix"}, ["the project has no 'name'; found 'nmae' instead"]),
        (doc(name=""), ["the project's 'name' must be a non-empty string"]),
        (
            doc(options={"refresh": "sometimes"}),
            ["#/options/refresh: the only value is 'always'"],
        ),
        (
            doc(config="config", stackConfigDir="stacks"),
            ["'config' as a directory and 'stackConfigDir' both set; keep stackConfigDir"],
        ),
    ],
)
def test_each_rule_of_pulumis_project_loader(project: dict[str, Any], problems: list[str]) -> None:
    assert project_problems(project) == problems


@pytest.mark.parametrize(
    "path", [ROOT / "Pulumi.yaml", ROOT / "examples" / "consumer" / "Pulumi.yaml"], ids=str
)
def test_the_repositorys_project_files_pass(path: Path) -> None:
    project = yaml.safe_load(path.read_text())
    assert project["runtime"]["options"]["toolchain"] == "pip"
    assert project_problems(project) == []


@pytest.mark.parametrize(("name", "provider"), CASES)
def test_every_project_file_init_writes_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, provider: str
) -> None:
    code, _, err, infra = init(tmp_path, name, provider, capsys)
    assert code == 0, err
    project = yaml.safe_load((infra / "Pulumi.yaml").read_text())
    assert project["runtime"]["options"]["virtualenv"].endswith(".venv")
    assert project_problems(project) == []
