"""A failure at the k-th mutating request, then reruns, ends exactly where one clean run ends.

For every k and both fault kinds of the sandbox ("500": answered with HTTP 500,
nothing applied; "drop": connection closed, nothing applied) the first pass is
broken at its k-th write; reruns (a minute apart) must converge on the clean
run's normalized end state: same league rows, same messages and DMs, none twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.conftest import SandboxCli

from .world import FA_ID, MONDAY, NY_ID, SATURDAY, WV_ID, league_and_channels, scenario, thaw_scenario, tx

Factory = Callable[..., SandboxCli]
MAX_RERUNS = 3


def freeze_world() -> dict[str, Any]:
    return scenario(
        transactions=[
            tx(1, "Trade-ny-bos", 4, NY_ID, 502, week=11, frozen=False),
            tx(2, "Trade-ny-bos", 5, 502, NY_ID, week=11, frozen=False),
        ]
    )


def thaw_world() -> dict[str, Any]:
    return thaw_scenario(
        transactions=[
            tx(11, "NY-trout", 1, FA_ID, NY_ID, week=11, frozen=True),
            tx(12, "WV-trout", 1, FA_ID, WV_ID, week=12, frozen=True),
            tx(13, "WV-drop", 6, WV_ID, FA_ID, week=11, frozen=True),
        ]
    )


CASES = {
    "freeze-begin": (freeze_world, MONDAY),
    "thaw": (thaw_world, SATURDAY),
}


def run_until_clean(cli: SandboxCli, command: str, start: datetime) -> list[int]:
    codes = [cli.run(command, at=start).exit_code]
    for attempt in range(1, MAX_RERUNS + 1):
        if codes[-1] == 0:
            break
        codes.append(cli.run(command, at=start + timedelta(minutes=attempt)).exit_code)
    return codes


def clean_end(make_cli: Factory, command: str) -> tuple[dict[str, Any], int]:
    world, start = CASES[command]
    cli = make_cli(world(), start)
    assert run_until_clean(cli, command, start) == [0]
    writes = sum(1 for entry in cli.sandbox.request_log if entry.mutating)
    # one more clean rerun must not change anything either
    cli.run(command, at=start + timedelta(minutes=30))
    assert league_and_channels(cli.sandbox) is not None
    return league_and_channels(cli.sandbox), writes


def no_duplicates(snapshot: dict[str, Any]) -> None:
    for channel, messages in snapshot["messages"].items():
        texts = Counter(repr((m["content"], m["embeds"])) for m in messages)
        assert all(count == 1 for count in texts.values()), channel


@pytest.mark.parametrize("command", sorted(CASES))
def test_a_failure_at_every_write_then_reruns_converge_on_the_clean_end_state(make_cli: Factory, command: str) -> None:
    expected, writes = clean_end(make_cli, command)
    no_duplicates(expected)
    assert writes >= 6  # the scenario really exercises several steps
    world, start = CASES[command]
    for k in range(1, writes + 1):
        for kind in ("500", "drop"):
            cli = make_cli(world(), start)
            cli.sandbox.inject_failure(k, kind)
            codes = run_until_clean(cli, command, start)
            assert codes[-1] == 0, (k, kind, codes)
            assert cli.sandbox.pending_failures == 0, (k, kind)
            end = league_and_channels(cli.sandbox)
            assert end == expected, (k, kind, codes)


def test_freeze_begin_crash_resume_covers_a_failed_week_increment(make_cli: Factory) -> None:
    world, start = CASES["freeze-begin"]
    cli = make_cli(world(), start)
    cli.sandbox.inject_failure(2, "500")  # 1: the announcement, 2: PATCH current
    assert cli.run("freeze-begin", at=start).exit_code == 69
    assert cli.sandbox.state.current()["week"] == 10
    assert cli.run("freeze-begin", at=start + timedelta(minutes=1)).exit_code == 0
    assert cli.sandbox.state.current()["week"] == 11


@pytest.mark.parametrize("command", sorted(CASES))
def test_a_discord_write_that_keeps_failing_then_reruns_converge(make_cli: Factory, command: str) -> None:
    """Discord retries absorb one failure; five in a row end the pass, and the reruns must finish it."""
    expected, _ = clean_end(make_cli, command)
    world, start = CASES[command]
    probe = make_cli(world(), start)
    run_until_clean(probe, command, start)
    discord_writes = sum(1 for entry in probe.sandbox.request_log if entry.mutating and entry.service == "discord")
    for k in range(1, discord_writes + 1):
        cli = make_cli(world(), start)
        for attempt in range(5):  # the first try and the client's four retries
            cli.sandbox.inject_failure(k + attempt, "500", service="discord")
        codes = run_until_clean(cli, command, start)
        assert codes[-1] == 0, (k, codes)
        assert league_and_channels(cli.sandbox) == expected, (k, codes)
