"""Simulated Google Sheets API v4 (read side) and the OAuth token endpoint.

Sheets is served under `{base}/sheets/v4`; the token endpoint at
`{base}/oauth2/token` accepts the JWT-bearer grant google-auth's service
account credentials send and hands out bearer tokens the Sheets endpoints
require. Values are answered like Google does: trailing empty cells and rows
trimmed, `values` omitted when empty, formatted values as strings.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from leaguectl.sandbox.state import SandboxState
from leaguectl.sandbox.web import Request, Response, Route, Router
from leaguectl.sandbox.world import Spreadsheet

TOKEN_LIFETIME = timedelta(hours=1)
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MIN_ROWS = 1000
MIN_COLUMNS = 26
_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z0-9_]+$")


def google_error(status: int, message: str, code_name: str) -> Response:
    return Response.json(status, {"error": {"code": status, "message": message, "status": code_name}})


class SheetsError(Exception):
    def __init__(self, status: int, message: str, code_name: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code_name = code_name

    def response(self) -> Response:
        return google_error(self.status, self.message, self.code_name)


# ------------------------------------------------------------------ A1 ranges


def column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + (ord(char) - ord("A") + 1)
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class Bounds:
    """1-based inclusive rows/columns; None = open on that side."""

    row1: int | None
    col1: int | None
    row2: int | None
    col2: int | None


def _cell(text: str) -> tuple[int | None, int | None]:
    match = _CELL.match(text)
    if match is None or not text:
        raise ValueError(text)
    letters, digits = match.groups()
    return (int(digits) if digits else None, column_number(letters) if letters else None)


def parse_cells(text: str) -> Bounds:
    first, _, second = text.partition(":")
    row1, col1 = _cell(first)
    row2, col2 = _cell(second) if second else (row1, col1)
    return Bounds(row1, col1, row2, col2)


def split_range(text: str) -> tuple[str | None, str | None]:
    """Split `'My Tab'!A1:B2` / `Tab!A1` / `Tab` / `A1:B2` into (title, cells)."""
    if text.startswith("'"):
        index, title = 1, ""
        while index < len(text):
            if text[index] == "'":
                if text[index + 1 : index + 2] == "'":
                    title += "'"
                    index += 2
                    continue
                break
            title += text[index]
            index += 1
        rest = text[index + 1 :]
        if rest and not rest.startswith("!"):
            raise ValueError(text)
        return title, rest[1:] or None
    if "!" in text:
        title, _, cells = text.partition("!")
        return title, cells or None
    try:
        parse_cells(text)
    except ValueError:
        return text, None
    return None, text


def quote_title(title: str) -> str:
    return title if _PLAIN_TITLE.match(title) else "'" + title.replace("'", "''") + "'"


def _formatted(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    trimmed = []
    for row in rows:
        end = len(row)
        while end and _empty(row[end - 1]):
            end -= 1
        trimmed.append(row[:end])
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def read_range(sheet: Spreadsheet, text: str, render: str, major: str) -> dict[str, Any]:
    """One ValueRange object, as values.get / values:batchGet answer it."""
    try:
        title, cells = split_range(text)
        bounds = parse_cells(cells) if cells else Bounds(None, None, None, None)
    except ValueError as exc:
        raise SheetsError(400, f"Unable to parse range: {text}", "INVALID_ARGUMENT") from exc
    tab_title = title if title is not None else next(iter(sheet.tabs))
    if tab_title not in sheet.tabs:
        raise SheetsError(400, f"Unable to parse range: {text}", "INVALID_ARGUMENT")
    grid = sheet.tabs[tab_title]
    row_count = max(MIN_ROWS, len(grid))
    col_count = max(MIN_COLUMNS, max((len(r) for r in grid), default=0))
    row1, col1 = bounds.row1 or 1, bounds.col1 or 1
    row2 = min(bounds.row2 or row_count, row_count)
    col2 = min(bounds.col2 or col_count, col_count)
    block = []
    for row_number in range(row1, row2 + 1):
        source = grid[row_number - 1] if row_number <= len(grid) else []
        cells_out = []
        for col_number in range(col1, col2 + 1):
            value = source[col_number - 1] if col_number <= len(source) else None
            cells_out.append(_formatted(value) if render == "FORMATTED_VALUE" else value)
        block.append(cells_out)
    if major == "COLUMNS":
        block = [list(column) for column in zip(*block, strict=False)] if block else []
    values = [[("" if v is None else v) for v in row] for row in _trim(block)]
    a1 = f"{column_letters(col1)}{row1}:{column_letters(col2)}{row2}"
    result: dict[str, Any] = {"range": f"{quote_title(tab_title)}!{a1}", "majorDimension": major}
    if values:
        result["values"] = values
    return result


# ------------------------------------------------------------------ services


class SheetsService:
    name = "sheets"
    prefix = "/sheets/v4"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.router = Router()
        self.router.add("GET", "/spreadsheets/{key}", self.get_metadata)
        self.router.add("GET", "/spreadsheets/{key}/values/{range}", self.get_values)
        self.router.add("GET", "/spreadsheets/{key}/values:batchGet", self.batch_get)

    def authorize(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        token = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
        expiry = self.state.sheets.tokens.get(token)
        if expiry is None or expiry <= self.state.clock.now():
            return google_error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        return None

    def not_found(self) -> Response:
        return google_error(404, "Requested entity was not found.", "NOT_FOUND")

    def method_not_allowed(self) -> Response:
        return google_error(405, "Method not allowed.", "METHOD_NOT_ALLOWED")

    def server_error(self) -> Response:
        return google_error(500, "Internal error encountered.", "INTERNAL")

    def admit(self, route: Route | None, params: dict[str, str]) -> tuple[Response | None, dict[str, str]]:
        return None, {}

    def call(self, route: Route, request: Request) -> Response:
        try:
            return route.handler(request)
        except SheetsError as exc:
            return exc.response()

    def _sheet(self, request: Request) -> Spreadsheet:
        sheet = self.state.sheets.spreadsheets.get(request.params["key"])
        if sheet is None:
            raise SheetsError(404, "Requested entity was not found.", "NOT_FOUND")
        if not sheet.readable:
            raise SheetsError(403, "The caller does not have permission", "PERMISSION_DENIED")
        return sheet

    def get_metadata(self, request: Request) -> Response:
        sheet = self._sheet(request)
        tabs = []
        for index, (title, grid) in enumerate(sheet.tabs.items()):
            properties = {
                "sheetId": 0 if index == 0 else 1000 + index,
                "title": title,
                "index": index,
                "sheetType": "GRID",
                "gridProperties": {
                    "rowCount": max(MIN_ROWS, len(grid)),
                    "columnCount": max(MIN_COLUMNS, max((len(r) for r in grid), default=0)),
                },
            }
            tabs.append({"properties": properties})
        payload = {
            "spreadsheetId": sheet.key,
            "properties": {"title": sheet.title, "locale": "en_US", "autoRecalc": "ON_CHANGE", "timeZone": "Etc/GMT"},
            "sheets": tabs,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{sheet.key}/edit",
        }
        return Response.json(200, payload)

    def _render(self, request: Request) -> tuple[str, str]:
        render = request.arg("valueRenderOption") or "FORMATTED_VALUE"
        major = request.arg("majorDimension") or "ROWS"
        if render not in ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"):
            raise SheetsError(400, f"Invalid valueRenderOption: {render}", "INVALID_ARGUMENT")
        if major not in ("ROWS", "COLUMNS"):
            raise SheetsError(400, f"Invalid majorDimension: {major}", "INVALID_ARGUMENT")
        return render, major

    def get_values(self, request: Request) -> Response:
        sheet = self._sheet(request)
        render, major = self._render(request)
        return Response.json(200, read_range(sheet, request.params["range"], render, major))

    def batch_get(self, request: Request) -> Response:
        sheet = self._sheet(request)
        render, major = self._render(request)
        ranges = request.query.get("ranges", [])
        value_ranges = [read_range(sheet, text, render, major) for text in ranges]
        return Response.json(200, {"spreadsheetId": sheet.key, "valueRanges": value_ranges})


def _jwt_part(text: str) -> dict[str, Any]:
    padded = text + "=" * (-len(text) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


class OAuthService:
    name = "oauth"
    prefix = "/oauth2"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.router = Router()
        self.router.add("POST", "/token", self.token)
        self.issued = 0

    def authorize(self, request: Request) -> Response | None:
        return None

    def not_found(self) -> Response:
        return Response.json(404, {"error": "not_found"})

    def method_not_allowed(self) -> Response:
        return Response.json(405, {"error": "method_not_allowed"})

    def server_error(self) -> Response:
        return Response.json(500, {"error": "internal_failure"})

    def admit(self, route: Route | None, params: dict[str, str]) -> tuple[Response | None, dict[str, str]]:
        return None, {}

    def call(self, route: Route, request: Request) -> Response:
        return route.handler(request)

    def token(self, request: Request) -> Response:
        form = parse_qs(request.body.decode("utf-8", "replace"))
        grant = (form.get("grant_type") or [""])[0]
        assertion = (form.get("assertion") or [""])[0]
        if grant != JWT_BEARER:
            return Response.json(
                400, {"error": "unsupported_grant_type", "error_description": f"Invalid grant_type: {grant}"}
            )
        parts = assertion.split(".")
        try:
            if len(parts) != 3:
                raise ValueError("a JWT has three parts")
            _jwt_part(parts[0])
            claims = _jwt_part(parts[1])
            if not claims.get("iss"):
                raise ValueError("no iss claim")
        except ValueError as exc:
            return Response.json(400, {"error": "invalid_grant", "error_description": f"Invalid JWT: {exc}"})
        self.issued += 1
        token = f"ya29.sandbox-{self.issued}"
        self.state.sheets.tokens[token] = self.state.clock.now() + TOKEN_LIFETIME
        seconds = int(TOKEN_LIFETIME.total_seconds())
        return Response.json(200, {"access_token": token, "expires_in": seconds, "token_type": "Bearer"})
