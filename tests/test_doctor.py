"""``leaguectl doctor``: the permission algorithm, and checks against the sandbox naming each problem."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leaguectl.doctor import (
    ADMINISTRATOR,
    MANAGE_ROLES,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    channel_permissions,
    missing_permissions,
)
from tests.conftest import SandboxCli, invoke

GUILD = "100"
BOT = "200"
ROLE = "300"
START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _roles(everyone: int, bot_role: int) -> list[dict[str, Any]]:
    return [{"id": GUILD, "permissions": str(everyone)}, {"id": ROLE, "permissions": str(bot_role)}]


def test_permissions_combine_roles_then_apply_overwrites_in_order() -> None:
    roles = _roles(VIEW_CHANNEL, SEND_MESSAGES)
    deny_everyone_view = [{"id": GUILD, "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)}]
    assert channel_permissions(
        guild_id=GUILD, member_roles=[ROLE], roles=roles, overwrites=[], member_id=BOT
    ) == VIEW_CHANNEL | SEND_MESSAGES
    # @everyone denied view and nothing gives it back → no access at all
    assert channel_permissions(
        guild_id=GUILD, member_roles=[ROLE], roles=roles, overwrites=deny_everyone_view, member_id=BOT
    ) == 0
    # a role overwrite allowing view wins over the @everyone deny; a member deny wins over both
    allow_role = [*deny_everyone_view, {"id": ROLE, "type": 0, "allow": str(VIEW_CHANNEL), "deny": "0"}]
    perms = channel_permissions(guild_id=GUILD, member_roles=[ROLE], roles=roles, overwrites=allow_role, member_id=BOT)
    assert perms & VIEW_CHANNEL
    member_deny = [*allow_role, {"id": BOT, "type": 1, "allow": "0", "deny": str(SEND_MESSAGES)}]
    perms = channel_permissions(guild_id=GUILD, member_roles=[ROLE], roles=roles, overwrites=member_deny, member_id=BOT)
    assert not perms & SEND_MESSAGES


def test_administrator_ignores_overwrites() -> None:
    roles = _roles(0, ADMINISTRATOR)
    deny = [{"id": BOT, "type": 1, "allow": "0", "deny": str(VIEW_CHANNEL)}]
    perms = channel_permissions(guild_id=GUILD, member_roles=[ROLE], roles=roles, overwrites=deny, member_id=BOT)
    assert perms & VIEW_CHANNEL and perms & MANAGE_ROLES
    assert missing_permissions(VIEW_CHANNEL, VIEW_CHANNEL | MANAGE_ROLES) == ["MANAGE_ROLES"]


def _demo(factory: Callable[..., SandboxCli], **env: str) -> SandboxCli:
    from leaguectl.sandbox import demo_scenario

    return factory(demo_scenario(START), START, **env)


def test_doctor_passes_on_the_demo_league(sandbox_cli_factory: Callable[..., SandboxCli]) -> None:
    cli = _demo(sandbox_cli_factory)
    result, report = cli.run_json("doctor")
    assert result.exit_code == 0, report["errors"]
    checks = {c["check"]: c["status"] for c in report["details"]["checks"]}
    assert checks["DISCORD_BOT_TOKEN"] == "ok" and checks["LIVE_SCORES_CHANNEL"] == "ok"
    assert "season 13, week 10" in str(report["details"]["checks"])
    mutating = [e for e in cli.sandbox.request_log if e.mutating]
    assert mutating == []  # doctor is read-only


def test_doctor_names_a_missing_permission_and_a_missing_channel(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    cli = _demo(sandbox_cli_factory, WEEKLY_INFO_CHANNEL="weekly-news")
    cli.sandbox.state.channel("live-sba-scores").bot_denied.add("manage_roles")
    result, report = cli.run_json("doctor")
    assert result.exit_code == 78
    messages = " | ".join(e["message"] for e in report["errors"])
    assert "WEEKLY_INFO_CHANNEL: #weekly-news: no text channel with this name" in messages
    assert "LIVE_SCORES_CHANNEL: #live-sba-scores: the bot lacks MANAGE_ROLES" in messages


def test_doctor_reports_a_rejected_token_and_a_rejected_league_token(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    cli = _demo(sandbox_cli_factory, DISCORD_BOT_TOKEN="wrong-token-123456", LEAGUE_API_TOKEN="wrong-league-654321")
    result, report = cli.run_json("doctor")
    assert result.exit_code == 78
    items = {e["item"] for e in report["errors"]}
    assert {"DISCORD_BOT_TOKEN", "LEAGUE_API_URL"} <= items
    assert "wrong-token-123456" not in result.stdout + result.stderr


def test_doctor_without_settings_names_every_missing_one() -> None:
    result = invoke(["doctor"], {"HOME": "/nonexistent"})
    assert result.exit_code == 78
    for name in ("DISCORD_BOT_TOKEN", "GUILD_ID", "LEAGUE_API_URL", "LEAGUE_API_TOKEN"):
        assert name in result.stdout


def test_doctor_names_a_missing_manage_messages_on_the_tasks_channel(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    cli = _demo(sandbox_cli_factory)
    cli.sandbox.state.channel("tasks").bot_denied.add("manage_messages")
    result, report = cli.run_json("doctor")
    assert result.exit_code == 78
    (error,) = report["errors"]
    assert error["item"] == "TASKS_CHANNEL_ID"
    assert error["message"] == "TASKS_CHANNEL_ID: #tasks: the bot lacks MANAGE_MESSAGES (used by run-due-tasks)"


def test_doctor_lists_the_tasks_that_read_their_times_in_the_default_zone(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    cli = _demo(sandbox_cli_factory)  # the demo names TASKS_DEFAULT_TIMEZONE=Europe/Berlin explicitly
    result, report = cli.run_json("doctor")
    assert result.exit_code == 0, result.stdout
    (check,) = [row for row in report["details"]["checks"] if row["check"] == "TASKS_DEFAULT_TIMEZONE"]
    assert check["status"] == "ok"
    assert check["detail"].startswith("Europe/Berlin: 7 task(s) read their wall times in it: 'Roster check reminder'")
    assert check["source"] == "environment variable TASKS_DEFAULT_TIMEZONE"


def test_doctor_warns_when_tasks_depend_on_a_default_zone_that_is_only_implied(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    from leaguectl.sandbox import demo_scenario

    scenario = demo_scenario(START)
    del scenario["env"]["TASKS_DEFAULT_TIMEZONE"]  # now it follows LEAGUE_TIMEZONE
    cli = sandbox_cli_factory(scenario, START)
    result, report = cli.run_json("doctor")
    assert result.exit_code == 0, result.stdout
    (check,) = [row for row in report["details"]["checks"] if row["check"] == "TASKS_DEFAULT_TIMEZONE"]
    league_zone = cli.env()["LEAGUE_TIMEZONE"]
    assert check["status"] == "warning"
    assert check["detail"].startswith(f"{league_zone}: ")
    assert f"set TASKS_DEFAULT_TIMEZONE={league_zone} explicitly" in check["detail"]
    assert check["source"].startswith("LEAGUE_TIMEZONE (")
    assert any(w["item"] == "TASKS_DEFAULT_TIMEZONE" for w in report["warnings"])


def test_doctor_text_has_one_line_per_check_with_sources_and_no_nothing_to_do(
    sandbox_cli_factory: Callable[..., SandboxCli],
) -> None:
    cli = _demo(sandbox_cli_factory)
    result = cli.run("doctor")
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "doctor: all checks passed"
    names = [line.split()[1] for line in lines[1:]]
    assert len(names) == len(set(names)), names  # no check repeated
    assert "nothing to do" not in result.stdout
    token = next(line for line in lines if line.split()[1] == "DISCORD_BOT_TOKEN")
    assert "logged in as" in token and token.endswith("[from environment variable DISCORD_BOT_TOKEN]")
    assert "#transaction-log: permissions ok" in result.stdout
    assert "demo-discord-bot-token" not in result.stdout


def test_doctor_warns_when_the_environment_overrides_the_config_files_league_timezone(
    sandbox_cli_factory: Callable[..., SandboxCli], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('league_timezone = "America/New_York"\n')
    cli = _demo(sandbox_cli_factory, LEAGUE_TIMEZONE="UTC", LEAGUECTL_CONFIG=str(config))
    result, report = cli.run_json("doctor")
    assert result.exit_code == 0
    (warning,) = [w for w in report["warnings"] if w["item"] == "LEAGUE_TIMEZONE (sources)"]
    assert warning["message"] == (
        f"LEAGUE_TIMEZONE: environment variable LEAGUE_TIMEZONE = 'UTC' wins over config file {config} "
        "(league_timezone) = 'America/New_York'"
    )


def test_doctor_warns_that_an_environment_token_beats_the_units_credential(
    sandbox_cli_factory: Callable[..., SandboxCli], tmp_path: Path
) -> None:
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "discord-bot-token").write_text("the-real-token-from-systemd\n")
    cli = _demo(sandbox_cli_factory, CREDENTIALS_DIRECTORY=str(creds))
    result, report = cli.run_json("doctor")
    warning = next(w["message"] for w in report["warnings"] if w["item"] == "DISCORD_BOT_TOKEN (sources)")
    assert "environment variable DISCORD_BOT_TOKEN wins over credential discord-bot-token" in warning
    assert "remove DISCORD_BOT_TOKEN from the environment" in warning
    assert "the-real-token-from-systemd" not in result.stdout + result.stderr


def test_doctor_requires_the_settings_of_enabled_timers_and_skips_disabled_ones(
    sandbox_cli_factory: Callable[..., SandboxCli], monkeypatch: Any
) -> None:
    import leaguectl.doctor

    cli = _demo(sandbox_cli_factory, GOOGLE_SHEETS_CREDENTIALS="", TASKS_CHANNEL_ID="", LIVE_SCORES_CHANNEL="gone")
    # scorebug-tick's timer enabled: its Sheets credentials are required.
    monkeypatch.setattr(leaguectl.doctor, "timer_states", lambda: {"scorebug-tick": True, "run-due-tasks": False})
    result, report = cli.run_json("doctor")
    assert result.exit_code == 78
    problems = {e["item"]: e["message"] for e in report["errors"]}
    assert set(problems) == {"GOOGLE_SHEETS_CREDENTIALS", "LIVE_SCORES_CHANNEL"}
    assert "scorebug-tick needs it (its timer is enabled)" in problems["GOOGLE_SHEETS_CREDENTIALS"]
    statuses = {c["check"]: c["status"] for c in report["details"]["checks"]}
    assert statuses["TASKS_CHANNEL_ID"] == "skipped"
    # scorebug-tick's timer disabled: neither its credentials nor its channel are checked.
    monkeypatch.setattr(leaguectl.doctor, "timer_states", lambda: {"scorebug-tick": False})
    result, report = cli.run_json("doctor")
    assert result.exit_code == 0, report["errors"]
    statuses = {c["check"]: c["status"] for c in report["details"]["checks"]}
    assert statuses["GOOGLE_SHEETS_CREDENTIALS"] == statuses["LIVE_SCORES_CHANNEL"] == "skipped"
    assert statuses["TASKS_CHANNEL_ID"] == "warning"  # no timer known: a warning, as under cron
