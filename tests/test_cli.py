"""The CLI frame: help, --now, --json, logging format and every exit code of SPEC §3.3."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from leaguectl.cli import app, parse_now
from leaguectl.errors import (
    ConfigError,
    ExitCode,
    RateLimitedTooLong,
    ServiceUnavailable,
    Terminated,
    UsageError,
)
from leaguectl.passrun import CliState, PassContext, execute_pass, render_report
from tests.conftest import invoke, make_runtime

TOKEN = "discord-token-XYZ-123456"


def test_help_lists_every_registered_command(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    from leaguectl.cli import COMMAND_MODULES

    result = invoke(["--help"])
    assert result.exit_code == 0
    shown = capsys.readouterr().out
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    names = [name for name, command in commands.items() if not command.hidden]
    assert len(names) >= len(COMMAND_MODULES)
    for name in names:
        assert name in shown


def test_version_prints_the_package_version() -> None:
    from leaguectl import __version__

    result = invoke(["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_now_parses_offsets_and_refuses_naive_or_garbage() -> None:
    assert parse_now("2026-11-23T00:30:00+01:00") == datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert parse_now("2026-11-23T00:30:00Z").tzinfo is not None
    for bad in ("2026-11-23T00:30:00", "next monday"):
        with pytest.raises(UsageError):
            parse_now(bad)


def _state(environ: dict[str, str] | None = None, **options: object) -> CliState:
    state = CliState(runtime=make_runtime(environ or {"DISCORD_BOT_TOKEN": TOKEN}))
    for key, value in options.items():
        setattr(state, key, value)
    return state


def _raises(exc: BaseException) -> Callable[[PassContext], None]:
    def body(_: PassContext) -> None:
        raise exc

    return body


@pytest.mark.parametrize(
    ("body_exc", "code"),
    [
        (None, ExitCode.OK),
        (ServiceUnavailable("league API unreachable"), ExitCode.UNAVAILABLE),
        (RuntimeError("bug"), ExitCode.SOFTWARE),
        (RateLimitedTooLong("wait of 600 s exceeds cap"), ExitCode.TEMPFAIL),
        (ConfigError("GUILD_ID", "is required"), ExitCode.CONFIG),
        (UsageError("bad"), ExitCode.USAGE),
        (Terminated("sigterm"), ExitCode.TERMINATED),
    ],
)
def test_each_failure_kind_maps_to_its_exit_code(body_exc: BaseException | None, code: ExitCode) -> None:
    body = _raises(body_exc) if body_exc else (lambda ctx: ctx.report.action("post", "#x"))
    report = execute_pass(_state(), "test", body)
    assert report.final_exit_code == code


def test_item_errors_make_the_pass_exit_1_but_keep_going() -> None:
    def body(ctx: PassContext) -> None:
        ctx.report.error("could not DM", item="user 5")
        ctx.report.action("post", "#log")

    report = execute_pass(_state(), "test", body)
    assert report.final_exit_code == ExitCode.PARTIAL
    assert report.actions and report.errors


def test_json_report_is_one_valid_object_without_secrets() -> None:
    state = _state(json_output=True)

    def body(ctx: PassContext) -> None:
        ctx.report.error(f"server said Bot {TOKEN} is bad")

    render_report(state, execute_pass(state, "test", body))
    output = state.runtime.stdout.getvalue()  # type: ignore[attr-defined]
    data = json.loads(output)
    assert set(data) >= {"command", "ok", "dry_run", "now", "actions", "skipped", "errors", "stats"}
    assert data["ok"] is False and data["stats"] == {"http_requests": 0, "rate_limited": 0}
    assert TOKEN not in output


def test_malformed_now_exits_64_and_unknown_option_exits_64() -> None:
    assert invoke(["--now", "yesterday", "--help"]).exit_code in (0, 64)
    assert invoke(["--bogus-option"]).exit_code == ExitCode.USAGE


@pytest.mark.parametrize("args", [["--bogus-option"], ["freeze-begin", "--nope"], ["tasks", "show"]])
def test_usage_errors_reach_stderr_through_the_log_format(args: list[str]) -> None:
    plain = invoke(args)
    journal = invoke(args, {"JOURNAL_STREAM": "8:1234"})
    as_json = invoke(args, {"LEAGUECTL_LOG_FORMAT": "json"})

    assert plain.exit_code == journal.exit_code == as_json.exit_code == ExitCode.USAGE
    assert plain.stderr.startswith("Usage: leaguectl") and "Try 'leaguectl" in plain.stderr
    error_line = plain.stderr.splitlines()[-1]
    assert error_line.startswith("error: ") and "Traceback" not in plain.stderr
    assert journal.stderr.splitlines()[-1] == "<3>" + error_line
    record = json.loads(as_json.stderr.splitlines()[-1])
    assert record["level"] == "error" and record["message"] == error_line.removeprefix("error: ")
    assert plain.stdout == ""


def test_the_bare_command_and_a_bare_group_print_their_help() -> None:
    for args, first in (([], "Usage: leaguectl [OPTIONS] COMMAND"), (["tasks"], "Usage: leaguectl tasks [OPTIONS]")):
        result = invoke(args)
        assert result.exit_code == ExitCode.USAGE
        assert result.stderr.startswith(first)
        assert not any(line.startswith("error:") for line in result.stderr.splitlines())


def test_unknown_set_name_is_a_configuration_error() -> None:
    result = invoke(["--set", "NOPE=1", "--version"])
    assert result.exit_code == 0  # --version is eager and wins
    from leaguectl.settings import parse_overrides

    with pytest.raises(ConfigError):
        parse_overrides(["NOPE=1"])


def test_now_reaches_the_pass_clock() -> None:
    seen: list[datetime] = []
    runtime = make_runtime({"DISCORD_BOT_TOKEN": TOKEN})
    from leaguectl.runtime import ShiftedClock

    runtime.clock = ShiftedClock(parse_now("2027-03-01T12:00:00+00:00"), base=runtime.clock)
    execute_pass(CliState(runtime=runtime), "test", lambda ctx: seen.append(ctx.now))
    assert seen == [datetime(2027, 3, 1, 12, 0, tzinfo=UTC)]


def test_journal_stream_prefixes_syslog_priorities() -> None:
    import io
    import logging

    from leaguectl.logs import configure_logging

    stream = io.StringIO()
    configure_logging(1, stream, {"JOURNAL_STREAM": "8:1234"})
    logging.getLogger("leaguectl.x").warning("careful")
    logging.getLogger("leaguectl.x").error("broken")
    assert stream.getvalue().splitlines() == ["<4>warning: careful", "<3>error: broken"]


@pytest.mark.parametrize(("status", "code", "exit_code"), [(403, 50013, 78), (404, 10003, 78), (400, 50035, 70)])
def test_uncaught_discord_errors_map_to_config_or_bug(status: int, code: int, exit_code: int) -> None:
    from leaguectl.discord_rest import DiscordError

    report = execute_pass(_state(), "test", _raises(DiscordError(status, code, "refused")))
    assert report.final_exit_code == exit_code
    assert "refused" in report.errors[0]["message"]


def test_sigterm_flag_stops_the_next_http_request() -> None:
    from leaguectl.discord_rest import DiscordClient

    runtime = make_runtime()
    runtime.terminate_requested = True
    client = DiscordClient(base_url="http://127.0.0.1:9/api/v10", token=TOKEN, runtime=runtime)
    with pytest.raises(Terminated):
        client.current_user()
    assert runtime.stats.http_requests == 0


def test_malformed_now_before_a_command_exits_64_naming_the_option() -> None:
    result = invoke(["--now", "yesterday", "status"])
    assert result.exit_code == ExitCode.USAGE
    assert "--now" in result.stderr


def test_now_and_dry_run_are_read_from_the_environment() -> None:
    result = invoke(["--json", "status"], {"LEAGUECTL_NOW": "2027-01-04T00:00:00+00:00", "LEAGUECTL_DRY_RUN": "1"})
    data = json.loads(result.stdout)
    assert data["now"].startswith("2027-01-04T00:00:00")
    assert data["dry_run"] is True
    bad = invoke(["status"], {"LEAGUECTL_NOW": "soon"})
    assert bad.exit_code == ExitCode.USAGE


def test_malformed_setting_through_the_cli_exits_78_naming_it() -> None:
    result = invoke(["--json", "--set", "GUILD_ID=abc", "status"])
    assert result.exit_code == ExitCode.CONFIG
    assert "GUILD_ID" in result.stdout + result.stderr
