"""`leaguectl demo`: a whole league week through the real commands, what it shows, and when it fails."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leaguectl.demo.diff import Change, diff_snapshots, edit_preview, preview
from leaguectl.demo.timeline import plan_week, task_runs
from leaguectl.sandbox import SandboxClock, SandboxState
from tests.conftest import CliResult, invoke, make_runtime

START = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
WEEK = ["run-due-tasks", "freeze-begin", "scorebug-tick", "thaw", "cleanup-commands"]


def run_demo(*args: str) -> CliResult:
    return invoke(["--now", START.isoformat(), *args, "demo"], runtime=make_runtime(start=START))


def section(output: str, command: str) -> str:
    """The demo's block for the first pass of `command` (from its header to the next blank line)."""
    match = re.search(rf"^\[\d+/\d+\] {re.escape(command)} .*?(?=\n\n)", output, re.M | re.S)
    assert match, f"no section for {command} in:\n{output}"
    return match.group(0)


@pytest.fixture(scope="module")
def week() -> CliResult:
    return run_demo()


# ----------------------------------------------------------------- the whole week


def test_the_demo_week_runs_every_pass_and_exits_0(week: CliResult) -> None:
    assert week.exit_code == 0, week.stdout + week.stderr
    passes = re.findall(r"^\[(\d+)/(\d+)\] (\S+)", week.stdout, re.M)
    assert {name for _, _, name in passes} == set(WEEK)
    assert [name for _, _, name in passes].count("scorebug-tick") == 2
    assert week.stdout.rstrip().splitlines()[-1] == f"demo: {len(passes)} passes ok"
    assert "FAIL" not in week.stdout


def test_the_week_runs_in_league_order(week: CliResult) -> None:
    order = [name for name in re.findall(r"^\[\d+/\d+\] (\S+)", week.stdout, re.M) if name != "run-due-tasks"]
    assert order == ["freeze-begin", "scorebug-tick", "scorebug-tick", "thaw", "cleanup-commands"]
    assert "freeze-begin — Mon 2026-03-09 00:00 EDT" in week.stdout
    assert "thaw — Sat 2026-03-14 00:00 EDT" in week.stdout


def test_freeze_begin_shows_the_new_week_and_the_executed_trades(week: CliResult) -> None:
    text = section(week.stdout, "freeze-begin")
    assert "week 10 → 11" in text
    assert "Rollie Nakamura: NYY → BOS" in text
    assert "#transaction-log" in text and "Week 11 Freeze Period Begins" in text
    assert "ok   week 10 → 11, incremented once" in text


def test_scorebug_ticks_show_scorebugs_an_edit_and_final_voice_statuses(week: CliResult) -> None:
    first, second = re.findall(r"^\[\d+/\d+\] scorebug-tick .*?(?=\n\n)", week.stdout, re.M | re.S)
    assert "#live-sba-scores" in first and "new" in first
    assert "SEA 5 @ 2 DEN - FINAL" in first
    assert re.search(r"#live-sba-scores\s+edited\s+BOS @ NYY", second)
    assert "POR 1 @ 6 WV - FINAL" in second


def test_thaw_shows_cancelled_claims_dms_and_the_log(week: CliResult) -> None:
    text = section(week.stdout, "thaw")
    assert "freeze on → off" in text
    assert re.search(r"transactions\s+cancelled\s+Hollis Barrow FA → NYY", text)
    assert re.search(r"DM to Hank Ostrowski\s+sent\s+Your transaction for Hollis Barrow", text)
    assert "DM to Dot Pemberton" not in text  # her DMs are closed
    assert "ok   contested claims resolved" in text


def test_cleanup_shows_warned_and_deleted_commands(week: CliResult) -> None:
    text = section(week.stdout, "cleanup-commands")
    assert re.search(r"custom commands\s+deleted\s+/grandslam", text)
    assert re.search(r"custom commands\s+warned\s+/bearsroar", text)
    assert "#admin" in text


def test_the_deliberately_broken_task_is_an_expected_exit_1(week: CliResult) -> None:
    text = section(week.stdout, "run-due-tasks")
    assert "exit 1:" in text
    assert "ok   exit 1: only the deliberately broken task reported (Broken task)" in text
    assert "ok   paused, untrusted and broken tasks left as they are" in text


def test_demo_output_has_no_secrets_of_the_sandbox(week: CliResult) -> None:
    assert "demo-discord-bot-token" not in week.stdout
    assert "demo-league-api-token" not in week.stdout


# ----------------------------------------------------------------- failures and missing commands


def test_a_failing_pass_makes_the_demo_exit_nonzero_and_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import leaguectl.sandbox
    import leaguectl.transactions.thaw

    def broken_thaw(pc: Any, **options: Any) -> None:
        raise RuntimeError("thaw exploded")

    real_scenario = leaguectl.sandbox.demo_scenario

    def wrong_expectation(now: datetime) -> dict[str, Any]:
        scenario = real_scenario(now)
        scenario["demo"]["expect"]["freeze_begin"]["week_after"] = 13
        return scenario

    monkeypatch.setattr(leaguectl.transactions.thaw, "run_thaw", broken_thaw)
    monkeypatch.setattr(leaguectl.sandbox, "demo_scenario", wrong_expectation)
    result = run_demo()
    assert result.exit_code == 1
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith("demo: 2 of ") and "passes failed: freeze-begin (checks failed), thaw (exit 70)" in last
    assert "FAIL week 10 → 11, expected 13" in section(result.stdout, "freeze-begin")
    thaw = section(result.stdout, "thaw")
    assert "FAIL exit 70, expected 0: internal error (RuntimeError): thaw exploded" in thaw
    assert "ok   exit 0" in section(result.stdout, "cleanup-commands")


def test_the_checks_expect_what_the_scenarios_demo_section_says(monkeypatch: pytest.MonkeyPatch) -> None:
    import leaguectl.sandbox

    real_scenario = leaguectl.sandbox.demo_scenario

    def other_expectations(now: datetime) -> dict[str, Any]:
        scenario = real_scenario(now)
        scenario["demo"]["expect"]["cleanup"]["summary_channel"] = "bot-logs"
        paused = next(task for task in scenario["demo"]["tasks"] if task["name"] == "Old poll reminder")
        paused["outcome"] = "run"
        return scenario

    monkeypatch.setattr(leaguectl.sandbox, "demo_scenario", other_expectations)
    result = run_demo("--json")
    assert result.exit_code == 1
    passes = json.loads(result.stdout)["passes"]
    cleanup = next(p for p in passes if p["command"] == "cleanup-commands")
    assert {"ok": False, "text": "0 admin summary message(s)"} in cleanup["checks"]
    assert passes[0]["command"] == "run-due-tasks" and "Old poll reminder" in passes[0]["why"]
    assert {"ok": False, "text": "did not run: Old poll reminder"} in passes[0]["checks"]


def test_commands_not_built_yet_are_named_and_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    import leaguectl.demo.week as week_module

    real = week_module.registered_commands
    monkeypatch.setattr(week_module, "registered_commands", lambda: real() - {"thaw", "cleanup-commands"})
    result = run_demo("--json")
    assert result.exit_code == 0, result.stdout
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert document["not_built"] == ["thaw", "cleanup-commands"]
    assert document["final"] == f"demo: {len(document['passes'])} passes ok; not built yet: thaw, cleanup-commands"
    commands = [p["command"] for p in document["passes"]]
    assert "thaw" not in commands and "freeze-begin" in commands
    freeze = next(p for p in document["passes"] if p["command"] == "freeze-begin")
    assert {"area": "league", "place": "players", "kind": "moved", "text": "Otis Varga: BOS → NYY"} in freeze["changes"]
    assert all(check["ok"] for p in document["passes"] for check in p["checks"])


def test_demo_refuses_dry_run() -> None:
    result = invoke(["--dry-run", "demo"], runtime=make_runtime(start=START))
    assert result.exit_code == 64
    assert "demo has no --dry-run" in result.stderr


# ----------------------------------------------------------------- timeline


def test_tasks_due_close_together_share_one_run_due_tasks_pass() -> None:
    tasks: list[dict[str, Any]] = [
        {"name": "a", "due_at": (START - timedelta(minutes=10)).isoformat(), "outcome": "run"},
        {"name": "b", "due_at": (START + timedelta(minutes=4)).isoformat(), "outcome": "run"},
        {"name": "c", "due_at": (START + timedelta(days=1)).isoformat(), "outcome": "run"},
        {"name": "late", "due_at": (START + timedelta(days=9)).isoformat(), "outcome": "run"},
        {"name": "paused", "due_at": START.isoformat(), "outcome": "ignored"},
        {"name": "broken", "outcome": "malformed"},
    ]
    runs = task_runs(tasks, START, START + timedelta(days=5))
    assert runs == [
        (START + timedelta(minutes=5), ("a", "b")),
        (START + timedelta(days=1, minutes=1), ("c",)),
    ]


def test_the_week_plan_puts_the_second_tick_after_a_sheet_edit() -> None:
    from leaguectl.sandbox import demo_scenario

    steps = plan_week(demo_scenario(START)["demo"])
    ticks = [step for step in steps if step.command == "scorebug-tick"]
    assert [bool(step.sheets) for step in ticks] == [False, True]
    assert ticks[1].expect_edit and ticks[0].at < ticks[1].at
    assert steps == sorted(steps, key=lambda step: step.at)


# ----------------------------------------------------------------- diffs


def tiny_world() -> SandboxState:
    scenario = {
        "discord": {
            "users": [{"id": "500", "username": "gm", "global_name": "Greta"}],
            "channels": [{"id": "10", "name": "tasks"}, {"id": "20", "name": "Voice", "type": "voice"}],
        },
        "league": {
            "current": [{"id": 7, "season": 4, "week": 2}],
            "teams": [
                {"id": 1, "abbrev": "AAA", "sname": "A", "lname": "A", "season": 4},
                {"id": 2, "abbrev": "BBB", "sname": "B", "lname": "B", "season": 4},
            ],
            "players": [{"id": 99, "name": "Pat Doe", "wara": 1.0, "pos_1": "C", "season": 4, "team_id": 1}],
            "creators": [{"id": 3, "discord_id": 500, "username": "gm", "created_at": "2025-01-01T00:00:00"}],
            "custom_commands": [
                {"id": 1, "name": "old", "content": "x", "created_at": "2025-01-01T00:00:00", "creator_id": 3},
                {"id": 2, "name": "stale", "content": "y", "created_at": "2025-01-01T00:00:00", "creator_id": 3},
            ],
        },
    }
    return SandboxState(scenario, SandboxClock(START))


def test_the_diff_names_messages_dms_voice_and_league_changes() -> None:
    state = tiny_world()
    task = state.add_message("tasks", "📋 **Task: Backup**\n├─ Next Run: Monday")
    before = state.snapshot()
    state.discord.messages[task.id].content = "📋 **Task: Backup**\n├─ Next Run: Tuesday"
    state.add_dm("500", "Your claim on <@500> was cancelled")
    state.channel("Voice").voice_status = "AAA 1 @ 2 BBB - FINAL"
    state.league.current[0].update(week=3, freeze=True)
    state.league.players[99]["team_id"] = 2
    state.league.custom_commands[2]["warning_sent"] = True
    del state.league.custom_commands[1]
    changes = diff_snapshots(before, state.snapshot())
    assert Change("guild", "#tasks", "edited", "📋 Task: Backup — Next Run: Tuesday") in changes
    assert Change("dm", "DM to Greta", "sent", "Your claim on @Greta was cancelled") in changes
    assert Change("guild", "🔊 Voice", "status", "AAA 1 @ 2 BBB - FINAL") in changes
    assert Change("league", "current (season 4)", "updated", "freeze off → on, week 2 → 3") in changes
    assert Change("league", "players", "moved", "Pat Doe: AAA → BBB") in changes
    assert Change("league", "custom commands", "deleted", "/old (by gm)") in changes
    assert Change("league", "custom commands", "warned", "/stale (by gm)") in changes


def test_an_unchanged_world_has_no_changes() -> None:
    state = tiny_world()
    assert diff_snapshots(state.snapshot(), state.snapshot()) == []


def test_previews_skip_code_fences_and_prefer_embed_fields_to_long_descriptions() -> None:
    fenced = {"content": "```\n********\n   Week 11 Freeze Period Begins\n********\n```", "embeds": []}
    assert preview(fenced) == "Week 11 Freeze Period Begins"
    embed = {
        "title": "⚠️ Warning",
        "description": "The following custom commands have not been used for a long while and will go",
        "fields": [{"name": "Commands at Risk", "value": "• **bearsroar** (unused for 71 days)"}],
    }
    assert preview({"content": "", "embeds": [embed]}) == "⚠️ Warning — Commands at Risk: bearsroar (unused for 71 days)"
    old = {"content": "", "embeds": [{"title": "BOS @ NYY", "fields": [{"name": "Score", "value": "4-3"}]}]}
    new = {"content": "", "embeds": [{"title": "BOS @ NYY", "fields": [{"name": "Score", "value": "4-5"}]}]}
    assert edit_preview(old, new) == "BOS @ NYY — Score: 4-5"
