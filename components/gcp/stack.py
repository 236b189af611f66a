"""The whole GCP stack: composes the resource-group components and gathers the stack outputs.

Owns the wiring between components (which outputs feed which inputs, who waits for whom) and the
`outputs` dict that `__main__.py` exports. What to build comes from `settings.gcp_args`; how each
resource is configured is each component's business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.gcp.apis import Apis, ApisArgs
from components.gcp.cache import Cache, CacheArgs
from components.gcp.database import POSTGRES_PORT, Database, DatabaseArgs
from components.gcp.domain import Domain, DomainArgs
from components.gcp.iam import RuntimeIdentity, RuntimeIdentityArgs
from components.gcp.image import Image, ImageArgs
from components.gcp.migrations import Migrations, MigrationsArgs
from components.gcp.network import Network, NetworkArgs
from components.gcp.runtime import RuntimeSpec, app_volumes
from components.gcp.secrets import Secrets, SecretsArgs
from components.gcp.service import Service, ServiceArgs
from components.gcp.settings import GCS_S3_ENDPOINT, GcpStackArgs, gcp_args
from components.gcp.storage import Storage, StorageArgs
from components.gcp.workers import WorkerPool, WorkerPoolArgs

__all__ = ["PhoenixGcp", "gcp_args"]


def default_host(service: str, project_number: str, region: str) -> str:
    """Cloud Run's deterministic URL host, known before the service exists."""
    return f"{service}-{project_number}.{region}.run.app"


class PhoenixGcp(pulumi.ComponentResource):
    TYPE = "phoenix:gcp:Stack"

    def __init__(self, name: str, args: GcpStackArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        region, project, prod = args.region, args.gcp_project, args.production

        apis = Apis(f"{name}-apis", ApisArgs(project=project, apis=args.apis), child)

        network = None
        if args.network is not None:
            network = Network(
                f"{name}-network",
                NetworkArgs(args.network, region, apis.of("compute", *_psa(args))),
                child,
            )

        database = None
        if args.database is not None:
            database = Database(
                f"{name}-database",
                DatabaseArgs(
                    settings=args.database,
                    region=region,
                    production=prod,
                    network_id=network.network_id if network is not None else None,
                    depends_on=[
                        *apis.of("sqladmin"),
                        *([network.peering] if network and network.peering else []),
                    ],
                ),
                child,
            )

        cache = None
        if args.cache is not None:
            assert network is not None  # a cache always brings the VPC it is reached through
            # Memorystore picks an unused /29 in the VPC for itself ("Ranges must be unique and
            # non-overlapping with existing subnets", pulumi_gcp `reserved_ip_range`). Created
            # before the subnet (or the private services range), it can take addresses the
            # subnet then cannot have; waiting for them makes Memorystore choose around them.
            # Waiting changes no input, so existing instances are not replaced, which pinning
            # `reserved_ip_range` (ForceNew) would do.
            taken: list[pulumi.Resource] = [network.subnet]
            if network.peering is not None:
                taken.append(network.peering)
            cache = Cache(
                f"{name}-cache",
                CacheArgs(
                    args.cache, region, prod, network.network_id, [*apis.of("redis"), *taken]
                ),
                child,
            )

        storage = None
        if args.storage is not None:
            storage = Storage(
                f"{name}-storage",
                StorageArgs(args.storage, region, prod, apis.of("storage")),
                child,
            )

        derived = _derived(args, region, database, cache, storage)
        secrets = Secrets(
            f"{name}-secrets",
            SecretsArgs(
                ids=args.secret_ids,
                values=derived.secrets,
                generated=args.generated_secrets,
                depends_on=apis.of("secretmanager"),
            ),
            child,
        )

        identity = RuntimeIdentity(
            f"{name}-identity",
            RuntimeIdentityArgs(
                project=project,
                account_id=args.service_account_id,
                display_name=f"{args.project_name} ({args.stack}) on Cloud Run",
                cloudsql_client=database is not None,
                buckets=storage.names if storage is not None else {},
                secrets={k: s.id for k, s in secrets.secrets.items()},
                depends_on=apis.of("iam"),
                hmac=derived.hmac is not None,
            ),
            child,
        )
        if derived.hmac is not None:
            assert identity.hmac_key is not None
            derived.hmac.resolve(identity.hmac_key)

        image = Image(
            f"{name}-image",
            ImageArgs(
                args.image,
                project,
                region,
                apis.of("artifactregistry") if args.image.prebuilt is None else [],
            ),
            child,
        )

        s = args.service
        env: list[tuple[str, pulumi.Input[str]]] = [*s.env, *derived.plain]
        # PHX_HOST must be the host browsers use, or LiveView's origin check refuses the socket.
        # Without a domain it is the deterministic run.app host, which needs the project
        # number: from stack config, never from a `get_project` lookup, which needs the
        # Resource Manager API even in preview and so fails on a fresh project.
        host: str | None = s.phx_host
        if host is None and args.project_number is not None:
            host = default_host(s.name, args.project_number, region)
            env.insert(1, ("PHX_HOST", host))
        runtime = RuntimeSpec(
            image=image.ref,
            service_account=identity.email,
            env=tuple(env),
            secrets=secrets.refs(),
            cloudsql_instance=(
                database.connection_name
                if database is not None and not args.database.private_ip  # type: ignore[union-attr]
                else None
            ),
            network=network.network_id if network is not None else None,
            subnetwork=network.subnet_id if network is not None else None,
        )
        # Cloud Run checks at deploy time that the runtime account can read every secret.
        data_ready: list[pulumi.Resource] = [*identity.grants]
        if database is not None:
            data_ready += [database.database, database.user]

        migrations = None
        if args.migrations is not None:
            migrations = Migrations(
                f"{name}-migrations",
                MigrationsArgs(
                    job_name=args.migrations.job_name,
                    region=region,
                    project=project,
                    runtime=runtime,
                    deletion_protection=s.deletion_protection,
                    command=args.migrations.command,
                    timeout=args.migrations.timeout,
                    grants=identity.grants,
                    grant_keys=identity.grant_keys,
                    depends_on=[*apis.of("run"), *data_ready],
                ),
                child,
            )
        migrated: list[pulumi.Resource] = [migrations.run] if migrations is not None else []
        rollout_after: list[pulumi.Resource] = [
            *apis.of("run"),
            *migrated,
            *data_ready,
            *([cache.instance] if cache is not None else []),
        ]
        bucket_names = storage.names if storage is not None else {}
        volumes, mounts = app_volumes(args.volumes, bucket_names, s.volumes)
        service = Service(
            f"{name}-service",
            ServiceArgs(
                settings=s,
                region=region,
                runtime=runtime,
                # New code ships only once its migrations have completed.
                depends_on=rollout_after,
                volumes=volumes,
                mounts=mounts,
            ),
            child,
        )
        workers = {}
        for p in args.processes:
            p_volumes, p_mounts = app_volumes(args.volumes, bucket_names, p.volumes)
            workers[p.process] = WorkerPool(
                f"{name}-worker-{p.process.replace('_', '-')}",
                WorkerPoolArgs(
                    settings=p,
                    region=region,
                    runtime=runtime,
                    deletion_protection=s.deletion_protection,
                    volumes=p_volumes,
                    mounts=p_mounts,
                    depends_on=rollout_after,
                ),
                child,
            )

        domain = None
        if args.domain is not None:
            domain = Domain(
                f"{name}-domain",
                DomainArgs(args.domain, project, region, service.name, apis.of("run")),
                child,
            )

        self.outputs: dict[str, Any] = {
            # Without a known host, the service's own URI (known after it is created).
            "url": f"https://{host}" if host is not None else service.uri,
            "region": region,
            "app_name": service.name,
            "service_name": service.name,
            "image": image.ref,
            "database_name": database.database_name if database is not None else None,
            "database_connection_name": (
                database.connection_name if database is not None else None
            ),
            "redis_host": cache.host if cache is not None else None,
            "redis_port": cache.port if cache is not None else None,
            # The first bucket: the only one a config without `buckets:` has.
            "bucket_name": next(iter(storage.names.values())) if storage is not None else None,
            "service_account_email": identity.email,
            "secret_names": secrets.names,
            "migrations_job": migrations.name if migrations is not None else None,
            "dns_records": domain.dns_records if domain is not None else [],
        }
        if workers:
            self.outputs["processes"] = {
                "app": {"kind": "service", "name": service.name},
                **{k: {"kind": "worker_pool", "name": w.name} for k, w in workers.items()},
            }
        if args.list_buckets and storage is not None:
            self.outputs["buckets"] = dict(storage.names)
        if network is not None:
            # Auto-named (see network.py), so the only place its name can be read before a
            # Filestore instance is created on it.
            self.outputs["vpc_network"] = network.network.name
        self.register_outputs(self.outputs)


class _PromisedHmac:
    """The HMAC key's id and secret, promised to the secrets before the key exists: the key
    belongs to the runtime account, and the account needs the secrets' ids for its grants."""

    def __init__(self) -> None:
        self.access_id: pulumi.Output[str]
        self.secret: pulumi.Output[str]
        self._resolve_id: Callable[[pulumi.Output[str]], None]
        self._resolve_secret: Callable[[pulumi.Output[str]], None]
        self.access_id, self._resolve_id = pulumi.deferred_output()
        self.secret, self._resolve_secret = pulumi.deferred_output()

    def resolve(self, key: gcp.storage.HmacKey) -> None:
        self._resolve_id(key.access_id)
        self._resolve_secret(key.secret)


@dataclass
class _Derived:
    """Values derived from the stack's resources, under the env names the app reads them by."""

    # Env name -> value, for Secret Manager (with the supplied secrets).
    secrets: dict[str, pulumi.Input[str]]
    # Plain env, in config order: database parts, bucket names, the S3 endpoint and region.
    plain: list[tuple[str, pulumi.Input[str]]] = field(default_factory=list)
    hmac: _PromisedHmac | None = None


def _derived(
    args: GcpStackArgs,
    region: str,
    database: Database | None,
    cache: Cache | None,
    storage: Storage | None,
) -> _Derived:
    out = _Derived(secrets=dict(args.supplied_secrets))
    if database is not None:
        assert args.database is not None
        names = args.database.env
        out.secrets[names.url] = database.url
        if names.password is not None:
            out.secrets[names.password] = database.password_value
        for env_name, value in (
            (names.host, database.host),
            (names.port, POSTGRES_PORT),
            (names.name, database.database_name),
            (names.user, database.user_name),
        ):
            if env_name is not None:
                out.plain.append((env_name, value))
    if cache is not None:
        assert args.cache is not None
        out.secrets[args.cache.url_env] = cache.url
        out.secrets[args.cache.ca_cert_env] = cache.ca_cert
    if storage is not None:
        assert args.storage is not None
        for b in args.storage.buckets:
            out.plain.append((b.env, storage.names[b.id]))
        h = args.storage.hmac
        if h is not None:
            out.hmac = _PromisedHmac()
            for env_name in h.access_key_id:
                out.secrets[env_name] = pulumi.Output.secret(out.hmac.access_id)
            for env_name in h.secret_access_key:
                out.secrets[env_name] = pulumi.Output.secret(out.hmac.secret)
            for env_name in h.endpoint:
                out.plain.append((env_name, GCS_S3_ENDPOINT))
            # S3 signatures name a region; GCS takes the bucket's location (or "auto")
            # (storage/docs/authentication/signatures, credential scope).
            for env_name in h.region:
                out.plain.append((env_name, region))
    return out


def _psa(args: GcpStackArgs) -> tuple[str, ...]:
    return ("servicenetworking",) if args.network and args.network.private_services_access else ()
