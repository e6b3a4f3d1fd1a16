"""The README's quickstart and docs/fixtures.md's examples run, so the docs cannot rot."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from aiohttp.test_utils import TestClient

from mockserver import Config, check_fixtures, create_app

ROOT = Path(__file__).resolve().parents[2]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


async def test_readme_quickstart_runs_against_the_mock(shipped_client: TestClient) -> None:
    """The README's cURL commands, host swapped for the test server, get a token and the user."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- quickstart:begin -->")[1].split("<!-- quickstart:end -->")[0]
    first, second = _blocks(section, "sh")
    base = str(shipped_client.make_url("")).rstrip("/")
    token_cmd = first.replace("http://127.0.0.1:8080", base)
    me_cmd = second.replace("http://127.0.0.1:8080", base)
    proc = await _run(token_cmd)
    assert json.loads(proc)["token_type"] == "bearer"
    me = json.loads(await _run(me_cmd))
    assert me["username"] == "demo"
    assert me["email"] == "demo@example.com"


async def _run(script: str) -> str:
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        "bash",
        "-euo",
        "pipefail",
        "-c",
        script,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_fixtures_doc_examples_load_and_answer(tmp_path: Path, aiohttp_client) -> None:
    """docs/fixtures.md's group and auth.yaml examples form a working fixture directory."""
    doc = (ROOT / "docs" / "fixtures.md").read_text()
    yaml_blocks = _blocks(doc, "yaml")
    group = next(b for b in yaml_blocks if "group.schema.json" in b and "endpoints:" in b)
    auth = next(b for b in yaml_blocks if "auth.schema.json" in b)
    (tmp_path / "projects.yaml").write_text(group)
    (tmp_path / "auth.yaml").write_text(auth)
    assert check_fixtures(tmp_path) == []
    client = await aiohttp_client(create_app(Config(fixtures=tmp_path)))
    token = (
        await (await client.post("/token", json={"username": "demo", "password": "secret"})).json()
    )["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    missing = await client.get("/projects/prj_missing", headers=headers)
    assert missing.status == 404
    found = await client.get("/projects/prj_1", headers=headers)
    assert found.status == 200
    assert found.headers["X-Request-Id"] == "req_1"
    body = await found.json()
    assert body["id"] == "prj_1"
    assert body["owner"] == "usr_2N7kQ4xR8mTb"


def test_readme_pytest_example_passes(pytester) -> None:
    """The README's pytest example passes in a fresh project."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## In your tests")[1]
    (code,) = _blocks(section.split("\n## ")[0], "python")
    pytester.makepyfile(test_readme=code)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
