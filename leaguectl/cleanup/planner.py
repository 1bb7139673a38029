"""Pure decisions of ``cleanup-commands``: which stale command to warn, mark, delete or leave.

Days are **calendar days in league time** (docs/cleanup.md §Days). A
command's *reference* is its ``last_used``, or ``created_at`` when it was
never used. Its idle days are the number of calendar dates between the
league-local date of the reference and the league-local date of ``now``
(``LEAGUE_TIMEZONE``); the time of day does not matter. "Unused ≥ 60 days"
means ``idle_days >= warn_after``: a command last used at 23:59 on 1 January
is 60 days idle from 00:00 on 2 March, league time, although only 59 days and
a minute have elapsed. The messages say "calendar days" and show the date of
the last use, so what they state is exactly what was counted.

Calendar days rather than elapsed hours, because cleanup runs once a day at a
fixed time: with elapsed time, a command warned a few seconds into one pass
would be due a few seconds before or after the same pass a week later,
depending on the order the pass reaches it, and be deleted on one day or the
next by chance. Calendar dates make every daily pass at a fixed time see the
same day counts.

A command's deletion date is ``max(reference date + delete_after, warning
date + grace)``, both league-local dates. The warning date is the date the
warning message stated (written into its marker, see
:mod:`~leaguectl.cleanup.records`), so the date a later pass derives is the
one the creator was told, whatever the offset between the host clock and
Discord's. The command is deleted by the first pass on or after it, never
earlier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import Enum
from typing import TYPE_CHECKING

from leaguectl.cleanup.records import Record, RecordIndex
from leaguectl.cleanup.text import LABEL_LIMIT, display
from leaguectl.models import CustomCommand, CustomCommandCreator

if TYPE_CHECKING:
    from leaguectl.settings import Settings

STATED_DATE_TOLERANCE = timedelta(days=1)
"""How much later than its message's own (snowflake) date a marker's stated date may be to be believed."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """``CLEANUP_WARN_AFTER_DAYS``, ``CLEANUP_DELETE_AFTER_DAYS`` and ``CLEANUP_GRACE_DAYS`` (calendar days)."""

    warn_after: int = 60
    delete_after: int = 90
    grace: int = 7

    def __post_init__(self) -> None:
        if self.warn_after < 0 or self.grace < 0:
            raise ValueError("cleanup thresholds must not be negative")
        if self.warn_after >= self.delete_after:
            raise ValueError(f"warn_after ({self.warn_after}) must be less than delete_after ({self.delete_after})")

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        """Read the three ``cleanup_*`` settings (validated by the settings loader)."""
        return cls(
            warn_after=settings.cleanup_warn_after_days,
            delete_after=settings.cleanup_delete_after_days,
            grace=settings.cleanup_grace_days,
        )


class Action(Enum):
    """What a pass does with one stale command."""

    WARN = "warn"
    """Not warned, or warned but no warning record since its last use: DM the creator, then mark."""
    MARK = "mark"
    """A warning record exists but ``warning_sent`` is false (crash between DM and mark): mark only."""
    DELETE = "delete"
    """Warned, record found, deletion date reached."""
    WAIT = "wait"
    """Warned, record found, deletion date not reached yet."""


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The calendar date of ``moment`` in the league's zone."""
    if moment.tzinfo is None:
        raise ValueError("cleanup needs aware datetimes")
    return moment.astimezone(zone).date()


def reference_time(command: CustomCommand) -> datetime:
    """When the command's idle period began: its last use, or its creation if never used."""
    return command.last_used if command.last_used is not None else command.created_at


def idle_days(command: CustomCommand, now: datetime, zone: tzinfo) -> int:
    """Calendar days between the league-local dates of the command's reference and ``now``."""
    return (local_date(now, zone) - local_date(reference_time(command), zone)).days


def deletion_date(reference: datetime, warned_on: date, thresholds: Thresholds, zone: tzinfo) -> date:
    """The first league-local date on which the command may be deleted."""
    by_idleness = local_date(reference, zone) + timedelta(days=thresholds.delete_after)
    by_grace = warned_on + timedelta(days=thresholds.grace)
    return max(by_idleness, by_grace)


def warning_date(record: Record, zone: tzinfo) -> date:
    """The date a warning stated its deletion dates from.

    The marker's own date when it has one (it was computed by the clock that
    computed the dates the creator read), else the league-local date of the
    message's creation. A stated date may be older than its message (an admin
    summary reporting the warning of an earlier pass keeps that warning's
    date) but not later than the message's day after, which no clock within
    SPEC's five minutes could have written.
    """
    minted = local_date(record.at, zone)
    if record.on is not None and record.on <= minted + STATED_DATE_TOLERANCE:
        return record.on
    return minted


def latest_warning(records: Iterable[Record], zone: tzinfo) -> Record | None:
    """The warning that sets the deletion date: the latest stated date (then the latest message)."""
    return max(records, key=lambda record: (warning_date(record, zone), record.at), default=None)


@dataclass(frozen=True, slots=True)
class CommandDecision:
    """One stale command and what to do with it, with the facts that led there."""

    command: CustomCommand
    action: Action
    idle_days: int
    reference: datetime
    reference_date: date
    warned_on: date
    """The warning date: today for a new warning, else the date of the warning that counts."""
    deletion_date: date
    warning: Record | None
    notify_deletion: bool
    reason: str

    @property
    def name(self) -> str:
        return self.command.name

    @property
    def never_used(self) -> bool:
        return self.command.last_used is None


def is_stale(command: CustomCommand, now: datetime, zone: tzinfo, thresholds: Thresholds) -> bool:
    """Active and unused for at least ``warn_after`` calendar days: the only commands cleanup looks at."""
    return command.is_active and idle_days(command, now, zone) >= thresholds.warn_after


def decide(
    command: CustomCommand, records: RecordIndex, now: datetime, zone: tzinfo, thresholds: Thresholds
) -> CommandDecision | None:
    """The action for one command, or None when it is inactive or not stale."""
    if not is_stale(command, now, zone, thresholds):
        return None
    days = idle_days(command, now, zone)
    reference = reference_time(command)
    today = local_date(now, zone)
    warning = latest_warning(records.since(command.id, "warned", since=reference), zone)
    if warning is None:
        reason = "warning record missing" if command.warning_sent else "not warned yet"
        return CommandDecision(
            command=command,
            action=Action.WARN,
            idle_days=days,
            reference=reference,
            reference_date=local_date(reference, zone),
            warned_on=today,
            deletion_date=deletion_date(reference, today, thresholds, zone),
            warning=None,
            notify_deletion=False,
            reason=reason,
        )
    warned_on = warning_date(warning, zone)
    due = deletion_date(reference, warned_on, thresholds, zone)
    if not command.warning_sent:
        action, reason = Action.MARK, "warning record found but not marked"
    elif today >= due:
        action, reason = Action.DELETE, "deletion date reached"
    else:
        action, reason = Action.WAIT, "warned; deletion date not reached"
    notify = action is Action.DELETE and (
        records.latest(command.id, "deleted", since=reference, sources=("dm",)) is None
    )
    return CommandDecision(
        command=command,
        action=action,
        idle_days=days,
        reference=reference,
        reference_date=local_date(reference, zone),
        warned_on=warned_on,
        deletion_date=due,
        warning=warning,
        notify_deletion=notify,
        reason=reason,
    )


def deletion_summarised(decision: CommandDecision, records: RecordIndex) -> bool:
    """Whether an admin summary already reported this deletion (a pass stopped between summary and delete)."""
    return records.latest(decision.command.id, "deleted", since=decision.reference, sources=("admin",)) is not None


def unsummarised_warning(decision: CommandDecision, records: RecordIndex, floor: datetime | None) -> Record | None:
    """The DM warning of an earlier pass that no admin summary reported, if any (issue 16.11).

    A pass DMs first and summarises last, so a pass that stopped in between
    left warnings the admins never heard of. Such a warning is a DM record
    with no admin record of the same command made at or after it. ``floor``
    is how far back the admin channel was read: an older DM record may have
    been summarised beyond what was read, so it is not reported again (None:
    the admin channel was not read, nothing is reported). Reference-bot
    warnings (recovered by name) were never leaguectl's to summarise.
    """
    if floor is None or decision.action is Action.WARN:
        return None
    reference = decision.reference
    summarised = records.since(decision.command.id, "warned", since=reference, sources=("admin",))
    for record in records.since(decision.command.id, "warned", since=reference, sources=("dm",)):
        if record.legacy or record.at < floor:
            continue
        if not any(admin.at >= record.at for admin in summarised):
            return record
    return None


@dataclass(frozen=True, slots=True)
class CreatorPlan:
    """Everything one creator is concerned by in this pass."""

    creator_id: int | None
    creator: CustomCommandCreator | None
    warn: tuple[CommandDecision, ...]
    mark: tuple[CommandDecision, ...]
    delete: tuple[CommandDecision, ...]
    wait: tuple[CommandDecision, ...]

    @property
    def discord_id(self) -> str | None:
        return str(self.creator.discord_id) if self.creator is not None else None

    @property
    def name(self) -> str:
        """The creator as the admins know them (user name, shown safely)."""
        if self.creator is not None:
            return display(self.creator.username, LABEL_LIMIT, empty=f"creator #{self.creator.id}")
        if self.creator_id is not None:
            return f"creator #{self.creator_id} (unknown)"
        return "no creator"

    @property
    def label(self) -> str:
        if self.creator is not None:
            return f"{self.name} ({self.creator.discord_id})"
        if self.creator_id is not None:
            return self.name
        return "commands without a creator"

    @property
    def has_work(self) -> bool:
        return bool(self.warn or self.mark or self.delete)

    @property
    def deletion_notices(self) -> tuple[CommandDecision, ...]:
        return tuple(decision for decision in self.delete if decision.notify_deletion)

    @property
    def decisions(self) -> tuple[CommandDecision, ...]:
        return (*self.warn, *self.mark, *self.delete, *self.wait)


@dataclass(frozen=True, slots=True)
class CleanupPlan:
    """The whole pass: per-creator work, plus the totals the admin summary reports."""

    today: date
    creators: tuple[CreatorPlan, ...]
    active_commands: int
    total_creators: int

    def decisions(self, action: Action) -> list[CommandDecision]:
        return [
            decision
            for plan in self.creators
            for decision in plan.decisions
            if decision.action is action
        ]

    @property
    def has_work(self) -> bool:
        return any(plan.has_work for plan in self.creators)


def creator_of(
    command: CustomCommand, creators: Mapping[int, CustomCommandCreator]
) -> tuple[int | None, CustomCommandCreator | None]:
    """The command's creator id and row (the nested one, else the creators list)."""
    creator_id = command.creator_id
    if command.creator is not None:
        return command.creator.id if creator_id is None else creator_id, command.creator
    if creator_id is None:
        return None, None
    return creator_id, creators.get(creator_id)


def _ordered(decisions: Iterable[CommandDecision]) -> tuple[CommandDecision, ...]:
    return tuple(sorted(decisions, key=lambda decision: (decision.deletion_date, decision.name, decision.command.id)))


def plan_cleanup(
    commands: Iterable[CustomCommand],
    creators: Iterable[CustomCommandCreator],
    records: RecordIndex,
    *,
    now: datetime,
    zone: tzinfo,
    thresholds: Thresholds,
    command_rows: int | None = None,
    creator_rows: int | None = None,
) -> CleanupPlan:
    """Decide every stale command, grouped by creator (creators in a stable order).

    ``command_rows``/``creator_rows`` count rows that could not be used too (the
    admin summary's totals); by default the rows given.
    """
    creator_rows_given = list(creators)
    by_id = {creator.id: creator for creator in creator_rows_given}
    active = [command for command in commands if command.is_active]
    groups: dict[int | None, list[CommandDecision]] = {}
    owners: dict[int | None, CustomCommandCreator | None] = {}
    for command in active:
        decision = decide(command, records, now, zone, thresholds)
        if decision is None:
            continue
        creator_id, creator = creator_of(command, by_id)
        groups.setdefault(creator_id, []).append(decision)
        owners[creator_id] = owners.get(creator_id) or creator
    plans = []
    for creator_id, decisions in groups.items():
        plans.append(
            CreatorPlan(
                creator_id=creator_id,
                creator=owners[creator_id],
                warn=_ordered(d for d in decisions if d.action is Action.WARN),
                mark=_ordered(d for d in decisions if d.action is Action.MARK),
                delete=_ordered(d for d in decisions if d.action is Action.DELETE),
                wait=_ordered(d for d in decisions if d.action is Action.WAIT),
            )
        )
    plans.sort(key=lambda plan: (plan.creator_id is None, plan.creator_id or 0))
    return CleanupPlan(
        today=local_date(now, zone),
        creators=tuple(plans),
        active_commands=len(active) if command_rows is None else command_rows,
        total_creators=len(creator_rows_given) if creator_rows is None else creator_rows,
    )
