"""Rate-limit efficiency: a big thaw and a big cleanup against the sandbox's limits in real time.

Each pass runs once against a fresh sandbox whose clock runs in real time, so every wait
is a real wait. Its wall time is compared with the floor the limits allow for the very
requests it made (:mod:`bench.floor`), and it must never be answered 429.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bench.common import Section, child_env, leaguectl_argv, mib, require_ok, run_child
from bench.floor import bucket_uses
from bench.passes import log_counts, report_of
from bench.sandboxproc import SandboxProcess
from bench.scenarios import CLEANUP_AT, THAW_AT, contested_thaw, stale_commands

TARGET = 1.3


def _kinds(report: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for action in report.get("actions", []):
        counts[action["kind"]] = counts.get(action["kind"], 0) + 1
    return counts


def _measure(
    label: str, scenario: dict[str, Any], command: str, at: datetime, expected: Callable[[dict[str, int]], bool]
) -> dict[str, Any]:
    with SandboxProcess(scenario) as sandbox:
        sandbox.set_clock(at)
        sandbox.clear_log()
        run = require_ok(
            run_child(leaguectl_argv("--json", "--now", at.isoformat(), command), child_env(sandbox.env)), label
        )
        log = sandbox.log()
    report = report_of(run)
    uses = bucket_uses(log)
    floor = uses[0].floor if uses else 0.0
    kinds = _kinds(report)
    return {
        "label": label,
        "command": command,
        "wall": run.wall,
        "cpu": run.cpu,
        "maxrss_kib": run.maxrss_kib,
        "floor": floor,
        "ratio": run.wall / floor if floor else None,
        "requests": log_counts(log),
        "http_requests": report.get("stats", {}).get("http_requests"),
        "actions": kinds,
        "did_the_work": expected(kinds),
        "buckets": [
            {
                "bucket": use.bucket,
                "major": use.major,
                "limit": f"{use.limit}/{use.window:g}s",
                "requests": use.requests,
                "floor": use.floor,
            }
            for use in uses[:4]
        ],
    }


def measure(moves: int = 60, creators: int = 60) -> Section:
    half = moves // 2
    results = [
        _measure(
            f"thaw, {moves} contested moves",
            contested_thaw(moves),
            "thaw",
            THAW_AT,
            lambda kinds: kinds.get("cancel-move") == half and kinds.get("unfreeze-move") == half,
        ),
        _measure(
            f"cleanup-commands, {creators} creators",
            stale_commands(creators),
            "cleanup-commands",
            CLEANUP_AT,
            lambda kinds: kinds.get("dm-warning") == creators,
        ),
    ]
    lines = [
        "One pass each against a fresh sandbox with its clock in real time (every wait is real).",
        "The floor is the least time the sandbox's buckets (`leaguectl/sandbox/discord_sim.py`) allow",
        "for the Discord requests the pass made: max over buckets of (ceil(n / limit) − 1) × window.",
        "",
        "| pass | Discord / all requests | 429s | wall | floor (bucket) | wall ÷ floor | CPU | peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    checks = []
    for result in results:
        seen = result["requests"]
        top = result["buckets"][0] if result["buckets"] else {"bucket": "-", "requests": 0, "limit": "-"}
        ratio = result["ratio"]
        lines.append(
            f"| {result['label']} | {seen['discord']} / {seen['total']} | {seen['rate_limited']} "
            f"| {result['wall']:.2f} s | {result['floor']:.1f} s ({top['bucket']}: {top['requests']} at "
            f"{top['limit']}) | {ratio:.2f} | {result['cpu']:.2f} s | {mib(result['maxrss_kib'])} |"
        )
        checks.append((f"{result['label']}: no 429 ({seen['rate_limited']})", seen["rate_limited"] == 0))
        checks.append((f"{result['label']}: within {TARGET}x of the floor ({ratio:.2f}x)", ratio <= TARGET))
        checks.append((f"{result['label']}: did all its work ({result['actions']})", result["did_the_work"]))
    lines += ["", "Busiest buckets:", ""]
    for result in results:
        busiest = ", ".join(
            f"{use['bucket']}{'/…' + use['major'][-4:] if use['major'] else ''}: {use['requests']} → {use['floor']:g} s"
            for use in result["buckets"]
        )
        lines.append(f"* {result['label']}: {busiest}")
    lines += ["", f"Target: within {TARGET}× of the floor, zero 429s."]
    return Section("ratelimit", "Rate-limit efficiency", "\n".join(lines), {"passes": results}, checks)
