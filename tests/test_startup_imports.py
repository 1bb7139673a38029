"""Start-up stays cheap: ``--help`` and no-op passes never import libraries they do not use.

Every scheduled pass starts a fresh interpreter, so an import nobody needs is paid on every
run (see ``bench/RESULTS.md``). Each case runs leaguectl in a child process (the sandbox
would otherwise already be imported by this test process), against a sandbox served from
here, and the child writes ``sorted(sys.modules)`` when it is done. Not timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SandboxCli

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GUILD = "1500000000000000000"
BOT = "1500000000000000001"

# Libraries a pass imports only when it uses them: Sheets (gspread, google-auth), the
# sandbox, rich (progress bars and consoles), dateutil (only the tests' RRULE oracle now),
# and pydantic, which Typer uses to coerce option values unless leaguectl.plain_options
# takes over.
HEAVY = ("gspread", "google", "leaguectl.sandbox", "rich", "dateutil", "pydantic")
# --help and --version make no request, so they do not need an HTTP client either.
NOT_FOR_HELP = (*HEAVY, "httpx", "httpcore")

WRAPPER = """
import json, sys
from leaguectl.cli import run
code = run(sys.argv[2:])
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def _task_message(name: str, schedule: str, next_run: datetime) -> str:
    """A task in the Unified Discord Tool's layout (header, then the task as fenced JSON)."""
    local = next_run.replace(tzinfo=None).isoformat()
    task = {
        "task_name": name,
        "description": None,
        "schedule": schedule,
        "time": "09:00",
        "specific_date": None,
        "day_of_month": None,
        "month": None,
        "day_of_week": "monday",
        "action_type": "channel_post",
        "action_target": "1500000000000000201",
        "action_template": f"{name}!",
        "one_time": False,
        "created_at": "2026-02-01T10:00:00",
        "first_run": "2026-02-01T10:00:00",
        "next_run": local,
        "active": True,
    }
    header = f"📋 **Task: {name}**\n├─ Schedule: {schedule} at 09:00 (runs at: {local})\n└─ Action: channel_post"
    return f"{header}\n\n```json\n{json.dumps(task, indent=2)}\n```"


def _hidden(name: str) -> dict[str, Any]:
    """scorebug-tick keeps the live-scores channel hidden from @everyone; here it already is."""
    if name != "live-sba-scores":
        return {}
    return {"permission_overwrites": [{"id": GUILD, "type": 0, "allow": "0", "deny": str(1 << 10)}]}


def quiet_guild() -> dict[str, Any]:
    """A guild with nothing to do: tasks all due tomorrow or later, no published scorecard."""
    channels = ["general", "tasks", "heartbeat-log", "live-sba-scores", "admin"]
    tomorrow = START + timedelta(days=1)
    return {
        "now": START.isoformat(),
        "discord": {
            "guild": {"id": GUILD, "name": "imports"},
            "bot": {"id": BOT, "username": "bot"},
            "channels": [
                {"id": str(1500000000000000201 + number), "name": name, "type": "text", **_hidden(name)}
                for number, name in enumerate(channels)
            ],
            "messages": [
                {"channel": "tasks", "author": "bot", "content": _task_message(name, schedule, tomorrow + offset)}
                for name, schedule, offset in (
                    ("Lineups", "daily", timedelta(0)),
                    ("Recap", "weekly", timedelta(days=2)),
                    ("Standings", "every_2_hours", timedelta(hours=3)),
                )
            ],
            "tasks_channel": "tasks",
            "heartbeat_channel": "heartbeat-log",
        },
    }


def run_in_child(args: list[str], env: dict[str, str], tmp_path: Path) -> tuple[int, set[str], str]:
    """Run ``leaguectl.cli.run(args)`` in a fresh interpreter: (exit status, modules it imported, stdout)."""
    dump = tmp_path / f"modules-{len(list(tmp_path.glob('modules-*')))}.json"
    child_env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    child_env.update(env)
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(dump), *args],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dump.exists(), f"the child did not finish: {done.stderr[-2000:]}"
    result = json.loads(dump.read_text(encoding="utf-8"))
    return int(result["code"]), set(result["modules"]), done.stdout


def imported(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    """The modules under any of ``roots`` (a root itself or its submodules)."""
    return sorted(m for m in modules if any(m == root or m.startswith(root + ".") for root in roots))


@pytest.fixture
def quiet(sandbox_cli_factory: Callable[..., SandboxCli]) -> SandboxCli:
    return sandbox_cli_factory(quiet_guild(), START, rate_limits=False)


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["run-due-tasks", "--help"]])
def test_help_and_version_import_neither_an_http_client_nor_any_heavy_library(
    args: list[str], tmp_path: Path
) -> None:
    code, modules, stdout = run_in_child(args, {}, tmp_path)
    assert code == 0
    assert "leaguectl" in stdout
    assert imported(modules, NOT_FOR_HELP) == []


@pytest.mark.parametrize("command", ["run-due-tasks", "scorebug-tick"])
def test_a_pass_with_nothing_to_do_imports_no_heavy_library(command: str, quiet: SandboxCli, tmp_path: Path) -> None:
    assert quiet.run(command, at=START).exit_code == 0  # the first pass also records its exit status
    quiet.sandbox.clear_log()
    code, modules, stdout = run_in_child(["--json", "--now", START.isoformat(), command], quiet.env(), tmp_path)
    report = json.loads(stdout)
    assert (code, report["errors"], report["actions"]) == (0, [], [])
    assert not [entry for entry in quiet.sandbox.request_log if entry.mutating]
    assert imported(modules, HEAVY) == []
    assert "leaguectl.commands" in modules  # the pass really ran through the CLI



ROOT_VALUES = [
    ("config", "conf/leaguectl.toml"),
    ("config", None),
    ("now", "2026-03-02T12:00:00+00:00"),
    ("verbose", 2),
    ("quiet", 0),
    ("set_", ("GUILD_ID=1", "OFFSEASON_FLAG=true")),
    ("set_", None),
    ("dry_run", True),
]


@pytest.mark.parametrize(("name", "value"), ROOT_VALUES)
def test_plain_option_coercion_gives_the_values_typer_itself_would(name: str, value: Any) -> None:
    typer_coercion = pytest.importorskip("typer._coercion")
    import typer.main

    from leaguectl import plain_options
    from leaguectl.cli import app

    assert plain_options.install()
    param = {param.name: param for param in typer.main.get_command(app).params}[name]
    plain = param.get_runtime_param()  # type: ignore[attr-defined]
    own = typer_coercion.build_runtime_param(param.type_descriptor)  # type: ignore[attr-defined]
    assert type(plain).__name__ == "PlainRuntimeParam"
    assert plain.coerce(value, param=param, ctx=None) == own.coerce(value, param=param, ctx=None)


def test_a_value_plain_coercion_does_not_know_goes_to_typer_with_typer_s_own_error() -> None:
    typer_coercion = pytest.importorskip("typer._coercion")
    import typer.main

    from leaguectl import plain_options
    from leaguectl.cli import app

    assert plain_options.install()
    param = {param.name: param for param in typer.main.get_command(app).params}["verbose"]
    own = typer_coercion.build_runtime_param(param.type_descriptor)  # type: ignore[attr-defined]
    errors = []
    for coercion in (param.get_runtime_param(), own):  # type: ignore[attr-defined]
        with pytest.raises(Exception) as caught:
            coercion.coerce("lots", param=param, ctx=None)
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]


@pytest.mark.parametrize(
    ("args", "built"),
    [
        (["-q", "run-due-tasks"], ["run-due-tasks"]),
        (["--now", "2026-03-02T12:00:00+00:00", "--set", "A=1", "--json", "thaw"], ["thaw"]),
        (["--config=/etc/leaguectl.toml", "-vv", "tasks", "list"], ["tasks"]),
        (["scorebug-tick", "--help"], ["scorebug-tick"]),
    ],
)
def test_a_command_builds_only_its_own_click_command(args: list[str], built: list[str]) -> None:
    from leaguectl.cli import click_command

    assert sorted(click_command(args).commands) == built


@pytest.mark.parametrize("args", [[], ["--help"], ["--help", "thaw"], ["--version"], ["no-such-command"], ["--", "x"]])
def test_root_help_and_unknown_names_get_every_command(args: list[str]) -> None:
    from leaguectl.cli import app, click_command

    everything = {*(info.name for info in app.registered_groups), "run-due-tasks", "thaw", "scorebug-tick", "demo"}
    assert everything <= set(click_command(args).commands)


def test_the_command_name_scan_knows_every_root_option_that_takes_a_value() -> None:
    import typer.main

    from leaguectl.cli import ROOT_VALUE_OPTIONS, app

    root = typer.main.get_command(app)
    taking_values = {
        opt
        for param in root.params
        if not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        for opt in param.opts
        if opt.startswith("--")
    }
    assert taking_values == ROOT_VALUE_OPTIONS


@pytest.mark.parametrize("args", [["run-due-tasks", "--help"], ["tasks", "--help"], ["thaw", "--bogus"]])
def test_output_is_the_same_as_with_every_command_built(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer.main

    from leaguectl import cli

    narrowed = (cli.run(args), *capsys.readouterr())
    monkeypatch.setattr(cli, "click_command", lambda _: cli._with_help_texts(typer.main.get_command(cli.app)))
    whole = (cli.run(args), *capsys.readouterr())
    assert narrowed == whole
    assert "leaguectl" in narrowed[1] + narrowed[2]
