"""Logging to stderr: plain lines, or ``<N>``-prefixed lines under systemd's journal."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TextIO

from leaguectl.redact import scrub

# syslog priorities (sd-daemon(3)) by logging level
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class _Formatter(logging.Formatter):
    def __init__(self, journal: bool) -> None:
        super().__init__()
        self._journal = journal

    def format(self, record: logging.LogRecord) -> str:
        text = scrub(f"{record.levelname.lower()}: {record.getMessage()}")
        if record.exc_info and record.levelno >= logging.DEBUG and logging.getLogger("leaguectl").level <= 10:
            text += "\n" + scrub(self.formatException(record.exc_info))
        if self._journal:
            priority = _PRIORITY.get(record.levelno, 6)
            return "\n".join(f"<{priority}>{line}" for line in text.splitlines())
        return text


def configure_logging(verbosity: int, stream: TextIO, environ: Mapping[str, str]) -> None:
    """Set up the ``leaguectl`` logger: -q → errors only, default warnings+info, -v → debug."""
    level = {-2: logging.CRITICAL, -1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        max(-2, min(verbosity, 2)), logging.DEBUG
    )
    logger = logging.getLogger("leaguectl")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_Formatter(journal=bool(environ.get("JOURNAL_STREAM"))))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
