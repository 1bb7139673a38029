"""A strict, small reader for the bot's ``.env`` file (``--env-file`` / ``LEAGUECTL_ENV_FILE``).

The league's bot already keeps its tokens and URLs in a ``.env`` file; reading
that file lets leaguectl reuse it without copying secrets around. The syntax is
the common subset every ``.env`` reader agrees on, and anything outside it is an
error naming ``file:line`` rather than a guess:

- ``KEY=VALUE``, with optional spaces around ``=`` and an optional ``export ``
  prefix; ``KEY`` is letters, digits and underscores, not starting with a digit;
- blank lines and lines starting with ``#`` are ignored; in an unquoted value,
  `` #`` (a space, then ``#``) starts a comment;
- ``'single quotes'`` keep the text exactly; ``"double quotes"`` understand the
  escapes ``\\\\``, ``\\"``, ``\\n``, ``\\t`` and ``\\$``; a quoted value ends on its line;
- no variable expansion: ``$`` is an ordinary character;
- a key given twice takes its last value (as a shell would).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "$": "$"}


class DotenvSyntaxError(ValueError):
    """A line of a ``.env`` file that is not ``KEY=VALUE``; ``line`` is 1-based."""

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}")


@dataclass(frozen=True)
class DotenvValue:
    """One value of the file and the line it came from (for provenance)."""

    value: str
    line: int


def parse_dotenv(text: str) -> dict[str, DotenvValue]:
    """Parse ``.env`` text into ``{KEY: DotenvValue}``; raises only :class:`DotenvSyntaxError`."""
    values: dict[str, DotenvValue] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        parsed = _parse_line(line, number)
        if parsed is not None:
            key, value = parsed
            values[key] = DotenvValue(value, number)
    return values


def _parse_line(line: str, number: int) -> tuple[str, str] | None:
    """One line: None for blank lines and comments, else ``(key, value)``."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if stripped.startswith("export") and stripped[6:7] in (" ", "\t"):
        stripped = stripped[6:].lstrip()
    key_match = _KEY.match(stripped)
    if key_match is None:
        raise DotenvSyntaxError(number, "expected KEY=VALUE (KEY: letters, digits and _, not starting with a digit)")
    key = key_match.group()
    rest = stripped[key_match.end() :].lstrip()
    if not rest.startswith("="):
        raise DotenvSyntaxError(number, f"expected '=' after {key}")
    return key, _parse_value(rest[1:].lstrip(), number)


def _parse_value(text: str, number: int) -> str:
    if text.startswith("'"):
        end = text.find("'", 1)
        if end < 0:
            raise DotenvSyntaxError(number, "single-quoted value does not end on this line (add the closing ')")
        _expect_end(text[end + 1 :], number)
        return text[1:end]
    if text.startswith('"'):
        value, end = _double_quoted(text, number)
        _expect_end(text[end:], number)
        return value
    comment = re.search(r"\s#", text)
    value = text[: comment.start()] if comment else text
    return value.rstrip()


def _double_quoted(text: str, number: int) -> tuple[str, int]:
    """The value of a double-quoted string starting at ``text[0]``, and the index after its closing quote."""
    out: list[str] = []
    index = 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return "".join(out), index + 1
        if char == "\\":
            escaped = text[index + 1 : index + 2]
            if escaped not in _ESCAPES:
                shown = repr(escaped) if escaped else "the end of the line"
                raise DotenvSyntaxError(number, f"unknown escape \\ before {shown} (use \\\\ for a backslash)")
            out.append(_ESCAPES[escaped])
            index += 2
            continue
        out.append(char)
        index += 1
    raise DotenvSyntaxError(number, 'double-quoted value does not end on this line (add the closing ")')


def _expect_end(rest: str, number: int) -> None:
    """After a closing quote only spaces or a comment may follow."""
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        raise DotenvSyntaxError(number, f"unexpected text after the closing quote: {rest[:20]!r}")
