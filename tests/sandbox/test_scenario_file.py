"""Scenario files: TOML or JSON with relative times, resolved into the sandbox's scenario; clear errors."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaguectl.sandbox import Sandbox, SandboxClock, ScenarioError
from leaguectl.sandbox.cells import sheet_grid
from leaguectl.sandbox.scenario_file import ScenarioFileError, parse_scenario_text, read_scenario_file

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)

LEAGUE = """
now = "${now}"
timezone = "America/New_York"

[times]
thaw = "monday + 5d"
claim_made = "now - 40h"

[discord]
channels = [{ name = "transaction-log" }, { name = "admin" }]

[[discord.messages]]
channel = "transaction-log"
content = "posted ${monday - 2d | %A %H:%M}"
timestamp = "${monday - 2d + 2s}"

[league]
current = [{ id = 11, week = 10, season = 13 }]
transactions = [
  { id = 1, week = 11, season = 13, moveid = "Season-013-Week-11-${claim_made | unix}", player_id = 9, \
oldteam_id = 1, newteam_id = 2, frozen = true, cancelled_at = 2026-02-01T10:00:00+01:00 },
]

[demo.timeline]
thaw = "${thaw}"
"""


def resolve(text: str, kind: str = "toml", now: datetime = NOW) -> dict[str, Any]:
    return parse_scenario_text(text, kind=kind, source="league.toml", now=now)  # type: ignore[arg-type]


def test_placeholders_named_times_and_toml_times_become_the_sandboxs_iso_strings() -> None:
    scenario = resolve(LEAGUE)
    assert "times" not in scenario
    assert scenario["now"] == "2026-03-04T15:00:00.000000+00:00"
    message = scenario["discord"]["messages"][0]
    assert message == {
        "channel": "transaction-log",
        "content": "posted Saturday 00:00",
        "timestamp": "2026-03-07T05:00:02.000000+00:00",
    }
    row = scenario["league"]["transactions"][0]
    assert row["moveid"] == "Season-013-Week-11-1772492400"
    assert row["cancelled_at"] == "2026-02-01T09:00:00.000000+00:00"
    assert scenario["demo"]["timeline"]["thaw"] == "2026-03-14T04:00:00.000000+00:00"


def test_the_resolved_scenario_loads_into_the_sandbox_at_the_reference_instant() -> None:
    with Sandbox(resolve(LEAGUE)) as sandbox:
        assert sandbox.clock.now() == NOW
        assert sandbox.state.messages("transaction-log")[0].timestamp == datetime(2026, 3, 7, 5, 0, 2, tzinfo=UTC)


def test_an_absolute_now_in_the_file_is_the_reference_instant() -> None:
    text = 'now = 2025-06-02T12:00:00Z\ntimezone = "Europe/London"\n[demo]\nat = "${now - 1d}"\nweek = "${monday}"\n'
    scenario = resolve(text)
    assert scenario["now"] == "2025-06-02T12:00:00.000000+00:00"
    assert scenario["demo"] == {"at": "2025-06-01T12:00:00.000000+00:00", "week": "2025-06-08T23:00:00.000000+00:00"}
    assert resolve('now = "2025-06-02T12:00:00"\nx = "${now}"')["x"] == "2025-06-02T12:00:00.000000+00:00"


def test_a_json_scenario_with_absolute_times_is_unchanged_and_may_use_placeholders_too() -> None:
    absolute = {"now": "2025-06-01T12:00:00Z", "discord": {"messages": [{"channel": "x", "timestamp": "2025-05-01"}]}}
    assert resolve(json.dumps(absolute), kind="json") == absolute
    assert resolve('{"env": {"WHEN": "${now | unix}"}}', kind="json")["env"] == {"WHEN": "1772636400"}


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("[discord\n", "", "not valid TOML"),
        ('timezone = "Mars/Base"', "timezone", "unknown time zone 'Mars/Base'"),
        ("timezone = 5", "timezone", "expected a time zone name"),
        ('now = "soon"', "now", "expected an ISO 8601 time"),
        ('[times]\nthaw = "monday + 5 days"', "times.thaw", "'5' is not a span"),
        ('[times]\nnow = "monday"', "times.now", "'now' is built in"),
        ('[times]\nThaw = "monday"', "times.Thaw", "not a usable name"),
        ('[times]\nthaw = "${monday}"', "times.thaw", "without ${ }"),
        ('[times]\nthaw = "later + 1d"\nlater = "monday"', "times.thaw", "'later' is not a time"),
        ("times = 3", "times", "expected a table"),
        (
            '[[discord.messages]]\nchannel = "a"\n[[discord.messages]]\ntimestamp = "${monday + 1w}"',
            "discord.messages[1].timestamp",
            "${monday + 1w}: '1w' is not a span",
        ),
        ('[sheets.k.tabs]\n"Score bug" = { B2 = "${nope}" }', "sheets.k.tabs['Score bug'].B2", "'nope' is not a time"),
    ],
)
def test_errors_name_the_file_the_place_in_it_and_the_problem(text: str, where: str, problem: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        resolve(text)
    error = caught.value
    assert (error.source, error.where) == ("league.toml", where)
    assert problem in error.problem
    assert str(error).startswith(f"league.toml: {where + ': ' if where else ''}")
    assert isinstance(error, ScenarioError)


def test_a_json_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ScenarioFileError, match=re.escape("league.toml: the top level must be a JSON table/object")):
        resolve("[1, 2]", kind="json")
    with pytest.raises(ScenarioFileError, match="not valid JSON"):
        resolve("{nope", kind="json")
    with pytest.raises(ScenarioFileError, match="nested too deeply"):
        resolve("[" * 100_000, kind="json")


def test_files_are_read_by_suffix_and_unreadable_ones_are_named(tmp_path: Path) -> None:
    toml_file = tmp_path / "league.toml"
    toml_file.write_text('x = "${now}"\n', encoding="utf-8")
    assert read_scenario_file(toml_file, now=NOW) == {"x": "2026-03-04T15:00:00.000000+00:00"}
    json_file = tmp_path / "league.JSON"
    json_file.write_text('{"x": "${monday | %A}"}', encoding="utf-8")
    assert read_scenario_file(json_file, now=NOW) == {"x": "Monday"}
    for name, content, problem in [
        ("league.yaml", b"x: 1", "must end in .toml or .json"),
        ("latin1.toml", 'x = "caf\xe9"'.encode("latin-1"), "not UTF-8 text"),
        ("missing.toml", None, "cannot read it"),
    ]:
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(ScenarioFileError, match=problem) as caught:
            read_scenario_file(path, now=NOW)
        assert str(caught.value).startswith(str(path))


# ------------------------------------------------------------------------------ sheet cells


def test_a_tab_may_be_a_table_of_a1_cells() -> None:
    assert sheet_grid({"B2": "BOS @ NYY", "D1": 4, "AA3": "x"}, "tab") == [
        ["", "", "", 4] + [""] * 23,
        ["", "BOS @ NYY"] + [""] * 25,
        [""] * 26 + ["x"],
    ]
    assert sheet_grid({}, "tab") == []
    assert sheet_grid([["a"], []], "tab") == [["a"], []]


@pytest.mark.parametrize("cells", [{"b2": 1}, {"A0": 1}, {"A1001": 1}, {"AAA1": 1}, [["a"], "b"], "A1"])
def test_bad_cells_are_scenario_errors_naming_the_tab(cells: Any) -> None:
    with pytest.raises(ScenarioError, match="^" + re.escape("sheets['k'].tabs['Scorebug']: ")):
        Sandbox({"sheets": {"k": {"tabs": {"Scorebug": cells}}}})


def test_the_control_surface_sets_a_tab_from_cells() -> None:
    with Sandbox({}, clock=SandboxClock(NOW)) as sandbox:
        sandbox.handle("POST", "/_sandbox/sheets/key1", {}, json.dumps({"values": {"B2": "SEA @ DEN"}}).encode())
        assert sandbox.state.sheet("key1").tabs["Scorebug"] == [["", ""], ["", "SEA @ DEN"]]


# ------------------------------------------------------------------------------ properties

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["${now}", "${monday + 5d | naive}", "${x}", "${", "$${", "${now | %Q}", "${thaw}"]),
)
DOCUMENTS = st.dictionaries(
    st.sampled_from(["now", "timezone", "times", "discord", "league", "demo", "x"]),
    st.recursive(
        SCALARS,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
        max_leaves=12,
    ),
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_toml_text_loads_or_raises_only_scenario_file_errors(text: str) -> None:
    try:
        result = resolve(text)
    except ScenarioFileError:
        return
    assert isinstance(result, dict)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS)
def test_arbitrary_json_documents_load_or_raise_only_scenario_file_errors(document: dict[str, Any]) -> None:
    try:
        result = resolve(json.dumps(document), kind="json")
    except ScenarioFileError:
        return
    assert isinstance(result, dict) and "times" not in result
