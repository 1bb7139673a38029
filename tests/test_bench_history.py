"""bench/run.py keeps a history of start-up ratios, so RESULTS.md shows a change's before and after.

The sections' measurements are replaced by fixed figures (the benchmarks themselves are not
tests); what is checked is what RESULTS.md and results.json hold after two labelled runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import run as bench_run
from bench.common import Section

FIGURES: dict[str, dict[str, Any]] = {
    "startup": {"help_ratio": 0.67},
    "noop": {"rounds": 3, "floor": 0.13, "run-due-tasks": {"ratio": 1.49}, "scorebug-tick": {"ratio": 1.53}},
}


measured: list[str] = []


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    measured.clear()
    monkeypatch.setattr(bench_run, "RESULTS_JSON", tmp_path / "results.json")
    monkeypatch.setattr(bench_run, "RESULTS_MD", tmp_path / "RESULTS.md")

    def measure(name: str, args: Any) -> Section:
        measured.append(name)
        return Section(name, name.title(), f"{name} table", dict(FIGURES.get(name, {})), [(f"{name} ok", True)])

    monkeypatch.setattr(bench_run, "_measure", measure)
    return tmp_path


def test_each_startup_and_noop_run_adds_a_labelled_history_row(results: Path) -> None:
    assert bench_run.main(["startup", "noop", "--label", "before"]) == 0
    FIGURES["noop"]["run-due-tasks"] = {"ratio": 1.31}
    try:
        assert bench_run.main(["noop", "--label", "after"]) == 0
    finally:
        FIGURES["noop"]["run-due-tasks"] = {"ratio": 1.49}
    markdown = (results / "RESULTS.md").read_text(encoding="utf-8")
    history = markdown.split("## History of start-up figures", 1)[1]
    rows = [line for line in history.splitlines() if line.startswith("| 20")]
    assert len(rows) == 3
    assert "| startup | before | `--help` 0.67× |" in rows[0]
    assert "| noop | before | no-op `run-due-tasks` 1.49×, no-op `scorebug-tick` 1.53× |" in rows[1]
    assert "| noop | after | no-op `run-due-tasks` 1.31×" in rows[2]
    stored = json.loads((results / "results.json").read_text(encoding="utf-8"))
    assert [entry["label"] for entry in stored["history"]] == ["before", "before", "after"]


def test_other_sections_add_no_history_and_the_history_is_bounded(results: Path) -> None:
    assert bench_run.main(["sleeps"]) == 0
    assert "History" not in (results / "RESULTS.md").read_text(encoding="utf-8")
    for number in range(bench_run.HISTORY_KEPT + 2):
        assert bench_run.main(["startup", "--label", f"run {number}"]) == 0
    stored = json.loads((results / "results.json").read_text(encoding="utf-8"))
    labels = [entry["label"] for entry in stored["history"]]
    assert labels == [f"run {number}" for number in range(2, bench_run.HISTORY_KEPT + 2)], "the oldest rows go first"


def test_compare_records_cpu_against_the_other_commit_and_is_not_part_of_all(results: Path) -> None:
    FIGURES["compare"] = {"against": "abc1234", "rounds": 3, "run-due-tasks": {"cpu_ratio": 1.01}}
    try:
        assert bench_run.main(["compare", "--label", "a/b"]) == 0
    finally:
        del FIGURES["compare"]
    markdown = (results / "RESULTS.md").read_text(encoding="utf-8")
    assert "| compare | a/b | no-op `run-due-tasks` CPU 1.01× abc1234's |" in markdown
    measured.clear()
    assert bench_run.main(["all"]) == 0
    assert measured == list(bench_run.ORDER[:-1]) and "compare" not in measured


def test_compare_runs_the_exported_commit_not_this_tree(tmp_path: Path) -> None:
    from bench import compare
    from bench.common import child_env

    commit = compare.export_commit("HEAD", tmp_path)
    assert commit and (tmp_path / "leaguectl" / "cli.py").is_file()
    assert compare.loaded_from(child_env({"PYTHONPATH": str(tmp_path)})).startswith(str(tmp_path))
