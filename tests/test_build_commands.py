"""`validate --stack` warns when a configured migrate or start command is not in the image,
as far as the build context shows: /app/bin/NAME is the release's own script or a file of
rel/overlays/bin (mix phx.gen.release's Dockerfile copies the release to /app)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from components.build_context import missing_command
from phxstack.cli import main

MIX = "defmodule Shop.MixProject do\n  def project do\n    [app: :shop, releases: [shop_worker: [applications: [shop: :permanent]]]]\n  end\nend\n"


def app(root: Path, overlays: tuple[str, ...] = ("migrate", "server"), ignore: str = "") -> Path:
    (root / "rel" / "overlays" / "bin").mkdir(parents=True)
    (root / "mix.exs").write_text(MIX)
    (root / "Dockerfile").write_text("FROM scratch\n")
    for name in overlays:
        (root / "rel" / "overlays" / "bin" / name).write_text("#!/bin/sh\n")
    if ignore:
        (root / ".dockerignore").write_text(ignore)
    return root


@pytest.mark.parametrize(
    ("argv", "missing"),
    [
        (["/app/bin/migrate"], False),
        (["/app/bin/shop", "eval", "Shop.Release.migrate()"], False),  # the release itself
        (["/app/bin/shop_worker", "start"], False),  # another release mix.exs names
        (["/app/bin/seed"], True),
        (["bin/shop", "eval", "x"], False),  # not /app/bin: cannot be told without building
        (["/entrypoint.sh", "db", "migrate"], False),
    ],
)
def test_only_app_bin_commands_the_context_cannot_supply_are_missing(
    tmp_path: Path, argv: list[str], missing: bool
) -> None:
    assert (missing_command(app(tmp_path), "Dockerfile", argv) is not None) is missing


def test_an_overlay_left_out_by_dockerignore_is_missing(tmp_path: Path) -> None:
    why = missing_command(app(tmp_path, ignore="rel/overlays/bin/migrate\n"), "Dockerfile",
                          ["/app/bin/migrate"])  # fmt: skip
    assert why is not None and "rel/overlays/bin/migrate is left out by .dockerignore" in why


def test_without_mix_exs_nothing_is_judged(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    assert missing_command(tmp_path, "Dockerfile", ["/app/bin/nothing"]) is None


@pytest.mark.parametrize("provider", ["fly", "gcp"])
def test_validate_stack_warns_with_the_place_of_the_command(tmp_path: Path, provider: str) -> None:
    app(tmp_path / "shop", overlays=("server",))
    (tmp_path / "Pulumi.yaml").write_text("name: phoenix\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: p-1\n")
    config = tmp_path / "infera.yaml"
    config.write_text(
        f"project_name: shop\nprovider: {provider}\napp:\n  path: shop\n"
        "database: {}\n"
        "deployment:\n  processes:\n    worker:\n      command: /app/bin/worker start\n"
    )
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "--config", str(config), "--stack", "dev"])
    assert code == 0, err.getvalue()
    lines = [line for line in err.getvalue().splitlines() if "/app/bin/" in line]
    assert lines == [
        f"{config}:1:1: migrations.command: warning: /app/bin/migrate is neither the release's "
        "own script nor an overlay: rel/overlays/bin/migrate is not in the build context, and "
        "mix phx.gen.release copies rel/overlays/bin to /app/bin",
        f"{config}:9:7: deployment.processes.worker.command: warning: /app/bin/worker is "
        "neither the release's own script nor an overlay: rel/overlays/bin/worker is not in "
        "the build context, and mix phx.gen.release copies rel/overlays/bin to /app/bin",
    ]
