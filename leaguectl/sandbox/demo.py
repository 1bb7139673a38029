"""The built-in demo league: `scenarios/demo.toml`, placed around a start instant.

The league itself is data (package data next to this module, in the scenario
file format of README.md): season 13, week 10, freeze off, contested claims and
trades for week 11, live and final scorecards, stale custom commands and a
tasks channel. Its times are relative, so `demo_scenario(now)` always gives a
world shortly before the next Monday 00:00 league time (America/New_York) at
or after `now`. The scenario's `demo` section says when each pass of the week
runs and what each pass must do; `leaguectl demo` plans and checks from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leaguectl.sandbox.scenario_file import DEMO_FILE, demo_scenario_text, parse_scenario_text

DEMO_SOURCE = f"leaguectl/sandbox/{DEMO_FILE}"
"""How errors and docs name the demo league's file."""


def demo_scenario(now: datetime) -> dict[str, Any]:
    """The demo league as a scenario dict, its relative times resolved against `now` (aware)."""
    if now.tzinfo is None:
        raise ValueError("demo_scenario needs an aware datetime")
    return parse_scenario_text(demo_scenario_text(), kind="toml", source=DEMO_SOURCE, now=now)
