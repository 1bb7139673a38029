"""self_task through the Letta agent API, against a tiny local HTTP server standing in for Letta."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from leaguectl.tasks.actions import assistant_reply
from leaguectl.tasks.message import parse_content
from tests.conftest import SandboxCli
from tests.tasks.helpers import layout_a, naive, scenario, task_message, tool_task

Factory = Callable[..., SandboxCli]
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
AGENT = "agent-5b1c"
KEY = "letta-secret-key-123"


@dataclass
class FakeLetta:
    status: int = 200
    reply: dict[str, Any] = field(default_factory=lambda: {
        "messages": [
            {"message_type": "reasoning_message", "reasoning": "thinking"},
            {"message_type": "assistant_message", "content": "All quiet in the league."},
        ],
    })
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def letta() -> Iterator[FakeLetta]:
    fake = FakeLetta()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            fake.requests.append({
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "body": json.loads(self.rfile.read(length)),
            })
            payload = json.dumps(fake.reply if fake.status < 400 else {"detail": "agent exploded"}).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def _self_task_cli(factory: Factory, letta: FakeLetta) -> SandboxCli:
    slot = NOW - timedelta(minutes=1)
    task = tool_task("Heartbeat", "every_2_hours", naive(slot), action_type="self_task", target=None,
                     template="Check the league channels.", description="Agent heartbeat")
    messages = [task_message(layout_a(task, default_target=True), now=NOW)]
    return factory(scenario(messages), NOW, LETTA_API_URL=letta.url + "/", LETTA_AGENT_ID=AGENT, LETTA_API_KEY=KEY)


def test_a_self_task_is_sent_to_the_letta_agent_and_its_reply_posted(sandbox_cli_factory: Factory,
                                                                     letta: FakeLetta) -> None:
    cli = _self_task_cli(sandbox_cli_factory, letta)
    result, report = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 0, report["errors"]
    [request] = letta.requests
    assert request["path"] == f"/v1/agents/{AGENT}/messages"
    assert request["authorization"] == f"Bearer {KEY}"
    [message] = request["body"]["messages"]
    assert message["role"] == "user"
    prompt = message["content"]
    assert "[⏰ SCHEDULED TASK TRIGGERED]" in prompt and "Task: Heartbeat" in prompt
    assert "Instructions: Check the league channels." in prompt
    assert "Scheduled for: 2026-03-02 08:59 CET (07:59 UTC) [Europe/Berlin]" in prompt
    assert "Current time: 2026-03-02 09:00 CET" in prompt
    assert [m.content for m in cli.sandbox.state.messages("heartbeat-log")] == ["All quiet in the league."]
    assert KEY not in result.stdout + result.stderr


def test_a_letta_failure_is_recorded_in_the_task_for_a_retry(sandbox_cli_factory: Factory, letta: FakeLetta) -> None:
    letta.status = 500
    cli = _self_task_cli(sandbox_cli_factory, letta)
    result, _ = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 1
    [message] = cli.sandbox.state.messages("tasks")
    task = parse_content(message.content)
    assert isinstance(task, dict)
    assert task["attempts"] == 1 and "Letta answered HTTP 500" in task["last_error"]
    assert task["next_run"] == "2026-03-02T09:01:00+01:00"
    assert cli.sandbox.state.messages("heartbeat-log") == []
    letta.status = 200
    cli.run_json("run-due-tasks", at=NOW + timedelta(minutes=1, seconds=5))
    assert len(letta.requests) == 2
    task = parse_content(cli.sandbox.state.messages("tasks")[0].content)
    assert isinstance(task, dict)
    assert "attempts" not in task and task["next_run"] == "2026-03-02T10:59:00+01:00"


def test_an_unreachable_letta_is_a_recorded_failure(sandbox_cli_factory: Factory, letta: FakeLetta) -> None:
    cli = _self_task_cli(sandbox_cli_factory, letta)
    cli.extra_env["LETTA_API_URL"] = "http://127.0.0.1:9"
    result, _ = cli.run_json("run-due-tasks", at=NOW)
    assert result.exit_code == 1
    task = parse_content(cli.sandbox.state.messages("tasks")[0].content)
    assert isinstance(task, dict) and "Letta agent unreachable" in task["last_error"]


def test_the_assistant_reply_is_read_from_string_and_part_contents() -> None:
    data = {"messages": [
        {"message_type": "assistant_message", "content": [{"type": "text", "text": "one"}]},
        {"message_type": "tool_call_message", "content": "ignored"},
        {"message_type": "assistant_message", "content": "two"},
    ]}
    assert assistant_reply(data) == "one\n\ntwo"
    assert assistant_reply({"messages": "nope"}) == ""
    assert assistant_reply(None) == ""
