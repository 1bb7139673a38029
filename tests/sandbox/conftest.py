"""Fixtures for the sandbox's own tests: started servers and httpx clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from leaguectl.sandbox import Sandbox, SandboxClock
from tests.sandbox.world import LEAGUE_TOKEN, START, discord_client, http, small_scenario


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(START)


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """`make_sandbox(scenario=None, **options)` -> a started sandbox, stopped after the test."""
    started: list[Sandbox] = []

    def factory(scenario: dict[str, Any] | None = None, **options: Any) -> Sandbox:
        sandbox = Sandbox(small_scenario() if scenario is None else scenario, **options).start()
        started.append(sandbox)
        return sandbox

    yield factory
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox], clock: SandboxClock) -> Sandbox:
    return make_sandbox(clock=clock)


@pytest.fixture
def discord(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with discord_client(sandbox) as client:
        yield client


@pytest.fixture
def league(sandbox: Sandbox) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {LEAGUE_TOKEN}"}
    with http(f"{sandbox.league_url}/v3", headers) as client:
        yield client
