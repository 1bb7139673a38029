"""Registers ``leaguectl demo`` and ``leaguectl sandbox`` (SPEC §2).

Neither is a scheduled pass: ``demo`` runs a whole league week through the real
commands against an in-process sandbox, ``sandbox`` serves the sandbox until
stopped. Both import the sandbox (and rich) only when they run, so
``leaguectl --help`` and every one-minute pass stay cheap.
"""

from __future__ import annotations

from pathlib import Path

import typer

from leaguectl.errors import UsageError
from leaguectl.passrun import cli_state


def register(app: typer.Typer) -> None:
    """Add ``demo`` and ``sandbox`` to the CLI."""

    @app.command("demo")
    def demo(
        ctx: typer.Context,
        workdir: Path | None = typer.Option(
            None,
            "--workdir",
            file_okay=False,
            help="Keep the sandbox's files (service-account key, scorecards) here; default: a temporary directory.",
        ),
    ) -> None:
        """Run a whole league week against the built-in sandbox; no credentials needed.

        Starts a simulated Discord + league API + Google Sheets with a demo league on a free
        loopback port, runs freeze-begin (Monday 00:00 league time), run-due-tasks, scorebug-tick
        (twice, with a sheet edit between), thaw (Saturday 00:00) and cleanup-commands, and after
        each pass shows what changed in the league and the guild. The week starts at the next
        Monday after now (or after the global --now). Exit 0 when every pass did what it should.
        """
        state = cli_state(ctx)
        if state.dry_run:
            raise UsageError("demo has no --dry-run: it only changes its own simulated league")
        from leaguectl.demo.week import run_demo

        raise typer.Exit(run_demo(state.runtime, workdir=workdir, json_output=state.json_output))

    @app.command("sandbox")
    def sandbox(
        ctx: typer.Context,
        port: int = typer.Option(0, "--port", min=0, max=65535, help="Loopback port; 0 picks a free one."),
        scenario: Path | None = typer.Option(
            None,
            "--scenario",
            dir_okay=False,
            help="Your own league: a scenario file, TOML or JSON, with times relative to now "
            "(format: leaguectl/sandbox/README.md, 'Scenario files').",
        ),
        demo_league: bool | None = typer.Option(
            None, "--demo/--empty", help="Serve the built-in demo league (default) or an empty guild."
        ),
        workdir: Path | None = typer.Option(
            None,
            "--workdir",
            file_okay=False,
            help="Write the sandbox's files here and keep them; default: a temporary directory removed on exit.",
        ),
    ) -> None:
        """Serve the sandbox (simulated Discord + league API + Sheets) on loopback until Ctrl-C.

        Prints `export NAME=value` lines that point leaguectl at it, e.g.
        `leaguectl sandbox --port 8765 | tee sandbox.env`, then in another shell
        `eval "$(cat sandbox.env)"` and run any command. The simulated clock starts at now (or
        at the global --now) and runs in real time; every command run with the exports first sets
        it to its own now, so `leaguectl --now 2026-11-23T05:00:00Z freeze-begin` acts at that
        time in the sandbox too (LEAGUECTL_SANDBOX_URL; --dry-run leaves the clock alone).
        """
        state = cli_state(ctx)
        if scenario is not None and demo_league is not None:
            raise UsageError("--scenario replaces --demo/--empty; give only one of them")
        from leaguectl.demo.serve import serve_sandbox

        code = serve_sandbox(
            state.runtime,
            port=port,
            scenario_file=scenario,
            demo_league=demo_league is not False,
            workdir=workdir,
        )
        raise typer.Exit(code)
