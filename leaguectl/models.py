"""Typed rows of the league API (reference/league.md §2), parsed strictly.

Every model is a frozen dataclass built with ``from_api(row)``. Parsing rules:

* Unknown extra keys are ignored, so the server may grow new columns.
* A required field that is missing, null or of the wrong type raises
  :class:`ModelError`, whose message names the model, the row id and the field
  (``Transaction id 27787: field 'moveid' is missing``). Errors inside a nested
  model carry the path (``Transaction id 5: player.wara: expected a number, got 'x'``).
  The reference silently substituted sentinel defaults (week 69, freeze true);
  here a missing ``week``/``season``/``freeze`` is an error.
* Numbers and ids may arrive as numeric strings (Discord snowflakes often do).
* Datetimes are ISO 8601 strings. The league API stores naive timestamps, which
  are read in ``naive_tz`` (UTC unless told otherwise), so every datetime in a
  model is aware.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from types import MappingProxyType
from typing import Any, NoReturn, Self, TypeVar

__all__ = [
    "Current",
    "CustomCommand",
    "CustomCommandCreator",
    "ModelError",
    "Player",
    "Team",
    "TeamStandings",
    "Transaction",
]

_MISSING_PROBLEMS = ("is missing", "is null")
_INT_TEXT = re.compile(r"[+-]?\d+")
_TRUE_TEXT = frozenset({"true", "1"})
_FALSE_TEXT = frozenset({"false", "0"})

T = TypeVar("T")


class ModelError(ValueError):
    """A league API row does not fit its model; says which model, row and field."""

    def __init__(self, model: str, row_id: object, field: str, problem: str) -> None:
        self.model = model
        self.row_id = row_id
        self.field = field
        self.problem = problem
        super().__init__(self._message())

    def _message(self) -> str:
        if self.row_id is None:
            who = f"{self.model} (no id)"
        elif isinstance(self.row_id, int):
            who = f"{self.model} id {self.row_id}"
        else:
            who = f"{self.model} id {_show(self.row_id)}"
        if not self.field:
            return f"{who}: {self.problem}"
        if self.problem in _MISSING_PROBLEMS:
            return f"{who}: field '{self.field}' {self.problem}"
        return f"{who}: {self.field}: {self.problem}"


class _Mistyped(Exception):
    """Raised by a converter; the text is the problem, e.g. "expected a number, got 'x'"."""


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(what: str, value: object) -> _Mistyped:
    return _Mistyped(f"expected {what}, got {_show(value)}")


def _to_int(value: object) -> int:
    if isinstance(value, bool):
        raise _expected("an integer", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    raise _expected("an integer", value)


def _to_float(value: object) -> float:
    if isinstance(value, bool):
        raise _expected("a number", value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _expected("a number", value) from None
    else:
        raise _expected("a number", value)
    if not math.isfinite(number):
        raise _expected("a finite number", value)
    return number


def _to_str(value: object) -> str:
    if isinstance(value, str):
        return value
    raise _expected("a string", value)


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_TEXT:
            return True
        if text in _FALSE_TEXT:
            return False
    raise _expected("true or false", value)


def _to_text(value: object) -> str:
    """Any scalar as text (``bet_week``, colours written as bare numbers)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise _expected("a string", value)


def _to_str_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _expected("a list of strings", value)


class _Row:
    """Reads one API row for one model, turning every problem into a :class:`ModelError`."""

    def __init__(self, model: str, data: object, naive_tz: tzinfo) -> None:
        self.model = model
        self.naive_tz = naive_tz
        if not isinstance(data, Mapping):
            raise ModelError(model, None, "", f"expected an object, got {_show(data)}")
        self.data: Mapping[str, Any] = data
        self.row_id: object = data.get("id")

    def fail(self, name: str, problem: str) -> NoReturn:
        raise ModelError(self.model, self.row_id, name, problem)

    def required(self, name: str, convert: Callable[[object], T]) -> T:
        if name not in self.data:
            self.fail(name, "is missing")
        value = self.data[name]
        if value is None:
            self.fail(name, "is null")
        return self._convert(name, value, convert)

    def optional(self, name: str, convert: Callable[[object], T]) -> T | None:
        """A field that may be absent, null or (for ids) an empty string."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        return self._convert(name, value, convert)

    def defaulted(self, name: str, convert: Callable[[object], T], default: T) -> T:
        value = self.optional(name, convert)
        return default if value is None else value

    def lenient(self, name: str, convert: Callable[[object], T]) -> T | None:
        """A field nobody relies on: a bad value reads as absent rather than failing the row."""
        try:
            return self.optional(name, convert)
        except ModelError:
            return None

    def _convert(self, name: str, value: object, convert: Callable[[object], T]) -> T:
        try:
            return convert(value)
        except _Mistyped as exc:
            self.fail(name, str(exc))

    def to_datetime(self, value: object) -> datetime:
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                raise _expected("an ISO 8601 datetime", value) from None
        else:
            raise _expected("an ISO 8601 datetime", value)
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=self.naive_tz)

    def nested(self, name: str, model: Callable[..., T], *, required: bool = True) -> T | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, "is missing" if name not in self.data else "is null")
            return None
        if not isinstance(value, Mapping):
            self.fail(name, f"expected an object, got {_show(value)}")
        try:
            return model(value, naive_tz=self.naive_tz)
        except ModelError as inner:
            path = f"{name}.{inner.field}" if inner.field else name
            raise ModelError(self.model, self.row_id, path, inner.problem) from None

    def nested_required(self, name: str, model: Callable[..., T]) -> T:
        value = self.nested(name, model, required=True)
        assert value is not None  # nested(required=True) raises instead of returning None
        return value


def _frozen_copy(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(copy.deepcopy(dict(data)))


@dataclass(frozen=True, slots=True)
class Current:
    """The live ``current`` row: one row per season, so its ``id`` is what gets PATCHed."""

    id: int
    week: int
    season: int
    freeze: bool
    bet_week: str | None = None
    trade_deadline: int | None = None
    pick_trade_start: int | None = None
    pick_trade_end: int | None = None
    playoffs_begin: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = _Row(cls.__name__, data, naive_tz)
        return cls(
            id=row.required("id", _to_int),
            week=row.required("week", _to_int),
            season=row.required("season", _to_int),
            freeze=row.required("freeze", _to_bool),
            bet_week=row.optional("bet_week", _to_text),
            trade_deadline=row.optional("trade_deadline", _to_int),
            pick_trade_start=row.optional("pick_trade_start", _to_int),
            pick_trade_end=row.optional("pick_trade_end", _to_int),
            playoffs_begin=row.optional("playoffs_begin", _to_int),
        )


@dataclass(frozen=True, slots=True)
class Team:
    """A roster: major league (``NYY``), minor league (``NYYMiL``), injured list, or ``FA``."""

    id: int
    abbrev: str
    sname: str
    lname: str
    season: int
    gmid: int | None = None
    gmid2: int | None = None
    color: str | None = None
    thumbnail: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = _Row(cls.__name__, data, naive_tz)
        return cls(
            id=row.required("id", _to_int),
            abbrev=row.required("abbrev", _to_str),
            sname=row.required("sname", _to_str),
            lname=row.required("lname", _to_str),
            season=row.required("season", _to_int),
            gmid=row.optional("gmid", _to_int),
            gmid2=row.optional("gmid2", _to_int),
            color=row.lenient("color", _to_text),
            thumbnail=row.lenient("thumbnail", _to_str),
        )

    def color_int(self, default: int) -> int:
        """The colour as an RGB integer; ``default`` when absent or unreadable (``#`` is fine)."""
        text = (self.color or "").strip().removeprefix("#")
        if not text:
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
    def gm_ids(self) -> tuple[int, ...]:
        """The Discord ids of the team's GMs (0, 1 or 2), without duplicates."""
        return tuple(dict.fromkeys(gm for gm in (self.gmid, self.gmid2) if gm is not None))


@dataclass(frozen=True, slots=True)
class Player:
    """A player; ``team_id`` is filled from the nested ``team`` when only that is present."""

    id: int
    name: str
    wara: float
    season: int
    pos_1: str
    team_id: int | None = None
    team: Team | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = _Row(cls.__name__, data, naive_tz)
        team: Team | None = None
        team_id = row.optional("team_id", _to_int)
        raw_team = row.data.get("team")
        if isinstance(raw_team, Mapping):
            team = row.nested("team", Team.from_api, required=False)
        elif raw_team is not None:
            # Some payloads carry the team as a bare id; accept it as team_id.
            bare = row.optional("team", _to_int)
            team_id = team_id if team_id is not None else bare
        if team_id is None and team is not None:
            team_id = team.id
        return cls(
            id=row.required("id", _to_int),
            name=row.required("name", _to_str),
            wara=row.required("wara", _to_float),
            season=row.required("season", _to_int),
            pos_1=row.required("pos_1", _to_str),
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
    cancelled: bool
    frozen: bool

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, naive_tz: tzinfo = UTC) -> Self:
        row = _Row(cls.__name__, data, naive_tz)
        return cls(
            id=row.required("id", _to_int),
            week=row.required("week", _to_int),
            season=row.required("season", _to_int),
            moveid=row.required("moveid", _to_str),
            player=row.nested_required("player", Player.from_api),
            oldteam=row.nested_required("oldteam", Team.from_api),
            newteam=row.nested_required("newteam", Team.from_api),
            cancelled=row.required("cancelled", _to_bool),
            frozen=row.required("frozen", _to_bool),
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
    """A team's standings row. Only id, team, wins and losses are required; the rest is informative."""

    id: int
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
        row = _Row(cls.__name__, data, naive_tz)
        return cls(
            id=row.required("id", _to_int),
            team=row.nested_required("team", Team.from_api),
            wins=row.required("wins", _to_int),
            losses=row.required("losses", _to_int),
            run_diff=row.lenient("run_diff", _to_int),
            home_wins=row.lenient("home_wins", _to_int),
            home_losses=row.lenient("home_losses", _to_int),
            away_wins=row.lenient("away_wins", _to_int),
            away_losses=row.lenient("away_losses", _to_int),
            last8_wins=row.lenient("last8_wins", _to_int),
            last8_losses=row.lenient("last8_losses", _to_int),
            streak_wl=row.lenient("streak_wl", _to_str),
            streak_num=row.lenient("streak_num", _to_int),
            div_gb=row.lenient("div_gb", _to_float),
            wc_gb=row.lenient("wc_gb", _to_float),
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
        row = _Row(cls.__name__, data, naive_tz)
        return cls(
            id=row.required("id", _to_int),
            discord_id=row.required("discord_id", _to_int),
            username=row.required("username", _to_str),
            display_name=row.optional("display_name", _to_str),
            created_at=row.optional("created_at", row.to_datetime),
            total_commands=row.defaulted("total_commands", _to_int, 0),
            active_commands=row.defaulted("active_commands", _to_int, 0),
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
        row = _Row(cls.__name__, data, naive_tz)
        creator = row.nested("creator", CustomCommandCreator.from_api, required=False)
        creator_id = row.optional("creator_id", _to_int)
        if creator_id is None and creator is not None:
            creator_id = creator.id
        return cls(
            id=row.required("id", _to_int),
            name=row.required("name", _to_str),
            content=row.required("content", _to_str),
            created_at=row.required("created_at", row.to_datetime),
            creator_id=creator_id,
            creator=creator,
            updated_at=row.optional("updated_at", row.to_datetime),
            last_used=row.optional("last_used", row.to_datetime),
            use_count=row.defaulted("use_count", _to_int, 0),
            warning_sent=row.defaulted("warning_sent", _to_bool, False),
            is_active=row.defaulted("is_active", _to_bool, True),
            tags=row.optional("tags", _to_str_tuple),
            raw=_frozen_copy(row.data),
        )
