"""The Typer app: global options (SPEC §3.1), command registration, exit codes in one place.

Start-up cost is paid on every scheduled run, so this module imports only
typer and leaguectl's light modules; each command imports its heavy parts
inside its own function.
"""

from __future__ import annotations

import copy
import gc
import importlib
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from leaguectl import __version__, plain_options
from leaguectl.commands.completion import COMPLETE_VAR
from leaguectl.errors import ConfigError, ExitCode, LeaguectlError, UsageError
from leaguectl.passrun import CliState
from leaguectl.redact import scrub
from leaguectl.runtime import Runtime, ShiftedClock

# Modules under leaguectl.commands that define ``register(app)``; each owns its commands.
COMMAND_MODULES: tuple[str, ...] = ("doctor", "status", "cleanup", "scorebug", "freeze", "tasks", "demo", "completion")
_CLICK_USAGE_STATUS = 2

app = typer.Typer(
    name="leaguectl",
    help="Run a Discord sports league's scheduled work: one pass per command, then exit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(ctx: typer.Context, value: bool) -> None:
    if value:
        stream = ctx.obj.stdout if isinstance(ctx.obj, Runtime) else sys.stdout
        stream.write(f"leaguectl {__version__}\n")
        raise typer.Exit(0)


def parse_now(text: str) -> datetime:
    """Parse ``--now``: ISO 8601 with an offset (or ``Z``); anything else is a usage error."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise UsageError(
            f"--now: {text!r} is not an ISO 8601 timestamp (e.g. 2026-11-23T00:00:00+00:00)"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"--now: {text!r} has no UTC offset; add one, e.g. +00:00 or Z")
    return moment


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (env LEAGUECTL_CONFIG)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and plan, print the plan, change nothing."),
    now: str | None = typer.Option(None, "--now", help="Act as if it were this time (ISO 8601 with offset)."),
    json_output: bool = typer.Option(False, "--json", help="Print the pass report as one JSON object."),
    verbose: int = typer.Option(0, "-v", "--verbose", count=True, help="More logging on stderr."),
    quiet: int = typer.Option(0, "-q", "--quiet", count=True, help="Less output: only failures."),
    set_: list[str] = typer.Option([], "--set", metavar="NAME=VALUE", help="Override a setting."),
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Global options; they go before the command."""
    runtime = ctx.obj if isinstance(ctx.obj, Runtime) else Runtime()
    environ = runtime.environ
    now_text = now or environ.get("LEAGUECTL_NOW")
    if now_text:
        runtime.clock = ShiftedClock(parse_now(now_text), base=runtime.clock)
    env_dry = environ.get("LEAGUECTL_DRY_RUN", "").strip().lower() in {"1", "true", "yes", "on"}
    from leaguectl.logs import configure_logging
    from leaguectl.settings import parse_overrides

    configure_logging(verbose - quiet, runtime.stderr, environ)
    ctx.obj = CliState(
        runtime=runtime,
        config_path=config,
        dry_run=dry_run or env_dry,
        json_output=json_output,
        verbosity=verbose - quiet,
        overrides=parse_overrides(set_),
    )


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"leaguectl.commands.{name}")
        module.register(app)


_register_commands()


# Root options that take a value, so that the word after them is not the command's name.
# (tests/test_startup_imports.py checks this against the root callback's options.)
ROOT_VALUE_OPTIONS = frozenset({"--config", "--now", "--set"})
_ROOT_EAGER_OPTIONS = frozenset({"-h", "--help", "--version"})


def invoked_name(args: list[str]) -> str | None:
    """The command (or command group) ``args`` invoke, when it can be told without parsing; else None."""
    takes_value = False
    for arg in args:
        if takes_value:
            takes_value = False
        elif arg in _ROOT_EAGER_OPTIONS or arg == "--":
            return None
        elif arg.startswith("-"):
            takes_value = arg in ROOT_VALUE_OPTIONS
        else:
            return arg
    return None


def click_command(args: list[str]) -> Any:
    """The Click command tree for ``args``, with only the invoked command in it when that is known.

    Typer inspects every command's signature to build the whole tree, which costs a pass
    several milliseconds (bench/RESULTS.md) for commands it does not run. Root help, an
    unknown name or anything unusual gets the whole tree, so their output is unchanged.
    """
    name = invoked_name(args)
    own = [info for info in app.registered_commands if _command_name(info) == name]
    groups = [info for info in app.registered_groups if info.name == name]
    if name is None or len(own) + len(groups) != 1:
        return typer.main.get_command(app)
    narrowed = copy.copy(app)
    narrowed.registered_commands, narrowed.registered_groups = own, groups
    return typer.main.get_command(narrowed)


def _command_name(info: typer.models.CommandInfo) -> str | None:
    if info.name:
        return info.name
    return typer.main.get_command_name(info.callback.__name__) if info.callback else None


def run(args: list[str], runtime: Runtime | None = None) -> int:
    """Run leaguectl with ``args`` and return the exit status (used by ``main`` and tests)."""
    runtime = runtime or Runtime()
    command = click_command(args)
    plain_options.install()  # no pydantic on a pass: see leaguectl/plain_options.py
    if COMPLETE_VAR in os.environ:  # a shell asks for completions (the scripts of `leaguectl completion`)
        from typer._completion_classes import completion_init

        completion_init()  # Typer's answers, in the form its scripts read; Click reads the variable itself
    try:
        command.main(args=args, prog_name="leaguectl", standalone_mode=True, obj=runtime)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        # Click reports bad usage as 2; SPEC §3.3 says 64.
        return int(ExitCode.USAGE) if code == _CLICK_USAGE_STATUS else code
    except LeaguectlError as exc:
        kind = "configuration error: " if isinstance(exc, ConfigError) else ""
        runtime.stderr.write(scrub(f"leaguectl: {kind}{exc}\n"))
        return int(exc.exit_code)
    return 0


def main() -> None:
    """Console-script entry point."""
    code = run(sys.argv[1:])
    # The process ends here: spare the interpreter's final garbage collection over every object
    # the pass created (about 40 ms, an eighth of a no-op pass; bench/RESULTS.md). Exit handlers,
    # stream flushing and thread joins still run as usual.
    gc.freeze()
    sys.exit(code)
