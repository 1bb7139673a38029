"""The scenario file example in leaguectl/sandbox/README.md loads and is a league leaguectl can run."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from leaguectl.sandbox.reltime import TimeFrame, evaluate
from leaguectl.sandbox.scenario_file import read_scenario_file
from tests.conftest import SandboxCli

README = Path(__file__).resolve().parents[2] / "leaguectl" / "sandbox" / "README.md"
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def readme_example() -> str:
    """The first ```toml block of the README's "Scenario files" section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## Scenario files\n") :]
    match = re.search(r"^```toml\n(.*?)^```$", section, re.M | re.S)
    assert match, "no ```toml example in the Scenario files section"
    return match.group(1)


def test_the_readme_example_is_a_league_whose_week_runs(
    tmp_path: Path, sandbox_cli_factory: Callable[..., SandboxCli]
) -> None:
    path = tmp_path / "my-league.toml"
    path.write_text(readme_example(), encoding="utf-8")
    scenario = read_scenario_file(path, now=NOW)
    cli = sandbox_cli_factory(scenario, NOW)
    frame = TimeFrame(NOW, ZoneInfo("America/Chicago"))
    freeze, thaw = frame.monday, evaluate("monday + 5d", frame)
    assert cli.run("freeze-begin", at=freeze).exit_code == 0
    assert (cli.sandbox.state.current()["week"], cli.sandbox.state.current()["freeze"]) == (4, True)
    assert cli.run("thaw", at=thaw).exit_code == 0
    rows = {row["newteam_id"]: row for row in cli.sandbox.state.transactions(player_id=100)}
    assert rows[12]["frozen"] is False and rows[12]["cancelled"] is False  # TWO, the worse record, gets him
    assert rows[11]["cancelled"] is True
    assert cli.run("cleanup-commands", at=thaw).exit_code == 0
    assert cli.sandbox.state.custom_command("oldjoke")["warning_sent"] is True
