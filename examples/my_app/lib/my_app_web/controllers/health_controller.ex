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

  defp check_database do
    try do
      MyApp.Repo.query!("SELECT 1")
      :ok
    rescue
      _ -> :error
    end
  end
end
