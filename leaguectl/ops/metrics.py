"""The Prometheus textfile (node-exporter textfile collector format).

One file for all commands: each pass replaces the series labelled with its own
command and keeps the others. Written atomically (temp file + rename) under a
``flock`` so two commands finishing together cannot lose each other's update.
Timestamps are wall-clock Unix seconds.
"""

from __future__ import annotations

import fcntl
import math
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

PREFIX = "leaguectl_"

METRICS: dict[str, tuple[str, str]] = {
    "last_start_timestamp_seconds": ("gauge", "Wall-clock time the last pass started."),
    "last_success_timestamp_seconds": ("gauge", "Wall-clock time the last successful pass (exit 0) ended."),
    "last_failure_timestamp_seconds": ("gauge", "Wall-clock time the last failed pass ended."),
    "last_duration_seconds": ("gauge", "Duration of the last pass."),
    "last_exit_code": ("gauge", "Exit status of the last pass."),
    "last_actions": ("gauge", "Actions taken (or planned) by the last pass."),
    "last_errors": ("gauge", "Item errors reported by the last pass."),
    "last_http_requests": ("gauge", "HTTP requests made by the last pass."),
    "last_rate_limited": ("gauge", "HTTP 429 responses received by the last pass."),
    "last_skipped_locked": ("gauge", "1 if the last pass was skipped because another held the lock."),
    "consecutive_failures": ("gauge", "Failed passes in a row (0 after a success)."),
}

_SERIES = re.compile(r'^(?P<name>leaguectl_[a-z_]+)\{command="(?P<command>[^"]*)"\}\s+(?P<value>\S+)\s*$')


@dataclass(frozen=True)
class PassOutcome:
    """What the metrics record of one pass."""

    command: str
    started: float
    finished: float
    exit_code: int
    actions: int
    errors: int
    http_requests: int
    rate_limited: int
    skipped_locked: bool = False


# The most a leaguectl textfile holds is a few kilobytes; anything far larger is not ours.
MAX_READ_BYTES = 1 << 20
# Timestamps must be plausible Unix seconds (before 2100), so that status can show them.
_LATEST_TIMESTAMP = 4_102_444_800.0


@dataclass(frozen=True)
class MetricsRead:
    """What an existing textfile holds, and what is wrong with it (a warning, never a failure).

    ``replaceable`` is False when the path is not a regular file (a directory, a FIFO):
    then it is reported and left alone instead of being replaced.
    """

    series: dict[str, dict[str, float]]
    problem: str | None = None
    replaceable: bool = True


def read_metrics(path: Path) -> MetricsRead:
    """Read the textfile; a missing file is empty, garbage is reported and skipped."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return MetricsRead({})
    except OSError as exc:
        return MetricsRead({}, f"cannot be inspected ({exc.strerror or exc})", replaceable=False)
    if stat.S_ISDIR(info.st_mode):
        return MetricsRead({}, "is a directory, not a file (left alone: point METRICS_FILE at a file)", False)
    if not stat.S_ISREG(info.st_mode):
        return MetricsRead({}, "is not a regular file (left alone: point METRICS_FILE at a file)", False)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_READ_BYTES + 1)
    except OSError as exc:
        return MetricsRead({}, f"cannot be read ({exc.strerror or exc})")
    if len(data) > MAX_READ_BYTES:
        return MetricsRead({}, "is larger than 1 MiB, so not leaguectl's textfile")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return MetricsRead({}, "is not UTF-8 text, so not leaguectl's textfile")
    return _parse_textfile(text)


def _parse_textfile(text: str) -> MetricsRead:
    series: dict[str, dict[str, float]] = {}
    garbage: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parsed = _parse_series_line(line)
        if parsed is None:
            garbage.append(number)
            continue
        command, name, value = parsed
        series.setdefault(command, {})[name] = value
    if not garbage:
        return MetricsRead(series)
    return MetricsRead(
        series, f"{len(garbage)} line(s) are not leaguectl metrics (first: line {garbage[0]})"
    )


def _parse_series_line(line: str) -> tuple[str, str, float] | None:
    match = _SERIES.match(line)
    if match is None:
        return None
    name = match["name"][len(PREFIX) :]
    if name not in METRICS:
        return None
    try:
        value = float(match["value"])
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    if name.endswith("timestamp_seconds") and value > _LATEST_TIMESTAMP:
        return None
    return match["command"], name, value


def read_series(path: Path) -> dict[str, dict[str, float]]:
    """``{command: {metric: value}}`` from an existing textfile (missing or garbage → what is usable)."""
    return read_metrics(path).series


def _values(outcome: PassOutcome, previous: dict[str, float]) -> dict[str, float]:
    ok = outcome.exit_code == 0
    values = {
        "last_start_timestamp_seconds": outcome.started,
        "last_duration_seconds": round(outcome.finished - outcome.started, 3),
        "last_exit_code": float(outcome.exit_code),
        "last_actions": float(outcome.actions),
        "last_errors": float(outcome.errors),
        "last_http_requests": float(outcome.http_requests),
        "last_rate_limited": float(outcome.rate_limited),
        "last_skipped_locked": 1.0 if outcome.skipped_locked else 0.0,
        "consecutive_failures": 0.0 if ok else previous.get("consecutive_failures", 0.0) + 1,
    }
    for name in ("last_success_timestamp_seconds", "last_failure_timestamp_seconds"):
        if name in previous:
            values[name] = previous[name]
    values["last_success_timestamp_seconds" if ok else "last_failure_timestamp_seconds"] = outcome.finished
    return values


def _format_value(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def render(series: dict[str, dict[str, float]]) -> str:
    lines: list[str] = []
    for name, (kind, help_text) in METRICS.items():
        rows = [(command, values[name]) for command, values in sorted(series.items()) if name in values]
        if not rows:
            continue
        lines.append(f"# HELP {PREFIX}{name} {help_text}")
        lines.append(f"# TYPE {PREFIX}{name} {kind}")
        lines.extend(f'{PREFIX}{name}{{command="{command}"}} {_format_value(value)}' for command, value in rows)
    return "\n".join(lines) + "\n"


def write_outcome(path: Path, outcome: PassOutcome) -> str | None:
    """Replace ``outcome.command``'s series in the textfile, keeping every other command's.

    Returns what was wrong with the existing file (garbage is replaced, a directory left
    alone), for the caller to warn about; OSError when the file cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        current = read_metrics(path)
        if not current.replaceable:
            return current.problem
        series = current.series
        series[outcome.command] = _values(outcome, series.get(outcome.command, {}))
        _atomic_write(path, render(series))
        return None if current.problem is None else f"{current.problem}; replaced it with a clean textfile"


def _atomic_write(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
