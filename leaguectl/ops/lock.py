"""Non-overlap locks: one ``flock`` per command (freeze-begin and thaw share one).

The kernel releases a ``flock`` when the process dies, so a crashed pass never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from leaguectl.errors import ConfigError


def _unusable(directory: Path, problem: str) -> ConfigError:
    return ConfigError(
        "LOCK_DIR", f"lock directory {directory} {problem} (set LOCK_DIR to a directory this user can write)"
    )


def lock_directory(configured: Path | None, environ: Mapping[str, str]) -> Path:
    """LOCK_DIR, else $RUNTIME_DIRECTORY, else $XDG_RUNTIME_DIR/leaguectl, else the temp dir."""
    if configured is not None:
        return configured
    if environ.get("RUNTIME_DIRECTORY"):
        # systemd may pass several directories separated by ':'; the first is ours.
        return Path(environ["RUNTIME_DIRECTORY"].split(":")[0])
    if environ.get("XDG_RUNTIME_DIR"):
        return Path(environ["XDG_RUNTIME_DIR"]) / "leaguectl"
    return Path(tempfile.gettempdir()) / f"leaguectl-{os.getuid()}"


def lock_name(group: str, league: tuple[str | None, ...]) -> str:
    """The lock file's name: the lock group plus a short key of the league it acts on.

    Passes of the same command for different leagues (several leagues on one
    host, or test runs against different simulators) never block each other;
    passes for the same league always share the file.
    """
    key = hashlib.sha256("|".join(part or "" for part in league).encode()).hexdigest()[:10]
    return f"{group}-{key}"


class PassLock:
    """An exclusive, non-blocking lock file named after a lock group."""

    def __init__(self, directory: Path, name: str) -> None:
        self.path = directory / f"{name}.lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False (immediately) when another process holds it.

        A lock directory that cannot be used (a file, a missing parent, no write access)
        is a configuration error naming LOCK_DIR (exit 78), never a traceback.
        """
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def _open(self) -> int:
        directory = self.path.parent
        try:
            if not directory.is_dir():
                if directory.exists():
                    raise _unusable(directory, "is not a directory")
                if not directory.parent.is_dir():
                    raise _unusable(directory, "does not exist, nor does its parent directory: create it")
                # One missing level is created (e.g. $XDG_RUNTIME_DIR/leaguectl); a deeper typo is not.
                directory.mkdir(mode=0o700, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise _unusable(directory, f"cannot be used for lock files ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise _unusable(directory, f"is not a usable path ({exc})") from None

    def holder_pid(self) -> int | None:
        """The pid written by the current holder, if readable."""
        try:
            text = self.path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
