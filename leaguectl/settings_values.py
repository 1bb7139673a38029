"""Settings values: how each setting's text (or TOML value) becomes a checked Python value.

Every converter raises ``ValueError`` saying what is wrong; :func:`convert_setting` turns that into a
:class:`~leaguectl.errors.ConfigError` naming the setting and the source it came from. Secrets
become :class:`Secret`, registered for redaction the moment they are read.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leaguectl.errors import ConfigError
from leaguectl.redact import register_secret


class Secret:
    """A secret string that never shows itself in ``repr``/``str``/f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register_secret(value)

    def reveal(self) -> str:
        """The real value, for the one place that needs it (an HTTP header)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


# --- conversion -------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("expected true or false")


_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _to_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("expected a whole number")
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    # ASCII digits only: int() also takes other scripts' digits ("١٢٣") and underscores.
    if not _INTEGER.fullmatch(text) or len(text) > 18:
        raise ValueError(f"expected a whole number written with the digits 0-9, got {_shown(raw)}")
    return int(text)


def _to_float(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("expected a number")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip()
        if not _DECIMAL.fullmatch(text) or len(text) > 40:
            raise ValueError(f"expected a number written with the digits 0-9, got {_shown(raw)}")
        value = float(text)
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    return value


def _shown(raw: Any) -> str:
    """A malformed (non-secret) value, short enough for an error message."""
    text = repr(str(raw))
    return text if len(text) <= 60 else text[:57] + "..."


def _to_zone(raw: Any) -> ZoneInfo:
    if isinstance(raw, ZoneInfo):
        return raw
    name = str(raw).strip()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {_shown(name)} (use an IANA name like Europe/Berlin)") from exc


def _to_list(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, list | tuple):
        items = [str(x).strip() for x in raw]
    else:
        items = [part.strip() for part in str(raw).split(",")]
    return tuple(item for item in items if item)


# Discord ids are unsigned 64-bit integers written in ASCII digits.
_SNOWFLAKE = re.compile(r"[0-9]{1,20}")


def is_snowflake(text: str) -> bool:
    """True for a Discord id: ASCII digits only (``isdigit`` also takes "١٢٣"), below 2**64."""
    return bool(_SNOWFLAKE.fullmatch(text)) and int(text) < 2**64


def _to_snowflake(raw: Any) -> str | None:
    text = str(raw).strip()
    if not text:
        return None
    if not is_snowflake(text):
        raise ValueError("expected a numeric Discord id (ASCII digits 0-9, e.g. 123456789012345678)")
    return text


_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?")


def check_url(text: str) -> str:
    """An http(s) URL every HTTP client can use, or ValueError saying what is wrong with it."""
    from urllib.parse import urlsplit

    if not text.isascii() or any(not ch.isprintable() or ch.isspace() for ch in text):
        raise ValueError("must be printable ASCII without spaces (percent-encode anything else)")
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise ValueError(f"is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("expected an http:// or https:// URL")
    if not host:
        raise ValueError("has no host name")
    bracketed = parts.netloc.rpartition("@")[2].startswith("[")
    if not bracketed and not _HOST.fullmatch(host):
        raise ValueError(f"host name {host!r} is not valid")
    if bracketed:
        import ipaddress

        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"[{host}] is not an IPv6 address") from None
    if port == 0:
        raise ValueError("port 0 is not a usable port")
    if "@" in parts.netloc:
        raise ValueError("must not carry a user name or password (@ in the host part)")
    return text


def _to_url(raw: Any) -> str | None:
    text = str(raw).strip().rstrip("/")
    if not text:
        return None
    return check_url(text)


def _to_path(raw: Any) -> Path | None:
    text = str(raw).strip()
    if not text:
        return None
    if "\0" in text:
        raise ValueError("a path cannot contain a NUL character")
    try:
        return Path(text).expanduser()
    except RuntimeError:
        raise ValueError(f"cannot expand {text.split('/')[0]!r}: unknown user or no home directory") from None


def check_header_token(text: str) -> None:
    """A token sent in an HTTP header: printable ASCII, no spaces or control characters inside."""
    for index, char in enumerate(text):
        if not char.isascii():
            raise ValueError(f"has a non-ASCII character at position {index + 1}: tokens are plain ASCII")
        if not char.isprintable() or char.isspace():
            raise ValueError(
                f"has a space or control character (e.g. a newline) at position {index + 1}: "
                "check the variable or file holds only the token"
            )


def _to_secret(header: bool) -> Callable[[Any], Secret | None]:
    def convert(raw: Any) -> Secret | None:
        text = str(raw).strip()
        if not text:
            return None
        if header:
            check_header_token(text)
        return Secret(text)

    return convert


def _to_secret_url(raw: Any) -> Secret | None:
    text = str(raw).strip()
    if not text:
        return None
    # Validate first, so an unusable URL never becomes a traceback at ping time.
    try:
        check_url(text)
    except ValueError as exc:
        register_secret(text)
        raise ValueError(str(exc)) from None
    return Secret(text)


_ID_SETTINGS = {"guild_id", "tasks_channel_id", "heartbeat_log_channel_id"}
_URL_SETTINGS = {"discord_api_url", "league_api_url", "sheets_api_url", "letta_api_url"}
_LIST_OF_IDS = {"tasks_trusted_users", "tasks_trusted_roles"}
# Secrets that travel in an HTTP header (Authorization: Bot …, Bearer …).
_HEADER_SECRETS = {"discord_bot_token", "league_api_token", "letta_api_key"}
_POSITIVE = {
    "weeks_per_season", "freeze_window_hours", "cleanup_warn_after_days", "cleanup_delete_after_days",
    "tasks_max_attempts", "discord_max_wait_seconds", "request_timeout_seconds",
}
_CHOICES = {"log_format": ("text", "json")}


def _converter(f: dataclasses.Field[Any]) -> Callable[[Any], Any]:
    if f.name == "healthcheck_url":
        return _to_secret_url
    if f.metadata["secret"]:
        return _to_secret(f.name in _HEADER_SECRETS)
    if f.name in _ID_SETTINGS:
        return _to_snowflake
    if f.name in _URL_SETTINGS:
        return _to_url
    kind = str(f.type)
    if "ZoneInfo" in kind:
        return _to_zone
    if "Path" in kind:
        return _to_path
    if kind == "bool":
        return _to_bool
    if kind == "int":
        return _to_int
    if kind == "float":
        return _to_float
    if "tuple" in kind:
        return _to_list
    return lambda raw: (str(raw).strip() or None) if f.default is None else str(raw).strip()


def _check_raw_type(f: dataclasses.Field[Any], raw: Any) -> None:
    """TOML can hold tables, arrays and dates; a setting takes text, a number, a boolean (or a list)."""
    if isinstance(raw, str | int | float | bool):
        return
    if isinstance(raw, list) and "tuple" in str(f.type) and all(isinstance(x, str | int) for x in raw):
        return
    kind = "a table" if isinstance(raw, dict) else "an array" if isinstance(raw, list) else type(raw).__name__
    raise ValueError(f"expected text or a number, got {kind}")


def convert_setting(f: dataclasses.Field[Any], raw: Any, source: str) -> Any:
    """The value of setting ``f`` given as ``raw`` by ``source``, or ConfigError naming both."""
    name = f.metadata["env"]
    try:
        if not isinstance(raw, ZoneInfo | Path):
            _check_raw_type(f, raw)
        value = _converter(f)(raw)
    except ValueError as exc:
        raise ConfigError(name, f"malformed value from {source}: {exc}") from None
    if f.name in _LIST_OF_IDS:
        bad = [item for item in value if not is_snowflake(item)]
        if bad:
            raise ConfigError(name, f"malformed value from {source}: {bad[0]!r} is not a numeric Discord id")
    if f.name in _POSITIVE and value <= 0:
        raise ConfigError(name, f"malformed value from {source}: must be greater than 0")
    if f.name in _CHOICES:
        value = str(value).lower()
        if value not in _CHOICES[f.name]:
            raise ConfigError(name, f"malformed value from {source}: use one of {', '.join(_CHOICES[f.name])}")
    return value
