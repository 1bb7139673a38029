"""Settings: precedence, aliases, secret sources, validation and redaction."""

from __future__ import annotations

import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leaguectl.errors import ConfigError, ExitCode
from leaguectl.logs import configure_logging
from leaguectl.settings import Secret, describe, load_settings, parse_overrides

TOKEN = "discord-token-XYZ-123456"


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_command_line_beats_environment_beats_file_beats_default(tmp_path: Path) -> None:
    config = _toml(tmp_path, 'LEAGUE_TIMEZONE = "Asia/Kolkata"\nweekly_info_channel = "from-file"\n'
                   'transaction_log_channel = "file-log"\nlive_scores_channel = "file-live"\n')
    environ = {"LEAGUE_TIMEZONE": "America/New_York", "WEEKLY_INFO_CHANNEL": "from-env"}
    settings = load_settings(environ, config_path=config, overrides=parse_overrides(["WEEKLY_INFO_CHANNEL=cli"]))
    assert settings.weekly_info_channel == "cli"
    assert settings.league_timezone == ZoneInfo("America/New_York")
    assert settings.transaction_log_channel == "file-log"
    assert settings.admin_channels == ("admin", "bot-logs", "mod-logs", "logs")


def test_config_file_found_through_leaguectl_config_and_xdg(tmp_path: Path) -> None:
    explicit = _toml(tmp_path, 'GUILD_ID = "42"\n')
    assert load_settings({"LEAGUECTL_CONFIG": str(explicit)}).guild_id == "42"
    xdg = tmp_path / "xdg"
    (xdg / "leaguectl").mkdir(parents=True)
    (xdg / "leaguectl" / "config.toml").write_text('GUILD_ID = "43"\n')
    assert load_settings({"XDG_CONFIG_HOME": str(xdg)}).guild_id == "43"


def test_bot_env_aliases_are_accepted() -> None:
    settings = load_settings(
        {"BOT_TOKEN": TOKEN, "DB_URL": "https://api.example.org/", "API_TOKEN": "league-token-abcdef",
         "SHEETS_CREDENTIALS_PATH": "/app/data/creds.json"}
    )
    assert settings.secret("discord_bot_token") == TOKEN
    assert settings.league_api_url == "https://api.example.org"
    assert settings.secret("league_api_token") == "league-token-abcdef"
    assert settings.google_sheets_credentials == Path("/app/data/creds.json")


def test_secrets_from_file_variable_and_credentials_directory(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "league-api-token").write_text("league-token-from-credential")
    settings = load_settings({"DISCORD_BOT_TOKEN_FILE": str(token_file), "CREDENTIALS_DIRECTORY": str(creds)})
    assert settings.secret("discord_bot_token") == TOKEN
    assert settings.secret("league_api_token") == "league-token-from-credential"


def test_missing_required_setting_is_named_with_exit_78() -> None:
    settings = load_settings({})
    with pytest.raises(ConfigError) as caught:
        settings.require("guild_id")
    assert caught.value.exit_code == ExitCode.CONFIG
    assert "GUILD_ID" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("GUILD_ID", "my-guild", "numeric Discord id"),
        ("LEAGUE_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("OFFSEASON_FLAG", "perhaps", "true or false"),
        ("WEEKS_PER_SEASON", "eighteen", "whole number"),
        ("LEAGUE_API_URL", "ftp://x", "http"),
        ("TASKS_TRUSTED_USERS", "123,abc", "abc"),
        ("CLEANUP_WARN_AFTER_DAYS", "120", "CLEANUP_DELETE_AFTER_DAYS"),
    ],
)
def test_malformed_value_names_the_setting(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value})
    assert caught.value.setting == name
    assert fragment in str(caught.value)


def test_unknown_key_in_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({}, config_path=_toml(tmp_path, 'GUILD_IDD = "1"\n'))
    assert "GUILD_IDD" in str(caught.value)


def test_token_never_appears_in_repr_describe_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings({"DISCORD_BOT_TOKEN": TOKEN, "GUILD_ID": "1"})
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(describe(settings))
    assert repr(Secret(TOKEN)) == "Secret('********')"


def test_logged_secret_is_masked(tmp_path: Path) -> None:
    import io

    load_settings({"DISCORD_BOT_TOKEN": TOKEN})
    stream = io.StringIO()
    configure_logging(1, stream, {})
    logging.getLogger("leaguectl.test").warning("header was Bot %s", TOKEN)
    assert TOKEN not in stream.getvalue()
    assert "********" in stream.getvalue()
