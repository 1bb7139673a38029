"""Schedule evaluation stays bounded: the worst schedules we could construct, read and evaluated.

A trusted task may hold any schedule, and a one-minute pass reads and evaluates each due task
afresh (no state between passes), so every schedule must cost little whatever its COUNT,
INTERVAL, BYxxx parts or the distance to DTSTART. Each schedule here is measured in this
process, cold (the engine's caches cleared before every repetition, as in a fresh pass):
reading it (``parse_schedule``, which also resolves COUNT and checks the rule runs at all),
its next run after a slot far from DTSTART, and a ``tasks add`` preview (first run + 4 more).
``steps`` is the largest number of evaluation steps one operation took
(``leaguectl.schedule_recurrence.Meter``); the guard is at ``STEP_LIMIT``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import Section
from leaguectl import schedule_recurrence, schedule_rrule
from leaguectl.schedule import ScheduleError, first_run, next_occurrence, parse_schedule, preview

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # a spring-forward night in Berlin
REPEATS = 7
BUDGET_MS = 50.0

_HOURS = ",".join(str(hour) for hour in range(24))
_MINUTES = ",".join(str(minute) for minute in range(60))
_DAYS = ",".join(str(day) for day in range(1, 32))
_POSITIONS = ",".join(str(position) for position in range(-366, 367) if position)

WORST: list[tuple[str, str]] = [
    ("the issue's example: a billion seconds from 2020",
     "DTSTART:20200101T000000 RRULE:FREQ=SECONDLY;COUNT=1000000000"),
    ("a billion minutes from 1900 (COUNT in closed form)",
     "DTSTART:19000101T000000 RRULE:FREQ=MINUTELY;COUNT=1000000000"),
    ("minutely, interval 1439 against BYHOUR/BYMINUTE, from 1900",
     "DTSTART:19000101T000000 RRULE:FREQ=MINUTELY;INTERVAL=1439;BYHOUR=3;BYMINUTE=7"),
    ("minutely on Monday 29 February only, from 1900",
     "DTSTART:19000101T000000 RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=0;BYMINUTE=0"),
    ("daily every 7 days on Tuesdays from a Monday (never runs)",
     "DTSTART:19000101T000000 RRULE:FREQ=DAILY;INTERVAL=7;BYDAY=TU"),
    ("yearly on 30 February (never runs)", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
    ("every minute of every day, as a yearly expansion (527,040 a year)",
     f"DTSTART:19000101T000000 RRULE:FREQ=YEARLY;BYMONTHDAY={_DAYS};BYHOUR={_HOURS};BYMINUTE={_MINUTES}"),
    ("yearly, 732 BYSETPOS positions over every hour of the year",
     f"DTSTART:19000101T000000 RRULE:FREQ=YEARLY;BYSETPOS={_POSITIONS};BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR={_HOURS}"),
    ("every 3rd week, only on 29 February",
     "DTSTART:19000101T000000 RRULE:FREQ=WEEKLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29"),
    ("Friday the 13th, COUNT=100 (counted, 58 years)",
     "DTSTART:19000101T000000 RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;COUNT=100"),
    ("weekdays, COUNT=10000 (counted, at the cap)",
     "DTSTART:20000101T090000 RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=10000"),
    ("Mondays, COUNT=10000 (past 100 years of counting: refused)",
     "DTSTART:20000101T090000 RRULE:FREQ=DAILY;BYDAY=MO;COUNT=10000"),
    ("hourly, interval near a billion", "DTSTART:19000101T000000 RRULE:FREQ=HOURLY;INTERVAL=999999937"),
    ("UNTIL in 9999 on a minutely rule", "DTSTART:20000101T000000 RRULE:FREQ=MINUTELY;UNTIL=99991231T235900Z"),
    ("cron on 29 February", "0 0 29 2 *"),
    ("cron every minute", "* * * * *"),
    ("every_3_weeks", "every_3_weeks"),
]


def _cold() -> None:
    """Forget the engine's caches, as a fresh one-minute pass would start."""
    schedule_recurrence.year_days.cache_clear()
    schedule_recurrence._year_day_set.cache_clear()
    schedule_recurrence._build_rule.cache_clear()


class _CountingMeter(schedule_recurrence.Meter):
    most = 0

    def tick(self, n: int = 1) -> None:
        super().tick(n)
        _CountingMeter.most = max(_CountingMeter.most, self.steps)


def _timed(operation: Callable[[], object]) -> tuple[float, str]:
    """Median milliseconds of ``REPEATS`` cold runs, and what the operation gave (an error's text)."""
    times = []
    outcome = ""
    for _ in range(REPEATS):
        _cold()
        started = time.perf_counter()
        try:
            result = operation()
            outcome = "ok" if result is not None else "none"
        except ScheduleError as error:
            outcome = str(error)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), outcome


def _gives(outcome: str, text: str) -> str:
    """The outcome for the table: ok, or the error without the (long) schedule value it quotes."""
    return outcome.replace(f"schedule {text!r} ", "refused: ", 1)


def _measure_one(text: str) -> dict[str, Any]:
    _CountingMeter.most = 0
    read_ms, read = _timed(lambda: parse_schedule({"schedule": text}, ZONE))
    row: dict[str, Any] = {"schedule": text, "read_ms": read_ms, "read": read, "next_ms": None, "preview_ms": None}
    if read == "ok":
        schedule = parse_schedule({"schedule": text}, ZONE)
        slot = NOW - timedelta(days=365)
        row["next_ms"], row["next"] = _timed(lambda: next_occurrence(schedule, slot))
        row["preview_ms"], row["preview"] = _timed(lambda: preview(schedule, first_run(schedule, NOW), 5))
    row["steps"] = _CountingMeter.most
    return row


def measure() -> Section:
    original = schedule_rrule.Meter
    schedule_rrule.Meter = _CountingMeter  # type: ignore[misc]
    try:
        rows = [dict(_measure_one(text), what=what) for what, text in WORST]
    finally:
        schedule_rrule.Meter = original  # type: ignore[misc]

    def ms(value: float | None) -> str:
        return "" if value is None else f"{value:.2f} ms"

    lines = [
        f"In-process, cold caches, median of {REPEATS}; \"next run\" is the first run after a slot a year",
        f"before {NOW:%Y-%m-%d %H:%M} UTC, \"preview\" is `tasks add`'s first run plus 4 (Europe/Berlin).",
        "",
        "| schedule | read | next run | preview | steps | read gives |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(f"| {row['what']} | {ms(row['read_ms'])} | {ms(row['next_ms'])} | {ms(row['preview_ms'])} "
                     f"| {row['steps']:,} | {_gives(row['read'], row['schedule'])} |")
    worst_ms = max(max(row["read_ms"], row["next_ms"] or 0, row["preview_ms"] or 0) for row in rows)
    worst_steps = max(row["steps"] for row in rows)
    limit = schedule_recurrence.STEP_LIMIT
    lines += ["", f"Slowest operation: **{worst_ms:.1f} ms**; most steps: **{worst_steps:,}** "
              f"(guard {limit:,}). Target: every operation under {BUDGET_MS:.0f} ms."]
    refused = rows[0]["read"]
    checks = [
        (f"worst schedule operation {worst_ms:.1f} ms (budget {BUDGET_MS:.0f} ms)", worst_ms < BUDGET_MS),
        (f"most evaluation steps {worst_steps:,} (under a third of the {limit:,} guard)", worst_steps < limit / 3),
        ("FREQ=SECONDLY;COUNT=1000000000 is refused when read", "more often than once a minute" in refused),
    ]
    return Section("schedules", "Schedule evaluation: the worst schedules", "\n".join(lines), {"rows": rows}, checks)
