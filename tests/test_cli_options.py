"""Global options after the command name, uncut --help summaries, --now at the calendar's edges."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaguectl.cli import click_command, hoist_global_options, parse_now
from leaguectl.errors import UsageError
from tests.conftest import SandboxCli, invoke

START = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Monday 00:00 in New York


def _hoist(*args: str) -> list[str]:
    return hoist_global_options(click_command(list(args)), list(args))


def test_global_options_after_the_command_move_in_front_of_it() -> None:
    assert _hoist("freeze-begin", "--dry-run", "--force") == ["--dry-run", "freeze-begin", "--force"]
    assert _hoist("thaw", "-vv", "--now", "2026-11-28T05:00:00Z", "--json") == [
        "-vv", "--now", "2026-11-28T05:00:00Z", "--json", "thaw",
    ]
    assert _hoist("scorecards", "publish", "--set=X=1", "c", "u") == ["--set=X=1", "scorecards", "publish", "c", "u"]


def test_a_commands_own_options_and_their_values_stay_put() -> None:
    # "-v" is --message's value, not a global option; tasks add has its own --dry-run.
    args = ["tasks", "add", "X", "--message", "-v", "-s", "daily", "--dry-run"]
    assert _hoist(*args) == args
    assert _hoist("tasks", "list", "--json", "-q") == ["-q", "tasks", "list", "--json"]
    assert _hoist("doctor", "--", "--json") == ["doctor", "--", "--json"]


def test_dry_run_json_and_now_after_the_command_reach_the_pass(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    from leaguectl.sandbox import demo_scenario

    cli = sandbox_cli_factory(demo_scenario(START), START)
    cli.sandbox.clock.set(START)
    result = invoke(
        ["freeze-begin", "--dry-run", "--json", "--now", START.isoformat(), "-q"], runtime=cli.runtime()
    )
    report = json.loads(result.stdout)
    assert report["dry_run"] is True and report["now"] == START.isoformat()
    assert report["command"] == "freeze-begin" and report["actions"]
    assert [e for e in cli.sandbox.request_log if e.mutating] == []


def test_verbose_after_the_command_logs_at_info() -> None:
    environ = {"LEAGUECTL_CONFIG": "", "LEAGUE_TIMEZONE": "UTC"}
    quiet = invoke(["status"], environ)
    loud = invoke(["status", "-v", "--set", "LEAGUE_TIMEZONE=Asia/Tokyo"], environ)
    assert "info: setting LEAGUE_TIMEZONE: --set LEAGUE_TIMEZONE = 'Asia/Tokyo' wins over" in loud.stderr
    assert "info:" not in quiet.stderr


def _all_commands(command: object, path: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for name, sub in (getattr(command, "commands", None) or {}).items():
        key = f"{path} {name}".strip()
        found.append((key, sub))
        found.extend(_all_commands(sub, key))
    return found


def test_every_command_summary_is_whole_in_the_help_lists(capsys: pytest.CaptureFixture[str]) -> None:
    root = click_command(["--help"])
    commands = [(key, cmd) for key, cmd in _all_commands(root) if not getattr(cmd, "hidden", False)]
    assert len(commands) >= 15
    for key, command in commands:
        summary = command.get_short_help_str(45)  # type: ignore[attr-defined]
        assert summary and not summary.endswith("..."), key
    for args in (["--help"], ["tasks", "--help"], ["scorecards", "--help"]):
        assert invoke(args).exit_code == 0
        shown = capsys.readouterr().out
        listing = shown.split("Commands:", 1)[1]
        assert "..." not in listing, listing
        if args == ["--help"]:
            assert "Run the due tasks of the tasks channel (every minute)" in shown


def test_command_help_says_global_options_may_follow(capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(["thaw", "--help"]).exit_code == 0
    assert "may also follow the command name" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59+00:00",
             "2014-12-31T23:59:59Z", "2150-01-01T00:00:00Z"],
)
def test_now_at_the_calendars_edges_is_a_usage_error(text: str) -> None:
    result = invoke(["--now", text, "freeze-begin"], {"LEAGUECTL_CONFIG": ""})
    assert result.exit_code == 64, result.stderr
    assert "--now" in result.stderr and "Traceback" not in result.stderr


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())))
def test_now_parser_returns_an_aware_time_in_range_or_a_usage_error(text: str) -> None:
    try:
        moment = parse_now(text)
    except UsageError:
        return
    assert moment.tzinfo is not None
    assert datetime(2014, 12, 31, tzinfo=UTC) < moment < datetime(2150, 1, 2, tzinfo=UTC)
