"""Typed rows of the league API (reference/league.md §2), parsed strictly where it matters.

Every model is a frozen dataclass built with ``from_api(row)``. Parsing rules:

* Unknown extra keys are ignored, so the server may grow new columns.
* A required field that is missing, null or of the wrong type raises
  :class:`ModelError`, whose message names the model, the row id and the field
  (``Transaction id 27787: field 'moveid' is missing``). Errors inside a nested
  model carry the path (``Transaction id 5: player.wara: expected a number, got 'x'``).
  Nothing but a model or a :class:`ModelError` comes out of ``from_api``,
  whatever JSON goes in (huge numbers, deep nesting, wrong types included).
* Numbers and ids may arrive as numeric strings (Discord snowflakes often do).
* Datetimes are ISO 8601 strings. The league API stores naive timestamps, which
  are read in ``naive_tz`` (UTC unless told otherwise), so every datetime in a
  model is aware.

What may be omitted (audited against the bot's models, calcorum/major-domo-v2
``models/*.py``, and reference/league.md §2). The rule: a field the league API
or the bot treats as optional is optional here, with the bot's default; a field
whose default would be a guess that changes a decision stays required; a field
leaguectl never decides on is read leniently (a bad value reads as absent), so
it cannot fail a row.

``Current``
    ``id`` required: it is the row freeze/thaw PATCH (guessing it was the
    reference's 60x-spam bug). ``week``, ``season``, ``freeze`` required: the
    bot's defaults 69/69/true are sentinels that would enter or thaw the wrong
    week. Odd values are errors too: a week outside 0..``MAX_WEEK`` or a season
    below 1. ``bet_week`` defaults to ``'sheets'`` and takes any scalar as text;
    ``trade_deadline``, ``pick_trade_start``, ``pick_trade_end``,
    ``playoffs_begin`` default to the bot's 1/69/420/420; leaguectl uses none of
    them, so they are lenient.
``Transaction``
    ``id``, ``week``, ``season``, ``moveid`` (not blank: it names the PATCH
    path), ``player``, ``oldteam``, ``newteam`` required, as in the bot.
    ``cancelled`` and ``frozen`` default to false when absent, as in the bot
    (the API filters rows on them, so an absent flag means what the query asked
    for); a present but unreadable flag is an error.
``Player``
    ``id``, ``name`` required (identity; every text names the player); ``wara``
    required (the transaction log shows it; 0.00 would be a false statement).
    ``season`` and ``pos_1`` (required by the bot) are optional: leaguectl
    never reads them. ``team_id`` is strict when present (freeze-begin decides
    from it); a nested ``team`` that does not parse is dropped, its ``id`` still
    read when it can be, so an absent team means "on no known team", which
    freeze-begin reports as a conflict rather than moving anyone.
``Team``
    ``id`` and ``abbrev`` (not blank) required: FA, minor-league parent and
    standings matching are decided from them. ``sname``/``lname`` (required by
    the bot) only label texts: each falls back to the other, then to the
    abbreviation. ``season`` optional. ``gmid``/``gmid2`` optional, but when
    present must be Discord user ids (positive integers): a cancellation is told
    to them, so an unreadable GM fails the row rather than skipping the DM.
    ``color``, ``thumbnail`` lenient.
``TeamStandings``
    ``team``, ``wins``, ``losses`` required and not negative: a default would
    change a contest's winner. ``id`` optional (only reported); every other
    column lenient (the bot requires them all but leaguectl reads none).
``CustomCommand``/``CustomCommandCreator``
    As the bot: command ``id``, ``name``, ``content``, ``created_at`` required,
    ``use_count`` 0, ``warning_sent`` false, ``is_active`` true; creator ``id``,
    ``discord_id``, ``username`` required, counts 0. The creator's
    ``created_at`` (required by the bot) is optional: cleanup never reads it.

The models are built with :mod:`leaguectl.model_fields` (the field converters
and the row reader that turns every problem into a :class:`ModelError`, which
is re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Self

from leaguectl.model_fields import (
    Mistyped,
    ModelError,
    Row,
    frozen_copy,
    to_bool,
    to_count,
    to_float,
    to_int,
    to_name,
    to_str,
    to_str_tuple,
    to_text,
    to_user_id,
)

__all__ = [
    "MAX_WEEK",
    "Current",
    "CustomCommand",
    "CustomCommandCreator",
    "ModelError",
    "Player",
    "Team",
    "TeamStandings",
    "Transaction",
]

#: The largest ``current.week`` taken as real: far beyond any season (18 weeks plus playoffs).
MAX_WEEK = 1000
@dataclass(frozen=True, slots=True)
class Current:
    """The live ``current`` row: one row per season, so its ``id`` is what gets PATCHed."""

    id: int
    week: int
    season: int
    freeze: bool
    bet_week: str = "sheets"
    trade_deadline: int = 1
    pick_trade_start: int = 69
    pick_trade_end: int = 420
    playoffs_begin: int = 420

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = Row(cls.__name__, data, naive_tz)
        week = row.required("week", to_int)
        if not 0 <= week <= MAX_WEEK:
            row.fail("week", f"{week} is not a league week (0..{MAX_WEEK})")
        season = row.required("season", to_int)
        if season < 1:
            row.fail("season", f"{season} is not a season (1 or more)")
        return cls(
            id=row.required("id", to_int),
            week=week,
            season=season,
            freeze=row.required("freeze", to_bool),
            bet_week=row.lenient_default("bet_week", to_text, "sheets"),
            trade_deadline=row.lenient_default("trade_deadline", to_int, 1),
            pick_trade_start=row.lenient_default("pick_trade_start", to_int, 69),
            pick_trade_end=row.lenient_default("pick_trade_end", to_int, 420),
            playoffs_begin=row.lenient_default("playoffs_begin", to_int, 420),
        )


@dataclass(frozen=True, slots=True)
class Team:
    """A roster: major league (``NYY``), minor league (``NYYMiL``), injured list, or ``FA``."""

    id: int
    abbrev: str
    sname: str
    lname: str
    season: int | None = None
    gmid: int | None = None
    gmid2: int | None = None
    color: str | None = None
    thumbnail: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = Row(cls.__name__, data, naive_tz)
        abbrev = row.required("abbrev", to_name)
        sname = row.lenient("sname", to_name)
        lname = row.lenient("lname", to_name)
        return cls(
            id=row.required("id", to_int),
            abbrev=abbrev,
            sname=sname or lname or abbrev,
            lname=lname or sname or abbrev,
            season=row.lenient("season", to_int),
            gmid=row.optional("gmid", to_user_id),
            gmid2=row.optional("gmid2", to_user_id),
            color=row.lenient("color", to_text),
            thumbnail=row.lenient("thumbnail", to_str),
        )

    def color_int(self, default: int) -> int:
        """The colour as an RGB integer; ``default`` when absent or unreadable (``#`` is fine)."""
        text = (self.color or "").strip().removeprefix("#")
        if not text or len(text) > 8:
            return default
        try:
            value = int(text, 16)
        except ValueError:
            return default
        return value if 0 <= value <= 0xFFFFFF else default

    @property
    def base_abbrev(self) -> str:
        """The parent team's abbreviation: a minor-league roster counts as its parent for standings."""
        base = self.abbrev.removesuffix("MiL")
        return base or self.abbrev

    @property
    def is_free_agent(self) -> bool:
        return self.abbrev.strip().upper() == "FA"

    @property
    def label(self) -> str:
        """How people read the team: ``WV (Black Bears)``, or the abbreviation alone."""
        name = self.sname.strip()
        return self.abbrev if not name or name == self.abbrev else f"{self.abbrev} ({name})"

    @property
    def gm_ids(self) -> tuple[int, ...]:
        """The Discord ids of the team's GMs (0, 1 or 2), without duplicates."""
        return tuple(dict.fromkeys(gm for gm in (self.gmid, self.gmid2) if gm is not None))


def _team_id_of(value: object) -> int | None:
    """The team id inside a player's ``team`` field (an object or a bare id), if it can be read."""
    if isinstance(value, Mapping):
        value = value.get("id")
    if value is None:
        return None
    try:
        return to_int(value)
    except Mistyped:
        return None


@dataclass(frozen=True, slots=True)
class Player:
    """A player; ``team_id`` is filled from the nested ``team`` when only that is present."""

    id: int
    name: str
    wara: float
    season: int | None = None
    pos_1: str | None = None
    team_id: int | None = None
    team: Team | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = Row(cls.__name__, data, naive_tz)
        raw_team = row.data.get("team")
        team: Team | None = None
        if isinstance(raw_team, Mapping):
            try:
                team = Team.from_api(raw_team, naive_tz=naive_tz)
            except ModelError:
                team = None  # only its id matters here, read below
        team_id = row.optional("team_id", to_int)
        if team_id is None:
            team_id = team.id if team is not None else _team_id_of(raw_team)
        return cls(
            id=row.required("id", to_int),
            name=row.required("name", to_name),
            wara=row.required("wara", to_float),
            season=row.lenient("season", to_int),
            pos_1=row.lenient("pos_1", to_str),
            team_id=team_id,
            team=team,
        )


@dataclass(frozen=True, slots=True)
class Transaction:
    """One row of a move; a multi-player move is several rows sharing a ``moveid``."""

    id: int
    week: int
    season: int
    moveid: str
    player: Player
    oldteam: Team
    newteam: Team
    cancelled: bool = False
    frozen: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = Row(cls.__name__, data, naive_tz)
        return cls(
            id=row.required("id", to_int),
            week=row.required("week", to_int),
            season=row.required("season", to_int),
            moveid=row.required("moveid", to_name),
            player=row.nested_required("player", Player.from_api),
            oldteam=row.nested_required("oldteam", Team.from_api),
            newteam=row.nested_required("newteam", Team.from_api),
            cancelled=row.defaulted("cancelled", to_bool, False),
            frozen=row.defaulted("frozen", to_bool, False),
        )

    @property
    def is_pending(self) -> bool:
        """Neither frozen nor cancelled: what freeze-begin executes."""
        return not self.frozen and not self.cancelled

    @property
    def is_drop(self) -> bool:
        """A release to free agency, which never contests anything."""
        return self.newteam.is_free_agent


@dataclass(frozen=True, slots=True)
class TeamStandings:
    """A team's standings row. Only team, wins and losses are required; the rest is informative."""

    id: int | None
    team: Team
    wins: int
    losses: int
    run_diff: int | None = None
    home_wins: int | None = None
    home_losses: int | None = None
    away_wins: int | None = None
    away_losses: int | None = None
    last8_wins: int | None = None
    last8_losses: int | None = None
    streak_wl: str | None = None
    streak_num: int | None = None
    div_gb: float | None = None
    wc_gb: float | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = Row(cls.__name__, data, naive_tz)
        return cls(
            id=row.lenient("id", to_int),
            team=row.nested_required("team", Team.from_api),
            wins=row.required("wins", to_count),
            losses=row.required("losses", to_count),
            run_diff=row.lenient("run_diff", to_int),
            home_wins=row.lenient("home_wins", to_int),
            home_losses=row.lenient("home_losses", to_int),
            away_wins=row.lenient("away_wins", to_int),
            away_losses=row.lenient("away_losses", to_int),
            last8_wins=row.lenient("last8_wins", to_int),
            last8_losses=row.lenient("last8_losses", to_int),
            streak_wl=row.lenient("streak_wl", to_str),
            streak_num=row.lenient("streak_num", to_int),
            div_gb=row.lenient("div_gb", to_float),
            wc_gb=row.lenient("wc_gb", to_float),
        )

    @property
    def win_pct(self) -> float:
        """Wins over games played; 0.0 before the first game."""
        games = self.wins + self.losses
        return self.wins / games if games > 0 else 0.0


@dataclass(frozen=True, slots=True)
class CustomCommandCreator:
    """The owner of custom commands; ``discord_id`` is whom cleanup DMs."""

    id: int
    discord_id: int
    username: str
    display_name: str | None = None
    created_at: datetime | None = None
    total_commands: int = 0
    active_commands: int = 0

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = Row(cls.__name__, data, naive_tz)
        return cls(
            id=row.required("id", to_int),
            discord_id=row.required("discord_id", to_int),
            username=row.required("username", to_str),
            display_name=row.optional("display_name", to_str),
            created_at=row.optional("created_at", row.to_datetime),
            total_commands=row.defaulted("total_commands", to_int, 0),
            active_commands=row.defaulted("active_commands", to_int, 0),
        )


@dataclass(frozen=True, slots=True)
class CustomCommand:
    """A custom command. ``raw`` keeps the row exactly as served so a PUT can send every field back."""

    id: int
    name: str
    content: str
    created_at: datetime
    creator_id: int | None = None
    creator: CustomCommandCreator | None = None
    updated_at: datetime | None = None
    last_used: datetime | None = None
    use_count: int = 0
    warning_sent: bool = False
    is_active: bool = True
    tags: tuple[str, ...] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = Row(cls.__name__, data, naive_tz)
        creator = row.nested("creator", CustomCommandCreator.from_api, required=False)
        creator_id = row.optional("creator_id", to_int)
        if creator_id is None and creator is not None:
            creator_id = creator.id
        return cls(
            id=row.required("id", to_int),
            name=row.required("name", to_str),
            content=row.required("content", to_str),
            created_at=row.required("created_at", row.to_datetime),
            creator_id=creator_id,
            creator=creator,
            updated_at=row.optional("updated_at", row.to_datetime),
            last_used=row.optional("last_used", row.to_datetime),
            use_count=row.defaulted("use_count", to_int, 0),
            warning_sent=row.defaulted("warning_sent", to_bool, False),
            is_active=row.defaulted("is_active", to_bool, True),
            tags=row.optional("tags", to_str_tuple),
            raw=frozen_copy(row),
        )
