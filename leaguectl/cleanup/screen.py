"""Which custom commands and creators a pass can act on, and what is wrong with the others.

One bad row never stops the pass (SPEC §1.6): every command row and creator
row that cannot be used becomes one :class:`Problem` naming the row, the
field and what to do, and every other command is still warned or deleted.

The decisions are conservative, because a deletion cannot be undone:

* a command row that does not fit the model (a bad ``last_used``, a
  ``warning_sent`` that is not a boolean, a nested creator that cannot be
  read...) is never warned, marked or deleted;
* so is a readable command whose dates cannot be computed (a year-1 time with
  an offset), whose id is not positive (no marker could name it) or whose text
  could not be written back by the full-row update that marks it warned (a
  lone surrogate);
* a readable command whose creator cannot be used is *held*: a creator row
  that does not fit the model, a ``discord_id`` that is not a Discord user id
  (a positive 64-bit integer), or two rows of one creator naming different
  Discord users. Treating such a command as ownerless would warn it only in
  the admin summary and delete it later without its owner ever hearing of it;
  holding it waits until the creator row is fixed. When a creator row without
  a readable id is rejected, a command whose creator is not among the
  readable rows might be that creator's, so it is held too.

Everything here is pure: rows in, the usable part and the problems out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from leaguectl.cleanup.planner import local_date, reference_time
from leaguectl.cleanup.text import LABEL_LIMIT, display, encodable, plural
from leaguectl.league_api import RejectedRow
from leaguectl.models import CustomCommand, CustomCommandCreator

SNOWFLAKE_LIMIT = 2**64
"""Discord ids are unsigned 64-bit integers."""
LISTED_NAMES = 20
"""Most held command names listed in one creator problem."""

_HINTS = {
    "id": "a positive integer",
    "name": "the command's name (text)",
    "content": "the command's text",
    "created_at": "an ISO 8601 date and time such as 2026-01-31T18:00:00",
    "last_used": "an ISO 8601 date and time such as 2026-01-31T18:00:00, or null when it was never used",
    "updated_at": "an ISO 8601 date and time, or null",
    "use_count": "a whole number",
    "warning_sent": "true or false",
    "is_active": "true or false",
    "tags": "a list of texts, or null",
    "creator_id": "the id of a row of custom_commands/creators, or null",
    "creator": "the creator's row (an object), or null",
    "discord_id": "the creator's Discord user id (a positive integer such as 123456789012345678)",
    "username": "the creator's user name (text)",
    "display_name": "a text, or null",
    "total_commands": "a whole number",
    "active_commands": "a whole number",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One row a pass cannot act on. ``failed`` problems make the pass exit 1; the others are warnings."""

    item: str
    message: str
    field: str | None = None
    command_id: int | None = None
    creator_id: int | None = None
    failed: bool = True


@dataclass(frozen=True, slots=True)
class Screened:
    """The usable commands and creators, and one problem per row that is not."""

    commands: tuple[CustomCommand, ...]
    creators: tuple[CustomCommandCreator, ...]
    problems: tuple[Problem, ...]
    held: tuple[str, ...]
    """Names of readable commands held because of their creator (reported in the creator's problem)."""
    command_rows: int
    creator_rows: int


def is_snowflake(value: int) -> bool:
    """A Discord id: a positive integer that fits in 64 bits."""
    return 0 < value < SNOWFLAKE_LIMIT


def hint(field_name: str) -> str:
    """What a field should hold, for the "what to do" part of a problem."""
    last = field_name.rsplit(".", 1)[-1]
    return _HINTS.get(last, "a value of the documented type, or remove it")


def remedy(field_name: str) -> str:
    """The "what to do" clause for a field (``row``: the row as a whole is wrong)."""
    if field_name in ("", "row"):
        return "fix the row (an object with the documented fields)"
    return f"set {field_name} to {hint(field_name)}"


def _raw_int(value: object) -> int | None:
    """An id as served (a number or a numeric text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 10**40 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 40:
            return int(text)
    return None


def _raw_text(raw: Mapping[str, Any] | None, name: str) -> str | None:
    value = None if raw is None else raw.get(name)
    return value if isinstance(value, str) else None


def command_item(command_id: object, name: str | None) -> str:
    """How the report names a command: ``custom command #12 'alpha'``."""
    shown_id = f"#{command_id}" if isinstance(command_id, int) else "(no readable id)"
    return f"custom command {shown_id}" + ("" if name is None else f" '{display(name)}'")


def creator_item(creator_id: int | None, username: str | None = None) -> str:
    shown_id = "(no readable id)" if creator_id is None else f"#{creator_id}"
    return f"creator {shown_id}" + ("" if username is None else f" '{display(username, LABEL_LIMIT)}'")


@dataclass
class _Creators:
    """Creator rows by id, and why each unusable one is unusable."""

    usable: dict[int, CustomCommandCreator] = field(default_factory=dict)
    bad: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    unreadable: list[Problem] = field(default_factory=list)

    def reject(self, creator_id: int, why: str, username: str | None = None) -> None:
        self.bad.setdefault(creator_id, why)
        self.usable.pop(creator_id, None)
        if username is not None:
            self.names.setdefault(creator_id, username)

    def offer(self, creator: CustomCommandCreator, where: str) -> None:
        """A readable creator row (from the creators list or nested in a command)."""
        if not is_snowflake(creator.discord_id):
            self.reject(
                creator.id,
                f"discord_id ({where}): {creator.discord_id} is not a Discord user id",
                creator.username,
            )
            return
        if creator.id in self.bad:
            return
        known = self.usable.get(creator.id)
        if known is not None and known.discord_id != creator.discord_id:
            self.reject(
                creator.id,
                f"discord_id: two rows of this creator name different Discord users "
                f"({known.discord_id} and {creator.discord_id})",
                creator.username,
            )
            return
        self.usable.setdefault(creator.id, creator)


def _screen_creators(creators: Sequence[CustomCommandCreator], rejected: Sequence[RejectedRow]) -> _Creators:
    found = _Creators()
    for creator in creators:
        found.offer(creator, "creators list")
    for row in rejected:
        creator_id = _raw_int(row.raw.get("id")) if row.raw is not None else None
        if creator_id is None:
            found.unreadable.append(
                Problem(
                    item=f"custom_commands/creators row {row.index}",
                    field=row.error.field or None,
                    message=(
                        f"creator row {row.index} cannot be read: {row.error}. Commands whose creator is not among "
                        "the readable creator rows are held until it is fixed: "
                        f"{remedy(row.error.field or 'id')} in the league API"
                    ),
                )
            )
            continue
        field_name = row.error.field or "row"
        found.reject(creator_id, f"{field_name}: {row.error.problem}", _raw_text(row.raw, "username"))
    return found


def _command_problem(command_id: int | None, name: str | None, field_name: str, problem: str) -> Problem:
    what_to_do = (
        remedy(field_name)
        if not field_name.startswith("creator.")
        else f"fix the creator row ({field_name.split('.', 1)[1]}: {hint(field_name)})"
    )
    return Problem(
        item=command_item(command_id, name),
        field=field_name,
        command_id=command_id,
        message=(
            f"{command_item(command_id, name)} cannot be read: {field_name}: {problem}. It is neither warned nor "
            f"deleted until it can: {what_to_do} in the league API; the next pass picks it up"
        ),
    )


def _unusable_command(command: CustomCommand, zone: tzinfo) -> Problem | None:
    """Why a readable command still cannot be acted on, or None."""
    if command.id <= 0:
        return _command_problem(command.id, command.name, "id", f"{command.id} is not a positive integer")
    if not encodable(dict(command.raw)):
        return _command_problem(
            command.id,
            command.name,
            _unwritable_field(command.raw),
            "holds text that is not valid Unicode (a lone surrogate), so the row cannot be written back",
        )
    try:
        local_date(reference_time(command), zone)
    except (OverflowError, ValueError, OSError):
        field_name = "last_used" if command.last_used is not None else "created_at"
        return _command_problem(
            command.id, command.name, field_name, f"{reference_time(command).isoformat()} is out of range"
        )
    return None


def _unwritable_field(raw: Mapping[str, Any]) -> str:
    """The first field whose text could not be sent back, or ``row``."""
    for key, value in raw.items():
        if not encodable(key):
            return "row"
        if not encodable(value):
            return str(key)
    return "row"


def _owner_id(command: CustomCommand) -> int | None:
    if command.creator_id is not None:
        return command.creator_id
    return command.creator.id if command.creator is not None else None


def _raw_owner_id(raw: Mapping[str, Any] | None) -> int | None:
    if raw is None:
        return None
    owner = _raw_int(raw.get("creator_id"))
    nested = raw.get("creator")
    if owner is None and isinstance(nested, Mapping):
        owner = _raw_int(nested.get("id"))
    return owner


def screen(
    commands: Sequence[CustomCommand],
    creators: Sequence[CustomCommandCreator],
    *,
    rejected_commands: Sequence[RejectedRow] = (),
    rejected_creators: Sequence[RejectedRow] = (),
    zone: tzinfo,
) -> Screened:
    """Split the rows into what a pass may act on and one problem per row it may not."""
    owners = _screen_creators(creators, rejected_creators)
    for command in commands:
        if command.creator is not None:
            owners.offer(command.creator, f"nested in command #{command.id}")
    problems: list[Problem] = list(owners.unreadable)
    usable: list[CustomCommand] = []
    held_by: dict[int | None, list[str]] = {}
    for command in commands:
        problem = _unusable_command(command, zone)
        if problem is not None:
            problems.append(problem)
            continue
        owner = _owner_id(command)
        if owner is not None and owner in owners.bad:
            held_by.setdefault(owner, []).append(command.name)
        elif owner is not None and owner not in owners.usable and owners.unreadable:
            held_by.setdefault(None, []).append(command.name)
        else:
            usable.append(command)
    for row in rejected_commands:
        owner = _raw_owner_id(row.raw)
        field_name = row.error.field or "row"
        name = _raw_text(row.raw, "name")
        if field_name.startswith("creator") and owner is not None and owner in owners.bad:
            held_by.setdefault(owner, []).append(name or f"#{row.row_id}")
            continue
        command_id = _raw_int(row.raw.get("id")) if row.raw is not None else None
        problems.append(_command_problem(command_id, name, field_name, row.error.problem))
    problems.extend(_creator_problems(owners, held_by))
    return Screened(
        commands=tuple(usable),
        creators=tuple(owners.usable.values()),
        problems=tuple(problems),
        held=tuple(name for names in held_by.values() for name in names),
        command_rows=len(commands) + len(rejected_commands),
        creator_rows=len(creators) + len(rejected_creators),
    )


def _sentence(clause: str) -> str:
    return clause[:1].upper() + clause[1:]


def _held_text(names: Sequence[str]) -> str:
    shown = ", ".join(display(name, 40) for name in sorted(names)[:LISTED_NAMES])
    more = f" and {len(names) - LISTED_NAMES} more" if len(names) > LISTED_NAMES else ""
    return f"its {plural(len(names), 'command')} ({shown}{more}) are neither warned nor deleted until it is fixed"


def _creator_problems(owners: _Creators, held_by: Mapping[int | None, Sequence[str]]) -> list[Problem]:
    problems = []
    for creator_id, why in sorted(owners.bad.items()):
        names = held_by.get(creator_id, ())
        field_name = why.split(":", 1)[0].split(" ", 1)[0]
        consequence = _held_text(names) if names else "it owns no active command, so nothing waits on it"
        item = creator_item(creator_id, owners.names.get(creator_id))
        problems.append(
            Problem(
                item=item,
                field=field_name,
                creator_id=creator_id,
                failed=bool(names),
                message=(
                    f"{item} cannot be used: {why}; {consequence}. "
                    f"{_sentence(remedy(field_name))} in the league API (custom_commands/creators)"
                ),
            )
        )
    unknown = held_by.get(None, ())
    if unknown:
        problems.append(
            Problem(
                item="commands of unknown creators",
                message=(
                    f"{plural(len(unknown), 'command')} belong to creators missing from the readable creator rows "
                    f"while a creator row could not be read, so they are held "
                    f"({', '.join(display(name, 40) for name in sorted(unknown)[:LISTED_NAMES])}); "
                    "fix the unreadable creator row"
                ),
            )
        )
    return problems
