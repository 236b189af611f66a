"""A tokenizer-level reader for Elixir source, for finding facts in a repository without Elixir.

Owns turning `.ex`/`.exs` text into tokens that carry their line, and into statements with
their `do ... end` bodies, so that a caller can ask "which `config` calls are there" or "what
does this router's scope contain" without being fooled by a string, comment, heredoc, sigil or
character literal that merely looks like code. It is not a parser: it knows Elixir's lexical
rules (Elixir's `elixir_tokenizer.erl` and `elixir_interpolation.erl` are the reference) and
its block structure, and nothing about operator precedence. What the facts mean belongs to
`phxstack.adopt.detect`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Token kinds.
STRING = "string"  # "..." and """...""" (value: the text, with interpolations kept as #{...})
CHARLIST = "charlist"  # '...' and '''...'''
SIGIL = "sigil"  # ~w(...) ~r/.../ ~H\"\"\"...\"\"\" (value: the content; `sigil`: the letters)
ATOM = "atom"  # :name, :"quoted" (value: the name)
KEY = "key"  # `name:` or `"quoted":` in a keyword list (value: the name)
ALIAS = "alias"  # MyApp.Repo (dotted aliases joined into one token)
IDENT = "ident"  # variables and function names, incl. do/end/fn and a trailing ? or !
ATTR = "attr"  # @module_attribute (value: the name)
NUMBER = "number"
CHAR = "char"  # ?a, ?#, ?\n (value: the character)
OP = "op"  # operators and punctuation
NEWLINE = "nl"

_IDENT_RE = re.compile(r"[a-z_][A-Za-z0-9_]*[?!]?")
_ALIAS_RE = re.compile(r"[A-Z][A-Za-z0-9_]*")
_NUMBER_RE = re.compile(r"0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|\d[\d_]*(\.\d[\d_]*([eE][+-]?\d+)?)?")
# Longest first: the tokenizer takes the first operator that matches.
_OPERATORS = sorted(
    [
        "===", "!==", "==", "!=", "<=", ">=", "=~", "<>", "++", "--", "**", "|>", "<<<", ">>>",
        "<<~", "~>>", "<~>", "<|>", "~>", "<~", "~~~", "&&&", "|||", "^^^", "..", "...", "->",
        "<-", "=>", "\\\\", "::", "&&", "||", "and", "or", "not", "in", "when", "<<", ">>", "=",
        "<", ">", "+", "-", "*", "/", "!", "^", "&", "|", ".", ",", ";", "(", ")", "[", "]",
        "{", "}", "%", "@", "\\",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_WORD_OPERATORS = {"and", "or", "not", "in", "when"}
_SYMBOL_OPERATORS = [op for op in _OPERATORS if op not in _WORD_OPERATORS]
# Operator atoms such as :+ or :"=="; longest first.
_ATOM_OPERATORS = sorted(
    [op for op in _SYMBOL_OPERATORS if op not in {",", ";", "(", ")", "[", "]", "{", "}", "%"}],
    key=len,
    reverse=True,
)
_SIGIL_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_SIGIL_DELIMITERS = set("/|\"'") | set(_SIGIL_PAIRS)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "s": " ", "0": "\0", "e": "\x1b", "a": "\a"}
_OPENERS = {"(": ")", "[": "]", "{": "}", "<<": ">>"}
_CLOSERS = set(_OPENERS.values())
# A statement does not end at a newline that follows one of these (or precedes one of the
# continuation operators): the expression goes on on the next line.
_CONTINUES_AFTER = {
    ",", "=", "||", "&&", "|>", "|", "<>", "++", "--", "->", "<-", "=>", "\\\\", "+", "-",
    "*", "/", "==", "!=", "===", "!==", "<", ">", "<=", ">=", "=~", "and", "or", "not",
    "in", "when", "::", ".", "&", "^", "!",
}  # fmt: skip
_CONTINUES_BEFORE = {"|>", "||", "&&", "|", "<>", "++", "and", "or", "when", "->", "."}


class ElixirSyntaxError(ValueError):
    """The text is not Elixir this reader can follow (an unterminated string, say)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass
class Token:
    kind: str
    text: str  # the source text of the token
    line: int
    value: Any = None
    sigil: str = ""  # sigil letters, e.g. "w" for ~w(...)
    interpolated: bool = False  # a string or sigil with #{...} inside
    # Tokens of the expressions inside #{...}, in order (strings, sigils, quoted atoms/keys).
    inner: list[Token] = field(default_factory=list)

    def is_op(self, *ops: str) -> bool:
        return self.kind == OP and self.text in ops

    def is_ident(self, *names: str) -> bool:
        return self.kind == IDENT and self.text in names


def tokenize(source: str) -> list[Token]:
    """Every token of `source` in order, comments dropped, newlines kept as NEWLINE tokens."""
    return _Lexer(source).run()


def walk(tokens: list[Token]) -> Iterator[Token]:
    """Tokens and, after each, the tokens inside its interpolations, depth first."""
    for tok in tokens:
        yield tok
        if tok.inner:
            yield from walk(tok.inner)


class _Lexer:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.line = 1

    # ---- helpers -------------------------------------------------------------------------

    def peek(self, n: int = 0) -> str:
        i = self.pos + n
        return self.src[i] if i < len(self.src) else ""

    def startswith(self, text: str) -> bool:
        return self.src.startswith(text, self.pos)

    def advance(self, n: int = 1) -> str:
        text = self.src[self.pos : self.pos + n]
        self.line += text.count("\n")
        self.pos += n
        return text

    # ---- the main loop ---------------------------------------------------------------------

    def run(self, until_brace: bool = False) -> list[Token]:
        """Tokens up to the end, or (inside #{...}) up to the `}` that closes the interpolation."""
        out: list[Token] = []
        braces = 0
        while self.pos < len(self.src):
            ch = self.peek()
            if ch == "\n":
                out.append(Token(NEWLINE, "\n", self.line))
                self.advance()
            elif ch in " \t\r\f":
                self.advance()
            elif ch == "\\" and self.peek(1) == "\n":
                self.advance(2)  # a backslash joins the next line
            elif ch == "#":
                while self.pos < len(self.src) and self.peek() != "\n":
                    self.advance()
            elif until_brace and ch == "}" and braces == 0:
                self.advance()
                return _join_aliases(out)
            else:
                tok = self.token()
                if tok.is_op("{"):
                    braces += 1
                elif tok.is_op("}"):
                    braces -= 1
                out.append(tok)
        if until_brace:
            raise ElixirSyntaxError("unterminated #{ interpolation", self.line)
        return _join_aliases(out)

    def token(self) -> Token:
        line = self.line
        ch = self.peek()
        if self.startswith('"""') or self.startswith("'''"):
            quote = ch
            text, inner, interp = self.heredoc(quote, interpolates=True)
            return Token(STRING if quote == '"' else CHARLIST, text, line, text, "", interp, inner)
        if ch in "\"'":
            self.advance()
            text, inner, interp = self.delimited(ch, interpolates=True)
            kind = STRING if ch == '"' else CHARLIST
            if self.peek() == ":" and self.peek(1) in " \t\n\r":  # "quoted key": value
                self.advance()
                return Token(KEY, text, line, text, "", interp, inner)
            return Token(kind, text, line, text, "", interp, inner)
        if ch == "~" and (self.peek(1).isalpha()):
            return self.sigil(line)
        if ch == "?" and self.pos + 1 < len(self.src):
            return self.char_literal(line)
        if ch == ":" and self.peek(1) != ":":
            atom = self.atom(line)
            if atom is not None:
                return atom
        if ch == "@" and (self.peek(1).isalpha() or self.peek(1) == "_"):
            self.advance()
            m = _IDENT_RE.match(self.src, self.pos) or _ALIAS_RE.match(self.src, self.pos)
            assert m is not None
            self.advance(m.end() - self.pos)
            return Token(ATTR, "@" + m.group(), line, m.group())
        if ch.isdigit():
            m = _NUMBER_RE.match(self.src, self.pos)
            assert m is not None
            text = self.advance(m.end() - self.pos)
            return Token(NUMBER, text, line, text.replace("_", ""))
        m = _IDENT_RE.match(self.src, self.pos) or _ALIAS_RE.match(self.src, self.pos)
        if m:
            text = m.group()
            after = m.end()
            # `name: value`: a keyword key, unless it is the `::` operator.
            if self.src[after : after + 1] == ":" and self.src[after + 1 : after + 2] in (
                " ", "\t", "\n", "\r",
            ):  # fmt: skip
                self.advance(after + 1 - self.pos)
                return Token(KEY, text + ":", line, text)
            self.advance(len(text))
            if text[0].isupper():
                return Token(ALIAS, text, line, text)
            if text in _WORD_OPERATORS:
                return Token(OP, text, line)
            return Token(IDENT, text, line, text)
        for op in _SYMBOL_OPERATORS:
            if self.startswith(op):
                self.advance(len(op))
                return Token(OP, op, line)
        # Anything else (a non-ASCII identifier, say) is one token of its own.
        m = re.compile(r"\w+", re.UNICODE).match(self.src, self.pos)
        text = self.advance(m.end() - self.pos if m else 1)
        return Token(IDENT, text, line, text)

    # ---- literals --------------------------------------------------------------------------

    def delimited(self, close: str, *, interpolates: bool) -> tuple[str, list[Token], bool]:
        """The text up to an unescaped `close` (after the opening delimiter); decoded."""
        start_line = self.line
        out: list[str] = []
        inner: list[Token] = []
        interp = False
        while True:
            if self.pos >= len(self.src):
                raise ElixirSyntaxError(f"unterminated literal (missing {close})", start_line)
            ch = self.peek()
            if ch == "\\":
                nxt = self.peek(1)
                self.advance(2)
                if not interpolates:
                    # Uppercase sigils keep escapes, except an escaped delimiter.
                    out.append(nxt if nxt == close else "\\" + nxt)
                else:
                    out.append(_ESCAPES.get(nxt, "" if nxt == "\n" else nxt))
                continue
            if interpolates and ch == "#" and self.peek(1) == "{":
                interp = self.interpolation(out, inner)
                continue
            if ch == close:
                self.advance()
                return "".join(out), inner, interp
            out.append(self.advance())

    def interpolation(self, out: list[str], inner: list[Token]) -> bool:
        """Consume `#{...}`: its tokens go to `inner`, a marker to the text. Returns True."""
        self.advance(2)
        inner.extend(self.run(until_brace=True))
        out.append("#{...}")
        return True

    def heredoc(self, quote: str, *, interpolates: bool) -> tuple[str, list[Token], bool]:
        """A \"\"\" or ''' heredoc: text up to the line whose first non-blank is the same quotes."""
        start_line = self.line
        self.advance(3)
        # The opening quotes end their line (anything after them is an error in Elixir).
        while self.pos < len(self.src) and self.peek() != "\n":
            if self.peek() not in " \t\r":
                raise ElixirSyntaxError("heredoc quotes must end their line", self.line)
            self.advance()
        self.advance()
        out: list[str] = []
        inner: list[Token] = []
        interp = False
        at_line_start = True
        while True:
            if self.pos >= len(self.src):
                raise ElixirSyntaxError(f"unterminated heredoc (missing {quote * 3})", start_line)
            if at_line_start:
                m = re.compile(r"[ \t]*").match(self.src, self.pos)
                assert m is not None
                if self.src.startswith(quote * 3, m.end()):
                    self.advance(m.end() - self.pos + 3)
                    return "".join(out), inner, interp
                at_line_start = False
            ch = self.peek()
            if ch == "\\" and interpolates:
                nxt = self.peek(1)
                self.advance(2)
                out.append(_ESCAPES.get(nxt, "" if nxt == "\n" else nxt))
                at_line_start = nxt == "\n"
                continue
            if ch == "\\":
                out.append(self.advance(2))
                continue
            if interpolates and ch == "#" and self.peek(1) == "{":
                interp = self.interpolation(out, inner)
                continue
            out.append(self.advance())
            at_line_start = ch == "\n"

    def sigil(self, line: int) -> Token:
        self.advance()  # ~
        m = re.compile(r"[a-z]|[A-Z][A-Z0-9]*").match(self.src, self.pos)
        if m is None:
            raise ElixirSyntaxError("invalid sigil name", line)
        letters = self.advance(m.end() - self.pos)
        interpolates = letters.islower()
        if self.startswith('"""') or self.startswith("'''"):
            text, inner, interp = self.heredoc(self.peek(), interpolates=interpolates)
        else:
            opener = self.peek()
            if opener not in _SIGIL_DELIMITERS:
                raise ElixirSyntaxError(f"invalid sigil delimiter {opener!r}", line)
            self.advance()
            text, inner, interp = self.delimited(
                _SIGIL_PAIRS.get(opener, opener), interpolates=interpolates
            )
        mods = re.compile(r"[A-Za-z0-9]*").match(self.src, self.pos)
        assert mods is not None
        self.advance(mods.end() - self.pos)
        return Token(SIGIL, "~" + letters, line, text, letters, interp, inner)

    def char_literal(self, line: int) -> Token:
        self.advance()  # ?
        if self.peek() == "\\":
            nxt = self.peek(1)
            self.advance(2)
            return Token(CHAR, "?\\" + nxt, line, _ESCAPES.get(nxt, nxt))
        ch = self.advance()
        return Token(CHAR, "?" + ch, line, ch)

    def atom(self, line: int) -> Token | None:
        nxt = self.peek(1)
        if nxt in "\"'":
            self.advance(2)
            text, inner, interp = self.delimited(nxt, interpolates=True)
            return Token(ATOM, ':"' + text + '"', line, text, "", interp, inner)
        m = _IDENT_RE.match(self.src, self.pos + 1) or _ALIAS_RE.match(self.src, self.pos + 1)
        if m:
            end = m.end()
            # :erlang_module.function and :"A.B" are rare; a dotted alias atom is :Elixir.Foo
            while (
                end < len(self.src) and self.src[end] == "." and _ALIAS_RE.match(self.src, end + 1)
            ):
                m2 = _ALIAS_RE.match(self.src, end + 1)
                assert m2 is not None
                end = m2.end()
            text = self.src[self.pos + 1 : end]
            self.advance(end - self.pos)
            return Token(ATOM, ":" + text, line, text)
        for op in _ATOM_OPERATORS:
            if self.src.startswith(op, self.pos + 1):
                self.advance(1 + len(op))
                return Token(ATOM, ":" + op, line, op)
        return None


def _join_aliases(tokens: list[Token]) -> list[Token]:
    """`MyApp` `.` `Repo` becomes one ALIAS token `MyApp.Repo` (also `__MODULE__.Repo`)."""
    out: list[Token] = []
    for tok in tokens:
        if (
            tok.kind == ALIAS
            and len(out) >= 2
            and out[-1].is_op(".")
            and out[-2].kind == ALIAS
            and out[-2].line == out[-1].line
        ):
            out.pop()
            prev = out.pop()
            out.append(
                Token(ALIAS, f"{prev.text}.{tok.text}", prev.line, f"{prev.value}.{tok.value}")
            )
        else:
            out.append(tok)
    return out


# ---- statements ----------------------------------------------------------------------------


@dataclass
class Stmt:
    """One expression at its level: its tokens up to `do`, and the statements of its block.

    `tokens` holds the head, including everything nested in brackets and in inline
    `fn ... end`s; `body` holds the statements between `do` and the matching `end` (the
    sections after `else`, `rescue`, `catch` and `after` follow, as statements too).
    """

    tokens: list[Token]
    body: list[Stmt] | None = None
    end_line: int = 0

    @property
    def line(self) -> int:
        return self.tokens[0].line if self.tokens else self.end_line

    @property
    def head(self) -> str:
        """The first word: `config`, `scope`, `def`, `plug`, a variable..."""
        return self.tokens[0].text if self.tokens else ""

    def all_tokens(self) -> Iterator[Token]:
        """Every token of the statement and of its block, interpolations included."""
        yield from walk(self.tokens)
        for stmt in self.body or ():
            yield from stmt.all_tokens()


def statements(tokens: list[Token]) -> list[Stmt]:
    """Split tokens into statements, with `do ... end` blocks as bodies."""
    out, i = _statements(tokens, 0, top=True)
    if i < len(tokens):  # a stray `end`
        raise ElixirSyntaxError("unexpected `end`", tokens[i].line)
    return out


def parse(source: str) -> list[Stmt]:
    return statements(tokenize(source))


def _statements(tokens: list[Token], i: int, *, top: bool) -> tuple[list[Stmt], int]:
    out: list[Stmt] = []
    current: list[Token] = []
    depth: list[str] = []  # open brackets and `fn`s inside the current statement
    while i < len(tokens):
        tok = tokens[i]
        if not depth and tok.is_ident("end"):
            if top:
                raise ElixirSyntaxError("unexpected `end`", tok.line)
            if current:
                out.append(Stmt(current))
            return out, i
        if not depth and tok.is_ident("else", "rescue", "catch", "after") and not top:
            # A new section of the enclosing block; its words stay as a statement of their own.
            if current:
                out.append(Stmt(current))
            out.append(Stmt([tok]))
            current = []
            i += 1
            continue
        if not depth and (tok.kind == NEWLINE or tok.is_op(";")):
            if current and not _continues(current, tokens, i):
                out.append(Stmt(current))
                current = []
            i += 1
            continue
        if not depth and tok.is_ident("do"):
            body, j = _statements(tokens, i + 1, top=False)
            if j >= len(tokens):
                raise ElixirSyntaxError("`do` without `end`", tok.line)
            out.append(Stmt(current or [tok], body, tokens[j].line))
            current = []
            i = j + 1
            continue
        if tok.kind == OP and tok.text in _OPENERS:
            depth.append(_OPENERS[tok.text])
        elif tok.is_ident("fn") or (depth and tok.is_ident("do")):
            depth.append("end")
        elif tok.kind == OP and tok.text in _CLOSERS:
            if not depth or depth[-1] != tok.text:
                raise ElixirSyntaxError(f"unbalanced {tok.text!r}", tok.line)
            depth.pop()
        elif depth and tok.is_ident("end"):
            if depth[-1] != "end":
                raise ElixirSyntaxError("unbalanced `end`", tok.line)
            depth.pop()
        if tok.kind != NEWLINE:
            current.append(tok)
        i += 1
    if depth:
        raise ElixirSyntaxError(f"unclosed {depth[-1]!r}", current[0].line if current else 0)
    if not top:
        raise ElixirSyntaxError("`do` without `end`", tokens[-1].line if tokens else 0)
    if current:
        out.append(Stmt(current))
    return out, i


def _continues(current: list[Token], tokens: list[Token], i: int) -> bool:
    last = current[-1]
    if last.kind == OP and last.text in _CONTINUES_AFTER:
        return True
    j = i
    while j < len(tokens) and tokens[j].kind == NEWLINE:
        j += 1
    return j < len(tokens) and tokens[j].kind == OP and tokens[j].text in _CONTINUES_BEFORE


# ---- reading values ------------------------------------------------------------------------


class Unknown:
    """A value the reader cannot know without running the code (a call, a variable)."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens

    def __repr__(self) -> str:
        return f"Unknown({' '.join(t.text for t in self.tokens)!r})"


def split_top(tokens: list[Token], sep: str = ",") -> list[list[Token]]:
    """Split on `sep` at bracket depth 0 (an empty list gives no parts)."""
    parts: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for tok in tokens:
        if (tok.kind == OP and tok.text in _OPENERS) or tok.is_ident("fn"):
            depth += 1
        elif (tok.kind == OP and tok.text in _CLOSERS) or tok.is_ident("end"):
            depth -= 1
        elif depth == 0 and tok.kind == OP and tok.text == sep:
            parts.append(current)
            current = []
            continue
        current.append(tok)
    if current:
        parts.append(current)
    return parts


def call_args(tokens: list[Token]) -> list[list[Token]]:
    """The arguments of a call written `name arg, ...` or `name(arg, ...)`; tokens[0] is name."""
    rest = tokens[1:]
    if rest and rest[0].is_op("(") and _closing(rest, 0) == len(rest) - 1:
        rest = rest[1:-1]
    return split_top(rest)


def _closing(tokens: list[Token], start: int) -> int:
    """Index of the bracket closing tokens[start]."""
    depth = 0
    for j in range(start, len(tokens)):
        tok = tokens[j]
        if tok.kind == OP and tok.text in _OPENERS:
            depth += 1
        elif tok.kind == OP and tok.text in _CLOSERS:
            depth -= 1
            if depth == 0:
                return j
    return -1


def keywords(arg_parts: list[list[Token]]) -> dict[str, list[Token]]:
    """`key: value` pairs among already split arguments (a trailing keyword list)."""
    out: dict[str, list[Token]] = {}
    for part in arg_parts:
        if part and part[0].kind == KEY:
            out[str(part[0].value)] = part[1:]
    return out


def literal(tokens: list[Token]) -> Any:
    """The Python value of a literal (string, atom, number, boolean, nil, list, keyword list,
    tuple); `Unknown` for anything computed. Atoms come back as ':name' strings."""
    if len(tokens) == 1:
        tok = tokens[0]
        if tok.kind == STRING and not tok.interpolated:
            return tok.value
        if tok.kind == SIGIL and tok.sigil in ("s", "S") and not tok.interpolated:
            return tok.value
        if tok.kind == SIGIL and tok.sigil in ("w", "W") and not tok.interpolated:
            return str(tok.value).split()
        if tok.kind == ATOM:
            return ":" + str(tok.value)
        if tok.kind == ALIAS:
            return tok.value
        if tok.kind == NUMBER:
            text = str(tok.value)
            try:
                return int(text, 0) if not re.search(r"[.eE]", text) else float(text)
            except ValueError:
                return Unknown(tokens)
        if tok.kind == IDENT and tok.text in ("true", "false", "nil"):
            return {"true": True, "false": False, "nil": None}[tok.text]
    if len(tokens) >= 2 and tokens[0].is_op("[") and _closing(tokens, 0) == len(tokens) - 1:
        parts = split_top(tokens[1:-1])
        if parts and all(p and p[0].kind == KEY for p in parts):
            return {str(p[0].value): literal(p[1:]) for p in parts}
        return [literal(p) for p in parts]
    if len(tokens) >= 2 and tokens[0].is_op("{") and _closing(tokens, 0) == len(tokens) - 1:
        return tuple(literal(p) for p in split_top(tokens[1:-1]))
    return Unknown(tokens)


def module_name(stmt: Stmt) -> str | None:
    """`defmodule A.B do`: 'A.B'."""
    if stmt.head == "defmodule" and len(stmt.tokens) >= 2 and stmt.tokens[1].kind == ALIAS:
        return str(stmt.tokens[1].value)
    return None


def iter_statements(stmts: list[Stmt]) -> Iterator[tuple[Stmt, list[Stmt]]]:
    """Every statement at every depth, with the chain of statements whose bodies hold it."""

    def go(level: list[Stmt], chain: list[Stmt]) -> Iterator[tuple[Stmt, list[Stmt]]]:
        for stmt in level:
            yield stmt, chain
            if stmt.body:
                yield from go(stmt.body, [*chain, stmt])

    yield from go(stmts, [])


def source_text(tokens: list[Token]) -> str:
    """The tokens as a person would write them on one line (for messages)."""
    out = " ".join(t.text if t.kind not in (STRING,) else f'"{t.value}"' for t in tokens)
    out = re.sub(r" ?\. ?", ".", out)
    out = re.sub(r"([(\[{]) ", r"\1", out)
    return re.sub(r" ([)\]},])", r"\1", out).replace(" (", "(")
