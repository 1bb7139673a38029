"""Commands ``freeze-begin`` and ``thaw``: the weekly transaction cycle (SPEC §2.1–2.2).

Only registration lives here, with cheap imports; the passes are in
:mod:`leaguectl.transactions` and are imported when a command runs. Both
commands share the lock group "transactions", so a freeze-begin and a thaw
never overlap.
"""

from __future__ import annotations

import typer

from leaguectl.passrun import PassContext, run_pass

LOCK_GROUP = "transactions"


def register(app: typer.Typer) -> None:
    """Add ``freeze-begin`` and ``thaw`` to the CLI."""

    @app.command("freeze-begin")
    def freeze_begin(
        ctx: typer.Context,
        force: bool = typer.Option(
            False, "--force", help="Act outside the Monday window (FREEZE_WINDOW_HOURS); nothing else changes."
        ),
    ) -> None:
        """Monday: week + 1, freeze on, execute the new week's transactions, announce, weekly info."""

        def body(pc: PassContext) -> None:
            from leaguectl.transactions.freeze_begin import run_freeze_begin

            run_freeze_begin(pc, force=force)

        run_pass(ctx, "freeze-begin", body, lock=LOCK_GROUP)

    @app.command("thaw")
    def thaw(
        ctx: typer.Context,
        force: bool = typer.Option(
            False,
            "--force",
            help="Act outside the thaw window (Saturday 00:00 to Monday 00:00 league time), e.g. to finish a "
            "thaw that was missed; nothing else changes.",
        ),
    ) -> None:
        """Saturday: resolve contested claims, cancel losers (DM their GMs), unfreeze and log winners, freeze off.

        Acts only from Saturday 00:00 to the next Monday 00:00 league time (LEAGUE_TIMEZONE); outside that
        window it skips, exit 0, unless --force.
        """

        def body(pc: PassContext) -> None:
            from leaguectl.transactions.thaw import run_thaw

            run_thaw(pc, force=force)

        run_pass(ctx, "thaw", body, lock=LOCK_GROUP)
