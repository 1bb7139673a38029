"""Every stale command is named, in DMs and summaries that each fit Discord's limits (issue 16.2)."""

from __future__ import annotations

from typing import Any

from leaguectl.discord_limits import EMBEDS_TOTAL_LIMIT
from leaguectl.discord_rest import validate_message

from .world import ALICE, NOW, Factory, admin_messages, bot_messages, command_rows, marked_ids, row, scenario

COUNT = 400


def long_name(number: int) -> str:
    """Names as long as the bot allows (32), and a few far longer ones a broken API could serve."""
    return f"stale-command-number-{number:04d}-xx" if number % 40 else f"{'hostile' * 90}-{number}"


def _check_within_limits(message: Any) -> None:
    payload = {"embeds": message.embeds, "content": message.content or None}
    validate_message(payload)
    total = sum(
        len(e.get("title") or "")
        + len(e.get("description") or "")
        + sum(len(f["name"]) + len(f["value"]) for f in e.get("fields") or [])
        + len((e.get("footer") or {}).get("text") or "")
        for e in message.embeds
    )
    assert total <= EMBEDS_TOTAL_LIMIT
    assert "…" not in (message.embeds[0].get("footer") or {}).get("text", "")  # markers are never cut


def test_four_hundred_stale_commands_of_one_creator_are_all_named_and_all_recorded(
    sandbox_cli_factory: Factory,
) -> None:
    commands = [row(1000 + n, long_name(n), 1, 61 + n % 20) for n in range(COUNT)]
    cli = sandbox_cli_factory(scenario(commands), NOW, rate_limits=False)
    result, report = cli.run_json("cleanup-commands", at=NOW)
    assert result.exit_code == 0, (report["errors"], result.stderr[-2000:])
    state = cli.sandbox.state
    dms = bot_messages(state, ALICE)
    assert len(dms) > 1
    listed = ""
    warned: list[int] = []
    for message in dms:
        _check_within_limits(message)
        warned.extend(marked_ids(message, "warned"))
        listed += "\n".join(f["value"] for f in message.embeds[0]["fields"])
    assert sorted(warned) == [1000 + n for n in range(COUNT)]  # every command recorded exactly once
    for n in range(COUNT):
        shown = long_name(n) if n % 40 else long_name(n)[:40]
        assert f"**{shown}" in listed, n
    assert "more commands" not in listed
    assert all(r["warning_sent"] for r in command_rows(state).values())
    summaries = admin_messages(state, NOW)
    assert len(summaries) > 1
    summarised: set[int] = set()
    text = ""
    for message in summaries:
        _check_within_limits(message)
        summarised |= marked_ids(message, "warned")
        text += "\n".join(f["value"] for f in message.embeds[0]["fields"])
    assert summarised == set(warned)
    assert all(f"(#{1000 + n}, alice)" in text for n in range(COUNT))
    assert "1 user notified about 400 commands at risk" in text
