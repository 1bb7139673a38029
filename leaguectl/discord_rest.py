"""Discord REST v10 client: the endpoints leaguectl uses, and the public face of its parts.

:class:`DiscordClient` is typed access to each endpoint (channels, members,
messages, DMs, channel settings). The parts it is built from live beside it,
one job each, and are re-exported here so callers import from one place:

- :mod:`leaguectl.discord_types`: error codes, errors and results;
- :mod:`leaguectl.discord_limits`: Discord's limits, snowflake ids, payload validation;
- :mod:`leaguectl.discord_ratelimit`: routes, rate-limit buckets, waits;
- :mod:`leaguectl.discord_transport`: the request loop (auth, retries, backoff, 429s).

A wait longer than ``max_wait`` ends the pass with exit 75 instead of
blocking a cron slot; the next run picks the work up again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, Final

from leaguectl.discord_fit import ELLIPSIS, fit_message, fit_text, identity_nonce
from leaguectl.discord_limits import (
    BULK_DELETE_MAX,
    BULK_DELETE_MAX_AGE,
    CONTENT_LIMIT,
    PAGE_SIZE,
    VOICE_STATUS_LIMIT,
    require_snowflake,
    snowflake_at,
    snowflake_time,
    validate_message,
)
from leaguectl.discord_ratelimit import GLOBAL_REQUESTS_PER_SECOND, CompiledRoute, RateLimiter, Route
from leaguectl.discord_transport import DiscordTransport
from leaguectl.discord_types import (
    CANNOT_DM,
    CANNOT_EDIT_OTHERS,
    EDIT_LIMIT_OLD_MESSAGE,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    NO_MUTUAL_GUILDS,
    TOO_OLD_TO_BULK_DELETE,
    UNKNOWN_CHANNEL,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    UNSET,
    DiscordBanned,
    DiscordError,
    DiscordUnauthorized,
    DMResult,
    InvalidPayload,
    JsonObject,
    Unset,
)

# What callers import from here (the rest is imported from the module that defines it).
__all__ = [
    "CANNOT_DM",
    "CANNOT_EDIT_OTHERS",
    "CONTENT_LIMIT",
    "EDIT_LIMIT_OLD_MESSAGE",
    "ELLIPSIS",
    "GLOBAL_REQUESTS_PER_SECOND",
    "MISSING_ACCESS",
    "MISSING_PERMISSIONS",
    "NO_MUTUAL_GUILDS",
    "UNKNOWN_MESSAGE",
    "UNKNOWN_USER",
    "UNSET",
    "DMResult",
    "DiscordBanned",
    "DiscordClient",
    "DiscordError",
    "DiscordUnauthorized",
    "InvalidPayload",
    "JsonObject",
    "RateLimiter",
    "Route",
    "fit_text",
    "identity_nonce",
    "snowflake_at",
    "snowflake_time",
    "validate_message",
]

logger = logging.getLogger("leaguectl.discord")

#: Mentions are off unless a caller asks for them (SPEC §1.4).
DEFAULT_ALLOWED_MENTIONS: Final[Mapping[str, list[str]]] = {"parse": []}


# --- routes ------------------------------------------------------------------------

_CURRENT_USER = Route("GET", "/users/@me")
_CURRENT_APPLICATION = Route("GET", "/oauth2/applications/@me")
_GUILD_CHANNELS = Route("GET", "/guilds/{guild_id}/channels")
_GUILD_MEMBER = Route("GET", "/guilds/{guild_id}/members/{user_id}")
_GUILD_ROLES = Route("GET", "/guilds/{guild_id}/roles")
_CHANNEL = Route("GET", "/channels/{channel_id}")
_MESSAGES = Route("GET", "/channels/{channel_id}/messages")
_CREATE_MESSAGE = Route("POST", "/channels/{channel_id}/messages")
_EDIT_MESSAGE = Route("PATCH", "/channels/{channel_id}/messages/{message_id}")
_DELETE_MESSAGE = Route("DELETE", "/channels/{channel_id}/messages/{message_id}")
_BULK_DELETE = Route("POST", "/channels/{channel_id}/messages/bulk-delete")
_OPEN_DM = Route("POST", "/users/@me/channels")
_VOICE_STATUS = Route("PUT", "/channels/{channel_id}/voice-status")
_PERMISSION_OVERWRITE = Route("PUT", "/channels/{channel_id}/permissions/{overwrite_id}")


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- the client ----------------------------------------------------------------------


class DiscordClient(DiscordTransport):
    """Typed access to the Discord endpoints leaguectl uses, with rate limits honoured.

    Build one per pass; it caches guild channels and DM channels for its lifetime.
    """

    # Per-client caches (the transport's constructor builds the client; these start empty).
    @cached_property
    def _channels_by_guild(self) -> dict[str, list[JsonObject]]:
        return {}

    @cached_property
    def _dm_channels(self) -> dict[str, str]:
        return {}

    @cached_property
    def _members(self) -> dict[tuple[str, str], JsonObject | None]:
        return {}

    def __repr__(self) -> str:
        return f"DiscordClient(base_url={self._base_url!r})"

    def __enter__(self) -> DiscordClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- users and applications ---

    def current_user(self) -> JsonObject:
        """The bot's own user (``GET /users/@me``); also the cheapest token check."""
        return self._get_object(_CURRENT_USER.compile())

    def application_owner_id(self) -> str:
        """Who owns the bot: the team owner for team apps, else the application owner."""
        route = _CURRENT_APPLICATION.compile()
        app = self._get_object(route)
        team = app.get("team")
        if isinstance(team, Mapping) and team.get("owner_user_id"):
            return str(team["owner_user_id"])
        owner = app.get("owner")
        if isinstance(owner, Mapping) and owner.get("id"):
            return str(owner["id"])
        raise self._unexpected(route, "application has neither team.owner_user_id nor owner.id")

    # --- guilds and channels ---

    def guild_channels(self, guild_id: str) -> list[JsonObject]:
        """All channels of a guild (no threads); refreshes the per-client cache."""
        route = _GUILD_CHANNELS.compile(guild_id=guild_id)
        data = self._request(route)
        if not isinstance(data, list):
            raise self._unexpected(route, "expected a list of channels")
        channels = [channel for channel in data if isinstance(channel, dict)]
        self._channels_by_guild[guild_id] = channels
        return channels

    def resolve_channel(self, guild_id: str, name_or_id: str, *, types: Collection[int] = (0, 5)) -> JsonObject | None:
        """Find a channel of one of ``types`` by id (all digits) or else by exact name.

        Fetches the guild's channels at most once per client. Among channels
        sharing a name, the one highest in the channel list wins.
        """
        if guild_id in self._channels_by_guild:
            channels = self._channels_by_guild[guild_id]
        else:
            channels = self.guild_channels(guild_id)
        wanted = [channel for channel in channels if channel.get("type") in types]
        value = name_or_id.strip()
        if value.isascii() and value.isdigit():
            by_id = [channel for channel in wanted if str(channel.get("id")) == value]
            if by_id:
                return by_id[0]
        named = [channel for channel in wanted if channel.get("name") == value]
        named.sort(key=lambda channel: (int(channel.get("position") or 0), int(channel.get("id") or 0)))
        return named[0] if named else None

    def guild_roles(self, guild_id: str) -> list[JsonObject]:
        """The guild's roles with their permission bits (for permission checks in ``doctor``)."""
        route = _GUILD_ROLES.compile(guild_id=guild_id)
        data = self._request(route)
        if not isinstance(data, list):
            raise self._unexpected(route, "expected a list of roles")
        return [role for role in data if isinstance(role, dict)]

    def get_channel(self, channel_id: str) -> JsonObject | None:
        """A channel object, or None when Discord does not know it (10003).

        Read fresh (not from the guild list) where a read-modify-write needs
        the current state, e.g. the overwrite scorebug-tick replaces.
        """
        try:
            return self._get_object(_CHANNEL.compile(channel_id=channel_id))
        except DiscordError as error:
            if error.code == UNKNOWN_CHANNEL:
                return None
            raise

    def guild_member(self, guild_id: str, user_id: str) -> JsonObject | None:
        """A guild member, or None when the user is not in the guild (10007/10013); cached per client."""
        key = (guild_id, user_id)
        if key in self._members:
            return self._members[key]
        try:
            member: JsonObject | None = self._get_object(_GUILD_MEMBER.compile(guild_id=guild_id, user_id=user_id))
        except DiscordError as error:
            if error.code not in (UNKNOWN_MEMBER, UNKNOWN_USER):
                raise
            member = None
        self._members[key] = member
        return member

    # --- reading messages ---

    def iter_messages(
        self,
        channel_id: str,
        *,
        before: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> Iterator[JsonObject]:
        """Messages newest first, fetched 100 at a time only as the caller consumes them.

        ``before``/``after`` are exclusive id bounds and may be combined (Discord
        accepts only one per request, so the client pages down with ``before``
        and stops at the first message at or below ``after``). ``limit`` caps
        how many messages are yielded, newest first.
        """
        route = _MESSAGES.compile(channel_id=channel_id)
        for name, bound in (("before", before), ("after", after)):
            if bound is not None:
                require_snowflake(name, bound)
        if limit is not None and limit < 0:
            raise InvalidPayload(f"limit: {limit} is negative")
        return self._message_pages(route, before, None if after is None else int(after), limit)

    def _message_pages(
        self, route: CompiledRoute, cursor: str | None, floor: int | None, limit: int | None
    ) -> Iterator[JsonObject]:
        left = limit
        while left is None or left > 0:
            page_size = PAGE_SIZE if left is None else min(PAGE_SIZE, left)
            params = {"limit": str(page_size)}
            if cursor is not None:
                params["before"] = cursor
            page = self._request(route, params=params)
            if not isinstance(page, list):
                raise self._unexpected(route, "expected a list of messages")
            ids = [int(message["id"]) for message in page]
            for message, message_id in zip(page, ids, strict=True):
                if floor is not None and message_id <= floor:
                    return
                if cursor is not None and message_id >= int(cursor):
                    continue  # a server repeating itself; never yield a message twice
                yield message
                if left is not None:
                    left -= 1
            if len(page) < page_size or not ids:
                return
            oldest = min(ids)
            if cursor is not None and oldest >= int(cursor):
                return
            cursor = str(oldest)

    # --- writing messages ---

    def create_message(
        self,
        channel_id: str,
        *,
        nonce: str,
        content: str | None = None,
        embeds: list[JsonObject] | None = None,
        allowed_mentions: Mapping[str, Any] | None = None,
        flags: int | None = None,
    ) -> JsonObject:
        """Post a message carrying ``nonce`` with ``enforce_nonce``: safe to retry, and posted once.

        ``nonce`` is the message's identity (build it with :func:`identity_nonce` from
        the command, league, week, item, recipient…; never from time or host): Discord
        answers a repeated nonce from the same bot within a few minutes with the message
        already made, so a retry, a rerun or a second host cannot post a copy. Texts
        over Discord's limits are cut (see :mod:`leaguectl.discord_fit`). Mentions are
        off unless ``allowed_mentions`` says otherwise.
        """
        route = _CREATE_MESSAGE.compile(channel_id=channel_id)
        body: JsonObject = {
            "allowed_mentions": dict(DEFAULT_ALLOWED_MENTIONS if allowed_mentions is None else allowed_mentions)
        }
        if content is not None:
            body["content"] = content
        if embeds is not None:
            body["embeds"] = embeds
        if flags is not None:
            body["flags"] = flags
        body["nonce"] = nonce
        body = self._fitted(route, body)
        validate_message(body)
        body["enforce_nonce"] = True
        return self._object(self._request(route, body=body, retry_safe=True), route)

    def _fitted(self, route: CompiledRoute, body: JsonObject) -> JsonObject:
        fitted = fit_message(body)
        if fitted.cuts:
            logger.warning("%s: cut to Discord's limits: %s", route, "; ".join(fitted.cuts))
        return fitted.payload

    def edit_message(
        self,
        channel_id: str,
        message_id: str,
        *,
        content: str | Unset | None = UNSET,
        embeds: list[JsonObject] | Unset | None = UNSET,
        allowed_mentions: Mapping[str, Any] | None = None,
    ) -> JsonObject:
        """Edit our own message, sending only the fields given (None clears a field).

        ``allowed_mentions`` is sent on every edit, because an edit without it
        re-parses mentions with Discord's ping-everything defaults.
        """
        route = _EDIT_MESSAGE.compile(channel_id=channel_id, message_id=message_id)
        body: JsonObject = {
            "allowed_mentions": dict(DEFAULT_ALLOWED_MENTIONS if allowed_mentions is None else allowed_mentions)
        }
        if not isinstance(content, Unset):
            body["content"] = content
        if not isinstance(embeds, Unset):
            body["embeds"] = embeds
        body = self._fitted(route, body)
        validate_message(body, require_content=False)
        return self._object(self._request(route, body=body), route)

    def delete_message(self, channel_id: str, message_id: str, *, reason: str | None = None) -> bool:
        """Delete one message; False when it was already gone (10008)."""
        route = _DELETE_MESSAGE.compile(channel_id=channel_id, message_id=message_id)
        try:
            self._request(route, reason=reason)
        except DiscordError as error:
            if error.code == UNKNOWN_MESSAGE:
                return False
            raise
        return True

    def delete_messages(
        self, channel_id: str, message_ids: Iterable[str], *, now: datetime, reason: str | None = None
    ) -> int:
        """Delete many messages with as few requests as Discord allows.

        Ids are deduplicated. Messages younger than :data:`BULK_DELETE_MAX_AGE`
        (judged from the snowflake against ``now``) go in bulk batches of 2..100;
        older ones and a leftover single id are deleted one by one, as is a
        batch Discord refuses with 50034. Returns how many were deleted (a bulk
        batch counts in full: Discord does not say which ids it skipped).
        """
        if now.tzinfo is None:
            raise ValueError("delete_messages needs an aware `now`")
        route = _BULK_DELETE.compile(channel_id=channel_id)
        ids = list(dict.fromkeys(message_ids))
        for message_id in ids:
            require_snowflake("message_ids", message_id)
        oldest_bulk = now - BULK_DELETE_MAX_AGE
        recent = [message_id for message_id in ids if snowflake_time(message_id) > oldest_bulk]
        singles = [message_id for message_id in ids if snowflake_time(message_id) <= oldest_bulk]
        deleted = 0
        for batch in _chunks(recent, BULK_DELETE_MAX):
            if len(batch) < 2:
                singles.extend(batch)
                continue
            try:
                self._request(route, body={"messages": batch}, retry_safe=True, reason=reason)
            except DiscordError as error:
                if error.code != TOO_OLD_TO_BULK_DELETE:
                    raise
                singles.extend(batch)
                continue
            deleted += len(batch)
        for message_id in singles:
            if self.delete_message(channel_id, message_id, reason=reason):
                deleted += 1
        return deleted

    # --- direct messages ---

    def open_dm(self, user_id: str) -> str:
        """The DM channel id with a user (opening it if needed); cached per client."""
        require_snowflake("user_id", user_id)
        if user_id in self._dm_channels:
            return self._dm_channels[user_id]
        route = _OPEN_DM.compile()
        channel = self._object(self._request(route, body={"recipient_id": user_id}, retry_safe=True), route)
        channel_id = str(channel.get("id") or "")
        if not channel_id:
            raise self._unexpected(route, "DM channel without an id")
        self._dm_channels[user_id] = channel_id
        return channel_id

    def send_dm(
        self,
        user_id: str,
        *,
        nonce: str,
        content: str | None = None,
        embeds: list[JsonObject] | None = None,
    ) -> DMResult:
        """DM a user; an unreachable recipient is a :class:`DMResult`, not an exception.

        ``nonce`` is the DM's identity, as for :meth:`create_message`; include the recipient.
        The payload is checked before the DM channel is opened, so a bad one costs no request.
        """
        payload: JsonObject = {"content": content, "embeds": embeds, "nonce": nonce}
        validate_message(fit_message({key: value for key, value in payload.items() if value is not None}).payload)
        try:
            channel_id = self.open_dm(user_id)
            message = self.create_message(channel_id, content=content, embeds=embeds, nonce=nonce)
        except DiscordError as error:
            reason = _undeliverable_reason(error)
            if reason is None:
                raise
            logger.info("DM to user %s not delivered: %s", user_id, reason)
            return DMResult(delivered=False, message=None, reason=reason)
        return DMResult(delivered=True, message=message, reason=None)

    # --- channel settings ---

    def set_voice_status(self, channel_id: str, status: str | None, *, reason: str | None = None) -> None:
        """Set (or clear, with None) a voice channel's status text, up to 500 characters."""
        route = _VOICE_STATUS.compile(channel_id=channel_id)
        if status is not None:
            if not isinstance(status, str):
                raise InvalidPayload(f"status: expected a string, got {type(status).__name__}")
            if len(status) > VOICE_STATUS_LIMIT:
                logger.warning("%s: status cut to Discord's limit: %d → %d characters", route, len(status),
                               VOICE_STATUS_LIMIT)
                status = fit_text(status, VOICE_STATUS_LIMIT)
        self._request(route, body={"status": status}, reason=reason)

    def set_permission_overwrite(
        self,
        channel_id: str,
        overwrite_id: str,
        *,
        allow: int,
        deny: int,
        kind: int = 0,
        reason: str | None = None,
    ) -> None:
        """Create or replace a channel permission overwrite (``kind`` 0 role, 1 member)."""
        if kind not in (0, 1):
            raise InvalidPayload(f"kind: {kind} is neither 0 (role) nor 1 (member)")
        for name, bits in (("allow", allow), ("deny", deny)):
            if bits < 0:
                raise InvalidPayload(f"{name}: permission bits must not be negative")
        route = _PERMISSION_OVERWRITE.compile(channel_id=channel_id, overwrite_id=overwrite_id)
        body = {"allow": str(allow), "deny": str(deny), "type": kind}
        self._request(route, body=body, reason=reason)


def _undeliverable_reason(error: DiscordError) -> str | None:
    if error.code in (CANNOT_DM, NO_MUTUAL_GUILDS):
        return "dms-closed"
    if error.code == UNKNOWN_USER:
        return "unknown-user"
    return None
