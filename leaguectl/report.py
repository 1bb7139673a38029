"""The pass report (SPEC §3.4): what was done, skipped and failed, rendered as text or JSON."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from leaguectl.errors import ExitCode
from leaguectl.logs import log_event
from leaguectl.redact import scrub

# Report entries are logged as they are recorded (docs/logging.md): every command gets its
# INFO/WARNING/ERROR lines from the facts it reports, in one format, with nothing to call.
log = logging.getLogger("leaguectl.report")


def _clean(detail: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in detail.items() if value is not None}


@dataclass
class Report:
    """Everything one pass did. Commands append to it; ``cli.py`` renders it.

    ``now`` is the pass's reference instant (``--now`` exactly, else the clock when
    the pass started); ``started_at`` the host's wall clock at the start and
    ``duration_s`` the pass's run time, both set by the pass runner.
    """

    command: str
    now: datetime
    dry_run: bool = False
    started_at: datetime | None = None
    duration_s: float | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    summary: str | None = None
    exit_code: ExitCode | None = None

    def action(self, kind: str, target: str, **detail: Any) -> None:
        """Record one change made (or, under --dry-run, planned); logged at INFO."""
        entry = {"kind": kind, "target": target, **_clean(detail)}
        self.actions.append(entry)
        if log.isEnabledFor(logging.INFO):
            log_event(log, logging.INFO, "action", self.action_text(entry), {**entry, "dry_run": self.dry_run})

    def skip(self, reason: str, item: str | None = None, **detail: Any) -> None:
        """Record something deliberately not done, and why; logged at INFO."""
        entry = _clean({"reason": reason, "item": item, **detail})
        self.skipped.append(entry)
        if log.isEnabledFor(logging.INFO):
            log_event(log, logging.INFO, "skip", _skip_text(entry), entry)

    def notable_skip(self, reason: str, item: str | None = None, **detail: Any) -> None:
        """Record a skip an admin should know of (another pass holds the lock); logged at WARNING."""
        entry = _clean({"reason": reason, "item": item, **detail})
        self.skipped.append(entry)
        log_event(log, logging.WARNING, "skip", _skip_text(entry), entry)

    def error(self, message: str, item: str | None = None, **detail: Any) -> None:
        """Record a failed item; the pass goes on with the others and exits 1. Logged at ERROR."""
        entry = _clean({"message": message, "item": item, **detail})
        self.errors.append(entry)
        log_event(log, logging.ERROR, "error", _problem_text(entry), _facts(entry))

    def warn(self, message: str, item: str | None = None, **detail: Any) -> None:
        """Record a problem that does not make the pass fail; logged at WARNING."""
        entry = _clean({"message": message, "item": item, **detail})
        self.warnings.append(entry)
        log_event(log, logging.WARNING, "warning", _problem_text(entry), _facts(entry))

    def fail(self, message: str, code: ExitCode) -> None:
        """End the pass with ``code`` (used by the runner for fatal errors); logged at ERROR."""
        self.errors.append({"message": message, "fatal": True})
        self.exit_code = code
        log_event(log, logging.ERROR, "fatal", message, {"exit_code": int(code), "fatal": True})

    def action_text(self, entry: dict[str, Any]) -> str:
        """One action as a human line: ``post #weekly-info (week=11)``, ``would …`` under --dry-run."""
        prefix = "would " if self.dry_run else ""
        return f"{prefix}{entry['kind']} {entry['target']}{_format_detail(entry, ('kind', 'target'))}"

    @property
    def final_exit_code(self) -> ExitCode:
        if self.exit_code is not None:
            return self.exit_code
        return ExitCode.PARTIAL if self.errors else ExitCode.OK

    @property
    def ok(self) -> bool:
        return self.final_exit_code == ExitCode.OK

    def to_dict(self, stats: dict[str, int] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "command": self.command,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "now": self.now.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at is not None else None,
            "duration_s": self.duration_s,
            "exit_code": int(self.final_exit_code),
            "actions": self.actions,
            "skipped": self.skipped,
            "errors": self.errors,
            "warnings": self.warnings,
            "stats": dict(stats or {"http_requests": 0, "rate_limited": 0}),
        }
        if self.summary:
            data["summary"] = self.summary
        if self.details:
            data["details"] = self.details
        return data

    def to_json(self, stats: dict[str, int] | None = None) -> str:
        return scrub(json.dumps(self.to_dict(stats), default=str, ensure_ascii=False, sort_keys=False))

    def text_lines(self) -> list[str]:
        """A short human summary: one line per action, skip, warning and error."""
        lines = [f"{self.command}: {self.summary}" if self.summary else f"{self.command}:"]
        lines.extend(f"  {self.action_text(entry)}" for entry in self.actions)
        lines.extend(f"  {_skip_text(entry)}" for entry in self.skipped)
        lines.extend(f"  warning{_item_tag(entry)}: {entry['message']}" for entry in self.warnings)
        lines.extend(f"  error{_item_tag(entry)}: {entry['message']}" for entry in self.errors)
        for name, value in self.details.items():
            lines.extend(_format_section(name, value))
        if not (self.actions or self.skipped or self.warnings or self.errors):
            lines.append("  nothing to do")
        return [scrub(line) for line in lines]

    def write_text(self, stream: TextIO) -> None:
        stream.write("\n".join(self.text_lines()) + "\n")


def _item_tag(entry: dict[str, Any]) -> str:
    return f" [{entry['item']}]" if entry.get("item") else ""


def _skip_text(entry: dict[str, Any]) -> str:
    item = f" {entry['item']}" if entry.get("item") else ""
    return f"skipped{item}: {entry['reason']}"


def _facts(entry: dict[str, Any]) -> dict[str, Any]:
    """A warning's or error's fields for its log record: all but the message, which is the line itself."""
    return {key: value for key, value in entry.items() if key != "message"}


def _problem_text(entry: dict[str, Any]) -> str:
    """A warning or error as one log line: ``[item] message``."""
    item = f"[{entry['item']}] " if entry.get("item") else ""
    return f"{item}{entry['message']}"


def _format_detail(entry: dict[str, Any], skip: tuple[str, ...]) -> str:
    parts = [
        f"{key}={value}"
        for key, value in entry.items()
        if key not in skip and not isinstance(value, dict | list)
    ]
    return f" ({', '.join(parts)})" if parts else ""


def _format_section(name: str, value: Any) -> list[str]:
    lines = [f"  {name}:"]
    if isinstance(value, list):
        for row in value:
            if isinstance(row, dict):
                lines.append("    " + "  ".join(f"{k}={v}" for k, v in row.items()))
            else:
                lines.append(f"    {row}")
    elif isinstance(value, dict):
        lines.extend(f"    {k}: {v}" for k, v in value.items())
    else:
        lines.append(f"    {value}")
    return lines
