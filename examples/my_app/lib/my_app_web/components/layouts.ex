defmodule MyAppWeb.Layouts do
  use MyAppWeb, :html

  embed_templates "layouts/*"
end
