"""The exact texts of the weekly cycle (reference/league.md §3.4–3.5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leaguectl.transactions.messages import (
    cancellation_dm,
    freeze_announcement,
    is_weekly_info_text,
    log_embed_moveid,
    parse_freeze_announcement,
    parse_thaw_announcement,
    thaw_announcement,
    transaction_log_embed,
    weekly_info_messages,
)

from .factories import ACUNA, BETTS, TROUT, row

NOW = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
NOTICE = (
    "Each team has manage permissions in their home ballpark. They may pin messages and rename the channel.\n\n"
    "**Make sure your ballpark starts with your team abbreviation.**"
)


def test_freeze_announcement_week_5_pads_to_nine_with_32_stars() -> None:
    assert freeze_announcement(5) == (
        "```\n" + "*" * 32 + "\n   Week 5 Freeze Period Begins\n" + "*" * 32 + "\n```"
    )


def test_freeze_announcement_week_10() -> None:
    assert freeze_announcement(10) == "```\n" + "*" * 32 + "\n  Week 10 Freeze Period Begins\n" + "*" * 32 + "\n```"


def test_thaw_announcement_weeks_5_and_10_have_30_stars() -> None:
    assert thaw_announcement(5) == "```\n" + "*" * 30 + "\n   Week 5 Freeze Period Ends\n" + "*" * 30 + "\n```"
    assert thaw_announcement(10) == "```\n" + "*" * 30 + "\n  Week 10 Freeze Period Ends\n" + "*" * 30 + "\n```"


def test_announcements_are_recognised_only_in_their_exact_form() -> None:
    assert parse_freeze_announcement(freeze_announcement(11)) == 11
    assert parse_thaw_announcement(thaw_announcement(11)) == 11
    assert parse_freeze_announcement(thaw_announcement(11)) is None
    assert parse_thaw_announcement(freeze_announcement(11)) is None
    assert parse_freeze_announcement(freeze_announcement(11) + "\n") is None
    assert parse_freeze_announcement(freeze_announcement(11).replace("  Week", " Week")) is None


@pytest.mark.parametrize(
    ("week", "second"),
    [
        (1, "**Season**: 🌼 **Spring**\n**Time of Day**: 🌙 Night / 🌙 Night / 🌙 Night / 🌞 Day"),
        (2, "**Season**: 🌼 **Spring**\n**Time of Day**: 🌙 Night / 🌞 Day / 🌙 Night / 🌞 Day"),
        (6, "**Season**: 🏖️ **Summer**\n**Time of Day**: 🌙 Night / 🌙 Night / 🌙 Night / 🌞 Day"),
        (14, "**Season**: 🏖️ **Summer**\n**Time of Day**: 🌙 Night / 🌙 Night / 🌙 Night / 🌞 Day"),
        (15, "**Season**: 🍂 **Fall**\n**Time of Day**: 🌙 Night / 🌞 Day / 🌙 Night / 🌞 Day"),
        (18, "**Season**: 🍂 **Fall**\n**Time of Day**: 🌙 Night / 🌙 Night / 🌙 Night / 🌞 Day"),
    ],
)
def test_weekly_info_texts(week: int, second: str) -> None:
    assert weekly_info_messages(week) == (NOTICE, second)
    assert all(is_weekly_info_text(text) for text in weekly_info_messages(week))


def test_week_5_is_spring_and_week_7_summer() -> None:
    assert "Spring" in weekly_info_messages(5)[1]
    assert "Summer" in weekly_info_messages(7)[1]


def test_other_texts_are_not_weekly_info() -> None:
    assert not is_weekly_info_text("Reminder: the playoff format vote closes Friday.")
    assert not is_weekly_info_text(NOTICE + " ")


def test_transaction_log_embed_matches_the_reference_plus_a_move_footer() -> None:
    rows = [row("M1", TROUT, "FA", "WV", week=11), row("M1", ACUNA, "WV", "FA", week=11)]
    embed = transaction_log_embed("M1", rows, NOW)
    assert embed == {
        "title": "Week 11 Transaction",
        "description": "Black Bears",
        "color": 0x2F4F4F,
        "fields": [
            {
                "name": "Player Moves",
                "value": "**Mike Trout** (2.50) from FA to WV\n**Ronald Acuna** (2.00) from WV to FA\n",
                "inline": False,
            }
        ],
        "footer": {"text": "Move M1"},
        "timestamp": "2026-11-28T05:00:00+00:00",
    }
    assert log_embed_moveid(embed) == "M1"


def test_log_embed_colour_tolerates_a_hash_and_falls_back_to_info_blue() -> None:
    assert transaction_log_embed("M", [row("M", TROUT, "FA", "NY")], NOW)["color"] == 0x0C2340
    assert transaction_log_embed("M", [row("M", TROUT, "FA", "BOS")], NOW)["color"] == 0x17A2B8


def test_log_embed_of_a_drop_describes_the_team_that_dropped() -> None:
    embed = transaction_log_embed("D", [row("D", BETTS, "WV", "FA")], NOW)
    assert embed["description"] == "Black Bears"
    assert embed["fields"][0]["value"] == "**Mookie Betts** (1.80) from WV to FA\n"


def test_log_embed_of_a_minor_league_claim_names_the_minor_league_team() -> None:
    embed = transaction_log_embed("M", [row("M", TROUT, "FA", "WVMiL")], NOW)
    assert embed["description"] == "Black Bears MiL"


def test_interactive_bot_embeds_are_not_mistaken_for_thaw_log_entries() -> None:
    assert log_embed_moveid({"title": "Week 10 Transaction", "footer": {"text": "SBa Season 13"}}) is None
    assert log_embed_moveid({"title": "x"}) is None


def test_cancellation_dm_names_the_contested_player() -> None:
    assert cancellation_dm(["Mike Trout"]) == (
        "Your transaction for **Mike Trout** has been cancelled because another team successfully claimed them "
        "during the freeze period."
    )


def test_cancellation_dm_names_several_contested_players() -> None:
    assert cancellation_dm(["A", "B"]).startswith("Your transaction for **A** and **B** has been cancelled")
    assert cancellation_dm(["A", "B", "C"]).startswith("Your transaction for **A**, **B** and **C** has been")
