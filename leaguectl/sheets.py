"""Read a scorecard's ``Scorebug!B2:S20`` cells: one Sheets request per sheet, bounded retries and waits.

Why it is built this way:

* **One request per read.** ``GET {SHEETS_API_URL}/spreadsheets/{key}/values/Scorebug!B2:S20``
  with ``valueRenderOption=FORMATTED_VALUE`` (what gspread's ``values_get`` sends,
  without its two metadata fetches; the Sheets quota is 60 reads a minute per
  user). The OAuth token is fetched once per reader (one reader per pass), not per
  sheet, and again only when Sheets answers 401.
* **The runtime's HTTP layer.** Both the token request (google-auth signs the
  service-account JWT; :class:`_GoogleAuthRequest` carries it) and the values
  request go through :meth:`Runtime.http_client`, so each has the total deadline
  ``REQUEST_TIMEOUT_SECONDS`` however slowly Google answers, and is logged at
  DEBUG like every other request (never the token or the key).
* **Bounded retries.** 429, 5xx and transport failures (the deadline included) are
  retried :data:`ATTEMPTS` times in all, waiting through the runtime's sleeper
  (``Retry-After`` honoured up to :data:`MAX_WAIT_SECONDS`).
* **``SHEETS_API_URL``.** Requests go to the configured base, e.g. a proxy or the
  sandbox's ``http://127.0.0.1:PORT/sheets/v4``. The only other host contacted is
  the service account's ``token_uri``; google-auth's "regional access boundary"
  lookup is never started (it runs only from ``before_request``, which is not used).
* **Start-up cost.** google-auth is imported only when a scorecard is actually
  read; a pass with no published scorecards never loads it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from leaguectl.errors import ConfigError, ExitCode, LeaguectlError, ServiceUnavailable
from leaguectl.runtime import Runtime

if TYPE_CHECKING:
    import httpx

    from leaguectl.scorebug.parse import Scorebug

log = logging.getLogger("leaguectl.sheets")

CREDENTIALS_SETTING = "GOOGLE_SHEETS_CREDENTIALS"
GOOGLE_SHEETS_BASE = "https://sheets.googleapis.com/v4"
READONLY_SCOPES = ("https://www.googleapis.com/auth/spreadsheets.readonly",)
ATTEMPTS = 3
BACKOFF_SECONDS = 2.0
MAX_WAIT_SECONDS = 30.0
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
VALUES_ROUTE = "GET /spreadsheets/{key}/values/{range}"

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


class _SheetsFailure(Exception):
    """One attempt failed in a way worth retrying; ``wait`` overrides the backoff when the server said so."""

    def __init__(self, problem: str, wait: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.wait = wait


def _google_auth_request(http: httpx.Client) -> Any:
    """google-auth's transport interface over the runtime's HTTP client (used for the token request)."""
    import httpx
    from google.auth import exceptions, transport

    from leaguectl.transport import route_extensions

    transport_error: Any = exceptions.TransportError  # google-auth's own annotations are partial

    class _Response(transport.Response):
        def __init__(self, response: httpx.Response) -> None:
            self._response = response

        @property
        def status(self) -> int:
            return self._response.status_code

        @property
        def headers(self) -> Mapping[str, str]:
            return dict(self._response.headers)

        @property
        def data(self) -> bytes:
            return self._response.content

    class _GoogleAuthRequest(transport.Request):
        def __call__(
            self,
            url: str,
            method: str = "GET",
            body: bytes | None = None,
            headers: Mapping[str, str] | None = None,
            timeout: float | None = None,
            **kwargs: Any,
        ) -> _Response:
            route = route_extensions(f"{method} {urlsplit(url).path or '/'}")
            try:
                return _Response(http.request(method, url, content=body, headers=headers, extensions=route))
            except httpx.TransportError as exc:
                raise transport_error(f"{type(exc).__name__}: {exc}") from None

    return _GoogleAuthRequest()


class ScorecardReader:
    """Reads scorecards for one pass; build it once, reuse it for every sheet."""

    def __init__(self, *, credentials: Path | None, api_url: str, runtime: Runtime) -> None:
        self._credentials_path = credentials
        self._api_url = api_url.rstrip("/")
        self._runtime = runtime
        self._account: ServiceAccount | None = None
        self._http: httpx.Client | None = None
        self._credentials: Any = None

    def __repr__(self) -> str:
        return f"ScorecardReader(api_url={self._api_url!r})"

    @property
    def account(self) -> ServiceAccount:
        if self._account is None:
            self._account = load_service_account(self._credentials_path)
        return self._account

    def _client(self) -> httpx.Client:
        """The HTTP client and the service-account credentials, made on the first read."""
        if self._http is None:
            account = self.account
            from google.oauth2 import service_account

            factory: Any = service_account.Credentials.from_service_account_info
            try:
                credentials = factory(account.info, scopes=list(READONLY_SCOPES))
            except (ValueError, KeyError) as exc:
                # The exception's text is not shown: it may quote parts of the private key.
                raise ConfigError(
                    CREDENTIALS_SETTING,
                    f"{account.path} is not a usable service-account key ({type(exc).__name__} while loading "
                    "its private key; download a new JSON key for the service account)",
                ) from None
            self._credentials = credentials
            self._http = self._runtime.http_client(headers={"Accept": "application/json"}, service="sheets")
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def read_cells(self, url_or_key: str, cell_range: str) -> object:
        """The formatted values of ``cell_range`` as the API sent them (rows, trailing blanks trimmed).

        Only the answer's frame is checked here (see :func:`answer_values`); the
        rows and cells are external data for the caller's parser.
        """
        key = spreadsheet_key(url_or_key)
        http = self._client()
        body = self._with_retries(key, lambda: self._values_get(http, key, cell_range))
        return answer_values(body, key, cell_range)

    def _values_get(self, http: httpx.Client, key: str, cell_range: str) -> Any:
        """One values request (after a token, fetched when there is none or the last one expired)."""
        from leaguectl.transport import route_extensions

        self._ensure_token(http)
        headers: dict[str, str] = {}
        self._credentials.apply(headers)
        url = f"{self._api_url}/spreadsheets/{quote(key, safe='')}/values/{quote(cell_range, safe='')}"
        params = {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"}
        self._runtime.checkpoint()
        self._runtime.stats.http_requests += 1
        import httpx

        try:
            response = http.get(
                url, params=params, headers=headers, extensions=route_extensions(VALUES_ROUTE, f"key={key}")
            )
        except httpx.TransportError as exc:
            raise _SheetsFailure(f"{type(exc).__name__}: {_short(exc)}") from None
        if response.status_code == 401:
            self._credentials.token = None  # expired or revoked: the next attempt fetches a new one
            raise _SheetsFailure("HTTP 401 (token refused; fetching a new one)", wait=0.0)
        if response.status_code in RETRYABLE_STATUSES:
            raise _SheetsFailure(f"HTTP {response.status_code}", _retry_after(response.headers.get("Retry-After")))
        if response.status_code >= 400:
            raise self._api_error(key, response.status_code, _google_message(response))
        try:
            return response.json()
        except ValueError:
            raise UnexpectedAnswer(key, f"Sheets API answered sheet {key} with something that is not JSON") from None

    def _ensure_token(self, http: httpx.Client) -> None:
        from google.auth.exceptions import RefreshError, TransportError

        if self._credentials.valid:
            return
        self._runtime.checkpoint()
        self._runtime.stats.http_requests += 1
        try:
            self._credentials.refresh(_google_auth_request(http))
        except RefreshError as exc:
            if not getattr(exc, "retryable", False):
                raise ConfigError(
                    CREDENTIALS_SETTING, f"Google refused the service-account key of {self.account.path}: {_short(exc)}"
                ) from None
            raise _SheetsFailure(f"token endpoint: {_short(exc)}") from None
        except TransportError as exc:
            raise _SheetsFailure(f"token endpoint: {_short(exc)}") from None

    def _with_retries(self, key: str, call: Callable[[], Any]) -> Any:
        problem = ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return call()
            except _SheetsFailure as failure:
                problem = failure.problem
                wait = BACKOFF_SECONDS * 2 ** (attempt - 1) if failure.wait is None else failure.wait
            if attempt < ATTEMPTS:
                log.warning("sheet %s: %s; retrying in %.1fs", key, problem, wait)
                self._runtime.sleep(wait)
        raise SheetsUnavailable(key, f"Sheets API failed for {key} after {ATTEMPTS} attempts ({problem})")

    def _api_error(self, key: str, status: int, message: str) -> SheetError:
        if status == 400 and "parse range" in message.lower():
            return ScorebugTabMissing(key, f"sheet {key} has no Scorebug tab; is this a valid scorecard?")
        if status in (401, 403, 404):
            return SheetNotAccessible(
                key,
                f"unable to access sheet {key} (HTTP {status}); "
                f"share it with {self.account.email} or check the URL",
            )
        return SheetError(key, f"Sheets API refused to read {key}: HTTP {status} {message}".rstrip())


def _google_message(response: httpx.Response) -> str:
    """The ``error.message`` of Google's error body, if there is one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message)[:300] if message else ""


def _retry_after(header: str | None) -> float | None:
    """The server's ``Retry-After`` in seconds (capped), or None to use the backoff."""
    if header is None:
        return None
    try:
        seconds = float(header)
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_WAIT_SECONDS) if seconds == seconds else None


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
