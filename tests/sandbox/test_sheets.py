"""The simulated Sheets API and OAuth endpoint, directly and through gspread + google-auth."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from leaguectl.sandbox import Sandbox
from tests.sandbox.world import http

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ0ZXN0In0.c2ln"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture
def sheets(sandbox: Sandbox) -> httpx.Client:
    token = http().post(sandbox.oauth_token_url, data={"grant_type": GRANT, "assertion": JWT}).json()["access_token"]
    return http(sandbox.sheets_url, {"Authorization": f"Bearer {token}"})


def values(sheets: httpx.Client, rng: str, **params: str) -> dict[str, Any]:
    response = sheets.get(f"/spreadsheets/sheet-key-1/values/{quote(rng, safe='')}", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_token_endpoint_answers_a_jwt_bearer_grant(sandbox: Sandbox) -> None:
    response = http().post(sandbox.oauth_token_url, data={"grant_type": GRANT, "assertion": JWT})
    body = response.json()
    assert (body["expires_in"], body["token_type"]) == (3600, "Bearer")
    assert body["access_token"]
    bad = http().post(sandbox.oauth_token_url, data={"grant_type": GRANT, "assertion": "not-a-jwt"})
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_grant")


def test_sheets_need_a_token_from_the_oauth_endpoint(sandbox: Sandbox, sheets: httpx.Client) -> None:
    anonymous = http().get(f"{sandbox.sheets_url}/spreadsheets/sheet-key-1")
    assert anonymous.status_code == 401 and anonymous.json()["error"]["status"] == "UNAUTHENTICATED"
    assert sheets.get("/spreadsheets/sheet-key-1").status_code == 200
    sandbox.clock.advance(3601)
    assert sheets.get("/spreadsheets/sheet-key-1").status_code == 401


def test_metadata_lists_the_tabs_as_gspread_expects(sheets: httpx.Client) -> None:
    meta = sheets.get("/spreadsheets/sheet-key-1", params={"includeGridData": "false"}).json()
    assert meta["properties"]["title"] == "Scorecard"
    tabs = [s["properties"] for s in meta["sheets"]]
    assert [(t["title"], t["index"], t["sheetId"]) for t in tabs] == [("Scorebug", 0, 0), ("My Tab", 1, 1001)]
    assert tabs[0]["gridProperties"] == {"rowCount": 1000, "columnCount": 26}


def test_values_are_trimmed_and_formatted_like_google_does(sheets: httpx.Client) -> None:
    body = values(sheets, "'Scorebug'!B2:S20")
    assert body["range"] == "Scorebug!B2:S20"
    assert body["values"] == [["BOS @ NYY"], [], [], ["502", "", "4"], ["501", "", "3"]]
    raw = values(sheets, "Scorebug!B5:D6", valueRenderOption="UNFORMATTED_VALUE")
    assert raw["values"] == [[502, "", 4], [501, "", 3.0]]


def test_ranges_may_name_quoted_tabs_whole_tabs_or_no_tab(sheets: httpx.Client) -> None:
    assert values(sheets, "'My Tab'!A1:B2")["values"] == [["a", "b"], ["c"]]
    assert values(sheets, "'My Tab'")["range"] == "'My Tab'!A1:Z1000"
    assert values(sheets, "B2")["values"] == [["BOS @ NYY"]]
    assert values(sheets, "Scorebug!A1:A1") == {"range": "Scorebug!A1:A1", "majorDimension": "ROWS"}
    assert values(sheets, "Scorebug!5:6")["values"] == [["", "502", "", "4"], ["", "501", "", "3"]]
    assert values(sheets, "Scorebug!D:D")["values"] == [[], [], [], [], ["4"], ["3"]]
    assert values(sheets, "'My Tab'!A1:B2", majorDimension="COLUMNS")["values"] == [["a", "c"], ["b"]]


def test_batch_get_reads_several_ranges_in_one_request(sheets: httpx.Client) -> None:
    body = sheets.get(
        "/spreadsheets/sheet-key-1/values:batchGet", params=[("ranges", "Scorebug!B2"), ("ranges", "'My Tab'!A2")]
    ).json()
    assert [r["values"] for r in body["valueRanges"]] == [[["BOS @ NYY"]], [["c"]]]


def test_unknown_sheets_are_404_unreadable_ones_403_bad_ranges_400(sheets: httpx.Client) -> None:
    assert sheets.get("/spreadsheets/nope").json()["error"]["code"] == 404
    assert sheets.get("/spreadsheets/locked-key/values/A1").json()["error"]["status"] == "PERMISSION_DENIED"
    assert sheets.get(f"/spreadsheets/sheet-key-1/values/{quote('Nope!A1', safe='')}").status_code == 400


def test_set_sheet_replaces_a_tab_and_can_lock_it(sandbox: Sandbox, sheets: httpx.Client) -> None:
    sandbox.set_sheet("sheet-key-1", [["", "SEA @ DEN - FINAL"]])
    assert values(sheets, "Scorebug!B2:S20") == {"range": "Scorebug!B2:S20", "majorDimension": "ROWS"}
    assert values(sheets, "Scorebug!B1")["values"] == [["SEA @ DEN - FINAL"]]
    sandbox.set_sheet("sheet-key-1", [["x"]], readable=False)
    assert sheets.get("/spreadsheets/sheet-key-1").status_code == 403


def test_gspread_reads_a_scorebug_with_the_credentials_file_from_env(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import google.auth.credentials
    import gspread
    from gspread.http_client import HTTPClient

    # google-auth would start a background "regional access boundary" lookup at
    # iamcredentials.googleapis.com after the first token; tests stay offline.
    monkeypatch.setattr(
        google.auth.credentials.CredentialsWithRegionalAccessBoundary,
        "_is_regional_access_boundary_lookup_required",
        lambda self: False,
    )

    env = sandbox.env(tmp_path)

    class SandboxHTTPClient(HTTPClient):
        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
            endpoint = endpoint.replace("https://sheets.googleapis.com/v4", env["SHEETS_API_URL"])
            return super().request(method, endpoint, *args, **kwargs)

    client = gspread.service_account(filename=env["GOOGLE_SHEETS_CREDENTIALS"], http_client=SandboxHTTPClient)
    worksheet = client.open_by_key("sheet-key-1").worksheet("Scorebug")
    assert worksheet.get("B2:S20") == [["BOS @ NYY"], [], [], ["502", "", "4"], ["501", "", "3"]]
    assert [e.service for e in sandbox.request_log][:1] == ["oauth"]
    with pytest.raises(PermissionError):
        client.open_by_key("locked-key")
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client.open_by_key("no-such-key")
