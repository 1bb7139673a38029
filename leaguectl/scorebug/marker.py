"""The identity and records leaguectl keeps in its live-scores messages, out of sight of league members.

Discord's REST API cannot read a voice-channel status back, and leaguectl keeps
no local state, so what it wrote last (which status, to which voice channel)
is recorded in its own messages. None of it may show: league members read
these messages. The record rides in the embed's ``url``, which Discord shows
only as the link target of the embed's title:

``https://discord.com/channels/<guild>/<game channel>#lc1.sb.v<voice>-<digest>.f<game>-<voice>-<digest>``

* The path is a real link: clicking a scorebug's title opens the game's
  channel (the "Final scores" message links to the live-scores channel).
* The fragment is never sent anywhere and never shown as text. ``lc1`` names
  the format, ``sb`` a scorebug, ``fs`` the "Final scores" message. A ``v``
  token is the message's own game's voice record; each ``f`` token is a final
  game the message holds, with its voice record when a ``- FINAL`` status was
  written. Ids are snowflakes in base 36 and ``digest`` is a short hash of
  the status text, so the records of :data:`~leaguectl.scorebug.plan.MAX_GAMES`
  games always fit Discord's 2048-character limit on an embed url.
* Only unreserved URL characters are used (``a-z 0-9 . -``), so no client or
  proxy has a reason to re-encode the fragment.

Why not elsewhere: footer and field texts are visible; a zero-width encoding
is still text (copied along, counted, read aloud by screen readers); the
message ``nonce`` is not returned reliably when a message is read back; an
``icon_url`` is fetched by Discord's media proxy and drawn.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

LINK_BASE = "https://discord.com/channels"
FORMAT = "lc1"
SCOREBUG = "sb"
LEDGER = "fs"
URL_LIMIT = 2048
"""Discord's limit on an embed's ``url``."""
DIGEST_LENGTH = 8
SNOWFLAKE_MAX = (1 << 64) - 1

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_URL = re.compile(r"^https://discord\.com/channels/(\d{1,20})/(\d{1,20})#lc1\.(sb|fs)((?:\.[a-z0-9-]+)*)$")
_VOICE_TOKEN = re.compile(rf"^v([a-z0-9]{{1,13}})-([a-z0-9]{{{DIGEST_LENGTH}}})$")
_FINAL_TOKEN = re.compile(rf"^f([a-z0-9]{{1,13}})(?:-([a-z0-9]{{1,13}})-([a-z0-9]{{{DIGEST_LENGTH}}}))?$")


def status_digest(status: str) -> str:
    """A short, stable hash of a voice status: equal texts give equal digests on every host."""
    number = int.from_bytes(hashlib.sha256(status.encode("utf-8", "surrogatepass")).digest()[:8], "big")
    return _base36(number).rjust(DIGEST_LENGTH, "0")[-DIGEST_LENGTH:]


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
        if number == 0:
            return digits


def encode_id(snowflake: str) -> str:
    """A Discord id (decimal) in base 36; ValueError when it is not a snowflake."""
    if (
        not (snowflake.isascii() and snowflake.isdigit() and len(snowflake) <= 20)
        or not 0 < int(snowflake) <= SNOWFLAKE_MAX
    ):
        raise ValueError(f"not a Discord id: {snowflake!r}")
    return _base36(int(snowflake))


def decode_id(text: str) -> str | None:
    """The decimal id of a base-36 token; None when it is not one (too big, bad characters)."""
    try:
        number = int(text, 36)
    except ValueError:
        return None
    return str(number) if 0 < number <= SNOWFLAKE_MAX else None


@dataclass(frozen=True)
class VoiceRecord:
    """leaguectl wrote the status whose digest is ``digest`` to voice channel ``voice_channel_id``."""

    voice_channel_id: str
    digest: str

    @classmethod
    def of(cls, voice_channel_id: str, status: str) -> VoiceRecord:
        return cls(voice_channel_id, status_digest(status))

    def token(self, prefix: str) -> str:
        return f"{prefix}{encode_id(self.voice_channel_id)}-{self.digest}"


@dataclass(frozen=True)
class FinalRecord:
    """A published final game held by a message, and the ``- FINAL`` status written for it (if any)."""

    game_id: str
    record: VoiceRecord | None = None

    def token(self) -> str:
        game = f"f{encode_id(self.game_id)}"
        if self.record is None:
            return game
        return f"{game}-{encode_id(self.record.voice_channel_id)}-{self.record.digest}"


@dataclass(frozen=True)
class Marker:
    """What one of leaguectl's messages says about itself: its kind, its channel and its records."""

    kind: str
    guild_id: str
    channel_id: str
    record: VoiceRecord | None = None
    finals: tuple[FinalRecord, ...] = ()

    def url(self) -> str:
        tokens = [FORMAT, self.kind]
        if self.record is not None:
            tokens.append(self.record.token("v"))
        tokens.extend(final.token() for final in self.finals)
        return f"{LINK_BASE}/{self.guild_id}/{self.channel_id}#{'.'.join(tokens)}"


def parse_marker(url: object) -> Marker | None:
    """The marker of an embed url; None for any url that is not one of leaguectl's.

    A token that does not parse is dropped (the next edit writes the records
    afresh); a second voice token is ignored.
    """
    if not isinstance(url, str) or len(url) > URL_LIMIT:
        return None
    match = _URL.match(url)
    if match is None:
        return None
    guild_id, channel_id, kind, rest = match.groups()
    record: VoiceRecord | None = None
    finals: list[FinalRecord] = []
    for token in rest.split(".")[1:]:
        voice = _VOICE_TOKEN.match(token)
        if voice is not None and kind == SCOREBUG and record is None:
            voice_id = decode_id(voice.group(1))
            record = VoiceRecord(voice_id, voice.group(2)) if voice_id else None
            continue
        final = _FINAL_TOKEN.match(token)
        if final is not None:
            parsed = _final(final)
            if parsed is not None:
                finals.append(parsed)
    return Marker(kind, guild_id, channel_id, record, tuple(finals))


def _final(match: re.Match[str]) -> FinalRecord | None:
    game_id = decode_id(match.group(1))
    if game_id is None:
        return None
    if match.group(2) is None:
        return FinalRecord(game_id)
    voice_id = decode_id(match.group(2))
    return FinalRecord(game_id, VoiceRecord(voice_id, match.group(3)) if voice_id else None)
