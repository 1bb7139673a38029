"""Reading task messages in every layout, and the canonical rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from leaguectl.schedule import parse_schedule
from leaguectl.tasks.fields import CONTENT_LIMIT
from leaguectl.tasks.message import TaskFormatError, parse_content, read_message
from leaguectl.tasks.model import task_head
from leaguectl.tasks.render import TaskTooLong, render
from tests.tasks.helpers import BERLIN, BOT, GENERAL, layout_a, layout_b, layout_c, layout_d, tool_task

TASK = tool_task(
    "Morning ☀️",
    "daily",
    "2026-03-02T09:00:00",
    time="09:00",
    description="Say hi 👋",
    template="Good morning! ☀️",
)


def _layouts() -> dict[str, str]:
    bare = json.dumps(TASK, indent=2)
    return {
        "A (unified tool, AL3)": layout_a(TASK),
        "A with default-target text": layout_a(TASK, default_target=True),
        "B (AL1 / create_scheduled_task)": layout_b(TASK),
        "C (scheduler re-post, raw UTF-8)": layout_c(TASK),
        "D (seed example)": layout_d(TASK),
        "bare JSON": bare,
        "bare JSON with whitespace": f"\n  {bare}  \n",
        "generic fence": f"📋 **Task: x**\n\n```\n{bare}\n```",
        "fence with another tag": f"```js\n{bare}\n```",
        "upper-case JSON fence": f"header\n```JSON\n{bare}\n```",
        "fence on one line": f"```json{json.dumps(TASK)}```",
    }


@pytest.mark.parametrize("layout", list(_layouts()))
def test_every_header_variant_and_bare_json_gives_the_same_task(layout: str) -> None:
    assert parse_content(_layouts()[layout]) == TASK


def test_unicode_escapes_written_by_the_tool_come_back_as_the_characters() -> None:
    content = layout_a(TASK)
    assert "\\u2600" in content and "☀" not in content.split("```json")[1]
    task = parse_content(content)
    assert isinstance(task, dict)
    assert task["action_template"] == "Good morning! ☀️"
    assert task["task_name"] == "Morning ☀️"


def test_nulls_are_kept_as_none() -> None:
    task = parse_content(layout_a(TASK))
    assert isinstance(task, dict)
    assert task["specific_date"] is None and task["day_of_week"] is None and task["month"] is None


@pytest.mark.parametrize(
    "content",
    ["good morning everyone", "", "look at this: `code`", "```python\nprint('hi')\n```", "see ```\n[1]\n```"],
)
def test_chat_messages_are_not_tasks(content: str) -> None:
    assert parse_content(content) is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (layout_a(TASK).replace('"active": true\n}', '"active": true,\n'), "invalid JSON"),
        ("📋 **Task: cut**\nNext Run: x\n\n```json\n" + json.dumps(TASK)[:150], "not closed"),
        ("📋 **Task: no block**\n├─ Schedule: daily", "no ```json block"),
        ("```json\n[1, 2, 3]\n```", "not an object"),
        ('{"task_name": "x", }', "invalid JSON"),
        ("{not json but it starts like it", "invalid JSON"),
    ],
)
def test_malformed_tasks_are_errors_naming_the_json(content: str, problem: str) -> None:
    parsed = parse_content(content)
    assert isinstance(parsed, TaskFormatError)
    assert parsed.field == "json"
    assert problem in parsed.problem


def test_a_malformed_task_keeps_its_header_name_for_reports() -> None:
    message = read_message({"id": "1", "author": {"id": BOT}, "content": "📋 **Task: Broken one**\n```json\n{\n```"})
    assert message is not None and message.task is None
    assert message.title == "Broken one"
    assert message.error is not None and message.error.field == "json"


def test_backticks_inside_a_template_written_by_the_original_tool_still_parse() -> None:
    task = tool_task("Code", "daily", "2026-03-02T09:00:00", template="run ```make``` now")
    assert parse_content(layout_a(task)) == task


# ------------------------------------------------------------------------------- rendering


def _render(task: dict[str, object]) -> str:
    return render(task_head(task, default_zone=BERLIN), schedule=parse_schedule(task, BERLIN))


def test_rendering_round_trips_every_field_including_unknown_and_state_fields() -> None:
    task = {
        **TASK,
        "custom_field": {"nested": [1, "two"]},
        "timezone": "Europe/Berlin",
        "attempts": 2,
        "last_error": "DM to user 1 not delivered (dms-closed)",
        "retry_of": "2026-03-02T09:00:00+01:00",
        "action_template": "line one\nline ```two``` `three` \"quoted\" \\ back",
    }
    content = _render(task)
    assert parse_content(content) == task
    assert read_message({"id": "9", "author": {"id": BOT}, "content": content}) is not None


def test_rendering_writes_the_tools_fields_first_in_its_order() -> None:
    task = {"timezone": "UTC", "next_run": "2026-03-02T09:00:00", "extra": 1, **{"task_name": "x", "schedule": "daily"}}
    block = _render(task).split("```json\n", 1)[1]
    keys = list(json.loads(block.rsplit("```", 1)[0]))
    assert keys == ["task_name", "schedule", "next_run", "extra", "timezone"]


def test_the_header_shows_the_schedule_zone_next_run_in_local_and_utc_and_the_status() -> None:
    task = {**TASK, "next_run": "2026-07-01T09:00:00+02:00", "attempts": 1, "last_error": "boom"}
    header = _render(task).split("```json", 1)[0]
    assert header.startswith("📋 **Task: Morning ☀️**\n")
    assert "├─ Schedule: daily at 09:00 (Europe/Berlin)" in header
    assert "├─ Next Run: 2026-07-01 09:00 CEST (07:00 UTC)" in header
    assert "1 failed attempt" in header and "last error: boom" in header
    assert f"channel_post → <#{GENERAL}>" in header


def test_a_template_cannot_open_a_fence_in_the_header_or_close_the_json_block() -> None:
    task = {**TASK, "task_name": "```json {\"x\": 1}```", "description": "a\n```json\n{}\n```"}
    content = _render(task)
    assert content.count("```") == 2
    assert parse_content(content) == task


def test_a_long_task_shrinks_its_header_then_its_indentation_but_stays_complete() -> None:
    task = {**TASK, "action_template": "x" * 1500}
    content = _render(task)
    assert len(content) <= CONTENT_LIMIT
    assert parse_content(content) == task
    assert content.startswith("📋 **Task: Morning ☀️**\n\n```json\n")


def test_a_task_that_cannot_fit_in_2000_characters_is_refused() -> None:
    task = {**TASK, "action_template": "x" * 1990}
    with pytest.raises(TaskTooLong) as raised:
        _render(task)
    assert raised.value.length > CONTENT_LIMIT


def test_a_lone_surrogate_from_a_bad_escape_is_written_escaped_and_round_trips() -> None:
    task = parse_content('{"task_name": "odd \\ud83d", "schedule": "daily", "next_run": "2026-03-02T09:00:00"}')
    assert isinstance(task, dict)
    content = _render(task)
    content.encode("utf-8")
    assert parse_content(content) == task


def test_when_text_shows_the_utc_date_when_it_differs() -> None:
    from leaguectl.tasks.render import when_text

    assert when_text(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), BERLIN) == "2026-03-02 00:30 CET (2026-03-01 23:30 UTC)"
