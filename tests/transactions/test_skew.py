"""A host clock up to 5 minutes off Discord's changes no decision (SPEC §1.8, issue 16.5).

The sandbox clock is Discord's; the pass's clock (``--now``) is the host's. A
whole league week of reruns (freeze-begin from Monday 00:00, thaw from
Saturday 00:00, the next Monday's freeze-begin) is played with the host clock
-300 s, -1 s, +1 s and +300 s off Discord's, and must end with the same exits
and the same league and Discord state as with the clocks in step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.conftest import SandboxCli, invoke

from .world import BOS_ID, FA_ID, MONDAY, NY_ID, SATURDAY, WV_ID, frozen_claims, league_and_channels, scenario, tx

Factory = Callable[..., SandboxCli]
NEXT_MONDAY = MONDAY + timedelta(days=7)

#: (command, host time) in the order cron would run them across the week.
SCHEDULE: list[tuple[str, datetime]] = [
    ("freeze-begin", MONDAY),
    ("freeze-begin", MONDAY + timedelta(minutes=1)),
    ("freeze-begin", MONDAY + timedelta(minutes=4, seconds=59)),
    ("freeze-begin", MONDAY + timedelta(minutes=5)),
    ("freeze-begin", MONDAY + timedelta(minutes=59)),
    ("freeze-begin", MONDAY + timedelta(days=1, hours=9)),
    ("thaw", MONDAY + timedelta(days=2)),  # outside thaw's window: skipped
    ("thaw", SATURDAY),
    ("thaw", SATURDAY + timedelta(minutes=1)),
    ("thaw", SATURDAY + timedelta(minutes=5)),
    ("thaw", SATURDAY + timedelta(days=1, hours=23, minutes=58)),
    ("freeze-begin", NEXT_MONDAY),
    ("freeze-begin", NEXT_MONDAY + timedelta(minutes=3)),
    ("freeze-begin", NEXT_MONDAY + timedelta(days=2)),
]


def week_world() -> dict[str, Any]:
    """Week 10 → 11 with a trade to execute on Monday and the contested claims for Saturday."""
    rows = [
        tx(1, "Trade-ny-bos", 4, NY_ID, BOS_ID, week=11, frozen=False),
        tx(2, "Trade-ny-bos", 5, BOS_ID, NY_ID, week=11, frozen=False),
        *frozen_claims(11),
        tx(21, "Next-trade", 6, WV_ID, NY_ID, week=12, frozen=False),
    ]
    return scenario(transactions=rows)


def run_at(cli: SandboxCli, command: str, host_time: datetime, offset: float) -> tuple[int, dict[str, Any]]:
    """Run ``command`` with the host clock at ``host_time`` while Discord's reads ``host_time - offset``."""
    cli.sandbox.clock.set(host_time - timedelta(seconds=offset))
    result = invoke(["--json", "--now", host_time.isoformat(), command], runtime=cli.runtime())
    return result.exit_code, json.loads(result.stdout)


def play_week(make_cli: Factory, offset: float) -> tuple[list[int], dict[str, Any], list[str]]:
    cli = make_cli(week_world(), MONDAY)
    codes: list[int] = []
    summaries: list[str] = []
    for command, host_time in SCHEDULE:
        code, report = run_at(cli, command, host_time, offset)
        codes.append(code)
        summaries.append(f"{command}: {report.get('summary')} {[e['message'] for e in report['errors']]}")
    return codes, league_and_channels(cli.sandbox), summaries


_IN_STEP: list[tuple[list[int], dict[str, Any], list[str]]] = []


def in_step(make_cli: Factory) -> tuple[list[int], dict[str, Any], list[str]]:
    """The week played with the clocks in step (played once; it is deterministic)."""
    if not _IN_STEP:
        _IN_STEP.append(play_week(make_cli, 0.0))
    return _IN_STEP[0]


@pytest.mark.parametrize("offset", [-300.0, -1.0, 1.0, 300.0])
def test_a_week_of_reruns_ends_the_same_with_the_host_clock_off_discords(make_cli: Factory, offset: float) -> None:
    expected_codes, expected_state, expected_summaries = in_step(make_cli)
    assert expected_codes == [0] * len(SCHEDULE), expected_summaries
    state = expected_state["league"]
    current = next(row for row in state["current"] if row["season"] == 12)
    assert (current["week"], current["freeze"]) == (12, True)  # entered twice, thawed once in between
    codes, end, summaries = play_week(make_cli, offset)
    assert codes == expected_codes, summaries
    assert end == expected_state
    assert summaries == expected_summaries


def test_the_skewed_week_really_crosses_the_boundaries(make_cli: Factory) -> None:
    """With the host 300 s ahead, Monday's announcement is minted before Monday 00:00 in Discord's time."""
    cli = make_cli(week_world(), MONDAY)
    code, _ = run_at(cli, "freeze-begin", MONDAY, 300.0)
    assert code == 0
    announcement = cli.sandbox.state.messages("transaction-log")[-1]
    assert announcement.timestamp < MONDAY
    code, report = run_at(cli, "freeze-begin", MONDAY + timedelta(minutes=1), 300.0)
    assert code == 0 and report["errors"] == []
    assert report["summary"] == "week 11 was already entered; nothing left to do"
    assert cli.sandbox.state.player(4)["team_id"] == BOS_ID and cli.sandbox.state.player(1)["team_id"] == FA_ID
