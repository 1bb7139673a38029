"""Shared fixtures: an injected runtime (fake clock, captured streams, explicit environment)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from leaguectl.redact import forget_secrets
from leaguectl.runtime import FakeClock, Runtime


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def make_runtime(environ: dict[str, str] | None = None, start: datetime | None = None) -> Runtime:
    """A runtime whose clock only moves when the code sleeps, with captured output."""
    clock = FakeClock(start or datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
    return Runtime(
        clock=clock,
        sleep=clock.sleep,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        environ=dict(environ or {}),
    )


def invoke(args: list[str], environ: dict[str, str] | None = None, runtime: Runtime | None = None) -> CliResult:
    """Run the CLI in-process with an explicit environment and return code and output."""
    from leaguectl.cli import run

    runtime = runtime or make_runtime(environ)
    code = run(args, runtime=runtime)
    assert isinstance(runtime.stdout, io.StringIO) and isinstance(runtime.stderr, io.StringIO)
    return CliResult(code, runtime.stdout.getvalue(), runtime.stderr.getvalue())


@pytest.fixture(autouse=True)
def _fresh_secret_registry() -> Iterator[None]:
    yield
    forget_secrets()


# --- end-to-end against the sandbox -------------------------------------------------------------


@dataclass
class SandboxCli:
    """Runs leaguectl commands against one started sandbox, with the sandbox's clock.

    The runtime's sleeper advances the sandbox clock, so rate-limit waits cost no real time.
    ``extra_env`` entries override the sandbox's environment for every run.
    """

    sandbox: Any
    workdir: Path
    extra_env: dict[str, str]

    def env(self) -> dict[str, str]:
        environ: dict[str, str] = dict(self.sandbox.env(self.workdir))
        # Per-test locks: the default lock dir is shared by every process, and a pass that finds its
        # lock held by a concurrent test run is skipped (exit 0, nothing done).
        environ["LOCK_DIR"] = str(self.workdir / "locks")
        environ.update(self.extra_env)
        return environ

    def runtime(self) -> Runtime:
        clock = self.sandbox.clock
        return Runtime(
            clock=clock,
            sleep=clock.advance,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            environ=self.env(),
        )

    def run(self, *args: str, at: datetime | None = None) -> CliResult:
        """Run ``leaguectl [--now at] args`` in-process; ``at`` also sets the sandbox clock."""
        if at is not None:
            self.sandbox.clock.set(at)
        argv = list(args)
        if at is not None:
            argv = ["--now", at.isoformat(), *argv]
        return invoke(argv, runtime=self.runtime())

    def run_json(self, *args: str, at: datetime | None = None) -> tuple[CliResult, dict[str, Any]]:
        """Like :meth:`run` with ``--json``; also returns the parsed report."""
        result = self.run("--json", *args, at=at)
        return result, json.loads(result.stdout)


def start_sandbox(scenario: dict[str, Any] | None, start: datetime, *, rate_limits: bool = True) -> Any:
    from leaguectl.sandbox import Sandbox, SandboxClock

    return Sandbox(scenario, clock=SandboxClock(start), rate_limits=rate_limits).start()


@pytest.fixture
def sandbox_cli_factory(tmp_path: Path) -> Iterator[Callable[..., SandboxCli]]:
    """``factory(scenario, start)`` → a :class:`SandboxCli` on a freshly started sandbox."""
    started: list[Any] = []

    def factory(
        scenario: dict[str, Any] | None, start: datetime, *, rate_limits: bool = True, **extra_env: str
    ) -> SandboxCli:
        sandbox = start_sandbox(scenario, start, rate_limits=rate_limits)
        started.append(sandbox)
        workdir = tmp_path / f"sandbox{len(started)}"
        workdir.mkdir()
        return SandboxCli(sandbox=sandbox, workdir=workdir, extra_env=dict(extra_env))

    yield factory
    for sandbox in started:
        sandbox.stop()
