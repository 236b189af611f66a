"""#9 point 4: RELEASE_DISTRIBUTION=name is set on Fly only when the release sets RELEASE_NODE
(rel/env.sh.eex in the build context, as `fly launch` writes it); a release without it would
boot with a long node name that has no host. An app can still set it through
`overrides.program_env.RELEASE_DISTRIBUTION`."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.fly.settings import fly_args
from config.context import StackContext, env_sh_sets_release_node
from config.model import InferaConfig

FLY_ENV_SH = (
    'if [ -n "$FLY_APP_NAME" ]; then\n'
    '  export RELEASE_NODE="${FLY_APP_NAME}-${FLY_IMAGE_REF##*-}@${FLY_PRIVATE_IP}"\n'
    "fi\n"
)


@pytest.mark.parametrize(
    ("env_sh", "sets"),
    [
        (FLY_ENV_SH, True),
        ("RELEASE_NODE=app@host\n", True),
        ("# export RELEASE_NODE=app@host\nexport RELEASE_COOKIE=x\n", False),
        (None, False),
    ],
)
def test_env_sh_is_read_for_release_node(tmp_path: Path, env_sh: str | None, sets: bool) -> None:
    if env_sh is not None:
        (tmp_path / "rel").mkdir()
        (tmp_path / "rel" / "env.sh.eex").write_text(env_sh)
    assert env_sh_sets_release_node(tmp_path) is sets


def _env(sets_release_node: bool, **extra: object) -> dict[str, str]:
    raw = {"project_name": "shop", "provider": "fly", **extra}
    infera = InferaConfig.model_validate(raw, context={"stack": "dev"})
    ctx = StackContext(
        infera=infera, stack="dev", project_dir=Path("."), sets_release_node=sets_release_node
    )
    return dict(fly_args(ctx).toml.env)


def test_release_distribution_only_with_a_release_node() -> None:
    assert _env(True)["RELEASE_DISTRIBUTION"] == "name"
    without = _env(False)
    assert "RELEASE_DISTRIBUTION" not in without
    # The rest of the clustering env does not depend on it.
    assert without["ERL_AFLAGS"] == "-proto_dist inet6_tcp"
    assert without["DNS_CLUSTER_QUERY"] == "shop-dev.internal"


def test_an_explicit_override_sets_it_anyway() -> None:
    env = _env(
        False,
        env_vars={"RELEASE_DISTRIBUTION": "name"},
        overrides={"program_env": {"RELEASE_DISTRIBUTION": "our Dockerfile sets RELEASE_NODE"}},
    )
    assert env["RELEASE_DISTRIBUTION"] == "name"
