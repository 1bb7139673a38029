"""Steps freeze-begin and thaw share: the bot's identity, channels, and confirmed PATCHes of ``current``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leaguectl.errors import ConfigError, LeaguectlError, PermissionProblem, ServiceUnavailable

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient
    from leaguectl.league_api import LeagueClient
    from leaguectl.models import Current
    from leaguectl.passrun import PassContext

__all__ = [
    "CurrentNotConfirmed",
    "TextChannel",
    "bot_user_id",
    "discord_errors_as_exit_codes",
    "find_text_channel",
    "is_item_failure",
    "patch_current_confirmed",
    "read_current",
]

#: Discord's "Unknown Guild": GUILD_ID names a guild Discord does not know (or the bot is not in).
UNKNOWN_GUILD = 10004
UNKNOWN_CHANNEL = 10003


class CurrentNotConfirmed(ServiceUnavailable):
    """A PATCH of ``current`` answered OK but a fresh read does not show the change."""


@dataclass(frozen=True)
class TextChannel:
    """A resolved text channel: its id for requests, ``#name`` for people."""

    id: str
    label: str


def find_text_channel(pc: PassContext, setting: str) -> TextChannel:
    """The guild text channel named (or numbered) by ``setting``; missing is a configuration error.

    A ``GUILD_ID`` Discord does not know is a configuration error naming ``GUILD_ID`` (exit 78),
    as in every other command, not a failed request.
    """
    from leaguectl.discord_rest import DiscordError
    from leaguectl.settings import env_name

    value = str(getattr(pc.settings, setting))
    try:
        channel = pc.discord.resolve_channel(pc.guild_id, value)
    except DiscordError as exc:
        if exc.code == UNKNOWN_GUILD:
            raise ConfigError(
                "GUILD_ID", f"Discord does not know guild {pc.guild_id} ({exc.message}); set GUILD_ID to the "
                "league's guild id (Server Settings → Widget, or Copy Server ID) and make sure the bot is in it"
            ) from exc
        raise
    if channel is None:
        raise ConfigError(env_name(setting), f"no text channel {value!r} in guild {pc.guild_id}")
    name = channel.get("name")
    return TextChannel(id=str(channel["id"]), label=f"#{name}" if isinstance(name, str) and name else f"#{value}")


def read_current(pc: PassContext) -> Current:
    """``GET current``; a row that does not fit (an odd week, no id…) says what to fix, and nothing is changed."""
    from leaguectl.league_api import LeagueDataError

    try:
        return pc.league.get_current()
    except LeagueDataError as exc:
        raise LeagueDataError(
            f"{exc}; fix the live season's current row in the league API (week, season, freeze, id); "
            "nothing was changed",
            status=exc.status,
            detail=exc.detail,
        ) from exc


def is_item_failure(exc: Exception) -> bool:
    """Whether a league API error concerns one item (a 404 or 4xx on one row), not the service.

    Unreachable (69), refused credentials (78) and rate limits (75) end the pass;
    anything else the league API refuses about one row is that row's error.
    """
    from leaguectl.league_api import LeagueAuthError, LeagueError, LeagueRateLimited, LeagueUnavailable

    return isinstance(exc, LeagueError) and not isinstance(
        exc, LeagueAuthError | LeagueRateLimited | LeagueUnavailable
    )


def bot_user_id(discord: DiscordClient) -> str:
    return str(discord.current_user()["id"])


def patch_current_confirmed(
    league: LeagueClient, current: Current, *, week: int | None = None, freeze: bool | None = None
) -> Current:
    """PATCH the live row by its id, then re-read ``GET current`` and insist on the change."""
    league.patch_current(current.id, week=week, freeze=freeze)
    fresh = league.get_current()
    wanted_week = current.week if week is None else week
    wanted_freeze = current.freeze if freeze is None else freeze
    if fresh.id != current.id or fresh.week != wanted_week or fresh.freeze != wanted_freeze:
        raise CurrentNotConfirmed(
            f"PATCH current/{current.id} (week={wanted_week}, freeze={wanted_freeze}) answered OK, but GET current "
            f"now shows row {fresh.id} week {fresh.week} freeze {fresh.freeze}; check the league API, then rerun"
        )
    return fresh


@contextmanager
def discord_errors_as_exit_codes() -> Iterator[None]:
    """Turn a Discord error that ends the pass into the exit code an operator can act on.

    403 (missing access or permission), an unknown guild or channel are
    configuration problems (78): rerunning will not help until the setting or
    the bot's role is fixed. Anything else Discord refused ends the pass as a
    failure; every step is resumable, so the next run continues where this one
    stopped.
    """
    from leaguectl.discord_rest import DiscordError

    try:
        yield
    except DiscordError as exc:
        if exc.status == 403:
            raise PermissionProblem(f"Discord refused: {exc}; grant the bot access, then rerun") from exc
        if exc.code == UNKNOWN_GUILD:
            raise ConfigError("GUILD_ID", f"Discord does not know this guild ({exc.message})") from exc
        if exc.code == UNKNOWN_CHANNEL:
            raise ConfigError(
                "TRANSACTION_LOG_CHANNEL/WEEKLY_INFO_CHANNEL",
                f"a channel vanished during the pass ({exc.message}); check the channel settings, then rerun",
            ) from exc
        if exc.status >= 500:
            raise ServiceUnavailable(f"Discord failed: {exc}; rerun to finish") from exc
        raise LeaguectlError(f"Discord rejected a request: {exc}") from exc
