"""DiscordClient transport behaviour against respx: rate limits, retries, errors, auth, headers.

The runtime's sleeper is a FakeClock, so every wait shows up in ``clock.slept``
and advances the monotonic clock without real sleeping.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

import leaguectl
from leaguectl.discord_rest import (
    GLOBAL_REQUESTS_PER_SECOND,
    DiscordBanned,
    DiscordClient,
    DiscordError,
    DiscordUnauthorized,
    InvalidPayload,
    RateLimiter,
    Route,
)
from leaguectl.errors import ExitCode, RateLimitedTooLong, ServiceUnavailable
from leaguectl.runtime import FakeClock, Runtime

BASE = "https://discord.test/api/v10"
TOKEN = "MTA5.test-bot-token.Zx9-secret"
CHANNEL = "111111111111111111"
OTHER_CHANNEL = "222222222222222222"
MESSAGE = "333333333333333333"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))


@pytest.fixture
def runtime(clock: FakeClock) -> Runtime:
    return Runtime(clock=clock, sleep=clock.sleep)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
def client(runtime: Runtime, api: respx.MockRouter) -> Iterator[DiscordClient]:
    with DiscordClient(base_url=BASE, token=TOKEN, runtime=runtime) as discord:
        yield discord


def limited(remaining: int, reset_after: float, *, bucket: str = "b-msg", limit: int = 5) -> dict[str, str]:
    return {
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset-After": str(reset_after),
    }


def message(message_id: str = MESSAGE, channel_id: str = CHANNEL) -> dict[str, Any]:
    return {"id": message_id, "channel_id": channel_id, "content": "hi"}


def channel(channel_id: str = CHANNEL) -> dict[str, Any]:
    return {"id": channel_id, "type": 0, "name": "general"}


def timed(clock: FakeClock, responses: list[httpx.Response]) -> tuple[list[float], Callable[..., httpx.Response]]:
    """A respx side effect that answers in order and records when each request arrived."""
    arrivals: list[float] = []
    queue = list(responses)

    def answer(request: httpx.Request) -> httpx.Response:
        arrivals.append(clock.monotonic())
        return queue.pop(0)

    return arrivals, answer


def channel_route(api: respx.MockRouter, channel: str = CHANNEL) -> respx.Route:
    """GET /channels/{id}: a read whose bucket is per channel, as most of the client's routes are."""
    return api.get(f"/channels/{channel}")


# --- buckets ---------------------------------------------------------------------------


def test_no_request_is_sent_while_the_bucket_is_exhausted(
    client: DiscordClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    arrivals, answer = timed(
        clock,
        [
            httpx.Response(200, json=channel(), headers=limited(0, 2.5)),
            httpx.Response(200, json=channel(), headers=limited(4, 5.0)),
        ],
    )
    channel_route(api).mock(side_effect=answer)

    client.get_channel(CHANNEL)
    client.get_channel(CHANNEL)

    assert clock.slept == pytest.approx([2.5])
    assert arrivals[1] - arrivals[0] == pytest.approx(2.5)


def test_a_bucket_with_requests_left_does_not_wait(
    client: DiscordClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    channel_route(api).mock(return_value=httpx.Response(200, json=channel(), headers=limited(3, 2.0)))

    for _ in range(3):
        client.get_channel(CHANNEL)

    assert clock.slept == []


def test_two_channels_do_not_share_a_bucket(client: DiscordClient, api: respx.MockRouter, clock: FakeClock) -> None:
    channel_route(api, CHANNEL).mock(return_value=httpx.Response(200, json=channel(), headers=limited(0, 3.0)))
    channel_route(api, OTHER_CHANNEL).mock(
        return_value=httpx.Response(200, json=channel(OTHER_CHANNEL), headers=limited(4, 3.0))
    )

    client.get_channel(CHANNEL)
    client.get_channel(OTHER_CHANNEL)
    assert clock.slept == []

    client.get_channel(CHANNEL)
    assert clock.slept == pytest.approx([3.0])


def test_routes_that_discord_puts_in_one_bucket_share_its_state(
    client: DiscordClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    channel_route(api).mock(
        return_value=httpx.Response(200, json=channel(), headers=limited(3, 1.5, bucket="shared-hash"))
    )
    api.get(f"/channels/{CHANNEL}/messages").mock(
        return_value=httpx.Response(200, json=[], headers=limited(0, 1.5, bucket="shared-hash"))
    )

    client.get_channel(CHANNEL)  # this route's last answer said 3 left...
    list(client.iter_messages(CHANNEL, limit=10))  # ...but the shared bucket is now empty
    client.get_channel(CHANNEL)

    assert clock.slept == pytest.approx([1.5])


def test_the_global_request_rate_stays_under_fifty_per_second(
    client: DiscordClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    channel_route(api).mock(return_value=httpx.Response(200, json=channel()))

    for _ in range(GLOBAL_REQUESTS_PER_SECOND):
        client.get_channel(CHANNEL)
    assert clock.slept == []

    client.get_channel(CHANNEL)
    assert clock.slept == pytest.approx([1.0])
    assert GLOBAL_REQUESTS_PER_SECOND < 50


# --- 429 ----------------------------------------------------------------------------------


def test_a_429_waits_the_float_retry_after_then_succeeds(
    client: DiscordClient, api: respx.MockRouter, clock: FakeClock, runtime: Runtime
) -> None:
    arrivals, answer = timed(
        clock,
        [
            httpx.Response(
                429,
                json={"message": "The write action ...", "retry_after": 0.3, "global": False, "code": 20028},
                headers={"Retry-After": "1", "X-RateLimit-Scope": "shared"},
            ),
            httpx.Response(200, json=channel()),
        ],
    )
    channel_route(api).mock(side_effect=answer)

    assert client.get_channel(CHANNEL) == channel()

    assert clock.slept == pytest.approx([0.3])
    assert arrivals[1] - arrivals[0] == pytest.approx(0.3)
    assert runtime.stats.rate_limited == 1
    assert runtime.stats.http_requests == 2


def test_a_global_429_waits_before_the_retry(client: DiscordClient, api: respx.MockRouter, clock: FakeClock) -> None:
    channel_route(api).mock(
        side_effect=[
            httpx.Response(429, json={"message": "You are being rate limited.", "retry_after": 2.0, "global": True}),
            httpx.Response(200, json=channel()),
        ]
    )

    client.get_channel(CHANNEL)

    assert clock.slept == pytest.approx([2.0])


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        ({"message": "limited", "retry_after": 120.0, "global": True}, {}, "global rate limit"),
        ({"message": "limited", "retry_after": 120.0}, {"X-RateLimit-Scope": "global"}, "global rate limit"),
        ({"message": "limited", "retry_after": 120.0, "global": False}, {"X-RateLimit-Scope": "user"}, "bucket"),
    ],
    ids=["global-flag", "global-scope", "route-scope"],
)
def test_a_429_is_recognised_as_global_by_its_flag_or_scope(
    client: DiscordClient, api: respx.MockRouter, body: dict[str, Any], headers: dict[str, str], reason: str
) -> None:
    channel_route(api).mock(return_value=httpx.Response(429, json=body, headers=headers))

    with pytest.raises(RateLimitedTooLong, match=reason):
        client.get_channel(CHANNEL)


def test_the_limiter_holds_every_route_during_a_global_block(runtime: Runtime, clock: FakeClock) -> None:
    limiter = RateLimiter(runtime, max_wait=60.0)
    first = Route("GET", "/channels/{channel_id}").compile(channel_id=CHANNEL)
    other = Route("GET", "/guilds/{guild_id}/channels").compile(guild_id=OTHER_CHANNEL)

    limiter.before_send(first)
    limiter.block_global(4.0)
    limiter.before_send(other)

    assert clock.slept == pytest.approx([4.0])


def test_a_non_global_429_does_not_hold_other_channels(
    client: DiscordClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    channel_route(api, CHANNEL).mock(
        side_effect=[
            httpx.Response(429, json={"message": "limited", "retry_after": 5.0, "global": False}),
            httpx.Response(200, json=channel()),
        ]
    )
    channel_route(api, OTHER_CHANNEL).mock(return_value=httpx.Response(200, json=channel()))

    client.get_channel(CHANNEL)
    client.get_channel(OTHER_CHANNEL)

    assert clock.slept == pytest.approx([5.0])


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(429, text="error code: 1015", headers={"Content-Type": "text/html"}),
        httpx.Response(429, json={"code": 0, "message": "You are being blocked from accessing our API temporarily"}),
    ],
    ids=["cloudflare-html", "json-without-retry-after"],
)
def test_a_429_without_a_json_retry_after_is_a_ban_and_aborts(
    client: DiscordClient, api: respx.MockRouter, clock: FakeClock, response: httpx.Response
) -> None:
    route = channel_route(api).mock(return_value=response)

    with pytest.raises(DiscordBanned) as caught:
        client.get_channel(CHANNEL)

    assert route.call_count == 1
    assert clock.slept == []
    assert caught.value.exit_code == ExitCode.TEMPFAIL
    assert isinstance(caught.value, RateLimitedTooLong)


def test_a_retry_after_beyond_the_wait_cap_stops_the_pass_without_waiting(
    runtime: Runtime, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = api.patch(f"/channels/{CHANNEL}/messages/{MESSAGE}").mock(
        return_value=httpx.Response(429, json={"message": "limited", "retry_after": 583.4, "global": False})
    )
    discord = DiscordClient(base_url=BASE, token=TOKEN, runtime=runtime, max_wait=60.0)

    with pytest.raises(RateLimitedTooLong) as caught:
        discord.edit_message(CHANNEL, MESSAGE, content="x")

    text = str(caught.value)
    assert f"PATCH /channels/{CHANNEL}/messages/{MESSAGE}" in text
    assert "583.40 s" in text
    assert caught.value.exit_code == ExitCode.TEMPFAIL
    assert clock.slept == []
    assert route.call_count == 1


def test_an_exhausted_bucket_resetting_beyond_the_cap_stops_before_sending(
    runtime: Runtime, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = channel_route(api).mock(return_value=httpx.Response(200, json=channel(), headers=limited(0, 90.0)))
    discord = DiscordClient(base_url=BASE, token=TOKEN, runtime=runtime, max_wait=30.0)

    discord.get_channel(CHANNEL)
    with pytest.raises(RateLimitedTooLong, match=r"90\.00 s"):
        discord.get_channel(CHANNEL)

    assert route.call_count == 1
    assert clock.slept == []


def test_repeated_429s_give_up_instead_of_looping(
    client: DiscordClient, api: respx.MockRouter, runtime: Runtime
) -> None:
    route = channel_route(api).mock(
        return_value=httpx.Response(429, json={"message": "limited", "retry_after": 0.1, "global": False})
    )

    with pytest.raises(RateLimitedTooLong):
        client.get_channel(CHANNEL)

    assert route.call_count == 4
    assert runtime.stats.rate_limited == 4


# --- transient failures --------------------------------------------------------------------


def test_a_get_answered_500_twice_then_200_succeeds_after_backoff(
    client: DiscordClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = channel_route(api).mock(
        side_effect=[httpx.Response(500), httpx.Response(502), httpx.Response(200, json=channel())]
    )

    assert client.get_channel(CHANNEL) == channel()

    assert route.call_count == 3
    assert clock.slept == pytest.approx([0.5, 1.0])


def test_a_get_that_keeps_failing_ends_as_service_unavailable_naming_the_route(
    client: DiscordClient, api: respx.MockRouter, clock: FakeClock
) -> None:
    route = channel_route(api).mock(side_effect=httpx.ConnectTimeout("timed out"))

    with pytest.raises(ServiceUnavailable) as caught:
        client.get_channel(CHANNEL)

    assert f"GET /channels/{CHANNEL}" in str(caught.value)
    assert caught.value.exit_code == ExitCode.UNAVAILABLE
    assert route.call_count == 5
    assert clock.slept == pytest.approx([0.5, 1.0, 2.0, 4.0])


def test_backoff_is_capped(runtime: Runtime, api: respx.MockRouter, clock: FakeClock) -> None:
    channel_route(api).mock(return_value=httpx.Response(503))
    discord = DiscordClient(base_url=BASE, token=TOKEN, runtime=runtime, max_retries=6)

    with pytest.raises(ServiceUnavailable):
        discord.get_channel(CHANNEL)

    assert clock.slept == pytest.approx([0.5, 1.0, 2.0, 4.0, 8.0, 8.0])


def test_a_message_post_retried_after_a_connection_error_reuses_its_nonce(
    client: DiscordClient, api: respx.MockRouter
) -> None:
    route = api.post(f"/channels/{CHANNEL}/messages").mock(
        side_effect=[httpx.ConnectError("connection reset"), httpx.Response(200, json=message())]
    )

    client.create_message(CHANNEL, content="Trade deadline is Friday", nonce="n")

    first, second = (json.loads(call.request.content) for call in route.calls)
    assert first == second
    assert first["enforce_nonce"] is True
    assert isinstance(first["nonce"], str) and 0 < len(first["nonce"]) <= 25


def test_a_401_is_fatal_with_exit_78_and_never_retried(client: DiscordClient, api: respx.MockRouter) -> None:
    route = api.get("/users/@me").mock(
        return_value=httpx.Response(401, json={"message": "401: Unauthorized", "code": 0})
    )

    with pytest.raises(DiscordUnauthorized) as caught:
        client.current_user()

    assert route.call_count == 1
    assert caught.value.exit_code == ExitCode.CONFIG
    assert int(caught.value.exit_code) == 78
    assert "DISCORD_BOT_TOKEN" in str(caught.value)


def test_a_403_is_raised_at_once_with_its_code(client: DiscordClient, api: respx.MockRouter) -> None:
    route = api.post(f"/channels/{CHANNEL}/messages").mock(
        return_value=httpx.Response(403, json={"message": "Missing Permissions", "code": 50013})
    )

    with pytest.raises(DiscordError) as caught:
        client.create_message(CHANNEL, content="hello", nonce="n")

    assert (caught.value.status, caught.value.code, caught.value.message) == (403, 50013, "Missing Permissions")
    assert route.call_count == 1


def test_invalid_form_body_errors_are_flattened_into_paths(client: DiscordClient, api: respx.MockRouter) -> None:
    body = {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "embeds": {
                "0": {
                    "fields": {"2": {"value": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Too long"}]}}}
                }
            },
            "_errors": [{"code": "GENERAL", "message": "Bad"}],
        },
    }
    api.post(f"/channels/{CHANNEL}/messages").mock(return_value=httpx.Response(400, json=body))

    with pytest.raises(DiscordError) as caught:
        client.create_message(CHANNEL, content="hello", nonce="n")

    assert caught.value.code == 50035
    assert set(caught.value.errors) == {
        "embeds[0].fields[2].value: BASE_TYPE_MAX_LENGTH Too long",
        "<request>: GENERAL Bad",
    }
    assert "embeds[0].fields[2].value" in str(caught.value)


# --- headers, counters, secrets ----------------------------------------------------------------


def test_every_request_carries_the_bot_token_and_the_discordbot_user_agent(
    client: DiscordClient, api: respx.MockRouter
) -> None:
    route = api.get("/users/@me").mock(return_value=httpx.Response(200, json={"id": "1"}))

    client.current_user()

    headers = route.calls.last.request.headers
    assert headers["Authorization"] == f"Bot {TOKEN}"
    assert re.fullmatch(r"DiscordBot \(https://\S+, [\w.+-]+\)", headers["User-Agent"])
    assert headers["User-Agent"] == f"DiscordBot ({leaguectl.PROJECT_URL}, {leaguectl.__version__})"
    assert headers["Content-Type"] == "application/json"


def test_requests_are_counted_in_the_runtime_stats(
    client: DiscordClient, api: respx.MockRouter, runtime: Runtime
) -> None:
    channel_route(api).mock(side_effect=[httpx.Response(500), httpx.Response(200, json=channel())])
    api.delete(f"/channels/{CHANNEL}/messages/{MESSAGE}").mock(return_value=httpx.Response(204))

    client.get_channel(CHANNEL)
    client.delete_message(CHANNEL, MESSAGE)

    assert (runtime.stats.http_requests, runtime.stats.mutating_requests) == (3, 1)


def test_the_token_never_appears_in_errors_or_the_client_repr(client: DiscordClient, api: respx.MockRouter) -> None:
    api.get("/users/@me").mock(
        side_effect=[
            httpx.Response(400, json={"message": f"bad header Bot {TOKEN}", "code": 50035}),
            httpx.Response(401, json={"message": "401: Unauthorized", "code": 0}),
            httpx.Response(429, text="banned"),
        ]
    )
    channel_route(api).mock(side_effect=httpx.ConnectError(f"refused {TOKEN}"))
    api.patch(f"/channels/{CHANNEL}/messages/{MESSAGE}").mock(
        return_value=httpx.Response(429, json={"retry_after": 999.0, "global": False, "message": "slow"})
    )
    failures: list[Exception] = []
    attempts: list[Callable[[], object]] = [
        client.current_user,
        client.current_user,
        client.current_user,
        lambda: client.get_channel(CHANNEL),
        lambda: client.edit_message(CHANNEL, MESSAGE, content="x"),
        lambda: client.create_message(CHANNEL, content="   ", nonce="n"),
    ]
    for attempt in attempts:
        with pytest.raises(Exception) as caught:
            attempt()
        failures.append(caught.value)

    assert [type(failure).__name__ for failure in failures] == [
        "DiscordError",
        "DiscordUnauthorized",
        "DiscordBanned",
        "ServiceUnavailable",
        "RateLimitedTooLong",
        "InvalidPayload",
    ]
    for failure in failures:
        assert TOKEN not in str(failure)
        assert TOKEN not in repr(failure)
    assert TOKEN not in repr(client)
    assert TOKEN not in str(client)


def test_bad_ids_are_refused_before_any_request(client: DiscordClient, api: respx.MockRouter) -> None:
    with pytest.raises(InvalidPayload, match="channel_id"):
        client.get_channel("../../guilds/1")
    assert not api.calls
