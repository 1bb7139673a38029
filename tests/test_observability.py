"""What each scheduled command logs against the sandbox (issue 12): events at the right level, quiet when asked.

Every test runs real passes of the demo league week in-process. A pass's report (``--json`` on
stdout) is compared with its log (stderr): each action and skip of the report has its INFO line,
each item error its ERROR line, each HTTP request the sandbox saw its DEBUG line.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from leaguectl.demo.timeline import plan_week
from leaguectl.sandbox import demo_scenario
from tests.conftest import CliResult, SandboxCli

START = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
SCHEDULED = ("freeze-begin", "thaw", "scorebug-tick", "cleanup-commands", "run-due-tasks")
BROKEN_TASK = "📋 **Task: half a task**\n\n```json\n{\"task_name\": \"half\", \"schedule\": \n```"
Factory = Callable[..., SandboxCli]


def week(factory: Factory, **env: str) -> tuple[SandboxCli, dict[str, datetime]]:
    """The demo league and when each scheduled command first runs in its week."""
    scenario = demo_scenario(START)
    first: dict[str, datetime] = {}
    for step in plan_week(scenario["demo"]):
        first.setdefault(step.command, step.at)
    return factory(scenario, START, **env), first


def run_json(cli: SandboxCli, at: datetime, *args: str) -> tuple[CliResult, dict[str, Any], list[dict[str, Any]]]:
    """``leaguectl --json --log-format json ARGS`` at ``at``: the result, the report, the log records."""
    result = cli.run("--json", "--log-format", "json", *args, at=at)
    return result, json.loads(result.stdout), [json.loads(line) for line in result.stderr.splitlines()]


def events(records: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return [record for record in records if record["event"] == event]


# --- item errors a test injects, one per command -----------------------------------------------------


def _conflict_in_next_week(cli: SandboxCli) -> Callable[[], None]:
    """A player of the new week's trade is on a third team: freeze-begin reports a conflict."""
    state = cli.sandbox.state
    row = state.transactions(week=state.current()["week"] + 1, frozen=False, cancelled=False)[0]
    player = state.league.players[row["player_id"]]
    before = player["team_id"]
    player["team_id"] = next(t for t in state.league.teams if t not in (row["oldteam_id"], row["newteam_id"]))

    def undo() -> None:
        player["team_id"] = before

    return undo


def _deny(cli: SandboxCli, channel: str, what: str) -> Callable[[], None]:
    denied = cli.sandbox.state.channel(channel).bot_denied
    denied.add(what)
    return lambda: denied.discard(what)


def inject_item_error(cli: SandboxCli, command: str, first: dict[str, datetime]) -> Callable[[], None]:
    """Make one item of ``command``'s next pass fail; returns how to undo it."""
    state = cli.sandbox.state
    if command == "freeze-begin":
        return _conflict_in_next_week(cli)
    if command == "thaw":
        assert cli.run("-q", "freeze-begin", at=first["freeze-begin"]).exit_code == 0
        return _deny(cli, "transaction-log", "send")  # accepted moves cannot be logged
    if command == "scorebug-tick":
        return _deny(cli, state.voice_links[0].voice_channel_id, "voice_status")
    if command == "cleanup-commands":
        return _deny(cli, "admin", "send")  # the admin summary cannot be posted
    message = state.add_message(state.discord.tasks_channel_id, BROKEN_TASK, author="bot")
    return lambda: state.discord.messages.pop(str(message.id), None) and None


# --- the tests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", SCHEDULED)
def test_each_action_and_skip_is_an_info_line_and_each_item_error_an_error_line(
    sandbox_cli_factory: Factory, command: str
) -> None:
    cli, first = week(sandbox_cli_factory)
    inject_item_error(cli, command, first)
    result, report, records = run_json(cli, first[command], "-v", command)
    assert result.exit_code == 1, result.stderr
    assert report["errors"] and (report["actions"] or report["skipped"])
    by_level = Counter(record["level"] for record in records)
    assert set(by_level) <= {"info", "warning", "error"}
    actions = [(r["kind"], r["target"]) for r in events(records, "action")]
    assert actions == [(a["kind"], a["target"]) for a in report["actions"]]
    assert all(r["level"] == "info" for r in events(records, "action") + events(records, "skip"))
    skips = [(r["reason"], r.get("item")) for r in events(records, "skip")]
    assert skips == [(s["reason"], s.get("item")) for s in report["skipped"]]
    errors = events(records, "error")
    assert all(r["level"] == "error" for r in errors)
    assert [(r.get("item"), r["message"]) for r in errors] == [
        (e.get("item"), f"[{e['item']}] {e['message']}" if e.get("item") else e["message"])
        for e in report["errors"] if not e.get("fatal")
    ]
    start, end = events(records, "pass_start"), events(records, "pass_end")
    assert len(start) == len(end) == 1 and end[0]["exit_code"] == 1
    assert end[0]["http_requests"] == report["stats"]["http_requests"]


def test_the_text_form_names_each_action_skip_and_error(sandbox_cli_factory: Factory) -> None:
    cli, first = week(sandbox_cli_factory)
    inject_item_error(cli, "run-due-tasks", first)
    result = cli.run("-v", "run-due-tasks", at=first["run-due-tasks"])
    report = json.loads(cli.run("--json", "--dry-run", "run-due-tasks", at=first["run-due-tasks"]).stdout)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("info: run-due-tasks: pass started at 2026-03-04T")
    assert lines[-1].startswith("info: run-due-tasks: pass finished, exit 1 in ")
    for entry in report["errors"]:
        assert f"error: [{entry['item']}] {entry['message']}" in lines
    for entry in report["skipped"]:
        assert f"info: skipped {entry['item']}: {entry['reason']}" in lines
    assert any(line.startswith("info: run task ") for line in lines)


@pytest.mark.parametrize("command", SCHEDULED)
def test_with_vv_each_request_the_sandbox_saw_has_a_debug_line(sandbox_cli_factory: Factory, command: str) -> None:
    cli, first = week(sandbox_cli_factory)
    if command == "thaw":
        cli.run("-q", "freeze-begin", at=first["freeze-begin"])
    cli.sandbox.clear_log()
    result, _, records = run_json(cli, first[command], "-vv", command)
    seen = cli.sandbox.request_log
    assert seen, result.stderr
    service = {"discord": "discord", "league": "league", "sheets": "sheets", "oauth": "sheets"}
    logged = events(records, "http_request")
    assert Counter((r["service"], r["method"], r["status"]) for r in logged) == Counter(
        (service[entry.service], entry.method, entry.status) for entry in seen
    )
    discord_routes = Counter(r["route"] for r in logged if r["service"] == "discord")
    assert discord_routes == Counter(entry.route for entry in seen if entry.service == "discord")
    assert all(r["level"] == "debug" and isinstance(r["duration_ms"], float) for r in logged)


@pytest.mark.parametrize("command", SCHEDULED)
def test_with_q_a_successful_pass_writes_nothing_and_a_no_op_pass_is_silent_by_default(
    sandbox_cli_factory: Factory, command: str
) -> None:
    cli, first = week(sandbox_cli_factory)
    undo = inject_item_error(cli, command, first)
    undo()
    if command == "run-due-tasks":  # the demo's tasks channel holds a broken task on purpose
        state = cli.sandbox.state
        broken = [m for m in state.messages(state.discord.tasks_channel_id) if "Broken" in m.content]
        for message in broken:
            state.discord.messages.pop(str(message.id), None)
    quiet = cli.run("-q", command, at=first[command])
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    # Half a minute later (past every rate-limit window the first pass opened) there is nothing to do.
    again = cli.run(command, at=first[command] + timedelta(seconds=30))
    assert again.exit_code == 0 and again.stderr == ""


def _without_setting(cli: SandboxCli, name: str) -> None:
    cli.extra_env[name] = ""


@pytest.mark.parametrize(
    ("break_it", "code", "named"),
    [
        (lambda cli: _without_setting(cli, "GUILD_ID"), 78, "GUILD_ID"),
        (lambda cli: cli.extra_env.update(DISCORD_BOT_TOKEN="not-the-bot-token-1234"), 78, "DISCORD_BOT_TOKEN"),
        (lambda cli: cli.extra_env.update(LEAGUE_API_URL="http://127.0.0.1:9"), 69, "League API"),
    ],
    ids=["missing-setting", "bad-token", "league-api-down"],
)
@pytest.mark.parametrize("flags", [("--json",), ("-q",), ("--json", "-q")], ids=["json", "q", "json-q"])
def test_a_fatal_error_is_one_error_line_on_stderr_whatever_the_flags(
    sandbox_cli_factory: Factory, break_it: Callable[[SandboxCli], None], code: int, named: str,
    flags: tuple[str, ...],
) -> None:
    cli, first = week(sandbox_cli_factory)
    break_it(cli)
    result = cli.run(*flags, "freeze-begin", at=first["freeze-begin"])
    assert result.exit_code == code
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and named in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    if "-q" in flags:
        assert result.stderr.splitlines() == errors  # errors only
    if "--json" in flags:
        assert json.loads(result.stdout)["exit_code"] == code


def test_a_fatal_error_shows_its_traceback_only_at_debug(sandbox_cli_factory: Factory) -> None:
    cli, first = week(sandbox_cli_factory, LEAGUE_API_URL="http://127.0.0.1:9")
    assert "Traceback" not in cli.run("-v", "freeze-begin", at=first["freeze-begin"]).stderr
    assert "Traceback" in cli.run("-vv", "freeze-begin", at=first["freeze-begin"]).stderr


def test_under_journald_every_stderr_line_of_a_pass_starts_with_its_priority(
    sandbox_cli_factory: Factory, tmp_path: Path
) -> None:
    import io
    import os

    from leaguectl.cli import run

    cli, first = week(sandbox_cli_factory)
    inject_item_error(cli, "scorebug-tick", first)
    path = tmp_path / "journal"
    cli.sandbox.clock.set(first["scorebug-tick"])
    with path.open("w", encoding="utf-8") as stderr:
        status = os.fstat(stderr.fileno())
        runtime = cli.runtime()
        runtime.stderr = stderr
        runtime.stdout = io.StringIO()
        runtime.environ = {**runtime.environ, "JOURNAL_STREAM": f"{status.st_dev}:{status.st_ino}"}
        assert run(["-vv", "--now", first["scorebug-tick"].isoformat(), "scorebug-tick"], runtime=runtime) == 1
    lines = path.read_text(encoding="utf-8").splitlines()
    priority = {"debug": "<7>", "info": "<6>", "warning": "<4>", "error": "<3>"}
    levels = Counter(line.split(":", 1)[0][3:] for line in lines)
    assert levels["debug"] and levels["info"] and levels["error"]
    assert all(line[:3] == priority[line[3:].split(":", 1)[0]] for line in lines)


def test_json_log_lines_parse_with_the_named_fields(sandbox_cli_factory: Factory) -> None:
    cli, first = week(sandbox_cli_factory)
    result, _, records = run_json(cli, first["scorebug-tick"], "-vv", "scorebug-tick")
    assert result.exit_code == 0 and records
    for record in records:
        assert {"time", "level", "command", "event", "message"} <= set(record)
        assert record["command"] == "scorebug-tick"
        assert datetime.fromisoformat(record["time"]).tzinfo is not None
    assert {"pass_start", "pass_end", "action", "http_request"} <= {record["event"] for record in records}


BY_HAND = (("status",), ("doctor",), ("tasks", "list"), ("scorecards", "list"))


@pytest.mark.parametrize("args", [(c,) for c in SCHEDULED] + list(BY_HAND), ids=" ".join)
def test_the_report_now_is_exactly_the_now_option(sandbox_cli_factory: Factory, args: tuple[str, ...]) -> None:
    cli, first = week(sandbox_cli_factory)
    at = first.get(args[0], START).replace(microsecond=123456)
    result = cli.run("--json", *args, at=at)
    report = json.loads(result.stdout)
    assert datetime.fromisoformat(report["now"]) == at
    assert datetime.fromisoformat(report["started_at"]).tzinfo is not None
    assert report["duration_s"] >= 0


def test_without_now_the_report_now_is_the_clock_when_the_pass_started(sandbox_cli_factory: Factory) -> None:
    cli, _ = week(sandbox_cli_factory)
    before = cli.sandbox.clock.now()
    report = json.loads(cli.run("--json", "scorebug-tick").stdout)
    now = datetime.fromisoformat(report["now"])
    assert now == before == datetime.fromisoformat(report["started_at"])


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_secret_appears_in_any_output_of_any_command_at_any_level(
    sandbox_cli_factory: Factory, log_format: str
) -> None:
    from tests.trickle import trickle_server

    secrets = {
        "LETTA_API_KEY": "letta-key-0123456789abcdef",
        "THAW_TIEBREAK_SECRET": "tiebreak-secret-0123456789",
    }
    with trickle_server("fast") as other:  # answers the Letta agent call and the health pings
        ping_key = "5b1e9c2d-ping-key-8f7a6e5d4c3b"
        cli, first = week(
            sandbox_cli_factory, **secrets, LETTA_API_URL=other.url, LETTA_AGENT_ID="agent-1",
            HEALTHCHECK_URL=f"{other.url}/{ping_key}",
        )
        env = cli.env()
        private_key = json.loads(Path(env["GOOGLE_SHEETS_CREDENTIALS"]).read_text(encoding="utf-8"))["private_key"]
        key_body = "".join(line for line in private_key.splitlines() if "PRIVATE KEY" not in line)
        forbidden = [env["DISCORD_BOT_TOKEN"], env["LEAGUE_API_TOKEN"], *secrets.values(), ping_key]
        forbidden += [key_body[i : i + 24] for i in range(0, len(key_body) - 24, 24)]
        passes = sorted(first.items(), key=lambda item: item[1])
        outputs: list[str] = []
        for command, at in passes:
            for level in ("-vv", "-v", "-q"):
                result = cli.run(level, "--log-format", log_format, command, at=at + timedelta(seconds=40))
                outputs.append(result.stdout + result.stderr)
        for args in BY_HAND:
            result = cli.run("-vv", "--log-format", log_format, *args, at=START)
            outputs.append(result.stdout + result.stderr)
        cli.extra_env["DISCORD_BOT_TOKEN"] = "wrong-token-abcdefghijkl"
        refused = cli.run("-vv", "--json", "freeze-begin", at=START)
        outputs.append(refused.stdout + refused.stderr)
        forbidden.append("wrong-token-abcdefghijkl")
    everything = "".join(outputs)
    # The request log was on, and it saw the Letta agent call and the health pings.
    assert "/v1/agents/{agent_id}/messages" in everything and "HEALTHCHECK_URL/start" in everything
    leaked = [secret for secret in forbidden if any(secret in out for out in outputs)]
    assert leaked == []
