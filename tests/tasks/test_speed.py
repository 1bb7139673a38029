"""Planning a 10,000-message tasks channel stays far below 0.2 ms of CPU per task (HTTP aside)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from leaguectl.tasks.planner import Policy
from leaguectl.tasks.runner import scan_channel
from tests.tasks.helpers import BERLIN, BOT, FAN, layout_a, naive, tool_task

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SCHEDULES = ("daily", "weekly", "every_2_hours", "cron:0 9 * * MON", "RRULE:FREQ=WEEKLY;BYDAY=MO", "in_5_minutes")
BUDGET_SECONDS_PER_TASK = 0.0002


def _channel(count: int) -> list[dict[str, Any]]:
    messages = []
    for number in range(count):
        due = number % 20 == 0  # 5 % due now
        slot = NOW - timedelta(minutes=1 + number % 50) if due else NOW + timedelta(minutes=5 + number)
        task = tool_task(f"Task {number}", SCHEDULES[number % len(SCHEDULES)], naive(slot), time="09:00",
                         day_of_week="monday", template="Good morning ☀️ " * 4, description="Daily reminder")
        author = FAN if number % 97 == 0 else BOT
        messages.append({"id": str(1_400_000_000_000_000_000 + count - number), "author": {"id": author},
                         "content": layout_a(task)})
    return messages


def test_planning_10000_task_messages_costs_under_a_fifth_of_a_millisecond_each() -> None:
    messages = _channel(10_000)
    started = time.process_time()
    scan = scan_channel(messages, lambda author: author == BOT, NOW, Policy(default_zone=BERLIN))
    elapsed = time.process_time() - started
    assert scan.tasks == 10_000
    assert scan.counts["run"] + scan.counts.get("missed", 0) >= 400
    assert elapsed / 10_000 < BUDGET_SECONDS_PER_TASK, f"{elapsed / 10_000 * 1000:.3f} ms per task"
    assert len(scan.work) < 600  # only due tasks are kept, not the whole channel
