"""The scorecard reader: one request per read, SHEETS_API_URL, bounded retries, credential errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaguectl.errors import ConfigError
from leaguectl.runtime import FakeClock, Runtime
from leaguectl.sandbox.files import generate_private_key_pem, service_account_info
from leaguectl.scorebug.parse import ScorebugParseError
from leaguectl.sheets import (
    ATTEMPTS,
    BadSheetReference,
    ScorebugTabMissing,
    ScorecardReader,
    SheetNotAccessible,
    SheetsUnavailable,
    UnexpectedAnswer,
    answer_values,
    read_scorebug,
    spreadsheet_key,
)
from tests.scorebug.cells import b2s20, live_cells

_KEY_PEM: list[str] = []


def private_key() -> str:
    if not _KEY_PEM:
        _KEY_PEM.append(generate_private_key_pem())
    return _KEY_PEM[0]


@dataclass
class FakeGoogle:
    """A token endpoint and a values.get endpoint answering a scripted list of statuses."""

    statuses: list[int] = field(default_factory=list)
    retry_after: str | None = None
    values: list[list[object]] = field(default_factory=lambda: b2s20(live_cells()))
    body: object = None
    """When set, the whole answer of values.get (any JSON), instead of the asked range with ``values``."""
    requests: list[str] = field(default_factory=list)
    tokens: int = 0
    base: str = ""


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle()

    class Handler(BaseHTTPRequestHandler):
        def _json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            fake.tokens += 1
            self._json(200, {"access_token": f"token-{fake.tokens}", "expires_in": 3600, "token_type": "Bearer"})

        def do_GET(self) -> None:
            fake.requests.append(self.path)
            status = fake.statuses.pop(0) if fake.statuses else 200
            if status != 200:
                headers = {"Retry-After": fake.retry_after} if fake.retry_after else None
                self._json(status, {"error": {"code": status, "message": "scripted", "status": "X"}}, headers)
                return
            if fake.body is not None:
                self._json(200, fake.body)  # type: ignore[arg-type]
                return
            self._json(200, {"range": "Scorebug!B2:S20", "majorDimension": "ROWS", "values": fake.values})

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def credentials_file(tmp_path: Path, token_uri: str) -> Path:
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(service_account_info(token_uri, private_key())), encoding="utf-8")
    return path


def reader_for(google: FakeGoogle, tmp_path: Path) -> tuple[ScorecardReader, FakeClock]:
    clock = FakeClock(datetime(2026, 7, 4, tzinfo=UTC))
    runtime = Runtime(clock=clock, sleep=clock.sleep, environ={})
    credentials = credentials_file(tmp_path, f"{google.base}/token")
    reader = ScorecardReader(credentials=credentials, api_url=f"{google.base}/proxy/v4", runtime=runtime)
    return reader, clock


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("https://docs.google.com/spreadsheets/d/1AbC-d_9/edit#gid=0", "1AbC-d_9"),
        ("https://docs.google.com/spreadsheet/ccc?key=0Ak_xyz&usp=sharing", "0Ak_xyz"),
        ("1AbC-d_9", "1AbC-d_9"),
        ("  1AbC-d_9 ", "1AbC-d_9"),
    ],
)
def test_urls_and_bare_keys_give_the_spreadsheet_key(text: str, key: str) -> None:
    assert spreadsheet_key(text) == key


def test_text_that_is_neither_a_url_nor_a_key_is_refused() -> None:
    with pytest.raises(BadSheetReference):
        spreadsheet_key("https://example.com/not a sheet")


def test_one_read_is_one_values_request_under_sheets_api_url(google: FakeGoogle, tmp_path: Path) -> None:
    reader, _ = reader_for(google, tmp_path)
    first = read_scorebug(reader, "https://docs.google.com/spreadsheets/d/KEY1/edit")
    read_scorebug(reader, "KEY2")
    assert first.away_score == 4 and first.home_team_id == 2
    assert [path.split("?")[0] for path in google.requests] == [
        "/proxy/v4/spreadsheets/KEY1/values/Scorebug%21B2%3AS20",
        "/proxy/v4/spreadsheets/KEY2/values/Scorebug%21B2%3AS20",
    ]
    assert all("valueRenderOption=FORMATTED_VALUE" in path for path in google.requests)
    assert google.tokens == 1


def test_persistent_rate_limiting_gives_up_after_bounded_retries(google: FakeGoogle, tmp_path: Path) -> None:
    google.statuses = [429] * 50
    reader, clock = reader_for(google, tmp_path)
    with pytest.raises(SheetsUnavailable, match="HTTP 429"):
        reader.read_cells("KEY", "Scorebug!B2:S20")
    assert len(google.requests) == ATTEMPTS
    assert clock.slept == [2.0, 4.0]


def test_a_transient_server_error_is_retried_and_honours_retry_after(google: FakeGoogle, tmp_path: Path) -> None:
    google.statuses = [503]
    google.retry_after = "7"
    reader, clock = reader_for(google, tmp_path)
    assert read_scorebug(reader, "KEY").away_team_id == 1
    assert len(google.requests) == 2 and clock.slept == [7.0]


@pytest.mark.parametrize(("status", "error"), [(403, SheetNotAccessible), (404, SheetNotAccessible)])
def test_a_sheet_not_shared_is_not_retried_and_names_the_service_account(
    google: FakeGoogle, tmp_path: Path, status: int, error: type[Exception]
) -> None:
    google.statuses = [status]
    reader, clock = reader_for(google, tmp_path)
    with pytest.raises(error, match="leaguectl-sandbox@"):
        reader.read_cells("KEY", "Scorebug!B2:S20")
    assert len(google.requests) == 1 and clock.slept == []


def test_a_spreadsheet_without_the_scorebug_tab_says_so(sandbox_cli_factory: Any) -> None:
    cli = sandbox_cli_factory({"sheets": {"other": {"tabs": {"Sheet1": [["x"]]}}}}, datetime(2026, 7, 4, tzinfo=UTC))
    env = cli.env()
    runtime = cli.runtime()
    reader = ScorecardReader(
        credentials=Path(env["GOOGLE_SHEETS_CREDENTIALS"]), api_url=env["SHEETS_API_URL"], runtime=runtime
    )
    with pytest.raises(ScorebugTabMissing, match="Scorebug tab"):
        read_scorebug(reader, "other")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "not set"),
        ("", "does not exist"),
        ("{not json", "not valid JSON"),
        ('{"type": "authorized_user"}', "not a service-account key"),
        ('{"type": "service_account", "client_email": "x@y"}', "lacks private_key, token_uri"),
    ],
)
def test_credential_problems_are_config_errors_naming_the_setting(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path: Path | None = None
    if content is not None:
        path = tmp_path / "creds.json"
        if content:
            path.write_text(content, encoding="utf-8")
    reader = ScorecardReader(credentials=path, api_url="http://127.0.0.1:9/v4", runtime=Runtime(environ={}))
    with pytest.raises(ConfigError, match=problem) as caught:
        reader.read_cells("KEY", "Scorebug!B2:S20")
    assert caught.value.setting == "GOOGLE_SHEETS_CREDENTIALS"


def test_a_broken_private_key_is_a_config_error_without_leaking_the_key(tmp_path: Path) -> None:
    info = service_account_info("http://127.0.0.1:9/token", "-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n")
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    reader = ScorecardReader(credentials=path, api_url="http://127.0.0.1:9/v4", runtime=Runtime(environ={}))
    with pytest.raises(ConfigError) as caught:
        reader.read_cells("KEY", "Scorebug!B2:S20")
    assert "GOOGLE_SHEETS_CREDENTIALS" in str(caught.value) and "SECRETSTUFF" not in str(caught.value)


# --- answers that are not what was asked ---------------------------------------------------------------


def test_null_rows_in_the_answer_are_empty_rows(google: FakeGoogle, tmp_path: Path) -> None:
    values: list[Any] = b2s20(live_cells())
    values[1] = None  # row 3 is blank anyway; Sheets proxies have been seen sending null for it
    google.values = values
    reader, _ = reader_for(google, tmp_path)
    assert read_scorebug(reader, "KEY").away_score == 4


def test_an_answer_for_another_range_is_an_unexpected_answer_naming_the_sheet(
    google: FakeGoogle, tmp_path: Path
) -> None:
    google.body = {"range": "Sheet1!A1:R19", "majorDimension": "ROWS", "values": b2s20(live_cells())}
    reader, _ = reader_for(google, tmp_path)
    with pytest.raises(UnexpectedAnswer, match=r"range 'Sheet1!A1:R19' of sheet KEY"):
        read_scorebug(reader, "KEY")


def test_an_answer_without_values_is_a_blank_scorecard(google: FakeGoogle, tmp_path: Path) -> None:
    google.body = {"range": "Scorebug!B2:S20", "majorDimension": "ROWS"}
    reader, _ = reader_for(google, tmp_path)
    with pytest.raises(ScorebugParseError, match="away team id in B5 is blank"):
        read_scorebug(reader, "KEY")


@pytest.mark.parametrize("reported", ["Scorebug!B2:S20", "'Scorebug'!B2:J20", "Scorebug!B2:S11", "Scorebug!B2"])
def test_a_range_clipped_to_a_small_tab_is_still_the_asked_one(reported: str) -> None:
    assert answer_values({"range": reported, "values": [["x"]]}, "KEY", "Scorebug!B2:S20") == [["x"]]


@pytest.mark.parametrize(
    "reported", ["Other!B2:S20", "Scorebug!A1:S20", "Scorebug!B2:T20", "Scorebug!B2:S21", "B2:S20"]
)
def test_a_range_elsewhere_or_larger_is_refused(reported: str) -> None:
    with pytest.raises(UnexpectedAnswer, match="KEY"):
        answer_values({"range": reported, "values": [["x"]]}, "KEY", "Scorebug!B2:S20")


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    ANY_JSON
    | st.fixed_dictionaries(
        {"range": ANY_JSON | st.sampled_from(["Scorebug!B2:S20", "x!B2"]), "values": ANY_JSON},
        optional={"majorDimension": ANY_JSON | st.just("ROWS")},
    )
)
def test_any_sheets_answer_gives_a_scorebug_or_a_documented_error(body: object) -> None:
    from leaguectl.scorebug.parse import parse_scorebug

    try:
        parse_scorebug(answer_values(body, "KEY", "Scorebug!B2:S20"))
    except (UnexpectedAnswer, ScorebugParseError) as exc:
        assert str(exc)
