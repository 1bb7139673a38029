"""Rate limits: headers on every response, real 429s for clients that ignore them."""

from __future__ import annotations

from collections.abc import Callable

from leaguectl.sandbox import Sandbox, SandboxClock
from tests.sandbox.world import BOT, GM, START, TEXT, discord_client, http, small_scenario

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Reset-After")


def test_every_discord_response_carries_the_rate_limit_headers(sandbox: Sandbox) -> None:
    with discord_client(sandbox) as client:
        responses = [
            client.get("/users/@me"),
            client.get(f"/channels/{TEXT}/messages"),
            client.post(f"/channels/{TEXT}/messages", json={"content": ""}),
            client.get("/channels/404"),
        ]
    for response in responses:
        assert all(header in response.headers for header in (*HEADERS, "X-RateLimit-Bucket")), response
    assert responses[0].headers["X-RateLimit-Bucket"] != responses[1].headers["X-RateLimit-Bucket"]


def test_a_client_that_ignores_the_headers_gets_real_429s(sandbox: Sandbox) -> None:
    with discord_client(sandbox, patient=False) as client:
        responses = [client.post(f"/channels/{TEXT}/messages", json={"content": f"n{n}"}) for n in range(7)]
    assert [r.status_code for r in responses] == [200] * 5 + [429] * 2
    limited = responses[5]
    body = limited.json()
    assert body["message"] and body["global"] is False
    assert isinstance(body["retry_after"], float) and 0 < body["retry_after"] <= 5
    assert limited.headers["Retry-After"] == "5"
    assert limited.headers["X-RateLimit-Scope"] == "user"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert len([m for m in sandbox.state.messages("general") if m.author_id == BOT]) == 5
    assert [e.rate_limited for e in sandbox.request_log] == [False] * 5 + [True] * 2


def test_a_client_that_honours_the_headers_never_sees_a_429(sandbox: Sandbox) -> None:
    with discord_client(sandbox, patient=False) as client:
        for number in range(20):
            response = client.post(f"/channels/{TEXT}/messages", json={"content": f"n{number}"})
            assert response.status_code == 200
            if response.headers["X-RateLimit-Remaining"] == "0":
                sandbox.clock.advance(float(response.headers["X-RateLimit-Reset-After"]))
    assert not any(entry.rate_limited for entry in sandbox.request_log)
    assert len(sandbox.state.messages("general")) == 21


def test_waiting_retry_after_after_a_429_is_enough(sandbox: Sandbox) -> None:
    with discord_client(sandbox, patient=False) as client:
        for number in range(5):
            client.post(f"/channels/{TEXT}/messages", json={"content": f"n{number}"})
        limited = client.post(f"/channels/{TEXT}/messages", json={"content": "late"})
        sandbox.clock.advance(limited.json()["retry_after"])
        assert client.post(f"/channels/{TEXT}/messages", json={"content": "late"}).status_code == 200


def test_buckets_are_kept_per_channel(sandbox: Sandbox) -> None:
    with discord_client(sandbox, patient=False) as client:
        dm = client.post("/users/@me/channels", json={"recipient_id": GM}).json()["id"]
        codes = [client.post(f"/channels/{c}/messages", json={"content": "x"}).status_code for c in [TEXT, dm] * 5]
    assert codes == [200] * 10


def test_the_global_limit_is_50_per_second(make_sandbox: Callable[..., Sandbox]) -> None:
    scenario = small_scenario()
    scenario["discord"]["channels"] = [{"id": str(700 + n), "name": f"c{n}"} for n in range(11)]
    scenario["discord"]["messages"] = []
    scenario["discord"].pop("tasks_channel")
    scenario["scorecards"], scenario["voice_links"] = [], []
    sandbox = make_sandbox(scenario, clock=SandboxClock(START), request_latency=0)
    with discord_client(sandbox, patient=False) as client:
        statuses = [client.get(f"/channels/{700 + n % 11}").status_code for n in range(51)]
        limited = client.get("/channels/700")
        assert statuses == [200] * 50 + [429]
        assert limited.json()["global"] is True
        assert limited.headers["X-RateLimit-Global"] == "true"
        assert limited.headers["X-RateLimit-Scope"] == "global"
        sandbox.clock.advance(1)
        assert client.get("/channels/700").status_code == 200


def test_rate_limits_off_still_sends_generous_headers(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(rate_limits=False, request_latency=0)
    with discord_client(sandbox, patient=False) as client:
        responses = [client.post(f"/channels/{TEXT}/messages", json={"content": f"{n}"}) for n in range(60)]
    assert {r.status_code for r in responses} == {200}
    assert int(responses[-1].headers["X-RateLimit-Remaining"]) > 1000


def test_a_banned_client_gets_a_429_without_json(sandbox: Sandbox) -> None:
    sandbox.ban()
    with discord_client(sandbox, patient=False) as client:
        response = client.get("/users/@me")
        assert response.status_code == 429
        assert not response.headers["Content-Type"].startswith("application/json")
        assert "retry_after" not in response.text
        sandbox.ban(False)
        assert client.get("/users/@me").status_code == 200


def test_rate_limit_windows_follow_the_sandbox_clock_not_real_time(sandbox: Sandbox) -> None:
    with discord_client(sandbox, patient=False) as client:
        for number in range(5):
            client.post(f"/channels/{TEXT}/messages", json={"content": f"n{number}"})
        assert client.post(f"/channels/{TEXT}/messages", json={"content": "x"}).status_code == 429
        sandbox.clock.advance(4.0)
        assert client.post(f"/channels/{TEXT}/messages", json={"content": "x"}).status_code == 429
        sandbox.clock.advance(1.0)
        assert client.post(f"/channels/{TEXT}/messages", json={"content": "x"}).status_code == 200


def test_league_and_sheets_requests_are_not_discord_rate_limited(sandbox: Sandbox) -> None:
    headers = {"Authorization": "Bearer test-league-token"}
    with http(sandbox.league_url, headers) as client:
        assert {client.get("/v3/current").status_code for _ in range(60)} == {200}
