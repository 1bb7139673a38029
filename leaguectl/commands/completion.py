"""Registers ``leaguectl completion SHELL``: tab completion for bash, zsh and fish.

The script it prints is Typer's own for that shell, so it speaks the protocol that
``leaguectl.cli.run`` answers when a shell asks for completions (``_LEAGUECTL_COMPLETE``
set). A command rather than Typer's ``--install-completion`` root options: those would be
built and parsed on every scheduled pass, and they edit shell start-up files; this costs a
pass nothing and ``--install`` only writes the one file each shell loads by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import typer

from leaguectl.errors import ExitCode, LeaguectlError, UsageError
from leaguectl.passrun import cli_state

PROG_NAME = "leaguectl"
COMPLETE_VAR = "_LEAGUECTL_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


class InstallFailed(LeaguectlError):
    """The completion script could not be written where the shell looks (exit 78: retrying will not help)."""

    exit_code = ExitCode.CONFIG


def completion_script(shell: str) -> str:
    """The completion script for ``shell`` (one of SHELLS), ending in a newline."""
    if shell not in SHELLS:
        raise UsageError(f"completion: {shell!r} is not a supported shell; use one of {', '.join(SHELLS)}")
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=shell) + "\n"


def install_path(shell: str, environ: Mapping[str, str]) -> Path:
    """Where ``shell`` loads a user's completion for leaguectl from without any start-up file edit.

    bash: bash-completion's per-user directory (loaded on first use of ``leaguectl``);
    fish: its per-user completions directory; zsh: ``~/.zfunc``, which must be on ``fpath``
    before ``compinit`` (the command prints that line).
    """
    home = Path(environ.get("HOME") or Path.home())
    data = Path(environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    config = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    if shell == "bash":
        user_dir = environ.get("BASH_COMPLETION_USER_DIR")
        return (Path(user_dir) if user_dir else data / "bash-completion") / "completions" / PROG_NAME
    if shell == "fish":
        return config / "fish" / "completions" / f"{PROG_NAME}.fish"
    return home / ".zfunc" / f"_{PROG_NAME}"


def install_script(shell: str, environ: Mapping[str, str]) -> tuple[Path, str]:
    """Write the script where ``shell`` finds it; returns the path and what is left for the user to do."""
    script = completion_script(shell)
    path = install_path(shell, environ)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script, encoding="utf-8")
    except OSError as exc:
        raise InstallFailed(
            f"completion --install: cannot write {path} ({exc.strerror}); print the script and place it by hand"
        ) from None
    if shell == "zsh":
        return path, "add `fpath+=~/.zfunc; autoload -Uz compinit && compinit` to ~/.zshrc, then open a new shell"
    if shell == "bash":
        return path, "open a new shell (needs the bash-completion package, as most distributions install it)"
    return path, "open a new shell"


def register(app: typer.Typer) -> None:
    """Add ``completion`` to the CLI."""

    @app.command("completion")
    def completion(
        ctx: typer.Context,
        shell: str = typer.Argument(..., metavar="SHELL", help="bash, zsh or fish."),
        install: bool = typer.Option(
            False, "--install", help="Write the script where the shell loads it, instead of printing it."
        ),
    ) -> None:
        """Print (or --install) the tab-completion script for bash, zsh or fish.

        For example `leaguectl completion bash > /usr/local/share/bash-completion/completions/leaguectl`
        for every user, or `leaguectl completion fish --install` for yourself.
        """
        runtime = cli_state(ctx).runtime
        if not install:
            runtime.stdout.write(completion_script(shell))
            return
        path, next_step = install_script(shell, runtime.environ)
        runtime.stdout.write(f"{shell} completion for leaguectl written to {path}; {next_step}\n")
