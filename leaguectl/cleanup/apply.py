"""One ``cleanup-commands`` pass: read, screen, recover records, plan, apply, summarise.

Order of writes (docs/cleanup.md §Crash safety), each step the record the
next run needs if the pass stops right after it:

1. Per creator: the marks of warnings already recorded; each warning DM, then
   the marks of the commands it names (the DM is the record); the deletion
   DM (it carries a ``deleted`` marker).
2. The admin summary: this pass's warnings and deletions, and the warnings of
   an earlier pass that stopped before its own summary (issue 16.11).
3. The deletions. They come after the summary, so a deletion is never made
   without a record the admins will read: a pass that stops before the
   summary has deleted nothing, and the next one deletes and reports; a pass
   that stops among the deletions has reported them all already.
4. The marks of warnings only the summary records (creators who cannot be
   DMed).

Every message carries a nonce derived from what it is about (kind, guild,
recipient, command ids), so a retry, a rerun within Discord's nonce window or
a second host running the same pass at once cannot post it twice (SPEC §1.8).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import Enum
from typing import TYPE_CHECKING, Any

from leaguectl.cleanup.messages import (
    Listed,
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
    deletion_summarised,
    is_stale,
    plan_cleanup,
    reference_time,
    unsummarised_warning,
)
from leaguectl.cleanup.records import RecordIndex, RecordSource, records_in_message
from leaguectl.cleanup.screen import Screened, screen
from leaguectl.cleanup.text import display
from leaguectl.discord_rest import DiscordError, identity_nonce, snowflake_at, snowflake_time
from leaguectl.errors import ConfigError, PermissionProblem, RateLimitedTooLong, ServiceUnavailable
from leaguectl.league_api import LeagueError, RejectedRow
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
DRY_RUN_DM_NOTE = (
    "dry run: the creators' DM channels were not read (opening one is a write); warning records come from "
    "the admin summaries only, so a warning that only a DM records (an earlier pass stopped before its "
    "summary) shows as 'warn' here, where a real pass would only mark it"
)


@dataclass
class Outcome:
    """What the pass did (or, under --dry-run, would do), for the admin summary and the report."""

    warned: list[Listed] = field(default_factory=list)
    users_notified: int = 0
    pending_marks: list[CommandDecision] = field(default_factory=list)
    deletions: list[tuple[CreatorPlan, CommandDecision]] = field(default_factory=list)
    deleted: int = 0
    unreachable: list[Unreachable] = field(default_factory=list)


class Summary(Enum):
    """What became of the admin summary."""

    NOT_NEEDED = "nothing happened"
    NO_CHANNEL = "no admin channel"
    POSTED = "posted"
    FAILED = "failed"


# --------------------------------------------------------------------------- entry point


def run_cleanup(pc: PassContext) -> None:
    """The whole pass. Per-item problems are reported and the other items go on."""
    settings = pc.settings
    zone = settings.league_timezone
    thresholds = Thresholds.from_settings(settings)
    now = pc.now  # the pass's one reference instant; every decision uses it
    screened = _read(pc, zone)
    stale = [command for command in screened.commands if is_stale(command, now, zone, thresholds)]
    admin_channel = _admin_channel(pc) if stale else None
    records = RecordIndex()
    floor: datetime | None = None
    if stale:
        bot_id = str(pc.discord.current_user()["id"])
        if pc.dry_run:
            pc.report.skip(DRY_RUN_DM_NOTE, item="DM history")
        else:
            _collect_dm_records(pc, stale, screened.creators, records, bot_id)
        floor = _collect_admin_records(pc, stale, admin_channel, records, bot_id)
    plan = plan_cleanup(
        screened.commands,
        screened.creators,
        records,
        now=now,
        zone=zone,
        thresholds=thresholds,
        command_rows=screened.command_rows,
        creator_rows=screened.creator_rows,
    )
    earlier = _earlier_warnings(pc, plan, records, floor)
    _report_plan(pc, plan)
    outcome = Outcome()
    work = [creator_plan for creator_plan in plan.creators if creator_plan.has_work]
    with _progress(pc, len(work)) as advance:
        for creator_plan in work:
            pc.checkpoint()
            _apply_creator(pc, creator_plan, thresholds, outcome, now=now, today=plan.today)
            advance(creator_plan.label)
    facts = SummaryFacts(
        today=plan.today,
        warned=[*outcome.warned, *earlier],
        deleted=[
            Listed(decision, creator_plan.name)
            for creator_plan, decision in outcome.deletions
            if not deletion_summarised(decision, records)
        ],
        unreachable=outcome.unreachable,
        active_commands=plan.active_commands - len(outcome.deletions),
        total_creators=plan.total_creators,
    )
    summary = _post_summary(pc, facts, admin_channel, now=now, zone=zone, earlier=len(earlier))
    if summary is Summary.FAILED and outcome.deletions:
        for _, decision in outcome.deletions:
            pc.report.skip(
                "not deleted: the admin summary that reports the deletion could not be posted; retried next run",
                item=display(decision.name),
            )
    else:
        _delete_all(pc, outcome)
    _mark_recorded_by_summary(pc, outcome, summary is Summary.POSTED)
    pc.report.summary = _summary_line(plan, outcome, pc.dry_run)


# --------------------------------------------------------------------------- reading


def _read(pc: PassContext, zone: tzinfo) -> Screened:
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


def _earlier_warnings(
    pc: PassContext, plan: CleanupPlan, records: RecordIndex, floor: datetime | None
) -> list[Listed]:
    """Warnings DMed by an earlier pass that stopped before its admin summary: this summary reports them."""
    found = []
    for creator_plan in plan.creators:
        for decision in (*creator_plan.mark, *creator_plan.delete, *creator_plan.wait):
            record = unsummarised_warning(decision, records, floor)
            if record is None:
                continue
            found.append(Listed(decision, creator_plan.name))
            pc.report.action(
                "summarise-earlier-warning",
                display(decision.name),
                creator=creator_plan.label,
                warned_on=decision.warned_on.isoformat(),
                deletion_date=decision.deletion_date.isoformat(),
            )
    return found


def _report_plan(pc: PassContext, plan: CleanupPlan) -> None:
    waiting = [
        {
            "command": display(decision.name),
            "idle_days": decision.idle_days,
            "deletion_date": decision.deletion_date.isoformat(),
        }
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


def _apply_creator(
    pc: PassContext,
    creator_plan: CreatorPlan,
    thresholds: Thresholds,
    outcome: Outcome,
    *,
    now: datetime,
    today: date,
) -> None:
    label = creator_plan.label
    for decision in creator_plan.mark:
        if _mark(pc, decision, label):
            pc.report.action("mark-warned", display(decision.name), creator=label, reason=decision.reason)
    reason = _reachability(pc, creator_plan)
    if reason == RETRY:
        return
    recorded_by_summary = 0
    if creator_plan.warn:
        reason, recorded_by_summary = _warn(pc, creator_plan, reason, outcome, now=now)
        if reason == RETRY:
            return
    unannounced = 0
    if creator_plan.delete:
        reason, unannounced = _announce_deletions(pc, creator_plan, thresholds, reason, now=now, today=today)
        if reason == RETRY:
            return
        outcome.deletions.extend((creator_plan, decision) for decision in creator_plan.delete)
    if reason is not None and (recorded_by_summary or unannounced):
        effects = []
        if recorded_by_summary:
            effects.append(f"{recorded_by_summary} warning(s) recorded by the admin summary instead")
        if unannounced:
            effects.append(f"{unannounced} deletion(s) not announced")
        pc.report.warn(f"creator cannot be DMed ({reason}): {'; '.join(effects)}", item=label)
        outcome.unreachable.append(Unreachable(creator_plan.name, reason, recorded_by_summary + unannounced))
    log.info(
        "cleanup: %s: planned %d warning(s), %d mark(s), %d deletion(s)",
        label,
        len(creator_plan.warn),
        len(creator_plan.mark),
        len(creator_plan.delete),
    )


def _send_dm(pc: PassContext, user_id: str, embeds: list[dict[str, Any]], label: str, nonce: str) -> str | None:
    """Send one DM; None when delivered, else why not (:data:`RETRY` on an unexpected Discord error)."""
    try:
        result = pc.discord.send_dm(user_id, embeds=embeds, nonce=nonce)
    except DiscordError as error:
        pc.report.error(f"DM failed, retried next run: {error}", item=label)
        return RETRY
    if result.delivered:
        return None
    return result.reason or "undeliverable"


def dm_nonce(kind: str, guild_id: str, user_id: str, command_ids: Sequence[int]) -> str:
    """The identity of one cleanup DM: what it is (``warning``/``deletion``), to whom, about which commands."""
    return identity_nonce(f"cleanup-{kind}", guild_id, user_id, ",".join(str(i) for i in sorted(command_ids)))


def _warn(
    pc: PassContext, creator_plan: CreatorPlan, reason: str | None, outcome: Outcome, *, now: datetime
) -> tuple[str | None, int]:
    """DM first (the record), then mark; what cannot be DMed is recorded by the admin summary.

    Returns the creator's reachability and how many warnings the summary must record.
    """
    label = creator_plan.label
    pending = list(creator_plan.warn)
    user_id = creator_plan.discord_id
    if reason is None and user_id is not None:
        messages = warning_messages(pending, now=now, zone=pc.settings.league_timezone)
        if pc.dry_run:
            pc.report.action("dm-warning", label, commands=len(pending), messages=len(messages))
            _note_warned(pc, pending, label, "dm")
            outcome.warned.extend(Listed(decision, creator_plan.name) for decision in pending)
            outcome.users_notified += 1
            return None, 0
        delivered = False
        for message in messages:
            nonce = dm_nonce("warning", pc.guild_id, user_id, message.command_ids)
            reason = _send_dm(pc, user_id, message.embeds, label, nonce)
            if reason is not None:
                break
            delivered = True
            pc.report.action("dm-warning", label, commands=len(message.decisions))
            _note_warned(pc, message.decisions, label, "dm")
            outcome.warned.extend(Listed(decision, creator_plan.name) for decision in message.decisions)
            for decision in message.decisions:
                pending.remove(decision)
                if not decision.command.warning_sent:
                    _mark(pc, decision, label)
        if delivered:
            outcome.users_notified += 1
        if reason is None or reason == RETRY:
            return reason, 0
    _note_warned(pc, pending, label, "admin-summary")
    outcome.warned.extend(Listed(decision, creator_plan.name, dm=False) for decision in pending)
    outcome.pending_marks.extend(pending)
    return reason, len(pending)


def _note_warned(pc: PassContext, decisions: Sequence[CommandDecision], label: str, via: str) -> None:
    for decision in decisions:
        pc.report.action(
            "warn",
            display(decision.name),
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
        pc.report.error(f"could not mark as warned: {error}", item=display(decision.name), creator=label)
        return False
    return True


def _announce_deletions(
    pc: PassContext,
    creator_plan: CreatorPlan,
    thresholds: Thresholds,
    reason: str | None,
    *,
    now: datetime,
    today: date,
) -> tuple[str | None, int]:
    """The deletion DM (it carries a ``deleted`` marker), sent before the deletions.

    An unexpected DM failure postpones this creator's deletions to the next
    run, so the announcement is retried rather than lost. Returns the
    creator's reachability and how many deletions go unannounced.
    """
    label = creator_plan.label
    notices = creator_plan.deletion_notices
    user_id = creator_plan.discord_id
    if notices and reason is None and user_id is not None:
        messages = deletion_messages(notices, now=now, today=today, thresholds=thresholds)
        if pc.dry_run:
            pc.report.action("dm-deletion", label, commands=len(notices), messages=len(messages))
        else:
            for message in messages:
                nonce = dm_nonce("deletion", pc.guild_id, user_id, message.command_ids)
                reason = _send_dm(pc, user_id, message.embeds, label, nonce)
                if reason is not None:
                    break
                pc.report.action("dm-deletion", label, commands=len(message.decisions))
    if reason == RETRY:
        return reason, 0
    return reason, len(notices) if reason is not None else 0


def _delete_all(pc: PassContext, outcome: Outcome) -> None:
    """Delete every command whose deletion this pass announced (DM or not) and reported."""
    for creator_plan, decision in outcome.deletions:
        pc.checkpoint()
        name = display(decision.name)
        if not pc.dry_run:
            try:
                gone_now = pc.league.delete_custom_command(decision.command.id)
            except LeagueError as error:
                if _is_fatal(error):
                    raise
                pc.report.error(f"could not delete: {error}", item=name, creator=creator_plan.label)
                continue
            if not gone_now:
                pc.report.skip("already deleted", item=name)
                continue
        pc.report.action(
            "delete",
            name,
            creator=creator_plan.label,
            idle_days=decision.idle_days,
            warned_on=decision.warned_on.isoformat(),
        )
        outcome.deleted += 1


# --------------------------------------------------------------------------- admin summary


def summary_nonce(guild_id: str, number: int, facts: SummaryFacts) -> str:
    """The identity of one message of the admin summary: its place and what the summary is about."""
    return identity_nonce("cleanup-summary", guild_id, number, facts.identity())


def _post_summary(
    pc: PassContext,
    facts: SummaryFacts,
    channel: JsonObject | None,
    *,
    now: datetime,
    zone: tzinfo,
    earlier: int,
) -> Summary:
    """Post the summary when something happened."""
    if not facts.anything_happened:
        return Summary.NOT_NEEDED
    if channel is None:
        return Summary.NO_CHANNEL
    target = f"#{channel.get('name') or channel.get('id')}"
    messages = summary_embeds(facts, now=now, zone=zone)
    if not pc.dry_run:
        for number, embeds in enumerate(messages, start=1):
            try:
                pc.discord.create_message(
                    str(channel["id"]), embeds=embeds, nonce=summary_nonce(pc.guild_id, number, facts)
                )
            except DiscordError as error:
                pc.report.error(f"admin summary not posted, retried next run: {error}", item=target)
                return Summary.FAILED
    pc.report.action(
        "admin-summary",
        target,
        warned=len(facts.warned),
        deleted=len(facts.deleted),
        earlier_warnings=earlier or None,
        messages=len(messages),
    )
    return Summary.POSTED


def _mark_recorded_by_summary(pc: PassContext, outcome: Outcome, posted: bool) -> None:
    """Mark the unreachable creators' commands, now that the summary records their warning."""
    for decision in outcome.pending_marks:
        if decision.command.warning_sent:
            continue
        if not posted:
            pc.report.skip(
                "not marked as warned: no admin summary was posted to record the warning; retried next run",
                item=display(decision.name),
            )
            continue
        pc.checkpoint()
        if _mark(pc, decision, "admin summary"):
            pc.report.action("mark-warned", display(decision.name), via="admin-summary")


def _summary_line(plan: CleanupPlan, outcome: Outcome, dry_run: bool) -> str:
    waiting = sum(len(creator_plan.wait) for creator_plan in plan.creators)
    prefix = "would have " if dry_run else ""
    return (
        f"{prefix}warned {len(outcome.warned)} command(s) ({outcome.users_notified} creator(s) DMed), "
        f"deleted {outcome.deleted}; {waiting} warned command(s) awaiting their deletion date; "
        f"{plan.active_commands - outcome.deleted} active command(s)"
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
