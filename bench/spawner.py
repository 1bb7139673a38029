"""Starts the measured commands from a small process, so their peak memory is their own.

Linux carries a process's peak RSS (``ru_maxrss``) across ``execve``, and a child forked
(or vforked) from a big process starts with its parent's peak: measured from the bench
itself, which holds scenarios of 10,000 messages, every child would look as big as the
bench. This script imports only the standard library and is started with ``python -I -S``,
so it stays smaller than any command it measures.

Protocol: one JSON job per stdin line ``{"argv", "env", "timeout"}``; one JSON result per
stdout line ``{"returncode", "wall", "user", "system", "maxrss_kib", "stdout", "stderr"}``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


def run(job: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(job["argv"], stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=job["env"])
        watchdog = threading.Timer(job["timeout"], process.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "returncode": process.returncode,
            "wall": wall,
            "user": usage.ru_utime,
            "system": usage.ru_stime,
            "maxrss_kib": usage.ru_maxrss,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


def main() -> None:
    for line in sys.stdin:
        sys.stdout.write(json.dumps(run(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
