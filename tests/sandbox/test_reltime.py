"""Relative times in scenario files: what each expression means, and only TimeSyntaxError for bad ones."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaguectl.sandbox.reltime import TimeFrame, TimeSyntaxError, evaluate, format_time, render

NEW_YORK = ZoneInfo("America/New_York")
# Wednesday 10:00 New York time, the week before the US DST change (Sunday 2026-03-08).
WEDNESDAY = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
FRAME = TimeFrame(WEDNESDAY, NEW_YORK)


def iso(expression: str, frame: TimeFrame = FRAME) -> str:
    return render("${" + expression + "}", frame)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("now", "2026-03-04T15:00:00.000000+00:00"),
        ("now - 70d", "2025-12-24T15:00:00.000000+00:00"),
        ("now - 2h10m", "2026-03-04T12:50:00.000000+00:00"),
        ("now +90s", "2026-03-04T15:01:30.000000+00:00"),
        # Monday 00:00 EDT (after the DST change), Saturday 00:00 EDT
        ("monday", "2026-03-09T04:00:00.000000+00:00"),
        ("monday + 5d", "2026-03-14T04:00:00.000000+00:00"),
        # spans move the league's wall clock: a week before is Monday 00:00 EST, not 23:00 EST
        ("monday - 7d", "2026-03-02T05:00:00.000000+00:00"),
        ("monday + 2d at 19:30", "2026-03-11T23:30:00.000000+00:00"),
        ("monday in Europe/Berlin at 09:00", "2026-03-09T08:00:00.000000+00:00"),
        ("monday month-end in Europe/Berlin at 18:00", "2026-03-31T16:00:00.000000+00:00"),
        ("now in UTC at 08:00:30", "2026-03-04T08:00:30.000000+00:00"),
    ],
)
def test_expressions_resolve_against_now_and_the_coming_monday(expression: str, expected: str) -> None:
    assert iso(expression) == expected


@pytest.mark.parametrize(
    ("now", "monday"),
    [
        (datetime(2026, 3, 9, 4, 0, tzinfo=UTC), "2026-03-09T04:00:00.000000+00:00"),  # exactly Monday 00:00
        (datetime(2026, 3, 9, 4, 1, tzinfo=UTC), "2026-03-16T04:00:00.000000+00:00"),  # a minute later
        (datetime(2026, 3, 9, 3, 59, tzinfo=UTC), "2026-03-09T04:00:00.000000+00:00"),  # Sunday 23:59
    ],
)
def test_monday_is_the_first_monday_midnight_at_or_after_now(now: datetime, monday: str) -> None:
    assert iso("monday", TimeFrame(now, NEW_YORK)) == monday


def test_names_stand_for_the_times_they_were_given_and_keep_their_zone() -> None:
    frame = FRAME.with_name("lineup", evaluate("monday in Europe/Berlin at 09:00", FRAME))
    assert render("${lineup | %Y-%m-%d %H:%M:%S %Z}", frame) == "2026-03-09 09:00:00 CET"
    assert render("${lineup + 1d | naive}", frame) == "2026-03-10T09:00:00"
    assert render("${lineup in UTC | %H:%M}", frame) == "08:00"


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("", "2026-03-09T04:05:00.000000+00:00"),
        (" iso ", "2026-03-09T04:05:00.000000+00:00"),
        ("naive", "2026-03-09T00:05:00"),
        ("unix", "1773029100"),
        ("%Y-%m-%dT%H:%M:%S.%f%z", "2026-03-09T00:05:00.000000-0400"),
        ("%a %d %b %Y, day %j (100%%)", "Mon 09 Mar 2026, day 068 (100%)"),
    ],
)
def test_formats_render_the_wall_time_of_the_times_zone(form: str, expected: str) -> None:
    assert format_time(evaluate("monday + 5m", FRAME), form) == expected


def test_placeholders_sit_anywhere_in_a_string_and_double_dollar_escapes_them() -> None:
    text = "Season-013-Week-11-${now - 40h | unix}: $5 beer, $${monday} stays, ${monday|%A}"
    assert render(text, FRAME) == "Season-013-Week-11-1772492400: $5 beer, ${monday} stays, Monday"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("${}", "empty time expression"),
        ("${tuesday}", "'tuesday' is not a time"),
        ("${monday+5d}", "separate the steps with spaces"),
        ("${monday + 5y}", "'5y' is not a span"),
        ("${monday +}", "'+' needs a span"),
        ("${monday at 25:00}", "hours 0-23"),
        ("${monday at noon}", "'noon' is not a time of day"),
        ("${monday in Mars/Olympus}", "unknown time zone 'Mars/Olympus'"),
        ("${monday in ../../etc/passwd}", "is not a time zone name"),
        ("${monday tomorrow}", "unexpected 'tomorrow'"),
        ("${monday | rfc2822}", "unknown format 'rfc2822'"),
        ("${monday | %Y %Q}", "'%Q' is not an allowed strftime directive"),
        ("${monday | 100%}", "'%' is not an allowed strftime directive"),
        ("${now + 999999d999999d999999d999999d}", "outside the years 1 to 9999"),
        ("price: ${monday", "without a closing '}'"),
    ],
)
def test_bad_placeholders_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(TimeSyntaxError) as caught:
        render(text, FRAME)
    assert problem in str(caught.value)


def test_a_bad_placeholder_is_quoted_in_the_error() -> None:
    with pytest.raises(TimeSyntaxError) as caught:
        render("at ${monday + 2x | naive} sharp", FRAME)
    assert str(caught.value).startswith("${monday + 2x | naive}: '2x' is not a span")


# ------------------------------------------------------------------------------ properties

WORDS = st.sampled_from(
    [
        "now",
        "monday",
        "+",
        "-",
        "+5d",
        "-2h30m",
        "999999d",
        "at",
        "23:59",
        "24:00",
        "in",
        "UTC",
        "Europe/Berlin",
        "month-end",
        "|",
        "iso",
        "naive",
        "unix",
        "%Y",
        "%Q",
        "}",
        "${",
        "$${",
        "x",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_text_renders_or_raises_only_time_syntax_errors(text: str) -> None:
    try:
        result = render(text, FRAME)
    except TimeSyntaxError:
        return
    assert isinstance(result, str)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=12))
def test_arbitrary_expressions_evaluate_or_raise_only_time_syntax_errors(words: list[str]) -> None:
    try:
        moment = evaluate(" ".join(words), FRAME)
    except TimeSyntaxError:
        return
    assert moment.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(timezones=st.sampled_from([UTC, NEW_YORK, ZoneInfo("Pacific/Kiritimati")])),
    st.one_of(st.sampled_from(["iso", "naive", "unix", "%Y-%m-%d %H:%M:%S.%f %z"]), st.text(max_size=20)),
)
def test_any_time_formats_or_raises_only_time_syntax_errors(moment: datetime, form: str) -> None:
    try:
        text = format_time(moment, form)
    except TimeSyntaxError:
        return
    assert isinstance(text, str)
