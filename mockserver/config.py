"""One Config for every front end: the CLI, ``COHERTA_MOCK_*`` variables and the Python API.

``SETTINGS`` describes each setting once (flag, variable, type, help); the CLI builds its options
from it, and ``Config.from_env`` reads the same names from the environment.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.errors import ConfigError

__all__ = ["ENV_PREFIX", "SETTINGS", "Config", "Setting", "shipped_fixtures"]

ENV_PREFIX = "COHERTA_MOCK_"
_LOG_LEVELS = ("debug", "info", "warning", "error")


def shipped_fixtures() -> Path:
    """The shipped Coherta catalog: inside an installed wheel, or at the top of a checkout."""
    package = Path(__file__).resolve().parent
    bundled = package / "_fixtures"
    return bundled if bundled.is_dir() else package.parent / "fixtures"


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise ConfigError(f"port must be a number from 0 to 65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"port must be a number from 0 to 65535, got {port}")
    return port


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"expected true or false, got {text!r}")


def _journal_size(text: str) -> int:
    try:
        size = int(text)
    except ValueError:
        raise ConfigError(f"journal size must be a whole number, got {text!r}") from None
    if size < 1:
        raise ConfigError(f"journal size must be at least 1, got {size}")
    return size


def _public_url(text: str) -> str:
    value = text.strip().rstrip("/")
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in ("http", "https") or not rest:
        raise ConfigError(f"public URL must look like http://host:port, got {text!r}")
    return value


def _log_level(text: str) -> str:
    value = text.strip().lower()
    if value not in _LOG_LEVELS:
        raise ConfigError(f"log level must be one of {', '.join(_LOG_LEVELS)}, got {text!r}")
    return value


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One setting: its Config field, how to parse its text, and its help."""

    name: str
    parse: Callable[[str], Any]
    help: str
    metavar: str = ""

    @property
    def flag(self) -> str:
        """The command-line flag, e.g. ``--access-log``."""
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        """The environment variable, e.g. ``COHERTA_MOCK_ACCESS_LOG``."""
        return ENV_PREFIX + self.name.upper()

    @property
    def is_flag(self) -> bool:
        """True for on/off settings, given as a bare flag on the command line."""
        return self.parse is _bool


SETTINGS: tuple[Setting, ...] = (
    Setting(
        name="fixtures",
        parse=Path,
        metavar="DIR",
        help="fixture directory: auth.yaml and one YAML file per reference group",
    ),
    Setting(name="host", parse=str, metavar="HOST", help="address to listen on"),
    Setting(
        name="port", parse=_port, metavar="PORT", help="port to listen on; 0 picks a free port"
    ),
    Setting(name="access_log", parse=_bool, help="log one line per request"),
    Setting(
        name="log_level", parse=_log_level, metavar="LEVEL", help="debug, info, warning or error"
    ),
    Setting(
        name="public_url",
        parse=_public_url,
        metavar="URL",
        help="the base URL clients use to reach the mock (e.g. http://coherta:8080); the "
        "portal's samples follow it; default: the Host of each request",
    ),
    Setting(
        name="journal_size",
        parse=_journal_size,
        metavar="N",
        help="requests kept in the journal; the oldest drop first",
    ),
    Setting(
        name="control_key",
        parse=str,
        metavar="KEY",
        help="demand this key (header X-Mock-Control-Key) for /__mock/ from every caller; "
        "without it the control API answers loopback callers only",
    ),
)


@dataclass(frozen=True, kw_only=True)
class Config:
    """Every setting of a mock server; the defaults serve the shipped catalog on 127.0.0.1:8080."""

    fixtures: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    access_log: bool = False
    log_level: str = "info"
    public_url: str | None = None
    journal_size: int = 1000
    control_key: str | None = None

    @property
    def fixtures_dir(self) -> Path:
        """The fixture directory to load."""
        return self.fixtures if self.fixtures is not None else shipped_fixtures()

    def replace(self, **changes: Any) -> Config:
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Defaults, then ``COHERTA_MOCK_*`` variables, then ``overrides`` (not None)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            if setting.env in env:
                try:
                    values[setting.name] = setting.parse(env[setting.env])
                except ConfigError as exc:
                    raise ConfigError(f"{setting.env}: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
