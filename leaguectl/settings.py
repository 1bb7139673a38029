"""Settings: every value of SPEC §3.2, loaded, validated and with secrets redacted.

Precedence, highest first: command-line (``--set NAME=VALUE``) > environment >
TOML file > default. Secrets may also come from ``NAME_FILE`` and from
``$CREDENTIALS_DIRECTORY/<credential>`` (systemd ``LoadCredential=``).
A missing or malformed value raises :class:`~leaguectl.errors.ConfigError`
naming the setting (exit 78).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
        "GOOGLE_SHEETS_CREDENTIALS", aliases=("SHEETS_CREDENTIALS_PATH",), help="service-account JSON file"
    )
    sheets_api_url: str = _spec("SHEETS_API_URL", "https://sheets.googleapis.com/v4")
    tasks_channel_id: str | None = _spec("TASKS_CHANNEL_ID")
    heartbeat_log_channel_id: str | None = _spec("HEARTBEAT_LOG_CHANNEL_ID")
    tasks_default_timezone: ZoneInfo = _spec("TASKS_DEFAULT_TIMEZONE", "Europe/Berlin")
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
            raise ConfigError(env_name(name), "is required for this command but is not set")
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


def _to_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("expected a whole number")
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {raw!r}") from None


def _to_float(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("expected a number")
    if isinstance(raw, int | float):
        return float(raw)
    try:
        return float(str(raw).strip())
    except ValueError:
        raise ValueError(f"expected a number, got {raw!r}") from None


def _to_zone(raw: Any) -> ZoneInfo:
    if isinstance(raw, ZoneInfo):
        return raw
    name = str(raw).strip()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)") from exc


def _to_list(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, list | tuple):
        items = [str(x).strip() for x in raw]
    else:
        items = [part.strip() for part in str(raw).split(",")]
    return tuple(item for item in items if item)


def _to_snowflake(raw: Any) -> str | None:
    text = str(raw).strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError("expected a numeric Discord id")
    return text


def _to_url(raw: Any) -> str | None:
    text = str(raw).strip().rstrip("/")
    if not text:
        return None
    if not text.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL")
    return text


def _to_path(raw: Any) -> Path | None:
    text = str(raw).strip()
    return Path(text).expanduser() if text else None


_ID_SETTINGS = {"guild_id", "tasks_channel_id", "heartbeat_log_channel_id"}
_URL_SETTINGS = {"discord_api_url", "league_api_url", "sheets_api_url", "letta_api_url"}
_LIST_OF_IDS = {"tasks_trusted_users", "tasks_trusted_roles"}
_POSITIVE = {
    "weeks_per_season", "freeze_window_hours", "cleanup_warn_after_days", "cleanup_delete_after_days",
    "tasks_max_attempts", "discord_max_wait_seconds", "request_timeout_seconds",
}
# Seconds that bound a wait: nan or infinity would bound nothing.
_FINITE = {"discord_max_wait_seconds", "request_timeout_seconds"}
_CHOICES = {"log_format": ("text", "json")}


def _converter(f: dataclasses.Field[Any]) -> Callable[[Any], Any]:
    if f.metadata["secret"]:
        return lambda raw: Secret(str(raw).strip()) if str(raw).strip() else None
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


def _convert(f: dataclasses.Field[Any], raw: Any, source: str) -> Any:
    name = f.metadata["env"]
    try:
        value = _converter(f)(raw)
    except ValueError as exc:
        raise ConfigError(name, f"malformed value from {source}: {exc}") from None
    if f.name in _LIST_OF_IDS:
        bad = [item for item in value if not item.isdigit()]
        if bad:
            raise ConfigError(name, f"malformed value from {source}: {bad[0]!r} is not a numeric Discord id")
    if f.name in _FINITE and not math.isfinite(value):
        raise ConfigError(name, f"malformed value from {source}: must be a finite number of seconds, not {value}")
    if f.name in _POSITIVE and value <= 0:
        raise ConfigError(name, f"malformed value from {source}: must be greater than 0")
    if f.name in _CHOICES:
        value = str(value).lower()
        if value not in _CHOICES[f.name]:
            raise ConfigError(name, f"malformed value from {source}: use one of {', '.join(_CHOICES[f.name])}")
    return value


# --- sources ----------------------------------------------------------------


def default_config_path(environ: Mapping[str, str]) -> Path | None:
    """The TOML file used when neither --config nor LEAGUECTL_CONFIG names one."""
    xdg = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")).expanduser() / ".config")
    for candidate in (Path(xdg) / "leaguectl" / "config.toml", Path("/etc/leaguectl/config.toml")):
        if candidate.is_file():
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError("LEAGUECTL_CONFIG", f"config file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError("LEAGUECTL_CONFIG", f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("LEAGUECTL_CONFIG", f"config file {path} is not valid TOML: {exc}") from None
    table = data.get("leaguectl", data) if isinstance(data.get("leaguectl"), dict) else data
    values: dict[str, Any] = {}
    for key, value in table.items():
        env = key.upper()
        f = _BY_ENV.get(env) or next((x for x in SETTING_FIELDS if env in x.metadata["aliases"]), None)
        if f is None:
            raise ConfigError(key, f"unknown setting in config file {path}")
        values[f.metadata["env"]] = value
    return values


def _read_secret_file(path: Path, setting: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(setting, f"cannot read secret file {path}: {exc.strerror}") from None


def _lookup(
    f: dataclasses.Field[Any],
    overrides: Mapping[str, Any],
    environ: Mapping[str, str],
    toml: Mapping[str, Any],
) -> tuple[Any, str] | None:
    """Find the raw value of one setting and say where it came from."""
    env: str = f.metadata["env"]
    names = (env, *f.metadata["aliases"])
    for name in names:
        if name in overrides:
            return overrides[name], "the command line"
    for name in names:
        if environ.get(name, "") != "":
            return environ[name], f"environment variable {name}"
    if f.metadata["secret"]:
        for name in names:
            file_var = f"{name}_FILE"
            if environ.get(file_var):
                return _read_secret_file(Path(environ[file_var]), file_var), f"file named by {file_var}"
        cred_dir = environ.get("CREDENTIALS_DIRECTORY")
        credential = f.metadata["credential"]
        if cred_dir and credential and (Path(cred_dir) / credential).is_file():
            return _read_secret_file(Path(cred_dir) / credential, env), f"credential {credential}"
    if env in toml:
        return toml[env], "the config file"
    return None


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """Turn ``--set NAME=VALUE`` options into a mapping keyed by env name."""
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        key = name.strip().upper()
        if not sep or not key:
            raise ConfigError("--set", f"expected NAME=VALUE, got {pair!r}")
        if key not in _BY_ENV and not any(key in f.metadata["aliases"] for f in SETTING_FIELDS):
            raise ConfigError(key, "unknown setting given with --set")
        result[key] = value
    return result


def load_settings(
    environ: Mapping[str, str],
    *,
    config_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build :class:`Settings` from the command line, environment, TOML file and defaults."""
    path = config_path
    if path is None and environ.get("LEAGUECTL_CONFIG"):
        path = Path(environ["LEAGUECTL_CONFIG"])
    if path is None:
        path = default_config_path(environ)
    toml = _read_toml(path) if path is not None else {}
    values: dict[str, Any] = {}
    for f in SETTING_FIELDS:
        found = _lookup(f, overrides or {}, environ, toml)
        if found is not None:
            values[f.name] = _convert(f, *found)
        elif isinstance(f.default, str) and f.default:
            values[f.name] = _convert(f, f.default, "the default")
    settings = Settings(**values)
    _check_consistency(settings)
    return settings


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
