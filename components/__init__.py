"""Pulumi components: one package per provider, plus the shared naming and outputs contract."""
