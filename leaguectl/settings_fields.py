"""The settings of SPEC §3.2: one :class:`Settings` field per setting, with its names and help.

Each field's metadata (``env``, ``aliases``, ``secret``, ``credential``, ``help``) is what the
sources (:mod:`leaguectl.settings_sources`), ``doctor`` and the error messages read.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from leaguectl.errors import ConfigError
from leaguectl.settings_values import Secret, convert_setting


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
                object.__setattr__(self, f.name, convert_setting(f, value, "the default"))

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


def env_name(attribute: str) -> str:
    """The environment-variable name of a settings attribute."""
    for f in SETTING_FIELDS:
        if f.name == attribute:
            return str(f.metadata["env"])
    return attribute.upper()


def setting_field(attribute: str) -> dataclasses.Field[Any]:
    """The field of a settings attribute (its metadata holds its names and where it may come from)."""
    return next(f for f in SETTING_FIELDS if f.name == attribute)


def unset_hint(attribute: str) -> str:
    """Every way a setting could have been given, for "X is not set" errors."""
    f = setting_field(attribute)
    parts = [f"nor its alias {a}" for a in f.metadata["aliases"]]
    if f.metadata["secret"]:
        parts.append(f"nor {f.metadata['env']}_FILE")
    if f.metadata["credential"]:
        parts.append(f"nor credential {f.metadata['credential']}")
    return f" ({', '.join(parts)})" if parts else ""


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
