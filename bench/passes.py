"""No-op passes and requests per pass, against the sandbox served from its own process.

* No-op: ``run-due-tasks`` with nothing due and ``scorebug-tick`` with no published game,
  interleaved with the start-up floor; the sandbox clock moves on a minute before each run,
  as between two cron runs, so no pass waits on an earlier pass's rate-limit window.
* Requests per pass: the demo league's week (``demo_scenario``; its ``demo`` section says
  when each pass runs), then a third scorebug tick with the sheets unchanged, which must
  make no mutating Discord request.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    PYTHON,
    REPO,
    Case,
    ChildRun,
    Section,
    Summary,
    child_env,
    interleave,
    leaguectl_argv,
    mib,
    ms,
    require_ok,
    run_child,
)
from bench.sandboxproc import SandboxProcess
from bench.scenarios import quiet_league

FLOOR = 'python -c "import typer, httpx"'
NOOP_TARGET = 1.5
NOOP_COMMANDS = ("run-due-tasks", "scorebug-tick")
UNCHANGED = "sheets unchanged since the last tick"


def report_of(run: ChildRun) -> dict[str, Any]:
    """The pass report a ``--json`` run printed."""
    try:
        report: dict[str, Any] = json.loads(run.stdout)
    except ValueError as exc:
        tail = run.stdout[-500:] + run.stderr[-1500:]
        raise SystemExit(f"bench: no JSON report from {' '.join(run.argv)}:\n{tail}") from exc
    return report


def log_counts(log: list[dict[str, Any]]) -> dict[str, int]:
    """Requests seen by the sandbox: per service, mutating Discord requests, 429s."""
    services = Counter(entry["service"] for entry in log)
    return {
        "total": len(log),
        "discord": services["discord"],
        "league": services["league"],
        "sheets": services["sheets"] + services["oauth"],
        "discord_mutating": sum(1 for entry in log if entry["service"] == "discord" and entry["mutating"]),
        "rate_limited": sum(1 for entry in log if entry["rate_limited"]),
    }


# ------------------------------------------------------------------------------ no-op passes


def _tree_argv(tree: Path, *args: str) -> tuple[str, ...]:
    """``leaguectl ARGS`` run from the source tree ``tree`` (ahead of the installed package)."""
    shim = f"import sys; sys.path.insert(0, {str(tree)!r}); from leaguectl.cli import main; main()"
    return (PYTHON, "-c", shim, *args)


def _baseline_tree(ref: str, into: Path) -> Path:
    """``leaguectl/`` as it was at git ``ref``, extracted under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "leaguectl"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise SystemExit(f"bench: cannot read {ref!r}: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuse anything but plain files and directories
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)  # our own repository's archive
    return into


def _baseline_cases(ref: str, tree: Path, env: dict[str, str], before: Any) -> list[Case]:
    """The no-op passes from this tree and from ``ref``'s, both through the same ``python -c`` shim."""
    cases = []
    for command in NOOP_COMMANDS:
        cases.append(Case(f"{command} (this tree)", _tree_argv(REPO, "-q", command), env, before=before))
        cases.append(Case(f"{command} (at {ref})", _tree_argv(tree, "-q", command), env, before=before))
    return cases


def _baseline_lines(ref: str, runs: dict[str, list[ChildRun]]) -> tuple[list[str], dict[str, Any]]:
    lines = [
        "",
        f"The same passes from this tree and from `{ref}` (before), interleaved in the same rounds, both",
        "started with `python -c` (the console script adds the same small cost to either):",
        "",
        "| pass | median wall | CPU (median) | CPU p10 | CPU p90 |",
        "|---|---:|---:|---:|---:|",
    ]
    data: dict[str, Any] = {"ref": ref}
    for command in NOOP_COMMANDS:
        for label in (f"{command} (this tree)", f"{command} (at {ref})"):
            wall = Summary.of([run.wall for run in runs[label]])
            cpu = Summary.of([run.cpu for run in runs[label]])
            lines.append(f"| `{label}` | {ms(wall.median)} | {ms(cpu.median)} | {ms(cpu.p10)} | {ms(cpu.p90)} |")
            data[label] = {"wall": wall.to_json(), "cpu": cpu.to_json()}
    return lines, data


def measure_noop(rounds: int, baseline: str | None = None) -> Section:
    """No-op passes against the floor; with ``baseline`` (a git ref) also the same passes from that ref."""
    with tempfile.TemporaryDirectory(prefix="leaguectl-bench-") as scratch:
        return _measure_noop(rounds, baseline, Path(scratch))


def _measure_noop(rounds: int, baseline: str | None, scratch: Path) -> Section:
    now = datetime.now(UTC).replace(microsecond=0)
    with SandboxProcess(quiet_league(now)) as sandbox:
        env = child_env(sandbox.env)
        for command in NOOP_COMMANDS:  # converge first: the first tick may tidy what the demo left
            sandbox.advance()
            require_ok(run_child(leaguectl_argv(command), env), command)
        cases = [Case(FLOOR, (PYTHON, "-c", "import typer, httpx"))]
        for command in NOOP_COMMANDS:
            cases.append(Case(command, tuple(leaguectl_argv("-q", command)), env, before=sandbox.advance))
        if baseline is not None:
            cases += _baseline_cases(baseline, _baseline_tree(baseline, scratch), env, sandbox.advance)
        runs = interleave(cases, rounds)
        requests = {}
        for command in NOOP_COMMANDS:
            sandbox.advance()
            sandbox.clear_log()
            run = require_ok(run_child(leaguectl_argv("--json", command), env), command)
            requests[command] = {"report": report_of(run)["stats"], "sandbox": log_counts(sandbox.log())}
    floor = Summary.of([run.wall for run in runs[FLOOR]]).median
    lines = [
        f"Medians of {rounds} interleaved runs each; the sandbox clock moves on 60 s before each pass.",
        "",
        "| pass | median wall | p10 | p90 | × floor | CPU (median) | peak RSS | requests (Discord/league) | mutating |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| `{FLOOR}` | {ms(floor)} | | | 1.00 | | | | |",
    ]
    data: dict[str, Any] = {"rounds": rounds, "floor": floor}
    checks = []
    for command in NOOP_COMMANDS:
        series = runs[command]
        wall = Summary.of([run.wall for run in series])
        cpu = Summary.of([run.cpu for run in series])
        rss = Summary.of([float(run.maxrss_kib) for run in series])
        seen = requests[command]["sandbox"]
        ratio = wall.median / floor
        lines.append(
            f"| `leaguectl {command}` (no-op) | {ms(wall.median)} | {ms(wall.p10)} | {ms(wall.p90)} | {ratio:.2f} "
            f"| {ms(cpu.median)} | {mib(rss.median)} | {seen['discord']}/{seen['league']} | "
            f"{seen['discord_mutating']} |"
        )
        data[command] = {
            "wall": wall.to_json(),
            "cpu": cpu.to_json(),
            "maxrss_kib": rss.to_json(),
            "ratio": ratio,
            "requests": requests[command],
        }
        checks.append((f"no-op {command} within {NOOP_TARGET}x of the floor ({ratio:.2f}x)", ratio <= NOOP_TARGET))
        checks.append((f"no-op {command} changes nothing on Discord", seen["discord_mutating"] == 0))
    lines += ["", f"Target: a no-op pass within {NOOP_TARGET}× of the `import typer, httpx` floor."]
    if baseline is not None:
        more, data["baseline"] = _baseline_lines(baseline, runs)
        lines += more
    return Section("noop", "No-op passes", "\n".join(lines), data, checks)


# ------------------------------------------------------------------------------ requests per pass


def _ok_exits(row: dict[str, Any]) -> tuple[int, ...]:
    """run-due-tasks exits 1 in the demo's first pass: it reports the deliberately broken task (once)."""
    return (0, 1) if row["command"] == "run-due-tasks" else (0,)


def measure_requests() -> Section:
    from leaguectl.demo.timeline import plan_week
    from leaguectl.sandbox import demo_scenario

    start = datetime.now(UTC).replace(second=0, microsecond=0)
    scenario = demo_scenario(start)
    steps = plan_week(scenario["demo"])
    last_tick = max(step.at for step in steps if step.command == "scorebug-tick")
    rows: list[dict[str, Any]] = []
    with SandboxProcess(scenario) as sandbox:
        env = child_env(sandbox.env)
        plan = [(step.command, step.at, step.sheets, step.why) for step in steps]
        plan.append(("scorebug-tick", last_tick + timedelta(minutes=1), {}, UNCHANGED))
        plan.sort(key=lambda item: item[1])
        for command, at, sheets, why in plan:
            for key, values in sheets.items():
                sandbox.set_sheet(key, values)
            sandbox.set_clock(at)
            sandbox.clear_log()
            run = run_child(leaguectl_argv("--json", "--now", at.isoformat(), command), env)
            report = report_of(run)
            rows.append(
                {
                    "command": command,
                    "at": at.isoformat(),
                    "why": why,
                    "exit": run.returncode,
                    "wall": run.wall,
                    "stats": report.get("stats", {}),
                    "sandbox": log_counts(sandbox.log()),
                }
            )
    lines = [
        "The demo league's week (`leaguectl.sandbox.demo_scenario`, passes at the times its `demo` section",
        "gives), then one more scorebug tick with the sheets unchanged. `stats` is the report's",
        "`stats.http_requests`; the other columns count the sandbox's request log. The first run-due-tasks",
        "exits 1: the demo's tasks channel holds a deliberately malformed task, reported once per problem.",
        "",
        "| pass | at (UTC) | exit | `http_requests` | Discord | league | Sheets+OAuth | mutating | 429s | wall |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        seen = row["sandbox"]
        label = row["command"] + (" (unchanged)" if row["why"] == UNCHANGED else "")
        lines.append(
            f"| `{label}` | {row['at'][5:16].replace('T', ' ')} | {row['exit']} | {row['stats'].get('http_requests')} "
            f"| {seen['discord']} | {seen['league']} | {seen['sheets']} | {seen['discord_mutating']} "
            f"| {seen['rate_limited']} | {row['wall']:.2f} s |"
        )
    unchanged = next((row for row in rows if row["why"] == UNCHANGED), None)
    checks = [
        (f"{row['command']} at {row['at'][:16]} exits {row['exit']}", row["exit"] in _ok_exits(row)) for row in rows
    ]
    checks.append(("no 429 in the demo week", all(row["sandbox"]["rate_limited"] == 0 for row in rows)))
    if unchanged is not None:
        mutating = unchanged["sandbox"]["discord_mutating"]
        checks.append((f"unchanged scorebug tick: {mutating} mutating Discord requests (must be 0)", mutating == 0))
        lines += ["", f"Mutating Discord requests on the unchanged scorebug tick: **{mutating}** (must be 0)."]
    return Section("requests", "Requests per pass (demo league)", "\n".join(lines), {"passes": rows}, checks)
