"""Every Fly resource class in one namespace, for the stack and for older imports.

Each class lives in its Fly object's module, beside its provider (`components.fly.app.App`,
...). Type tokens are `pulumi-python:dynamic/fly:<Name>`, which mocks and policies tell apart.
"""

from __future__ import annotations

from components.fly.app import App
from components.fly.certs import Cert
from components.fly.deploy import Deploy
from components.fly.ips import Ip
from components.fly.postgres import Postgres
from components.fly.redis import Redis
from components.fly.scale import Scale
from components.fly.secrets import Secrets
from components.fly.storage import Storage

__all__ = ["App", "Cert", "Deploy", "Ip", "Postgres", "Redis", "Scale", "Secrets", "Storage"]
