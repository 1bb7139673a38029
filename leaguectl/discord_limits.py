"""What Discord accepts: message limits, snowflake ids, and payload validation.

Everything a request body or id is checked against before it is sent, so a
payload that would break a limit fails with :class:`InvalidPayload` naming the
field instead of costing a request (and Discord's invalid-request budget).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from leaguectl.discord_types import InvalidPayload

# --- message limits (platform.md A.10, A.13, A.7) ----------------------------

CONTENT_LIMIT: Final = 2000
EMBEDS_LIMIT: Final = 10
EMBED_TITLE_LIMIT: Final = 256
EMBED_DESCRIPTION_LIMIT: Final = 4096
EMBED_FIELDS_LIMIT: Final = 25
EMBED_FIELD_NAME_LIMIT: Final = 256
EMBED_FIELD_VALUE_LIMIT: Final = 1024
EMBED_FOOTER_LIMIT: Final = 2048
EMBED_AUTHOR_LIMIT: Final = 256
EMBEDS_TOTAL_LIMIT: Final = 6000
NONCE_LIMIT: Final = 25
MENTION_IDS_LIMIT: Final = 100
VOICE_STATUS_LIMIT: Final = 500
AUDIT_REASON_LIMIT: Final = 512
#: Bulk delete refuses messages older than 14 days; keep a two-hour margin.
BULK_DELETE_MAX_AGE: Final = timedelta(days=14) - timedelta(hours=2)
BULK_DELETE_MAX: Final = 100
PAGE_SIZE: Final = 100

# --- snowflakes -----------------------------------------------------------------

DISCORD_EPOCH_MS: Final = 1_420_070_400_000


def snowflake_time(snowflake: str) -> datetime:
    """When a Discord id was minted (bits 63..22 are ms since 2015-01-01 UTC)."""
    millis = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def snowflake_at(moment: datetime) -> str:
    """The smallest id minted at ``moment``; usable as a ``before``/``after`` bound."""
    if moment.tzinfo is None:
        raise ValueError("snowflake_at needs an aware datetime")
    millis = int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS
    return str(max(0, millis) << 22)


def require_snowflake(name: str, value: str) -> None:
    """Refuse an id that is not a string of digits before it is put into a request path."""
    if not (isinstance(value, str) and value.isascii() and value.isdigit()):
        raise InvalidPayload(f"{name}: {value!r} is not a Discord id (a string of digits)")


# --- payload validation ---------------------------------------------------------


def validate_message(payload: Mapping[str, Any], *, require_content: bool = True) -> None:
    """Check a create/edit message body against Discord's limits.

    Raises :class:`InvalidPayload` naming the offending field, e.g.
    ``embeds[0].fields[2].value: 1100 characters, limit 1024``. Embed text is
    measured after stripping surrounding whitespace, as Discord does. With
    ``require_content`` (creation) the message must carry content or an embed;
    edits are partial and skip that check.
    """
    content = payload.get("content")
    if content is not None:
        check_text("content", content, CONTENT_LIMIT, strip=False)
    embed_count = _validate_embeds(payload.get("embeds"))
    nonce = payload.get("nonce")
    if nonce is not None and len(str(nonce)) > NONCE_LIMIT:
        raise InvalidPayload(f"nonce: {len(str(nonce))} characters, limit {NONCE_LIMIT}")
    _validate_allowed_mentions(payload.get("allowed_mentions"))
    if require_content and not _has_body(payload, content, embed_count):
        raise InvalidPayload("message: empty; give non-blank content or at least one embed")


def _has_body(payload: Mapping[str, Any], content: object, embed_count: int) -> bool:
    if isinstance(content, str) and content.strip():
        return True
    others = ("sticker_ids", "components", "attachments", "poll")
    return embed_count > 0 or any(payload.get(key) for key in others)


def check_text(path: str, value: object, limit: int, *, strip: bool = True) -> int:
    """Length of a text field, refused (naming ``path``) when not a string or over ``limit``."""
    if not isinstance(value, str):
        raise InvalidPayload(f"{path}: expected a string, got {type(value).__name__}")
    length = len(value.strip() if strip else value)
    if length > limit:
        raise InvalidPayload(f"{path}: {length} characters, limit {limit}")
    return length


def _validate_embeds(embeds: object) -> int:
    if embeds is None:
        return 0
    if not isinstance(embeds, list):
        raise InvalidPayload("embeds: expected a list of embed objects")
    if len(embeds) > EMBEDS_LIMIT:
        raise InvalidPayload(f"embeds: {len(embeds)} embeds, limit {EMBEDS_LIMIT}")
    total = sum(_validate_embed(f"embeds[{index}]", embed) for index, embed in enumerate(embeds))
    if total > EMBEDS_TOTAL_LIMIT:
        raise InvalidPayload(f"embeds: {total} characters in total across all embeds, limit {EMBEDS_TOTAL_LIMIT}")
    return len(embeds)


def _validate_embed(path: str, embed: object) -> int:
    """Validate one embed; return the characters it counts toward the 6000 total."""
    if not isinstance(embed, Mapping):
        raise InvalidPayload(f"{path}: expected an embed object")
    total = 0
    if embed.get("title") is not None:
        total += check_text(f"{path}.title", embed["title"], EMBED_TITLE_LIMIT)
    if embed.get("description") is not None:
        total += check_text(f"{path}.description", embed["description"], EMBED_DESCRIPTION_LIMIT)
    total += _validate_fields(path, embed.get("fields"))
    total += _nested_text(path, embed, "footer", "text", EMBED_FOOTER_LIMIT)
    total += _nested_text(path, embed, "author", "name", EMBED_AUTHOR_LIMIT)
    return total


def _nested_text(path: str, embed: Mapping[str, Any], part: str, key: str, limit: int) -> int:
    section = embed.get(part)
    if section is None:
        return 0
    if not isinstance(section, Mapping):
        raise InvalidPayload(f"{path}.{part}: expected an object")
    value = section.get(key)
    return 0 if value is None else check_text(f"{path}.{part}.{key}", value, limit)


def _validate_fields(path: str, fields: object) -> int:
    if fields is None:
        return 0
    if not isinstance(fields, list):
        raise InvalidPayload(f"{path}.fields: expected a list of fields")
    if len(fields) > EMBED_FIELDS_LIMIT:
        raise InvalidPayload(f"{path}.fields: {len(fields)} fields, limit {EMBED_FIELDS_LIMIT}")
    total = 0
    for index, embed_field in enumerate(fields):
        where = f"{path}.fields[{index}]"
        if not isinstance(embed_field, Mapping):
            raise InvalidPayload(f"{where}: expected a field object")
        for key, limit in (("name", EMBED_FIELD_NAME_LIMIT), ("value", EMBED_FIELD_VALUE_LIMIT)):
            length = check_text(f"{where}.{key}", embed_field.get(key), limit)
            if length == 0:
                raise InvalidPayload(f"{where}.{key}: must not be blank")
            total += length
    return total


def _validate_allowed_mentions(allowed: object) -> None:
    if allowed is None:
        return
    if not isinstance(allowed, Mapping):
        raise InvalidPayload("allowed_mentions: expected an object")
    for key in ("users", "roles"):
        ids = allowed.get(key)
        if ids is not None and len(ids) > MENTION_IDS_LIMIT:
            raise InvalidPayload(f"allowed_mentions.{key}: {len(ids)} ids, limit {MENTION_IDS_LIMIT}")
