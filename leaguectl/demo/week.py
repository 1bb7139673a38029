"""`leaguectl demo`: a league week through the real commands against an in-process sandbox.

The sandbox runs on a free loopback port with the built-in demo league, on a
manual clock. Each pass is `leaguectl --json --now <t> <command>` run
in-process (`leaguectl.cli.run`) with a runtime whose environment points at
the sandbox, whose clock is the sandbox clock and whose sleeper advances it, so
rate-limit waits cost no real time and the week takes seconds. Between passes
the demo diffs the sandbox's state to show what changed and checks each pass
against the scenario's expectations.
"""

from __future__ import annotations

import io
import json
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from leaguectl.demo.diff import diff_snapshots
from leaguectl.demo.expect import DemoFacts, PassResult, check_pass, live_current
from leaguectl.demo.render import Intro, JsonRenderer, PlainRenderer, Renderer, RichRenderer
from leaguectl.demo.timeline import Step, plan_week
from leaguectl.errors import ExitCode
from leaguectl.runtime import Runtime

CONFIG_FILE_TEXT = "# leaguectl demo: every setting comes from the environment the demo builds.\n"


def registered_commands() -> set[str]:
    """Names of the top-level commands this leaguectl has (a command issue may not have landed yet)."""
    import typer

    from leaguectl.cli import app

    commands = getattr(typer.main.get_command(app), "commands", None)
    return set(commands) if isinstance(commands, dict) else set()


def demo_environment(sandbox: Any, workdir: Path) -> dict[str, str]:
    """The sandbox's settings plus isolation: an empty config file (so no real config file is read) and own locks."""
    environ: dict[str, str] = dict(sandbox.env(workdir))
    config = workdir / "leaguectl.toml"
    config.write_text(CONFIG_FILE_TEXT, encoding="utf-8")
    locks = workdir / "locks"
    locks.mkdir(exist_ok=True)
    environ["LEAGUECTL_CONFIG"] = str(config)
    environ["LOCK_DIR"] = str(locks)
    return environ


def run_step(sandbox: Any, environ: dict[str, str], step: Step) -> PassResult:
    """Run one pass in-process at `step.at` and capture the world before and after it."""
    from leaguectl.cli import run

    for key, values in step.sheets.items():
        sandbox.set_sheet(key, values)
    clock = sandbox.clock
    clock.set(step.at)
    before = sandbox.state.snapshot()
    stdout, stderr = io.StringIO(), io.StringIO()
    runtime = Runtime(clock=clock, sleep=clock.advance, stdout=stdout, stderr=stderr, environ=dict(environ))
    try:
        code = run(["--json", "--now", step.at.isoformat(), step.command], runtime=runtime)
    except Exception as exc:  # a crash outside the pass runner: the demo reports it as this pass's failure
        code = int(ExitCode.SOFTWARE)
        runtime.stderr.write(f"{step.command} crashed: {type(exc).__name__}: {exc}\n")
    after = sandbox.state.snapshot()
    report: dict[str, Any] | None
    try:
        parsed = json.loads(stdout.getvalue())
        report = parsed if isinstance(parsed, dict) else None
    except ValueError:
        report = None
    changes = diff_snapshots(before, after)
    return PassResult(step, code, report, before, after, changes, stderr=stderr.getvalue())


def _facts(sandbox: Any, demo: dict[str, Any]) -> DemoFacts:
    links = {link.voice_channel_id: link.text_channel_id for link in sandbox.state.voice_links}
    return DemoFacts(expect=dict(demo.get("expect") or {}), tasks=list(demo.get("tasks") or []), voice_links=links)


def _renderer(runtime: Runtime, zone: ZoneInfo, json_output: bool) -> Renderer:
    if json_output:
        return JsonRenderer(runtime.stdout, zone)
    if runtime.stdout_is_terminal():
        return RichRenderer(runtime.stdout, zone)
    return PlainRenderer(runtime.stdout, zone)


@contextmanager
def _stop_on_sigterm() -> Iterator[threading.Event]:
    """SIGTERM ends the demo after the pass that is running (which itself stops at a safe point)."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def on_sigterm(signum: int, frame: object) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_demo(runtime: Runtime, *, workdir: Path | None = None, json_output: bool = False) -> int:
    """Run the demo week and print it; returns 0 when every pass did what it should, else 1."""
    from leaguectl.sandbox import Sandbox, SandboxClock, demo_scenario

    start: datetime = runtime.clock.now()
    scenario = demo_scenario(start)
    demo = dict(scenario.get("demo") or {})
    steps = plan_week(demo)
    available = registered_commands()
    zone = ZoneInfo(str(scenario.get("timezone", "UTC")))
    renderer = _renderer(runtime, zone, json_output)
    results: list[PassResult] = []
    missing: list[str] = []
    with tempfile.TemporaryDirectory(prefix="leaguectl-demo-") as scratch, _stop_on_sigterm() as stop:
        files = Path(workdir) if workdir is not None else Path(scratch)
        files.mkdir(parents=True, exist_ok=True)
        with Sandbox(scenario, clock=SandboxClock(start)) as sandbox:
            environ = demo_environment(sandbox, files)
            current = live_current(sandbox.state.snapshot())
            runnable = [step for step in steps if step.command in available]
            renderer.intro(
                Intro(
                    guild=sandbox.state.discord.guild_name,
                    season=int(current["season"]),
                    week=int(current["week"]),
                    sandbox_url=sandbox.base_url,
                    timezone=str(zone),
                    start=start,
                    passes=len(runnable),
                )
            )
            facts = _facts(sandbox, demo)
            for step in steps:
                if stop.is_set():
                    break
                if step.command not in available:
                    if step.command not in missing:
                        missing.append(step.command)
                    renderer.not_built(step)
                    continue
                result = run_step(sandbox, environ, step)
                result.checks = check_pass(result, facts)
                results.append(result)
                renderer.pass_done(len(results), len(runnable), result)
                if result.exit_code == ExitCode.TERMINATED:
                    stop.set()  # SIGTERM reached the pass's own handler: end the week here too
    renderer.finish(results, missing)
    if stop.is_set():
        return int(ExitCode.TERMINATED)
    return int(ExitCode.OK) if results and all(r.ok for r in results) else int(ExitCode.PARTIAL)
