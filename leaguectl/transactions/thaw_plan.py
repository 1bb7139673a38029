"""Deciding a thaw: which frozen moves are granted, cancelled or held (pure).

Rules (SPEC §2.2), and how they are met here:

* Input rows are the frozen, not cancelled transactions of the thawed weeks.
  Rows that are cancelled, not frozen, of another season or outside the weeks
  are set aside (and reported), whatever the API's filters did.
* A *move* is all rows sharing a ``moveid``; it is granted or cancelled whole.
* A *claim* is a row whose destination is not FA. Claims are grouped by
  **player id**; a player claimed by two or more moves is *contested*. Drops to
  FA claim nothing, so a drop-only move contests nothing and is granted.
* The acquiring team of a move is the destination of its first claim (rows in
  id order). A minor-league destination (``WVMiL``) counts as its parent
  (``WV``) for standings, tiebreak and GM lookups.
* Priority: lower win% first (0 games = 0.0), then a tiebreak in [0, 1):
  HMAC-SHA256(key, ``"{season}:{week}:{team_id}"``) read as a 64-bit
  fraction, ``team_id`` being the parent team's id from the standings. The key
  is ``THAW_TIEBREAK_SECRET`` (default: a hash of the league API token), so the
  value is the same on every rerun and every host, and GMs cannot compute it.
* Moves that contest something are considered in priority order (then by
  first row id, then moveid); a move is granted only if none of its claimed
  players was granted to an earlier move, otherwise it is cancelled whole.
  Moves without any contested player are granted. No move is both.

Holding what cannot be decided safely. Moves are linked when they claim a
common player; a *group* is a set of moves linked directly or through others
(a connected component). Who wins inside a group depends only on the moves of
that group, so a group that cannot be evaluated is **held** whole (neither
granted nor cancelled: it stays frozen and is reported) while every other group
is decided as usual. A group is held when:

* one of its moves has a row the API served but that does not fit the model
  (e.g. ``player: null``): that move's claims are unknown;
* one of its moves claims a player named by such a broken row (whatever its
  moveid), since the broken row may be a rival claim; a broken row that names
  neither a moveid nor a player could belong to any move and claim anyone, so
  then every group with a claim is held (drop-only moves are still granted).
  A broken row whose moveid is readable but whose player is not (the usual
  ``player: null``: the row points at no existing player) is taken to claim no
  player another move claims; should it do so after all, the rerun that
  decides it grants it alone and the next freeze-begin reports the clash as a
  conflict instead of moving the player twice;
* it is contested and a contesting team's priority cannot be read: no
  standings row, two rows that disagree (the thaw refuses to guess which one
  counts), or a standings row that does not fit the model and may be that
  team's (one whose team cannot be read may be anyone's).

A held group is decided by a later run once the data is fixed; holding never
changes another group's decision, so granting the rest now is safe.

Why the decision survives a crash half-way (the apply step relies on this):
removing a *cancelled* move from the input changes no other decision, because
a cancelled move never granted a player to anyone; and once every loser is
cancelled, the remaining (granted) moves claim disjoint players, so each of
them is still granted when it is alone. The apply step therefore cancels all
losers before it unfreezes any winner, and a rerun that sees only what is left
frozen reaches the same decisions for it.

This module decides (:func:`plan_thaw`) and is the public face of its parts:
:mod:`~leaguectl.transactions.thaw_moves` (moves, priorities, decisions, the
plan), :mod:`~leaguectl.transactions.thaw_holds` (claims, groups, standings by
team, holds) and :mod:`~leaguectl.transactions.thaw_cycle` (what earlier thaw
passes of this freeze already wrote).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from leaguectl.models import Player, TeamStandings, Transaction
from leaguectl.transactions.thaw_cycle import ThawCycle, completion_when_freeze_off, thaw_cycle
from leaguectl.transactions.thaw_holds import (
    Holds,
    StandingsByTeam,
    broken_row_holds,
    group_holds,
    linked_groups,
    read_claims,
    read_standings,
    standings_holds,
    team_key_of,
)
from leaguectl.transactions.thaw_moves import (
    BrokenRow,
    BrokenStandings,
    Contest,
    HeldMove,
    IgnoredRow,
    Move,
    MoveDecision,
    TeamPriority,
    ThawPlan,
    group_moves,
    tiebreak,
)

__all__ = [
    "BrokenRow",
    "BrokenStandings",
    "Contest",
    "HeldMove",
    "IgnoredRow",
    "Move",
    "MoveDecision",
    "TeamPriority",
    "ThawCycle",
    "ThawPlan",
    "completion_when_freeze_off",
    "group_moves",
    "needs_standings",
    "plan_thaw",
    "thaw_cycle",
    "tiebreak",
]


def needs_standings(rows: Iterable[Transaction], *, season: int, week: int) -> bool:
    """Whether any player is contested, i.e. whether the thaw must read standings at all."""
    return bool(read_claims(rows, season, week).contested_ids)


def _priority(row: TeamStandings, *, key: bytes, season: int, week: int) -> TeamPriority:
    return TeamPriority(
        abbrev=row.team.abbrev,
        team_id=row.team.id,
        wins=row.wins,
        losses=row.losses,
        win_pct=row.win_pct,
        tiebreak=tiebreak(key, season, week, row.team.id),
        parent=row.team,
    )


def plan_thaw(
    rows: Iterable[Transaction],
    standings: Iterable[TeamStandings],
    *,
    season: int,
    week: int,
    key: bytes,
    broken: Sequence[BrokenRow] = (),
    broken_standings: Sequence[BrokenStandings] = (),
) -> ThawPlan:
    """Decide every frozen move of weeks ``week``..``week + 1``; what cannot be decided safely is held."""
    claims = read_claims(rows, season, week)
    holds = Holds()
    unplaced, anything = broken_row_holds(claims, broken, holds)
    groups = linked_groups(claims.moves)
    anything_reason = "a transaction row without a readable moveid or player may claim any player" if anything else None
    held = group_holds(groups, holds, anything=anything_reason)
    table = read_standings(standings, broken_standings)
    standings_holds(groups, held, table, holds)

    decisions, priorities = _decide(
        [group for group in groups if not any(move.moveid in held for move in group)],
        table,
        key=key,
        season=season,
        week=week,
    )
    granted = {player_id: d.move for d in decisions if d.accepted for player_id in d.move.claimed_player_ids}
    contests = tuple(
        Contest(
            claims.players[player_id],
            tuple(claims.claimants[player_id]),
            granted.get(player_id),
            held=any(move.moveid in held for move in claims.claimants[player_id]),
        )
        for player_id in sorted(claims.contested_ids, key=lambda pid: (claims.players[pid].name, pid))
    )
    by_moveid = {move.moveid: move for move in claims.moves}
    held_moves = tuple(
        HeldMove(moveid, by_moveid.get(moveid), tuple(reasons))
        for moveid, reasons in sorted(
            holds.reasons.items(), key=lambda item: (_first_row(by_moveid.get(item[0])), item[0])
        )
        if reasons
    )
    return ThawPlan(
        season=season,
        week=week,
        decisions=tuple(decisions),
        contests=contests,
        priorities=tuple(sorted(priorities.values(), key=lambda p: p.sort_key)),
        ignored=tuple(claims.ignored),
        held=held_moves,
        unplaced=tuple(unplaced),
        notes=table.notes,
    )


def _first_row(move: Move | None) -> int:
    return move.first_row_id if move is not None else -1


def _decide(
    groups: Sequence[Sequence[Move]], table: StandingsByTeam, *, key: bytes, season: int, week: int
) -> tuple[list[MoveDecision], dict[str, TeamPriority]]:
    """The greedy grant of SPEC §2.2 over the groups that can be decided."""
    priorities = {
        team_key: _priority(table.rows[team_key], key=key, season=season, week=week)
        for group in groups
        if len(group) > 1
        for team_key in (team_key_of(move.team) for move in group)
    }
    decisions: list[MoveDecision] = []
    contesting: list[Move] = []
    for group in groups:
        if len(group) == 1:
            (move,) = group
            decisions.append(MoveDecision(move, accepted=True, priority=priorities.get(team_key_of(move.team))))
        else:
            contesting.extend(group)
    granted: dict[int, Move] = {}
    for decision in decisions:
        granted.update(dict.fromkeys(decision.move.claimed_player_ids, decision.move))
    for move in sorted(contesting, key=lambda m: (priorities[team_key_of(m.team)].sort_key, m.first_row_id, m.moveid)):
        priority = priorities[team_key_of(move.team)]
        taken = sorted(player_id for player_id in move.claimed_player_ids if player_id in granted)
        if taken:
            decisions.append(
                MoveDecision(
                    move,
                    accepted=False,
                    priority=priority,
                    contested_players=tuple(_player_of(move, player_id) for player_id in taken),
                    lost_to=tuple(dict.fromkeys(granted[player_id] for player_id in taken)),
                )
            )
            continue
        granted.update(dict.fromkeys(move.claimed_player_ids, move))
        decisions.append(MoveDecision(move, accepted=True, priority=priority))
    return decisions, priorities


def _player_of(move: Move, player_id: int) -> Player:
    return next(row.player for row in move.claims if row.player.id == player_id)
