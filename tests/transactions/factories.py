"""Builders for league models in transaction tests (the reference's fixture teams and players)."""

from __future__ import annotations

from typing import Any

from leaguectl.models import Player, Team, TeamStandings, Transaction

SEASON = 12
FA = Team(id=999, abbrev="FA", sname="Free Agents", lname="Free Agents", season=SEASON)
WV = Team(
    id=499, abbrev="WV", sname="Black Bears", lname="West Virginia Black Bears", season=SEASON,
    gmid=111111, gmid2=222222, color="2f4f4f",
)
WVMIL = Team(id=501, abbrev="WVMiL", sname="Black Bears MiL", lname="West Virginia Minors", season=SEASON)
NY = Team(id=500, abbrev="NY", sname="Yankees", lname="New York Yankees", season=SEASON, gmid=333333, color="#0c2340")
BOS = Team(id=502, abbrev="BOS", sname="Pilgrims", lname="Boston Pilgrims", season=SEASON, gmid=444444)
TEAMS = {team.abbrev: team for team in (FA, WV, WVMIL, NY, BOS)}


def player(player_id: int, name: str, wara: float = 1.0, team: Team | None = None) -> Player:
    return Player(
        id=player_id, name=name, wara=wara, season=SEASON, pos_1="CF",
        team_id=None if team is None else team.id, team=team,
    )


TROUT = player(12472, "Mike Trout", 2.5)
ACUNA = player(12473, "Ronald Acuna", 2.0)
BETTS = player(12474, "Mookie Betts", 1.8)

_next_id = [1000]


def row(
    moveid: str,
    who: Player,
    old: str,
    new: str,
    *,
    week: int = 11,
    frozen: bool = True,
    cancelled: bool = False,
    row_id: int | None = None,
    season: int = SEASON,
) -> Transaction:
    """One transaction row; ``old``/``new`` are abbrevs of the fixture teams."""
    if row_id is None:
        _next_id[0] += 1
        row_id = _next_id[0]
    return Transaction(
        id=row_id, week=week, season=season, moveid=moveid, player=who,
        oldteam=TEAMS[old], newteam=TEAMS[new], cancelled=cancelled, frozen=frozen,
    )


def standing(team: Team, wins: int, losses: int, **extra: Any) -> TeamStandings:
    return TeamStandings(id=team.id + 10000, team=team, wins=wins, losses=losses, **extra)
