"""The pass report (SPEC §3.4): what was done, skipped and failed, rendered as text or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from leaguectl.errors import ExitCode
from leaguectl.redact import scrub


def _clean(detail: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in detail.items() if value is not None}


@dataclass
class Report:
    """Everything one pass did. Commands append to it; ``cli.py`` renders it."""

    command: str
    now: datetime
    dry_run: bool = False
    actions: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    summary: str | None = None
    exit_code: ExitCode | None = None

    def action(self, kind: str, target: str, **detail: Any) -> None:
        """Record one change made (or, under --dry-run, planned)."""
        self.actions.append({"kind": kind, "target": target, **_clean(detail)})

    def skip(self, reason: str, item: str | None = None, **detail: Any) -> None:
        """Record something deliberately not done, and why."""
        self.skipped.append(_clean({"reason": reason, "item": item, **detail}))

    def error(self, message: str, item: str | None = None, **detail: Any) -> None:
        """Record a failed item; the pass goes on with the others and exits 1."""
        self.errors.append(_clean({"message": message, "item": item, **detail}))

    def warn(self, message: str, item: str | None = None, **detail: Any) -> None:
        """Record a problem that does not make the pass fail."""
        self.warnings.append(_clean({"message": message, "item": item, **detail}))

    def fail(self, message: str, code: ExitCode) -> None:
        """End the pass with ``code`` (used by the runner for fatal errors)."""
        self.errors.append({"message": message, "fatal": True})
        self.exit_code = code

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
        prefix = "would " if self.dry_run else ""
        lines = [f"{self.command}: {self.summary}" if self.summary else f"{self.command}:"]
        for entry in self.actions:
            extra = _format_detail(entry, ("kind", "target"))
            lines.append(f"  {prefix}{entry['kind']} {entry['target']}{extra}")
        for entry in self.skipped:
            item = f" {entry['item']}" if entry.get("item") else ""
            lines.append(f"  skipped{item}: {entry['reason']}")
        for entry in self.warnings:
            item = f" [{entry['item']}]" if entry.get("item") else ""
            lines.append(f"  warning{item}: {entry['message']}")
        for entry in self.errors:
            item = f" [{entry['item']}]" if entry.get("item") else ""
            lines.append(f"  error{item}: {entry['message']}")
        for name, value in self.details.items():
            lines.extend(_format_section(name, value))
        if not (self.actions or self.skipped or self.warnings or self.errors):
            lines.append("  nothing to do")
        return [scrub(line) for line in lines]

    def write_text(self, stream: TextIO) -> None:
        stream.write("\n".join(self.text_lines()) + "\n")


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
