"""Plain coercion for leaguectl's simple options, so that a pass never imports pydantic.

Recent Typer releases coerce every non-bool option value through a pydantic
``TypeAdapter``, built the first time the option is processed. The root
callback's options (``--config``, ``--now``, ``-v``, ``-q``, ``--set``) are
processed on every pass, given or not, so every one-minute pass paid for
importing pydantic and building five adapters: more than all of leaguectl's own
start-up (about 140 ms on the benchmark machine, see ``bench/RESULTS.md``).

For the option types these passes use (flags, text, counters, paths, lists of
text), :func:`install` (called by ``leaguectl.cli.run``) hooks Typer's parameter
class so that they are coerced in plain Python, with the same results and the
same usage errors (paths go through Typer's own checks). Anything else, and any
value of an unexpected type, still goes to Typer's coercion. With a Typer that
has no such machinery this does nothing. ``tests/test_startup_imports.py``
checks both the values and that no pass imports pydantic.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any


def _kind(param: Any) -> str | None:
    """Which plain coercion fits ``param``, or None to leave it to Typer."""
    descriptor = getattr(param, "type_descriptor", None)
    info = getattr(descriptor, "parameter_info", None)
    if descriptor is None or info is None or descriptor.file_annotation is not None:
        return None
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return None
    annotation = descriptor.annotation
    if annotation is bool:
        return "flag"
    if annotation is str:
        return "text"
    if annotation is int and getattr(param, "count", False):
        return "count"
    if annotation is Path and getattr(info, "path_type", None) is None:
        return "path"
    if annotation == list[str]:
        return "text-list"
    return None


@cache
def _plain_class() -> type[Any] | None:
    """The plain RuntimeParam subclass, or None for a Typer without adapter-based coercion."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_path
    except ImportError:
        return None

    class PlainRuntimeParam(RuntimeParam):
        """Coerces bool / str / count / Path / list[str] values without pydantic; anything else falls back.

        Not a dataclass of its own (making one costs about a millisecond at start-up); ``kind``
        is set once by :func:`_plain_param` on the frozen instance.
        """

        kind: str

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            kind = self.kind
            if kind == "flag" and isinstance(value, bool):
                return value
            if kind == "text" and isinstance(value, str):
                return value
            if kind == "count" and isinstance(value, int) and not isinstance(value, bool):
                return value
            if kind == "path" and isinstance(value, str | os.PathLike):
                return coerce_cli_path(Path(value), self.parameter_info, path_type=Path, param=param, ctx=ctx)
            if kind == "text-list" and isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
                return list(value)
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)

    return PlainRuntimeParam


def _plain_param(plain_class: type[Any], descriptor: Any, kind: str) -> Any:
    param = plain_class(descriptor.parameter_info, descriptor.annotation)
    object.__setattr__(param, "kind", kind)  # RuntimeParam is a frozen dataclass
    return param


def install() -> bool:
    """Make Typer's parameters use plain coercion where it fits; True when installed (idempotent).

    The hook sits on Typer's parameter class (``get_runtime_param``, which builds the
    coercion on first use) rather than on leaguectl's parameters, because Click creates
    the ``--help`` option of each command only while parsing, and it too is processed
    on every run.
    """
    plain_class = _plain_class()
    try:
        from typer.core import _TyperParameter
    except ImportError:
        return False
    if plain_class is None or getattr(_TyperParameter, "_leaguectl_plain", False):
        return plain_class is not None
    typer_get_runtime_param = _TyperParameter.get_runtime_param

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            kind = _kind(self)
            if kind is not None:
                descriptor = self.type_descriptor
                self._runtime_param = _plain_param(plain_class, descriptor, kind)
        return typer_get_runtime_param(self)

    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    _TyperParameter._leaguectl_plain = True  # type: ignore[attr-defined]
    return True
