"""Relative times in scenario files: `${monday + 5d}`, `${now - 70d | naive}`.

A scenario file (README.md next to this file, "Scenario files") places its
world around a reference instant instead of at fixed dates, so the demo league
and an admin's own league are always "a few days before next Monday". This
module is the whole syntax:

    expression := base step*          (words separated by spaces)
    base       := now | monday | NAME (a name defined earlier in [times])
    step       := + SPAN | - SPAN     SPAN: 5d, 2h30m, 90s (units d h m s)
                | at HH:MM[:SS]       that wall-clock time, same day
                | in ZONE             same instant, seen in an IANA zone (or UTC)
                | month-end           the last day of that month, same wall time
    placeholder := ${expression} | ${expression | FORMAT}
    FORMAT     := iso | naive | unix | a strftime pattern (%Y %m %d %H %M %S %f %z %Z %a %A %b %B %j %%)

Every time carries a zone: `now` is UTC, `monday` (00:00 of the first Monday at
or after `now`, league time) is the league zone, `in ZONE` switches. Spans and
`at` work on that zone's wall clock, so `monday + 5d` is Saturday 00:00 league
time across a DST change, while `now - 2h` is exactly two hours earlier.
Formats: `iso` (default) is UTC with microseconds (`2026-03-09T05:00:00.000000+00:00`,
Discord's style), `naive` the wall time without offset (`2026-03-09T00:00:00`),
`unix` whole seconds; a strftime pattern renders the wall time in the time's zone.

Anything else is a :class:`TimeSyntaxError` whose message says what is wrong
and what is allowed; nothing here raises another exception on any input.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BUILT_IN = ("now", "monday")
"""Bases every expression may start from; names in [times] may not reuse them."""
KEYWORDS = frozenset({*BUILT_IN, "at", "in", "month-end", "utc"})
MAX_EXPRESSION = 200
"""Characters in one expression: a bound on the work any placeholder can cause."""

_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_SPAN = re.compile(r"(?:[0-9]{1,6}[dhms])+")
_SPAN_PART = re.compile(r"([0-9]{1,6})([dhms])")
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,40}(?:/[A-Za-z0-9_+-]{1,40}){0,3}")
_PLACEHOLDER = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_DIRECTIVE = re.compile(r"%(.?)", re.S)
STRFTIME_DIRECTIVES = "YmdHMSfzZaAbBj%"
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


class TimeSyntaxError(ValueError):
    """A time expression, placeholder or format that is not valid; the message says why."""


@dataclass(frozen=True)
class TimeFrame:
    """What expressions are resolved against: the reference instant, the league zone, named times."""

    now: datetime
    zone: ZoneInfo
    names: Mapping[str, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("TimeFrame.now must be an aware datetime")

    @property
    def monday(self) -> datetime:
        """00:00 league time of the first Monday at or after `now`."""
        return _guarded(self._monday)

    def _monday(self) -> datetime:
        local = self.now.astimezone(self.zone)
        candidate = datetime.combine(local.date() + timedelta(days=(7 - local.weekday()) % 7), time(0), self.zone)
        if candidate < self.now:
            candidate = datetime.combine(candidate.date() + timedelta(days=7), time(0), self.zone)
        return candidate

    def with_name(self, name: str, moment: datetime) -> TimeFrame:
        """This frame plus one more named time."""
        return TimeFrame(self.now, self.zone, {**self.names, name: moment})


def zone_named(name: str) -> ZoneInfo:
    """An IANA zone (or UTC) by name; a TimeSyntaxError naming it when there is none."""
    if name.upper() == "UTC":
        return ZoneInfo("UTC")
    if not _ZONE.fullmatch(name):
        raise TimeSyntaxError(f"{name!r} is not a time zone name (e.g. America/New_York, Europe/Berlin, UTC)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeSyntaxError(f"unknown time zone {name!r} (e.g. America/New_York, Europe/Berlin, UTC)") from None


def check_name(name: str) -> None:
    """A name for [times]: lower case, digits and _; not a keyword."""
    if not _NAME.fullmatch(name):
        raise TimeSyntaxError(f"{name!r} is not a usable name: use a-z, 0-9 and _, starting with a letter")
    if name in KEYWORDS:
        raise TimeSyntaxError(f"{name!r} is built in; pick another name")


def evaluate(expression: str, frame: TimeFrame) -> datetime:
    """The aware datetime an expression stands for (its zone is the one its steps leave it in)."""
    if len(expression) > MAX_EXPRESSION:
        raise TimeSyntaxError(f"expression longer than {MAX_EXPRESSION} characters")
    words = expression.split()
    if not words:
        raise TimeSyntaxError("empty time expression: start with now, monday or a name from [times]")
    moment = _base(words[0], frame)
    position = 1
    while position < len(words):
        moment, position = _step(words, position, moment)
    return moment


def _base(word: str, frame: TimeFrame) -> datetime:
    if word == "now":
        return _guarded(lambda: frame.now.astimezone(UTC))
    if word == "monday":
        return frame.monday
    if word in frame.names:
        return frame.names[word]
    defined = ", ".join(frame.names) or "none"
    hint = "; separate the steps with spaces (monday + 5d)" if re.search(r"[+-]", word) else ""
    raise TimeSyntaxError(
        f"{word!r} is not a time: start with now, monday or a name defined above in [times] (defined: {defined})" + hint
    )


def _step(words: list[str], position: int, moment: datetime) -> tuple[datetime, int]:
    """Apply the step starting at `words[position]`; returns the new moment and the next position."""
    word = words[position]
    if word in ("+", "-"):
        return _shift(moment, word, _operand(words, position, "a span such as 5d or 2h30m")), position + 2
    if word[0] in "+-":
        return _shift(moment, word[0], word[1:]), position + 1
    if word == "at":
        return _at(moment, _operand(words, position, "a time of day HH:MM")), position + 2
    if word == "in":
        zone = zone_named(_operand(words, position, "a time zone name"))
        return _guarded(lambda: moment.astimezone(zone)), position + 2
    if word == "month-end":
        last = calendar.monthrange(moment.year, moment.month)[1]
        return moment.replace(day=last), position + 1
    raise TimeSyntaxError(f"unexpected {word!r}: expected + or - a span (5d, 2h30m), at HH:MM, in ZONE or month-end")


def _operand(words: list[str], position: int, wanted: str) -> str:
    if position + 1 >= len(words):
        raise TimeSyntaxError(f"{words[position]!r} needs {wanted} after it")
    return words[position + 1]


def _shift(moment: datetime, sign: str, span: str) -> datetime:
    if not _SPAN.fullmatch(span):
        raise TimeSyntaxError(f"{span!r} is not a span: use numbers with units d, h, m, s, e.g. 5d, 2h30m, 90s")
    amounts = {"days": 0, "hours": 0, "minutes": 0, "seconds": 0}
    for number, unit in _SPAN_PART.findall(span):
        amounts[_UNITS[unit]] += int(number)
    delta = timedelta(**amounts)
    return _guarded(lambda: moment + delta if sign == "+" else moment - delta)


def _at(moment: datetime, clock: str) -> datetime:
    match = _CLOCK.fullmatch(clock)
    if not match:
        raise TimeSyntaxError(f"{clock!r} is not a time of day: use HH:MM or HH:MM:SS, e.g. 19:30")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise TimeSyntaxError(f"{clock!r} is not a time of day: hours 0-23, minutes and seconds 0-59")
    return moment.replace(hour=hour, minute=minute, second=second, microsecond=0)


def _guarded(compute: Callable[[], datetime]) -> datetime:
    """Run a datetime computation; leaving the calendar (years 1 to 9999) is a TimeSyntaxError."""
    try:
        return compute()
    except (OverflowError, ValueError):
        raise TimeSyntaxError("the time falls outside the years 1 to 9999") from None


def format_time(moment: datetime, form: str) -> str:
    """Render a time: iso (default), naive, unix or a strftime pattern in the time's own zone."""
    form = form.strip()
    if form in ("", "iso"):
        return _guarded(lambda: moment.astimezone(UTC)).isoformat(timespec="microseconds")
    if form == "unix":
        return str(int(_guarded(lambda: moment.astimezone(UTC)).timestamp()))
    wall = _wall(moment)
    if form == "naive":
        return wall.replace(tzinfo=None).isoformat()
    if "%" in form:
        _check_pattern(form)
        try:
            return wall.strftime(form)
        except ValueError:  # e.g. a lone surrogate from a JSON escape: not encodable for strftime
            raise TimeSyntaxError(f"format {form!r} cannot be rendered") from None
    raise TimeSyntaxError(f"unknown format {form!r}: use iso, naive, unix or a strftime pattern such as %Y-%m-%d")


def _wall(moment: datetime) -> datetime:
    """The moment as its own zone shows it (a wall time in a DST gap moves forward, as zoneinfo does)."""
    zone: tzinfo = moment.tzinfo or UTC
    return _guarded(lambda: moment.astimezone(UTC).astimezone(zone))


def _check_pattern(pattern: str) -> None:
    for match in _DIRECTIVE.finditer(pattern):
        if match[1] == "" or match[1] not in STRFTIME_DIRECTIVES:
            shown = "%" + match[1]
            allowed = " ".join("%" + d for d in STRFTIME_DIRECTIVES)
            raise TimeSyntaxError(f"{shown!r} is not an allowed strftime directive (allowed: {allowed})")


def render(text: str, frame: TimeFrame) -> str:
    """`text` with every `${expression | format}` replaced; `$${` stands for a literal `${`."""

    def replace(match: re.Match[str]) -> str:
        whole = match[0]
        if whole == "$${":
            return "${"
        if match[1] is None:
            raise TimeSyntaxError("'${' without a closing '}' (write $${ for a literal ${)")
        expression, _, form = match[1].partition("|")
        try:
            return format_time(evaluate(expression, frame), form)
        except TimeSyntaxError as exc:
            shown = whole if len(whole) <= 60 else whole[:57] + "...}"
            raise TimeSyntaxError(f"{shown}: {exc}") from None

    return _PLACEHOLDER.sub(replace, text)


def has_placeholder(text: str) -> bool:
    """Whether `text` holds a `${...}` placeholder (an escaped `$${` does not count)."""
    return any(match[0] != "$${" for match in _PLACEHOLDER.finditer(text))
