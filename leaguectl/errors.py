"""Exit codes (SPEC §3.3) and the exceptions that map onto them.

Every failure that ends a pass is one of these exceptions; ``cli.py`` maps
``exc.exit_code`` to the process status in one place.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit status, sysexits-style (see SPEC §3.3)."""

    OK = 0
    PARTIAL = 1
    USAGE = 64
    UNAVAILABLE = 69
    SOFTWARE = 70
    TEMPFAIL = 75
    CONFIG = 78
    TERMINATED = 143


class LeaguectlError(Exception):
    """Base class: a failure that ends the pass with a documented exit code."""

    exit_code: ExitCode = ExitCode.SOFTWARE


class UsageError(LeaguectlError):
    """Bad command-line usage (a malformed ``--now``, an unknown option value)."""

    exit_code = ExitCode.USAGE


class ConfigError(LeaguectlError):
    """A setting is missing or malformed; the message names the setting."""

    exit_code = ExitCode.CONFIG

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        self.problem = problem
        super().__init__(f"{setting}: {problem}")


class PermissionProblem(LeaguectlError):
    """Discord or the league API refused us for lack of rights; retrying will not help."""

    exit_code = ExitCode.CONFIG


class ServiceUnavailable(LeaguectlError):
    """A required service is unreachable or kept answering 5xx after retries."""

    exit_code = ExitCode.UNAVAILABLE


class RateLimitedTooLong(LeaguectlError):
    """A rate-limit wait would exceed the configured cap; the next run retries."""

    exit_code = ExitCode.TEMPFAIL


class Terminated(LeaguectlError):
    """SIGTERM arrived; the pass stopped between two items."""

    exit_code = ExitCode.TERMINATED
