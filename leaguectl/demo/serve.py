"""`leaguectl sandbox`: serve the sandbox on loopback until Ctrl-C or SIGTERM.

stdout gets shell `export NAME=value` lines (values shell-quoted) that point
leaguectl at the sandbox, then one `# ready` comment line, so the output can be
saved and sourced from another shell. The sandbox's clock runs in real time
from now (the global `--now`, or the scenario's absolute `now`), so an admin can
run commands against it by hand. The exports include `LEAGUECTL_SANDBOX_URL`:
every pass run with them first sets the sandbox's clock to its own now, so
`leaguectl --now T thaw` acts at T on both sides (`leaguectl/demo/sandbox_clock.py`).
"""

from __future__ import annotations

import shlex
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from leaguectl.errors import ExitCode, UsageError
from leaguectl.runtime import Runtime

READY_PREFIX = "# leaguectl sandbox ready"
"""The last line printed on stdout once the sandbox answers; tests and scripts wait for it."""


def load_scenario_file(path: Path, now: datetime) -> dict[str, Any]:
    """A scenario from a TOML or JSON scenario file, its relative times placed around `now`.

    Any problem is a usage error naming the file, the place in it and what is wrong.
    """
    from leaguectl.sandbox.scenario_file import ScenarioFileError, read_scenario_file

    try:
        return read_scenario_file(path, now=now)
    except ScenarioFileError as exc:
        raise UsageError(f"--scenario {exc}") from None


def export_lines(environ: dict[str, str]) -> list[str]:
    """`export NAME=value` lines, each value quoted for POSIX shells."""
    return [f"export {name}={shlex.quote(value)}" for name, value in environ.items()]


@contextmanager
def _until_signal() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT (Ctrl-C); the previous handlers come back afterwards."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve_sandbox(
    runtime: Runtime,
    *,
    port: int = 0,
    scenario_file: Path | None = None,
    demo_league: bool = True,
    workdir: Path | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve until a signal (or `stop`, for tests in-process) arrives; returns the exit status (0)."""
    from leaguectl.demo.sandbox_clock import SANDBOX_URL_ENV
    from leaguectl.demo.week import demo_environment
    from leaguectl.sandbox import Sandbox, SandboxClock, ScenarioError, demo_scenario
    from leaguectl.sandbox.scenario_load import parse_time

    now = runtime.clock.now()
    if scenario_file is not None:
        scenario = load_scenario_file(scenario_file, now)
        source = str(scenario_file)
    elif demo_league:
        scenario, source = demo_scenario(now), "the built-in demo league"
    else:
        scenario, source = {}, "an empty guild"
    try:
        start = parse_time(scenario["now"], "scenario.now") if "now" in scenario else now
        sandbox = Sandbox(scenario, clock=SandboxClock(start, manual=False), port=port)
    except (ScenarioError, ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"scenario from {source} is not valid: {exc}") from None
    with ExitStack() as stack:
        if workdir is None:
            files = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="leaguectl-sandbox-")))
        else:
            files = Path(workdir)
            files.mkdir(parents=True, exist_ok=True)
        try:
            sandbox.start()
        except OSError as exc:
            raise UsageError(f"--port {port}: cannot listen on 127.0.0.1 ({exc.strerror or exc})") from None
        stack.callback(sandbox.stop)
        signalled = stack.enter_context(_until_signal())
        environ = demo_environment(sandbox, files)
        environ[SANDBOX_URL_ENV] = sandbox.base_url  # passes set the sandbox's clock to theirs
        out = runtime.stdout
        out.write("\n".join(export_lines(environ)) + "\n")
        out.write(f"{READY_PREFIX} at {sandbox.base_url} ({source}); Ctrl-C or SIGTERM stops it\n")
        out.flush()
        runtime.stderr.write(
            f"leaguectl sandbox: serving {source} at {sandbox.base_url}, clock at {start.isoformat()}.\n"
            "Use it from another shell by sourcing the export lines above, e.g. save them with\n"
            '  leaguectl sandbox --port 8765 | tee sandbox.env   and then   eval "$(cat sandbox.env)"\n'
            "Each command run with them sets this clock to its own now first: use --now to act at any time.\n"
        )
        runtime.stderr.flush()
        while not (signalled.is_set() or (stop is not None and stop.is_set())):
            signalled.wait(0.2)
    runtime.stderr.write("leaguectl sandbox: stopped\n")
    return int(ExitCode.OK)
