"""DiscordClient endpoints against respx: messages, pagination, deletes, DMs, channels, validation."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from leaguectl.discord_fit import fit_message
from leaguectl.discord_rest import (
    DiscordClient,
    DiscordError,
    DMResult,
    InvalidPayload,
    identity_nonce,
    snowflake_at,
    snowflake_time,
    validate_message,
)
from leaguectl.runtime import FakeClock, Runtime

BASE = "https://discord.test/api/v10"
TOKEN = "MTA5.test-bot-token.Zx9-secret"
GUILD = "100000000000000000"
CHANNEL = "111111111111111111"
MESSAGE = "333333333333333333"
USER = "444444444444444444"
DM_CHANNEL = "555555555555555555"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


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


def body_of(call: Any) -> Any:
    return json.loads(call.request.content)


def sent(route: respx.Route) -> Any:
    return body_of(route.calls.last)


def error(status: int, code: int, text: str = "error") -> httpx.Response:
    return httpx.Response(status, json={"message": text, "code": code})


def snowflake_days_ago(days: float, sequence: int = 0) -> str:
    return str(int(snowflake_at(NOW - timedelta(days=days))) + sequence)


# --- message creation and editing ----------------------------------------------------------


def test_create_sends_no_pings_by_default_with_an_enforced_nonce(client: DiscordClient, api: respx.MockRouter) -> None:
    route = api.post(f"/channels/{CHANNEL}/messages").mock(
        return_value=httpx.Response(200, json={"id": MESSAGE, "content": "@everyone hi"})
    )

    created = client.create_message(CHANNEL, content="@everyone hi", nonce="n1")

    assert created["id"] == MESSAGE
    body = sent(route)
    assert body["allowed_mentions"] == {"parse": []}
    assert body["content"] == "@everyone hi"
    assert body["enforce_nonce"] is True
    assert body["nonce"] == "n1"


def test_create_keeps_explicit_allowed_mentions_flags_and_nonce(client: DiscordClient, api: respx.MockRouter) -> None:
    route = api.post(f"/channels/{CHANNEL}/messages").mock(return_value=httpx.Response(200, json={"id": MESSAGE}))

    client.create_message(
        CHANNEL, content=f"<@{USER}>", allowed_mentions={"users": [USER]}, nonce="week-12-freeze", flags=4096
    )

    body = sent(route)
    assert body["allowed_mentions"] == {"users": [USER]}
    assert (body["nonce"], body["enforce_nonce"], body["flags"]) == ("week-12-freeze", True, 4096)


def test_identity_nonces_are_equal_for_equal_parts_and_differ_for_any_other_part() -> None:
    first = identity_nonce("freeze-announce", GUILD, 13, 7)

    assert first == identity_nonce("freeze-announce", GUILD, 13, 7)
    assert len(first) <= 25
    others = {
        identity_nonce("freeze-announce", GUILD, 13, 8),
        identity_nonce("thaw-announce", GUILD, 13, 7),
        identity_nonce("freeze-announce", "1" + GUILD, 13, 7),
        identity_nonce("freeze-announce", GUILD, "13\x1f7"),
        identity_nonce("a", "bc"),
        identity_nonce("ab", "c"),
    }
    assert first not in others and len(others) == 6


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_any_identity_gives_a_valid_nonce(parts: list[str]) -> None:
    nonce = identity_nonce(*parts)

    assert 0 < len(nonce) <= 25 and nonce == identity_nonce(*parts)


def test_a_message_create_needs_a_nonce(client: DiscordClient) -> None:
    with pytest.raises(TypeError):
        client.create_message(CHANNEL, content="hi")  # type: ignore[call-arg]

def test_edit_sends_only_given_fields_and_always_no_pings(client: DiscordClient, api: respx.MockRouter) -> None:
    route = api.patch(f"/channels/{CHANNEL}/messages/{MESSAGE}").mock(
        return_value=httpx.Response(200, json={"id": MESSAGE})
    )

    client.edit_message(CHANNEL, MESSAGE, embeds=[{"title": "Standings"}])
    client.edit_message(CHANNEL, MESSAGE, content=None)

    first, second = (body_of(call) for call in route.calls)
    assert first == {"embeds": [{"title": "Standings"}], "allowed_mentions": {"parse": []}}
    assert second == {"content": None, "allowed_mentions": {"parse": []}}


def test_an_edit_limit_error_keeps_its_code_for_the_caller(client: DiscordClient, api: respx.MockRouter) -> None:
    api.patch(f"/channels/{CHANNEL}/messages/{MESSAGE}").mock(return_value=error(400, 30046))

    with pytest.raises(DiscordError) as caught:
        client.edit_message(CHANNEL, MESSAGE, content="x")

    assert caught.value.code == 30046


# --- validation -----------------------------------------------------------------------------------


def _embed_with_fields(count: int, value: str = "v") -> dict[str, Any]:
    return {"fields": [{"name": f"n{index}", "value": value} for index in range(count)]}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"content": "x" * 2001}, "content: 2001 → 2000 characters"),
        ({"embeds": [{"title": "t"}] * 11}, "embeds: 11 → 10 embeds"),
        ({"embeds": [{"title": "t" * 257}]}, "embeds[0].title: 257 → 256 characters"),
        ({"embeds": [{}, {"description": "d" * 4097}]}, "embeds[1].description: 4097 → 4096 characters"),
        ({"embeds": [_embed_with_fields(26)]}, "embeds[0].fields: 26 → 25 fields"),
        (
            {"embeds": [{"fields": [{"name": "a", "value": "b"}, {"name": "n" * 257, "value": "b"}]}]},
            "embeds[0].fields[1].name: 257 → 256 characters",
        ),
        (
            {"embeds": [{"fields": [{"name": "a", "value": "b"}] * 2 + [{"name": "c", "value": "v" * 1100}]}]},
            "embeds[0].fields[2].value: 1100 → 1024 characters",
        ),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, "embeds[0].footer.text: 2049 → 2048 characters"),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, "embeds[0].author.name: 257 → 256 characters"),
        (
            {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
            "embeds: 6001 → 6000 characters in total",
        ),
        ({"embeds": [_embed_with_fields(25, "v" * 1000)]}, "→ 6000 characters in total"),
    ],
)
def test_texts_over_discords_limits_are_cut_visibly_before_sending(
    client: DiscordClient, api: respx.MockRouter, kwargs: dict[str, Any], expected: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    route = api.post(f"/channels/{CHANNEL}/messages").mock(return_value=httpx.Response(200, json={"id": "1"}))

    with caplog.at_level("WARNING", logger="leaguectl.discord"):
        client.create_message(CHANNEL, nonce="n", **kwargs)

    body = sent(route)
    validate_message(body)
    assert expected in caplog.text
    texts = json.dumps(body, ensure_ascii=False)
    assert "…" in texts


def test_a_blank_field_is_sent_as_a_zero_width_space(client: DiscordClient, api: respx.MockRouter) -> None:
    route = api.post(f"/channels/{CHANNEL}/messages").mock(return_value=httpx.Response(200, json={"id": "1"}))

    client.create_message(CHANNEL, nonce="n", embeds=[{"fields": [{"name": "a", "value": "  "}]}])

    assert sent(route)["embeds"][0]["fields"][0]["value"] == "\u200b"


def test_fitting_leaves_the_callers_payload_untouched_and_keeps_what_fits() -> None:
    embeds = [{"title": "Week 7", "description": "d" * 5000, "footer": {"text": "f" * 1000}}]
    original = json.dumps(embeds)

    fitted = fit_message({"content": "ok", "embeds": embeds})

    assert json.dumps(embeds) == original
    assert fitted.payload["content"] == "ok"
    assert fitted.payload["embeds"][0]["title"] == "Week 7"
    assert fitted.payload["embeds"][0]["description"] == "d" * 4095 + "…"
    validate_message(fitted.payload)


@given(
    content=st.text(max_size=2500),
    titles=st.lists(st.text(max_size=400), max_size=12),
    values=st.lists(st.text(max_size=1500), max_size=30),
)
def test_any_text_is_made_to_fit(content: str, titles: list[str], values: list[str]) -> None:
    fields = [{"name": "n", "value": value} for value in values]
    embeds = [{"title": title or "t", "fields": fields} for title in titles]

    fitted = fit_message({"content": content if content.strip() else "c", "embeds": embeds})

    validate_message(fitted.payload)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"embeds": [{"fields": "not a list"}]}, "embeds[0].fields: expected a list of fields"),
        ({"content": 5}, "content: expected a string"),
        ({"content": "hi", "nonce": "n" * 26}, "nonce: 26 characters, limit 25"),
        ({"content": "   "}, "message: empty"),
        ({}, "message: empty"),
    ],
)
def test_malformed_messages_are_refused_before_any_request(
    client: DiscordClient, api: respx.MockRouter, kwargs: dict[str, Any], expected: str
) -> None:
    route = api.post(f"/channels/{CHANNEL}/messages").mock(return_value=httpx.Response(200, json={"id": "1"}))
    kwargs = {"nonce": "n", **kwargs}

    with pytest.raises(InvalidPayload) as caught:
        client.create_message(CHANNEL, **kwargs)

    assert expected in str(caught.value)
    assert not route.called


def test_embed_text_is_measured_after_trimming_whitespace() -> None:
    validate_message({"embeds": [{"title": "  " + "t" * 256 + "\n\n"}]})
    validate_message({"content": "x" * 2000})


def test_an_edit_over_the_limits_is_cut_before_sending(client: DiscordClient, api: respx.MockRouter) -> None:
    route = api.patch(f"/channels/{CHANNEL}/messages/{MESSAGE}").mock(return_value=httpx.Response(200, json={}))

    client.edit_message(CHANNEL, MESSAGE, embeds=[{"description": "d" * 5000}])

    assert sent(route)["embeds"][0]["description"] == "d" * 4095 + "…"


def test_voice_status_over_500_characters_is_cut_visibly(client: DiscordClient, api: respx.MockRouter) -> None:
    route = api.put(f"/channels/{CHANNEL}/voice-status").mock(return_value=httpx.Response(204))

    client.set_voice_status(CHANNEL, "s" * 501)
    client.set_voice_status(CHANNEL, "Game 3: NYY @ BOS")
    client.set_voice_status(CHANNEL, None)

    assert [body_of(call) for call in route.calls] == [
        {"status": "s" * 499 + "…"},
        {"status": "Game 3: NYY @ BOS"},
        {"status": None},
    ]


# --- reading messages -------------------------------------------------------------------------


class FakeHistory:
    """A channel history that answers Get Channel Messages like Discord (newest first)."""

    def __init__(self, count: int) -> None:
        self.ids = [str(1_000_000 + index) for index in range(count)]
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        self.queries.append(query)
        limit = int(query.get("limit", "50"))
        newest_first = sorted(self.ids, key=int, reverse=True)
        if "before" in query:
            newest_first = [mid for mid in newest_first if int(mid) < int(query["before"])]
        return httpx.Response(200, json=[{"id": mid} for mid in newest_first[:limit]])


def test_pagination_returns_every_message_exactly_once_newest_first(
    client: DiscordClient, api: respx.MockRouter
) -> None:
    history = FakeHistory(250)
    api.get(f"/channels/{CHANNEL}/messages").mock(side_effect=history)

    seen = [item["id"] for item in client.iter_messages(CHANNEL)]

    assert seen == sorted(history.ids, key=int, reverse=True)
    assert len(history.queries) == 3
    assert all(query["limit"] == "100" for query in history.queries)


def test_pagination_of_an_exact_multiple_of_100_stops_on_the_empty_page(
    client: DiscordClient, api: respx.MockRouter
) -> None:
    history = FakeHistory(200)
    api.get(f"/channels/{CHANNEL}/messages").mock(side_effect=history)

    assert len(list(client.iter_messages(CHANNEL))) == 200
    assert len(history.queries) == 3


def test_messages_stream_page_by_page(client: DiscordClient, api: respx.MockRouter) -> None:
    history = FakeHistory(250)
    api.get(f"/channels/{CHANNEL}/messages").mock(side_effect=history)

    first_five = list(itertools.islice(client.iter_messages(CHANNEL), 5))

    assert len(first_five) == 5
    assert len(history.queries) == 1


def test_before_after_and_limit_bound_the_iteration(client: DiscordClient, api: respx.MockRouter) -> None:
    history = FakeHistory(250)
    api.get(f"/channels/{CHANNEL}/messages").mock(side_effect=history)

    between = [item["id"] for item in client.iter_messages(CHANNEL, before="1000200", after="1000020")]
    newest = [item["id"] for item in client.iter_messages(CHANNEL, after="1000020", limit=120)]

    assert between == [str(1_000_000 + index) for index in range(199, 20, -1)]
    assert newest == [str(1_000_000 + index) for index in range(249, 129, -1)]
    assert history.queries[-1]["limit"] == "20"


def test_missing_channel_and_member_are_none_not_errors(client: DiscordClient, api: respx.MockRouter) -> None:
    api.get(f"/channels/{CHANNEL}").mock(return_value=error(404, 10003))
    api.get(f"/guilds/{GUILD}/members/{USER}").mock(return_value=error(404, 10007))

    assert client.get_channel(CHANNEL) is None
    assert client.guild_member(GUILD, USER) is None


def test_missing_access_to_a_channel_is_still_an_error(client: DiscordClient, api: respx.MockRouter) -> None:
    api.get(f"/channels/{CHANNEL}").mock(return_value=error(403, 50001, "Missing Access"))

    with pytest.raises(DiscordError) as caught:
        client.get_channel(CHANNEL)

    assert caught.value.code == 50001


# --- deleting ----------------------------------------------------------------------------------------


def test_delete_of_a_message_already_gone_reports_false(client: DiscordClient, api: respx.MockRouter) -> None:
    api.delete(f"/channels/{CHANNEL}/messages/{MESSAGE}").mock(side_effect=[httpx.Response(204), error(404, 10008)])

    assert client.delete_message(CHANNEL, MESSAGE) is True
    assert client.delete_message(CHANNEL, MESSAGE) is False


def test_bulk_delete_sends_recent_messages_in_bulk_and_old_ones_singly(
    client: DiscordClient, api: respx.MockRouter
) -> None:
    recent = [snowflake_days_ago(1, index) for index in range(3)]
    old = [snowflake_days_ago(20, index) for index in range(2)]
    bulk = api.post(f"/channels/{CHANNEL}/messages/bulk-delete").mock(return_value=httpx.Response(204))
    single = api.delete(url__regex=rf"/channels/{CHANNEL}/messages/\d+$").mock(return_value=httpx.Response(204))

    deleted = client.delete_messages(CHANNEL, [*recent, *old, recent[0]], now=NOW, reason="weekly cleanup")

    assert deleted == 5
    assert [body_of(call) for call in bulk.calls] == [{"messages": recent}]
    assert sorted(call.request.url.path.rsplit("/", 1)[1] for call in single.calls) == sorted(old)
    assert unquote(bulk.calls.last.request.headers["X-Audit-Log-Reason"]) == "weekly cleanup"


def test_bulk_delete_batches_by_100_and_deletes_a_leftover_singly(client: DiscordClient, api: respx.MockRouter) -> None:
    recent = [snowflake_days_ago(2, index) for index in range(201)]
    bulk = api.post(f"/channels/{CHANNEL}/messages/bulk-delete").mock(return_value=httpx.Response(204))
    single = api.delete(url__regex=rf"/channels/{CHANNEL}/messages/\d+$").mock(return_value=httpx.Response(204))

    assert client.delete_messages(CHANNEL, recent, now=NOW) == 201

    assert [len(body_of(call)["messages"]) for call in bulk.calls] == [100, 100]
    assert single.call_count == 1


def test_bulk_delete_falls_back_to_single_deletes_on_50034(client: DiscordClient, api: respx.MockRouter) -> None:
    recent = [snowflake_days_ago(13.95, index) for index in range(3)]
    api.post(f"/channels/{CHANNEL}/messages/bulk-delete").mock(return_value=error(400, 50034, "too old"))
    single = api.delete(url__regex=rf"/channels/{CHANNEL}/messages/\d+$").mock(
        side_effect=[httpx.Response(204), error(404, 10008), httpx.Response(204)]
    )

    assert client.delete_messages(CHANNEL, recent, now=NOW) == 2
    assert single.call_count == 3


def test_messages_near_the_two_week_edge_are_never_bulk_deleted(client: DiscordClient, api: respx.MockRouter) -> None:
    edge = [snowflake_days_ago(13.95, index) for index in range(2)]
    bulk = api.post(f"/channels/{CHANNEL}/messages/bulk-delete").mock(return_value=httpx.Response(204))
    api.delete(url__regex=rf"/channels/{CHANNEL}/messages/\d+$").mock(return_value=httpx.Response(204))

    assert client.delete_messages(CHANNEL, edge, now=NOW) == 2
    assert not bulk.called


# --- direct messages ------------------------------------------------------------------------------


def _dm_routes(api: respx.MockRouter, send: httpx.Response) -> tuple[respx.Route, respx.Route]:
    opened = api.post("/users/@me/channels").mock(return_value=httpx.Response(200, json={"id": DM_CHANNEL, "type": 1}))
    posted = api.post(f"/channels/{DM_CHANNEL}/messages").mock(return_value=send)
    return opened, posted


@pytest.mark.parametrize("code", [50007, 50278])
def test_a_closed_dm_is_a_result_not_an_exception(client: DiscordClient, api: respx.MockRouter, code: int) -> None:
    _dm_routes(api, error(403, code, "Cannot send messages to this user"))

    result = client.send_dm(USER, content="Your trade was processed", nonce="n")

    assert result == DMResult(delivered=False, message=None, reason="dms-closed")


def test_a_dm_to_an_unknown_user_is_a_result(client: DiscordClient, api: respx.MockRouter) -> None:
    api.post("/users/@me/channels").mock(return_value=error(400, 10013, "Unknown User"))

    result = client.send_dm(USER, content="hi", nonce="n")

    assert result == DMResult(delivered=False, message=None, reason="unknown-user")


def test_a_delivered_dm_opens_the_channel_once(client: DiscordClient, api: respx.MockRouter) -> None:
    opened, posted = _dm_routes(api, httpx.Response(200, json={"id": MESSAGE}))

    first = client.send_dm(USER, content="one", nonce="n")
    second = client.send_dm(USER, content="two", nonce="n")

    assert first == DMResult(delivered=True, message={"id": MESSAGE}, reason=None)
    assert second.delivered
    assert opened.call_count == 1
    assert sent(opened) == {"recipient_id": USER}
    assert sent(posted)["allowed_mentions"] == {"parse": []}


def test_other_dm_failures_still_raise(client: DiscordClient, api: respx.MockRouter) -> None:
    _dm_routes(api, error(403, 50013, "Missing Permissions"))

    with pytest.raises(DiscordError):
        client.send_dm(USER, content="hi", nonce="n")


def test_an_invalid_dm_is_refused_before_opening_the_channel(client: DiscordClient, api: respx.MockRouter) -> None:
    opened, _ = _dm_routes(api, httpx.Response(200, json={"id": MESSAGE}))

    with pytest.raises(InvalidPayload):
        client.send_dm(USER, content="   ", nonce="n")

    assert not opened.called


# --- users, guilds, channels, permissions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("application", "owner"),
    [
        ({"id": "1", "owner": {"id": "42"}, "team": None}, "42"),
        ({"id": "1", "owner": {"id": "999"}, "team": {"id": "7", "owner_user_id": "43"}}, "43"),
    ],
    ids=["personal-app", "team-app"],
)
def test_application_owner_is_the_team_owner_for_team_apps(
    client: DiscordClient, api: respx.MockRouter, application: dict[str, Any], owner: str
) -> None:
    api.get("/oauth2/applications/@me").mock(return_value=httpx.Response(200, json=application))

    assert client.application_owner_id() == owner


def test_channels_resolve_by_id_or_exact_name_with_one_fetch(client: DiscordClient, api: respx.MockRouter) -> None:
    channels = [
        {"id": "10", "name": "transactions", "type": 0, "position": 3},
        {"id": "11", "name": "Game Day", "type": 2, "position": 1},
        {"id": "12", "name": "news", "type": 5, "position": 2},
        {"id": "13", "name": "12", "type": 0, "position": 4},
        {"id": "14", "name": "transactions", "type": 0, "position": 9},
    ]
    route = api.get(f"/guilds/{GUILD}/channels").mock(return_value=httpx.Response(200, json=channels))

    assert client.resolve_channel(GUILD, "transactions") == channels[0]
    assert client.resolve_channel(GUILD, "12") == channels[2]
    assert client.resolve_channel(GUILD, "Game Day") is None
    assert client.resolve_channel(GUILD, "Game Day", types=(2,)) == channels[1]
    assert client.resolve_channel(GUILD, "Transactions") is None
    assert route.call_count == 1


def test_permission_overwrites_send_bit_strings_and_an_audit_reason(
    client: DiscordClient, api: respx.MockRouter
) -> None:
    route = api.put(f"/channels/{CHANNEL}/permissions/{USER}").mock(return_value=httpx.Response(204))

    client.set_permission_overwrite(CHANNEL, USER, allow=1 << 11, deny=0, kind=1, reason="Trade déadline")

    assert sent(route) == {"allow": "2048", "deny": "0", "type": 1}
    assert unquote(route.calls.last.request.headers["X-Audit-Log-Reason"]) == "Trade déadline"


# --- snowflakes ---------------------------------------------------------------------------------------


def test_snowflakes_convert_to_and_from_time() -> None:
    assert snowflake_time("175928847299117063") == datetime(2016, 4, 30, 11, 18, 25, 796000, tzinfo=UTC)
    assert snowflake_time(snowflake_at(NOW)) == NOW
    assert snowflake_at(datetime(2015, 1, 1, tzinfo=UTC)) == "0"
