"""The one place that formats leaguectl's logs: text, journald ``<N>`` prefixes, or JSON lines.

Logs are events, not prose scattered through the code: the pass report logs its
actions, skips, warnings and errors as they are recorded (:mod:`leaguectl.report`),
the runtime's HTTP layer logs every request (:mod:`leaguectl.transport`), and the
pass runner logs the start and end of a pass. Each event is a log record whose
``event`` names what happened and whose ``fields`` carry its facts; this module
turns records into stderr lines:

* ``text`` (the default): ``level: message``, one line per record;
* ``json``: one JSON object per line, ``time``, ``level``, ``command``, ``event``,
  ``message`` and the event's fields (for Kubernetes, Loki, Datadog);
* under systemd's journal (``JOURNAL_STREAM`` names stderr) every line, including
  each line of a multi-line record, starts with the syslog priority ``<3>``,
  ``<4>``, ``<6>`` or ``<7>`` of its level, so ``journalctl -p warning`` works.

Levels: ``-q`` (and ``-qq``) errors only, default warnings, ``-v`` info, ``-vv``
debug. Errors always reach stderr. Tracebacks are shown only at debug. Every
line goes through :func:`leaguectl.redact.scrub`, so a registered secret never
appears in a log line whatever a caller put in it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from leaguectl.errors import ConfigError, UsageError
from leaguectl.redact import scrub

LOGGER_NAME = "leaguectl"
FORMATS = ("text", "json")
FORMAT_SETTING = "LEAGUECTL_LOG_FORMAT"

# syslog priorities (sd-daemon(3)) by logging level
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}
_LEVEL_NAMES = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning",
                logging.ERROR: "error", logging.CRITICAL: "critical"}
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
# Keys every JSON line has; an event's own fields never overwrite them.
_CORE_KEYS = ("time", "level", "command", "event", "message")


class _State:
    """What the formatter needs to know about the process: the command being run."""

    command: str | None = None


_state = _State()


def bind_command(command: str | None) -> None:
    """Name the command every following record belongs to (the ``command`` of JSON lines)."""
    _state.command = command


def level_for(verbosity: int) -> int:
    """``-q``/``-qq`` → ERROR (errors are never hidden), default WARNING, ``-v`` INFO, ``-vv`` DEBUG."""
    if verbosity < 0:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)


def log_event(
    logger: logging.Logger, level: int, event: str, message: str, fields: Mapping[str, Any] | None = None
) -> None:
    """Log one event: ``message`` is the text line, ``fields`` its facts (the keys of a JSON line)."""
    if logger.isEnabledFor(level):
        logger.log(level, "%s", message, extra={"event": event, "fields": fields or {}})


# --- formatters ---------------------------------------------------------------------------------


class TextFormatter(logging.Formatter):
    """``level: message``; the traceback of an exception only when debug output is on."""

    def __init__(self, *, tracebacks: bool) -> None:
        super().__init__()
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        text = f"{_level_name(record.levelno)}: {record.getMessage()}"
        if record.exc_info and self._tracebacks:
            text += "\n" + self.formatException(record.exc_info)
        return scrub(text)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: the core keys, then the event's fields."""

    def __init__(self, *, tracebacks: bool) -> None:
        super().__init__()
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        import json

        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": _level_name(record.levelno),
            "command": getattr(record, "command", None) or _state.command,
            "event": getattr(record, "event", None) or "log",
            "message": record.getMessage(),
        }
        if not record.name.startswith(LOGGER_NAME):
            data["logger"] = record.name
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            for key, value in fields.items():
                if value is not None:
                    # A fact named like a core key (an action's "message" id) keeps its value under detail_<key>.
                    data.setdefault(f"detail_{key}" if key in _CORE_KEYS else str(key), value)
        if record.exc_info and self._tracebacks:
            data["traceback"] = self.formatException(record.exc_info)
        line = scrub(json.dumps(data, ensure_ascii=False, default=str))
        # JSON leaves NEL and the Unicode line separators raw; some log shippers would split the line there.
        return line.translate(_LINE_BREAKS)


class JournalFormatter(logging.Formatter):
    """Prefixes every line of another formatter's output with its level's syslog priority."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        priority = _PRIORITY.get(record.levelno, 6)
        return "\n".join(f"<{priority}>{line}" for line in self._inner.format(record).split("\n"))


def _level_name(levelno: int) -> str:
    return _LEVEL_NAMES.get(levelno, logging.getLevelName(levelno).lower())


# --- journald detection -------------------------------------------------------------------------


def journal_stream_matches(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether ``stream`` is connected to the journal (``sd_journal_stream_fd`` semantics).

    systemd sets ``JOURNAL_STREAM=<device>:<inode>`` for the stream it connected; a
    process whose stderr was redirected elsewhere (``2>file`` in a unit's script) keeps
    the variable, so the device and inode of stderr's file descriptor must match. A
    stream without a file descriptor (tests, a wrapped stream) cannot be compared: the
    variable alone then counts, as SPEC §3.4 and issue 12 word it ("under
    ``JOURNAL_STREAM``").
    """
    value = environ.get("JOURNAL_STREAM", "").strip()
    if not value:
        return False
    device, sep, inode = value.partition(":")
    if not (sep and device.isdigit() and inode.isdigit()):
        return False
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return True
    try:
        status = os.fstat(descriptor)
    except OSError:
        return False
    return (status.st_dev, status.st_ino) == (int(device), int(inode))


# --- set-up -------------------------------------------------------------------------------------


def parse_format(value: str, *, source: str) -> str:
    """``text`` or ``json`` (any case); anything else names where it came from."""
    name = value.strip().lower()
    if name in FORMATS:
        return name
    message = f"{value!r} is not a log format; use text or json"
    if source == "--log-format":
        raise UsageError(f"--log-format: {message}")
    raise ConfigError(FORMAT_SETTING, f"malformed value from {source}: {message}")


def initial_format(option: str | None, environ: Mapping[str, str]) -> str:
    """The format known before settings load: ``--log-format``, else ``LEAGUECTL_LOG_FORMAT``, else text."""
    if option:
        return parse_format(option, source="--log-format")
    env = environ.get(FORMAT_SETTING, "")
    if env.strip():
        return parse_format(env, source=f"environment variable {FORMAT_SETTING}")
    return "text"


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """leaguectl's stderr handler (a marker class, so set-up replaces only its own handlers)."""


def _formatter(fmt: str, *, journal: bool, tracebacks: bool) -> logging.Formatter:
    inner: logging.Formatter = (
        JsonFormatter(tracebacks=tracebacks) if fmt == "json" else TextFormatter(tracebacks=tracebacks)
    )
    return JournalFormatter(inner) if journal else inner


def configure_logging(
    verbosity: int, stream: TextIO, environ: Mapping[str, str], fmt: str = "text"
) -> None:
    """Send leaguectl's records (and other libraries' warnings) to ``stream`` in ``fmt``.

    Cheap on purpose (every pass pays for it): no import beyond the standard
    ``logging`` and ``os``; JSON is imported by the JSON formatter when it formats.
    """
    level = level_for(verbosity)
    handler = _Handler(stream)
    handler.setFormatter(
        _formatter(fmt, journal=journal_stream_matches(stream, environ), tracebacks=level <= logging.DEBUG)
    )
    logger = logging.getLogger(LOGGER_NAME)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # Libraries (httpx, google-auth) log through the root logger: their warnings and errors go
    # to the same stream in the same format, never to Python's bare last-resort handler.
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    library = _Handler(stream)
    library.setFormatter(handler.formatter)
    library.setLevel(max(level, logging.WARNING))
    root.addHandler(library)
    # google-auth cuts its "google" logger off from the root unless someone configured it, which
    # would send its warnings to Python's bare last-resort handler: configure it, keep it propagating.
    google = logging.getLogger("google")
    google.setLevel(logging.WARNING)
    google.propagate = True


def use_format(fmt: str) -> None:
    """Switch the configured handlers to ``fmt`` (the format came from the config file or ``--set``)."""
    logger = logging.getLogger(LOGGER_NAME)
    handlers = [h for h in (*logger.handlers, *logging.getLogger().handlers) if isinstance(h, _Handler)]
    for handler in handlers:
        journal = isinstance(handler.formatter, JournalFormatter)
        handler.setFormatter(_formatter(fmt, journal=journal, tracebacks=logger.level <= logging.DEBUG))


def is_configured(stream: TextIO) -> bool:
    """Whether leaguectl's handler writes to ``stream`` (so a message there should be a log record)."""
    return any(isinstance(h, _Handler) and h.stream is stream for h in logging.getLogger(LOGGER_NAME).handlers)
