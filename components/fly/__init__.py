"""Fly.io target: flyctl runner, dynamic providers, fly.toml rendering.

- `cli`: runs flyctl (binary lookup, timeouts, retries, typed errors, redaction).
- `providers` / `resources`: one dynamic provider and resource per Fly object (App, Secrets,
  Postgres, Redis, Storage, Deploy, Scale, Ip, Cert), type tokens `pulumi-python:dynamic/fly:*`.
- `toml`: fly.toml rendering (exactly one of [http_service] / [[services]]).
- `settings`: infera.yaml (through `StackContext`) to `FlyStackArgs`; pure.
- `stack`: `PhoenixFly`, the `phoenix:fly:Stack` component, and `fly_args`.
"""
