"""The Containerfile builds the image the CronJobs expect, and CI's replay of it is faithful.

The full replay (build the wheel, install it, run the image's entrypoint) needs the package
index, so it runs in CI only (``.ci/check-container``); these tests check the file itself,
the build context ``.dockerignore`` leaves, and the replay's own rules.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import leaguectl

ROOT = Path(__file__).resolve().parent.parent
CONTAINERFILE = ROOT / "Containerfile"
HADOLINT = shutil.which("hadolint")


def _smoke() -> ModuleType:
    spec = importlib.util.spec_from_file_location("container_smoke", ROOT / ".ci" / "container_smoke.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


smoke = _smoke()


def final_stage() -> tuple[dict[str, str], list[str], str, str, list[str], dict[str, str]]:
    """ARGs, ENTRYPOINT, USER, WORKDIR, CMD and ENV of the image (the last stage), read statically."""
    global_args, stages = smoke.parse_stages(CONTAINERFILE.read_text(encoding="utf-8"))
    args = dict(global_args)
    env: dict[str, str] = {}
    entrypoint: list[str] = []
    cmd: list[str] = []
    user = workdir = ""
    for instruction in stages[-1].instructions:
        if instruction.keyword == "ARG":
            name, sep, default = instruction.text.partition("=")
            args[name] = default if sep else global_args.get(name, "")
        elif instruction.keyword == "ENV":
            env.update(smoke.key_values(instruction.text, args))
        elif instruction.keyword == "ENTRYPOINT":
            entrypoint = smoke.exec_form(instruction.text, instruction.line)
        elif instruction.keyword == "CMD":
            cmd = smoke.exec_form(instruction.text, instruction.line)
        elif instruction.keyword == "USER":
            user = instruction.text
        elif instruction.keyword == "WORKDIR":
            workdir = instruction.text
    return args, entrypoint, user, workdir, cmd, env


def labels(args: dict[str, str]) -> dict[str, str]:
    """The image's labels with the build arguments' defaults filled in."""
    _, stages = smoke.parse_stages(CONTAINERFILE.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for instruction in stages[-1].instructions:
        if instruction.keyword == "LABEL":
            found.update(smoke.key_values(instruction.text, args))
    return found


def test_the_image_is_built_in_two_stages_on_a_slim_python_3_11_or_newer() -> None:
    _, stages = smoke.parse_stages(CONTAINERFILE.read_text(encoding="utf-8"))
    assert len(stages) == 2 and stages[0].name == "build"
    for stage in stages:
        found = re.fullmatch(r"docker\.io/library/python:(\d+)\.(\d+)-slim", stage.base)
        assert found, stage.base
        assert (int(found[1]), int(found[2])) >= (3, 11)
    build_runs = [i.text for i in stages[0].instructions if i.keyword == "RUN"]
    assert build_runs == ["python -m pip wheel --no-cache-dir --wheel-dir /wheels ."]
    image_runs = [i.text for i in stages[1].instructions if i.keyword == "RUN"]
    assert len(image_runs) == 1 and "--mount=type=bind,from=build" in image_runs[0] and "--no-index" in image_runs[0]


def test_the_image_runs_leaguectl_as_65532_with_home_tmpdir_and_locks_on_tmp() -> None:
    _, entrypoint, user, workdir, cmd, env = final_stage()
    assert entrypoint == ["leaguectl"] and cmd == ["--help"]
    assert user == "65532:65532"
    assert workdir == "/tmp"
    assert env["HOME"] == "/tmp" and env["TMPDIR"] == "/tmp" and env["LOCK_DIR"].startswith("/tmp/")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_the_cronjob_pods_match_the_image_user_and_mount_its_writable_tmp() -> None:
    _, _, user, _, _, _ = final_stage()
    uid, gid = (int(part) for part in user.split(":"))
    for manifest in sorted((ROOT / "deploy" / "kubernetes").glob("cronjob-*.yaml")):
        text = manifest.read_text(encoding="utf-8")
        assert f"runAsUser: {uid}" in text and f"runAsGroup: {gid}" in text, manifest.name
        assert "readOnlyRootFilesystem: true" in text and "mountPath: /tmp" in text, manifest.name


def test_the_image_carries_oci_labels_and_leaguectl_s_version() -> None:
    args, *_ = final_stage()
    assert args["LEAGUECTL_VERSION"] == leaguectl.__version__, "bump LEAGUECTL_VERSION in Containerfile too"
    found = labels(args)
    for key in ("title", "description", "version", "revision", "licenses", "base.name"):
        assert found.get(f"org.opencontainers.image.{key}"), key
    assert found["org.opencontainers.image.version"] == leaguectl.__version__
    assert found["org.opencontainers.image.base.name"] == f"docker.io/library/python:{args['PYTHON_VERSION']}-slim"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert found["org.opencontainers.image.licenses"] == project["license"]
    assert "${LEAGUECTL_VERSION}" in CONTAINERFILE.read_text(encoding="utf-8").split("pip install")[-1], (
        "the image installs exactly the version its labels name"
    )


def test_the_build_context_holds_what_the_wheel_is_made_of_and_nothing_else() -> None:
    files = set(smoke.context_files(ROOT))
    assert {"pyproject.toml", "README.md", "leaguectl/py.typed", "leaguectl/cli.py"} <= files
    package = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "leaguectl").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert package <= files
    assert all(name in package or name in {"pyproject.toml", "README.md"} for name in files), sorted(files - package)


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        ("pyproject.toml", False),
        ("leaguectl/sandbox/demo.json", False),
        ("leaguectl/__pycache__/cli.cpython-311.pyc", True),
        ("leaguectl/sandbox/x.pyc", True),
        (".venv/bin/python", True),
        ("tests/test_cli.py", True),
        ("docs/keep.md", False),
        ("docs/drop.md", True),
        ("deep/a/b/drop.md", True),
    ],
)
def test_dockerignore_rules_follow_dockers_last_match_and_parent_directory_semantics(path: str, ignored: bool) -> None:
    rules = smoke.ignore_rules(
        "# comment\n*\n!pyproject.toml\n!leaguectl\n!docs\n**/__pycache__\n**/*.py[cod]\ndocs/*.md\n!docs/keep.md\n"
    )
    assert smoke.is_ignored(path, rules) is ignored


def test_every_data_file_of_the_package_is_declared_as_package_data() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    globs = declared["package-data"]["leaguectl"]
    for path in (ROOT / "leaguectl").rglob("*"):
        relative = path.relative_to(ROOT / "leaguectl").as_posix()
        if not path.is_file() or path.suffix in {".py", ".pyc"} or "__pycache__" in path.parts:
            continue
        if path.name == "README.md":  # documentation for developers, not read at run time
            continue
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in globs), f"{relative} would miss the wheel"
    assert {"sandbox/*.json", "sandbox/*.toml", "sandbox/scenarios/*"} <= set(globs)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FROM python:3.11-slim\nRUN pip install a && pip install b\n", "without shell operators"),
        ("FROM python:3.11-slim\nADD x /x\n", "ADD is not replayed"),
        ("FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache pip wheel .\n", "type=bind"),
        ("FROM python:3.11-slim\nRUN --network=none pip wheel .\n", "--network=none"),
        ("FROM python:3.11-slim\nENTRYPOINT leaguectl\n", "exec (JSON array) form"),
        ("FROM python:3.11-slim\nCOPY missing /src/\n", "not in the build context"),
        ("RUN true\nFROM python:3.11-slim\n", "only ARG may come before"),
    ],
)
def test_the_replay_refuses_what_it_cannot_carry_out_faithfully(text: str, message: str, tmp_path: Path) -> None:
    containerfile = tmp_path / "Containerfile"
    containerfile.write_text(text, encoding="utf-8")
    with pytest.raises(smoke.SmokeError, match=re.escape(message)):
        replay = smoke.Replay(containerfile, tmp_path / "scratch")
        stage = replay.stages[0]
        state = smoke.StageState(stage, tmp_path / "root", tmp_path / "venv")
        for instruction in stage.instructions:
            replay._replay(state, instruction)


def test_continuation_lines_and_comments_are_read_as_the_builder_reads_them() -> None:
    text = (
        "# top\nARG V=1\nFROM img:${V} AS b\n"
        "RUN a \\\n    # inner comment\n    b \\\n    c\n"
        'ENV A=1 \\\n    B="two words"\n'
    )
    global_args, stages = smoke.parse_stages(text)
    assert global_args == {"V": "1"}
    assert stages[0].base == "img:1" and stages[0].name == "b"
    run, env = stages[0].instructions
    assert (run.keyword, run.text, run.line) == ("RUN", "a b c", 4)
    assert smoke.key_values(env.text, {}) == {"A": "1", "B": "two words"}


def test_run_paths_map_into_the_stage_root_and_bind_mounts_onto_the_other_stage(tmp_path: Path) -> None:
    stage = smoke.Stage("image", "python:3.11-slim")
    state = smoke.StageState(stage, tmp_path / "root", tmp_path / "venv", workdir="/src")
    mounts = {"/wheels": tmp_path / "build" / "wheels"}
    assert smoke._map_word("/wheels", state, mounts) == str(tmp_path / "build" / "wheels")
    assert smoke._map_word("--find-links=/wheels/x", state, mounts) == f"--find-links={tmp_path / 'build/wheels/x'}"
    assert smoke._map_word("/opt/app", state, mounts) == str(tmp_path / "root" / "opt" / "app")
    assert smoke._map_word(".", state, mounts) == "."
    assert state.host("pkg") == tmp_path / "root" / "src" / "pkg"


def test_the_image_environment_maps_tmp_and_hides_the_systems_zone_data(tmp_path: Path) -> None:
    stage = smoke.Stage(None, "python:3.11-slim")
    state = smoke.StageState(stage, tmp_path / "root", tmp_path / "venv")
    state.env = {
        "HOME": "/tmp",
        "LOCK_DIR": "/tmp/leaguectl",
        "OTHER": "/tmpfoo",
        "PYTHONTZPATH": "/usr/share/zoneinfo",
    }
    env = smoke.image_environment(state, tmp_path / "t")
    assert env["HOME"] == str(tmp_path / "t") and env["LOCK_DIR"] == str(tmp_path / "t" / "leaguectl")
    assert env["OTHER"] == "/tmpfoo"
    assert env["PYTHONTZPATH"] == ""
    assert env["PATH"].startswith(str(tmp_path / "venv" / "bin"))


@pytest.mark.skipif(HADOLINT is None, reason="hadolint is not installed (.ci/deploy-tools.txt)")
def test_hadolint_passes_the_containerfile_and_fails_a_careless_one(tmp_path: Path) -> None:
    assert HADOLINT is not None
    lint = [HADOLINT, "--no-color", "--failure-threshold", "style"]
    clean = subprocess.run([*lint, str(CONTAINERFILE)], capture_output=True, text=True, timeout=60, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    careless = tmp_path / "Containerfile"
    careless.write_text("FROM python\nRUN pip install leaguectl\n", encoding="utf-8")
    done = subprocess.run([*lint, str(careless)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "DL3006" in done.stdout and "DL3013" in done.stdout
