"""Transport-independent request/response types and a small path router.

The simulators are written against `Request` -> `Response` so they can be
exercised without sockets; `server.py` adapts them to `http.server`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


class BodyError(ValueError):
    """The request body is not the JSON object the endpoint needs."""


@dataclass
class Request:
    method: str
    path: str
    segments: list[str]
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str) -> str | None:
        """First value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        if not self.body.strip():
            raise BodyError("the request has no body")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BodyError(f"the request body is not valid JSON: {exc}") from exc

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise BodyError("the request body must be a JSON object")
        return data


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    trickle_interval: float | None = None
    """Set by an injected "trickle" fault: the server sends this answer one byte per interval."""

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return cls(status, body, "application/json", dict(headers or {}))

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        return cls(status)

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Response:
        return cls(status, text.encode(), content_type)


class Drop:
    """Returned instead of a Response: close the connection without answering."""


DROP = Drop()

Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    parts: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.parts):
            return None
        params: dict[str, str] = {}
        for part, segment in zip(self.parts, segments, strict=True):
            if part.startswith("{") and part.endswith("}"):
                if not segment:
                    return None
                params[part[1:-1]] = segment
            elif part != segment:
                return None
        return params

    @property
    def literal_count(self) -> int:
        return sum(1 for part in self.parts if not part.startswith("{"))


class MethodNotAllowed:
    def __init__(self, allowed: list[str]) -> None:
        self.allowed = allowed


class Router:
    """Matches `/a/{param}/b` templates; literal segments beat parameters."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        parts = tuple(template.strip("/").split("/"))
        self.routes.append(Route(method, template, handler, parts))

    def match(self, method: str, segments: list[str]) -> tuple[Route, dict[str, str]] | MethodNotAllowed | None:
        candidates: list[tuple[Route, dict[str, str]]] = []
        for route in self.routes:
            params = route.match(segments)
            if params is not None:
                candidates.append((route, params))
        if not candidates:
            return None
        best = max(route.literal_count for route, _ in candidates)
        best_candidates = [(r, p) for r, p in candidates if r.literal_count == best]
        for route, params in best_candidates:
            if route.method == method:
                return route, params
        for route, params in candidates:
            if route.method == method:
                return route, params
        return MethodNotAllowed(sorted({route.method for route, _ in candidates}))


def split_path(raw: str) -> list[str]:
    """Percent-decode each segment of an (already prefix-stripped) path."""
    stripped = raw.strip("/")
    return [unquote(part) for part in stripped.split("/")] if stripped else []
