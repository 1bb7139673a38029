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
from datetime import UTC, datetime
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


_NOW_EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)
_NOW_LATEST = datetime(2150, 1, 1, tzinfo=UTC)


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
    try:
        in_range = _NOW_EARLIEST <= moment < _NOW_LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        # Passes add days and weeks to "now" and turn times into Discord snowflakes, whose
        # clock starts in 2015 and runs out in 2154: outside that, answer with a usage error.
        raise UsageError(f"--now: {text!r} is outside the supported years 2015 to 2149")
    return moment


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (env LEAGUECTL_CONFIG)."),
    env_file: Path | None = typer.Option(
        None, "--env-file", help="The bot's .env file: KEY=VALUE lines (env LEAGUECTL_ENV_FILE)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and plan, print the plan, change nothing."),
    now: str | None = typer.Option(None, "--now", help="Act as if it were this time (ISO 8601 with offset)."),
    json_output: bool = typer.Option(False, "--json", help="Print the pass report as one JSON object."),
    verbose: int = typer.Option(
        0, "-v", "--verbose", count=True, help="More logging on stderr: -v actions and skips, -vv HTTP requests."
    ),
    quiet: int = typer.Option(0, "-q", "--quiet", count=True, help="Less output: only failures; stderr errors only."),
    log_format: str | None = typer.Option(
        None, "--log-format", metavar="text|json", help="stderr log format (env LEAGUECTL_LOG_FORMAT; default text)."
    ),
    set_: list[str] = typer.Option([], "--set", metavar="NAME=VALUE", help="Override a setting."),
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Global options; they go before the command or right after its name (see ``hoist_global_options``)."""
    runtime = ctx.obj if isinstance(ctx.obj, Runtime) else Runtime()
    environ = runtime.environ
    from leaguectl.logs import configure_logging, initial_format
    from leaguectl.settings import parse_overrides

    # Logging first, so that even a bad --now or --set is reported in the chosen format.
    try:
        fmt = initial_format(log_format, environ)
    except LeaguectlError:
        configure_logging(verbose - quiet, runtime.stderr, environ)
        raise
    configure_logging(verbose - quiet, runtime.stderr, environ, fmt)
    reference: datetime | None = None
    now_text = now or environ.get("LEAGUECTL_NOW")
    if now_text:
        reference = parse_now(now_text)
        runtime.clock = ShiftedClock(reference, base=runtime.clock)
    env_dry = environ.get("LEAGUECTL_DRY_RUN", "").strip().lower() in {"1", "true", "yes", "on"}
    ctx.obj = CliState(
        runtime=runtime,
        config_path=config,
        dry_run=dry_run or env_dry,
        json_output=json_output,
        verbosity=verbose - quiet,
        overrides=parse_overrides(set_),
        now=reference,
        log_format_option=log_format,
        env_file=env_file,
    )


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"leaguectl.commands.{name}")
        module.register(app)


_register_commands()


# Root options that take a value, so that the word after them is not the command's name.
# (tests/test_startup_imports.py checks this against the root callback's options.)
ROOT_VALUE_OPTIONS = frozenset({"--config", "--env-file", "--now", "--set", "--log-format"})
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
        return _with_help_texts(typer.main.get_command(app))
    narrowed = copy.copy(app)
    narrowed.registered_commands, narrowed.registered_groups = own, groups
    return _with_help_texts(typer.main.get_command(narrowed))


# The one-line summaries of the command lists (``leaguectl --help``, ``leaguectl tasks --help``).
# Click otherwise cuts a command's first help sentence at about 45 characters with "...".
# A command missing here gets its first sentence in full (wrapped, never cut).
SHORT_HELP: dict[str, str] = {
    "doctor": "Check settings, credentials, channels and permissions",
    "status": "Last and next run of each scheduled command",
    "cleanup-commands": "Warn about and delete stale custom commands (daily)",
    "scorebug-tick": "Update live scorebugs and voice statuses (every 3 min)",
    "freeze-begin": "Monday: next week, freeze on, run its transactions",
    "thaw": "Saturday: settle claims, unfreeze winners, freeze off",
    "run-due-tasks": "Run the due tasks of the tasks channel (every minute)",
    "demo": "Run a league week against the built-in sandbox",
    "sandbox": "Serve the sandbox: simulated Discord, league API, Sheets",
    "scorecards": "Manage published scorecards (SCORECARDS_FILE)",
    "scorecards list": "List the published scorecards",
    "scorecards publish": "Publish a game channel's scorecard",
    "scorecards unpublish": "Stop showing a game channel's scorecard",
    "tasks": "Manage the tasks channel: add, list, show, remove",
    "tasks add": "Create a task (validated; shows its next 5 runs)",
    "tasks list": "List every task with its next run and status",
    "tasks show": "Show one task: its JSON, status and next 5 runs",
    "tasks remove": "Delete a task's message",
    "tasks pause": "Pause a task (it stays in the channel)",
    "tasks resume": "Resume a paused task",
}


def first_sentence(text: str) -> str:
    """A help text's first sentence (up to the first ". " or blank line), whole."""
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    head, dot, _ = paragraph.partition(". ")
    return head + ("." if dot else "")


def _with_help_texts(root: Any, path: str = "") -> Any:
    """Give every command an uncut summary, and every leaf the note that global options may follow it."""
    for name, command in _subcommands(root).items():
        key = f"{path} {name}".strip()
        if not getattr(command, "short_help", None):
            command.short_help = SHORT_HELP.get(key) or first_sentence(getattr(command, "help", None) or "")
        if _subcommands(command):
            _with_help_texts(command, key)
        elif not getattr(command, "epilog", None):
            command.epilog = TAIL_EPILOG
    return root


# Global options that may also follow the command name (``leaguectl freeze-begin --dry-run``):
# ``run`` moves them in front of it before parsing, unless the command has an option of that name.
_TAIL_FLAGS = frozenset({"--dry-run", "--json", "-v", "--verbose", "-q", "--quiet"})
TAIL_OPTIONS = _TAIL_FLAGS | ROOT_VALUE_OPTIONS
TAIL_EPILOG = (
    "Global options (--dry-run, --json, --now, -v, -q, --log-format, --config, --env-file, --set) may also follow "
    "the command name."
)


def _subcommands(command: Any) -> dict[str, Any]:
    found = getattr(command, "commands", None)
    return found if isinstance(found, dict) else {}


def _leaf(command: Any, args: list[str]) -> tuple[Any, int] | None:
    """The command ``args`` invoke (descending into groups) and the index of its first own argument."""
    node, takes_value = command, False
    for index, arg in enumerate(args):
        if takes_value:
            takes_value = False
        elif arg == "--":
            return None
        elif arg.startswith("-"):
            takes_value = node is command and arg in ROOT_VALUE_OPTIONS
        else:
            sub = _subcommands(node).get(arg)
            if sub is None:
                return None
            if not _subcommands(sub):
                return sub, index + 1
            node = sub
    return None


def _own_options(leaf: Any) -> tuple[set[str], set[str]]:
    """The leaf's option names: all of them, and those that take a value."""
    names: set[str] = set()
    valued: set[str] = set()
    for param in getattr(leaf, "params", ()):
        opts = [*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())]
        if not all(opt.startswith("-") for opt in opts):
            continue  # an argument
        names.update(opts)
        if not (getattr(param, "is_flag", False) or getattr(param, "count", False)):
            valued.update(opts)
    return names, valued


def hoist_global_options(command: Any, args: list[str]) -> list[str]:
    """Move global options written after the command name in front of it; everything else stays put.

    The command's own options are known from its Click object, so the value of one of them
    (``tasks add X --message -v``) is never mistaken for a global option.
    """
    found = _leaf(command, args)
    if found is None:
        return args
    leaf, start = found
    own, valued = _own_options(leaf)
    head, tail = list(args[:start]), list(args[start:])
    hoisted: list[str] = []
    kept: list[str] = []
    index = 0
    while index < len(tail):
        arg = tail[index]
        if arg == "--":
            kept.extend(tail[index:])
            break
        long_name = arg.split("=", 1)[0] if arg.startswith("--") else None
        if _is_own(arg, long_name, own):
            kept.append(arg)
            if _takes_next(arg, long_name, valued):
                kept.extend(tail[index + 1 : index + 2])
                index += 1
        elif (long_name or arg) in TAIL_OPTIONS or _is_count_cluster(arg, own):
            hoisted.append(arg)
            if (long_name or arg) in ROOT_VALUE_OPTIONS and "=" not in arg:
                hoisted.extend(tail[index + 1 : index + 2])
                index += 1
        else:
            kept.append(arg)
        index += 1
    if not hoisted:
        return args
    return [*hoisted, *head, *kept]


def _is_own(arg: str, long_name: str | None, own: set[str]) -> bool:
    if long_name is not None:
        return long_name in own
    return arg.startswith("-") and len(arg) >= 2 and arg[:2] in own


def _takes_next(arg: str, long_name: str | None, valued: set[str]) -> bool:
    """Whether the command's own option ``arg`` takes the next word as its value."""
    if long_name is not None:
        return long_name in valued and "=" not in arg
    return arg[:2] in valued and len(arg) == 2


def _is_count_cluster(arg: str, own: set[str]) -> bool:
    """``-vv``, ``-qq``, ``-vq``: counted global flags, when the command has no -v/-q of its own."""
    letters = arg[1:]
    return (
        arg.startswith("-")
        and not arg.startswith("--")
        and len(letters) > 1
        and set(letters) <= {"v", "q"}
        and not ({"-v", "-q"} & own)
    )


def _command_name(info: typer.models.CommandInfo) -> str | None:
    if info.name:
        return info.name
    return typer.main.get_command_name(info.callback.__name__) if info.callback else None


def run(args: list[str], runtime: Runtime | None = None) -> int:
    """Run leaguectl with ``args`` and return the exit status (used by ``main`` and tests)."""
    runtime = runtime or Runtime()
    command = click_command(args)
    args = hoist_global_options(command, args)
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
        # Raised outside a pass (a bad --now, --set or log format): a pass logs its own fatal errors.
        kind = "configuration error: " if isinstance(exc, ConfigError) else ""
        report_fatal(runtime, f"leaguectl: {kind}{exc}")
        return int(exc.exit_code)
    return 0


def report_fatal(runtime: Runtime, message: str) -> None:
    """One ERROR line on stderr: through the log format when logging is set up, else plain."""
    from leaguectl import logs

    if logs.is_configured(runtime.stderr):
        import logging

        logging.getLogger("leaguectl").error("%s", message)
    else:
        runtime.stderr.write(scrub(message) + "\n")


def main() -> None:
    """Console-script entry point."""
    code = run(sys.argv[1:])
    # The process ends here: spare the interpreter's final garbage collection over every object
    # the pass created (about 40 ms, an eighth of a no-op pass; bench/RESULTS.md). Exit handlers,
    # stream flushing and thread joins still run as usual.
    gc.freeze()
    sys.exit(code)
