"""Channel history pagination: newest first, every message exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from leaguectl.sandbox import Sandbox
from tests.sandbox.world import TEXT


@pytest.fixture
def filled(sandbox: Sandbox) -> list[str]:
    """250 more messages in #general, one per minute in the past; returns all ids oldest first."""
    start = sandbox.clock.now() - timedelta(days=1)
    for number in range(250):
        sandbox.state.add_message("general", f"m{number}", timestamp=start + timedelta(minutes=number))
    return [m.id for m in sandbox.state.messages("general")]


def page(discord: httpx.Client, **params: Any) -> list[str]:
    response = discord.get(f"/channels/{TEXT}/messages", params=params)
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()]


def test_without_anchor_the_newest_50_come_newest_first(discord: httpx.Client, filled: list[str]) -> None:
    assert page(discord) == list(reversed(filled))[:50]


def test_walking_back_with_before_returns_every_message_exactly_once(discord: httpx.Client, filled: list[str]) -> None:
    seen: list[str] = []
    batch = page(discord, limit=100)
    while batch:
        assert batch == sorted(batch, key=int, reverse=True)
        seen += batch
        batch = page(discord, limit=100, before=batch[-1])
    assert seen == list(reversed(filled))


def test_walking_forward_with_after_returns_every_message_exactly_once(
    discord: httpx.Client, filled: list[str]
) -> None:
    seen: list[str] = []
    batch = page(discord, limit=100, after=0)
    while batch:
        seen += reversed(batch)
        batch = page(discord, limit=100, after=batch[0])
    assert seen == filled


def test_around_returns_the_messages_either_side(discord: httpx.Client, filled: list[str]) -> None:
    middle = filled.index(filled[100])
    assert page(discord, limit=10, around=filled[100]) == list(reversed(filled[middle - 5 : middle + 5]))


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"before": 1, "after": 2}])
def test_bad_limits_and_combined_anchors_are_50035(discord: httpx.Client, params: dict[str, Any]) -> None:
    response = discord.get(f"/channels/{TEXT}/messages", params=params)
    assert (response.status_code, response.json()["code"]) == (400, 50035)


def test_without_read_history_the_list_is_empty_not_an_error(make_sandbox: object) -> None:
    from tests.sandbox.world import discord_client, small_scenario

    scenario = small_scenario()
    scenario["discord"]["channels"][0]["bot_denied"] = ["history"]
    sandbox = make_sandbox(scenario)  # type: ignore[operator]
    with discord_client(sandbox) as client:
        assert client.get(f"/channels/{TEXT}/messages").json() == []
