"""Start-up: ``leaguectl --help`` / ``--version`` against the floor ``python -c "import typer, httpx"``.

cron starts a fresh interpreter every minute, so start-up is paid 1,440 times a day.
The console script is measured the way cron runs it, and ``python -m leaguectl`` too;
``python -c pass`` shows the interpreter's own share.
"""

from __future__ import annotations

from bench.common import PYTHON, Case, Section, Summary, interleave, leaguectl_argv, mib, module_argv, ms

FLOOR = 'python -c "import typer, httpx"'
HELP_TARGET = 1.15


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
    return Section(
        key="startup",
        title="Start-up",
        markdown="\n".join(lines),
        data={
            "rounds": rounds,
            "wall": {label: summary.to_json() for label, summary in walls.items()},
            "maxrss_kib": {label: summary.to_json() for label, summary in rss.items()},
            "help_ratio": help_ratio,
        },
        checks=[(f"--help within {HELP_TARGET}x of the floor ({help_ratio:.2f}x)", help_ratio <= HELP_TARGET)],
    )
