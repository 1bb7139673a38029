"""No fixed sleeps: every wait in a pass comes from rate-limit headers or a failure's backoff.

A static check over ``leaguectl/`` (the sandbox and the demo, which serve rather than pass,
are left out): no ``sleep(<number>)``, no ``time.sleep`` outside the runtime's real sleeper,
and every call site listed with the line that says what it waits for.
"""

from __future__ import annotations

import re

from bench.common import REPO, Section

SKIPPED = ("leaguectl/sandbox/", "leaguectl/demo/")
CALL = re.compile(r"(?P<name>[\w.]*sleep)\s*\(\s*(?P<arg>[^)]*)\)")
FIXED = re.compile(r"^\s*([0-9][0-9_.eE+-]*|[A-Z][A-Z0-9_]*)\s*$")
"""A literal number or a module constant: a pause of fixed length."""
REAL_SLEEPER = "leaguectl/runtime.py"
DIRECT = re.compile(r"(?<![\w.])time\.sleep\(")
FAILURE_ONLY = {
    ("leaguectl/scorebug/files.py", "REREAD_DELAY_SECONDS"): (
        "a bot JSON file that does not parse is read once more after this pause (it may be half-written):"
        " a single backoff step on a failure, never on a normal pass"
    ),
}
"""Fixed pauses that only follow a failure, with the reason they are acceptable."""


def _enclosing_function(lines: list[str], index: int) -> str:
    for line in reversed(lines[: index + 1]):
        match = re.match(r"\s*def (\w+)", line)
        if match:
            return match.group(1)
    return "<module>"


def call_sites() -> list[tuple[str, int, str, str]]:
    """(file, line, function, argument) of every sleep call in a pass's code."""
    sites = []
    for path in sorted((REPO / "leaguectl").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        if name.startswith(SKIPPED):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if line.strip().startswith(("def ", "#")):
                continue
            for match in CALL.finditer(line):
                sites.append((name, index + 1, _enclosing_function(lines, index), match.group("arg").strip()))
    return sites


def direct_sleepers() -> list[str]:
    """Modules that call ``time.sleep`` themselves instead of the runtime's injectable sleeper."""
    found = []
    for path in sorted((REPO / "leaguectl").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        if not name.startswith(SKIPPED) and name != REAL_SLEEPER and DIRECT.search(path.read_text(encoding="utf-8")):
            found.append(name)
    return found


def measure() -> Section:
    sites = call_sites()
    fixed = [site for site in sites if FIXED.match(site[3])]
    unexplained = [site for site in fixed if (site[0], site[3]) not in FAILURE_ONLY]
    direct = direct_sleepers()
    lines = [
        "Every sleep call in `leaguectl/` outside the sandbox and the demo (static scan of the source):",
        "",
        "| where | in | waits |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}:{number}` | `{function}` | `{arg}` |" for name, number, function, arg in sites]
    lines += ["", f"Sleeps of a fixed length: {len(fixed)}."]
    lines += [
        f"* `{name}` `{arg}`: {FAILURE_ONLY[(name, arg)]}" for name, _, _, arg in fixed if (name, arg) in FAILURE_ONLY
    ]
    lines += [f"Modules calling `time.sleep` directly (instead of the runtime's sleeper): {len(direct)}."]
    checks = [
        (f"no fixed sleep outside failure backoff ({len(unexplained)} found)", not unexplained),
        (f"every wait goes through the runtime's sleeper ({len(direct)} direct time.sleep)", not direct),
    ]
    data = {
        "sites": [
            {"file": name, "line": number, "function": function, "argument": arg}
            for name, number, function, arg in sites
        ],
        "direct": direct,
    }
    return Section("sleeps", "No fixed sleeps", "\n".join(lines), data, checks)
