"""Task problems and display-safe text: why a task message cannot be run, in one valid line.

A :class:`TaskProblem` names the message, the field, the problem and what to do (the advice
of :mod:`leaguectl.tasks.fixes`). Whatever a message holds (huge numbers, lone surrogates,
2000-character names), :func:`display` makes it one line of valid Unicode for reports, logs
and listings. Part of the typed task value; :mod:`leaguectl.tasks.model` is its public face.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leaguectl.tasks.fields import short_error
from leaguectl.tasks.fixes import fix_for

PROBLEM_LIMIT = 300
"""Longest problem text kept (values quoted in it can be anything a message holds)."""
LABEL_LIMIT = 80
"""Longest task name shown in reports, logs and listings."""


@dataclass(frozen=True, slots=True)
class TaskProblem:
    """Why a task message cannot be run: the message, the field, the problem, what to do.

    Every text in it is one line of valid Unicode (see :func:`display`), whatever the message held.
    """

    message_id: str
    author_id: str
    name: str
    field: str
    problem: str
    fix: str = ""

    @property
    def label(self) -> str:
        return display(self.name, LABEL_LIMIT)

    def describe(self) -> str:
        """``field: problem`` for reports and listings."""
        return f"{self.field}: {self.problem}"


def new_problem(message_id: str, author_id: str, name: str, field: str, problem: str,
                fields: Mapping[str, Any] | None) -> TaskProblem:
    """A :class:`TaskProblem` with display-safe texts and the advice of :mod:`leaguectl.tasks.fixes`."""
    text = display(_LONG_WORD.sub(_shortened, display(problem, 4 * PROBLEM_LIMIT)), PROBLEM_LIMIT)
    return TaskProblem(message_id, author_id, display(name, 10 * LABEL_LIMIT), field, text,
                       fix_for(field, text, fields, message_id))


_LONG_WORD = re.compile(r"\S{61,}")


def _shortened(match: re.Match[str]) -> str:
    """A long quoted value inside a problem, cut in its middle so the words after it survive."""
    word = match[0]
    return f"{word[:40]}…{word[-12:]}"


def display(value: object, limit: int) -> str:
    """Any value as one line of valid Unicode, at most ``limit`` characters (lone surrogates become U+FFFD)."""
    text = value if isinstance(value, str) else _short_repr(value, limit)
    if not text.isascii():
        text = valid_unicode(text)
    return short_error(text, limit)


def _short_repr(value: object, limit: int) -> str:
    """``str(value)`` without building huge texts from huge containers or numbers."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * limit:
        return f"<a number of about {int(value.bit_length() * 0.30103)} digits>"
    if isinstance(value, dict | list) and len(value) > limit:
        return f"<{type(value).__name__} of {len(value)} items>"
    text = str(value)
    return text[: limit * 2]


def valid_unicode(text: str) -> str:
    """``text`` with lone surrogates (from ``\\ud83d`` escapes) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def has_lone_surrogate(text: str) -> bool:
    """True when ``text`` holds a lone surrogate, which no Discord message can carry."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
