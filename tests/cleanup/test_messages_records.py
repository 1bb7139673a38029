"""Embeds and warning records: what the creator reads, and what a later pass can recover from it."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st

from leaguectl.cleanup.apply import _progress
from leaguectl.cleanup.messages import (
    FOOTER_LIMIT,
    Entry,
    Layout,
    Listed,
    Section,
    SummaryFacts,
    Unreachable,
    deletion_messages,
    paginate,
    summary_embeds,
    warning_messages,
)
from leaguectl.cleanup.planner import CommandDecision, Thresholds, decide
from leaguectl.cleanup.records import RecordIndex, marker, records_in_message
from leaguectl.cleanup.text import display
from leaguectl.discord_limits import EMBEDS_TOTAL_LIMIT
from leaguectl.discord_rest import snowflake_at, validate_message
from leaguectl.models import CustomCommand
from leaguectl.passrun import PassContext
from leaguectl.runtime import Runtime

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
BOT = "1100000000000000001"
LONG = "x" * 32


def decision(
    command_id: int, idle: int = 61, name: str | None = None, warned: bool = False, uses: int = 1
) -> CommandDecision:
    cmd = CustomCommand(
        id=command_id,
        name=name or f"cmd{command_id}",
        content="x",
        created_at=NOW - timedelta(days=500),
        creator_id=1,
        last_used=NOW - timedelta(days=idle),
        use_count=uses,
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


def texts(embeds: list[dict[str, Any]]) -> str:
    return "\n".join(str(field["value"]) for embed in embeds for field in embed.get("fields") or [])


def embed_total(embeds: list[dict[str, Any]]) -> int:
    total = 0
    for embed in embeds:
        total += len(embed.get("title") or "") + len(embed.get("description") or "")
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields") or [])
        total += len((embed.get("footer") or {}).get("text") or "")
    return total


# --------------------------------------------------------------------------- warning DM


def test_the_warning_states_calendar_days_the_last_use_and_each_real_deletion_date() -> None:
    (message,) = warning_messages([decision(1, idle=61)], now=NOW, zone=UTC)
    embed = message.embeds[0]
    line = "• **cmd1** (last used 2026-04-01, 61 calendar days ago): deleted on 2026-06-30"
    assert embed["fields"][0] == {"name": "Command at Risk", "value": line, "inline": False}
    assert "30 days" not in str(message.embeds)
    assert "has not been used" in embed["description"] and "calendar days in UTC" in embed["description"]
    assert embed["footer"]["text"].endswith(" · cc-cleanup:warned@2026-06-01=1")
    validate_message({"embeds": message.embeds})


def test_a_never_used_command_says_so_and_when_it_was_created() -> None:
    cmd = CustomCommand(id=3, name="fresh", content="x", created_at=NOW - timedelta(days=70))
    fresh = decide(cmd, RecordIndex(), NOW, UTC, Thresholds())
    assert fresh is not None
    (message,) = warning_messages([fresh], now=NOW, zone=UTC)
    assert "(never used, created 2026-03-23, 70 calendar days ago)" in texts(message.embeds)


def test_names_with_markdown_or_line_breaks_are_shown_literally_on_one_line() -> None:
    (message,) = warning_messages([decision(1, name="my_cmd*x\n[evil](x)")], now=NOW, zone=UTC)
    value = message.embeds[0]["fields"][0]["value"]
    assert "**my\\_cmd\\*x \\[evil\\](x)**" in value
    assert "\n" not in value


def test_four_hundred_stale_commands_with_long_names_are_all_named_in_valid_messages() -> None:
    decisions = [decision(10_000 + i, idle=61 + i % 30, name=f"{LONG[:-3]}{i:03d}") for i in range(400)]
    messages = warning_messages(decisions, now=NOW, zone=UTC)
    assert len(messages) > 1
    seen: list[int] = []
    named = ""
    for number, message in enumerate(messages, start=1):
        validate_message({"embeds": message.embeds})
        (embed,) = message.embeds
        assert embed_total(message.embeds) <= EMBEDS_TOTAL_LIMIT
        assert len(embed["footer"]["text"]) <= FOOTER_LIMIT
        assert embed["title"].endswith(f"({number}/{len(messages)})")
        assert recovered(message.embeds) == set(message.command_ids)
        assert embed["fields"][-2:] == [
            {"name": "💡 How to Keep Your Commands", "value": embed["fields"][-2]["value"], "inline": False},
            {"name": "📋 Manage Your Commands", "value": embed["fields"][-1]["value"], "inline": False},
        ]
        seen.extend(message.command_ids)
        named += texts(message.embeds)
    assert sorted(seen) == [d.command.id for d in decisions]  # each once, none lost
    assert all(f"**{d.name}**" in named for d in decisions)
    assert "more commands" not in named


def test_hostile_600_character_names_are_cut_and_still_fit() -> None:
    decisions = [decision(i, name=("n" * 600) + str(i)) for i in range(1, 30)]
    for message in warning_messages(decisions, now=NOW, zone=UTC):
        validate_message({"embeds": message.embeds})
        assert "…" in texts(message.embeds)


def test_the_deletion_dm_counts_uses_and_calendar_days_and_carries_a_deleted_record() -> None:
    (message,) = deletion_messages([decision(5, idle=95)], now=NOW, today=TODAY, thresholds=Thresholds())
    embed = message.embeds[0]
    assert embed["title"] == "❌ Custom Commands Deleted"
    assert "has been automatically deleted" in embed["description"]
    assert "(1 use, last used 2026-02-26, 95 calendar days ago)" in embed["fields"][0]["value"]
    assert "90 calendar days" in embed["footer"]["text"] and "7 days" in embed["footer"]["text"]
    assert recovered(message.embeds, "deleted") == {5}


def test_a_deletion_dm_for_many_commands_names_every_one() -> None:
    decisions = [decision(i, idle=95, name=f"gone{i}") for i in range(1, 301)]
    messages = deletion_messages(decisions, now=NOW, today=TODAY, thresholds=Thresholds())
    assert len(messages) > 1
    for message in messages:
        validate_message({"embeds": message.embeds})
    assert sorted(i for m in messages for i in m.command_ids) == list(range(1, 301))


# --------------------------------------------------------------------------- admin summary


def facts(warned: list[Listed], deleted: list[Listed], **extra: Any) -> SummaryFacts:
    values: dict[str, Any] = {"unreachable": [], "active_commands": 900, "total_creators": 40, **extra}
    return SummaryFacts(today=TODAY, warned=warned, deleted=deleted, **values)


def test_the_admin_summary_counts_users_and_names_every_warned_and_deleted_command() -> None:
    warned = [Listed(decision(2_000_000 + i, name=f"w{i:04d}{LONG}"), f"user{i % 3}") for i in range(698)]
    warned += [Listed(decision(2_100_000 + i), "gone", dm=False) for i in range(2)]
    deleted = [Listed(decision(3_000_000 + i, idle=95), "user1") for i in range(50)]
    unreachable = [Unreachable("gone", "left-guild", 2)]
    messages = summary_embeds(facts(warned, deleted, unreachable=unreachable), now=NOW, zone=UTC)
    assert len(messages) > 1
    first = messages[0][0]
    assert first["title"] == f"ℹ️ 🧹 Custom Command Cleanup Summary (1/{len(messages)})"
    head = {f["name"]: f["value"] for f in first["fields"] if f["inline"]}
    assert head["⚠️ Warnings Sent"] == (
        "3 users notified about 698 commands at risk; 2 commands of unreachable creators recorded here"
    )
    assert head["🗑️ Commands Deleted"] == "50 inactive commands removed"
    assert head["📊 Current Stats"] == "**Active Commands:** 900\n**Total Creators:** 40"
    warned_ids: set[int] = set()
    deleted_ids: set[int] = set()
    named = ""
    for embeds in messages:
        validate_message({"embeds": embeds})
        assert embed_total(embeds) <= EMBEDS_TOTAL_LIMIT
        warned_ids |= recovered(embeds)
        deleted_ids |= recovered(embeds, "deleted")
        named += texts(embeds)
    assert warned_ids == {x.decision.command.id for x in warned}
    assert deleted_ids == {x.decision.command.id for x in deleted}
    for listed in warned + deleted:
        assert f"`{listed.decision.name}` (#{listed.decision.command.id}, " in named
    assert "• gone: left-guild (2 commands)" in named


def test_a_summary_line_says_who_and_when_and_the_marker_keeps_the_original_warning_date() -> None:
    earlier = decision(7, idle=70, warned=True)
    records = RecordIndex(
        records_in_message(
            as_message([{"footer": {"text": marker("warned", [7], date(2026, 5, 28))}}], at=NOW - timedelta(days=4)),
            bot_id=BOT,
            source="dm",
        )
    )
    waiting = decide(earlier.command, records, NOW, UTC, Thresholds())
    assert waiting is not None and waiting.warned_on == date(2026, 5, 28)
    (embeds,) = summary_embeds(facts([Listed(waiting, "alice")], []), now=NOW, zone=UTC)
    assert "• `cmd7` (#7, alice): warned 2026-05-28, deleted on 2026-06-21" in texts(embeds)
    assert "cc-cleanup:warned@2026-05-28=7" in embeds[0]["footer"]["text"]
    assert embeds[0]["footer"]["text"].startswith("Cleanup of 2026-06-01 (UTC)")


def test_the_summary_identity_depends_only_on_kinds_and_ids() -> None:
    one = facts([Listed(decision(1), "a"), Listed(decision(2), "b", dm=False)], [Listed(decision(3, idle=95), "a")])
    same = facts([Listed(decision(2), "other"), Listed(decision(1), "x")], [Listed(decision(3, idle=95), "a")])
    other = facts([Listed(decision(1), "a")], [Listed(decision(3, idle=95), "a")])
    assert one.identity() == same.identity() != other.identity()


# --------------------------------------------------------------------------- layout, property


@st.composite
def listings(draw: st.DrawFn) -> list[Section]:
    sections = []
    for title in draw(st.lists(st.sampled_from(["Warned", "Deleted", "Other"]), min_size=1, max_size=3, unique=True)):
        lines = draw(st.lists(st.text(min_size=1, max_size=700), max_size=60))
        ids = draw(st.lists(st.integers(1, 10**40 - 1), min_size=len(lines), max_size=len(lines), unique=True))
        days = draw(st.lists(st.dates(), min_size=len(lines), max_size=len(lines)))
        recorded = title != "Other"
        entries = tuple(
            Entry(
                "• " + display(line, 550),
                command_id if recorded else None,
                "warned" if recorded else None,
                day if recorded else None,
            )
            for line, command_id, day in zip(lines, ids, days, strict=True)
        )
        sections.append(Section(title, entries))
    return sections


@settings(max_examples=60, deadline=None)
@given(listings(), st.integers(0, 3000), st.text(max_size=200))
def test_paginate_keeps_every_entry_once_in_order_within_every_limit(
    sections: list[Section], fixed: int, base: str
) -> None:
    layout = Layout(fixed_first=fixed, fixed_rest=fixed // 2, fields_first=3, fields_rest=0, footer_base=base)
    pages = paginate(sections, layout)
    assert [e for page in pages for e in page.entries] == [e for s in sections for e in s.entries]
    for page in pages:
        fields = [{"name": f.name, "value": f.value} for f in page.fields]
        embed = {"title": "t", "fields": fields, "footer": {"text": page.footer(base)}}
        validate_message({"embeds": [embed]})
        footer = page.footer(base)
        assert len(footer) <= FOOTER_LIMIT
        listing = sum(len(f.name) + len(f.value) for f in page.fields)
        assert (fixed if page.first else fixed // 2) + listing + len(footer) <= EMBEDS_TOTAL_LIMIT
        assert len(page.fields) + (3 if page.first else 0) <= 25
        ids = {e.command_id for e in page.entries if e.kind}
        marked = records_in_message(as_message([{"footer": {"text": footer}}]), bot_id=BOT, source="admin")
        assert {r.command_id for r in marked} == ids


# --------------------------------------------------------------------------- records


def test_only_the_bots_own_messages_are_records() -> None:
    forged = as_message([{"title": "hi", "footer": {"text": marker("warned", [1])}}], author="1300000000000000001")
    assert records_in_message(forged, bot_id=BOT, source="dm") == []


def test_a_record_is_dated_by_the_message_snowflake_and_keeps_the_stated_date() -> None:
    at = NOW - timedelta(days=8, hours=3)
    footer = "whatever · " + marker("warned", [7, 9], date(2026, 5, 24)) + " · " + marker("deleted", [3])
    records = records_in_message(as_message([{"title": "x", "footer": {"text": footer}}], at=at), bot_id=BOT,
                                 source="admin")
    assert {(r.kind, r.command_id, r.on) for r in records} == {
        ("warned", 7, date(2026, 5, 24)),
        ("warned", 9, date(2026, 5, 24)),
        ("deleted", 3, None),
    }
    assert all(abs((r.at - at).total_seconds()) < 1 for r in records)


def test_a_marker_without_a_date_from_an_earlier_version_is_still_read() -> None:
    (record,) = records_in_message(as_message([{"footer": {"text": "cc-cleanup:warned=12"}}]), bot_id=BOT,
                                   source="dm")
    assert record.command_id == 12 and record.on is None and not record.legacy


def test_a_reference_bot_warning_dm_is_recovered_by_name_as_a_legacy_record() -> None:
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
    assert [(r.kind, r.command_id, r.legacy) for r in records] == [("warned", 703, True)]
    assert records_in_message(as_message([legacy]), bot_id=BOT, source="dm") == []


@settings(max_examples=150, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=20,
    ),
    st.text(max_size=30),
)
def test_any_message_yields_records_or_nothing_never_an_error(embeds: Any, message_id: str) -> None:
    for candidate in ({"id": message_id, "author": {"id": BOT}, "embeds": embeds}, embeds):
        if isinstance(candidate, dict):
            records_in_message(candidate, bot_id=BOT, source="dm", legacy_names={"a": 1})


# --------------------------------------------------------------------------- progress


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


# --------------------------------------------------------------------------- nonces


def test_message_nonces_name_the_item_and_nothing_that_varies_between_hosts() -> None:
    from leaguectl.cleanup.apply import dm_nonce, summary_nonce

    guild = "1200000000000000001"
    warning = dm_nonce("warning", guild, "13", [3, 1, 2])
    assert warning == dm_nonce("warning", guild, "13", [1, 2, 3])  # any host, any order
    assert len(warning) <= 25
    different = {
        dm_nonce("deletion", guild, "13", [1, 2, 3]),  # another kind to the same user about the same commands
        dm_nonce("warning", guild, "14", [1, 2, 3]),  # another recipient
        dm_nonce("warning", guild, "13", [1, 2]),  # another message of a split warning
        dm_nonce("warning", "1200000000000000002", "13", [1, 2, 3]),  # another league
    }
    assert warning not in different and len(different) == 4
    report = facts([Listed(decision(1), "a")], [])
    assert summary_nonce(guild, 1, report) == summary_nonce(guild, 1, facts([Listed(decision(1), "b")], []))
    assert summary_nonce(guild, 1, report) != summary_nonce(guild, 2, report)
    assert summary_nonce(guild, 1, report) != summary_nonce(guild, 1, facts([Listed(decision(2), "a")], []))
