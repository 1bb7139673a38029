"""Settings: every value of SPEC §3.2, loaded, validated and with secrets redacted.

Precedence, highest first: command line (``--set NAME=VALUE``) > environment
(secrets also ``NAME_FILE``) > systemd credential > the bot's ``.env`` file >
TOML file > default (see :mod:`leaguectl.settings_sources`). Every setting remembers
where it came from (:class:`Traced`), so ``doctor`` and ``-v`` can say which source won
when two disagree. A missing or malformed value raises
:class:`~leaguectl.errors.ConfigError` naming the setting (exit 78).

This module loads the settings and is the face of the modules beside it:
``settings_fields`` (the :class:`Settings` fields and their names), ``settings_sources``
(reading ``--set``, the environment, credentials, ``.env``, TOML), ``settings_values``
(converting and checking each value; :class:`Secret`) and ``settings_provenance``
(:class:`Traced`, :class:`Conflict`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from leaguectl.errors import ConfigError
from leaguectl.settings_fields import SETTING_FIELDS, Settings, describe, env_name, unset_hint
from leaguectl.settings_provenance import Conflict, Traced
from leaguectl.settings_sources import Origin, Sources, origins_of, parse_overrides, read_sources
from leaguectl.settings_values import Secret, check_url, convert_setting

__all__ = [
    "SETTING_FIELDS",
    "Conflict",
    "Origin",
    "Secret",
    "Settings",
    "Sources",
    "Traced",
    "check_url",
    "describe",
    "env_name",
    "load_settings",
    "load_traced",
    "parse_overrides",
    "read_sources",
    "unset_hint",
]

log = logging.getLogger("leaguectl.settings")


def load_traced(
    environ: Mapping[str, str],
    *,
    config_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env_file: Path | None = None,
) -> Traced:
    """Load every setting and remember where each came from; logs disagreeing sources at INFO."""
    src = read_sources(environ, config_path=config_path, overrides=overrides, env_file=env_file)
    values: dict[str, Any] = {}
    origins: dict[str, list[Origin]] = {}
    for f in SETTING_FIELDS:
        found = origins_of(f, src)
        origins[f.name] = found
        if found:
            winner = found[0]
            if winner.problem is not None:
                raise ConfigError(winner.name, winner.problem)
            values[f.name] = convert_setting(f, winner.raw, winner.where)
        elif f.name == "tasks_default_timezone" and origins.get("league_timezone"):
            values[f.name] = values["league_timezone"]  # the league's zone when only it is set
        elif isinstance(f.default, str) and f.default:
            values[f.name] = convert_setting(f, f.default, "the default")
    settings = Settings(**values)
    _check_consistency(settings)
    traced = Traced(settings, origins)
    for conflict in traced.conflicts():
        log.info("setting %s", conflict.describe())
    return traced


def load_settings(
    environ: Mapping[str, str],
    *,
    config_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env_file: Path | None = None,
) -> Settings:
    """Build :class:`Settings` from the command line, environment, credentials, .env, TOML and defaults."""
    return load_traced(environ, config_path=config_path, overrides=overrides, env_file=env_file).settings


def _check_consistency(settings: Settings) -> None:
    if settings.cleanup_warn_after_days >= settings.cleanup_delete_after_days:
        raise ConfigError(
            "CLEANUP_WARN_AFTER_DAYS",
            f"must be less than CLEANUP_DELETE_AFTER_DAYS ({settings.cleanup_warn_after_days} >= "
            f"{settings.cleanup_delete_after_days})",
        )
    if settings.cleanup_grace_days < 0:
        raise ConfigError("CLEANUP_GRACE_DAYS", "must not be negative")
    if settings.freeze_window_hours > 168:
        raise ConfigError("FREEZE_WINDOW_HOURS", "must be at most 168 (one week)")
