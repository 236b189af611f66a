"""`init --generate`: the deploy files a Phoenix app lacks, as `mix phx.gen.release --docker`
would write them, with the Elixir/Erlang versions the repository names.

Owns the text of those files: a release Dockerfile, rel/env.sh.eex (Fly clustering),
rel/overlays/bin/server and migrate, and the release module. Only missing files are offered;
`phxstack.adopt.init` writes them (never over an existing file without --force). Each one is
linted in tests (hadolint, shellcheck, and this project's Elixir reader).
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from phxstack.adopt.detect import Detection

# Releases of hexpm/elixir images known to exist, per Elixir minor version: (Elixir, Erlang,
# Debian snapshot). Used only when the repository names no full version (.tool-versions or a
# Dockerfile ARG); the generated Dockerfile says so next to them.
KNOWN_IMAGES = {
    "1.14": ("1.14.5", "25.3.2.12", "bookworm-20240612-slim"),
    "1.15": ("1.15.7", "26.2.5", "bookworm-20240612-slim"),
    "1.16": ("1.16.3", "26.2.5", "bookworm-20240612-slim"),
    "1.17": ("1.17.3", "27.1.2", "bookworm-20241016-slim"),
    "1.18": ("1.18.1", "27.2", "bookworm-20241223-slim"),
}
DEFAULT_IMAGE = KNOWN_IMAGES["1.16"]

DOCKERFILE = Template(
    """\
# Release image for $app, written by `phxstack init --generate` in the shape of
# `mix phx.gen.release --docker`. $versions_note
ARG ELIXIR_VERSION=$elixir
ARG OTP_VERSION=$otp
ARG DEBIAN_VERSION=$debian

ARG BUILDER_IMAGE="hexpm/elixir:$${ELIXIR_VERSION}-erlang-$${OTP_VERSION}-debian-$${DEBIAN_VERSION}"
ARG RUNNER_IMAGE="debian:$${DEBIAN_VERSION}"

FROM $${BUILDER_IMAGE} AS builder

# The Debian snapshot in DEBIAN_VERSION fixes the package set, so packages are not pinned again.
# hadolint ignore=DL3008
RUN apt-get update -y \\
    && apt-get install -y --no-install-recommends build-essential git \\
    && apt-get clean \\
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

RUN mix local.hex --force && mix local.rebar --force

ENV MIX_ENV="prod"

COPY $mix_files ./
$copy_children
RUN mix deps.get --only $$MIX_ENV && mkdir -p config

# Compile-time config first, so a change to runtime.exs does not recompile the dependencies.
COPY config/config.exs config/$${MIX_ENV}.exs config/
RUN mix deps.compile

$copy_sources
$compile

COPY config/runtime.exs config/

COPY rel rel
RUN mix release $release

FROM $${RUNNER_IMAGE}

# hadolint ignore=DL3008
RUN apt-get update -y \\
    && apt-get install -y --no-install-recommends libstdc++6 openssl libncurses5 locales \\
       ca-certificates \\
    && apt-get clean \\
    && rm -rf /var/lib/apt/lists/*

RUN sed -i '/en_US.UTF-8/s/^# //g' /etc/locale.gen && locale-gen

ENV LANG=en_US.UTF-8
ENV LANGUAGE=en_US:en
ENV LC_ALL=en_US.UTF-8

WORKDIR /app
# 65534 is Debian's `nobody`: the release runs without root.
RUN chown 65534:0 /app

ENV MIX_ENV="prod"

COPY --from=builder --chown=65534:0 /app/_build/$${MIX_ENV}/rel/$release ./

USER 65534

CMD ["/app/bin/server"]
"""
)

ENV_SH = """\
#!/bin/sh
# Written by `phxstack init --generate`. Sourced by the release before it starts.

# On Fly: distributed Erlang over the private IPv6 network, one node name per machine.
if [ -n "$FLY_APP_NAME" ]; then
  export ERL_AFLAGS="-proto_dist inet6_tcp"
  export ECTO_IPV6="true"
  export DNS_CLUSTER_QUERY="${FLY_APP_NAME}.internal"
  export RELEASE_NODE="${FLY_APP_NAME}-${FLY_IMAGE_REF##*-}@${FLY_PRIVATE_IP}"
fi

export RELEASE_DISTRIBUTION="name"
export RELEASE_NODE="${RELEASE_NODE:-<%= @release.name %>@$(hostname)}"
"""

SERVER = Template(
    """\
#!/bin/sh
set -eu

cd -P -- "$$(dirname -- "$$0")"
PHX_SERVER=true exec ./$release start
"""
)

MIGRATE = Template(
    """\
#!/bin/sh
set -eu

cd -P -- "$$(dirname -- "$$0")"
exec ./$release eval $module.Release.migrate
"""
)

RELEASE_MODULE = Template(
    '''\
defmodule $module.Release do
  @moduledoc """
  Database tasks for the release, where Mix is not installed (written by
  `phxstack init --generate`, as `mix phx.gen.release` writes it).
  """
  @app :$app

  def migrate do
    load_app()

    for repo <- repos() do
      {:ok, _, _} = Ecto.Migrator.with_repo(repo, &Ecto.Migrator.run(&1, :up, all: true))
    end
  end

  def rollback(repo, version) do
    load_app()
    {:ok, _, _} = Ecto.Migrator.with_repo(repo, &Ecto.Migrator.run(&1, :down, to: version))
  end

  defp repos do
    Application.fetch_env!(@app, :ecto_repos)
  end

  defp load_app do
    Application.load(@app)
  end
end
'''
)


def camelize(app: str) -> str:
    """`my_app` -> `MyApp`, as Mix names an app's modules."""
    return "".join(part[:1].upper() + part[1:] for part in app.split("_"))


def _versions(det: Detection) -> tuple[str, str, str, str]:
    """(elixir, otp, debian, note) for the image tag, from the repo where it says them."""
    full_elixir = None
    for fact in det.elixir_sources:
        m = re.search(r"(\d+\.\d+\.\d+)", fact.detail)
        if m and not fact.where.file.endswith("mix.exs"):
            full_elixir = (m.group(1), fact)
            break
    minor = det.elixir.value if det.elixir is not None else "1.16"
    known = KNOWN_IMAGES.get(minor, DEFAULT_IMAGE)
    otp = det.otp.value if det.otp is not None else None
    if full_elixir and otp:
        otp_clean = otp.split("-")[0]
        return (
            full_elixir[0],
            otp_clean,
            known[2],
            f"Versions from {full_elixir[1].where} and {det.otp.where if det.otp else ''}.",
        )
    where = f" ({det.elixir.where})" if det.elixir is not None else ""
    return (
        known[0],
        known[1],
        known[2],
        f"Elixir {minor}{where}; the full versions are a\n# hexpm/elixir image known to exist "
        "for it: pin the ones you test with.",
    )


def files_to_generate(det: Detection, provider: str) -> list[tuple[str, str, int]]:
    """(path relative to the app, text, mode) for each deploy file the app lacks."""
    if det.app is None:
        return []
    root = det.root
    app = str(det.app.value)
    release = str(det.releases[0].value) if det.releases else app
    out: list[tuple[str, str, int]] = []
    if not (root / "Dockerfile").exists():
        out.append(("Dockerfile", dockerfile(det, release), 0o644))
    bin_dir = Path("rel/overlays/bin")
    if "server" not in det.overlay_scripts and not (root / bin_dir / "server").exists():
        out.append(((bin_dir / "server").as_posix(), SERVER.substitute(release=release), 0o755))
    repo_app = _repo_app(det)
    if det.database is not None and det.release_module is None and repo_app is not None:
        module = camelize(repo_app[0])
        out.append(
            (
                f"{repo_app[1]}lib/{repo_app[0]}/release.ex",
                RELEASE_MODULE.substitute(module=module, app=repo_app[0]),
                0o644,
            )
        )
        if det.migrate_command is None and not (root / bin_dir / "migrate").exists():
            out.append(
                (
                    (bin_dir / "migrate").as_posix(),
                    MIGRATE.substitute(release=release, module=module),
                    0o755,
                )
            )
    if provider == "fly" and det.env_sh is None:
        out.append(("rel/env.sh.eex", ENV_SH, 0o644))
    return out


def _repo_app(det: Detection) -> tuple[str, str] | None:
    """(OTP app, its directory prefix) that owns the Ecto repo: a child in an umbrella."""
    if not det.repos:
        return (str(det.app.value), "") if det.app is not None else None
    repo_file = det.repos[0].where.file
    if det.umbrella:
        for child in det.apps:
            prefix = Path(child.where.file).parent.as_posix() + "/"
            if repo_file.startswith(prefix):
                return str(child.value), prefix
    return (str(det.app.value), "") if det.app is not None else None


def dockerfile(det: Detection, release: str) -> str:
    elixir, otp, debian, note = _versions(det)
    if det.umbrella:
        children = sorted({Path(a.where.file).parent.as_posix() for a in det.apps})
        copy_children = "\n".join(f"COPY {c}/mix.exs {c}/" for c in children)
        copy_sources = f"COPY {det.umbrella.value} {det.umbrella.value}"
    else:
        copy_children = ""
        copy_sources = (
            "COPY priv priv\nCOPY lib lib" if (det.root / "priv").is_dir() else ("COPY lib lib")
        )
    has_assets = (
        (det.root / det.web_dir / "assets").is_dir()
        if det.web_dir
        else (det.root / "assets").is_dir()
    )
    mix_text = (det.root / "mix.exs").read_text(encoding="utf-8", errors="replace")
    compile_ = "RUN mix compile"
    if has_assets and "assets.deploy" in mix_text:
        compile_ = "COPY assets assets\nRUN mix assets.deploy && mix compile"
    text = DOCKERFILE.substitute(
        app=det.app.value if det.app else release,
        versions_note=note,
        elixir=elixir,
        otp=otp,
        debian=debian,
        copy_children=copy_children,
        copy_sources=copy_sources,
        mix_files="mix.exs mix.lock" if (det.root / "mix.lock").is_file() else "mix.exs",
        compile=compile_,
        release=release,
    )
    return re.sub(r"\n{3,}", "\n\n", text)
