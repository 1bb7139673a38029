"""LeagueClient against respx: URLs, queries, bodies, envelopes, errors, retries and secrets."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from leaguectl import __version__
from leaguectl.errors import ExitCode, PermissionProblem, ServiceUnavailable
from leaguectl.league_api import (
    COMMANDS_PAGE_SIZE,
    LeagueAuthError,
    LeagueClient,
    LeagueDataError,
    LeagueError,
    LeagueUnavailable,
    NotFound,
    RejectedRow,
)
from leaguectl.models import CustomCommand, ModelError
from leaguectl.runtime import FakeClock, Runtime
from tests.conftest import make_runtime
from tests.test_models import command_row, player_row, team_row, transaction_row

BASE = "https://league.test/api"
TOKEN = "league-token-s3cr3t-0042"
CURRENT = {"id": 11, "week": 10, "season": 13, "freeze": False, "bet_week": "sheets"}


@pytest.fixture
def router() -> respx.MockRouter:
    return respx.MockRouter(base_url=f"{BASE}/v3", assert_all_called=False)


@pytest.fixture
def runtime(router: respx.MockRouter) -> Runtime:
    runtime = make_runtime()
    runtime.transport = httpx.MockTransport(router.handler)
    return runtime


@pytest.fixture
def client(runtime: Runtime) -> LeagueClient:
    return LeagueClient(base_url=BASE + "/", token=TOKEN, runtime=runtime)


def slept(runtime: Runtime) -> list[float]:
    assert isinstance(runtime.clock, FakeClock)
    return runtime.clock.slept


def query(request: httpx.Request) -> list[tuple[str, str]]:
    return list(request.url.params.multi_items())


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def raw_path(request: httpx.Request) -> str:
    return request.url.raw_path.decode("ascii")


def envelope(key: str, rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"count": len(rows), key: rows, **extra}


# --- current ------------------------------------------------------------------------------------


def test_get_current_sends_bearer_auth_and_user_agent_to_the_v3_url(
    client: LeagueClient, router: respx.MockRouter, runtime: Runtime
) -> None:
    route = router.get("/current").respond(json={**CURRENT, "unknown_column": 1})

    current = client.get_current()

    assert current.id == 11 and current.week == 10 and current.freeze is False
    request = route.calls.last.request
    assert str(request.url) == "https://league.test/api/v3/current"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"] == f"leaguectl/{__version__}"
    assert runtime.stats.http_requests == 1
    assert runtime.stats.mutating_requests == 0


def test_get_current_with_a_missing_week_is_an_error_naming_the_field(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    router.get("/current").respond(json={"id": 11, "season": 13, "freeze": False})

    with pytest.raises(LeagueDataError) as caught:
        client.get_current()

    assert "Current id 11: field 'week' is missing" in str(caught.value)
    assert caught.value.exit_code == ExitCode.UNAVAILABLE


def test_patch_current_sends_only_the_given_keys_as_json_to_that_rows_id(
    client: LeagueClient, router: respx.MockRouter, runtime: Runtime
) -> None:
    route = router.patch("/current/11").respond(json={**CURRENT, "week": 11, "freeze": True})

    updated = client.patch_current(11, week=11, freeze=True)
    client.patch_current(11, freeze=False)

    assert updated.week == 11 and updated.freeze is True
    assert body_of(route.calls[0].request) == {"week": 11, "freeze": True}
    assert body_of(route.calls[1].request) == {"freeze": False}
    assert route.calls[0].request.url.query == b""
    assert runtime.stats.mutating_requests == 2


def test_patch_current_on_a_missing_row_is_not_found_and_not_retried(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    route = router.patch("/current/1").respond(404, json={"detail": "Current id 1 not found"})

    with pytest.raises(NotFound) as caught:
        client.patch_current(1, freeze=True)

    assert caught.value.status == 404
    assert caught.value.detail == "Current id 1 not found"
    assert route.call_count == 1


def test_patch_current_without_changes_sends_nothing(client: LeagueClient, router: respx.MockRouter) -> None:
    route = router.patch("/current/11").respond(json=CURRENT)
    with pytest.raises(ValueError):
        client.patch_current(11)
    assert route.call_count == 0


# --- transactions -------------------------------------------------------------------------------


def test_frozen_transactions_query_weeks_and_flags_in_lowercase(client: LeagueClient, router: respx.MockRouter) -> None:
    route = router.get("/transactions").respond(json=envelope("transactions", [transaction_row()]))

    moves = client.transactions(season=13, week_start=10, week_end=11, frozen=True)

    assert [move.moveid for move in moves] == ["Season-012-Week-10-19-13:04:41"]
    assert query(route.calls.last.request) == [
        ("season", "13"),
        ("week_start", "10"),
        ("week_end", "11"),
        ("frozen", "true"),
    ]


def test_regular_transactions_filter_both_frozen_and_cancelled(client: LeagueClient, router: respx.MockRouter) -> None:
    route = router.get("/transactions").respond(json=envelope("transactions", []))

    assert client.transactions(season=13, week_start=11, week_end=11, frozen=False, cancelled=False) == []

    assert query(route.calls.last.request) == [
        ("season", "13"),
        ("week_start", "11"),
        ("week_end", "11"),
        ("frozen", "false"),
        ("cancelled", "false"),
    ]


def test_an_item_that_fails_parsing_is_an_error_naming_row_and_field_not_an_empty_list(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    bad = transaction_row()
    del bad["moveid"]
    router.get("/transactions").respond(json=envelope("transactions", [transaction_row(id=1), bad]))

    with pytest.raises(LeagueDataError) as caught:
        client.transactions(season=13, week_start=10, week_end=11, frozen=True)

    assert "GET transactions: Transaction id 27787: field 'moveid' is missing" in str(caught.value)


def test_an_item_without_id_is_located_by_its_position(client: LeagueClient, router: respx.MockRouter) -> None:
    anonymous = transaction_row()
    del anonymous["id"]
    router.get("/transactions").respond(json=envelope("transactions", [transaction_row(), anonymous]))

    with pytest.raises(LeagueDataError, match=r"item 1: Transaction \(no id\): field 'id' is missing"):
        client.transactions(season=13, week_start=10, week_end=10)


def test_with_a_rejected_list_a_bad_row_is_set_aside_and_the_good_rows_are_returned(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    broken = transaction_row(id=7, moveid="Season-013-Week-10-abc")
    broken["player"] = None
    rows = [transaction_row(id=1), broken, "not a row", transaction_row(id=3)]
    router.get("/transactions").respond(json=envelope("transactions", rows))
    rejected: list[RejectedRow] = []

    good = client.transactions(season=13, week_start=10, week_end=11, frozen=True, rejected=rejected)

    assert [row.id for row in good] == [1, 3]
    assert [(bad.index, bad.row_id, bad.error.field) for bad in rejected] == [(1, 7, "player"), (2, None, "")]
    assert rejected[0].field_text("moveid") == "Season-013-Week-10-abc"
    assert rejected[0].describe() == "transactions row 1: Transaction id 7: field 'player' is null"
    assert rejected[1].raw is None and rejected[1].field_text("moveid") is None


def test_a_rejected_row_still_tells_nested_ids_and_names_when_they_can_be_read() -> None:
    error = ModelError("TeamStandings", 4, "wins", "expected an integer, got 'x'")
    raw = {"id": 4, "team": {"id": "502", "abbrev": " BOS "}, "player": {"id": True}, "wins": "x",
           "player_id": "12472", "huge": 10**60, "list": [1]}
    row = RejectedRow(endpoint="standings", index=0, error=error, raw=raw)
    assert (row.text_at("team", "abbrev"), row.int_at("team", "id")) == ("BOS", 502)
    assert row.int_at("player", "id") is None and row.int_at("player_id") == 12472
    assert row.text_at("huge") is None and row.text_at("list") is None and row.text_at("team", "nope", "x") is None
    assert RejectedRow(endpoint="standings", index=1, error=error, raw=None).int_at("team", "id") is None


def test_rejected_rows_count_towards_the_envelope_count(client: LeagueClient, router: respx.MockRouter) -> None:
    bad = command_row(id=2)
    bad["last_used"] = "last tuesday"
    router.get("/custom_commands").respond(json={"count": 2, "custom_commands": [command_row(id=1), bad]})
    rejected: list[RejectedRow] = []

    commands = client.custom_commands(is_active=True, rejected=rejected)

    assert [command.id for command in commands] == [1]
    assert [(bad.row_id, bad.error.field) for bad in rejected] == [(2, "last_used")]


def test_a_page_of_only_rejected_rows_is_not_mistaken_for_an_empty_page(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    bad = command_row(id=1)
    bad["created_at"] = None
    route = router.get("/custom_commands")
    route.side_effect = [
        httpx.Response(200, json={"custom_commands": [bad], "has_more": True}),
        httpx.Response(200, json={"custom_commands": [command_row(id=2)], "has_more": False}),
    ]
    rejected: list[RejectedRow] = []

    assert [command.id for command in client.custom_commands(rejected=rejected)] == [2]
    assert [row.row_id for row in rejected] == [1]


@pytest.mark.parametrize(
    "body",
    [
        {"count": 0},
        {"count": 1, "items": [transaction_row()]},
        [transaction_row()],
        {"count": 1, "transactions": "none"},
        "Transactions unavailable",
    ],
    ids=["no-key", "other-key", "bare-list", "not-a-list", "string"],
)
def test_a_body_without_its_envelope_list_is_an_error(
    client: LeagueClient, router: respx.MockRouter, body: Any
) -> None:
    router.get("/transactions").respond(json=body)

    with pytest.raises(LeagueDataError, match="expected an object with a 'transactions' list"):
        client.transactions(season=13, week_start=10, week_end=11, frozen=True)


def test_a_non_json_body_is_an_error(client: LeagueClient, router: respx.MockRouter) -> None:
    router.get("/transactions").respond(200, text="<html>maintenance</html>")

    with pytest.raises(LeagueDataError, match="body is not JSON: <html>maintenance</html>"):
        client.transactions(season=13, week_start=10, week_end=11, frozen=True)


def test_a_count_larger_than_the_list_is_a_truncated_answer_and_an_error(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    router.get("/transactions").respond(json={"count": 250, "transactions": [transaction_row()]})

    with pytest.raises(LeagueDataError, match="returned 1 of 250 transactions"):
        client.transactions(season=13, week_start=10, week_end=11, frozen=True)


def test_cancel_move_encodes_the_moveid_path_and_the_plus_of_cancelled_at(
    client: LeagueClient, router: respx.MockRouter, runtime: Runtime
) -> None:
    route = router.route(method="PATCH").respond(json="Updated 4 transactions")
    berlin = timezone(timedelta(hours=1))

    updated = client.cancel_move(
        "Season-012-Week-10-19-13:04:41", cancelled_at=datetime(2025, 12, 20, 1, 0, 1, 123456, tzinfo=berlin)
    )

    assert updated == 4
    request = route.calls.last.request
    assert raw_path(request) == (
        "/api/v3/transactions/Season-012-Week-10-19-13%3A04%3A41"
        "?cancelled=true&cancelled_at=2025-12-20T00%3A00%3A01.123456%2B00%3A00"
    )
    assert query(request) == [("cancelled", "true"), ("cancelled_at", "2025-12-20T00:00:01.123456+00:00")]
    assert request.content == b""
    assert runtime.stats.mutating_requests == 1


def test_a_moveid_with_spaces_slashes_and_colons_stays_one_path_segment(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    route = router.route(method="PATCH").respond(json="Updated 2 transactions")

    assert client.unfreeze_move("Trade abc/12:30 #1") == 2

    request = route.calls.last.request
    assert raw_path(request) == "/api/v3/transactions/Trade%20abc%2F12%3A30%20%231?frozen=false"


@pytest.mark.parametrize(
    ("answer", "rows"),
    [("Updated 0 transactions", 0), ({"count": 3}, 3), ({"id": 9, "moveid": "m"}, 1), (2, 2)],
)
def test_move_updates_report_the_rows_the_api_updated(
    client: LeagueClient, router: respx.MockRouter, answer: Any, rows: int
) -> None:
    router.patch("/transactions/m").respond(json=answer)
    assert client.unfreeze_move("m") == rows


def test_an_unreadable_update_answer_is_an_error(client: LeagueClient, router: respx.MockRouter) -> None:
    router.patch("/transactions/m").respond(json={"status": "ok"})
    with pytest.raises(LeagueDataError, match="cannot read an updated-row count"):
        client.unfreeze_move("m")


def test_cancelling_an_unknown_moveid_is_not_found(client: LeagueClient, router: respx.MockRouter) -> None:
    router.patch("/transactions/nope").respond(404, json={"detail": "not found"})
    with pytest.raises(NotFound):
        client.cancel_move("nope", cancelled_at=datetime(2025, 12, 20, tzinfo=UTC))


def test_cancel_move_refuses_a_naive_time(client: LeagueClient, router: respx.MockRouter) -> None:
    route = router.route(method="PATCH").respond(json="Updated 1 transactions")
    with pytest.raises(ValueError, match="aware"):
        client.cancel_move("m", cancelled_at=datetime(2025, 12, 20))
    assert route.call_count == 0


# --- players, standings, teams ------------------------------------------------------------------


def test_get_player_reads_one_player(client: LeagueClient, router: respx.MockRouter) -> None:
    route = router.get("/players/12472").respond(json=player_row(team=team_row()))

    player = client.get_player(12472)

    assert player.name == "Mike Trout" and player.team_id == 499
    assert route.call_count == 1


def test_move_player_patches_team_id_as_a_query_parameter(client: LeagueClient, router: respx.MockRouter) -> None:
    route = router.patch("/players/12472").respond(204)

    client.move_player(12472, 499)

    request = route.calls.last.request
    assert query(request) == [("team_id", "499")]
    assert request.content == b""


def test_move_player_of_a_missing_player_is_not_found(client: LeagueClient, router: respx.MockRouter) -> None:
    router.patch("/players/1").respond(404)
    with pytest.raises(NotFound):
        client.move_player(1, 499)


def test_standings_are_read_from_their_envelope(client: LeagueClient, router: respx.MockRouter) -> None:
    rows = [{"id": 1, "team": team_row(), "wins": 3, "losses": 1, "streak_wl": "w"}]
    route = router.get("/standings").respond(json=envelope("standings", rows))

    standings = client.standings(13)

    assert [(row.team.abbrev, row.win_pct) for row in standings] == [("NYY", 0.75)]
    assert query(route.calls.last.request) == [("season", "13")]


def test_standings_without_the_standings_key_is_an_error_not_zero_win_pct(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    router.get("/standings").respond(json={"count": 0, "teams": []})
    with pytest.raises(LeagueDataError, match="'standings' list"):
        client.standings(13)


def test_teams_and_get_team(client: LeagueClient, router: respx.MockRouter) -> None:
    teams_route = router.get("/teams").respond(json=envelope("teams", [team_row(), team_row(id=500, abbrev="BOS")]))
    router.get("/teams/500").respond(json=team_row(id=500, abbrev="BOS", color="#bd3039"))

    assert [team.abbrev for team in client.teams(13)] == ["NYY", "BOS"]
    assert query(teams_route.calls.last.request) == [("season", "13")]
    assert client.get_team(500).color_int(0) == 0xBD3039


def test_get_team_of_an_unknown_id_is_not_found(client: LeagueClient, router: respx.MockRouter) -> None:
    router.get("/teams/9").respond(404)
    with pytest.raises(NotFound) as caught:
        client.get_team(9)
    assert "GET teams/9: HTTP 404" in str(caught.value)


# --- retries and error mapping ------------------------------------------------------------------


def test_a_get_is_retried_after_two_500s_and_then_succeeds(
    client: LeagueClient, router: respx.MockRouter, runtime: Runtime
) -> None:
    route = router.get("/current")
    route.side_effect = [httpx.Response(500), httpx.Response(502), httpx.Response(200, json=CURRENT)]

    assert client.get_current().id == 11

    assert route.call_count == 3
    assert slept(runtime) == [0.5, 1.0]
    assert runtime.stats.http_requests == 3


def test_a_get_that_keeps_failing_ends_with_exit_69_after_the_retries(
    client: LeagueClient, router: respx.MockRouter, runtime: Runtime
) -> None:
    route = router.get("/transactions").respond(500, text="Internal Server Error")

    with pytest.raises(LeagueUnavailable) as caught:
        client.transactions(season=13, week_start=10, week_end=11, frozen=True)

    assert route.call_count == 4
    assert slept(runtime) == [0.5, 1.0, 2.0]
    assert caught.value.exit_code == ExitCode.UNAVAILABLE
    assert isinstance(caught.value, ServiceUnavailable)
    assert caught.value.status == 500
    assert "HTTP 500 after 4 attempts: Internal Server Error" in str(caught.value)


def test_backoff_is_capped(router: respx.MockRouter, runtime: Runtime) -> None:
    client = LeagueClient(base_url=BASE, token=TOKEN, runtime=runtime, max_retries=6)
    router.get("/current").respond(503)

    with pytest.raises(LeagueUnavailable):
        client.get_current()

    assert slept(runtime) == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_a_get_retries_after_a_connection_error(
    client: LeagueClient, router: respx.MockRouter, runtime: Runtime
) -> None:
    route = router.get("/current")
    route.side_effect = [httpx.ConnectError("connection refused"), httpx.Response(200, json=CURRENT)]

    assert client.get_current().week == 10
    assert slept(runtime) == [0.5]


def test_an_unreachable_api_is_exit_69(client: LeagueClient, router: respx.MockRouter) -> None:
    router.get("/current").side_effect = httpx.ConnectError("connection refused")

    with pytest.raises(LeagueUnavailable) as caught:
        client.get_current()

    assert caught.value.status is None
    assert caught.value.exit_code == ExitCode.UNAVAILABLE
    assert "unreachable after 4 attempt(s): ConnectError: connection refused" in str(caught.value)


def test_a_429_on_a_get_waits_its_retry_after(client: LeagueClient, router: respx.MockRouter, runtime: Runtime) -> None:
    route = router.get("/current")
    route.side_effect = [httpx.Response(429, headers={"Retry-After": "0.3"}), httpx.Response(200, json=CURRENT)]

    assert client.get_current().id == 11
    assert slept(runtime) == [0.3]


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
def test_writes_are_never_retried(
    client: LeagueClient, router: respx.MockRouter, runtime: Runtime, method: str
) -> None:
    route = router.route(method=method).respond(500)
    router.get("/custom_commands/7").respond(json=command_row())
    calls: dict[str, Callable[[], object]] = {
        "PATCH": lambda: client.move_player(1, 2),
        "PUT": lambda: client.mark_command_warned(7),
        "DELETE": lambda: client.delete_custom_command(7),
    }

    with pytest.raises(LeagueUnavailable):
        calls[method]()

    assert route.call_count == 1
    assert slept(runtime) == []


def test_a_write_after_a_connection_error_is_not_resent(
    client: LeagueClient, router: respx.MockRouter, runtime: Runtime
) -> None:
    route = router.route(method="PATCH")
    route.side_effect = httpx.ReadTimeout("timed out")

    with pytest.raises(LeagueUnavailable):
        client.unfreeze_move("m")

    assert route.call_count == 1
    assert slept(runtime) == []


def test_a_400_is_an_error_with_status_and_detail_and_no_retry(client: LeagueClient, router: respx.MockRouter) -> None:
    route = router.get("/transactions").respond(400, json={"detail": "week_start must be an integer"})

    with pytest.raises(LeagueError) as caught:
        client.transactions(season=13, week_start=10, week_end=11)

    error = caught.value
    assert type(error) is LeagueError
    assert (error.status, error.detail) == (400, "week_start must be an integer")
    assert error.exit_code == ExitCode.SOFTWARE
    assert route.call_count == 1


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_exit_78_without_retry_and_never_show_the_token(
    client: LeagueClient, router: respx.MockRouter, status: int
) -> None:
    echo = {"detail": f"bad token Bearer {TOKEN}"}
    route = router.get("/current").respond(status, json=echo)

    with pytest.raises(LeagueAuthError) as caught:
        client.get_current()

    error = caught.value
    assert error.exit_code == ExitCode.CONFIG
    assert isinstance(error, PermissionProblem)
    assert route.call_count == 1
    assert TOKEN not in str(error)
    assert TOKEN not in (error.detail or "")
    assert f"HTTP {status}" in str(error)


def test_the_token_is_not_in_the_clients_repr_or_a_connection_error(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    router.get("/current").side_effect = httpx.ConnectError(f"proxy said no to {TOKEN}")

    with pytest.raises(LeagueUnavailable) as caught:
        client.get_current()

    assert TOKEN not in str(caught.value)
    assert caught.value.__cause__ is None
    assert TOKEN not in repr(client)
    assert repr(client) == "LeagueClient(base_url='https://league.test/api')"


# --- custom commands ----------------------------------------------------------------------------


def test_custom_command_filters_are_encoded_with_naive_utc_cutoff_and_a_large_page(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    route = router.get("/custom_commands").respond(json=envelope("custom_commands", [command_row()]))
    cutoff = datetime(2025, 9, 24, 2, 0, tzinfo=timezone(timedelta(hours=2)))

    commands = client.custom_commands(is_active=True, warning_sent=False, last_used_before=cutoff)

    assert [command.name for command in commands] == ["hype"]
    assert query(route.calls.last.request) == [
        ("is_active", "true"),
        ("warning_sent", "false"),
        ("last_used__lt", "2025-09-24T00:00:00"),
        ("page", "1"),
        ("page_size", str(COMMANDS_PAGE_SIZE)),
    ]
    assert COMMANDS_PAGE_SIZE >= 100


def test_custom_command_name_and_creator_filters(client: LeagueClient, router: respx.MockRouter) -> None:
    route = router.get("/custom_commands").respond(json=envelope("custom_commands", []))

    client.custom_commands(name="hype me", creator_id=3)

    assert query(route.calls.last.request)[:2] == [("name", "hype me"), ("creator_id", "3")]
    assert b"name=hype+me" in route.calls.last.request.url.query


def test_api_timezone_applies_to_naive_times_both_ways(router: respx.MockRouter, runtime: Runtime) -> None:
    chicago = ZoneInfo("America/Chicago")
    client = LeagueClient(base_url=BASE, token=TOKEN, runtime=runtime, api_timezone=chicago)
    route = router.get("/custom_commands").respond(json=envelope("custom_commands", [command_row()]))

    [command] = client.custom_commands(last_used_before=datetime(2025, 9, 24, 5, 0, tzinfo=UTC))

    assert ("last_used__lt", "2025-09-24T00:00:00") in query(route.calls.last.request)
    assert command.last_used == datetime(2025, 6, 1, 17, 0, 0, 250000, tzinfo=UTC)


def paged_server(rows: list[dict[str, Any]], page_size: int, *, style: str) -> Callable[[httpx.Request], Any]:
    """A custom_commands endpoint that pages ``rows`` by ``page_size``, whatever the client asks."""

    def respond(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        chunk = rows[(page - 1) * page_size : page * page_size]
        pages = -(-len(rows) // page_size)
        body: dict[str, Any] = {"count": len(chunk), "custom_commands": chunk, "total_count": len(rows)}
        if style == "has_more":
            body["has_more"] = page < pages
        else:
            body["total_pages"] = pages
        return httpx.Response(200, json=body)

    return respond


@pytest.mark.parametrize("style", ["has_more", "total_pages"])
def test_custom_commands_follow_every_page_the_server_reports(
    client: LeagueClient, router: respx.MockRouter, style: str
) -> None:
    rows = [command_row(id=n, name=f"cmd{n}") for n in range(1, 251)]
    route = router.get("/custom_commands")
    route.side_effect = paged_server(rows, 100, style=style)

    commands = client.custom_commands(is_active=True)

    assert [command.id for command in commands] == list(range(1, 251))
    assert [call.request.url.params["page"] for call in route.calls] == ["1", "2", "3"]
    assert all(call.request.url.params["is_active"] == "true" for call in route.calls)


def test_custom_commands_seen_on_two_pages_are_kept_once(client: LeagueClient, router: respx.MockRouter) -> None:
    route = router.get("/custom_commands")
    route.side_effect = [
        httpx.Response(200, json={"custom_commands": [command_row(id=1), command_row(id=2)], "has_more": True}),
        httpx.Response(200, json={"custom_commands": [command_row(id=2), command_row(id=3)], "has_more": False}),
    ]

    assert [command.id for command in client.custom_commands()] == [1, 2, 3]


def test_custom_commands_silently_truncated_by_the_server_is_an_error(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    rows = [command_row(id=n) for n in range(1, 26)]
    router.get("/custom_commands").respond(json={"count": 60, "custom_commands": rows})

    with pytest.raises(LeagueDataError, match="returned 25 of 60 custom_commands"):
        client.custom_commands(is_active=True)


def test_custom_commands_empty_page_while_more_are_announced_is_an_error(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    router.get("/custom_commands").respond(json={"custom_commands": [], "has_more": True})

    with pytest.raises(LeagueDataError, match="page 1 is empty"):
        client.custom_commands()


def test_get_custom_command(client: LeagueClient, router: respx.MockRouter) -> None:
    router.get("/custom_commands/7").respond(json=command_row())
    assert client.get_custom_command(7).name == "hype"


def client_command(**overrides: Any) -> CustomCommand:
    return CustomCommand.from_api(command_row(**overrides))


def test_update_custom_command_puts_the_fresh_full_row_with_the_changes(
    client: LeagueClient, router: respx.MockRouter, runtime: Runtime
) -> None:
    stale = client_command(content="old text")
    fresh = command_row(content="edited meanwhile")
    router.get("/custom_commands/7").respond(json=fresh)
    put = router.put("/custom_commands/7").respond(json={**fresh, "warning_sent": True, "use_count": 18})
    used = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)

    updated = client.update_custom_command(stale, warning_sent=True, last_used=used, tags=("a", "b"))

    sent = body_of(put.calls.last.request)
    assert sent == {**fresh, "warning_sent": True, "last_used": "2025-07-01T12:00:00", "tags": ["a", "b"]}
    assert sent["content"] == "edited meanwhile"
    assert sent["server_only_column"] == "kept in raw"
    assert updated.warning_sent is True and updated.use_count == 18
    assert runtime.stats.mutating_requests == 1


def test_update_custom_command_rereads_when_the_put_answer_is_not_a_row(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    get = router.get("/custom_commands/7")
    get.side_effect = [
        httpx.Response(200, json=command_row()),
        httpx.Response(200, json=command_row(warning_sent=True)),
    ]
    router.put("/custom_commands/7").respond(json="Command updated")

    assert client.mark_command_warned(7).warning_sent is True
    assert get.call_count == 2


def test_mark_command_warned_keeps_every_other_field(client: LeagueClient, router: respx.MockRouter) -> None:
    row = command_row()
    router.get("/custom_commands/7").respond(json=row)
    put = router.put("/custom_commands/7").respond(json={**row, "warning_sent": True})

    client.mark_command_warned(7)

    assert body_of(put.calls.last.request) == {**row, "warning_sent": True}


def test_update_custom_command_rejects_unknown_fields_before_any_request(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    route = router.route().respond(json=command_row())
    with pytest.raises(TypeError, match="colour"):
        client.update_custom_command(client_command(), colour="red")
    assert route.call_count == 0


def test_update_of_a_deleted_command_is_not_found(client: LeagueClient, router: respx.MockRouter) -> None:
    router.get("/custom_commands/7").respond(404)
    put = router.put("/custom_commands/7").respond(json=command_row())
    with pytest.raises(NotFound):
        client.mark_command_warned(7)
    assert put.call_count == 0


def test_delete_custom_command_is_true_when_deleted_and_false_when_already_gone(
    client: LeagueClient, router: respx.MockRouter
) -> None:
    route = router.delete("/custom_commands/7")
    route.side_effect = [httpx.Response(204), httpx.Response(404, json={"detail": "gone"})]

    assert client.delete_custom_command(7) is True
    assert client.delete_custom_command(7) is False


def test_creators_are_read_from_the_creators_envelope(client: LeagueClient, router: respx.MockRouter) -> None:
    creator = command_row()["creator"]
    route = router.get("/custom_commands/creators").respond(json=envelope("creators", [creator]))

    by_id = client.creators(creator_id=3)
    client.creators(discord_id=123456789012345678)

    assert [(c.id, c.discord_id) for c in by_id] == [(3, 123456789012345678)]
    assert query(route.calls[0].request) == [("id", "3")]
    assert query(route.calls[1].request) == [("discord_id", "123456789012345678")]


def test_creators_in_an_unexpected_envelope_is_an_error(client: LeagueClient, router: respx.MockRouter) -> None:
    router.get("/custom_commands/creators").respond(json={"count": 1, "custom_commands": []})
    with pytest.raises(LeagueDataError, match="'creators' list"):
        client.creators(creator_id=3)
