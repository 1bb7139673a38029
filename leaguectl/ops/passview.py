"""The narrow view of a running pass that the ops hooks and alerts work with.

``passrun.PassContext`` satisfies this protocol structurally, so ``ops/`` can
lock, measure, ping and alert around a pass without importing the pass runner
(which imports the hooks: that would be a circle). Only what ``ops/`` reads is
here; the rest of the context stays the pass runner's business.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient
    from leaguectl.report import Report
    from leaguectl.runtime import Runtime
    from leaguectl.settings import Settings


class PassView(Protocol):
    """A pass as seen by its operations hooks: settings, runtime, report, clock, Discord."""

    @property
    def settings(self) -> Settings: ...

    @property
    def runtime(self) -> Runtime: ...

    @property
    def report(self) -> Report: ...

    @property
    def dry_run(self) -> bool: ...

    @property
    def now(self) -> datetime: ...

    @property
    def discord(self) -> DiscordClient: ...

    @property
    def guild_id(self) -> str: ...
