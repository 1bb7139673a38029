"""Deciding a thaw: which frozen moves are granted and which are cancelled (pure).

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
* Standings are needed only for teams of moves that contest something; a
  missing row for such a team is an error (:class:`MissingStandings`): the
  thaw stops instead of guessing.

Why the decision survives a crash half-way (the apply step relies on this):
removing a *cancelled* move from the input changes no other decision, because
a cancelled move never granted a player to anyone; and once every loser is
cancelled, the remaining (granted) moves claim disjoint players, so each of
them is still granted when it is alone. The apply step therefore cancels all
losers before it unfreezes any winner, and a rerun that sees only what is left
frozen reaches the same decisions for it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from leaguectl.models import Player, Team, TeamStandings, Transaction
from leaguectl.transactions.markers import BotMessage
from leaguectl.transactions.week import league_week

__all__ = [
    "Contest",
    "IgnoredRow",
    "MissingStandings",
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

_TIEBREAK_SCALE = float(2**64)


class MissingStandings(ValueError):
    """A team that contests a player has no standings row; the thaw must not guess its priority."""

    def __init__(self, abbrevs: Sequence[str]) -> None:
        self.abbrevs = tuple(abbrevs)
        super().__init__(
            "no standings for contesting team(s) " + ", ".join(self.abbrevs)
            + "; the priority of their claims cannot be decided"
        )


def tiebreak(key: bytes, season: int, week: int, team_id: int) -> float:
    """A keyed, reproducible pseudo-random number in [0, 1) for one team in one thaw."""
    digest = hmac.new(key, f"{season}:{week}:{team_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / _TIEBREAK_SCALE


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
    def first_row_id(self) -> int:
        return self.rows[0].id


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
    """One move's fate. ``contested_players``: for a cancelled move, the players granted elsewhere."""

    move: Move
    accepted: bool
    priority: TeamPriority | None
    contested_players: tuple[Player, ...] = ()
    lost_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contest:
    """Several moves claiming one player, and which of them got the player (None: nobody)."""

    player: Player
    claimants: tuple[str, ...]
    winner: str | None


@dataclass(frozen=True)
class IgnoredRow:
    row: Transaction
    reason: str


@dataclass(frozen=True)
class ThawPlan:
    """Everything the apply step does, in order: cancellations first, then grants."""

    season: int
    week: int
    decisions: tuple[MoveDecision, ...]
    contests: tuple[Contest, ...]
    priorities: tuple[TeamPriority, ...]
    ignored: tuple[IgnoredRow, ...] = field(default=())

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

    def priority_table(self) -> list[dict[str, Any]]:
        """One row per move in decision order: the audit trail for the report."""
        table: list[dict[str, Any]] = []
        for rank, decision in enumerate(self.decisions, start=1):
            move, priority = decision.move, decision.priority
            team = move.team
            table.append(
                {
                    "rank": rank,
                    "moveid": move.moveid,
                    "team": team.abbrev if team else "FA (drops only)",
                    "ranked_as": priority.abbrev if priority and team and priority.abbrev != team.abbrev else None,
                    "record": f"{priority.wins}-{priority.losses}" if priority else None,
                    "win_pct": round(priority.win_pct, 3) if priority else None,
                    "tiebreak": round(priority.tiebreak, 6) if priority else None,
                    "decision": "granted" if decision.accepted else "denied",
                    "players": ", ".join(row.player.name for row in move.claims) or "-",
                    "contested": ", ".join(player.name for player in decision.contested_players) or None,
                    "lost_to": ", ".join(decision.lost_to) or None,
                }
            )
        return table


def _in_submission_order(decisions: Iterable[MoveDecision]) -> tuple[MoveDecision, ...]:
    return tuple(sorted(decisions, key=lambda d: (d.move.first_row_id, d.move.moveid)))


def _ignore_reason(row: Transaction, season: int, week: int) -> str | None:
    if row.cancelled:
        return "cancelled"
    if not row.frozen:
        return "not frozen"
    if row.season != season:
        return f"season {row.season}, not {season}"
    if not week <= row.week <= week + 1:
        return f"week {row.week}, outside {week}..{week + 1}"
    return None


def group_moves(rows: Iterable[Transaction]) -> list[Move]:
    """Rows grouped by moveid, each move's rows in id order, moves by first row id."""
    by_moveid: dict[str, list[Transaction]] = defaultdict(list)
    for row in rows:
        by_moveid[row.moveid].append(row)
    moves = [Move(moveid, tuple(sorted(group, key=lambda r: r.id))) for moveid, group in by_moveid.items()]
    return sorted(moves, key=lambda move: (move.first_row_id, move.moveid))


def _standings_by_abbrev(standings: Iterable[TeamStandings]) -> dict[str, TeamStandings]:
    return {row.team.abbrev.strip().upper(): row for row in standings}


def _priorities(
    teams: Iterable[Team],
    standings: Mapping[str, TeamStandings],
    *,
    key: bytes,
    season: int,
    week: int,
) -> dict[str, TeamPriority]:
    found: dict[str, TeamPriority] = {}
    missing: list[str] = []
    for team in teams:
        abbrev = team.base_abbrev.strip().upper()
        if abbrev in found or abbrev in missing:
            continue
        row = standings.get(abbrev)
        if row is None:
            missing.append(abbrev)
            continue
        found[abbrev] = TeamPriority(
            abbrev=row.team.abbrev,
            team_id=row.team.id,
            wins=row.wins,
            losses=row.losses,
            win_pct=row.win_pct,
            tiebreak=tiebreak(key, season, week, row.team.id),
            parent=row.team,
        )
    if missing:
        raise MissingStandings(sorted(missing))
    return found


def _team_key(team: Team | None) -> str:
    return team.base_abbrev.strip().upper() if team is not None else ""


@dataclass(frozen=True)
class _Claims:
    moves: list[Move]
    ignored: list[IgnoredRow]
    claimants: dict[int, list[str]]
    players: dict[int, Player]
    contested_ids: set[int]

    @property
    def contesting(self) -> list[Move]:
        return [move for move in self.moves if move.claimed_player_ids & self.contested_ids]


def _claims(rows: Iterable[Transaction], season: int, week: int) -> _Claims:
    usable: list[Transaction] = []
    ignored: list[IgnoredRow] = []
    for row in sorted(rows, key=lambda r: r.id):
        reason = _ignore_reason(row, season, week)
        if reason is None:
            usable.append(row)
        else:
            ignored.append(IgnoredRow(row, reason))
    moves = group_moves(usable)
    claimants: dict[int, list[str]] = defaultdict(list)
    players: dict[int, Player] = {}
    for move in moves:
        for player_id in sorted(move.claimed_player_ids):
            claimants[player_id].append(move.moveid)
        for row in move.claims:
            players.setdefault(row.player.id, row.player)
    contested_ids = {player_id for player_id, ids in claimants.items() if len(ids) > 1}
    return _Claims(moves, ignored, dict(claimants), players, contested_ids)


def needs_standings(rows: Iterable[Transaction], *, season: int, week: int) -> bool:
    """Whether any player is contested, i.e. whether the thaw must read standings at all."""
    return bool(_claims(rows, season, week).contested_ids)


def plan_thaw(
    rows: Iterable[Transaction],
    standings: Iterable[TeamStandings],
    *,
    season: int,
    week: int,
    key: bytes,
) -> ThawPlan:
    """Decide every frozen move of weeks ``week``..``week + 1``; raises :class:`MissingStandings`."""
    claims = _claims(rows, season, week)
    moves, claimants, players, contested_ids = claims.moves, claims.claimants, claims.players, claims.contested_ids
    contesting = claims.contesting
    contesting_ids = {move.moveid for move in contesting}
    priorities = _priorities(
        (move.team for move in contesting if move.team is not None),
        _standings_by_abbrev(standings),
        key=key,
        season=season,
        week=week,
    )

    granted: dict[int, str] = {}
    decisions: list[MoveDecision] = []
    for move in moves:
        if move.moveid not in contesting_ids:
            granted.update(dict.fromkeys(move.claimed_player_ids, move.moveid))
            decisions.append(MoveDecision(move, accepted=True, priority=priorities.get(_team_key(move.team))))
    for move in sorted(
        contesting,
        key=lambda m: (priorities[_team_key(m.team)].sort_key, m.first_row_id, m.moveid),
    ):
        priority = priorities[_team_key(move.team)]
        taken = sorted(player_id for player_id in move.claimed_player_ids if player_id in granted)
        if taken:
            decisions.append(
                MoveDecision(
                    move,
                    accepted=False,
                    priority=priority,
                    contested_players=tuple(players[player_id] for player_id in taken),
                    lost_to=tuple(dict.fromkeys(granted[player_id] for player_id in taken)),
                )
            )
            continue
        granted.update(dict.fromkeys(move.claimed_player_ids, move.moveid))
        decisions.append(MoveDecision(move, accepted=True, priority=priority))

    contests = tuple(
        Contest(players[player_id], tuple(claimants[player_id]), granted.get(player_id))
        for player_id in sorted(contested_ids, key=lambda pid: (players[pid].name, pid))
    )
    ordered = sorted(priorities.values(), key=lambda p: p.sort_key)
    return ThawPlan(
        season=season,
        week=week,
        decisions=tuple(decisions),
        contests=contests,
        priorities=tuple(ordered),
        ignored=tuple(claims.ignored),
    )


# --- what earlier thaw passes of this freeze already wrote ------------------------------


@dataclass(frozen=True)
class ThawCycle:
    """The markers of one freeze cycle, read from the bot's transaction-log messages.

    A cycle starts with the freeze announcement of the current week (the last
    one the bot posted, if it is in the history read), else at the start of
    this league week. DMs and log embeds minted at or after ``start`` belong to
    this cycle's thaw.
    """

    week: int
    start: datetime
    begun_at: datetime | None
    announced: bool
    logged: frozenset[str]


def thaw_cycle(history: Sequence[BotMessage], *, week: int, fallback_start: datetime) -> ThawCycle:
    """The cycle of week ``week`` in ``history`` (the bot's messages, oldest first)."""
    begun = [message for message in history if message.freeze_week == week]
    begun_at = begun[-1].created if begun else None
    start = begun_at if begun_at is not None else fallback_start
    in_cycle = [message for message in history if message.created >= start]
    return ThawCycle(
        week=week,
        start=start,
        begun_at=begun_at,
        announced=any(message.thaw_week == week for message in in_cycle),
        logged=frozenset(moveid for message in in_cycle for moveid in message.logged_moveids),
    )


def completion_when_freeze_off(cycle: ThawCycle, now: datetime, zone: tzinfo) -> tuple[bool, str]:
    """With the freeze flag already off: whether to post the thaw announcement, and why.

    A thaw clears the flag only after every move is settled, so with the flag
    off the only step an interrupted thaw can have left is its announcement.
    It is posted when this cycle shows the thaw's own work (a log embed of a
    granted move), or when the week's freeze was begun and the thaw time
    (Saturday 00:00 league time) has passed: a freeze that is over gets its
    end announced once. Otherwise (e.g. an admin cleared the flag on Monday and
    thaw is run before Saturday) nothing is done.
    """
    week = cycle.week
    if cycle.announced:
        return False, f"freeze is off and the end of week {week}'s freeze was already announced; nothing to do"
    if cycle.logged:
        return True, f"an interrupted thaw of week {week} logged its moves but did not announce the end of the freeze"
    if cycle.begun_at is not None and now >= league_week(cycle.begun_at, zone).thaw_time:
        return True, f"week {week}'s freeze is off after the thaw time but its end was not announced"
    return False, f"freeze is already off and no interrupted thaw of week {week} is left to complete"
