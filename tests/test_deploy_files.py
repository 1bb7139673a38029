"""The shipped scheduling files (systemd units, crontab.example, Kubernetes CronJobs) are complete and agree.

They are configuration rather than code, so these tests read them the way their consumers do: the
unit files as systemd's INI dialect, the crontab as five time fields and a shell command, the
manifests as YAML (a small loader for the subset they use; PyYAML is no dependency, but when it is
importable the loader is checked against it). Where systemd-analyze is installed, systemd itself
verifies the units and computes the timers' elapses; without it only those tests skip.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

ROOT = Path(__file__).resolve().parent.parent
SYSTEMD = ROOT / "systemd"
MULTI = SYSTEMD / "multi-league"
K8S = ROOT / "deploy" / "kubernetes"
CRONTAB = ROOT / "crontab.example"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")


@dataclass(frozen=True)
class Policy:
    """How one scheduled command is run, the same on every platform."""

    command: str
    period: timedelta
    catch_up: bool
    retry_exit_1: bool
    cron: str


POLICIES = {
    p.command: p
    for p in (
        Policy("freeze-begin", timedelta(weeks=1), catch_up=True, retry_exit_1=True, cron="0 0 * * 1"),
        Policy("thaw", timedelta(weeks=1), catch_up=True, retry_exit_1=True, cron="0 0 * * 6"),
        Policy("scorebug-tick", timedelta(minutes=3), catch_up=False, retry_exit_1=False, cron="*/3 * * * *"),
        Policy("cleanup-commands", timedelta(days=1), catch_up=True, retry_exit_1=False, cron="17 4 * * *"),
        Policy("run-due-tasks", timedelta(minutes=1), catch_up=False, retry_exit_1=False, cron="* * * * *"),
    )
}
COMMANDS = sorted(POLICIES)
LEAGUE_CALENDAR_COMMANDS = ("freeze-begin", "thaw", "cleanup-commands")


# --- systemd unit files ---------------------------------------------------------------------------

Unit = dict[str, dict[str, list[str]]]


@dataclass(frozen=True)
class Variant:
    """Single league (plain units) or several leagues (templates whose instance is the league)."""

    name: str
    directory: Path
    suffix: str
    target: str
    notify_template: str


SINGLE = Variant("single", SYSTEMD, "", "leaguectl.target", "leaguectl-notify@.service")
MULTI_LEAGUE = Variant("multi-league", MULTI, "@", "leaguectl@%i.target", "leaguectl-league-notify@.service")
VARIANTS = (SINGLE, MULTI_LEAGUE)

def doctor_unit(variant: Variant) -> str:
    return f"leaguectl-doctor{variant.suffix}.service"


# What a unit's settings come from: every service of a variant (doctor and notifier included) has the same.
SETTINGS_KEYS = (
    "EnvironmentFile", "LoadCredential", "SetCredential", "Environment", "User", "StateDirectory", "RuntimeDirectory",
)

HARDENING = {
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "NoNewPrivileges": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "RestrictRealtime": "yes",
    "SystemCallArchitectures": "native",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
    "DynamicUser": "yes",
}


def parse_unit(path: Path) -> Unit:
    """Read a unit file as systemd does: sections, KEY=value lines (repeatable), comment lines."""
    sections: Unit = {}
    current: dict[str, list[str]] | None = None
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{where}: setting before any [Section]"
        key, sep, value = line.partition("=")
        assert sep, f"{where}: not a KEY=value line: {raw!r}"
        assert not line.endswith("\\"), f"{where}: continuation lines are hard to read; split the setting"
        # systemd has no trailing comments: a '#' after a value would become part of the value.
        assert "#" not in value and ";" not in value, f"{where}: comment on a value line: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def single(unit: Unit, section: str, key: str) -> str:
    values = unit.get(section, {}).get(key, [])
    assert len(values) == 1, f"[{section}] {key}= should be set exactly once, found {values}"
    return values[0]


def seconds(span: str) -> float:
    """A systemd time span such as '1h', '2min 30s', '150s' in seconds."""
    units = {"us": 1e-6, "ms": 1e-3, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    parts = re.findall(r"(\d+)\s*(us|ms|sec|s|min|m|h|d|w)?", span.strip())
    assert parts and re.fullmatch(r"(\s*\d+\s*(us|ms|sec|s|min|m|h|d|w)?)+", span.strip()), span
    return sum(int(amount) * units[unit or "s"] for amount, unit in parts)


def unit_path(variant: Variant, command: str, kind: str) -> Path:
    return variant.directory / f"leaguectl-{command}{variant.suffix}.{kind}"


def service_of(variant: Variant, command: str) -> Unit:
    return parse_unit(unit_path(variant, command, "service"))


def timer_of(variant: Variant, command: str) -> Unit:
    return parse_unit(unit_path(variant, command, "timer"))


def unit_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in {".service", ".timer", ".target"})


def calendar_zone(expression: str) -> str:
    """The zone an OnCalendar= expression names (its last word), e.g. 'UTC' or 'America/New_York'."""
    zone = expression.split()[-1]
    assert re.fullmatch(r"UTC|[A-Z][A-Za-z_+-]+(/[A-Za-z0-9_+-]+)+", zone), f"no explicit zone in {expression!r}"
    return zone


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_scheduled_command_has_a_service_and_a_timer(variant: Variant, command: str) -> None:
    assert unit_path(variant, command, "service").is_file()
    assert unit_path(variant, command, "timer").is_file()


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_the_unit_directories_hold_only_leaguectl_units_that_are_commented_for_an_admin(variant: Variant) -> None:
    expected = {unit_path(variant, c, kind).name for c in COMMANDS for kind in ("service", "timer")}
    expected |= {variant.notify_template, variant.target.replace("%i", ""), doctor_unit(variant)}
    assert {p.name for p in unit_files(variant.directory)} == expected
    for path in unit_files(variant.directory):
        lines = path.read_text().splitlines()
        comments = [line for line in lines if line.lstrip().startswith("#")]
        assert lines[0].startswith(f"# {path.name}:"), f"{path.name} does not open with what it is"
        assert len(comments) >= 8, f"{path.name} explains too little for an admin"
        parse_unit(path)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("command", COMMANDS)
def test_each_service_runs_one_pass_of_its_command_as_a_hardened_oneshot(variant: Variant, command: str) -> None:
    unit = service_of(variant, command)
    assert single(unit, "Service", "Type") == "oneshot"
    assert single(unit, "Service", "ExecStart") == f"/usr/bin/env leaguectl {command}"
    assert single(unit, "Service", "Restart") == "on-failure"
    assert seconds(single(unit, "Service", "RestartSec")) > 0
    assert {"143", "SIGTERM"} <= set(single(unit, "Service", "SuccessExitStatus").split())
    assert single(unit, "Service", "RuntimeDirectoryPreserve") == "yes"
    assert single(unit, "Service", "StateDirectory").startswith("leaguectl")
    assert single(unit, "Service", "RuntimeDirectory").startswith("leaguectl")
    assert single(unit, "Service", "WorkingDirectory") == "%S/" + single(unit, "Service", "StateDirectory")
    assert single(unit, "Service", "EnvironmentFile").startswith("-/etc/leaguectl/")
    credentials = dict(value.split(":", 1) for value in unit["Service"]["LoadCredential"])
    assert {"discord-bot-token", "league-api-token"} <= set(credentials)
    assert all(path.startswith("/etc/leaguectl/") for path in credentials.values())
    for key, value in HARDENING.items():
        assert single(unit, "Service", key) == value, key
    assert unit["Service"]["SystemCallFilter"][0] == "@system-service"
    assert single(unit, "Unit", "PartOf") == variant.target
    assert int(single(unit, "Unit", "StartLimitBurst")) >= 2
    assert seconds(single(unit, "Unit", "StartLimitIntervalSec")) > 0


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("command", COMMANDS)
def test_usage_and_configuration_errors_are_never_retried_and_exit_1_only_where_the_next_run_is_far(
    variant: Variant, command: str
) -> None:
    prevented = set(single(service_of(variant, command), "Service", "RestartPreventExitStatus").split())
    assert {"64", "78"} <= prevented
    assert ("1" not in prevented) == POLICIES[command].retry_exit_1
    assert not prevented & {"69", "70", "75"}, "unavailable, bug and temporary failures are worth a retry"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("command", COMMANDS)
def test_the_timer_alone_never_uses_up_the_start_limit(variant: Variant, command: str) -> None:
    unit = service_of(variant, command)
    interval = seconds(single(unit, "Unit", "StartLimitIntervalSec"))
    burst = int(single(unit, "Unit", "StartLimitBurst"))
    timer_starts = max(1, int(interval // POLICIES[command].period.total_seconds()))
    assert burst > timer_starts, "the timer's own starts would hit start-limit-hit with no retry failing"
    retry_gap = seconds(single(unit, "Service", "RestartSec"))
    assert retry_gap * (burst - timer_starts) <= interval, "retries should be able to use the budget"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_hung_pass_is_killed_and_a_stopped_pass_gets_time_to_write_its_report(variant: Variant, command: str) -> None:
    unit = service_of(variant, command)
    timeout = seconds(single(unit, "Service", "TimeoutStartSec"))
    assert 0 < timeout <= 3600
    assert 10 <= seconds(single(unit, "Service", "TimeoutStopSec")) <= 90
    if command == "scorebug-tick":
        assert timeout < POLICIES[command].period.total_seconds(), "a hung tick must not block the next"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("command", COMMANDS)
def test_each_timer_starts_its_service_with_its_catch_up_policy(variant: Variant, command: str) -> None:
    timer = timer_of(variant, command)
    instance = "@%i" if variant is MULTI_LEAGUE else ""
    assert single(timer, "Timer", "Unit") == f"leaguectl-{command}{instance}.service"
    calendar_zone(single(timer, "Timer", "OnCalendar"))
    assert single(timer, "Timer", "Persistent") == ("true" if POLICIES[command].catch_up else "false")
    accuracy = seconds(single(timer, "Timer", "AccuracySec"))
    if POLICIES[command].period <= timedelta(weeks=1) and command != "cleanup-commands":
        assert accuracy <= 1
    randomized = timer["Timer"].get("RandomizedDelaySec")
    assert bool(randomized) == (command == "cleanup-commands"), "only the daily cleanup is spread out"
    assert single(timer, "Install", "WantedBy") == variant.target
    assert single(timer, "Unit", "PartOf") == variant.target


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_enabling_the_target_enables_every_timer_and_it_starts_with_the_system_timers(variant: Variant) -> None:
    target = parse_unit(variant.directory / variant.target.replace("%i", ""))
    instance = "@%i" if variant is MULTI_LEAGUE else ""
    also = set(single(target, "Install", "Also").split())
    assert also == {f"leaguectl-{command}{instance}.timer" for command in COMMANDS}
    assert single(target, "Install", "WantedBy") == "timers.target"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_every_failure_is_reported_by_a_notify_unit_that_cannot_loop(variant: Variant) -> None:
    notify = parse_unit(variant.directory / variant.notify_template)
    assert single(notify, "Service", "Type") == "oneshot"
    assert single(notify, "Service", "ExecStart").startswith("/usr/bin/env leaguectl alert --unit ")
    assert "OnFailure" not in notify["Unit"] and "Restart" not in notify["Service"]
    assert seconds(single(notify, "Service", "TimeoutStartSec")) <= 600
    # The alert reads the same settings and credentials as the passes it reports on.
    reference = service_of(variant, "thaw")
    for key in SETTINGS_KEYS:
        assert notify["Service"].get(key) == reference["Service"].get(key), key
    template_stem = variant.notify_template.split("@")[0]
    for command in COMMANDS:
        on_failure = single(service_of(variant, command), "Unit", "OnFailure")
        assert on_failure.startswith(template_stem + "@") and on_failure.endswith(".service")


# Settings that differ on purpose between a single league and one league of several.
PER_LEAGUE_KEYS = {
    "Description",
    "PartOf",
    "OnFailure",
    "After",
    "LoadCredential",
    "EnvironmentFile",
    "Environment",
    "User",
    "Group",
    "StateDirectory",
    "RuntimeDirectory",
    "WorkingDirectory",
    "Unit",
    "WantedBy",
}


@pytest.mark.parametrize("kind", ["service", "timer"])
@pytest.mark.parametrize("command", COMMANDS)
def test_the_multi_league_templates_match_the_single_league_units_except_per_league_paths(
    command: str, kind: str
) -> None:
    plain = parse_unit(unit_path(SINGLE, command, kind))
    template = parse_unit(unit_path(MULTI_LEAGUE, command, kind))
    assert plain.keys() == template.keys()
    for section, settings in plain.items():
        shared = settings.keys() - PER_LEAGUE_KEYS
        assert shared == template[section].keys() - PER_LEAGUE_KEYS, section
        for key in shared:
            assert settings[key] == template[section][key], f"[{section}] {key}="
        for key in settings.keys() & PER_LEAGUE_KEYS:
            instance_free = [value for value in template[section].get(key, []) if "%i" not in value]
            assert instance_free == [v for v in settings[key] if v in instance_free], f"[{section}] {key}="
    if kind == "service":
        service = template["Service"]
        assert single(template, "Service", "User") == "leaguectl-%i"
        assert "LEAGUECTL_CONFIG=/etc/leaguectl/%i.toml" in service["Environment"]
        assert single(template, "Service", "EnvironmentFile") == "-/etc/leaguectl/%i.env"
        assert all(":/etc/leaguectl/%i/" in value for value in service["LoadCredential"])


@needs_systemd_analyze
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_systemd_analyze_verify_prints_nothing_for_the_units(variant: Variant) -> None:
    assert SYSTEMD_ANALYZE is not None
    done = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *map(str, unit_files(variant.directory))],
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0"},
        check=False,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def elapses(expression: str, iterations: int = 5, base: str = "2027-03-01 00:00:00 UTC") -> list[datetime]:
    """The next elapses systemd computes for an OnCalendar= expression, as aware UTC datetimes."""
    assert SYSTEMD_ANALYZE is not None
    command = [SYSTEMD_ANALYZE, "calendar", f"--iterations={iterations}", expression]
    env = {**os.environ, "TZ": "UTC", "SYSTEMD_LOG_COLOR": "0"}
    done = subprocess.run(
        [*command[:2], f"--base-time={base}", *command[2:]], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0 and "base-time" in done.stderr:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    stamps = re.findall(r"(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", done.stdout)
    assert len(stamps) == iterations, done.stdout
    return [datetime.fromisoformat(stamp).replace(tzinfo=UTC) for stamp in stamps]


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # pragma: no cover - tzdata is a dependency
        pytest.skip(f"zone {name} is not available")


def documented_zone_override(timer: Path) -> str:
    """The OnCalendar= a timer's comments tell the admin to put in a drop-in for another zone."""
    found: list[str] = re.findall(r"^#\s+OnCalendar=(\S.*)$", timer.read_text(), flags=re.MULTILINE)
    assert len(found) == 1, f"{timer.name} should document one zone drop-in"
    return found[0].strip()


def system_has_zone(name: str) -> bool:
    return Path("/usr/share/zoneinfo", name).is_file()


@needs_systemd_analyze
@pytest.mark.parametrize(("command", "weekday"), [("freeze-begin", 0), ("thaw", 5)])
def test_freeze_and_thaw_timers_elapse_at_midnight_of_their_weekday_in_the_configured_zone(
    command: str, weekday: int
) -> None:
    expression = single(timer_of(SINGLE, command), "Timer", "OnCalendar")
    zone = zone_info(calendar_zone(expression))
    moments = elapses(expression)
    local = [moment.astimezone(zone) for moment in moments]
    assert all((t.weekday(), t.hour, t.minute, t.second) == (weekday, 0, 0, 0) for t in local), local
    assert all(later - earlier == timedelta(weeks=1) for earlier, later in itertools.pairwise(moments))


@needs_systemd_analyze
@pytest.mark.parametrize(("command", "weekday"), [("freeze-begin", 0), ("thaw", 5)])
def test_the_documented_zone_drop_in_moves_the_elapses_to_midnight_league_time_across_dst(
    command: str, weekday: int
) -> None:
    expression = documented_zone_override(unit_path(SINGLE, command, "timer"))
    zone_name = calendar_zone(expression)
    if not system_has_zone(zone_name):
        pytest.skip(f"the system has no zone file for {zone_name} (package tzdata)")
    # Five weeks from 2027-03-01 span the US switch to daylight saving time on 2027-03-14.
    moments = elapses(expression, base="2027-03-01 00:00:00 UTC")
    local = [moment.astimezone(zone_info(zone_name)) for moment in moments]
    assert all((t.weekday(), t.hour, t.minute) == (weekday, 0, 0) for t in local), local
    assert len({moment.hour for moment in moments}) == 2, "the UTC hour should change with DST"


@needs_systemd_analyze
@pytest.mark.parametrize("command", ["scorebug-tick", "run-due-tasks"])
def test_frequent_timers_elapse_at_their_period(command: str) -> None:
    moments = elapses(single(timer_of(SINGLE, command), "Timer", "OnCalendar"), iterations=6)
    gaps = {later - earlier for earlier, later in itertools.pairwise(moments)}
    assert gaps == {POLICIES[command].period}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_league_calendar_timers_all_name_the_league_zone_of_the_other_deploy_files(variant: Variant) -> None:
    (zone,) = {calendar_zone(single(timer_of(variant, c), "Timer", "OnCalendar")) for c in LEAGUE_CALENDAR_COMMANDS}
    configmap_zone = load_manifest(K8S / "configmap.yaml")["data"]["LEAGUE_TIMEZONE"]
    assert same_zone(zone, configmap_zone)
    assert {cronjob(c)["spec"]["timeZone"] for c in LEAGUE_CALENDAR_COMMANDS} == {configmap_zone}


def test_no_crontab_or_unit_line_sets_a_setting_that_would_beat_the_config_file() -> None:
    """The environment beats the TOML file, so a shipped LEAGUE_TIMEZONE= line would move the calendar."""
    from leaguectl.settings import SETTING_FIELDS

    names = {name for f in SETTING_FIELDS for name in (f.metadata["env"], *f.metadata["aliases"])}
    names |= {f"{name}_FILE" for name in names}
    assert not names & set(crontab_environment()), "crontab.example sets a setting"
    for variant in VARIANTS:
        for path in variant.directory.glob("*.service"):
            assigned = {value.split("=", 1)[0] for value in parse_unit(path)["Service"].get("Environment", [])}
            assert not names & assigned, f"{path.name} sets {sorted(names & assigned)}"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_every_service_and_the_doctor_unit_read_the_same_settings(variant: Variant) -> None:
    doctor = parse_unit(variant.directory / doctor_unit(variant))
    assert single(doctor, "Service", "Type") == "oneshot"
    assert single(doctor, "Service", "ExecStart") == "/usr/bin/env leaguectl doctor"
    assert "OnFailure" not in doctor["Unit"] and "Install" not in doctor
    for command in COMMANDS:
        unit = service_of(variant, command)
        for key in SETTINGS_KEYS:
            assert unit["Service"].get(key) == doctor["Service"].get(key), f"{command}: {key}="
    for key, value in HARDENING.items():
        assert single(doctor, "Service", key) == value, key
    # Optional credentials fall back to a blank value (leaguectl: "not given") instead of failing the start.
    loaded = {value.split(":", 1)[0] for value in doctor["Service"]["LoadCredential"]}
    defaults = {value.split(":", 1)[0] for value in doctor["Service"]["SetCredential"]}
    assert defaults == loaded - {"discord-bot-token", "league-api-token"}
    assert {"google-sheets-credentials", "thaw-tiebreak-secret", "letta-api-key"} <= defaults
    assert all(value.endswith(":\\n") for value in doctor["Service"]["SetCredential"])


def same_zone(first: str, second: str) -> bool:
    """Two zone names with the same offsets over a year (e.g. 'UTC' and 'Etc/UTC')."""
    probes = [datetime(2027, month, 1, 12, tzinfo=UTC) for month in range(1, 13)]
    return all(
        p.astimezone(zone_info(first)).utcoffset() == p.astimezone(zone_info(second)).utcoffset() for p in probes
    )


# --- the CLI knows every command the files run -------------------------------------------------------


def registered_cli_commands() -> set[str]:
    import typer

    from leaguectl.cli import app

    group = typer.main.get_command(app)
    return set(getattr(group, "commands", {}))


def test_every_command_the_deploy_files_run_is_a_real_leaguectl_command() -> None:
    registered = registered_cli_commands()
    if not registered & set(COMMANDS):
        pytest.skip("the CLI registers none of the scheduled commands yet")
    used = {job.command for job in crontab_jobs()}
    used |= {single(service_of(v, c), "Service", "ExecStart").split()[2] for v in VARIANTS for c in COMMANDS}
    used |= {cronjob(c)["container"]["command"][1] for c in COMMANDS}
    used |= {parse_unit(v.directory / v.notify_template)["Service"]["ExecStart"][0].split()[2] for v in VARIANTS}
    used |= {single(parse_unit(v.directory / doctor_unit(v)), "Service", "ExecStart").split()[2] for v in VARIANTS}
    assert used == set(COMMANDS) | {"alert", "doctor"}
    assert used <= registered, f"not leaguectl commands: {sorted(used - registered)}"


# --- crontab.example --------------------------------------------------------------------------------

_CRON_FIELD = re.compile(r"(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*")
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_JOB_COMMAND = re.compile(r"flock -n (?P<lock>\S+) leaguectl(?P<options>( -[-\w]+)*) (?P<command>[a-z][a-z-]*)")


@dataclass(frozen=True)
class CronJob:
    fields: tuple[str, str, str, str, str]
    shell: str
    commented_out: bool

    @property
    def match(self) -> re.Match[str]:
        found = _JOB_COMMAND.search(self.shell)
        assert found, f"no `flock -n LOCK leaguectl [options] COMMAND` in {self.shell!r}"
        return found

    @property
    def command(self) -> str:
        return self.match["command"]


def cron_values(field: str, low: int, high: int) -> set[int]:
    """The values a cron field matches (numbers, ranges, lists, steps), checked against its range."""
    assert _CRON_FIELD.fullmatch(field), f"malformed cron field {field!r}"
    values: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start, end = (int(x) for x in base.split("-"))
        else:
            start = int(base)
            end = high if step else start
        assert low <= start <= end <= high, f"{part!r} is outside {low}-{high}"
        values.update(range(start, end + 1, int(step) if step else 1))
    return values


def cron_matches(fields: tuple[str, ...], moment: datetime) -> bool:
    """Whether a five-field schedule fires at ``moment`` (Vixie semantics, Sunday = 0 or 7)."""
    minute, hour, dom, month, dow = (cron_values(f, *r) for f, r in zip(fields, _CRON_RANGES, strict=True))
    dow = {0 if day == 7 else day for day in dow}
    day_matches = (moment.day in dom, moment.isoweekday() % 7 in dow)
    # When both day fields are restricted, cron runs on either; otherwise both must match.
    day_ok = any(day_matches) if fields[2] != "*" and fields[4] != "*" else all(day_matches)
    return moment.minute in minute and moment.hour in hour and moment.month in month and day_ok


def crontab_lines() -> Iterator[tuple[str, bool]]:
    """Every non-blank line as (text, commented_out), with a comment's '# ' removed."""
    for raw in CRONTAB.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#"):
            yield line.lstrip("#").strip(), True
        elif line:
            yield line, False


def is_environment_line(line: str) -> bool:
    return re.match(r"[A-Za-z_][A-Za-z0-9_]*\s*=", line) is not None


def crontab_jobs(include_commented: bool = False) -> list[CronJob]:
    jobs = []
    for line, commented in crontab_lines():
        if commented and not (include_commented and re.match(r"[\d*]\S* \S+ \S+ \S+ \S+ .*leaguectl", line)):
            continue
        if is_environment_line(line):
            continue
        parts = line.split(None, 5)
        assert len(parts) == 6, f"a job line needs five time fields and a command: {line!r}"
        jobs.append(CronJob((parts[0], parts[1], parts[2], parts[3], parts[4]), parts[5], commented))
    return jobs


def crontab_environment() -> dict[str, str]:
    return dict(
        (key.strip(), value.strip())
        for line, commented in crontab_lines()
        if not commented and is_environment_line(line)
        for key, value in [line.split("=", 1)]
    )


def test_every_crontab_job_has_five_valid_time_fields_a_flock_and_a_quiet_leaguectl_command() -> None:
    jobs = crontab_jobs(include_commented=True)
    assert any(job.commented_out for job in jobs), "the CRON_TZ alternative should be shown"
    for job in jobs:
        for field, limits in zip(job.fields, _CRON_RANGES, strict=True):
            cron_values(field, *limits)
        assert job.command in POLICIES
        assert job.match["lock"] == f"/run/lock/leaguectl-{job.command}.lock"
        assert "-q" in job.match["options"].split(), "cron mails any output: only failures should print"
        assert "%" not in job.shell.replace("\\%", ""), "an unescaped % ends a cron command"


def test_every_scheduled_command_has_exactly_one_active_crontab_line() -> None:
    assert sorted(job.command for job in crontab_jobs()) == COMMANDS


def test_crontab_sets_path_and_the_league_zone_and_explains_mailto_and_cron_tz() -> None:
    environment = crontab_environment()
    assert "/usr/local/bin" in environment["PATH"].split(":")
    assert environment["SHELL"] == "/bin/sh"
    assert "LOCK_DIR" not in environment, "leaguectl's own lock must not be the file flock holds"
    text = CRONTAB.read_text()
    assert "MAILTO" in text and "CRON_TZ=" in text and "Debian" in text


@pytest.mark.parametrize(
    ("command", "league_midnight"),
    [
        ("freeze-begin", datetime(2027, 3, 1, 0, 0)),
        ("thaw", datetime(2027, 3, 6, 0, 0)),
    ],
)
def test_crontab_freeze_and_thaw_lines_fire_at_league_midnight_whatever_the_system_zone(
    command: str, league_midnight: datetime
) -> None:
    (job,) = [job for job in crontab_jobs() if job.command == command]
    # Zones run from UTC-12 to UTC+14, so the system clock may differ from the league's by 26 hours.
    for hours_ahead in range(-26, 27):
        system_time = league_midnight + timedelta(hours=hours_ahead)
        assert cron_matches(job.fields, system_time), f"league midnight = system {system_time:%a %H:%M}"


CRON_TEST_ZONE = "America/New_York"


def run_cron_command(shell: str, tmp_path: Path, date_output: str) -> tuple[list[str], list[str]]:
    """Run a crontab command as cron would (\\% → %, /bin/sh) with stub date and flock.

    Returns the arguments flock was called with (empty if the line did not get that far) and
    the (TZ, arguments) each date call saw.
    """
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    log = tmp_path / "calls"
    (stubs / "date").write_text(f'#!/bin/sh\nprintf "date %s %s\\n" "$TZ" "$*" >>{log}\necho "$FAKE_DATE"\n')
    (stubs / "flock").write_text(f'#!/bin/sh\nprintf "flock %s\\n" "$*" >>{log}\n')
    # The league-time guards ask leaguectl for the zone (doctor --print-setting LEAGUE_TIMEZONE).
    (stubs / "leaguectl").write_text(
        f'#!/bin/sh\nprintf "leaguectl %s\\n" "$*" >>{log}\necho "{CRON_TEST_ZONE}"\n'
    )
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    log.write_text("")
    env = {**crontab_environment(), "PATH": str(stubs), "FAKE_DATE": date_output}
    # Send an optional log redirection to the temporary directory instead of /var/log.
    shell = re.sub(r">>\s*/\S+", f">>{tmp_path / 'report.jsonl'}", shell.replace("\\%", "%"))
    subprocess.run(["/bin/sh", "-c", shell], env=env, check=False, timeout=10)
    calls = log.read_text().splitlines()
    flock_calls = [call.split()[1:] for call in calls if call.startswith("flock ")]
    date_calls = [call[len("date ") :] for call in calls if call.startswith("date ")]
    return (flock_calls[0] if flock_calls else []), date_calls


@pytest.mark.parametrize("job", crontab_jobs(include_commented=True), ids=lambda j: f"{j.command}-{j.fields}")
def test_each_crontab_command_runs_leaguectl_under_flock_in_a_plain_shell(job: CronJob, tmp_path: Path) -> None:
    league_now = {"freeze-begin": "1", "thaw": "600"}.get(job.command, "")
    flock_args, _ = run_cron_command(job.shell, tmp_path, date_output=league_now)
    assert flock_args[:3] == ["-n", f"/run/lock/leaguectl-{job.command}.lock", "leaguectl"]
    assert flock_args[-1] == job.command


@pytest.mark.parametrize(
    ("command", "date_format", "league_now", "runs"),
    [
        ("freeze-begin", "+%u", "1", True),
        ("freeze-begin", "+%u", "2", True),
        ("freeze-begin", "+%u", "3", False),
        ("freeze-begin", "+%u", "7", False),
        ("thaw", "+%u%H", "600", True),
        ("thaw", "+%u%H", "602", True),
        ("thaw", "+%u%H", "603", False),
        ("thaw", "+%u%H", "523", False),
        ("thaw", "+%u%H", "700", False),
    ],
)
def test_crontab_league_time_guards_let_freeze_begin_and_thaw_through_only_at_their_league_time(
    command: str, date_format: str, league_now: str, runs: bool, tmp_path: Path
) -> None:
    (job,) = [job for job in crontab_jobs() if job.command == command]
    flock_args, date_calls = run_cron_command(job.shell, tmp_path, date_output=league_now)
    assert bool(flock_args) == runs
    assert date_calls == [f"{CRON_TEST_ZONE} {date_format}"]


# --- Kubernetes manifests ---------------------------------------------------------------------------


def load_yaml_subset(text: str) -> Any:
    """Load the YAML the manifests use: block mappings and sequences, scalars, flow lists of scalars.

    Anything beyond that (anchors, block scalars, several documents, tabs) is rejected rather
    than misread, which keeps the manifests simple enough for an admin to edit safely.
    """
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        content = _strip_yaml_comment(raw).rstrip()
        if not content.strip():
            continue
        indent = len(content) - len(content.lstrip(" "))
        if content[indent:].startswith(("\t", "---", "&", "*", "!")) or "\t" in content[: indent + 1]:
            raise ValueError(f"line {number}: outside the supported YAML subset: {raw!r}")
        lines.append((indent, content.strip()))
    if not lines:
        return None
    value, end = _yaml_block(lines, 0, lines[0][0])
    if end != len(lines):
        raise ValueError(f"unexpected indentation at {lines[end][1]!r}")
    return value


def _strip_yaml_comment(line: str) -> str:
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index]
    return line


_YAML_KEY = re.compile(r"([A-Za-z0-9_.\-/]+):(?:\s+(.*))?$")


def _is_sequence_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def _yaml_block(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[Any, int]:
    if _is_sequence_item(lines[index][1]):
        return _yaml_sequence(lines, index, indent)
    return _yaml_mapping(lines, index, indent)


def _yaml_sequence(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    while index < len(lines) and lines[index][0] == indent and _is_sequence_item(lines[index][1]):
        content = lines[index][1]
        rest = content[1:].lstrip()
        if not rest:
            if index + 1 >= len(lines) or lines[index + 1][0] <= indent:
                raise ValueError(f"empty sequence item at {content!r}")
            value, index = _yaml_block(lines, index + 1, lines[index + 1][0])
        elif _YAML_KEY.match(rest) and not rest.startswith(("'", '"')):
            column = indent + len(content) - len(rest)
            lines[index] = (column, rest)
            value, index = _yaml_mapping(lines, index, column)
        else:
            value, index = _yaml_scalar(rest), index + 1
        items.append(value)
    return items, index


def _yaml_mapping(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[dict[str, Any], int]:
    result: dict[str, Any] = {}
    while index < len(lines) and lines[index][0] == indent:
        content = lines[index][1]
        found = _YAML_KEY.match(content)
        if not found:
            raise ValueError(f"expected `key: value`, got {content!r}")
        key, rest = found[1], found[2]
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        index += 1
        if rest in ("|", "|-", ">", ">-"):
            raise ValueError(f"block scalars are outside the supported subset ({key})")
        if rest:
            result[key] = _yaml_scalar(rest)
        elif index < len(lines) and lines[index][0] > indent:
            result[key], index = _yaml_block(lines, index, lines[index][0])
        elif index < len(lines) and lines[index][0] == indent and _is_sequence_item(lines[index][1]):
            result[key], index = _yaml_sequence(lines, index, indent)
        else:
            result[key] = None
    if index < len(lines) and lines[index][0] > indent:
        raise ValueError(f"unexpected indentation at {lines[index][1]!r}")
    return result, index


def _yaml_scalar(text: str) -> Any:
    if text.startswith(("&", "*", "!", "|", ">", "%", "@", "`")):
        raise ValueError(f"outside the supported YAML subset: {text!r}")
    if text.startswith('"'):
        if not text.endswith('"') or len(text) < 2:
            raise ValueError(f"unterminated string {text!r}")
        return json.loads(text)
    if text.startswith("'"):
        if not text.endswith("'") or len(text) < 2:
            raise ValueError(f"unterminated string {text!r}")
        return text[1:-1].replace("''", "'")
    if text.startswith("["):
        inner = text[1:-1].strip() if text.endswith("]") else None
        if inner is None:
            raise ValueError(f"unterminated list {text!r}")
        return [_yaml_scalar(item.strip()) for item in inner.split(",")] if inner else []
    if text.startswith("{"):
        if text == "{}":
            return {}
        raise ValueError(f"flow mappings are outside the supported subset: {text!r}")
    if text in ("true", "True", "false", "False"):
        return text.lower() == "true"
    if text in ("null", "~"):
        return None
    if re.fullmatch(r"0[0-7]+", text):
        return int(text, 8)
    if re.fullmatch(r"-?(0|[1-9]\d*)", text):
        return int(text)
    return text


def manifest_paths() -> list[Path]:
    return sorted(K8S.glob("*.yaml"))


def load_manifest(path: Path) -> dict[str, Any]:
    document = load_yaml_subset(path.read_text())
    assert isinstance(document, dict), path.name
    return document


def cronjob(command: str) -> dict[str, Any]:
    """The CronJob of a command, with its only container under 'container' for convenience."""
    document = load_manifest(K8S / f"cronjob-{command}.yaml")
    (container,) = document["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return {**document, "container": container}


def test_the_yaml_loader_reads_what_it_supports_and_rejects_the_rest() -> None:
    text = 'a:\n  b: "x # y"  # note\n  c: [1, "two"]\n  d:\n    - e: 1\n      f: 0440\n    - plain\n  g: {}\n'
    assert load_yaml_subset(text) == {"a": {"b": "x # y", "c": [1, "two"], "d": [{"e": 1, "f": 288}, "plain"], "g": {}}}
    for unsupported in ("a: |\n  text\n", "a: &x 1\nb: *x\n", "a: 1\n  b: 2\n", "a: 1\na: 2\n", "a: {b: 1}\n"):
        with pytest.raises(ValueError):
            load_yaml_subset(unsupported)


@pytest.mark.parametrize("path", manifest_paths(), ids=lambda p: p.name)
def test_each_manifest_parses_and_names_a_kubernetes_object(path: Path) -> None:
    document = load_manifest(path)
    assert {"apiVersion", "kind"} <= document.keys()
    if path.name != "kustomization.yaml":
        assert document["metadata"]["name"].startswith("leaguectl")
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return
    assert yaml.safe_load(path.read_text()) == document, "the subset loader disagrees with PyYAML"


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_a_cronjob_that_never_overlaps_and_names_its_zone(command: str) -> None:
    job = cronjob(command)
    spec = job["spec"]
    assert (job["apiVersion"], job["kind"], job["metadata"]["name"]) == ("batch/v1", "CronJob", f"leaguectl-{command}")
    assert spec["schedule"] == POLICIES[command].cron
    assert spec["concurrencyPolicy"] == "Forbid"
    zone_info(spec["timeZone"])
    assert spec["successfulJobsHistoryLimit"] >= 1 and spec["failedJobsHistoryLimit"] >= 1
    assert job["container"]["command"] == ["leaguectl", command]


@pytest.mark.parametrize("command", COMMANDS)
def test_cronjob_starting_deadline_matches_the_commands_catch_up_policy(command: str) -> None:
    deadline = cronjob(command)["spec"]["startingDeadlineSeconds"]
    period = POLICIES[command].period.total_seconds()
    assert deadline >= 10, "the controller checks every 10 s: a shorter deadline may never start a job"
    if POLICIES[command].catch_up:
        assert deadline >= 3 * 3600, "a missed run must still start hours later"
    else:
        assert deadline < period, "a stale run is useless: drop it before the next one is due"


@pytest.mark.parametrize(
    ("command", "until_the_other"),
    [("freeze-begin", timedelta(days=5)), ("thaw", timedelta(days=2))],
)
def test_a_late_freeze_begin_or_thaw_job_ends_before_the_other_ones_slot(
    command: str, until_the_other: timedelta
) -> None:
    # Pods share no lock, so a catch-up start must never overlap the other command's schedule.
    spec = cronjob(command)["spec"]
    latest_end = spec["startingDeadlineSeconds"] + spec["jobTemplate"]["spec"]["activeDeadlineSeconds"]
    assert latest_end < until_the_other.total_seconds()


@pytest.mark.parametrize("command", COMMANDS)
def test_cronjob_retries_the_same_exit_codes_as_the_systemd_unit(command: str) -> None:
    job_spec = cronjob(command)["spec"]["jobTemplate"]["spec"]
    assert job_spec["template"]["spec"]["restartPolicy"] == "Never"
    rules = job_spec["podFailurePolicy"]["rules"]
    fail_now = {code for rule in rules if rule["action"] == "FailJob" for code in rule["onExitCodes"]["values"]}
    prevented = single(service_of(SINGLE, command), "Service", "RestartPreventExitStatus").split()
    assert fail_now == {int(code) for code in prevented} - {127}
    assert any(
        rule["action"] == "Ignore" and rule["onPodConditions"] == [{"type": "DisruptionTarget", "status": "True"}]
        for rule in rules
    )
    # Kubernetes 1.27's schema requires onPodConditions on every rule; empty means "exit codes only".
    assert all(rule["onPodConditions"] == [] for rule in rules if "onExitCodes" in rule)
    assert job_spec["backoffLimit"] >= 1
    timeout = seconds(single(service_of(SINGLE, command), "Service", "TimeoutStartSec"))
    assert job_spec["activeDeadlineSeconds"] == timeout


@pytest.mark.parametrize("command", COMMANDS)
def test_cronjob_takes_the_tokens_from_the_secret_and_settings_from_the_configmap(command: str) -> None:
    container = cronjob(command)["container"]
    secret_refs = {item["name"]: item["valueFrom"]["secretKeyRef"] for item in container["env"] if "valueFrom" in item}
    assert secret_refs == {
        "DISCORD_BOT_TOKEN": {"name": "leaguectl-secrets", "key": "discord-bot-token"},
        "LEAGUE_API_TOKEN": {"name": "leaguectl-secrets", "key": "league-api-token"},
    }
    assert container["envFrom"] == [{"configMapRef": {"name": "leaguectl-config"}}]
    secret_keys = set(load_manifest(K8S / "secret.example.yaml")["stringData"])
    assert {ref["key"] for ref in secret_refs.values()} <= secret_keys


@pytest.mark.parametrize("command", COMMANDS)
def test_cronjob_pods_run_unprivileged_on_a_read_only_root_with_bounded_memory(command: str) -> None:
    job = cronjob(command)
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    container = job["container"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["automountServiceAccountToken"] is False
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert container["resources"]["limits"]["memory"]
    mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
    configmap = load_manifest(K8S / "configmap.yaml")["data"]
    assert Path(configmap["LOCK_DIR"]).parent.as_posix() in mounts, "the lock directory must be writable"


def test_cronjobs_log_json_lines_and_keep_home_and_tmpdir_on_the_writable_tmp() -> None:
    configmap = load_manifest(K8S / "configmap.yaml")["data"]
    assert configmap["LEAGUECTL_LOG_FORMAT"] == "json"
    assert configmap["HOME"] == configmap["TMPDIR"] == "/tmp"
    for command in COMMANDS:
        container = cronjob(command)["container"]
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], command
        assert not {item["name"] for item in container.get("env", [])} & {"HOME", "TMPDIR", "LEAGUECTL_LOG_FORMAT"}


def test_kustomization_applies_every_cronjob_and_the_configmap_but_never_the_secret() -> None:
    kustomization = load_manifest(K8S / "kustomization.yaml")
    resources = set(kustomization["resources"])
    assert resources == {"configmap.yaml"} | {f"cronjob-{command}.yaml" for command in COMMANDS}
    assert [image["name"] for image in kustomization["images"]] == ["leaguectl"]


@needs_systemd_analyze
@pytest.mark.parametrize("command", ["freeze-begin", "thaw", "scorebug-tick", "run-due-tasks"])
def test_cronjob_schedule_fires_at_every_elapse_of_the_systemd_timer(command: str) -> None:
    job = cronjob(command)
    zone = zone_info(job["spec"]["timeZone"])
    fields = tuple(job["spec"]["schedule"].split())
    for moment in elapses(single(timer_of(SINGLE, command), "Timer", "OnCalendar")):
        assert cron_matches(fields, moment.astimezone(zone).replace(tzinfo=None)), moment


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_kustomize_renders_the_manifests_offline() -> None:
    kubectl = shutil.which("kubectl")
    assert kubectl is not None
    done = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("kind: CronJob") == len(COMMANDS)
