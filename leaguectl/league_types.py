"""The league API's typed errors and rejected rows (no httpx: cheap to import anywhere).

Callers branch on the error class (and its exit code), never on message text;
a :class:`RejectedRow` is one list row that did not fit its model, reported as
one bad item instead of failing the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leaguectl.errors import (
    ExitCode,
    LeaguectlError,
    PermissionProblem,
    RateLimitedTooLong,
    ServiceUnavailable,
)
from leaguectl.models import ModelError


@dataclass(frozen=True)
class RejectedRow:
    """A list row that did not fit its model: reported as one bad item, never as a failed pass.

    ``raw`` is the row as served (a mapping when it was one), so a caller can still read
    identifying fields the model could not (a move's ``moveid`` when its ``player`` is null)
    and decide conservatively about what the row would have affected.
    """

    endpoint: str
    index: int
    error: ModelError
    raw: Mapping[str, Any] | None

    @property
    def row_id(self) -> object:
        return self.error.row_id

    def field_text(self, name: str) -> str | None:
        """A scalar field of the raw row as short text, or None when absent or not a scalar."""
        return self.text_at(name)

    def text_at(self, *path: str) -> str | None:
        """A scalar at a nested path of the raw row (``("team", "abbrev")``) as short text, else None."""
        value: Any = self.raw
        for key in path:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int):
            return None
        if isinstance(value, int):
            return str(value) if abs(value) < 10**40 else None
        text = value.strip()
        return text[:100] if text else None

    def int_at(self, *path: str) -> int | None:
        """An integer id at a nested path of the raw row (``("player", "id")``), else None."""
        text = self.text_at(*path)
        if text is None or not text.lstrip("+-").isascii() or not text.lstrip("+-").isdigit():
            return None
        return int(text)

    def describe(self) -> str:
        """One line naming the row and the problem, e.g. ``transactions row 3 (Transaction id 7): …``."""
        return f"{self.endpoint} row {self.index}: {self.error}"


class LeagueError(LeaguectlError):
    """The league API refused or failed a request. ``status`` is None when no HTTP answer came."""

    exit_code = ExitCode.SOFTWARE

    def __init__(self, message: str, *, status: int | None = None, detail: str | None = None) -> None:
        self.status = status
        self.detail = detail
        super().__init__(message)


class LeagueUnavailable(LeagueError, ServiceUnavailable):
    """Unreachable, or 5xx after the retries: exit 69."""

    exit_code = ExitCode.UNAVAILABLE


class LeagueAuthError(LeagueError, PermissionProblem):
    """401/403: the token is wrong or lacks rights; retrying will not help (exit 78)."""

    exit_code = ExitCode.CONFIG


class LeagueRateLimited(LeagueError, RateLimitedTooLong):
    """429 that outlasted the retries: try again next run (exit 75)."""

    exit_code = ExitCode.TEMPFAIL


class LeagueDataError(LeagueError):
    """The API answered 2xx with something unusable: not JSON, no envelope, a row that fits no model.

    Exit 69: the service is up but not answering usefully; the message names the row and field.
    """

    exit_code = ExitCode.UNAVAILABLE


class NotFound(LeagueError):
    """404 on an object path. Callers that expect absence catch it.

    Left uncaught it exits 78: an endpoint the league must have answering 404
    usually means ``LEAGUE_API_URL`` points at the wrong place.
    """

    exit_code = ExitCode.CONFIG
