"""Scenario files: the sandbox's scenario schema as TOML (or JSON), with relative times.

The built-in demo league (`scenarios/demo.toml`) and `leaguectl sandbox
--scenario FILE` both go through here. A file is the scenario dict of
README.md ("Scenario schema") plus three things a hand-written league needs:

* `${...}` placeholders in any string, resolved by `reltime` against a
  reference instant and the file's `timezone` (`${monday + 5d}`, `${now - 70d | naive}`);
* a `[times]` table of named times (`thaw = "monday + 5d"`) that later
  entries and placeholders may use; it is not part of the resulting scenario;
* TOML dates and times, taken as absolute times (naive ones as UTC).

The reference instant is the file's own `now` when that is an absolute time,
else the instant the caller passes (the real time, or leaguectl's `--now`).
Every problem is a :class:`ScenarioFileError` naming the file, the place in it
(`discord.messages[3].timestamp`) and what is wrong.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from leaguectl.sandbox.errors import ScenarioError
from leaguectl.sandbox.reltime import (
    TimeFrame,
    TimeSyntaxError,
    check_name,
    evaluate,
    format_time,
    has_placeholder,
    render,
    zone_named,
)

JSON = dict[str, Any]
Kind = Literal["toml", "json"]

DEMO_FILE = "scenarios/demo.toml"
"""The demo league, as package data of `leaguectl.sandbox`."""
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ScenarioFileError(ScenarioError):
    """A scenario file that cannot be used; the message names the file, the place in it and the problem."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        super().__init__(f"{source}: {where}: {problem}" if where else f"{source}: {problem}")


def read_scenario_file(path: Path, *, now: datetime) -> JSON:
    """Read a `.toml` or `.json` scenario file and resolve its relative times against `now`."""
    kind: Kind
    if path.suffix.lower() == ".toml":
        kind = "toml"
    elif path.suffix.lower() == ".json":
        kind = "json"
    else:
        raise ScenarioFileError(str(path), "", "a scenario file must end in .toml or .json")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioFileError(str(path), "", f"cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ScenarioFileError(str(path), "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_scenario_text(text, kind=kind, source=str(path), now=now)


def demo_scenario_text() -> str:
    """The demo league's TOML, read through importlib.resources (so it works from a wheel)."""
    return resources.files("leaguectl.sandbox").joinpath(DEMO_FILE).read_text(encoding="utf-8")


def parse_scenario_text(text: str, *, kind: Kind, source: str, now: datetime) -> JSON:
    """Parse a scenario document and resolve it; every problem is a ScenarioFileError."""
    try:
        document: Any = tomllib.loads(text) if kind == "toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioFileError(source, "", f"not valid TOML ({exc})") from None
    except ValueError as exc:
        raise ScenarioFileError(source, "", f"not valid JSON ({exc})") from None
    except RecursionError:
        raise ScenarioFileError(source, "", "nested too deeply") from None
    if not isinstance(document, dict):
        raise ScenarioFileError(source, "", f"the top level must be a {kind.upper()} table/object (a scenario)")
    return resolve_scenario(document, source=source, now=now)


def resolve_scenario(document: Mapping[str, Any], *, source: str, now: datetime) -> JSON:
    """The scenario with `[times]` evaluated and every `${...}` placeholder and TOML time made a string."""
    resolver = _Resolver(source)
    zone = resolver.zone(document.get("timezone", "UTC"))
    frame = TimeFrame(resolver.reference(document.get("now"), now), zone)
    frame = resolver.named_times(document.get("times"), frame)
    try:
        return {key: resolver.value(value, frame, key) for key, value in document.items() if key != "times"}
    except RecursionError:
        raise ScenarioFileError(source, "", "nested too deeply") from None


class _Resolver:
    """Walks one document; knows its source name for error messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> ScenarioFileError:
        return ScenarioFileError(self.source, where, problem)

    def zone(self, value: Any) -> ZoneInfo:
        if not isinstance(value, str):
            raise self.fail("timezone", f"expected a time zone name such as America/New_York, got {value!r}")
        try:
            return zone_named(value)
        except TimeSyntaxError as exc:
            raise self.fail("timezone", str(exc)) from None

    def reference(self, value: Any, default: datetime) -> datetime:
        """The file's absolute `now`, else `default`; a `${...}` now is rendered later like any string."""
        if value is None or (isinstance(value, str) and has_placeholder(value)):
            return default
        if isinstance(value, datetime):
            return _aware(value)
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                moment = None
            if moment is not None:
                return _aware(moment)
        raise self.fail("now", f"expected an ISO 8601 time or a ${{...}} placeholder, got {value!r}")

    def named_times(self, table: Any, frame: TimeFrame) -> TimeFrame:
        """Evaluate `[times]` top to bottom; each entry may use the ones above it."""
        if table is None:
            return frame
        if not isinstance(table, dict):
            raise self.fail("times", 'expected a table of name = "expression" entries')
        for name, expression in table.items():
            where = f"times.{name}"
            try:
                check_name(name)
                frame = frame.with_name(name, self.named_time(expression, frame, where))
            except TimeSyntaxError as exc:
                raise self.fail(where, str(exc)) from None
        return frame

    def named_time(self, expression: Any, frame: TimeFrame, where: str) -> datetime:
        if isinstance(expression, datetime):
            return _aware(expression)
        if not isinstance(expression, str):
            raise self.fail(where, f'expected an expression such as "monday + 5d", got {expression!r}')
        if "${" in expression:
            raise self.fail(where, "write the expression itself (monday + 5d), without ${ }")
        return evaluate(expression, frame)

    def value(self, value: Any, frame: TimeFrame, where: str) -> Any:
        """One value with its placeholders resolved; `where` is its path for errors."""
        if isinstance(value, str | datetime):
            try:
                return render(value, frame) if isinstance(value, str) else format_time(_aware(value), "iso")
            except TimeSyntaxError as exc:
                raise self.fail(where, str(exc)) from None
        if isinstance(value, dict):
            return {key: self.value(item, frame, _child(where, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item, frame, f"{where}[{number}]") for number, item in enumerate(value)]
        if isinstance(value, date | time):
            return value.isoformat()
        return value


def _aware(moment: datetime) -> datetime:
    """Naive times in a scenario are UTC (as the sandbox reads them)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _child(where: str, key: Any) -> str:
    text = str(key)
    return f"{where}.{text}" if _PLAIN_KEY.fullmatch(text) else f"{where}[{text!r}]"
