"""The loader: a fixture directory becomes a Catalog, or every problem with file:line:col."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from mockserver import FixtureError, check_fixtures, load_catalog
from mockserver.config import shipped_fixtures
from tests.conftest import MINIMAL

GROUP_HEAD = """format: 1
group: {name: things, title: Things, description: Test things.}
endpoints:
"""


def _problems(root: Path) -> list[str]:
    return [str(p) for p in check_fixtures(root)]


def test_loader_builds_catalog_from_minimal_fixtures() -> None:
    """The sample directory loads into groups, endpoints and variants."""
    catalog = load_catalog(MINIMAL)
    assert [g.name for g in catalog.groups] == ["widgets"]
    get = catalog.endpoint("widgets.get")
    assert get is not None
    assert (get.method, get.path, get.auth, get.scopes) == (
        "GET",
        "/widgets/{widget_id}",
        "bearer",
        ("projects:read",),
    )
    assert [v.status for v in get.responses] == [404, 200, 200]
    assert get.responses[-1].is_default
    assert get.source.startswith(str(MINIMAL / "widgets.yaml") + ":")
    assert catalog.totals() == {"endpoints": 7, "protected": 3, "open": 4, "groups": 1}


def test_loader_serialises_static_bodies_at_load_time() -> None:
    """A body without templates is bytes before any request arrives."""
    ping = load_catalog(MINIMAL).endpoint("widgets.ping")
    assert ping is not None
    assert ping.responses[0].body.static == b'{"pong":true}'
    assert ping.responses[0].content_type == "application/json"


def test_loader_declares_undeclared_path_parameters() -> None:
    """A placeholder without a declaration is still a required string parameter."""
    text = load_catalog(MINIMAL).endpoint("widgets.text")
    assert text is not None
    assert [(f.name, f.type, f.required) for f in text.request.path] == [
        ("widget_id", "string", True)
    ]


def test_loader_reports_unknown_key_with_position(write_fixture: Callable[..., Path]) -> None:
    """A misspelt key names file:line:col and the keys that are allowed."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.list
    method: GET
    path: /things
    summary: List things
    auth: open
    responses:
      - status: 200
        bodyy: {}
""",
    )
    (problem,) = _problems(path.parent)
    assert problem.startswith(f"{path}:11:9: unknown key 'bodyy'")
    assert "expected one of: body, body_file" in problem


def test_loader_reports_bad_method_and_auth(write_fixture: Callable[..., Path]) -> None:
    """Enumerated values say what was expected and what was found."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.list
    method: FETCH
    path: /things
    summary: List things
    auth: token
    responses: [{status: 200}]
""",
    )
    problems = _problems(path.parent)
    assert problems == [
        f"{path}:5:13: endpoints[0].method: expected one of 'GET', 'POST', 'PUT', 'PATCH', "
        "'DELETE', 'HEAD', 'OPTIONS', found a string 'FETCH'",
        f"{path}:8:11: endpoints[0].auth: expected one of 'bearer', 'open', found a string 'token'",
    ]


def test_loader_reports_yaml_syntax_error(write_fixture: Callable[..., Path]) -> None:
    """A YAML syntax error is located and explained."""
    path = write_fixture("things.yaml", "format: 1\ngroup: [unclosed\nendpoints: []\n")
    (problem,) = _problems(path.parent)
    assert re.match(rf"{re.escape(str(path))}:3:\d+: YAML syntax error: ", problem)


def test_loader_reports_duplicate_route_across_files(write_fixture: Callable[..., Path]) -> None:
    """Two endpoints on one route: the second names where the first is."""
    path = write_fixture(
        "zthings.yaml",
        GROUP_HEAD
        + """  - id: things.ping
    method: GET
    path: /ping
    summary: Ping again
    auth: open
    responses: [{status: 200}]
""",
    )
    (problem,) = _problems(path.parent)
    assert problem.startswith(f"{path}:6:11: duplicate route GET /ping; also defined at ")
    assert problem.endswith("widgets.yaml:8:5")


def test_loader_reports_route_differing_only_in_parameter_name(
    write_fixture: Callable[..., Path],
) -> None:
    """/widgets/{id} and /widgets/{widget_id} are one route to the router."""
    path = write_fixture(
        "zthings.yaml",
        GROUP_HEAD
        + """  - id: things.get
    method: GET
    path: /widgets/{id}
    summary: Same route
    auth: open
    responses: [{status: 200}]
""",
    )
    (problem,) = _problems(path.parent)
    assert "duplicate route GET /widgets/{id}" in problem


def test_loader_reports_template_syntax_error(write_fixture: Callable[..., Path]) -> None:
    """A broken template is caught at load time, at its value's position."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.list
    method: GET
    path: /things
    summary: List things
    auth: open
    responses:
      - body: {name: "{{ query.name | }}"}
""",
    )
    (problem,) = _problems(path.parent)
    assert problem.startswith(f"{path}:10:22: template syntax error:")


def test_loader_reports_template_using_unknown_path_parameter(
    write_fixture: Callable[..., Path],
) -> None:
    """A template reading path.x on a route without {x} is refused."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.get
    method: GET
    path: /things/{thing_id}
    summary: Get a thing
    auth: open
    responses:
      - body: {id: "{{ path.id }}"}
""",
    )
    (problem,) = _problems(path.parent)
    assert problem == (
        f"{path}:10:20: template uses path.id, but the route has no {{id}} parameter "
        "(path parameters: thing_id)"
    )


def test_loader_refuses_body_file_outside_fixtures(write_fixture: Callable[..., Path]) -> None:
    """body_file cannot read files outside the fixtures directory."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.list
    method: GET
    path: /things
    summary: List things
    auth: open
    responses:
      - body_file: ../../../../etc/passwd
""",
    )
    (problem,) = _problems(path.parent)
    assert problem.startswith(f"{path}:10:20: body_file '../../../../etc/passwd' is outside")


def test_loader_reports_missing_body_file(write_fixture: Callable[..., Path]) -> None:
    """A body_file that does not exist is named."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.list
    method: GET
    path: /things
    summary: List things
    auth: open
    responses:
      - body_file: bodies/nope.json
""",
    )
    (problem,) = _problems(path.parent)
    assert problem.startswith(f"{path}:10:20: body_file 'bodies/nope.json' cannot be read")


def test_loader_reports_unreachable_response(write_fixture: Callable[..., Path]) -> None:
    """A response after the default can never answer."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.list
    method: GET
    path: /things
    summary: List things
    auth: open
    responses:
      - status: 200
      - status: 404
        when: {query: {q: x}}
""",
    )
    (problem,) = _problems(path.parent)
    assert problem.startswith(f"{path}:11:9: this response can never answer")


def test_loader_reports_when_on_unknown_path_parameter(write_fixture: Callable[..., Path]) -> None:
    """A condition on a path parameter the route lacks is located at its key."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.list
    method: GET
    path: /things
    summary: List things
    auth: open
    responses:
      - status: 404
        when: {path: {thing_id: x}}
      - status: 200
""",
    )
    (problem,) = _problems(path.parent)
    assert problem.startswith(f"{path}:11:23: when.path.thing_id: the route has no")


def test_loader_reports_bad_regex(write_fixture: Callable[..., Path]) -> None:
    """A regular expression that does not compile is a load error."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.list
    method: GET
    path: /things
    summary: List things
    auth: open
    responses:
      - status: 200
        when: {query: {q: {matches: "([a-z"}}}
""",
    )
    (problem,) = _problems(path.parent)
    assert "invalid regular expression" in problem
    assert problem.startswith(f"{path}:11:15:")


def test_loader_lists_every_problem_across_files(
    write_fixture: Callable[..., Path], minimal_dir: Path
) -> None:
    """check_fixtures reports all problems of all files at once, sorted by location."""
    write_fixture("a.yaml", "format: 2\n")
    write_fixture("b.yaml", "- just a list\n")
    write_fixture("c.yaml", "")
    problems = _problems(minimal_dir)
    assert len(problems) >= 4
    joined = "\n".join(problems)
    assert f"{minimal_dir}/a.yaml:1:9: format: expected 1, found an integer 2" in joined
    assert f"{minimal_dir}/a.yaml:1:1: the document is missing the required key 'group'" in joined
    assert f"{minimal_dir}/b.yaml:1:1: expected a YAML mapping at the top of the file" in joined
    assert f"{minimal_dir}/c.yaml:1:1: the file is empty" in joined


def test_loader_raises_fixture_error_with_all_problems(
    write_fixture: Callable[..., Path], minimal_dir: Path
) -> None:
    """load_catalog raises a FixtureError (a ValueError) carrying each problem."""
    write_fixture("a.yaml", "format: 2\n")
    with pytest.raises(FixtureError) as info:
        load_catalog(minimal_dir)
    assert isinstance(info.value, ValueError)
    assert len(info.value.problems) == 3
    assert str(info.value).startswith("3 problems in fixtures\n")


def test_loader_requires_auth_yaml(minimal_dir: Path) -> None:
    """A directory without auth.yaml says so."""
    (minimal_dir / "auth.yaml").unlink()
    assert _problems(minimal_dir) == [
        f"{minimal_dir / 'auth.yaml'}: missing: every fixtures folder needs auth.yaml"
    ]


def test_loader_reports_scopes_on_open_route(write_fixture: Callable[..., Path]) -> None:
    """Scopes on an open route are a mistake."""
    path = write_fixture(
        "things.yaml",
        GROUP_HEAD
        + """  - id: things.list
    method: GET
    path: /things
    summary: List things
    auth: open
    scopes: [projects:read]
    responses: [{status: 200}]
""",
    )
    (problem,) = _problems(path.parent)
    assert problem.startswith(f"{path}:9:13: scopes apply only to 'auth: bearer'")


def test_loader_auth_requires_secret_for_hmac(minimal_dir: Path) -> None:
    """An HS256 issuer without a secret is located in auth.yaml."""
    auth = minimal_dir / "auth.yaml"
    auth.write_text(auth.read_text().replace("  secret: coherta", "  # secret: coherta"))
    (problem,) = _problems(minimal_dir)
    assert problem.startswith(f"{auth}:")
    assert "signing.secret is required for HS256" in problem


def test_shipped_fixtures_check_clean() -> None:
    """The shipped catalog has no problems."""
    assert _problems(shipped_fixtures()) == []


def test_loader_restores_the_garbage_collector(
    write_fixture: Callable[..., Path], minimal_dir: Path
) -> None:
    """The collector, held off during a load, is on again afterwards, also when the load fails."""
    assert gc.isenabled()
    load_catalog(minimal_dir)
    assert gc.isenabled()
    write_fixture("a.yaml", "format: 2\n")
    with pytest.raises(FixtureError):
        load_catalog(minimal_dir)
    assert gc.isenabled()
    gc.disable()
    try:
        check_fixtures(minimal_dir)
        assert not gc.isenabled()  # a caller's own choice is left alone
    finally:
        gc.enable()


def test_loader_leaves_no_cyclic_garbage() -> None:
    """A load frees what it drops by reference counting: nothing is left for the cyclic collector.

    The collector is held off during a load, so a reference cycle there (a self-calling closure
    holding a YAML node tree) would keep its garbage until the next collection.
    """
    load_catalog(shipped_fixtures())  # first use: Jinja's lexer, the schema validators
    gc.collect()
    catalog = load_catalog(shipped_fixtures())
    assert gc.collect() == 0
    assert catalog.groups


def test_loader_catalog_indexes_endpoints_once() -> None:
    """The catalog's endpoint tuple and id lookup are built once, not per call."""
    catalog = load_catalog(MINIMAL)
    assert catalog.endpoints is catalog.endpoints
    first = catalog.endpoints[0]
    assert catalog.endpoint(first.id) is first
    assert catalog.endpoint("nope.nothing") is None
