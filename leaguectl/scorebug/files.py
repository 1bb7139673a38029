"""The league bot's JSON files: published scorecards and voice-channel links (league.md §3.8).

``scorebug-tick`` re-reads both files on every run and never writes them.
Only ``scorecards publish/unpublish`` writes ``SCORECARDS_FILE``, through
:func:`update_scorecards`: re-read, change, write a temporary file in the same
directory, fsync, check the file did not change meanwhile, rename. The bot
writes the same file without locking, so this check is what keeps a
concurrent ``/publish-scorecard`` from being overwritten by a stale copy.

Both files are external data: a file that cannot be read at all is a
:class:`~leaguectl.errors.ConfigError` naming its setting (the voice file's is
handed back as a problem, so the scorebugs can still update), and each
unusable entry is a :class:`BadEntry` saying what to do, never an exception.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from leaguectl.errors import ConfigError, ExitCode, LeaguectlError

SCORECARDS_SETTING = "SCORECARDS_FILE"
VOICE_CHANNELS_SETTING = "VOICE_CHANNELS_FILE"
SCORECARDS_KEY = "scorecards"
VOICE_CHANNELS_KEY = "voice_channels"
REREAD_DELAY_SECONDS = 1.0
"""A file that does not parse is read once more after this pause: the bot rewrites it in place."""
MAX_UPDATE_ATTEMPTS = 5

T = TypeVar("T")
JsonObject = dict[str, Any]


MAX_FILE_BYTES = 16 * 1024 * 1024
"""A bot file larger than this is not read (the bot's own files stay far below it)."""
MAX_URL_LENGTH = 2048
MAX_KEY_SHOWN = 40
SNOWFLAKE_MAX = (1 << 64) - 1


def is_snowflake(value: object) -> bool:
    """A Discord id as the bot's files hold it: ASCII digits (or an int) within 64 bits."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return (
        isinstance(text, str)
        and 0 < len(text) <= 20
        and text.isascii()
        and text.isdigit()
        and 0 < int(text) <= SNOWFLAKE_MAX
    )


def shown_key(key: str) -> str:
    """An entry's key for a message: hostile keys can be long or multi-line."""
    flat = " ".join(key.split())
    return repr(flat if len(flat) <= MAX_KEY_SHOWN else f"{flat[:MAX_KEY_SHOWN]}…")


@dataclass(frozen=True)
class PublishedScorecard:
    """One ``scorecards.json`` entry: the game's text channel and its sheet."""

    text_channel_id: str
    sheet_url: str
    published_at: str = ""
    publisher_id: str = ""


@dataclass(frozen=True)
class BadEntry:
    """An entry that cannot be used; the rest of the file still is. ``problem`` says what to do."""

    key: str
    problem: str


@dataclass(frozen=True)
class ScorecardFile:
    cards: tuple[PublishedScorecard, ...]
    bad: tuple[BadEntry, ...] = ()
    duplicates: tuple[str, ...] = ()
    """Keys that appear more than once in one JSON object; the last one counts, as for the bot."""


@dataclass(frozen=True)
class VoiceFile:
    """The voice-channel links: text channel id → voice channel id (the first in the file, as in the bot).

    ``problem`` is set when the file could not be read at all (then ``links``
    is empty and means "unknown", not "none"). ``uncertain`` holds the voice
    channels of entries that could not be used, which are never cleared.
    """

    links: dict[str, str]
    bad: tuple[BadEntry, ...] = ()
    uncertain: frozenset[str] = frozenset()
    duplicates: tuple[str, ...] = ()
    problem: str | None = None


class ConcurrentChange(LeaguectlError):
    """The file kept changing under us; nothing was written (exit 75: run again)."""

    exit_code = ExitCode.TEMPFAIL


def _pairs_hook(duplicates: list[str]) -> Callable[[list[tuple[str, Any]]], JsonObject]:
    """A JSON object builder that keeps the last of repeated keys (as ``json`` does) and notes them."""

    def build(pairs: list[tuple[str, Any]]) -> JsonObject:
        data: JsonObject = {}
        for key, value in pairs:
            if key in data:
                duplicates.append(key)
            data[key] = value
        return data

    return build


def _parse_json(raw: bytes, path: Path, setting: str, duplicates: list[str] | None = None) -> JsonObject:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(setting, f"{path} is not UTF-8 text ({exc.reason})") from None
    try:
        data = json.loads(text, object_pairs_hook=_pairs_hook(duplicates if duplicates is not None else []))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            setting, f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except (ValueError, RecursionError) as exc:
        reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc).split(";")[0]
        raise ConfigError(setting, f"{path} is not usable JSON ({reason})") from None
    if not isinstance(data, dict):
        raise ConfigError(setting, f"{path} must hold a JSON object, not {type(data).__name__}")
    return data


def _read_bytes(path: Path, setting: str) -> bytes | None:
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigError(setting, f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise ConfigError(setting, f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(
            setting, f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; is it the bot's file?"
        )
    return raw


def read_json_file(
    path: Path, setting: str, key: str, sleep: Callable[[float], None], duplicates: list[str] | None = None
) -> JsonObject | None:
    """The file's ``key`` object; None when the file does not exist.

    A file that does not parse is read once more after a short pause (it may be
    half-written by the bot) and is then a :class:`ConfigError` naming it.
    Repeated keys are appended to ``duplicates``.
    """
    noted: list[str] = []
    raw = _read_bytes(path, setting)
    if raw is None:
        return None
    try:
        data = _parse_json(raw, path, setting, noted)
    except ConfigError:
        sleep(REREAD_DELAY_SECONDS)
        raw = _read_bytes(path, setting)
        if raw is None:
            return None
        noted.clear()
        data = _parse_json(raw, path, setting, noted)
    section = data.get(key, {})
    if not isinstance(section, dict):
        raise ConfigError(setting, f"{path}: {key!r} must be an object keyed by channel id")
    if duplicates is not None:
        duplicates.extend(noted)
    return section


def _text_field(entry: JsonObject, name: str) -> str:
    value = entry.get(name)
    return value[:100] if isinstance(value, str) else ""


def _card(key: str, entry: object) -> PublishedScorecard | str:
    """One scorecards entry, or what is wrong with it (and what to do)."""
    from leaguectl.sheets import BadSheetReference, spreadsheet_key

    if not isinstance(entry, dict):
        return f"entry is a {type(entry).__name__}, not an object; unpublish it or fix the file"
    raw_id = entry.get("text_channel_id") or key
    channel_id = str(raw_id).strip() if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else ""
    if not is_snowflake(channel_id):
        return "text_channel_id is not a Discord channel id; unpublish this entry or fix the file"
    url = entry.get("sheet_url")
    if not isinstance(url, str) or not url.strip():
        return "entry has no sheet_url; publish the sheet again (leaguectl scorecards publish)"
    if len(url) > MAX_URL_LENGTH:
        return f"sheet_url is {len(url)} characters long, not a sheet URL; publish the sheet again"
    try:
        spreadsheet_key(url)
    except BadSheetReference:
        return "sheet_url is neither a Google Sheets URL nor a key; publish the sheet again"
    return PublishedScorecard(
        text_channel_id=channel_id,
        sheet_url=url.strip(),
        published_at=_text_field(entry, "published_at"),
        publisher_id=_text_field(entry, "publisher_id"),
    )


def parse_scorecards(section: JsonObject, duplicates: tuple[str, ...] = ()) -> ScorecardFile:
    """Entries of the ``scorecards`` object in file order; unusable ones are listed, not fatal.

    A channel published twice (two keys naming the same ``text_channel_id``)
    keeps its first entry; the second is a bad entry.
    """
    cards: list[PublishedScorecard] = []
    bad: list[BadEntry] = []
    seen: dict[str, str] = {}
    for key, entry in section.items():
        card = _card(key, entry)
        if isinstance(card, str):
            bad.append(BadEntry(key, card))
        elif card.text_channel_id in seen:
            bad.append(
                BadEntry(
                    key,
                    f"channel {card.text_channel_id} is already published by entry "
                    f"{shown_key(seen[card.text_channel_id])}; remove one of the two",
                )
            )
        else:
            seen[card.text_channel_id] = key
            cards.append(card)
    return ScorecardFile(cards=tuple(cards), bad=tuple(bad), duplicates=duplicates)


def load_scorecards(path: Path, sleep: Callable[[float], None]) -> ScorecardFile:
    """Published scorecards, in file order; a missing file means none."""
    duplicates: list[str] = []
    section = read_json_file(path, SCORECARDS_SETTING, SCORECARDS_KEY, sleep, duplicates)
    return parse_scorecards(section or {}, tuple(duplicates))


def voice_file(section: JsonObject, duplicates: tuple[str, ...] = ()) -> VoiceFile:
    """text channel id → voice channel id; the first voice channel in the file wins, as in the bot.

    An entry whose ``text_channel_id`` is null links nothing (a voice channel
    made outside a game channel). An entry that cannot be read is a bad entry,
    and its voice channel (when its key says which) is *uncertain*.
    """
    links: dict[str, str] = {}
    bad: list[BadEntry] = []
    uncertain: set[str] = set()
    for key, entry in section.items():
        problem = _voice_problem(entry, key)
        if problem is not None:
            bad.append(BadEntry(key, problem))
            if is_snowflake(key):
                uncertain.add(key)
            continue
        assert isinstance(entry, dict)
        text_id = entry.get("text_channel_id")
        if text_id is not None:
            links.setdefault(str(text_id), str(entry.get("channel_id") or key))
    return VoiceFile(links=links, bad=tuple(bad), uncertain=frozenset(uncertain), duplicates=duplicates)


def _voice_problem(entry: object, key: str) -> str | None:
    if not isinstance(entry, dict):
        return f"entry is a {type(entry).__name__}, not an object"
    voice_id = entry.get("channel_id") or key
    if not is_snowflake(voice_id):
        return "channel_id is not a Discord channel id"
    text_id = entry.get("text_channel_id")
    if text_id is not None and not is_snowflake(text_id):
        return "text_channel_id is neither null nor a Discord channel id"
    return None


def load_voice_links(path: Path, sleep: Callable[[float], None]) -> VoiceFile:
    """Voice-channel links; a missing file means none, an unreadable one is a :class:`VoiceFile` with a problem."""
    duplicates: list[str] = []
    try:
        section = read_json_file(path, VOICE_CHANNELS_SETTING, VOICE_CHANNELS_KEY, sleep, duplicates)
    except ConfigError as exc:
        return VoiceFile(links={}, problem=str(exc))
    return voice_file(section or {}, tuple(duplicates))


# --- writing (scorecards publish/unpublish only) --------------------------------------------------


def _write_temp(path: Path, text: str, like: Path | None) -> Path:
    """Write ``text`` to a new file next to ``path``, flushed to disk; returns its path."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if like is not None:
            os.chmod(temp, like.stat().st_mode & 0o7777)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def update_json_file(
    path: Path,
    setting: str,
    change: Callable[[JsonObject], tuple[T, bool]],
) -> T:
    """Apply ``change`` to the file's JSON object and replace the file atomically.

    ``change`` gets a fresh copy of the file's object (``{}`` when missing),
    may modify it, and returns ``(result, changed)``. The file is re-read and
    ``change`` re-applied if another writer replaced the file meanwhile; a
    corrupt file is never overwritten.
    """
    if not path.parent.is_dir():
        raise ConfigError(setting, f"directory {path.parent} does not exist")
    for _attempt in range(MAX_UPDATE_ATTEMPTS):
        before = _read_bytes(path, setting)
        data = _parse_json(before, path, setting) if before is not None else {}
        result, changed = change(data)
        if not changed:
            return result
        text = json.dumps(data, indent=2) + "\n"
        temp = _write_temp(path, text, path if before is not None else None)
        if _read_bytes(path, setting) != before:
            temp.unlink(missing_ok=True)
            continue
        os.replace(temp, path)
        _fsync_directory(path.parent)
        return result
    raise ConcurrentChange(f"{path} kept changing while leaguectl tried to update it; nothing was written")


def update_scorecards(path: Path, change: Callable[[JsonObject], tuple[T, bool]]) -> T:
    """:func:`update_json_file` on the ``scorecards`` object of ``SCORECARDS_FILE``."""

    def on_section(data: JsonObject) -> tuple[T, bool]:
        section = data.setdefault(SCORECARDS_KEY, {})
        if not isinstance(section, dict):
            raise ConfigError(SCORECARDS_SETTING, f"{path}: {SCORECARDS_KEY!r} must be an object keyed by channel id")
        result, changed = change(section)
        if not changed and not section:
            data.pop(SCORECARDS_KEY, None)
        return result, changed

    return update_json_file(path, SCORECARDS_SETTING, on_section)
