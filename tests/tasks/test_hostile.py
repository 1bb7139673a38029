"""Hostile task messages: whatever a message holds, it is one reported item and the others run.

Property tests feed arbitrary text and JSON through every reader of task messages (the JSON
finder, the typed task value, the planner, the renderer, the listing rows): only the documented
outcomes come out (a value, or a TaskFormatError / TaskProblem naming the field), and every text
they produce can be sent to Discord or printed. End-to-end tests put one broken task next to a
good one and check the good one ran.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaguectl.tasks.listing import printable, row, view
from leaguectl.tasks.message import TaskFormatError, parse_content
from leaguectl.tasks.model import Task, TaskHead, TaskProblem, parse_task, read_task, task_head
from leaguectl.tasks.planner import Policy, Verdict, plan_message
from leaguectl.tasks.render import TaskTooLong, render
from tests.conftest import SandboxCli
from tests.tasks.helpers import BERLIN, BOT, GENERAL, HEARTBEAT, layout_a, naive, scenario, task_message, tool_task

Factory = Callable[..., SandboxCli]
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
POLICY = Policy(default_zone=BERLIN, heartbeat_channel_id=HEARTBEAT)
FIELDS = ("task_name", "description", "schedule", "time", "specific_date", "day_of_month", "month", "day_of_week",
          "action_type", "action_target", "action_template", "one_time", "created_at", "first_run", "next_run",
          "active", "timezone", "status", "last_run", "attempts", "last_error", "retry_of", "claimed_at",
          "paused_at", "replaces", "paused")
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))

any_text = st.text(max_size=40)
plausible = st.sampled_from([
    "daily", "weekly", "every_monday", "secondly", "on_date", "in_5_minutes", "every_2_hours", "cron:* * * * *",
    "RRULE:FREQ=SECONDLY", "DTSTART:20260301T000000 RRULE:FREQ=DAILY;COUNT=3", "09:00", "25:61",
    "2026-03-02T08:59:00", "2026-03-02T07:59:00Z", "0001-01-01T00:00:00", "9999-12-31T23:59:59", "monday",
    "Europe/Berlin", "Mars/Olympus", "x" * 300, "../x", "running", "paused", GENERAL, "YOUR_USER_ID_HERE",
    "channel_post", "user_reminder", "self_task", "\ud83d", "x" * 2000, "@everyone ```json {}```",
])
scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**4000), max_value=10**4000)
           | st.floats() | any_text | plausible)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner,
                                                                                          max_size=3), max_leaves=6)
task_objects = st.dictionaries(st.sampled_from(FIELDS) | any_text, values, max_size=18)


def _valid_unicode(text: str) -> bool:
    text.encode("utf-8")
    return True


# ------------------------------------------------------------------------------- properties


@PROPERTY
@given(st.text(max_size=400) | st.builds(lambda body: f"📋 **Task: x**\n```json\n{body}\n```", st.text(max_size=200)))
def test_any_message_text_gives_a_task_object_a_format_error_or_chatter(content: str) -> None:
    parsed = parse_content(content)
    assert parsed is None or isinstance(parsed, dict | TaskFormatError)
    entry = read_task({"id": "1400000000000000001", "author": {"id": BOT}, "content": content}, BERLIN)
    assert entry is None or isinstance(entry, TaskHead | TaskProblem)
    if isinstance(entry, TaskProblem):
        assert entry.field == "json" and _valid_unicode(entry.problem + entry.fix + entry.label)


@PROPERTY
@given(task_objects, st.sampled_from(["layout", "bare", "escaped"]))
def test_any_json_in_any_layout_reads_as_a_head_or_a_problem(task: dict[str, Any], wrapping: str) -> None:
    body = json.dumps(task, indent=2, ensure_ascii=wrapping == "escaped")
    content = body if wrapping == "bare" else f"📋 **Task: x**\n├─ Schedule: ?\n\n```json\n{body}\n```"
    entry = read_task({"id": "1400000000000000001", "author": {"id": BOT}, "content": content}, BERLIN)
    assert isinstance(entry, TaskHead | TaskProblem)


@PROPERTY
@given(task_objects, st.booleans())
def test_any_task_object_is_planned_listed_and_rendered_without_an_undocumented_error(
    fields: dict[str, Any], trusted: bool
) -> None:
    head = task_head(fields, default_zone=BERLIN, message_id="1400000000000000001", author_id=BOT)
    parsed = parse_task(head)
    assert isinstance(parsed, Task | TaskProblem)
    decision = plan_message(head, trusted=trusted, now=NOW, policy=POLICY)
    assert isinstance(decision.verdict, Verdict)
    assert _valid_unicode(decision.name + decision.reason) and len(decision.name) <= 80
    if decision.problem is not None:
        assert decision.problem.fix and _valid_unicode(decision.problem.fix)
    for content in (decision.update_content, decision.run.claim_content if decision.run else None):
        if content is not None:
            assert len(content) <= 2000 and _valid_unicode(content)
            assert isinstance(parse_content(content), dict)
    listed = row(view(head, trusted))
    assert _valid_unicode(json.dumps(listed, ensure_ascii=False))
    assert _valid_unicode(json.dumps(printable(fields), ensure_ascii=False))
    with contextlib.suppress(TaskTooLong):
        assert _valid_unicode(render(head, schedule=None))


# ------------------------------------------------------------------------------- each kind


def _due(**changes: Any) -> dict[str, Any]:
    return {**tool_task("Broken", "daily", "2026-03-02T08:59:00", time="08:59"), **changes}


def _problem(task: dict[str, Any] | str) -> TaskProblem:
    content = layout_a(task) if isinstance(task, dict) else task
    entry = read_task({"id": "1400000000000000001", "author": {"id": BOT}, "content": content}, BERLIN)
    if isinstance(entry, TaskHead):
        decision = plan_message(entry, trusted=True, now=NOW, policy=POLICY)
        assert decision.verdict is Verdict.INVALID, decision
        assert decision.problem is not None
        return decision.problem
    assert isinstance(entry, TaskProblem)
    return entry


HOSTILE: dict[str, tuple[dict[str, Any] | str, str, str]] = {
    "lone surrogate in the template": (
        layout_a(_due()).replace('"action_template": "hello"', '"action_template": "hi \\ud83d"'),
        "action_template", "broken character"),
    "lone surrogate in the description": (
        layout_a(_due(description="x")).replace('"description": "x"', '"description": "\\udc00 x"'),
        "description", "broken character"),
    "a 5000-digit number": (layout_a(_due()).replace('"month": null', '"month": 1' + "0" * 5000), "json",
                            "invalid JSON"),
    "nesting 100 levels deep": (
        layout_a(_due()).replace('"month": null', '"month": ' + "[" * 100 + "]" * 100), "json", "nested more than"),
    "nesting deeper than the decoder goes": (
        layout_a(_due()).replace('"month": null', '"month": ' + "[" * 100_000 + "]" * 100_000), "json", "nested"),
    "a list as schedule": (_due(schedule=["daily"]), "schedule", "not a known schedule"),
    "a dict as time": (_due(time={"hour": 9}), "time", "not a time of day"),
    "a huge day_of_month": (_due(schedule="monthly", day_of_month=10**300), "day_of_month", "day of the month"),
    "infinity as month": (layout_a(_due(schedule="yearly")).replace('"month": null', '"month": Infinity'),
                          "month", "not a month"),
    "a 2000-character time zone": (_due(timezone="x" * 2000), "timezone", "not a known IANA time zone"),
    "a time zone that climbs directories": (_due(timezone="../../etc/passwd"), "timezone", "not a known IANA"),
    "a number as next_run": (layout_a(_due()).replace('"next_run": "2026-03-02T08:59:00"', '"next_run": 20260302'),
                             "next_run", "not a timestamp"),
    "year 1 as next_run": (_due(next_run="0001-01-01T00:00:00"), "next_run", ""),
    "a template over 2000 characters": (_due(action_template="x" * 2500), "action_template", "characters"),
    "an RRULE firing every second": (_due(schedule="DTSTART:20200101T000000\nRRULE:FREQ=SECONDLY;COUNT=1000000000"),
                                     "schedule",
                                     "more often than once a minute"),
    "two BYSECOND values": (_due(schedule="RRULE:FREQ=MINUTELY;BYSECOND=0,30"), "schedule",
                            "more often than once a minute"),
    "secondly": (_due(schedule="secondly"), "schedule", "not a known schedule"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_each_kind_of_hostile_task_is_one_problem_naming_the_field_and_the_fix(kind: str) -> None:
    task, field, words = HOSTILE[kind]
    problem = _problem(task)
    assert problem.field == field
    assert words in problem.problem
    assert problem.fix and "1400000000000000001" in problem.fix
    assert len(problem.problem) <= 300 and _valid_unicode(problem.problem + problem.fix)


def test_a_1200_character_name_is_cut_in_reports_and_still_runs() -> None:
    task = _due(task_name="N" * 1200, action_template="hi")
    head = task_head(task, default_zone=BERLIN, message_id="1400000000000000001", author_id=BOT)
    decision = plan_message(head, trusted=True, now=NOW, policy=POLICY)
    assert decision.verdict is Verdict.RUN
    assert len(decision.name) == 80 and decision.name.endswith("…")
    assert decision.run is not None and len(decision.run.claim_content) <= 2000


def test_a_2000_character_name_makes_a_task_that_cannot_be_written_back() -> None:
    head = task_head(_due(task_name="N" * 2000), default_zone=BERLIN, message_id="1400000000000000001", author_id=BOT)
    decision = plan_message(head, trusted=True, now=NOW, policy=POLICY)
    assert decision.verdict is Verdict.INVALID and decision.field == "message"
    assert decision.problem is not None and "task_name" in decision.problem.fix


def test_a_lone_surrogate_in_the_name_is_shown_as_a_replacement_character() -> None:
    head = task_head(_due(task_name="odd \ud83d"), default_zone=BERLIN)
    assert head.name == "odd \ufffd"


# ------------------------------------------------------------------------------- end to end


def _start(factory: Factory, *contents: str) -> SandboxCli:
    return factory(scenario([task_message(content, now=NOW, minutes_ago=90) for content in contents]), NOW)


def _good() -> str:
    slot = NOW - timedelta(minutes=1)
    return layout_a(tool_task("Good", "daily", naive(slot), time=naive(slot)[11:16], template="good one ran"))


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_one_hostile_task_next_to_a_good_one_leaves_the_good_one_done(sandbox_cli_factory: Factory,
                                                                      kind: str) -> None:
    task = HOSTILE[kind][0]
    cli = _start(sandbox_cli_factory, layout_a(task) if isinstance(task, dict) else task, _good())
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 1, report
    assert "Traceback" not in result.stderr
    assert [message.content for message in cli.sandbox.state.messages("general")] == ["good one ran"]
    assert [error["field"] for error in report["errors"]] == [HOSTILE[kind][1]]
    listed, rows = cli.run_json("tasks", "list", at=NOW)
    assert listed.exit_code == 0 and {item["status"] for item in rows["details"]["tasks"]} == {"active", "invalid"}
    shown = cli.run("tasks", "show", "Broken", at=NOW)
    assert shown.exit_code == 1 and "fix:" in shown.stdout + shown.stderr
    assert "Traceback" not in shown.stderr + listed.stderr


def test_tasks_add_refuses_a_schedule_firing_more_than_once_a_minute(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(scenario([]), NOW)
    result, report = cli.run_json("tasks", "add", "Fast", "--schedule",
                                  "DTSTART:20200101T000000 RRULE:FREQ=SECONDLY;COUNT=1000000000", "--target",
                                  GENERAL, at=NOW)
    assert result.exit_code == 64 and "more often than once a minute" in report["errors"][0]["message"]
    assert cli.sandbox.state.messages("tasks") == []


def test_tasks_add_refuses_a_time_zone_that_cannot_be_one(sandbox_cli_factory: Factory) -> None:
    cli = sandbox_cli_factory(scenario([]), NOW)
    result, report = cli.run_json("tasks", "add", "Odd", "--schedule", "daily", "--time", "09:00", "--timezone",
                                  "x" * 300, "--target", GENERAL, at=NOW)
    assert result.exit_code == 64 and "--timezone" in report["errors"][0]["message"]
