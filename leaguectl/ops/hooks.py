"""What happens around every pass: non-overlap lock, signals, metrics, pings, alerts.

``execute_pass`` calls :meth:`PassHooks.begin` before the body (a False return
skips the body, e.g. when another pass holds the lock) and :meth:`PassHooks.end`
after the report is final.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leaguectl.passrun import PassContext


class PassHooks:
    """Operations hooks of one pass."""

    def __init__(self, context: PassContext, command: str, *, lock: str | None = None) -> None:
        self.context = context
        self.command = command
        self.lock_name = lock or command

    def begin(self) -> bool:
        """Prepare the pass; return False to skip its body."""
        return True

    def end(self) -> None:
        """Finish the pass once its report is final."""
