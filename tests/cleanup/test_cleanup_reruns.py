"""Exactly once across crashes, clocks and hosts (issue 16.11, 16.5, 16.6).

* A pass killed right after any one of its writes, then rerun, ends as one
  clean pass would: the same commands warned, marked and deleted, no DM
  twice, and the admin summaries together report every warning and deletion
  exactly once, including those of the killed pass.
* A week of daily passes with the host clock up to five minutes off
  Discord's ends with the same state and exits as with the clocks in step.
* Two passes started together on two hosts (separate lock directories) end
  as one pass would: one DM per creator and kind, one summary.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SandboxCli, invoke

from .world import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    NOW,
    Factory,
    admin_messages,
    bot_messages,
    command_rows,
    full_scenario,
    marked_ids,
    row,
)

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


class Killed(BaseException):
    """The process died: nothing after this point of the pass runs (not an Exception, so nothing catches it)."""


class KillAfterWrite(httpx.BaseTransport):
    """Passes requests through; the ``n``-th write reaches the server, then the pass dies before it hears back."""

    def __init__(self, n: int) -> None:
        self.left = n
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method in MUTATING:
            self.left -= 1
            if self.left == 0:
                response.close()
                raise Killed(f"killed after {request.method} {request.url.path}")
        return response

    def close(self) -> None:
        self.inner.close()


def run_pass(cli: SandboxCli, at: datetime, *, transport: httpx.BaseTransport | None = None) -> int:
    cli.sandbox.clock.set(at)
    runtime = cli.runtime()
    runtime.transport = transport
    return invoke(["--now", at.isoformat(), "cleanup-commands"], runtime=runtime).exit_code


def writes(cli: SandboxCli) -> int:
    return sum(1 for entry in cli.sandbox.request_log if entry.mutating and entry.service != "control")


def outcome(cli: SandboxCli) -> dict[str, Any]:
    """What a pass leaves behind that must not depend on crashes, clocks or hosts."""
    state = cli.sandbox.state
    snapshot = state.normalized_snapshot()
    return {
        "commands": snapshot["league"]["custom_commands"],
        "dms": {user: snapshot["messages"].get(f"dm:{user}", []) for user in (ALICE, BOB, CAROL, DAVE)},
        "summarised": {kind: sorted_ids(state, kind) for kind in ("warned", "deleted")},
    }


def sorted_ids(state: Any, kind: str) -> list[int]:
    """Every id the admin summaries record as ``kind``, with repeats (a repeat would be a double report)."""
    return sorted(i for message in admin_messages(state, NOW - timedelta(days=1)) for i in marked_ids(message, kind))


# --------------------------------------------------------------------------- crash at every write


def test_a_pass_killed_after_any_write_and_rerun_ends_as_one_clean_pass_and_reports_everything_once(
    sandbox_cli_factory: Factory,
) -> None:
    clean = sandbox_cli_factory(full_scenario(), NOW)
    assert run_pass(clean, NOW) == 0
    expected = outcome(clean)
    assert expected["summarised"] == {"warned": [10, 11, 13, 14, 21, 30, 40], "deleted": [20]}
    total = writes(clean)
    assert total >= 10
    for n in range(1, total + 1):
        cli = sandbox_cli_factory(full_scenario(), NOW)
        with pytest.raises(Killed):
            run_pass(cli, NOW, transport=KillAfterWrite(n))
        assert run_pass(cli, NOW + timedelta(minutes=10)) == 0, n  # past Discord's nonce window
        assert outcome(cli) == expected, f"killed after write {n} of {total}"


def test_the_summary_of_a_pass_killed_before_it_reports_the_warnings_it_sent(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(full_scenario(), NOW)
    with pytest.raises(Killed):
        run_pass(cli, NOW, transport=KillAfterWrite(9))  # DMs sent, summary not yet posted
    assert admin_messages(cli.sandbox.state, NOW) == []
    sent = [m for user in (ALICE, BOB) for m in bot_messages(cli.sandbox.state, user) if m.timestamp >= NOW]
    warned_by_dm = {i for m in sent for i in marked_ids(m, "warned")}
    assert warned_by_dm  # the killed pass did warn
    cli.sandbox.clock.set(NOW + timedelta(days=1))
    result = invoke(["--json", "--now", (NOW + timedelta(days=1)).isoformat(), "cleanup-commands"],
                    runtime=cli.runtime())
    report = json.loads(result.stdout)
    (summary,) = admin_messages(cli.sandbox.state, NOW)
    assert warned_by_dm <= marked_ids(summary, "warned")
    earlier = {a["target"] for a in report["actions"] if a["kind"] == "summarise-earlier-warning"}
    assert earlier and earlier <= {"alpha", "beta", "theta", "iota", "epsilon"}
    text = "\n".join(f["value"] for f in summary.embeds[0]["fields"])
    assert f"warned {NOW.date().isoformat()}" in text  # said with the day they were really sent


# --------------------------------------------------------------------------- clock skew

#: Daily passes (host time) over a week, with a rerun 30 s later on the first day and on the deletion day.
DAYS = [0, 0, 1, 6, 7, 7]


def skew_world() -> dict[str, Any]:
    world = full_scenario()
    # warned today by the first pass, 95 days idle: its deletion date is set by the 7-day grace alone
    world["league"]["custom_commands"].append(row(22, "kappa", 2, 95))
    return world


def play_week(make_cli: Factory, start: datetime, offset: float, *, host_on_schedule: bool) -> tuple[list[int], Any]:
    """Run the week with Discord's clock ``offset`` seconds behind the host's.

    ``host_on_schedule``: the host's timer fires on the schedule and Discord reads
    schedule - offset (else Discord reads the schedule and the host schedule + offset).
    """
    cli = make_cli(skew_world(), start)
    codes = []
    for index, day in enumerate(DAYS):
        scheduled = start + timedelta(days=day, seconds=30 if index and DAYS[index - 1] == day else 0)
        host = scheduled if host_on_schedule else scheduled + timedelta(seconds=offset)
        cli.sandbox.clock.set(host - timedelta(seconds=offset))
        result = invoke(["--now", host.isoformat(), "cleanup-commands"], runtime=cli.runtime())
        codes.append(result.exit_code)
    return codes, outcome(cli)


_IN_STEP: dict[tuple[datetime, bool], tuple[list[int], Any]] = {}


@pytest.mark.parametrize("offset", [-300.0, -1.0, 1.0, 300.0])
@pytest.mark.parametrize(
    ("start", "host_on_schedule"),
    [
        (datetime.fromisoformat("2026-11-23T00:00:00+00:00"), True),  # a timer at league midnight
        (datetime.fromisoformat("2026-11-23T04:17:00+00:00"), False),  # the shipped crontab's time
    ],
    ids=["midnight-host-on-time", "0417-discord-on-time"],
)
def test_a_week_of_daily_passes_ends_the_same_with_the_host_clock_off_discords(
    sandbox_cli_factory: Factory, offset: float, start: datetime, host_on_schedule: bool
) -> None:
    key = (start, host_on_schedule)
    if key not in _IN_STEP:  # the same week with the clocks in step, played once per schedule
        _IN_STEP[key] = play_week(sandbox_cli_factory, start, 0.0, host_on_schedule=host_on_schedule)
    expected_codes, expected = _IN_STEP[key]
    assert expected_codes == [0] * len(DAYS)
    assert 22 not in {c["id"] for c in expected["commands"]}  # the grace-bound deletion happened in the week
    codes, skewed = play_week(sandbox_cli_factory, start, offset, host_on_schedule=host_on_schedule)
    assert codes == expected_codes
    assert skewed == expected


def test_the_grace_bound_deletion_comes_on_the_stated_date_when_discord_is_a_second_behind(
    sandbox_cli_factory: Factory,
) -> None:
    start = datetime.fromisoformat("2026-11-23T00:00:00+00:00")
    cli = sandbox_cli_factory(skew_world(), start)
    for day in range(8):
        host = start + timedelta(days=day)
        cli.sandbox.clock.set(host - timedelta(seconds=1))  # Discord mints the warning on the 22nd
        invoke(["--now", host.isoformat(), "cleanup-commands"], runtime=cli.runtime())
        present = 22 in command_rows(cli.sandbox.state)
        assert present is (day < 7), day  # the DM said 2026-11-30: not a day earlier


# --------------------------------------------------------------------------- two hosts


def second_host(cli: SandboxCli, workdir: Path) -> SandboxCli:
    workdir.mkdir()
    return SandboxCli(sandbox=cli.sandbox, workdir=workdir, extra_env=dict(cli.extra_env))


@pytest.mark.parametrize("attempt", range(3))
def test_two_hosts_running_the_pass_at_once_end_as_one_pass(
    sandbox_cli_factory: Factory, tmp_path: Path, attempt: int
) -> None:
    single = sandbox_cli_factory(full_scenario(), NOW)
    assert run_pass(single, NOW) == 0
    expected = outcome(single)
    cli = sandbox_cli_factory(full_scenario(), NOW)
    hosts = [cli, second_host(cli, tmp_path / f"host-b-{attempt}")]
    assert hosts[0].env()["LOCK_DIR"] != hosts[1].env()["LOCK_DIR"]
    start = threading.Barrier(2)
    codes: list[int] = []

    def host(one: SandboxCli) -> None:
        runtime = one.runtime()
        start.wait()
        codes.append(invoke(["--now", NOW.isoformat(), "cleanup-commands"], runtime=runtime).exit_code)

    threads = [threading.Thread(target=host, args=(one,)) for one in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(codes) == [0, 0]
    assert outcome(cli) == expected
    assert len(admin_messages(cli.sandbox.state, NOW)) == 1
    for user in (ALICE, BOB):
        mine = bot_messages(cli.sandbox.state, user)
        assert len([m for m in mine if marked_ids(m, "warned") and m.timestamp >= NOW]) == 1, user
