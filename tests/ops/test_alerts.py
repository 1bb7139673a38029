"""Failure alerts against the sandbox: sent once per failure within the cooldown, then one recovery note."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from leaguectl.errors import ExitCode, ServiceUnavailable
from leaguectl.passrun import CliState, PassContext, execute_pass
from tests.conftest import SandboxCli

START = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def _run(cli: SandboxCli, tmp_path: Path, body: Callable[[PassContext], None], **env: str) -> int:
    runtime = cli.runtime()
    settings = {"LOCK_DIR": str(tmp_path / "locks"), "ALERT_CHANNEL": "owner", **env}
    runtime.environ = {**runtime.environ, **settings}  # type: ignore[assignment]
    return int(execute_pass(CliState(runtime=runtime), "thaw", body).final_exit_code)


def _fail(ctx: PassContext) -> None:
    raise ServiceUnavailable("league API unreachable after 4 attempts")


def _owner_dms(cli: SandboxCli) -> list[str]:
    owner = cli.sandbox.state.discord.owner_id
    return [m.content for m in cli.sandbox.state.dm_messages(owner)]


def test_repeated_failure_alerts_once_then_recovery_is_announced_once(
    sandbox_cli_factory: Callable[..., SandboxCli], tmp_path: Path
) -> None:
    cli = sandbox_cli_factory(None, START)
    assert _run(cli, tmp_path, _fail) == ExitCode.UNAVAILABLE
    cli.sandbox.clock.advance(60)
    assert _run(cli, tmp_path, _fail) == ExitCode.UNAVAILABLE
    alerts = _owner_dms(cli)
    assert len(alerts) == 1
    assert "leaguectl thaw failed" in alerts[0] and "exit 69" in alerts[0]
    assert "league API unreachable" in alerts[0]

    cli.sandbox.clock.advance(60)
    assert _run(cli, tmp_path, lambda ctx: None) == ExitCode.OK
    cli.sandbox.clock.advance(60)
    assert _run(cli, tmp_path, lambda ctx: None) == ExitCode.OK
    messages = _owner_dms(cli)
    assert len(messages) == 2
    assert "recovered" in messages[1]


def test_same_failure_after_the_cooldown_alerts_again(
    sandbox_cli_factory: Callable[..., SandboxCli], tmp_path: Path
) -> None:
    cli = sandbox_cli_factory(None, START)
    _run(cli, tmp_path, _fail, ALERT_COOLDOWN_MINUTES="30")
    cli.sandbox.clock.advance(timedelta(minutes=31).total_seconds())
    _run(cli, tmp_path, _fail, ALERT_COOLDOWN_MINUTES="30")
    assert len(_owner_dms(cli)) == 2


def test_a_different_failure_is_alerted_even_within_the_cooldown(
    sandbox_cli_factory: Callable[..., SandboxCli], tmp_path: Path
) -> None:
    cli = sandbox_cli_factory(None, START)
    _run(cli, tmp_path, _fail)

    def other(ctx: PassContext) -> None:
        ctx.report.error("could not cancel move M-7", item="M-7")

    _run(cli, tmp_path, other)
    alerts = _owner_dms(cli)
    assert len(alerts) == 2 and "M-7" in alerts[1]


def test_alert_goes_to_alert_channel_when_configured(
    sandbox_cli_factory: Callable[..., SandboxCli], tmp_path: Path
) -> None:
    scenario = {"discord": {"channels": [{"id": "1100000000000000100", "name": "ops-alerts", "type": 0}]}}
    cli = sandbox_cli_factory(scenario, START)
    _run(cli, tmp_path, _fail, ALERT_CHANNEL="ops-alerts")
    posted = [m.content for m in cli.sandbox.state.messages("ops-alerts")]
    assert len(posted) == 1 and "failed" in posted[0]
    assert _owner_dms(cli) == []


def test_no_alert_and_no_discord_request_without_alert_channel(
    sandbox_cli_factory: Callable[..., SandboxCli], tmp_path: Path
) -> None:
    cli = sandbox_cli_factory(None, START)
    runtime = cli.runtime()
    runtime.environ = {**runtime.environ, "LOCK_DIR": str(tmp_path / "locks")}  # type: ignore[assignment]
    assert execute_pass(CliState(runtime=runtime), "thaw", _fail).final_exit_code == ExitCode.UNAVAILABLE
    assert _owner_dms(cli) == []
    assert cli.sandbox.request_log == []


def test_unit_alert_is_quiet_when_the_pass_reported_its_own_exit_code(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    cli = sandbox_cli_factory(None, START, ALERT_CHANNEL="owner")
    cli.extra_env["MONITOR_SERVICE_RESULT"] = "exit-code"
    assert cli.run("alert", "--unit", "leaguectl-thaw.service").exit_code == 0
    assert _owner_dms(cli) == []
    cli.extra_env["MONITOR_SERVICE_RESULT"] = "timeout"
    assert cli.run("alert", "--unit", "leaguectl-thaw@east.service").exit_code == 0
    alerts = _owner_dms(cli)
    assert len(alerts) == 1 and "timeout" in alerts[0] and "leaguectl thaw failed" in alerts[0]
