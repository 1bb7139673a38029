"""Registers ``leaguectl doctor``."""

from __future__ import annotations

import typer

from leaguectl.passrun import PassContext, run_pass


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor(ctx: typer.Context) -> None:
        """Check settings, credentials, guild, channels, permissions and the league API (read-only).

        Exits 78 naming each problem, so it can gate a deployment.
        """

        def body(pc: PassContext) -> None:
            from leaguectl.doctor import run_doctor

            run_doctor(pc)

        run_pass(ctx, "doctor", body, ops=False)
