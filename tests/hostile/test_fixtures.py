"""Hostile fixture files: every one is refused at load time with ``file:line:col: message``,
nothing in them runs, and nothing grows without bound; templates that would run away at request
time are refused there with a JSON 500 ``template_error`` while the mock serves on.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from mockserver import Config, check_fixtures, create_app, load_catalog
from mockserver.catalog.templating import CONTEXT_NAMES
from mockserver.catalog.yamlsource import MAX_DEPTH, MAX_NODES
from tests.hostile.conftest import JSON

GROUP_HEAD = """format: 1
group: {name: things, title: Things, description: Test things.}
endpoints:
"""
#: The line and column of the `text` value in ``_templated``'s file.
TEMPLATE_AT = "10:22"
KNOWN = ", ".join(sorted(CONTEXT_NAMES))


def _templated(template: str) -> str:
    """A group file whose one response body holds ``template`` in a string leaf."""
    return GROUP_HEAD + (
        "  - id: things.get\n"
        "    method: GET\n"
        "    path: /things/{thing_id}\n"
        "    summary: Get a thing\n"
        "    auth: open\n"
        "    responses:\n"
        f'      - body: {{text: "{template}"}}\n'
    )


def _alias_bomb(levels: int = 9) -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, levels):
        previous, current = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{current}: &{current} [{','.join(['*' + previous] * 10)}]")
    return "\n".join(lines) + "\n"


# (id, file content, the one problem after "<file>:")
REFUSED: list[tuple[str, str | bytes, str]] = [
    (
        "alias-bomb",
        _alias_bomb(),
        f"1:40: the document expands to more than {MAX_NODES:,} values (an alias bomb?); "
        "split it or use fewer aliases",
    ),
    (
        "nesting-150-flow-lists",
        "format: " + "[" * 150 + "]" * 150 + "\n",
        f"1:108: the document nests deeper than {MAX_DEPTH} levels; flatten it",
    ),
    (
        "nesting-150-block-mappings",
        "format:\n" + "".join(" " * i + "a:\n" for i in range(1, 151)) + " " * 151 + "x\n",
        f"101:101: the document nests deeper than {MAX_DEPTH} levels; flatten it",
    ),
    (
        "nesting-5000-flow-lists",
        "format: " + "[" * 5000 + "]" * 5000 + "\n",
        "1:1008: YAML syntax error: while increasing flow level exceeded maximum nesting depth",
    ),
    (
        "nesting-5000-flow-mappings",
        "format: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n",
        "1:4005: YAML syntax error: while increasing flow level exceeded maximum nesting depth",
    ),
    (
        "duplicate-top-level-key",
        "format: 1\nformat: 1\n",
        "2:1: duplicate key 'format' (first defined at line 1); keep one of them",
    ),
    (
        "duplicate-nested-key",
        GROUP_HEAD + "  - id: a\n    id: b\n",
        "5:5: duplicate key 'id' (first defined at line 4); keep one of them",
    ),
    ("empty-file", "", "1:1: the file is empty; expected a YAML mapping"),
    ("only-comments", "# nothing here\n\n", "1:1: the file is empty; expected a YAML mapping"),
    (
        "not-utf8",
        b"format: 1\ngroup: caf\xe9\n",
        "2:1: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
    ),
    (
        "utf16-with-bom",
        "format: 1\n".encode("utf-16"),
        "1:1: not valid UTF-8 (byte 0xff); save the file as UTF-8",
    ),
    ("top-level-list", "- a\n- b\n", "1:1: expected a YAML mapping at the top of the file"),
    ("top-level-string", "hello\n", "1:1: expected a YAML mapping at the top of the file"),
    ("top-level-null", "~\n", "1:1: expected a YAML mapping at the top of the file"),
    (
        "two-documents",
        "format: 1\n---\nformat: 1\n",
        "2:1: YAML syntax error: expected a single document in the stream but found another "
        "document",
    ),
    (
        "local-tag",
        "format: !include /etc/passwd\n",
        "1:9: unsupported YAML tag '!include'; use plain values",
    ),
    (
        "header-value-with-crlf",
        GROUP_HEAD
        + "  - id: things.get\n    method: GET\n    path: /things\n    summary: Get things\n"
        + '    auth: open\n    responses:\n      - headers: {X-A: "a\\r\\nSet-Cookie: x=1"}\n',
        "10:24: endpoints[0].responses[0].headers.X-A: expected a header value without control "
        "characters (CR, LF), found a string 'a\\r\\nSet-Cookie: x=1'",
    ),
    (
        "template-unknown-filter",
        _templated("Hi {{ path.thing_id | uper }}"),
        f"{TEMPLATE_AT}: template syntax error: No filter named 'uper'.",
    ),
    (
        "template-unknown-name",
        _templated("Hi {{ usr.name }}"),
        f"{TEMPLATE_AT}: template uses unknown name 'usr'; templates can read {KNOWN}",
    ),
    (
        "template-unknown-path-parameter",
        _templated("Hi {{ path.thingid }}"),
        f"{TEMPLATE_AT}: template uses path.thingid, but the route has no {{thingid}} parameter "
        "(path parameters: thing_id)",
    ),
    (
        "template-unclosed-expression",
        _templated("Hi {{ path.thing_id }"),
        f"{TEMPLATE_AT}: template syntax error: unexpected '}}'",
    ),
    (
        "template-unknown-tag",
        _templated("{% iff x %}y{% endif %}"),
        f"{TEMPLATE_AT}: template syntax error: Encountered unknown tag 'iff'.",
    ),
    (
        "sandbox-dunder-class",
        _templated("{{ ''.__class__ }}"),
        f"{TEMPLATE_AT}: templates may not access private attribute '__class__'",
    ),
    (
        "sandbox-dunder-subscript",
        _templated("{{ request['__class__'] }}"),
        f"{TEMPLATE_AT}: templates may not access private attribute '__class__'",
    ),
    (
        "sandbox-attr-filter",
        _templated("{{ body|attr('__class__') }}"),
        f"{TEMPLATE_AT}: the 'attr' filter is not allowed in templates",
    ),
    (
        "sandbox-str-format",
        _templated("{{ '{0.__class__}'.format(body) }}"),
        f"{TEMPLATE_AT}: str.format is not allowed in templates; use ~ or the format filter",
    ),
    (
        "sandbox-str-format-map",
        _templated("{{ '{x}'.format_map(body) }}"),
        f"{TEMPLATE_AT}: str.format_map is not allowed in templates; use ~ or the format filter",
    ),
    (
        "runaway-nested-loops",
        _templated(
            "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
        ),
        f"{TEMPLATE_AT}: nested or recursive loops are not allowed in templates (a runaway guard)",
    ),
    (
        "runaway-macro",
        _templated("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"),
        f"{TEMPLATE_AT}: macros are not allowed in templates",
    ),
    (
        "runaway-lipsum",
        _templated("{{ lipsum(1000000) }}"),
        f"{TEMPLATE_AT}: template uses unknown name 'lipsum'; templates can read {KNOWN}",
    ),
]


def _write(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    ("content", "problem"),
    [pytest.param(content, problem, id=name) for name, content, problem in REFUSED],
)
def test_hostile_fixture_is_refused_with_its_location(
    minimal_dir: Path, content: str | bytes, problem: str
) -> None:
    """A hostile file gives exactly one problem, located as file:line:col, in bounded time."""
    path = _write(minimal_dir, "things.yaml", content)
    started = time.monotonic()
    problems = [str(p) for p in check_fixtures(minimal_dir)]
    # The alias bomb builds up to MAX_NODES values before it is stopped: ~2 s on a loaded box.
    assert time.monotonic() - started < 8
    assert problems == [f"{path}:{problem}"]


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:subprocess.Popen [[touch, '{marker}']]",
        "!!python/object/apply:builtins.open ['{marker}', w]",
        "!!python/name:os.system",
        "!!python/object:builtins.object {{}}",
    ],
    ids=["object-apply", "object-new", "open-for-writing", "name", "object"],
)
def test_hostile_python_tag_runs_nothing(minimal_dir: Path, tmp_path: Path, tag: str) -> None:
    """A Python tag that would create a file is refused at its position; the file never
    appears."""
    marker = tmp_path / "ran"
    path = _write(minimal_dir, "things.yaml", f"format: {tag.format(marker=marker)}\n")
    (problem,) = [str(p) for p in check_fixtures(minimal_dir)]
    assert problem.startswith(f"{path}:1:9: unsupported YAML tag 'tag:yaml.org,2002:python/")
    assert not marker.exists()


def test_hostile_byte_order_mark_is_harmless(minimal_dir: Path) -> None:
    """A UTF-8 byte-order mark before a group file is ignored: the catalog loads."""
    path = minimal_dir / "widgets.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert check_fixtures(minimal_dir) == []
    assert load_catalog(minimal_dir).endpoint("widgets.ping") is not None


def test_hostile_check_command_lists_located_problems(minimal_dir: Path, tmp_path: Path) -> None:
    """``python -m mockserver check`` on hostile files: exit 1, one file:line:col line each,
    no traceback, and the Python tag did nothing."""
    marker = tmp_path / "ran"
    bomb = _write(minimal_dir, "bomb.yaml", _alias_bomb())
    tag = _write(
        minimal_dir, "tag.yaml", f"format: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    empty = _write(minimal_dir, "empty.yaml", "")
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "check", str(minimal_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{bomb}:1:40: the document expands to more than {MAX_NODES:,} values (an alias bomb?); "
        "split it or use fewer aliases",
        f"{empty}:1:1: the file is empty; expected a YAML mapping",
        f"{tag}:1:9: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'; "
        "use a plain list",
    ]
    assert done.stderr == f"3 problems in {minimal_dir}\n"
    assert not marker.exists()


# -- templates that run away at request time -------------------------------------------------------

# (id, template, what the refusal says, after "failed to render: '<template>': ")
RUNAWAY: list[tuple[str, str, str]] = [
    ("power-tower", "{{ 9 ** (9 ** 9) }}", "exponent 387420489 is larger than 64"),
    ("power-over-4096-bits", "{{ (2 ** 64) ** 64 }}", "the power would exceed 4096 bits"),
    ("repeated-string", "{{ 'x' * 10 ** 7 }}", "the result would hold 10,000,000 items"),
    ("repeated-list", "{{ [0] * 10 ** 7 }}", "the result would hold 10,000,000 items"),
    (
        "concatenation-doubling",
        "{% set a = 'x' * 999999 %}{% set a = a ~ a %}{{ a }}",
        "the result would hold 1,999,998 items",
    ),
    ("center-width", "{{ 'x' | center(10 ** 9) }}", "the result would hold 1,000,000,000 items"),
    (
        "percent-width",
        "{{ '%*s' % (10 ** 9, 'x') }}",
        "%-formats with '*' or a width over six digits are not allowed",
    ),
    (
        "format-filter-width",
        "{{ '%9999999s' | format('x') }}",
        "%-formats with '*' or a width over six digits are not allowed",
    ),
    (
        "join-of-repeats",
        "{{ (['x' * 999999] * 999999) | join }}",
        "the result would hold 999,998,000,001 items",
    ),
    (
        "replace-growth",
        "{{ ('x' * 999999) | replace('x', 'yyyyyyyyyy') }}",
        "the result would hold 9,999,990 items",
    ),
    (
        "loop-output",
        "{% for i in range(99999) %}{{ 'x' * 99 }}{% endfor %}",
        "rendered text over 1,000,000",
    ),
    ("range-too-long", "{% for i in range(10 ** 9) %}{% endfor %}", "MAX_RANGE"),
]


@pytest.fixture
async def runaway_client(aiohttp_client: Any, minimal_dir: Path) -> TestClient:
    """The minimal mock plus one open endpoint per runaway template, /runaway/<index>."""
    endpoints = "".join(
        f"  - id: runaway.case{i}\n"
        f"    method: GET\n"
        f"    path: /runaway/{i}\n"
        f"    summary: Runaway case {i}\n"
        f"    auth: open\n"
        f"    responses:\n"
        f"      - body: {{value: {template!r}}}\n"
        for i, (_, template, _) in enumerate(RUNAWAY)
    )
    group = "format: 1\ngroup: {name: runaway, title: Runaway, description: Runaways.}\n"
    (minimal_dir / "runaway.yaml").write_text(group + "endpoints:\n" + endpoints)
    client: TestClient = await aiohttp_client(create_app(Config(fixtures=minimal_dir)))
    return client


@pytest.mark.parametrize(
    ("index", "template", "reason"),
    [pytest.param(i, t, r, id=name) for i, (name, t, r) in enumerate(RUNAWAY)],
)
async def test_hostile_runaway_template_is_refused_when_rendering(
    runaway_client: TestClient, minimal_dir: Path, index: int, template: str, reason: str
) -> None:
    """A template that would build a huge value answers a JSON 500 template_error naming the
    fixture and the cap, within two seconds; the mock serves on."""
    started = time.monotonic()
    resp = await runaway_client.get(f"/runaway/{index}")
    assert time.monotonic() - started < 2
    assert resp.status == 500
    assert resp.headers["Content-Type"] == JSON
    body = await resp.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == "template_error"
    where = f"{minimal_dir / 'runaway.yaml'}:{10 + 7 * index}:9 "
    description = body["error_description"]
    assert description.startswith(f"The fixture response at {where}")
    assert f"failed to render: {template!r}: " in description
    assert reason in description
    ping = await runaway_client.get("/ping")
    assert ping.status == 200
    assert await ping.json() == {"pong": True}


def test_hostile_left_associative_power_is_what_jinja_computes(
    write_fixture: Callable[[str, str], Path],
) -> None:
    """``9**9**9`` compiles: it is (9**9)**9, a 78-digit number, not 9**(9**9)."""
    path = write_fixture("things.yaml", _templated("{{ 9**9**9 }}"))
    endpoint = load_catalog(path.parent).endpoint("things.get")
    assert endpoint is not None
    body = endpoint.responses[0].body.render({})
    assert body == b'{"text":' + str((9**9) ** 9).encode() + b"}"
