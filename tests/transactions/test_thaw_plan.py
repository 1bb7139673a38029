"""Thaw decisions (pure): contests, priority, atomic moves, determinism, resumability."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from leaguectl.models import Team, TeamStandings, Transaction
from leaguectl.transactions.thaw_plan import (
    BrokenRow,
    BrokenStandings,
    MoveDecision,
    ThawPlan,
    needs_standings,
    plan_thaw,
    tiebreak,
)

from .factories import ACUNA, BETTS, BOS, NY, SEASON, TROUT, WV, player, row, standing

KEY = b"test-tiebreak-key"
WEEK = 10
STANDINGS = [standing(WV, 30, 70), standing(NY, 70, 30), standing(BOS, 50, 50)]


def plan(rows: list[Transaction], standings: list[TeamStandings] | None = None, key: bytes = KEY) -> ThawPlan:
    return plan_thaw(rows, STANDINGS if standings is None else standings, season=SEASON, week=WEEK, key=key)


def held(result: ThawPlan) -> dict[str, list[str]]:
    return {entry.moveid: list(entry.reasons) for entry in result.held}


def accepted(result: ThawPlan) -> set[str]:
    return {decision.move.moveid for decision in result.accepted}


def cancelled(result: ThawPlan) -> set[str]:
    return {decision.move.moveid for decision in result.cancelled}


def in_order(decisions: tuple[MoveDecision, ...]) -> list[str]:
    """Moveids in the order the apply step handles them."""
    return [decision.move.moveid for decision in decisions]


def test_a_lone_claim_is_granted_without_standings() -> None:
    result = plan([row("M1", TROUT, "FA", "WV")], standings=[])
    assert accepted(result) == {"M1"} and cancelled(result) == set()


def test_two_teams_contesting_one_player_the_worse_record_wins() -> None:
    result = plan([row("NY-1", TROUT, "FA", "NY"), row("WV-1", TROUT, "FA", "WV")])
    assert accepted(result) == {"WV-1"}
    assert cancelled(result) == {"NY-1"}
    (loser,) = result.cancelled
    assert [p.name for p in loser.contested_players] == ["Mike Trout"]
    assert [winner.moveid for winner in loser.lost_to] == ["WV-1"]


def test_three_teams_contesting_the_worst_record_wins_and_both_others_lose() -> None:
    result = plan([row("NY-1", TROUT, "FA", "NY"), row("BOS-1", TROUT, "FA", "BOS"), row("WV-1", TROUT, "FA", "WV")])
    assert accepted(result) == {"WV-1"}
    assert cancelled(result) == {"NY-1", "BOS-1"}
    (contest,) = result.contests
    assert contest.winner is not None and contest.winner.moveid == "WV-1"
    assert {move.moveid for move in contest.claimants} == {"NY-1", "BOS-1", "WV-1"}


def test_a_minor_league_destination_competes_with_its_parents_record() -> None:
    standings = [standing(WV, 70, 30), standing(NY, 30, 70)]
    result = plan([row("WVMiL-1", TROUT, "FA", "WVMiL"), row("NY-1", TROUT, "FA", "NY")], standings)
    assert accepted(result) == {"NY-1"} and cancelled(result) == {"WVMiL-1"}
    loser = result.cancelled[0]
    assert loser.priority is not None and loser.priority.abbrev == "WV" and loser.priority.parent == WV
    table = {entry["moveid"]: entry for entry in result.priority_table()}
    assert (table["WVMiL-1"]["team"], table["WVMiL-1"]["ranked_as"]) == ("WVMiL", "WV")
    assert table["WVMiL-1"]["record"] == "70-30"


def test_a_minor_league_claim_of_the_worst_team_beats_a_better_team() -> None:
    result = plan([row("WVMiL-1", TROUT, "FA", "WVMiL"), row("NY-1", TROUT, "FA", "NY")])
    assert accepted(result) == {"WVMiL-1"}


def test_a_two_player_move_that_loses_one_contest_is_cancelled_whole() -> None:
    rows = [
        row("NY-2", TROUT, "FA", "NY"),
        row("NY-2", ACUNA, "FA", "NY"),  # uncontested, but in the same move
        row("WV-1", TROUT, "FA", "WV"),
    ]
    result = plan(rows)
    assert accepted(result) == {"WV-1"}
    assert cancelled(result) == {"NY-2"}
    assert accepted(result).isdisjoint(cancelled(result))
    assert [p.name for p in result.cancelled[0].contested_players] == ["Mike Trout"]


def test_when_the_best_placed_move_is_cancelled_its_other_player_goes_to_the_next_claimant() -> None:
    # WV (worst) takes Trout; BOS's move wants Trout and Acuna, so it is cancelled whole;
    # NY then gets Acuna although BOS ranked above NY for him.
    rows = [row("WV-1", TROUT, "FA", "WV"), row("BOS-2", TROUT, "FA", "BOS"), row("BOS-2", ACUNA, "FA", "BOS"),
            row("NY-1", ACUNA, "FA", "NY")]
    result = plan(rows)
    assert accepted(result) == {"WV-1", "NY-1"}
    assert cancelled(result) == {"BOS-2"}


def test_a_drop_only_move_is_granted_and_contests_nothing() -> None:
    result = plan([row("DROP", TROUT, "WV", "FA"), row("ADD", TROUT, "FA", "NY")], standings=[])
    assert accepted(result) == {"DROP", "ADD"}
    assert not result.contests


def test_an_add_drop_move_contests_only_its_addition() -> None:
    rows = [row("WV-AD", TROUT, "FA", "WV"), row("WV-AD", BETTS, "WV", "FA"), row("NY-1", BETTS, "FA", "NY")]
    result = plan(rows)
    assert accepted(result) == {"WV-AD", "NY-1"}


def test_a_cancelled_row_is_ignored_and_contests_nothing() -> None:
    rows = [row("NY-1", TROUT, "FA", "NY", cancelled=True), row("WV-1", TROUT, "FA", "WV")]
    result = plan(rows, standings=[])
    assert accepted(result) == {"WV-1"}
    assert cancelled(result) == set()
    assert [(ignored.row.moveid, ignored.reason) for ignored in result.ignored] == [("NY-1", "cancelled")]


def test_rows_outside_the_thawed_weeks_or_not_frozen_are_set_aside() -> None:
    rows = [row("OLD", TROUT, "FA", "NY", week=9), row("NEXT", ACUNA, "FA", "NY", week=12),
            row("DONE", BETTS, "FA", "NY", frozen=False), row("OK", TROUT, "FA", "WV", week=11)]
    result = plan(rows, standings=[])
    assert accepted(result) == {"OK"}
    assert {ignored.row.moveid for ignored in result.ignored} == {"OLD", "NEXT", "DONE"}


def test_claims_are_grouped_by_player_id_not_by_name() -> None:
    twin = player(99999, "Mike Trout")
    result = plan([row("NY-1", TROUT, "FA", "NY"), row("WV-1", twin, "FA", "WV")], standings=[])
    assert accepted(result) == {"NY-1", "WV-1"}


def test_zero_games_played_counts_as_zero_win_percentage() -> None:
    standings = [standing(WV, 0, 0), standing(NY, 1, 99)]
    result = plan([row("NY-1", TROUT, "FA", "NY"), row("WV-1", TROUT, "FA", "WV")], standings)
    assert accepted(result) == {"WV-1"}


def test_missing_standings_for_a_contesting_team_holds_that_contest_instead_of_guessing() -> None:
    rows = [row("NY-1", TROUT, "FA", "NY"), row("WV-1", TROUT, "FA", "WV"), row("BOS-1", ACUNA, "FA", "BOS")]
    result = plan(rows, standings=[standing(NY, 10, 10)])
    assert accepted(result) == {"BOS-1"} and cancelled(result) == set()
    assert held(result) == {"NY-1": ["no standings row for WV; its priority cannot be decided"],
                            "WV-1": ["no standings row for WV; its priority cannot be decided"]}
    assert not result.complete
    (contest,) = result.contests
    assert contest.held and contest.winner is None
    assert needs_standings(rows, season=SEASON, week=WEEK)
    assert not needs_standings(rows[:1], season=SEASON, week=WEEK)


def test_equal_records_are_decided_by_the_keyed_tiebreak() -> None:
    standings = [standing(WV, 50, 50), standing(NY, 50, 50)]
    rows = [row("NY-1", TROUT, "FA", "NY"), row("WV-1", TROUT, "FA", "WV")]
    result = plan(rows, standings)
    lower = min((NY, WV), key=lambda team: tiebreak(KEY, SEASON, WEEK, team.id))
    assert accepted(result) == {f"{lower.abbrev}-1"}


def test_tiebreak_is_stable_in_range_and_depends_on_every_input_and_the_key() -> None:
    value = tiebreak(KEY, 12, 10, 499)
    assert value == tiebreak(KEY, 12, 10, 499)
    assert 0.0 <= value < 1.0
    others = {tiebreak(KEY, 13, 10, 499), tiebreak(KEY, 12, 11, 499), tiebreak(KEY, 12, 10, 500),
              tiebreak(b"other key", 12, 10, 499)}
    assert value not in others and len(others) == 4
    # A recorded value: the same on every host, process and Python version (no hash randomisation).
    assert tiebreak(b"k", 1, 2, 3) == 0.5154220236706993


def test_tiebreak_is_pinned_to_hmac_sha256() -> None:
    import hashlib
    import hmac

    digest = hmac.new(KEY, b"12:10:499", hashlib.sha256).digest()
    assert tiebreak(KEY, 12, 10, 499) == int.from_bytes(digest[:8], "big") / 2**64


def test_the_key_changes_who_wins_a_tie_for_some_keys() -> None:
    standings = [standing(WV, 50, 50), standing(NY, 50, 50)]
    rows = [row("NY-1", TROUT, "FA", "NY"), row("WV-1", TROUT, "FA", "WV")]
    winners = {frozenset(accepted(plan(rows, standings, key=f"k{n}".encode()))) for n in range(20)}
    assert winners == {frozenset({"NY-1"}), frozenset({"WV-1"})}


def _random_world(seed: int) -> tuple[list[Transaction], list[TeamStandings]]:
    rng = random.Random(seed)
    teams = [
        Team(id=600 + n, abbrev=f"T{n}", sname=f"Team {n}", lname=f"Team {n}", season=SEASON, gmid=7000 + n)
        for n in range(5)
    ]
    standings = [standing(team, rng.randint(0, 5), rng.randint(0, 5)) for team in teams]
    players = [player(20000 + n, f"Player {n}") for n in range(6)]
    rows: list[Transaction] = []
    next_id = 1
    for number in range(rng.randint(1, 9)):
        team = rng.choice(teams)
        for who in rng.sample(players, rng.randint(1, 3)):
            rows.append(
                Transaction(id=next_id, week=WEEK + rng.randint(0, 1), season=SEASON, moveid=f"M{number}",
                            player=who, oldteam=FA_TEAM, newteam=team, cancelled=False, frozen=True)
            )
            next_id += 1
    return rows, standings


FA_TEAM = Team(id=999, abbrev="FA", sname="Free Agents", lname="Free Agents", season=SEASON)


@pytest.mark.parametrize("seed", range(60))
def test_no_move_is_both_granted_and_cancelled_and_granted_moves_share_no_player(seed: int) -> None:
    rows, standings = _random_world(seed)
    result = plan(rows, standings)
    assert accepted(result).isdisjoint(cancelled(result))
    assert accepted(result) | cancelled(result) == {r.moveid for r in rows}
    claimed: set[int] = set()
    for decision in result.accepted:
        assert claimed.isdisjoint(decision.move.claimed_player_ids)
        claimed |= decision.move.claimed_player_ids


@pytest.mark.parametrize("seed", range(60))
def test_the_same_state_planned_twice_from_fresh_copies_decides_identically(seed: int) -> None:
    rows, standings = _random_world(seed)
    first = plan(list(rows), list(standings))
    shuffled = list(rows)
    random.Random(seed + 1).shuffle(shuffled)
    copies = [replace(r) for r in shuffled]
    second = plan(copies, [replace(s) for s in reversed(standings)])
    assert first.priority_table() == second.priority_table()


@pytest.mark.parametrize("seed", range(60))
def test_a_rerun_after_some_losers_were_cancelled_decides_the_same_for_the_rest(seed: int) -> None:
    rows, standings = _random_world(seed)
    full = plan(rows, standings)
    rng = random.Random(seed)
    gone = {d.move.moveid for d in full.cancelled if rng.random() < 0.5}
    rest = plan([r for r in rows if r.moveid not in gone], standings)
    assert in_order(rest.accepted) == in_order(full.accepted)
    assert in_order(rest.cancelled) == [moveid for moveid in in_order(full.cancelled) if moveid not in gone]


@pytest.mark.parametrize("seed", range(60))
def test_a_rerun_after_all_losers_and_some_winners_were_settled_grants_the_rest(seed: int) -> None:
    rows, standings = _random_world(seed)
    full = plan(rows, standings)
    rng = random.Random(seed)
    gone = cancelled(full) | {d.move.moveid for d in full.accepted if rng.random() < 0.5}
    rest = plan([r for r in rows if r.moveid not in gone], standings)
    assert in_order(rest.accepted) == [moveid for moveid in in_order(full.accepted) if moveid not in gone]
    assert cancelled(rest) == set()


def test_priority_table_names_team_record_tiebreak_and_decision_per_move() -> None:
    result = plan([row("NY-1", TROUT, "FA", "NY"), row("WV-1", TROUT, "FA", "WV"), row("D", BETTS, "WV", "FA")])
    table = {entry["moveid"]: entry for entry in result.priority_table()}
    assert table["WV-1"]["team"] == "WV" and table["WV-1"]["decision"] == "granted"
    assert table["WV-1"]["win_pct"] == 0.3 and table["WV-1"]["record"] == "30-70"
    assert table["WV-1"]["tiebreak"] == round(tiebreak(KEY, SEASON, WEEK, WV.id), 6)
    assert table["NY-1"]["decision"] == "denied" and table["NY-1"]["lost_to"] == "WV: Mike Trout"
    assert table["NY-1"]["contested"] == "Mike Trout"
    assert table["D"]["decision"] == "granted" and table["D"]["team"] == "WV (drops only)"


# --- rows and standings that cannot be read: hold what they may affect, decide the rest ------------


def broken(moveid: str | None, player_id: int | None, row_id: object = 77) -> BrokenRow:
    return BrokenRow(row_id=row_id, moveid=moveid, player_id=player_id,
                     problem=f"Transaction id {row_id}: field 'player' is null")


def test_a_move_with_an_unreadable_row_is_held_with_every_move_contesting_its_players() -> None:
    rows = [row("NY-2", TROUT, "FA", "NY", row_id=1), row("WV-1", TROUT, "FA", "WV", row_id=2),
            row("BOS-1", ACUNA, "FA", "BOS", row_id=3), row("D", BETTS, "WV", "FA", row_id=4)]
    result = plan_thaw(rows, STANDINGS, season=SEASON, week=WEEK, key=KEY, broken=[broken("NY-2", None)])
    assert accepted(result) == {"BOS-1", "D"} and cancelled(result) == set()
    assert set(held(result)) == {"NY-2", "WV-1"}
    assert "Transaction id 77: field 'player' is null" in held(result)["NY-2"][0]
    assert not result.complete
    table = {entry["moveid"]: entry for entry in result.priority_table()}
    assert table["WV-1"]["decision"] == "held" and table["NY-2"]["decision"] == "held"


def test_a_held_group_reaches_through_shared_players_but_no_further() -> None:
    # A (broken) - Trout - B - Acuna - C are linked; D claims Betts alone.
    rows = [row("A", TROUT, "FA", "NY", row_id=1), row("B", TROUT, "FA", "WV", row_id=2),
            row("B", ACUNA, "FA", "WV", row_id=3), row("C", ACUNA, "FA", "BOS", row_id=4),
            row("D", BETTS, "FA", "NY", row_id=5)]
    result = plan_thaw(rows, STANDINGS, season=SEASON, week=WEEK, key=KEY, broken=[broken("A", None)])
    assert set(held(result)) == {"A", "B", "C"}
    assert accepted(result) == {"D"}
    assert held(result)["C"][0].startswith("linked by a claimed player to a held move")


def test_a_broken_row_of_no_known_move_holds_the_claims_on_its_player() -> None:
    rows = [row("WV-1", TROUT, "FA", "WV", row_id=1), row("NY-1", ACUNA, "FA", "NY", row_id=2)]
    result = plan_thaw(rows, STANDINGS, season=SEASON, week=WEEK, key=KEY,
                       broken=[broken(None, TROUT.id), broken("GHOST", None, row_id=78)])
    assert set(held(result)) == {"WV-1", "GHOST"}
    assert accepted(result) == {"NY-1"}
    assert [bad.row_id for bad in result.unplaced] == [77]
    assert next(h for h in result.held if h.moveid == "GHOST").move is None


def test_a_row_naming_neither_a_move_nor_a_player_holds_every_claim_but_not_drops() -> None:
    rows = [row("WV-1", TROUT, "FA", "WV", row_id=1), row("D", BETTS, "WV", "FA", row_id=2)]
    result = plan_thaw(rows, [], season=SEASON, week=WEEK, key=KEY, broken=[broken(None, None)])
    assert set(held(result)) == {"WV-1"} and accepted(result) == {"D"}
    assert "may claim any player" in held(result)["WV-1"][0]


def test_two_disagreeing_standings_rows_of_a_team_hold_its_contests_instead_of_picking_one() -> None:
    rows = [row("NY-1", TROUT, "FA", "NY"), row("WV-1", TROUT, "FA", "WV"),
            row("BOS-1", ACUNA, "FA", "BOS"), row("NY-2", ACUNA, "FA", "NY")]
    twice = [standing(WV, 30, 70), standing(NY, 70, 30), replace(standing(WV, 80, 20), id=9), standing(BOS, 50, 50)]
    result = plan(rows, twice)
    assert set(held(result)) == {"NY-1", "WV-1"}
    assert "2 standings rows for WV disagree" in held(result)["WV-1"][0]
    assert accepted(result) == {"BOS-1"} and cancelled(result) == {"NY-2"}


def test_identical_duplicate_standings_rows_are_used_with_a_note() -> None:
    rows = [row("NY-1", TROUT, "FA", "NY"), row("WV-1", TROUT, "FA", "WV")]
    result = plan(rows, [*STANDINGS, replace(standing(WV, 30, 70), id=9)])
    assert accepted(result) == {"WV-1"} and not result.held
    assert result.notes == ("2 identical standings rows for WV; one is used",)


def test_an_unreadable_standings_row_holds_its_teams_contests_or_all_when_its_team_is_unknown() -> None:
    rows = [row("NY-1", TROUT, "FA", "NY"), row("WV-1", TROUT, "FA", "WV"),
            row("BOS-1", ACUNA, "FA", "BOS"), row("NY-2", ACUNA, "FA", "NY"), row("L", BETTS, "FA", "NY")]
    known = plan_thaw(rows, STANDINGS, season=SEASON, week=WEEK, key=KEY,
                      broken_standings=[BrokenStandings("WVMiL", "TeamStandings id 4: wins: expected a count")])
    assert set(held(known)) == {"NY-1", "WV-1"} and accepted(known) == {"BOS-1", "L"}
    unknown = plan_thaw(rows, STANDINGS, season=SEASON, week=WEEK, key=KEY,
                        broken_standings=[BrokenStandings(None, "TeamStandings (no id): team is null")])
    assert set(held(unknown)) == {"NY-1", "WV-1", "BOS-1", "NY-2"} and accepted(unknown) == {"L"}


@pytest.mark.parametrize("seed", range(60))
def test_holding_some_groups_never_changes_the_decisions_of_the_others(seed: int) -> None:
    rows, standings = _random_world(seed)
    full = plan(rows, standings)
    rng = random.Random(seed)
    victim = rng.choice(rows)
    result = plan_thaw(rows, standings, season=SEASON, week=WEEK, key=KEY, broken=[broken(victim.moveid, None)])
    held_ids = set(held(result))
    assert victim.moveid in held_ids
    assert accepted(result) == accepted(full) - held_ids
    assert cancelled(result) == cancelled(full) - held_ids
    assert (accepted(result) | cancelled(result)).isdisjoint(held_ids)
    # nothing granted shares a player with a held move
    held_players = {r.player.id for r in rows if r.moveid in held_ids and not r.is_drop}
    for decision in result.accepted:
        assert decision.move.claimed_player_ids.isdisjoint(held_players)
