"""Test support shared across test packages: the local Pulumi engine for whole programs."""
