"""Shared fixtures: sample fixture directories, apps and real clients on loopback."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from mockserver import Config, create_app
from mockserver.config import shipped_fixtures

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal"

pytest_plugins = ["pytester"]

AiohttpClient = Callable[..., object]


@pytest.fixture
def minimal_dir(tmp_path: Path) -> Path:
    """A writable copy of tests/data/minimal."""
    target = tmp_path / "fixtures"
    shutil.copytree(MINIMAL, target)
    return target


@pytest.fixture
def write_fixture(minimal_dir: Path) -> Callable[[str, str], Path]:
    """Write one file into the minimal fixture copy; returns its path."""

    def write(name: str, text: str) -> Path:
        path = minimal_dir / name
        path.write_text(text)
        return path

    return write


@pytest.fixture
def minimal_app() -> web.Application:
    """The app serving tests/data/minimal."""
    return create_app(Config(fixtures=MINIMAL))


@pytest.fixture
def shipped_app() -> web.Application:
    """The app serving the shipped Coherta catalog."""
    return create_app(Config(fixtures=shipped_fixtures()))


@pytest.fixture
async def client(aiohttp_client, minimal_app: web.Application) -> TestClient:
    """A real aiohttp client talking to the minimal app on a loopback port."""
    return await aiohttp_client(minimal_app)


@pytest.fixture
async def shipped_client(aiohttp_client, shipped_app: web.Application) -> TestClient:
    """A real aiohttp client talking to the shipped catalog on a loopback port."""
    return await aiohttp_client(shipped_app)


async def get_token(client: TestClient, username: str = "demo", password: str = "secret") -> str:
    """An access token from the app's POST /token."""
    resp = await client.post("/token", json={"username": username, "password": password})
    assert resp.status == 200, await resp.text()
    token: str = (await resp.json())["access_token"]
    return token


BEHAVIOUR_DOC = Path(__file__).resolve().parent.parent / "docs" / "behaviour.md"


def write_behaviour_fixtures(target: Path) -> Path:
    """docs/behaviour.md's fixture files, with the sample auth.yaml, written to ``target``."""
    import re

    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(MINIMAL / "auth.yaml", target / "auth.yaml")
    blocks = re.findall(
        r"<!-- fixture: ([\w.-]+) -->\n```yaml\n(.*?)```", BEHAVIOUR_DOC.read_text(), re.DOTALL
    )
    for name, text in blocks:
        (target / name).write_text(text)
    return target


@pytest.fixture(scope="session")
def behaviour_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture directory of docs/behaviour.md: collections, sequences, scenarios, faults."""
    return write_behaviour_fixtures(tmp_path_factory.mktemp("behaviour"))
