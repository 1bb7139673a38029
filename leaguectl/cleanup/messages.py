"""The messages ``cleanup-commands`` sends: warning DMs, deletion DMs, the admin summary.

Titles, colours and fields follow the reference bot (reference/league.md
§3.10) with its wording corrected: the warning states the real deletion date
of each command instead of "in 30 days", days are said to be calendar days,
and the deletion footer states the configured thresholds.

Every command is named (issue 16.2): where the reference listed ten commands
and "... and N more", a listing here is laid out over as many fields and
messages as it needs, each within Discord's limits (field value 1024,
25 fields, footer 2048, 6000 characters per message: :func:`~.layout.paginate`).
Every message that serves as a record carries, in its footer, the
:func:`~leaguectl.cleanup.records.marker` of exactly the commands it lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from leaguectl.cleanup.layout import FOOTER_LIMIT as FOOTER_LIMIT  # re-exported: tests measure footers by it
from leaguectl.cleanup.layout import Entry, Layout, Page, Section, paginate
from leaguectl.cleanup.planner import CommandDecision, Thresholds
from leaguectl.cleanup.text import LABEL_LIMIT, code, display, escape, plural
from leaguectl.discord_fit import fit_text

Embed = dict[str, Any]

WARNING_COLOR = 0xFFC107
DELETION_COLOR = 0xDC3545
SUMMARY_COLOR = 0x17A2B8
LINE_LIMIT = 600
"""Longest line of a listing (names are cut long before; this only guards the layout)."""
PART_SUFFIX_RESERVE = len(" (99999/99999)")
"""Characters kept free in every title for the "(2/7)" of a listing over several messages."""

WARNING_TITLE = "⚠️ Custom Command Cleanup Warning"
DELETION_TITLE = "❌ Custom Commands Deleted"
SUMMARY_TITLE = "ℹ️ 🧹 Custom Command Cleanup Summary"
WARNING_FOOTER = "This is an automated cleanup to keep the command list manageable"
SUMMARY_DESCRIPTION = "Daily cleanup task completed"
SUMMARY_CONTINUED = "Daily cleanup task completed (continued)"
KEEP_FIELD = (
    "💡 How to Keep Your Commands",
    "Simply use your commands with `/cc <command_name>` to reset the deletion timer.",
)
MANAGE_FIELD = ("📋 Manage Your Commands", "Use `/cc-mine` to view and manage all your custom commands.")
CREATE_FIELD = ("📝 Create New Commands", "You can create new custom commands anytime with `/cc-create`.")


def zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone)


def _field(name: str, value: str, *, inline: bool = False) -> dict[str, Any]:
    return {"name": name, "value": value, "inline": inline}


def _fields_cost(fields: Sequence[tuple[str, str]]) -> int:
    return sum(len(name) + len(value) for name, value in fields)


def _title(base: str, number: int, total: int) -> str:
    return base if total == 1 else f"{base} ({number}/{total})"


def _embed(
    *,
    title: str,
    description: str,
    color: int,
    fields: list[dict[str, Any]],
    footer: str,
    now: datetime,
) -> Embed:
    embed: Embed = {"title": title, "description": description, "color": color, "fields": fields}
    if footer:
        embed["footer"] = {"text": footer}
    embed["timestamp"] = now.isoformat()
    return embed


def _listing_fields(page: Page) -> list[dict[str, Any]]:
    return [_field(item.name, item.value) for item in page.fields]


def _line(text: str) -> str:
    return fit_text(text, LINE_LIMIT)


# ---------------------------------------------------------------------------- direct messages


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """One DM to send: its embeds and the commands its marker names."""

    decisions: tuple[CommandDecision, ...]
    embeds: list[Embed]

    @property
    def command_ids(self) -> tuple[int, ...]:
        return tuple(sorted(decision.command.id for decision in self.decisions))


def idle_text(decision: CommandDecision) -> str:
    """``last used 2026-09-20, 64 calendar days ago`` (what the day count counted)."""
    days = plural(decision.idle_days, "calendar day")
    if decision.never_used:
        return f"never used, created {decision.reference_date.isoformat()}, {days} ago"
    return f"last used {decision.reference_date.isoformat()}, {days} ago"


def warning_line(decision: CommandDecision) -> str:
    name = escape(display(decision.name))
    return _line(f"• **{name}** ({idle_text(decision)}): deleted on {decision.deletion_date.isoformat()}")


def _warning_description(count: int, zone: tzinfo) -> str:
    return (
        f"The following custom command{'s' if count != 1 else ''} {'have' if count != 1 else 'has'} not been used "
        "for a long time and will be deleted on the date shown unless used before then "
        f"(dates and calendar days in {zone_name(zone)} time):"
    )


def _direct_messages(
    decisions: Sequence[CommandDecision],
    *,
    entries: list[Entry],
    section_title: str,
    title: str,
    description: Any,
    color: int,
    tail: Sequence[tuple[str, str]],
    footer_base: str,
    now: datetime,
) -> list[DirectMessage]:
    description_cost = max(len(description(count)) for count in (1, 2))
    fixed = len(title) + PART_SUFFIX_RESERVE + description_cost + _fields_cost(tail) + len(footer_base)
    layout = Layout(fixed, fixed, len(tail), len(tail), footer_base)
    pages = paginate([Section(section_title, tuple(entries))], layout)
    by_id = {decision.command.id: decision for decision in decisions}
    messages = []
    for number, page in enumerate(pages, start=1):
        listed = tuple(by_id[entry.command_id] for entry in page.entries if entry.command_id is not None)
        embed = _embed(
            title=_title(title, number, len(pages)),
            description=description(len(listed)),
            color=color,
            fields=[*_listing_fields(page), *(_field(name, value) for name, value in tail)],
            footer=page.footer(footer_base),
            now=now,
        )
        messages.append(DirectMessage(listed, [embed]))
    return messages


def warning_messages(decisions: Sequence[CommandDecision], *, now: datetime, zone: tzinfo) -> list[DirectMessage]:
    """The warning DM for one creator: one message, or as many as it takes to name every command."""
    if not decisions:
        return []
    entries = [Entry(warning_line(d), d.command.id, "warned", d.warned_on) for d in decisions]
    return _direct_messages(
        decisions,
        entries=entries,
        section_title=f"Command{'s' if len(decisions) != 1 else ''} at Risk",
        title=WARNING_TITLE,
        description=lambda count: _warning_description(count, zone),
        color=WARNING_COLOR,
        tail=(KEEP_FIELD, MANAGE_FIELD),
        footer_base=WARNING_FOOTER,
        now=now,
    )


def deletion_footer(thresholds: Thresholds) -> str:
    return (
        f"Commands unused for {thresholds.delete_after} calendar days are deleted, at least "
        f"{plural(thresholds.grace, 'day')} after a warning, to keep the system manageable"
    )


def deletion_line(decision: CommandDecision) -> str:
    uses = plural(decision.command.use_count, "use")
    return _line(f"• **{escape(display(decision.name))}** ({uses}, {idle_text(decision)})")


def _deletion_description(count: int) -> str:
    return (
        f"The following custom command{'s' if count != 1 else ''} "
        f"{'have' if count != 1 else 'has'} been automatically deleted due to inactivity:"
    )


def deletion_messages(
    decisions: Sequence[CommandDecision], *, now: datetime, today: date, thresholds: Thresholds
) -> list[DirectMessage]:
    """The deletion DM for one creator (laid out over several messages like the warning)."""
    if not decisions:
        return []
    entries = [Entry(deletion_line(d), d.command.id, "deleted", today) for d in decisions]
    return _direct_messages(
        decisions,
        entries=entries,
        section_title=f"Deleted Command{'s' if len(decisions) != 1 else ''}",
        title=DELETION_TITLE,
        description=_deletion_description,
        color=DELETION_COLOR,
        tail=(CREATE_FIELD,),
        footer_base=deletion_footer(thresholds),
        now=now,
    )


# ---------------------------------------------------------------------------- admin summary


@dataclass(frozen=True, slots=True)
class Unreachable:
    """A creator who could not be DMed, and why (``left-guild``, ``dms-closed``, ``no-creator``...)."""

    label: str
    reason: str
    commands: int


@dataclass(frozen=True, slots=True)
class Listed:
    """A command the summary reports, with its creator's name; ``dm`` when its creator was DMed."""

    decision: CommandDecision
    creator: str
    dm: bool = True

    @property
    def order(self) -> tuple[str, str, int]:
        return (self.creator, self.decision.name, self.decision.command.id)


@dataclass(frozen=True, slots=True)
class SummaryFacts:
    """What the admin summary reports.

    ``warned`` are the warnings to report: this pass's and those of an earlier
    pass that stopped before its summary (issue 16.11); the ones whose
    creator could not be DMed (``dm`` false) have this summary as their only
    record. ``deleted`` are the deletions to report.
    """

    today: date
    warned: Sequence[Listed]
    deleted: Sequence[Listed]
    unreachable: Sequence[Unreachable]
    active_commands: int
    total_creators: int

    @property
    def anything_happened(self) -> bool:
        return bool(self.warned or self.deleted)

    @property
    def users_notified(self) -> int:
        return len({listed.creator for listed in self.warned if listed.dm})

    @property
    def recorded_here(self) -> int:
        return sum(1 for listed in self.warned if not listed.dm)

    def identity(self) -> str:
        """What the summary is about (kinds and command ids): the base of its messages' nonces."""
        warned = ",".join(str(i) for i in sorted({listed.decision.command.id for listed in self.warned}))
        deleted = ",".join(str(i) for i in sorted({listed.decision.command.id for listed in self.deleted}))
        return f"warned={warned};deleted={deleted}"


def _code_name(decision: CommandDecision) -> str:
    return f"`{code(display(decision.name))}`"


def summary_warned_line(listed: Listed) -> str:
    decision = listed.decision
    return _line(
        f"• {_code_name(decision)} (#{decision.command.id}, {escape(display(listed.creator, LABEL_LIMIT))}): "
        f"warned {decision.warned_on.isoformat()}, deleted on {decision.deletion_date.isoformat()}"
    )


def summary_deleted_line(listed: Listed) -> str:
    decision = listed.decision
    return _line(
        f"• {_code_name(decision)} (#{decision.command.id}, {escape(display(listed.creator, LABEL_LIMIT))}): "
        f"{plural(decision.command.use_count, 'use')}, {idle_text(decision)}"
    )


def _summary_head(facts: SummaryFacts) -> list[tuple[str, str]]:
    fields = []
    if facts.warned:
        parts = []
        dmed = len(facts.warned) - facts.recorded_here
        if dmed:
            parts.append(f"{plural(facts.users_notified, 'user')} notified about {plural(dmed, 'command')} at risk")
        if facts.recorded_here:
            parts.append(f"{plural(facts.recorded_here, 'command')} of unreachable creators recorded here")
        fields.append(("⚠️ Warnings Sent", "; ".join(parts)))
    if facts.deleted:
        fields.append(("🗑️ Commands Deleted", f"{plural(len(facts.deleted), 'inactive command')} removed"))
    stats = f"**Active Commands:** {facts.active_commands}\n**Total Creators:** {facts.total_creators}"
    fields.append(("📊 Current Stats", stats))
    return fields


def summary_sections(facts: SummaryFacts) -> list[Section]:
    sections = []
    if facts.warned:
        warned = sorted(facts.warned, key=lambda listed: listed.order)
        entries = [
            Entry(summary_warned_line(x), x.decision.command.id, "warned", x.decision.warned_on) for x in warned
        ]
        sections.append(Section("Warned Commands", tuple(entries)))
    if facts.deleted:
        deleted = sorted(facts.deleted, key=lambda listed: listed.order)
        entries = [Entry(summary_deleted_line(x), x.decision.command.id, "deleted", facts.today) for x in deleted]
        sections.append(Section("Deleted Commands", tuple(entries)))
    if facts.unreachable:
        lines = [
            _line(f"• {escape(display(e.label, LABEL_LIMIT))}: {e.reason} ({plural(e.commands, 'command')})")
            for e in sorted(facts.unreachable, key=lambda e: e.label)
        ]
        sections.append(Section("Unreachable Creators", tuple(Entry(line) for line in lines)))
    return sections


def summary_footer(facts: SummaryFacts, zone: tzinfo) -> str:
    return f"Cleanup of {facts.today.isoformat()} ({zone_name(zone)})"


def summary_embeds(facts: SummaryFacts, *, now: datetime, zone: tzinfo) -> list[list[Embed]]:
    """The admin summary: the totals first, then every warned and deleted command, over as many messages as needed."""
    head = _summary_head(facts)
    base = summary_footer(facts, zone)
    title_cost = len(SUMMARY_TITLE) + PART_SUFFIX_RESERVE
    layout = Layout(
        fixed_first=title_cost + len(SUMMARY_DESCRIPTION) + _fields_cost(head) + len(base),
        fixed_rest=title_cost + len(SUMMARY_CONTINUED) + len(base),
        fields_first=len(head),
        fields_rest=0,
        footer_base=base,
    )
    pages = paginate(summary_sections(facts), layout)
    messages: list[list[Embed]] = []
    for number, page in enumerate(pages, start=1):
        fields = [_field(name, value, inline=True) for name, value in head] if page.first else []
        messages.append(
            [
                _embed(
                    title=_title(SUMMARY_TITLE, number, len(pages)),
                    description=SUMMARY_DESCRIPTION if page.first else SUMMARY_CONTINUED,
                    color=SUMMARY_COLOR,
                    fields=[*fields, *_listing_fields(page)],
                    footer=page.footer(base),
                    now=now,
                )
            ]
        )
    return messages
