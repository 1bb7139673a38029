"""One hostile command or creator row is one reported item; every other command is still warned or deleted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .world import (
    ALICE,
    BOB,
    CREATORS,
    NOW,
    Factory,
    admin_messages,
    admin_summary,
    bot_messages,
    command_rows,
    marked_ids,
    row,
    scenario,
    warning_dm,
)

MALLORY = "1300000000000000009"


def broken(command_id: int, name: str, creator_id: int, **fields: Any) -> dict[str, Any]:
    """A stale, warned command (it would be deleted) with one field that does not fit."""
    return {**row(command_id, name, creator_id, 300, warned=True), **fields}


def test_broken_command_rows_are_reported_and_kept_while_the_others_are_warned_and_deleted(
    sandbox_cli_factory: Factory,
) -> None:
    delta = row(20, "delta", 2, 91, warned=True)
    earlier = NOW - timedelta(days=8)
    commands = [
        row(10, "alpha", 1, 61),
        broken(15, "baddate", 1, last_used="yesterday"),
        broken(16, "badflag", 1, warning_sent="maybe"),
        broken(17, "badcount", 2, use_count={"n": 1}),
        delta,
        row(21, "epsilon", 2, 75),
    ]
    world = scenario(commands, dms=[warning_dm(BOB, delta, earlier)], messages=[admin_summary([delta], earlier)])
    cli = sandbox_cli_factory(world, NOW)
    before = command_rows(cli.sandbox.state)
    result, report = cli.run_json("cleanup-commands", at=NOW)
    assert result.exit_code == 1, result.stdout  # the pass finished; some items failed
    assert "Traceback" not in result.stderr
    errors = {e["item"]: e for e in report["errors"]}
    assert set(errors) == {
        "custom command #15 'baddate'",
        "custom command #16 'badflag'",
        "custom command #17 'badcount'",
    }
    assert errors["custom command #15 'baddate'"]["field"] == "last_used"
    assert "set last_used to an ISO 8601 date and time" in errors["custom command #15 'baddate'"]["message"]
    assert errors["custom command #16 'badflag'"]["field"] == "warning_sent"
    assert all("neither warned nor deleted" in e["message"] for e in errors.values())
    state = cli.sandbox.state
    after = command_rows(state)
    for command_id in (15, 16, 17):
        assert after[command_id] == before[command_id]  # never deleted, never written
    assert 20 not in after  # delta: deleted on schedule
    assert after[10]["warning_sent"] is True and after[21]["warning_sent"] is True
    assert {10} <= {i for m in bot_messages(state, ALICE) for i in marked_ids(m, "warned")}
    assert "custom command #15 'baddate'" in result.stderr  # the error is logged, naming the row


def test_a_creator_whose_discord_id_is_not_a_snowflake_is_reported_and_its_commands_wait(
    sandbox_cli_factory: Factory,
) -> None:
    creators = [*CREATORS, {"id": 5, "discord_id": "not-a-user", "username": "mallory",
                            "created_at": "2025-01-01T00:00:00"}]
    commands = [row(10, "alpha", 1, 61), row(50, "mcmd", 5, 95, warned=True), row(51, "mcmd2", 5, 61)]
    world = scenario(commands)
    world["league"]["creators"] = creators
    cli = sandbox_cli_factory(world, NOW)
    before = command_rows(cli.sandbox.state)
    result, report = cli.run_json("cleanup-commands", at=NOW)
    assert result.exit_code == 1, result.stdout
    (error,) = report["errors"]
    assert error["item"] == "creator #5 'mallory'" and error["field"] == "discord_id"
    assert "its 2 commands (mcmd, mcmd2) are neither warned nor deleted" in error["message"]
    after = command_rows(cli.sandbox.state)
    assert after[50] == before[50] and after[51] == before[51]
    assert after[10]["warning_sent"] is True
    (summary,) = admin_messages(cli.sandbox.state, NOW)
    assert marked_ids(summary, "warned") == {10}  # the held commands are not reported as warned


def test_a_negative_discord_id_never_reaches_a_request(sandbox_cli_factory: Factory) -> None:
    creators = [*CREATORS, {"id": 5, "discord_id": -int(MALLORY), "username": "mallory",
                            "created_at": "2025-01-01T00:00:00"}]
    world = scenario([row(10, "alpha", 1, 61), row(50, "mcmd", 5, 61)])
    world["league"]["creators"] = creators
    cli = sandbox_cli_factory(world, NOW)
    result, report = cli.run_json("cleanup-commands", at=NOW)
    assert result.exit_code == 1, result.stdout
    assert [e["item"] for e in report["errors"]] == ["creator #5 'mallory'"]
    assert not [e for e in cli.sandbox.request_log if MALLORY in e.path]
    assert command_rows(cli.sandbox.state)[10]["warning_sent"] is True
