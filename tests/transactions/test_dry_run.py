"""``--dry-run`` makes zero mutating requests in freeze-begin and thaw (SPEC §3.4, issue 16.9).

Not one POST, PUT, PATCH or DELETE reaches the sandbox, opening a DM channel
included, whatever the plan holds (an announcement, a week increment, player
moves, weekly info to replace, cancellation DMs, log embeds, unfreezes), and
the plan is still reported in full.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.conftest import SandboxCli

from .world import MONDAY, SATURDAY, league_and_channels, scenario, thaw_scenario

Factory = Callable[..., SandboxCli]

CASES = {
    "freeze-begin": (scenario, MONDAY, {"announce", "patch-current", "move-player", "delete-weekly-info",
                                        "post-weekly-info"}),
    "thaw": (thaw_scenario, SATURDAY, {"dm", "cancel-move", "log-move", "unfreeze-move", "patch-current",
                                       "announce"}),
}


@pytest.mark.parametrize("command", sorted(CASES))
@pytest.mark.parametrize("forced", [False, True])
def test_dry_run_sends_no_mutating_request_and_reports_the_whole_plan(
    make_cli: Factory, command: str, forced: bool
) -> None:
    world, at, kinds = CASES[command]
    cli = make_cli(world(), at)
    before = league_and_channels(cli.sandbox)
    args = [command, "--force"] if forced else [command]
    when = at + timedelta(days=3) if forced else at  # outside the window when forced
    result, report = cli.run_json("--dry-run", *args, at=when)
    assert result.exit_code in (0, 1), report["errors"]
    assert [f"{e.method} {e.path}" for e in cli.sandbox.request_log if e.mutating] == []
    assert {action["kind"] for action in report["actions"]} == kinds
    assert league_and_channels(cli.sandbox) == before
