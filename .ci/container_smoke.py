#!/usr/bin/env python3
"""Replay the Containerfile's build on this machine and run the result as its image would run.

CI has no container engine, yet the image must work: its wheel must carry leaguectl's package
data, install from the build stage's wheels alone, and run with the image's environment on a
read-only root. So this script reads the Containerfile and carries out its instructions with
the host's Python standing in for the base image's (each stage gets a fresh virtualenv and a
directory standing in for its root file system):

* the build context is the repository filtered by ``.dockerignore``, with Docker's rules;
* ``WORKDIR``, ``COPY``, ``ARG``, ``ENV`` and ``RUN`` are carried out in order; every absolute
  path in a ``RUN`` command is mapped into the stage's root, and a ``--mount=type=bind,from=``
  onto the other stage's directory, so the pip commands that run are the file's own;
* then the ``ENTRYPOINT`` runs with the default ``CMD``, with ``--version`` and with ``demo``,
  in the image's ``ENV`` (its ``/tmp`` mapped to a fresh directory) and working directory, with
  ``PYTHONTZPATH`` empty (zone data must come from the tzdata wheel, not the system), and, when
  run as root, in a mount namespace whose root file system is read-only except that ``/tmp``.

An instruction or a ``RUN`` form it cannot replay faithfully (shell operators, ``ADD``, other
mounts) is an error naming the line, never skipped. Usage: ``python .ci/container_smoke.py
[Containerfile]``; exit 0 when every step passed, 1 otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHELL_OPERATORS = frozenset({"&&", "||", ";", "|", ">", ">>", "<", "&"})
IGNORED_INSTRUCTIONS = frozenset({"LABEL", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK"})
ZONE_CHECK = (
    "import zoneinfo, importlib.resources as r; assert zoneinfo.TZPATH == (), zoneinfo.TZPATH; "
    "zoneinfo.ZoneInfo('America/New_York'); zoneinfo.ZoneInfo('Europe/Berlin'); "
    "assert r.files('leaguectl').joinpath('py.typed').is_file(), 'py.typed is not in the wheel'"
)


class SmokeError(Exception):
    """A step failed, or the Containerfile uses something this replay cannot do faithfully."""


@dataclass(frozen=True)
class Instruction:
    keyword: str
    text: str
    line: int


@dataclass
class Stage:
    name: str | None
    base: str
    instructions: list[Instruction] = field(default_factory=list)


# --- reading the Containerfile ----------------------------------------------------------------------


def read_instructions(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comment lines dropped, as the builder reads them."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        joined = " ".join(part for part in pending if part)
        keyword, _, rest = joined.partition(" ")
        instructions.append(Instruction(keyword.upper(), rest.strip(), start))
        pending = []
    if pending:
        raise SmokeError(f"line {start}: the file ends inside a continued instruction")
    return instructions


def parse_stages(text: str) -> tuple[dict[str, str], list[Stage]]:
    """The global ARG defaults (before the first FROM) and the stages in order."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in read_instructions(text):
        if instruction.keyword == "FROM":
            words = expand(instruction.text, global_args).split()
            if len(words) == 3 and words[1].upper() == "AS":
                stages.append(Stage(words[2], words[0]))
            elif len(words) == 1:
                stages.append(Stage(None, words[0]))
            else:
                raise SmokeError(f"line {instruction.line}: FROM needs IMAGE [AS NAME]")
        elif not stages:
            if instruction.keyword != "ARG":
                raise SmokeError(f"line {instruction.line}: only ARG may come before the first FROM")
            name, _, default = instruction.text.partition("=")
            global_args[name.strip()] = default.strip()
        else:
            stages[-1].instructions.append(instruction)
    if not stages:
        raise SmokeError("no FROM: not a Containerfile")
    return global_args, stages


def expand(text: str, variables: dict[str, str]) -> str:
    """``$NAME`` and ``${NAME}`` replaced by their values (empty when unset), as the builder does."""

    def value(match: re.Match[str]) -> str:
        return variables.get(match[1] or match[2], "")

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", value, text)


def key_values(text: str, variables: dict[str, str]) -> dict[str, str]:
    """``ENV``/``LABEL`` pairs: ``KEY=value ...`` (values may be quoted) or the legacy ``KEY value``."""
    words = shlex.split(text)
    if words and "=" not in words[0]:
        return {words[0]: expand(" ".join(words[1:]), variables)}
    pairs = {}
    for word in words:
        key, sep, raw = word.partition("=")
        if not sep:
            raise SmokeError(f"expected KEY=value, got {word!r}")
        pairs[key] = expand(raw, variables)
    return pairs


def exec_form(text: str, line: int) -> list[str]:
    """A JSON array instruction (``ENTRYPOINT``, ``CMD``); the shell form is refused."""
    try:
        value = json.loads(text)
    except ValueError:
        raise SmokeError(f"line {line}: use the exec (JSON array) form, which runs without a shell") from None
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        raise SmokeError(f"line {line}: expected a JSON array of strings")
    return value


# --- the build context (.dockerignore) ----------------------------------------------------------


def ignore_rules(text: str) -> list[tuple[re.Pattern[str], bool]]:
    """``.dockerignore`` lines as (pattern, is_exception), in order; the last match decides."""
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = os.path.normpath(line[1:].strip() if exception else line).lstrip("/")
        rules.append((re.compile(_pattern_regex(pattern)), exception))
    return rules


def _pattern_regex(pattern: str) -> str:
    """Go's filepath.Match syntax plus ``**`` (any number of directories), as Docker reads it."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                raise SmokeError(f".dockerignore: unclosed [ in {pattern!r}")
            body = pattern[index + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
            index = end + 1
            continue
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def is_ignored(relative: str, rules: list[tuple[re.Pattern[str], bool]]) -> bool:
    """Docker's decision for one path: a rule matches the path or any of its parent directories."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: end + 1]) for end in range(len(parts))]
    ignored = False
    for regex, exception in rules:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            ignored = not exception
    return ignored


def context_files(root: Path) -> list[str]:
    """The files (relative, POSIX) a ``podman build`` / ``docker build`` of ``root`` sends."""
    ignore_file = root / ".dockerignore"
    rules = ignore_rules(ignore_file.read_text(encoding="utf-8")) if ignore_file.is_file() else []
    files = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name != ".git"]
        for name in names:
            relative = Path(directory, name).relative_to(root).as_posix()
            if not is_ignored(relative, rules):
                files.append(relative)
    return sorted(files)


# --- replaying the stages -----------------------------------------------------------------------------


@dataclass
class StageState:
    """One stage being replayed: its stand-in root directory, virtualenv, variables and settings."""

    stage: Stage
    root: Path
    venv: Path
    variables: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str = "root"
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)

    def host(self, path: str) -> Path:
        """Where the container path ``path`` (absolute, or relative to WORKDIR) lives on the host."""
        absolute = path if path.startswith("/") else f"{self.workdir.rstrip('/')}/{path}"
        return self.root / os.path.normpath(absolute).lstrip("/")


class Replay:
    """Carries out the stages of one Containerfile in a scratch directory."""

    def __init__(self, containerfile: Path, scratch: Path) -> None:
        self.containerfile = containerfile
        self.scratch = scratch
        self.global_args, self.stages = parse_stages(containerfile.read_text(encoding="utf-8"))
        self.states: dict[str, StageState] = {}
        self.context = scratch / "context"

    def run(self) -> StageState:
        """Every stage in order; the last one's state (the image) is returned."""
        self._copy_context()
        state: StageState | None = None
        for index, stage in enumerate(self.stages):
            state = self._replay_stage(index, stage)
            self.states[stage.name or str(index)] = state
            self.states[str(index)] = state
        assert state is not None
        return state

    def _copy_context(self) -> None:
        files = context_files(self.containerfile.parent)
        for relative in files:
            target = self.context / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.containerfile.parent / relative, target)
        say(f"build context: {len(files)} files after .dockerignore")

    def _replay_stage(self, index: int, stage: Stage) -> StageState:
        state = StageState(stage, self.scratch / f"stage{index}-root", self.scratch / f"stage{index}-venv")
        state.root.mkdir(parents=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(state.venv)
        say(f"stage {stage.name or index} ({stage.base}): Python {sys.version.split()[0]} stands in for its Python")
        for instruction in stage.instructions:
            self._replay(state, instruction)
        return state

    def _replay(self, state: StageState, instruction: Instruction) -> None:
        keyword, text, line = instruction.keyword, instruction.text, instruction.line
        if keyword == "ARG":
            name, sep, default = text.partition("=")
            name = name.strip()
            state.variables[name] = expand(default.strip(), state.variables) if sep else self.global_args.get(name, "")
        elif keyword == "ENV":
            pairs = key_values(text, {**state.variables, **state.env})
            state.env.update(pairs)
        elif keyword == "WORKDIR":
            state.workdir = str(Path(state.workdir, expand(text, {**state.variables, **state.env})))
            state.host(state.workdir).mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            self._copy(state, text, line)
        elif keyword == "RUN":
            self._run(state, text, line)
        elif keyword == "USER":
            state.user = expand(text, state.variables)
        elif keyword == "ENTRYPOINT":
            state.entrypoint = exec_form(text, line)
        elif keyword == "CMD":
            state.cmd = exec_form(text, line)
        elif keyword not in IGNORED_INSTRUCTIONS:
            raise SmokeError(f"line {line}: {keyword} is not replayed here; extend .ci/container_smoke.py")

    def _copy(self, state: StageState, text: str, line: int) -> None:
        words = shlex.split(expand(text, {**state.variables, **state.env}))
        source_root = self.context
        while words and words[0].startswith("--"):
            flag = words.pop(0)
            if flag.startswith("--from="):
                source_root = self.states[flag.partition("=")[2]].root
            elif not flag.startswith(("--chown=", "--chmod=")):
                raise SmokeError(f"line {line}: COPY {flag} is not replayed here")
        if len(words) < 2:
            raise SmokeError(f"line {line}: COPY needs a source and a destination")
        *sources, destination = words
        into_directory = destination.endswith("/") or len(sources) > 1
        target = state.host(destination)
        for source in sources:
            origin = source_root / source.lstrip("/")
            if not origin.exists():
                raise SmokeError(f"line {line}: COPY {source}: not in the build context (see .dockerignore)")
            if origin.is_dir():
                shutil.copytree(origin, target, dirs_exist_ok=True)
            else:
                place = target / origin.name if into_directory else target
                place.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, place)

    def _run(self, state: StageState, text: str, line: int) -> None:
        words = shlex.split(expand(text, {**state.variables, **state.env}))
        mounts: dict[str, Path] = {}
        while words and words[0].startswith("--"):
            mounts.update(self._mount(words.pop(0), line))
        if not words or SHELL_OPERATORS & set(words):
            raise SmokeError(f"line {line}: RUN must be one command without shell operators to be replayed")
        argv = [_map_word(word, state, mounts) for word in words]
        env = {**os.environ, **state.env, "PATH": f"{state.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
        env.pop("PYTHONHOME", None)
        env["VIRTUAL_ENV"] = str(state.venv)
        say(f"line {line}: RUN {shlex.join(words)}")
        done = subprocess.run(
            argv, cwd=state.host(state.workdir), env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.stdout.write(done.stdout[-6000:])
            sys.stderr.write(done.stderr[-6000:])
            raise SmokeError(f"line {line}: RUN exited {done.returncode} (its output above)")

    def _mount(self, flag: str, line: int) -> dict[str, Path]:
        if not flag.startswith("--mount="):
            raise SmokeError(f"line {line}: RUN {flag} is not replayed here")
        options = dict(item.partition("=")[::2] for item in flag.removeprefix("--mount=").split(","))
        if options.get("type") != "bind" or "from" not in options or "target" not in options:
            raise SmokeError(f"line {line}: only --mount=type=bind,from=STAGE,source=...,target=... is replayed")
        origin = self.states.get(options["from"])
        if origin is None:
            raise SmokeError(f"line {line}: --mount from an unknown stage {options['from']!r}")
        return {options["target"]: origin.host(options.get("source", "/"))}


def _map_word(word: str, state: StageState, mounts: dict[str, Path]) -> str:
    """An absolute container path (alone, or as ``--option=/path``) mapped to the host."""
    prefix, sep, value = word.partition("=") if word.startswith("--") else ("", "", word)
    if not value.startswith("/"):
        return word
    for target, host in sorted(mounts.items(), key=lambda item: -len(item[0])):
        if value == target or value.startswith(target.rstrip("/") + "/"):
            mapped = host / value[len(target) :].lstrip("/")
            return f"{prefix}{sep}{mapped}"
    return f"{prefix}{sep}{state.host(value)}"


# --- running the image -----------------------------------------------------------------------


def image_environment(image: StageState, tmp: Path) -> dict[str, str]:
    """The image's ENV (its /tmp mapped to ``tmp``) and nothing of this machine's but a PATH."""
    env = {"PATH": f"{image.venv / 'bin'}{os.pathsep}/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    for key, value in image.env.items():
        env[key] = re.sub(r"(?<![^:=\s])/tmp(?=/|$|:)", str(tmp), value)
    # Zone data must come from the tzdata wheel: an empty search path hides the system's.
    env["PYTHONTZPATH"] = ""
    return env


def read_only_wrapper(writable: Path) -> list[str]:
    """A prefix that runs a command with a read-only root file system but ``writable``, when possible."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        say("read-only root NOT emulated (needs root and unshare); running with a writable root")
        return []
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro / && shift && exec "$@"'
    wrapper = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", str(writable)]
    probe = subprocess.run([*wrapper, "touch", "/.leaguectl-smoke-probe"], capture_output=True, check=False)
    if probe.returncode == 0:
        Path("/.leaguectl-smoke-probe").unlink(missing_ok=True)
        raise SmokeError("the read-only root emulation let a write through")
    check = subprocess.run([*wrapper, "touch", str(writable / "probe")], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        say(f"read-only root NOT emulated (unshare/mount failed: {check.stderr.strip()}); writable root")
        return []
    say("running with a read-only root file system; only the image's /tmp is writable")
    return wrapper


def run_image(image: StageState, scratch: Path) -> None:
    """The image's entrypoint with its default CMD, --version and demo, as its pod would run it."""
    if image.entrypoint != ["leaguectl"]:
        raise SmokeError(f'ENTRYPOINT is {image.entrypoint}, expected ["leaguectl"]')
    tmp = scratch / "image-tmp"
    tmp.mkdir()
    env = image_environment(image, tmp)
    cwd = tmp if image.workdir == "/tmp" else image.host(image.workdir)
    wrapper = read_only_wrapper(tmp)
    entrypoint = [str(image.venv / "bin" / image.entrypoint[0])]
    version = image.variables.get("LEAGUECTL_VERSION", "")
    checks: list[tuple[str, list[str], str]] = [
        ("zone data from the tzdata wheel, py.typed", [str(image.venv / "bin" / "python"), "-c", ZONE_CHECK], ""),
        (f"default CMD {image.cmd}", [*entrypoint, *image.cmd], ""),
        ("--version", [*entrypoint, "--version"], f"leaguectl {version}".strip()),
        ("demo", [*entrypoint, "demo"], ""),
    ]
    for label, argv, expected in checks:
        say(f"image: {label}")
        done = subprocess.run(
            [*wrapper, *argv], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600
        )
        if done.returncode != 0:
            sys.stdout.write(done.stdout[-4000:])
            sys.stderr.write(done.stderr[-4000:])
            raise SmokeError(f"{label}: exit {done.returncode}")
        last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        if expected and last != expected:
            raise SmokeError(f"{label}: printed {last!r}, expected {expected!r}")
        say(f"  ok: {last}")


def say(text: str) -> None:
    print(f"container-smoke: {text}", flush=True)


def main(argv: list[str]) -> int:
    containerfile = Path(argv[0]) if argv else ROOT / "Containerfile"
    with tempfile.TemporaryDirectory(prefix="leaguectl-smoke-") as directory:
        scratch = Path(directory)
        os.chmod(scratch, 0o755)
        try:
            image = Replay(containerfile.resolve(), scratch).run()
            run_image(image, scratch)
        except SmokeError as exc:
            print(f"container-smoke: FAIL: {exc}", file=sys.stderr)
            return 1
    say("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
