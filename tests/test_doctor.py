"""``leaguectl doctor``: the permission algorithm, and checks against the sandbox naming each problem."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
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
