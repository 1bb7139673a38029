"""Shared pieces: where leaguectl is, running a child process with its own resource usage, statistics.

Every measured command runs in a fresh child process, like cron runs it. The child's
CPU time and peak memory come from ``os.wait4`` (the child's own ``rusage``, so the
sandbox and this script never count), its wall time from ``time.perf_counter``; a small
helper process starts the children (``bench/spawner.py`` says why).
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
"""The interpreter running the bench: the project's virtualenv, where leaguectl is installed."""

# Variables a child inherits from this process; everything else it gets is explicit.
_INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def console_script() -> str:
    """The ``leaguectl`` console script next to the interpreter (how cron and systemd run it)."""
    beside = Path(PYTHON).parent / "leaguectl"
    if beside.exists():
        return str(beside)
    found = shutil.which("leaguectl")
    if found is None:
        raise SystemExit("bench: no leaguectl console script; install the project (pip install -e .) first")
    return found


def leaguectl_argv(*args: str) -> list[str]:
    """``leaguectl ARGS...`` through the console script."""
    return [console_script(), *args]


def module_argv(*args: str) -> list[str]:
    """``python -m leaguectl ARGS...``."""
    return [PYTHON, "-m", "leaguectl", *args]


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment: a few inherited basics plus ``extra`` (never this shell's LEAGUECTL_* or tokens)."""
    env = {name: os.environ[name] for name in _INHERITED_ENV if name in os.environ}
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class ChildRun:
    """One finished child process and what it cost."""

    argv: tuple[str, ...]
    returncode: int
    wall: float
    user: float
    system: float
    maxrss_kib: int
    stdout: str
    stderr: str

    @property
    def cpu(self) -> float:
        """User plus system CPU seconds of the child alone."""
        return self.user + self.system


class _Spawner:
    """The small helper process (``bench/spawner.py``) that starts and measures every child."""

    def __init__(self) -> None:
        script = Path(__file__).with_name("spawner.py")
        self._process = subprocess.Popen(
            [PYTHON, "-I", "-S", str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise SystemExit("bench: the spawner process died")
        result: dict[str, Any] = json.loads(line)
        return result


_spawner: _Spawner | None = None


def run_child(argv: Sequence[str], env: Mapping[str, str] | None = None, *, timeout: float = 600.0) -> ChildRun:
    """Run ``argv`` to completion and measure it; a child still running after ``timeout`` is killed.

    Children are started by a small helper process (see ``bench/spawner.py``) so that their
    peak RSS is not inflated by this process's own.
    """
    global _spawner
    if _spawner is None:
        _spawner = _Spawner()
    result = _spawner.run({"argv": list(argv), "env": dict(env or child_env()), "timeout": timeout})
    return ChildRun(
        argv=tuple(argv),
        returncode=result["returncode"],
        wall=result["wall"],
        user=result["user"],
        system=result["system"],
        maxrss_kib=result["maxrss_kib"],
        stdout=result["stdout"],
        stderr=result["stderr"],
    )


def require_ok(run: ChildRun, what: str, allowed: Iterable[int] = (0,)) -> ChildRun:
    """Stop the bench when a measured command failed: a failing pass measures nothing useful."""
    if run.returncode not in set(allowed):
        tail = (run.stderr or run.stdout)[-2000:]
        raise SystemExit(f"bench: {what} exited {run.returncode}: {' '.join(run.argv)}\n{tail}")
    return run


@dataclass(frozen=True)
class Summary:
    """Order statistics of one series of measurements (seconds or any unit)."""

    n: int
    median: float
    p10: float
    p90: float
    minimum: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            raise ValueError("no measurements")
        ordered = sorted(values)
        deciles = statistics.quantiles(ordered, n=10, method="inclusive") if len(ordered) > 1 else ordered * 9
        return cls(len(ordered), statistics.median(ordered), deciles[0], deciles[-1], ordered[0])

    def to_json(self) -> dict[str, float]:
        return {"n": self.n, "median": self.median, "p10": self.p10, "p90": self.p90, "min": self.minimum}


def ms(seconds: float) -> str:
    """Seconds as milliseconds for tables."""
    return f"{seconds * 1000:.1f} ms"


def mib(kib: float) -> str:
    """KiB (ru_maxrss on Linux) as MiB for tables."""
    return f"{kib / 1024:.1f} MiB"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def machine() -> dict[str, Any]:
    """When and where the numbers were taken."""
    import leaguectl

    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 0
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": cpus,
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "leaguectl": leaguectl.__version__,
        "commit": _git_commit(),
    }


@dataclass(frozen=True)
class Case:
    """One command measured in an interleaved series."""

    label: str
    argv: tuple[str, ...]
    env: Mapping[str, str] | None = None
    allowed_exit: tuple[int, ...] = (0,)
    before: Callable[[], None] | None = None
    """Called (unmeasured) before each run, e.g. to move the sandbox clock on by a cron minute."""


def interleave(cases: Sequence[Case], rounds: int, *, warmup: int = 2, seed: int = 9) -> dict[str, list[ChildRun]]:
    """Run every case once per round, in a fresh random order each round; warm-up rounds are dropped.

    Interleaving spreads the noise of a shared machine (other processes, CPU frequency)
    evenly over the cases, so their ratios stay meaningful even when absolute times drift.
    """
    shuffler = random.Random(seed)
    runs: dict[str, list[ChildRun]] = {case.label: [] for case in cases}
    order = list(cases)
    for number in range(warmup + rounds):
        shuffler.shuffle(order)
        for case in order:
            if case.before is not None:
                case.before()
            run = require_ok(run_child(case.argv, case.env), case.label, case.allowed_exit)
            if number >= warmup:
                runs[case.label].append(run)
    return runs


@dataclass
class Section:
    """One part of RESULTS.md: a heading, markdown body, and the raw numbers for results.json."""

    key: str
    title: str
    markdown: str
    data: dict[str, Any]
    checks: list[tuple[str, bool]]
