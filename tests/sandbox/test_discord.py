"""The simulated Discord REST API: happy paths and Discord's documented errors."""

from __future__ import annotations

from datetime import timedelta

import httpx

from leaguectl.sandbox import Sandbox
from leaguectl.sandbox.clock import DISCORD_EPOCH_MS, snowflake_time
from tests.sandbox.world import BOT, CLOSED, GM, GUILD, HIDDEN, LEFT, MUTED, OWNER, TEXT, VOICE, http


def code_of(response: httpx.Response) -> int:
    return int(response.json()["code"])


def post(discord: httpx.Client, channel: str, **body: object) -> httpx.Response:
    return discord.post(f"/channels/{channel}/messages", json=body)


def test_requests_without_the_bot_token_are_401_with_discords_body(sandbox: Sandbox) -> None:
    for headers in ({}, {"Authorization": "Bot wrong"}, {"Authorization": "Bearer test-bot-token"}):
        response = http().get(f"{sandbox.discord_url}/users/@me", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": "401: Unauthorized", "code": 0}


def test_users_me_is_the_bot_and_the_application_names_its_owner(discord: httpx.Client) -> None:
    me = discord.get("/users/@me").json()
    assert (me["id"], me["bot"]) == (BOT, True)
    app = discord.get("/oauth2/applications/@me").json()
    assert app["owner"]["id"] == OWNER
    assert app["team"] is None


def test_guild_channels_lists_every_guild_channel_and_unknown_guild_is_10004(discord: httpx.Client) -> None:
    channels = discord.get(f"/guilds/{GUILD}/channels").json()
    assert {c["id"]: c["type"] for c in channels} == {TEXT: 0, VOICE: 2, HIDDEN: 0, MUTED: 0}
    assert all(c["guild_id"] == GUILD and "permission_overwrites" in c for c in channels)
    missing = discord.get("/guilds/1/channels")
    assert (missing.status_code, code_of(missing)) == (404, 10004)


def test_member_lookup_finds_members_and_answers_10007_for_others(discord: httpx.Client) -> None:
    assert discord.get(f"/guilds/{GUILD}/members/{GM}").json()["user"]["id"] == GM
    for user in (LEFT, "123456"):
        response = discord.get(f"/guilds/{GUILD}/members/{user}")
        assert (response.status_code, code_of(response)) == (404, 10007)


def test_unknown_channel_is_10003_and_an_invisible_channel_is_50001(discord: httpx.Client) -> None:
    for path in ("/channels/42", "/channels/42/messages"):
        response = discord.get(path)
        assert (response.status_code, code_of(response)) == (404, 10003)
    hidden = discord.get(f"/channels/{HIDDEN}/messages")
    assert (hidden.status_code, code_of(hidden)) == (403, 50001)


def test_posted_message_is_stored_as_the_bots_with_a_snowflake_and_timestamp_from_the_clock(
    sandbox: Sandbox, discord: httpx.Client
) -> None:
    sent_at = sandbox.clock.now()
    message = post(discord, TEXT, content="Week 11", allowed_mentions={"parse": []}).json()
    assert message["author"]["id"] == BOT
    assert ((int(message["id"]) >> 22) + DISCORD_EPOCH_MS) == int(sent_at.timestamp() * 1000)
    assert message["timestamp"] == sent_at.isoformat(timespec="microseconds")
    stored = sandbox.state.messages("general")[-1]
    assert (stored.id, stored.content, stored.author_id) == (message["id"], "Week 11", BOT)
    assert discord.get(f"/channels/{TEXT}/messages/{message['id']}").json()["content"] == "Week 11"


def test_invalid_message_bodies_get_50035_with_the_offending_field(discord: httpx.Client) -> None:
    field = {"name": "n", "value": "v"}
    cases = {
        "content": {"content": "x" * 2001},
        "embeds": {"embeds": [{"title": "t"}] * 11},
        "title": {"embeds": [{"title": "t" * 257}]},
        "value": {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
        "fields": {"embeds": [{"fields": [field] * 26}]},
        "MAX_EMBED_SIZE_EXCEEDED": {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
        "nonce": {"content": "x", "nonce": "n" * 26},
    }
    for marker, body in cases.items():
        response = discord.post(f"/channels/{TEXT}/messages", json=body)
        assert (response.status_code, code_of(response)) == (400, 50035), marker
        assert marker in response.text, marker


def test_limits_are_inclusive_and_measured_after_trimming_whitespace(discord: httpx.Client) -> None:
    assert post(discord, TEXT, content="x" * 2000).status_code == 200
    assert post(discord, TEXT, embeds=[{"title": " " + "t" * 256 + " "}]).status_code == 200


def test_an_empty_message_is_50006_and_a_voice_channel_is_50008(discord: httpx.Client) -> None:
    empty = post(discord, TEXT, content="   ", embeds=[])
    assert (empty.status_code, code_of(empty)) == (400, 50006)
    voice = post(discord, VOICE, content="hi")
    assert (voice.status_code, code_of(voice)) == (400, 50008)


def test_a_channel_where_the_bot_may_not_send_is_50013(sandbox: Sandbox, discord: httpx.Client) -> None:
    response = post(discord, MUTED, content="hi")
    assert (response.status_code, code_of(response)) == (403, 50013)
    assert sandbox.state.messages("readonly") == []


def test_invalid_json_is_50109(discord: httpx.Client) -> None:
    response = discord.post(
        f"/channels/{TEXT}/messages", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, code_of(response)) == (400, 50109)


def test_unknown_routes_are_404_and_wrong_methods_405(discord: httpx.Client) -> None:
    assert discord.get("/nowhere").status_code == 404
    assert discord.delete(f"/channels/{TEXT}/messages").status_code == 405


def test_mentions_ping_only_what_allowed_mentions_permits(sandbox: Sandbox, discord: httpx.Client) -> None:
    text = f"@everyone <@{GM}> <@{OWNER}> <@&77>"
    post(discord, TEXT, content=text, allowed_mentions={"parse": []})
    post(discord, TEXT, content=text)
    post(discord, TEXT, content=text, allowed_mentions={"parse": [], "users": [GM]})
    silent, default, targeted = [m.mentions_pinged for m in sandbox.state.messages("general")[-3:]]
    assert silent == []
    assert default == ["everyone", f"user:{GM}", f"user:{OWNER}", "role:77"]
    assert targeted == [f"user:{GM}"]


def test_parse_users_together_with_a_user_list_is_rejected(discord: httpx.Client) -> None:
    response = post(discord, TEXT, content="x", allowed_mentions={"parse": ["users"], "users": [GM]})
    assert (response.status_code, code_of(response)) == (400, 50035)


def test_enforce_nonce_returns_the_earlier_message_instead_of_posting_twice(
    sandbox: Sandbox, discord: httpx.Client
) -> None:
    first = post(discord, TEXT, content="once", nonce="weekly-11", enforce_nonce=True).json()
    again = post(discord, TEXT, content="once", nonce="weekly-11", enforce_nonce=True).json()
    assert again["id"] == first["id"]
    assert [m.content for m in sandbox.state.messages("general")].count("once") == 1
    post(discord, TEXT, content="twice", nonce="plain")
    post(discord, TEXT, content="twice", nonce="plain")
    assert [m.content for m in sandbox.state.messages("general")].count("twice") == 2


def test_the_same_nonce_in_another_channel_is_another_message(sandbox: Sandbox, discord: httpx.Client) -> None:
    other = sandbox.state.open_dm(GM).id
    first = post(discord, TEXT, content="same", nonce="n-shared", enforce_nonce=True).json()
    second = post(discord, other, content="same", nonce="n-shared", enforce_nonce=True).json()

    assert first["id"] != second["id"]
    assert [m.content for m in sandbox.state.dm_messages(GM)] == ["same"]


def test_a_nonce_is_forgotten_after_a_few_minutes_and_a_deleted_original_is_10008(
    sandbox: Sandbox, discord: httpx.Client
) -> None:
    first = post(discord, TEXT, content="a", nonce="n1", enforce_nonce=True).json()
    discord.delete(f"/channels/{TEXT}/messages/{first['id']}")
    retry = post(discord, TEXT, content="a", nonce="n1", enforce_nonce=True)
    assert (retry.status_code, code_of(retry)) == (404, 10008)
    sandbox.clock.advance(6 * 60)
    assert post(discord, TEXT, content="a", nonce="n1", enforce_nonce=True).json()["id"] != first["id"]


def test_the_bot_edits_its_own_message_and_edits_reparse_mentions(sandbox: Sandbox, discord: httpx.Client) -> None:
    message = post(discord, TEXT, content="v1", allowed_mentions={"parse": []}).json()
    sandbox.clock.advance(30)
    edited_at = sandbox.clock.now()
    edited = discord.patch(f"/channels/{TEXT}/messages/{message['id']}", json={"content": f"v2 <@{GM}>"}).json()
    assert edited["content"] == f"v2 <@{GM}>"
    assert edited["edited_timestamp"] == edited_at.isoformat(timespec="microseconds")
    assert sandbox.state.messages("general")[-1].mentions_pinged == [f"user:{GM}"]


def test_editing_another_authors_message_is_50005_unknown_is_10008(sandbox: Sandbox, discord: httpx.Client) -> None:
    human = sandbox.state.messages("general")[0]
    response = discord.patch(f"/channels/{TEXT}/messages/{human.id}", json={"content": "mine now"})
    assert (response.status_code, code_of(response)) == (403, 50005)
    assert sandbox.state.messages("general")[0].content == "hello from a human"
    missing = discord.patch(f"/channels/{TEXT}/messages/123", json={"content": "x"})
    assert (missing.status_code, code_of(missing)) == (404, 10008)


def test_a_message_flagged_edit_limited_answers_30046(sandbox: Sandbox, discord: httpx.Client) -> None:
    old = sandbox.state.add_message("general", "standings", edit_limited=True)
    response = discord.patch(f"/channels/{TEXT}/messages/{old.id}", json={"content": "new"})
    assert code_of(response) == 30046
    assert sandbox.state.messages("general")[-1].content == "standings"


def test_delete_removes_the_message_and_a_second_delete_is_10008(sandbox: Sandbox, discord: httpx.Client) -> None:
    message = post(discord, TEXT, content="bye").json()
    assert discord.delete(f"/channels/{TEXT}/messages/{message['id']}").status_code == 204
    assert all(m.id != message["id"] for m in sandbox.state.messages("general"))
    assert [m.id for m in sandbox.state.deleted_messages("general")] == [message["id"]]
    again = discord.delete(f"/channels/{TEXT}/messages/{message['id']}")
    assert (again.status_code, code_of(again)) == (404, 10008)


def test_deleting_another_authors_message_needs_manage_messages(sandbox: Sandbox, discord: httpx.Client) -> None:
    human = sandbox.state.add_message(MUTED, "keep me", author=GM)
    response = discord.delete(f"/channels/{MUTED}/messages/{human.id}")
    assert (response.status_code, code_of(response)) == (403, 50013)
    other = sandbox.state.add_message(TEXT, "mod me", author=GM)
    assert discord.delete(f"/channels/{TEXT}/messages/{other.id}").status_code == 204


def test_bulk_delete_removes_2_to_100_recent_messages(sandbox: Sandbox, discord: httpx.Client) -> None:
    ids = [sandbox.state.add_message("general", f"m{n}").id for n in range(3)]
    response = discord.post(
        f"/channels/{TEXT}/messages/bulk-delete", json={"messages": [*ids, sandbox.state.new_message_id()]}
    )
    assert response.status_code == 204
    assert [m.content for m in sandbox.state.messages("general")] == ["hello from a human"]


def test_bulk_delete_rejects_bad_counts_duplicates_old_messages_and_dms(
    sandbox: Sandbox, discord: httpx.Client
) -> None:
    now = sandbox.clock.now()
    recent = [sandbox.state.add_message("general", f"r{n}").id for n in range(2)]
    old = sandbox.state.add_message("general", "old", timestamp=now - timedelta(days=14, minutes=1)).id
    url = f"/channels/{TEXT}/messages/bulk-delete"
    one = discord.post(url, json={"messages": recent[:1]})
    many = discord.post(url, json={"messages": [str(n) for n in range(101)]})
    dupes = discord.post(url, json={"messages": [recent[0], recent[0]]})
    too_old = discord.post(url, json={"messages": [*recent, old]})
    assert [code_of(r) for r in (one, many, dupes, too_old)] == [50016, 50016, 50035, 50034]
    assert all(r.status_code == 400 for r in (one, many, dupes, too_old))
    assert len(sandbox.state.messages("general")) == 4
    dm = discord.post("/users/@me/channels", json={"recipient_id": GM}).json()
    in_dm = discord.post(f"/channels/{dm['id']}/messages/bulk-delete", json={"messages": recent})
    assert code_of(in_dm) == 50024


def test_dm_channel_is_the_same_on_every_open_and_carries_the_messages(sandbox: Sandbox, discord: httpx.Client) -> None:
    first = discord.post("/users/@me/channels", json={"recipient_id": GM}).json()
    second = discord.post("/users/@me/channels", json={"recipient_id": GM}).json()
    assert first["id"] == second["id"] and first["type"] == 1
    assert first["recipients"][0]["id"] == GM
    post(discord, first["id"], content="Your claim was cancelled")
    assert [m.content for m in sandbox.state.dm_messages(GM)] == ["Your claim was cancelled"]
    unknown = discord.post("/users/@me/channels", json={"recipient_id": "5"})
    assert code_of(unknown) == 50033


def test_sending_to_a_user_with_closed_dms_is_403_50007(sandbox: Sandbox, discord: httpx.Client) -> None:
    dm = discord.post("/users/@me/channels", json={"recipient_id": CLOSED}).json()
    response = post(discord, dm["id"], content="hello")
    assert (response.status_code, response.json()) == (
        403,
        {"message": "Cannot send messages to this user", "code": 50007},
    )
    assert sandbox.state.dm_messages(CLOSED) == []


def test_voice_status_is_stored_for_voice_channels_only(sandbox: Sandbox, discord: httpx.Client) -> None:
    assert discord.put(f"/channels/{VOICE}/voice-status", json={"status": "BOS 4 @ 3 NYY"}).status_code == 204
    assert sandbox.state.voice_status("Game Voice") == "BOS 4 @ 3 NYY"
    text = discord.put(f"/channels/{TEXT}/voice-status", json={"status": "x"})
    assert (text.status_code, code_of(text)) == (400, 50024)
    long = discord.put(f"/channels/{VOICE}/voice-status", json={"status": "x" * 501})
    assert code_of(long) == 50035
    assert discord.put(f"/channels/{VOICE}/voice-status", json={"status": None}).status_code == 204
    assert sandbox.state.voice_status(VOICE) is None


def test_voice_status_without_permission_is_50013(make_sandbox: object) -> None:
    from tests.sandbox.world import DISCORD_TOKEN, small_scenario

    scenario = small_scenario()
    scenario["discord"]["channels"][1]["bot_denied"] = ["voice_status"]
    sandbox = make_sandbox(scenario)  # type: ignore[operator]
    response = http().put(
        f"{sandbox.discord_url}/channels/{VOICE}/voice-status",
        json={"status": "x"},
        headers={"Authorization": f"Bot {DISCORD_TOKEN}"},
    )
    assert (response.status_code, code_of(response)) == (403, 50013)


def test_permission_overwrites_are_replaced_and_shown_on_the_channel(sandbox: Sandbox, discord: httpx.Client) -> None:
    url = f"/channels/{TEXT}/permissions/{GUILD}"
    assert discord.put(url, json={"type": 0, "allow": "0", "deny": "1024"}).status_code == 204
    assert discord.put(url, json={"type": 0, "allow": "1024", "deny": "0"}).status_code == 204
    channel = discord.get(f"/channels/{TEXT}").json()
    everyone = [o for o in channel["permission_overwrites"] if o["id"] == GUILD]
    assert everyone == [{"id": GUILD, "type": 0, "allow": "1024", "deny": "0"}]
    assert sandbox.state.overwrites("general")[GUILD]["allow"] == "1024"
    assert code_of(discord.put(url, json={"type": 7})) == 50035


def test_snowflakes_decode_to_the_time_the_message_was_seeded(sandbox: Sandbox) -> None:
    when = sandbox.clock.now() - timedelta(days=3)
    message = sandbox.state.add_message("general", "past", timestamp=when)
    assert abs(snowflake_time(message.id) - when) < timedelta(milliseconds=1)
