"""The one log formatter: levels, text lines, JSON lines, journald priorities, secrets, the format setting."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leaguectl import logs
from leaguectl.errors import ConfigError, UsageError
from leaguectl.redact import register_secret
from leaguectl.report import Report
from tests.conftest import invoke

LOGGER = logging.getLogger("leaguectl.test")


@pytest.fixture(autouse=True)
def _unbound_command() -> Iterator[None]:
    yield
    logs.bind_command(None)


def _emit_one_of_each() -> None:
    LOGGER.debug("d")
    LOGGER.info("i")
    LOGGER.warning("w")
    LOGGER.error("e")


@pytest.mark.parametrize(
    ("verbosity", "shown"),
    [(-2, ["error: e"]), (-1, ["error: e"]), (0, ["warning: w", "error: e"]),
     (1, ["info: i", "warning: w", "error: e"]), (2, ["debug: d", "info: i", "warning: w", "error: e"])],
)
def test_each_verbosity_shows_its_levels_and_errors_always(verbosity: int, shown: list[str]) -> None:
    stream = io.StringIO()
    logs.configure_logging(verbosity, stream, {})
    _emit_one_of_each()
    assert stream.getvalue().splitlines() == shown


def test_a_traceback_is_shown_only_at_debug() -> None:
    for verbosity, expect_traceback in ((1, False), (2, True)):
        stream = io.StringIO()
        logs.configure_logging(verbosity, stream, {})
        try:
            raise ValueError("boom")
        except ValueError:
            LOGGER.error("failed", exc_info=True)
        assert stream.getvalue().startswith("error: failed")
        assert ("Traceback" in stream.getvalue()) is expect_traceback


def test_json_lines_carry_time_level_command_event_and_fields() -> None:
    stream = io.StringIO()
    logs.configure_logging(1, stream, {}, "json")
    logs.bind_command("thaw")
    report = Report(command="thaw", now=_now())
    report.action("cancel-move", "Season-13-Week-11-1", players=["Hollis Barrow"], message="1234")
    report.skip("dms-closed", item="user 42")
    report.warn("a warning", item="game 7", field="B5")
    report.error("an error", item="task 99", field="schedule")
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(r["level"], r["event"]) for r in records] == [
        ("info", "action"), ("info", "skip"), ("warning", "warning"), ("error", "error"),
    ]
    assert all(r["command"] == "thaw" and r["time"].endswith("+00:00") for r in records)
    action, skip, warning, error = records
    assert (action["kind"], action["target"], action["players"]) == ("cancel-move", "Season-13-Week-11-1",
                                                                    ["Hollis Barrow"])
    assert action["detail_message"] == "1234"  # a fact named like a core key keeps its value
    assert (skip["reason"], skip["item"]) == ("dms-closed", "user 42")
    assert (warning["item"], warning["field"], warning["message"]) == ("game 7", "B5", "[game 7] a warning")
    assert (error["item"], error["field"]) == ("task 99", "schedule")


def test_json_lines_of_other_libraries_name_their_logger() -> None:
    from google.auth import _helpers

    _helpers.is_logging_enabled(logging.getLogger("google.auth.x"))  # google-auth cuts "google" off the root
    stream = io.StringIO()
    logs.configure_logging(0, stream, {}, "json")
    logging.getLogger("google.auth.test").warning("something %s", "odd")
    record = json.loads(stream.getvalue())
    assert (record["logger"], record["message"], record["event"]) == ("google.auth.test", "something odd", "log")


def test_library_debug_and_info_stay_out_even_at_debug() -> None:
    stream = io.StringIO()
    logs.configure_logging(2, stream, {})
    logging.getLogger("httpcore.test").debug("noise")
    logging.getLogger("httpx.test").info("noise")
    assert stream.getvalue() == ""


def test_a_registered_secret_never_reaches_a_line_in_either_format() -> None:
    register_secret("super-secret-token-value")
    for fmt in ("text", "json"):
        stream = io.StringIO()
        logs.configure_logging(2, stream, {}, fmt)
        LOGGER.error("token was super-secret-token-value")
        logs.log_event(LOGGER, logging.INFO, "x", "m", {"token": "super-secret-token-value"})
        assert "super-secret-token-value" not in stream.getvalue()
        assert "********" in stream.getvalue()


def _journal_value(path: Path) -> str:
    status = os.stat(path)
    return f"{status.st_dev}:{status.st_ino}"


def test_under_journald_every_line_carries_its_priority(tmp_path: Path) -> None:
    path = tmp_path / "stderr"
    with path.open("w", encoding="utf-8") as stream:
        logs.configure_logging(2, stream, {"JOURNAL_STREAM": _journal_value(path)})
        _emit_one_of_each()
        LOGGER.warning("first line\nsecond line")
    assert path.read_text(encoding="utf-8").splitlines() == [
        "<7>debug: d", "<6>info: i", "<4>warning: w", "<3>error: e", "<4>warning: first line", "<4>second line",
    ]


def test_journald_prefixes_json_lines_too(tmp_path: Path) -> None:
    path = tmp_path / "stderr"
    with path.open("w", encoding="utf-8") as stream:
        logs.configure_logging(0, stream, {"JOURNAL_STREAM": _journal_value(path)}, "json")
        LOGGER.error("broken")
    line = path.read_text(encoding="utf-8").strip()
    assert line.startswith("<3>{") and json.loads(line[3:])["level"] == "error"


def test_a_journal_stream_of_another_file_is_not_the_journal(tmp_path: Path) -> None:
    # stderr redirected away from the journal (2>file in a unit's script) keeps the variable: compare the fd.
    other = tmp_path / "journal"
    other.write_text("")
    path = tmp_path / "stderr"
    with path.open("w", encoding="utf-8") as stream:
        logs.configure_logging(0, stream, {"JOURNAL_STREAM": _journal_value(other)})
        LOGGER.error("broken")
    assert path.read_text(encoding="utf-8") == "error: broken\n"


def test_a_bare_journal_stream_counts_when_stderr_has_no_descriptor() -> None:
    stream = io.StringIO()  # nothing to compare: the variable alone says journald (SPEC §3.4)
    logs.configure_logging(0, stream, {"JOURNAL_STREAM": "8:1234"})
    LOGGER.error("broken")
    assert stream.getvalue() == "<3>error: broken\n"


@pytest.mark.parametrize("value", ["", "garbage", "8", ":12"])
def test_an_empty_or_malformed_journal_stream_is_not_the_journal(value: str) -> None:
    stream = io.StringIO()
    logs.configure_logging(0, stream, {"JOURNAL_STREAM": value})
    LOGGER.error("broken")
    assert stream.getvalue() == "error: broken\n"


def test_the_format_comes_from_the_option_then_the_environment() -> None:
    assert logs.initial_format(None, {}) == "text"
    assert logs.initial_format(None, {"LEAGUECTL_LOG_FORMAT": "JSON"}) == "json"
    assert logs.initial_format("text", {"LEAGUECTL_LOG_FORMAT": "json"}) == "text"
    with pytest.raises(UsageError, match="--log-format"):
        logs.initial_format("xml", {})
    with pytest.raises(ConfigError, match="LEAGUECTL_LOG_FORMAT"):
        logs.initial_format(None, {"LEAGUECTL_LOG_FORMAT": "yaml"})


def test_a_bad_log_format_exits_64_or_78_naming_it() -> None:
    usage = invoke(["--log-format", "xml", "status"])
    assert usage.exit_code == 64 and "--log-format" in usage.stderr
    config = invoke(["status"], {"LEAGUECTL_LOG_FORMAT": "yaml"})
    assert config.exit_code == 78 and "LEAGUECTL_LOG_FORMAT" in config.stderr


def test_the_config_file_can_ask_for_json_lines(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('leaguectl_log_format = "json"\nmetrics_file = "/nonexistent/dir/m.prom"\n')
    result = invoke(["-v", "--config", str(config), "status"])
    lines = result.stderr.splitlines()
    # The pass's start was logged before the file was read; everything after it is JSON.
    assert lines[0].startswith("info: status: pass started")
    assert [json.loads(line)["event"] for line in lines[1:]] == ["pass_end"]


def test_the_command_line_format_wins_over_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('LEAGUECTL_LOG_FORMAT = "json"\n')
    result = invoke(["-v", "--log-format", "text", "--config", str(config), "status"])
    assert result.stderr and all(line.startswith("info: ") for line in result.stderr.splitlines())


def test_an_error_outside_a_pass_is_one_log_line_in_the_chosen_format() -> None:
    result = invoke(["--log-format", "json", "--set", "NOPE=1", "status"])
    assert result.exit_code == 78
    (line,) = result.stderr.splitlines()
    record = json.loads(line)
    assert record["level"] == "error" and "NOPE" in record["message"]


def _now() -> datetime:
    return datetime(2026, 11, 23, tzinfo=UTC)


def test_a_pass_skipped_because_another_holds_the_lock_warns_at_the_default_level(tmp_path: Path) -> None:
    from leaguectl.passrun import CliState, execute_pass
    from tests.conftest import make_runtime

    stream = io.StringIO()
    logs.configure_logging(0, stream, {})
    environ = {"DISCORD_BOT_TOKEN": "discord-token-XYZ-123456", "LOCK_DIR": str(tmp_path)}
    inner: list[Report] = []

    def outer(pc: object) -> None:
        inner.append(execute_pass(CliState(runtime=make_runtime(environ)), "run-due-tasks", lambda c: None))

    execute_pass(CliState(runtime=make_runtime(environ)), "run-due-tasks", outer)
    assert inner[0].skipped[0]["reason"] == "another pass holds the lock"
    assert stream.getvalue().startswith("warning: skipped run-due-tasks") and "holds the lock" in stream.getvalue()


# --- property tests: arbitrary input, only documented outcomes --------------------------------------


@given(st.text())
def test_any_log_format_text_is_a_format_or_a_named_error(value: str) -> None:
    for source in ("--log-format", "environment variable LEAGUECTL_LOG_FORMAT"):
        try:
            assert logs.parse_format(value, source=source) in logs.FORMATS
        except UsageError as exc:
            assert source == "--log-format" and "--log-format" in str(exc)
        except ConfigError as exc:
            assert exc.setting == "LEAGUECTL_LOG_FORMAT"


@given(st.text())
def test_any_journal_stream_value_is_just_yes_or_no(value: str) -> None:
    assert isinstance(logs.journal_stream_matches(io.StringIO(), {"JOURNAL_STREAM": value}), bool)


@given(st.text(), st.dictionaries(st.text(max_size=10), st.one_of(st.text(), st.integers(), st.none())))
def test_any_message_and_fields_make_one_json_line(message: str, fields: dict[str, object]) -> None:
    stream = io.StringIO()
    logs.configure_logging(0, stream, {}, "json")
    logs.log_event(LOGGER, logging.ERROR, "error", message, fields)
    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["message"] == message
