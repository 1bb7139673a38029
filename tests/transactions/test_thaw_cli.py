"""thaw end to end against the sandbox: Saturday of week 11, league time America/New_York."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from leaguectl.sandbox.web import Response
from leaguectl.transactions.messages import cancellation_dm, thaw_announcement
from tests.conftest import SandboxCli, invoke

from .world import (
    BOS_GM,
    BOS_ID,
    FA_ID,
    MONDAY,
    NY_CO,
    NY_GM,
    NY_ID,
    SATURDAY,
    WV_CO,
    WV_GM,
    WV_ID,
    frozen_claims,
    league_and_channels,
    serve_instead,
    thaw_scenario,
    tx,
)

Factory = Callable[..., SandboxCli]
GRANTED = {"WV-trout", "WVMiL-acuna", "WV-drop", "BOS-donnelly"}
DENIED = {"NY-trout", "BOS-trout", "BOS-acuna", "NY-two"}


def flags(cli: SandboxCli) -> dict[str, tuple[bool, bool]]:
    """moveid -> (frozen, cancelled), asserting that all rows of a move agree."""
    result: dict[str, tuple[bool, bool]] = {}
    for row in cli.sandbox.state.transactions():
        pair = (row["frozen"], row["cancelled"])
        assert result.setdefault(row["moveid"], pair) == pair
    return result


def logged_moveids(cli: SandboxCli) -> list[str]:
    return [
        embed["footer"]["text"].removeprefix("Move ")
        for message in cli.sandbox.state.messages("transaction-log")
        for embed in message.embeds
        if "footer" in embed
    ]


def dms(cli: SandboxCli, user: str) -> list[str]:
    return [message.content for message in cli.sandbox.state.dm_messages(user)]


def test_thaw_grants_the_worst_record_cancels_the_rest_and_clears_the_freeze(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 0, report["errors"]
    assert flags(cli) == {
        **dict.fromkeys(GRANTED, (False, False)),
        **dict.fromkeys(DENIED, (True, True)),
        "WV-cancelled": (True, True),  # was cancelled before; untouched
    }
    assert sorted(logged_moveids(cli)) == sorted(GRANTED)  # NY-two (lost one of two contests) is not logged
    log = [message.content for message in cli.sandbox.state.messages("transaction-log")]
    assert log.count(thaw_announcement(11)) == 1 and log[-1] == thaw_announcement(11)
    current = cli.sandbox.state.current()
    assert (current["id"], current["week"], current["freeze"]) == (11, 11, False)
    assert [row["week"] for row in cli.sandbox.state.current_rows() if row["id"] == 1] == [22]


def test_each_loser_is_cancelled_once_and_each_winner_unfrozen_once(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    cli.run("thaw", at=SATURDAY)
    patches = [entry for entry in cli.sandbox.request_log if entry.route == "PATCH /transactions/{moveid}"]
    cancels = sorted(e.path.rsplit("/", 1)[1] for e in patches if e.query.get("cancelled") == ["true"])
    unfreezes = sorted(e.path.rsplit("/", 1)[1] for e in patches if e.query.get("frozen") == ["false"])
    assert cancels == sorted(DENIED)
    assert unfreezes == sorted(GRANTED)


def test_the_gms_of_cancelled_moves_are_told_which_player_was_lost(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    cli.run("thaw", at=SATURDAY)
    trout, acuna = cancellation_dm(["Mike Trout"]), cancellation_dm(["Ronald Acuna"])
    assert dms(cli, NY_GM) == [trout]  # NY-trout and NY-two both lost Trout: told once
    assert dms(cli, BOS_GM) == [trout, acuna]
    assert dms(cli, WV_GM) == [] and dms(cli, WV_CO) == []


def test_a_gm_with_closed_dms_is_skipped_not_a_failure(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 0
    closed = [entry for entry in report["skipped"] if NY_CO in entry["reason"]]
    assert closed and all("dms-closed" in entry["reason"] for entry in closed)
    assert dms(cli, NY_CO) == []


def test_the_report_lists_every_action_and_the_priority_table(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    _, report = cli.run_json("thaw", at=SATURDAY)
    kinds = [action["kind"] for action in report["actions"]]
    assert kinds.count("cancel-move") == 4 and kinds.count("unfreeze-move") == 4
    assert kinds.count("log-move") == 4 and kinds.count("dm") == 3
    assert kinds[-2:] == ["patch-current", "announce"]
    table = {row["moveid"]: row for row in report["details"]["priority"]}
    assert table["WV-trout"]["decision"] == "granted" and table["WV-trout"]["win_pct"] == 0.3
    assert table["NY-two"]["decision"] == "denied" and table["NY-two"]["lost_to"] == "WV: Mike Trout"
    assert {row["team"] for row in report["details"]["teams"]} == {"WV", "NY", "BOS"}
    contests = {contest["player"]: contest for contest in report["details"]["contests"]}
    assert contests["Mike Trout"]["granted_to"] == "WV (Black Bears)"
    assert contests["Mike Trout"]["claimed_by"] == "NY (2 moves), BOS, WV"
    assert contests["Ronald Acuna"]["granted_to"] == "WVMiL (Black Bears MiL)"


def test_a_minor_league_loser_notifies_the_parent_teams_gms(make_cli: Factory) -> None:
    claims = [tx(31, "WVMiL-x", 2, FA_ID, 513, week=11, frozen=True), tx(32, "NY-x", 2, FA_ID, NY_ID, week=11,
                                                                           frozen=True)]
    standings = [{"team_id": WV_ID, "wins": 80, "losses": 20}, {"team_id": NY_ID, "wins": 10, "losses": 90}]
    cli = make_cli(thaw_scenario(transactions=claims, standings=standings), SATURDAY)
    assert cli.run("thaw", at=SATURDAY).exit_code == 0
    assert flags(cli) == {"NY-x": (False, False), "WVMiL-x": (True, True)}
    assert dms(cli, WV_GM) == [cancellation_dm(["Ronald Acuna"])]
    assert dms(cli, WV_CO) == [cancellation_dm(["Ronald Acuna"])]


def test_a_rerun_after_a_complete_thaw_changes_nothing(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    cli.run("thaw", at=SATURDAY)
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("thaw", at=SATURDAY + timedelta(minutes=5))
    assert result.exit_code == 0 and report["actions"] == []
    assert league_and_channels(cli.sandbox) == before


def test_the_same_state_thawed_on_fresh_copies_decides_identically(make_cli: Factory) -> None:
    tied = [{"team_id": team, "wins": 40, "losses": 40} for team in (WV_ID, NY_ID, BOS_ID)]
    ends = []
    for _ in range(2):
        cli = make_cli(thaw_scenario(standings=tied), SATURDAY)
        _, report = cli.run_json("thaw", at=SATURDAY)
        ends.append((league_and_channels(cli.sandbox), report["details"]["priority"]))
    assert ends[0] == ends[1]


def test_standings_that_cannot_be_read_change_nothing_and_exit_69(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(standings_mode="error"), SATURDAY)
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 69
    assert "standings" in report["errors"][0]["message"].lower()
    assert "nothing was changed" in report["errors"][0]["message"]
    assert league_and_channels(cli.sandbox) == before


def test_missing_standings_rows_hold_the_contests_and_the_uncontested_moves_are_still_done(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(standings_mode="empty"), SATURDAY)
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 1
    assert flags(cli) == {
        **dict.fromkeys(["WV-drop", "BOS-donnelly"], (False, False)),  # uncontested: granted
        **dict.fromkeys(GRANTED - {"WV-drop", "BOS-donnelly"} | DENIED, (True, False)),  # held, still frozen
        "WV-cancelled": (True, True),
    }
    assert cli.sandbox.state.current()["freeze"] is True  # not every move is settled
    assert thaw_announcement(11) not in [m.content for m in cli.sandbox.state.messages("transaction-log")]
    held = {error["item"] for error in report["errors"]}
    assert held == (GRANTED | DENIED) - {"WV-drop", "BOS-donnelly"}
    assert all("no standings row" in error["message"] for error in report["errors"])
    assert "held until their rows are fixed" in report["summary"]


def test_one_unreadable_transaction_row_holds_its_move_and_every_other_move_is_done(make_cli: Factory) -> None:
    broken = [*frozen_claims(11), tx(40, "Ghost", 404404, FA_ID, WV_ID, week=11, frozen=True)]
    cli = make_cli(thaw_scenario(transactions=broken), SATURDAY)
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 1
    assert flags(cli) == {
        **dict.fromkeys(GRANTED, (False, False)),
        **dict.fromkeys(DENIED, (True, True)),
        "WV-cancelled": (True, True),
        "Ghost": (True, False),  # neither granted nor cancelled
    }
    (error,) = report["errors"]
    assert error["item"] == "Ghost"
    assert "transaction row 40 (move Ghost) cannot be read" in error["message"]
    assert "field 'player' is null" in error["message"] and "fix the row" in error["message"]
    assert cli.sandbox.state.current()["freeze"] is True  # the thaw is not finished while a move is held
    # once the row is fixed, a forced rerun decides it and finishes the thaw
    cli.sandbox.state.league.players[404404] = {"id": 404404, "name": "Ghost Player", "wara": 0.5,
                                               "season": 12, "pos_1": "SS", "team_id": FA_ID}
    result, report = cli.run_json("thaw", "--force", at=SATURDAY + timedelta(days=3))
    assert result.exit_code == 0, report["errors"]
    assert flags(cli)["Ghost"] == (False, False)
    assert cli.sandbox.state.current()["freeze"] is False
    assert [m.content for m in cli.sandbox.state.messages("transaction-log")].count(thaw_announcement(11)) == 1


def test_an_unreadable_transaction_list_is_an_error_not_an_empty_thaw(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    before = league_and_channels(cli.sandbox)
    serve_instead(cli, "GET /transactions", lambda request: Response.json(200, {"count": 3, "rows": []}))
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 69
    assert "'transactions' list" in report["errors"][0]["message"]
    assert league_and_channels(cli.sandbox) == before


def test_with_no_frozen_claims_the_freeze_is_still_cleared_and_announced(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(transactions=[], standings_mode="error"), SATURDAY)
    assert cli.run("thaw", at=SATURDAY).exit_code == 0
    assert cli.sandbox.state.current()["freeze"] is False
    assert cli.sandbox.state.messages("transaction-log")[-1].content == thaw_announcement(11)


def test_offseason_thaw_does_nothing(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(offseason=True), SATURDAY)
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 0 and "offseason" in report["skipped"][0]["reason"]
    assert league_and_channels(cli.sandbox) == before


def test_dry_run_prints_every_contest_and_decision_and_changes_nothing(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    before = league_and_channels(cli.sandbox)
    result = cli.run("--dry-run", "thaw", at=SATURDAY)
    assert result.exit_code == 0
    assert league_and_channels(cli.sandbox) == before
    assert "would cancel-move NY: Mike Trout, Mookie Betts (team=NY (Yankees), lost=Mike Trout, " \
        "lost_to=WV (Black Bears), moveid=NY-two)" in result.stdout
    assert "would unfreeze-move WV: drops Buck Ferreira (team=WV (Black Bears), moveid=WV-drop)" in result.stdout
    assert "would log-move #transaction-log (move=WV: Mike Trout, moveid=WV-trout)" in result.stdout
    assert "player=Mike Trout  claimed_by=NY (2 moves), BOS, WV  granted_to=WV (Black Bears)" in result.stdout
    for moveid in GRANTED | DENIED:
        assert f"moveid={moveid}" in result.stdout


def test_freeze_off_with_an_interrupted_thaw_only_posts_the_missing_announcement(make_cli: Factory) -> None:
    # An earlier thaw logged a move, cleared the freeze, and died before announcing.
    drop = [row for row in frozen_claims(11) if row["moveid"] == "WV-drop"]
    embed = {"title": "Week 11 Transaction", "description": "Black Bears", "footer": {"text": "Move WV-drop"},
             "fields": [{"name": "Player Moves", "value": f"player {drop[0]['player_id']} from WV to FA\n"}]}
    seeded = [{"channel": "transaction-log", "author": "bot", "embeds": [embed],
               "timestamp": (SATURDAY + timedelta(seconds=3)).isoformat()}]
    cli = make_cli(thaw_scenario(freeze=False, messages=seeded), SATURDAY)
    result = cli.run("thaw", at=SATURDAY + timedelta(minutes=2))
    assert result.exit_code == 0
    log = [message.content for message in cli.sandbox.state.messages("transaction-log")]
    assert log[-1] == thaw_announcement(11)
    assert flags(cli)["NY-trout"] == (True, False)  # the frozen claims are not touched with the freeze off


def test_freeze_cleared_by_an_admin_is_not_thawed_again_before_saturday(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(freeze=False), MONDAY)
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("thaw", at=MONDAY + timedelta(hours=2))
    assert result.exit_code == 0 and report["actions"] == []
    assert league_and_channels(cli.sandbox) == before


# --- thaw's window (issue 17.7) ---------------------------------------------------------------------


def test_thaw_on_a_wednesday_skips_before_any_request_and_says_why(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("thaw", at=SATURDAY - timedelta(days=3))
    assert result.exit_code == 0
    (skip,) = report["skipped"]
    assert skip["reason"].startswith("outside the thaw window (Saturday 00:00 to Monday 00:00 league time")
    assert "Sat 2026-11-28 00:00" in skip["reason"] and "--force" in skip["reason"]
    assert cli.sandbox.request_log == [] and league_and_channels(cli.sandbox) == before


def test_thaw_acts_from_saturday_00_00_until_just_before_monday(make_cli: Factory) -> None:
    for at, acts in (
        (SATURDAY - timedelta(seconds=1), False),
        (SATURDAY, True),
        (SATURDAY + timedelta(days=1, hours=23, minutes=59), True),
        (SATURDAY + timedelta(days=2), False),  # Monday 00:00: freeze-begin's turn
    ):
        cli = make_cli(thaw_scenario(), SATURDAY)
        result, report = cli.run_json("thaw", at=at)
        assert result.exit_code == 0, (at, report["errors"])
        assert (cli.sandbox.state.current()["freeze"] is False) is acts, at


def test_thaw_force_acts_outside_the_window(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    result, report = cli.run_json("thaw", "--force", at=SATURDAY - timedelta(days=3))
    assert result.exit_code == 0, report["errors"]
    assert flags(cli)["WV-trout"] == (False, False) and cli.sandbox.state.current()["freeze"] is False


def test_thaw_help_documents_the_window_and_force(capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(["thaw", "--help"]).exit_code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Saturday 00:00 to the next Monday 00:00 league time" in text and "--force" in text


def test_freeze_cleared_by_an_admin_on_monday_is_not_announced_as_thawed_even_when_forced(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(freeze=False), MONDAY)
    before = league_and_channels(cli.sandbox)
    result, report = cli.run_json("thaw", "--force", at=MONDAY + timedelta(hours=2))
    assert result.exit_code == 0 and report["actions"] == []
    assert "no interrupted thaw" in report["summary"]
    assert league_and_channels(cli.sandbox) == before


# --- configuration and readable output ----------------------------------------------------------------


def test_a_guild_discord_does_not_know_is_a_configuration_error_naming_guild_id(make_cli: Factory) -> None:
    for command, world, at in (("thaw", thaw_scenario(), SATURDAY), ("freeze-begin", thaw_scenario(freeze=False),
                                                                      MONDAY + timedelta(days=7))):
        cli = make_cli(world, at, GUILD_ID="1100000000000000999")
        result, report = cli.run_json(command, at=at)
        assert result.exit_code == 78, (command, report["errors"])
        assert report["errors"][0]["message"].startswith("GUILD_ID: Discord does not know guild 1100000000000000999")


def test_the_report_names_channels_by_name_even_when_the_setting_is_an_id(make_cli: Factory) -> None:
    cli = make_cli(thaw_scenario(), SATURDAY)
    channel_id = cli.sandbox.state.channel_by_name("transaction-log").id
    cli.extra_env["TRANSACTION_LOG_CHANNEL"] = channel_id
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 0
    targets = {action["target"] for action in report["actions"] if action["kind"] in ("log-move", "announce")}
    assert targets == {"#transaction-log"}
