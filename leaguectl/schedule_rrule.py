"""RRULE schedules (RFC 5545): read the rule and its DTSTART, find the next run in a zone.

The calendar work (which wall times a rule selects, in bounded time) is
:mod:`leaguectl.schedule_recurrence`; this module reads the text, applies the zone and the DST
rules of :mod:`leaguectl.schedule_time`, and bounds the series by UNTIL and COUNT. How DTSTART,
TZID, UNTIL and COUNT are read is documented in :mod:`leaguectl.schedule`. No dateutil: the
rule is evaluated here, so importing this module stays cheap for every one-minute pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from leaguectl.schedule_recurrence import (
    HORIZON_YEARS,
    MAX_COUNTED,
    CountTooLarge,
    Freq,
    Meter,
    RuleParts,
    TooMuchWork,
    build_rule,
    first_wall,
    nth_wall,
    walls_from,
)
from leaguectl.schedule_time import SHIFT_MARGIN, ScheduleError, field_error, parse_zone, wall_instant


@dataclass(frozen=True)
class RRuleSpec:
    """A parsed RRULE schedule.

    ``rule`` is the RRULE value as written; ``dtstart`` the DTSTART wall time (naive, in the rule's
    zone) or None; ``zone`` the zone DTSTART names (its TZID, or UTC for a ``Z`` DTSTART), None
    when the rule lives in the task's zone; ``until`` the UNTIL bound as a UTC instant (runs later
    than it do not happen); ``last`` COUNT's last run as a wall time (None: no COUNT, or the
    count reaches past year 9999).
    """

    rule: str
    parts: RuleParts
    dtstart: datetime | None = None
    zone: ZoneInfo | None = None
    until: datetime | None = None
    last: datetime | None = None


# --------------------------------------------------------------------------------------------
# Reading the text
# --------------------------------------------------------------------------------------------

_DTSTART = (
    r"(?i)DTSTART(?:;TZID=(?P<tz>[^:;]+))?(?:;VALUE=DATE(?:-TIME)?)?:"
    r"(?P<date>[0-9]{8})(?:T(?P<time>[0-9]{4}(?:[0-9]{2})?)(?P<utc>Z)?)?"
)
_UNTIL = r"(?i)(?P<date>[0-9]{8})(?:T(?P<time>[0-9]{6})(?P<utc>Z)?)?"
_WEEKDAY_CODES = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
_FREQS = {freq.name: freq for freq in Freq}
_BYDAY = r"(?i)(?P<n>[+-]?[0-9]{1,2})?(?P<day>MO|TU|WE|TH|FR|SA|SU)"
_INTEGER = r"[+-]?[0-9]{1,18}"


class _RuleTextError(ValueError):
    """A problem with one part of the rule; the caller names the schedule."""


class _TooOften(_RuleTextError):
    """The rule would fire more than once a minute."""


def _compact_datetime(day: str, clock: str | None) -> datetime:
    clock = (clock or "0000").ljust(6, "0")
    return datetime(int(day[:4]), int(day[4:6]), int(day[6:8]),
                    int(clock[:2]), int(clock[2:4]), int(clock[4:6]))


def parse_rrule(text: str, zone: ZoneInfo, meter: Meter | None = None) -> tuple[RRuleSpec, ZoneInfo]:
    """Parse an RRULE value (with an optional DTSTART line).

    Returns the spec and the task's zone, which is DTSTART's TZID when it has one (a ``Z``
    DTSTART keeps the task's zone for display; the rule itself runs in UTC). Every problem is a
    :class:`ScheduleError` naming the schedule value and what to change. Reading resolves COUNT
    and checks that the rule runs at all; ``meter`` counts that work (tests).
    """
    rule: str | None = None
    dtstart: datetime | None = None
    rule_zone: ZoneInfo | None = None
    for line in text.split():
        upper = line.upper()
        if upper.startswith("DTSTART") and dtstart is None:
            dtstart, rule_zone, zone = _parse_dtstart(text, line, zone)
        elif upper.startswith(("RRULE:", "FREQ=")) and rule is None:
            rule = line.split(":", 1)[1] if upper.startswith("RRULE:") else line
        else:
            raise field_error("schedule", text, f"is not a valid RRULE: unexpected {line!r}")
    if rule is None:
        raise field_error("schedule", text, "is not a valid RRULE: no RRULE line")
    try:
        parts, count, until_text = parse_rule_parts(rule)
    except _TooOften as exc:
        raise field_error("schedule", text, f"fires more often than once a minute ({exc}); the shortest "
                          "period leaguectl runs is a minute: use FREQ=MINUTELY or coarser and at most "
                          "one BYSECOND value") from None
    except _RuleTextError as exc:
        raise field_error("schedule", text, f"is not a valid RRULE: {exc}") from None
    spec = RRuleSpec(rule=rule, parts=parts, dtstart=dtstart, zone=rule_zone)
    return _bounded(text, spec, count, until_text, rule_zone or zone, meter or Meter()), zone


def _parse_dtstart(text: str, line: str, zone: ZoneInfo) -> tuple[datetime, ZoneInfo | None, ZoneInfo]:
    """DTSTART's wall time, the zone the rule runs in (None: the task's) and the task's zone."""
    match = re.fullmatch(_DTSTART, line)
    if match is None:
        raise field_error("schedule", text, f"is not a valid RRULE: bad DTSTART {line!r} "
                          "(expected DTSTART:YYYYMMDDTHHMMSS, with Z or ;TZID=Zone/Name)")
    if match["tz"] and match["utc"]:
        raise field_error("schedule", text, "is not a valid RRULE: DTSTART has both a TZID and a Z")
    rule_zone: ZoneInfo | None = None
    if match["tz"]:
        zone = rule_zone = parse_zone(match["tz"], "DTSTART TZID")
    elif match["utc"]:
        rule_zone = ZoneInfo("UTC")
    try:
        start = _compact_datetime(match["date"], match["time"])
    except ValueError as exc:
        raise field_error("schedule", text, f"is not a valid RRULE: bad DTSTART ({exc})") from None
    return start, rule_zone, zone


def _integers(name: str, raw: str, low: int, high: int, *, signed: bool = False) -> frozenset[int]:
    values: set[int] = set()
    for item in raw.split(","):
        if not re.fullmatch(_INTEGER, item) or (not signed and item[0] in "+-"):
            raise _RuleTextError(f"{name} value {item!r} is not a{' signed' if signed else ''} whole number")
        value = int(item)
        if not low <= abs(value) <= high or (not signed and value < low):
            span = f"{low}..{high}" + (f" or -{high}..-{max(low, 1)}" if signed else "")
            raise _RuleTextError(f"{name} value {item!r} is out of range ({span})")
        values.add(value)
    return frozenset(values)


def _count_like(name: str, raw: str) -> int:
    if not re.fullmatch(r"[0-9]{1,18}", raw) or int(raw) < 1:
        raise _RuleTextError(f"{name}={raw} must be one whole number, at least 1")
    return int(raw)


def _weekday_code(raw: str) -> int:
    code = _WEEKDAY_CODES.get(raw.upper())
    if code is None:
        raise _RuleTextError(f"WKST {raw!r} is not a weekday (MO, TU, WE, TH, FR, SA or SU)")
    return code


def _byday(raw: str) -> tuple[frozenset[int], frozenset[tuple[int, int]]]:
    plain: set[int] = set()
    numbered: set[tuple[int, int]] = set()
    for item in raw.split(","):
        match = re.fullmatch(_BYDAY, item)
        if match is None:
            raise _RuleTextError(f"BYDAY value {item!r} is not a weekday (MO..SU, optionally numbered: 1MO, -1FR)")
        weekday = _WEEKDAY_CODES[match["day"].upper()]
        if match["n"] is None:
            plain.add(weekday)
            continue
        n = int(match["n"])
        if not 1 <= abs(n) <= 53:
            raise _RuleTextError(f"BYDAY value {item!r}: the number must be 1..53 or -53..-1")
        numbered.add((weekday, n))
    return frozenset(plain), frozenset(numbered)


def _split_parts(value: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in value.split(";"):
        if not item:
            continue
        name, equals, raw = item.partition("=")
        name = name.upper()
        if not equals or not raw:
            raise _RuleTextError(f"{item!r} is not NAME=VALUE")
        if name in found:
            raise _RuleTextError(f"{name} is given twice")
        found[name] = raw
    return found


_LIST_PARTS: dict[str, tuple[str, int, int, bool]] = {
    "BYMONTH": ("months", 1, 12, False),
    "BYMONTHDAY": ("monthdays", 1, 31, True),
    "BYYEARDAY": ("yeardays", 1, 366, True),
    "BYWEEKNO": ("weeknos", 1, 53, True),
    "BYHOUR": ("hours", 0, 23, False),
    "BYMINUTE": ("minutes", 0, 59, False),
    "BYSECOND": ("seconds", 0, 59, False),
    "BYSETPOS": ("setpos", 1, 366, True),
}


def parse_rule_parts(value: str) -> tuple[RuleParts, int | None, str | None]:
    """The calendar parts of an RRULE value, its COUNT and its UNTIL text (raises _RuleTextError)."""
    found = _split_parts(value)
    freq_text = found.pop("FREQ", None)
    if freq_text is None:
        raise _RuleTextError("FREQ is missing")
    if freq_text.upper() == "SECONDLY":
        raise _TooOften("FREQ=SECONDLY")
    freq = _FREQS.get(freq_text.upper())
    if freq is None:
        raise _RuleTextError(f"FREQ={freq_text} is not one of MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY")
    fields: dict[str, object] = {"freq": freq}
    count = _count_like("COUNT", found.pop("COUNT")) if "COUNT" in found else None
    until = found.pop("UNTIL", None)
    if count is not None and until is not None:
        raise _RuleTextError("COUNT and UNTIL cannot both be given; keep one")
    if "INTERVAL" in found:
        fields["interval"] = _count_like("INTERVAL", found.pop("INTERVAL"))
    if "WKST" in found:
        fields["wkst"] = _weekday_code(found.pop("WKST"))
    if "BYDAY" in found:
        fields["weekdays"], fields["nth_weekdays"] = _byday(found.pop("BYDAY"))
    for name, (attribute, low, high, signed) in _LIST_PARTS.items():
        if name in found:
            fields[attribute] = _integers(name, found.pop(name), low, high, signed=signed)
    if found:
        raise _RuleTextError(f"unknown part {sorted(found)[0]} (leaguectl reads FREQ, INTERVAL, COUNT, UNTIL, "
                             "BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY, BYDAY, BYHOUR, BYMINUTE, BYSECOND, "
                             "BYSETPOS, WKST)")
    parts = RuleParts(**fields)  # type: ignore[arg-type]
    _check_combinations(parts)
    return parts, count, until


def _check_combinations(parts: RuleParts) -> None:
    """RFC 5545's rules on which parts go together, plus the once-a-minute limit."""
    if len(parts.seconds) > 1:
        raise _TooOften(f"BYSECOND={','.join(map(str, sorted(parts.seconds)))} runs several times in a minute")
    if parts.nth_weekdays and parts.freq not in (Freq.MONTHLY, Freq.YEARLY):
        raise _RuleTextError("numbered BYDAY values (1MO, -1FR) need FREQ=MONTHLY or FREQ=YEARLY")
    if parts.nth_weekdays and parts.weeknos:
        raise _RuleTextError("numbered BYDAY values cannot go with BYWEEKNO")
    if parts.weeknos and parts.freq is not Freq.YEARLY:
        raise _RuleTextError("BYWEEKNO needs FREQ=YEARLY")


# --------------------------------------------------------------------------------------------
# UNTIL and COUNT
# --------------------------------------------------------------------------------------------


def _bounded(text: str, spec: RRuleSpec, count: int | None, until_text: str | None, zone: ZoneInfo,
             meter: Meter) -> RRuleSpec:
    """Resolve UNTIL to an instant and COUNT to the last run; refuse a rule that never runs."""
    if count is not None and spec.dtstart is None:
        raise field_error("schedule", text, "is not a valid RRULE: COUNT needs a DTSTART (the runs are "
                          "counted from it)")
    until = None if until_text is None else _until_instant(text, until_text, zone)
    rule = build_rule(spec.parts, spec.dtstart or datetime(2000, 1, 1))
    try:
        first = first_wall(rule, meter)
        if first is None:
            raise field_error("schedule", text, f"never runs (no run within {HORIZON_YEARS} years"
                              f"{' of DTSTART' if spec.dtstart else ''})")
        first_instant = _safe_instant(first, zone)
        if spec.dtstart is not None and until is not None and (first_instant is None or first_instant > until):
            raise field_error("schedule", text, "never runs: UNTIL is before its first run")
        last = None if count is None else nth_wall(rule, count, meter)
    except CountTooLarge as exc:
        raise field_error("schedule", text, f"has a COUNT leaguectl cannot count ({exc}; it counts at most "
                          f"{MAX_COUNTED:,} runs within {HORIZON_YEARS} years of DTSTART unless every "
                          "period has the same number of runs): give UNTIL instead") from None
    except TooMuchWork:
        raise _too_costly(text) from None
    return RRuleSpec(spec.rule, spec.parts, spec.dtstart, spec.zone, until, last)


def _until_instant(text: str, value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as an instant: a Z value as written, a local one in the rule's zone, a date inclusive."""
    match = re.fullmatch(_UNTIL, value)
    if match is None:
        raise field_error("schedule", text, f"is not a valid RRULE: UNTIL={value} is not YYYYMMDD or "
                          "YYYYMMDDTHHMMSSZ")
    try:
        moment = _compact_datetime(match["date"], match["time"])
        if match["utc"]:
            return moment.replace(tzinfo=UTC)
        if match["time"]:
            return wall_instant(moment, zone)
        # A date bounds the whole day: runs on that date count, the next day's do not.
        return wall_instant(moment + timedelta(days=1), zone) - timedelta(microseconds=1)
    except (ValueError, OverflowError) as exc:
        raise field_error("schedule", text, f"is not a valid RRULE: bad UNTIL ({exc})") from None


def _too_costly(text: str) -> ScheduleError:
    return field_error("schedule", text, "is too costly to evaluate (a bug guard); simplify the rule")


def _safe_instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    try:
        return wall_instant(wall, zone)
    except OverflowError:
        return None


# --------------------------------------------------------------------------------------------
# The next run
# --------------------------------------------------------------------------------------------


def rrule_after(
    spec: RRuleSpec, zone: ZoneInfo, start_time: time | None, anchor: datetime, after: datetime,
    meter: Meter | None = None,
) -> datetime | None:
    """The first run of the rule strictly after ``after`` (UTC); None when the rule has ended.

    ``zone`` is the task's zone (the rule's own, if DTSTART names one, wins). Without a DTSTART
    the rule starts on ``anchor``'s local day at ``start_time`` (00:00 if None). A run is an
    instance's wall time made an instant by the DST rules; UNTIL bounds the instants, COUNT the
    instances. ``meter`` counts the work (tests); its limit is a bug guard.
    """
    rule_zone = spec.zone or zone
    start = spec.dtstart or datetime.combine(anchor.astimezone(rule_zone).date(), start_time or time(0))
    rule = build_rule(spec.parts, start)
    after_wall = after.astimezone(rule_zone).replace(tzinfo=None)
    lower = _minus(after_wall, _margin_near(rule_zone, after))
    try:
        return _first_after(spec, rule_zone, walls_from(rule, lower, meter or Meter()), after, after_wall)
    except TooMuchWork:
        raise _too_costly(spec.rule) from None


def _minus(wall: datetime, margin: timedelta) -> datetime:
    return wall - margin if wall - datetime.min > margin else datetime.min


def _margin_near(zone: ZoneInfo, moment: datetime) -> timedelta:
    """How far wall order and instant order may disagree around ``moment``.

    Only where the zone's offset changes within SHIFT_MARGIN (a DST change) can a wall time
    land before an earlier one or after a later one; elsewhere wall order is instant order and
    the search needs no margin (a minutely rule then looks at one instance, not 360).
    """
    try:
        offsets = {(moment + k * SHIFT_MARGIN).astimezone(zone).utcoffset() for k in (-1, 0, 1)}
    except OverflowError:
        return SHIFT_MARGIN
    return SHIFT_MARGIN if len(offsets) > 1 else timedelta(0)


def _first_after(spec: RRuleSpec, zone: ZoneInfo, walls: Iterator[datetime], after: datetime,
                 after_wall: datetime) -> datetime | None:
    """Earliest instant after ``after`` among ``walls`` (in wall order), within UNTIL and COUNT.

    Near a DST change, wall times just before ``after`` can land after it (a gap moves them
    forward), and ones just after the best so far can land before it; beyond the margin the
    order is settled.
    """
    until_wall = None if spec.until is None else _wall_in(spec.until, zone)
    until_margin = timedelta(0) if spec.until is None else _margin_near(zone, spec.until)
    best: datetime | None = None
    best_wall, best_margin = after_wall, timedelta(0)
    for wall in walls:
        if best is not None and wall > best_wall + best_margin:
            break
        if spec.last is not None and wall > spec.last:
            break
        if until_wall is not None and wall > until_wall + until_margin:
            break
        slot = _safe_instant(wall, zone)
        if slot is None:
            break
        if spec.until is not None and slot > spec.until:
            continue
        if slot > after and (best is None or slot < best):
            best, best_wall, best_margin = slot, wall, _margin_near(zone, slot)
    return best


def _wall_in(moment: datetime, zone: ZoneInfo) -> datetime:
    try:
        return moment.astimezone(zone).replace(tzinfo=None)
    except OverflowError:
        return datetime.max if moment.year > 1 else datetime.min

