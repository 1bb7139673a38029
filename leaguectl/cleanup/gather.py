"""Reading for a ``cleanup-commands`` pass: the rows, the admin channel, and the records in Discord.

Every active command and creator, screened (each unusable row one reported
problem); the admin channel; and the warning and deletion records the bot left
in creators' DMs and in the admin channel, read back as far as the stale
commands need. The records are what make a rerun safe (see :mod:`.apply`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from leaguectl.cleanup.planner import creator_of, reference_time
from leaguectl.cleanup.records import RecordIndex, RecordSource, records_in_message
from leaguectl.cleanup.screen import Screened, screen
from leaguectl.discord_rest import DiscordError, snowflake_at, snowflake_time
from leaguectl.errors import ConfigError, PermissionProblem, ServiceUnavailable
from leaguectl.league_api import RejectedRow
from leaguectl.models import CustomCommand, CustomCommandCreator

if TYPE_CHECKING:
    from leaguectl.discord_rest import JsonObject
    from leaguectl.passrun import PassContext

DM_SCAN_LIMIT = 500
"""Most messages read from one creator's DM channel when looking for records."""
ADMIN_SCAN_LIMIT = 1000
"""Most messages read from the admin channel; an older record counts as missing (warn again)."""


def read_screened(pc: PassContext, zone: tzinfo) -> Screened:
    """Every active command and every creator; each row that cannot be used is one reported problem."""
    rejected_commands: list[RejectedRow] = []
    rejected_creators: list[RejectedRow] = []
    commands = pc.league.custom_commands(is_active=True, rejected=rejected_commands)
    creators = pc.league.creators(rejected=rejected_creators)
    screened = screen(
        commands, creators, rejected_commands=rejected_commands, rejected_creators=rejected_creators, zone=zone
    )
    for problem in screened.problems:
        detail = {"field": problem.field, "command_id": problem.command_id, "creator_id": problem.creator_id}
        if problem.failed:
            pc.report.error(problem.message, item=problem.item, **detail)
        else:
            pc.report.warn(problem.message, item=problem.item, **detail)
    return screened


def admin_channel_of(pc: PassContext) -> JsonObject | None:
    """The first channel of ``ADMIN_CHANNELS`` that exists (by name or id)."""
    guild_id = pc.guild_id
    for name in pc.settings.admin_channels:
        try:
            channel = pc.discord.resolve_channel(guild_id, name)
        except DiscordError as error:
            raise _fatal_discord(error, f"listing the channels of guild {guild_id}") from error
        if channel is not None:
            return channel
    pc.report.warn(
        "no admin channel exists (ADMIN_CHANNELS: " + ", ".join(pc.settings.admin_channels) + "); "
        "creators who cannot be DMed cannot be warned"
    )
    return None


def _fatal_discord(error: DiscordError, what: str) -> Exception:
    if error.status == 404:
        return ConfigError("GUILD_ID", f"Discord does not know this guild while {what}: {error.message}")
    if error.status == 403:
        return PermissionProblem(f"the bot may not read guild data while {what}: {error.message}")
    return ServiceUnavailable(f"Discord failed while {what}: {error}")


def _minted(message: JsonObject) -> datetime | None:
    try:
        return snowflake_time(str(message.get("id")))
    except (ValueError, OverflowError):
        return None


def _scan(
    pc: PassContext,
    channel_id: str,
    since: datetime,
    limit: int,
    records: RecordIndex,
    bot_id: str,
    source: RecordSource,
    legacy_names: dict[str, int] | None = None,
) -> datetime:
    """Read the channel back to ``since`` (at most ``limit`` messages); returns how far back it read."""
    read = 0
    oldest = since
    for message in pc.discord.iter_messages(channel_id, after=snowflake_at(since), limit=limit):
        read += 1
        oldest = _minted(message) or oldest
        records.add(records_in_message(message, bot_id=bot_id, source=source, legacy_names=legacy_names))
    return oldest if read >= limit else since


def collect_dm_records(
    pc: PassContext,
    stale: Sequence[CustomCommand],
    creators: Sequence[CustomCommandCreator],
    records: RecordIndex,
    bot_id: str,
) -> None:
    """Read each concerned creator's DM channel back to the oldest last use among their stale commands."""
    by_id = {creator.id: creator for creator in creators}
    oldest: dict[str, datetime] = {}
    names: dict[str, dict[str, int]] = {}
    for command in stale:
        _, creator = creator_of(command, by_id)
        if creator is None:
            continue
        user_id = str(creator.discord_id)
        since = reference_time(command)
        oldest[user_id] = min(since, oldest.get(user_id, since))
        names.setdefault(user_id, {})[command.name.lower()] = command.id
    for user_id, since in sorted(oldest.items()):
        pc.checkpoint()
        _prefetch_membership(pc, user_id)
        try:
            channel_id = pc.discord.open_dm(user_id)
            _scan(pc, channel_id, since, DM_SCAN_LIMIT, records, bot_id, "dm", names[user_id])
        except DiscordError as error:
            pc.report.warn(f"cannot read the bot's DMs with user {user_id}: {error.message}", item=user_id)


def _prefetch_membership(pc: PassContext, user_id: str) -> None:
    """Look the creator's guild membership up now; the client keeps it for the reachability check.

    Opening DM channels is the slowest rate-limit bucket of a big cleanup (5 per second in
    the sandbox), and member lookups have a bucket of their own, so interleaving them with
    the DM opens costs no wall time, where doing them all in the apply step would add about
    a second per ten creators (``bench/RESULTS.md``). A failure here is left to the
    reachability check in :mod:`.creators`, which asks again and reports it.
    """
    with contextlib.suppress(DiscordError):
        pc.discord.guild_member(pc.guild_id, user_id)


def collect_admin_records(
    pc: PassContext,
    stale: Sequence[CustomCommand],
    admin_channel: JsonObject | None,
    records: RecordIndex,
    bot_id: str,
) -> datetime | None:
    """Read the admin channel for the stale commands' records; returns how far back it read.

    Far enough back for both questions the pass asks of it: the warning of a
    command no DM records (back to its last use), and whether an admin
    summary reported each DM warning (back to the oldest such DM). None when
    the channel was not read: then no earlier warning is reported.
    """
    if admin_channel is None:
        return None
    starts = []
    for command in stale:
        reference = reference_time(command)
        in_dms = records.since(command.id, "warned", since=reference, sources=("dm",))
        starts.append(in_dms[0].at if in_dms else reference)
    since = min(starts)
    try:
        return _scan(pc, str(admin_channel["id"]), since, ADMIN_SCAN_LIMIT, records, bot_id, "admin")
    except DiscordError as error:
        pc.report.warn(f"cannot read #{admin_channel.get('name')} for warning records: {error.message}")
        return None
