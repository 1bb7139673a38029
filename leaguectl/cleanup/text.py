"""Showing league data in Discord texts and reports: safe, bounded, literal.

Command names and creator names come from the league API and may be hostile:
600 characters long, full of markdown, line breaks, control characters or
lone surrogates (which no UTF-8 request body can carry). Every such text is
passed through :func:`display` before it is shown anywhere, so a name can
neither break a message's layout nor its encoding, nor blow a length limit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from leaguectl.discord_fit import ELLIPSIS

NAME_LIMIT = 100
"""Most characters of a command name shown in a line (real names have at most 32)."""
LABEL_LIMIT = 60
"""Most characters of a creator's name shown in a line."""
REPLACEMENT = "\ufffd"

_MARKDOWN = str.maketrans({char: f"\\{char}" for char in "\\*_~`|>[]<"})
_BREAKING = {"Zl", "Zp"}
_UNSHOWABLE = {"Cc", "Cs", "Co", "Cn"}


def display(text: str, limit: int = NAME_LIMIT, *, empty: str = "(no name)") -> str:
    """``text`` on one line, without unshowable characters, cut to ``limit`` with "…"."""
    shown: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category in _BREAKING:
            if shown and shown[-1] != " ":
                shown.append(" ")
        elif category in _UNSHOWABLE:
            shown.append(REPLACEMENT)
        else:
            shown.append(char)
        if len(shown) > limit:
            break
    result = "".join(shown).strip()
    if not result:
        return empty
    if len(result) > limit:
        result = result[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return result


def escape(text: str) -> str:
    """Text shown literally in Discord markdown (a name with ``*`` or ``_`` stays as typed)."""
    return text.translate(_MARKDOWN)


def code(text: str) -> str:
    """Text inside a ``code span``: a backtick would end it, so it is shown as a similar mark."""
    return text.replace("`", "ʼ")


def plural(count: int, word: str, suffix: str = "s") -> str:
    """``1 command``, ``2 commands``."""
    return f"{count} {word}{'' if count == 1 else suffix}"


def encodable(value: Any, *, budget: int = 10_000) -> bool:
    """Whether every string in a JSON value can be sent in a UTF-8 request body.

    A lone surrogate (``"\\ud83d"`` in the JSON) cannot; a row holding one can be
    read but never written back. ``budget`` bounds the walk over a hostile value.
    """
    stack: list[Any] = [value]
    seen = 0
    while stack:
        seen += 1
        if seen > budget:
            return False
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(_keys_and_values(item.items()))
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return True


def _keys_and_values(items: Iterable[tuple[Any, Any]]) -> Iterable[Any]:
    for key, value in items:
        yield key
        yield value
