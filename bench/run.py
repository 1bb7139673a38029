"""Run leaguectl's benchmarks and write ``bench/RESULTS.md`` (and ``bench/results.json``).

Usage, with the project's virtualenv Python (the one leaguectl is installed in)::

    .venv/bin/python bench/run.py all              # everything (about 5 minutes)
    .venv/bin/python bench/run.py startup noop     # some sections; the others keep their last numbers
    .venv/bin/python bench/run.py all --quick      # fewer rounds, for a smoke run
    .venv/bin/python bench/run.py noop --baseline REF   # also the no-op passes as of commit REF (before/after)

Sections: startup, noop, requests, ratelimit, scale, sleeps, schedules, compare. Each is measured in
child processes (the command as cron runs it) against a sandbox served from its own process, except
schedules, which times schedule evaluation in-process.

Every run of ``startup`` or ``noop`` also appends its headline ratios to a history table at the end
of RESULTS.md, with the commit and an optional ``--label``, so that a change's effect on start-up
is shown before and after (run the sections once before the change and once after). On a busy
machine separate runs differ by noise; ``compare --against REF`` (not part of ``all``) runs this
tree's no-op passes and REF's interleaved in one run, which shows a difference of a few ms.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``leaguectl`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Section, machine

HERE = Path(__file__).resolve().parent
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "RESULTS.md"
ORDER = ("startup", "noop", "requests", "ratelimit", "scale", "sleeps", "schedules", "compare")
ALL = ORDER[:-1]
HISTORY_SECTIONS = ("startup", "noop", "compare")
HISTORY_KEPT = 30


def _measure(name: str, args: argparse.Namespace) -> Section:
    if name == "startup":
        from bench import startup

        return startup.measure(args.rounds)
    if name == "noop":
        from bench import passes

        return passes.measure_noop(args.rounds, args.baseline)
    if name == "requests":
        from bench import passes

        return passes.measure_requests()
    if name == "ratelimit":
        from bench import limits

        return limits.measure(args.moves, args.creators)
    if name == "sleeps":
        from bench import sleeps

        return sleeps.measure()
    if name == "schedules":
        from bench import schedules

        return schedules.measure()
    if name == "compare":
        from bench import compare

        return compare.measure(args.against, args.rounds)
    from bench import scale

    return scale.measure(tuple(args.sizes), args.repeat)


def _load() -> dict[str, Any]:
    try:
        stored: dict[str, Any] = json.loads(RESULTS_JSON.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"sections": {}}
    return stored


def _render(stored: dict[str, Any]) -> str:
    latest = stored.get("machine", {})
    lines = [
        "# leaguectl benchmark results",
        "",
        "Written by `python bench/run.py` (see `bench/run.py`); do not edit by hand.",
        "",
        f"* last run: {latest.get('date')} (commit {latest.get('commit')}, leaguectl {latest.get('leaguectl')})",
        f"* machine: {latest.get('nproc')} CPUs (`nproc`), {latest.get('cpu')}, {latest.get('platform')}",
        f"* Python {latest.get('python')}",
        "",
        "## Targets",
        "",
    ]
    sections = stored.get("sections", {})
    for name in ORDER:
        for text, ok in sections.get(name, {}).get("checks", []):
            lines.append(f"* {'✅' if ok else '❌'} {text}")
    for name in ORDER:
        section = sections.get(name)
        if section is None:
            continue
        measured = section["machine"]
        lines += [
            "",
            f"## {section['title']}",
            "",
            f"_Measured {measured['date']} at commit {measured['commit']}; load average before: "
            f"{', '.join(str(value) for value in measured['load_average'])}._",
            "",
            section["markdown"],
        ]
    lines += _render_history(stored.get("history", []))
    return "\n".join(lines) + "\n"


def _headline(name: str, data: dict[str, Any]) -> str:
    """The ratios a start-up change moves, in one cell: what the history table compares."""
    if name == "startup":
        return f"`--help` {data['help_ratio']:.2f}×"
    if name == "compare":
        ratios = {key: value["cpu_ratio"] for key, value in data.items() if isinstance(value, dict)}
        return ", ".join(f"no-op `{command}` CPU {ratio:.2f}× {data['against']}'s" for command, ratio in ratios.items())
    ratios = {key: value["ratio"] for key, value in data.items() if isinstance(value, dict) and "ratio" in value}
    return ", ".join(f"no-op `{command}` {ratio:.2f}×" for command, ratio in ratios.items())


def _history_entry(name: str, section: Section, facts: dict[str, Any], label: str) -> dict[str, Any]:
    return {
        "date": facts["date"],
        "commit": facts["commit"],
        "section": name,
        "label": label,
        "figures": _headline(name, section.data),
    }


def _render_history(history: list[dict[str, Any]]) -> list[str]:
    """Start-up and no-op ratios of the last runs, oldest first, so a change shows before and after."""
    if not history:
        return []
    lines = [
        "",
        "## History of start-up figures",
        "",
        "Each run of `startup` or `noop` (× the same run's floor) and of `compare` (CPU × the other"
        " commit's, same run); `--label` says what was measured.",
        "",
        "| date | commit | section | label | figures |",
        "|---|---|---|---|---|",
    ]
    for entry in history:
        lines.append(
            f"| {entry['date']} | {entry['commit']} | {entry['section']} | {entry['label']} | {entry['figures']} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sections", nargs="+", choices=(*ORDER, "all"), help="what to measure")
    parser.add_argument("--against", default="main", help="the commit `compare` measures this tree against")
    parser.add_argument("--rounds", type=int, default=30, help="runs per command for start-up and no-op passes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per channel size for scale")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 5_000, 10_000], help="task counts")
    parser.add_argument("--moves", type=int, default=60, help="contested moves in the thaw")
    parser.add_argument("--creators", type=int, default=60, help="creators in the cleanup")
    parser.add_argument("--quick", action="store_true", help="5 rounds, 1 repeat: a smoke run")
    parser.add_argument(
        "--baseline", metavar="GIT_REF", help="noop: also run the passes from this commit's leaguectl (before/after)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; keep RESULTS.md as it is")
    parser.add_argument("--label", default="", help="what this run measures, for the history table")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.repeat = 5, 1
    names = ALL if "all" in args.sections else tuple(name for name in ORDER if name in args.sections)
    stored = _load()
    missed = 0
    for name in names:
        print(f"== {name}", flush=True)
        facts = machine()
        section = _measure(name, args)
        print(section.markdown, flush=True)
        for text, ok in section.checks:
            missed += not ok
            print(f"{'PASS' if ok else 'MISS'} {text}", flush=True)
        stored["machine"] = facts
        stored.setdefault("sections", {})[name] = {
            "title": section.title,
            "machine": facts,
            "markdown": section.markdown,
            "checks": section.checks,
            "data": section.data,
        }
        if name in HISTORY_SECTIONS:
            history = [*stored.get("history", []), _history_entry(name, section, facts, args.label)]
            stored["history"] = history[-HISTORY_KEPT:]
        if not args.no_write:
            RESULTS_JSON.write_text(json.dumps(stored, indent=1, default=str) + "\n", encoding="utf-8")
            RESULTS_MD.write_text(_render(stored), encoding="utf-8")
    print(f"== {missed} target(s) missed" if missed else "== every target met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
