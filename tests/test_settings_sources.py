"""Where settings come from: the bot's .env, *_FILE keys, credentials, provenance and conflicts."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from leaguectl.errors import ConfigError
from leaguectl.logs import configure_logging
from leaguectl.settings import load_settings, load_traced
from tests.conftest import invoke

TOKEN = "discord-token-XYZ-123456"
OTHER = "discord-token-OTHER-987654"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bots_env_file_is_read_with_its_aliases(tmp_path: Path) -> None:
    env = _write(
        tmp_path / ".env",
        "# the bot's settings\n"
        f"export BOT_TOKEN='{TOKEN}'\n"
        'DB_URL="https://league.example.org/api"  # the league API\n'
        "API_TOKEN = league-token-abcdef\n"
        "LOG_LEVEL=debug\n",  # the bot's own keys are ignored
    )
    settings = load_settings({"LEAGUECTL_ENV_FILE": str(env)})
    assert settings.secret("discord_bot_token") == TOKEN
    assert settings.league_api_url == "https://league.example.org/api"
    assert settings.secret("league_api_token") == "league-token-abcdef"


def test_env_file_option_reaches_the_pass(tmp_path: Path) -> None:
    env = _write(tmp_path / "bot.env", "GUILD_ID=1234\nWEEKLY_INFO_CHANNEL=news\n")
    result = invoke(["--env-file", str(env), "doctor"], {"LEAGUECTL_CONFIG": ""})
    assert f"GUILD_ID                   set  [from env file {env}:1 (GUILD_ID)]" in result.stdout


def test_precedence_environment_then_credential_then_env_file_then_toml(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    _write(creds / "discord-bot-token", OTHER + "\n")
    env = _write(tmp_path / ".env", "BOT_TOKEN=from-dotenv-token\nLEAGUE_TIMEZONE=Asia/Tokyo\nGUILD_ID=2\n")
    toml = _write(tmp_path / "c.toml", 'league_timezone = "America/New_York"\nguild_id = "3"\nweeks_per_season = 9\n')
    base = {"CREDENTIALS_DIRECTORY": str(creds), "LEAGUECTL_ENV_FILE": str(env), "LEAGUECTL_CONFIG": str(toml)}
    settings = load_settings(base)
    assert settings.secret("discord_bot_token") == OTHER  # credential beats .env
    assert settings.league_timezone == ZoneInfo("Asia/Tokyo")  # .env beats TOML
    assert settings.guild_id == "2"
    assert settings.weeks_per_season == 9  # only in TOML
    settings = load_settings({**base, "DISCORD_BOT_TOKEN": TOKEN})
    assert settings.secret("discord_bot_token") == TOKEN  # the environment beats the credential


def test_conflicting_sources_name_the_winner_and_every_loser(tmp_path: Path) -> None:
    toml = _write(tmp_path / "config.toml", 'LEAGUE_TIMEZONE = "America/New_York"\n')
    traced = load_traced({"LEAGUE_TIMEZONE": "UTC", "LEAGUECTL_CONFIG": str(toml)})
    assert traced.settings.league_timezone == ZoneInfo("UTC")
    (conflict,) = traced.conflicts()
    text = conflict.describe()
    assert text.startswith("LEAGUE_TIMEZONE: environment variable LEAGUE_TIMEZONE = 'UTC' wins over")
    assert f"config file {toml} (LEAGUE_TIMEZONE) = 'America/New_York'" in text


def test_equal_values_from_two_sources_are_no_conflict(tmp_path: Path) -> None:
    toml = _write(tmp_path / "config.toml", 'offseason_flag = false\nguild_id = 7\n')
    traced = load_traced({"OFFSEASON_FLAG": "0", "GUILD_ID": "7", "LEAGUECTL_CONFIG": str(toml)})
    assert traced.conflicts() == []


def test_secret_conflicts_never_show_the_values(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    _write(creds / "discord-bot-token", OTHER)
    traced = load_traced({"BOT_TOKEN": TOKEN, "CREDENTIALS_DIRECTORY": str(creds)})
    (conflict,) = traced.conflicts()
    text = conflict.describe()
    assert "environment variable BOT_TOKEN wins over credential discord-bot-token" in text
    assert TOKEN not in text and OTHER not in text


def test_verbose_pass_logs_which_source_wins(tmp_path: Path) -> None:
    toml = _write(tmp_path / "config.toml", 'LEAGUE_TIMEZONE = "America/New_York"\n')
    stream = io.StringIO()
    configure_logging(1, stream, {})
    try:
        load_traced({"LEAGUE_TIMEZONE": "UTC", "LEAGUECTL_CONFIG": str(toml)})
    finally:
        configure_logging(0, io.StringIO(), {})
    assert "info: setting LEAGUE_TIMEZONE: environment variable LEAGUE_TIMEZONE = 'UTC' wins over" in stream.getvalue()
    assert logging.getLogger("leaguectl").level == logging.WARNING


def test_file_keys_in_toml_and_env_file_name_secret_files(tmp_path: Path) -> None:
    token = _write(tmp_path / "token", TOKEN + "\n")
    league = _write(tmp_path / "league", "league-token-abcdef\n")
    toml = _write(tmp_path / "c.toml", f'discord_bot_token_file = "{token}"\n')
    env = _write(tmp_path / ".env", f"API_TOKEN_FILE={league}\n")
    traced = load_traced({"LEAGUECTL_CONFIG": str(toml), "LEAGUECTL_ENV_FILE": str(env)})
    assert traced.settings.secret("discord_bot_token") == TOKEN
    assert traced.settings.secret("league_api_token") == "league-token-abcdef"
    assert traced.source_of("discord_bot_token") == f"file {token} named by config file {toml} (discord_bot_token_file)"
    assert traced.source_of("league_api_token") == f"file {league} named by env file {env}:1 (API_TOKEN_FILE)"


def test_file_keys_are_only_for_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({}, config_path=_write(tmp_path / "c.toml", 'guild_id_file = "/x"\n'))
    assert "guild_id_file" in str(caught.value) and "unknown setting" in str(caught.value)


def test_sheets_credential_and_empty_credentials_count_as_absent(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    _write(creds / "google-sheets-credentials", '{"client_email": "x"}')
    _write(creds / "discord-bot-token", "\n")  # systemd's SetCredential= default when no file was loaded
    env = _write(tmp_path / ".env", f"DISCORD_BOT_TOKEN={TOKEN}\n")
    traced = load_traced({"CREDENTIALS_DIRECTORY": str(creds), "LEAGUECTL_ENV_FILE": str(env)})
    assert traced.settings.google_sheets_credentials == creds / "google-sheets-credentials"
    assert traced.source_of("google_sheets_credentials") == "credential google-sheets-credentials"
    assert traced.settings.secret("discord_bot_token") == TOKEN
    assert traced.source_of("discord_bot_token").startswith("env file")


def test_not_set_error_names_aliases_file_variable_and_credential() -> None:
    settings = load_settings({})
    with pytest.raises(ConfigError) as caught:
        settings.require("discord_bot_token")
    assert str(caught.value) == (
        "DISCORD_BOT_TOKEN: is required for this command but is not set (nor its alias BOT_TOKEN, "
        "nor DISCORD_BOT_TOKEN_FILE, nor credential discord-bot-token)"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("GUILD_ID=1\nBOT_TOKEN='unterminated\n", ":2: single-quoted value does not end on this line"),
        ('X="a\\qb"\n', ":1: unknown escape"),
        ("just words\n", ":1: expected '=' after just"),
        ("1KEY=x\n", ":1: expected KEY=VALUE"),
        ('K="x" trailing\n', ":1: unexpected text after the closing quote"),
    ],
)
def test_env_file_syntax_errors_name_file_and_line(tmp_path: Path, text: str, fragment: str) -> None:
    env = _write(tmp_path / "bot.env", text)
    with pytest.raises(ConfigError) as caught:
        load_settings({"LEAGUECTL_ENV_FILE": str(env)})
    assert caught.value.setting == "LEAGUECTL_ENV_FILE"
    assert f"{env}{fragment}" in str(caught.value)


def test_missing_or_binary_env_file_is_a_configuration_error(tmp_path: Path) -> None:
    result = invoke(["--env-file", str(tmp_path / "nope.env"), "doctor"], {"LEAGUECTL_CONFIG": ""})
    assert result.exit_code == 78 and "nope.env does not exist" in result.stderr + result.stdout
    binary = tmp_path / "bin.env"
    binary.write_bytes(b"KEY=\xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings({"LEAGUECTL_ENV_FILE": str(binary)})
