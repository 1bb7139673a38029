"""Reading one league API row strictly: :class:`ModelError`, the field converters, the row reader.

The models in :mod:`leaguectl.models` are built from these: each converter takes
any JSON value and returns the field's type or raises :class:`Mistyped`;
:class:`Row` turns that into a :class:`ModelError` naming the model, the row id
and the field, and tells required, optional, defaulted and lenient fields apart
(see the parsing rules in :mod:`leaguectl.models`).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar

#: Digits an integer field may have as text; ids are at most 20, so more is garbage, not a number.
_MAX_INT_DIGITS = 40
_INT_LIMIT = 10**_MAX_INT_DIGITS
_MISSING_PROBLEMS = ("is missing", "is null")
_INT_TEXT = re.compile(r"[+-]?\d+")
_TRUE_TEXT = frozenset({"true", "1"})
_FALSE_TEXT = frozenset({"false", "0"})

T = TypeVar("T")


class ModelError(ValueError):
    """A league API row does not fit its model; says which model, row and field."""

    def __init__(self, model: str, row_id: object, field: str, problem: str) -> None:
        self.model = model
        self.row_id = row_id
        self.field = field
        self.problem = problem
        super().__init__(self._message())

    def _message(self) -> str:
        if self.row_id is None:
            who = f"{self.model} (no id)"
        elif isinstance(self.row_id, int) and not isinstance(self.row_id, bool) and abs(self.row_id) < _INT_LIMIT:
            who = f"{self.model} id {self.row_id}"
        else:
            who = f"{self.model} id {_show(self.row_id)}"
        if not self.field:
            return f"{who}: {self.problem}"
        if self.problem in _MISSING_PROBLEMS:
            return f"{who}: field '{self.field}' {self.problem}"
        return f"{who}: {self.field}: {self.problem}"


class Mistyped(Exception):
    """Raised by a converter; the text is the problem, e.g. "expected a number, got 'x'"."""


def _show(value: object) -> str:
    """A short, safe rendering of a hostile value for an error message."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _INT_LIMIT:
        return "a number of more than 40 digits"
    try:
        text = repr(value)
    except (RecursionError, ValueError):
        return f"a deeply nested {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(what: str, value: object) -> Mistyped:
    return Mistyped(f"expected {what}, got {_show(value)}")


def to_int(value: object) -> int:
    """An integer, also from an integral float or a numeric string (ids often arrive as text)."""
    if isinstance(value, bool):
        raise _expected("an integer", value)
    if isinstance(value, int):
        if abs(value) >= _INT_LIMIT:
            raise _expected("an integer", value)
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < _INT_LIMIT:
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= _MAX_INT_DIGITS + 1 and _INT_TEXT.fullmatch(text):
            return int(text)
    raise _expected("an integer", value)


def to_count(value: object) -> int:
    """A number of games: an integer that is not negative."""
    number = to_int(value)
    if number < 0:
        raise _expected("a count of at least 0", value)
    return number


def to_user_id(value: object) -> int:
    """A Discord user id: a positive integer (a snowflake)."""
    number = to_int(value)
    if number <= 0 or number >= 2**64:
        raise _expected("a Discord user id", value)
    return number


def to_float(value: object) -> float:
    """A finite number, also from a numeric string."""
    if isinstance(value, bool):
        raise _expected("a number", value)
    try:
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            number = float(value.strip())
        else:
            raise _expected("a number", value)
    except (ValueError, OverflowError):
        raise _expected("a number", value) from None
    if not math.isfinite(number):
        raise _expected("a finite number", value)
    return number


def to_str(value: object) -> str:
    """A string as it is (no conversion: a number where text belongs is an error)."""
    if isinstance(value, str):
        return value
    raise _expected("a string", value)


def to_name(value: object) -> str:
    """A string that identifies something (an abbreviation, a moveid): not blank."""
    text = to_str(value)
    if not text.strip():
        raise _expected("a non-blank string", value)
    return text


def to_bool(value: object) -> bool:
    """A flag: true/false, 0/1, or their text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_TEXT:
            return True
        if text in _FALSE_TEXT:
            return False
    raise _expected("true or false", value)


def to_text(value: object) -> str:
    """Any scalar as text (``bet_week``, colours written as bare numbers)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, int) and abs(value) >= _INT_LIMIT:
            raise _expected("a string", value)
        return str(value)
    raise _expected("a string", value)


def to_str_tuple(value: object) -> tuple[str, ...]:
    """A list of strings (a command's tags), as an immutable tuple."""
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _expected("a list of strings", value)


class Row:
    """Reads one API row for one model, turning every problem into a :class:`ModelError`."""

    def __init__(self, model: str, data: object, naive_tz: tzinfo) -> None:
        self.model = model
        self.naive_tz = naive_tz
        if not isinstance(data, Mapping):
            raise ModelError(model, None, "", f"expected an object, got {_show(data)}")
        self.data: Mapping[str, Any] = data
        self.row_id: object = _readable_id(data.get("id"))

    def fail(self, name: str, problem: str) -> NoReturn:
        raise ModelError(self.model, self.row_id, name, problem)

    def required(self, name: str, convert: Callable[[object], T]) -> T:
        if name not in self.data:
            self.fail(name, "is missing")
        value = self.data[name]
        if value is None:
            self.fail(name, "is null")
        return self._convert(name, value, convert)

    def optional(self, name: str, convert: Callable[[object], T]) -> T | None:
        """A field that may be absent, null or (for ids) an empty string."""
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and value == ""):
            return None
        return self._convert(name, value, convert)

    def defaulted(self, name: str, convert: Callable[[object], T], default: T) -> T:
        value = self.optional(name, convert)
        return default if value is None else value

    def lenient(self, name: str, convert: Callable[[object], T]) -> T | None:
        """A field nobody relies on: a bad value reads as absent rather than failing the row."""
        try:
            return self.optional(name, convert)
        except ModelError:
            return None

    def lenient_default(self, name: str, convert: Callable[[object], T], default: T) -> T:
        value = self.lenient(name, convert)
        return default if value is None else value

    def _convert(self, name: str, value: object, convert: Callable[[object], T]) -> T:
        try:
            return convert(value)
        except Mistyped as exc:
            self.fail(name, str(exc))

    def to_datetime(self, value: object) -> datetime:
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                raise _expected("an ISO 8601 datetime", value) from None
        else:
            raise _expected("an ISO 8601 datetime", value)
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=self.naive_tz)

    def nested(self, name: str, model: Callable[..., T], *, required: bool = True) -> T | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, "is missing" if name not in self.data else "is null")
            return None
        if not isinstance(value, Mapping):
            self.fail(name, f"expected an object, got {_show(value)}")
        try:
            return model(value, naive_tz=self.naive_tz)
        except ModelError as inner:
            path = f"{name}.{inner.field}" if inner.field else name
            raise ModelError(self.model, self.row_id, path, inner.problem) from None

    def nested_required(self, name: str, model: Callable[..., T]) -> T:
        value = self.nested(name, model, required=True)
        assert value is not None  # nested(required=True) raises instead of returning None
        return value


def _readable_id(value: object) -> object:
    """The row's ``id`` as error messages show it: an int when it reads as one, else the value."""
    try:
        return to_int(value)
    except Mistyped:
        return value


def frozen_copy(row: Row) -> Mapping[str, Any]:
    """The row as served, copied and read-only: a model keeps it to write the row back whole."""
    try:
        return MappingProxyType(copy.deepcopy(dict(row.data)))
    except RecursionError:
        row.fail("", "nested too deeply to be a league API row")
