"""Fly.io target: flyctl runner, dynamic providers, fly.toml rendering.

- `cli`: runs flyctl (binary lookup, timeouts, retries, typed errors, redaction).
- `app`, `secrets`, `postgres`, `redis`, `storage`, `deploy`, `scale`, `ips`, `certs`: one
  module per Fly object, its dynamic provider beside its resource class (type tokens
  `pulumi-python:dynamic/fly:*`); `base` holds what they share.
- `providers` / `resources`: re-exports. `providers` keeps the module path deployed state
  pickles the providers by; `resources` is every resource class in one namespace.
- `toml`: fly.toml rendering (exactly one of [http_service] / [[services]]).
- `settings`: infera.yaml (through `StackContext`) to `FlyStackArgs`; pure.
- `stack`: `PhoenixFly`, the `phoenix:fly:Stack` component, and `fly_args`.
"""
