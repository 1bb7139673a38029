"""Registers ``leaguectl status`` and the hidden ``leaguectl alert`` used by systemd's OnFailure=."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from leaguectl.passrun import PassContext, cli_state, execute_pass, render_report, run_pass

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from leaguectl.ops.status import CommandStatus
    from leaguectl.report import Report
    from leaguectl.runtime import Runtime


def _iso(value: object) -> str | None:
    return None if value is None else value.isoformat()  # type: ignore[attr-defined]


def _write_view(runtime: Runtime, report: Report, rows: list[CommandStatus], zone: ZoneInfo) -> None:
    """The status table (rich and fitted on a terminal, plain columns otherwise), then the summary."""
    from leaguectl.ops.status import write_status

    terminal = runtime.stdout_is_terminal()
    write_status(runtime.stdout, rows, report.now, zone, rich=terminal, width=runtime.terminal_width())
    runtime.stdout.write(f"status: {report.summary}\n")
    runtime.stdout.flush()


def _warn_about_metrics_file(pc: PassContext) -> None:
    """A garbage, unreadable or misplaced METRICS_FILE is a warning: status still shows what it can."""
    path = pc.settings.metrics_file
    if path is None:
        return
    from leaguectl.ops.metrics import read_metrics

    found = read_metrics(path)
    if found.problem is not None:
        rewrite = "; the next pass rewrites it" if found.replaceable else ""
        pc.report.warn(f"{path} {found.problem}{rewrite}", item="METRICS_FILE")


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(ctx: typer.Context) -> None:
        """Show each scheduled command's last run (from METRICS_FILE) and next run (systemd or computed).

        On a terminal: a table fitted to its width, failing commands in red; otherwise plain
        aligned columns; --json: the raw values.
        """
        collected: list[CommandStatus] = []
        zones: list[ZoneInfo] = []

        def body(pc: PassContext) -> None:
            from leaguectl.ops.status import collect

            rows = collect(pc.settings.metrics_file, pc.now, pc.settings.league_timezone)
            collected.extend(rows)
            zones.append(pc.settings.league_timezone)
            _warn_about_metrics_file(pc)
            table = []
            for row in rows:
                table.append(
                    {
                        "command": row.command,
                        "last_start": _iso(row.last_start) or "never (or no METRICS_FILE)",
                        "last_exit_code": row.last_exit_code,
                        "last_success": _iso(row.last_success),
                        "duration_s": row.last_duration,
                        "consecutive_failures": row.consecutive_failures,
                        "next_run": _iso(row.next_run),
                        "next_run_local": _iso(row.next_run.astimezone(pc.settings.league_timezone)),
                        "next_run_source": row.next_run_source,
                    }
                )
            pc.report.details["commands"] = table
            failing = [row.command for row in rows if row.consecutive_failures]
            pc.report.summary = f"failing: {', '.join(failing)}" if failing else "no command is failing"

        state = cli_state(ctx)
        report = execute_pass(state, "status", body, ops=False)
        if state.json_output or not report.ok or not collected:
            render_report(state, report)
        elif state.verbosity >= 0:
            _write_view(state.runtime, report, collected, zones[0])
        raise typer.Exit(int(report.final_exit_code))

    @app.command("alert", hidden=True)
    def alert(
        ctx: typer.Context,
        unit: str = typer.Option("", "--unit", help="The systemd unit that failed (OnFailure= passes %i)."),
    ) -> None:
        """Alert that a systemd unit failed in a way the pass could not report (timeout, kill, crash)."""

        def body(pc: PassContext) -> None:
            from leaguectl.ops.alerts import send_unit_alert

            outcome = send_unit_alert(pc, unit)
            pc.report.action("alert", unit, outcome=outcome)

        run_pass(ctx, "alert", body, ops=False)
