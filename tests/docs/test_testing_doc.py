"""Every example in docs/testing.md runs: pytest ones through pytester, unittest, and shell."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "testing.md").read_text()
EXAMPLES = re.findall(r"<!-- example: (\w+) -->\n```\w+\n(.*?)```", DOC, re.DOTALL)
PYTEST_EXAMPLES = [code for kind, code in EXAMPLES if kind == "pytest"]


def test_testing_doc_has_every_kind_of_example() -> None:
    """The page keeps its pytest, unittest and shell examples."""
    assert {kind for kind, _ in EXAMPLES} == {"pytest", "unittest", "shell"}
    assert len(PYTEST_EXAMPLES) >= 4


@pytest.mark.parametrize(
    "code", PYTEST_EXAMPLES, ids=[f"pytest-{i}" for i in range(len(PYTEST_EXAMPLES))]
)
def test_testing_doc_pytest_example_passes(pytester: pytest.Pytester, code: str) -> None:
    """Each pytest example passes in a fresh project that only has the package installed."""
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(test_example=code)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    tests = len(re.findall(r"^(?:async )?def test_", code, re.MULTILINE))
    result.assert_outcomes(passed=tests)


def test_testing_doc_unittest_example_passes(tmp_path: Path) -> None:
    """The unittest example runs green with python -m unittest."""
    (code,) = [c for kind, c in EXAMPLES if kind == "unittest"]
    (tmp_path / "test_client.py").write_text(code)
    result = subprocess.run(
        [sys.executable, "-m", "unittest", "-v", "test_client"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Ran 1 test" in result.stderr
    assert "OK" in result.stderr


def test_testing_doc_shell_example_runs(tmp_path: Path) -> None:
    """The other-language example starts the CLI, stubs, calls, resets and stops it."""
    (code,) = [c for kind, c in EXAMPLES if kind == "shell"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr + (tmp_path / "mock.log").read_text()
    assert '"endpoint":"projects.list"' in result.stdout
