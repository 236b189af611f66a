# Script for populating the database. You can run it as:
#
#     mix run priv/repo/seeds.exs
#
# Inside the script, you can read and write to any of your
# repositories directly:
#
#     MyApp.Repo.insert!(%MyApp.SomeSchema{})
#
# We recommend using the bang functions (`insert!`, `update!`
# and so on) as they will fail if something goes wrong.

alias MyApp.Accounts

unless Accounts.get_user_by_email("admin@example.com") do
  {:ok, _user} =
    Accounts.create_user(%{
      email: "admin@example.com",
      name: "Admin",
      password: "change-me-please"
    })
end
