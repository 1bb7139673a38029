"""`Sandbox`: the three simulated services behind one loopback HTTP server.

Every request runs through one pipeline (`Sandbox.handle`), under one lock:
pick the service by path prefix -> check its credentials -> (Discord) ban
switch and rate limits -> route -> count it if mutating and fire an injected
fault if it is the chosen one -> handler -> log. Control requests under
`/_sandbox/` skip all of that and are not logged.

Beside it: `faults.py` (the faults a test injects) and `loopback.py` (the HTTP
server that turns bytes on the wire into `handle` calls).
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import asdict, dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from leaguectl.sandbox.clock import SandboxClock, iso
from leaguectl.sandbox.discord_sim import DiscordService
from leaguectl.sandbox.faults import (
    FAULT_KINDS,
    MUTATING,
    RATELIMIT_RETRY_AFTER,
    TRICKLE_INTERVAL,
    Fault,
    FaultKind,
    rate_limited,
)
from leaguectl.sandbox.files import (
    generate_private_key_pem,
    scorecards_document,
    service_account_info,
    voice_channels_document,
    write_json,
)
from leaguectl.sandbox.league_sim import LeagueService
from leaguectl.sandbox.loopback import LoopbackServer, RequestHandler
from leaguectl.sandbox.ratelimit import RateLimiter
from leaguectl.sandbox.scenario_load import parse_time
from leaguectl.sandbox.sheets_sim import OAuthService, SheetsService
from leaguectl.sandbox.state import SandboxState, ScenarioError
from leaguectl.sandbox.web import (
    DROP,
    BodyError,
    Drop,
    MethodNotAllowed,
    Request,
    Response,
    Route,
    Router,
    split_path,
)

SERVICES = ("discord", "league", "sheets", "oauth")
DEFAULT_START = "2025-06-01T12:00:00+00:00"
"""Where a sandbox without a clock and without `now` in its scenario starts."""
CONTROL_PREFIX = "/_sandbox"


class Service(Protocol):
    name: str
    prefix: str
    router: Router

    def authorize(self, request: Request) -> Response | None: ...
    def not_found(self) -> Response: ...
    def method_not_allowed(self) -> Response: ...
    def server_error(self) -> Response: ...
    def admit(self, route: Route | None, params: dict[str, str]) -> tuple[Response | None, dict[str, str]]: ...
    def call(self, route: Route, request: Request) -> Response: ...


@dataclass(frozen=True)
class LogEntry:
    """One request the simulated services saw (control requests excluded).

    `status` is 0 when an injected "drop" fault closed the connection.
    `mutating` is true for POST/PUT/PATCH/DELETE except the OAuth token call.
    `route` is the matched template, e.g. "POST /channels/{channel_id}/messages".
    """

    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    rate_limited: bool
    mutating: bool
    service: str
    route: str | None
    fault: str | None
    at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Sandbox:
    """Simulated Discord REST v10 + league API v3 + Sheets v4 on 127.0.0.1.

    Use in-process (`with Sandbox(scenario) as sb: ...`) or serve it from the
    CLI. `request_latency` seconds are added to a manual clock after every
    request, modelling the round trip a real client pays, so a sequential
    client never trips Discord's 50 requests/second global limit merely
    because simulated time stood still; set it to 0 to test the global limit.
    """

    def __init__(
        self,
        scenario: dict[str, Any] | None = None,
        *,
        clock: SandboxClock | None = None,
        rate_limits: bool = True,
        port: int = 0,
        request_latency: float = 0.025,
        host: str = "127.0.0.1",
    ) -> None:
        scenario = scenario or {}
        if clock is None:
            clock = SandboxClock(parse_time(scenario.get("now", DEFAULT_START), "scenario.now"))
        self.clock = clock
        self.rate_limits = rate_limits
        self.request_latency = request_latency
        self.host = host
        self._port = port
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._private_key: str | None = None
        self.request_log: list[LogEntry] = []
        self._faults: list[Fault] = []
        self.limiter = RateLimiter(clock, enabled=rate_limits)
        self._install(SandboxState(scenario, clock))

    def _install(self, state: SandboxState) -> None:
        self.state = state
        self.limiter.reset()
        self._services: dict[str, Service] = {
            "discord": DiscordService(state, self.limiter),
            "league": LeagueService(state),
            "sheets": SheetsService(state),
            "oauth": OAuthService(state),
        }

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Sandbox:
        """Bind the port and serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        server = LoopbackServer((self.host, self._port), RequestHandler)
        server.sandbox = self
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="leaguectl-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------ URLs

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not started; call start() first")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def discord_url(self) -> str:
        return f"{self.base_url}/discord/api/v10"

    @property
    def league_url(self) -> str:
        """Without `/v3`: leaguectl appends it, like the bot's DB_URL."""
        return f"{self.base_url}/league"

    @property
    def sheets_url(self) -> str:
        return f"{self.base_url}/sheets/v4"

    @property
    def oauth_token_url(self) -> str:
        return f"{self.base_url}/oauth2/token"

    # ------------------------------------------------------------ control

    def load(self, scenario: dict[str, Any]) -> None:
        """Replace the whole world; also sets the clock to `scenario["now"]` if given."""
        with self._lock:
            if "now" in scenario:
                self.clock.set(parse_time(scenario["now"], "scenario.now"))
            self._install(SandboxState(scenario, self.clock))

    def clear_log(self) -> None:
        with self._lock:
            self.request_log.clear()

    def inject_failure(
        self,
        k: int,
        kind: FaultKind,
        service: str | None = None,
        *,
        times: int = 1,
        interval: float = TRICKLE_INTERVAL,
        retry_after: float = RATELIMIT_RETRY_AFTER,
    ) -> None:
        """Make the k-th counted request from now (1-based), and the ``times - 1`` after it, fail.

        Counted are requests that passed authentication and rate limiting and
        matched a route, optionally only those of `service`. "500" and "drop"
        count mutating requests: "500" answers HTTP 500 without applying
        anything; "drop" applies nothing and closes the connection without a
        response. "trickle" and "ratelimit" count every request, reads too:
        "trickle" applies the request and sends its answer (status line, headers
        and body) one byte every `interval` seconds; "ratelimit" (Discord only)
        applies nothing and answers 429 with a JSON `retry_after` of
        `retry_after` seconds.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}, got {kind!r}")
        if service is not None and service not in SERVICES:
            raise ValueError(f"service must be one of {SERVICES}, got {service!r}")
        if kind == "ratelimit" and service != "discord":
            raise ValueError("a 'ratelimit' fault needs service='discord'")
        if times < 1 or not (interval > 0 and math.isfinite(interval)) or not math.isfinite(retry_after):
            raise ValueError("times must be >= 1, interval positive and retry_after finite")
        with self._lock:
            self._faults.append(Fault(k, kind, service, times, interval, retry_after))

    @property
    def pending_failures(self) -> int:
        return len(self._faults)

    def set_sheet(
        self, key: str, values: list[list[Any]] | dict[str, Any], tab: str = "Scorebug", readable: bool | None = None
    ) -> None:
        """Create or overwrite one tab of a spreadsheet: rows from A1, or a table of A1 cells."""
        with self._lock:
            self.state.set_sheet(key, values, tab=tab, readable=readable)

    def ban(self, on: bool = True) -> None:
        """While on, every Discord request gets a ban-style 429 with a non-JSON body."""
        with self._lock:
            self.state.discord.banned = on

    def env(self, workdir: Path) -> dict[str, str]:
        """Environment variables that point leaguectl at this sandbox.

        Writes into `workdir`: `sheets-service-account.json` (mode 0600),
        `scorecards.json` and `voice_channels.json` in the bot's layout.
        """
        workdir = Path(workdir)
        with self._lock:
            if self._private_key is None:
                self._private_key = generate_private_key_pem()
            creds = write_json(
                workdir / "sheets-service-account.json",
                service_account_info(self.oauth_token_url, self._private_key),
                private=True,
            )
            scorecards = write_json(workdir / "scorecards.json", scorecards_document(self.state))
            voice = write_json(workdir / "voice_channels.json", voice_channels_document(self.state))
            d = self.state.discord
            env = {
                "DISCORD_API_URL": self.discord_url,
                "DISCORD_BOT_TOKEN": d.token,
                "GUILD_ID": d.guild_id,
                "LEAGUE_API_URL": self.league_url,
                "LEAGUE_API_TOKEN": self.state.league.token,
                "SHEETS_API_URL": self.sheets_url,
                "GOOGLE_SHEETS_CREDENTIALS": str(creds),
                "SCORECARDS_FILE": str(scorecards),
                "VOICE_CHANNELS_FILE": str(voice),
                "LEAGUE_TIMEZONE": self.state.timezone,
            }
            if d.tasks_channel_id is not None:
                env["TASKS_CHANNEL_ID"] = d.tasks_channel_id
            if d.heartbeat_channel_id is not None:
                env["HEARTBEAT_LOG_CHANNEL_ID"] = d.heartbeat_channel_id
            env.update(self.state.extra_env)
            return env

    # ------------------------------------------------------------ pipeline

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response | Drop:
        """Answer one HTTP request (`target` = path + query, as on the request line)."""
        parts = urlsplit(target)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        lowered = {key.lower(): value for key, value in headers.items()}
        with self._lock:
            if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
                return self._control(method, path[len(CONTROL_PREFIX) :], query, body)
            service = next((s for s in self._services.values() if _under(path, s.prefix)), None)
            if service is None:
                return Response.json(404, {"message": "404: Not Found", "code": 0})
            request = Request(method, path, split_path(path[len(service.prefix) :]), query, lowered, body)
            result, rate_limited, route, fault = self._serve(service, request)
            status = 0 if isinstance(result, Drop) else result.status
            mutating = method in MUTATING and service.name != "oauth"
            self.request_log.append(
                LogEntry(
                    method=method,
                    path=path,
                    query=query,
                    status=status,
                    rate_limited=rate_limited,
                    mutating=mutating,
                    service=service.name,
                    route=route,
                    fault=fault,
                    at=iso(self.clock.now()),
                )
            )
            if self.clock.manual and self.request_latency > 0:
                self.clock.advance(self.request_latency)
            return result

    def _serve(self, service: Service, request: Request) -> tuple[Response | Drop, bool, str | None, str | None]:
        """Returns (response, rate_limited, route name, fault kind)."""
        refusal = service.authorize(request)
        if refusal is not None:
            return refusal, False, None, None
        matched = service.router.match(request.method, request.segments)
        route, params = matched if isinstance(matched, tuple) else (None, {})
        refusal, extra = service.admit(route, params)
        if refusal is not None:
            refusal.headers.update(extra)
            return refusal, refusal.status == 429, route.name if route else None, None
        if route is None:
            response = service.method_not_allowed() if isinstance(matched, MethodNotAllowed) else service.not_found()
            if isinstance(matched, MethodNotAllowed):
                response.headers["Allow"] = ", ".join(matched.allowed)
            response.headers.update(extra)
            return response, False, None, None
        request.params = params
        fault = self._take_fault(service.name, request.method)
        kind = fault.kind if fault is not None else None
        if kind == "drop":
            return DROP, False, route.name, kind
        if fault is not None and fault.kind == "ratelimit":
            return rate_limited(fault.retry_after), True, route.name, kind
        response = service.server_error() if kind == "500" else service.call(route, request)
        response.headers.update(extra)
        if fault is not None and fault.kind == "trickle":
            response.trickle_interval = fault.interval
        return response, False, route.name, kind

    def _take_fault(self, service: str, method: str) -> Fault | None:
        fired: Fault | None = None
        for fault in list(self._faults):
            if not fault.counts(service, method):
                continue
            fault.remaining -= 1
            if fault.remaining == 0:
                fault.times -= 1
                if fault.times > 0:
                    fault.remaining = 1  # the next counted request gets it too
                else:
                    self._faults.remove(fault)
                fired = fired or fault
        return fired

    def _control(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Response:
        try:
            data: Any = json.loads(body) if body.strip() else {}
        except ValueError:
            return Response.json(400, {"error": "body is not JSON"})
        try:
            return self._control_action(method, path.rstrip("/"), query, data)
        except (ScenarioError, ValueError, KeyError, TypeError, BodyError) as exc:
            return Response.json(400, {"error": str(exc)})

    def _control_action(self, method: str, path: str, query: dict[str, list[str]], data: Any) -> Response:
        if (method, path) == ("GET", "/state"):
            normalized = query.get("normalized", ["0"])[0] in ("1", "true", "True")
            return Response.json(200, self.state.normalized_snapshot() if normalized else self.state.snapshot())
        if (method, path) == ("GET", "/log"):
            return Response.json(200, [entry.to_json() for entry in self.request_log])
        if (method, path) == ("DELETE", "/log"):
            self.request_log.clear()
            return Response.empty()
        if (method, path) == ("POST", "/clock"):
            if "now" in data:
                self.clock.set(parse_time(data["now"], "now"))
            if "advance" in data:
                self.clock.advance(float(data["advance"]))
            return Response.json(200, {"now": iso(self.clock.now()), "monotonic": self.clock.monotonic()})
        if (method, path) == ("POST", "/fault"):
            options = {name: data[name] for name in ("times", "interval", "retry_after") if name in data}
            self.inject_failure(int(data["k"]), data["kind"], data.get("service"), **options)
            return Response.json(200, {"pending": len(self._faults)})
        if (method, path) == ("POST", "/scenario"):
            self.load(data)
            return Response.json(200, {"loaded": True, "now": iso(self.clock.now())})
        if (method, path) == ("POST", "/ban"):
            self.ban(bool(data.get("on", True)))
            return Response.json(200, {"banned": self.state.discord.banned})
        if method == "POST" and path.startswith("/sheets/"):
            key = path[len("/sheets/") :]
            self.set_sheet(key, data["values"], tab=data.get("tab", "Scorebug"), readable=data.get("readable"))
            return Response.empty()
        return Response.json(404, {"error": f"no control endpoint {method} {CONTROL_PREFIX}{path}"})


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")
