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
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from leaguectl.models import Player, Team, TeamStandings, Transaction
from leaguectl.transactions.markers import BotMessage
from leaguectl.transactions.week import CLOCK_TOLERANCE, league_week

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


def _team_key(team: Team | None) -> str:
    return team.base_abbrev.strip().upper() if team is not None else ""


@dataclass(frozen=True)
class _Standings:
    """Standings by team key, and why a team's priority cannot be read (no guessing)."""

    rows: dict[str, TeamStandings]
    problems: dict[str, str]
    unknown_problem: str | None  # a broken row whose team cannot be read: it may be any team's
    notes: tuple[str, ...]

    def problem(self, key: str) -> str | None:
        if key in self.problems:
            return self.problems[key]
        if self.unknown_problem is not None:
            return self.unknown_problem
        if key not in self.rows:
            return f"no standings row for {key}; its priority cannot be decided"
        return None


def _read_standings(standings: Iterable[TeamStandings], broken: Sequence[BrokenStandings]) -> _Standings:
    by_key: dict[str, list[TeamStandings]] = defaultdict(list)
    for row in standings:
        by_key[row.team.abbrev.strip().upper()].append(row)
    rows: dict[str, TeamStandings] = {}
    problems: dict[str, str] = {}
    notes: list[str] = []
    for key, found in by_key.items():
        records = {(row.team.id, row.wins, row.losses) for row in found}
        if len(records) > 1:
            shown = "; ".join(f"row {row.id}: {row.wins}-{row.losses}" for row in found)
            problems[key] = f"{len(found)} standings rows for {key} disagree ({shown}); refusing to guess which counts"
            continue
        if len(found) > 1:
            notes.append(f"{len(found)} identical standings rows for {key}; one is used")
        rows[key] = found[0]
    unknown: str | None = None
    for bad in broken:
        if bad.abbrev is None:
            unknown = f"a standings row cannot be read and may be this team's ({bad.problem})"
            continue
        key = bad.abbrev.strip().upper().removesuffix("MIL") or bad.abbrev.strip().upper()
        problems.setdefault(key, f"a standings row for {key} cannot be read ({bad.problem})")
    return _Standings(rows, problems, unknown, tuple(notes))


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


@dataclass(frozen=True)
class _Claims:
    moves: list[Move]
    ignored: list[IgnoredRow]
    claimants: dict[int, list[Move]]
    players: dict[int, Player]
    contested_ids: set[int]


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
    claimants: dict[int, list[Move]] = defaultdict(list)
    players: dict[int, Player] = {}
    for move in moves:
        for player_id in sorted(move.claimed_player_ids):
            claimants[player_id].append(move)
        for row in move.claims:
            players.setdefault(row.player.id, row.player)
    contested_ids = {player_id for player_id, found in claimants.items() if len(found) > 1}
    return _Claims(moves, ignored, dict(claimants), players, contested_ids)


def _groups(moves: Sequence[Move]) -> list[list[Move]]:
    """Moves linked by a common claimed player, transitively (connected components), in move order."""
    parent = {move.moveid: move.moveid for move in moves}

    def root(moveid: str) -> str:
        while parent[moveid] != moveid:
            parent[moveid] = parent[parent[moveid]]
            moveid = parent[moveid]
        return moveid

    first_claimant: dict[int, str] = {}
    for move in moves:
        for player_id in move.claimed_player_ids:
            other = first_claimant.setdefault(player_id, move.moveid)
            parent[root(move.moveid)] = root(other)
    groups: dict[str, list[Move]] = defaultdict(list)
    for move in moves:
        groups[root(move.moveid)].append(move)
    return list(groups.values())


def needs_standings(rows: Iterable[Transaction], *, season: int, week: int) -> bool:
    """Whether any player is contested, i.e. whether the thaw must read standings at all."""
    return bool(_claims(rows, season, week).contested_ids)


@dataclass
class _Holds:
    """Why each move is held, collected before any decision."""

    reasons: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, moveid: str, reason: str) -> None:
        if reason not in self.reasons[moveid]:
            self.reasons[moveid].append(reason)


def _broken_row_holds(claims: _Claims, broken: Sequence[BrokenRow], holds: _Holds) -> tuple[list[BrokenRow], bool]:
    """Hold moves with a broken row; returns the broken rows of no known move, and whether one could be any claim."""
    by_moveid = {move.moveid: move for move in claims.moves}
    tainted: dict[int, str] = {}
    unplaced: list[BrokenRow] = []
    anything = False
    for bad in broken:
        if bad.moveid is not None:
            holds.add(bad.moveid, bad.describe())
            move = by_moveid.get(bad.moveid)
            for player_id in move.claimed_player_ids if move is not None else ():
                tainted.setdefault(player_id, f"a rival move has an unreadable row ({bad.describe()})")
        else:
            unplaced.append(bad)
        if bad.player_id is not None:
            tainted.setdefault(bad.player_id, f"{bad.describe()} names this player")
        elif bad.moveid is None:
            anything = True
    for move in claims.moves:
        for player_id in sorted(move.claimed_player_ids & tainted.keys()):
            holds.add(move.moveid, tainted[player_id])
    return unplaced, anything


def _group_holds(groups: Sequence[Sequence[Move]], holds: _Holds, *, anything: str | None) -> set[str]:
    """Extend holds to whole groups; returns the held moveids."""
    held: set[str] = set()
    for group in groups:
        reasons = [reason for move in group for reason in holds.reasons.get(move.moveid, ())]
        group_reason = anything if anything is not None and any(move.claims for move in group) else None
        if not reasons and group_reason is None:
            continue
        for move in group:
            held.add(move.moveid)
            if group_reason is not None:
                holds.add(move.moveid, group_reason)
            elif not holds.reasons.get(move.moveid):
                holds.add(move.moveid, f"linked by a claimed player to a held move ({reasons[0]})")
    return held


def _standings_holds(
    groups: Sequence[Sequence[Move]], held: set[str], standings: _Standings, holds: _Holds
) -> None:
    """Hold contested groups in which a contesting team's priority cannot be read."""
    for group in groups:
        if len(group) < 2 or any(move.moveid in held for move in group):
            continue
        problems = sorted(
            {problem for move in group if (problem := standings.problem(_team_key(move.team))) is not None}
        )
        if not problems:
            continue
        for move in group:
            held.add(move.moveid)
            for problem in problems:
                holds.add(move.moveid, problem)


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
    claims = _claims(rows, season, week)
    holds = _Holds()
    unplaced, anything = _broken_row_holds(claims, broken, holds)
    groups = _groups(claims.moves)
    anything_reason = "a transaction row without a readable moveid or player may claim any player" if anything else None
    held = _group_holds(groups, holds, anything=anything_reason)
    table = _read_standings(standings, broken_standings)
    _standings_holds(groups, held, table, holds)

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
    groups: Sequence[Sequence[Move]], table: _Standings, *, key: bytes, season: int, week: int
) -> tuple[list[MoveDecision], dict[str, TeamPriority]]:
    """The greedy grant of SPEC §2.2 over the groups that can be decided."""
    priorities = {
        team_key: _priority(table.rows[team_key], key=key, season=season, week=week)
        for group in groups
        if len(group) > 1
        for team_key in (_team_key(move.team) for move in group)
    }
    decisions: list[MoveDecision] = []
    contesting: list[Move] = []
    for group in groups:
        if len(group) == 1:
            (move,) = group
            decisions.append(MoveDecision(move, accepted=True, priority=priorities.get(_team_key(move.team))))
        else:
            contesting.extend(group)
    granted: dict[int, Move] = {}
    for decision in decisions:
        granted.update(dict.fromkeys(decision.move.claimed_player_ids, decision.move))
    for move in sorted(contesting, key=lambda m: (priorities[_team_key(m.team)].sort_key, m.first_row_id, m.moveid)):
        priority = priorities[_team_key(move.team)]
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


# --- what earlier thaw passes of this freeze already wrote ------------------------------


@dataclass(frozen=True)
class ThawCycle:
    """The markers of one freeze cycle, read from the bot's transaction-log messages.

    A cycle starts with the freeze announcement of the current week (the last
    one the bot posted, if it is in the history read), else at the start of
    this league week less :data:`CLOCK_TOLERANCE`. DMs and log embeds minted at
    or after ``start`` belong to this cycle's thaw. The start is a Discord time
    (a snowflake's) whenever the announcement is found, so the host clock does
    not move it.
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
    thaw is forced before Saturday) nothing is done.
    """
    week = cycle.week
    if cycle.announced:
        return False, f"freeze is off and the end of week {week}'s freeze was already announced; nothing to do"
    if cycle.logged:
        return True, f"an interrupted thaw of week {week} logged its moves but did not announce the end of the freeze"
    # The announcement's time is Discord's: a host clock up to CLOCK_TOLERANCE ahead may have posted it
    # just before Monday 00:00, and it still belongs to the week that Monday starts.
    if cycle.begun_at is not None and now >= league_week(cycle.begun_at + CLOCK_TOLERANCE, zone).thaw_time:
        return True, f"week {week}'s freeze is off after the thaw time but its end was not announced"
    return False, f"freeze is already off and no interrupted thaw of week {week} is left to complete"
