"""Failure alerts to ALERT_CHANNEL, deduplicated, with recovery notes.

Alerts are opt-in: with ALERT_CHANNEL unset nothing is posted, so a failed pass
changes nothing in Discord beyond its own work. ALERT_CHANNEL is a channel name
or id, or ``owner`` for a DM to the application owner (the team owner for team
applications).

Dedup state lives where the alerts do: the bot's own recent messages in the
alert channel carry a marker line ``leaguectl-alert <command> <fingerprint>``
(or ``leaguectl-recovered <command>``). A failure whose fingerprint matches the
newest marker of that command within ALERT_COOLDOWN_MINUTES is not repeated;
the first success after an alert posts one "recovered" message.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from leaguectl.redact import scrub

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient
    from leaguectl.ops.passview import PassView
    from leaguectl.report import Report

log = logging.getLogger("leaguectl.ops")

ALERT_MARK = "leaguectl-alert"
RECOVERED_MARK = "leaguectl-recovered"
SCAN_LIMIT = 50
_MARKER = re.compile(rf"`({ALERT_MARK}|{RECOVERED_MARK}) (\S+)(?: (\w+))?`")


@dataclass(frozen=True)
class Marker:
    """The newest alert-state marker of one command in the alert channel."""

    kind: str
    fingerprint: str | None
    posted_at: datetime
    message_id: str


def fingerprint(command: str, exit_code: int, message: str) -> str:
    """Same command, exit code and first error (digits ignored) → same fingerprint."""
    normalized = re.sub(r"\d+", "#", message)[:200]
    return hashlib.sha256(f"{command}|{exit_code}|{normalized}".encode()).hexdigest()[:12]


OWNER = "owner"
# Under --dry-run nothing is posted and no DM channel is opened (SPEC §3.4).
DRY_RUN_SEND = "would send (dry run: nothing posted)"
DRY_RUN_OWNER = "would send to the owner's DMs (dry run: no DM channel opened, nothing posted)"


def _to_owner(ctx: PassView) -> bool:
    return (ctx.settings.alert_channel or OWNER).lower() == OWNER


def alert_channel_id(ctx: PassView) -> str:
    """ALERT_CHANNEL's channel id: a guild channel by name or id, or the owner's DM channel for ``owner``."""
    discord = ctx.discord
    if ctx.settings.alert_channel and ctx.settings.alert_channel.lower() != OWNER:
        channel = discord.resolve_channel(ctx.guild_id, ctx.settings.alert_channel)
        if channel is None:
            raise LookupError(f"ALERT_CHANNEL {ctx.settings.alert_channel!r} does not exist")
        return str(channel["id"])
    return discord.open_dm(discord.application_owner_id())


def newest_marker(discord: DiscordClient, channel_id: str, bot_id: str, command: str) -> Marker | None:
    """The newest alert or recovery marker the bot posted for ``command``."""
    from leaguectl.discord_limits import snowflake_time

    for message in discord.iter_messages(channel_id, limit=SCAN_LIMIT):
        if str(message.get("author", {}).get("id")) != bot_id:
            continue
        for match in _MARKER.finditer(str(message.get("content") or "")):
            if match[2] == command:
                message_id = str(message["id"])
                return Marker(match[1], match[3], posted_at=snowflake_time(message_id), message_id=message_id)
    return None


def failure_text(command: str, report: Report, fp: str) -> str:
    code = int(report.final_exit_code)
    lines = [f"⚠️ **leaguectl {command} failed** (exit {code})"]
    for entry in report.errors[:5]:
        item = f"[{entry['item']}] " if entry.get("item") else ""
        lines.append(f"- {item}{entry['message']}"[:300])
    if len(report.errors) > 5:
        lines.append(f"- and {len(report.errors) - 5} more")
    lines.append(f"`{ALERT_MARK} {command} {fp}`")
    return scrub("\n".join(lines))[:1900]


def recovery_text(command: str) -> str:
    return f"✅ **leaguectl {command} recovered**: the last pass succeeded.\n`{RECOVERED_MARK} {command}`"


def send_failure_alert(ctx: PassView, command: str, report: Report) -> str:
    """Post a failure alert unless the same one was posted within the cooldown. Returns what happened."""
    first = report.errors[0]["message"] if report.errors else f"exit {int(report.final_exit_code)}"
    fp = fingerprint(command, int(report.final_exit_code), first)
    if ctx.dry_run and _to_owner(ctx):
        return DRY_RUN_OWNER  # opening the owner's DM channel is itself a change
    channel_id = alert_channel_id(ctx)
    bot_id = str(ctx.discord.current_user()["id"])
    marker = newest_marker(ctx.discord, channel_id, bot_id, command)
    cooldown = timedelta(minutes=ctx.settings.alert_cooldown_minutes)
    if marker and marker.kind == ALERT_MARK and marker.fingerprint == fp and ctx.now - marker.posted_at < cooldown:
        return "suppressed (same failure already alerted)"
    if ctx.dry_run:
        return DRY_RUN_SEND
    from leaguectl.discord_rest import identity_nonce

    nonce = identity_nonce("alert", ctx.guild_id, command, fp, marker.message_id if marker else "-")
    ctx.discord.create_message(channel_id, content=failure_text(command, report, fp), nonce=nonce)
    return "sent"


def send_recovery_if_alerted(ctx: PassView, command: str) -> str:
    """After a success: post one "recovered" note if the newest marker is a failure alert."""
    if ctx.dry_run and _to_owner(ctx):
        return DRY_RUN_OWNER
    channel_id = alert_channel_id(ctx)
    bot_id = str(ctx.discord.current_user()["id"])
    marker = newest_marker(ctx.discord, channel_id, bot_id, command)
    if marker is None or marker.kind != ALERT_MARK:
        return "nothing to recover"
    if ctx.dry_run:
        return DRY_RUN_SEND
    from leaguectl.discord_rest import identity_nonce

    nonce = identity_nonce("recovery", ctx.guild_id, command, marker.message_id)
    ctx.discord.create_message(channel_id, content=recovery_text(command), nonce=nonce)
    return "sent"


def send_unit_alert(ctx: PassView, unit: str) -> str:
    """systemd OnFailure= backstop: alert unless the pass already reported its own exit code."""
    environ = ctx.runtime.environ
    result = environ.get("MONITOR_SERVICE_RESULT", "")
    if ctx.settings.alert_channel is None:
        return "quiet: ALERT_CHANNEL is not set"
    if result == "exit-code":
        return "quiet: the pass reported its own failure"
    from leaguectl.report import Report

    unit = unit.strip() or environ.get("MONITOR_UNIT", "").strip() or "leaguectl (unknown unit)"
    # leaguectl-thaw@east.service (several leagues on one host) alerts as "thaw".
    command = unit.removeprefix("leaguectl-").removesuffix(".service").split("@")[0]
    report = Report(command=command, now=ctx.now)
    detail = f"systemd unit {unit} failed: result {result or 'unknown'}, exit status "
    report.error(detail + (environ.get("MONITOR_EXIT_STATUS") or "unknown"))
    report.exit_code = None
    return send_failure_alert(ctx, command, report)
