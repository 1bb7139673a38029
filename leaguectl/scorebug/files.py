"""The league bot's JSON files: published scorecards and voice-channel links (league.md §3.8).

``scorebug-tick`` re-reads both files on every run and never writes them.
Only ``scorecards publish/unpublish`` writes ``SCORECARDS_FILE``, through
:func:`update_scorecards`: re-read, change, write a temporary file in the same
directory, fsync, check the file did not change meanwhile, rename. The bot
writes the same file without locking, so this check is what keeps a
concurrent ``/publish-scorecard`` from being overwritten by a stale copy.
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


@dataclass(frozen=True)
class PublishedScorecard:
    """One ``scorecards.json`` entry: the game's text channel and its sheet."""

    text_channel_id: str
    sheet_url: str
    published_at: str = ""
    publisher_id: str = ""


@dataclass(frozen=True)
class BadEntry:
    """An entry that cannot be used; the rest of the file still is."""

    key: str
    problem: str


@dataclass(frozen=True)
class ScorecardFile:
    cards: tuple[PublishedScorecard, ...]
    bad: tuple[BadEntry, ...] = ()


class ConcurrentChange(LeaguectlError):
    """The file kept changing under us; nothing was written (exit 75: run again)."""

    exit_code = ExitCode.TEMPFAIL


def _parse_json(raw: bytes, path: Path, setting: str) -> JsonObject:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(setting, f"{path} is not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            setting, f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(setting, f"{path} must hold a JSON object, not {type(data).__name__}")
    return data


def _read_bytes(path: Path, setting: str) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigError(setting, f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise ConfigError(setting, f"cannot read {path}: {exc.strerror}") from None


def read_json_file(path: Path, setting: str, key: str, sleep: Callable[[float], None]) -> JsonObject | None:
    """The file's ``key`` object; None when the file does not exist.

    A file that does not parse is read once more after a short pause (it may be
    half-written by the bot) and is then a :class:`ConfigError` naming it.
    """
    raw = _read_bytes(path, setting)
    if raw is None:
        return None
    try:
        data = _parse_json(raw, path, setting)
    except ConfigError:
        sleep(REREAD_DELAY_SECONDS)
        raw = _read_bytes(path, setting)
        if raw is None:
            return None
        data = _parse_json(raw, path, setting)
    section = data.get(key, {})
    if not isinstance(section, dict):
        raise ConfigError(setting, f"{path}: {key!r} must be an object keyed by channel id")
    return section


def parse_scorecards(section: JsonObject) -> ScorecardFile:
    """Entries of the ``scorecards`` object; unusable ones are listed, not fatal."""
    cards: list[PublishedScorecard] = []
    bad: list[BadEntry] = []
    for key, entry in section.items():
        if not isinstance(entry, dict):
            bad.append(BadEntry(key, "entry is not an object"))
            continue
        channel_id = str(entry.get("text_channel_id") or key).strip()
        url = entry.get("sheet_url")
        if not (channel_id.isascii() and channel_id.isdigit()):
            bad.append(BadEntry(key, f"text channel id {channel_id!r} is not a Discord id"))
        elif not isinstance(url, str) or not url.strip():
            bad.append(BadEntry(key, "entry has no sheet_url"))
        else:
            cards.append(
                PublishedScorecard(
                    text_channel_id=channel_id,
                    sheet_url=url.strip(),
                    published_at=str(entry.get("published_at") or ""),
                    publisher_id=str(entry.get("publisher_id") or ""),
                )
            )
    return ScorecardFile(cards=tuple(cards), bad=tuple(bad))


def load_scorecards(path: Path, sleep: Callable[[float], None]) -> ScorecardFile:
    """Published scorecards, in file order; a missing file means none."""
    section = read_json_file(path, SCORECARDS_SETTING, SCORECARDS_KEY, sleep)
    return parse_scorecards(section or {})


def voice_links(section: JsonObject) -> dict[str, str]:
    """text channel id → voice channel id; the first voice channel in the file wins, as in the bot."""
    links: dict[str, str] = {}
    for key, entry in section.items():
        if not isinstance(entry, dict):
            continue
        text_id = entry.get("text_channel_id")
        voice_id = str(entry.get("channel_id") or key).strip()
        if text_id is None or not voice_id.isdigit():
            continue
        links.setdefault(str(text_id).strip(), voice_id)
    return links


def load_voice_links(path: Path, sleep: Callable[[float], None]) -> dict[str, str]:
    """Voice-channel links; a missing file means none."""
    section = read_json_file(path, VOICE_CHANNELS_SETTING, VOICE_CHANNELS_KEY, sleep)
    return voice_links(section or {})


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
