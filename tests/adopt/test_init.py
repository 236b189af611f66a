"""`phxstack init` through the real CLI entry point: on every fixture tree (and the example
app) it writes a config that `validate`s and `plan`s once the secrets it names are set; each
decided key names its signal; it never overwrites without --force."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from config.loader import load_config
from phxstack.adopt.init import _project_files
from phxstack.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = ROOT / "examples" / "my_app"

# Each tree with the provider it is initialised for (both, for the umbrella).
CASES = [
    ("umbrella", "fly"),
    ("umbrella", "gcp"),
    ("no_ecto", "fly"),
    ("sqlite", "fly"),
    ("custom_migrate", "gcp"),
    ("env_names", "gcp"),
    ("scoped_health", "gcp"),
    ("fly_toml", "fly"),
    ("my_app", "fly"),
]


def _source(name: str) -> Path:
    return EXAMPLE if name == "my_app" else FIXTURES / name


def init(
    tmp_path: Path, name: str, provider: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str, Path]:
    app = tmp_path / "app"
    if not app.exists():
        shutil.copytree(_source(name), app, symlinks=True)
    infra = tmp_path / "infra"
    infra.mkdir(exist_ok=True)
    argv = ["init", str(app), "--provider", provider, "--config", str(infra / "infera.yaml")]
    if provider == "gcp":
        argv += ["--gcp-project", "acme-prod-123"]
    code = main([*argv, *extra])
    out, err = capsys.readouterr()
    return code, out, err, infra


def set_printed_secrets(infra: Path, out: str) -> list[str]:
    """What a person does with the printed next commands: each secret gets an encrypted value."""
    names = re.findall(r"pulumi config set --secret (\S+) --stack (\S+)", out)
    # The CLI puts a key without a namespace in the project's, and writes it in full.
    project = yaml.safe_load((infra / "Pulumi.yaml").read_text())["name"]
    for name, stack in names:
        with (infra / f"Pulumi.{stack}.yaml").open("a", encoding="utf-8") as f:
            f.write(f"  {project}:{name}:\n    secure: v1:AAAA{name}\n")
    return [n for n, _ in names]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "provider"), CASES)
def test_init_writes_a_config_that_validates_and_plans(
    tmp_path: Path, name: str, provider: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # --generate writes what an app lacks (no_ecto has no Dockerfile) and nothing otherwise.
    code, out, err, infra = init(tmp_path, name, provider, capsys, "--generate")
    assert code == 0, err
    assert {p.name for p in infra.iterdir()} == {
        "infera.yaml",
        "Pulumi.yaml",
        "__main__.py",
        "Pulumi.dev.yaml",
    }
    set_printed_secrets(infra, out)
    config = str(infra / "infera.yaml")
    assert main(["validate", "--config", config]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["plan", "--config", config, "--stack", "dev", "--json"]) == 0
    plan_out, plan_err = capsys.readouterr()
    plan = json.loads(plan_out)
    assert plan["provider"] == provider, plan_err
    assert plan["resources"], "the plan registered nothing"


def _signal_of(lines: list[str], i: int) -> str:
    """The comment that names line i's signal: on the line, or above the key its block is in."""
    if "#" in lines[i]:
        return lines[i]
    indent = len(lines[i]) - len(lines[i].lstrip())
    j = i - 1
    while j >= 0:
        line = lines[j]
        own = len(line) - len(line.lstrip())
        if line.strip().startswith("#") and own <= indent:
            return line
        if line.strip() and not line.strip().startswith("#") and own < indent and "#" in line:
            return line
        if not line.strip():
            break
        j -= 1
    return ""


@pytest.mark.parametrize(("name", "provider"), CASES)
def test_every_decided_key_names_its_signal(
    tmp_path: Path, name: str, provider: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err, infra = init(tmp_path, name, provider, capsys)
    assert code == 0, err
    lines = (infra / "infera.yaml").read_text().splitlines()
    signal = re.compile(r"#.*(\S+:\d+|--provider|--name|the repository init read)")
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped.endswith(":"):
            continue  # blank, comment, or a section header
        assert signal.search(_signal_of(lines, i)), f"line {i + 1} names no signal: {line!r}"


def test_unclear_signals_are_questions_not_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _, infra = init(tmp_path, "env_names", "gcp", capsys)
    assert code == 0
    text = (infra / "infera.yaml").read_text()
    # SUPPORT_EMAIL is required by the app but its value is nowhere in the repository.
    assert re.search(
        r"# SUPPORT_EMAIL: ''  # \? config/runtime.exs:18: the app stops without SUPPORT_EMAIL",
        text,
    )
    cfg = load_config(infra / "infera.yaml", None)
    assert "SUPPORT_EMAIL" not in cfg.env_vars
    assert cfg.secrets == ["STRIPE_SECRET_KEY"]
    assert "env_vars.SUPPORT_EMAIL: config/runtime.exs:18" in out
    # POSTGRES_URL is the app's name for the database URL: asked, never listed as a secret.
    assert "POSTGRES_URL" in text and "POSTGRES_URL" not in cfg.secrets


def test_existing_fly_toml_is_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _, infra = init(tmp_path, "fly_toml", "fly", capsys)
    assert code == 0
    cfg = load_config(infra / "infera.yaml", "dev")
    d = cfg.deployment
    assert (cfg.project_name, d.region, d.machines.cpu, d.machines.memory) == (
        "relay",
        "ams",
        "shared-cpu-2x",
        1024,
    )
    assert d.machines.count == 2
    assert (d.health_check.path, d.health_check.interval, d.health_check.timeout) == (
        "/healthz",
        15.0,
        5.0,
    )
    assert d.health_check.grace_period == 20.0 and d.kill_timeout == 30.0
    assert (d.concurrency.type, d.concurrency.soft_limit, d.concurrency.hard_limit) == (
        "connections",
        2000,
        2500,
    )
    assert cfg.app.port == 8080
    assert cfg.env_vars == {"PHX_HOST": "relay.fly.dev", "LOG_LEVEL": "info"}
    # Mounts, processes, build args and the other extras are imported as values now that the
    # Fly adapter builds them (its NOT_YET is empty), each with the fly.toml line it came from.
    assert [(v.name, v.path, tuple(v.processes)) for v in d.volumes] == [
        ("relay_data", "/data", ("app", "worker"))
    ]
    assert {n: p.command for n, p in d.processes.items()} == {
        "worker": ["/app/bin/relay", "eval", "Relay.Worker.start"]
    }
    assert d.command == ["/app/bin/server"]
    assert cfg.app.build is not None and dict(cfg.app.build.args) == {"MIX_ENV": "prod"}
    assert d.swap_size_mb == 512
    assert [(s.guest_path, s.url_prefix) for s in d.statics] == [
        ("/app/lib/relay-0.1.0/priv/static", "/static")
    ]
    assert cfg.migrations.command == ["/app/bin/migrate"] and cfg.migrations.timeout == 600.0
    text = (infra / "infera.yaml").read_text()
    for fragment in (
        "fly.toml:25: [mounts]",
        "fly.toml:21: [processes]",
        "fly.toml:9: [build.args]",
        "fly.toml:6: swap_size_mb",
        "fly.toml:14",  # release_command_timeout
        "fly.toml:54",  # [[statics]]
    ):
        assert fragment in text


def test_init_on_the_example_app_reproduces_the_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The sample's name is not in the app's files; everything else is read from them.
    code, _, err, infra = init(tmp_path, "my_app", "fly", capsys, "--name", "my-phoenix-app")
    assert code == 0, err
    mine = load_config(infra / "infera.yaml", "dev")
    sample = load_config(ROOT / "infera.yaml", None)

    def decisions(c: object) -> dict[str, object]:
        cfg = c  # type: ignore[assignment]
        return {
            "project_name": cfg.project_name,
            "provider": cfg.provider,
            "framework": cfg.framework.model_dump(),
            "machines": cfg.deployment.machines.model_dump(),
            "health_check": cfg.deployment.health_check.model_dump(),
            "database": cfg.database is not None and cfg.database.type,
            "pool_size": cfg.database is not None and cfg.database.pool_size,
            "cache": cfg.cache is not None and cfg.cache.type,
            "storage": cfg.storage,
            "port": cfg.app.port,
            "phx_host": cfg.phx_host or f"{cfg.project_name}.fly.dev",
            "secrets": cfg.secret_kinds(),
        }

    assert decisions(mine) == decisions(sample)
    # The one difference: Fly Managed Postgres, the platform's current offer, where the sample
    # keeps the legacy unmanaged fly-postgres (validate warns about it).
    assert (mine.database.provider, sample.database.provider) == ("fly-mpg", "fly-postgres")  # type: ignore[union-attr]


def test_never_overwrites_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _, infra = init(tmp_path, "scoped_health", "gcp", capsys)
    assert code == 0
    (infra / "infera.yaml").write_text("project_name: mine\n")
    before = {p.name: p.read_text() for p in infra.iterdir()}
    code, out, err, _ = init(tmp_path, "scoped_health", "gcp", capsys, "--stack", "prod")
    assert code == 2
    assert f"{infra / 'infera.yaml'}:1:1: exists and differs" in err
    assert "Traceback" not in err
    # Nothing at all was written: not even the new stack's file.
    assert {p.name: p.read_text() for p in infra.iterdir()} == before
    code, out, _, _ = init(tmp_path, "scoped_health", "gcp", capsys, "--stack", "prod", "--force")
    assert code == 0
    assert (infra / "Pulumi.prod.yaml").is_file()
    # Once per project before the first `pulumi up`, from components/gcp/prerequisites.py.
    assert "gcloud services enable cloudresourcemanager.googleapis.com" in out
    assert "pulumi config set gcpProjectNumber" in out and "--stack prod" in out
    assert "project_name: atlas" in (infra / "infera.yaml").read_text()
    code, out, _, _ = init(tmp_path, "scoped_health", "gcp", capsys, "--stack", "prod")
    assert code == 0 and "unchanged" in out and "wrote" not in out


def test_project_files_are_this_programs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _, infra = init(tmp_path, "custom_migrate", "gcp", capsys)
    assert code == 0
    assert (infra / "__main__.py").read_text() == (ROOT / "__main__.py").read_text()
    mine = yaml.safe_load((infra / "Pulumi.yaml").read_text())
    root = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    venv = (infra / mine["runtime"]["options"].pop("virtualenv")).resolve()
    root["runtime"]["options"].pop("virtualenv")
    # Named after the app (its infera.yaml project_name), so its stacks are org/ledger/<stack>
    # and never another app's; the config it declares has no namespace, so it is ledger's own.
    infera = yaml.safe_load((infra / "infera.yaml").read_text())
    assert mine.pop("name") == infera["project_name"] == "ledger"
    assert root.pop("name") == "phoenix"
    assert mine == root
    assert (venv / "bin" / "python").exists()
    stack = yaml.safe_load((infra / "Pulumi.dev.yaml").read_text())
    assert stack == {
        "config": {
            "ledger:config": "infera.yaml",
            "gcp:project": "acme-prod-123",
            "gcp:region": "us-central1",
        }
    }


@pytest.mark.skipif(
    Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(), reason="needs this checkout's venv"
)
def test_in_the_program_checkout_the_project_files_are_the_checkouts_own() -> None:
    # So `init --config ./infera.yaml` run in a clone of this project leaves them unchanged.
    planned = {p.path.name: p.text for p in _project_files(ROOT, "phoenix")}
    assert planned == {n: (ROOT / n).read_text() for n in ("Pulumi.yaml", "__main__.py")}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["init", "{tmp}"], "no mix.exs in"),
        (["init", "{app}"], "pass --provider fly or --provider gcp (the app has no fly.toml)"),
        (
            ["init", "{app}", "--provider", "fly", "--stack", "bad name"],
            "'bad name' is not a stack name",
        ),
    ],
)
def test_expected_errors_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "env_names", app)
    args = [a.format(tmp=tmp_path, app=app) for a in argv]
    assert main([*args, "--config", str(tmp_path / "out" / "infera.yaml")]) == 2
    _, err = capsys.readouterr()
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_readme_first_section_commands_parse() -> None:
    # The README's first section is how a team starts; every phxstack line in it must be a
    # command this version accepts.
    from phxstack.cli import _parser

    readme = (ROOT / "README.md").read_text()
    first = readme.split("\n## ", 2)[1]
    assert first.startswith("Start from your own Phoenix app")
    lines = [ln.split("#", 1)[0].strip() for ln in first.splitlines() if "/bin/phxstack " in ln]
    assert {ln.split()[1] for ln in lines} >= {"init", "doctor", "plan"}
    for line in lines:
        _parser().parse_args(line.split()[1:])


def test_stacks_are_given_as_one_list_or_repeated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _, infra = init(
        tmp_path, "fly_toml", "fly", capsys, "--stack", "dev", "staging", "--stack", "prod"
    )
    assert code == 0
    assert sorted(p.name for p in infra.glob("Pulumi.*.yaml")) == [
        "Pulumi.dev.yaml",
        "Pulumi.prod.yaml",
        "Pulumi.staging.yaml",
    ]
    assert "doctor --config" in out and "--stack dev" in out


def test_the_seeds_fly_toml_with_services_checks_is_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The seed's fly.toml declares its check under [[services.http_checks]], not [http_service].
    app = tmp_path / "app"
    shutil.copytree(EXAMPLE, app)
    (app / "fly.toml").write_text(
        'app = "my-phoenix-app"\nprimary_region = "iad"\n\n[[services]]\n  protocol = "tcp"\n'
        '  internal_port = 4000\n\n  [[services.http_checks]]\n    interval = "10s"\n'
        '    timeout = "2s"\n    grace_period = "10s"\n    method = "GET"\n    path = "/health"\n'
    )
    code, _, err, infra = init(tmp_path, "my_app", "fly", capsys)
    assert code == 0, err
    text = (infra / "infera.yaml").read_text()
    assert "path: /health  # fly.toml:8: [[services.http_checks]]" in text
    assert "port: 4000  # fly.toml:6: [[services]] internal_port = 4000" in text
    cfg = load_config(infra / "infera.yaml", "dev")
    assert (cfg.project_name, cfg.deployment.region) == ("my-phoenix-app", "iad")


def test_cloud_run_liveness_goes_to_the_apps_shallow_route(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err, infra = init(tmp_path, "my_app", "gcp", capsys)
    assert code == 0, err
    cfg = load_config(infra / "infera.yaml", None)
    hc = cfg.deployment.health_check
    # The deep check (it queries the database) gates traffic; the shallow one restarts.
    assert (hc.path, hc.liveness.type, hc.liveness.path) == ("/health", "http", "/health/live")


@pytest.mark.parametrize(("requirement", "written"), [("~> 1.5.9", "1.5"), ("~> 1.6.2", "1.6")])
def test_init_writes_a_detected_phoenix_1_5_or_1_6_as_a_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], requirement: str, written: str
) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "fly_toml", app, symlinks=True)
    mix = app / "mix.exs"
    mix.write_text(
        re.sub(r'\{:phoenix, "[^"]*"\}', f'{{:phoenix, "{requirement}"}}', mix.read_text())
    )
    code, _, err, infra = init(tmp_path, "fly_toml", "fly", capsys)
    assert code == 0, err
    text = (infra / "infera.yaml").read_text()
    assert re.search(rf"^  version: '{re.escape(written)}'  # mix\.exs:\d+", text, re.M), text
    assert load_config(infra / "infera.yaml", None).framework.version == written
