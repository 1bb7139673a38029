"""One hostile league row never stops freeze-begin or thaw (SPEC §1.6, issue 16.1 and 16.11).

Each test puts one broken item next to good ones in the sandbox and checks
that the good ones are done, that the broken one is an item error naming the
row and what to do, and that nothing crashes (no exit 70).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from leaguectl.sandbox.web import Response
from leaguectl.transactions.messages import freeze_announcement
from tests.conftest import SandboxCli

from .test_thaw_cli import DENIED, GRANTED, flags
from .world import (
    BOS_ID,
    FA_ID,
    MONDAY,
    NY_ID,
    SATURDAY,
    WV_ID,
    league_service,
    scenario,
    serve_instead,
    thaw_scenario,
    tx,
)

Factory = Callable[..., SandboxCli]


def week_11_rows() -> list[dict[str, Any]]:
    return [
        tx(1, "Trade-ny-bos", 4, NY_ID, BOS_ID, week=11, frozen=False),
        tx(2, "Trade-ny-bos", 5, BOS_ID, NY_ID, week=11, frozen=False),
        tx(3, "Trade-wv-bos", 6, WV_ID, BOS_ID, week=11, frozen=False),
        tx(4, "Trade-wv-bos", 404404, BOS_ID, WV_ID, week=11, frozen=False),  # no such player: player is null
        tx(5, "Claim-wv", 7, FA_ID, WV_ID, week=11, frozen=False),
    ]


def test_freeze_begin_with_a_null_player_row_still_executes_every_other_move(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=week_11_rows()), MONDAY)
    result, report = cli.run_json("freeze-begin", at=MONDAY)
    assert result.exit_code == 1
    state = cli.sandbox.state
    assert state.current()["week"] == 11 and state.current()["freeze"] is True
    assert state.player(4)["team_id"] == BOS_ID and state.player(5)["team_id"] == NY_ID  # the good trade
    assert state.player(7)["team_id"] == WV_ID  # the good claim
    assert state.player(6)["team_id"] == WV_ID  # the broken trade's readable half waits: no trade by halves
    (error,) = report["errors"]
    assert error["item"] == "Trade-wv-bos"
    assert "transaction row 4 (move Trade-wv-bos) cannot be read" in error["message"]
    assert "field 'player' is null" in error["message"] and "fix the row in the league API" in error["message"]
    waits = [skip for skip in report["skipped"] if skip.get("item") == "transaction 3 (Trade-wv-bos)"]
    assert waits and "another row of its move cannot be read" in waits[0]["reason"]
    result, report = cli.run_json("freeze-begin", at=MONDAY + timedelta(minutes=1))
    assert result.exit_code == 1
    assert report["summary"] == "week 11 was already entered; 1 item(s) still need attention (see the errors)"


def test_freeze_begin_finishes_the_held_move_once_the_row_is_fixed(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=week_11_rows()), MONDAY)
    cli.run("freeze-begin", at=MONDAY)
    cli.sandbox.state.league.players[404404] = {"id": 404404, "name": "Late Arrival", "wara": 1.5, "season": 12,
                                               "pos_1": "C", "team_id": BOS_ID}
    result, report = cli.run_json("freeze-begin", at=MONDAY + timedelta(minutes=30))
    assert result.exit_code == 0, report["errors"]
    state = cli.sandbox.state
    assert state.player(6)["team_id"] == BOS_ID and state.player(404404)["team_id"] == WV_ID
    assert state.current()["week"] == 11  # still entered once
    log = [message.content for message in state.messages("transaction-log")]
    assert log.count(freeze_announcement(11)) == 1
    assert report["summary"] == "finish entering week 11 (resumed an earlier run); 2 player move(s)"


def test_freeze_begin_reads_rows_without_frozen_and_cancelled_flags_as_the_bot_does(make_cli: Factory) -> None:
    cli = make_cli(scenario(transactions=week_11_rows()[:2]), MONDAY)
    listing = league_service(cli)
    original = listing.transaction_json

    def without_flags(row: dict[str, Any]) -> dict[str, Any]:
        rendered: dict[str, Any] = original(row)
        del rendered["frozen"], rendered["cancelled"]
        return rendered

    listing.transaction_json = without_flags
    result, report = cli.run_json("freeze-begin", at=MONDAY)
    assert result.exit_code == 0, report["errors"]
    assert cli.sandbox.state.player(4)["team_id"] == BOS_ID and cli.sandbox.state.player(5)["team_id"] == NY_ID


def test_an_odd_current_row_is_named_with_what_to_fix_and_nothing_changes(make_cli: Factory) -> None:
    for command, at in (("freeze-begin", MONDAY), ("thaw", SATURDAY)):
        world = scenario(transactions=week_11_rows()) if command == "freeze-begin" else thaw_scenario()
        world["league"]["current"][1]["week"] = -3
        cli = make_cli(world, at)
        before = cli.sandbox.state.normalized_snapshot()
        result, report = cli.run_json(command, at=at)
        assert result.exit_code == 69, command
        message = report["errors"][0]["message"]
        assert "Current id 11: week: -3 is not a league week" in message
        assert "fix the live season's current row" in message and "nothing was changed" in message
        assert cli.sandbox.state.normalized_snapshot() == before


def test_thaw_with_two_disagreeing_standings_rows_for_a_team_holds_its_contests_and_does_the_rest(
    make_cli: Factory,
) -> None:
    standings = [
        {"team_id": WV_ID, "wins": 30, "losses": 70},
        {"team_id": NY_ID, "wins": 70, "losses": 30},
        {"team_id": BOS_ID, "wins": 50, "losses": 50},
        {"team_id": BOS_ID, "wins": 20, "losses": 80},  # a second BOS row: which one counts is a guess
    ]
    cli = make_cli(thaw_scenario(standings=standings), SATURDAY)
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 1
    # BOS contests Trout (with NY and WV: NY-two is linked through Trout) and Acuna (with WVMiL): all held.
    held = {"NY-trout", "BOS-trout", "WV-trout", "NY-two", "WVMiL-acuna", "BOS-acuna"}
    assert flags(cli) == {
        **dict.fromkeys(held, (True, False)),
        "WV-drop": (False, False),
        "BOS-donnelly": (False, False),
        "WV-cancelled": (True, True),
    }
    assert {error["item"] for error in report["errors"]} == held
    assert all("2 standings rows for BOS disagree" in error["message"] for error in report["errors"])
    assert cli.sandbox.state.current()["freeze"] is True


def test_thaw_with_an_unreadable_standings_row_holds_the_contests_it_may_decide(make_cli: Factory) -> None:
    standings = [
        {"team_id": WV_ID, "wins": 30, "losses": 70},
        {"team_id": NY_ID, "wins": 70, "losses": 30},
        {"team_id": BOS_ID, "wins": "fifty", "losses": 50},
    ]
    cli = make_cli(thaw_scenario(standings=standings), SATURDAY)
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 1
    assert flags(cli)["WV-drop"] == (False, False) and flags(cli)["BOS-donnelly"] == (False, False)
    assert flags(cli)["WV-trout"] == (True, False) and flags(cli)["BOS-acuna"] == (True, False)
    row_errors = [error for error in report["errors"] if error["item"].startswith("standings row")]
    assert len(row_errors) == 1 and "wins: expected an integer, got 'fifty'" in row_errors[0]["message"]


def test_thaw_with_a_broken_team_row_holds_that_move_and_decides_the_others(make_cli: Factory) -> None:
    claims = [
        tx(11, "NY-trout", 1, FA_ID, NY_ID, week=11, frozen=True),
        tx(12, "WV-trout", 1, FA_ID, WV_ID, week=11, frozen=True),
        tx(13, "Lost-team", 3, FA_ID, 9999, week=11, frozen=True),  # newteam 9999 does not exist: null
        tx(14, "WV-drop", 6, WV_ID, FA_ID, week=11, frozen=True),
    ]
    cli = make_cli(thaw_scenario(transactions=claims), SATURDAY)
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 1
    assert flags(cli) == {
        "NY-trout": (True, True), "WV-trout": (False, False), "WV-drop": (False, False), "Lost-team": (True, False),
    }
    (error,) = report["errors"]
    assert error["item"] == "Lost-team" and "field 'newteam' is null" in error["message"]


def test_every_good_move_of_the_standard_world_survives_one_broken_row(make_cli: Factory) -> None:
    """The standard thaw world plus one row that is not even an object: every claim waits, drops go on."""
    cli = make_cli(thaw_scenario(), SATURDAY)
    original = league_service(cli).list_transactions

    def with_garbage(request: Any) -> Response:
        response = original(request)
        body = json.loads(response.body)
        body["transactions"].append("not a row")
        body["count"] += 1
        return Response.json(200, body)

    serve_instead(cli, "GET /transactions", with_garbage)
    result, report = cli.run_json("thaw", at=SATURDAY)
    assert result.exit_code == 1
    assert flags(cli)["WV-drop"] == (False, False)  # drops claim nothing: granted
    assert all(flags(cli)[moveid] == (True, False) for moveid in (GRANTED | DENIED) - {"WV-drop"})
    assert any("may claim any player" in error["message"] for error in report["errors"])
