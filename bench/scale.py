"""Scale: ``run-due-tasks`` over tasks channels of 1,000, 5,000 and 10,000 messages, none due.

CPU per task is the pass's CPU time minus that of the same pass over an empty channel,
divided by the number of tasks (taking the least CPU time of the runs, as noise only
adds); it includes decoding the HTTP responses, so it is an upper bound on the planning
cost. Reading is paced by the channel's read bucket (5 pages of 100
per second in the sandbox), so wall time is compared with that floor too.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from typing import Any

from bench.common import Section, child_env, leaguectl_argv, mib, require_ok, run_child
from bench.floor import rate_limit_floor
from bench.passes import log_counts, report_of
from bench.sandboxproc import SandboxProcess
from bench.scenarios import tasks_channel

SIZES = (0, 1_000, 5_000, 10_000)
BASELINE_RUNS = 7
CPU_BUDGET = 0.0002
"""Seconds of CPU per task (the issue's 0.2 ms)."""


def _one_size(count: int, repeat: int) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    walls, cpus, rss, floors = [], [], [], []
    seen: dict[str, int] = {}
    summary = ""
    with SandboxProcess(tasks_channel(count, now)) as sandbox:
        env = child_env(sandbox.env)
        for _ in range(repeat):
            sandbox.advance()
            sandbox.clear_log()
            run = require_ok(run_child(leaguectl_argv("--json", "run-due-tasks"), env), f"run-due-tasks over {count}")
            report = report_of(run)
            log = sandbox.log()
            seen = log_counts(log)
            floors.append(rate_limit_floor(log)[0])
            walls.append(run.wall)
            cpus.append(run.cpu)
            rss.append(run.maxrss_kib)
            summary = str(report.get("summary", ""))
            if report.get("actions"):
                raise SystemExit(f"bench: run-due-tasks over {count} idle tasks acted: {report['actions'][:3]}")
    return {
        "tasks": count,
        "runs": repeat,
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "cpu_min": min(cpus),
        "maxrss_kib": statistics.median(rss),
        "floor": statistics.median(floors),
        "requests": seen,
        "summary": summary,
    }


def measure(sizes: tuple[int, ...] = SIZES, repeat: int = 3) -> Section:
    if 0 not in sizes:
        sizes = (0, *sizes)
    # The empty channel is the baseline every size is measured against: cheap, so run it more often.
    results = [_one_size(count, max(repeat, BASELINE_RUNS) if count == 0 else repeat) for count in sizes]
    base = results[0]
    lines = [
        f"{repeat} runs per size ({BASELINE_RUNS} for the empty channel); each channel is served by its own sandbox",
        "(real-time clock), which moves on a minute before each run. Wall, CPU and RSS are medians; CPU per task",
        "= (least CPU at that size − least CPU over the empty channel) ÷ tasks, the least being the run a busy",
        "machine disturbed least.",
        "",
        "| tasks | Discord requests | wall | read-limit floor | CPU | CPU per task | peak RSS | RSS − empty |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    checks = []
    for result in results:
        count = result["tasks"]
        per_task = (result["cpu_min"] - base["cpu_min"]) / count if count else 0.0
        result["cpu_per_task"] = per_task
        extra = result["maxrss_kib"] - base["maxrss_kib"]
        lines.append(
            f"| {count:,} | {result['requests'].get('discord', 0)} | {result['wall']:.2f} s | {result['floor']:.0f} s "
            f"| {result['cpu']:.2f} s | {per_task * 1000:.3f} ms | {mib(result['maxrss_kib'])} | {mib(extra)} |"
        )
        if count:
            checks.append(
                (f"{count} tasks: {per_task * 1000:.3f} ms CPU per task (budget 0.2)", per_task <= CPU_BUDGET)
            )
    largest = results[-1]
    if len(results) >= 3 and largest["tasks"]:
        smaller = results[1]
        growth = (largest["maxrss_kib"] - base["maxrss_kib"]) / max(1.0, smaller["maxrss_kib"] - base["maxrss_kib"])
        size_ratio = largest["tasks"] / smaller["tasks"]
        lines += [
            "",
            f"Memory beyond the empty channel grows {growth:.1f}× while the channel grows {size_ratio:.0f}×"
            " (pages are streamed; only due work is kept).",
        ]
        checks.append(
            (
                f"memory bounded: +{mib(largest['maxrss_kib'] - base['maxrss_kib'])} at {largest['tasks']} tasks",
                largest["maxrss_kib"] - base["maxrss_kib"] < 64 * 1024,
            )
        )
    lines += ["", f"Pass summary at {largest['tasks']:,} tasks: {largest['summary']}"]
    return Section("scale", "Scale: run-due-tasks over big task channels", "\n".join(lines), {"sizes": results}, checks)
