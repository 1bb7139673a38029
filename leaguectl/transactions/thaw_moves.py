"""The values a thaw is decided on and reports: moves, priorities, decisions, held moves, the plan.

Frozen dataclasses (see :mod:`leaguectl.transactions.thaw_plan` for the rules
that decide them), the keyed tiebreak, and grouping rows into moves.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from leaguectl.models import Player, Team, Transaction

_TIEBREAK_SCALE = float(2**64)


def tiebreak(key: bytes, season: int, week: int, team_id: int) -> float:
    """A keyed, reproducible pseudo-random number in [0, 1) for one team in one thaw."""
    digest = hmac.new(key, f"{season}:{week}:{team_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / _TIEBREAK_SCALE


@dataclass(frozen=True)
class BrokenRow:
    """A transaction row the API served that does not fit the model, with whatever could be read of it."""

    row_id: object
    moveid: str | None
    player_id: int | None
    problem: str

    def describe(self) -> str:
        who = f"transaction row {self.row_id}" if self.row_id is not None else "a transaction row without an id"
        return f"{who} cannot be read ({self.problem})"


@dataclass(frozen=True)
class BrokenStandings:
    """A standings row that does not fit the model; ``abbrev`` is its team's, when readable."""

    abbrev: str | None
    problem: str


@dataclass(frozen=True)
class Move:
    """All rows of one moveid, in row-id order."""

    moveid: str
    rows: tuple[Transaction, ...]

    @property
    def claims(self) -> tuple[Transaction, ...]:
        """Rows that acquire a player (destination not FA)."""
        return tuple(row for row in self.rows if not row.is_drop)

    @property
    def claimed_player_ids(self) -> frozenset[int]:
        return frozenset(row.player.id for row in self.claims)

    @property
    def team(self) -> Team | None:
        """The acquiring team (first claim's destination); None for a drop-only move."""
        claims = self.claims
        return claims[0].newteam if claims else None

    @property
    def owner(self) -> Team:
        """The team whose move this is: the acquiring team, or for drops the team releasing."""
        return self.team or self.rows[0].oldteam

    @property
    def first_row_id(self) -> int:
        return self.rows[0].id

    @property
    def label(self) -> str:
        """The move as people read it: ``WV: Mike Trout (drops Buck Ferreira)``."""
        added = ", ".join(row.player.name for row in self.claims)
        dropped = ", ".join(row.player.name for row in self.rows if row.is_drop)
        if not added:
            return f"{self.owner.abbrev}: drops {dropped}"
        return f"{self.owner.abbrev}: {added}" + (f" (drops {dropped})" if dropped else "")


@dataclass(frozen=True)
class TeamPriority:
    """A contesting team's place in line: lower ``sort_key`` picks first."""

    abbrev: str
    team_id: int
    wins: int
    losses: int
    win_pct: float
    tiebreak: float
    parent: Team

    @property
    def sort_key(self) -> tuple[float, float, int]:
        return (self.win_pct, self.tiebreak, self.team_id)


@dataclass(frozen=True)
class MoveDecision:
    """One move's fate. ``contested_players``: for a cancelled move, the players granted elsewhere.

    ``lost_to``: the moves those players went to.
    """

    move: Move
    accepted: bool
    priority: TeamPriority | None
    contested_players: tuple[Player, ...] = ()
    lost_to: tuple[Move, ...] = ()


@dataclass(frozen=True)
class HeldMove:
    """A move neither granted nor cancelled this run, and why; ``move`` is None when no row of it is readable."""

    moveid: str
    move: Move | None
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.move.label if self.move is not None else f"move {self.moveid} (no readable row)"


@dataclass(frozen=True)
class Contest:
    """Several moves claiming one player, and which of them got the player (None: nobody, or held)."""

    player: Player
    claimants: tuple[Move, ...]
    winner: Move | None
    held: bool = False


@dataclass(frozen=True)
class IgnoredRow:
    row: Transaction
    reason: str


@dataclass(frozen=True)
class ThawPlan:
    """Everything the apply step does, in order: cancellations first, then grants; held moves wait."""

    season: int
    week: int
    decisions: tuple[MoveDecision, ...]
    contests: tuple[Contest, ...]
    priorities: tuple[TeamPriority, ...]
    ignored: tuple[IgnoredRow, ...] = field(default=())
    held: tuple[HeldMove, ...] = field(default=())
    unplaced: tuple[BrokenRow, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def cancelled(self) -> tuple[MoveDecision, ...]:
        """Losing moves in submission order (first row id), the order they are applied in."""
        return _in_submission_order(decision for decision in self.decisions if not decision.accepted)

    @property
    def accepted(self) -> tuple[MoveDecision, ...]:
        """Granted moves in submission order (first row id), the order they are logged in.

        Not the decision order: a rerun that finds the losers already cancelled
        sees the winners as uncontested, and must still log them in the order a
        clean run did, so the transaction log reads the same either way.
        """
        return _in_submission_order(decision for decision in self.decisions if decision.accepted)

    @property
    def complete(self) -> bool:
        """Whether every frozen move of the thawed weeks got a decision (nothing held, no unreadable row)."""
        return not self.held and not self.unplaced

    def priority_table(self) -> list[dict[str, Any]]:
        """One row per move in decision order, then the held moves: the audit trail for the report.

        Columns without a value for a move (no record for an uncontested move) are left out.
        """
        table: list[dict[str, Any]] = []
        for rank, decision in enumerate(self.decisions, start=1):
            move, priority = decision.move, decision.priority
            team = move.team
            row = {
                "rank": rank,
                "team": team.abbrev if team else f"{move.owner.abbrev} (drops only)",
                "ranked_as": priority.abbrev if priority and team and priority.abbrev != team.abbrev else None,
                "record": f"{priority.wins}-{priority.losses}" if priority else None,
                "win_pct": round(priority.win_pct, 3) if priority else None,
                "tiebreak": round(priority.tiebreak, 6) if priority else None,
                "decision": "granted" if decision.accepted else "denied",
                "players": move.label.partition(": ")[2],
                "contested": ", ".join(player.name for player in decision.contested_players) or None,
                "lost_to": "; ".join(winner.label for winner in decision.lost_to) or None,
                "moveid": move.moveid,
            }
            table.append({key: value for key, value in row.items() if value is not None})
        for held in self.held:
            table.append(
                {
                    "team": held.move.owner.abbrev if held.move is not None else "?",
                    "decision": "held",
                    "players": held.label.partition(": ")[2] if held.move is not None else "?",
                    "why": "; ".join(held.reasons),
                    "moveid": held.moveid,
                }
            )
        return table


def _in_submission_order(decisions: Iterable[MoveDecision]) -> tuple[MoveDecision, ...]:
    return tuple(sorted(decisions, key=lambda d: (d.move.first_row_id, d.move.moveid)))


def group_moves(rows: Iterable[Transaction]) -> list[Move]:
    """Rows grouped by moveid, each move's rows in id order, moves by first row id."""
    by_moveid: dict[str, list[Transaction]] = defaultdict(list)
    for row in rows:
        by_moveid[row.moveid].append(row)
    moves = [Move(moveid, tuple(sorted(group, key=lambda r: r.id))) for moveid, group in by_moveid.items()]
    return sorted(moves, key=lambda move: (move.first_row_id, move.moveid))
