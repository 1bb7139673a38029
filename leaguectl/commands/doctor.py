"""Registers ``leaguectl doctor``."""

from __future__ import annotations

import typer

from leaguectl.passrun import PassContext, cli_state, execute_pass, render_report


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor(ctx: typer.Context) -> None:
        """Check settings (and where each came from), credentials, guild, channels, permissions and the
        league API, read-only.

        Exits 78 naming each problem, so it can gate a deployment. Under systemd, run it with the
        units' settings: systemctl start leaguectl-doctor, then journalctl -u leaguectl-doctor.
        """
        state = cli_state(ctx)

        def body(pc: PassContext) -> None:
            from leaguectl.doctor import run_doctor

            run_doctor(pc, state.load_traced())

        report = execute_pass(state, "doctor", body, ops=False)
        if state.json_output:
            render_report(state, report)
        elif state.verbosity >= 0 or not report.ok:
            from leaguectl.doctor import text_lines

            state.runtime.stdout.write("\n".join(text_lines(report)) + "\n")
            state.runtime.stdout.flush()
        raise typer.Exit(int(report.final_exit_code))
