"""Ops hooks around a pass: non-overlap lock, SIGTERM, metrics textfile, health pings."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from leaguectl.errors import ExitCode
from leaguectl.ops.lock import PassLock, lock_name
from leaguectl.ops.metrics import read_series
from leaguectl.passrun import CliState, PassContext, execute_pass
from tests.conftest import make_runtime

TOKEN = "discord-token-XYZ-123456"


def _state(tmp_path: Path, **env: str) -> CliState:
    environ = {"DISCORD_BOT_TOKEN": TOKEN, "LOCK_DIR": str(tmp_path / "locks"), **env}
    return CliState(runtime=make_runtime(environ))


def test_second_concurrent_pass_of_the_same_command_is_skipped(tmp_path: Path) -> None:
    inner: list[object] = []

    def outer_body(ctx: PassContext) -> None:
        ctx.report.action("work", "outer")
        inner.append(execute_pass(_state(tmp_path), "run-due-tasks", lambda c: c.report.action("work", "inner")))

    outer = execute_pass(_state(tmp_path), "run-due-tasks", outer_body)
    assert outer.final_exit_code == ExitCode.OK and [a["target"] for a in outer.actions] == ["outer"]
    skipped = inner[0]
    assert skipped.final_exit_code == ExitCode.OK  # type: ignore[attr-defined]
    assert skipped.actions == []  # type: ignore[attr-defined]
    assert skipped.skipped[0]["reason"] == "another pass holds the lock"  # type: ignore[attr-defined]


def test_freeze_begin_and_thaw_share_one_lock(tmp_path: Path) -> None:
    league = (None, None, "https://discord.com/api/v10")  # the settings _state() gives
    held = PassLock(tmp_path / "locks", lock_name("transactions", league))
    assert held.acquire()
    try:
        report = execute_pass(_state(tmp_path), "thaw", lambda c: c.report.action("x", "y"), lock="transactions")
        assert report.skipped and not report.actions
        other = execute_pass(_state(tmp_path), "scorebug-tick", lambda c: c.report.action("x", "y"))
        assert other.actions
    finally:
        held.release()
    again = execute_pass(_state(tmp_path), "thaw", lambda c: c.report.action("x", "y"), lock="transactions")
    assert again.actions


def test_the_same_command_for_another_league_is_not_blocked(tmp_path: Path) -> None:
    inner: list[object] = []

    def outer_body(ctx: PassContext) -> None:
        other = _state(tmp_path, GUILD_ID="222", LEAGUE_API_URL="http://127.0.0.1:9/other")
        inner.append(execute_pass(other, "run-due-tasks", lambda c: c.report.action("work", "other league")))

    execute_pass(_state(tmp_path, GUILD_ID="111"), "run-due-tasks", outer_body)
    assert [a["target"] for a in inner[0].actions] == ["other league"]  # type: ignore[attr-defined]


def test_sigterm_stops_at_the_next_checkpoint_writes_metrics_and_next_run_resumes(tmp_path: Path) -> None:
    metrics = tmp_path / "leaguectl.prom"
    done: list[int] = []

    def body(ctx: PassContext) -> None:
        for item in range(5):
            ctx.checkpoint()
            done.append(item)
            if item == 1:
                os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    report = execute_pass(_state(tmp_path, METRICS_FILE=str(metrics)), "run-due-tasks", body)
    assert report.final_exit_code == ExitCode.TERMINATED
    assert done == [0, 1]
    assert signal.getsignal(signal.SIGTERM) is before
    assert read_series(metrics)["run-due-tasks"]["last_exit_code"] == 143
    resumed = execute_pass(_state(tmp_path, METRICS_FILE=str(metrics)), "run-due-tasks", lambda c: None)
    assert resumed.final_exit_code == ExitCode.OK


def test_metrics_after_success_and_failure_keep_other_commands(tmp_path: Path) -> None:
    metrics = tmp_path / "m" / "leaguectl.prom"
    state = _state(tmp_path, METRICS_FILE=str(metrics))
    execute_pass(state, "scorebug-tick", lambda c: c.report.action("edit", "msg"))
    execute_pass(state, "thaw", lambda c: c.report.action("unfreeze", "m1"))
    first = read_series(metrics)
    assert first["thaw"]["last_exit_code"] == 0 and first["thaw"]["last_actions"] == 1
    success_at = first["thaw"]["last_success_timestamp_seconds"]

    def failing(ctx: PassContext) -> None:
        ctx.report.error("DM failed", item="user 1")

    old_handle = metrics.open()  # an open handle pins the old inode
    old_text = metrics.read_text()
    execute_pass(state, "thaw", failing)
    execute_pass(state, "thaw", failing)
    second = read_series(metrics)
    assert second["thaw"]["last_exit_code"] == 1
    assert second["thaw"]["last_errors"] == 1
    assert second["thaw"]["consecutive_failures"] == 2
    assert second["thaw"]["last_success_timestamp_seconds"] == success_at
    assert second["thaw"]["last_failure_timestamp_seconds"] >= success_at
    assert second["scorebug-tick"] == first["scorebug-tick"]
    # replaced by rename, never rewritten in place: the old file is intact and no longer linked
    assert old_handle.read() == old_text
    assert os.fstat(old_handle.fileno()).st_nlink == 0
    old_handle.close()
    assert sorted(p.name for p in metrics.parent.iterdir()) == ["leaguectl.prom", "leaguectl.prom.lock"]
    text = metrics.read_text()
    assert '# TYPE leaguectl_last_exit_code gauge' in text
    assert 'leaguectl_last_exit_code{command="thaw"} 1' in text


class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        type(self).hits.append((self.path, self.rfile.read(length).decode()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ping_server() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    hits: ClassVar[list[tuple[str, str]]] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ping/abc-uuid", hits
    server.shutdown()
    server.server_close()


def test_health_pings_start_then_success(tmp_path: Path, ping_server: tuple[str, list[tuple[str, str]]]) -> None:
    url, hits = ping_server
    execute_pass(_state(tmp_path, HEALTHCHECK_URL=url), "scorebug-tick", lambda c: c.report.action("edit", "m"))
    paths = [path.split("?")[0] for path, _ in hits]
    assert paths == ["/ping/abc-uuid/start", "/ping/abc-uuid"]
    assert hits[0][0].split("rid=")[1] == hits[1][0].split("rid=")[1]


def test_health_ping_on_failure_carries_the_report_tail(
    tmp_path: Path, ping_server: tuple[str, list[tuple[str, str]]]
) -> None:
    url, hits = ping_server

    def body(ctx: PassContext) -> None:
        ctx.report.error("league API answered 500 for transactions", item="week 10")

    execute_pass(_state(tmp_path, HEALTHCHECK_URL=url), "thaw", body)
    assert hits[-1][0].startswith("/ping/abc-uuid/fail")
    assert "league API answered 500 for transactions" in hits[-1][1]


def test_dead_ping_server_does_not_fail_the_pass(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report = execute_pass(
        _state(tmp_path, HEALTHCHECK_URL=f"http://127.0.0.1:{port}/ping/x"),
        "scorebug-tick",
        lambda c: c.report.action("edit", "m"),
    )
    assert report.final_exit_code == ExitCode.OK


def test_dry_run_and_manual_commands_do_not_ping(
    tmp_path: Path, ping_server: tuple[str, list[tuple[str, str]]]
) -> None:
    url, hits = ping_server
    state = _state(tmp_path, HEALTHCHECK_URL=url)
    state.dry_run = True
    execute_pass(state, "thaw", lambda c: None)
    execute_pass(_state(tmp_path, HEALTHCHECK_URL=url), "tasks-add", lambda c: None)
    assert hits == []
