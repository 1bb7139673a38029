"""Hostile settings and local files (#16.8): exit 78 naming the setting, never 70 or a traceback."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaguectl.dotenv import DotenvSyntaxError, parse_dotenv
from leaguectl.errors import ConfigError
from leaguectl.settings import SETTING_FIELDS, check_url, load_settings
from tests.conftest import invoke

# Nothing listens on port 9 of loopback: a pass that got as far as a request would exit 69, not 78.
DEAD = {
    "DISCORD_API_URL": "http://127.0.0.1:9/api/v10",
    "LEAGUE_API_URL": "http://127.0.0.1:9/league",
    "GUILD_ID": "1180000000000000000",
    "DISCORD_BOT_TOKEN": "a-fine-token-123456",
    "LEAGUE_API_TOKEN": "a-fine-league-token",
    "LEAGUECTL_CONFIG": "",
}


def _run(tmp_path: Path, command: str = "thaw", **env: str) -> tuple[int, str]:
    forced = ["--force"] if command == "thaw" else []  # thaw's window is Saturday; the test clock is a Monday
    result = invoke(["--json", command, *forced], {**DEAD, "LOCK_DIR": str(tmp_path / "locks"), **env})
    text = result.stdout + result.stderr
    assert "Traceback" not in text
    return result.exit_code, text


def test_token_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_bytes(b"\xff\xfe\x00binary")
    code, text = _run(tmp_path, DISCORD_BOT_TOKEN="", DISCORD_BOT_TOKEN_FILE=str(token))
    assert code == 78 and "DISCORD_BOT_TOKEN_FILE" in text and "not UTF-8" in text


@pytest.mark.parametrize(
    ("token", "fragment"),
    [("tökén-123456", "non-ASCII"), ("first-line\nsecond-line", "control character"),
     ("tab\tinside-token", "control character"), ("two words-token", "space")],
)
def test_tokens_that_cannot_be_sent_are_refused_before_any_request(tmp_path: Path, token: str, fragment: str) -> None:
    code, text = _run(tmp_path, LEAGUE_API_TOKEN=token)
    assert code == 78 and "LEAGUE_API_TOKEN" in text and fragment in text
    assert token not in text


@pytest.mark.parametrize(
    "url", ["http://[::1", "https://", "hc-ping.com/uuid", "https://exa mple.org/x", "https://hc-ping.com:99999/x",
            "https://hc-ping.com/ü", "http://under_score.example/x", "https://user:pw@hc-ping.com/x"],
)
def test_unusable_healthcheck_url_is_named_and_never_shown(tmp_path: Path, url: str) -> None:
    code, text = _run(tmp_path, HEALTHCHECK_URL=url)
    assert code == 78 and "HEALTHCHECK_URL" in text
    if len(url) >= 6:
        assert url not in text  # the ping URL is a secret


@pytest.mark.parametrize("value", ["١٢٣", "１２３", "12_3", "99999999999999999999999"])
def test_ids_must_be_ascii_digits(tmp_path: Path, value: str) -> None:
    code, text = _run(tmp_path, GUILD_ID=value)
    assert code == 78 and "GUILD_ID" in text and "numeric Discord id" in text


@pytest.mark.parametrize("value", ["٣", "nan", "inf", "-1"])
def test_numbers_must_be_finite_ascii(tmp_path: Path, value: str) -> None:
    code, text = _run(tmp_path, DISCORD_MAX_WAIT_SECONDS=value)
    assert code == 78 and "DISCORD_MAX_WAIT_SECONDS" in text


def test_lock_dir_that_is_a_file_or_deeply_missing_is_named(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for lock_dir in (a_file, tmp_path / "no" / "such" / "dir", a_file / "sub"):
        code, text = _run(tmp_path, LOCK_DIR=str(lock_dir))
        assert code == 78, text
        assert "LOCK_DIR" in text and str(lock_dir) in text


def test_one_missing_lock_dir_level_is_created(tmp_path: Path) -> None:
    code, text = _run(tmp_path, "thaw", LOCK_DIR=str(tmp_path / "locks-new"))
    assert code == 69, text  # the pass got past the lock to the (dead) Discord
    assert (tmp_path / "locks-new").is_dir()


@pytest.mark.parametrize("content", [b"\xff\xfe garbage", b"leaguectl_last_exit_code{command=\"thaw\"} nan\nzzz\n",
                                     b"leaguectl_last_start_timestamp_seconds{command=\"thaw\"} 1e300\n"])
def test_garbage_metrics_file_is_a_warning_and_is_replaced(tmp_path: Path, content: bytes) -> None:
    metrics = tmp_path / "leaguectl.prom"
    metrics.write_bytes(content)
    code, text = _run(tmp_path, "thaw", METRICS_FILE=str(metrics))
    assert code == 69  # the work's own outcome (Discord unreachable), unchanged by the metrics file
    assert "METRICS_FILE" in text
    rewritten = metrics.read_text(encoding="utf-8")
    assert 'leaguectl_last_exit_code{command="thaw"} 69' in rewritten
    assert "zzz" not in rewritten and "nan" not in rewritten
    status = invoke(["--json", "status"], {"METRICS_FILE": str(metrics), "LEAGUECTL_CONFIG": ""})
    assert status.exit_code == 0


def test_metrics_file_that_is_a_directory_is_left_alone_and_status_reports_it(tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.d"
    metrics.mkdir()
    code, text = _run(tmp_path, "thaw", METRICS_FILE=str(metrics))
    assert code == 69 and "is a directory" in text
    assert metrics.is_dir() and list(metrics.iterdir()) == []
    status = invoke(["--json", "status"], {"METRICS_FILE": str(metrics), "LEAGUECTL_CONFIG": ""})
    assert status.exit_code == 0
    assert "METRICS_FILE" in status.stdout and "is a directory" in status.stdout


def test_status_reports_a_garbage_metrics_file_instead_of_failing(tmp_path: Path) -> None:
    metrics = tmp_path / "leaguectl.prom"
    metrics.write_bytes(b"\x00\x01 not metrics\n")
    status = invoke(["--json", "status"], {"METRICS_FILE": str(metrics), "LEAGUECTL_CONFIG": ""})
    assert status.exit_code == 0
    assert "line(s) are not leaguectl metrics" in status.stdout


# --- property tests: arbitrary values in, only ConfigError out -----------------------------------

_ENV_NAMES = [f.metadata["env"] for f in SETTING_FIELDS]
_hostile_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30
) | st.sampled_from(["nan", "-inf", "١٢٣", "0", "-1", "1e999", "http://[::1", "~nobody/x", "America", "../../x"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_ENV_NAMES), _hostile_text, max_size=6))
def test_arbitrary_environment_values_give_settings_or_a_config_error(values: dict[str, str]) -> None:
    try:
        load_settings({**values, "HOME": "/nonexistent"})
    except ConfigError as exc:
        assert exc.setting


_toml_scalar = st.one_of(
    st.text(max_size=20), st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(), st.booleans(),
    st.lists(st.text(max_size=5), max_size=3), st.dates(),
)


def _toml_value(value: object) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value == float("inf") else "-inf" if value == float("-inf")
                                             else repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(_ENV_NAMES), _toml_scalar, max_size=5))
def test_arbitrary_toml_values_give_settings_or_a_config_error(tmp_path: Path, values: dict[str, object]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("".join(f"{key.lower()} = {_toml_value(value)}\n" for key, value in values.items()))
    try:
        load_settings({"HOME": "/nonexistent"}, config_path=config)
    except ConfigError as exc:
        assert exc.setting


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200) | st.lists(
    st.sampled_from(["export ", "K", "=", "'", '"', "\\", "#", " ", "\n", "v", "$", "\t", "_1"]), max_size=30
).map("".join))
def test_dotenv_parser_returns_values_or_a_syntax_error_naming_a_line(text: str) -> None:
    try:
        values = parse_dotenv(text)
    except DotenvSyntaxError as exc:
        assert 1 <= exc.line <= max(1, len(text.splitlines()))
        return
    for key, found in values.items():
        assert key.replace("_", "a").isalnum() and not key[0].isdigit()
        assert 1 <= found.line <= len(text.splitlines())


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40) | st.builds(
    lambda host, port, path: f"https://{host}{port}/{path}",
    st.text(alphabet=string.ascii_letters + string.digits + ".-_[]:@%", min_size=0, max_size=15),
    st.sampled_from(["", ":0", ":80", ":99999", ":x", ":"]),
    st.text(max_size=10),
))
def test_every_url_the_settings_accept_is_one_httpx_accepts(text: str) -> None:
    import httpx

    try:
        check_url(text)
    except ValueError:
        return
    url = httpx.URL(text.rstrip("/") + "/start")
    assert url.scheme in ("http", "https") and url.host


def test_dotenv_values_keep_quotes_comments_and_escapes_exactly() -> None:
    values = parse_dotenv(
        "A=plain value # comment\nB='single # kept'\nC=\"tab\\tquote\\\" dollar\\$\"\nexport D=1\nE=\nF=a#b\n"
    )
    assert {k: v.value for k, v in values.items()} == {
        "A": "plain value", "B": "single # kept", "C": 'tab\tquote" dollar$', "D": "1", "E": "", "F": "a#b",
    }
    assert values["D"].line == 4
