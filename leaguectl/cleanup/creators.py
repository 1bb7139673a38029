"""Applying a cleanup plan to one creator: marks, the warning DM, the deletion DM; then the deletions.

Per creator, in the order that keeps a record of every step (see
:mod:`.apply`): the marks of warnings already recorded, each warning DM and then
the marks of the commands it names, the deletion DM. What a creator who cannot
be DMed misses is left to the admin summary (:mod:`.summary`). The deletions
themselves run after the summary is posted (:func:`delete_all`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from leaguectl.cleanup.messages import Listed, Unreachable, deletion_messages, warning_messages
from leaguectl.cleanup.planner import CommandDecision, CreatorPlan, Thresholds
from leaguectl.cleanup.text import display
from leaguectl.discord_rest import DiscordError, identity_nonce
from leaguectl.errors import PermissionProblem, RateLimitedTooLong, ServiceUnavailable
from leaguectl.league_api import LeagueError

if TYPE_CHECKING:
    from leaguectl.passrun import PassContext

log = logging.getLogger("leaguectl.cleanup")


@dataclass
class Outcome:
    """What the pass did (or, under --dry-run, would do), for the admin summary and the report."""

    warned: list[Listed] = field(default_factory=list)
    users_notified: int = 0
    pending_marks: list[CommandDecision] = field(default_factory=list)
    deletions: list[tuple[CreatorPlan, CommandDecision]] = field(default_factory=list)
    deleted: int = 0
    unreachable: list[Unreachable] = field(default_factory=list)


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


def apply_creator(
    pc: PassContext,
    creator_plan: CreatorPlan,
    thresholds: Thresholds,
    outcome: Outcome,
    *,
    now: datetime,
    today: date,
) -> None:
    """Step 1 of the pass for one creator: marks, warning DM, deletion DM; queues the deletions in ``outcome``."""
    label = creator_plan.label
    for decision in creator_plan.mark:
        if mark_warned(pc, decision, label):
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
                    mark_warned(pc, decision, label)
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


def mark_warned(pc: PassContext, decision: CommandDecision, label: str) -> bool:
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


def delete_all(pc: PassContext, outcome: Outcome) -> None:
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
