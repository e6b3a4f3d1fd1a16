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

from mockserver.catalog.behaviour import CHAOS_FAULTS, DEFAULT_CHAOS_FAULTS, Delay
from mockserver.errors import ConfigError

__all__ = ["ENV_PREFIX", "SETTINGS", "Config", "Setting", "shipped_fixtures"]

ENV_PREFIX = "COHERTA_MOCK_"
#: The token issuer's routes, served whether or not the fixtures declare them.
BUILTIN_ROUTES: dict[str, tuple[str, str]] = {
    "token": ("POST", "/token"),
    "token_renew": ("POST", "/token/renew"),
}
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


def _latency(text: str) -> Delay:
    try:
        return Delay.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ConfigError(f"chaos must be a probability from 0 to 1, got {text!r}")
    return value


def _faults(text: str) -> tuple[str, ...]:
    faults = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in faults if f not in CHAOS_FAULTS]
    if unknown or not faults:
        raise ConfigError(
            "chaos faults must be a comma-separated list of "
            f"{', '.join(CHAOS_FAULTS)}; got {text!r}"
        )
    return faults


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"seed must be an integer, got {text!r}") from None


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
    Setting(
        name="watch",
        parse=_bool,
        help="reload the fixtures when a file in their directory changes (an invalid edit keeps "
        "the last good catalog and shows as degraded at /__mock/health)",
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
        name="no_validation",
        parse=_bool,
        help="do not check requests against the declared fields (by default a mismatch is 422)",
    ),
    Setting(
        name="latency",
        parse=_latency,
        metavar="SPEC",
        help="delay before every catalog answer, in seconds: 0.05, uniform:0.01,0.05 or "
        "lognormal:0.08,0.4 (median, sigma)",
    ),
    Setting(
        name="chaos",
        parse=_probability,
        metavar="P",
        help="probability (0 to 1) that a catalog request fails with one of --chaos-faults",
    ),
    Setting(
        name="chaos_faults",
        parse=_faults,
        metavar="LIST",
        help="what chaos picks from: 429,500,502,503,504,connection_reset,empty_reply,"
        "truncated_body,no_reply",
    ),
    Setting(
        name="seed",
        parse=_seed,
        metavar="N",
        help="seed of the random choices (chaos, random delays): the same seed replays a run",
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
    watch: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    access_log: bool = False
    log_level: str = "info"
    public_url: str | None = None
    journal_size: int = 1000
    no_validation: bool = False
    latency: Delay | None = None
    chaos: float = 0.0
    chaos_faults: tuple[str, ...] = DEFAULT_CHAOS_FAULTS
    seed: int = 0
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
