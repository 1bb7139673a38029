"""Reading a thaw's input, and holding what cannot be decided safely (pure).

Which rows count and which players each move claims; moves linked by a common
claimed player (groups); the standings by team and why a team's priority
cannot be read; and the holds: a group is held whole when a broken row, a
linked held move or an unreadable priority leaves its outcome open. The rules
are in :mod:`leaguectl.transactions.thaw_plan`, which decides the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from leaguectl.models import Player, Team, TeamStandings, Transaction
from leaguectl.transactions.thaw_moves import BrokenRow, BrokenStandings, IgnoredRow, Move, group_moves


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


def team_key_of(team: Team | None) -> str:
    """The key a team is ranked and looked up by: its parent's abbreviation (``WVMiL`` counts as ``WV``)."""
    return team.base_abbrev.strip().upper() if team is not None else ""


@dataclass(frozen=True)
class StandingsByTeam:
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


def read_standings(standings: Iterable[TeamStandings], broken: Sequence[BrokenStandings]) -> StandingsByTeam:
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
    return StandingsByTeam(rows, problems, unknown, tuple(notes))


@dataclass(frozen=True)
class Claims:
    """The rows that count, grouped into moves, and who claims which player."""

    moves: list[Move]
    ignored: list[IgnoredRow]
    claimants: dict[int, list[Move]]
    players: dict[int, Player]
    contested_ids: set[int]


def read_claims(rows: Iterable[Transaction], season: int, week: int) -> Claims:
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
    return Claims(moves, ignored, dict(claimants), players, contested_ids)


def linked_groups(moves: Sequence[Move]) -> list[list[Move]]:
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


@dataclass
class Holds:
    """Why each move is held, collected before any decision."""

    reasons: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, moveid: str, reason: str) -> None:
        if reason not in self.reasons[moveid]:
            self.reasons[moveid].append(reason)


def broken_row_holds(claims: Claims, broken: Sequence[BrokenRow], holds: Holds) -> tuple[list[BrokenRow], bool]:
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


def group_holds(groups: Sequence[Sequence[Move]], holds: Holds, *, anything: str | None) -> set[str]:
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


def standings_holds(
    groups: Sequence[Sequence[Move]], held: set[str], standings: StandingsByTeam, holds: Holds
) -> None:
    """Hold contested groups in which a contesting team's priority cannot be read."""
    for group in groups:
        if len(group) < 2 or any(move.moveid in held for move in group):
            continue
        problems = sorted(
            {problem for move in group if (problem := standings.problem(team_key_of(move.team))) is not None}
        )
        if not problems:
            continue
        for move in group:
            held.add(move.moveid)
            for problem in problems:
                holds.add(move.moveid, problem)
