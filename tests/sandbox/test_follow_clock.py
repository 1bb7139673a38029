"""A served sandbox takes each pass's clock (LEAGUECTL_SANDBOX_URL), so `--now` means the same on both sides."""

from __future__ import annotations

import io
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from leaguectl.demo.sandbox_clock import SANDBOX_URL_ENV, sandbox_url
from leaguectl.errors import ConfigError
from leaguectl.runtime import FakeClock, Runtime
from leaguectl.sandbox.scenario_file import parse_scenario_text
from tests.conftest import CliResult, SandboxCli, invoke

# The sandbox's clock is on Wednesday; the passes act on the coming Monday 00:00 league time.
WEDNESDAY = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
MONDAY = datetime(2026, 3, 9, 5, 0, tzinfo=UTC)  # 00:00 America/Chicago (CDT)

LEAGUE = """
now = "${now}"
timezone = "America/Chicago"
[discord]
channels = [{ name = "transaction-log" }, { name = "weekly-info" }, { name = "admin" }]
[league]
current = [{ id = 1, season = 5, week = 3 }]
teams = [{ id = 10, abbrev = "FA", sname = "Free Agents", lname = "Free Agents", season = 5 }]
"""


@pytest.fixture
def world(sandbox_cli_factory: Callable[..., SandboxCli]) -> SandboxCli:
    scenario = parse_scenario_text(LEAGUE, kind="toml", source="test", now=WEDNESDAY)
    return sandbox_cli_factory(scenario, WEDNESDAY, rate_limits=False, ALERT_CHANNEL="admin")


class Recording(httpx.BaseTransport):
    """A real transport that remembers every request (method, URL, header names)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.seen: list[tuple[str, str, frozenset[str]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, str(request.url), frozenset(request.headers.keys())))
        return self.inner.handle_request(request)


def run_at(world: SandboxCli, at: datetime, *args: str, follow: bool = True, transport: Any = None) -> CliResult:
    """`leaguectl --now at ...` with its own clock (a separate process would have the real one)."""
    environ = world.env()
    if follow:
        environ[SANDBOX_URL_ENV] = world.sandbox.base_url
    clock = FakeClock(at)
    runtime = Runtime(clock=clock, sleep=clock.sleep, stdout=io.StringIO(), stderr=io.StringIO(), environ=environ)
    runtime.transport = transport
    return invoke(["--now", at.isoformat(), *args], runtime=runtime)


def announcements(world: SandboxCli) -> list[tuple[str, datetime]]:
    return [(m.content.split("\n")[2].strip(), m.timestamp) for m in world.sandbox.state.messages("transaction-log")]


def test_a_pass_sets_the_served_sandboxs_clock_to_its_now_so_its_rerun_resumes(world: SandboxCli) -> None:
    first = run_at(world, MONDAY, "freeze-begin")
    assert first.exit_code == 0, first.stdout + first.stderr
    [(text, posted)] = announcements(world)
    assert text == "Week 4 Freeze Period Begins" and MONDAY <= posted < MONDAY + timedelta(seconds=5)
    rerun = run_at(world, MONDAY + timedelta(minutes=30), "--json", "freeze-begin")
    assert rerun.exit_code == 0, rerun.stdout + rerun.stderr
    assert "did not finish" not in rerun.stdout
    assert world.sandbox.state.current()["week"] == 4
    assert world.sandbox.state.messages("admin") == []  # ALERT_CHANNEL=admin: nothing to alert


def test_without_the_variable_the_sandbox_clock_is_left_alone(world: SandboxCli) -> None:
    before = world.sandbox.clock.now()
    assert run_at(world, MONDAY, "freeze-begin", follow=False).exit_code == 0
    assert announcements(world)[0][1] - before < timedelta(minutes=1)


def test_a_dry_run_leaves_the_sandbox_clock_alone(world: SandboxCli) -> None:
    before = world.sandbox.clock.now()
    assert run_at(world, MONDAY, "--dry-run", "freeze-begin").exit_code == 0
    assert world.sandbox.clock.now() - before < timedelta(minutes=1)


def test_only_the_sandbox_control_surface_gets_the_clock_and_service_requests_are_unchanged(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    scenario = parse_scenario_text(LEAGUE, kind="toml", source="test", now=WEDNESDAY)
    plain_world, following_world = (sandbox_cli_factory(scenario, WEDNESDAY, rate_limits=False) for _ in range(2))
    plain, following = Recording(), Recording()
    assert run_at(plain_world, MONDAY, "freeze-begin", follow=False, transport=plain).exit_code == 0
    assert run_at(following_world, MONDAY, "freeze-begin", transport=following).exit_code == 0
    base = following_world.sandbox.base_url
    assert [(m, u) for m, u, _ in following.seen if "/_sandbox/" in u] == [("POST", base + "/_sandbox/clock")]

    def service_requests(seen: list[tuple[str, str, frozenset[str]]], base: str) -> list[tuple[str, str, Any]]:
        return [(m, u.removeprefix(base), names) for m, u, names in seen if "/_sandbox/" not in u]

    assert service_requests(following.seen, base) == service_requests(plain.seen, plain_world.sandbox.base_url)


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]  # bound, never listening: connections are refused


def test_a_sandbox_that_cannot_follow_stops_the_pass_before_it_starts_and_nothing_alerts(
    world: SandboxCli, closed_port: int
) -> None:
    environ = {**world.env(), SANDBOX_URL_ENV: f"http://127.0.0.1:{closed_port}"}
    clock = FakeClock(MONDAY)
    runtime = Runtime(clock=clock, sleep=clock.sleep, stdout=io.StringIO(), stderr=io.StringIO(), environ=environ)
    world.sandbox.clear_log()
    result = invoke(["--now", MONDAY.isoformat(), "freeze-begin"], runtime=runtime)
    assert result.exit_code == 69
    assert "did not take the pass's clock" in result.stdout + result.stderr
    assert SANDBOX_URL_ENV in result.stdout + result.stderr
    assert world.sandbox.request_log == []  # no pass, no alert: nothing reached the services


@pytest.mark.parametrize(
    "value",
    [
        "https://discord.com/api/v10",
        "http://10.0.0.5:8765",
        "http://127.0.0.1",
        "http://127.0.0.1:8765/discord/api/v10",
        "http://user@127.0.0.1:8765",
        "http://127.0.0.1:99999",
        "127.0.0.1:8765",
    ],
)
def test_only_a_loopback_sandbox_address_is_accepted(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        sandbox_url({SANDBOX_URL_ENV: value})
    assert caught.value.setting == SANDBOX_URL_ENV
    assert "not a sandbox on this machine" in caught.value.problem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://localhost:8765/", "http://localhost:8765"),
        ("http://[::1]:8765", "http://[::1]:8765"),
        ("", None),
    ],
)
def test_loopback_sandbox_addresses(value: str, expected: str | None) -> None:
    assert sandbox_url({SANDBOX_URL_ENV: value}) == expected
    assert sandbox_url({}) is None


def test_the_sandbox_exports_name_the_sandbox(tmp_path: Path) -> None:
    from tests.test_sandbox_cli import serve_in_thread

    _, environ = serve_in_thread(demo_league=False, workdir=tmp_path)
    assert environ[SANDBOX_URL_ENV] == environ["DISCORD_API_URL"].split("/discord/")[0]
    assert sandbox_url(environ) == environ[SANDBOX_URL_ENV]
