"""Fly.io target: flyctl runner, dynamic providers, fly.toml rendering."""
