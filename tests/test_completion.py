"""Shell completion: `leaguectl completion SHELL` prints (or installs) a script that really completes.

The scripts call leaguectl back with ``_LEAGUECTL_COMPLETE`` set; those calls run in child
processes here (as a shell makes them), and the bash script is sourced by a real bash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from leaguectl.commands.completion import SHELLS, install_path
from tests.conftest import invoke

LEAGUECTL = Path(sys.executable).parent / "leaguectl"
MARKERS = {
    "bash": "complete -o default -F _leaguectl_completion leaguectl",
    "zsh": "compdef _leaguectl_completion leaguectl",
    "fish": "complete --command leaguectl",
}


def _child_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("_LEAGUECTL", "_TYPER"))}
    env["PATH"] = f"{LEAGUECTL.parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


def _completions(**protocol: str) -> list[str]:
    """What leaguectl answers when a shell's completion script calls it back."""
    done = subprocess.run(
        [str(LEAGUECTL)], env=_child_env(**protocol), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_prints_the_script_for_each_shell(shell: str) -> None:
    result = invoke(["completion", shell])
    assert result.exit_code == 0, result.stderr
    assert MARKERS[shell] in result.stdout
    assert f"_LEAGUECTL_COMPLETE=complete_{shell}" in result.stdout


def test_an_unsupported_shell_is_a_usage_error_that_names_the_supported_ones() -> None:
    result = invoke(["completion", "tcsh"])
    assert result.exit_code == 64
    assert "'tcsh' is not a supported shell" in result.stderr and "bash, zsh, fish" in result.stderr
    assert result.stdout == ""


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize(
    ("words", "expected"),
    [(["leaguectl", "fre"], {"freeze-begin"}), (["leaguectl", "tasks", "pa"], {"pause"})],
)
def test_the_bash_script_sourced_in_bash_completes_commands_and_subcommands(
    words: list[str], expected: set[str]
) -> None:
    script = invoke(["completion", "bash"]).stdout
    program = (
        f"{script}\nCOMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}\n"
        '_leaguectl_completion leaguectl\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == expected


def test_zsh_and_fish_callbacks_answer_with_the_matching_commands() -> None:
    zsh = " ".join(_completions(_LEAGUECTL_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="leaguectl scorebug"))
    assert "scorebug-tick" in zsh
    fish = _completions(
        _LEAGUECTL_COMPLETE="complete_fish", _TYPER_COMPLETE_FISH_ACTION="get-args", _TYPER_COMPLETE_ARGS="leaguectl th"
    )
    assert any(word.startswith("thaw") for word in fish)


@pytest.mark.parametrize("shell", SHELLS)
def test_install_writes_the_printed_script_where_the_shell_loads_it(shell: str, tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path)}
    result = invoke(["completion", shell, "--install"], environ)
    assert result.exit_code == 0, result.stderr
    path = install_path(shell, environ)
    assert path.is_relative_to(tmp_path)
    assert path.read_text(encoding="utf-8") == invoke(["completion", shell]).stdout
    assert str(path) in result.stdout
    if shell == "zsh":
        assert "fpath+=~/.zfunc" in result.stdout


def test_install_paths_follow_the_xdg_and_bash_completion_variables(tmp_path: Path) -> None:
    environ = {
        "HOME": "/home/admin",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "BASH_COMPLETION_USER_DIR": str(tmp_path / "bc"),
    }
    assert install_path("bash", environ) == tmp_path / "bc" / "completions" / "leaguectl"
    assert install_path("fish", environ) == tmp_path / "config" / "fish" / "completions" / "leaguectl.fish"
    assert install_path("zsh", environ) == Path("/home/admin/.zfunc/_leaguectl")
    assert install_path("bash", {"HOME": "/h"}) == Path("/h/.local/share/bash-completion/completions/leaguectl")


def test_install_where_nothing_can_be_written_fails_with_78_naming_the_path(tmp_path: Path) -> None:
    home = tmp_path / "home-is-a-file"
    home.write_text("", encoding="utf-8")
    result = invoke(["completion", "fish", "--install"], {"HOME": str(home)})
    assert result.exit_code == 78
    assert str(home / ".config" / "fish" / "completions" / "leaguectl.fish") in result.stderr
    assert "Traceback" not in result.stderr
