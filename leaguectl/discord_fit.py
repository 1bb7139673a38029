"""Fitting texts to Discord's limits before they are sent, and message identity nonces.

Texts leaguectl sends are built from hostile data (team names from sheets, task
templates, command names), so any of them may be too long. Discord refuses such a
message with 50035 and the whole item fails; instead, every text is cut to its
limit here, visibly (ending in "…"), and the cut is reported so an admin can see
it. Commands should still build texts that fit, and split into several messages
where a cut would lose information; this is the last line of defence.

Identity nonces (SPEC §1.8): every message create carries a nonce derived only
from what the message *is* (command, league, week, move, recipient…), never from
time, host or process, so two passes of one command on two hosts produce the
same nonce and Discord's ``enforce_nonce`` keeps the second copy from being posted.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from leaguectl.discord_limits import (
    CONTENT_LIMIT,
    EMBED_AUTHOR_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_NAME_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_FIELDS_LIMIT,
    EMBED_FOOTER_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBEDS_LIMIT,
    EMBEDS_TOTAL_LIMIT,
    NONCE_LIMIT,
)

ELLIPSIS: Final = "…"
#: Discord refuses blank field names and values; a zero-width space shows as nothing.
BLANK_STAND_IN: Final = "\u200b"
#: A text cut for the 6000-character total keeps at least this much of itself.
_MIN_KEPT: Final = 16


def identity_nonce(*parts: object) -> str:
    """A message nonce (≤ 25 characters) derived only from ``parts``, the message's identity.

    Equal parts give equal nonces on every host and in every run; any difference in any
    part (a week, a move id, a recipient) gives another nonce. Parts are joined with a
    separator that cannot occur in their text, so ``("a", "bc")`` and ``("ab", "c")`` differ.
    """
    if not parts:
        raise ValueError("identity_nonce needs at least one part")
    seed = "\x1f".join(str(part).replace("\x1f", "\x1e") for part in parts)
    return hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()[:NONCE_LIMIT]


def fit_text(text: str, limit: int) -> str:
    """``text`` unchanged when it fits ``limit`` characters, else cut to ``limit`` ending in "…"."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


@dataclass
class Fitted:
    """A payload made to fit, and a note for each text that had to be cut."""

    payload: dict[str, Any]
    cuts: list[str] = field(default_factory=list)


def fit_message(payload: Mapping[str, Any]) -> Fitted:
    """A copy of a create/edit message body with every text within Discord's limits.

    Content is cut to 2000; more than 10 embeds keep the first 9 and say how many more
    were left out; each embed's title,
    description, fields (at most 25, names and values non-blank), footer and author are
    cut to their limits; then, while all embeds together exceed 6000 characters, the
    longest text is shortened. Only text is changed: types are left for validation.
    """
    result = Fitted(payload=dict(payload))
    content = result.payload.get("content")
    if isinstance(content, str) and len(content) > CONTENT_LIMIT:
        result.payload["content"] = fit_text(content, CONTENT_LIMIT)
        result.cuts.append(f"content: {len(content)} → {CONTENT_LIMIT} characters")
    embeds = result.payload.get("embeds")
    if isinstance(embeds, list):
        result.payload["embeds"] = _fit_embeds(copy.deepcopy(embeds), result.cuts)
    return result


def _fit_embeds(embeds: list[Any], cuts: list[str]) -> list[Any]:
    if len(embeds) > EMBEDS_LIMIT:
        hidden = len(embeds) - EMBEDS_LIMIT + 1
        cuts.append(f"embeds: {len(embeds)} → {EMBEDS_LIMIT} embeds")
        embeds = [*embeds[: EMBEDS_LIMIT - 1], {"description": f"{ELLIPSIS} {hidden} more not shown"}]
    fitted = [
        _fit_embed(f"embeds[{index}]", embed, cuts) if isinstance(embed, Mapping) else embed
        for index, embed in enumerate(embeds)
    ]
    _fit_total(fitted, cuts)
    return fitted


def _fit_embed(path: str, embed: Mapping[str, Any], cuts: list[str]) -> dict[str, Any]:
    fitted = dict(embed)
    for key, limit in (("title", EMBED_TITLE_LIMIT), ("description", EMBED_DESCRIPTION_LIMIT)):
        fitted[key] = _cut(f"{path}.{key}", fitted.get(key), limit, cuts)
        if fitted[key] is None:
            del fitted[key]
    for part, key, limit in (("footer", "text", EMBED_FOOTER_LIMIT), ("author", "name", EMBED_AUTHOR_LIMIT)):
        section = fitted.get(part)
        if isinstance(section, Mapping) and isinstance(section.get(key), str):
            fitted[part] = {**section, key: _cut(f"{path}.{part}.{key}", section[key], limit, cuts)}
    fields = fitted.get("fields")
    if isinstance(fields, list):
        fitted["fields"] = _fit_fields(path, fields, cuts)
    return fitted


def _fit_fields(path: str, fields: list[Any], cuts: list[str]) -> list[Any]:
    if len(fields) > EMBED_FIELDS_LIMIT:
        hidden = len(fields) - EMBED_FIELDS_LIMIT + 1
        cuts.append(f"{path}.fields: {len(fields)} → {EMBED_FIELDS_LIMIT} fields")
        fields = [*fields[: EMBED_FIELDS_LIMIT - 1], {"name": ELLIPSIS, "value": f"{hidden} more not shown"}]
    fitted: list[Any] = []
    for index, embed_field in enumerate(fields):
        if not isinstance(embed_field, Mapping):
            fitted.append(embed_field)
            continue
        where = f"{path}.fields[{index}]"
        one = dict(embed_field)
        for key, limit in (("name", EMBED_FIELD_NAME_LIMIT), ("value", EMBED_FIELD_VALUE_LIMIT)):
            text = one.get(key)
            if isinstance(text, str):
                one[key] = _cut(f"{where}.{key}", text, limit, cuts) if text.strip() else BLANK_STAND_IN
        fitted.append(one)
    return fitted


def _cut(path: str, value: Any, limit: int, cuts: list[str]) -> Any:
    if isinstance(value, str) and len(value.strip()) > limit:
        cuts.append(f"{path}: {len(value.strip())} → {limit} characters")
        return fit_text(value.strip(), limit)
    return value


def _texts(embeds: list[Any]) -> list[tuple[dict[str, Any], str]]:
    """(holder, key) of every text of the embeds that counts toward the 6000 total."""
    found: list[tuple[dict[str, Any], str]] = []
    for embed in embeds:
        if not isinstance(embed, dict):
            continue
        for key in ("title", "description"):
            if isinstance(embed.get(key), str):
                found.append((embed, key))
        for part, key in (("footer", "text"), ("author", "name")):
            section = embed.get(part)
            if isinstance(section, dict) and isinstance(section.get(key), str):
                found.append((section, key))
        for embed_field in embed.get("fields") or []:
            if isinstance(embed_field, dict):
                found.extend((embed_field, key) for key in ("name", "value") if isinstance(embed_field.get(key), str))
    return found


def _fit_total(embeds: list[Any], cuts: list[str]) -> None:
    texts = _texts(embeds)
    total = sum(len(holder[key].strip()) for holder, key in texts)
    if total <= EMBEDS_TOTAL_LIMIT:
        return
    cuts.append(f"embeds: {total} → {EMBEDS_TOTAL_LIMIT} characters in total")
    while total > EMBEDS_TOTAL_LIMIT:
        holder, key = max(texts, key=lambda pair: len(pair[0][pair[1]].strip()))
        text = holder[key].strip()
        if len(text) <= _MIN_KEPT:
            break  # nothing long is left to shorten; validation names what is still wrong
        keep = max(_MIN_KEPT, len(text) - (total - EMBEDS_TOTAL_LIMIT))
        holder[key] = fit_text(text, keep)
        total -= len(text) - len(holder[key])
