"""Warning and deletion records: the marker the bot writes into its own messages, and its recovery.

The league API keeps only ``warning_sent``; it does not say *when* a command
was warned. The date is therefore recovered from the bot's own messages: the
warning DM to the creator, or the admin summary that listed the command. Each
such message carries a marker in an embed footer, e.g.::

    cc-cleanup:warned@2026-11-23=12,40,41

and a deletion DM carries ``cc-cleanup:deleted@…=...``. The date after ``@``
is the league-local date the message stated its deletion dates from (the
warning date), written from the same clock that computed those dates, so a
later pass derives exactly the dates the creator was told, whatever the host
clock's offset from Discord's (SPEC §1.8). The record's instant is the
creation time encoded in the message's snowflake id (Discord's clock, which
nobody can edit); it orders records and is compared only with other
external timestamps (a command's last use), never with the host clock.
Markers without a date (written before dates were added) fall back to the
snowflake's league-local date. Only messages authored by the bot count: a
creator cannot forge a record by typing a marker into the DM channel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from leaguectl.discord_limits import snowflake_time

RecordKind = Literal["warned", "deleted"]
RecordSource = Literal["dm", "admin"]

MARKER_PREFIX = "cc-cleanup:"
_MARKER = re.compile(r"cc-cleanup:(warned|deleted)(?:@(\d{4}-\d{2}-\d{2}))?=(\d{1,40}(?:,\d{1,40})*)")
LEGACY_WARNING_TITLE = "Custom Command Cleanup Warning"
_LEGACY_NAME = re.compile(r"^• \*\*(.+?)\*\*", re.MULTILINE)
_UNESCAPE = re.compile(r"\\(.)")
#: Snowflakes fit in 64 bits; a longer "id" in a bot message is not one (and cannot be dated).
_MAX_SNOWFLAKE_DIGITS = 20


@dataclass(frozen=True, slots=True)
class Record:
    """One command named in one of the bot's cleanup messages.

    ``on`` is the date the marker states (None for markers without one);
    ``legacy`` marks a reference-bot warning recovered by name (no marker),
    which leaguectl never summarised and never will.
    """

    kind: RecordKind
    command_id: int
    at: datetime
    source: RecordSource
    message_id: str
    on: date | None = None
    legacy: bool = False


def marker_head(kind: RecordKind, on: date | None) -> str:
    """The marker up to and including ``=``: ``cc-cleanup:warned@2026-11-23=``."""
    stamp = "" if on is None else f"@{on.isoformat()}"
    return f"{MARKER_PREFIX}{kind}{stamp}="


def marker(kind: RecordKind, command_ids: Iterable[int], on: date | None = None) -> str:
    """The machine-readable marker naming ``command_ids`` (sorted, deduplicated)."""
    ids = sorted(set(command_ids))
    if not ids:
        raise ValueError("a marker needs at least one command id")
    if ids[0] < 0:
        raise ValueError(f"command id {ids[0]} cannot be written in a marker")
    return marker_head(kind, on) + ",".join(str(command_id) for command_id in ids)


def _footer_texts(message: Mapping[str, Any]) -> list[str]:
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
    embeds = message.get("embeds")
    for embed in embeds if isinstance(embeds, list) else ():
        if not isinstance(embed, Mapping) or LEGACY_WARNING_TITLE not in str(embed.get("title") or ""):
            continue
        fields = embed.get("fields")
        for item in fields if isinstance(fields, list) else ():
            if isinstance(item, Mapping) and str(item.get("name") or "").startswith("Command"):
                names.extend(_UNESCAPE.sub(r"\1", name) for name in _LEGACY_NAME.findall(str(item.get("value"))))
    return names


def _stated_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


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
    if not (message_id.isascii() and message_id.isdigit() and len(message_id) <= _MAX_SNOWFLAKE_DIGITS):
        return []
    at = snowflake_time(message_id)  # when it was created; nobody can edit that
    found: list[Record] = []
    for text in _footer_texts(message):
        for kind, stated, ids in _MARKER.findall(text):
            on = _stated_date(stated)
            found.extend(
                Record(kind=kind, command_id=int(command_id), at=at, source=source, message_id=message_id, on=on)
                for command_id in ids.split(",")
            )
    if not found and legacy_names:
        for name in legacy_warned_names(message):
            command_id = legacy_names.get(name.lower())
            if command_id is not None:
                found.append(
                    Record(
                        kind="warned", command_id=command_id, at=at, source=source, message_id=message_id, legacy=True
                    )
                )
    return found


class RecordIndex:
    """Records by command id, answering "which records of this kind since that moment"."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._by_command: dict[int, list[Record]] = {}
        self.add(records)

    def add(self, records: Iterable[Record]) -> None:
        for record in records:
            self._by_command.setdefault(record.command_id, []).append(record)

    def since(
        self,
        command_id: int,
        kind: RecordKind,
        *,
        since: datetime,
        sources: tuple[RecordSource, ...] = ("dm", "admin"),
    ) -> list[Record]:
        """The records of ``kind`` for the command made at or after ``since``, oldest first.

        Records older than ``since`` (the command's last use) are stale: they
        warned about an idle period the creator has since ended.
        """
        matching = [
            record
            for record in self._by_command.get(command_id, ())
            if record.kind == kind and record.source in sources and record.at >= since
        ]
        return sorted(matching, key=lambda record: (record.at, record.message_id))

    def latest(
        self,
        command_id: int,
        kind: RecordKind,
        *,
        since: datetime,
        sources: tuple[RecordSource, ...] = ("dm", "admin"),
    ) -> Record | None:
        """The newest record of ``kind`` for the command made at or after ``since``."""
        found = self.since(command_id, kind, since=since, sources=sources)
        return found[-1] if found else None

    def __len__(self) -> int:
        return sum(len(records) for records in self._by_command.values())
