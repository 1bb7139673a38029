"""Settings: every value of SPEC §3.2, loaded, validated and with secrets redacted.

Precedence, highest first: command line (``--set NAME=VALUE``) > environment
(secrets also ``NAME_FILE``) > systemd credential > the bot's ``.env`` file >
TOML file > default (see "sources" below). Every setting remembers where it came
from (:class:`Traced`), so ``doctor`` and ``-v`` can say which source won when
two disagree. A missing or malformed value raises
:class:`~leaguectl.errors.ConfigError` naming the setting (exit 78).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leaguectl.dotenv import DotenvSyntaxError, DotenvValue, parse_dotenv
from leaguectl.errors import ConfigError
from leaguectl.redact import register_secret

log = logging.getLogger("leaguectl.settings")


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


def _spec(
    env: str,
    default: Any = None,
    *,
    aliases: tuple[str, ...] = (),
    secret: bool = False,
    credential: str | None = None,
    help: str = "",
) -> Any:
    """Describe one setting: its environment name, aliases and where secrets may come from."""
    meta = {"env": env, "aliases": aliases, "secret": secret, "credential": credential, "help": help}
    if isinstance(default, tuple | list):
        return field(default_factory=lambda: tuple(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """All settings. Attribute names are the lower-cased environment names."""

    discord_bot_token: Secret | None = _spec(
        "DISCORD_BOT_TOKEN", aliases=("BOT_TOKEN",), secret=True, credential="discord-bot-token",
        help="Discord bot token",
    )
    discord_api_url: str = _spec("DISCORD_API_URL", "https://discord.com/api/v10", help="Discord REST base")
    guild_id: str | None = _spec("GUILD_ID", help="the league's guild id")
    league_api_url: str | None = _spec("LEAGUE_API_URL", aliases=("DB_URL",), help="league API base, no /v3")
    league_api_token: Secret | None = _spec(
        "LEAGUE_API_TOKEN", aliases=("API_TOKEN",), secret=True, credential="league-api-token",
        help="league API bearer token",
    )
    league_timezone: ZoneInfo = _spec("LEAGUE_TIMEZONE", "UTC", help="zone of the league calendar")
    offseason_flag: bool = _spec("OFFSEASON_FLAG", False, help="freeze/thaw do nothing")
    transaction_log_channel: str = _spec("TRANSACTION_LOG_CHANNEL", "transaction-log")
    weekly_info_channel: str = _spec("WEEKLY_INFO_CHANNEL", "weekly-info")
    live_scores_channel: str = _spec("LIVE_SCORES_CHANNEL", "live-sba-scores")
    admin_channels: tuple[str, ...] = _spec("ADMIN_CHANNELS", ("admin", "bot-logs", "mod-logs", "logs"))
    scorecards_file: Path = _spec("SCORECARDS_FILE", "data/scorecards.json")
    voice_channels_file: Path = _spec("VOICE_CHANNELS_FILE", "data/voice_channels.json")
    google_sheets_credentials: Path | None = _spec(
        "GOOGLE_SHEETS_CREDENTIALS", aliases=("SHEETS_CREDENTIALS_PATH",), credential="google-sheets-credentials",
        help="service-account JSON file",
    )
    sheets_api_url: str = _spec("SHEETS_API_URL", "https://sheets.googleapis.com/v4")
    tasks_channel_id: str | None = _spec("TASKS_CHANNEL_ID")
    heartbeat_log_channel_id: str | None = _spec("HEARTBEAT_LOG_CHANNEL_ID")
    tasks_default_timezone: ZoneInfo = _spec(
        "TASKS_DEFAULT_TIMEZONE", "Europe/Berlin",
        help="zone of naive task times; default LEAGUE_TIMEZONE when that is set, else Europe/Berlin",
    )
    tasks_trusted_users: tuple[str, ...] = _spec("TASKS_TRUSTED_USERS", ())
    tasks_trusted_roles: tuple[str, ...] = _spec("TASKS_TRUSTED_ROLES", ())
    tasks_misfire_grace_seconds: int = _spec(
        "TASKS_MISFIRE_GRACE_SECONDS", 3600, help="a one-time task later than this is reported as missed"
    )
    tasks_keep_missed: bool = _spec("TASKS_KEEP_MISSED", False, help="keep missed one-time tasks (paused)")
    tasks_max_attempts: int = _spec("TASKS_MAX_ATTEMPTS", 5, help="failed runs before a task is paused")
    thaw_tiebreak_secret: Secret | None = _spec(
        "THAW_TIEBREAK_SECRET", secret=True, credential="thaw-tiebreak-secret",
        help="key of the thaw tiebreak hash (default: derived from LEAGUE_API_TOKEN)",
    )
    weeks_per_season: int = _spec("WEEKS_PER_SEASON", 18)
    freeze_window_hours: int = _spec(
        "FREEZE_WINDOW_HOURS", 120, help="hours after Monday 00:00 in which freeze-begin may act"
    )
    cleanup_warn_after_days: int = _spec("CLEANUP_WARN_AFTER_DAYS", 60)
    cleanup_delete_after_days: int = _spec("CLEANUP_DELETE_AFTER_DAYS", 90)
    cleanup_grace_days: int = _spec("CLEANUP_GRACE_DAYS", 7)
    letta_api_url: str | None = _spec("LETTA_API_URL")
    letta_api_key: Secret | None = _spec("LETTA_API_KEY", secret=True, credential="letta-api-key")
    letta_agent_id: str | None = _spec("LETTA_AGENT_ID")
    healthcheck_url: Secret | None = _spec("HEALTHCHECK_URL", secret=True, help="ping URL (a secret)")
    metrics_file: Path | None = _spec("METRICS_FILE")
    lock_dir: Path | None = _spec("LOCK_DIR")
    alert_channel: str | None = _spec(
        "ALERT_CHANNEL", help="failure alerts: a channel name or id, or 'owner' for the owner's DMs; unset: none"
    )
    alert_cooldown_minutes: int = _spec("ALERT_COOLDOWN_MINUTES", 360)
    discord_max_wait_seconds: float = _spec(
        "DISCORD_MAX_WAIT_SECONDS", 60.0, help="longest rate-limit wait before the pass exits 75"
    )
    default_embed_color: str = _spec("DEFAULT_EMBED_COLOR", "a6ce39")
    request_timeout_seconds: float = _spec(
        "REQUEST_TIMEOUT_SECONDS", 30.0, help="total deadline of one HTTP request (connect, send, whole answer)"
    )
    log_format: str = _spec("LEAGUECTL_LOG_FORMAT", "text", help="stderr log format: text or json")

    def __post_init__(self) -> None:
        # Settings built directly (tests, the demo) may pass plain strings; normalise them.
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and ("ZoneInfo" in str(f.type) or "Path" in str(f.type)):
                object.__setattr__(self, f.name, _convert(f, value, "the default"))

    def require(self, name: str) -> Any:
        """Return a setting's value, or raise ConfigError naming its env var when unset."""
        value = getattr(self, name)
        if value is None or value == "" or value == ():
            raise ConfigError(env_name(name), f"is required for this command but is not set{unset_hint(name)}")
        return value

    def secret(self, name: str) -> str:
        """Return a required secret's real value."""
        value = self.require(name)
        assert isinstance(value, Secret)
        return value.reveal()

    @property
    def tiebreak_key(self) -> bytes:
        """Key of the thaw tiebreak: THAW_TIEBREAK_SECRET, else a hash of the league token."""
        if self.thaw_tiebreak_secret is not None:
            return self.thaw_tiebreak_secret.reveal().encode()
        token = self.secret("league_api_token")
        return hashlib.sha256(b"leaguectl-thaw-tiebreak:" + token.encode()).digest()


SETTING_FIELDS: tuple[dataclasses.Field[Any], ...] = dataclasses.fields(Settings)
_BY_ENV: dict[str, dataclasses.Field[Any]] = {f.metadata["env"]: f for f in SETTING_FIELDS}


def env_name(attribute: str) -> str:
    """The environment-variable name of a settings attribute."""
    for f in SETTING_FIELDS:
        if f.name == attribute:
            return str(f.metadata["env"])
    return attribute.upper()


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


def _convert(f: dataclasses.Field[Any], raw: Any, source: str) -> Any:
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


# --- sources ----------------------------------------------------------------
#
# Precedence, highest first (README "Configuration"):
#   1. --set NAME=VALUE
#   2. the environment: NAME, then its aliases; for secrets then NAME_FILE / ALIAS_FILE
#   3. a systemd credential ($CREDENTIALS_DIRECTORY/<credential>; an empty one counts as absent)
#   4. the bot's .env file (--env-file / LEAGUECTL_ENV_FILE): the same names as the environment
#   5. the TOML file: the same names as keys, in upper or lower case
#   6. the default


@dataclass(frozen=True)
class Origin:
    """One place a setting was given. ``where`` is what people read (doctor, ``-v``); never the value."""

    kind: str
    where: str
    name: str
    raw: Any = None
    problem: str | None = None


@dataclass(frozen=True)
class Sources:
    """Everything settings are read from, loaded once."""

    environ: Mapping[str, str]
    overrides: Mapping[str, Any]
    config_path: Path | None
    toml: Mapping[str, tuple[str, Any]]
    env_file: Path | None
    dotenv: Mapping[str, DotenvValue]


ENV_FILE_VARIABLE = "LEAGUECTL_ENV_FILE"


def default_config_path(environ: Mapping[str, str]) -> Path | None:
    """The TOML file used when neither --config nor LEAGUECTL_CONFIG names one."""
    home = environ.get("HOME") or "/nonexistent"
    xdg = environ.get("XDG_CONFIG_HOME") or str(Path(home) / ".config")
    for candidate in (Path(xdg) / "leaguectl" / "config.toml", Path("/etc/leaguectl/config.toml")):
        if candidate.is_file():
            return candidate
    return None


def _field_for_key(key: str) -> tuple[dataclasses.Field[Any], bool] | None:
    """The setting a TOML or .env key names, and whether it is its ``_FILE`` form (secrets only)."""
    upper = key.upper()
    for f in SETTING_FIELDS:
        if upper in (f.metadata["env"], *f.metadata["aliases"]):
            return f, False
    if upper.endswith("_FILE"):
        base = upper[: -len("_FILE")]
        for f in SETTING_FIELDS:
            if f.metadata["secret"] and base in (f.metadata["env"], *f.metadata["aliases"]):
                return f, True
    return None


def _read_toml(path: Path) -> dict[str, tuple[str, Any]]:
    """``{KEY (upper case): (key as written, value)}`` from the config file; unknown keys are errors."""
    import tomllib

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError("LEAGUECTL_CONFIG", f"config file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError("LEAGUECTL_CONFIG", f"cannot read config file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError("LEAGUECTL_CONFIG", f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("LEAGUECTL_CONFIG", f"config file {path} is not valid TOML: {exc}") from None
    table = data.get("leaguectl", data) if isinstance(data.get("leaguectl"), dict) else data
    values: dict[str, tuple[str, Any]] = {}
    for key, value in table.items():
        if _field_for_key(key) is None:
            raise ConfigError(key, f"unknown setting in config file {path}")
        values[key.upper()] = (key, value)
    return values


def env_file_path(environ: Mapping[str, str], given: Path | None) -> Path | None:
    """The bot's .env file to read: ``--env-file``, else ``$LEAGUECTL_ENV_FILE``, else none."""
    if given is not None:
        return given
    text = environ.get(ENV_FILE_VARIABLE, "").strip()
    return Path(text) if text else None


def _read_env_file(path: Path) -> dict[str, DotenvValue]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(ENV_FILE_VARIABLE, f".env file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(ENV_FILE_VARIABLE, f"cannot read .env file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(ENV_FILE_VARIABLE, f".env file {path} is not UTF-8 text") from None
    try:
        return parse_dotenv(text)
    except DotenvSyntaxError as exc:
        raise ConfigError(ENV_FILE_VARIABLE, f"{path}:{exc.line}: {exc.problem}") from None


def _secret_file(kind: str, where: str, name: str, path: Path) -> Origin:
    """An origin whose value is a file's text; a file that cannot be used is recorded, not raised."""
    try:
        return Origin(kind, where, name, path.read_text(encoding="utf-8").strip())
    except UnicodeDecodeError:
        return Origin(kind, where, name, problem=f"secret file {path} is not UTF-8 text (is it the right file?)")
    except OSError as exc:
        return Origin(kind, where, name, problem=f"cannot read secret file {path}: {exc.strerror}")
    except ValueError:
        return Origin(kind, where, name, problem=f"secret file name {str(path)!r} is not a usable path")


def _credential_origin(f: dataclasses.Field[Any], environ: Mapping[str, str]) -> Origin | None:
    """systemd's ``$CREDENTIALS_DIRECTORY/<credential>``.

    A blank credential counts as absent: the shipped units pair each optional
    ``LoadCredential=`` with a ``SetCredential=ID:\\n`` default for when the file is missing.
    """
    credential = f.metadata["credential"]
    directory = environ.get("CREDENTIALS_DIRECTORY", "").split(":")[0]
    if not credential or not directory:
        return None
    path = Path(directory) / credential
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
    except (OSError, ValueError):
        return None
    where = f"credential {credential}"
    origin = _secret_file("credential", where, f.metadata["env"], path)
    if origin.raw == "":
        return None
    if f.metadata["secret"]:
        return origin
    return Origin("credential", where, f.metadata["env"], str(path))


def _names(f: dataclasses.Field[Any]) -> tuple[str, ...]:
    return (f.metadata["env"], *f.metadata["aliases"])


def _origins(f: dataclasses.Field[Any], src: Sources) -> list[Origin]:
    """Every place ``f`` is given, highest precedence first."""
    names = _names(f)
    secret = f.metadata["secret"]
    found = [Origin("command line", f"--set {n}", n, src.overrides[n]) for n in names if n in src.overrides]
    found += [
        Origin("environment", f"environment variable {n}", n, src.environ[n])
        for n in names
        if src.environ.get(n, "") != ""
    ]
    if secret:
        for n in names:
            path = src.environ.get(f"{n}_FILE", "")
            if path:
                where = f"file {path} named by environment variable {n}_FILE"
                found.append(_secret_file("environment", where, f"{n}_FILE", Path(path)))
    credential = _credential_origin(f, src.environ)
    if credential is not None:
        found.append(credential)
    found += _file_origins(f, src, "env file", src.env_file, {k: (k, v.value, v.line) for k, v in src.dotenv.items()})
    toml = {k: (written, value, None) for k, (written, value) in src.toml.items()}
    found += _file_origins(f, src, "config file", src.config_path, toml)
    return found


def _file_origins(
    f: dataclasses.Field[Any],
    src: Sources,
    kind: str,
    path: Path | None,
    entries: Mapping[str, tuple[str, Any, int | None]],
) -> list[Origin]:
    """Origins from a .env or TOML file: its value keys, then (secrets) its ``_FILE`` keys."""
    found: list[Origin] = []
    names = _names(f)
    for n in names:
        if n in entries:
            written, value, line = entries[n]
            at = f"{path}:{line}" if line is not None else f"{path}"
            found.append(Origin(kind, f"{kind} {at} ({written})", written, value))
    if f.metadata["secret"]:
        for n in names:
            key = f"{n}_FILE"
            if key in entries and str(entries[key][1]).strip():
                written, value, line = entries[key]
                at = f"{path}:{line}" if line is not None else f"{path}"
                where = f"file {value} named by {kind} {at} ({written})"
                found.append(_secret_file(kind, where, written, Path(str(value).strip())))
    return found


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """Turn ``--set NAME=VALUE`` options into a mapping keyed by env name."""
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        key = name.strip().upper()
        if not sep or not key:
            raise ConfigError("--set", f"expected NAME=VALUE, got {pair!r}")
        found = _field_for_key(key)
        if found is None or found[1]:
            raise ConfigError(key, "unknown setting given with --set")
        result[key] = value
    return result


def read_sources(
    environ: Mapping[str, str],
    *,
    config_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env_file: Path | None = None,
) -> Sources:
    """Find and read the TOML file and the .env file (errors name the file and line)."""
    path = config_path
    if path is None and environ.get("LEAGUECTL_CONFIG"):
        path = Path(environ["LEAGUECTL_CONFIG"])
    if path is None:
        path = default_config_path(environ)
    dotenv_path = env_file_path(environ, env_file)
    return Sources(
        environ=environ,
        overrides=overrides or {},
        config_path=path,
        toml=_read_toml(path) if path is not None else {},
        env_file=dotenv_path,
        dotenv=_read_env_file(dotenv_path) if dotenv_path is not None else {},
    )


@dataclass(frozen=True)
class Traced:
    """Settings plus where each one came from (``origins[attribute]``, highest precedence first)."""

    settings: Settings
    origins: Mapping[str, list[Origin]]

    def source_of(self, attribute: str) -> str:
        """Where the value in use came from: the winning origin, or "default"/"not set"."""
        found = self.origins.get(attribute) or []
        if found:
            return found[0].where
        if attribute == "tasks_default_timezone" and self.origins.get("league_timezone"):
            return f"LEAGUE_TIMEZONE ({self.origins['league_timezone'][0].where}), which it follows when not set"
        f = _field(attribute)
        return "default" if f.default is not None and f.default != "" else "not set"

    def conflicts(self) -> list[Conflict]:
        """Settings given by several sources with different values: which wins, and what it beats."""
        result: list[Conflict] = []
        for f in SETTING_FIELDS:
            found = self.origins.get(f.name) or []
            if len(found) < 2:
                continue
            winner = getattr(self.settings, f.name)
            beaten = [o for o in found[1:] if not _same_value(f, o, winner)]
            if beaten:
                result.append(Conflict(f.metadata["env"], bool(f.metadata["secret"]), found[0], tuple(beaten)))
        return result


@dataclass(frozen=True)
class Conflict:
    """One setting whose sources disagree."""

    setting: str
    secret: bool
    winner: Origin
    beaten: tuple[Origin, ...]

    def describe(self) -> str:
        """One line naming every source (and, for non-secrets, every value)."""

        def shown(origin: Origin) -> str:
            if self.secret:
                return origin.where
            value = "unreadable" if origin.problem else repr(str(origin.raw).strip())[:60]
            return f"{origin.where} = {value}"

        losers = "; ".join(shown(o) for o in self.beaten)
        hidden = " (values differ; secrets are not shown)" if self.secret else ""
        return f"{self.setting}: {shown(self.winner)} wins over {losers}{hidden}"


def _field(attribute: str) -> dataclasses.Field[Any]:
    return next(f for f in SETTING_FIELDS if f.name == attribute)


def _same_value(f: dataclasses.Field[Any], origin: Origin, winner: Any) -> bool:
    if origin.problem is not None:
        return False
    try:
        return bool(_convert(f, origin.raw, origin.where) == winner)
    except ConfigError:
        return False


def load_traced(
    environ: Mapping[str, str],
    *,
    config_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env_file: Path | None = None,
) -> Traced:
    """Load every setting and remember where each came from; logs disagreeing sources at INFO."""
    src = read_sources(environ, config_path=config_path, overrides=overrides, env_file=env_file)
    values: dict[str, Any] = {}
    origins: dict[str, list[Origin]] = {}
    for f in SETTING_FIELDS:
        found = _origins(f, src)
        origins[f.name] = found
        if found:
            winner = found[0]
            if winner.problem is not None:
                raise ConfigError(winner.name, winner.problem)
            values[f.name] = _convert(f, winner.raw, winner.where)
        elif f.name == "tasks_default_timezone" and origins.get("league_timezone"):
            values[f.name] = values["league_timezone"]  # the league's zone when only it is set
        elif isinstance(f.default, str) and f.default:
            values[f.name] = _convert(f, f.default, "the default")
    settings = Settings(**values)
    _check_consistency(settings)
    traced = Traced(settings, origins)
    for conflict in traced.conflicts():
        log.info("setting %s", conflict.describe())
    return traced


def load_settings(
    environ: Mapping[str, str],
    *,
    config_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env_file: Path | None = None,
) -> Settings:
    """Build :class:`Settings` from the command line, environment, credentials, .env, TOML and defaults."""
    return load_traced(environ, config_path=config_path, overrides=overrides, env_file=env_file).settings


def unset_hint(attribute: str) -> str:
    """Every way a setting could have been given, for "X is not set" errors."""
    f = _field(attribute)
    parts = [f"nor its alias {a}" for a in f.metadata["aliases"]]
    if f.metadata["secret"]:
        parts.append(f"nor {f.metadata['env']}_FILE")
    if f.metadata["credential"]:
        parts.append(f"nor credential {f.metadata['credential']}")
    return f" ({', '.join(parts)})" if parts else ""


def _check_consistency(settings: Settings) -> None:
    if settings.cleanup_warn_after_days >= settings.cleanup_delete_after_days:
        raise ConfigError(
            "CLEANUP_WARN_AFTER_DAYS",
            f"must be less than CLEANUP_DELETE_AFTER_DAYS ({settings.cleanup_warn_after_days} >= "
            f"{settings.cleanup_delete_after_days})",
        )
    if settings.cleanup_grace_days < 0:
        raise ConfigError("CLEANUP_GRACE_DAYS", "must not be negative")
    if settings.freeze_window_hours > 168:
        raise ConfigError("FREEZE_WINDOW_HOURS", "must be at most 168 (one week)")


def describe(settings: Settings) -> dict[str, str]:
    """Every setting and its value for display, secrets masked."""
    shown: dict[str, str] = {}
    for f in SETTING_FIELDS:
        value = getattr(settings, f.name)
        if value is None:
            text = "(unset)"
        elif isinstance(value, Secret):
            text = "********"
        elif isinstance(value, tuple):
            text = ",".join(value)
        else:
            text = str(value)
        shown[f.metadata["env"]] = text
    return shown
