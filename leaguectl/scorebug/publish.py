"""``scorecards list|publish|unpublish``: manage ``SCORECARDS_FILE`` without the bot's slash commands.

The file keeps the bot's own layout (league.md §3.8), so the bot and
leaguectl can share it: ``sheet_url`` is always a full Google Sheets URL (the
bot opens scorecards by URL; a bare key given here is stored as one). Writes
go through :func:`~leaguectl.scorebug.files.update_scorecards` (re-read, temp
file, fsync, check, rename), never from a copy read earlier. A sheet is
published for one channel at a time, as two scorebugs of one game would
show the same score twice.

Output names channels as people know them (``#gameday-1``); the ids stay in
the ``--json`` report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from leaguectl.errors import LeaguectlError, Terminated, UsageError
from leaguectl.scorebug.files import JsonObject, PublishedScorecard, load_scorecards, shown_key, update_scorecards
from leaguectl.scorebug.names import channel_label, channel_names

if TYPE_CHECKING:
    from leaguectl.passrun import PassContext

_MENTION = re.compile(r"^<#(\d+)>$")
SHEETS_HOST = "docs.google.com"
SHEET_URL = "https://docs.google.com/spreadsheets/d/{key}/edit"

Label = Callable[[str], str]


def _channel_text(reference: str) -> str:
    text = reference.strip()
    mention = _MENTION.match(text)
    return mention.group(1) if mention else text.removeprefix("#")


def sheet_reference(text: str) -> tuple[str, str]:
    """(spreadsheet key, URL to store) for a Google Sheets URL or a bare key; UsageError otherwise.

    A URL is stored as given (as the bot does); a bare key becomes the
    sheet's full URL, because the bot cannot open a bare key.
    """
    from leaguectl.sheets import BadSheetReference, spreadsheet_key

    try:
        key = spreadsheet_key(text)
    except BadSheetReference:
        raise UsageError(f"{text[:80]!r} is neither a Google Sheets URL nor a spreadsheet key") from None
    if key == text:
        return key, SHEET_URL.format(key=key)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or parts.hostname != SHEETS_HOST:
        raise UsageError(
            f"{text[:80]!r} is not a Google Sheets URL: give https://{SHEETS_HOST}/spreadsheets/d/<key>/… or the key"
        )
    return key, text


def _sheet_key(url: str) -> str | None:
    from leaguectl.sheets import BadSheetReference, spreadsheet_key

    try:
        return spreadsheet_key(url)
    except BadSheetReference:
        return None


def resolve_text_channel(pc: PassContext, reference: str) -> str:
    """A text channel's id from its id, ``<#id>`` mention, ``#name`` or name (checked with Discord)."""
    text = _channel_text(reference)
    channel = pc.discord.resolve_channel(pc.guild_id, text)
    if channel is None:
        raise UsageError(f"no text channel {reference!r} in the guild; give its #name or id")
    return str(channel["id"])


def _best_effort_names(pc: PassContext) -> tuple[dict[str, str], str | None]:
    """The guild's channel names, or why they cannot be had (files can be managed without Discord)."""
    from leaguectl.discord_rest import DiscordError

    try:
        return channel_names(pc.discord.guild_channels(pc.guild_id)), None
    except Terminated:
        raise
    except (LeaguectlError, DiscordError) as exc:
        return {}, str(exc)


def _labeller(names: dict[str, str]) -> Label:
    def label(channel_id: str) -> str:
        return channel_label(names, channel_id) if names else f"channel {channel_id}"

    return label


def _publisher_name(pc: PassContext, user_id: str) -> str:
    """``@name`` of a publisher still in the guild, else the id as given."""
    from leaguectl.discord_rest import DiscordError

    if not (user_id.isascii() and user_id.isdigit()):
        return user_id
    try:
        member = pc.discord.guild_member(pc.guild_id, user_id)
    except Terminated:
        raise
    except (LeaguectlError, DiscordError):
        return user_id
    user = member.get("user") if member else None
    if not isinstance(member, dict) or not isinstance(user, dict):
        return user_id
    for name in (member.get("nick"), user.get("global_name"), user.get("username")):
        if isinstance(name, str) and name.strip():
            return "@" + " ".join(name.split())[:64]
    return user_id


def list_scorecards(pc: PassContext) -> None:
    cards = load_scorecards(pc.settings.scorecards_file, pc.runtime.sleep)
    names, problem = _best_effort_names(pc) if cards.cards or cards.bad else ({}, None)
    if problem is not None:
        pc.report.warn(f"channel names are not shown (Discord: {problem})")
    label = _labeller(names)
    publishers: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for card in cards.cards:
        if card.publisher_id not in publishers:
            publishers[card.publisher_id] = _publisher_name(pc, card.publisher_id) if names else card.publisher_id
        rows.append(
            {
                "channel": label(card.text_channel_id),
                "channel_id": card.text_channel_id,
                "sheet_url": card.sheet_url,
                "published_at": card.published_at,
                "publisher": publishers[card.publisher_id],
                "publisher_id": card.publisher_id,
            }
        )
    for bad in cards.bad:
        pc.report.error(f"SCORECARDS_FILE entry {shown_key(bad.key)}: {bad.problem}", item=shown_key(bad.key))
    pc.report.details["scorecards"] = rows
    count = len(rows)
    pc.report.summary = f"{count} scorecard{'s' if count != 1 else ''} published in {pc.settings.scorecards_file}"


def _published_elsewhere(cards: tuple[PublishedScorecard, ...], key: str, channel_id: str) -> str | None:
    """The channel for which sheet ``key`` is already published, other than ``channel_id``."""
    for card in cards:
        if card.text_channel_id != channel_id and _sheet_key(card.sheet_url) == key:
            return card.text_channel_id
    return None


def _conflict(pc: PassContext, key: str, other: str, channel_id: str, label: Label) -> None:
    pc.report.error(
        f"not published: sheet {key} is already published for {label(other)}; unpublish it there first "
        f"(leaguectl scorecards unpublish {other}) or publish this game's own sheet",
        item=label(channel_id),
        channel=channel_id,
        published_for=other,
    )


def publish_scorecard(pc: PassContext, channel_reference: str, url: str, publisher: str | None) -> None:
    """Validate that the sheet opens and parses, then publish it for the channel (one channel per sheet)."""
    from leaguectl.scorebug.parse import ScorebugParseError
    from leaguectl.sheets import ScorecardReader, SheetError, read_scorebug

    key, stored_url = sheet_reference(url.strip())
    channel_id = resolve_text_channel(pc, channel_reference)
    label = _labeller(channel_names(pc.discord.guild_channels(pc.guild_id)))
    other = _published_elsewhere(load_scorecards(pc.settings.scorecards_file, pc.runtime.sleep).cards, key, channel_id)
    if other is not None:
        _conflict(pc, key, other, channel_id, label)
        return
    reader = ScorecardReader(
        credentials=pc.settings.google_sheets_credentials, api_url=pc.settings.sheets_api_url, runtime=pc.runtime
    )
    try:
        scorebug = read_scorebug(reader, stored_url)
    except SheetError as exc:
        pc.report.error(f"not published: {exc}", item=label(channel_id), channel=channel_id)
        return
    except ScorebugParseError as exc:
        pc.report.error(
            f"not published: the Scorebug tab does not describe a game: {exc}",
            item=label(channel_id),
            channel=channel_id,
        )
        return
    finally:
        reader.close()
    publisher_id = publisher or str(pc.discord.current_user()["id"])
    now = pc.now.isoformat()
    game = f"team {scorebug.away_team_id} @ team {scorebug.home_team_id}: {scorebug.header[:100] or '(no header)'}"
    detail = {"channel": channel_id, "sheet_url": stored_url, "game": game}

    def change(section: JsonObject) -> tuple[str, bool]:
        for other_id, entry in section.items():
            if (
                other_id != channel_id
                and isinstance(entry, dict)
                and _sheet_key(str(entry.get("sheet_url", ""))) == key
            ):
                return f"conflict:{other_id}", False
        entry = section.get(channel_id)
        if isinstance(entry, dict) and _sheet_key(str(entry.get("sheet_url", ""))) == key:
            return "already published", False
        section[channel_id] = {
            "text_channel_id": channel_id,
            "sheet_url": stored_url,
            "published_at": now,
            "last_updated": now,
            "publisher_id": publisher_id,
        }
        return ("republished" if entry is not None else "published"), True

    if pc.dry_run:
        pc.report.action("publish-scorecard", label(channel_id), **detail)
        return
    outcome = update_scorecards(pc.settings.scorecards_file, change)
    if outcome.startswith("conflict:"):
        _conflict(pc, key, outcome.removeprefix("conflict:"), channel_id, label)
        return
    if outcome == "already published":
        pc.report.skip("this sheet is already published for the channel", item=label(channel_id), channel=channel_id)
    else:
        pc.report.action("publish-scorecard", label(channel_id), outcome=outcome, **detail)
    pc.report.summary = f"{outcome}: {stored_url} for {label(channel_id)}"


def unpublish_scorecard(pc: PassContext, channel_reference: str) -> None:
    """Remove the channel's scorecard; an id needs no Discord lookup (the channel may be gone).

    The next ``scorebug-tick`` removes its scorebug and clears the status it
    wrote on the game's voice channel.
    """
    text = _channel_text(channel_reference)
    if text.isascii() and text.isdigit():
        channel_id = text
        names, _problem = _best_effort_names(pc)
    else:
        channel_id = resolve_text_channel(pc, text)
        names = channel_names(pc.discord.guild_channels(pc.guild_id))
    label = _labeller(names)(channel_id)

    def change(section: JsonObject) -> tuple[bool, bool]:
        if channel_id not in section:
            return False, False
        del section[channel_id]
        return True, True

    if pc.dry_run:
        cards = load_scorecards(pc.settings.scorecards_file, pc.runtime.sleep).cards
        published = {card.text_channel_id for card in cards}
        if channel_id in published:
            pc.report.action("unpublish-scorecard", label, channel=channel_id)
        else:
            pc.report.skip("no scorecard is published for this channel", item=label, channel=channel_id)
        return
    if update_scorecards(pc.settings.scorecards_file, change):
        pc.report.action("unpublish-scorecard", label, channel=channel_id)
        pc.report.summary = (
            f"unpublished the scorecard of {label}; the next scorebug-tick removes its scorebug and voice status"
        )
    else:
        pc.report.skip("no scorecard is published for this channel", item=label, channel=channel_id)
