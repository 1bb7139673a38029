"""Laying a listing out over Discord messages: every entry named, every message within the limits.

A listing is one or more titled sections of one-line entries; :func:`paginate`
spreads them over as few messages as Discord's limits allow (field value 1024,
25 fields, footer 2048, 6000 characters per message), continuing a section in a
field named "… (continued)" when a field or a message is full. Each page also
collects the :func:`~leaguectl.cleanup.records.marker` its footer must carry
for the entries it lists. The messages themselves are built in :mod:`.messages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from leaguectl.cleanup.records import RecordKind, marker, marker_head
from leaguectl.discord_limits import (
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_FIELDS_LIMIT,
    EMBED_FOOTER_LIMIT,
    EMBEDS_TOTAL_LIMIT,
)

SEPARATOR = " · "
FOOTER_LIMIT = EMBED_FOOTER_LIMIT


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a listing, and the record the message listing it must carry (if any)."""

    line: str
    command_id: int | None = None
    kind: RecordKind | None = None
    on: date | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A titled listing (one or more embed fields: "Commands at Risk", "Deleted Commands"...)."""

    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Layout:
    """What every message of a listing carries besides its entries, in characters and fields."""

    fixed_first: int
    fixed_rest: int
    fields_first: int
    fields_rest: int
    footer_base: str


@dataclass
class ListingField:
    name: str
    section: str
    lines: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        return "\n".join(self.lines)

    @property
    def size(self) -> int:
        return sum(len(line) for line in self.lines) + max(0, len(self.lines) - 1)


@dataclass
class Page:
    """One message's share of a listing: its fields, its entries and the markers they need."""

    first: bool
    fields: list[ListingField] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    marks: dict[tuple[RecordKind, date | None], list[int]] = field(default_factory=dict)
    listing_cost: int = 0
    marks_cost: int = 0

    def markers(self) -> list[str]:
        ordered = sorted(self.marks.items(), key=lambda item: (item[0][0], item[0][1] or date.min))
        return [marker(kind, ids, on) for (kind, on), ids in ordered]

    def footer(self, base: str) -> str:
        return SEPARATOR.join([part for part in (base, *self.markers()) if part])


def _mark_cost(page: Page, entry: Entry) -> int:
    if entry.kind is None or entry.command_id is None:
        return 0
    key = (entry.kind, entry.on)
    if key in page.marks:
        return 1 + len(str(entry.command_id))
    return len(SEPARATOR) + len(marker_head(entry.kind, entry.on)) + len(str(entry.command_id))


def _try_add(page: Page, section: Section, entry: Entry, started: bool, layout: Layout) -> bool:
    """Put ``entry`` on ``page`` if every limit still holds; False (page unchanged) otherwise."""
    line = entry.line
    last = page.fields[-1] if page.fields else None
    if last is not None and last.section == section.title and last.size + 1 + len(line) <= EMBED_FIELD_VALUE_LIMIT:
        target, field_cost = last, 1 + len(line)
    else:
        fixed_fields = layout.fields_first if page.first else layout.fields_rest
        if len(page.fields) + 1 + fixed_fields > EMBED_FIELDS_LIMIT:
            return False
        name = f"{section.title} (continued)" if started else section.title
        target, field_cost = ListingField(name=name, section=section.title), len(name) + len(line)
    mark_cost = _mark_cost(page, entry)
    footer = len(layout.footer_base) + page.marks_cost + mark_cost
    fixed = layout.fixed_first if page.first else layout.fixed_rest
    total = fixed + page.listing_cost + page.marks_cost + field_cost + mark_cost
    if footer > FOOTER_LIMIT or total > EMBEDS_TOTAL_LIMIT:
        return False
    if target is not last:
        page.fields.append(target)
    target.lines.append(line)
    page.entries.append(entry)
    page.listing_cost += field_cost
    page.marks_cost += mark_cost
    if entry.kind is not None and entry.command_id is not None:
        page.marks.setdefault((entry.kind, entry.on), []).append(entry.command_id)
    return True


def paginate(sections: Sequence[Section], layout: Layout) -> list[Page]:
    """Lay the sections' entries out over as few messages as Discord's limits allow, in order.

    A section continues in a field named "… (continued)" when a field or a
    message is full. Raises ValueError only for an entry that fits no empty
    message, which the line builders rule out.
    """
    pages = [Page(first=True)]
    for section in sections:
        started = False
        for entry in section.entries:
            if len(entry.line) > EMBED_FIELD_VALUE_LIMIT:
                raise ValueError(f"a listing line of {len(entry.line)} characters cannot fit a field")
            if not _try_add(pages[-1], section, entry, started, layout):
                pages.append(Page(first=False))
                if not _try_add(pages[-1], section, entry, started, layout):
                    raise ValueError("a listing entry fits no empty message")
            started = True
    return pages
