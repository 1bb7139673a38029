"""League API models: strict parsing that names model, row and field; aware datetimes; helpers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from leaguectl.models import (
    Current,
    CustomCommand,
    CustomCommandCreator,
    ModelError,
    Player,
    Team,
    TeamStandings,
    Transaction,
)


def team_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": 499,
        "abbrev": "NYY",
        "sname": "Yankees",
        "lname": "New York Yankees",
        "season": 12,
        "gmid": 258104532423147520,
        "gmid2": None,
        "color": "0a2240",
        "thumbnail": "https://example.test/nyy.png",
        "division": {"id": 1, "division_name": "East"},
    }
    row.update(overrides)
    return row


def player_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": 12472,
        "name": "Mike Trout",
        "wara": 2.5,
        "season": 12,
        "pos_1": "CF",
        "team_id": 499,
        "image": "https://example.test/trout.png",
    }
    row.update(overrides)
    return row


def transaction_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": 27787,
        "week": 10,
        "season": 12,
        "moveid": "Season-012-Week-10-19-13:04:41",
        "player": player_row(),
        "oldteam": team_row(id=547, abbrev="FA", sname="Free Agents", lname="Free Agents"),
        "newteam": team_row(),
        "cancelled": False,
        "frozen": True,
    }
    row.update(overrides)
    return row


def command_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": 7,
        "name": "hype",
        "content": "Let's go!",
        "creator_id": 3,
        "creator": {
            "id": 3,
            "discord_id": "123456789012345678",
            "username": "gm_bob",
            "display_name": "Bob",
            "created_at": "2025-01-02T03:04:05",
            "total_commands": 4,
            "active_commands": 2,
        },
        "created_at": "2025-01-02T03:04:05",
        "updated_at": None,
        "last_used": "2025-06-01T12:00:00.250000",
        "use_count": 17,
        "warning_sent": False,
        "is_active": True,
        "tags": ["fun"],
        "server_only_column": "kept in raw",
    }
    row.update(overrides)
    return row


def error_of(model: Any, row: Any) -> str:
    with pytest.raises(ModelError) as caught:
        model.from_api(row)
    return str(caught.value)


# --- Current ------------------------------------------------------------------------------------


def test_current_reads_the_reference_example_row() -> None:
    current = Current.from_api(
        {
            "id": 11,
            "week": 10,
            "season": 13,
            "freeze": False,
            "bet_week": "sheets",
            "trade_deadline": 14,
            "pick_trade_start": 15,
            "pick_trade_end": 18,
            "playoffs_begin": 19,
            "created_at": "2025-01-01T00:00:00",
        }
    )
    assert current == Current(
        id=11,
        week=10,
        season=13,
        freeze=False,
        bet_week="sheets",
        trade_deadline=14,
        pick_trade_start=15,
        pick_trade_end=18,
        playoffs_begin=19,
    )


@pytest.mark.parametrize("missing", ["id", "week", "season", "freeze"])
def test_current_without_a_core_field_is_an_error_not_a_sentinel_default(missing: str) -> None:
    row = {"id": 11, "week": 10, "season": 13, "freeze": False}
    del row[missing]
    message = error_of(Current, row)
    assert f"field '{missing}' is missing" in message
    assert message.startswith("Current")


def test_current_optional_fields_take_the_bots_defaults_and_bet_week_is_coerced_to_text() -> None:
    current = Current.from_api({"id": 1, "week": 3, "season": 3, "freeze": True, "bet_week": 5})
    assert current.bet_week == "5"
    assert (current.trade_deadline, current.pick_trade_start, current.pick_trade_end) == (1, 69, 420)
    assert current.playoffs_begin == 420


def test_current_fields_leaguectl_never_reads_cannot_fail_the_row() -> None:
    current = Current.from_api(
        {"id": 1, "week": 3, "season": 3, "freeze": True, "bet_week": None, "trade_deadline": "soon",
         "playoffs_begin": [19]}
    )
    assert (current.bet_week, current.trade_deadline, current.playoffs_begin) == ("sheets", 1, 420)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("week", -1, "week: -1 is not a league week (0..1000)"),
        ("week", 10**6, "week: 1000000 is not a league week (0..1000)"),
        ("season", 0, "season: 0 is not a season (1 or more)"),
        ("week", 10**60, "week: expected an integer, got a number of more than 40 digits"),
        ("week", "9" * 5000, "week: expected an integer, got '" + "9" * 56 + "..."),
    ],
)
def test_current_with_an_odd_week_or_season_is_an_error_naming_the_field(field: str, value: object,
                                                                         problem: str) -> None:
    row: dict[str, object] = {"id": 11, "week": 10, "season": 13, "freeze": False, field: value}
    assert error_of(Current, row) == f"Current id 11: {problem}"


def test_current_freeze_accepts_only_boolean_like_values() -> None:
    assert Current.from_api({"id": 1, "week": 3, "season": 3, "freeze": "false"}).freeze is False
    assert Current.from_api({"id": 1, "week": 3, "season": 3, "freeze": 1}).freeze is True
    message = error_of(Current, {"id": 1, "week": 3, "season": 3, "freeze": "maybe"})
    assert message == "Current id 1: freeze: expected true or false, got 'maybe'"


def test_a_null_required_field_is_reported_as_null() -> None:
    assert error_of(Current, {"id": 1, "week": None, "season": 3, "freeze": True}) == (
        "Current id 1: field 'week' is null"
    )


def test_models_are_frozen() -> None:
    current = Current.from_api({"id": 1, "week": 3, "season": 3, "freeze": True})
    with pytest.raises(dataclasses.FrozenInstanceError):
        current.week = 4  # type: ignore[misc]


# --- Team ---------------------------------------------------------------------------------------


def test_team_ignores_unknown_fields_and_reads_gm_ids_given_as_strings() -> None:
    team = Team.from_api(team_row(gmid="258104532423147520", gmid2="", extra_column=[1, 2]))
    assert team.gmid == 258104532423147520
    assert team.gmid2 is None
    assert team.gm_ids == (258104532423147520,)


def test_team_names_fall_back_on_each_other_and_on_the_abbreviation() -> None:
    only_long = team_row(sname=None)
    assert Team.from_api(only_long).sname == "New York Yankees"
    bare = team_row()
    del bare["sname"], bare["lname"], bare["season"]
    team = Team.from_api(bare)
    assert (team.sname, team.lname, team.season, team.label) == ("NYY", "NYY", None, "NYY")
    assert Team.from_api(team_row()).label == "NYY (Yankees)"


@pytest.mark.parametrize("gmid", [0, -5, "abc", 2**64, True])
def test_team_gm_id_must_be_a_discord_user_id(gmid: object) -> None:
    assert "gmid: expected" in error_of(Team, team_row(gmid=gmid))


def test_team_with_a_blank_abbreviation_is_an_error() -> None:
    assert error_of(Team, team_row(abbrev="")) == "Team id 499: abbrev: expected a non-blank string, got ''"


def test_team_gm_ids_lists_both_gms_once_each() -> None:
    assert Team.from_api(team_row(gmid=1, gmid2=2)).gm_ids == (1, 2)
    assert Team.from_api(team_row(gmid=1, gmid2=1)).gm_ids == (1,)


def test_team_with_a_non_numeric_gm_id_names_the_field() -> None:
    assert error_of(Team, team_row(gmid="bob")) == "Team id 499: gmid: expected an integer, got 'bob'"


def test_team_id_given_as_a_boolean_is_rejected() -> None:
    assert "id: expected an integer, got True" in error_of(Team, team_row(id=True))


@pytest.mark.parametrize(
    ("color", "expected"),
    [
        ("a6ce39", 0xA6CE39),
        ("#a6ce39", 0xA6CE39),
        (" #0A2240 ", 0x0A2240),
        (123456, 0x123456),
        ("not-a-colour", 0xABCDEF),
        ("", 0xABCDEF),
        (None, 0xABCDEF),
        ("1000000", 0xABCDEF),
    ],
)
def test_team_color_int_tolerates_a_hash_and_falls_back_on_bad_values(color: object, expected: int) -> None:
    assert Team.from_api(team_row(color=color)).color_int(0xABCDEF) == expected


def test_team_keeps_the_raw_color_string() -> None:
    assert Team.from_api(team_row(color="#a6ce39")).color == "#a6ce39"


@pytest.mark.parametrize(
    ("abbrev", "base"),
    [("NYY", "NYY"), ("NYYMiL", "NYY"), ("WVMiL", "WV"), ("NYYIL", "NYYIL"), ("MiL", "MiL")],
)
def test_team_base_abbrev_strips_the_minor_league_suffix(abbrev: str, base: str) -> None:
    assert Team.from_api(team_row(abbrev=abbrev)).base_abbrev == base


@pytest.mark.parametrize(("abbrev", "free_agent"), [("FA", True), ("fa", True), ("FAL", False), ("NYY", False)])
def test_team_is_free_agent_by_abbreviation(abbrev: str, free_agent: bool) -> None:
    assert Team.from_api(team_row(abbrev=abbrev)).is_free_agent is free_agent


# --- Player -------------------------------------------------------------------------------------


def test_player_reads_wara_from_a_numeric_string() -> None:
    player = Player.from_api(player_row(wara="1.75"))
    assert player.wara == 1.75
    assert player.team_id == 499
    assert player.team is None


def test_player_team_id_comes_from_the_nested_team_when_only_that_is_given() -> None:
    row = player_row(team=team_row(id=501))
    del row["team_id"]
    player = Player.from_api(row)
    assert player.team_id == 501
    assert player.team is not None and player.team.abbrev == "NYY"


def test_player_accepts_a_bare_team_id_in_the_team_field() -> None:
    row = player_row(team=502)
    del row["team_id"]
    assert Player.from_api(row).team_id == 502


def test_player_without_position_or_season_is_read_because_leaguectl_never_uses_them() -> None:
    row = player_row(pos_1=None)
    del row["season"]
    player = Player.from_api(row)
    assert (player.pos_1, player.season, player.name) == (None, None, "Mike Trout")


def test_player_missing_name_names_the_field_and_id() -> None:
    row = player_row()
    del row["name"]
    assert error_of(Player, row) == "Player id 12472: field 'name' is missing"


def test_player_with_an_unreadable_nested_team_keeps_its_id_or_reads_as_on_no_team() -> None:
    row = player_row(team={"id": "501", "abbrev": None})
    del row["team_id"]
    assert (Player.from_api(row).team_id, Player.from_api(row).team) == (501, None)
    row["team"] = {"abbrev": "NYY"}
    assert Player.from_api(row).team_id is None


def test_player_with_an_unreadable_team_id_is_an_error_because_freeze_begin_decides_from_it() -> None:
    assert error_of(Player, player_row(team_id="four")) == (
        "Player id 12472: team_id: expected an integer, got 'four'"
    )


# --- Transaction --------------------------------------------------------------------------------


def test_transaction_parses_nested_player_and_teams() -> None:
    move = Transaction.from_api(transaction_row())
    assert move.moveid == "Season-012-Week-10-19-13:04:41"
    assert move.player.name == "Mike Trout"
    assert move.oldteam.is_free_agent
    assert move.newteam.abbrev == "NYY"
    assert move.frozen and not move.cancelled
    assert not move.is_pending
    assert not move.is_drop


def test_transaction_to_free_agency_is_a_drop() -> None:
    move = Transaction.from_api(transaction_row(newteam=team_row(id=547, abbrev="FA"), frozen=False))
    assert move.is_drop
    assert move.is_pending


def test_transaction_missing_moveid_names_model_row_and_field() -> None:
    row = transaction_row()
    del row["moveid"]
    assert error_of(Transaction, row) == "Transaction id 27787: field 'moveid' is missing"


def test_transaction_nested_error_reports_the_path() -> None:
    row = transaction_row(id=5, player=player_row(wara="x"))
    assert error_of(Transaction, row) == "Transaction id 5: player.wara: expected a number, got 'x'"


def test_transaction_missing_nested_field_reports_the_path() -> None:
    newteam = team_row()
    del newteam["abbrev"]
    assert error_of(Transaction, transaction_row(newteam=newteam)) == (
        "Transaction id 27787: field 'newteam.abbrev' is missing"
    )


def test_transaction_with_an_id_instead_of_a_nested_team_is_an_error() -> None:
    assert error_of(Transaction, transaction_row(oldteam=547)) == (
        "Transaction id 27787: oldteam: expected an object, got 547"
    )


def test_transaction_cancelled_and_frozen_default_to_false_like_the_bots_model() -> None:
    row = transaction_row()
    del row["cancelled"], row["frozen"]
    move = Transaction.from_api(row)
    assert (move.cancelled, move.frozen) == (False, False)
    assert Transaction.from_api(transaction_row(cancelled=None, frozen=None)).is_pending


def test_transaction_with_an_unreadable_flag_is_an_error() -> None:
    assert error_of(Transaction, transaction_row(frozen="perhaps")) == (
        "Transaction id 27787: frozen: expected true or false, got 'perhaps'"
    )


def test_transaction_with_a_blank_moveid_is_an_error_because_the_moveid_is_a_path() -> None:
    assert error_of(Transaction, transaction_row(moveid="  ")) == (
        "Transaction id 27787: moveid: expected a non-blank string, got '  '"
    )


def test_row_without_id_says_so() -> None:
    row = transaction_row()
    del row["id"]
    assert error_of(Transaction, row) == "Transaction (no id): field 'id' is missing"


def test_a_row_that_is_not_an_object_is_an_error() -> None:
    assert error_of(Transaction, ["not", "a", "row"]) == (
        "Transaction (no id): expected an object, got ['not', 'a', 'row']"
    )


def test_model_error_is_a_value_error_with_structured_parts() -> None:
    with pytest.raises(ValueError) as caught:
        Transaction.from_api(transaction_row(id=5, player=player_row(wara="x")))
    error = caught.value
    assert isinstance(error, ModelError)
    assert (error.model, error.row_id, error.field) == ("Transaction", 5, "player.wara")


# --- TeamStandings ------------------------------------------------------------------------------


def test_standings_needs_only_id_team_wins_losses_and_tolerates_bad_extras() -> None:
    standings = TeamStandings.from_api(
        {"id": 1, "team": team_row(), "wins": 30, "losses": 10, "run_diff": "n/a", "div_gb": "2.5"}
    )
    assert (standings.wins, standings.losses) == (30, 10)
    assert standings.run_diff is None
    assert standings.div_gb == 2.5
    assert standings.win_pct == 0.75


def test_standings_win_pct_is_zero_before_any_game() -> None:
    assert TeamStandings.from_api({"id": 1, "team": team_row(), "wins": 0, "losses": 0}).win_pct == 0.0


def test_standings_with_negative_games_is_an_error() -> None:
    assert error_of(TeamStandings, {"id": 9, "team": team_row(), "wins": -3, "losses": 5}) == (
        "TeamStandings id 9: wins: expected a count of at least 0, got -3"
    )


def test_standings_without_wins_is_an_error() -> None:
    assert error_of(TeamStandings, {"id": 9, "team": team_row(), "losses": 0}) == (
        "TeamStandings id 9: field 'wins' is missing"
    )


# --- Custom commands ----------------------------------------------------------------------------


def test_custom_command_naive_datetimes_are_read_as_utc() -> None:
    command = CustomCommand.from_api(command_row())
    assert command.created_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert command.last_used == datetime(2025, 6, 1, 12, 0, 0, 250000, tzinfo=UTC)
    assert command.updated_at is None


def test_custom_command_naive_datetimes_can_be_read_in_another_zone() -> None:
    command = CustomCommand.from_api(command_row(), naive_tz=ZoneInfo("America/Chicago"))
    assert command.last_used is not None
    assert command.last_used.utcoffset() == timedelta(hours=-5)
    assert command.creator is not None and command.creator.created_at is not None
    assert command.creator.created_at.utcoffset() == timedelta(hours=-6)


def test_custom_command_keeps_explicit_offsets() -> None:
    command = CustomCommand.from_api(command_row(last_used="2025-06-01T12:00:00+02:00"))
    assert command.last_used == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
    assert command.last_used is not None
    assert command.last_used.tzinfo == timezone(timedelta(hours=2))
    zulu = CustomCommand.from_api(command_row(last_used="2025-06-01T12:00:00Z"))
    assert zulu.last_used == datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_custom_command_reads_creator_and_fields() -> None:
    command = CustomCommand.from_api(command_row())
    assert command.creator == CustomCommandCreator(
        id=3,
        discord_id=123456789012345678,
        username="gm_bob",
        display_name="Bob",
        created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        total_commands=4,
        active_commands=2,
    )
    assert command.tags == ("fun",)
    assert command.use_count == 17


def test_custom_command_defaults_follow_a_new_command() -> None:
    row = command_row()
    for key in ("creator", "use_count", "warning_sent", "is_active", "tags", "last_used"):
        del row[key]
    command = CustomCommand.from_api(row)
    assert (command.use_count, command.warning_sent, command.is_active) == (0, False, True)
    assert command.tags is None and command.last_used is None and command.creator is None
    assert command.creator_id == 3


def test_custom_command_creator_id_comes_from_the_creator_when_absent() -> None:
    row = command_row()
    del row["creator_id"]
    assert CustomCommand.from_api(row).creator_id == 3


def test_custom_command_keeps_the_whole_raw_row_outside_equality() -> None:
    first = CustomCommand.from_api(command_row())
    second = CustomCommand.from_api(command_row(server_only_column="different"))
    assert first.raw["server_only_column"] == "kept in raw"
    assert first.raw["creator"]["username"] == "gm_bob"
    assert first == second
    assert "raw" not in repr(first)


def test_custom_command_raw_is_a_private_read_only_copy() -> None:
    row = command_row()
    command = CustomCommand.from_api(row)
    row["creator"]["username"] = "changed later"
    assert command.raw["creator"]["username"] == "gm_bob"
    with pytest.raises(TypeError):
        command.raw["name"] = "other"  # type: ignore[index]


def test_custom_command_bad_datetime_names_the_field() -> None:
    assert error_of(CustomCommand, command_row(last_used="last tuesday")) == (
        "CustomCommand id 7: last_used: expected an ISO 8601 datetime, got 'last tuesday'"
    )


def test_custom_command_bad_creator_reports_the_nested_path() -> None:
    creator = dict(command_row()["creator"])
    del creator["discord_id"]
    assert error_of(CustomCommand, command_row(creator=creator)) == (
        "CustomCommand id 7: field 'creator.discord_id' is missing"
    )


def test_custom_command_tags_must_be_strings() -> None:
    assert error_of(CustomCommand, command_row(tags=[1])) == (
        "CustomCommand id 7: tags: expected a list of strings, got [1]"
    )


def test_creator_reads_a_snowflake_given_as_string() -> None:
    creator = CustomCommandCreator.from_api({"id": 1, "discord_id": "987654321098765432", "username": "x"})
    assert creator.discord_id == 987654321098765432
    assert creator.created_at is None
    assert (creator.total_commands, creator.active_commands) == (0, 0)
