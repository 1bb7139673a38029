"""Two schedulers at once (SPEC §1.8, issue 16.6): two passes, separate lock dirs, one sandbox.

Both passes start together (a barrier) as a forgotten crontab on a second host
or two Kubernetes Jobs would. Every message create carries a nonce made of the
item's identity, so Discord (the sandbox) answers the second create with the
first message: the end state must equal one pass's, with no duplicate
announcement, weekly info, transaction-log embed or cancellation DM, the week
incremented once and every player moved once.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from leaguectl.transactions.messages import freeze_announcement
from tests.conftest import CliResult, SandboxCli

from .world import MONDAY, NY_GM, SATURDAY, league_and_channels, scenario, thaw_scenario

Factory = Callable[..., SandboxCli]
ROUNDS = 4


@dataclass
class Host:
    """One host: the same sandbox, its own lock directory."""

    cli: SandboxCli
    result: CliResult | None = None


def two_hosts(cli: SandboxCli, tmp_path: Path) -> list[Host]:
    hosts = []
    for name in ("a", "b"):
        lock_dir = tmp_path / f"locks-{name}-{id(cli)}"
        lock_dir.mkdir()
        hosts.append(Host(replace(cli, extra_env={**cli.extra_env, "LOCK_DIR": str(lock_dir)})))
    return hosts


def run_together(hosts: list[Host], command: str, at: datetime) -> None:
    hosts[0].cli.sandbox.clock.set(at)
    barrier = threading.Barrier(len(hosts))

    def run(host: Host) -> None:
        barrier.wait()
        host.result = host.cli.run(command)  # --now would reset the shared clock; the clock is already `at`

    threads = [threading.Thread(target=run, args=(host,)) for host in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def duplicates(snapshot: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for channel, messages in snapshot["messages"].items():
        counts = Counter(repr((m["content"], m["embeds"])) for m in messages)
        repeated = [text for text, count in counts.items() if count > 1]
        if repeated:
            found[channel] = repeated
    return found


CASES: dict[str, tuple[Callable[[], dict[str, Any]], datetime]] = {
    "freeze-begin": (scenario, MONDAY),
    "thaw": (thaw_scenario, SATURDAY),
}


def one_pass(make_cli: Factory, command: str) -> dict[str, Any]:
    world, at = CASES[command]
    cli = make_cli(world(), at)
    result = cli.run(command)
    assert result.exit_code in (0, 1), result.stdout
    return league_and_channels(cli.sandbox)


@pytest.mark.parametrize("command", sorted(CASES))
def test_two_passes_at_once_end_as_one_pass_would(make_cli: Factory, tmp_path: Path, command: str) -> None:
    expected = one_pass(make_cli, command)
    assert duplicates(expected) == {}
    world, at = CASES[command]
    for _ in range(ROUNDS):
        cli = make_cli(world(), at)
        hosts = two_hosts(cli, tmp_path)
        run_together(hosts, command, at)
        assert all(host.result is not None and host.result.exit_code in (0, 1) for host in hosts), [
            host.result for host in hosts
        ]
        end = league_and_channels(cli.sandbox)
        assert duplicates(end) == {}
        assert end == expected


def test_two_freeze_begins_at_once_increment_the_week_once(make_cli: Factory, tmp_path: Path) -> None:
    for _ in range(ROUNDS):
        cli = make_cli(scenario(), MONDAY)
        run_together(two_hosts(cli, tmp_path), "freeze-begin", MONDAY)
        current = cli.sandbox.state.current()
        assert (current["week"], current["freeze"]) == (11, True)
        creates = [e for e in cli.sandbox.request_log if e.route == "POST /channels/{channel_id}/messages"]
        assert len(creates) >= 3  # both hosts really posted; the nonce made the second copies no-ops
        log = [m.content for m in cli.sandbox.state.messages("transaction-log")]
        assert log.count(freeze_announcement(11)) == 1


def test_two_thaws_at_once_send_each_cancellation_dm_once(make_cli: Factory, tmp_path: Path) -> None:
    for _ in range(ROUNDS):
        cli = make_cli(thaw_scenario(), SATURDAY)
        run_together(two_hosts(cli, tmp_path), "thaw", SATURDAY)
        texts = [m.content for m in cli.sandbox.state.dm_messages(NY_GM)]
        assert len(texts) == len(set(texts)) == 1
        assert cli.sandbox.state.current()["freeze"] is False


def test_weekly_info_nonces_do_not_depend_on_old_posts_a_racing_host_may_already_have_deleted(
    make_cli: Factory,
) -> None:
    """Host B may read the channel after host A deleted last week's info but before A posted: same nonces."""
    first = make_cli(scenario(transactions=[]), MONDAY)
    assert first.run("freeze-begin", at=MONDAY).exit_code == 0
    world = scenario(transactions=[])
    world["discord"]["messages"] = [
        m for m in world["discord"]["messages"] if not (m["channel"] == "weekly-info" and m["author"] == "bot")
    ]
    second = make_cli(world, MONDAY)
    assert second.run("freeze-begin", at=MONDAY).exit_code == 0
    owner = first.sandbox.state.discord.owner_id
    nonces = [[m.nonce for m in cli.sandbox.state.messages("weekly-info") if m.author_id != owner]
              for cli in (first, second)]
    assert nonces[0] == nonces[1] and len(nonces[0]) == 2 and None not in nonces[0]
