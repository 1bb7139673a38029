"""Fixtures for the freeze/thaw end-to-end tests."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import httpx
import pytest

from leaguectl.runtime import Runtime
from tests.conftest import SandboxCli


@cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


@dataclass
class FastSandboxCli(SandboxCli):
    """A :class:`SandboxCli` whose runs share one SSL context.

    Building httpx's default SSL context (loading the CA bundle) is most of a
    pass's CPU time against the loopback sandbox; these tests run hundreds of
    passes, so each run gets a fresh transport built on one shared context.
    Nothing else about the run changes.
    """

    def runtime(self) -> Runtime:
        runtime = super().runtime()
        runtime.transport = httpx.HTTPTransport(verify=_ssl_context())
        return runtime


@pytest.fixture
def make_cli(sandbox_cli_factory: Callable[..., SandboxCli]) -> Callable[..., FastSandboxCli]:
    """Like ``sandbox_cli_factory``, with this test's own lock directory (and its last-exit hints)."""

    def factory(scenario: dict[str, Any], start: datetime, **extra_env: str) -> FastSandboxCli:
        base = sandbox_cli_factory(scenario, start, **extra_env)
        cli = FastSandboxCli(sandbox=base.sandbox, workdir=base.workdir, extra_env=base.extra_env)
        cli.extra_env.setdefault("LOCK_DIR", str(cli.workdir))
        return cli

    return factory
