"""The sandbox's one error type for bad scenarios (kept apart so every scenario module can raise it)."""

from __future__ import annotations


class ScenarioError(ValueError):
    """The scenario dict is malformed; the message names the offending entry."""
