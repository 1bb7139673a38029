"""One ``cleanup-commands`` pass: read, recover warning records, plan, apply, summarise.

Ordering (docs/cleanup.md §Crash safety): for a reachable creator the warning
DM is sent first and the commands are marked after it, so the DM is the
durable record; a crash in between leaves commands with a record but
``warning_sent`` false, which the next pass marks without DMing again. For an
unreachable creator the admin summary is the record, so those commands are
marked only after the summary is posted. A deletion DM (carrying a
``deleted`` marker) is sent before the deletions, and a rerun that finds it
deletes without announcing twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from leaguectl.cleanup.messages import (
    SummaryFacts,
    Unreachable,
    deletion_messages,
    summary_embeds,
    warning_messages,
)
from leaguectl.cleanup.planner import (
    CleanupPlan,
    CommandDecision,
    CreatorPlan,
    Thresholds,
    creator_of,
    is_stale,
    local_date,
    plan_cleanup,
    reference_time,
)
from leaguectl.cleanup.records import RecordIndex, RecordSource, records_in_message
from leaguectl.discord_rest import DiscordError, snowflake_at
from leaguectl.errors import ConfigError, PermissionProblem, RateLimitedTooLong, ServiceUnavailable
from leaguectl.league_api import LeagueError
from leaguectl.models import CustomCommand, CustomCommandCreator

if TYPE_CHECKING:
    from leaguectl.discord_rest import JsonObject
    from leaguectl.passrun import PassContext

log = logging.getLogger("leaguectl.cleanup")

PROGRESS_MIN_CREATORS = 5
"""A progress bar is drawn (on a terminal) only from this many creators to process."""
DM_SCAN_LIMIT = 500
"""Most messages read from one creator's DM channel when looking for records."""
ADMIN_SCAN_LIMIT = 1000
"""Most messages read from the admin channel; an older record counts as missing (warn again)."""


@dataclass
class Outcome:
    """What the pass did, for the admin summary and the report."""

    warned: list[CommandDecision] = field(default_factory=list)
    users_notified: int = 0
    pending_marks: list[CommandDecision] = field(default_factory=list)
    deleted: list[CommandDecision] = field(default_factory=list)
    unreachable: list[Unreachable] = field(default_factory=list)


# --------------------------------------------------------------------------- entry point


def run_cleanup(pc: PassContext) -> None:
    """The whole pass. Per-item problems are reported and the other items go on."""
    settings = pc.settings
    zone = settings.league_timezone
    thresholds = Thresholds.from_settings(settings)
    now = pc.now
    commands = pc.league.custom_commands(is_active=True)
    creators = pc.league.creators()
    stale = [command for command in commands if is_stale(command, now, zone, thresholds)]
    admin_channel = _admin_channel(pc) if stale else None
    records = RecordIndex()
    if stale:
        bot_id = str(pc.discord.current_user()["id"])
        _collect_dm_records(pc, stale, creators, records, bot_id)
        _collect_admin_records(pc, stale, admin_channel, records, bot_id)
    plan = plan_cleanup(commands, creators, records, now=now, zone=zone, thresholds=thresholds)
    _report_plan(pc, plan)
    outcome = Outcome()
    work = [creator_plan for creator_plan in plan.creators if creator_plan.has_work]
    with _progress(pc, len(work)) as advance:
        for creator_plan in work:
            pc.checkpoint()
            _apply_creator(pc, creator_plan, thresholds, outcome)
            advance(creator_plan.label)
    posted = _post_summary(pc, plan, outcome, admin_channel)
    _mark_recorded_by_summary(pc, outcome, posted)
    pc.report.summary = _summary_line(plan, outcome, pc.dry_run)


# --------------------------------------------------------------------------- reading


def _admin_channel(pc: PassContext) -> JsonObject | None:
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


def _scan(
    pc: PassContext,
    channel_id: str,
    since: datetime,
    limit: int,
    records: RecordIndex,
    bot_id: str,
    source: RecordSource,
    legacy_names: dict[str, int] | None = None,
) -> None:
    for message in pc.discord.iter_messages(channel_id, after=snowflake_at(since), limit=limit):
        records.add(records_in_message(message, bot_id=bot_id, source=source, legacy_names=legacy_names))


def _collect_dm_records(
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
    """Look the creator's guild membership up now; the client keeps it for :func:`_reachability`.

    Opening DM channels is the slowest rate-limit bucket of a big cleanup (5 per second in
    the sandbox), and member lookups have a bucket of their own, so interleaving them with
    the DM opens costs no wall time, where doing them all in the apply step would add about
    a second per ten creators (``bench/RESULTS.md``). A failure here is left to
    :func:`_reachability`, which asks again and reports it.
    """
    with contextlib.suppress(DiscordError):
        pc.discord.guild_member(pc.guild_id, user_id)


def _collect_admin_records(
    pc: PassContext,
    stale: Sequence[CustomCommand],
    admin_channel: JsonObject | None,
    records: RecordIndex,
    bot_id: str,
) -> None:
    """Read the admin channel for the stale commands whose warning no DM records."""
    missing = [
        command for command in stale if records.latest(command.id, "warned", since=reference_time(command)) is None
    ]
    if not missing or admin_channel is None:
        return
    since = min(reference_time(command) for command in missing)
    try:
        _scan(pc, str(admin_channel["id"]), since, ADMIN_SCAN_LIMIT, records, bot_id, "admin")
    except DiscordError as error:
        pc.report.warn(f"cannot read #{admin_channel.get('name')} for warning records: {error.message}")


def _report_plan(pc: PassContext, plan: CleanupPlan) -> None:
    waiting = [
        {"command": decision.name, "idle_days": decision.idle_days, "deletion_date": decision.deletion_date.isoformat()}
        for creator_plan in plan.creators
        for decision in creator_plan.wait
    ]
    if waiting:
        pc.report.details["warned, awaiting deletion"] = waiting


# --------------------------------------------------------------------------- applying


def _is_fatal(error: Exception) -> bool:
    """Errors that no other item would survive either: let them end the pass."""
    return isinstance(error, ServiceUnavailable | PermissionProblem | RateLimitedTooLong)


RETRY = "retry-next-run"
"""Reachability when Discord failed unexpectedly: neither warn nor delete this creator's commands now."""


def _reachability(pc: PassContext, creator_plan: CreatorPlan) -> str | None:
    """None when the creator may be DMed, else why not (``no-creator``, ``left-guild``, :data:`RETRY`)."""
    user_id = creator_plan.discord_id
    if user_id is None:
        return "no-creator"
    if not (creator_plan.warn or creator_plan.deletion_notices):
        return None
    try:
        member = pc.discord.guild_member(pc.guild_id, user_id)
    except DiscordError as error:
        pc.report.error(f"cannot check guild membership, retried next run: {error.message}", item=creator_plan.label)
        return RETRY
    return "left-guild" if member is None else None


def _apply_creator(pc: PassContext, creator_plan: CreatorPlan, thresholds: Thresholds, outcome: Outcome) -> None:
    label = creator_plan.label
    for decision in creator_plan.mark:
        if _mark(pc, decision, label):
            pc.report.action("mark-warned", decision.name, creator=label, reason=decision.reason)
    reason = _reachability(pc, creator_plan)
    if reason == RETRY:
        return
    recorded_by_summary = 0
    if creator_plan.warn:
        reason, recorded_by_summary = _warn(pc, creator_plan, reason, outcome)
        if reason == RETRY:
            return
    unannounced = 0
    if creator_plan.delete:
        reason, unannounced = _delete(pc, creator_plan, thresholds, reason, outcome)
    if reason is not None and reason != RETRY and (recorded_by_summary or unannounced):
        effects = []
        if recorded_by_summary:
            effects.append(f"{recorded_by_summary} warning(s) recorded by the admin summary instead")
        if unannounced:
            effects.append(f"{unannounced} deletion(s) not announced")
        pc.report.warn(f"creator cannot be DMed ({reason}): {'; '.join(effects)}", item=label)
        outcome.unreachable.append(Unreachable(label, reason, recorded_by_summary + unannounced))
    log.info(
        "cleanup: %s: planned %d warning(s), %d mark(s), %d deletion(s)",
        label,
        len(creator_plan.warn),
        len(creator_plan.mark),
        len(creator_plan.delete),
    )


def _listed(embeds: list[dict[str, Any]]) -> str:
    """What a cleanup message lists (titles, descriptions, field names): its identity, without timestamps."""
    return repr([
        (embed.get("title"), embed.get("description"), tuple(f.get("name") for f in embed.get("fields") or []))
        for embed in embeds
    ])


def _dm_nonce(pc: PassContext, user_id: str, embeds: list[dict[str, Any]]) -> str:
    from leaguectl.discord_rest import identity_nonce

    return identity_nonce("cleanup-dm", pc.guild_id, user_id, _listed(embeds))


def _send_dm(pc: PassContext, user_id: str, embeds: list[dict[str, Any]], label: str) -> str | None:
    """Send one DM; None when delivered, else why not (:data:`RETRY` on an unexpected Discord error)."""
    try:
        result = pc.discord.send_dm(user_id, embeds=embeds, nonce=_dm_nonce(pc, user_id, embeds))
    except DiscordError as error:
        pc.report.error(f"DM failed, retried next run: {error}", item=label)
        return RETRY
    if result.delivered:
        return None
    return result.reason or "undeliverable"


def _warn(
    pc: PassContext, creator_plan: CreatorPlan, reason: str | None, outcome: Outcome
) -> tuple[str | None, int]:
    """DM first (the record), then mark; what cannot be DMed is recorded by the admin summary.

    Returns the creator's reachability and how many warnings the summary must record.
    """
    label = creator_plan.label
    pending = list(creator_plan.warn)
    if reason is None and creator_plan.discord_id is not None:
        if pc.dry_run:
            _note_warned(pc, pending, label, "dm")
            outcome.warned.extend(pending)
            outcome.users_notified += 1
            return None, 0
        delivered = False
        for message in warning_messages(pending, now=pc.now, zone=pc.settings.league_timezone):
            reason = _send_dm(pc, creator_plan.discord_id, message.embeds, label)
            if reason is not None:
                break
            delivered = True
            pc.report.action("dm-warning", label, commands=len(message.decisions))
            _note_warned(pc, message.decisions, label, "dm")
            outcome.warned.extend(message.decisions)
            for decision in message.decisions:
                pending.remove(decision)
                if not decision.command.warning_sent:
                    _mark(pc, decision, label)
        if delivered:
            outcome.users_notified += 1
        if reason is None or reason == RETRY:
            return reason, 0
    _note_warned(pc, pending, label, "admin-summary")
    outcome.warned.extend(pending)
    outcome.pending_marks.extend(pending)
    return reason, len(pending)


def _note_warned(pc: PassContext, decisions: Sequence[CommandDecision], label: str, via: str) -> None:
    for decision in decisions:
        pc.report.action(
            "warn",
            decision.name,
            creator=label,
            idle_days=decision.idle_days,
            deletion_date=decision.deletion_date.isoformat(),
            via=via,
            reason=decision.reason,
        )


def _mark(pc: PassContext, decision: CommandDecision, label: str) -> bool:
    """Set ``warning_sent`` (the client re-reads and PUTs the full row); False when it failed."""
    if pc.dry_run:
        return True
    try:
        pc.league.mark_command_warned(decision.command.id)
    except LeagueError as error:
        if _is_fatal(error):
            raise
        pc.report.error(f"could not mark as warned: {error}", item=decision.name, creator=label)
        return False
    return True


def _delete(
    pc: PassContext, creator_plan: CreatorPlan, thresholds: Thresholds, reason: str | None, outcome: Outcome
) -> tuple[str | None, int]:
    """Announce first (the DM carries a ``deleted`` marker), then delete each command.

    An unexpected DM failure postpones this creator's deletions to the next
    run, so the announcement is retried rather than lost. Returns the
    creator's reachability and how many deletions went unannounced.
    """
    label = creator_plan.label
    zone = pc.settings.league_timezone
    notices = creator_plan.deletion_notices
    if notices and reason is None and creator_plan.discord_id is not None:
        if pc.dry_run:
            pc.report.action("dm-deletion", label, commands=len(notices))
        else:
            for message in deletion_messages(notices, now=pc.now, thresholds=thresholds):
                reason = _send_dm(pc, creator_plan.discord_id, message.embeds, label)
                if reason is not None:
                    break
                pc.report.action("dm-deletion", label, commands=len(message.decisions))
    if reason == RETRY:
        return reason, 0
    for decision in creator_plan.delete:
        pc.checkpoint()
        if not pc.dry_run:
            try:
                gone_now = pc.league.delete_custom_command(decision.command.id)
            except LeagueError as error:
                if _is_fatal(error):
                    raise
                pc.report.error(f"could not delete: {error}", item=decision.name, creator=label)
                continue
            if not gone_now:
                pc.report.skip("already deleted", item=decision.name)
                continue
        pc.report.action(
            "delete",
            decision.name,
            creator=label,
            idle_days=decision.idle_days,
            warned_on=None if decision.warning is None else local_date(decision.warning.at, zone).isoformat(),
        )
        outcome.deleted.append(decision)
    unannounced = len(notices) if reason is not None else 0
    return reason, unannounced


# --------------------------------------------------------------------------- admin summary


def _post_summary(pc: PassContext, plan: CleanupPlan, outcome: Outcome, channel: JsonObject | None) -> bool:
    """Post the summary when something happened; True when it is there to serve as a record."""
    facts = SummaryFacts(
        today=plan.today,
        warned=outcome.warned,
        users_notified=outcome.users_notified,
        deleted=outcome.deleted,
        recorded_here=len(outcome.pending_marks),
        unreachable=outcome.unreachable,
        active_commands=plan.active_commands - len(outcome.deleted),
        total_creators=plan.total_creators,
    )
    if not facts.anything_happened:
        return False
    if channel is None:
        return False
    target = f"#{channel.get('name') or channel.get('id')}"
    messages = summary_embeds(facts, now=pc.now, zone=pc.settings.league_timezone)
    if not pc.dry_run:
        from leaguectl.discord_rest import identity_nonce

        for number, embeds in enumerate(messages):
            nonce = identity_nonce("cleanup-summary", pc.guild_id, number, _listed(embeds))
            try:
                pc.discord.create_message(str(channel["id"]), embeds=embeds, nonce=nonce)
            except DiscordError as error:
                pc.report.error(f"admin summary not posted: {error}", item=target)
                return False
    pc.report.action("admin-summary", target, warned=len(facts.warned), deleted=len(facts.deleted))
    return True


def _mark_recorded_by_summary(pc: PassContext, outcome: Outcome, posted: bool) -> None:
    """Mark the unreachable creators' commands, now that the summary records their warning."""
    for decision in outcome.pending_marks:
        if decision.command.warning_sent:
            continue
        if not posted:
            pc.report.skip(
                "not marked as warned: no admin summary was posted to record the warning; retried next run",
                item=decision.name,
            )
            continue
        pc.checkpoint()
        if _mark(pc, decision, "admin summary"):
            pc.report.action("mark-warned", decision.name, via="admin-summary")


def _summary_line(plan: CleanupPlan, outcome: Outcome, dry_run: bool) -> str:
    waiting = sum(len(creator_plan.wait) for creator_plan in plan.creators)
    prefix = "would have " if dry_run else ""
    return (
        f"{prefix}warned {len(outcome.warned)} command(s) ({outcome.users_notified} creator(s) DMed), "
        f"deleted {len(outcome.deleted)}; {waiting} warned command(s) awaiting their deletion date; "
        f"{plan.active_commands - len(outcome.deleted)} active command(s)"
    )


# --------------------------------------------------------------------------- progress


@contextmanager
def _progress(pc: PassContext, total: int) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on a terminal with many creators; otherwise log lines only."""
    if total < PROGRESS_MIN_CREATORS or not pc.runtime.stdout_is_terminal():
        yield lambda label: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(file=pc.runtime.stdout)
    columns = (TextColumn("cleanup"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=total)

        def advance(label: str) -> None:
            progress.update(task, advance=1, description=label)

        yield advance
