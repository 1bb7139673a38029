"""Provenance: which source each setting came from, and the sources that disagree.

``doctor`` and ``-v`` use it to say which source won when two give different values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leaguectl.errors import ConfigError
from leaguectl.settings_fields import SETTING_FIELDS, Settings, setting_field
from leaguectl.settings_sources import Origin
from leaguectl.settings_values import convert_setting


@dataclass(frozen=True)
class Traced:
    """Settings plus where each one came from (``origins[attribute]``, highest precedence first)."""

    settings: Settings
    origins: Mapping[str, list[Origin]]

    def source_of(self, attribute: str) -> str:
        """Where the value in use came from: the winning origin, or "default"/"not set"."""
        found = self.origins.get(attribute) or []
        if found:
            return found[0].where
        if attribute == "tasks_default_timezone" and self.origins.get("league_timezone"):
            return f"LEAGUE_TIMEZONE ({self.origins['league_timezone'][0].where}), which it follows when not set"
        f = setting_field(attribute)
        return "default" if f.default is not None and f.default != "" else "not set"

    def conflicts(self) -> list[Conflict]:
        """Settings given by several sources with different values: which wins, and what it beats."""
        result: list[Conflict] = []
        for f in SETTING_FIELDS:
            found = self.origins.get(f.name) or []
            if len(found) < 2:
                continue
            winner = getattr(self.settings, f.name)
            beaten = [o for o in found[1:] if not _same_value(f, o, winner)]
            if beaten:
                result.append(Conflict(f.metadata["env"], bool(f.metadata["secret"]), found[0], tuple(beaten)))
        return result


@dataclass(frozen=True)
class Conflict:
    """One setting whose sources disagree."""

    setting: str
    secret: bool
    winner: Origin
    beaten: tuple[Origin, ...]

    def describe(self) -> str:
        """One line naming every source (and, for non-secrets, every value)."""

        def shown(origin: Origin) -> str:
            if self.secret:
                return origin.where
            value = "unreadable" if origin.problem else repr(str(origin.raw).strip())[:60]
            return f"{origin.where} = {value}"

        losers = "; ".join(shown(o) for o in self.beaten)
        hidden = " (values differ; secrets are not shown)" if self.secret else ""
        return f"{self.setting}: {shown(self.winner)} wins over {losers}{hidden}"


def _same_value(f: dataclasses.Field[Any], origin: Origin, winner: Any) -> bool:
    if origin.problem is not None:
        return False
    try:
        return bool(convert_setting(f, origin.raw, origin.where) == winner)
    except ConfigError:
        return False
