"""Keep secrets out of every output.

Settings register each secret value here when they are loaded; logs, reports
and error messages pass through :func:`scrub` before they are written.
"""

from __future__ import annotations

import threading

_MASK = "********"
_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str) -> None:
    """Remember ``value`` so that :func:`scrub` masks it. Short values are ignored."""
    value = value.strip()
    if len(value) >= 6:
        with _lock:
            _secrets.add(value)


def scrub(text: str) -> str:
    """Return ``text`` with every registered secret replaced by a mask."""
    if not _secrets:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, _MASK)
    return text


def forget_secrets() -> None:
    """Drop every registered secret (tests load several settings in one process)."""
    with _lock:
        _secrets.clear()
