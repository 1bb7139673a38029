"""Printing the demo week for a league admin: rich on a terminal, plain text otherwise, or JSON.

Each pass is shown as it finishes: when it ran (league time) and why, its exit
code and summary, what changed in the guild, in DMs and in the league, and the
checks that decide whether it did what it should. The last line is
`demo: N passes ok` or names the passes that failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Protocol, TextIO

from leaguectl.demo.diff import Change, condensed
from leaguectl.demo.expect import PassResult
from leaguectl.demo.timeline import Step

AREAS = (("guild", "guild"), ("dm", "direct messages"), ("league", "league"))


@dataclass(frozen=True)
class Intro:
    guild: str
    season: int
    week: int
    sandbox_url: str
    timezone: str
    start: datetime
    passes: int


class Renderer(Protocol):
    def intro(self, intro: Intro) -> None: ...
    def not_built(self, step: Step) -> None: ...
    def pass_done(self, number: int, total: int, result: PassResult) -> None: ...
    def finish(self, results: list[PassResult], missing: list[str]) -> None: ...


def league_time(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def summary_of(result: PassResult) -> str:
    report = result.report or {}
    text = str(report.get("summary") or "")
    if not text and result.report is None:
        tail = result.stderr.strip().splitlines()[-1:] or ["no report"]
        text = tail[0]
    return text


def final_line(results: list[PassResult], missing: list[str]) -> str:
    """`demo: N passes ok`, or which passes failed; names the commands not built yet."""
    failed = [r for r in results if not r.ok]
    suffix = f"; not built yet: {', '.join(missing)}" if missing else ""
    if not failed:
        return f"demo: {len(results)} passes ok{suffix}"
    names = ", ".join(
        f"{r.step.command} (exit {r.exit_code})" if r.exit_code else f"{r.step.command} (checks failed)" for r in failed
    )
    return f"demo: {len(failed)} of {len(results)} passes failed: {names}{suffix}"


def _grouped(changes: list[Change]) -> list[tuple[str, list[Change]]]:
    shown = condensed(changes)
    return [
        (title, [c for c in shown if c.area == area]) for area, title in AREAS if any(c.area == area for c in shown)
    ]


# ----------------------------------------------------------------- plain text


@dataclass
class PlainRenderer:
    """Plain text for logs, pipes and CI."""

    out: TextIO
    zone: tzinfo

    def _write(self, *lines: str) -> None:
        self.out.write("".join(line + "\n" for line in lines))
        self.out.flush()

    def intro(self, intro: Intro) -> None:
        self._write(
            f"leaguectl demo: a week of {intro.guild} (season {intro.season}, week {intro.week})",
            f"  simulated Discord + league API + Google Sheets at {intro.sandbox_url}",
            f"  league time {intro.timezone}; {intro.passes} passes of the real commands, each with --now",
            "",
        )

    def not_built(self, step: Step) -> None:
        self._write(f"-- {step.command} at {league_time(step.at, self.zone)}: not built yet, skipped", "")

    def pass_done(self, number: int, total: int, result: PassResult) -> None:
        step = result.step
        lines = [
            f"[{number}/{total}] {step.command} — {league_time(step.at, self.zone)} — {step.why}",
            f"  exit {result.exit_code}: {summary_of(result) or '(no summary)'}",
        ]
        groups = _grouped(result.changes)
        if not groups:
            lines.append("  no changes")
        for title, changes in groups:
            lines.append(f"  {title}:")
            place_width = max(len(c.place) for c in changes)
            kind_width = max(len(c.kind) for c in changes)
            for change in changes:
                text = f"  {change.text}" if change.text else ""
                lines.append(f"    {change.place:<{place_width}}  {change.kind:<{kind_width}}{text}".rstrip())
        for check in result.checks:
            lines.append(f"  {'ok  ' if check.ok else 'FAIL'} {check.text}")
        if not result.ok and result.stderr.strip():
            lines.append("  stderr: " + " | ".join(result.stderr.strip().splitlines()[-3:]))
        self._write(*lines, "")

    def finish(self, results: list[PassResult], missing: list[str]) -> None:
        self._write(final_line(results, missing))


# ----------------------------------------------------------------- rich


@dataclass
class RichRenderer:
    """The same content with colour and aligned tables, for a terminal."""

    out: TextIO
    zone: tzinfo
    console: Any = field(init=False)

    def __post_init__(self) -> None:
        from rich.console import Console

        self.console = Console(file=self.out, highlight=False, soft_wrap=False)

    def intro(self, intro: Intro) -> None:
        from rich.text import Text

        self.console.print(
            Text.assemble(
                ("leaguectl demo", "bold"),
                f": a week of {intro.guild} (season {intro.season}, week {intro.week})\n",
                (f"simulated Discord + league API + Google Sheets at {intro.sandbox_url}\n", "dim"),
                (f"league time {intro.timezone}; {intro.passes} passes of the real commands, each with --now", "dim"),
            )
        )

    def not_built(self, step: Step) -> None:
        from rich.text import Text

        when = league_time(step.at, self.zone)
        self.console.print(Text(f"{step.command} at {when}: not built yet, skipped", style="yellow"))

    def pass_done(self, number: int, total: int, result: PassResult) -> None:
        from rich.text import Text

        step = result.step
        colour = "green" if result.ok else "red"
        self.console.rule(
            Text.assemble(
                (f"{number}/{total} ", "dim"), (step.command, f"bold {colour}"), f"  {league_time(step.at, self.zone)}"
            ),
            style=colour,
        )
        self.console.print(Text(step.why, style="dim italic"))
        self.console.print(
            Text.assemble((f"exit {result.exit_code}", f"bold {colour}"), "  ", summary_of(result) or "(no summary)")
        )
        groups = _grouped(result.changes)
        if not groups:
            self.console.print(Text("no changes", style="dim"))
        for title, changes in groups:
            self.console.print(Text(title, style="bold"))
            place_width = max(len(c.place) for c in changes)
            kind_width = max(len(c.kind) for c in changes)
            for change in changes:
                line = Text.assemble(
                    "  ",
                    (change.place.ljust(place_width), "cyan"),
                    "  ",
                    (change.kind.ljust(kind_width), "magenta"),
                    "  ",
                    change.text,
                )
                self.console.print(line, no_wrap=True, overflow="ellipsis")
        for check in result.checks:
            mark = ("✓ ", "green") if check.ok else ("✗ ", "bold red")
            self.console.print(Text.assemble(mark, check.text))
        if not result.ok and result.stderr.strip():
            self.console.print(Text("stderr: " + " | ".join(result.stderr.strip().splitlines()[-3:]), style="red"))
        self.console.print()

    def finish(self, results: list[PassResult], missing: list[str]) -> None:
        from rich.text import Text

        ok = all(r.ok for r in results)
        self.console.print(Text(final_line(results, missing), style="bold green" if ok else "bold red"))


# ----------------------------------------------------------------- JSON


@dataclass
class JsonRenderer:
    """One JSON object at the end (global --json)."""

    out: TextIO
    zone: tzinfo
    head: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def intro(self, intro: Intro) -> None:
        self.head = {
            "guild": intro.guild,
            "sandbox": intro.sandbox_url,
            "timezone": intro.timezone,
            "start": intro.start.isoformat(),
        }

    def not_built(self, step: Step) -> None:
        self.skipped.append(step.command)

    def pass_done(self, number: int, total: int, result: PassResult) -> None:
        """Nothing until the end: the whole week is one object."""

    def finish(self, results: list[PassResult], missing: list[str]) -> None:
        document = {
            "command": "demo",
            "ok": all(r.ok for r in results),
            **self.head,
            "passes": [
                {
                    "command": r.step.command,
                    "at": r.step.at.isoformat(),
                    "league_time": league_time(r.step.at, self.zone),
                    "why": r.step.why,
                    "exit_code": r.exit_code,
                    "summary": summary_of(r),
                    "ok": r.ok,
                    "checks": [c.to_json() for c in r.checks],
                    "changes": [c.to_json() for c in r.changes],
                }
                for r in results
            ],
            "not_built": missing,
            "final": final_line(results, missing),
        }
        self.out.write(json.dumps(document, ensure_ascii=False) + "\n")
        self.out.flush()
