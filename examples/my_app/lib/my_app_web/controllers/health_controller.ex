defmodule MyAppWeb.HealthController do
  use MyAppWeb, :controller

  def index(conn, _params) do
    health = %{
      status: "healthy",
      database: check_database(),
      node: node(),
      nodes: Node.list()
    }

    status = if health.database == :ok, do: 200, else: 503

    conn
    |> put_status(status)
    |> json(health)
  end

  # Liveness: the BEAM is scheduling and the endpoint answers. Nothing else,
  # so a Cloud SQL failover does not get every instance restarted.
  def live(conn, _params) do
    json(conn, %{status: "alive"})
  end

  defp check_database do
    try do
      MyApp.Repo.query!("SELECT 1")
      :ok
    rescue
      _ -> :error
    end
  end
end
