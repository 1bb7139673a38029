"""The admin summary of a ``cleanup-commands`` pass: what it lists, posting it, what it records.

It lists this pass's warnings and deletions and the warnings of an earlier pass
that stopped before its own summary; it is posted before any deletion (so none
goes unreported) and is the record of the warnings of creators who cannot be
DMed, whose commands are marked only once it is posted.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from enum import Enum
from typing import TYPE_CHECKING

from leaguectl.cleanup.creators import Outcome, mark_warned
from leaguectl.cleanup.messages import Listed, SummaryFacts, summary_embeds
from leaguectl.cleanup.planner import CleanupPlan, unsummarised_warning
from leaguectl.cleanup.records import RecordIndex
from leaguectl.cleanup.text import display
from leaguectl.discord_rest import DiscordError, identity_nonce

if TYPE_CHECKING:
    from leaguectl.discord_rest import JsonObject
    from leaguectl.passrun import PassContext


class Summary(Enum):
    """What became of the admin summary."""

    NOT_NEEDED = "nothing happened"
    NO_CHANNEL = "no admin channel"
    POSTED = "posted"
    FAILED = "failed"


def earlier_warnings(
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


def summary_nonce(guild_id: str, number: int, facts: SummaryFacts) -> str:
    """The identity of one message of the admin summary: its place and what the summary is about."""
    return identity_nonce("cleanup-summary", guild_id, number, facts.identity())


def post_summary(
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


def mark_recorded_by_summary(pc: PassContext, outcome: Outcome, posted: bool) -> None:
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
        if mark_warned(pc, decision, "admin summary"):
            pc.report.action("mark-warned", display(decision.name), via="admin-summary")


def summary_line(plan: CleanupPlan, outcome: Outcome, dry_run: bool) -> str:
    """The report's one-line summary of the pass."""
    waiting = sum(len(creator_plan.wait) for creator_plan in plan.creators)
    prefix = "would have " if dry_run else ""
    return (
        f"{prefix}warned {len(outcome.warned)} command(s) ({outcome.users_notified} creator(s) DMed), "
        f"deleted {outcome.deleted}; {waiting} warned command(s) awaiting their deletion date; "
        f"{plan.active_commands - outcome.deleted} active command(s)"
    )
