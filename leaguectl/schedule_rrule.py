"""RRULE schedules (RFC 5545): parse a rule and its DTSTART, find the next slot in a zone.

python-dateutil is imported only when an RRULE is evaluated, so importing this module stays
cheap for every one-minute pass. How DTSTART, TZID, UNTIL and COUNT are read is documented in
:mod:`leaguectl.schedule`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from leaguectl.schedule_time import SHIFT_MARGIN, field_error, parse_zone, wall_instant

if TYPE_CHECKING:
    from dateutil.rrule import rrulebase


@dataclass(frozen=True)
class RRuleSpec:
    """An RFC 5545 rule: the RRULE value and the DTSTART wall time (naive, in the task zone)."""

    rule: str
    dtstart: datetime | None


_DTSTART = (
    r"(?i)DTSTART(?:;TZID=(?P<tz>[^:;]+))?(?:;VALUE=DATE(?:-TIME)?)?:"
    r"(?P<date>\d{8})(?:T(?P<time>\d{4}(?:\d{2})?)(?P<utc>Z)?)?"
)
_UNTIL = r"(?i)UNTIL=(\d{8}T\d{6})Z"


def _compact_datetime(day: str, clock: str | None) -> datetime:
    clock = (clock or "0000").ljust(6, "0")
    return datetime(int(day[:4]), int(day[4:6]), int(day[6:8]),
                    int(clock[:2]), int(clock[2:4]), int(clock[4:6]))


def parse_rrule(text: str, zone: ZoneInfo) -> tuple[RRuleSpec, ZoneInfo]:
    """Parse an RRULE value (with an optional DTSTART line); the zone is DTSTART's TZID, else ``zone``."""
    rule: str | None = None
    dtstart: datetime | None = None
    for line in text.split():
        upper = line.upper()
        if upper.startswith("DTSTART"):
            dtstart, zone = _parse_dtstart(text, line, zone)
        elif upper.startswith(("RRULE:", "FREQ=")) and rule is None:
            rule = line.split(":", 1)[1] if upper.startswith("RRULE:") else line
        else:
            raise field_error("schedule", text, f"is not a valid RRULE: unexpected {line!r}")
    if rule is None:
        raise field_error("schedule", text, "is not a valid RRULE: no RRULE line")
    if dtstart is None and "COUNT=" in rule.upper():
        raise field_error("schedule", text, "is not a valid RRULE: COUNT needs a DTSTART")
    rule = re.sub(_UNTIL, lambda m: "UNTIL=" + _until_in_zone(m[1], zone), rule)
    spec = RRuleSpec(rule=rule, dtstart=dtstart)
    try:
        _build_rrule(spec, dtstart or datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise field_error("schedule", text, f"is not a valid RRULE: {exc}") from None
    return spec, zone


def _parse_dtstart(text: str, line: str, zone: ZoneInfo) -> tuple[datetime, ZoneInfo]:
    match = re.fullmatch(_DTSTART, line)
    if match is None:
        raise field_error("schedule", text, f"is not a valid RRULE: bad DTSTART {line!r}")
    if match["tz"]:
        zone = parse_zone(match["tz"], "DTSTART TZID")
    try:
        start = _compact_datetime(match["date"], match["time"])
    except ValueError as exc:
        raise field_error("schedule", text, f"is not a valid RRULE: bad DTSTART ({exc})") from None
    if match["utc"]:
        start = start.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    return start, zone


def _until_in_zone(compact: str, zone: ZoneInfo) -> str:
    moment = _compact_datetime(compact[:8], compact[9:]).replace(tzinfo=UTC).astimezone(zone)
    return moment.strftime("%Y%m%dT%H%M%S")


def _build_rrule(spec: RRuleSpec, dtstart: datetime) -> rrulebase:
    from dateutil.rrule import rrulestr  # lazy: dateutil is only needed for RRULE tasks

    return rrulestr(spec.rule, dtstart=dtstart)


_FIXED_PERIODS = {"SECONDLY": timedelta(seconds=1), "MINUTELY": timedelta(minutes=1),
                  "HOURLY": timedelta(hours=1), "DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1)}


def _rebased_start(rule: str, start: datetime, target: datetime) -> datetime:
    """Move DTSTART forward by whole periods to just before ``target``, when that is exact.

    dateutil walks a rule from DTSTART, so an old DTSTART on a minutely rule would cost millions
    of steps per pass. For FREQ up to WEEKLY without COUNT, the occurrences are a fixed grid of
    naive wall times from DTSTART (which supplies only time-of-day and weekday defaults), so a
    DTSTART moved by whole ``INTERVAL`` periods yields the same occurrences from there on.
    """
    parts = dict(part.split("=", 1) for part in rule.upper().split(";") if "=" in part)
    period = _FIXED_PERIODS.get(parts.get("FREQ", ""))
    if period is None or "COUNT" in parts or target <= start:
        return start
    period *= int(parts.get("INTERVAL", "1") or "1")
    return start + ((target - start) // period) * period


def rrule_after(
    spec: RRuleSpec, zone: ZoneInfo, start_time: time | None, anchor: datetime, after: datetime
) -> datetime | None:
    """The first slot of the rule strictly after ``after`` (UTC); None when the rule has ended.

    Without a DTSTART the rule starts on ``anchor``'s local day at ``start_time`` (00:00 if None).
    """
    start = spec.dtstart or datetime.combine(anchor.astimezone(zone).date(), start_time or time(0))
    after_wall = after.astimezone(zone).replace(tzinfo=None)
    rule = _build_rrule(spec, _rebased_start(spec.rule, start, after_wall - 2 * SHIFT_MARGIN))
    best: datetime | None = None
    best_wall = after_wall
    # Wall times just before `after` can land after it (DST gap), and ones just after the best
    # so far can land before it; beyond the margin the order is settled.
    for wall in rule.xafter(after_wall - SHIFT_MARGIN, inc=True):
        if best is not None and wall > best_wall + SHIFT_MARGIN:
            break
        slot = wall_instant(wall, zone)
        if slot > after and (best is None or slot < best):
            best, best_wall = slot, wall
    return best
