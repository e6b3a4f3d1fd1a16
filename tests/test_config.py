"""Config: defaults, COHERTA_MOCK_* variables, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver import Config, ConfigError
from mockserver.catalog.behaviour import Delay
from mockserver.config import SETTINGS, shipped_fixtures


def test_config_defaults_serve_shipped_catalog_on_loopback() -> None:
    """Without settings: 127.0.0.1:8080 and the shipped fixtures."""
    config = Config.from_env({})
    assert (config.host, config.port, config.access_log) == ("127.0.0.1", 8080, False)
    assert config.fixtures_dir == shipped_fixtures()
    assert (config.fixtures_dir / "auth.yaml").is_file()


def test_config_reads_every_setting_from_environment() -> None:
    """Each setting has a COHERTA_MOCK_ variable."""
    env = {
        "COHERTA_MOCK_FIXTURES": "/srv/fixtures",
        "COHERTA_MOCK_HOST": "0.0.0.0",
        "COHERTA_MOCK_PORT": "9000",
        "COHERTA_MOCK_ACCESS_LOG": "true",
        "COHERTA_MOCK_LOG_LEVEL": "DEBUG",
        "COHERTA_MOCK_PUBLIC_URL": "http://coherta:8080/",
        "COHERTA_MOCK_JOURNAL_SIZE": "50",
        "COHERTA_MOCK_CONTROL_KEY": "k3y",
        "COHERTA_MOCK_LATENCY": "uniform:0.01,0.05",
        "COHERTA_MOCK_CHAOS": "0.25",
        "COHERTA_MOCK_CHAOS_FAULTS": "503, connection_reset",
        "COHERTA_MOCK_SEED": "42",
        "COHERTA_MOCK_NO_VALIDATION": "yes",
        "COHERTA_MOCK_WATCH": "1",
    }
    assert {s.env for s in SETTINGS} == set(env)
    config = Config.from_env(env)
    assert config == Config(
        fixtures=Path("/srv/fixtures"),
        host="0.0.0.0",
        port=9000,
        access_log=True,
        log_level="debug",
        public_url="http://coherta:8080",
        journal_size=50,
        control_key="k3y",
        latency=Delay(kind="uniform", a=0.01, b=0.05),
        chaos=0.25,
        chaos_faults=("503", "connection_reset"),
        seed=42,
        no_validation=True,
        watch=True,
    )


def test_config_overrides_win_over_environment() -> None:
    """Explicit values (command-line flags) beat variables; None means not given."""
    config = Config.from_env({"COHERTA_MOCK_PORT": "9000"}, port=7000, host=None)
    assert (config.port, config.host) == (7000, "127.0.0.1")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("COHERTA_MOCK_PORT", "70000", "port must be a number from 0 to 65535, got 70000"),
        ("COHERTA_MOCK_ACCESS_LOG", "maybe", "expected true or false, got 'maybe'"),
        ("COHERTA_MOCK_LOG_LEVEL", "loud", "log level must be one of"),
        ("COHERTA_MOCK_JOURNAL_SIZE", "0", "journal size must be at least 1, got 0"),
        ("COHERTA_MOCK_JOURNAL_SIZE", "lots", "journal size must be a whole number"),
        ("COHERTA_MOCK_PUBLIC_URL", "coherta:8080", "public URL must look like http://host:port"),
        ("COHERTA_MOCK_LATENCY", "slow", "latency must be SECONDS, uniform:MIN,MAX or"),
        ("COHERTA_MOCK_LATENCY", "uniform:0.5,0.1", "uniform latency: the maximum is below"),
        ("COHERTA_MOCK_CHAOS", "2", "chaos must be a probability from 0 to 1, got '2'"),
        ("COHERTA_MOCK_CHAOS_FAULTS", "503,meteor", "chaos faults must be a comma-separated"),
        ("COHERTA_MOCK_SEED", "x", "seed must be an integer, got 'x'"),
    ],
)
def test_config_bad_variable_names_itself(name: str, value: str, message: str) -> None:
    """A bad variable's error names the variable and the bad value."""
    with pytest.raises(ConfigError, match=f"^{name}: {message}"):
        Config.from_env({name: value})
