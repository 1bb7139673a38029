"""Fault injection: exactly the k-th mutating request fails, and nothing else."""

from __future__ import annotations

import httpx
import pytest

from leaguectl.sandbox import Sandbox
from tests.sandbox.world import TEXT, http


def contents(sandbox: Sandbox) -> list[str]:
    return [m.content for m in sandbox.state.messages("general")[1:]]


def test_a_500_fault_fails_only_the_kth_mutating_request_and_applies_nothing(
    sandbox: Sandbox, discord: httpx.Client
) -> None:
    sandbox.inject_failure(2, "500")
    statuses = []
    for number in range(4):
        discord.get(f"/channels/{TEXT}/messages")
        statuses.append(discord.post(f"/channels/{TEXT}/messages", json={"content": f"n{number}"}).status_code)
    assert statuses == [200, 500, 200, 200]
    assert contents(sandbox) == ["n0", "n2", "n3"]
    faulted = [entry for entry in sandbox.request_log if entry.fault]
    assert [(e.method, e.status, e.fault) for e in faulted] == [("POST", 500, "500")]
    assert sandbox.pending_failures == 0


def test_a_dropped_request_closes_the_connection_without_a_response_or_a_change(
    sandbox: Sandbox, discord: httpx.Client
) -> None:
    sandbox.inject_failure(1, "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        discord.post(f"/channels/{TEXT}/messages", json={"content": "lost"})
    assert discord.post(f"/channels/{TEXT}/messages", json={"content": "kept"}).status_code == 200
    assert contents(sandbox) == ["kept"]
    assert [(e.status, e.fault) for e in sandbox.request_log] == [(0, "drop"), (200, None)]


def test_a_fault_can_target_one_service(sandbox: Sandbox, discord: httpx.Client, league: httpx.Client) -> None:
    sandbox.inject_failure(1, "500", service="league")
    assert discord.post(f"/channels/{TEXT}/messages", json={"content": "fine"}).status_code == 200
    response = league.patch("/current/11", json={"week": 11})
    assert (response.status_code, response.json()) == (500, {"detail": "Internal Server Error"})
    assert sandbox.state.current()["week"] == 10
    assert league.patch("/current/11", json={"week": 11}).json()["week"] == 11


def test_dropped_league_writes_apply_nothing(sandbox: Sandbox, league: httpx.Client) -> None:
    sandbox.inject_failure(1, "drop", service="league")
    with pytest.raises(httpx.RemoteProtocolError):
        league.patch("/transactions/Trade-abc", params={"frozen": "true"})
    assert sandbox.state.transactions(moveid="Trade-abc")[0]["frozen"] is False


def test_rejected_and_rate_limited_requests_do_not_count_toward_k(sandbox: Sandbox) -> None:
    from tests.sandbox.world import discord_client

    sandbox.inject_failure(6, "500", service="discord")
    with discord_client(sandbox, patient=False) as client:
        statuses = [client.post(f"/channels/{TEXT}/messages", json={"content": f"{n}"}).status_code for n in range(7)]
        assert http().post(f"{sandbox.discord_url}/channels/{TEXT}/messages", json={"content": "x"}).status_code == 401
        sandbox.clock.advance(5)
        assert client.post(f"/channels/{TEXT}/messages", json={"content": "sixth"}).status_code == 500
    assert statuses == [200] * 5 + [429] * 2


def test_several_faults_count_independently(sandbox: Sandbox, discord: httpx.Client) -> None:
    sandbox.inject_failure(1, "500")
    sandbox.inject_failure(3, "500")
    statuses = [discord.post(f"/channels/{TEXT}/messages", json={"content": f"{n}"}).status_code for n in range(4)]
    assert statuses == [500, 200, 500, 200]


@pytest.mark.parametrize(("k", "kind", "service"), [(0, "500", None), (1, "boom", None), (1, "500", "slack")])
def test_bad_fault_requests_are_refused(sandbox: Sandbox, k: int, kind: str, service: str | None) -> None:
    with pytest.raises(ValueError):
        sandbox.inject_failure(k, kind, service)  # type: ignore[arg-type]


def test_a_trickle_fault_answers_a_read_in_full_but_one_byte_per_interval(
    sandbox: Sandbox, discord: httpx.Client
) -> None:
    import time

    sandbox.inject_failure(2, "trickle", service="discord", interval=0.001)
    assert discord.get(f"/channels/{TEXT}/messages").status_code == 200  # the first read is not the k-th
    started = time.monotonic()
    slow = discord.get(f"/channels/{TEXT}/messages")
    elapsed = time.monotonic() - started
    assert slow.status_code == 200 and isinstance(slow.json(), list)
    head_and_body = len(slow.content) + 100  # the status line and headers are trickled too
    assert elapsed >= head_and_body * 0.001
    assert [(e.method, e.status, e.fault) for e in sandbox.request_log][-1] == ("GET", 200, "trickle")


def test_a_trickled_write_is_applied(sandbox: Sandbox, discord: httpx.Client) -> None:
    sandbox.inject_failure(1, "trickle", interval=0.0005)
    assert discord.post(f"/channels/{TEXT}/messages", json={"content": "slow"}).status_code == 200
    assert contents(sandbox) == ["slow"]


def test_a_fault_with_times_hits_that_many_requests_in_a_row(sandbox: Sandbox, discord: httpx.Client) -> None:
    sandbox.inject_failure(1, "500", times=2)
    statuses = [discord.post(f"/channels/{TEXT}/messages", json={"content": f"{n}"}).status_code for n in range(3)]
    assert statuses == [500, 500, 200] and sandbox.pending_failures == 0


def test_a_ratelimit_fault_answers_discords_429_with_the_given_retry_after(
    sandbox: Sandbox, discord: httpx.Client
) -> None:
    sandbox.inject_failure(1, "ratelimit", service="discord", retry_after=86400.0)
    response = discord.get(f"/channels/{TEXT}/messages")
    assert response.status_code == 429
    assert response.json() == {"message": "You are being rate limited.", "retry_after": 86400.0, "global": False}
    assert response.headers["Retry-After"] == "86400"
    assert sandbox.request_log[-1].rate_limited and sandbox.request_log[-1].fault == "ratelimit"
    assert discord.get(f"/channels/{TEXT}/messages").status_code == 200


def test_faults_are_injected_through_the_control_surface_too(sandbox: Sandbox, discord: httpx.Client) -> None:
    response = http().post(
        f"{sandbox.base_url}/_sandbox/fault", json={"k": 1, "kind": "ratelimit", "service": "discord", "times": 2}
    )
    assert response.json() == {"pending": 1}
    assert [discord.get(f"/channels/{TEXT}/messages").status_code for _ in range(3)] == [429, 429, 200]


@pytest.mark.parametrize(
    ("kind", "service", "options"),
    [("ratelimit", "league", {}), ("trickle", None, {"interval": 0}), ("500", None, {"times": 0}),
     ("ratelimit", "discord", {"retry_after": float("inf")})],
)
def test_bad_fault_options_are_refused(
    sandbox: Sandbox, kind: str, service: str | None, options: dict[str, float]
) -> None:
    with pytest.raises(ValueError):
        sandbox.inject_failure(1, kind, service, **options)  # type: ignore[arg-type]
