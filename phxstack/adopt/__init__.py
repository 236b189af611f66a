"""Adoption: read a Phoenix repository (`detect`), write its infera.yaml (`init`), and check a
config against the app it deploys (`doctor`).

Nothing here compiles the app or runs Elixir: the repository is read as text, through the
tokenizer in `phxstack.adopt.elixir`.
"""
