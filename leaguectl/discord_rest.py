"""Discord REST v10 client: routes, rate-limit buckets, retries, typed errors.

A pass needs a few dozen requests, not throughput, so the client is a
synchronous httpx client sending one request at a time. That keeps the rate
limiter free of the concurrency bugs that fill other libraries' changelogs:
an unknown bucket can never have two requests in flight, and every response
updates the limiter before the next request is considered.

Waiting is driven only by what Discord tells us (``X-RateLimit-Reset-After``,
a 429's ``retry_after``) and by the backoff for transient failures, always
through the runtime's clock and sleeper so tests never really sleep. A wait
longer than ``max_wait`` ends the pass with exit 75 instead of blocking a
cron slot; the next run picks the work up again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Final
from urllib.parse import quote

import httpx

import leaguectl
from leaguectl.errors import PermissionProblem, RateLimitedTooLong, ServiceUnavailable
from leaguectl.redact import register_secret
from leaguectl.runtime import Runtime

logger = logging.getLogger("leaguectl.discord")

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

# --- message limits (platform.md A.10, A.13, A.7) ----------------------------

CONTENT_LIMIT: Final = 2000
EMBEDS_LIMIT: Final = 10
EMBED_TITLE_LIMIT: Final = 256
EMBED_DESCRIPTION_LIMIT: Final = 4096
EMBED_FIELDS_LIMIT: Final = 25
EMBED_FIELD_NAME_LIMIT: Final = 256
EMBED_FIELD_VALUE_LIMIT: Final = 1024
EMBED_FOOTER_LIMIT: Final = 2048
EMBED_AUTHOR_LIMIT: Final = 256
EMBEDS_TOTAL_LIMIT: Final = 6000
NONCE_LIMIT: Final = 25
MENTION_IDS_LIMIT: Final = 100
VOICE_STATUS_LIMIT: Final = 500
AUDIT_REASON_LIMIT: Final = 512

# --- client behaviour ---------------------------------------------------------

DISCORD_EPOCH_MS: Final = 1_420_070_400_000
#: Requests allowed in any one-second window. Discord's global limit is 50/s;
#: staying a little under it absorbs window alignment between us and Discord.
GLOBAL_REQUESTS_PER_SECOND: Final = 45
#: 429s tolerated for one request before giving up (another process is likely
#: sharing the token if this is ever reached).
MAX_RATE_LIMIT_RETRIES: Final = 3
BACKOFF_BASE_SECONDS: Final = 0.5
BACKOFF_CAP_SECONDS: Final = 8.0
RETRYABLE_STATUSES: Final = frozenset({500, 502, 503, 504, 524})
#: Bulk delete refuses messages older than 14 days; keep a two-hour margin.
BULK_DELETE_MAX_AGE: Final = timedelta(days=14) - timedelta(hours=2)
BULK_DELETE_MAX: Final = 100
PAGE_SIZE: Final = 100
DEFAULT_ALLOWED_MENTIONS: Final[Mapping[str, list[str]]] = {"parse": []}


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


class _Unset(Enum):
    UNSET = "unset"


#: Marker for "leave this field as it is" in :meth:`DiscordClient.edit_message`.
UNSET: Final = _Unset.UNSET


# --- snowflakes -----------------------------------------------------------------


def snowflake_time(snowflake: str) -> datetime:
    """When a Discord id was minted (bits 63..22 are ms since 2015-01-01 UTC)."""
    millis = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def snowflake_at(moment: datetime) -> str:
    """The smallest id minted at ``moment``; usable as a ``before``/``after`` bound."""
    if moment.tzinfo is None:
        raise ValueError("snowflake_at needs an aware datetime")
    millis = int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS
    return str(max(0, millis) << 22)


def _require_snowflake(name: str, value: str) -> None:
    if not (isinstance(value, str) and value.isascii() and value.isdigit()):
        raise InvalidPayload(f"{name}: {value!r} is not a Discord id (a string of digits)")


# --- payload validation ---------------------------------------------------------


def validate_message(payload: Mapping[str, Any], *, require_content: bool = True) -> None:
    """Check a create/edit message body against Discord's limits.

    Raises :class:`InvalidPayload` naming the offending field, e.g.
    ``embeds[0].fields[2].value: 1100 characters, limit 1024``. Embed text is
    measured after stripping surrounding whitespace, as Discord does. With
    ``require_content`` (creation) the message must carry content or an embed;
    edits are partial and skip that check.
    """
    content = payload.get("content")
    if content is not None:
        _check_text("content", content, CONTENT_LIMIT, strip=False)
    embed_count = _validate_embeds(payload.get("embeds"))
    nonce = payload.get("nonce")
    if nonce is not None and len(str(nonce)) > NONCE_LIMIT:
        raise InvalidPayload(f"nonce: {len(str(nonce))} characters, limit {NONCE_LIMIT}")
    _validate_allowed_mentions(payload.get("allowed_mentions"))
    if require_content and not _has_body(payload, content, embed_count):
        raise InvalidPayload("message: empty; give non-blank content or at least one embed")


def _has_body(payload: Mapping[str, Any], content: object, embed_count: int) -> bool:
    if isinstance(content, str) and content.strip():
        return True
    others = ("sticker_ids", "components", "attachments", "poll")
    return embed_count > 0 or any(payload.get(key) for key in others)


def _check_text(path: str, value: object, limit: int, *, strip: bool = True) -> int:
    if not isinstance(value, str):
        raise InvalidPayload(f"{path}: expected a string, got {type(value).__name__}")
    length = len(value.strip() if strip else value)
    if length > limit:
        raise InvalidPayload(f"{path}: {length} characters, limit {limit}")
    return length


def _validate_embeds(embeds: object) -> int:
    if embeds is None:
        return 0
    if not isinstance(embeds, list):
        raise InvalidPayload("embeds: expected a list of embed objects")
    if len(embeds) > EMBEDS_LIMIT:
        raise InvalidPayload(f"embeds: {len(embeds)} embeds, limit {EMBEDS_LIMIT}")
    total = sum(_validate_embed(f"embeds[{index}]", embed) for index, embed in enumerate(embeds))
    if total > EMBEDS_TOTAL_LIMIT:
        raise InvalidPayload(f"embeds: {total} characters in total across all embeds, limit {EMBEDS_TOTAL_LIMIT}")
    return len(embeds)


def _validate_embed(path: str, embed: object) -> int:
    """Validate one embed; return the characters it counts toward the 6000 total."""
    if not isinstance(embed, Mapping):
        raise InvalidPayload(f"{path}: expected an embed object")
    total = 0
    if embed.get("title") is not None:
        total += _check_text(f"{path}.title", embed["title"], EMBED_TITLE_LIMIT)
    if embed.get("description") is not None:
        total += _check_text(f"{path}.description", embed["description"], EMBED_DESCRIPTION_LIMIT)
    total += _validate_fields(path, embed.get("fields"))
    total += _nested_text(path, embed, "footer", "text", EMBED_FOOTER_LIMIT)
    total += _nested_text(path, embed, "author", "name", EMBED_AUTHOR_LIMIT)
    return total


def _nested_text(path: str, embed: Mapping[str, Any], part: str, key: str, limit: int) -> int:
    section = embed.get(part)
    if section is None:
        return 0
    if not isinstance(section, Mapping):
        raise InvalidPayload(f"{path}.{part}: expected an object")
    value = section.get(key)
    return 0 if value is None else _check_text(f"{path}.{part}.{key}", value, limit)


def _validate_fields(path: str, fields: object) -> int:
    if fields is None:
        return 0
    if not isinstance(fields, list):
        raise InvalidPayload(f"{path}.fields: expected a list of fields")
    if len(fields) > EMBED_FIELDS_LIMIT:
        raise InvalidPayload(f"{path}.fields: {len(fields)} fields, limit {EMBED_FIELDS_LIMIT}")
    total = 0
    for index, embed_field in enumerate(fields):
        where = f"{path}.fields[{index}]"
        if not isinstance(embed_field, Mapping):
            raise InvalidPayload(f"{where}: expected a field object")
        for key, limit in (("name", EMBED_FIELD_NAME_LIMIT), ("value", EMBED_FIELD_VALUE_LIMIT)):
            length = _check_text(f"{where}.{key}", embed_field.get(key), limit)
            if length == 0:
                raise InvalidPayload(f"{where}.{key}: must not be blank")
            total += length
    return total


def _validate_allowed_mentions(allowed: object) -> None:
    if allowed is None:
        return
    if not isinstance(allowed, Mapping):
        raise InvalidPayload("allowed_mentions: expected an object")
    for key in ("users", "roles"):
        ids = allowed.get(key)
        if ids is not None and len(ids) > MENTION_IDS_LIMIT:
            raise InvalidPayload(f"allowed_mentions.{key}: {len(ids)} ids, limit {MENTION_IDS_LIMIT}")


# --- routes ------------------------------------------------------------------------

#: Path parameters that Discord rate-limits independently ("top-level resources").
_MAJOR_PARAMETERS: Final = ("channel_id", "guild_id", "webhook_id")


@dataclass(frozen=True)
class Route:
    """An endpoint: method and path template, e.g. ``GET /channels/{channel_id}/messages``."""

    method: str
    template: str

    def compile(self, **params: str) -> CompiledRoute:
        """Fill in the ids (validated as snowflakes) and note the top-level id."""
        for name, value in params.items():
            _require_snowflake(name, value)
        major = next((f"{name}={params[name]}" for name in _MAJOR_PARAMETERS if name in params), "-")
        return CompiledRoute(self, self.template.format(**params), major)


@dataclass(frozen=True)
class CompiledRoute:
    """A route with its ids filled in; ``major`` keys its rate-limit state."""

    route: Route
    path: str
    major: str

    def __str__(self) -> str:
        return f"{self.route.method} {self.path}"


_CURRENT_USER = Route("GET", "/users/@me")
_CURRENT_APPLICATION = Route("GET", "/oauth2/applications/@me")
_GUILD_CHANNELS = Route("GET", "/guilds/{guild_id}/channels")
_GUILD_MEMBER = Route("GET", "/guilds/{guild_id}/members/{user_id}")
_GUILD_ROLES = Route("GET", "/guilds/{guild_id}/roles")
_CHANNEL = Route("GET", "/channels/{channel_id}")
_MESSAGES = Route("GET", "/channels/{channel_id}/messages")
_MESSAGE = Route("GET", "/channels/{channel_id}/messages/{message_id}")
_CREATE_MESSAGE = Route("POST", "/channels/{channel_id}/messages")
_EDIT_MESSAGE = Route("PATCH", "/channels/{channel_id}/messages/{message_id}")
_DELETE_MESSAGE = Route("DELETE", "/channels/{channel_id}/messages/{message_id}")
_BULK_DELETE = Route("POST", "/channels/{channel_id}/messages/bulk-delete")
_OPEN_DM = Route("POST", "/users/@me/channels")
_VOICE_STATUS = Route("PUT", "/channels/{channel_id}/voice-status")
_PERMISSION_OVERWRITE = Route("PUT", "/channels/{channel_id}/permissions/{overwrite_id}")


# --- rate limiting -------------------------------------------------------------------


@dataclass
class _BucketState:
    """What Discord last told us about one bucket for one top-level id."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float = 0.0  # on the runtime's monotonic clock


class RateLimiter:
    """Per-bucket, global and proactive-rate waits for a strictly sequential client.

    Every wait goes through the runtime's sleeper and is computed from the
    runtime's monotonic clock, never from Discord's absolute ``X-RateLimit-Reset``
    (cron hosts drift). A wait longer than ``max_wait`` raises
    :class:`~leaguectl.errors.RateLimitedTooLong` before sleeping.
    """

    def __init__(self, runtime: Runtime, max_wait: float) -> None:
        self._clock = runtime.clock
        self._sleep = runtime.sleep
        self._max_wait = max_wait
        self._bucket_ids: dict[tuple[str, str], str] = {}
        self._buckets: dict[tuple[str, str], _BucketState] = {}
        self._global_until = 0.0
        self._recent_sends: deque[float] = deque(maxlen=GLOBAL_REQUESTS_PER_SECOND)

    def bucket_key(self, route: CompiledRoute) -> tuple[str, str]:
        """The single place a bucket key is made, for storing and lookup alike.

        Before Discord names the route's bucket the key is the route itself;
        afterwards it is ``(X-RateLimit-Bucket, top-level id)``, so routes that
        share a bucket share state and two channels never do.
        """
        route_id = (route.route.method, route.route.template)
        bucket = self._bucket_ids.get(route_id, f"route:{route.route.method} {route.route.template}")
        return (bucket, route.major)

    def state_for(self, route: CompiledRoute) -> _BucketState:
        return self._buckets.setdefault(self.bucket_key(route), _BucketState())

    def before_send(self, route: CompiledRoute) -> None:
        """Wait out a global block, an exhausted bucket, then the proactive global rate."""
        now = self._clock.monotonic()
        if self._global_until > now:
            self._wait(self._global_until - now, route, "global rate limit")
            self._global_until = 0.0
        state = self._buckets.get(self.bucket_key(route))
        if state is not None and state.remaining is not None and state.remaining <= 0:
            now = self._clock.monotonic()
            if state.reset_at > now:
                self._wait(state.reset_at - now, route, f"bucket {self.bucket_key(route)[0]} exhausted")
            state.remaining = state.limit
        if len(self._recent_sends) == self._recent_sends.maxlen:
            elapsed = self._clock.monotonic() - self._recent_sends[0]
            if elapsed < 1.0:
                self._wait(1.0 - elapsed, route, f"keeping under {GLOBAL_REQUESTS_PER_SECOND} requests/s")
        self._recent_sends.append(self._clock.monotonic())
        if state is not None and state.remaining is not None:
            state.remaining -= 1

    def update(self, route: CompiledRoute, headers: httpx.Headers) -> None:
        """Learn the route's bucket and its remaining budget from response headers."""
        bucket = headers.get("X-RateLimit-Bucket")
        if bucket:
            self._bucket_ids[(route.route.method, route.route.template)] = bucket
        limit = _int_header(headers, "X-RateLimit-Limit")
        remaining = _int_header(headers, "X-RateLimit-Remaining")
        reset_after = _float_header(headers, "X-RateLimit-Reset-After")
        if not bucket and remaining is None:
            return
        state = self.state_for(route)
        if limit is not None:
            state.limit = limit
        if remaining is not None:
            state.remaining = remaining
        if reset_after is not None:
            state.reset_at = self._clock.monotonic() + max(0.0, reset_after)

    def block_route(self, route: CompiledRoute, seconds: float) -> None:
        """A 429 on this bucket: nothing more on it until ``retry_after`` has passed."""
        state = self.state_for(route)
        state.remaining = 0
        state.reset_at = self._clock.monotonic() + seconds

    def block_global(self, seconds: float) -> None:
        """A global 429: every route waits until it has passed."""
        self._global_until = max(self._global_until, self._clock.monotonic() + seconds)

    def _wait(self, seconds: float, route: CompiledRoute, why: str) -> None:
        if seconds > self._max_wait:
            raise RateLimitedTooLong(
                f"Discord rate limit on {route} ({why}): waiting {seconds:.2f} s would exceed "
                f"the {self._max_wait:g} s cap; stopping so the next run can continue"
            )
        logger.debug("waiting %.3f s before %s (%s)", seconds, route, why)
        self._sleep(seconds)


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = _float_header(headers, name)
    return None if value is None else int(value)


def _float_header(headers: httpx.Headers, name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None


# --- response helpers ----------------------------------------------------------------


def _parse_json(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _flatten_form_errors(tree: object, path: str = "") -> list[str]:
    """Turn a 50035 ``errors`` tree into ``path: CODE message`` lines."""
    if not isinstance(tree, Mapping):
        return []
    lines: list[str] = []
    for key, child in tree.items():
        if key == "_errors" and isinstance(child, list):
            where = path or "<request>"
            for item in child:
                if isinstance(item, Mapping):
                    lines.append(f"{where}: {item.get('code', '?')} {item.get('message', '')}".rstrip())
            continue
        segment = f"[{key}]" if str(key).isdigit() else (f".{key}" if path else str(key))
        lines.extend(_flatten_form_errors(child, path + segment))
    return lines


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- the client ----------------------------------------------------------------------


class DiscordClient:
    """Typed access to the Discord endpoints leaguectl uses, with rate limits honoured.

    Build one per pass; it caches guild channels and DM channels for its lifetime.
    """

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        runtime: Runtime,
        max_wait: float = 60.0,
        max_retries: int = 4,
        user_agent_version: str = leaguectl.__version__,
    ) -> None:
        token = token.strip()
        if token.startswith("Bot "):
            token = token[len("Bot ") :].strip()
        self._token = token
        register_secret(token)
        self._base_url = base_url
        self._runtime = runtime
        self._max_retries = max_retries
        self._limiter = RateLimiter(runtime, max_wait)
        self._created_at = runtime.clock.now().isoformat()
        self._channels_by_guild: dict[str, list[JsonObject]] = {}
        self._dm_channels: dict[str, str] = {}
        self._members: dict[tuple[str, str], JsonObject | None] = {}
        self._http = runtime.http_client(
            base_url=base_url,
            headers={
                "Authorization": f"Bot {token}",
                "User-Agent": f"DiscordBot ({leaguectl.PROJECT_URL}, {user_agent_version})",
                "Content-Type": "application/json",
            },
        )

    def __repr__(self) -> str:
        return f"DiscordClient(base_url={self._base_url!r})"

    def close(self) -> None:
        self._http.close()

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
        """A channel object, or None when Discord does not know it (10003)."""
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
                _require_snowflake(name, bound)
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

    def get_message(self, channel_id: str, message_id: str) -> JsonObject | None:
        """One message, or None when it no longer exists (10008)."""
        try:
            return self._get_object(_MESSAGE.compile(channel_id=channel_id, message_id=message_id))
        except DiscordError as error:
            if error.code == UNKNOWN_MESSAGE:
                return None
            raise

    # --- writing messages ---

    def create_message(
        self,
        channel_id: str,
        *,
        content: str | None = None,
        embeds: list[JsonObject] | None = None,
        allowed_mentions: Mapping[str, Any] | None = None,
        nonce: str | int | None = None,
        flags: int | None = None,
    ) -> JsonObject:
        """Post a message; safe to retry because it always carries ``enforce_nonce``.

        Without a caller nonce, one is derived from the channel, the payload and
        this client's creation time: a retry inside this pass reuses it, while
        a later pass posting the same text gets a fresh one. Consequently the
        same payload posted twice to one channel by one client is one message;
        pass distinct nonces to post true duplicates. Mentions are off unless
        ``allowed_mentions`` says otherwise.
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
        if nonce is not None:
            body["nonce"] = nonce
        validate_message(body)
        if nonce is None:
            body["nonce"] = self._derive_nonce(channel_id, body)
        body["enforce_nonce"] = True
        return self._object(self._request(route, body=body, retry_safe=True), route)

    def _derive_nonce(self, channel_id: str, body: Mapping[str, Any]) -> str:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        seed = f"{channel_id}\n{canonical}\n{self._created_at}".encode()
        return hashlib.sha256(seed).hexdigest()[:NONCE_LIMIT]

    def edit_message(
        self,
        channel_id: str,
        message_id: str,
        *,
        content: str | _Unset | None = UNSET,
        embeds: list[JsonObject] | _Unset | None = UNSET,
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
        if not isinstance(content, _Unset):
            body["content"] = content
        if not isinstance(embeds, _Unset):
            body["embeds"] = embeds
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
            _require_snowflake("message_ids", message_id)
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
        _require_snowflake("user_id", user_id)
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
        content: str | None = None,
        embeds: list[JsonObject] | None = None,
        nonce: str | int | None = None,
    ) -> DMResult:
        """DM a user; an unreachable recipient is a :class:`DMResult`, not an exception."""
        payload: JsonObject = {"content": content, "embeds": embeds, "nonce": nonce}
        validate_message({key: value for key, value in payload.items() if value is not None})
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
        if status is not None:
            _check_text("status", status, VOICE_STATUS_LIMIT, strip=False)
        route = _VOICE_STATUS.compile(channel_id=channel_id)
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

    # --- the request loop ---

    def _get_object(self, route: CompiledRoute) -> JsonObject:
        return self._object(self._request(route), route)

    def _object(self, data: Any, route: CompiledRoute) -> JsonObject:
        if not isinstance(data, dict):
            raise self._unexpected(route, "expected a JSON object")
        return data

    def _request(
        self,
        route: CompiledRoute,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        retry_safe: bool | None = None,
        reason: str | None = None,
    ) -> Any:
        """Send one request, honouring rate limits and retrying what is safe to retry.

        ``retry_safe`` defaults to True for every method but POST; POSTs opt in
        when repeating them cannot duplicate anything (nonce-enforced messages,
        open-DM, bulk delete).
        """
        safe = route.route.method != "POST" if retry_safe is None else retry_safe
        headers = self._audit_headers(reason)
        failures = 0
        rate_limited = 0
        while True:
            self._limiter.before_send(route)
            self._count_request(route)
            try:
                response = self._http.request(route.route.method, route.path, json=body, params=params, headers=headers)
            except httpx.TransportError as error:
                failures = self._after_transient_failure(route, failures, safe, type(error).__name__, error)
                continue
            self._limiter.update(route, response.headers)
            status = response.status_code
            if status == 429:
                rate_limited += 1
                self._after_rate_limit(route, response, rate_limited)
                continue
            if status == 401:
                raise DiscordUnauthorized(
                    f"Discord rejected the bot token (HTTP 401 on {route}); check DISCORD_BOT_TOKEN"
                )
            if status in RETRYABLE_STATUSES:
                failures = self._after_transient_failure(route, failures, safe, f"HTTP {status}", None)
                continue
            if status >= 400:
                raise self._error(route, response)
            return _parse_json(response)

    def _audit_headers(self, reason: str | None) -> dict[str, str] | None:
        if reason is None:
            return None
        _check_text("reason", reason, AUDIT_REASON_LIMIT, strip=False)
        return {"X-Audit-Log-Reason": quote(reason, safe=" /")}

    def _count_request(self, route: CompiledRoute) -> None:
        self._runtime.checkpoint()  # after SIGTERM no new request starts
        stats = self._runtime.stats
        stats.http_requests += 1
        if route.route.method != "GET":
            stats.mutating_requests += 1

    def _after_rate_limit(self, route: CompiledRoute, response: httpx.Response, count: int) -> None:
        """Handle a 429: abort on a ban, else block the bucket (or everything) for ``retry_after``."""
        self._runtime.stats.rate_limited += 1
        data = _parse_json(response)
        retry_after = data.get("retry_after") if isinstance(data, dict) else None
        if isinstance(retry_after, bool) or not isinstance(retry_after, int | float):
            raise DiscordBanned(
                f"Discord answered 429 without a JSON retry_after on {route}: this looks like a "
                "temporary ban (Cloudflare or invalid-request limit); stopping the pass without retrying"
            )
        seconds = max(0.0, float(retry_after))
        scope = response.headers.get("X-RateLimit-Scope", "")
        is_global = (
            (isinstance(data, dict) and data.get("global") is True)
            or scope == "global"
            or response.headers.get("X-RateLimit-Global", "").lower() == "true"
        )
        logger.warning(
            "429 on %s %s (scope %s, bucket %s, global %s): retry after %.3f s: %s",
            route.route.method,
            route.route.template,
            scope or "-",
            response.headers.get("X-RateLimit-Bucket", "-"),
            is_global,
            seconds,
            data.get("message", "") if isinstance(data, dict) else "",
        )
        if count > MAX_RATE_LIMIT_RETRIES:
            raise RateLimitedTooLong(
                f"Discord kept rate limiting {route} ({count} times in a row); "
                "is another process using the same bot token?"
            )
        if is_global:
            self._limiter.block_global(seconds)
        else:
            self._limiter.block_route(route, seconds)

    def _after_transient_failure(
        self,
        route: CompiledRoute,
        failures: int,
        safe: bool,
        detail: str,
        cause: BaseException | None,
    ) -> int:
        """Back off before retrying a 5xx or connection failure; give up when not safe or exhausted."""
        if not safe:
            raise ServiceUnavailable(
                self._redact(f"Discord {route} failed ({detail}); not retried, as repeating it is unsafe")
            ) from cause
        failures += 1
        if failures > self._max_retries:
            raise ServiceUnavailable(
                self._redact(f"Discord {route} still failing ({detail}) after {failures} attempts")
            ) from cause
        delay = min(BACKOFF_BASE_SECONDS * 2 ** (failures - 1), BACKOFF_CAP_SECONDS)
        logger.warning("Discord %s failed (%s); retry %d in %.1f s", route, detail, failures, delay)
        self._runtime.sleep(delay)
        return failures

    def _error(self, route: CompiledRoute, response: httpx.Response) -> DiscordError:
        data = _parse_json(response)
        if isinstance(data, dict):
            raw_code = data.get("code")
            code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else 0
            message = str(data.get("message") or response.reason_phrase)
            errors = tuple(self._redact(line) for line in _flatten_form_errors(data.get("errors")))
        else:
            code, errors = 0, ()
            message = response.text.strip()[:200] or response.reason_phrase
        return DiscordError(response.status_code, code, self._redact(message), errors=errors, route=str(route))

    def _unexpected(self, route: CompiledRoute, what: str) -> DiscordError:
        return DiscordError(200, 0, f"unexpected response: {what}", route=str(route))

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "[redacted]") if self._token else text


def _undeliverable_reason(error: DiscordError) -> str | None:
    if error.code in (CANNOT_DM, NO_MUTUAL_GUILDS):
        return "dms-closed"
    if error.code == UNKNOWN_USER:
        return "unknown-user"
    return None
