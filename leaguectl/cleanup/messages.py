"""The embeds ``cleanup-commands`` sends: warning DM, deletion DM, admin summary.

Titles, colours and fields follow the reference bot (reference/league.md
§3.10) with its wording corrected: the warning states the real deletion date
of each command instead of "in 30 days", and the deletion footer states the
configured thresholds. Every message that serves as a record carries a
:func:`~leaguectl.cleanup.records.marker` in its footer; when the ids do not
fit one footer, the message is split into several.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from leaguectl.cleanup.planner import CommandDecision, Thresholds
from leaguectl.cleanup.records import RecordKind, marker, pack_ids

Embed = dict[str, Any]


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """One DM to send: its embeds and the commands its marker names."""

    decisions: tuple[CommandDecision, ...]
    embeds: list[Embed]


WARNING_COLOR = 0xFFC107
DELETION_COLOR = 0xDC3545
SUMMARY_COLOR = 0x17A2B8
LISTED_COMMANDS = 10
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
SEPARATOR = " · "

WARNING_TITLE = "⚠️ Custom Command Cleanup Warning"
DELETION_TITLE = "❌ Custom Commands Deleted"
SUMMARY_TITLE = "ℹ️ 🧹 Custom Command Cleanup Summary"
WARNING_FOOTER = "This is an automated cleanup to keep the command list manageable"
KEEP_FIELD = (
    "💡 How to Keep Your Commands",
    "Simply use your commands with `/cc <command_name>` to reset the deletion timer.",
)
MANAGE_FIELD = ("📋 Manage Your Commands", "Use `/cc-mine` to view and manage all your custom commands.")
CREATE_FIELD = ("📝 Create New Commands", "You can create new custom commands anytime with `/cc-create`.")

_MARKDOWN = str.maketrans({char: f"\\{char}" for char in "\\*_~`|>"})


def plural(count: int, word: str, suffix: str = "s") -> str:
    """``1 command``, ``2 commands``."""
    return f"{count} {word}{'' if count == 1 else suffix}"


def escape(text: str) -> str:
    """Text shown literally in Discord markdown (a name with ``*`` or ``_`` stays as typed)."""
    return text.translate(_MARKDOWN)


def zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone)


def listing(lines: Sequence[str], noun: str = "command", *, limit: int = LISTED_COMMANDS, tail: str = "") -> str:
    """Up to ``limit`` lines plus ``• ... and N more commands``, within a field value's 1024 characters."""
    shown = list(lines[:limit])
    while True:
        hidden = len(lines) - len(shown)
        parts = list(shown)
        if hidden:
            parts.append(f"• ... and {hidden} more {noun}{'' if hidden == 1 else 's'}{tail}")
        text = "\n".join(parts)
        if len(text) <= FIELD_VALUE_LIMIT or not shown:
            return text[:FIELD_VALUE_LIMIT]
        shown.pop()


def _field(name: str, value: str, *, inline: bool = False) -> dict[str, Any]:
    return {"name": name, "value": value, "inline": inline}


def _footer(text: str, marks: Sequence[str]) -> dict[str, str]:
    return {"text": SEPARATOR.join([text, *marks]) if text else SEPARATOR.join(marks)}


def _id_groups(decisions: Sequence[CommandDecision], kind: RecordKind, base_footer: str) -> list[list[CommandDecision]]:
    """Split decisions so each group's marker fits in a footer after ``base_footer``."""
    budget = FOOTER_LIMIT - len(base_footer) - len(SEPARATOR)
    by_id = {decision.command.id: decision for decision in decisions}
    groups = pack_ids(by_id, budget, kind)
    order = {decision.command.id: index for index, decision in enumerate(decisions)}
    return [sorted((by_id[command_id] for command_id in group), key=lambda d: order[d.command.id]) for group in groups]


# ---------------------------------------------------------------------------- warning DM


def warning_line(decision: CommandDecision) -> str:
    return (
        f"• **{escape(decision.name)}** (unused for {plural(decision.idle_days, 'day')}): "
        f"deleted on {decision.deletion_date.isoformat()}"
    )


def warning_messages(decisions: Sequence[CommandDecision], *, now: datetime, zone: tzinfo) -> list[DirectMessage]:
    """The warning DM for one creator: one message, or a few when the ids overflow a footer."""
    messages = []
    for group in _id_groups(decisions, "warned", WARNING_FOOTER):
        count = len(group)
        hidden = group[LISTED_COMMANDS:]
        tail = f" (earliest deletion {min(d.deletion_date for d in hidden).isoformat()})" if hidden else ""
        description = (
            f"The following custom command{'s' if count != 1 else ''} "
            f"{'have' if count != 1 else 'has'} not been used for a long time and will be deleted on the date "
            f"shown unless used before then (dates in {zone_name(zone)} time):"
        )
        embed: Embed = {
            "title": WARNING_TITLE,
            "description": description,
            "color": WARNING_COLOR,
            "fields": [
                _field(
                    f"Command{'s' if count != 1 else ''} at Risk",
                    listing([warning_line(d) for d in group], tail=tail),
                ),
                _field(*KEEP_FIELD),
                _field(*MANAGE_FIELD),
            ],
            "footer": _footer(WARNING_FOOTER, [marker("warned", (d.command.id for d in group))]),
            "timestamp": now.isoformat(),
        }
        messages.append(DirectMessage(tuple(group), [embed]))
    return messages


# ---------------------------------------------------------------------------- deletion DM


def deletion_footer(thresholds: Thresholds) -> str:
    return (
        f"Commands unused for {thresholds.delete_after} days are deleted, at least "
        f"{plural(thresholds.grace, 'day')} after a warning, to keep the system manageable"
    )


def deletion_line(decision: CommandDecision) -> str:
    uses = plural(decision.command.use_count, "use")
    return f"• **{escape(decision.name)}** ({uses}, unused for {plural(decision.idle_days, 'day')})"


def deletion_messages(
    decisions: Sequence[CommandDecision], *, now: datetime, thresholds: Thresholds
) -> list[DirectMessage]:
    """The deletion DM for one creator (split like the warning when the ids overflow)."""
    base = deletion_footer(thresholds)
    messages = []
    for group in _id_groups(decisions, "deleted", base):
        count = len(group)
        description = (
            f"The following custom command{'s' if count != 1 else ''} "
            f"{'have' if count != 1 else 'has'} been automatically deleted due to inactivity:"
        )
        embed: Embed = {
            "title": DELETION_TITLE,
            "description": description,
            "color": DELETION_COLOR,
            "fields": [
                _field(f"Deleted Command{'s' if count != 1 else ''}", listing([deletion_line(d) for d in group])),
                _field(*CREATE_FIELD),
            ],
            "footer": _footer(base, [marker("deleted", (d.command.id for d in group))]),
            "timestamp": now.isoformat(),
        }
        messages.append(DirectMessage(tuple(group), [embed]))
    return messages


# ---------------------------------------------------------------------------- admin summary


@dataclass(frozen=True, slots=True)
class Unreachable:
    """A creator who could not be DMed, and why (``left-guild``, ``dms-closed``, ``no-creator``...)."""

    label: str
    reason: str
    commands: int


@dataclass(frozen=True, slots=True)
class SummaryFacts:
    """What the admin summary reports.

    ``warned`` are all commands warned by this pass (the summary lists them all,
    a second record); ``recorded_here`` of them could not be DMed, so this
    summary is their only warning record.
    """

    today: date
    warned: Sequence[CommandDecision]
    users_notified: int
    deleted: Sequence[CommandDecision]
    recorded_here: int
    unreachable: Sequence[Unreachable]
    active_commands: int
    total_creators: int

    @property
    def anything_happened(self) -> bool:
        return bool(self.warned or self.deleted)


def _name_line(decision: CommandDecision, suffix: str = "") -> str:
    return f"• `{decision.name.replace('`', 'ʼ')}` (#{decision.command.id}{suffix})"


def _summary_marks(facts: SummaryFacts, budget: int) -> list[str]:
    marks: list[str] = []
    kinds: tuple[tuple[RecordKind, Sequence[CommandDecision]], ...] = (
        ("warned", facts.warned),
        ("deleted", facts.deleted),
    )
    for kind, decisions in kinds:
        ids = [decision.command.id for decision in decisions]
        if ids:
            marks.extend(marker(kind, group) for group in pack_ids(ids, budget, kind))
    return marks


def _fill_footers(first_base: str, marks: list[str]) -> list[list[str]]:
    """Distribute markers over footers: the first after ``first_base``, the others on their own."""
    footers: list[list[str]] = [[]]
    used = len(first_base)
    for mark in marks:
        cost = len(SEPARATOR) + len(mark)
        if used + cost > FOOTER_LIMIT:
            footers.append([])
            used = 0
        footers[-1].append(mark)
        used += cost
    return footers


def summary_embeds(facts: SummaryFacts, *, now: datetime, zone: tzinfo) -> list[list[Embed]]:
    """The admin summary: the first message has the totals and lists, continuations only carry markers."""
    base = f"Cleanup of {facts.today.isoformat()} ({zone_name(zone)})"
    fields = []
    if facts.warned:
        parts = []
        dmed = len(facts.warned) - facts.recorded_here
        if dmed:
            parts.append(f"{plural(facts.users_notified, 'user')} notified about {plural(dmed, 'command')} at risk")
        if facts.recorded_here:
            parts.append(f"{plural(facts.recorded_here, 'command')} of unreachable creators recorded here")
        fields.append(_field("⚠️ Warnings Sent", "; ".join(parts), inline=True))
    if facts.deleted:
        removed = f"{plural(len(facts.deleted), 'inactive command')} removed"
        fields.append(_field("🗑️ Commands Deleted", removed, inline=True))
    stats = f"**Active Commands:** {facts.active_commands}\n**Total Creators:** {facts.total_creators}"
    fields.append(_field("📊 Current Stats", stats, inline=True))
    if facts.warned:
        lines = [_name_line(d, f", deleted on {d.deletion_date.isoformat()}") for d in facts.warned]
        fields.append(_field("Warned Commands", listing(lines)))
    if facts.deleted:
        fields.append(_field("Deleted Commands", listing([_name_line(d) for d in facts.deleted])))
    if facts.unreachable:
        lines = [f"• {escape(entry.label)}: {entry.reason}" for entry in facts.unreachable]
        fields.append(_field("Unreachable Creators", listing(lines, "creator")))
    marks = _summary_marks(facts, FOOTER_LIMIT - len(SEPARATOR))
    footers = _fill_footers(base, marks)
    messages: list[list[Embed]] = [
        [
            {
                "title": SUMMARY_TITLE,
                "description": "Daily cleanup task completed",
                "color": SUMMARY_COLOR,
                "fields": fields,
                "footer": _footer(base, footers[0]),
                "timestamp": now.isoformat(),
            }
        ]
    ]
    for number, footer_marks in enumerate(footers[1:], start=2):
        messages.append(
            [
                {
                    "title": f"{SUMMARY_TITLE} ({number}/{len(footers)})",
                    "description": "More commands of this cleanup (ids in the footer)",
                    "color": SUMMARY_COLOR,
                    "footer": _footer("", footer_marks),
                    "timestamp": now.isoformat(),
                }
            ]
        )
    return messages
