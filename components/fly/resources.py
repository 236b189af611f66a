"""Typed dynamic resources, one per Fly object, each paired with its provider.

Owns the resource surface: the type tokens (`pulumi-python:dynamic/fly:<Name>`, which mocks and
policies tell apart), the constructor inputs, the declared outputs and which of them are
secret. What each lifecycle step does is `components.fly.providers`' job.

Outputs are declared as class annotations and seeded as None in the props, so that Pulumi
creates an Output for each before the provider fills it in.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi import dynamic

from components.fly import providers
from components.fly.settings import RunnerSettings


def _opts(
    opts: pulumi.ResourceOptions | None, secret_outputs: list[str] | None = None
) -> pulumi.ResourceOptions:
    # Returning Output.secret from a dynamic provider's create does not make it secret
    # (pulumi/pulumi#3012); additional_secret_outputs does.
    extra = pulumi.ResourceOptions(additional_secret_outputs=secret_outputs or [])
    return pulumi.ResourceOptions.merge(opts, extra)


class App(dynamic.Resource, module="fly", name="App"):
    """A Fly app: the namespace of machines, secrets, IPs and certificates."""

    name: pulumi.Output[str]
    org: pulumi.Output[str]
    hostname: pulumi.Output[str]
    app_id: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        org: pulumi.Input[str],
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"name": name, "org": org, "hostname": None, "app_id": None}
        super().__init__(providers.AppProvider(runner), resource_name, props, _opts(opts))


class Secrets(dynamic.Resource, module="fly", name="Secrets"):
    """The app secrets this program owns. Values go in; only their digests come out, sealed."""

    app: pulumi.Output[str]
    stage: pulumi.Output[bool]
    digests: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        values: pulumi.Input[dict[str, pulumi.Input[str]]],
        stage: bool = True,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "app": app,
            # Secret as a whole, so the values are encrypted wherever Pulumi keeps inputs.
            "values": pulumi.Output.secret(values),
            "stage": stage,
            "digests": None,
        }
        # The digests are unsalted sha256 of the values: for a low-entropy value ("dev",
        # "true") a digest in plaintext state gives the value away, so they are sealed too.
        super().__init__(
            providers.SecretsProvider(runner), resource_name, props, _opts(opts, ["digests"])
        )


class Postgres(dynamic.Resource, module="fly", name="Postgres"):
    """A Postgres cluster attached to the app; `connection_string` is a secret output."""

    cluster_id: pulumi.Output[str]
    name: pulumi.Output[str]
    connection_string: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        kind: str,
        name: str,
        org: str,
        region: str,
        volume_size_gb: int,
        pg_major_version: int,
        plan: str = "basic",
        vm_size: str = "shared-cpu-1x",
        vm_memory_mb: int = 1024,
        cluster_size: int = 1,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "app": app,
            "kind": kind,
            "name": name,
            "org": org,
            "region": region,
            "volume_size_gb": volume_size_gb,
            "pg_major_version": pg_major_version,
            "plan": plan,
            "vm_size": vm_size,
            "vm_memory_mb": vm_memory_mb,
            "cluster_size": cluster_size,
            "cluster_id": None,
            "connection_string": None,
        }
        super().__init__(
            providers.PostgresProvider(runner),
            resource_name,
            props,
            _opts(opts, ["connection_string"]),
        )


class Redis(dynamic.Resource, module="fly", name="Redis"):
    """An Upstash Redis database; `url` (with its password) is a secret output."""

    name: pulumi.Output[str]
    host: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: str,
        org: str,
        region: str,
        eviction: bool = False,
        plan: str | None = None,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "org": org,
            "region": region,
            "eviction": eviction,
            "plan": plan,
            "host": None,
            "url": None,
        }
        super().__init__(
            providers.RedisProvider(runner), resource_name, props, _opts(opts, ["url"])
        )


class Storage(dynamic.Resource, module="fly", name="Storage"):
    """A Tigris bucket whose credentials flyctl sets on the app as secrets."""

    app: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        name: str,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"app": app, "name": name}
        super().__init__(providers.StorageProvider(runner), resource_name, props, _opts(opts))


class Deploy(dynamic.Resource, module="fly", name="Deploy"):
    """A release of the app, made again only when `trigger` (or `image`) changes."""

    image_ref: pulumi.Output[str]
    release_version: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        config: pulumi.Input[str],
        trigger: pulumi.Input[str],
        image: str | None = None,
        build_path: str | None = None,
        dockerfile: str = "Dockerfile",
        wait_timeout: str = "5m",
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "app": app,
            "config": config,
            "trigger": trigger,
            "image": image,
            "build_path": build_path,
            "dockerfile": dockerfile,
            "strategy": "rolling",
            "wait_timeout": wait_timeout,
            "image_ref": None,
            "release_version": None,
        }
        # The trigger digests the secret digests (and the database's connection string).
        super().__init__(
            providers.DeployProvider(runner), resource_name, props, _opts(opts, ["trigger"])
        )


class Scale(dynamic.Resource, module="fly", name="Scale"):
    """The number of app machines in the primary region."""

    count: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        count: pulumi.Input[int],
        region: str,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"app": app, "count": count, "region": region}
        super().__init__(providers.ScaleProvider(runner), resource_name, props, _opts(opts))


class Ip(dynamic.Resource, module="fly", name="Ip"):
    """One IP address of the app."""

    address: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        kind: str,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"app": app, "kind": kind, "address": None}
        super().__init__(providers.IpProvider(runner), resource_name, props, _opts(opts))


class Cert(dynamic.Resource, module="fly", name="Cert"):
    """A certificate for the custom domain, and the DNS records it needs."""

    status: pulumi.Output[str]
    dns_records: pulumi.Output[list[dict[str, str]]]

    def __init__(
        self,
        resource_name: str,
        *,
        app: pulumi.Input[str],
        hostname: str,
        runner: RunnerSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "app": app,
            "hostname": hostname,
            "status": None,
            "dns_records": None,
        }
        super().__init__(providers.CertProvider(runner), resource_name, props, _opts(opts))
