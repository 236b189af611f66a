"""The Fly stack: one component that composes the app and everything it uses on Fly.io.

Owns the composition and ordering: app, database, Redis, Tigris, secrets, IPs, certificate,
then the deploy and the machine count, and the stack outputs with the same meaning as on GCP.
Which values go where is `components.fly.settings`; what each Fly object does is in that
object's own module (`components.fly.app`, `.secrets`, `.postgres`, ...).

Order matters on Fly: IPs exist before the first deploy (else `fly deploy` allocates its own),
every secret is staged before it, and `scale count` needs a finished release.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_random as random

from components.build_context import context_digest
from components.fly import resources as fly
from components.fly.settings import FlyStackArgs, fly_args, url_part
from components.fly.toml import render, render_for_trigger
from components.outputs import OUTPUTS

_STACK_LEVEL = ("outputs_version", "provider")
# Fly keys of the outputs contract that this component sets (the rest are stack-level).
OUTPUT_KEYS: tuple[str, ...] = tuple(
    k
    for k, spec in OUTPUTS.items()
    if "fly" in spec.providers and k not in _STACK_LEVEL and not spec.optional
)
# Bump when what a deploy does changes in code, so every stack redeploys once.
DEPLOY_LOGIC_VERSION = "1"


def deploy_trigger(
    source: str, toml_text: str, secret_digests: dict[str, str], database: str = ""
) -> str:
    """What a release depends on: the source (or image), fly.toml, every secret's digest, and
    which database DATABASE_URL points at.

    `database` matters because the attach sets DATABASE_URL only as a staged secret: a new
    cluster with no deploy leaves the machines on the destroyed one's URL. Without a database
    the trigger is what it was before the database was part of it, so such stacks do not
    redeploy for nothing.
    """
    h = hashlib.sha256()
    secrets = json.dumps(secret_digests, sort_keys=True)
    parts = [DEPLOY_LOGIC_VERSION, source, toml_text, secrets] + ([database] if database else [])
    for part in parts:
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def database_identity(kind: str, cluster_id: str | None, connection_string: str | None) -> str:
    """The attached cluster: its id, and a digest of the URL (an unmanaged cluster replaced
    under the same name keeps its id but gets a new password). Only ever inside the trigger."""
    url = hashlib.sha256((connection_string or "").encode()).hexdigest()
    return f"{kind}\0{cluster_id or ''}\0{url}"


def _part(part: str, url: str | None) -> str:
    return url_part(url, part)


def _key(flyctl_name: str, credentials: dict[str, str] | None) -> str:
    return (credentials or {})[flyctl_name]


class PhoenixFly(pulumi.ComponentResource):
    """A Phoenix app on Fly.io with its Postgres, Redis, Tigris bucket, secrets and domain."""

    TYPE = "phoenix:fly:Stack"

    outputs: dict[str, pulumi.Input[Any]]

    def __init__(
        self, name: str, args: FlyStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        r = args.runner
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, protect=args.protect)

        app = fly.App(f"{name}-app", name=args.app_name, org=args.org, runner=r, opts=keep)
        on_app = pulumi.ResourceOptions(parent=self, depends_on=[app])

        database = None
        if args.database is not None:
            db = args.database
            database = fly.Postgres(
                f"{name}-db",
                app=app.name,
                kind=db.kind,
                name=db.name,
                org=db.org,
                region=db.region,
                volume_size_gb=db.volume_size_gb,
                pg_major_version=db.pg_major_version,
                plan=db.plan,
                vm_size=db.vm_size,
                vm_memory_mb=db.vm_memory_mb,
                cluster_size=db.cluster_size,
                variable_name=db.variable_name,
                runner=r,
                opts=pulumi.ResourceOptions.merge(keep, on_app),
            )
        redis = None
        if args.redis is not None:
            rd = args.redis
            redis = fly.Redis(
                f"{name}-redis",
                name=rd.name,
                org=rd.org,
                region=rd.region,
                eviction=rd.eviction,
                plan=rd.plan,
                runner=r,
                # Protected like Memorystore on GCP: apps keep more than PubSub traffic in it.
                opts=keep,
            )
        buckets: list[tuple[Any, Any]] = []
        for bucket in [args.storage, *args.more_buckets] if args.storage else []:
            logical = f"{name}-storage" if bucket.id == "uploads" else f"{name}-storage-{bucket.id}"
            made = fly.Storage(
                logical,
                app=app.name,
                name=bucket.name,
                org=args.org if bucket.detached else None,
                detached=bucket.detached,
                runner=r,
                opts=pulumi.ResourceOptions.merge(keep, on_app),
            )
            buckets.append((bucket, made))
        storage = buckets[0][1] if buckets else None

        # Generated once and kept in state: a new cookie would split old and new nodes during
        # a rolling deploy, and a new key base would sign everyone out. A value the user
        # supplies is used instead, and nothing is generated for it.
        values: dict[str, pulumi.Input[str]] = {}
        for key, logical in (
            ("SECRET_KEY_BASE", "secret-key-base"),
            ("RELEASE_COOKIE", "release-cookie"),
        ):
            if key not in args.supplied_secrets:
                values[key] = random.RandomPassword(
                    f"{name}-{logical}", length=64, special=False, opts=child
                ).result
        values |= args.supplied_secrets
        if redis is not None:
            values[args.redis_env] = redis.url
        if database is not None and args.database is not None:
            url = database.connection_string
            for part, env_name in args.database.parts.items():
                values[env_name] = pulumi.Output.secret(url.apply(functools.partial(_part, part)))
        for bucket, made in buckets:
            for flyctl_name, env_name in bucket.env.items():
                values[env_name] = pulumi.Output.secret(
                    made.credentials.apply(functools.partial(_key, flyctl_name))
                )
        secrets = fly.Secrets(
            f"{name}-secrets", app=app.name, values=values, stage=True, runner=r, opts=on_app
        )

        ips = [
            fly.Ip(f"{name}-ip-{kind}", app=app.name, kind=kind, runner=r, opts=on_app)
            for kind in args.ip_kinds
        ]
        cert = None
        if args.domain:
            # After the IPs, so the certificate's DNS requirements name them.
            cert = fly.Cert(
                f"{name}-cert",
                app=app.name,
                hostname=args.domain,
                runner=r,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[app, *ips]),
            )

        toml_text = render(args.toml)
        if args.image:
            source = f"image:{args.image}"
        else:
            assert args.build_path is not None
            source = "context:" + context_digest(Path(args.build_path), args.dockerfile)
        trigger_toml = render_for_trigger(args.toml)
        database_id: pulumi.Input[str] = ""
        if database is not None and args.database is not None:
            db_kind, var = args.database.kind, args.database.variable_name
            # The env name joins only when it is not the default, so existing stacks keep their
            # trigger; a rename moves a staged secret, which only a deploy delivers.
            suffix = "" if var == "DATABASE_URL" else f"\0{var}"
            database_id = pulumi.Output.all(database.cluster_id, database.connection_string).apply(
                lambda x: database_identity(db_kind, x[0], x[1]) + suffix
            )
        # Secret: it is a function of the secret digests and the connection string, so it is
        # as revealing as they are.
        plain: pulumi.Output[str] = pulumi.Output.all(secrets.digests, database_id).apply(
            lambda x: deploy_trigger(source, trigger_toml, dict(x[0] or {}), x[1])
        )
        trigger: pulumi.Output[str] = pulumi.Output.secret(plain)
        before_deploy: list[pulumi.Resource] = [app, secrets, *ips]
        before_deploy += [x for x in (database,) if x is not None]
        before_deploy += [made for _, made in buckets]
        deploy = fly.Deploy(
            f"{name}-deploy",
            app=app.name,
            config=toml_text,
            trigger=trigger,
            image=args.image,
            build_path=args.build_path,
            dockerfile=args.dockerfile,
            wait_timeout=args.wait_timeout,
            strategy=args.strategy,
            runner=r,
            opts=pulumi.ResourceOptions(parent=self, depends_on=before_deploy),
        )
        scale = fly.Scale(
            f"{name}-scale",
            app=app.name,
            count=args.count,
            region=args.region,
            runner=r,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[deploy]),
        )
        # One at a time: each `scale count` leases machines of the same app.
        previous: pulumi.Resource = scale
        for more in args.more_scales:
            web = more.process_group == "app"
            previous = fly.Scale(
                f"{name}-scale-{more.region}" if web else f"{name}-{more.process_group}-scale",
                app=app.name,
                count=more.count,
                region=more.region,
                process_group=None if web else more.process_group,
                runner=r,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[previous]),
            )

        self.app = app
        self.deploy = deploy
        self.scale = scale
        self.outputs = {
            "url": args.url,
            "region": args.region,
            "app_name": app.name,
            "image": deploy.image_ref,
            "database_name": database.name if database is not None else None,
            "redis_host": redis.host if redis is not None else None,
            "bucket_name": storage.name if storage is not None else None,
            "secret_names": list(args.secret_names),
            "dns_records": cert.dns_records if cert is not None else [],
        }
        if args.buckets_listed:
            self.outputs["buckets"] = {b.id: made.name for b, made in buckets}
        self.register_outputs(self.outputs)


__all__ = [
    "OUTPUT_KEYS",
    "FlyStackArgs",
    "PhoenixFly",
    "database_identity",
    "deploy_trigger",
    "fly_args",
]
