"""The simulated league API v3: envelopes, filters, bulk moveid updates, replace-PUT."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from leaguectl.sandbox import Sandbox
from tests.sandbox.world import http

MOVE = "Season-013-Week-11-19-13:04:41"


def test_requests_without_the_bearer_token_are_401(sandbox: Sandbox) -> None:
    response = http().get(f"{sandbox.league_url}/v3/current", headers={"Authorization": "Bearer nope"})
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})


def test_current_is_the_latest_seasons_row_which_is_not_id_1(league: httpx.Client) -> None:
    current = league.get("/current").json()
    assert (current["id"], current["season"], current["week"], current["freeze"]) == (11, 13, 10, False)
    assert league.get("/current", params={"season": 3}).json()["id"] == 1
    assert league.get("/current/1").json()["season"] == 3


def test_patch_current_takes_a_json_body_and_changes_only_that_row(sandbox: Sandbox, league: httpx.Client) -> None:
    updated = league.patch("/current/11", json={"week": 11, "freeze": True}).json()
    assert (updated["week"], updated["freeze"]) == (11, True)
    assert sandbox.state.current()["week"] == 11
    assert [row["week"] for row in sandbox.state.current_rows()] == [20, 11]


def test_patch_current_rejects_bad_types_and_unknown_rows(league: httpx.Client) -> None:
    assert league.patch("/current/11", json={"freeze": "yes"}).status_code == 422
    assert league.patch("/current/11", json={"week": "11"}).status_code == 422
    missing = league.patch("/current/99", json={"week": 1})
    assert missing.status_code == 404 and "detail" in missing.json()


def test_transactions_come_in_an_envelope_with_nested_objects(league: httpx.Client) -> None:
    body = league.get("/transactions", params={"season": 13, "week_start": 11, "week_end": 11}).json()
    assert body["count"] == len(body["transactions"]) == 4
    row = body["transactions"][0]
    assert row["player"]["name"] == "Mike Trout"
    assert row["player"]["team"]["abbrev"] == "FA"
    assert (row["oldteam"]["abbrev"], row["newteam"]["abbrev"]) == ("FA", "WV")


@pytest.mark.parametrize(("true", "false"), [("true", "false"), ("True", "False"), ("1", "0")])
def test_transaction_boolean_filters_accept_every_spelling(league: httpx.Client, true: str, false: str) -> None:
    frozen = league.get("/transactions", params={"season": 13, "frozen": true, "cancelled": false}).json()
    assert [row["id"] for row in frozen["transactions"]] == [1, 2]
    regular = league.get("/transactions", params={"week_start": 11, "week_end": 11, "frozen": false}).json()
    assert [row["id"] for row in regular["transactions"]] == [3]


def test_a_bad_boolean_is_422_and_week_is_not_a_filter(league: httpx.Client) -> None:
    assert league.get("/transactions", params={"frozen": "yes"}).status_code == 422
    assert league.get("/transactions", params={"week": 11}).json()["count"] == 5


def test_patch_by_moveid_updates_every_row_of_the_move(sandbox: Sandbox, league: httpx.Client) -> None:
    url = f"/transactions/{quote(MOVE, safe='')}"
    response = league.patch(url, params={"cancelled": "True", "cancelled_at": "2026-11-28T05:00:01+00:00"})
    assert response.json() == "Updated 2 transactions"
    rows = sandbox.state.transactions(moveid=MOVE)
    assert [(r["cancelled"], r["cancelled_at"]) for r in rows] == [(True, "2026-11-28T05:00:01+00:00")] * 2
    assert league.patch(url, params={"frozen": "False"}).json() == "Updated 2 transactions"
    assert {r["frozen"] for r in sandbox.state.transactions(moveid=MOVE)} == {False}
    assert sandbox.state.transactions(moveid="Trade-abc")[0]["cancelled"] is False


def test_patching_an_unknown_moveid_is_404(league: httpx.Client) -> None:
    response = league.patch("/transactions/nope", params={"frozen": "false"})
    assert response.status_code == 404 and "nope" in response.json()["detail"]


def test_players_are_read_and_moved_with_a_team_id_query(sandbox: Sandbox, league: httpx.Client) -> None:
    assert league.get("/players/12472").json()["team"]["abbrev"] == "FA"
    moved = league.patch("/players/12472", params={"team_id": 499}).json()
    assert moved["team_id"] == 499 and moved["team"]["abbrev"] == "WV"
    assert sandbox.state.player(12472)["team_id"] == 499
    assert league.patch("/players/12472", params={"team_id": 9999}).status_code == 404
    assert league.get("/players/1").status_code == 404
    assert league.get("/players", params={"team_id": 499}).json()["count"] == 1


def test_teams_filter_by_season_and_single_teams_are_found_by_id(league: httpx.Client) -> None:
    teams = league.get("/teams", params={"season": 13}).json()
    assert teams["count"] == 4 and {t["abbrev"] for t in teams["teams"]} == {"WV", "NY", "WVMiL", "FA"}
    assert league.get("/teams/499").json()["sname"] == "Black Bears"
    assert league.get("/teams/1").status_code == 404


def test_standings_nest_the_team_and_can_be_made_to_fail_or_vanish(sandbox: Sandbox, league: httpx.Client) -> None:
    standings = league.get("/standings", params={"season": 13}).json()["standings"]
    assert [(s["team"]["abbrev"], s["wins"], s["losses"]) for s in standings] == [("WV", 30, 70), ("NY", 70, 30)]
    assert league.get("/standings", params={"season": 12}).json()["standings"] == []
    sandbox.state.league.standings_mode = "error"
    assert league.get("/standings", params={"season": 13}).status_code == 500
    sandbox.state.league.standings_mode = "empty"
    assert league.get("/standings", params={"season": 13}).json() == {"count": 0, "standings": []}


def command_names(league: httpx.Client, **params: Any) -> list[str]:
    body = league.get("/custom_commands", params=params).json()
    return [c["name"] for c in body["custom_commands"]]


def test_custom_command_filters_match_the_cleanup_queries(league: httpx.Client) -> None:
    stale = {"last_used__lt": "2026-09-24T05:00:00", "is_active": "True"}
    assert command_names(league, **stale, warning_sent="False") == ["oldcmd"]
    assert command_names(league, **stale) == ["oldcmd", "warnedcmd"]
    assert command_names(league, name="FRESH") == ["fresh"]
    assert command_names(league, creator_id=8, is_active="false") == ["gone"]


def test_custom_commands_nest_their_creator_with_live_counts(league: httpx.Client) -> None:
    command = league.get("/custom_commands/101").json()
    assert command["creator"]["discord_id"] == 900000000000000010
    assert (command["creator"]["total_commands"], command["creator"]["active_commands"]) == (2, 2)


def test_custom_commands_paginate_with_limit_offset_and_pages(sandbox: Sandbox, league: httpx.Client) -> None:
    body = league.get("/custom_commands", params={"limit": 2, "offset": 1}).json()
    assert body["count"] == 5 and [c["id"] for c in body["custom_commands"]] == [102, 103]
    paged = league.get("/custom_commands", params={"page": 2, "page_size": 2}).json()
    assert [c["id"] for c in paged["custom_commands"]] == [103, 104]
    assert (paged["total_count"], paged["total_pages"], paged["has_more"]) == (5, 3, True)
    sandbox.state.league.custom_commands_default_limit = 3
    assert len(league.get("/custom_commands").json()["custom_commands"]) == 3
    assert command_names(league, sort="-use_count", limit=1) == ["oldcmd"]


def test_put_replaces_the_whole_row_so_a_partial_put_damages_it(sandbox: Sandbox, league: httpx.Client) -> None:
    damaged = league.put("/custom_commands/101", json={"warning_sent": True}).json()
    assert damaged["warning_sent"] is True
    assert (damaged["name"], damaged["content"], damaged["creator"], damaged["use_count"]) == (None, None, None, 0)
    assert sandbox.state.custom_commands()[0]["last_used"] is None


def test_put_of_the_full_row_keeps_everything_but_the_change(sandbox: Sandbox, league: httpx.Client) -> None:
    row = league.get("/custom_commands/101").json()
    updated = league.put("/custom_commands/101", json={**row, "warning_sent": True}).json()
    assert {k: v for k, v in updated.items() if k not in ("warning_sent", "updated_at", "creator")} == {
        k: v for k, v in row.items() if k not in ("warning_sent", "updated_at", "creator")
    }
    assert updated["warning_sent"] is True and updated["updated_at"] is not None
    assert league.put("/custom_commands/101", json={**row, "use_count": "5"}).status_code == 422


def test_patch_on_a_custom_command_is_not_offered(league: httpx.Client) -> None:
    response = league.patch("/custom_commands/101", json={"warning_sent": True})
    assert response.status_code == 405


def test_delete_removes_a_command_once(sandbox: Sandbox, league: httpx.Client) -> None:
    assert league.delete("/custom_commands/102").status_code == 200
    assert sandbox.state.custom_command("warnedcmd") is None
    assert league.delete("/custom_commands/102").status_code == 404


def test_creators_are_filtered_by_id_or_discord_id(league: httpx.Client) -> None:
    by_id = league.get("/custom_commands/creators", params={"id": 8}).json()
    assert by_id["count"] == 1 and by_id["creators"][0]["username"] == "owner"
    by_discord = league.get("/custom_commands/creators", params={"discord_id": 900000000000000010}).json()
    assert [c["id"] for c in by_discord["creators"]] == [7]
    assert league.get("/custom_commands/creators").json()["count"] == 2


def test_unknown_paths_are_404_with_a_detail(league: httpx.Client) -> None:
    response = league.get("/nothing/here")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
