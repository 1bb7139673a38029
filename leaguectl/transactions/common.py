"""Steps freeze-begin and thaw share: the bot's identity, channels, and confirmed PATCHes of ``current``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from leaguectl.errors import ConfigError, LeaguectlError, PermissionProblem, ServiceUnavailable

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient, JsonObject
    from leaguectl.league_api import LeagueClient
    from leaguectl.models import Current
    from leaguectl.passrun import PassContext

__all__ = [
    "CurrentNotConfirmed",
    "bot_user_id",
    "discord_errors_as_exit_codes",
    "find_text_channel",
    "patch_current_confirmed",
]


class CurrentNotConfirmed(ServiceUnavailable):
    """A PATCH of ``current`` answered OK but a fresh read does not show the change."""


def find_text_channel(pc: PassContext, setting: str) -> JsonObject:
    """The guild text channel named (or numbered) by ``setting``; missing is a configuration error."""
    value = str(getattr(pc.settings, setting))
    channel = pc.discord.resolve_channel(pc.guild_id, value)
    if channel is None:
        from leaguectl.settings import env_name

        raise ConfigError(env_name(setting), f"no text channel {value!r} in guild {pc.guild_id}")
    return channel


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

    403 (missing access or permission) is a configuration problem (78): rerunning
    will not help until the bot's role is fixed. Anything else Discord refused
    ends the pass as a failure; every step is resumable, so the next run
    continues where this one stopped.
    """
    from leaguectl.discord_rest import DiscordError

    try:
        yield
    except DiscordError as exc:
        if exc.status == 403:
            raise PermissionProblem(f"Discord refused: {exc}; grant the bot access, then rerun") from exc
        if exc.status >= 500:
            raise ServiceUnavailable(f"Discord failed: {exc}; rerun to finish") from exc
        raise LeaguectlError(f"Discord rejected a request: {exc}") from exc
