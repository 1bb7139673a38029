"""Every wait has a bound (issue 16 item 4): trickling servers, huge rate-limit waits, the wait settings.

The sandbox answers one byte per interval for a chosen service ("trickle" fault); with
``REQUEST_TIMEOUT_SECONDS`` small the pass ends within its retries × that deadline, with the
exit status each client documents. Backoff between retries goes through the runtime's sleeper
(the sandbox clock), so the only real time spent is the deadlines themselves.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from leaguectl.demo.timeline import plan_week
from leaguectl.sandbox import demo_scenario
from tests.conftest import SandboxCli, invoke
from tests.trickle import trickle_server

START = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
DEADLINE = 0.3
SLACK = 1.0  # thread scheduling on a shared machine; without the deadline each request would take minutes
Factory = Callable[..., SandboxCli]


def _week(factory: Factory, **env: str) -> tuple[SandboxCli, dict[str, datetime]]:
    scenario = demo_scenario(START)
    first: dict[str, datetime] = {}
    for step in plan_week(scenario["demo"]):
        first.setdefault(step.command, step.at)
    return factory(scenario, START, REQUEST_TIMEOUT_SECONDS=str(DEADLINE), **env), first


def _timed(cli: SandboxCli, *args: str, at: datetime) -> tuple[int, str, float]:
    started = time.monotonic()
    result = cli.run(*args, at=at)
    return result.exit_code, result.stdout + result.stderr, time.monotonic() - started


@pytest.mark.parametrize(
    ("service", "command", "attempts"),
    [("discord", "run-due-tasks", 5), ("league", "freeze-begin", 4)],
)
def test_a_trickling_api_ends_the_pass_with_69_after_its_retries(
    sandbox_cli_factory: Factory, service: str, command: str, attempts: int
) -> None:
    cli, first = _week(sandbox_cli_factory)
    cli.sandbox.inject_failure(1, "trickle", service=service, times=50, interval=0.05)
    code, output, elapsed = _timed(cli, command, at=first[command])
    assert code == 69, output
    assert "within 0.3 s (REQUEST_TIMEOUT_SECONDS)" in output
    trickled = [entry for entry in cli.sandbox.request_log if entry.fault == "trickle"]
    assert len(trickled) == attempts  # GETs are retried per the client's policy, then the pass gives up
    assert elapsed < attempts * DEADLINE + SLACK


def test_a_trickling_answer_to_a_write_is_not_retried_when_repeating_it_is_unsafe() -> None:
    from leaguectl.league_api import LeagueClient, LeagueUnavailable
    from tests.conftest import make_runtime

    runtime = make_runtime()
    runtime.request_timeout = DEADLINE
    with trickle_server("headers", interval=0.05) as server:
        client = LeagueClient(base_url=server.url, token="league-token-xyz", runtime=runtime)
        started = time.monotonic()
        with pytest.raises(LeagueUnavailable, match="REQUEST_TIMEOUT_SECONDS") as caught:
            client.move_player(12001, 501)  # a lost answer may hide a done write: never repeated
        elapsed = time.monotonic() - started
        client.close()
    assert caught.value.exit_code == 69
    assert [request.split("?")[0] for request in server.requests] == ["PATCH /v3/players/12001"]
    assert elapsed < DEADLINE + SLACK


@pytest.mark.parametrize("service", ["sheets", "oauth"])
def test_a_trickling_sheet_or_token_endpoint_leaves_each_scorebug_as_it_was(
    sandbox_cli_factory: Factory, service: str
) -> None:
    cli, first = _week(sandbox_cli_factory)
    cli.sandbox.inject_failure(1, "trickle", service=service, times=100, interval=0.05)
    code, output, elapsed = _timed(cli, "--json", "scorebug-tick", at=first["scorebug-tick"])
    report = json.loads(output[: output.index("\n") + 1]) if output.startswith("{") else {}
    games = len(cli.sandbox.state.scorecards)
    assert code == 0, output  # one unreadable sheet is a warning for its game (docs/scorebug.md)
    assert len(report["warnings"]) == games
    assert all("REQUEST_TIMEOUT_SECONDS" in warning["message"] for warning in report["warnings"])
    assert elapsed < games * 3 * DEADLINE + SLACK


def test_health_pings_to_a_trickling_server_share_one_short_budget(sandbox_cli_factory: Factory) -> None:
    with trickle_server("headers", interval=0.05) as pinged:
        cli, first = _week(sandbox_cli_factory, HEALTHCHECK_URL=f"{pinged.url}/check-key")
        at = first["scorebug-tick"]
        assert cli.run("-q", "scorebug-tick", at=at).exit_code == 0
        code, output, elapsed = _timed(cli, "scorebug-tick", at=at + timedelta(minutes=3))
    assert code == 0, output  # a ping never changes the pass's outcome
    assert "health ping (start) failed" in output and "ReadTimeout" in output
    assert "health ping (success) not sent" in output
    assert elapsed < DEADLINE + SLACK  # both pings together: one budget of min(10 s, REQUEST_TIMEOUT_SECONDS)


def test_a_huge_retry_after_exits_75_without_waiting_past_the_cap(sandbox_cli_factory: Factory) -> None:
    cli, first = _week(sandbox_cli_factory, DISCORD_MAX_WAIT_SECONDS="60")
    cli.sandbox.inject_failure(1, "ratelimit", service="discord", retry_after=86400.0)
    cli.sandbox.clock.set(first["run-due-tasks"])
    before = cli.sandbox.clock.monotonic()
    result = cli.run("--json", "run-due-tasks", at=first["run-due-tasks"])
    waited = cli.sandbox.clock.monotonic() - before
    assert result.exit_code == 75
    assert "86400" in result.stderr and "60 s cap" in result.stderr
    assert waited < 60  # refused before sleeping: the next run retries
    assert json.loads(result.stdout)["stats"]["rate_limited"] == 1


@pytest.mark.parametrize("setting", ["REQUEST_TIMEOUT_SECONDS", "DISCORD_MAX_WAIT_SECONDS"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0", "soon", "1e999"])
def test_a_wait_setting_that_bounds_nothing_is_a_configuration_error(setting: str, value: str) -> None:
    result = invoke(["status"], {setting: value})
    assert result.exit_code == 78
    assert setting in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("setting", ["request_timeout_seconds", "discord_max_wait_seconds"])
def test_an_infinite_wait_in_the_config_file_is_refused_too(tmp_path: object, setting: str) -> None:
    from pathlib import Path

    config = Path(str(tmp_path)) / "config.toml"
    config.write_text(f"{setting} = inf\n")
    result = invoke(["--config", str(config), "status"])
    assert result.exit_code == 78 and setting.upper() in result.stderr


def test_the_request_deadline_reaches_the_runtime() -> None:
    from leaguectl.passrun import CliState, execute_pass
    from tests.conftest import make_runtime

    runtime = make_runtime({"REQUEST_TIMEOUT_SECONDS": "2.5"})
    seen: list[float] = []
    execute_pass(CliState(runtime=runtime), "test", lambda pc: seen.append(pc.runtime.request_timeout), ops=False)
    assert seen == [2.5]
