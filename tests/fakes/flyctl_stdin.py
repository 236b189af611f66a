"""Faithful ports of the flyctl code that reads secret values from stdin (flyctl ad0172fa).

- `parse_secrets`: internal/command/secrets/parser.go `parseSecrets`, which `fly secrets import`
  runs over stdin (internal/command/secrets/import.go `runImport`). It reads through a
  `bufio.Scanner` with Go's default `ScanLines` split and 64 KiB token limit, and ignores
  `scanner.Err()`: `scan_lines` ports that reading.
- `read_stdin`: helpers/stdin.go `ReadStdin`, which `fly secrets set NAME=-` calls with
  64 * 1024 (internal/command/secrets/set.go `runSet`).

Go strings are bytes. The ports take bytes and return `str` decoded with `surrogateescape`, so
a byte that is not UTF-8 survives the round trip and `.encode("utf-8", "surrogateescape")`
gives back exactly what flyctl would send to Fly. The fake flyctl and the adapter's property
test both use these; nothing here is shaped to the adapter.
"""

from __future__ import annotations

# Go bufio.MaxScanTokenSize: the Scanner's buffer never grows past this many bytes.
MAX_SCAN_TOKEN_SIZE = 64 * 1024
# helpers/stdin.go callers: secrets/set.go passes 64 * 1024.
SET_STDIN_MAX = 64 * 1024

# Go unicode.IsSpace: Latin-1 '\t', '\n', '\v', '\f', '\r', ' ', U+0085, U+00A0, and above
# Latin-1 the White_Space property. Python's str.isspace also counts U+001C..U+001F.
GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class GoPanic(Exception):
    """A runtime panic in flyctl (main.go recovers it: exit 3)."""


class ParseError(Exception):
    """parseSecrets' error, without flyctl's `Failed to parse secrets from stdin: ` prefix."""


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def go_trim_space(text: str) -> str:
    """strings.TrimSpace (unicode.IsSpace on each end)."""
    start, end = 0, len(text)
    while start < end and text[start] in GO_SPACE:
        start += 1
    while end > start and text[end - 1] in GO_SPACE:
        end -= 1
    return text[start:end]


def scan_lines(data: bytes) -> list[bytes]:
    """The lines a bufio.Scanner with ScanLines yields before it stops.

    Each line loses its "\\n" and one "\\r" before it (`dropCR`), also the last line, which
    needs no "\\n". A line that does not fit the buffer with its "\\n" (65536 bytes or more,
    counting its "\\r") ends the scan with ErrTooLong; parseSecrets never asks `scanner.Err()`,
    so that line and every later one are dropped without a word.
    """
    lines: list[bytes] = []
    start = 0
    while start < len(data):
        newline = data.find(b"\n", start)
        end = len(data) if newline < 0 else newline
        line = data[start:end]
        if len(line) >= MAX_SCAN_TOKEN_SIZE:
            break
        lines.append(line[:-1] if line.endswith(b"\r") else line)
        start = end + 1
    return lines


def parse_secrets(data: bytes) -> dict[str, str]:
    """parser.go parseSecrets, statement for statement."""
    secrets: dict[str, str] = {}
    multiline = False
    parsed_key = ""
    parsed_val: list[str] = []
    for raw in scan_lines(data):
        line = _decode(raw)
        if not multiline:
            # Skip comments and empty lines
            if line.startswith("#") or go_trim_space(line) == "":
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise ParseError(
                    f"Secrets must be provided as NAME=VALUE pairs ({line} is invalid)"
                )
            key = go_trim_space(key)
            value = value.lstrip(" ")
            before, hash_sign, _ = value.partition("#")
            if hash_sign and before.count('"') % 2 == 0:
                value = before.rstrip(" ")
            if value.startswith('"""') and value.endswith('"""') and len(value) >= 6:
                secrets[key] = value[3:-3]
            elif value.startswith('"""'):
                multiline = True
                parsed_key = key
                parsed_val = [value.removeprefix('"""'), "\n"]
            else:
                if value.startswith('"') and value.endswith('"'):  # noqa: SIM114 - as parser.go
                    value = _slice_quotes(value)
                elif value.startswith("'") and value.endswith("'"):
                    value = _slice_quotes(value)
                secrets[key] = value
        elif line.endswith('"""'):
            parsed_val.append(line[:-3])
            secrets[parsed_key] = "".join(parsed_val)
            parsed_val = []
            multiline = False
            parsed_key = ""
        else:
            parsed_val.append(line + "\n")
    # A `"""` never closed: the key is dropped, and parseSecrets returns no error.
    return secrets


def _slice_quotes(value: str) -> str:
    # `value[1 : len(value)-1]` in Go: a lone `"` or `'` is [1:0], which panics.
    if len(value) < 2:
        raise GoPanic("runtime error: slice bounds out of range [1:0]")
    return value[1:-1]


class StdinTooLong(Exception):
    """ReadStdin's error."""


def read_stdin(data: bytes, max_length: int = SET_STDIN_MAX) -> str:
    """helpers/stdin.go ReadStdin: rune by rune, at most max_length bytes, then TrimSpace.

    bufio.Reader.ReadRune reads a byte that starts no valid UTF-8 sequence as U+FFFD of size 1,
    so such bytes arrive replaced (Python's "replace" groups some of them; Go does not).
    """
    if len(data) > max_length:
        raise StdinTooLong(f"Input exceeded max length of {max_length} bytes")
    out: list[str] = []
    i = 0
    while i < len(data):
        for size in (1, 2, 3, 4):
            try:
                out.append(data[i : i + size].decode("utf-8"))
            except UnicodeDecodeError:
                continue
            i += size
            break
        else:
            out.append("\ufffd")
            i += 1
    return go_trim_space("".join(out))
