"""Warning and deletion records: the marker the bot writes into its own messages, and its recovery.

The league API keeps only ``warning_sent``; it does not say *when* a command
was warned. The date is therefore recovered from the bot's own messages: the
warning DM to the creator, or the admin summary that listed the command. Each
such message carries a marker in an embed footer, e.g.::

    cc-cleanup:warned=12,40,41

and a deletion DM carries ``cc-cleanup:deleted=...``. The date of a record is
the creation time encoded in the message's snowflake id, which nobody can
edit. Only messages authored by the bot count: a creator cannot forge a record
by typing a marker into the DM channel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from leaguectl.discord_limits import snowflake_time

RecordKind = Literal["warned", "deleted"]
RecordSource = Literal["dm", "admin"]

MARKER_PREFIX = "cc-cleanup:"
_MARKER = re.compile(r"cc-cleanup:(warned|deleted)=(\d+(?:,\d+)*)")
LEGACY_WARNING_TITLE = "Custom Command Cleanup Warning"
_LEGACY_NAME = re.compile(r"^• \*\*(.+?)\*\*", re.MULTILINE)
_UNESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class Record:
    """One command named in one of the bot's cleanup messages."""

    kind: RecordKind
    command_id: int
    at: datetime
    source: RecordSource
    message_id: str


def marker(kind: RecordKind, command_ids: Iterable[int]) -> str:
    """The machine-readable marker naming ``command_ids`` (sorted, deduplicated)."""
    ids = sorted(set(command_ids))
    if not ids:
        raise ValueError("a marker needs at least one command id")
    return f"{MARKER_PREFIX}{kind}={','.join(str(command_id) for command_id in ids)}"


def pack_ids(command_ids: Iterable[int], budget: int, kind: RecordKind) -> list[list[int]]:
    """Split ids (sorted) into groups whose :func:`marker` fits in ``budget`` characters.

    Lets a message with more commands than one footer can name be sent as a
    few messages instead of silently dropping ids from the record.
    """
    overhead = len(f"{MARKER_PREFIX}{kind}=")
    if budget < overhead + 1:
        raise ValueError(f"a budget of {budget} characters cannot hold a {kind} marker")
    groups: list[list[int]] = []
    current: list[int] = []
    used = overhead
    for command_id in sorted(set(command_ids)):
        cost = len(str(command_id)) + (1 if current else 0)
        if current and used + cost > budget:
            groups.append(current)
            current, used = [], overhead
            cost = len(str(command_id))
        if used + cost > budget:
            raise ValueError(f"command id {command_id} does not fit in a {budget}-character marker")
        current.append(command_id)
        used += cost
    if current:
        groups.append(current)
    return groups


def _message_texts(message: Mapping[str, Any]) -> list[str]:
    texts: list[str] = []
    embeds = message.get("embeds")
    if isinstance(embeds, list):
        for embed in embeds:
            if not isinstance(embed, Mapping):
                continue
            footer = embed.get("footer")
            if isinstance(footer, Mapping) and isinstance(footer.get("text"), str):
                texts.append(footer["text"])
    return texts


def legacy_warned_names(message: Mapping[str, Any]) -> list[str]:
    """Command names listed by a warning DM of the reference bot, which carries no marker.

    Lets a league switching from the reference bot keep its warnings: its
    "Commands at Risk" field lists up to ten ``• **name**`` lines (names past
    the tenth are not recoverable and are warned again).
    """
    names: list[str] = []
    for embed in message.get("embeds") or ():
        if not isinstance(embed, Mapping) or LEGACY_WARNING_TITLE not in str(embed.get("title") or ""):
            continue
        for item in embed.get("fields") or ():
            if isinstance(item, Mapping) and str(item.get("name") or "").startswith("Command"):
                names.extend(_UNESCAPE.sub(r"\1", name) for name in _LEGACY_NAME.findall(str(item.get("value"))))
    return names


def records_in_message(
    message: Mapping[str, Any],
    *,
    bot_id: str,
    source: RecordSource,
    legacy_names: Mapping[str, int] | None = None,
) -> list[Record]:
    """Every record in one message; none unless the bot wrote it.

    ``legacy_names`` (lower-cased name → command id, the recipient's commands)
    resolves a marker-less reference-bot warning DM into records.
    """
    author = message.get("author")
    if not isinstance(author, Mapping) or str(author.get("id")) != bot_id:
        return []
    message_id = str(message.get("id") or "")
    if not message_id.isdigit():
        return []
    at = snowflake_time(message_id)  # when it was created; nobody can edit that
    found: list[Record] = []
    for text in _message_texts(message):
        for kind, ids in _MARKER.findall(text):
            found.extend(
                Record(kind=kind, command_id=int(command_id), at=at, source=source, message_id=message_id)
                for command_id in ids.split(",")
            )
    if not found and legacy_names:
        for name in legacy_warned_names(message):
            command_id = legacy_names.get(name.lower())
            if command_id is not None:
                found.append(Record(kind="warned", command_id=command_id, at=at, source=source, message_id=message_id))
    return found


class RecordIndex:
    """Records by command id, answering "the latest record of this kind since that moment"."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._by_command: dict[int, list[Record]] = {}
        for record in records:
            self._by_command.setdefault(record.command_id, []).append(record)

    def add(self, records: Iterable[Record]) -> None:
        for record in records:
            self._by_command.setdefault(record.command_id, []).append(record)

    def latest(
        self,
        command_id: int,
        kind: RecordKind,
        *,
        since: datetime,
        sources: tuple[RecordSource, ...] = ("dm", "admin"),
    ) -> Record | None:
        """The newest record of ``kind`` for the command made at or after ``since``.

        Records older than ``since`` (the command's last use) are stale: they
        warned about an idle period the creator has since ended.
        """
        matching = [
            record
            for record in self._by_command.get(command_id, ())
            if record.kind == kind and record.source in sources and record.at >= since
        ]
        return max(matching, key=lambda record: record.at, default=None)

    def __len__(self) -> int:
        return sum(len(records) for records in self._by_command.values())
