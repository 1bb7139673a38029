"""What happens around every pass: non-overlap lock, SIGTERM, metrics, pings, alerts.

``execute_pass`` calls :meth:`PassHooks.begin` before the body (a False return
skips the body, e.g. when another pass holds the lock) and :meth:`PassHooks.end`
after the report is final. Nothing here may make a pass fail: monitoring
problems are logged as warnings.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
import uuid
from types import FrameType
from typing import TYPE_CHECKING, Any

from leaguectl.errors import ExitCode
from leaguectl.ops.lock import PassLock, lock_directory, lock_name
from leaguectl.redact import scrub

if TYPE_CHECKING:
    from pathlib import Path

    from leaguectl.ops.passview import PassView

log = logging.getLogger("leaguectl.ops")

# Commands that run unattended: they ping the health check and send failure alerts.
SCHEDULED_COMMANDS = frozenset({"freeze-begin", "thaw", "scorebug-tick", "cleanup-commands", "run-due-tasks"})
# Exit codes that alert: a retry next run (75) or a requested stop (143) does not.
ALERTING_EXIT_CODES = frozenset({ExitCode.PARTIAL, ExitCode.UNAVAILABLE, ExitCode.SOFTWARE, ExitCode.CONFIG})
LOCK_HELD = "another pass holds the lock"


class PassHooks:
    """Operations hooks of one pass."""

    def __init__(self, context: PassView, command: str, *, lock: str | None = None) -> None:
        self.context = context
        self.command = command
        settings = context.settings
        league = (settings.guild_id, settings.league_api_url, settings.discord_api_url)
        directory = lock_directory(settings.lock_dir, context.runtime.environ)
        self.lock = PassLock(directory, lock_name(lock or command, league))
        self.run_id = str(uuid.uuid4())
        self.started = time.time()
        self._started_mono = time.monotonic()
        self._locked = False
        self._held_elsewhere = False
        self._previous_handler: Any = None
        self._ping_budget: Any = None

    @property
    def scheduled(self) -> bool:
        return self.command in SCHEDULED_COMMANDS and not self.context.dry_run

    def begin(self) -> bool:
        """Take the lock, arm SIGTERM, ping start; False when the lock is held."""
        if not self.lock.acquire():
            self._held_elsewhere = True
            holder = self.lock.holder_pid()
            self.context.report.notable_skip(LOCK_HELD, item=self.lock.path.name, holder_pid=holder)
            self.context.report.summary = f"skipped: {LOCK_HELD} ({self.lock.path})"
            return False
        self._locked = True
        self._arm_sigterm()
        url = self.context.settings.healthcheck_url
        if url is not None and self.scheduled:
            from leaguectl.ops.healthcheck import PingBudget, ping

            self._ping_budget = PingBudget.for_runtime(self.context.runtime)  # shared by all pings of the pass
            ping(self.context.runtime, url.reveal(), "start", run_id=self.run_id, budget=self._ping_budget)
        return True

    def _arm_sigterm(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        runtime = self.context.runtime

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            log.warning("SIGTERM received: stopping at the next safe point")
            runtime.terminate_requested = True

        self._previous_handler = signal.signal(signal.SIGTERM, on_sigterm)

    def end(self) -> None:
        """Release the lock, then record the outcome: metrics, ping, alert or recovery."""
        if not self._locked:
            # Held by another pass, or LOCK_DIR unusable (the report says exit 78).
            self._write_metrics(skipped_locked=self._held_elsewhere)
            return
        try:
            if self._previous_handler is not None:
                signal.signal(signal.SIGTERM, self._previous_handler)
            self._write_metrics(skipped_locked=False)
            if self.scheduled:
                self._ping_outcome()
                if self.context.settings.alert_channel is not None:
                    self._alert_or_recover()
        finally:
            self.lock.release()

    # --- outcome recording ---

    def _write_metrics(self, *, skipped_locked: bool) -> None:
        path = self.context.settings.metrics_file
        if path is None:
            return
        from leaguectl.ops.metrics import PassOutcome, write_outcome

        report = self.context.report
        stats = self.context.runtime.stats
        outcome = PassOutcome(
            command=self.command,
            started=self.started,
            finished=self.started + (time.monotonic() - self._started_mono),
            exit_code=int(report.final_exit_code),
            actions=len(report.actions),
            errors=len(report.errors),
            http_requests=stats.http_requests,
            rate_limited=stats.rate_limited,
            skipped_locked=skipped_locked,
        )
        try:
            problem = write_outcome(path, outcome)
        except OSError as exc:
            log.warning("could not write METRICS_FILE %s: %s", path, exc.strerror or exc)
            return
        if problem is not None:
            log.warning("METRICS_FILE %s: %s", path, problem)

    def _ping_outcome(self) -> None:
        url = self.context.settings.healthcheck_url
        if url is None:
            return
        from leaguectl.ops.healthcheck import ping

        report = self.context.report
        tail = "\n".join(report.text_lines()[-40:])
        kind = "success" if report.final_exit_code == ExitCode.OK else "fail"
        ping(self.context.runtime, url.reveal(), kind, run_id=self.run_id, body=tail, budget=self._ping_budget)

    def _status_hint(self) -> Path:
        return self.lock.path.with_suffix(".last-exit")

    def _alert_or_recover(self) -> None:
        """Alert on failure (deduplicated); after a failure, note the recovery once."""
        code = self.context.report.final_exit_code
        hint = self._status_hint()
        previous = hint.read_text().strip() if hint.exists() else ""
        with contextlib.suppress(OSError):
            hint.write_text(f"{int(code)}\n")
        try:
            if code in ALERTING_EXIT_CODES:
                from leaguectl.ops.alerts import send_failure_alert

                outcome = send_failure_alert(self.context, self.command, self.context.report)
                log.info("failure alert: %s", outcome)
            elif code == ExitCode.OK and previous != "0":
                from leaguectl.ops.alerts import send_recovery_if_alerted

                # The hint only saves requests; Discord's own messages decide.
                log.info("recovery note: %s", send_recovery_if_alerted(self.context, self.command))
        except Exception as exc:  # an alert must never fail the pass
            log.warning("could not send the alert: %s", scrub(f"{type(exc).__name__}: {exc}"))
