"""The Elixir reader: what looks like code inside strings, comments, heredocs, sigils and
character literals is never taken for code, and blocks nest as Elixir nests them."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phxstack.adopt import elixir as ex
from phxstack.adopt.detect import _env_calls


def kinds(source: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in ex.tokenize(source) if t.kind != ex.NEWLINE]


def env_names(source: str) -> list[str]:
    return [name for name, *_ in _env_calls(ex.tokenize(source))]


def test_question_mark_hash_is_a_character_not_a_comment() -> None:
    toks = kinds('x = ?# ; y = System.get_env("REAL")')
    assert (ex.CHAR, "?#") in toks
    assert env_names('x = ?#\ny = System.get_env("REAL")') == ["REAL"]


def test_question_mark_quote_does_not_open_a_string() -> None:
    assert env_names('c = ?"\nSystem.get_env("AFTER")') == ["AFTER"]


def test_escaped_quote_inside_string_does_not_end_it() -> None:
    assert env_names(r'x = "a \" System.get_env(\"NO\") b"' + '\nSystem.get_env("YES")') == ["YES"]


def test_interpolation_holding_a_string_with_a_closing_brace() -> None:
    source = 'url = "#{System.get_env("HOST", "}")}/#{"}"}"\nSystem.fetch_env!("NEXT")'
    assert env_names(source) == ["HOST", "NEXT"]


def test_heredoc_text_is_not_code_even_with_quotes_and_end() -> None:
    source = '''raise """
    set it like System.get_env("NOT_A_READ") do "quoted" end
    """
System.get_env("READ")
'''
    assert env_names(source) == ["READ"]
    stmts = ex.parse(source)
    assert [s.head for s in stmts] == ["raise", "System"]


def test_heredoc_interpolation_is_code() -> None:
    source = 'x = """\n  host #{System.get_env("IN_HEREDOC")}\n  """\n'
    assert env_names(source) == ["IN_HEREDOC"]


@pytest.mark.parametrize(
    "sigil",
    [
        '~s[System.get_env("NO")]',
        '~S"System.get_env(\\"NO\\")"',
        "~r/#System.get_env/",
        '~w(System.get_env("NO") foo)a',
        '~H"""\n<%= System.get_env("NO") %> "quote" end\n"""',
        "~c'System.get_env(\"NO\")'",
        '~r{a\\}System.get_env("NO")}',
        '~HTML"""\n<p>"</p>\n"""',
    ],
)
def test_sigil_contents_are_not_code(sigil: str) -> None:
    assert env_names(f'x = {sigil}\nSystem.get_env("AFTER")') == ["AFTER"]


def test_uppercase_sigil_does_not_interpolate() -> None:
    (tok,) = [t for t in ex.tokenize('~S|#{System.get_env("NO")}|') if t.kind == ex.SIGIL]
    assert tok.value == '#{System.get_env("NO")}'
    assert not tok.interpolated


def test_lowercase_sigil_interpolation_is_code() -> None:
    assert env_names('~s(#{System.get_env("YES")})') == ["YES"]


def test_comments_hide_code_and_quotes() -> None:
    source = '# System.get_env("NO") "unclosed\nx = 1 # do\nSystem.get_env("YES")'
    assert env_names(source) == ["YES"]
    assert [s.head for s in ex.parse(source)] == ["x", "System"]


def test_charlist_with_double_quote_inside() -> None:
    assert env_names('x = \'he said "hi\'\nSystem.get_env("YES")') == ["YES"]


def test_keyword_keys_atoms_and_typespec_colons() -> None:
    toks = kinds('[do: 1, "quoted key": 2, url: :"a b", op: :+] ++ @spec f(a :: t)')
    assert (ex.KEY, "do:") in toks
    assert (ex.KEY, "quoted key") in toks
    assert (ex.ATOM, ':"a b"') in toks
    assert (ex.ATOM, ":+") in toks
    assert (ex.OP, "::") in toks


def test_dotted_aliases_join_and_remote_calls_do_not() -> None:
    toks = kinds("MyApp.Web.Endpoint.config(:url)")
    assert toks[0] == (ex.ALIAS, "MyApp.Web.Endpoint")
    assert toks[1:3] == [(ex.OP, "."), (ex.IDENT, "config")]


def test_blocks_nest_and_inline_do_does_not_open_one() -> None:
    source = """
defmodule A.Router do
  scope "/api", A do
    if x, do: get("/a", C, :a), else: nil
    get "/b", C, :b
  end
  f = fn x ->
    x
  end
  conn
  |> put_status(200)
  |> json(%{})
end
"""
    (module,) = ex.parse(source)
    assert ex.module_name(module) == "A.Router"
    scope, f, pipe = module.body or []
    assert scope.head == "scope"
    assert [s.head for s in scope.body or []] == ["if", "get"]
    assert f.head == "f" and f.body is None
    assert [t.text for t in pipe.tokens][:4] == ["conn", "|>", "put_status", "("]


def test_else_splits_a_block_into_sections() -> None:
    (stmt,) = ex.parse("if a do\n  x()\nelse\n  y()\nend")
    assert [s.head for s in stmt.body or []] == ["x", "else", "y"]


def test_multiline_assignment_continues_after_operators() -> None:
    source = 'database_url =\n  System.get_env("DATABASE_URL") ||\n    raise """\n    missing\n    """\nport = 1'
    stmts = ex.parse(source)
    assert [s.head for s in stmts] == ["database_url", "port"]
    assert next(iter(_env_calls(stmts[0].tokens)))[:3][0] == "DATABASE_URL"
    assert next(iter(_env_calls(stmts[0].tokens)))[2] is True  # `|| raise`: required


def test_get_env_default_argument_and_or_default() -> None:
    calls = list(_env_calls(ex.tokenize('System.get_env("A", "1") <> System.get_env("B") || "2"')))
    assert [(n, d) for n, _, _, d in calls] == [("A", "1"), ("B", "2")]


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ('x = "never closed\n\n', 1),
        ('\nx = """\nnever closed\n', 2),
        ("\n\ny = ~s(never closed", 3),
        ('z = "#{unclosed', 1),
    ],
)
def test_unterminated_literals_say_where_they_start(source: str, line: int) -> None:
    with pytest.raises(ex.ElixirSyntaxError) as err:
        ex.tokenize(source)
    assert err.value.line == line


@pytest.mark.parametrize(
    "source", ["defmodule A do\n", "end\n", "x = (1\n", "foo do\n  bar(]\nend"]
)
def test_unbalanced_blocks_are_reported_not_guessed(source: str) -> None:
    with pytest.raises(ex.ElixirSyntaxError):
        ex.parse(source)


def test_literal_values() -> None:
    def lit(source: str) -> object:
        return ex.literal([t for t in ex.tokenize(source) if t.kind != ex.NEWLINE])

    assert lit('[host: "a", port: 443, ssl: true, opts: [:inet6]]') == {
        "host": "a",
        "port": 443,
        "ssl": True,
        "opts": [":inet6"],
    }
    assert lit('{:phoenix, "~> 1.7"}') == (":phoenix", "~> 1.7")
    assert lit("~w(true 1)") == ["true", "1"]
    assert isinstance(lit("String.to_integer(port)"), ex.Unknown)
    assert isinstance(lit('"#{x}"'), ex.Unknown)


_text = st.text(alphabet=st.sampled_from(list("ab \"'#{}()\\\n?~sS:/|")), max_size=40)


@given(_text)
def test_any_text_either_tokenizes_or_raises_the_readers_error(source: str) -> None:
    # Never an IndexError, a loop or another crash: odd files become `unreadable`.
    with contextlib.suppress(ex.ElixirSyntaxError):
        ex.parse(source)
