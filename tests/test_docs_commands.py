"""The docs, run as written: README.md's and systemd/README.md's ``console`` blocks, and crontab.example.

Commands are read from the files themselves, so docs and test cannot drift: a new command in a
``console`` block fails here until the table below says how to run it (or why it cannot run in a
test, e.g. it needs a booted systemd). Everything runs against a served sandbox (the league) in a
temporary root: ``/etc``, ``/usr/local/bin``, ``/run/lock`` and ``/etc/systemd/system`` are moved
under it, ``systemctl enable``/``disable`` become ``systemctl --root``, ``/opt/leaguectl`` is the
test's own virtual environment (where leaguectl is installed exactly as the README says), and
``systemctl start <unit>`` runs the unit's command with the unit's settings as systemd would:
its ``Environment=``/``EnvironmentFile=`` lines and a private ``$CREDENTIALS_DIRECTORY`` filled
from ``LoadCredential=`` (``SetCredential=`` when the file is missing).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
SYSTEMD_README = REPO / "systemd" / "README.md"
CRONTAB = REPO / "crontab.example"
VENV_BIN = Path(sys.prefix) / "bin"
TOKENS = {"discord-bot-token": "DISCORD_BOT_TOKEN", "league-api-token": "LEAGUE_API_TOKEN"}

pytestmark = pytest.mark.skipif(
    not (VENV_BIN / "leaguectl").exists(), reason="leaguectl is not installed in sys.prefix"
)


@dataclass(frozen=True)
class DocCommand:
    text: str
    where: str


def console_commands(path: Path) -> list[DocCommand]:
    """Every command of the file's ```console blocks (continuations joined, trailing comments dropped)."""
    commands: list[DocCommand] = []
    inside = False
    pending = ""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("```"):
            inside = stripped == "```console"
            continue
        if not inside or not stripped:
            continue
        pending += stripped
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        commands.append(DocCommand(re.sub(r"\s{2,}#.*$", "", pending).strip(), f"{path.name}:{number}"))
        pending = ""
    return commands


# --- the temporary machine ----------------------------------------------------------------------------


@dataclass
class Machine:
    """A temporary root, a served sandbox league, and the environment the docs' shell would have."""

    root: Path
    tmp: Path
    env: dict[str, str] = field(default_factory=dict)
    sandboxes: list[subprocess.Popen[str]] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    def rewrite(self, text: str) -> str:
        """Absolute paths of the docs → the temporary root; /opt/leaguectl → this test's virtualenv."""
        text = text.replace("/opt/leaguectl", sys.prefix)
        for prefix in ("/etc/", "/usr/local/bin", "/run/lock/", "/tmp/lsb", "/var/lib/leaguectl"):
            text = re.sub(rf"(?<![\w/.-]){re.escape(prefix)}", str(self.root) + prefix, text)
        return text

    def shell_env(self) -> dict[str, str]:
        path = f"{self.path('/usr/local/bin')}:{VENV_BIN}:/usr/bin:/bin"
        return {**self.env, "PATH": path, "HOME": str(self.tmp), "LANG": "C.UTF-8"}

    def sh(
        self, command: str, *, stdin: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["/bin/bash", "-c", command], input=stdin, capture_output=True, text=True, timeout=120, cwd=REPO,
            env=env or self.shell_env(), check=False,
        )

    def serve_sandbox(self, workdir: Path, *options: str) -> dict[str, str]:
        """``leaguectl sandbox [OPTIONS]``: start it, wait for its export lines, return them."""
        workdir.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            [str(VENV_BIN / "leaguectl"), "sandbox", *options, "--port", "0", "--workdir", str(workdir)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.shell_env(),
            start_new_session=True,
        )
        self.sandboxes.append(process)
        exports: dict[str, str] = {}
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("export "):
                name, _, value = line[len("export ") :].strip().partition("=")
                exports[name] = shlex.split(value)[0] if value else ""
            if "ready" in line:
                break
        assert "DISCORD_API_URL" in exports, "leaguectl sandbox printed no exports"
        return exports

    def stop(self) -> None:
        for process in self.sandboxes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    root = tmp_path / "root"
    for directory in ("/usr/local/bin", "/etc/systemd/system", "/run/lock", "/var/lib/leaguectl"):
        (root / directory.lstrip("/")).mkdir(parents=True)
    box = Machine(root=root, tmp=tmp_path)
    box.env = box.serve_sandbox(tmp_path / "league")
    box.env["LOCK_DIR"] = str(tmp_path / "locks")
    try:
        yield box
    finally:
        box.stop()


# --- how each documented command runs here --------------------------------------------------------------

NEEDS_BOOTED_SYSTEMD = "needs a booted systemd (this test has none); the unit files are checked with --root instead"
SKIP = {
    "pip install -e '.[test]'": "installs this checkout into the running environment: the test runs inside the result",
    "python -m pytest": "the test suite itself",
    "apt-get install": "installs Debian packages",
    "python3 -m venv /opt/leaguectl": "the test's own virtual environment stands in for /opt/leaguectl",
    "/opt/leaguectl/bin/pip install": "the test's own virtual environment stands in for /opt/leaguectl",
    "PIPX_HOME=": "pipx fetches leaguectl's dependencies from the package index",
    "systemctl daemon-reload": NEEDS_BOOTED_SYSTEMD,
    "systemctl list-timers": NEEDS_BOOTED_SYSTEMD,
    "journalctl": "reads the journal of a booted systemd; the emulated `systemctl start` above checked the output",
}


def run_documented(box: Machine, command: DocCommand) -> None:
    """Run one documented command (or record why it cannot run here); fail when it does not work."""
    for part in command.text.split(" && "):
        _run_part(box, part.strip(), command.where)


def _run_part(box: Machine, text: str, where: str) -> None:
    reason = next((why for start, why in SKIP.items() if text.startswith(start)), None)
    if reason is not None:
        box.skipped.append((where, text, reason))
        return
    if text.startswith("leaguectl sandbox"):
        env_file = re.search(r"tee (\S+)", text)
        assert env_file, f"{where}: the sandbox line should save its exports with tee"
        now = re.search(r"--now (\S+)", text)  # a documented start time is kept: later --now lines count on it
        exports = box.serve_sandbox(box.path("/tmp/lsb"), *(["--now", now.group(1)] if now else []))
        box.path(env_file.group(1)).write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in exports.items()))
        return
    if text.startswith("eval "):
        saved = re.search(r"cat (\S+)\)", text)
        assert saved, f"{where}: unexpected eval"
        for line in box.path(saved.group(1)).read_text().splitlines():
            name, _, value = line[len("export ") :].partition("=")
            box.env[name] = shlex.split(value)[0] if value else ""
        box.env["LOCK_DIR"] = str(box.tmp / "locks")
        return
    if text.startswith("systemctl start "):
        _start_unit(box, text.split()[2], where)
        return
    if text.startswith(("systemctl enable", "systemctl disable")):
        words = [w for w in text.split() if w != "--now"]
        result = box.sh(f"systemctl --root={box.root} {' '.join(words[1:])}")
        assert result.returncode == 0, f"{where}: {text}\n{result.stderr}"
        return
    stdin = box.env.get("DISCORD_BOT_TOKEN", "") if "discord-bot-token" in text else ""
    stdin = box.env.get("LEAGUE_API_TOKEN", "") if "league-api-token" in text else stdin
    result = box.sh(box.rewrite(text), stdin=stdin)
    assert result.returncode == 0, f"{where}: `{text}` exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, f"{where}: {result.stderr}"
    if text == "command -v leaguectl":
        assert result.stdout.strip() == str(box.path("/usr/local/bin/leaguectl")), result.stdout


def _unit_lines(path: Path, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in path.read_text().splitlines() if line.startswith(f"{key}=")]


def _start_unit(box: Machine, unit: str, where: str) -> None:
    """``systemctl start`` of an installed oneshot unit, emulated: its command with its settings."""
    unit = unit if unit.endswith(".service") else unit + ".service"
    path = box.path("/etc/systemd/system") / unit
    assert path.is_file(), f"{where}: {unit} is not installed"
    env = {key: value for key, value in box.shell_env().items() if key in ("PATH", "HOME", "LANG", "LOCK_DIR")}
    for assignment in _unit_lines(path, "Environment"):
        name, _, value = assignment.partition("=")
        env[name] = value
    for name in _unit_lines(path, "EnvironmentFile"):
        file = box.path(name.lstrip("-"))
        if file.is_file():
            env.update(line.split("=", 1) for line in file.read_text().splitlines() if "=" in line)
    credentials = box.tmp / "credentials" / unit
    credentials.mkdir(parents=True)
    defaults = dict(value.split(":", 1) for value in _unit_lines(path, "SetCredential"))
    for value in _unit_lines(path, "LoadCredential"):
        name, source = value.split(":", 1)
        file = box.path(source)
        if file.is_file():
            shutil.copy(file, credentials / name)
        elif name in defaults:
            (credentials / name).write_text(defaults[name].replace("\\n", "\n"))
        else:
            pytest.fail(f"{where}: {unit} would not start: credential {name} ({source}) is missing")
    env["CREDENTIALS_DIRECTORY"] = str(credentials)
    (command,) = _unit_lines(path, "ExecStart")
    result = box.sh(command.replace("/usr/bin/env ", ""), env=env)
    assert result.returncode == 0, f"{where}: {unit} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    if "doctor" in unit:  # the units' own sources: the tokens from credentials, the rest from the env file
        assert "[from credential discord-bot-token]" in result.stdout, result.stdout
        assert "[from environment variable GUILD_ID]" in result.stdout, result.stdout


def _settings_file(box: Machine) -> None:
    """/etc/leaguectl/env as systemd/README.md step 3 describes, for the sandbox league (tokens: step 2)."""
    keep = {k: v for k, v in box.env.items() if k not in TOKENS.values() and k != "LEAGUECTL_CONFIG"}
    env_file = box.path("/etc/leaguectl/env")
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.write_text("".join(f"{k}={v}\n" for k, v in keep.items()))


# --- the tests ------------------------------------------------------------------------------------------


def test_console_blocks_hold_the_commands_the_docs_promise() -> None:
    readme = [c.text for c in console_commands(README)]
    units = [c.text for c in console_commands(SYSTEMD_README)]
    assert any(t.startswith("ln -sf /opt/leaguectl/bin/leaguectl /usr/local/bin/leaguectl") for t in readme)
    assert any(t.startswith("leaguectl sandbox") for t in readme)
    assert "systemctl start leaguectl-doctor.service" in units
    assert "systemctl enable --now leaguectl.target" in units


def test_readme_commands_work_as_written(machine: Machine) -> None:
    for command in console_commands(README):
        run_documented(machine, command)
    assert (machine.path("/usr/local/bin/leaguectl")).resolve() == (VENV_BIN / "leaguectl").resolve()
    assert {reason for _, _, reason in machine.skipped} <= set(SKIP.values())
    assert len(machine.skipped) <= 7, machine.skipped  # installs and the test suite: see SKIP


def test_systemd_readme_commands_work_as_written(machine: Machine) -> None:
    commands = console_commands(SYSTEMD_README)
    install = next(i for i, c in enumerate(commands) if c.text.startswith("cp systemd/"))
    for command in commands[:install]:
        run_documented(machine, command)
    for credential, variable in TOKENS.items():
        stored = machine.path(f"/etc/leaguectl/credentials/{credential}").read_text().strip()
        assert stored == machine.env[variable]
    _settings_file(machine)
    for command in commands[install:]:
        run_documented(machine, command)
    wants = machine.path("/etc/systemd/system/leaguectl.target.wants")
    assert sorted(p.name for p in wants.iterdir()) == [
        "leaguectl-cleanup-commands.timer", "leaguectl-freeze-begin.timer", "leaguectl-scorebug-tick.timer",
        "leaguectl-thaw.timer",
    ], "enable enables every timer; the documented disable removes run-due-tasks"
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is missing: install the systemd package to verify the installed units")
    units = sorted(str(p) for p in machine.path("/etc/systemd/system").glob("leaguectl*.*") if p.is_file())
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and not result.stdout + result.stderr, result.stdout + result.stderr


def _crontab_environment() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in CRONTAB.read_text().splitlines():
        match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def _crontab_jobs() -> list[str]:
    jobs = []
    for line in CRONTAB.read_text().splitlines():
        if re.match(r"[\d*]\S* \S+ \S+ \S+ \S+ ", line):
            jobs.append(line.split(None, 5)[5])
    return jobs


def test_crontab_lines_run_with_the_shipped_environment_against_the_sandbox(machine: Machine) -> None:
    environment = _crontab_environment()
    assert set(environment) <= {"SHELL", "PATH", "MAILTO", "LEAGUECTL_CONFIG", "LEAGUECTL_ENV_FILE"}
    # The config file as the crontab's comments describe it: settings and token files, nothing in cron.
    credentials = machine.path("/etc/leaguectl/credentials")
    credentials.mkdir(parents=True)
    lines = []
    for credential, variable in TOKENS.items():
        (credentials / credential).write_text(machine.env[variable] + "\n")
        lines.append(f'{variable.lower()}_file = "{credentials / credential}"')
    lines += [f'{k.lower()} = "{v}"' for k, v in machine.env.items() if k not in TOKENS.values()
              and k not in ("LEAGUECTL_CONFIG", "LOCK_DIR", "LEAGUECTL_SANDBOX_URL")]
    machine.path(environment["LEAGUECTL_CONFIG"]).write_text("\n".join(lines) + "\n")
    os.symlink(VENV_BIN / "leaguectl", machine.path("/usr/local/bin/leaguectl"))
    # Let the league-time guards through whatever today is: `date` answers Monday / Saturday 00:xx.
    stubs = machine.tmp / "stubs"
    stubs.mkdir()
    (stubs / "date").write_text('#!/bin/sh\ncase "$*" in *%H*) echo 600 ;; *) echo 1 ;; esac\n')
    (stubs / "date").chmod(0o755)
    env = {
        **{k: machine.rewrite(v) for k, v in environment.items()},
        "PATH": f"{stubs}:" + machine.rewrite(environment["PATH"]),
        "HOME": str(machine.tmp),
        "LOCK_DIR": str(machine.tmp / "locks"),
    }
    jobs = _crontab_jobs()
    assert len(jobs) == 5
    for job in jobs:
        shell = machine.rewrite(job.replace("\\%", "%"))
        result = subprocess.run(
            ["/bin/sh", "-c", shell], capture_output=True, text=True, timeout=120, env=env, check=False, cwd=machine.tmp
        )
        output = result.stdout + result.stderr
        assert "not found" not in output and "configuration error" not in output, f"{job}\n{output}"
        assert "Traceback" not in output, output
        # run-due-tasks exits 1 for the demo league's deliberately broken task; everything else succeeds quietly.
        expected = 1 if "run-due-tasks" in job else 0
        assert result.returncode == expected, f"{job}: exit {result.returncode}\n{output}"
        if expected == 0:
            assert output == "", f"{job} printed (cron would mail it):\n{output}"
