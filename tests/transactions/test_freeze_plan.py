"""freeze-begin decisions (pure) and the thaw's markers of a freeze cycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from leaguectl.models import Current
from leaguectl.transactions.freeze_plan import (
    EntryAction,
    MoveKind,
    decide_entry,
    decide_player_move,
    gate,
    plan_weekly_info,
    select_regular,
)
from leaguectl.transactions.markers import BotMessage
from leaguectl.transactions.messages import (
    WEEKLY_INFO_NOTICE,
    freeze_announcement,
    thaw_announcement,
    transaction_log_embed,
    weekly_info_messages,
)
from leaguectl.transactions.thaw_plan import completion_when_freeze_off, thaw_cycle
from leaguectl.transactions.week import league_week

from .factories import NY, SEASON, TROUT, WV, row

NY_TZ = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=NY_TZ)
WEEK = league_week(MONDAY, NY_TZ)


def current(week: int = 10, freeze: bool = False) -> Current:
    return Current(id=11, week=week, season=SEASON, freeze=freeze)


def message(content: str, at: datetime, number: int = 0, embeds: tuple[dict[str, object], ...] = ()) -> BotMessage:
    return BotMessage(id=str(1_000_000 + number), created=at.astimezone(UTC), content=content, embeds=embeds)


# --- gate ------------------------------------------------------------------------------------


def test_offseason_skips_before_anything_else() -> None:
    decision = gate(now=MONDAY, league_week=WEEK, window_hours=120, force=True, offseason=True)
    assert decision is not None and decision.action is EntryAction.SKIP and "offseason" in decision.reason


def test_inside_the_window_goes_on_and_outside_skips_unless_forced() -> None:
    assert gate(now=MONDAY + timedelta(minutes=59), league_week=WEEK, window_hours=1, force=False,
                offseason=False) is None
    late = gate(now=MONDAY + timedelta(hours=1), league_week=WEEK, window_hours=1, force=False, offseason=False)
    assert late is not None and late.action is EntryAction.SKIP and "--force" in late.reason
    assert gate(now=MONDAY + timedelta(days=6), league_week=WEEK, window_hours=1, force=True, offseason=False) is None


# --- entering the week -------------------------------------------------------------------------


def test_no_announcement_and_freeze_off_enters_the_next_week_announcing_first() -> None:
    decision = decide_entry(current(10), [])
    assert decision.action is EntryAction.ENTER
    assert (decision.week, decision.announce, decision.patch_current) == (11, True, True)


def test_announced_but_not_incremented_finishes_the_increment_without_reannouncing() -> None:
    decision = decide_entry(current(10), [11])
    assert decision.action is EntryAction.RESUME
    assert (decision.week, decision.announce, decision.patch_current) == (11, False, True)


def test_announced_and_incremented_does_not_patch_again() -> None:
    decision = decide_entry(current(11, freeze=True), [11])
    assert decision.action is EntryAction.RESUME
    assert (decision.announce, decision.patch_current) == (False, False)


def test_an_admin_who_cleared_the_freeze_is_obeyed() -> None:
    decision = decide_entry(current(11, freeze=False), [11])
    assert decision.action is EntryAction.RESUME
    assert (decision.announce, decision.patch_current) == (False, False)
    assert "cleared by hand" in decision.reason


def test_a_week_moved_by_an_admin_after_the_announcement_is_left_alone() -> None:
    decision = decide_entry(current(13, freeze=True), [11])
    assert decision.action is EntryAction.SKIP and "admin" in decision.reason


def test_freeze_left_on_without_this_weeks_announcement_refuses_to_increment() -> None:
    decision = decide_entry(current(10, freeze=True), [])
    assert decision.action is EntryAction.STOP
    assert "thaw" in decision.reason and decision.patch_current is False and decision.announce is False


# --- executing transactions -------------------------------------------------------------------


def test_only_unfrozen_uncancelled_rows_of_the_week_are_executed_in_id_order() -> None:
    rows = [row("T2", TROUT, "NY", "WV", week=11, frozen=False, row_id=5),
            row("T1", TROUT, "WV", "NY", week=11, frozen=False, row_id=3),
            row("F", TROUT, "FA", "WV", week=11, frozen=True, row_id=4),
            row("C", TROUT, "FA", "WV", week=11, frozen=False, cancelled=True, row_id=6),
            row("W", TROUT, "FA", "WV", week=12, frozen=False, row_id=7)]
    chosen, problems = select_regular(rows, season=SEASON, week=11)
    assert [r.moveid for r in chosen] == ["T1", "T2"]
    assert len(problems) == 3


def test_a_player_on_the_old_team_is_moved_on_the_new_team_is_done_elsewhere_is_a_conflict() -> None:
    trade = row("T", TROUT, "NY", "WV", frozen=False)
    assert decide_player_move(trade, NY.id).kind is MoveKind.MOVE
    assert decide_player_move(trade, WV.id).kind is MoveKind.DONE
    conflict = decide_player_move(trade, 777)
    assert conflict.kind is MoveKind.CONFLICT and "777" in conflict.describe()


# --- weekly info --------------------------------------------------------------------------------


def test_weekly_info_replaces_last_weeks_bot_messages() -> None:
    old = [message(text, MONDAY - timedelta(days=7), n) for n, text in enumerate(weekly_info_messages(10))]
    result = plan_weekly_info(old, league_week=WEEK, week=11, weeks_per_season=18)
    assert result.delete_ids == (old[0].id, old[1].id)
    assert result.post == weekly_info_messages(11)


def test_weekly_info_already_posted_this_week_is_not_posted_again() -> None:
    posted = [message(text, MONDAY + timedelta(seconds=n), n) for n, text in enumerate(weekly_info_messages(11))]
    result = plan_weekly_info(posted, league_week=WEEK, week=11, weeks_per_season=18)
    assert result.done


def test_weekly_info_interrupted_after_the_first_message_posts_only_the_second() -> None:
    old = message(weekly_info_messages(10)[1], MONDAY - timedelta(days=7), 1)
    first = message(WEEKLY_INFO_NOTICE, MONDAY + timedelta(seconds=1), 2)
    result = plan_weekly_info([old, first], league_week=WEEK, week=11, weeks_per_season=18)
    assert result.delete_ids == (old.id,)
    assert result.post == weekly_info_messages(11)[1:]


def test_other_bot_messages_in_the_weekly_info_channel_are_kept() -> None:
    other = message("Pinned rules", MONDAY - timedelta(days=30), 1)
    result = plan_weekly_info([other], league_week=WEEK, week=11, weeks_per_season=18)
    assert result.delete_ids == ()


def test_no_weekly_info_after_the_last_week_of_the_season() -> None:
    old = [message(WEEKLY_INFO_NOTICE, MONDAY - timedelta(days=7), 1)]
    assert plan_weekly_info(old, league_week=WEEK, week=19, weeks_per_season=18).done
    assert not plan_weekly_info(old, league_week=WEEK, week=19, weeks_per_season=20).done


# --- thaw markers -------------------------------------------------------------------------------


SATURDAY = MONDAY + timedelta(days=5)


def test_thaw_cycle_starts_at_the_weeks_freeze_announcement() -> None:
    history = [
        message(thaw_announcement(11), MONDAY - timedelta(days=9), 1),  # an earlier season's week 11
        message(freeze_announcement(11), MONDAY + timedelta(seconds=1), 2),
        message("", SATURDAY, 3, embeds=(transaction_log_embed("M1", [row("M1", TROUT, "FA", "WV")], SATURDAY),)),
    ]
    cycle = thaw_cycle(history, week=11, fallback_start=MONDAY)
    assert cycle.start == (MONDAY + timedelta(seconds=1)).astimezone(UTC)
    assert not cycle.announced
    assert cycle.logged == frozenset({"M1"})


def test_freeze_off_with_the_end_announced_does_nothing() -> None:
    history = [message(freeze_announcement(11), MONDAY, 1), message(thaw_announcement(11), SATURDAY, 2)]
    post, _ = completion_when_freeze_off(thaw_cycle(history, week=11, fallback_start=MONDAY), SATURDAY, NY_TZ)
    assert not post


def test_freeze_off_after_an_interrupted_thaw_completes_the_announcement() -> None:
    logged = transaction_log_embed("M1", [row("M1", TROUT, "FA", "WV")], SATURDAY)
    history = [message(freeze_announcement(11), MONDAY, 1), message("", SATURDAY, 2, embeds=(logged,))]
    post, _ = completion_when_freeze_off(thaw_cycle(history, week=11, fallback_start=MONDAY), SATURDAY, NY_TZ)
    assert post


def test_freeze_cleared_by_an_admin_on_monday_is_not_announced_before_the_thaw_time() -> None:
    cycle = thaw_cycle([message(freeze_announcement(11), MONDAY, 1)], week=11, fallback_start=MONDAY)
    assert not completion_when_freeze_off(cycle, MONDAY + timedelta(hours=1), NY_TZ)[0]
    assert completion_when_freeze_off(cycle, SATURDAY, NY_TZ)[0]


def test_freeze_off_and_never_begun_this_cycle_does_nothing() -> None:
    cycle = thaw_cycle([], week=11, fallback_start=MONDAY)
    assert not completion_when_freeze_off(cycle, SATURDAY, NY_TZ)[0]
