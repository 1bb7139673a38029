"""Start-up: ``leaguectl --help`` / ``--version`` against the floor ``python -c "import typer, httpx"``.

cron starts a fresh interpreter every minute, so start-up is paid 1,440 times a day.
The console script is measured the way cron runs it, and ``python -m leaguectl`` too;
``python -c pass`` shows the interpreter's own share.
"""

from __future__ import annotations

import json

from bench.common import (
    PYTHON,
    Case,
    Section,
    Summary,
    child_env,
    interleave,
    leaguectl_argv,
    mib,
    module_argv,
    ms,
    require_ok,
    run_child,
)

FLOOR = 'python -c "import typer, httpx"'
HELP_TARGET = 1.15
LOGGING_BUDGET_MS = 1.0
"""Logging set-up per pass must stay far below anything a pass measures (issue 12: nothing measurable)."""

# Run in a child: what one pass pays to set up logging (configure_logging, as the root callback
# does), in each format, and what a report entry costs when its level is off (the default run).
_LOGGING_PROBE = """
import io, json, logging, time
from leaguectl import logs
from leaguectl.report import Report
from datetime import datetime, timezone
result = {}
for name, env, fmt in (("text", {}, "text"), ("json", {}, "json"), ("journald", {"JOURNAL_STREAM": "8:1"}, "text")):
    stream = io.StringIO()
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        logs.configure_logging(0, stream, env, fmt)
    result[name] = (time.perf_counter() - t0) / n
logs.configure_logging(0, io.StringIO(), {})
report = Report(command="bench", now=datetime.now(timezone.utc))
n = 20000
t0 = time.perf_counter()
for i in range(n):
    report.action("post", "channel", message=str(i))
result["disabled_action"] = (time.perf_counter() - t0) / n
print(json.dumps(result))
"""


def cases() -> list[Case]:
    return [
        Case("leaguectl --help", tuple(leaguectl_argv("--help"))),
        Case("leaguectl --version", tuple(leaguectl_argv("--version"))),
        Case("python -m leaguectl --help", tuple(module_argv("--help"))),
        Case("python -m leaguectl --version", tuple(module_argv("--version"))),
        Case(FLOOR, (PYTHON, "-c", "import typer, httpx")),
        Case("python -c pass", (PYTHON, "-c", "pass")),
    ]


def measure(rounds: int) -> Section:
    runs = interleave(cases(), rounds)
    walls = {label: Summary.of([run.wall for run in series]) for label, series in runs.items()}
    rss = {label: Summary.of([float(run.maxrss_kib) for run in series]) for label, series in runs.items()}
    floor = walls[FLOOR].median
    lines = [
        f"Medians of {rounds} interleaved runs each (random order per round, after 2 warm-up rounds).",
        "",
        "| command | median | p10 | p90 | × floor | peak RSS |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, summary in walls.items():
        lines.append(
            f"| `{label}` | {ms(summary.median)} | {ms(summary.p10)} | {ms(summary.p90)} "
            f"| {summary.median / floor:.2f} | {mib(rss[label].median)} |"
        )
    help_ratio = walls["leaguectl --help"].median / floor
    lines += ["", f"Target: `leaguectl --help` within {HELP_TARGET}× of the floor: **{help_ratio:.2f}×**."]
    logging_costs = measure_logging()
    setup_ms = max(logging_costs[name] for name in ("text", "json", "journald")) * 1000
    lines += [
        "",
        "Logging set-up (docs/logging.md), in a child process: `configure_logging` once per pass in each",
        "format, and one report action while INFO is off (a pass at the default level):",
        "",
        "| text | json | journald | action at the default level |",
        "|---:|---:|---:|---:|",
        f"| {logging_costs['text'] * 1e6:.0f} µs | {logging_costs['json'] * 1e6:.0f} µs "
        f"| {logging_costs['journald'] * 1e6:.0f} µs | {logging_costs['disabled_action'] * 1e6:.1f} µs |",
    ]
    return Section(
        key="startup",
        title="Start-up",
        markdown="\n".join(lines),
        data={
            "rounds": rounds,
            "wall": {label: summary.to_json() for label, summary in walls.items()},
            "maxrss_kib": {label: summary.to_json() for label, summary in rss.items()},
            "help_ratio": help_ratio,
            "logging": logging_costs,
        },
        checks=[
            (f"--help within {HELP_TARGET}x of the floor ({help_ratio:.2f}x)", help_ratio <= HELP_TARGET),
            (
                f"logging set-up under {LOGGING_BUDGET_MS:g} ms per pass ({setup_ms * 1000:.0f} µs)",
                setup_ms < LOGGING_BUDGET_MS,
            ),
        ],
    )


def measure_logging() -> dict[str, float]:
    """Seconds per logging set-up (text, json, journald) and per report action at the default level."""
    run = require_ok(run_child([PYTHON, "-c", _LOGGING_PROBE], child_env()), "the logging probe")
    costs: dict[str, float] = json.loads(run.stdout)
    return costs
