"""A/B: this tree's no-op passes against another commit's, interleaved in one run.

On a shared machine the no-op ratio of two separate runs can differ by 0.1-0.2× from
noise alone, which hides a change of a few milliseconds. Here both trees run in the same
rounds, in random order, against one sandbox: the other commit is exported with
``git archive`` and put first on ``PYTHONPATH``; both start through the same wrapper,
``python -P -c "from leaguectl.cli import main; main()"``, which is what the console script
runs (``-P`` keeps the working directory off ``sys.path``). Wall and CPU medians, and this
tree's per-pass difference to the other.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import PYTHON, REPO, Case, Section, Summary, child_env, interleave, ms, require_ok, run_child
from bench.passes import NOOP_COMMANDS
from bench.sandboxproc import SandboxProcess
from bench.scenarios import quiet_league

WRAPPER = "from leaguectl.cli import main; main()"
THIS_TREE = "this tree"


def export_commit(ref: str, target: Path) -> str:
    """Unpack ``ref``'s leaguectl package into ``target``; returns its short commit id."""
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", ref], capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit, "leaguectl"], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return commit


def loaded_from(env: dict[str, str]) -> str:
    """Where a child with ``env`` imports leaguectl from: proves each case runs its own tree."""
    done = subprocess.run(
        [PYTHON, "-P", "-c", "import leaguectl; print(leaguectl.__file__)"], env=env, capture_output=True, text=True
    )
    return done.stdout.strip()


def measure(ref: str, rounds: int) -> Section:
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="leaguectl-ab-") as directory, SandboxProcess(quiet_league(now)) as sandbox:
        other = export_commit(ref, Path(directory))
        trees = {THIS_TREE: str(REPO), other: directory}
        cases = []
        for label, tree in trees.items():
            env = child_env({**sandbox.env, "PYTHONPATH": tree})
            if not loaded_from(env).startswith(tree):
                raise SystemExit(f"bench compare: {label} imports leaguectl from {loaded_from(env)}, not {tree}")
            for command in NOOP_COMMANDS:
                # -P: no working directory on sys.path (as for the console script), so PYTHONPATH decides.
                argv = (PYTHON, "-P", "-c", WRAPPER, "-q", command)
                sandbox.advance()
                require_ok(run_child(argv, env), f"{label} {command}")
                cases.append(Case(f"{label}: {command}", argv, env, before=sandbox.advance))
        runs = interleave(cases, rounds)
    wall = {label: Summary.of([run.wall for run in series]) for label, series in runs.items()}
    cpu = {label: Summary.of([run.cpu for run in series]) for label, series in runs.items()}
    lines = [
        f"This tree against commit {other}: medians of {rounds} interleaved runs each, one sandbox, the",
        "same wrapper for both (see `bench/compare.py`).",
        "",
        "| pass | wall, this tree | wall, other | CPU, this tree | CPU, other | CPU difference |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    data: dict[str, Any] = {"against": other, "rounds": rounds}
    for command in NOOP_COMMANDS:
        mine, theirs = f"{THIS_TREE}: {command}", f"{other}: {command}"
        difference = cpu[mine].median - cpu[theirs].median
        lines.append(
            f"| `{command}` (no-op) | {ms(wall[mine].median)} | {ms(wall[theirs].median)} "
            f"| {ms(cpu[mine].median)} | {ms(cpu[theirs].median)} | {difference * 1000:+.1f} ms |"
        )
        data[command] = {
            "wall": wall[mine].to_json(),
            "wall_other": wall[theirs].to_json(),
            "cpu": cpu[mine].to_json(),
            "cpu_other": cpu[theirs].to_json(),
            "cpu_ratio": cpu[mine].median / cpu[theirs].median,
        }
    return Section("compare", f"No-op passes against {other}", "\n".join(lines), data, [])
