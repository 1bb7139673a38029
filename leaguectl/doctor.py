"""``leaguectl doctor``: check configuration, credentials, channels and permissions, read-only.

Every problem is reported by name (the setting, the channel, the missing
permission) and the pass exits 78 when any is found, so ``doctor`` can gate a
deployment in CI. Nothing is written anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leaguectl.errors import ExitCode, LeaguectlError
from leaguectl.passrun import PassContext
from leaguectl.redact import scrub

# Discord permission bits (platform.md §A.2)
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
CONNECT = 1 << 20
MANAGE_ROLES = 1 << 28
SET_VOICE_CHANNEL_STATUS = 1 << 48
ALL_PERMISSIONS = (1 << 53) - 1

PERMISSION_NAMES = {
    MANAGE_CHANNELS: "MANAGE_CHANNELS",
    VIEW_CHANNEL: "VIEW_CHANNEL",
    SEND_MESSAGES: "SEND_MESSAGES",
    MANAGE_MESSAGES: "MANAGE_MESSAGES",
    EMBED_LINKS: "EMBED_LINKS",
    READ_MESSAGE_HISTORY: "READ_MESSAGE_HISTORY",
    MANAGE_ROLES: "MANAGE_ROLES",
    SET_VOICE_CHANNEL_STATUS: "SET_VOICE_CHANNEL_STATUS",
}

POST = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY
REQUIRED_SETTINGS = ("discord_bot_token", "guild_id", "league_api_url", "league_api_token")


@dataclass(frozen=True)
class ChannelNeed:
    """A channel leaguectl uses, what for, and the permissions it needs there."""

    setting: str
    value: str
    used_by: str
    permissions: int


def channel_permissions(
    *,
    guild_id: str,
    member_roles: Iterable[str],
    roles: Iterable[Mapping[str, Any]],
    overwrites: Iterable[Mapping[str, Any]],
    member_id: str,
    is_owner: bool = False,
) -> int:
    """Discord's permission algorithm: base role permissions, then channel overwrites."""
    if is_owner:
        return ALL_PERMISSIONS
    role_perms = {str(role["id"]): int(role.get("permissions") or 0) for role in roles}
    mine = set(member_roles)
    base = role_perms.get(guild_id, 0)
    for role_id in mine:
        base |= role_perms.get(role_id, 0)
    if base & ADMINISTRATOR:
        return ALL_PERMISSIONS
    by_id = {str(o["id"]): o for o in overwrites}
    perms = base
    everyone = by_id.get(guild_id)
    if everyone is not None:
        perms = (perms & ~int(everyone.get("deny") or 0)) | int(everyone.get("allow") or 0)
    allow = deny = 0
    for overwrite_id, overwrite in by_id.items():
        if overwrite_id in mine and int(overwrite.get("type", 0)) == 0:
            allow |= int(overwrite.get("allow") or 0)
            deny |= int(overwrite.get("deny") or 0)
    perms = (perms & ~deny) | allow
    member = by_id.get(member_id)
    if member is not None and int(member.get("type", 1)) == 1:
        perms = (perms & ~int(member.get("deny") or 0)) | int(member.get("allow") or 0)
    if not perms & VIEW_CHANNEL:
        return 0
    return perms


def missing_permissions(have: int, need: int) -> list[str]:
    """Names of the permission bits in ``need`` that ``have`` lacks."""
    return [name for bit, name in PERMISSION_NAMES.items() if need & bit and not have & bit]


def _channel_needs(ctx: PassContext) -> list[ChannelNeed]:
    s = ctx.settings
    needs = [
        ChannelNeed("TRANSACTION_LOG_CHANNEL", s.transaction_log_channel, "freeze-begin, thaw", POST),
        ChannelNeed("WEEKLY_INFO_CHANNEL", s.weekly_info_channel, "freeze-begin", POST),
        ChannelNeed("LIVE_SCORES_CHANNEL", s.live_scores_channel, "scorebug-tick", POST | MANAGE_ROLES),
    ]
    if s.tasks_channel_id:
        needs.append(ChannelNeed("TASKS_CHANNEL_ID", s.tasks_channel_id, "run-due-tasks", POST))
    if s.heartbeat_log_channel_id:
        needs.append(ChannelNeed("HEARTBEAT_LOG_CHANNEL_ID", s.heartbeat_log_channel_id, "run-due-tasks", POST))
    if s.alert_channel and s.alert_channel.lower() != "owner":
        needs.append(ChannelNeed("ALERT_CHANNEL", s.alert_channel, "failure alerts", POST))
    return needs


def _check(ctx: PassContext, name: str, ok: bool, detail: str) -> None:
    checks: list[dict[str, str]] = ctx.report.details.setdefault("checks", [])
    checks.append({"check": name, "status": "ok" if ok else "problem", "detail": detail})
    if not ok:
        ctx.report.error(detail, item=name)


def check_settings(ctx: PassContext) -> bool:
    """Required settings are present; optional features say whether they are configured."""
    from leaguectl.settings import env_name

    complete = True
    for name in REQUIRED_SETTINGS:
        value = getattr(ctx.settings, name)
        if value is None:
            complete = False
            _check(ctx, env_name(name), False, f"{env_name(name)} is not set (every scheduled command needs it)")
        else:
            _check(ctx, env_name(name), True, "set")
    if not ctx.settings.tasks_channel_id:
        ctx.report.warn("TASKS_CHANNEL_ID is not set: run-due-tasks and tasks … will refuse to run")
    _check_optional_files(ctx)
    return complete


def _check_optional_files(ctx: PassContext) -> None:
    creds = ctx.settings.google_sheets_credentials
    if creds is None:
        ctx.report.warn("GOOGLE_SHEETS_CREDENTIALS is not set: scorebug-tick cannot read scorecards")
    else:
        problem = _credentials_problem(creds)
        _check(ctx, "GOOGLE_SHEETS_CREDENTIALS", problem is None, problem or f"{creds} is a service-account file")
    for setting, path, key in (
        ("SCORECARDS_FILE", ctx.settings.scorecards_file, "scorecards"),
        ("VOICE_CHANNELS_FILE", ctx.settings.voice_channels_file, "voice_channels"),
    ):
        if not path.exists():
            ctx.report.warn(f"{setting}: {path} does not exist (no published games)")
            continue
        problem = _json_file_problem(path, key)
        _check(ctx, setting, problem is None, problem or f"{path} is readable")


def _credentials_problem(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return f"GOOGLE_SHEETS_CREDENTIALS: cannot read {path}: {exc.strerror}"
    except ValueError:
        return f"GOOGLE_SHEETS_CREDENTIALS: {path} is not JSON"
    keys = ("client_email", "private_key", "token_uri")
    missing = [key for key in keys if not isinstance(data, dict) or key not in data]
    if missing:
        return f"GOOGLE_SHEETS_CREDENTIALS: {path} lacks {', '.join(missing)} (not a service-account key)"
    return None


def _json_file_problem(path: Path, key: str) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror}"
    except ValueError as exc:
        return f"{path} is not valid JSON: {exc}"
    if not isinstance(data, dict) or not isinstance(data.get(key, {}), dict):
        return f"{path}: expected an object with a {key!r} object"
    return None


def check_discord(ctx: PassContext) -> None:
    """Token, guild, every configured channel and the bot's permissions there."""
    from leaguectl.discord_rest import DiscordError

    discord = ctx.discord
    try:
        me = discord.current_user()
    except LeaguectlError as exc:
        _check(ctx, "DISCORD_BOT_TOKEN", False, scrub(str(exc)))
        return
    bot_id = str(me["id"])
    _check(ctx, "DISCORD_BOT_TOKEN", True, f"valid: logged in as {me.get('username', bot_id)} ({bot_id})")
    guild_id = ctx.guild_id
    try:
        discord.guild_channels(guild_id)
        roles = discord.guild_roles(guild_id)
        member = discord.guild_member(guild_id, bot_id)
    except DiscordError as exc:
        _check(ctx, "GUILD_ID", False, f"GUILD_ID {guild_id}: cannot read the guild ({exc})")
        return
    if member is None:
        _check(ctx, "GUILD_ID", False, f"GUILD_ID {guild_id}: the bot is not a member of this guild")
        return
    _check(ctx, "GUILD_ID", True, f"guild {guild_id} reachable")
    member_roles = [str(r) for r in member.get("roles", [])]
    for need in _channel_needs(ctx):
        _check_channel(ctx, need, guild_id, bot_id, member_roles, roles)
    _check_admin_channel(ctx, guild_id)


def _check_channel(
    ctx: PassContext, need: ChannelNeed, guild_id: str, bot_id: str, member_roles: list[str], roles: list[Any]
) -> None:
    channel = ctx.discord.resolve_channel(guild_id, need.value, types=(0, 5))
    label = f"{need.setting}={need.value}"
    if channel is None:
        _check(ctx, need.setting, False, f"{label}: no text channel with this name or id (used by {need.used_by})")
        return
    have = channel_permissions(
        guild_id=guild_id,
        member_roles=member_roles,
        roles=roles,
        overwrites=channel.get("permission_overwrites", []),
        member_id=bot_id,
    )
    missing = missing_permissions(have, need.permissions)
    if not missing and need.setting == "LIVE_SCORES_CHANNEL":
        hidden = _as_hidden(channel.get("permission_overwrites", []), guild_id)
        kept = channel_permissions(
            guild_id=guild_id, member_roles=member_roles, roles=roles, overwrites=hidden, member_id=bot_id
        )
        lost = missing_permissions(kept, POST)
        if lost:
            missing = [f"{', '.join(lost)} once the channel is hidden from @everyone (add an overwrite for the bot)"]
    if missing:
        _check(ctx, need.setting, False, f"{label}: the bot lacks {', '.join(missing)} (used by {need.used_by})")
    else:
        _check(ctx, need.setting, True, f"#{channel.get('name')} ({channel['id']}): permissions ok")


def _as_hidden(overwrites: Iterable[Mapping[str, Any]], guild_id: str) -> list[Mapping[str, Any]]:
    """The overwrites as they are once scorebug-tick hides the channel (@everyone denied VIEW)."""
    others = [o for o in overwrites if str(o.get("id")) != guild_id]
    return [*others, {"id": guild_id, "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)}]


def _check_admin_channel(ctx: PassContext, guild_id: str) -> None:
    for name in ctx.settings.admin_channels:
        channel = ctx.discord.resolve_channel(guild_id, name)
        if channel is not None:
            _check(ctx, "ADMIN_CHANNELS", True, f"summaries go to #{channel.get('name')}")
            return
    ctx.report.warn(f"ADMIN_CHANNELS: none of {', '.join(ctx.settings.admin_channels)} exists; no admin summaries")


def check_league(ctx: PassContext) -> None:
    """The league API answers and has a ``current`` row."""
    try:
        current = ctx.league.get_current()
    except LeaguectlError as exc:
        _check(ctx, "LEAGUE_API_URL", False, f"league API: {scrub(str(exc))}")
        return
    _check(
        ctx,
        "LEAGUE_API_URL",
        True,
        f"current: season {current.season}, week {current.week}, freeze {'on' if current.freeze else 'off'}",
    )


def run_doctor(ctx: PassContext) -> None:
    """All checks; problems make the pass exit 78."""
    complete = check_settings(ctx)
    if ctx.settings.discord_bot_token is not None and ctx.settings.guild_id is not None:
        check_discord(ctx)
    if ctx.settings.league_api_url is not None and ctx.settings.league_api_token is not None:
        check_league(ctx)
    problems = len(ctx.report.errors)
    ctx.report.summary = "all checks passed" if problems == 0 and complete else f"{problems} problem(s) found"
    if problems:
        ctx.report.exit_code = ExitCode.CONFIG
