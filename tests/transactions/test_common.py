"""PATCHes of ``current`` are confirmed by a fresh read."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest

from leaguectl.errors import ExitCode
from leaguectl.league_api import LeagueClient
from leaguectl.models import Current
from leaguectl.transactions.common import CurrentNotConfirmed, patch_current_confirmed

LIVE = Current(id=11, week=10, season=13, freeze=False)


class FakeLeague:
    """Records PATCHes; ``GET current`` answers whatever the test says the server now holds."""

    def __init__(self, after: Current) -> None:
        self.after = after
        self.patched: list[tuple[int, dict[str, Any]]] = []

    def patch_current(self, current_id: int, **changes: Any) -> Current:
        self.patched.append((current_id, changes))
        return self.after

    def get_current(self) -> Current:
        return self.after


def test_the_live_rows_id_is_patched_and_the_change_confirmed() -> None:
    league = FakeLeague(after=replace(LIVE, week=11, freeze=True))
    fresh = patch_current_confirmed(cast(LeagueClient, league), LIVE, week=11, freeze=True)
    assert league.patched == [(11, {"week": 11, "freeze": True})]
    assert (fresh.week, fresh.freeze) == (11, True)


def test_a_patch_that_did_not_land_on_the_live_row_is_an_error() -> None:
    league = FakeLeague(after=LIVE)  # e.g. the server ignored the body, or another row is live
    with pytest.raises(CurrentNotConfirmed) as caught:
        patch_current_confirmed(cast(LeagueClient, league), LIVE, week=11, freeze=True)
    assert caught.value.exit_code == ExitCode.UNAVAILABLE
    assert "current/11" in str(caught.value)


def test_a_different_live_row_after_the_patch_is_an_error() -> None:
    league = FakeLeague(after=replace(LIVE, id=12, week=11, freeze=True))
    with pytest.raises(CurrentNotConfirmed):
        patch_current_confirmed(cast(LeagueClient, league), LIVE, week=11, freeze=True)


def test_clearing_the_freeze_keeps_the_week() -> None:
    frozen = replace(LIVE, freeze=True)
    league = FakeLeague(after=replace(frozen, freeze=False))
    patch_current_confirmed(cast(LeagueClient, league), frozen, freeze=False)
    assert league.patched == [(11, {"week": None, "freeze": False})]
