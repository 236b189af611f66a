defmodule MyApp.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    children = [
      MyAppWeb.Telemetry,
      MyApp.Repo,
      {DNSCluster, query: Application.get_env(:my_app, :dns_cluster_query) || :ignore},
      {Phoenix.PubSub, pubsub_options()},
      {Finch, name: MyApp.Finch},
      MyAppWeb.Endpoint
    ]

    opts = [strategy: :one_for_one, name: MyApp.Supervisor]
    Supervisor.start_link(children, opts)
  end

  # Broadcasts reach the other nodes through Redis when REDIS_URL is set (Cloud Run, where
  # instances cannot cluster), and through Erlang distribution otherwise (Fly's DNS cluster).
  defp pubsub_options do
    case Application.get_env(:my_app, :redis_url) do
      nil ->
        [name: MyApp.PubSub]

      url ->
        [
          name: MyApp.PubSub,
          adapter: Phoenix.PubSub.Redis,
          node_name: pubsub_node_name(),
          redis_opts: redis_opts(url, Application.get_env(:my_app, :redis_ca_cert))
        ]
    end
  end

  defp redis_opts(url, nil), do: url

  # Memorystore with TLS presents a certificate from its own CA, delivered as REDIS_CA_CERT.
  # Pinning that CA is what authenticates the server; the certificate does not name the
  # private IP the app dials, so host name checking is left to the pinned CA.
  defp redis_opts(url, ca_pem) do
    uri = URI.parse(url)
    password = uri.userinfo |> to_string() |> String.split(":", parts: 2) |> List.last()
    cacerts = for {:Certificate, der, _} <- :public_key.pem_decode(ca_pem), do: der

    [
      host: uri.host,
      port: uri.port,
      password: password,
      ssl: true,
      socket_opts: [cacerts: cacerts, verify: :verify_peer, server_name_indication: :disable]
    ]
  end

  # Unique per instance: Cloud Run gives no instance id, Fly gives FLY_ALLOC_ID.
  defp pubsub_node_name do
    System.get_env("FLY_ALLOC_ID") ||
      "#{System.get_env("K_REVISION", "local")}-#{Base.encode16(:crypto.strong_rand_bytes(4))}"
  end

  @impl true
  def config_change(changed, _new, removed) do
    MyAppWeb.Endpoint.config_change(changed, removed)
    :ok
  end
end
