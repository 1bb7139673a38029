"""Shared fixtures: an injected runtime (fake clock, captured streams, explicit environment)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

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
