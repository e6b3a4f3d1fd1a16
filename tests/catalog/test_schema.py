"""Schema checks: a compiled fast path for clean files, every located message for broken ones."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest

from mockserver import check_fixtures
from mockserver.catalog import schema
from mockserver.catalog.yamlsource import read_yaml
from mockserver.config import shipped_fixtures

GROUP_HEAD = """format: 1
group: {name: things, title: Things, description: Test things.}
endpoints:
"""


def _shipped_groups() -> list[Any]:
    root = shipped_fixtures()
    return [read_yaml(p).data for p in sorted(root.glob("*.yaml")) if p.name != "auth.yaml"]


def _breakages(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Broken copies of a valid group document, one mistake each."""
    endpoint = doc["endpoints"][0]
    for label, mend in [
        ("unknown key", lambda e: e.update(summery="x")),
        ("missing key", lambda e: e.pop("summary")),
        ("bad method", lambda e: e.update(method="FETCH")),
        ("bad auth", lambda e: e.update(auth="maybe")),
        ("bad id", lambda e: e.update(id="Not An Id")),
        ("bad path", lambda e: e.update(path="no-slash")),
        ("status as text", lambda e: e["responses"][0].update(status="200")),
        ("status as boolean", lambda e: e["responses"][0].update(status=True)),
        ("no responses", lambda e: e.update(responses=[])),
        ("body and body_file", lambda e: e["responses"][0].update(body={}, body_file="x.json")),
    ]:
        broken = copy.deepcopy(doc)
        mend(broken["endpoints"][0])
        yield f"{endpoint['id']}: {label}", broken
    broken = copy.deepcopy(doc)
    broken["format"] = 2
    yield "format 2", broken


def test_schema_fast_path_agrees_with_jsonschema_on_shipped_and_broken_documents() -> None:
    """The compiled check and jsonschema give the same verdict, valid or not, on every document."""
    full = jsonschema.Draft202012Validator(schema._schema("group"))
    fast = schema._fast("group")
    for doc in _shipped_groups():
        assert fast(doc)
        assert full.is_valid(doc)
        for label, broken in _breakages(doc):
            assert not full.is_valid(broken), label
            assert not fast(broken), label


def test_schema_fast_path_hands_data_json_cannot_hold_to_jsonschema() -> None:
    """A value the compiled validator cannot take (a non-string key) is left to jsonschema."""
    check = schema._fast_check({"type": "object", "properties": {"n": {"type": "integer"}}})
    assert check({"n": 1})
    assert check({"n": 10**100})  # big integers are integers to both validators
    assert not check({1: "non-string key"})


def test_schema_problems_lists_every_error_with_file_line_col(
    write_fixture: Callable[..., Path],
) -> None:
    """When the fast path refuses a file, each of its schema errors is reported, located."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.list
    method: FETCH
    path: /things
    summary: List things
    auth: maybe
    responses:
      - status: "200"
        bodyy: {}
""",
    )
    problems = [str(p) for p in check_fixtures(path.parent)]
    assert len(problems) == 4, problems
    expected = [
        f"{path}:5:13: endpoints[0].method: expected one of",
        f"{path}:8:11: endpoints[0].auth: expected one of",
        f"{path}:10:17: endpoints[0].responses[0].status: expected integer",
        f"{path}:11:9: unknown key 'bodyy'",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_schema_validators_are_built_once_per_process(
    monkeypatch: pytest.MonkeyPatch, minimal_dir: Path
) -> None:
    """Loading many files builds each compiled validator once, not once per file."""
    built: list[str] = []
    real = jsonschema_rs.Draft202012Validator

    def counting(definition: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        built.append(str(definition.get("$id") or definition.get("title")))
        return real(definition, *args, **kwargs)

    monkeypatch.setattr(jsonschema_rs, "Draft202012Validator", counting)
    schema._fast.cache_clear()
    try:
        check_fixtures(shipped_fixtures())
        check_fixtures(minimal_dir)
    finally:
        schema._fast.cache_clear()
    assert len(built) == 2, built  # group and auth


def test_schema_clean_load_does_not_import_jsonschema() -> None:
    """Loading a clean catalog never needs the jsonschema package, whose import is costly."""
    code = (
        "import sys\n"
        "from mockserver.catalog.loader import load_catalog\n"
        "from mockserver.config import shipped_fixtures\n"
        "load_catalog(shipped_fixtures())\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_schema_stub_problems_fast_path_and_messages() -> None:
    """A valid stub passes the compiled check; a broken one still gets every message."""
    assert schema.stub_problems({"endpoint": "users.me", "status": 200, "body": {}}) == []
    problems = schema.stub_problems({"endpoint": "users.me", "status": "x", "bodyy": 1})
    assert len(problems) == 2, problems
    assert any("unknown key 'bodyy'" in p for p in problems)
    assert any("status: expected integer" in p for p in problems)
