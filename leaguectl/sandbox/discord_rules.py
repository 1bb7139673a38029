"""Discord's message rules as pure functions: payload validation and mention pings.

Kept apart from the HTTP handlers so the scenario loader applies the same
mention rules to seeded messages as the API applies to posted ones.
"""

from __future__ import annotations

import re
from typing import Any

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_FIELDS = 25
MAX_NONCE = 25
MAX_VOICE_STATUS = 500
EMBED_TEXT_LIMITS = {"title": 256, "description": 4096}
PARSE_TYPES = ("users", "roles", "everyone")

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")

ErrorTree = dict[str, Any]


def _leaf(code: str, message: str) -> ErrorTree:
    return {"_errors": [{"code": code, "message": message}]}


def _put(tree: ErrorTree, path: list[str], leaf: ErrorTree) -> None:
    node = tree
    for key in path:
        node = node.setdefault(key, {})
    node.setdefault("_errors", []).extend(leaf["_errors"])


def _too_long(limit: int) -> ErrorTree:
    return _leaf("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _text_len(value: Any) -> int:
    return len(value.strip()) if isinstance(value, str) else 0


def _check_text(tree: ErrorTree, path: list[str], value: Any, limit: int, required: bool = False) -> int:
    if value is None:
        if required:
            _put(tree, path, _leaf("BASE_TYPE_REQUIRED", "This field is required"))
        return 0
    if not isinstance(value, str):
        _put(tree, path, _leaf("BASE_TYPE_STRING", "Must be a string."))
        return 0
    if required and not value.strip():
        _put(tree, path, _leaf("BASE_TYPE_REQUIRED", "This field is required"))
    if _text_len(value) > limit:
        _put(tree, path, _too_long(limit))
    return _text_len(value)


def _check_embed(tree: ErrorTree, index: int, embed: Any) -> int:
    """Validate one embed; return its character count toward the 6000 total."""
    path = ["embeds", str(index)]
    if not isinstance(embed, dict):
        _put(tree, path, _leaf("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
        return 0
    total = 0
    for key, limit in EMBED_TEXT_LIMITS.items():
        total += _check_text(tree, [*path, key], embed.get(key), limit)
    footer = embed.get("footer")
    if isinstance(footer, dict):
        total += _check_text(tree, [*path, "footer", "text"], footer.get("text"), 2048, required=True)
    author = embed.get("author")
    if isinstance(author, dict):
        total += _check_text(tree, [*path, "author", "name"], author.get("name"), 256, required=True)
    color = embed.get("color")
    if color is not None and (not isinstance(color, int) or isinstance(color, bool) or not 0 <= color <= 0xFFFFFF):
        _put(tree, [*path, "color"], _leaf("NUMBER_TYPE_MAX", "int value should be <= 16777215."))
    fields = embed.get("fields")
    if fields is None:
        return total
    if not isinstance(fields, list):
        _put(tree, [*path, "fields"], _leaf("BASE_TYPE_ARRAY", "Must be an array."))
        return total
    if len(fields) > MAX_FIELDS:
        _put(tree, [*path, "fields"], _too_long(MAX_FIELDS))
    for number, field in enumerate(fields):
        field_path = [*path, "fields", str(number)]
        if not isinstance(field, dict):
            _put(tree, field_path, _leaf("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
            continue
        total += _check_text(tree, [*field_path, "name"], field.get("name"), 256, required=True)
        total += _check_text(tree, [*field_path, "value"], field.get("value"), 1024, required=True)
    return total


def _check_allowed_mentions(tree: ErrorTree, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        _put(tree, ["allowed_mentions"], _leaf("DICT_TYPE_CONVERT", "Only dictionaries may be used"))
        return
    parse = value.get("parse", [])
    if not isinstance(parse, list) or any(item not in PARSE_TYPES for item in parse):
        _put(tree, ["allowed_mentions", "parse"], _leaf("BASE_TYPE_CHOICES", f"Value must be one of {PARSE_TYPES}."))
        return
    for kind in ("users", "roles"):
        ids = value.get(kind)
        if ids is None:
            continue
        if not isinstance(ids, list) or len(ids) > 100:
            _put(tree, ["allowed_mentions", kind], _too_long(100))
        elif ids and kind in parse:
            _put(
                tree,
                ["allowed_mentions"],
                _leaf(
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                ),
            )


def validate_message_body(body: dict[str, Any]) -> ErrorTree:
    """Return Discord's nested `errors` tree for a create/edit body ({} when valid)."""
    tree: ErrorTree = {}
    _check_text(tree, ["content"], body.get("content"), MAX_CONTENT)
    embeds = body.get("embeds")
    if embeds is not None:
        if not isinstance(embeds, list):
            _put(tree, ["embeds"], _leaf("BASE_TYPE_ARRAY", "Must be an array."))
        else:
            if len(embeds) > MAX_EMBEDS:
                _put(tree, ["embeds"], _too_long(MAX_EMBEDS))
            total = sum(_check_embed(tree, index, embed) for index, embed in enumerate(embeds))
            if total > MAX_EMBED_TOTAL:
                _put(tree, ["embeds"], _leaf("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))
    nonce = body.get("nonce")
    if nonce is not None and (
        isinstance(nonce, bool) or not isinstance(nonce, str | int) or len(str(nonce)) > MAX_NONCE
    ):
        _put(tree, ["nonce"], _leaf("BASE_TYPE_MAX_LENGTH", f"Must be {MAX_NONCE} or fewer in length."))
    _check_allowed_mentions(tree, body.get("allowed_mentions"))
    return tree


def is_empty_message(content: str | None, embeds: list[Any] | None) -> bool:
    return not (content or "").strip() and not embeds


def compute_pings(content: str | None, allowed_mentions: dict[str, Any] | None) -> list[str]:
    """Which mentions in `content` would notify someone, given `allowed_mentions`.

    No `allowed_mentions` at all means Discord's default for bot messages:
    users, roles and everyone are all parsed. Results look like
    `"everyone"`, `"here"`, `"user:<id>"`, `"role:<id>"`.
    """
    text = content or ""
    if allowed_mentions is None:
        parse: list[str] = list(PARSE_TYPES)
        users: list[str] = []
        roles: list[str] = []
    else:
        parse = list(allowed_mentions.get("parse") or [])
        users = [str(item) for item in allowed_mentions.get("users") or []]
        roles = [str(item) for item in allowed_mentions.get("roles") or []]
    pings: list[str] = []
    if "everyone" in parse:
        pings += [word for word in ("everyone", "here") if f"@{word}" in text]
    for user_id in dict.fromkeys(_USER_MENTION.findall(text)):
        if "users" in parse or user_id in users:
            pings.append(f"user:{user_id}")
    for role_id in dict.fromkeys(_ROLE_MENTION.findall(text)):
        if "roles" in parse or role_id in roles:
            pings.append(f"role:{role_id}")
    return pings
