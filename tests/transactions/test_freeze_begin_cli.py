"""freeze-begin end to end against the sandbox (league time America/New_York)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from leaguectl.transactions.messages import freeze_announcement, weekly_info_messages
from tests.conftest import SandboxCli

from .world import BOS_ID, FA_ID, MONDAY, NY_ID, WV_ID, league_and_channels, scenario, tx

Factory = Callable[..., SandboxCli]


def clean_week(week: int = 11) -> list[dict[str, Any]]:
    """Week ``week``'s rows without a conflict: a trade, a frozen claim and a cancelled row."""
    return [
        tx(1, "Trade-ny-bos", 4, NY_ID, BOS_ID, week=week, frozen=False),
        tx(2, "Trade-ny-bos", 5, BOS_ID, NY_ID, week=week, frozen=False),
        tx(4, "Frozen-claim", 1, FA_ID, WV_ID, week=week, frozen=True),
        tx(5, "Cancelled", 6, WV_ID, FA_ID, week=week, frozen=False, cancelled=True),
    ]


def contents(cli: SandboxCli, channel: str) -> list[str]:
    return [message.content for message in cli.sandbox.state.messages(channel)]


def mutations(cli: SandboxCli, route: str) -> int:
    return sum(1 for entry in cli.sandbox.request_log if entry.route == route and entry.status == 200)


def changes(cli: SandboxCli) -> list[str]:
    """Mutating requests, except opening a DM channel (the ops hooks' recovery check does that)."""
    return [
        f"{entry.method} {entry.path}"
        for entry in cli.sandbox.request_log
        if entry.mutating and entry.route != "POST /users/@me/channels"
    ]


def test_sixty_runs_in_the_first_hour_enter_the_week_exactly_once(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=clean_week()), MONDAY)
    codes = [cli.run("freeze-begin", at=MONDAY + timedelta(minutes=minute)).exit_code for minute in range(60)]
    assert codes == [0] * 60
    state = cli.sandbox.state
    rows = {row["id"]: row for row in state.current_rows()}
    assert (rows[11]["week"], rows[11]["freeze"]) == (11, True)
    assert (rows[1]["week"], rows[1]["freeze"]) == (22, False)  # the old season's row is untouched
    assert mutations(cli, "PATCH /current/{id}") == 1
    assert contents(cli, "transaction-log").count(freeze_announcement(11)) == 1
    assert contents(cli, "weekly-info") == ["Reminder: playoff vote closes Friday.", *weekly_info_messages(11)]
    assert mutations(cli, "PATCH /players/{id}") == 2  # the trade's two rows, each once
    assert state.player(4)["team_id"] == BOS_ID and state.player(5)["team_id"] == NY_ID
    assert state.player(1)["team_id"] == FA_ID  # frozen claim not executed
    assert state.player(6)["team_id"] == WV_ID  # cancelled row not executed


def test_a_wednesday_rerun_changes_nothing(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=clean_week()), MONDAY)
    assert cli.run("freeze-begin", at=MONDAY).exit_code == 0
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("freeze-begin", at=MONDAY + timedelta(days=2, hours=9))
    assert result.exit_code == 0
    assert report["actions"] == []
    assert league_and_channels(cli.sandbox) == before


def test_a_wednesday_run_outside_a_short_window_does_nothing(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=clean_week()), MONDAY, FREEZE_WINDOW_HOURS="24")
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("freeze-begin", at=MONDAY + timedelta(days=2))
    assert result.exit_code == 0
    assert "outside the freeze-begin window" in report["skipped"][0]["reason"]
    assert league_and_channels(cli.sandbox) == before
    assert changes(cli) == []


def test_force_acts_outside_the_window(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=clean_week()), MONDAY, FREEZE_WINDOW_HOURS="24")
    assert cli.run("freeze-begin", "--force", at=MONDAY + timedelta(days=2)).exit_code == 0
    assert cli.sandbox.state.current()["week"] == 11


def test_an_admin_who_cleared_the_freeze_at_half_past_is_not_overruled(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=clean_week()), MONDAY)
    for minute in (0, 10, 29):
        cli.run("freeze-begin", at=MONDAY + timedelta(minutes=minute))
    live = next(row for row in cli.sandbox.state.league.current if row["id"] == 11)
    live["freeze"] = False  # the admin's /admin-set-freeze at 00:30
    for minute in (31, 45, 59):
        assert cli.run("freeze-begin", at=MONDAY + timedelta(minutes=minute)).exit_code == 0
    current = cli.sandbox.state.current()
    assert (current["week"], current["freeze"]) == (11, False)
    assert mutations(cli, "PATCH /current/{id}") == 1
    assert contents(cli, "transaction-log").count(freeze_announcement(11)) == 1


def test_offseason_changes_nothing(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=clean_week(), offseason=True), MONDAY)
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("freeze-begin", at=MONDAY)
    assert result.exit_code == 0
    assert "offseason" in report["skipped"][0]["reason"]
    assert league_and_channels(cli.sandbox) == before
    assert changes(cli) == []


def test_entering_week_19_posts_no_weekly_info(make_cli: Factory) -> None:
    cli = make_cli(scenario(week=18, transactions=clean_week(19)), MONDAY)
    before = contents(cli, "weekly-info")
    assert cli.run("freeze-begin", at=MONDAY).exit_code == 0
    assert cli.sandbox.state.current()["week"] == 19
    assert contents(cli, "weekly-info") == before  # week 18's info stays; nothing new
    assert contents(cli, "transaction-log")[-1] == freeze_announcement(19)
    assert cli.sandbox.state.player(4)["team_id"] == BOS_ID


def test_weeks_per_season_is_configurable(make_cli: Factory) -> None:
    cli = make_cli(scenario(week=18, transactions=[]), MONDAY, WEEKS_PER_SEASON="20")
    assert cli.run("freeze-begin", at=MONDAY).exit_code == 0
    assert contents(cli, "weekly-info")[-2:] == list(weekly_info_messages(19))


def test_a_player_on_neither_team_is_a_conflict_and_the_others_still_move(make_cli: Factory) -> None:
    cli = make_cli(scenario(), MONDAY)  # includes Otis Varga: NY -> WV, but he is on BOS
    result, report = cli.run_json("freeze-begin", at=MONDAY)
    assert result.exit_code == 1
    assert [error["item"] for error in report["errors"]] == ["transaction 3 (Claim-wv)"]
    state = cli.sandbox.state
    assert state.player(8)["team_id"] == BOS_ID
    assert state.player(4)["team_id"] == BOS_ID and state.player(5)["team_id"] == NY_ID
    assert state.current()["week"] == 11


def test_a_freeze_left_on_by_a_thaw_that_never_ran_is_not_incremented(make_cli: Factory) -> None:
    cli = make_cli(scenario(freeze=True, transactions=clean_week()), MONDAY)
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("freeze-begin", at=MONDAY)
    assert result.exit_code == 1
    assert "thaw" in report["errors"][0]["message"]
    assert league_and_channels(cli.sandbox) == before


def test_dry_run_lists_the_plan_and_changes_nothing(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=clean_week()), MONDAY)
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("--dry-run", "freeze-begin", at=MONDAY)
    assert result.exit_code == 0 and report["dry_run"] is True
    kinds = [action["kind"] for action in report["actions"]]
    assert kinds == ["announce", "patch-current", "move-player", "move-player", "delete-weekly-info",
                     "post-weekly-info", "post-weekly-info"]
    assert league_and_channels(cli.sandbox) == before
    assert changes(cli) == []


def test_a_rerun_after_the_week_was_announced_but_not_incremented_finishes_it(make_cli: Factory) -> None:
    announced = {"channel": "transaction-log", "author": "bot", "content": freeze_announcement(11),
                 "timestamp": (MONDAY + timedelta(seconds=1)).isoformat()}
    cli = make_cli(scenario(transactions=clean_week(), messages=[announced]), MONDAY)
    assert cli.run("freeze-begin", at=MONDAY + timedelta(minutes=1)).exit_code == 0
    current = cli.sandbox.state.current()
    assert (current["week"], current["freeze"]) == (11, True)
    assert contents(cli, "transaction-log").count(freeze_announcement(11)) == 1


def test_a_forced_run_late_last_week_finds_that_weeks_announcement_and_does_not_increment(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=clean_week()), MONDAY)
    # the scenario holds week 10's announcement from last Monday; a run one second before Monday is last week
    result, _ = cli.run_json("freeze-begin", "--force", at=MONDAY - timedelta(seconds=1))
    assert result.exit_code == 0
    assert cli.sandbox.state.current()["week"] == 10


def test_a_bot_that_may_not_post_in_the_transaction_log_changes_nothing_and_exits_78(make_cli: Factory) -> None:
    world = scenario(transactions=clean_week())
    world["discord"]["channels"] = [
        {"name": "general"}, {"name": "transaction-log", "bot_denied": ["send"]}, {"name": "weekly-info"},
    ]
    cli = make_cli(world, MONDAY)
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("freeze-begin", at=MONDAY)
    assert result.exit_code == 78
    assert "grant the bot access" in report["errors"][0]["message"]
    assert league_and_channels(cli.sandbox) == before  # the announcement comes first, so nothing else happened


def test_a_missing_weekly_info_channel_is_named_and_a_rerun_finishes_once_it_exists(make_cli: Factory) -> None:
    world = scenario(transactions=clean_week())
    world["discord"]["channels"] = [{"name": "general"}, {"name": "transaction-log"}, {"name": "weekly-info-2"}]
    world["discord"]["messages"] = [m for m in world["discord"]["messages"] if m["channel"] != "weekly-info"]
    cli = make_cli(world, MONDAY)
    result, report = cli.run_json("freeze-begin", at=MONDAY)
    assert result.exit_code == 78 and "WEEKLY_INFO_CHANNEL" in report["errors"][0]["message"]
    assert cli.sandbox.state.current()["week"] == 11
    cli.extra_env["WEEKLY_INFO_CHANNEL"] = "weekly-info-2"
    assert cli.run("freeze-begin", at=MONDAY + timedelta(minutes=1)).exit_code == 0
    assert contents(cli, "weekly-info-2") == list(weekly_info_messages(11))
    assert contents(cli, "transaction-log").count(freeze_announcement(11)) == 1


def test_the_summary_says_resumed_only_when_an_earlier_run_was_finished(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=clean_week()), MONDAY)
    _, first = cli.run_json("freeze-begin", at=MONDAY)
    assert first["summary"] == "entered week 11; 2 player move(s)"
    _, again = cli.run_json("freeze-begin", at=MONDAY + timedelta(minutes=1))
    assert again["summary"] == "week 11 was already entered; nothing left to do"
    assert "resumed" not in cli.run("freeze-begin", at=MONDAY + timedelta(minutes=2)).stdout


def test_the_report_names_players_and_teams_of_each_move(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=clean_week()), MONDAY)
    _, report = cli.run_json("freeze-begin", at=MONDAY)
    moves = [action for action in report["actions"] if action["kind"] == "move-player"]
    assert [move["target"] for move in moves] == ["Aaron Judge (NY → BOS)", "Rafael Devers (BOS → NY)"]
    assert {action["target"] for action in report["actions"] if action["kind"] == "announce"} == {"#transaction-log"}


def test_a_freeze_left_on_from_last_week_advises_a_forced_thaw_naming_when_it_began(make_cli: Factory) -> None:
    cli = make_cli(scenario(freeze=True, transactions=clean_week()), MONDAY)
    _, report = cli.run_json("freeze-begin", at=MONDAY)
    message = report["errors"][0]["message"]
    assert message.startswith("week 10's freeze (begun 2026-11-16 05:00 UTC) was never thawed")
    assert "leaguectl thaw --force" in message and "clear" not in message
