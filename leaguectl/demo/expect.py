"""What each pass of the demo week should have done, checked against the sandbox's state.

Each check reads the world before and after the pass (two sandbox snapshots),
the pass's exit code and its JSON report, and what the scenario's `demo`
section says (`demo.expect`: which moves the thaw grants and cancels, who gets
a DM, which custom commands are warned or deleted, where the admin summary
goes; `demo.tasks`: which tasks run, which are left alone, which are broken).
Nothing the checks expect is written here: it is all in the scenario file
(`leaguectl/sandbox/scenarios/demo.toml`) or derived from its entries. A pass
is ok when all its checks hold; the demo exits 0 only when every pass is ok.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from leaguectl.demo.diff import Change
from leaguectl.demo.timeline import TASK_IGNORED, TASK_MALFORMED, Step

JSON = dict[str, Any]

FINAL_SUFFIX = "- FINAL"
"""How a finished game's Scorebug header and voice status end (league.md §3.8)."""


@dataclass(frozen=True)
class Check:
    ok: bool
    text: str

    def to_json(self) -> JSON:
        return {"ok": self.ok, "text": self.text}


@dataclass(frozen=True)
class DemoFacts:
    """What the checks need beyond snapshots: the scenario's expectations and voice links."""

    expect: JSON = field(default_factory=dict)
    tasks: list[JSON] = field(default_factory=list)
    voice_links: dict[str, str] = field(default_factory=dict)
    """voice channel id -> the game's text channel id."""


@dataclass
class PassResult:
    """One pass as run: its exit code, JSON report (None if unreadable), and the world around it."""

    step: Step
    exit_code: int
    report: JSON | None
    before: JSON
    after: JSON
    changes: list[Change]
    stderr: str = ""
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)


# ----------------------------------------------------------------- snapshot helpers


def live_current(snapshot: JSON) -> JSON:
    rows = snapshot["league"]["current"]
    return dict(max(rows, key=lambda row: (row["season"], row["id"])))


def channel(snapshot: JSON, name: str) -> JSON | None:
    for entry in snapshot["discord"]["channels"]:
        if entry.get("name") == name and entry.get("type") != 1:
            return dict(entry)
    return None


def messages(snapshot: JSON, name: str) -> list[JSON]:
    found = channel(snapshot, name)
    return [] if found is None else list(found.get("messages", []))


def new_messages(result: PassResult, name: str) -> list[JSON]:
    old = {m["id"] for m in messages(result.before, name)}
    return [m for m in messages(result.after, name) if m["id"] not in old]


def edited_messages(result: PassResult, name: str) -> list[JSON]:
    old = {m["id"]: m for m in messages(result.before, name)}
    return [
        m
        for m in messages(result.after, name)
        if m["id"] in old and (old[m["id"]]["content"], old[m["id"]]["embeds"]) != (m["content"], m["embeds"])
    ]


def new_dms(result: PassResult, user_id: str | None = None) -> list[JSON]:
    """Messages sent in DM channels during the pass (optionally only to `user_id`)."""

    def dm_messages(snapshot: JSON) -> dict[str, str]:
        found = {}
        for entry in snapshot["discord"]["channels"]:
            if entry.get("type") != 1:
                continue
            recipient = str((entry.get("recipients") or [{}])[0].get("id"))
            if user_id is None or recipient == user_id:
                found.update({m["id"]: recipient for m in entry.get("messages", [])})
        return found

    before = dm_messages(result.before)
    return [{"id": mid, "to": to} for mid, to in dm_messages(result.after).items() if mid not in before]


def transactions(snapshot: JSON, moveid: str) -> list[JSON]:
    return [row for row in snapshot["league"]["transactions"] if row.get("moveid") == moveid]


def command_row(snapshot: JSON, name: str) -> JSON | None:
    for row in snapshot["league"]["custom_commands"]:
        if row.get("name") == name:
            return dict(row)
    return None


def _report_text(report: JSON | None, *sections: str) -> str:
    if report is None:
        return ""
    return " ".join(str(entry) for section in sections for entry in report.get(section) or [])


def _names(items: Iterable[str]) -> str:
    listed = list(items)
    return ", ".join(listed) if listed else "none"


# ----------------------------------------------------------------- common checks


def _exit_check(result: PassResult, wanted: int = 0) -> Check:
    if result.exit_code == wanted:
        return Check(True, f"exit {wanted}")
    errors = [str(e.get("message")) for e in (result.report or {}).get("errors") or []]
    detail = f": {errors[0]}" if errors else ""
    return Check(False, f"exit {result.exit_code}, expected {wanted}{detail}")


def _common_checks(result: PassResult) -> list[Check]:
    if result.report is None:
        return [Check(False, "no JSON report on stdout")]
    checks = []
    if result.report.get("command") != result.step.command:
        checks.append(Check(False, f"report is for {result.report.get('command')!r}"))
    limited = int((result.report.get("stats") or {}).get("rate_limited") or 0)
    checks.append(Check(limited == 0, "no 429 from Discord" if limited == 0 else f"{limited} request(s) answered 429"))
    return checks


# ----------------------------------------------------------------- freeze-begin


def check_freeze_begin(result: PassResult, facts: DemoFacts) -> list[Check]:
    expect = facts.expect.get("freeze_begin") or {}
    before, after = live_current(result.before), live_current(result.after)
    week_after = int(expect.get("week_after", before["week"] + 1))
    checks = [_exit_check(result)]
    checks.append(
        Check(
            after["week"] == before["week"] + 1 == week_after,
            f"week {before['week']} → {after['week']}, incremented once"
            if after["week"] == week_after
            else f"week {before['week']} → {after['week']}, expected {week_after}",
        )
    )
    checks.append(Check(bool(after.get("freeze")), "freeze on" if after.get("freeze") else "freeze still off"))
    teams = {str(p["id"]): p.get("team_id") for p in result.after["league"]["players"]}
    wanted = {str(k): v for k, v in (expect.get("player_teams_after") or {}).items()}
    wrong = [pid for pid, team in wanted.items() if teams.get(pid) != team]
    if wanted:
        checks.append(
            Check(
                not wrong, f"{len(wanted)} traded player(s) on their new teams" + (f"; not: {wrong}" if wrong else "")
            )
        )
    old_teams = {str(p["id"]): p.get("team_id") for p in result.before["league"]["players"]}
    claimed = {
        str(row["player_id"])
        for moveid in expect.get("not_executed_moveids") or []
        for row in transactions(result.before, moveid)
    }
    moved = sorted(pid for pid in claimed if teams.get(pid) != old_teams.get(pid))
    if claimed:
        checks.append(
            Check(not moved, "frozen claims left for the thaw" + (f"; moved anyway: {moved}" if moved else ""))
        )
    announced = new_messages(result, "transaction-log")
    checks.append(Check(len(announced) == 1, f"{len(announced)} announcement(s) in #transaction-log (1 expected)"))
    info = [m for m in new_messages(result, "weekly-info") if m["author"]["id"] == result.after["discord"]["bot_id"]]
    checks.append(Check(bool(info), f"weekly info posted ({len(info)} message(s))"))
    return checks


# ----------------------------------------------------------------- run-due-tasks


def _tasks_with(facts: DemoFacts, *outcomes: str) -> list[str]:
    return [str(t["name"]) for t in facts.tasks if t.get("outcome") in outcomes]


def _task_messages(snapshot: JSON, name: str) -> dict[str, tuple[Any, Any]]:
    """The tasks-channel messages holding task `name` (by its JSON `"task_name"` value)."""
    tasks_id = snapshot["discord"].get("tasks_channel_id")
    needles = {json.dumps(name), json.dumps(name, ensure_ascii=False)}
    for entry in snapshot["discord"]["channels"]:
        if entry["id"] == tasks_id:
            return {
                m["id"]: (m["content"], m["embeds"])
                for m in entry.get("messages", [])
                if any(f'"task_name": {needle}' in m["content"] for needle in needles)
            }
    return {}


def _task_touched(result: PassResult, name: str) -> bool:
    """Was the task's message claimed (edited with its next run, or removed) during the pass?"""
    before, after = _task_messages(result.before, name), _task_messages(result.after, name)
    return any(after.get(message_id) != kept for message_id, kept in before.items())


def _ran(result: PassResult, name: str) -> bool:
    """The task's message was claimed and the report names the task in an action."""
    actions = (result.report or {}).get("actions") or []
    named = any(name in json.dumps(action, ensure_ascii=False) for action in actions)
    return named and _task_touched(result, name)


def check_run_due_tasks(result: PassResult, facts: DemoFacts) -> list[Check]:
    broken = _tasks_with(facts, TASK_MALFORMED)
    errors = [str(e.get("message")) for e in (result.report or {}).get("errors") or []]
    unexpected = [e for e in errors if not any(f"'{name}'" in e for name in broken)]
    reported = _report_text(result.report, "errors", "warnings", "skipped")
    unreported = [name for name in broken if f"'{name}'" not in reported]
    checks: list[Check] = []
    if broken:
        ok = result.exit_code in (0, 1) and not unexpected and not unreported
        text = f"exit {result.exit_code}: only the deliberately broken task reported ({_names(broken)})"
        if not ok:
            text = f"exit {result.exit_code}; unexpected errors: {unexpected or 'none'}; unreported: {unreported}"
        checks.append(Check(ok, text))
    else:
        checks.append(_exit_check(result))
    missing = [name for name in result.step.tasks_due if not _ran(result, name)]
    checks.append(
        Check(
            not missing,
            f"due task(s) ran: {_names(result.step.tasks_due)}" if not missing else f"did not run: {_names(missing)}",
        )
    )
    idle = _tasks_with(facts, TASK_IGNORED, TASK_MALFORMED)
    wrongly = [name for name in idle if _task_touched(result, name)]
    if idle:
        checks.append(
            Check(
                not wrongly,
                "paused, untrusted and broken tasks left as they are" if not wrongly else f"changed: {_names(wrongly)}",
            )
        )
    runs = sum(1 for a in (result.report or {}).get("actions") or [] if a.get("kind") == "run")
    sent = [c for c in result.changes if c.kind in ("new", "sent") and c.place != "#tasks"]
    checks.append(Check(len(sent) >= runs, f"{len(sent)} message(s)/DM(s) sent for {runs} task run(s)"))
    return checks


# ----------------------------------------------------------------- scorebug-tick


def _sheet_header(snapshot: JSON, key: str) -> str:
    grid = ((snapshot.get("sheets") or {}).get(key) or {}).get("tabs", {}).get("Scorebug") or []
    return str(grid[1][1]) if len(grid) > 1 and len(grid[1]) > 1 else ""


def check_scorebug_tick(result: PassResult, facts: DemoFacts) -> list[Check]:
    checks = [_exit_check(result)]
    sheet_of = {card["text_channel_id"]: card["sheet_key"] for card in result.after.get("scorecards") or []}
    voice = {str(c["id"]): c for c in result.after["discord"]["channels"] if c.get("type") in (2, 13)}
    live = final = 0
    wrong = []
    for voice_id, text_id in facts.voice_links.items():
        if text_id not in sheet_of or voice_id not in voice:
            continue
        is_final = _sheet_header(result.after, sheet_of[text_id]).rstrip().endswith(FINAL_SUFFIX)
        status = str(voice[voice_id].get("voice_status") or "")
        live, final = live + (not is_final), final + is_final
        if is_final != status.endswith(FINAL_SUFFIX) or not status:
            wrong.append(f"{voice[voice_id].get('name')}: {status or '(no status)'}")
    checks.append(
        Check(
            not wrong,
            f"voice statuses: {live} live, {final} ending '- FINAL'" if not wrong else f"wrong status: {wrong}",
        )
    )
    bot = result.after["discord"]["bot_id"]
    scorebugs = [m for m in messages(result.after, "live-sba-scores") if m["author"]["id"] == bot and m["embeds"]]
    checks.append(
        Check(len(scorebugs) >= max(live, 1), f"{len(scorebugs)} bot scorebug message(s) in #live-sba-scores")
    )
    others = [m["id"] for m in messages(result.before, "live-sba-scores") if m["author"]["id"] != bot]
    kept = {m["id"] for m in messages(result.after, "live-sba-scores")}
    lost = [mid for mid in others if mid not in kept]
    checks.append(Check(not lost, "other authors' messages kept" if not lost else f"deleted others' messages {lost}"))
    if result.step.expect_edit:
        edited = edited_messages(result, "live-sba-scores")
        checks.append(Check(bool(edited), f"{len(edited)} scorebug(s) edited in place after the sheet edit"))
    return checks


# ----------------------------------------------------------------- thaw


def _moves_state(snapshot: JSON, moveid: str) -> str:
    rows = transactions(snapshot, moveid)
    if not rows:
        return "missing"
    if all(row.get("cancelled") for row in rows):
        return "cancelled"
    if all(not row.get("frozen") and not row.get("cancelled") for row in rows):
        return "granted"
    return "frozen" if all(row.get("frozen") for row in rows) else "mixed"


def _team_gms(snapshot: JSON, abbrev: str, season: int) -> list[str]:
    for team in snapshot["league"]["teams"]:
        if team.get("abbrev") == abbrev and team.get("season") == season:
            return [str(team[key]) for key in ("gmid", "gmid2") if team.get(key)]
    return []




def check_thaw(result: PassResult, facts: DemoFacts) -> list[Check]:
    expect = facts.expect.get("thaw") or {}
    before, after = live_current(result.before), live_current(result.after)
    checks = [_exit_check(result)]
    checks.append(Check(not after.get("freeze"), "freeze off" if not after.get("freeze") else "freeze still on"))
    checks.append(Check(after["week"] == before["week"], f"week stays {after['week']}"))
    accepted = list(expect.get("accepted_moveids") or [])
    cancelled = list(expect.get("cancelled_moveids") or []) + list(expect.get("already_cancelled_moveids") or [])
    tie = expect.get("tie") or {}
    tie_states = {moveid: _moves_state(result.after, moveid) for moveid in tie.get("moveids") or []}
    tie_winner = [m for m, state in tie_states.items() if state == "granted"]
    tie_loser = [m for m, state in tie_states.items() if state == "cancelled"]
    wrong = [m for m in accepted if _moves_state(result.after, m) != "granted"]
    wrong += [m for m in cancelled if _moves_state(result.after, m) != "cancelled"]
    if accepted or cancelled:
        checks.append(
            Check(
                not wrong,
                f"contested claims resolved: {len(accepted)} granted, {len(cancelled)} cancelled as expected"
                if not wrong
                else f"moves in the wrong state: {wrong}",
            )
        )
    if tie_states:
        ok = len(tie_winner) == 1 and len(tie_loser) == 1
        teams = list(tie.get("teams") or [])
        order = list(tie_states)
        winner_team = teams[order.index(tie_winner[0])] if ok and len(teams) == len(order) else "?"
        checks.append(
            Check(ok, f"tie on player {tie.get('player_id')} broken for {winner_team}" if ok else "tie not broken")
        )
    wanted = [str(uid) for uid in expect.get("dm_sent_to") or []]
    closed = [str(uid) for uid in expect.get("dm_closed") or []]
    if tie_loser and len(tie.get("teams") or []) == len(tie_states):
        loser_team = list(tie["teams"])[list(tie_states).index(tie_loser[0])]
        wanted += _team_gms(result.after, loser_team, int(after["season"]))
    users = {str(u["id"]): u for u in result.after["discord"]["users"]}
    closed += [uid for uid in wanted if users.get(uid, {}).get("dms_closed")]
    wanted = [uid for uid in wanted if uid not in closed]
    missing = [uid for uid in wanted if not new_dms(result, uid)]
    leaked = [uid for uid in closed if new_dms(result, uid)]
    if wanted or closed:
        checks.append(
            Check(
                not missing and not leaked,
                f"{len(wanted)} GM(s) of cancelled claims DMed, {len(closed)} with closed DMs skipped"
                if not missing and not leaked
                else f"DMs missing for {missing}, sent despite closed DMs to {leaked}",
            )
        )
    granted = len(accepted) + len(tie_winner)
    logged = new_messages(result, "transaction-log")
    if accepted:
        checks.append(
            Check(
                len(logged) == granted + 1,
                f"{len(logged)} post(s) in #transaction-log: one per granted move ({granted}) and the announcement",
            )
        )
    return checks


# ----------------------------------------------------------------- cleanup-commands


def check_cleanup(result: PassResult, facts: DemoFacts) -> list[Check]:
    expect = facts.expect.get("cleanup") or {}
    checks = [_exit_check(result)]
    warn = list(expect.get("warn") or []) + list(expect.get("warn_again_no_warning_found") or [])
    not_warned = [n for n in warn if not (command_row(result.after, n) or {}).get("warning_sent")]
    if warn:
        checks.append(
            Check(not not_warned, f"warned: {_names(warn)}" if not not_warned else f"not warned: {not_warned}")
        )
    delete = list(expect.get("delete") or [])
    kept = [n for n in delete if command_row(result.after, n) is not None]
    if delete:
        checks.append(Check(not kept, f"deleted: {_names(delete)}" if not kept else f"not deleted: {kept}"))
    unreachable = list((expect.get("unreachable_creator") or {}).keys())
    reported = _report_text(result.report, "actions", "warnings", "skipped", "errors")
    silent = [n for n in unreachable if n not in reported or command_row(result.after, n) is None]
    if unreachable:
        checks.append(
            Check(
                not silent,
                f"unreachable creators reported, commands kept: {_names(unreachable)}"
                if not silent
                else f"not reported or deleted: {silent}",
            )
        )
    untouched = [name for name in expect.get("untouched") or [] if command_row(result.before, name) is not None]
    changed = [name for name in untouched if command_row(result.after, name) != command_row(result.before, name)]
    if untouched:
        checks.append(
            Check(not changed, f"left alone: {_names(untouched)}" if not changed else f"touched: {_names(changed)}")
        )
    if warn or delete:
        dms = new_dms(result)
        checks.append(Check(bool(dms), f"{len(dms)} warning/deletion DM(s) sent"))
    summary_channel = expect.get("summary_channel")
    if summary_channel and (warn or delete):
        summaries = new_messages(result, str(summary_channel))
        checks.append(Check(bool(summaries), f"{len(summaries)} admin summary message(s)"))
    return checks


CHECKS: dict[str, Callable[[PassResult, DemoFacts], list[Check]]] = {
    "freeze-begin": check_freeze_begin,
    "run-due-tasks": check_run_due_tasks,
    "scorebug-tick": check_scorebug_tick,
    "thaw": check_thaw,
    "cleanup-commands": check_cleanup,
}


def check_pass(result: PassResult, facts: DemoFacts) -> list[Check]:
    """All checks of one pass: its own (by command) plus report/429 checks common to every pass."""
    own = CHECKS.get(result.step.command)
    if result.report is None or own is None:
        return [_exit_check(result), *_common_checks(result)]
    return [*own(result, facts), *_common_checks(result)]
