"""The Fly providers under the module path that deployed state pickles them by.

Pulumi keeps each dynamic resource's provider in state as a dill pickle that names its class
by module path, and `pulumi refresh` and `pulumi destroy` unpickle that blob, not the current
program. Stacks deployed before each Fly object got its own module (`components.fly.app`, ...)
name `components.fly.providers.AppProvider` and so on, so these names must stay importable from
here for as long as such state may exist (tests/fly/test_state_v1.py loads blobs of that age).
New code imports from the object's own module.
"""

from __future__ import annotations

from components.fly.app import AppProvider
from components.fly.base import APP_NAME_RE
from components.fly.certs import CertProvider, dns_records
from components.fly.deploy import DeployProvider
from components.fly.ips import IP_KINDS, IpProvider
from components.fly.postgres import MPG_PLANS, PostgresProvider
from components.fly.redis import RedisProvider
from components.fly.scale import ScaleProvider
from components.fly.secrets import SECRET_NAME_RE, SecretsProvider, digest
from components.fly.storage import STORAGE_SECRETS, StorageProvider

__all__ = [
    "APP_NAME_RE",
    "IP_KINDS",
    "MPG_PLANS",
    "SECRET_NAME_RE",
    "STORAGE_SECRETS",
    "AppProvider",
    "CertProvider",
    "DeployProvider",
    "IpProvider",
    "PostgresProvider",
    "RedisProvider",
    "ScaleProvider",
    "SecretsProvider",
    "StorageProvider",
    "digest",
    "dns_records",
]
