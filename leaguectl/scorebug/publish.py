"""``scorecards list|publish|unpublish``: manage ``SCORECARDS_FILE`` without the bot's slash commands.

The file keeps the bot's own layout (league.md §3.8), so the bot and
leaguectl can share it. Writes go through
:func:`~leaguectl.scorebug.files.update_scorecards` (re-read, temp file,
fsync, check, rename), never from a copy read earlier.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from leaguectl.errors import UsageError
from leaguectl.scorebug.files import JsonObject, load_scorecards, update_scorecards

if TYPE_CHECKING:
    from leaguectl.passrun import PassContext

_MENTION = re.compile(r"^<#(\d+)>$")


def _channel_text(reference: str) -> str:
    text = reference.strip()
    mention = _MENTION.match(text)
    return mention.group(1) if mention else text.removeprefix("#")


def resolve_text_channel(pc: PassContext, reference: str) -> str:
    """A text channel's id from its id, ``<#id>`` mention, ``#name`` or name (checked with Discord)."""
    text = _channel_text(reference)
    channel = pc.discord.resolve_channel(pc.guild_id, text)
    if channel is None:
        raise UsageError(f"no text channel {reference!r} in guild {pc.guild_id}")
    return str(channel["id"])


def list_scorecards(pc: PassContext) -> None:
    cards = load_scorecards(pc.settings.scorecards_file, pc.runtime.sleep)
    rows: list[dict[str, Any]] = [
        {
            "channel": card.text_channel_id,
            "sheet_url": card.sheet_url,
            "published_at": card.published_at,
            "publisher": card.publisher_id,
        }
        for card in cards.cards
    ]
    for bad in cards.bad:
        pc.report.error(f"SCORECARDS_FILE entry {bad.key!r}: {bad.problem}", item=bad.key)
    pc.report.details["scorecards"] = rows
    count = len(rows)
    pc.report.summary = f"{count} scorecard{'s' if count != 1 else ''} published in {pc.settings.scorecards_file}"


def publish_scorecard(pc: PassContext, channel_reference: str, url: str, publisher: str | None) -> None:
    """Validate that the sheet opens and parses, then publish it for the channel."""
    from leaguectl.scorebug.parse import ScorebugParseError
    from leaguectl.sheets import BadSheetReference, ScorecardReader, SheetError, read_scorebug, spreadsheet_key

    url = url.strip()
    try:
        spreadsheet_key(url)
    except BadSheetReference as exc:
        raise UsageError(str(exc)) from None
    channel_id = resolve_text_channel(pc, channel_reference)
    reader = ScorecardReader(
        credentials=pc.settings.google_sheets_credentials, api_url=pc.settings.sheets_api_url, runtime=pc.runtime
    )
    try:
        scorebug = read_scorebug(reader, url)
    except SheetError as exc:
        pc.report.error(f"not published: {exc}", item=channel_id)
        return
    except ScorebugParseError as exc:
        pc.report.error(f"not published: the Scorebug tab does not describe a game: {exc}", item=channel_id)
        return
    finally:
        reader.close()
    publisher_id = publisher or str(pc.discord.current_user()["id"])
    now = pc.now.isoformat()
    game = f"team {scorebug.away_team_id} @ team {scorebug.home_team_id}: {scorebug.header or '(no header)'}"

    def change(section: JsonObject) -> tuple[str, bool]:
        entry = section.get(channel_id)
        if isinstance(entry, dict) and str(entry.get("sheet_url", "")).strip() == url:
            return "already published", False
        section[channel_id] = {
            "text_channel_id": channel_id,
            "sheet_url": url,
            "published_at": now,
            "last_updated": now,
            "publisher_id": publisher_id,
        }
        return ("republished" if entry is not None else "published"), True

    if pc.dry_run:
        pc.report.action("publish-scorecard", channel_id, sheet_url=url, game=game)
        return
    outcome = update_scorecards(pc.settings.scorecards_file, change)
    if outcome == "already published":
        pc.report.skip("this sheet is already published for the channel", item=channel_id)
    else:
        pc.report.action("publish-scorecard", channel_id, sheet_url=url, game=game, outcome=outcome)
    pc.report.summary = f"{outcome}: {url} for channel {channel_id}"


def unpublish_scorecard(pc: PassContext, channel_reference: str) -> None:
    """Remove the channel's scorecard; an id needs no Discord lookup (the channel may be gone)."""
    text = _channel_text(channel_reference)
    channel_id = text if text.isascii() and text.isdigit() else resolve_text_channel(pc, text)

    def change(section: JsonObject) -> tuple[bool, bool]:
        if channel_id not in section:
            return False, False
        del section[channel_id]
        return True, True

    if pc.dry_run:
        cards = load_scorecards(pc.settings.scorecards_file, pc.runtime.sleep).cards
        published = {card.text_channel_id for card in cards}
        if channel_id in published:
            pc.report.action("unpublish-scorecard", channel_id)
        else:
            pc.report.skip("no scorecard is published for this channel", item=channel_id)
        return
    if update_scorecards(pc.settings.scorecards_file, change):
        pc.report.action("unpublish-scorecard", channel_id)
        pc.report.summary = f"unpublished the scorecard of channel {channel_id}"
    else:
        pc.report.skip("no scorecard is published for this channel", item=channel_id)
