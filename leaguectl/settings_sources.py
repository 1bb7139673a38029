"""Where settings are read from: ``--set``, the environment, systemd credentials, .env and TOML.

Reading finds every place a setting is given (an :class:`Origin` each, highest precedence
first) without converting anything. A config or .env file that cannot be read is an error
naming it; a secret file that cannot be read is recorded on its origin (an error only if it wins).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leaguectl.errors import ConfigError
from leaguectl.settings_fields import SETTING_FIELDS

if TYPE_CHECKING:
    from leaguectl.dotenv import DotenvValue

# Precedence, highest first (README "Configuration"):
#   1. --set NAME=VALUE
#   2. the environment: NAME, then its aliases; for secrets then NAME_FILE / ALIAS_FILE
#   3. a systemd credential ($CREDENTIALS_DIRECTORY/<credential>; an empty one counts as absent)
#   4. the bot's .env file (--env-file / LEAGUECTL_ENV_FILE): the same names as the environment
#   5. the TOML file: the same names as keys, in upper or lower case
#   6. the default


@dataclass(frozen=True)
class Origin:
    """One place a setting was given. ``where`` is what people read (doctor, ``-v``); never the value."""

    kind: str
    where: str
    name: str
    raw: Any = None
    problem: str | None = None


@dataclass(frozen=True)
class Sources:
    """Everything settings are read from, loaded once."""

    environ: Mapping[str, str]
    overrides: Mapping[str, Any]
    config_path: Path | None
    toml: Mapping[str, tuple[str, Any]]
    env_file: Path | None
    dotenv: Mapping[str, DotenvValue]


ENV_FILE_VARIABLE = "LEAGUECTL_ENV_FILE"


def default_config_path(environ: Mapping[str, str]) -> Path | None:
    """The TOML file used when neither --config nor LEAGUECTL_CONFIG names one."""
    home = environ.get("HOME") or "/nonexistent"
    xdg = environ.get("XDG_CONFIG_HOME") or str(Path(home) / ".config")
    for candidate in (Path(xdg) / "leaguectl" / "config.toml", Path("/etc/leaguectl/config.toml")):
        if candidate.is_file():
            return candidate
    return None


def _field_for_key(key: str) -> tuple[dataclasses.Field[Any], bool] | None:
    """The setting a TOML or .env key names, and whether it is its ``_FILE`` form (secrets only)."""
    upper = key.upper()
    for f in SETTING_FIELDS:
        if upper in (f.metadata["env"], *f.metadata["aliases"]):
            return f, False
    if upper.endswith("_FILE"):
        base = upper[: -len("_FILE")]
        for f in SETTING_FIELDS:
            if f.metadata["secret"] and base in (f.metadata["env"], *f.metadata["aliases"]):
                return f, True
    return None


def _read_toml(path: Path) -> dict[str, tuple[str, Any]]:
    """``{KEY (upper case): (key as written, value)}`` from the config file; unknown keys are errors."""
    import tomllib

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError("LEAGUECTL_CONFIG", f"config file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError("LEAGUECTL_CONFIG", f"cannot read config file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError("LEAGUECTL_CONFIG", f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("LEAGUECTL_CONFIG", f"config file {path} is not valid TOML: {exc}") from None
    table = data.get("leaguectl", data) if isinstance(data.get("leaguectl"), dict) else data
    values: dict[str, tuple[str, Any]] = {}
    for key, value in table.items():
        if _field_for_key(key) is None:
            raise ConfigError(key, f"unknown setting in config file {path}")
        values[key.upper()] = (key, value)
    return values


def env_file_path(environ: Mapping[str, str], given: Path | None) -> Path | None:
    """The bot's .env file to read: ``--env-file``, else ``$LEAGUECTL_ENV_FILE``, else none."""
    if given is not None:
        return given
    text = environ.get(ENV_FILE_VARIABLE, "").strip()
    return Path(text) if text else None


def _read_env_file(path: Path) -> dict[str, DotenvValue]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(ENV_FILE_VARIABLE, f".env file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(ENV_FILE_VARIABLE, f"cannot read .env file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(ENV_FILE_VARIABLE, f".env file {path} is not UTF-8 text") from None
    from leaguectl.dotenv import DotenvSyntaxError, parse_dotenv  # only with an env file

    try:
        return parse_dotenv(text)
    except DotenvSyntaxError as exc:
        raise ConfigError(ENV_FILE_VARIABLE, f"{path}:{exc.line}: {exc.problem}") from None


def _secret_file(kind: str, where: str, name: str, path: Path) -> Origin:
    """An origin whose value is a file's text; a file that cannot be used is recorded, not raised."""
    try:
        return Origin(kind, where, name, path.read_text(encoding="utf-8").strip())
    except UnicodeDecodeError:
        return Origin(kind, where, name, problem=f"secret file {path} is not UTF-8 text (is it the right file?)")
    except OSError as exc:
        return Origin(kind, where, name, problem=f"cannot read secret file {path}: {exc.strerror}")
    except ValueError:
        return Origin(kind, where, name, problem=f"secret file name {str(path)!r} is not a usable path")


def _credential_origin(f: dataclasses.Field[Any], environ: Mapping[str, str]) -> Origin | None:
    """systemd's ``$CREDENTIALS_DIRECTORY/<credential>``.

    A blank credential counts as absent: the shipped units pair each optional
    ``LoadCredential=`` with a ``SetCredential=ID:\\n`` default for when the file is missing.
    """
    credential = f.metadata["credential"]
    directory = environ.get("CREDENTIALS_DIRECTORY", "").split(":")[0]
    if not credential or not directory:
        return None
    path = Path(directory) / credential
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
    except (OSError, ValueError):
        return None
    where = f"credential {credential}"
    origin = _secret_file("credential", where, f.metadata["env"], path)
    if origin.raw == "":
        return None
    if f.metadata["secret"]:
        return origin
    return Origin("credential", where, f.metadata["env"], str(path))


def _names(f: dataclasses.Field[Any]) -> tuple[str, ...]:
    return (f.metadata["env"], *f.metadata["aliases"])


def origins_of(f: dataclasses.Field[Any], src: Sources) -> list[Origin]:
    """Every place ``f`` is given, highest precedence first."""
    names = _names(f)
    secret = f.metadata["secret"]
    found = [Origin("command line", f"--set {n}", n, src.overrides[n]) for n in names if n in src.overrides]
    found += [
        Origin("environment", f"environment variable {n}", n, src.environ[n])
        for n in names
        if src.environ.get(n, "") != ""
    ]
    if secret:
        for n in names:
            path = src.environ.get(f"{n}_FILE", "")
            if path:
                where = f"file {path} named by environment variable {n}_FILE"
                found.append(_secret_file("environment", where, f"{n}_FILE", Path(path)))
    credential = _credential_origin(f, src.environ)
    if credential is not None:
        found.append(credential)
    found += _file_origins(f, src, "env file", src.env_file, {k: (k, v.value, v.line) for k, v in src.dotenv.items()})
    toml = {k: (written, value, None) for k, (written, value) in src.toml.items()}
    found += _file_origins(f, src, "config file", src.config_path, toml)
    return found


def _file_origins(
    f: dataclasses.Field[Any],
    src: Sources,
    kind: str,
    path: Path | None,
    entries: Mapping[str, tuple[str, Any, int | None]],
) -> list[Origin]:
    """Origins from a .env or TOML file: its value keys, then (secrets) its ``_FILE`` keys."""
    found: list[Origin] = []
    names = _names(f)
    for n in names:
        if n in entries:
            written, value, line = entries[n]
            at = f"{path}:{line}" if line is not None else f"{path}"
            found.append(Origin(kind, f"{kind} {at} ({written})", written, value))
    if f.metadata["secret"]:
        for n in names:
            key = f"{n}_FILE"
            if key in entries and str(entries[key][1]).strip():
                written, value, line = entries[key]
                at = f"{path}:{line}" if line is not None else f"{path}"
                where = f"file {value} named by {kind} {at} ({written})"
                found.append(_secret_file(kind, where, written, Path(str(value).strip())))
    return found


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """Turn ``--set NAME=VALUE`` options into a mapping keyed by env name."""
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        key = name.strip().upper()
        if not sep or not key:
            raise ConfigError("--set", f"expected NAME=VALUE, got {pair!r}")
        found = _field_for_key(key)
        if found is None or found[1]:
            raise ConfigError(key, "unknown setting given with --set")
        result[key] = value
    return result


def read_sources(
    environ: Mapping[str, str],
    *,
    config_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env_file: Path | None = None,
) -> Sources:
    """Find and read the TOML file and the .env file (errors name the file and line)."""
    path = config_path
    if path is None and environ.get("LEAGUECTL_CONFIG"):
        path = Path(environ["LEAGUECTL_CONFIG"])
    if path is None:
        path = default_config_path(environ)
    dotenv_path = env_file_path(environ, env_file)
    return Sources(
        environ=environ,
        overrides=overrides or {},
        config_path=path,
        toml=_read_toml(path) if path is not None else {},
        env_file=dotenv_path,
        dotenv=_read_env_file(dotenv_path) if dotenv_path is not None else {},
    )
