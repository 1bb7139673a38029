"""run-due-tasks under SIGTERM, clock skew and two schedulers at once: every run happens exactly once.

* SIGTERM (``runtime.terminate_requested``, set by a transport hook) at each request of a pass:
  the task in progress is finished (claim and act, or neither), the pass stops with 143, and
  the rerun does the rest; each task's action happened once.
* The host clock 300 s or 1 s behind or ahead of Discord's (the sandbox clock) across a week of
  reruns: the same end state and exit codes as without skew.
* Two passes at once with separate lock dirs (two hosts): one post and one DM per run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from leaguectl.runtime import Runtime
from tests.conftest import CliResult, SandboxCli, invoke
from tests.tasks.helpers import ALICE, layout_a, naive, scenario, task_message, tool_task

Factory = Callable[..., SandboxCli]
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


class HookedTransport(httpx.HTTPTransport):
    """The real HTTP transport, with a callback before each request (counted from 1)."""

    def __init__(self, before: Callable[[int, httpx.Request], None]) -> None:
        super().__init__()
        self.before = before
        self.count = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.count += 1
            number = self.count
        self.before(number, request)
        return super().handle_request(request)


def run_at(cli: SandboxCli, host_now: datetime, *args: str, runtime: Runtime | None = None) -> CliResult:
    """``leaguectl --now host_now args`` on ``cli``'s sandbox, whatever the sandbox clock says."""
    return invoke(["--now", host_now.isoformat(), *args], runtime=runtime or cli.runtime())


def _due_tasks() -> list[dict[str, Any]]:
    daily = tool_task("Daily", "daily", naive(NOW - timedelta(minutes=1)), time="08:59", template="daily post")
    once = tool_task("Once", "in_5_minutes", naive(NOW - timedelta(seconds=30)), action_type="user_reminder",
                     target=ALICE, template="one DM")
    return [daily, once]


def _cli(factory: Factory, tasks: list[dict[str, Any]], **env: str) -> SandboxCli:
    return factory(scenario([task_message(layout_a(task), now=NOW, minutes_ago=90) for task in tasks], **env), NOW)


def _actions(cli: SandboxCli) -> tuple[list[str], list[str]]:
    posts = [message.content for message in cli.sandbox.state.messages("general")]
    dms = [message.content for message in cli.sandbox.state.dm_messages(ALICE)]
    return posts, dms


# ------------------------------------------------------------------------------- SIGTERM


def _requests_of_a_clean_pass(factory: Factory) -> int:
    cli = _cli(factory, _due_tasks())
    counter = HookedTransport(lambda number, request: None)
    runtime = cli.runtime()
    runtime.transport = counter
    assert run_at(cli, NOW, "run-due-tasks", runtime=runtime).exit_code == 0
    return counter.count


def test_sigterm_at_any_request_finishes_the_task_in_progress_and_the_rerun_does_the_rest(
    sandbox_cli_factory: Factory,
) -> None:
    total = _requests_of_a_clean_pass(sandbox_cli_factory)
    assert total >= 6
    for stop_at in range(1, total + 1):
        cli = _cli(sandbox_cli_factory, _due_tasks())
        runtime = cli.runtime()

        def sigterm(number: int, request: httpx.Request, stop_at: int = stop_at, runtime: Runtime = runtime) -> None:
            if number == stop_at:
                runtime.terminate_requested = True

        runtime.transport = HookedTransport(sigterm)
        stopped = run_at(cli, NOW, "run-due-tasks", runtime=runtime)
        assert stopped.exit_code == 143, (stop_at, stopped.stdout)
        assert "Traceback" not in stopped.stderr
        rerun = run_at(cli, NOW + timedelta(seconds=40), "run-due-tasks")
        assert rerun.exit_code == 0, (stop_at, rerun.stdout)
        assert _actions(cli) == (["daily post"], ["one DM"]), stop_at


# ------------------------------------------------------------------------------- two hosts


def test_two_passes_at_once_with_separate_lock_dirs_run_each_task_once(sandbox_cli_factory: Factory) -> None:
    cli = _cli(sandbox_cli_factory, _due_tasks())
    both_planned = threading.Barrier(2, timeout=30)

    def wait_for_the_other(number: int, request: httpx.Request) -> None:
        if request.method != "GET" and not getattr(threading.current_thread(), "waited", False):
            threading.current_thread().waited = True  # type: ignore[attr-defined]
            both_planned.wait()  # both passes have read the channel and are about to write

    results: dict[str, CliResult] = {}

    def host(name: str) -> None:
        runtime = cli.runtime()
        runtime.environ = {**runtime.environ, "LOCK_DIR": str(cli.workdir / f"locks-{name}")}
        runtime.transport = HookedTransport(wait_for_the_other)
        results[name] = run_at(cli, NOW, "run-due-tasks", runtime=runtime)

    threads = [threading.Thread(target=host, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert {name: result.exit_code for name, result in results.items()} == {"a": 0, "b": 0}
    assert _actions(cli) == (["daily post"], ["one DM"])

    alone = _cli(sandbox_cli_factory, _due_tasks())
    assert run_at(alone, NOW, "run-due-tasks").exit_code == 0
    assert cli.sandbox.state.normalized_snapshot() == alone.sandbox.state.normalized_snapshot()


# ------------------------------------------------------------------------------- skew


def _week_of_tasks() -> list[dict[str, Any]]:
    monday = NOW  # 09:00 Berlin
    return [
        tool_task("Daily", "daily", naive(monday), time="09:00", template="daily post"),
        tool_task("Weekly", "weekly", naive(monday + timedelta(hours=9)), time="18:00", day_of_week="monday",
                  action_type="user_reminder", target=ALICE, template="weekly DM"),
        tool_task("Midweek", "on_date", naive(monday + timedelta(days=2, hours=3)), specific_date="2026-03-04",
                  time="12:00", template="midweek post"),
    ]


def _slots() -> list[datetime]:
    daily = [NOW + timedelta(days=day) for day in range(7)]
    weekly = [NOW + timedelta(hours=9), NOW + timedelta(days=7, hours=9)]
    return sorted([*daily, *weekly, NOW + timedelta(days=2, hours=3)])


def _run_week(factory: Factory, skew: timedelta) -> tuple[list[int], dict[str, Any]]:
    cli = _cli(factory, _week_of_tasks())
    codes = []
    for slot in _slots():
        for offset in (-360, -60, 0, 60, 360):
            discord_now = slot + timedelta(seconds=offset)
            cli.sandbox.clock.set(discord_now)
            codes.append(run_at(cli, discord_now + skew, "run-due-tasks").exit_code)
    return codes, cli.sandbox.state.normalized_snapshot()


@pytest.mark.parametrize("seconds", [-300, -1, 1, 300])
def test_a_week_of_reruns_ends_the_same_with_the_host_clock_off_by(sandbox_cli_factory: Factory,
                                                                     seconds: int) -> None:
    codes, state = _run_week(sandbox_cli_factory, timedelta(seconds=seconds))
    reference_codes, reference = _run_week(sandbox_cli_factory, timedelta(0))
    assert set(reference_codes) == {0}
    assert codes == reference_codes
    assert state == reference
    posts = [message["content"] for message in reference["messages"]["general"]]
    assert posts.count("daily post") == 8 and posts.count("midweek post") == 1  # Monday to Monday
    assert [message["content"] for message in reference["messages"][f"dm:{ALICE}"]] == ["weekly DM"] * 2
