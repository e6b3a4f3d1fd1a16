"""The pytest plugin (entry point ``pytest11``): a Coherta mock for every test, no setup needed.

- ``coherta_mock``: a MockServer started once per test session (per xdist worker) and reset before
  each test, so tests are isolated yet pay no start-up cost. Stubs from ``coherta_stub`` markers
  are applied after the reset.
- ``coherta_app``: the aiohttp application itself, for pytest-aiohttp's ``aiohttp_client``.
- ``--coherta-fixtures DIR`` or the ini option ``coherta_fixtures`` picks the fixture directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aiohttp import web

    from mockserver.testing.harness import MockServer

__all__ = [
    "coherta_app",
    "coherta_fixtures_dir",
    "coherta_mock",
    "coherta_mock_server",
    "pytest_addoption",
    "pytest_configure",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--coherta-fixtures`` and the ``coherta_fixtures`` ini option."""
    group = parser.getgroup("coherta-mock")
    group.addoption(
        "--coherta-fixtures",
        metavar="DIR",
        default=None,
        help="fixture directory for the coherta_mock fixture (default: the shipped catalog)",
    )
    parser.addini(
        "coherta_fixtures",
        "fixture directory for the coherta_mock fixture, relative to the ini file",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``coherta_stub`` marker."""
    config.addinivalue_line(
        "markers",
        "coherta_stub(endpoint=None, *, method=None, path=None, status=200, body=..., "
        "headers=None, when=None, times=None): a runtime stub on coherta_mock for this test",
    )


@pytest.fixture(scope="session")
def coherta_fixtures_dir(pytestconfig: pytest.Config) -> Path | None:
    """The fixture directory from the command line or ini file; None for the shipped catalog."""
    option = pytestconfig.getoption("--coherta-fixtures")
    if option:
        return Path(option).resolve()
    ini = pytestconfig.getini("coherta_fixtures")
    if ini:
        base = pytestconfig.inipath.parent if pytestconfig.inipath else pytestconfig.rootpath
        return (base / str(ini)).resolve()
    return None


@pytest.fixture(scope="session")
def coherta_mock_server(coherta_fixtures_dir: Path | None) -> Iterator[MockServer]:
    """One mock per test session (per xdist worker), on a background thread."""
    from mockserver.testing.harness import MockServer

    with MockServer(coherta_fixtures_dir) as server:
        yield server


@pytest.fixture
def coherta_mock(coherta_mock_server: MockServer, request: pytest.FixtureRequest) -> MockServer:
    """The session's mock, reset for this test, with this test's ``coherta_stub`` markers."""
    coherta_mock_server.reset()
    for marker in reversed(list(request.node.iter_markers("coherta_stub"))):
        coherta_mock_server.stub(*marker.args, **marker.kwargs)
    return coherta_mock_server


@pytest.fixture
def coherta_app(coherta_fixtures_dir: Path | None) -> web.Application:
    """A fresh aiohttp application of the mock, for ``aiohttp_client(coherta_app)``."""
    from mockserver.config import Config
    from mockserver.server.app import create_app

    return create_app(Config(fixtures=coherta_fixtures_dir))
