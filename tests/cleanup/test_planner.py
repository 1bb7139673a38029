"""Planner: which stale command is warned, marked, deleted or left, by league-local calendar days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leaguectl.cleanup.planner import (
    Action,
    CommandDecision,
    Thresholds,
    decide,
    deletion_summarised,
    idle_days,
    plan_cleanup,
    unsummarised_warning,
    warning_date,
)
from leaguectl.cleanup.records import Record, RecordIndex, RecordSource
from leaguectl.models import CustomCommand, CustomCommandCreator
from leaguectl.settings import load_settings

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DEFAULTS = Thresholds()


def command(
    command_id: int = 1,
    *,
    last_used: datetime | None = None,
    created_at: datetime | None = None,
    warning_sent: bool = False,
    is_active: bool = True,
    creator_id: int | None = 7,
    name: str | None = None,
) -> CustomCommand:
    return CustomCommand(
        id=command_id,
        name=name or f"cmd{command_id}",
        content="hello",
        created_at=created_at or datetime(2025, 1, 1, tzinfo=UTC),
        creator_id=creator_id,
        last_used=last_used,
        use_count=3,
        warning_sent=warning_sent,
        is_active=is_active,
    )


def warned(command_id: int, at: datetime, source: RecordSource = "dm") -> Record:
    return Record(kind="warned", command_id=command_id, at=at, source=source, message_id="1")


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


# --------------------------------------------------------------------------- warning boundaries


@pytest.mark.parametrize(("days", "expected"), [(59, None), (60, Action.WARN), (61, Action.WARN)])
def test_a_command_is_warned_from_exactly_60_idle_days(days: int, expected: Action | None) -> None:
    decision = decide(command(last_used=days_ago(days)), RecordIndex(), NOW, UTC_ZONE, DEFAULTS)
    assert (decision.action if decision else None) is expected


@pytest.mark.parametrize(("days", "expected"), [(89, Action.WAIT), (90, Action.DELETE), (91, Action.DELETE)])
def test_a_warned_command_is_deleted_from_exactly_90_idle_days(days: int, expected: Action) -> None:
    cmd = command(last_used=days_ago(days), warning_sent=True)
    records = RecordIndex([warned(1, days_ago(days - 60))])
    decision = decide(cmd, records, NOW, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.action is expected


def test_idle_days_count_league_local_dates_not_elapsed_hours() -> None:
    last_used = datetime(2026, 1, 1, 23, 59, tzinfo=BERLIN)
    just_after_midnight = datetime(2026, 3, 2, 0, 0, tzinfo=BERLIN)
    a_minute_before = datetime(2026, 3, 1, 23, 59, tzinfo=BERLIN)
    cmd = command(last_used=last_used)
    assert idle_days(cmd, just_after_midnight, BERLIN) == 60
    assert idle_days(cmd, a_minute_before, BERLIN) == 59
    assert decide(cmd, RecordIndex(), just_after_midnight, BERLIN, DEFAULTS) is not None
    assert decide(cmd, RecordIndex(), a_minute_before, BERLIN, DEFAULTS) is None


def test_the_league_zone_decides_the_boundary_when_utc_dates_differ() -> None:
    # 2026-03-02 07:30 UTC is still 1 March in Los Angeles; 2026-04-30 08:30 UTC is 30 April there.
    cmd = command(last_used=datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    now = datetime(2026, 4, 30, 8, 30, tzinfo=UTC)
    assert idle_days(cmd, now, LOS_ANGELES) == 60
    assert idle_days(cmd, now, UTC_ZONE) == 59
    in_la = decide(cmd, RecordIndex(), now, LOS_ANGELES, DEFAULTS)
    assert in_la is not None and in_la.action is Action.WARN
    assert decide(cmd, RecordIndex(), now, UTC_ZONE, DEFAULTS) is None


def test_a_command_60_utc_days_idle_is_not_warned_while_only_59_league_days() -> None:
    cmd = command(last_used=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))  # 04:00 on 1 March in LA
    now = datetime(2026, 4, 30, 3, 0, tzinfo=UTC)  # 20:00 on 29 April in LA
    assert idle_days(cmd, now, UTC_ZONE) == 60
    assert decide(cmd, RecordIndex(), now, LOS_ANGELES, DEFAULTS) is None


@pytest.mark.parametrize(("days", "expected"), [(89, Action.WAIT), (90, Action.DELETE), (91, Action.DELETE)])
def test_deletion_boundaries_hold_in_a_non_utc_zone(days: int, expected: Action) -> None:
    now = datetime(2026, 6, 1, 0, 5, tzinfo=LOS_ANGELES)
    last_used = datetime(2026, 6, 1, 23, 50, tzinfo=LOS_ANGELES) - timedelta(days=days)  # late that day
    cmd = command(last_used=last_used, warning_sent=True)
    records = RecordIndex([warned(1, now - timedelta(days=20))])
    decision = decide(cmd, records, now, LOS_ANGELES, DEFAULTS)
    assert decision is not None and decision.idle_days == days and decision.action is expected


# --------------------------------------------------------------------------- never used, inactive


@pytest.mark.parametrize(("days", "expected"), [(59, None), (60, Action.WARN)])
def test_a_never_used_command_counts_from_its_creation(days: int, expected: Action | None) -> None:
    cmd = command(last_used=None, created_at=days_ago(days))
    decision = decide(cmd, RecordIndex(), NOW, UTC_ZONE, DEFAULTS)
    assert (decision.action if decision else None) is expected
    if decision is not None:
        assert decision.reference == days_ago(days)


def test_inactive_commands_are_ignored_however_old() -> None:
    old = command(1, last_used=days_ago(400), warning_sent=True, is_active=False)
    plan = plan_cleanup(
        [old, command(2, last_used=days_ago(1))],
        [],
        RecordIndex([warned(1, days_ago(100))]),
        now=NOW,
        zone=UTC_ZONE,
        thresholds=DEFAULTS,
    )
    assert decide(old, RecordIndex(), NOW, UTC_ZONE, DEFAULTS) is None
    assert plan.creators == ()
    assert plan.active_commands == 1


# --------------------------------------------------------------------------- warned vs unwarned, grace


def test_an_unwarned_91_day_command_is_warned_not_deleted_with_the_grace_date() -> None:
    decision = decide(command(last_used=days_ago(91)), RecordIndex(), NOW, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.action is Action.WARN
    assert decision.deletion_date == date(2026, 6, 8)  # today + 7, later than last use + 90


def test_a_fresh_warning_states_last_use_plus_90_days_when_that_is_later() -> None:
    decision = decide(command(last_used=days_ago(60)), RecordIndex(), NOW, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.deletion_date == date(2026, 7, 1)


@pytest.mark.parametrize(("warned_days_ago", "expected"), [(6, Action.WAIT), (7, Action.DELETE), (8, Action.DELETE)])
def test_deletion_waits_for_seven_days_after_the_warning(warned_days_ago: int, expected: Action) -> None:
    cmd = command(last_used=days_ago(95), warning_sent=True)
    records = RecordIndex([warned(1, days_ago(warned_days_ago))])
    decision = decide(cmd, records, NOW, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.action is expected
    assert decision.deletion_date == (NOW - timedelta(days=warned_days_ago)).date() + timedelta(days=7)


def test_a_warned_command_without_a_warning_record_is_warned_again_never_deleted() -> None:
    decision = decide(command(last_used=days_ago(120), warning_sent=True), RecordIndex(), NOW, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.action is Action.WARN
    assert decision.reason == "warning record missing"


def test_a_warning_older_than_the_last_use_does_not_count() -> None:
    cmd = command(last_used=days_ago(95), warning_sent=True)
    decision = decide(cmd, RecordIndex([warned(1, days_ago(96))]), NOW, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.action is Action.WARN


def test_a_warning_recorded_in_the_admin_summary_counts_like_a_dm() -> None:
    cmd = command(last_used=days_ago(95), warning_sent=True)
    decision = decide(cmd, RecordIndex([warned(1, days_ago(10), "admin")]), NOW, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.action is Action.DELETE


def test_the_latest_warning_sets_the_date_so_no_promised_date_is_broken() -> None:
    cmd = command(last_used=days_ago(95), warning_sent=True)
    records = RecordIndex([warned(1, days_ago(30)), warned(1, days_ago(3))])
    decision = decide(cmd, records, NOW, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.action is Action.WAIT
    assert decision.deletion_date == date(2026, 6, 5)


def test_a_recorded_but_unmarked_warning_is_only_marked() -> None:
    cmd = command(last_used=days_ago(61), warning_sent=False)
    decision = decide(cmd, RecordIndex([warned(1, NOW - timedelta(minutes=5))]), NOW, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.action is Action.MARK


def test_a_deletion_already_announced_by_dm_is_not_announced_again() -> None:
    cmd = command(last_used=days_ago(95), warning_sent=True)
    announced = Record(kind="deleted", command_id=1, at=NOW - timedelta(minutes=1), source="dm", message_id="2")
    records = RecordIndex([warned(1, days_ago(10)), announced])
    decision = decide(cmd, records, NOW, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.action is Action.DELETE and not decision.notify_deletion
    fresh = decide(cmd, RecordIndex([warned(1, days_ago(10))]), NOW, UTC_ZONE, DEFAULTS)
    assert fresh is not None and fresh.notify_deletion


# --------------------------------------------------------------------------- thresholds, grouping


def test_thresholds_come_from_the_settings() -> None:
    settings = load_settings(
        {"CLEANUP_WARN_AFTER_DAYS": "10", "CLEANUP_DELETE_AFTER_DAYS": "20", "CLEANUP_GRACE_DAYS": "2"},
        config_path=None,
    )
    thresholds = Thresholds.from_settings(settings)
    assert thresholds == Thresholds(warn_after=10, delete_after=20, grace=2)
    warn = decide(command(last_used=days_ago(10)), RecordIndex(), NOW, UTC_ZONE, thresholds)
    assert warn is not None and warn.action is Action.WARN
    delete = decide(
        command(last_used=days_ago(20), warning_sent=True), RecordIndex([warned(1, days_ago(2))]), NOW, UTC_ZONE,
        thresholds,
    )
    assert delete is not None and delete.action is Action.DELETE


def test_thresholds_refuse_warning_at_or_after_deletion() -> None:
    with pytest.raises(ValueError, match="less than"):
        Thresholds(warn_after=90, delete_after=90)


def test_the_plan_groups_commands_by_creator_and_keeps_ownerless_ones() -> None:
    creator = CustomCommandCreator(id=7, discord_id=12345, username="testuser")
    commands = [
        command(1, last_used=days_ago(61)),
        command(2, last_used=days_ago(95), warning_sent=True),
        command(3, last_used=days_ago(70), creator_id=None),
        command(4, last_used=days_ago(5)),
    ]
    plan = plan_cleanup(
        commands, [creator], RecordIndex([warned(2, days_ago(20))]), now=NOW, zone=UTC_ZONE, thresholds=DEFAULTS
    )
    assert [(p.creator_id, p.discord_id) for p in plan.creators] == [(7, "12345"), (None, None)]
    mine = plan.creators[0]
    assert [d.command.id for d in mine.warn] == [1]
    assert [d.command.id for d in mine.delete] == [2]
    assert [d.command.id for d in plan.creators[1].warn] == [3]
    assert plan.active_commands == 4 and plan.total_creators == 1


# --------------------------------------------------------------------------- calendar-day boundaries
#
# Days are calendar days in league time (docs/cleanup.md §Days). "Just under" is the last moment at which
# one calendar day is missing, with as much real time elapsed as possible; "at" is the first moment the
# count is reached, with as little real time elapsed as possible; "just over" is a calendar day later.

MIDNIGHT = datetime(2026, 6, 1, 0, 0, tzinfo=BERLIN)
LAST_SECOND = MIDNIGHT + timedelta(days=1) - timedelta(seconds=1)  # 23:59:59 on 1 June, Berlin


def _at_day_start(days_before: int) -> datetime:
    return MIDNIGHT - timedelta(days=days_before)


def _at_day_end(days_before: int) -> datetime:
    return LAST_SECOND - timedelta(days=days_before)


@pytest.mark.parametrize(
    ("last_used", "now", "expected"),
    [
        (_at_day_start(59), LAST_SECOND, None),  # 59 days 23:59:59 elapsed: 59 calendar days
        (_at_day_end(60), MIDNIGHT, Action.WARN),  # 59 days and 1 second elapsed: 60 calendar days
        (_at_day_end(61), MIDNIGHT, Action.WARN),
    ],
    ids=["just-under", "at", "just-over"],
)
def test_warning_boundary_in_calendar_days(last_used: datetime, now: datetime, expected: Action | None) -> None:
    decision = decide(command(last_used=last_used), RecordIndex(), now, BERLIN, DEFAULTS)
    assert (decision.action if decision else None) is expected


@pytest.mark.parametrize(
    ("last_used", "now", "expected"),
    [
        (_at_day_start(89), LAST_SECOND, Action.WAIT),
        (_at_day_end(90), MIDNIGHT, Action.DELETE),
        (_at_day_end(91), MIDNIGHT, Action.DELETE),
    ],
    ids=["just-under", "at", "just-over"],
)
def test_deletion_boundary_in_calendar_days(last_used: datetime, now: datetime, expected: Action) -> None:
    cmd = command(last_used=last_used, warning_sent=True)
    records = RecordIndex([warned(1, last_used + timedelta(days=61))])  # warned long enough ago
    decision = decide(cmd, records, now, BERLIN, DEFAULTS)
    assert decision is not None and decision.action is expected


@pytest.mark.parametrize(
    ("warned_at", "now", "expected"),
    [
        (_at_day_start(6), LAST_SECOND, Action.WAIT),  # 6 days 23:59:59 after the warning: 6 calendar days
        (_at_day_end(7), MIDNIGHT, Action.DELETE),  # 6 days and 1 second after: 7 calendar days
        (_at_day_end(8), MIDNIGHT, Action.DELETE),
    ],
    ids=["just-under", "at", "just-over"],
)
def test_grace_boundary_in_calendar_days(warned_at: datetime, now: datetime, expected: Action) -> None:
    cmd = command(last_used=MIDNIGHT - timedelta(days=120), warning_sent=True)
    decision = decide(cmd, RecordIndex([warned(1, warned_at)]), now, BERLIN, DEFAULTS)
    assert decision is not None and decision.action is expected


# --------------------------------------------------------------------------- warning dates and clock skew


def test_the_stated_warning_date_counts_not_discords_date_of_the_message() -> None:
    # A host 1 s ahead of Discord warned at its 00:00:00 on 25 May: Discord minted the DM at 23:59:59 on 24 May.
    minted = datetime(2026, 5, 24, 23, 59, 59, tzinfo=UTC)
    record = Record(kind="warned", command_id=1, at=minted, source="dm", message_id="1", on=date(2026, 5, 25))
    assert warning_date(record, UTC_ZONE) == date(2026, 5, 25)
    cmd = command(last_used=days_ago(120), warning_sent=True)
    may_31 = datetime(2026, 5, 31, 0, 0, tzinfo=UTC)  # 24 May + 7: due already by Discord's date of the DM
    decision = decide(cmd, RecordIndex([record]), may_31, UTC_ZONE, DEFAULTS)
    assert decision is not None and decision.action is Action.WAIT and decision.deletion_date == date(2026, 6, 1)
    next_day = decide(cmd, RecordIndex([record]), may_31 + timedelta(days=1), UTC_ZONE, DEFAULTS)
    assert next_day is not None and next_day.action is Action.DELETE


def test_a_stated_date_later_than_the_next_day_is_not_believed() -> None:
    minted = datetime(2026, 5, 24, 12, 0, tzinfo=UTC)
    future = Record(kind="warned", command_id=1, at=minted, source="dm", message_id="1", on=date(2031, 1, 1))
    earlier = Record(kind="warned", command_id=1, at=minted, source="admin", message_id="2", on=date(2026, 5, 20))
    assert warning_date(future, UTC_ZONE) == date(2026, 5, 24)
    assert warning_date(earlier, UTC_ZONE) == date(2026, 5, 20)  # a summary reporting an earlier warning


# --------------------------------------------------------------------------- earlier passes' warnings (16.11)


def _stale_warned() -> CommandDecision:
    return CommandDecision(
        command=command(last_used=days_ago(70), warning_sent=True),
        action=Action.WAIT,
        idle_days=70,
        reference=days_ago(70),
        reference_date=days_ago(70).date(),
        warned_on=days_ago(3).date(),
        deletion_date=days_ago(70).date() + timedelta(days=90),
        warning=None,
        notify_deletion=False,
        reason="",
    )


def test_a_dm_warning_no_admin_summary_reported_is_reported_now() -> None:
    dm = warned(1, days_ago(3))
    floor = days_ago(10)
    assert unsummarised_warning(_stale_warned(), RecordIndex([dm]), floor) == dm
    summary_after = warned(1, days_ago(3) + timedelta(seconds=2), "admin")
    assert unsummarised_warning(_stale_warned(), RecordIndex([dm, summary_after]), floor) is None
    summary_before = warned(1, days_ago(4), "admin")  # about an older warning, not this one
    assert unsummarised_warning(_stale_warned(), RecordIndex([dm, summary_before]), floor) == dm


def test_earlier_warnings_are_not_reported_beyond_what_was_read_nor_for_the_reference_bot() -> None:
    dm = warned(1, days_ago(3))
    assert unsummarised_warning(_stale_warned(), RecordIndex([dm]), days_ago(2)) is None  # older than the floor
    assert unsummarised_warning(_stale_warned(), RecordIndex([dm]), None) is None  # admin channel not read
    legacy = Record(kind="warned", command_id=1, at=days_ago(3), source="dm", message_id="1", legacy=True)
    assert unsummarised_warning(_stale_warned(), RecordIndex([legacy]), days_ago(10)) is None


def test_a_deletion_an_admin_summary_reported_is_not_reported_again() -> None:
    decision = _stale_warned()
    reported = Record(kind="deleted", command_id=1, at=NOW - timedelta(minutes=3), source="admin", message_id="3")
    assert deletion_summarised(decision, RecordIndex([reported]))
    assert not deletion_summarised(decision, RecordIndex([replace(reported, source="dm")]))
    assert not deletion_summarised(decision, RecordIndex([replace(reported, at=days_ago(71))]))  # before last use
