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

This module runs the pass in that order; its steps live beside it, one job
each: :mod:`.gather` (rows, the admin channel, records in DMs and the admin
channel), :mod:`.creators` (step 1 per creator, and the deletions) and
:mod:`.summary` (the admin summary and the marks it records).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from leaguectl.cleanup.creators import Outcome, apply_creator, delete_all, dm_nonce
from leaguectl.cleanup.gather import admin_channel_of, collect_admin_records, collect_dm_records, read_screened
from leaguectl.cleanup.messages import Listed, SummaryFacts
from leaguectl.cleanup.planner import CleanupPlan, Thresholds, deletion_summarised, is_stale, plan_cleanup
from leaguectl.cleanup.records import RecordIndex
from leaguectl.cleanup.summary import (
    Summary,
    earlier_warnings,
    mark_recorded_by_summary,
    post_summary,
    summary_line,
    summary_nonce,
)
from leaguectl.cleanup.text import display

if TYPE_CHECKING:
    from leaguectl.passrun import PassContext

__all__ = ["dm_nonce", "run_cleanup", "summary_nonce"]


PROGRESS_MIN_CREATORS = 5
"""A progress bar is drawn (on a terminal) only from this many creators to process."""
DRY_RUN_DM_NOTE = (
    "dry run: the creators' DM channels were not read (opening one is a write); warning records come from "
    "the admin summaries only, so a warning that only a DM records (an earlier pass stopped before its "
    "summary) shows as 'warn' here, where a real pass would only mark it"
)


# --------------------------------------------------------------------------- entry point


def run_cleanup(pc: PassContext) -> None:
    """The whole pass. Per-item problems are reported and the other items go on."""
    settings = pc.settings
    zone = settings.league_timezone
    thresholds = Thresholds.from_settings(settings)
    now = pc.now  # the pass's one reference instant; every decision uses it
    screened = read_screened(pc, zone)
    stale = [command for command in screened.commands if is_stale(command, now, zone, thresholds)]
    admin_channel = admin_channel_of(pc) if stale else None
    records = RecordIndex()
    floor: datetime | None = None
    if stale:
        bot_id = str(pc.discord.current_user()["id"])
        if pc.dry_run:
            pc.report.skip(DRY_RUN_DM_NOTE, item="DM history")
        else:
            collect_dm_records(pc, stale, screened.creators, records, bot_id)
        floor = collect_admin_records(pc, stale, admin_channel, records, bot_id)
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
    earlier = earlier_warnings(pc, plan, records, floor)
    _report_plan(pc, plan)
    outcome = Outcome()
    work = [creator_plan for creator_plan in plan.creators if creator_plan.has_work]
    with _progress(pc, len(work)) as advance:
        for creator_plan in work:
            pc.checkpoint()
            apply_creator(pc, creator_plan, thresholds, outcome, now=now, today=plan.today)
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
    summary = post_summary(pc, facts, admin_channel, now=now, zone=zone, earlier=len(earlier))
    if summary is Summary.FAILED and outcome.deletions:
        for _, decision in outcome.deletions:
            pc.report.skip(
                "not deleted: the admin summary that reports the deletion could not be posted; retried next run",
                item=display(decision.name),
            )
    else:
        delete_all(pc, outcome)
    mark_recorded_by_summary(pc, outcome, summary is Summary.POSTED)
    pc.report.summary = summary_line(plan, outcome, pc.dry_run)


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
