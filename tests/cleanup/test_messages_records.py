"""Embeds and warning records: what the creator reads, and what a later pass can recover from it."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from leaguectl.cleanup.apply import _progress
from leaguectl.cleanup.messages import (
    FOOTER_LIMIT,
    SummaryFacts,
    deletion_messages,
    summary_embeds,
    warning_messages,
)
from leaguectl.cleanup.planner import CommandDecision, Thresholds, decide
from leaguectl.cleanup.records import RecordIndex, marker, pack_ids, records_in_message
from leaguectl.discord_rest import snowflake_at, validate_message
from leaguectl.models import CustomCommand
from leaguectl.passrun import PassContext
from leaguectl.runtime import Runtime

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BOT = "1100000000000000001"


def decision(command_id: int, idle: int = 61, name: str | None = None, warned: bool = False) -> CommandDecision:
    cmd = CustomCommand(
        id=command_id,
        name=name or f"cmd{command_id}",
        content="x",
        created_at=NOW - timedelta(days=500),
        creator_id=1,
        last_used=NOW - timedelta(days=idle),
        use_count=1,
        warning_sent=warned,
    )
    result = decide(cmd, RecordIndex(), NOW, UTC, Thresholds())
    assert result is not None
    return result


def as_message(embeds: list[dict[str, Any]], author: str = BOT, at: datetime = NOW) -> dict[str, Any]:
    return {"id": str(int(snowflake_at(at)) + 1), "author": {"id": author}, "embeds": embeds}


def recovered(embeds: list[dict[str, Any]], kind: str = "warned") -> set[int]:
    records = records_in_message(as_message(embeds), bot_id=BOT, source="dm")
    return {record.command_id for record in records if record.kind == kind}


def test_the_warning_lists_ten_commands_then_and_n_more_and_records_all_of_them() -> None:
    decisions = [decision(i, idle=60 + i) for i in range(1, 13)]
    (message,) = warning_messages(decisions, now=NOW, zone=UTC)
    embed = message.embeds[0]
    at_risk = embed["fields"][0]
    assert at_risk["name"] == "Commands at Risk"
    lines = at_risk["value"].split("\n")
    assert len(lines) == 11
    assert lines[-1].startswith("• ... and 2 more commands")
    assert recovered(message.embeds) == set(range(1, 13))
    validate_message({"embeds": message.embeds})


def test_the_warning_states_each_real_deletion_date_and_never_30_days() -> None:
    (message,) = warning_messages([decision(1, idle=61)], now=NOW, zone=UTC)
    text = str(message.embeds)
    assert "**cmd1** (unused for 61 days): deleted on 2026-06-30" in text
    assert "30 days" not in text
    assert message.embeds[0]["fields"][0]["name"] == "Command at Risk"
    assert "has not been used" in message.embeds[0]["description"]


def test_names_with_markdown_are_shown_literally() -> None:
    (message,) = warning_messages([decision(1, name="my_cmd*x")], now=NOW, zone=UTC)
    assert "**my\\_cmd\\*x**" in message.embeds[0]["fields"][0]["value"]


def test_a_creator_with_hundreds_of_commands_gets_a_few_valid_dms_that_record_every_id() -> None:
    decisions = [decision(1_000_000 + i) for i in range(600)]
    messages = warning_messages(decisions, now=NOW, zone=UTC)
    assert len(messages) > 1
    seen: set[int] = set()
    for message in messages:
        validate_message({"embeds": message.embeds})
        assert len(message.embeds[0]["footer"]["text"]) <= FOOTER_LIMIT
        ids = recovered(message.embeds)
        assert ids == {d.command.id for d in message.decisions}
        seen |= ids
    assert seen == {d.command.id for d in decisions}


def test_the_deletion_dm_counts_uses_and_carries_a_deleted_record() -> None:
    (message,) = deletion_messages([decision(5, idle=95)], now=NOW, thresholds=Thresholds())
    embed = message.embeds[0]
    assert embed["title"] == "❌ Custom Commands Deleted"
    assert "has been automatically deleted" in embed["description"]
    assert "(1 use, unused for 95 days)" in embed["fields"][0]["value"]
    assert "90 days" in embed["footer"]["text"] and "7 days" in embed["footer"]["text"]
    assert recovered(message.embeds, "deleted") == {5}


def test_the_admin_summary_records_every_warned_and_deleted_id_even_when_split() -> None:
    warned = [decision(2_000_000 + i) for i in range(700)]
    deleted = [decision(3_000_000 + i, idle=95) for i in range(50)]
    facts = SummaryFacts(
        today=NOW.date(), warned=warned, users_notified=3, deleted=deleted, recorded_here=2,
        unreachable=[], active_commands=900, total_creators=40,
    )
    messages = summary_embeds(facts, now=NOW, zone=UTC)
    assert len(messages) > 1
    assert messages[0][0]["title"] == "ℹ️ 🧹 Custom Command Cleanup Summary"
    fields = {f["name"]: f["value"] for f in messages[0][0]["fields"]}
    assert fields["⚠️ Warnings Sent"] == (
        "3 users notified about 698 commands at risk; 2 commands of unreachable creators recorded here"
    )
    assert fields["🗑️ Commands Deleted"] == "50 inactive commands removed"
    assert fields["📊 Current Stats"] == "**Active Commands:** 900\n**Total Creators:** 40"
    warned_ids: set[int] = set()
    deleted_ids: set[int] = set()
    for embeds in messages:
        validate_message({"embeds": embeds})
        warned_ids |= recovered(embeds)
        deleted_ids |= recovered(embeds, "deleted")
    assert warned_ids == {d.command.id for d in warned}
    assert deleted_ids == {d.command.id for d in deleted}


def test_only_the_bots_own_messages_are_records() -> None:
    forged = as_message([{"title": "hi", "footer": {"text": marker("warned", [1])}}], author="1300000000000000001")
    assert records_in_message(forged, bot_id=BOT, source="dm") == []


def test_a_record_is_dated_by_the_message_snowflake() -> None:
    at = NOW - timedelta(days=8, hours=3)
    message = as_message([{"title": "x", "footer": {"text": "whatever · " + marker("warned", [7, 9])}}], at=at)
    records = records_in_message(message, bot_id=BOT, source="admin")
    assert {(r.command_id, r.source) for r in records} == {(7, "admin"), (9, "admin")}
    assert all(abs((r.at - at).total_seconds()) < 1 for r in records)


def test_a_reference_bot_warning_dm_is_recovered_by_name() -> None:
    legacy = {
        "title": "⚠️ Custom Command Cleanup Warning",
        "description": "The following custom commands will be deleted in 30 days if not used:",
        "fields": [
            {
                "name": "Commands at Risk",
                "value": "• **grandslam** (unused for 83 days)\n• **other** (unused for 70 days)",
            }
        ],
        "footer": {"text": "This is an automated cleanup to keep the command list manageable"},
    }
    records = records_in_message(as_message([legacy]), bot_id=BOT, source="dm", legacy_names={"grandslam": 703})
    assert [(r.kind, r.command_id) for r in records] == [("warned", 703)]
    assert records_in_message(as_message([legacy]), bot_id=BOT, source="dm") == []


def test_pack_ids_keeps_each_marker_within_its_budget() -> None:
    groups = pack_ids(range(1000, 1300), 100, "warned")
    assert sorted(i for g in groups for i in g) == list(range(1000, 1300))
    assert all(len(marker("warned", g)) <= 100 for g in groups)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _context(stdout: io.StringIO) -> PassContext:
    return cast(PassContext, SimpleNamespace(runtime=Runtime(stdout=stdout)))


def test_a_progress_bar_is_drawn_only_on_a_terminal_with_many_creators() -> None:
    for stream, total, drawn in ((_Terminal(), 5, True), (_Terminal(), 4, False), (io.StringIO(), 50, False)):
        with _progress(_context(stream), total) as advance:
            for number in range(total):
                advance(f"creator {number}")
        assert ("cleanup" in stream.getvalue()) is drawn, (total, type(stream).__name__)
