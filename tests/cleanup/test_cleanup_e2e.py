"""cleanup-commands end to end against the sandbox: DMs, marks, deletions, summary, reruns, crashes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from .world import (
    ALICE,
    BOB,
    BOT_ID,
    CAROL,
    DAVE,
    NOW,
    Factory,
    admin_summary,
    bot_messages,
    command_rows,
    full_scenario,
    marked_ids,
    row,
    scenario,
    warning_dm,
)

# --------------------------------------------------------------------------------------- warnings


def test_stale_commands_are_warned_by_one_dm_per_creator_and_marked_with_the_rest_of_the_row_intact(
    sandbox_cli_factory: Factory,
) -> None:
    cli = sandbox_cli_factory(full_scenario(), NOW)
    before = command_rows(cli.sandbox.state)
    result, report = cli.run_json("cleanup-commands", at=NOW)
    assert result.exit_code == 0, result.stdout + result.stderr
    state = cli.sandbox.state
    dms = bot_messages(state, ALICE)
    assert len(dms) == 1
    assert marked_ids(dms[0], "warned") == {10, 11, 13, 14}
    text = str(dms[0].embeds)
    assert "Custom Command Cleanup Warning" in dms[0].embeds[0]["title"]
    assert "2026-12-22" in text  # alpha: last use (61 days ago) + 90 days
    assert "30 days" not in text
    after = command_rows(state)
    for command_id in (10, 11, 13, 14):
        assert after[command_id]["warning_sent"] is True
        unchanged = {k: v for k, v in before[command_id].items() if k not in ("warning_sent", "updated_at")}
        assert {k: after[command_id][k] for k in unchanged} == unchanged
    assert after[12]["warning_sent"] is False
    assert 13 in after  # warned without a record: warned again, not deleted
    warned = {a["target"] for a in report["actions"] if a["kind"] == "warn"}
    assert warned == {"alpha", "beta", "theta", "iota", "epsilon", "zeta", "eta"}


def test_a_91_day_command_warned_8_days_ago_is_deleted_and_its_creator_told(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(full_scenario(), NOW)
    result = cli.run("cleanup-commands", at=NOW)
    assert result.exit_code == 0, result.stdout + result.stderr
    state = cli.sandbox.state
    assert state.custom_command("delta") is None
    new_dms = [m for m in bot_messages(state, BOB) if m.timestamp >= NOW]
    deletions = [m for m in new_dms if marked_ids(m, "deleted")]
    assert len(deletions) == 1 and marked_ids(deletions[0], "deleted") == {20}
    assert "delta" in str(deletions[0].embeds) and "Custom Commands Deleted" in deletions[0].embeds[0]["title"]


def test_an_unwarned_91_day_command_is_warned_not_deleted_and_survives_a_rerun_next_day(
    sandbox_cli_factory: Factory,
) -> None:
    cli = sandbox_cli_factory(full_scenario(), NOW)
    cli.run("cleanup-commands", at=NOW)
    state = cli.sandbox.state
    epsilon = state.custom_command("epsilon")
    assert epsilon is not None and epsilon["warning_sent"] is True
    warnings_to_bob = [m for m in bot_messages(state, BOB) if 21 in marked_ids(m, "warned")]
    assert len(warnings_to_bob) == 1
    assert "2026-11-30" in str(warnings_to_bob[0].embeds)  # today + 7 days of grace
    result = cli.run("cleanup-commands", at=NOW + timedelta(days=1))
    assert result.exit_code == 0
    assert state.custom_command("epsilon") is not None
    assert [m for m in bot_messages(state, BOB) if 21 in marked_ids(m, "warned")] == warnings_to_bob
    cli.run("cleanup-commands", at=NOW + timedelta(days=7))
    assert state.custom_command("epsilon") is None  # deleted once the stated date came


def test_a_creator_with_closed_dms_or_gone_is_reported_and_others_are_unaffected(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(full_scenario(), NOW)
    result, report = cli.run_json("cleanup-commands", at=NOW)
    assert result.exit_code == 0
    state = cli.sandbox.state
    reported = {w["item"]: w["message"] for w in report["warnings"] if w.get("item")}
    assert any("carol" in item and "dms-closed" in message for item, message in reported.items())
    assert any("dave" in item and "left-guild" in message for item, message in reported.items())
    assert bot_messages(state, CAROL) == [] and bot_messages(state, DAVE) == []
    rows = command_rows(state)
    assert rows[30]["warning_sent"] is True and rows[40]["warning_sent"] is True
    summary = [m for m in state.messages("admin") if m.author_id == BOT_ID and m.timestamp >= NOW]
    assert len(summary) == 1 and {30, 40} <= marked_ids(summary[0], "warned")
    assert len(bot_messages(state, ALICE)) == 1 and rows[10]["warning_sent"] is True


def test_a_command_whose_warning_only_the_admin_summary_recorded_is_deleted_after_the_grace(
    sandbox_cli_factory: Factory,
) -> None:
    zeta = row(30, "zeta", 3, 95, warned=True)
    old_summary = admin_summary([zeta], NOW - timedelta(days=8), dm=False)
    cli = sandbox_cli_factory(scenario([zeta], messages=[old_summary]), NOW)
    result, report = cli.run_json("cleanup-commands", at=NOW)
    assert result.exit_code == 0, result.stdout
    assert cli.sandbox.state.custom_command("zeta") is None
    assert [a["target"] for a in report["actions"] if a["kind"] == "delete"] == ["zeta"]


# --------------------------------------------------------------------------------------- idempotency


def _all_bot_messages(state: Any) -> list[str]:
    return sorted(m.id for m in state.discord.messages.values() if m.author_id == BOT_ID)


def test_a_rerun_the_same_day_sends_no_dm_and_no_second_summary(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(full_scenario(), NOW)
    cli.run("cleanup-commands", at=NOW)
    state = cli.sandbox.state
    first = _all_bot_messages(state)
    rows = command_rows(state)
    assert len([m for m in state.messages("admin") if m.author_id == BOT_ID and m.timestamp >= NOW]) == 1
    result, report = cli.run_json("cleanup-commands", at=NOW + timedelta(hours=3))
    assert result.exit_code == 0
    assert _all_bot_messages(state) == first
    assert command_rows(state) == rows
    assert [a for a in report["actions"] if a["kind"] != "mark-warned"] == []


def test_no_admin_summary_when_nothing_happened(sandbox_cli_factory: Factory) -> None:
    waiting = row(12, "gamma", 1, 65, warned=True)  # stale, warned 5 days ago: nothing to do yet
    commands = [row(10, "alpha", 1, 59), row(11, "beta", 1, None, created=59), waiting]
    earlier = NOW - timedelta(days=5)
    world = scenario(commands, dms=[warning_dm(ALICE, waiting, earlier)], messages=[admin_summary([waiting], earlier)])
    cli = sandbox_cli_factory(world, NOW)
    result, report = cli.run_json("cleanup-commands", at=NOW)
    assert result.exit_code == 0
    assert [m for m in cli.sandbox.state.messages("admin") if m.timestamp >= NOW] == []
    assert report["actions"] == []
    assert report["details"]["warned, awaiting deletion"][0]["command"] == "gamma"


def test_a_crash_between_the_warning_dm_and_the_mark_sends_no_second_dm(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(scenario([row(10, "alpha", 1, 61), row(11, "beta", 1, 70)]), NOW)
    cli.sandbox.inject_failure(1, "drop", service="league")  # the first mark is lost with its connection
    crashed = cli.run("cleanup-commands", at=NOW)
    assert crashed.exit_code == 69
    state = cli.sandbox.state
    assert len(bot_messages(state, ALICE)) == 1
    assert not any(r["warning_sent"] for r in state.custom_commands())
    result, report = cli.run_json("cleanup-commands", at=NOW + timedelta(minutes=10))
    assert result.exit_code == 0, result.stdout
    assert len(bot_messages(state, ALICE)) == 1
    assert all(r["warning_sent"] for r in state.custom_commands())
    assert sorted(a["target"] for a in report["actions"] if a["kind"] == "mark-warned") == ["alpha", "beta"]


def test_a_crash_between_the_deletion_dm_and_the_delete_announces_once(sandbox_cli_factory: Factory) -> None:
    delta = row(20, "delta", 2, 91, warned=True)
    cli = sandbox_cli_factory(scenario([delta], dms=[warning_dm(BOB, delta, NOW - timedelta(days=8))]), NOW)
    cli.sandbox.inject_failure(1, "500", service="league")
    assert cli.run("cleanup-commands", at=NOW).exit_code == 69
    state = cli.sandbox.state
    assert state.custom_command("delta") is not None
    assert len([m for m in bot_messages(state, BOB) if marked_ids(m, "deleted")]) == 1
    assert cli.run("cleanup-commands", at=NOW + timedelta(minutes=5)).exit_code == 0
    assert state.custom_command("delta") is None
    assert len([m for m in bot_messages(state, BOB) if marked_ids(m, "deleted")]) == 1


def test_dry_run_changes_nothing_and_opens_no_dm_channel(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(full_scenario(), NOW)
    before_rows = command_rows(cli.sandbox.state)
    before_messages = _all_bot_messages(cli.sandbox.state)
    cli.sandbox.clear_log()
    result, report = cli.run_json("--dry-run", "cleanup-commands", at=NOW)
    assert result.exit_code == 0
    assert [(e.method, e.path) for e in cli.sandbox.request_log if e.mutating] == []
    assert command_rows(cli.sandbox.state) == before_rows
    assert _all_bot_messages(cli.sandbox.state) == before_messages
    kinds = {a["kind"] for a in report["actions"]}
    assert {"warn", "dm-warning", "dm-deletion", "delete", "admin-summary"} <= kinds
    assert [a["target"] for a in report["actions"] if a["kind"] == "delete"] == ["delta"]  # its summary records it
    (note,) = [s for s in report["skipped"] if s.get("item") == "DM history"]
    assert "DM channels were not read" in note["reason"]


def test_dry_run_plans_what_the_real_pass_then_does(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(full_scenario(), NOW)
    _, planned = cli.run_json("--dry-run", "cleanup-commands", at=NOW)
    _, done = cli.run_json("cleanup-commands", at=NOW)
    kinds = ("warn", "delete")  # (whether a DM is delivered, dry run cannot know: carol's are closed)
    assert [(a["kind"], a["target"]) for a in planned["actions"] if a["kind"] in kinds] == [
        (a["kind"], a["target"]) for a in done["actions"] if a["kind"] in kinds
    ]


@pytest.mark.parametrize("warn_after", ["10"])
def test_thresholds_are_read_from_the_environment(sandbox_cli_factory: Factory, warn_after: str) -> None:
    cli = sandbox_cli_factory(
        scenario([row(10, "alpha", 1, 12)]), NOW, CLEANUP_WARN_AFTER_DAYS=warn_after, CLEANUP_DELETE_AFTER_DAYS="20"
    )
    assert cli.run("cleanup-commands", at=NOW).exit_code == 0
    assert cli.sandbox.state.custom_command("alpha")["warning_sent"] is True
