"""docs/behaviour.md: its fixtures form a directory that checks clean, and its tests pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockserver import check_fixtures
from tests.conftest import BEHAVIOUR_DOC, write_behaviour_fixtures

DOC = BEHAVIOUR_DOC.read_text()
EXAMPLES = re.findall(r"<!-- example: pytest -->\n```python\n(.*?)```", DOC, re.DOTALL)


def test_behaviour_doc_fixtures_check_clean(behaviour_dir: Path) -> None:
    """Every fixture on the page is valid, together: auth.yaml and three groups."""
    assert len(list(behaviour_dir.glob("*.yaml"))) == 4
    assert check_fixtures(behaviour_dir) == []


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_behaviour_doc_example_passes(pytester: pytest.Pytester, code: str) -> None:
    """Each example passes against the page's fixtures."""
    write_behaviour_fixtures(pytester.path / "fixtures")
    pytester.makeini("[pytest]\ncoherta_fixtures = fixtures\n")
    pytester.makepyfile(test_example=code)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(re.findall(r"^def test_", code, re.MULTILINE)))
