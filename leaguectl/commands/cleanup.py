"""Registers ``leaguectl cleanup-commands``."""

from __future__ import annotations

import typer

from leaguectl.passrun import PassContext, run_pass


def register(app: typer.Typer) -> None:
    @app.command("cleanup-commands")
    def cleanup_commands(ctx: typer.Context) -> None:
        """Warn owners of stale custom commands, delete expired ones, summarise to the admins.

        Warns commands unused for CLEANUP_WARN_AFTER_DAYS (60) by DM, deletes those unused for
        CLEANUP_DELETE_AFTER_DAYS (90) once warned CLEANUP_GRACE_DAYS (7) earlier. Days are
        calendar days in LEAGUE_TIMEZONE. A command or creator row that cannot be read is
        reported and left alone. Under --dry-run no DM channel is opened, so only the admin
        summaries serve as warning records. Run daily (docs/cleanup.md).
        """

        def body(pc: PassContext) -> None:
            from leaguectl.cleanup.apply import run_cleanup

            run_cleanup(pc)

        run_pass(ctx, "cleanup-commands", body, lock="cleanup-commands")
