"""Simulated Discord REST API v10: the endpoints leaguectl calls, with real error codes.

Served under `{base}/discord/api/v10`. Authentication (`Authorization: Bot
<token>`), the ban switch and rate limits run before the handlers (see
`DiscordService.admit`); the handlers below only see authorised, admitted
requests and answer with Discord's JSON error bodies (`{"code", "message"}`,
plus a nested `errors` tree for 50035).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from leaguectl.sandbox.discord_rules import (
    MAX_VOICE_STATUS,
    compute_pings,
    is_empty_message,
    validate_message_body,
)
from leaguectl.sandbox.ratelimit import BucketSpec, RateLimiter
from leaguectl.sandbox.state import SandboxState
from leaguectl.sandbox.web import BodyError, Request, Response, Route, Router
from leaguectl.sandbox.world import Channel, Message

BULK_DELETE_MAX_AGE = timedelta(days=14)
NONCE_WINDOW = timedelta(minutes=5)
"""How long `enforce_nonce` remembers a nonce (Discord says "a few minutes")."""
ALLOWED_CREATE_FLAGS = (1 << 2) | (1 << 12)

BUCKETS: dict[str, tuple[BucketSpec, str | None]] = {
    "GET /users/@me": (BucketSpec("users-me", 5, 1.0), None),
    "GET /oauth2/applications/@me": (BucketSpec("application", 5, 5.0), None),
    "GET /guilds/{guild_id}/channels": (BucketSpec("guild-channels", 10, 10.0), "guild_id"),
    "GET /guilds/{guild_id}/members/{user_id}": (BucketSpec("guild-member", 10, 1.0), "guild_id"),
    "GET /guilds/{guild_id}/roles": (BucketSpec("guild-roles", 5, 1.0), "guild_id"),
    "GET /channels/{channel_id}": (BucketSpec("channel", 5, 1.0), "channel_id"),
    "GET /channels/{channel_id}/messages": (BucketSpec("messages-read", 5, 1.0), "channel_id"),
    "GET /channels/{channel_id}/messages/{message_id}": (BucketSpec("messages-read", 5, 1.0), "channel_id"),
    "POST /channels/{channel_id}/messages": (BucketSpec("message-create", 5, 5.0), "channel_id"),
    "PATCH /channels/{channel_id}/messages/{message_id}": (BucketSpec("message-edit", 5, 5.0), "channel_id"),
    "DELETE /channels/{channel_id}/messages/{message_id}": (BucketSpec("message-delete", 5, 1.0), "channel_id"),
    "POST /channels/{channel_id}/messages/bulk-delete": (BucketSpec("bulk-delete", 1, 1.0), "channel_id"),
    "POST /users/@me/channels": (BucketSpec("dm-open", 5, 1.0), None),
    "PUT /channels/{channel_id}/voice-status": (BucketSpec("voice-status", 5, 5.0), "channel_id"),
    "PUT /channels/{channel_id}/permissions/{overwrite_id}": (BucketSpec("permissions", 5, 5.0), "channel_id"),
}
"""Route -> (bucket, name of the top-level path parameter the bucket is kept per)."""
FALLBACK_BUCKET = BucketSpec("other", 5, 1.0)

# Permission bits (platform.md §A.2) for the simulated roles.
VIEW_CHANNEL, SEND_MESSAGES, READ_MESSAGE_HISTORY, EMBED_LINKS = 1 << 10, 1 << 11, 1 << 16, 1 << 14
EVERYONE_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | EMBED_LINKS
BOT_ROLE_PERMISSIONS = EVERYONE_PERMISSIONS | (1 << 4) | (1 << 13) | (1 << 28) | (1 << 48)


class DiscordError(Exception):
    """Raised inside handlers; becomes Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def response(self) -> Response:
        payload: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            payload["errors"] = self.errors
        return Response.json(self.status, payload)


def error_response(status: int, code: int, message: str) -> Response:
    return DiscordError(status, code, message).response()


def _form_error(field: str, code: str, message: str) -> DiscordError:
    errors = {field: {"_errors": [{"code": code, "message": message}]}}
    return DiscordError(400, 50035, "Invalid Form Body", errors)


class DiscordService:
    name = "discord"
    prefix = "/discord/api/v10"

    def __init__(self, state: SandboxState, limiter: RateLimiter) -> None:
        self.state = state
        self.limiter = limiter
        self.router = Router()
        r = self.router
        r.add("GET", "/users/@me", self.get_me)
        r.add("GET", "/oauth2/applications/@me", self.get_application)
        r.add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        r.add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        r.add("GET", "/guilds/{guild_id}/roles", self.get_roles)
        r.add("GET", "/channels/{channel_id}", self.get_channel)
        r.add("GET", "/channels/{channel_id}/messages", self.list_messages)
        r.add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        r.add("POST", "/channels/{channel_id}/messages", self.create_message)
        r.add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        r.add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        r.add("POST", "/channels/{channel_id}/messages/bulk-delete", self.bulk_delete)
        r.add("POST", "/users/@me/channels", self.open_dm)
        r.add("PUT", "/channels/{channel_id}/voice-status", self.set_voice_status)
        r.add("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", self.put_overwrite)

    # ------------------------------------------------------------ pipeline

    def authorize(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bot {self.state.discord.token}":
            return error_response(401, 0, "401: Unauthorized")
        return None

    def not_found(self) -> Response:
        return error_response(404, 0, "404: Not Found")

    def method_not_allowed(self) -> Response:
        return error_response(405, 0, "405: Method Not Allowed")

    def server_error(self) -> Response:
        return error_response(500, 0, "500: Internal Server Error")

    def admit(self, route: Route | None, params: dict[str, str]) -> tuple[Response | None, dict[str, str]]:
        """Apply the ban switch and rate limits; returns (refusal, headers to add)."""
        if self.state.discord.banned:
            body = "error code: 1015"
            return Response.text(429, body, "text/html; charset=utf-8"), {}
        spec, major_param = BUCKETS.get(route.name, (FALLBACK_BUCKET, None)) if route else (FALLBACK_BUCKET, None)
        major = params.get(major_param, "") if major_param else ""
        decision = self.limiter.acquire(spec, major)
        if decision.allowed:
            return None, decision.headers
        headers = dict(decision.headers)
        headers["Retry-After"] = str(math.ceil(decision.retry_after))
        headers["X-RateLimit-Scope"] = decision.scope
        if decision.is_global:
            headers["X-RateLimit-Global"] = "true"
        message = "You are being rate limited."
        payload = {"message": message, "retry_after": decision.retry_after, "global": decision.is_global}
        return Response.json(429, payload), headers

    def call(self, route: Route, request: Request) -> Response:
        try:
            return route.handler(request)
        except DiscordError as exc:
            return exc.response()
        except BodyError:
            return error_response(400, 50109, "The request body contains invalid JSON.")

    # ------------------------------------------------------------ lookups

    def _channel(self, request: Request, need: str = "view") -> Channel:
        channel = self.state.discord.channels.get(request.params["channel_id"])
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        if "view" in channel.bot_denied:
            raise DiscordError(403, 50001, "Missing Access")
        if need != "view" and need in channel.bot_denied:
            raise DiscordError(403, 50013, "Missing Permissions")
        return channel

    def _message(self, channel: Channel, message_id: str) -> Message:
        message = self.state.discord.messages.get(message_id)
        if message is None or message.channel_id != channel.id:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    def _guild(self, request: Request) -> None:
        if request.params["guild_id"] != self.state.discord.guild_id:
            raise DiscordError(404, 10004, "Unknown Guild")

    def _snowflake_arg(self, request: Request, name: str) -> int | None:
        value = request.arg(name)
        if value is None:
            return None
        if not value.isdigit():
            raise _form_error(name, "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')
        return int(value)

    # ------------------------------------------------------------ users/guild

    def get_me(self, request: Request) -> Response:
        return Response.json(200, self.state.user(self.state.discord.bot_id).to_json())

    def get_application(self, request: Request) -> Response:
        d = self.state.discord
        bot = self.state.user(d.bot_id)
        payload: dict[str, Any] = {
            "id": d.application_id,
            "name": bot.username,
            "icon": None,
            "description": "",
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self.state.user(d.owner_id).to_json(),
            "team": None,
            "bot": bot.to_json(),
        }
        return Response.json(200, payload)

    def get_guild_channels(self, request: Request) -> Response:
        self._guild(request)
        return Response.json(200, [self.state.channel_json(c) for c in self.state.guild_channels()])

    def get_roles(self, request: Request) -> Response:
        """@everyone plus the bot's managed role, which carries every permission leaguectl needs."""
        self._guild(request)
        d = self.state.discord
        roles = [
            {"id": d.guild_id, "name": "@everyone", "permissions": str(EVERYONE_PERMISSIONS), "position": 0},
            {"id": d.bot_role_id, "name": "League Bot", "permissions": str(BOT_ROLE_PERMISSIONS), "position": 1,
             "managed": True},
        ]
        return Response.json(200, roles)

    def get_member(self, request: Request) -> Response:
        self._guild(request)
        user = self.state.discord.users.get(request.params["user_id"])
        if user is None or not user.member:
            raise DiscordError(404, 10007, "Unknown Member")
        payload: dict[str, Any] = {
            "user": user.to_json(),
            "nick": None,
            "avatar": None,
            "roles": [self.state.discord.bot_role_id] if user.id == self.state.discord.bot_id else [],
            "joined_at": user.joined_at or "2023-01-01T00:00:00.000000+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        return Response.json(200, payload)

    def get_channel(self, request: Request) -> Response:
        return Response.json(200, self.state.channel_json(self._channel(request)))

    def open_dm(self, request: Request) -> Response:
        body = request.json_object()
        recipient = str(body.get("recipient_id", ""))
        if recipient not in self.state.discord.users:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        return Response.json(200, self.state.channel_json(self.state.open_dm(recipient)))

    # ------------------------------------------------------------ messages

    def list_messages(self, request: Request) -> Response:
        channel = self._channel(request)
        raw_limit = request.arg("limit")
        try:
            limit = 50 if raw_limit is None else int(raw_limit)
        except ValueError as exc:
            raise _form_error("limit", "NUMBER_TYPE_COERCE", f'Value "{raw_limit}" is not int.') from exc
        if not 1 <= limit <= 100:
            raise _form_error("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
        anchors = {name: self._snowflake_arg(request, name) for name in ("before", "after", "around")}
        given = {name: value for name, value in anchors.items() if value is not None}
        if len(given) > 1:
            raise _form_error("before", "BASE_TYPE_BAD_SET", "before, after and around are mutually exclusive.")
        if "history" in channel.bot_denied:
            return Response.json(200, [])
        ordered = self.state.messages(channel.id)
        if "before" in given:
            picked = [m for m in ordered if int(m.id) < given["before"]][-limit:]
        elif "after" in given:
            picked = [m for m in ordered if int(m.id) > given["after"]][:limit]
        elif "around" in given:
            index = next((i for i, m in enumerate(ordered) if int(m.id) >= given["around"]), len(ordered))
            start = max(0, index - limit // 2)
            picked = ordered[start : start + limit]
        else:
            picked = ordered[-limit:]
        return Response.json(200, [self.state.message_json(m) for m in reversed(picked)])

    def get_message(self, request: Request) -> Response:
        channel = self._channel(request, need="history")
        return Response.json(200, self.state.message_json(self._message(channel, request.params["message_id"])))

    def _validated(self, request: Request) -> dict[str, Any]:
        body = request.json_object()
        errors = validate_message_body(body)
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors)
        return body

    def create_message(self, request: Request) -> Response:
        channel = self._channel(request)
        if not channel.accepts_messages:
            raise DiscordError(400, 50008, "Cannot send messages in a non-text channel")
        if "send" in channel.bot_denied:
            raise DiscordError(403, 50013, "Missing Permissions")
        body = self._validated(request)
        d = self.state.discord
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce") is True:
            earlier = self.state.recent_nonce(d.bot_id, channel.id, str(nonce), NONCE_WINDOW)
            if earlier is not None:
                if earlier not in d.messages:
                    raise DiscordError(404, 10008, "Unknown Message")
                return Response.json(200, self.state.message_json(d.messages[earlier]))
        content = body.get("content") or ""
        embeds = list(body.get("embeds") or [])
        if is_empty_message(content, embeds):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        if channel.is_dm:
            recipient = d.users.get(channel.recipient_id or "")
            if recipient is None or recipient.dms_closed or recipient.bot:
                raise DiscordError(403, 50007, "Cannot send messages to this user")
        now = self.state.clock.now()
        allowed = body.get("allowed_mentions")
        message = Message(
            id=self.state.new_message_id(),
            channel_id=channel.id,
            author_id=d.bot_id,
            content=content,
            embeds=embeds,
            timestamp=now,
            nonce=nonce,
            allowed_mentions=allowed,
            mentions_pinged=compute_pings(content, allowed),
            flags=int(body.get("flags") or 0) & ALLOWED_CREATE_FLAGS,
        )
        d.messages[message.id] = message
        if nonce is not None:
            d.nonces[(d.bot_id, channel.id, str(nonce))] = (message.id, now)
        return Response.json(200, self.state.message_json(message))

    def edit_message(self, request: Request) -> Response:
        channel = self._channel(request)
        message = self._message(channel, request.params["message_id"])
        if message.author_id != self.state.discord.bot_id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        if message.edit_limited:
            raise DiscordError(
                400, 30046, "Maximum number of edits to messages older than 1 hour reached. Try again later"
            )
        body = self._validated(request)
        content = (body.get("content") or "") if "content" in body else message.content
        embeds = list(body.get("embeds") or []) if "embeds" in body else message.embeds
        if is_empty_message(content, embeds):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        allowed = body.get("allowed_mentions")
        message.content = content
        message.embeds = embeds
        message.allowed_mentions = allowed
        message.mentions_pinged = compute_pings(content, allowed)
        if "flags" in body:
            message.flags = int(body.get("flags") or 0) & ALLOWED_CREATE_FLAGS
        message.edited_timestamp = self.state.clock.now()
        return Response.json(200, self.state.message_json(message))

    def _remove(self, message: Message) -> None:
        del self.state.discord.messages[message.id]
        self.state.discord.deleted.append(message)

    def delete_message(self, request: Request) -> Response:
        channel = self._channel(request)
        message = self._message(channel, request.params["message_id"])
        if message.author_id != self.state.discord.bot_id and "manage_messages" in channel.bot_denied:
            raise DiscordError(403, 50013, "Missing Permissions")
        self._remove(message)
        return Response.empty()

    def bulk_delete(self, request: Request) -> Response:
        channel = self._channel(request)
        if channel.is_dm:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if "manage_messages" in channel.bot_denied:
            raise DiscordError(403, 50013, "Missing Permissions")
        ids = request.json_object().get("messages")
        if not isinstance(ids, list) or not all(isinstance(i, str | int) and str(i).isdigit() for i in ids):
            raise _form_error("messages", "BASE_TYPE_ARRAY", "Must be an array of snowflakes.")
        wanted = [str(i) for i in ids]
        if not 2 <= len(wanted) <= 100:
            raise DiscordError(
                400,
                50016,
                "Provided too few or too many messages to delete. "
                "Must provide at least 2 and fewer than 100 messages to delete.",
            )
        if len(set(wanted)) != len(wanted):
            raise _form_error("messages", "BASE_TYPE_UNIQUE", "Duplicate message ids are not allowed.")
        if any(self.state.message_age(i) > BULK_DELETE_MAX_AGE for i in wanted):
            raise DiscordError(400, 50034, "A message provided was too old to bulk delete")
        for message_id in wanted:
            message = self.state.discord.messages.get(message_id)
            if message is not None and message.channel_id == channel.id:
                self._remove(message)
        return Response.empty()

    # ------------------------------------------------------------ channels

    def set_voice_status(self, request: Request) -> Response:
        channel = self._channel(request)
        if not channel.is_voice:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if "voice_status" in channel.bot_denied:
            raise DiscordError(403, 50013, "Missing Permissions")
        status = request.json_object().get("status")
        if status is not None and not isinstance(status, str):
            raise _form_error("status", "BASE_TYPE_STRING", "Must be a string.")
        if status is not None and len(status) > MAX_VOICE_STATUS:
            raise _form_error("status", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_VOICE_STATUS} or fewer in length.")
        channel.voice_status = status or None
        return Response.empty()

    def put_overwrite(self, request: Request) -> Response:
        channel = self._channel(request)
        if channel.is_dm:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if "manage_roles" in channel.bot_denied:
            raise DiscordError(403, 50013, "Missing Permissions")
        body = request.json_object()
        kind = body.get("type")
        if kind not in (0, 1):
            raise _form_error("type", "BASE_TYPE_CHOICES", "Value must be one of {0, 1}.")
        overwrite: dict[str, Any] = {"id": request.params["overwrite_id"], "type": kind}
        for key in ("allow", "deny"):
            value = body.get(key, "0")
            if value is None:
                value = "0"
            if isinstance(value, bool) or not str(value).isdigit():
                raise _form_error(key, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
            overwrite[key] = str(int(value))
        channel.permission_overwrites[overwrite["id"]] = overwrite
        return Response.empty()
