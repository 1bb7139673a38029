"""Screening: one unusable command or creator row is one named problem; every other command goes on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from leaguectl.cleanup.planner import local_date, reference_time
from leaguectl.cleanup.screen import Screened, is_snowflake, screen
from leaguectl.league_api import RejectedRow
from leaguectl.models import CustomCommand, CustomCommandCreator, ModelError

ALICE = 1300000000000000001
BOB = 1300000000000000002
NEW_YORK = ZoneInfo("America/New_York")


def creator_row(creator_id: int, discord_id: object = None, **extra: Any) -> dict[str, Any]:
    return {"id": creator_id, "discord_id": ALICE + creator_id if discord_id is None else discord_id,
            "username": f"user{creator_id}", **extra}


def command_row(command_id: object, creator_id: object = 1, **extra: Any) -> dict[str, Any]:
    return {"id": command_id, "name": f"cmd{command_id}", "content": "hi", "creator_id": creator_id,
            "created_at": "2025-01-01T00:00:00", "last_used": "2026-01-01T00:00:00", **extra}


def parse(model: Any, rows: Sequence[object], endpoint: str) -> tuple[list[Any], list[RejectedRow]]:
    """What ``LeagueClient`` does with ``rejected=[]``: good rows as models, bad rows set aside."""
    good: list[Any] = []
    bad: list[RejectedRow] = []
    for index, row in enumerate(rows):
        try:
            good.append(model.from_api(row))
        except ModelError as error:
            raw = row if isinstance(row, Mapping) else None
            bad.append(RejectedRow(endpoint=endpoint, index=index, error=error, raw=raw))
    return good, bad


def run(commands: Sequence[object], creators: Sequence[object], zone: Any = UTC) -> Screened:
    good_commands, bad_commands = parse(CustomCommand, commands, "custom_commands")
    good_creators, bad_creators = parse(CustomCommandCreator, creators, "custom_commands/creators")
    return screen(
        good_commands, good_creators, rejected_commands=bad_commands, rejected_creators=bad_creators, zone=zone
    )


def usable_ids(screened: Screened) -> list[int]:
    return sorted(command.id for command in screened.commands)


def test_a_bad_last_used_is_one_problem_naming_the_command_the_field_and_what_to_do() -> None:
    screened = run([command_row(1), command_row(2, last_used="yesterday"), command_row(3)], [creator_row(1)])
    assert usable_ids(screened) == [1, 3]
    (problem,) = screened.problems
    assert problem.item == "custom command #2 'cmd2'" and problem.field == "last_used" and problem.failed
    assert "neither warned nor deleted" in problem.message
    assert "set last_used to an ISO 8601 date and time" in problem.message
    assert "'yesterday'" in problem.message


def test_bad_flags_counts_and_ids_are_each_one_problem() -> None:
    rows = [
        command_row(1, warning_sent="maybe"),
        command_row(2, use_count=[1]),
        command_row(3, is_active={"x": 1}),
        command_row(-4),
        command_row("five"),
        command_row(6),
    ]
    screened = run(rows, [creator_row(1)])
    assert usable_ids(screened) == [6]
    assert sorted(str(p.field) for p in screened.problems) == ["id", "id", "is_active", "use_count", "warning_sent"]


def test_a_creator_whose_discord_id_is_not_a_snowflake_holds_its_commands_and_nobody_elses() -> None:
    for discord_id in (0, -5, 2**64, "abc", 1.5):
        creators = [creator_row(1, discord_id), creator_row(2)]
        screened = run([command_row(1, 1), command_row(2, 1), command_row(3, 2)], creators)
        assert usable_ids(screened) == [3], discord_id
        (problem,) = screened.problems
        assert problem.item == "creator #1 'user1'" and problem.creator_id == 1 and problem.failed
        assert "its 2 commands (cmd1, cmd2) are neither warned nor deleted" in problem.message
        assert "Set discord_id to the creator's Discord user id (a positive integer" in problem.message
        assert problem.message.endswith("in the league API (custom_commands/creators)")
        assert sorted(screened.held) == ["cmd1", "cmd2"]


def test_a_nested_creator_that_cannot_be_read_is_reported_once_for_the_creator() -> None:
    nested = {"id": 1, "discord_id": "not a user", "username": "user1"}
    rows = [command_row(1, 1, creator=nested), command_row(2, 1, creator=nested), command_row(3, 2)]
    screened = run(rows, [creator_row(1, "not a user"), creator_row(2)])
    assert usable_ids(screened) == [3]
    assert [p.item for p in screened.problems] == ["creator #1 'user1'"]
    assert "its 2 commands" in screened.problems[0].message


def test_two_rows_of_one_creator_naming_different_users_hold_its_commands() -> None:
    screened = run([command_row(1, 1), command_row(2, 2)], [creator_row(1, ALICE), creator_row(1, BOB), creator_row(2)])
    assert usable_ids(screened) == [2]
    assert "two rows of this creator name different Discord users" in screened.problems[0].message


def test_a_creator_row_without_a_readable_id_holds_commands_of_creators_it_could_be() -> None:
    screened = run([command_row(1, 1), command_row(2, 9)], [creator_row(1), {"id": None, "discord_id": 5}])
    assert usable_ids(screened) == [1]  # creator 9 is not among the readable rows: it may be the broken one
    items = [p.item for p in screened.problems]
    assert items == ["custom_commands/creators row 1", "commands of unknown creators"]


def test_a_bad_creator_owning_nothing_is_a_warning_not_a_failure() -> None:
    screened = run([command_row(1, 2)], [creator_row(1, -1), creator_row(2)])
    assert usable_ids(screened) == [1]
    (problem,) = screened.problems
    assert not problem.failed and "owns no active command" in problem.message


def test_text_that_cannot_be_written_back_and_dates_out_of_range_are_problems() -> None:
    rows = [
        command_row(1, name="bad\ud83dname"),
        command_row(2, tags=["ok", "\udc00"]),
        command_row(3, last_used="0001-01-01T00:00:00+05:00"),
        command_row(4),
    ]
    screened = run(rows, [creator_row(1)], zone=NEW_YORK)
    assert usable_ids(screened) == [4]
    fields = {p.command_id: p.field for p in screened.problems}
    assert fields == {1: "name", 2: "tags", 3: "last_used"}
    assert all("\ud83d" not in p.message and "\udc00" not in p.message for p in screened.problems)


def test_totals_count_every_row_good_or_bad() -> None:
    screened = run([command_row(1), command_row(2, last_used=5)], [creator_row(1), creator_row(2, "x")])
    assert (screened.command_rows, screened.creator_rows) == (2, 2)


# --------------------------------------------------------------------------- property

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
TIMES = st.one_of(
    st.datetimes(timezones=st.sampled_from([UTC, NEW_YORK])).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "", "garbage"]),
    JSON,
)
IDS = st.one_of(st.integers(-3, 6), st.integers(), st.sampled_from(["1", " 2 ", "x", ""]), JSON)


@st.composite
def command_rows(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)
    row: dict[str, object] = {
        "id": draw(IDS),
        "name": draw(st.text(max_size=40)),
        "content": draw(st.text(max_size=5)),
        "created_at": draw(TIMES),
        "last_used": draw(st.none() | TIMES),
        "creator_id": draw(st.none() | IDS),
    }
    for key, values in (("warning_sent", st.booleans() | JSON), ("use_count", IDS), ("tags", JSON)):
        if draw(st.booleans()):
            row[key] = draw(values)
    if draw(st.integers(0, 3)) == 0:
        row["creator"] = draw(creator_rows())
    return row


@st.composite
def creator_rows(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)
    discord_id = draw(st.one_of(st.integers(-2, 2**65), st.sampled_from([ALICE, BOB]), IDS))
    return {"id": draw(IDS), "discord_id": discord_id, "username": draw(st.text(max_size=20))}


@settings(max_examples=300, deadline=None)
@given(st.lists(command_rows(), max_size=8), st.lists(creator_rows(), max_size=5), st.sampled_from([UTC, NEW_YORK]))
def test_any_rows_screen_into_usable_commands_and_problems_never_an_error(
    commands: list[object], creators: list[object], zone: Any
) -> None:
    screened = run(commands, creators, zone)
    assert screened.command_rows == len(commands) and screened.creator_rows == len(creators)
    for command in screened.commands:
        assert command.id > 0
        local_date(reference_time(command), zone)  # the planner's day arithmetic works on it
        command.name.encode("utf-8")  # a mark can send the row back
    for creator in screened.creators:
        assert is_snowflake(creator.discord_id)
    for problem in screened.problems:
        assert problem.item and problem.message
        problem.message.encode("utf-8")  # reportable: no lone surrogate leaks into logs
    assert len(screened.commands) + len(screened.held) <= len(commands)
    unusable = len(commands) - len(screened.commands)
    assert unusable == 0 or screened.problems  # nothing is dropped silently
