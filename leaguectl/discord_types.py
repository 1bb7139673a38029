"""What the Discord client and its callers share: error codes, errors, results.

Callers branch on ``DiscordError.code``, never on message text. Kept apart from
the client (and free of httpx) so a pass can name and catch these errors
without loading the HTTP stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from leaguectl.errors import PermissionProblem, RateLimitedTooLong

JsonObject = dict[str, Any]

# --- error codes callers branch on (never on message text) -------------------

UNKNOWN_CHANNEL: Final = 10003
UNKNOWN_MEMBER: Final = 10007
UNKNOWN_MESSAGE: Final = 10008
UNKNOWN_USER: Final = 10013
EDIT_LIMIT_OLD_MESSAGE: Final = 30046
MISSING_ACCESS: Final = 50001
CANNOT_EDIT_OTHERS: Final = 50005
CANNOT_DM: Final = 50007
MISSING_PERMISSIONS: Final = 50013
TOO_OLD_TO_BULK_DELETE: Final = 50034
INVALID_FORM_BODY: Final = 50035
NO_MUTUAL_GUILDS: Final = 50278

# --- errors and results ---------------------------------------------------------


class DiscordError(Exception):
    """Discord answered with an error. Branch on ``code`` (0 when absent), never on text."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: tuple[str, ...] = (),
        route: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.route = route
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.route}: " if self.route else ""
        text = f"{where}{self.message} (HTTP {self.status}, code {self.code})"
        return "\n".join([text, *(f"  {line}" for line in self.errors)])


class DiscordUnauthorized(PermissionProblem):
    """The bot token was rejected (401). Fatal: retrying only burns the invalid-request budget."""


class DiscordBanned(RateLimitedTooLong):
    """A 429 without a JSON ``retry_after``: a Cloudflare or API ban. Abort, never retry."""


class InvalidPayload(ValueError):
    """A message or argument breaks one of Discord's limits; caught before any request."""


@dataclass(frozen=True)
class DMResult:
    """Outcome of a DM: an unreachable recipient is a normal result, not a crash.

    ``reason`` is ``"dms-closed"`` (50007/50278: DMs off, bot blocked, no shared
    guild) or ``"unknown-user"`` (10013) when ``delivered`` is False.
    """

    delivered: bool
    message: JsonObject | None
    reason: str | None


class Unset(Enum):
    """The type of :data:`UNSET`, so a signature can say "a value, None, or leave it"."""

    UNSET = "unset"


#: Marker for "leave this field as it is" in :meth:`DiscordClient.edit_message`.
UNSET: Final = Unset.UNSET
