"""Registers ``leaguectl doctor``."""

from __future__ import annotations

import typer

from leaguectl.errors import ConfigError
from leaguectl.passrun import CliState, PassContext, cli_state, execute_pass, render_report


def _print_setting(state: CliState, name: str) -> None:
    """``doctor --print-setting NAME``: the value every pass would use; secrets are refused."""
    from leaguectl.settings import SETTING_FIELDS, describe

    key = name.strip().upper()
    found = next((f for f in SETTING_FIELDS if key in (f.metadata["env"], *f.metadata["aliases"])), None)
    if found is None:
        raise ConfigError(key, "unknown setting given with --print-setting")
    if found.metadata["secret"]:
        raise ConfigError(key, "is a secret: --print-setting never prints secrets (doctor says where it came from)")
    settings = state.load_settings()  # a ConfigError here ends the run with exit 78, naming the setting
    value = getattr(settings, found.name)
    shown = describe(settings)[found.metadata["env"]]
    state.runtime.stdout.write(("" if value is None else shown) + "\n")
    state.runtime.stdout.flush()
    raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor(
        ctx: typer.Context,
        print_setting: str | None = typer.Option(
            None, "--print-setting", metavar="NAME",
            help="Print the value in use of one setting that is not a secret (for scripts, e.g. the crontab's "
            "league-time guards) and exit, without checking anything.",
        ),
    ) -> None:
        """Check settings (and where each came from), credentials, guild, channels, permissions and the
        league API, read-only.

        Exits 78 naming each problem, so it can gate a deployment. Under systemd, run it with the
        units' settings: systemctl start leaguectl-doctor, then journalctl -u leaguectl-doctor.
        """
        state = cli_state(ctx)
        if print_setting is not None:
            _print_setting(state, print_setting)

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
