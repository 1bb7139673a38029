"""The recurrence rule's model: an RRULE's calendar parts, and the rule they make with a DTSTART.

:mod:`leaguectl.schedule_rrule` parses an RRULE's text into :class:`RuleParts`; :func:`build_rule`
adds DTSTART and makes DTSTART's defaults explicit (RFC 5545), so the period arithmetic of
:mod:`leaguectl.schedule_recurrence_periods` and the expansion in
:mod:`leaguectl.schedule_recurrence` never look at DTSTART's fields again. Also here: the
:class:`Meter` that bounds every evaluation, and BYSETPOS's index arithmetic (:func:`positions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum
from functools import lru_cache
from typing import TypeVar

MAX_YEAR = date.max.year
# Steps one evaluation may take (periods, days, instances looked at). The worst rules the tests
# construct stay under a third of it; reaching it means a bug, reported as a schedule error.
STEP_LIMIT = 200_000

HOURS = tuple(range(24))
MINUTES = tuple(range(60))


class Freq(IntEnum):
    """FREQ values leaguectl runs, coarsest first (SECONDLY fires more than once a minute)."""

    YEARLY = 0
    MONTHLY = 1
    WEEKLY = 2
    DAILY = 3
    HOURLY = 4
    MINUTELY = 5


class TooMuchWork(Exception):
    """An evaluation took more than :data:`STEP_LIMIT` steps (a bug guard, see :mod:`leaguectl.schedule_recurrence`)."""


@dataclass
class Meter:
    """Counts the steps of one evaluation, so tests and the guard can see the work done."""

    limit: int = STEP_LIMIT
    steps: int = 0

    def tick(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.limit:
            raise TooMuchWork(f"more than {self.limit} steps")


@dataclass(frozen=True)
class RuleParts:
    """An RRULE's calendar parts as written and range-checked; an empty set means "not given".

    ``nth_weekdays`` holds numbered BYDAY entries as (weekday, n), weekdays 0=Monday; UNTIL and
    COUNT are not calendar parts and live in :class:`leaguectl.schedule_rrule.RRuleSpec`.
    """

    freq: Freq
    interval: int = 1
    months: frozenset[int] = frozenset()
    monthdays: frozenset[int] = frozenset()
    yeardays: frozenset[int] = frozenset()
    weeknos: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    nth_weekdays: frozenset[tuple[int, int]] = frozenset()
    hours: frozenset[int] = frozenset()
    minutes: frozenset[int] = frozenset()
    seconds: frozenset[int] = frozenset()
    setpos: frozenset[int] = frozenset()
    wkst: int = 0


@dataclass(frozen=True)
class DaySelect:
    """The day-level parts of a rule after DTSTART's defaults; empty sets do not restrict."""

    months: frozenset[int] = frozenset()
    monthdays: frozenset[int] = frozenset()
    yeardays: frozenset[int] = frozenset()
    weeknos: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    nth_weekdays: frozenset[tuple[int, int]] = frozenset()
    nth_in_month: bool = False
    wkst: int = 0

    @property
    def every_day(self) -> bool:
        return not (self.months or self.monthdays or self.yeardays or self.weeknos or self.weekdays
                    or self.nth_weekdays)


Clock = tuple[int, int, int]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Rule:
    """A rule ready to expand: the parts, DTSTART, and DTSTART's defaults made explicit.

    ``hours``/``minutes`` are the allowed values, sorted (all of them where a minutely or hourly
    rule is not limited). The derived fields hold what every period shares, with BYSETPOS
    applied once where a period's instances do not depend on the period: ``times`` is one
    day's time set (DAILY and coarser), ``hour_minutes`` an HOURLY period's minutes,
    ``minute_fires`` whether a MINUTELY period's single instance survives BYSETPOS, and
    ``period_setpos`` the BYSETPOS left to apply per period (YEARLY, MONTHLY, WEEKLY).
    """

    freq: Freq
    interval: int
    start: datetime
    days: DaySelect
    hours: tuple[int, ...]
    minutes: tuple[int, ...]
    second: int
    setpos: tuple[int, ...]
    times: tuple[Clock, ...] = field(init=False)
    hour_minutes: tuple[int, ...] = field(init=False)
    minute_fires: bool = field(init=False)
    period_setpos: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        def picked(values: Sequence[_T]) -> tuple[_T, ...]:
            fixed = self.setpos and self.freq >= Freq.DAILY
            return tuple(values[i] for i in positions(len(values), self.setpos)) if fixed else tuple(values)

        times = [(hour, minute, self.second) for hour in self.hours for minute in self.minutes]
        object.__setattr__(self, "times", picked(times) if self.freq <= Freq.DAILY else ())
        object.__setattr__(self, "hour_minutes", picked(self.minutes) if self.freq is Freq.HOURLY else ())
        object.__setattr__(self, "minute_fires", bool(picked([0])) if self.freq is Freq.MINUTELY else False)
        object.__setattr__(self, "period_setpos", self.setpos if self.freq <= Freq.WEEKLY else ())


def build_rule(parts: RuleParts, start: datetime) -> Rule:
    """The rule of ``parts`` starting at the naive wall time ``start`` (whole seconds kept)."""
    return _build_rule(parts, start.replace(microsecond=0))


@lru_cache(maxsize=256)
def _build_rule(parts: RuleParts, start: datetime) -> Rule:
    freq = parts.freq
    months, monthdays, weekdays = parts.months, parts.monthdays, parts.weekdays
    if not (parts.weeknos or parts.yeardays or parts.monthdays or parts.weekdays or parts.nth_weekdays):
        # RFC 5545: parts a rule lacks are taken from DTSTART.
        if freq is Freq.YEARLY:
            months, monthdays = months or frozenset({start.month}), frozenset({start.day})
        elif freq is Freq.MONTHLY:
            monthdays = frozenset({start.day})
        elif freq is Freq.WEEKLY:
            weekdays = frozenset({start.weekday()})
    days = DaySelect(months, monthdays, parts.yeardays, parts.weeknos, weekdays, parts.nth_weekdays,
                     nth_in_month=freq is Freq.MONTHLY or bool(parts.months), wkst=parts.wkst)
    hours = tuple(sorted(parts.hours)) or (HOURS if freq >= Freq.HOURLY else (start.hour,))
    minutes = tuple(sorted(parts.minutes)) or (MINUTES if freq is Freq.MINUTELY else (start.minute,))
    second = min(parts.seconds) if parts.seconds else start.second
    return Rule(freq, parts.interval, start, days, hours, minutes, second, tuple(sorted(parts.setpos)))


def positions(total: int, setpos: Sequence[int]) -> list[int]:
    """BYSETPOS picks as 0-based indexes into a period of ``total`` instances, in order."""
    return sorted({index for pos in setpos if 0 <= (index := pos - 1 if pos > 0 else total + pos) < total})
