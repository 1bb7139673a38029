"""Time and field parsing for task schedules: timestamps, zones, DST, times of day, dates, names.

Pure and cheap to import. The rules (naive timestamps are wall time in the task's zone, a DST
gap shifts forward, an ambiguous time is its first occurrence) are documented in
:mod:`leaguectl.schedule`. Every parser takes the field name it reads, so a
:class:`ScheduleError` names the field and the value.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Wider than any DST shift: wall times further apart than this never swap order in UTC.
SHIFT_MARGIN = timedelta(hours=3)

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)


class ScheduleError(ValueError):
    """A task's schedule fields cannot be understood; the message names the field and its value."""


def _quote(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def field_error(field: str, value: object, what: str) -> ScheduleError:
    """The error for a field whose value is not what it should be: ``time '25:00' is not ...``."""
    return ScheduleError(f"{field} {_quote(value)} {what}")


# --------------------------------------------------------------------------------------------
# Time parsing
# --------------------------------------------------------------------------------------------


def localize(naive: datetime, zone: tzinfo) -> datetime:
    """Attach ``zone`` to a wall time: a DST gap shifts forward, an ambiguous time is the first one.

    Returns the real local time (a gap time comes back moved forward, with its true offset).
    """
    if naive.tzinfo is not None:
        raise ValueError(f"localize needs a naive datetime, got {naive.isoformat()}")
    # fold=0 reads a gap time with the offset in force before the gap, which lands the same
    # distance past the gap's end, and an ambiguous time as its first (pre-transition) occurrence.
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def wall_instant(naive: datetime, zone: tzinfo) -> datetime:
    """The UTC instant of a local wall time, by the ``localize`` rules."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware moment in UTC; a naive one is a bug in the caller (a ValueError, not a ScheduleError)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got {moment.isoformat()}")
    return moment.astimezone(UTC)


# Patterns are compiled on first use (re's cache), keeping the import cheap.
_TIMESTAMP = (
    r"""(?x)(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})
        (?:[Tt\ ](?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})
            (?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]{1,9}))?)?)?
        [\ \t]*(?P<offset>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"""
)


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or "0")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_timestamp(value: object, zone: tzinfo, field: str = "timestamp") -> datetime:
    """Read a task timestamp as a UTC instant; naive values are wall time in ``zone``.

    Accepts ``YYYY-MM-DD[T| ]HH:MM[:SS[.ffffff]]`` with an optional ``Z``/``±HH:MM`` suffix, a
    bare date (midnight), or a ``datetime``. Digits are ASCII. A moment that has no UTC instant
    inside years 1-9999 (``0001-01-01T00:00+01:00``) is an error naming the field.
    """
    try:
        return _parse_timestamp(value, zone, field)
    except OverflowError:
        raise field_error(field, value, "is out of range (years 1-9999 in UTC)") from None


def _parse_timestamp(value: object, zone: tzinfo, field: str) -> datetime:
    if isinstance(value, datetime):
        return wall_instant(value, zone) if value.tzinfo is None else as_utc(value)
    if not isinstance(value, str):
        raise field_error(field, value, "is not a timestamp (expected YYYY-MM-DDTHH:MM[:SS])")
    match = re.fullmatch(_TIMESTAMP, value.strip())
    if match is None:
        raise field_error(field, value, "is not a timestamp (expected YYYY-MM-DDTHH:MM[:SS])")
    parts = match.groupdict()
    fraction = (parts["fraction"] or "").ljust(6, "0")[:6]
    try:
        naive = datetime(
            int(parts["year"]), int(parts["month"]), int(parts["day"]),
            int(parts["hour"] or 0), int(parts["minute"] or 0), int(parts["second"] or 0),
            int(fraction),
        )
        offset = _offset(parts["offset"]) if parts["offset"] else None
    except ValueError as exc:
        raise field_error(field, value, f"is not a valid timestamp ({exc})") from None
    if offset is None:
        return wall_instant(naive, zone)
    return naive.replace(tzinfo=offset).astimezone(UTC)


def format_timestamp(moment: datetime, zone: tzinfo) -> str:
    """Write an instant as local ISO 8601 with its offset (``2025-01-06T09:00:00+01:00``).

    The offset keeps ambiguous fall-back times exact, and naive-only readers of the original
    tool still parse it. A moment the zone cannot show (the calendar's last hours) is written
    in UTC.
    """
    instant = as_utc(moment)
    try:
        return instant.astimezone(zone).isoformat()
    except OverflowError:
        return instant.isoformat()


_TIME_OF_DAY = r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?"


def parse_time_of_day(value: object, field: str = "time") -> time:
    """Read ``HH:MM`` (or ``H:MM``, optionally ``:SS``) as a wall time; 00:00 is midnight."""
    match = re.fullmatch(_TIME_OF_DAY, value.strip()) if isinstance(value, str) else None
    if match is None:
        raise field_error(field, value, "is not a time of day (HH:MM)")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise field_error(field, value, "is not a time of day (HH:MM, 00:00-23:59)")
    return time(hour, minute, second)


_ISO_DATE = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
_DOTTED_DATE = r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})"


def parse_date(value: object, field: str = "specific_date") -> date:
    """Read ``YYYY-MM-DD`` or ``DD.MM.YYYY``, the two forms the original tool accepts."""
    text = value.strip() if isinstance(value, str) else ""
    iso, dotted = re.fullmatch(_ISO_DATE, text), re.fullmatch(_DOTTED_DATE, text)
    try:
        if iso is not None:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dotted is not None:
            return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
    except ValueError as exc:
        raise field_error(field, value, f"is not a valid date ({exc})") from None
    raise field_error(field, value, "is not a date (YYYY-MM-DD or DD.MM.YYYY)")


def _small_int(value: object) -> int | None:
    """An int, or a string of ASCII digits with an optional sign; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,9}", value.strip()):
        return int(value.strip())
    return None


def parse_weekday(value: object, field: str = "day_of_week") -> int:
    """Read a weekday as 0=Monday ... 6=Sunday.

    Accepts the tool's lower-case names (``monday``), any capitalisation, three-letter
    abbreviations (``Mon``), and integers 0-6 in Python's ``date.weekday()`` numbering (the
    index into the tool's monday...sunday list).
    """
    number = _small_int(value)
    if number is not None:
        if 0 <= number <= 6:
            return number
        raise field_error(field, value, "is not a weekday (0=Monday ... 6=Sunday)")
    if isinstance(value, str):
        name = value.strip().lower()
        for index, weekday in enumerate(WEEKDAY_NAMES):
            if name in (weekday, weekday[:3]):
                return index
    raise field_error(field, value, "is not a weekday")


def parse_day_of_month(value: object, field: str = "day_of_month") -> int:
    """Read a day of the month, 1-31 (clamped to the month's length when used)."""
    number = _small_int(value)
    if number is None or not 1 <= number <= 31:
        raise field_error(field, value, "is not a day of the month (1-31)")
    return number


def parse_month(value: object, field: str = "month") -> int:
    """Read a month as 1-12, from a number or an English name / three-letter abbreviation."""
    number = _small_int(value)
    if number is not None and 1 <= number <= 12:
        return number
    if number is None and isinstance(value, str):
        name = value.strip().lower()
        for index, month in enumerate(MONTH_NAMES, start=1):
            if name in (month, month[:3]):
                return index
    raise field_error(field, value, "is not a month (1-12)")


# IANA names are ASCII letters, digits and ``/_+-`` (``America/Port-au-Prince``, ``Etc/GMT+5``);
# checking the shape first keeps paths, dots and overlong names away from the zone loader.
_ZONE_NAME = r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,3}"


def parse_zone(value: object, field: str = "timezone") -> ZoneInfo:
    """Read an IANA zone name (``Europe/Berlin``)."""
    if not isinstance(value, str) or not value.strip():
        raise field_error(field, value, "is not a time zone")
    name = value.strip()
    if len(name) > 64 or not re.fullmatch(_ZONE_NAME, name):
        raise field_error(field, value, "is not a known IANA time zone (e.g. Europe/Berlin)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise field_error(field, value, "is not a known IANA time zone (e.g. Europe/Berlin)") from None

