"""``leaguectl doctor``: check configuration, credentials, channels and permissions, read-only.

Every problem is reported by name (the setting, the channel, the missing
permission) and the pass exits 78 when any is found, so ``doctor`` can gate a
deployment in CI. Nothing is written anywhere.

Each setting's line says where its value came from (never a secret's value),
and a setting given in two places with different values is a warning naming
the winner, so nothing (an environment line in a crontab, a stale BOT_TOKEN
beating a systemd credential) moves the league silently. Under systemd, the
settings a command needs are problems only when that command's timer is
enabled; elsewhere a missing command-specific setting is a warning.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leaguectl.errors import ExitCode, LeaguectlError
from leaguectl.passrun import PassContext
from leaguectl.redact import scrub
from leaguectl.settings import env_name, unset_hint

if TYPE_CHECKING:
    from leaguectl.report import Report
    from leaguectl.settings import Traced

# Discord permission bits (platform.md §A.2)
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
CONNECT = 1 << 20
MANAGE_ROLES = 1 << 28
SET_VOICE_CHANNEL_STATUS = 1 << 48
ALL_PERMISSIONS = (1 << 53) - 1

PERMISSION_NAMES = {
    MANAGE_CHANNELS: "MANAGE_CHANNELS",
    VIEW_CHANNEL: "VIEW_CHANNEL",
    SEND_MESSAGES: "SEND_MESSAGES",
    MANAGE_MESSAGES: "MANAGE_MESSAGES",
    EMBED_LINKS: "EMBED_LINKS",
    READ_MESSAGE_HISTORY: "READ_MESSAGE_HISTORY",
    MANAGE_ROLES: "MANAGE_ROLES",
    SET_VOICE_CHANNEL_STATUS: "SET_VOICE_CHANNEL_STATUS",
}

POST = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY
# run-due-tasks rewrites task messages; a trusted user's task is claimed by posting the bot's copy
# and deleting the user's message, and `tasks remove` deletes others' messages: MANAGE_MESSAGES.
TASKS = POST | MANAGE_MESSAGES
REQUIRED_SETTINGS = ("discord_bot_token", "guild_id", "league_api_url", "league_api_token")
SCHEDULED = ("freeze-begin", "thaw", "scorebug-tick", "cleanup-commands", "run-due-tasks")
# Settings one scheduled command needs beyond REQUIRED_SETTINGS.
COMMAND_SETTINGS = {"scorebug-tick": "google_sheets_credentials", "run-due-tasks": "tasks_channel_id"}
# Optional secrets: doctor says where each came from, never what it is.
OPTIONAL_SECRETS = ("thaw_tiebreak_secret", "letta_api_key", "healthcheck_url")
# systemctl is-enabled answers that mean the timer starts its command.
_ENABLED_STATES = frozenset({"enabled", "enabled-runtime", "static", "indirect", "linked", "linked-runtime", "alias"})
_DISABLED_STATES = frozenset({"disabled", "masked", "masked-runtime"})


@dataclass(frozen=True)
class ChannelNeed:
    """A channel leaguectl uses, what for, and the permissions it needs there."""

    setting: str
    value: str
    used_by: tuple[str, ...]
    permissions: int


@dataclass
class Doctor:
    """One doctor run: its checks (one per name), the settings' origins and which commands are enabled.

    A later check of the same name replaces an earlier one (the token is first "set", then
    "logged in as ..."), except that a problem is never replaced by an "ok".
    """

    ctx: PassContext
    traced: Traced
    enabled: Mapping[str, bool | None]
    checks: dict[str, dict[str, str]] = field(default_factory=dict)

    def check(self, name: str, status: str, detail: str, source: str | None = None) -> None:
        previous = self.checks.get(name)
        if previous is not None and previous["status"] == "problem" and status != "problem":
            return
        entry = {"check": name, "status": status, "detail": scrub(detail)}
        if source:
            entry["source"] = source
        elif previous is not None and "source" in previous:
            entry["source"] = previous["source"]
        self.checks[name] = entry

    def source(self, attribute: str) -> str:
        return self.traced.source_of(attribute)

    def needed_by(self, command: str) -> bool | None:
        """True when the command's timer is enabled, False when disabled, None when unknown (cron, k8s)."""
        return self.enabled.get(command)

    def finish(self) -> None:
        """Checks into the report: problems as errors, warnings as warnings, the list as details."""
        report = self.ctx.report
        rows = list(self.checks.values())
        report.details["checks"] = rows
        for row in rows:
            # Errors and warnings stand alone in logs and alerts: they start with the setting's name.
            name = row["check"].split(" ")[0]
            message = row["detail"] if row["detail"].startswith(name) else f"{name}: {row['detail']}"
            if row["status"] == "problem":
                report.error(message, item=row["check"])
            elif row["status"] == "warning":
                report.warn(message, item=row["check"])
        problems = sum(row["status"] == "problem" for row in rows)
        warnings = sum(row["status"] == "warning" for row in rows)
        if problems:
            report.summary = f"{problems} problem(s), {warnings} warning(s)"
            report.exit_code = ExitCode.CONFIG
        else:
            report.summary = "all checks passed" + (f", {warnings} warning(s)" if warnings else "")


def timer_states(commands: Iterable[str] = SCHEDULED) -> dict[str, bool]:
    """Which leaguectl timers systemd would start: ``{command: enabled}`` for each installed timer.

    Empty when systemctl is missing or knows none of them (cron, Kubernetes, a laptop).
    """
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        return {}
    states: dict[str, bool] = {}
    for command in commands:
        try:
            result = subprocess.run(
                [systemctl, "is-enabled", f"leaguectl-{command}.timer"],
                capture_output=True, text=True, timeout=5, check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return {}
        state = result.stdout.strip()
        if state in _ENABLED_STATES:
            states[command] = True
        elif state in _DISABLED_STATES:
            states[command] = False
    return states


def channel_permissions(
    *,
    guild_id: str,
    member_roles: Iterable[str],
    roles: Iterable[Mapping[str, Any]],
    overwrites: Iterable[Mapping[str, Any]],
    member_id: str,
    is_owner: bool = False,
) -> int:
    """Discord's permission algorithm: base role permissions, then channel overwrites."""
    if is_owner:
        return ALL_PERMISSIONS
    role_perms = {str(role["id"]): int(role.get("permissions") or 0) for role in roles}
    mine = set(member_roles)
    base = role_perms.get(guild_id, 0)
    for role_id in mine:
        base |= role_perms.get(role_id, 0)
    if base & ADMINISTRATOR:
        return ALL_PERMISSIONS
    by_id = {str(o["id"]): o for o in overwrites}
    perms = base
    everyone = by_id.get(guild_id)
    if everyone is not None:
        perms = (perms & ~int(everyone.get("deny") or 0)) | int(everyone.get("allow") or 0)
    allow = deny = 0
    for overwrite_id, overwrite in by_id.items():
        if overwrite_id in mine and int(overwrite.get("type", 0)) == 0:
            allow |= int(overwrite.get("allow") or 0)
            deny |= int(overwrite.get("deny") or 0)
    perms = (perms & ~deny) | allow
    member = by_id.get(member_id)
    if member is not None and int(member.get("type", 1)) == 1:
        perms = (perms & ~int(member.get("deny") or 0)) | int(member.get("allow") or 0)
    if not perms & VIEW_CHANNEL:
        return 0
    return perms


def missing_permissions(have: int, need: int) -> list[str]:
    """Names of the permission bits in ``need`` that ``have`` lacks."""
    return [name for bit, name in PERMISSION_NAMES.items() if need & bit and not have & bit]


def _channel_needs(ctx: PassContext) -> list[ChannelNeed]:
    s = ctx.settings
    needs = [
        ChannelNeed("TRANSACTION_LOG_CHANNEL", s.transaction_log_channel, ("freeze-begin", "thaw"), POST),
        ChannelNeed("WEEKLY_INFO_CHANNEL", s.weekly_info_channel, ("freeze-begin",), POST),
        ChannelNeed("LIVE_SCORES_CHANNEL", s.live_scores_channel, ("scorebug-tick",), POST | MANAGE_ROLES),
    ]
    if s.tasks_channel_id:
        needs.append(ChannelNeed("TASKS_CHANNEL_ID", s.tasks_channel_id, ("run-due-tasks",), TASKS))
    if s.heartbeat_log_channel_id:
        needs.append(ChannelNeed("HEARTBEAT_LOG_CHANNEL_ID", s.heartbeat_log_channel_id, ("run-due-tasks",), POST))
    if s.alert_channel and s.alert_channel.lower() != "owner":
        needs.append(ChannelNeed("ALERT_CHANNEL", s.alert_channel, ("failure alerts",), POST))
    return needs


def check_settings(doc: Doctor) -> bool:
    """Required settings are present, and where each came from; True when all are."""
    complete = True
    for name in REQUIRED_SETTINGS:
        env = env_name(name)
        if getattr(doc.ctx.settings, name) is None:
            complete = False
            doc.check(env, "problem", f"{env} is not set{unset_hint(name)}; every scheduled command needs it")
        else:
            doc.check(env, "ok", "set", doc.source(name))
    for command, name in COMMAND_SETTINGS.items():
        _check_command_setting(doc, command, name)
    for name in OPTIONAL_SECRETS:
        if getattr(doc.ctx.settings, name) is not None:
            doc.check(env_name(name), "ok", "set (not shown)", doc.source(name))
    check_sources(doc)
    _check_files(doc)
    return complete


def _check_command_setting(doc: Doctor, command: str, name: str) -> None:
    env = env_name(name)
    if getattr(doc.ctx.settings, name) is not None:
        doc.check(env, "ok", "set", doc.source(name))
        return
    enabled = doc.needed_by(command)
    if enabled is False:
        doc.check(env, "skipped", f"not set; not needed: leaguectl-{command}.timer is disabled")
    elif enabled:
        doc.check(env, "problem", f"{env} is not set{unset_hint(name)}; {command} needs it (its timer is enabled)")
    else:
        doc.check(env, "warning", f"{env} is not set{unset_hint(name)}: {command} cannot run without it")


def check_sources(doc: Doctor) -> None:
    """Settings given in two places with different values: say which wins, and where each came from."""
    for conflict in doc.traced.conflicts():
        detail = conflict.describe()
        if conflict.winner.kind == "environment" and any(o.kind == "credential" for o in conflict.beaten):
            detail += (
                f"; the environment silently beats the unit's credential: remove {conflict.winner.name} "
                "from the environment (e.g. /etc/leaguectl/env) so the credential is used"
            )
        doc.check(f"{conflict.setting} (sources)", "warning", detail)


def _check_files(doc: Doctor) -> None:
    settings = doc.ctx.settings
    creds = settings.google_sheets_credentials
    if creds is not None:
        problem = _credentials_problem(creds)
        detail = problem or f"{creds} is a service-account file"
        doc.check("GOOGLE_SHEETS_CREDENTIALS", "problem" if problem else "ok", detail)
    for setting, path, key in (
        ("SCORECARDS_FILE", settings.scorecards_file, "scorecards"),
        ("VOICE_CHANNELS_FILE", settings.voice_channels_file, "voice_channels"),
    ):
        if not path.exists():
            doc.check(setting, "warning", f"{path} does not exist (no published games)", doc.source(key + "_file"))
            continue
        problem = _json_file_problem(path, key)
        doc.check(setting, "problem" if problem else "ok", problem or f"{path} is readable", doc.source(key + "_file"))
    _check_local_dirs(doc)


def _check_local_dirs(doc: Doctor) -> None:
    """LOCK_DIR and METRICS_FILE: usable by this user (doctor creates nothing)."""
    from leaguectl.ops.lock import lock_directory

    settings = doc.ctx.settings
    directory = lock_directory(settings.lock_dir, doc.ctx.runtime.environ)
    usable = directory if directory.is_dir() else directory.parent
    if directory.exists() and not directory.is_dir():
        doc.check("LOCK_DIR", "problem", f"LOCK_DIR {directory} is not a directory")
    elif not usable.is_dir() or not os.access(usable, os.W_OK | os.X_OK):
        doc.check("LOCK_DIR", "problem", f"LOCK_DIR {directory} cannot be created or written by this user")
    elif settings.lock_dir is not None:
        doc.check("LOCK_DIR", "ok", f"{directory} is usable", doc.source("lock_dir"))
    if settings.metrics_file is not None:
        from leaguectl.ops.metrics import read_metrics

        found = read_metrics(settings.metrics_file)
        if found.problem is not None:
            doc.check("METRICS_FILE", "warning", f"{settings.metrics_file} {found.problem}")
        elif not os.access(settings.metrics_file.parent, os.W_OK):
            doc.check("METRICS_FILE", "warning", f"{settings.metrics_file.parent} is not writable by this user")
        else:
            doc.check("METRICS_FILE", "ok", f"{settings.metrics_file} is writable", doc.source("metrics_file"))


def _credentials_problem(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return f"GOOGLE_SHEETS_CREDENTIALS: cannot read {path}: {exc.strerror}"
    except ValueError:
        return f"GOOGLE_SHEETS_CREDENTIALS: {path} is not JSON"
    keys = ("client_email", "private_key", "token_uri")
    missing = [key for key in keys if not isinstance(data, dict) or key not in data]
    if missing:
        return f"GOOGLE_SHEETS_CREDENTIALS: {path} lacks {', '.join(missing)} (not a service-account key)"
    return None


def _json_file_problem(path: Path, key: str) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror}"
    except ValueError as exc:
        return f"{path} is not valid JSON: {exc}"
    if not isinstance(data, dict) or not isinstance(data.get(key, {}), dict):
        return f"{path}: expected an object with a {key!r} object"
    return None


def check_discord(doc: Doctor) -> None:
    """Token, guild, every configured channel and the bot's permissions there."""
    from leaguectl.discord_rest import DiscordError

    ctx = doc.ctx
    discord = ctx.discord
    try:
        me = discord.current_user()
    except LeaguectlError as exc:
        doc.check("DISCORD_BOT_TOKEN", "problem", scrub(str(exc)))
        return
    bot_id = str(me["id"])
    doc.check("DISCORD_BOT_TOKEN", "ok", f"valid: logged in as {me.get('username', bot_id)} ({bot_id})")
    guild_id = ctx.guild_id
    try:
        discord.guild_channels(guild_id)
        roles = discord.guild_roles(guild_id)
        member = discord.guild_member(guild_id, bot_id)
    except DiscordError as exc:
        doc.check("GUILD_ID", "problem", f"GUILD_ID {guild_id}: cannot read the guild ({exc})")
        return
    if member is None:
        doc.check("GUILD_ID", "problem", f"GUILD_ID {guild_id}: the bot is not a member of this guild")
        return
    doc.check("GUILD_ID", "ok", f"guild {guild_id} reachable")
    member_roles = [str(r) for r in member.get("roles", [])]
    for need in _channel_needs(ctx):
        _check_channel(doc, need, guild_id, bot_id, member_roles, roles)
    _check_admin_channel(doc, guild_id)
    _check_task_zones(doc)


def _check_task_zones(doc: Doctor) -> None:
    """List the tasks whose wall times come from TASKS_DEFAULT_TIMEZONE (changing it would move them).

    Tasks of the original tool carry no ``timezone``: they are read in the default zone. When that
    zone is only implied (the built-in Europe/Berlin, or LEAGUE_TIMEZONE followed), a change of
    LEAGUE_TIMEZONE would move them silently: a warning, with the fix.
    """
    from leaguectl.tasks.zones import tasks_on_default_zone

    settings = doc.ctx.settings
    if not settings.tasks_channel_id or doc.checks.get("TASKS_CHANNEL_ID", {}).get("status") != "ok":
        return
    zone = settings.tasks_default_timezone
    source = doc.source("tasks_default_timezone")
    found = tasks_on_default_zone(doc.ctx.discord, settings.tasks_channel_id, zone)
    if not found:
        doc.check("TASKS_DEFAULT_TIMEZONE", "ok", f"{zone.key}: no task depends on it (each names its zone)", source)
        return
    more = f" and {len(found) - 10} more" if len(found) > 10 else ""
    shown = ", ".join(repr(task.name) for task in found[:10]) + more
    detail = f"{zone.key}: {len(found)} task(s) read their wall times in it: {shown}; changing it moves them"
    if doc.traced.origins.get("tasks_default_timezone"):
        doc.check("TASKS_DEFAULT_TIMEZONE", "ok", detail, source)
    else:
        fix = f"; set TASKS_DEFAULT_TIMEZONE={zone.key} explicitly so that they stay where they are"
        doc.check("TASKS_DEFAULT_TIMEZONE", "warning", detail + fix, source)


def _shown_channel(value: str) -> str:
    """A channel setting as people write it: ``#name``, or the id as given."""
    return value if value.isdigit() else f"#{value.lstrip('#')}"


def _check_channel(
    doc: Doctor, need: ChannelNeed, guild_id: str, bot_id: str, member_roles: list[str], roles: list[Any]
) -> None:
    commands = [c for c in need.used_by if c in SCHEDULED]
    used_by = ", ".join(need.used_by)
    if commands and all(doc.needed_by(c) is False for c in commands):
        doc.check(need.setting, "skipped", f"not checked: the timers of {used_by} are disabled")
        return
    source = doc.source(_attribute(need.setting))
    channel = doc.ctx.discord.resolve_channel(guild_id, need.value, types=(0, 5))
    if channel is None:
        kind = "id" if need.value.isdigit() else "name"
        detail = f"{_shown_channel(need.value)}: no text channel with this {kind} (used by {used_by})"
        doc.check(need.setting, "problem", detail, source)
        return
    label = f"#{channel.get('name')}"
    have = channel_permissions(
        guild_id=guild_id,
        member_roles=member_roles,
        roles=roles,
        overwrites=channel.get("permission_overwrites", []),
        member_id=bot_id,
    )
    missing = missing_permissions(have, need.permissions)
    if not missing and need.setting == "LIVE_SCORES_CHANNEL":
        hidden = _as_hidden(channel.get("permission_overwrites", []), guild_id)
        kept = channel_permissions(
            guild_id=guild_id, member_roles=member_roles, roles=roles, overwrites=hidden, member_id=bot_id
        )
        lost = missing_permissions(kept, POST)
        if lost:
            missing = [f"{', '.join(lost)} once the channel is hidden from @everyone (add an overwrite for the bot)"]
    if missing:
        doc.check(need.setting, "problem", f"{label}: the bot lacks {', '.join(missing)} (used by {used_by})", source)
    else:
        doc.check(need.setting, "ok", f"{label}: permissions ok (used by {used_by})", source)


def _attribute(setting: str) -> str:
    return setting.lower()


def _as_hidden(overwrites: Iterable[Mapping[str, Any]], guild_id: str) -> list[Mapping[str, Any]]:
    """The overwrites as they are once scorebug-tick hides the channel (@everyone denied VIEW)."""
    others = [o for o in overwrites if str(o.get("id")) != guild_id]
    return [*others, {"id": guild_id, "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)}]


def _check_admin_channel(doc: Doctor, guild_id: str) -> None:
    names = doc.ctx.settings.admin_channels
    for name in names:
        channel = doc.ctx.discord.resolve_channel(guild_id, name)
        if channel is not None:
            doc.check("ADMIN_CHANNELS", "ok", f"summaries go to #{channel.get('name')}", doc.source("admin_channels"))
            return
    shown = ", ".join(_shown_channel(name) for name in names)
    doc.check("ADMIN_CHANNELS", "warning", f"none of {shown} exists; no admin summaries")


def check_league(doc: Doctor) -> None:
    """The league API answers, accepts the token and has a ``current`` row."""
    try:
        current = doc.ctx.league.get_current()
    except LeaguectlError as exc:
        doc.check("LEAGUE_API_URL", "problem", f"league API: {scrub(str(exc))}")
        return
    freeze = "on" if current.freeze else "off"
    doc.check("LEAGUE_API_URL", "ok", f"answers: season {current.season}, week {current.week}, freeze {freeze}")
    doc.check("LEAGUE_API_TOKEN", "ok", "accepted by the league API")


def run_doctor(ctx: PassContext, traced: Traced, enabled: Mapping[str, bool | None] | None = None) -> None:
    """All checks; problems make the pass exit 78."""
    doc = Doctor(ctx, traced, timer_states() if enabled is None else enabled)
    check_settings(doc)
    if ctx.settings.discord_bot_token is not None and ctx.settings.guild_id is not None:
        check_discord(doc)
    if ctx.settings.league_api_url is not None and ctx.settings.league_api_token is not None:
        check_league(doc)
    doc.finish()


def text_lines(report: Report) -> list[str]:
    """doctor's own text output: one line per check, no "nothing to do"."""
    lines = [f"doctor: {report.summary or ('all checks passed' if report.ok else 'failed')}"]
    checks: list[dict[str, str]] = report.details.get("checks", [])
    width = max((len(row["check"]) for row in checks), default=0)
    for row in checks:
        source = f"  [from {row['source']}]" if row.get("source") else ""
        lines.append(f"  {row['status']:<8} {row['check']:<{width}}  {row['detail']}{source}")
    if not checks:  # the settings could not even be loaded
        lines.extend(f"  problem  {entry['message']}" for entry in report.errors)
    return [scrub(line) for line in lines]
