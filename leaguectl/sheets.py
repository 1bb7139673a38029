"""Read a scorecard's ``Scorebug!B2:S20`` cells with gspread: one request per sheet, bounded retries.

Why it is built this way:

* **One request per read.** ``open_by_key`` + ``worksheet`` + ``get`` cost
  three requests (two metadata fetches); the Sheets quota is 60 reads a
  minute per user. :meth:`ScorecardReader.read_cells` calls ``values.get`` on
  the key directly: ``GET {SHEETS_API_URL}/spreadsheets/{key}/values/Scorebug!B2:S20``
  with ``valueRenderOption=FORMATTED_VALUE``. The OAuth token is fetched once
  per reader (one reader per pass), not per sheet.
* **Bounded retries.** gspread's ``BackOffHTTPClient`` never stops retrying a
  persistent 429/5xx, which would hang a cron slot; here 429, 5xx and
  transport errors are retried :data:`ATTEMPTS` times in all, waiting through the runtime's
  sleeper (``Retry-After`` honoured up to :data:`MAX_WAIT_SECONDS`).
* **``SHEETS_API_URL``.** gspread has no base-URL option and its URL
  constants are copied into ``gspread.http_client`` at import, so instead of
  patching module globals, :class:`_RebasedHTTPClient` (built on first use)
  rewrites the ``https://sheets.googleapis.com/v4`` prefix of every request
  to the configured base, e.g. a proxy or the sandbox's ``http://127.0.0.1:PORT/sheets/v4``.
* **Start-up cost.** gspread, google-auth and requests are imported only when a
  scorecard is actually read; a pass with no published scorecards never loads them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leaguectl.errors import ConfigError, ExitCode, LeaguectlError, ServiceUnavailable
from leaguectl.runtime import Runtime

if TYPE_CHECKING:
    from gspread.http_client import HTTPClient

    from leaguectl.scorebug.parse import Scorebug

log = logging.getLogger("leaguectl.sheets")

CREDENTIALS_SETTING = "GOOGLE_SHEETS_CREDENTIALS"
GOOGLE_SHEETS_BASE = "https://sheets.googleapis.com/v4"
READONLY_SCOPES = ("https://www.googleapis.com/auth/spreadsheets.readonly",)
ATTEMPTS = 3
BACKOFF_SECONDS = 2.0
MAX_WAIT_SECONDS = 30.0
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

_URL_KEY = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_QUERY_KEY = re.compile(r"[?&#]key=([A-Za-z0-9_-]+)")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class SheetError(LeaguectlError):
    """A scorecard could not be read; the message says which and what to do."""

    exit_code = ExitCode.PARTIAL

    def __init__(self, sheet: str, message: str) -> None:
        self.sheet = sheet
        super().__init__(message)


class BadSheetReference(SheetError):
    """The text is neither a Google Sheets URL nor a spreadsheet key."""

    exit_code = ExitCode.USAGE


class SheetNotAccessible(SheetError):
    """404/403: the sheet does not exist or is not shared with the service account."""


class ScorebugTabMissing(SheetError):
    """The spreadsheet has no ``Scorebug`` tab: not a scorecard."""


class SheetsUnavailable(SheetError, ServiceUnavailable):
    """The Sheets API kept failing (429, 5xx, network) after the retries."""

    exit_code = ExitCode.UNAVAILABLE


def spreadsheet_key(url_or_key: str) -> str:
    """The spreadsheet key of a Sheets URL (``/spreadsheets/d/<key>`` or ``key=``) or of a bare key."""
    text = url_or_key.strip()
    for pattern in (_URL_KEY, _QUERY_KEY):
        match = pattern.search(text)
        if match:
            return match.group(1)
    if _BARE_KEY.match(text):
        return text
    raise BadSheetReference(text, f"{text!r} is neither a Google Sheets URL nor a spreadsheet key")


@dataclass(frozen=True)
class ServiceAccount:
    """The parts of a service-account key file leaguectl looks at (never the private key itself)."""

    path: Path
    info: dict[str, Any]

    @property
    def email(self) -> str:
        return str(self.info.get("client_email") or "the service account")


def load_service_account(path: Path | None) -> ServiceAccount:
    """Read and check ``GOOGLE_SHEETS_CREDENTIALS``; any problem is a ConfigError naming it."""
    if path is None:
        raise ConfigError(CREDENTIALS_SETTING, "is required to read scorecards but is not set")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(CREDENTIALS_SETTING, f"{path} does not exist") from None
    except OSError as exc:
        raise ConfigError(CREDENTIALS_SETTING, f"cannot read {path}: {exc.strerror}") from None
    try:
        info = json.loads(text)
    except ValueError:
        raise ConfigError(CREDENTIALS_SETTING, f"{path} is not valid JSON (expected a service-account key)") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        kind = info.get("type") if isinstance(info, dict) else type(info).__name__
        raise ConfigError(CREDENTIALS_SETTING, f"{path} is not a service-account key (type is {kind!r})")
    missing = [key for key in ("client_email", "private_key", "token_uri") if not info.get(key)]
    if missing:
        raise ConfigError(CREDENTIALS_SETTING, f"{path} lacks {', '.join(missing)}")
    return ServiceAccount(path=path, info=info)


def _rebased_client_class() -> type[HTTPClient]:
    """gspread's HTTPClient with every request sent to another base URL (imports gspread)."""
    from gspread.http_client import HTTPClient

    class _RebasedHTTPClient(HTTPClient):
        base_url: str = GOOGLE_SHEETS_BASE
        runtime: Runtime | None = None

        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
            if endpoint.startswith(GOOGLE_SHEETS_BASE):
                endpoint = self.base_url + endpoint[len(GOOGLE_SHEETS_BASE) :]
            if self.runtime is not None:
                self.runtime.checkpoint()
                self.runtime.stats.http_requests += 1
            return super().request(method, endpoint, *args, **kwargs)

    return _RebasedHTTPClient


def _credentials_class(*, offline: bool) -> Any:
    """google-auth's service-account credentials; ``offline`` skips the regional-boundary lookup.

    google-auth 2.6x starts a background lookup at ``iamcredentials.googleapis.com``
    after each token fetch. Behind a proxy or against the sandbox (SHEETS_API_URL
    not Google's) that host is not the API we were told to use, so it is skipped.
    """
    from google.oauth2.service_account import Credentials

    if not offline:
        return Credentials

    class _OfflineCredentials(Credentials):
        def _maybe_start_regional_access_boundary_refresh(self, request: Any, url: str) -> None:
            return None

    return _OfflineCredentials


class ScorecardReader:
    """Reads scorecards for one pass; build it once, reuse it for every sheet."""

    def __init__(self, *, credentials: Path | None, api_url: str, runtime: Runtime) -> None:
        self._credentials_path = credentials
        self._api_url = api_url.rstrip("/")
        self._runtime = runtime
        self._account: ServiceAccount | None = None
        self._http: HTTPClient | None = None

    def __repr__(self) -> str:
        return f"ScorecardReader(api_url={self._api_url!r})"

    @property
    def account(self) -> ServiceAccount:
        if self._account is None:
            self._account = load_service_account(self._credentials_path)
        return self._account

    def _client(self) -> HTTPClient:
        if self._http is None:
            account = self.account
            credentials_class = _credentials_class(offline=self._api_url != GOOGLE_SHEETS_BASE)
            try:
                credentials = credentials_class.from_service_account_info(account.info, scopes=list(READONLY_SCOPES))
            except (ValueError, KeyError) as exc:
                # The exception's text is not shown: it may quote parts of the private key.
                raise ConfigError(
                    CREDENTIALS_SETTING,
                    f"{account.path} is not a usable service-account key ({type(exc).__name__} while loading "
                    "its private key; download a new JSON key for the service account)",
                ) from None
            client_class = _rebased_client_class()
            http = client_class(credentials)
            http.base_url = self._api_url  # type: ignore[attr-defined]
            http.runtime = self._runtime  # type: ignore[attr-defined]
            http.set_timeout((CONNECT_TIMEOUT, READ_TIMEOUT))
            self._http = http
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.session.close()
            self._http = None

    def read_cells(self, url_or_key: str, cell_range: str) -> object:
        """The formatted values of ``cell_range`` as the API sent them (rows, trailing blanks trimmed).

        Only the answer's frame is checked here (see :func:`answer_values`); the
        rows and cells are external data for the caller's parser.
        """
        key = spreadsheet_key(url_or_key)
        http = self._client()
        params: dict[str, Any] = {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"}
        body = self._with_retries(key, lambda: http.values_get(key, cell_range, params=dict(params)))
        return answer_values(body, key, cell_range)

    def _with_retries(self, key: str, call: Callable[[], Any]) -> Any:
        from google.auth.exceptions import RefreshError, TransportError
        from gspread.exceptions import APIError

        problem = ""
        for attempt in range(1, ATTEMPTS + 1):
            wait = BACKOFF_SECONDS * 2 ** (attempt - 1)
            try:
                return call()
            except APIError as exc:
                status = exc.response.status_code
                if status not in RETRYABLE_STATUSES:
                    raise self._api_error(key, status, exc) from None
                problem = f"HTTP {status}"
                wait = _retry_after(exc.response.headers.get("Retry-After"), wait)
            except RefreshError as exc:
                if not getattr(exc, "retryable", False):
                    raise ConfigError(
                        CREDENTIALS_SETTING,
                        f"Google refused the service-account key of {self.account.path}: {_short(exc)}",
                    ) from None
                problem = f"token endpoint: {_short(exc)}"
            except (TransportError, OSError) as exc:
                problem = f"{type(exc).__name__}: {_short(exc)}"
            if attempt < ATTEMPTS:
                log.info("sheet %s: %s; retrying in %.1fs", key, problem, wait)
                self._runtime.sleep(wait)
        raise SheetsUnavailable(key, f"Sheets API failed for {key} after {ATTEMPTS} attempts ({problem})")

    def _api_error(self, key: str, status: int, exc: Any) -> SheetError:
        message = str(exc.error.get("message", "")) if isinstance(exc.error, dict) else ""
        if status == 400 and "parse range" in message.lower():
            return ScorebugTabMissing(key, f"sheet {key} has no Scorebug tab; is this a valid scorecard?")
        if status in (401, 403, 404):
            return SheetNotAccessible(
                key,
                f"unable to access sheet {key} (HTTP {status}); "
                f"share it with {self.account.email} or check the URL",
            )
        return SheetError(key, f"Sheets API refused to read {key}: HTTP {status} {message}".rstrip())


def _retry_after(header: str | None, default: float) -> float:
    if header is None:
        return default
    try:
        return min(max(float(header), 0.0), MAX_WAIT_SECONDS)
    except ValueError:
        return default


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


class UnexpectedAnswer(SheetError):
    """The Sheets API answered something other than the range that was asked for."""


_A1_RANGE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?$")


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _a1(text: str) -> tuple[str, int, int, int, int] | None:
    """``'Tab'!B2:S20`` → (tab, first column, first row, last column, last row); None when it is not one."""
    match = _A1_RANGE.match(text)
    if match is None:
        return None
    quoted, plain, col1, row1, col2, row2 = match.groups()
    tab = quoted.replace("''", "'") if quoted is not None else plain
    return tab, _column(col1), int(row1), _column(col2 or col1), int(row2 or row1)


def answer_values(body: object, key: str, asked: str) -> object:
    """The ``values`` of a values.get answer, after checking it answers ``asked``.

    Google leaves ``values`` out when the range is blank, and clips the range
    it reports to the sheet's grid (a small tab answers ``B2:J20`` for
    ``B2:S20``), so the reported range must start where the asked one starts,
    on the same tab, and lie within it. Anything else is an
    :class:`UnexpectedAnswer` naming the sheet (a proxy or a changed API
    answering something else must not be read as the scorebug's cells).
    """
    if not isinstance(body, dict):
        raise UnexpectedAnswer(key, f"Sheets API answered sheet {key} with {type(body).__name__}, not a value range")
    reported = body.get("range")
    if reported is not None:
        want, got = _a1(asked), _a1(reported) if isinstance(reported, str) else None
        fits = (
            want is not None and got is not None and got[:3] == want[:3]
            and got[3] <= want[3] and got[4] <= want[4]
        )
        if not fits:
            shown = reported[:60] if isinstance(reported, str) else type(reported).__name__
            raise UnexpectedAnswer(key, f"Sheets API answered range {shown!r} of sheet {key}, not {asked}")
    dimension = body.get("majorDimension")
    if dimension is not None and dimension != "ROWS":
        raise UnexpectedAnswer(key, f"Sheets API answered sheet {key} by {str(dimension)[:20]!r}, not by ROWS")
    return body.get("values")


def read_scorebug(reader: ScorecardReader, url_or_key: str) -> Scorebug:
    """Read and parse one scorecard's Scorebug tab (ScorebugParseError when B5/B6 hold no team ids)."""
    from leaguectl.scorebug.parse import SCOREBUG_RANGE, parse_scorebug

    return parse_scorebug(reader.read_cells(url_or_key, SCOREBUG_RANGE))
