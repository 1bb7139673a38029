"""`leaguectl sandbox`: serves the sandbox, prints export lines that point leaguectl at it, stops cleanly."""

from __future__ import annotations

import io
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from leaguectl.demo.serve import READY_PREFIX, export_lines, serve_sandbox
from leaguectl.runtime import FakeClock, Runtime
from leaguectl.sandbox.reltime import TimeFrame
from tests.conftest import invoke, make_runtime

REPO = Path(__file__).resolve().parents[1]
START = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def read_exports(lines: Iterator[str]) -> dict[str, str]:
    """Parse `export NAME=value` lines up to the ready line, the way a shell would."""
    environ: dict[str, str] = {}
    for line in lines:
        if line.startswith(READY_PREFIX):
            return environ
        words = shlex.split(line)
        assert words[0] == "export", line
        name, _, value = words[1].partition("=")
        environ[name] = value
    raise AssertionError(f"no ready line; exports so far: {sorted(environ)}")


@contextmanager
def serve_process(tmp_path: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
    """`leaguectl sandbox --port 0 --workdir ... ARGS` as a child process, killed at the end if still running."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "leaguectl", "sandbox", "--port", "0", "--workdir", str(tmp_path / "files"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    with serve_process(tmp_path) as process:
        yield process


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_sandbox_prints_exports_serves_discord_and_exits_0_on_a_signal(
    served: subprocess.Popen[str], stop_signal: signal.Signals
) -> None:
    assert served.stdout is not None
    environ = read_exports(iter(served.stdout.readline, ""))
    response = httpx.get(
        environ["DISCORD_API_URL"] + "/users/@me",
        headers={"Authorization": f"Bot {environ['DISCORD_BOT_TOKEN']}"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["username"] == "Major Domo"
    served.send_signal(stop_signal)
    assert served.wait(timeout=15) == 0
    assert served.stderr is not None and "stopped" in served.stderr.read()


def test_the_exports_point_every_setting_at_the_sandbox(served: subprocess.Popen[str], tmp_path: Path) -> None:
    assert served.stdout is not None
    environ = read_exports(iter(served.stdout.readline, ""))
    base = environ["DISCORD_API_URL"].split("/discord/")[0]
    assert base.startswith("http://127.0.0.1:")
    assert environ["LEAGUE_API_URL"] == base + "/league"
    assert environ["SHEETS_API_URL"] == base + "/sheets/v4"
    files = tmp_path / "files"
    for name in ("GOOGLE_SHEETS_CREDENTIALS", "SCORECARDS_FILE", "VOICE_CHANNELS_FILE", "LEAGUECTL_CONFIG"):
        assert Path(environ[name]).parent == files and Path(environ[name]).is_file(), name
    league = httpx.get(
        environ["LEAGUE_API_URL"] + "/v3/current",
        headers={"Authorization": f"Bearer {environ['LEAGUE_API_TOKEN']}"},
        timeout=10,
    )
    assert league.status_code == 200
    served.terminate()
    assert served.wait(timeout=15) == 0
    assert files.is_dir()  # --workdir is kept


class ReadyStream(io.StringIO):
    """Captured stdout that says when the ready line has been written."""

    def __init__(self) -> None:
        super().__init__()
        self.ready = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if READY_PREFIX in self.getvalue():
            self.ready.set()
        return written


def serve_in_thread(
    scenario_file: Path | None = None, workdir: Path | None = None, demo_league: bool = True
) -> tuple[str, dict[str, str]]:
    """Serve in-process until ready, stop it, and return (stdout, exports)."""
    clock = FakeClock(START)
    out = ReadyStream()
    runtime = Runtime(clock=clock, sleep=clock.sleep, stdout=out, stderr=io.StringIO(), environ={})
    stop = threading.Event()
    codes: list[int] = []

    def serve() -> None:
        codes.append(
            serve_sandbox(runtime, scenario_file=scenario_file, workdir=workdir, demo_league=demo_league, stop=stop)
        )

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        assert out.ready.wait(timeout=20), out.getvalue()
    finally:
        stop.set()
        thread.join(timeout=20)
    assert codes == [0]
    return out.getvalue(), read_exports(iter(out.getvalue().splitlines()))


def test_a_scenario_file_is_served_with_its_own_tokens_shell_quoted(tmp_path: Path) -> None:
    scenario = tmp_path / "league.json"
    scenario.write_text(json.dumps({"discord": {"bot_token": "it's a token; rm -rf /"}, "league": {}}))
    output, environ = serve_in_thread(scenario_file=scenario, workdir=tmp_path / "files")
    assert "export DISCORD_BOT_TOKEN='it'\"'\"'s a token; rm -rf /'" in output
    assert environ["DISCORD_BOT_TOKEN"] == "it's a token; rm -rf /"
    assert "TASKS_CHANNEL_ID" not in environ


def test_a_toml_scenario_with_relative_times_is_served_around_leaguectls_now(tmp_path: Path) -> None:
    scenario = tmp_path / "league.toml"
    scenario.write_text(
        'now = "${now}"\n'
        'timezone = "America/Chicago"\n'
        '[discord]\nguild = { id = "900", name = "Mine" }\nchannels = [{ name = "transaction-log" }]\n'
        '[[discord.messages]]\nchannel = "transaction-log"\ncontent = "hi"\ntimestamp = "${monday - 2d}"\n',
        encoding="utf-8",
    )
    output, environ = serve_in_thread(scenario_file=scenario, workdir=tmp_path / "files")
    assert environ["GUILD_ID"] == "900" and environ["LEAGUE_TIMEZONE"] == "America/Chicago"
    assert f"({scenario})" in output


def test_a_bad_relative_time_is_a_usage_error_naming_the_file_and_the_entry(tmp_path: Path) -> None:
    scenario = tmp_path / "league.toml"
    scenario.write_text('[[discord.messages]]\nchannel = "x"\ntimestamp = "${monday + 2 days}"\n')
    result = invoke(["sandbox", "--scenario", str(scenario)], runtime=make_runtime())
    assert result.exit_code == 64
    assert f"--scenario {scenario}: discord.messages[0].timestamp: ${{monday + 2 days}}: '2' is not a span" in (
        result.stderr
    )


def test_export_lines_survive_a_real_shell(tmp_path: Path) -> None:
    values = {"A": "x y'z", "B": '$HOME `id` "q"', "C": ""}
    script = tmp_path / "env.sh"
    script.write_text("\n".join(export_lines(values)) + "\n")
    shown = subprocess.run(
        ["bash", "-c", f'eval "$(cat {shlex.quote(str(script))})"; printf "%s|%s|%s" "$A" "$B" "$C"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout == 'x y\'z|$HOME `id` "q"|'


def test_the_default_workdir_is_removed_after_serving(tmp_path: Path) -> None:
    _, environ = serve_in_thread(demo_league=False)
    assert not Path(environ["SCORECARDS_FILE"]).exists()


def test_scenario_and_demo_flags_together_are_a_usage_error(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text("{}")
    result = invoke(["sandbox", "--scenario", str(scenario), "--demo"], runtime=make_runtime())
    assert result.exit_code == 64
    assert "--scenario replaces --demo/--empty" in result.stderr


def test_a_scenario_file_that_is_not_json_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    scenario = tmp_path / "broken.json"
    scenario.write_text("{not json")
    result = invoke(["sandbox", "--scenario", str(scenario)], runtime=make_runtime())
    assert result.exit_code == 64
    assert "broken.json: not valid JSON" in result.stderr


def test_an_invalid_scenario_is_a_usage_error_naming_the_entry(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.json"
    scenario.write_text(json.dumps({"league": {"current": [{"id": 1}]}}))
    result = invoke(["sandbox", "--scenario", str(scenario)], runtime=make_runtime())
    assert result.exit_code == 64
    assert "league.current[0]" in result.stderr


# ------------------------------------------------------------------ --now against a served sandbox (issue 17.5)

SMALL_LEAGUE = """
now = "${now}"
timezone = "America/Chicago"
[discord]
users = [{ id = "900000000000000011", username = "gm_one" }, { id = "900000000000000012", username = "gm_two" }]
channels = [{ name = "transaction-log" }, { name = "weekly-info" }, { name = "admin" }]
[league]
current = [{ id = 1, season = 5, week = 3 }]
teams = [
  { id = 10, abbrev = "FA", sname = "Free Agents", lname = "Free Agents", season = 5 },
  { id = 11, abbrev = "ONE", sname = "Ones", lname = "Team One", season = 5, gmid = 900000000000000011 },
  { id = 12, abbrev = "TWO", sname = "Twos", lname = "Team Two", season = 5, gmid = 900000000000000012 },
]
players = [{ id = 100, name = "Pat Doe", pos_1 = "SP", wara = 1.5, season = 5, team_id = 10 }]
standings = [{ team_id = 11, wins = 8, losses = 4 }, { team_id = 12, wins = 5, losses = 7 }]
transactions = [
  { id = 1, week = 4, season = 5, moveid = "M-ONE", player_id = 100, oldteam_id = 10, newteam_id = 11, frozen = true },
  { id = 2, week = 4, season = 5, moveid = "M-TWO", player_id = 100, oldteam_id = 10, newteam_id = 12, frozen = true },
]
"""


def run_child(environ: dict[str, str], at: datetime, command: str) -> dict[str, Any]:
    """`leaguectl --json --now AT COMMAND` as a separate process, the way an admin runs it."""
    env = {**os.environ, "PYTHONPATH": str(REPO), **environ}
    done = subprocess.run(
        [sys.executable, "-m", "leaguectl", "--json", "--now", at.isoformat(), command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, f"{command} at {at}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_two_runs_of_a_week_with_now_against_a_served_sandbox_raise_no_false_alarm(tmp_path: Path) -> None:
    scenario = tmp_path / "league.toml"
    scenario.write_text(SMALL_LEAGUE, encoding="utf-8")
    with serve_process(tmp_path, "--scenario", str(scenario)) as served:
        assert served.stdout is not None
        environ = {**read_exports(iter(served.stdout.readline, "")), "ALERT_CHANNEL": "admin"}
        monday = TimeFrame(datetime.now(UTC), ZoneInfo("America/Chicago")).monday
        saturday = monday + timedelta(days=5)
        runs = [
            ("freeze-begin", monday),
            ("freeze-begin", monday + timedelta(minutes=30)),  # the rerun the issue saw fail
            ("thaw", saturday),
            ("thaw", saturday + timedelta(minutes=10)),
            ("freeze-begin", monday + timedelta(days=7)),  # the next week begins normally
        ]
        reports = [run_child(environ, at, command) for command, at in runs]
        state = httpx.get(environ["LEAGUECTL_SANDBOX_URL"] + "/_sandbox/state", timeout=10).json()
    assert all(report["errors"] == [] for report in reports), reports
    assert all("did not finish" not in json.dumps(report) for report in reports)
    channels = {c["name"]: c for c in state["discord"]["channels"] if c.get("name")}
    assert channels["admin"]["messages"] == []  # ALERT_CHANNEL=admin: no alert
    log = [m["content"].split("\n")[2].strip() for m in channels["transaction-log"]["messages"] if m["content"]]
    assert log == ["Week 4 Freeze Period Begins", "Week 4 Freeze Period Ends", "Week 5 Freeze Period Begins"]
    assert [(row["week"], row["freeze"]) for row in state["league"]["current"]] == [(5, True)]
