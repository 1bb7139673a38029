"""The runtime's HTTP layer: a total deadline however slowly a server answers, and one DEBUG line per request."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leaguectl import logs
from leaguectl.runtime import Runtime
from leaguectl.transport import DeadlineBackend, ObservedTransport, path_template, route_extensions
from tests.trickle import trickle_server

DEADLINE = 0.5
SLACK = 0.5  # scheduling on a shared machine; a trickle without the deadline would take 30 s


@pytest.fixture
def stderr() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    logs.configure_logging(2, stream, {}, "json")
    yield stream
    logs.configure_logging(0, io.StringIO(), {})


def _runtime(deadline: float = DEADLINE, transport: httpx.BaseTransport | None = None) -> Runtime:
    runtime = Runtime(environ={}, transport=transport)
    runtime.request_timeout = deadline
    return runtime


def _records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize("mode", ["headers", "body"])
def test_a_trickling_answer_is_cut_off_at_the_total_deadline(mode: str) -> None:
    with trickle_server(mode, interval=0.05) as server, _runtime().http_client(base_url=server.url) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout, match=r"within 0\.5 s \(REQUEST_TIMEOUT_SECONDS\)"):
            client.get("/slow")
        elapsed = time.monotonic() - started
    assert DEADLINE - 0.05 <= elapsed < DEADLINE + SLACK
    assert server.requests == ["GET /slow"]


def test_a_prompt_answer_is_untouched() -> None:
    with trickle_server("fast") as server, _runtime().http_client(base_url=server.url) as client:
        response = client.get("/quick")
    assert response.status_code == 200 and response.json()["ok"] is True


def test_a_client_with_its_own_deadline_uses_it() -> None:
    with (
        trickle_server("headers", interval=0.05) as server,
        _runtime(deadline=30.0).http_client(base_url=server.url, timeout=0.3) as client,
    ):
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout, match=r"0\.3 s"):
            client.get("/slow")
    assert time.monotonic() - started < 0.3 + SLACK


def test_every_transport_of_a_client_is_observed_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx adds proxy mounts from the environment; they get the deadline and the log line too.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    client = _runtime().http_client(base_url="https://discord.example/api")
    transports = [client._transport, *(t for t in client._mounts.values() if t is not None)]
    assert len(transports) >= 2 and all(isinstance(t, ObservedTransport) for t in transports)
    pools = [t._inner._pool for t in transports]  # type: ignore[attr-defined]
    assert all(isinstance(pool._network_backend, DeadlineBackend) for pool in pools)
    client.close()


def _mock(status: int = 200, headers: dict[str, str] | None = None) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"id": "1"}, headers=headers or {})

    return httpx.MockTransport(answer)


def test_each_request_is_one_debug_line_with_route_major_status_and_rate_limit(stderr: io.StringIO) -> None:
    headers = {"X-RateLimit-Bucket": "abc", "X-RateLimit-Remaining": "4", "X-RateLimit-Reset-After": "1.5"}
    runtime = _runtime(transport=_mock(200, headers))
    with runtime.http_client(base_url="https://discord.test/api/v10", service="discord") as client:
        label = route_extensions("GET /channels/{channel_id}/messages", "channel_id=123", attempt=2)
        client.get("/channels/123/messages", params={"limit": "100"}, extensions=label)
    (record,) = _records(stderr)
    assert record["level"] == "debug" and record["event"] == "http_request"
    assert {key: record[key] for key in ("service", "route", "major", "status", "attempt")} == {
        "service": "discord", "route": "GET /channels/{channel_id}/messages", "major": "channel_id=123",
        "status": 200, "attempt": 2,
    }
    assert (record["bucket"], record["remaining"], record["reset_after"]) == ("abc", "4", "1.5")
    assert isinstance(record["duration_ms"], float)


def test_the_text_line_reads_like_the_route(stderr: io.StringIO) -> None:
    logs.configure_logging(2, stderr, {})
    with _runtime(transport=_mock(204)).http_client(base_url="https://league.test") as client:
        client.patch("/v3/players/12001", params={"team_id": "501"})
    line = stderr.getvalue().strip()
    assert line.startswith("debug: http PATCH /v3/players/{id} id=12001 -> 204 in ")


def test_a_request_line_never_holds_a_query_header_or_body(stderr: io.StringIO) -> None:
    runtime = _runtime(transport=_mock(200))
    headers = {"Authorization": "Bot header-secret-123"}
    with runtime.http_client(base_url="https://x.test", headers=headers) as client:
        client.post("/hook/7", params={"token": "query-secret-456"}, json={"password": "body-secret-789"})
    text = stderr.getvalue()
    assert text and not any(secret in text for secret in ("header-secret", "query-secret", "body-secret"))


def test_a_failed_request_is_logged_with_its_reason(stderr: io.StringIO) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = _runtime(transport=httpx.MockTransport(refuse)).http_client(base_url="https://x.test")
    with client, pytest.raises(httpx.ConnectError):
        client.get("/a")
    (record,) = _records(stderr)
    assert "status" not in record and "ConnectError" in str(record["failure"])


def test_nothing_is_formatted_when_debug_is_off() -> None:
    stream = io.StringIO()
    logs.configure_logging(1, stream, {})
    with _runtime(transport=_mock(200)).http_client(base_url="https://x.test") as client:
        client.get("/a")
    assert stream.getvalue() == ""
    assert not logging.getLogger("leaguectl.http").isEnabledFor(logging.DEBUG)


@pytest.mark.parametrize(
    ("path", "template", "ids"),
    [("/v3/players/12001", "/v3/players/{id}", ["id=12001"]), ("/v3/current", "/v3/current", []),
     ("/a/1/b/2", "/a/{id}/b/{id}", ["id=1", "id=2"])],
)
def test_unlabelled_paths_template_their_numeric_ids(path: str, template: str, ids: list[str]) -> None:
    assert path_template(path) == (template, ids)


@given(st.text())
def test_any_path_gives_a_template_and_its_numeric_ids(path: str) -> None:
    template, ids = path_template(path)
    assert template.count("{id}") == len(ids) + path.count("{id}")
    assert all(item.startswith("id=") and item[3:].isdigit() for item in ids)


@given(st.one_of(st.none(), st.text()))
def test_any_retry_after_header_gives_a_bounded_wait_or_none(header: str | None) -> None:
    from leaguectl.sheets import MAX_WAIT_SECONDS, _retry_after

    wait = _retry_after(header)
    assert wait is None or 0.0 <= wait <= MAX_WAIT_SECONDS
