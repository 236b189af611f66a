import Config

if System.get_env("PHX_SERVER") do
  config :my_app, MyAppWeb.Endpoint, server: true
end

if config_env() == :prod do
  database_url =
    System.get_env("DATABASE_URL") ||
      raise """
      environment variable DATABASE_URL is missing.
      For example: ecto://USER:PASS@HOST/DATABASE
      """

  maybe_ipv6 = if System.get_env("ECTO_IPV6") in ~w(true 1), do: [:inet6], else: []

  # TLS wherever the link needs it. Cloud Run's Cloud SQL connector (a Unix socket, given as
  # `?socket_dir=`) and Fly's private WireGuard network already encrypt the connection and
  # offer no TLS on it, so asking for TLS there would fail to connect.
  database_ssl =
    not (String.contains?(database_url, "socket_dir=") or System.get_env("FLY_APP_NAME") != nil)

  config :my_app, MyApp.Repo,
    url: database_url,
    pool_size: String.to_integer(System.get_env("POOL_SIZE") || "10"),
    socket_options: maybe_ipv6,
    ssl: database_ssl

  # Redis PubSub. Phoenix 1.7 starts PubSub in the supervision tree, so the endpoint's
  # `pubsub:` option would be ignored: MyApp.Application reads these instead.
  config :my_app, :redis_url, System.get_env("REDIS_URL")
  config :my_app, :redis_ca_cert, System.get_env("REDIS_CA_CERT")

  secret_key_base =
    System.get_env("SECRET_KEY_BASE") ||
      raise """
      environment variable SECRET_KEY_BASE is missing.
      You can generate one by calling: mix phx.gen.secret
      """

  host = System.get_env("PHX_HOST") || "example.com"
  port = String.to_integer(System.get_env("PORT") || "4000")

  config :my_app, :dns_cluster_query, System.get_env("DNS_CLUSTER_QUERY")

  config :my_app, MyAppWeb.Endpoint,
    url: [host: host, port: 443, scheme: "https"],
    http: [
      ip: {0, 0, 0, 0, 0, 0, 0, 0},
      port: port
    ],
    secret_key_base: secret_key_base
end
