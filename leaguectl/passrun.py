"""Running one pass: settings, runtime, clients, report, exit code, ops hooks.

Every scheduled command is ``run_pass(ctx, name, body)``: the body reads,
plans and applies through :class:`PassContext`; this module turns whatever
happens into a report and an exit status (SPEC §3.3), in one place.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from leaguectl import logs
from leaguectl.errors import ExitCode, LeaguectlError
from leaguectl.redact import scrub
from leaguectl.report import Report
from leaguectl.runtime import Runtime

if TYPE_CHECKING:
    from leaguectl.discord_rest import DiscordClient
    from leaguectl.league_api import LeagueClient
    from leaguectl.settings import Settings, Traced

log = logging.getLogger("leaguectl")


@dataclass
class CliState:
    """Global options of SPEC §3.1, parsed once by the root callback."""

    runtime: Runtime
    config_path: Path | None = None
    dry_run: bool = False
    json_output: bool = False
    verbosity: int = 0
    overrides: dict[str, str] = field(default_factory=dict)
    env_file: Path | None = None
    now: datetime | None = None
    """The ``--now`` instant, when one was given: every report's ``now`` is exactly this."""
    log_format_option: str | None = None
    """``--log-format`` as given; without it the settings' LEAGUECTL_LOG_FORMAT (TOML too) applies."""

    def load_settings(self) -> Settings:
        return self.load_traced().settings

    def load_traced(self) -> Traced:
        """Settings and where each came from (doctor shows the sources)."""
        from leaguectl.settings import load_traced

        return load_traced(
            self.runtime.environ, config_path=self.config_path, overrides=self.overrides, env_file=self.env_file
        )


@dataclass
class PassContext:
    """What a command's body works with. Clients are built on first use.

    The ops hooks see it only as :class:`leaguectl.ops.passview.PassView`.
    """

    settings: Settings
    runtime: Runtime
    report: Report
    dry_run: bool = False

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    def checkpoint(self) -> None:
        """Stop here if SIGTERM arrived (between items)."""
        self.runtime.checkpoint()

    @cached_property
    def discord(self) -> DiscordClient:
        from leaguectl.discord_rest import DiscordClient

        return DiscordClient(
            base_url=self.settings.discord_api_url,
            token=self.settings.secret("discord_bot_token"),
            runtime=self.runtime,
            max_wait=self.settings.discord_max_wait_seconds,
        )

    @cached_property
    def league(self) -> LeagueClient:
        from leaguectl.league_api import LeagueClient

        return LeagueClient(
            base_url=self.settings.require("league_api_url"),
            token=self.settings.secret("league_api_token"),
            runtime=self.runtime,
        )

    @cached_property
    def guild_id(self) -> str:
        return str(self.settings.require("guild_id"))

    def close(self) -> None:
        for name in ("discord", "league"):
            client = self.__dict__.get(name)
            if client is not None:
                client.close()


PassBody = Callable[[PassContext], None]


def cli_state(ctx: typer.Context) -> CliState:
    """The root callback's state, from any (sub)command's context."""
    state = ctx.find_root().obj
    if not isinstance(state, CliState):
        raise RuntimeError("leaguectl's root callback did not run")
    return state


# Discord error codes that mean "fix the configuration or the bot's permissions" (exit 78).
CONFIG_DISCORD_CODES = frozenset({10003, 10004, 50001, 50013, 40333})


def _discord_error_type() -> type[Exception]:
    """DiscordError, imported lazily (it pulls in httpx) only when an exception needs matching."""
    from leaguectl.discord_rest import DiscordError

    return DiscordError


def _discord_exit_code(exc: Exception) -> ExitCode:
    code = getattr(exc, "code", 0)
    return ExitCode.CONFIG if code in CONFIG_DISCORD_CODES else ExitCode.SOFTWARE


# What to do about a fatal error, by exit code: the one ERROR line of a fatal error says it.
FATAL_ADVICE = {
    ExitCode.CONFIG: "fix the setting or permission named above, then rerun (`leaguectl doctor` checks them all)",
    ExitCode.UNAVAILABLE: "the service is down or unreachable; the next run retries",
    ExitCode.TEMPFAIL: "temporary; the next run retries",
    ExitCode.SOFTWARE: "a bug in leaguectl: rerun with -vv for the traceback and report it",
}


def fatal_message(message: str, code: ExitCode) -> str:
    """A fatal error's one line: what failed (naming the setting or item), then what to do."""
    advice = FATAL_ADVICE.get(code)
    return scrub(f"{message} ({advice})" if advice else message)


def new_report(state: CliState, command: str) -> Report:
    """The report of a pass starting now: ``now`` is exactly ``--now`` when given (SPEC §3.4)."""
    runtime = state.runtime
    now = state.now if state.now is not None else runtime.clock.now()
    return Report(command=command, now=now, dry_run=state.dry_run, started_at=runtime.wall_clock_now())


def execute_pass(
    state: CliState, command: str, body: PassBody, *, lock: str | None = None, ops: bool = True
) -> Report:
    """Run ``body`` as one pass of ``command`` and return its finished report.

    ``ops=False`` (read-only helpers such as ``doctor``) skips the lock, metrics,
    pings and alerts. The start and end of the pass are logged at INFO; a fatal
    error is logged once, at ERROR, by :meth:`Report.fail` (its traceback at DEBUG).
    """
    runtime = state.runtime
    started = time.monotonic()
    logs.bind_command(command)
    report = new_report(state, command)
    _log_start(report)
    context: PassContext | None = None
    hooks: Any = None
    try:
        settings = state.load_settings()
        _apply_settings(state, settings)
        _follow_served_sandbox(state)  # before the hooks: a sandbox that cannot follow never alerts
        context = PassContext(settings=settings, runtime=runtime, report=report, dry_run=state.dry_run)
        if ops:
            from leaguectl.ops.hooks import PassHooks

            hooks = PassHooks(context, command, lock=lock)
        if hooks is None or hooks.begin():
            body(context)
    except LeaguectlError as exc:
        log.debug("pass ended by %s", type(exc).__name__, exc_info=True)
        report.fail(fatal_message(str(exc), exc.exit_code), exc.exit_code)
    except _discord_error_type() as exc:
        log.debug("pass ended by %s", type(exc).__name__, exc_info=True)
        code = _discord_exit_code(exc)
        report.fail(fatal_message(f"Discord refused a request: {exc}", code), code)
    except Exception as exc:  # a bug: report it, exit 70
        log.debug("internal error", exc_info=True)
        bug = ExitCode.SOFTWARE
        report.fail(fatal_message(f"internal error ({type(exc).__name__}): {exc}", bug), bug)
    finally:
        if hooks is not None:
            hooks.end()
        if context is not None:
            context.close()
        report.duration_s = round(time.monotonic() - started, 3)
        _log_end(report, runtime)
    return report


def _apply_settings(state: CliState, settings: Settings) -> None:
    """Settings that shape the pass itself: the request deadline, and the log format from the config file."""
    state.runtime.request_timeout = settings.request_timeout_seconds
    if state.log_format_option is None:
        logs.use_format(settings.log_format)


def _log_start(report: Report) -> None:
    if log.isEnabledFor(logging.INFO):
        mode = " (dry run)" if report.dry_run else ""
        logs.log_event(
            log, logging.INFO, "pass_start", f"{report.command}: pass started at {report.now.isoformat()}{mode}",
            {"now": report.now.isoformat(), "dry_run": report.dry_run},
        )


def _log_end(report: Report, runtime: Runtime) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    stats = runtime.stats
    code = int(report.final_exit_code)
    fields = {
        "exit_code": code,
        "duration_s": report.duration_s,
        "http_requests": stats.http_requests,
        "rate_limited": stats.rate_limited,
        "actions": len(report.actions),
        "skipped": len(report.skipped),
        "warnings": len(report.warnings),
        "errors": len(report.errors),
    }
    logs.log_event(
        log, logging.INFO, "pass_end",
        f"{report.command}: pass finished, exit {code} in {report.duration_s:.3f} s, "
        f"{stats.http_requests} HTTP requests ({stats.rate_limited} rate limited), {len(report.actions)} actions, "
        f"{len(report.skipped)} skipped, {len(report.warnings)} warnings, {len(report.errors)} errors",
        fields,
    )


def _follow_served_sandbox(state: CliState) -> None:
    """A served sandbox (LEAGUECTL_SANDBOX_URL) takes the pass's clock first (leaguectl/demo/sandbox_clock.py)."""
    if state.dry_run or not state.runtime.environ.get("LEAGUECTL_SANDBOX_URL"):
        return
    from leaguectl.demo.sandbox_clock import follow_pass_clock

    follow_pass_clock(state.runtime, state.runtime.clock.now())


def render_report(state: CliState, report: Report) -> None:
    """Print the report: one JSON object with --json, else a short summary (none with -q on success)."""
    runtime = state.runtime
    stats = {"http_requests": runtime.stats.http_requests, "rate_limited": runtime.stats.rate_limited}
    if state.json_output:
        runtime.stdout.write(report.to_json(stats) + "\n")
    elif state.verbosity >= 0 or not report.ok:
        report.write_text(runtime.stdout)
    runtime.stdout.flush()


def run_pass(ctx: typer.Context, command: str, body: PassBody, *, lock: str | None = None, ops: bool = True) -> None:
    """Entry point for a command function: run, render, and exit with the report's code."""
    state = cli_state(ctx)
    report = execute_pass(state, command, body, lock=lock, ops=ops)
    render_report(state, report)
    raise typer.Exit(int(report.final_exit_code))
