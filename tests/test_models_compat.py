"""League rows as the API and the bot really shape them (issue 14.3), and arbitrary JSON (issue 16.1).

The minimal rows below hold only what the bot's models (calcorum/major-domo-v2
``models/*.py``) require, minus what leaguectl documents as optional; every
other field is omitted, so each test fails if a model starts requiring a field
the league API may leave out. The full rows have the shape of the bot's own
fixtures (nested player and teams in a transaction, nested team in a standings
row, a ``current`` row with every column).

The property tests feed arbitrary JSON into every model's ``from_api``: the
answer is a model or a :class:`ModelError`, never anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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

MINIMAL_TEAM: dict[str, Any] = {"id": 499, "abbrev": "WV"}
MINIMAL_PLAYER: dict[str, Any] = {"id": 12472, "name": "Test Player", "wara": 2.47}
MINIMAL_TRANSACTION: dict[str, Any] = {
    "id": 27787,
    "week": 10,
    "season": 12,
    "moveid": "Season-012-Week-10-19-13:04:41",
    "player": MINIMAL_PLAYER,
    "oldteam": {"id": 508, "abbrev": "NYD"},
    "newteam": MINIMAL_TEAM,
}
MINIMAL_CURRENT: dict[str, Any] = {"id": 11, "week": 10, "season": 13, "freeze": False}
MINIMAL_STANDINGS: dict[str, Any] = {"team": MINIMAL_TEAM, "wins": 30, "losses": 70}
MINIMAL_CREATOR: dict[str, Any] = {"id": 1, "discord_id": 12345, "username": "testuser"}
MINIMAL_COMMAND: dict[str, Any] = {"id": 7, "name": "oldcmd", "content": "hi", "created_at": "2025-01-02T03:04:05"}


def test_a_current_row_with_every_optional_column_omitted_takes_the_bots_defaults() -> None:
    current = Current.from_api(MINIMAL_CURRENT)
    assert (current.id, current.week, current.season, current.freeze) == (11, 10, 13, False)
    assert current.bet_week == "sheets"
    assert (current.trade_deadline, current.pick_trade_start, current.pick_trade_end, current.playoffs_begin) == (
        1, 69, 420, 420,
    )


def test_a_transaction_row_with_every_optional_field_omitted_is_pending() -> None:
    move = Transaction.from_api(MINIMAL_TRANSACTION)
    assert (move.cancelled, move.frozen, move.is_pending) == (False, False, True)
    assert (move.player.season, move.player.pos_1, move.player.team_id, move.player.team) == (None, None, None, None)
    assert (move.oldteam.abbrev, move.oldteam.sname, move.oldteam.lname) == ("NYD", "NYD", "NYD")
    assert (move.newteam.gmid, move.newteam.gmid2, move.newteam.color, move.newteam.season) == (None, None, None, None)


def test_a_team_row_with_every_optional_field_omitted() -> None:
    team = Team.from_api(MINIMAL_TEAM)
    assert (team.id, team.abbrev, team.sname, team.lname, team.gm_ids, team.thumbnail) == (
        499, "WV", "WV", "WV", (), None,
    )


def test_a_player_row_with_every_optional_field_omitted() -> None:
    player = Player.from_api(MINIMAL_PLAYER)
    assert (player.id, player.name, player.wara, player.team_id) == (12472, "Test Player", 2.47, None)


def test_a_standings_row_with_every_optional_column_omitted() -> None:
    standings = TeamStandings.from_api(MINIMAL_STANDINGS)
    assert (standings.id, standings.team.abbrev, standings.win_pct) == (None, "WV", 0.3)
    assert (standings.run_diff, standings.streak_wl, standings.div_gb, standings.wc_gb) == (None, None, None, None)


def test_creator_and_command_rows_with_every_optional_field_omitted_take_the_bots_defaults() -> None:
    creator = CustomCommandCreator.from_api(MINIMAL_CREATOR)
    assert (creator.display_name, creator.created_at, creator.total_commands, creator.active_commands) == (
        None, None, 0, 0,
    )
    command = CustomCommand.from_api(MINIMAL_COMMAND)
    assert (command.creator_id, command.creator, command.last_used, command.tags) == (None, None, None, None)
    assert (command.use_count, command.warning_sent, command.is_active) == (0, False, True)


def test_rows_shaped_like_the_bots_fixtures_parse_in_full() -> None:
    team = {"id": 499, "abbrev": "WV", "sname": "Black Bears", "lname": "West Virginia Black Bears", "season": 12,
            "gmid": 111111, "gmid2": None, "manager1_id": 3, "manager1": {"id": 3, "name": "Cal"},
            "division": {"id": 1, "division_name": "East", "division_abbrev": "E"}, "stadium": None,
            "thumbnail": "https://example.test/wv.png", "color": "2f4f4f", "dice_color": None, "salary_cap": 60.5}
    player = {"id": 12472, "name": "Mike Trout", "wara": 2.5, "season": 12, "pos_1": "CF", "pos_2": "RF",
              "team": team, "image": None, "il_return": None, "demotion_week": None,
              "sbaplayer": {"id": 77, "first_name": "Mike", "last_name": "Trout"}}
    row = {**MINIMAL_TRANSACTION, "player": player, "oldteam": {**team, "id": 547, "abbrev": "FA", "gmid": None},
           "newteam": team, "cancelled": False, "frozen": True, "cancelled_at": None,
           "created_at": "2025-10-20T00:00:00", "updated_at": None}
    move = Transaction.from_api(row)
    assert (move.player.team_id, move.newteam.gm_ids, move.newteam.label, move.frozen) == (
        499, (111111,), "WV (Black Bears)", True,
    )
    standings_columns = dict.fromkeys(
        ("run_diff", "home_wins", "home_losses", "away_wins", "away_losses", "last8_wins", "last8_losses",
         "streak_num", "one_run_wins", "one_run_losses", "pythag_wins", "pythag_losses", "div1_wins",
         "div1_losses", "div2_wins", "div2_losses", "div3_wins", "div3_losses", "div4_wins", "div4_losses"), 1)
    standings = TeamStandings.from_api(
        {"id": 5, "team": team, "wins": 30, "losses": 70, "streak_wl": "l", "div_gb": 2.5, "div_e_num": None,
         "wc_gb": None, "wc_e_num": 3, **standings_columns}
    )
    assert (standings.id, standings.wins, standings.streak_wl, standings.div_gb) == (5, 30, "l", 2.5)


# --- arbitrary JSON in: a model or a ModelError out -------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**80), max_value=10**80)
    | st.sampled_from([10**400, -(10**400), 2**64, 2**63 - 1])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", " ", "0", "1", "-1", "true", "false", "1e999", "nan", "2025-01-02T03:04:05",
                       "9" * 4400, "\ud83d", "FA", "WVMiL", "#0c2340"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)

FIELDS = {
    "id", "week", "season", "freeze", "bet_week", "trade_deadline", "playoffs_begin", "moveid", "player",
    "oldteam", "newteam", "cancelled", "frozen", "name", "wara", "pos_1", "team_id", "team", "abbrev", "sname",
    "lname", "gmid", "gmid2", "color", "thumbnail", "wins", "losses", "run_diff", "div_gb", "streak_wl",
    "discord_id", "username", "display_name", "created_at", "updated_at", "last_used", "use_count",
    "warning_sent", "is_active", "tags", "content", "creator", "creator_id", "total_commands",
}


def near_rows(base: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Rows close to a valid one: some fields replaced by arbitrary JSON, some removed, some added."""
    keys = sorted(base)
    return st.builds(
        _mutate,
        st.just(dict(base)),
        st.dictionaries(st.sampled_from(keys), JSON, max_size=3),
        st.sets(st.sampled_from(keys), max_size=2),
        st.dictionaries(st.sampled_from(sorted(FIELDS)), JSON, max_size=2),
    )


def _mutate(base: dict[str, Any], replaced: dict[str, Any], removed: set[str], added: dict[str, Any]) -> Any:
    row = {key: value for key, value in base.items() if key not in removed}
    row.update(replaced)
    for key, value in added.items():
        row.setdefault(key, value)
    return row


NESTED_TRANSACTION = st.builds(
    lambda player, old, new, rest: {**rest, "player": player, "oldteam": old, "newteam": new},
    near_rows(MINIMAL_PLAYER) | JSON,
    near_rows(MINIMAL_TEAM) | JSON,
    near_rows(MINIMAL_TEAM),
    near_rows(MINIMAL_TRANSACTION),
)

MODELS: dict[str, tuple[Callable[..., Any], st.SearchStrategy[Any]]] = {
    "Current": (Current.from_api, near_rows(MINIMAL_CURRENT)),
    "Team": (Team.from_api, near_rows(MINIMAL_TEAM)),
    "Player": (Player.from_api, near_rows({**MINIMAL_PLAYER, "team": MINIMAL_TEAM, "team_id": 499})),
    "Transaction": (Transaction.from_api, NESTED_TRANSACTION),
    "TeamStandings": (TeamStandings.from_api, near_rows(MINIMAL_STANDINGS)),
    "CustomCommandCreator": (CustomCommandCreator.from_api, near_rows(MINIMAL_CREATOR)),
    "CustomCommand": (CustomCommand.from_api, near_rows({**MINIMAL_COMMAND, "creator": MINIMAL_CREATOR})),
}


def _parse_or_model_error(parse: Callable[..., Any], data: Any) -> None:
    try:
        parse(data)
    except ModelError as error:
        assert str(error) and len(str(error)) < 400  # names model, row and field, and stays short


@pytest.mark.parametrize("model", sorted(MODELS))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_arbitrary_json_gives_a_model_or_a_model_error(model: str, data: st.DataObject) -> None:
    parse, rows = MODELS[model]
    _parse_or_model_error(parse, data.draw(rows | JSON))


@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_row_nested_deeper_than_python_can_copy_is_a_model_error(model: str) -> None:
    parse, _ = MODELS[model]
    deep: Any = "x"
    for _ in range(5000):
        deep = [deep]
    base = {"Current": MINIMAL_CURRENT, "Team": MINIMAL_TEAM, "Player": MINIMAL_PLAYER,
            "Transaction": MINIMAL_TRANSACTION, "TeamStandings": MINIMAL_STANDINGS,
            "CustomCommandCreator": MINIMAL_CREATOR, "CustomCommand": MINIMAL_COMMAND}[model]
    for field in ("tags", "color", "extra"):
        _parse_or_model_error(parse, {**base, field: deep})


def test_a_huge_number_as_id_is_an_error_that_stays_short() -> None:
    with pytest.raises(ModelError) as caught:
        Player.from_api({**MINIMAL_PLAYER, "id": 10**400})
    assert str(caught.value) == (
        "Player id a number of more than 40 digits: id: expected an integer, got a number of more than 40 digits"
    )
