"""The sandbox in its own process (``leaguectl sandbox --scenario``), driven through its control surface.

Serving it from a separate process keeps its CPU and memory out of every measurement,
and its clock runs in real time (``manual=False``), so the rate limits it enforces are
the ones a real pass waits for.
"""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
import urllib.request
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from bench.common import PYTHON, child_env

READY_PREFIX = "# leaguectl sandbox ready"
LOCK_GROUPS = ("transactions", "run-due-tasks", "scorebug-tick", "cleanup-commands")
_EXPORT = "export "


class SandboxProcess:
    """A served sandbox: ``env`` points leaguectl at it; ``log()``, ``set_clock()`` etc. control it."""

    def __init__(self, scenario: dict[str, Any]) -> None:
        self._scenario = scenario
        self._tmp = tempfile.TemporaryDirectory(prefix="leaguectl-bench-")
        self.workdir = Path(self._tmp.name)
        self.env: dict[str, str] = {}
        self.base_url = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> SandboxProcess:
        scenario_file = self.workdir / "scenario.json"
        scenario_file.write_text(json.dumps(self._scenario), encoding="utf-8")
        files = self.workdir / "files"
        argv = [PYTHON, "-m", "leaguectl", "sandbox", "--scenario", str(scenario_file), "--workdir", str(files)]
        self._process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=child_env(),
        )
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith(READY_PREFIX):
                self.base_url = line.split(" at ", 1)[1].split()[0]
                break
            if line.startswith(_EXPORT):
                name, _, value = line[len(_EXPORT) :].rstrip("\n").partition("=")
                self.env[name] = _unquote(value)
        else:
            raise SystemExit("bench: the sandbox exited before it was ready")
        # The bench moves the sandbox clock itself (advance(), set_clock()); a pass that synced the
        # clock to its own time would undo that, and would cost a request no real deployment makes.
        self.env.pop("LEAGUECTL_SANDBOX_URL", None)
        self._steady_state()
        return self

    def _steady_state(self) -> None:
        """Record that each scheduled command's last pass succeeded, as on a host that has run them before.

        Otherwise the first pass of each command after a failure it cannot rule out also asks
        Discord whether a failure alert needs a recovery note (about four requests), which is
        not what a pass costs in steady state. The file is the ops hooks' own exit-status hint.
        """
        lock_dir = Path(self.env.get("LOCK_DIR", self.workdir / "files" / "locks"))
        lock_dir.mkdir(parents=True, exist_ok=True)
        for group in LOCK_GROUPS:
            (lock_dir / f"{group}.last-exit").write_text("0\n", encoding="utf-8")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()
        self._process = None
        self._tmp.cleanup()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- control surface

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base_url}/_sandbox{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
        return json.loads(raw) if raw.strip() else None

    def log(self) -> list[dict[str, Any]]:
        """Every request the simulated services saw since the last ``clear_log``."""
        entries: list[dict[str, Any]] = self._call("GET", "/log")
        return entries

    def clear_log(self) -> None:
        self._call("DELETE", "/log")

    def set_clock(self, moment: datetime) -> None:
        """Set the sandbox clock; it runs on in real time from there."""
        self._call("POST", "/clock", {"now": moment.isoformat()})

    def advance(self, seconds: float = 60.0) -> None:
        """Move the sandbox clock on, so every rate-limit window of earlier passes has closed (cron's minute)."""
        self._call("POST", "/clock", {"advance": seconds})

    def set_sheet(self, key: str, values: list[list[Any]], tab: str = "Scorebug") -> None:
        self._call("POST", f"/sheets/{key}", {"values": values, "tab": tab})

    def state(self) -> dict[str, Any]:
        snapshot: dict[str, Any] = self._call("GET", "/state")
        return snapshot


def _unquote(value: str) -> str:
    """Undo ``shlex.quote`` (the sandbox prints shell-quoted export values)."""
    import shlex

    parts = shlex.split(value)
    return parts[0] if parts else ""
