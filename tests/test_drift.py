"""`coherta-mock drift`: the pure comparison, the request plan, and the command end to end."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from mockserver import MockServer, load_catalog
from mockserver.cli import ExitCode, main
from mockserver.drift import (
    LIVE_TEXT,
    Difference,
    EndpointResult,
    PlannedRequest,
    compare_bodies,
    compare_response,
    plan_requests,
)
from tests.conftest import MINIMAL


def _messages(differences: list[Difference]) -> list[str]:
    return [str(d) for d in differences]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- the comparison -------------------------------------------------------------------------------


def test_compare_response_reports_a_status_change_only() -> None:
    """Another status is one difference; the bodies of different answers are not compared."""
    found = compare_response(200, {"id": "x"}, 404, {"error": "not_found"})
    assert _messages(found) == ["status 200 -> 404"]
    assert compare_response(200, {"id": "x"}, 200, {"id": "y"}) == []


def test_compare_bodies_reports_a_key_missing_in_live() -> None:
    """A fixture key the live answer lacks, nested or not, is 'missing in live'."""
    found = compare_bodies({"id": "a", "owner": {"id": "u", "name": "n"}}, {"owner": {"id": "u"}})
    assert _messages(found) == ["id: missing in live", "owner.name: missing in live"]


def test_compare_bodies_reports_a_key_new_in_live() -> None:
    """A live key the fixture lacks is 'new in live'."""
    found = compare_bodies({"id": "a"}, {"id": "b", "etag": "x", "meta": {"v": 1}})
    assert _messages(found) == ["etag: new in live", "meta: new in live"]


def test_compare_bodies_reports_a_type_change() -> None:
    """A value of another JSON type names the path and both types."""
    found = compare_bodies(
        {"owner": {"id": "usr_1"}, "count": 3, "ok": True},
        {"owner": {"id": 7}, "count": "3", "ok": True},
    )
    assert _messages(found) == [
        "owner.id: expected string, live integer",
        "count: expected integer, live string",
    ]
    assert _messages(compare_bodies({"a": 1}, [1])) == ["body: expected object, live array"]


def test_compare_bodies_ignores_template_leaves() -> None:
    """A fixture leaf holding {{ }} is any type; a whole-body template compares nothing."""
    assert compare_bodies({"id": "{{ path.id }}", "n": "{{ 1 | int }}"}, {"id": 5, "n": "x"}) == []
    assert compare_bodies("{{ user }}", {"anything": True}) == []
    found = compare_bodies({"id": "{{ path.id }}", "name": "n"}, {"id": 5, "name": 1})
    assert _messages(found) == ["name: expected string, live integer"]


def test_compare_bodies_compares_first_list_elements() -> None:
    """Lists are compared by their first elements' shape; empty lists compare nothing."""
    found = compare_bodies(
        {"data": [{"id": "a", "tags": ["x"]}]},
        {"data": [{"id": 1, "tags": [2], "extra": None}, {"other": 1}]},
    )
    assert _messages(found) == [
        "data[0].id: expected string, live integer",
        "data[0].tags[0]: expected string, live integer",
        "data[0].extra: new in live",
    ]
    assert compare_bodies({"data": [{"id": "a"}]}, {"data": []}) == []
    assert compare_bodies({"data": []}, {"data": [{"id": 1}]}) == []


def test_compare_bodies_accepts_null_and_integers_for_numbers() -> None:
    """null on either side matches any type; an integer where a number is expected is fine."""
    assert compare_bodies({"a": None, "b": "x", "c": 1.5}, {"a": "x", "b": None, "c": 2}) == []
    assert _messages(compare_bodies({"c": 2}, {"c": 2.5})) == ["c: expected integer, live number"]


def test_compare_response_reports_text_where_json_was_expected() -> None:
    """A live answer that is not JSON where the fixture has a JSON body is a type difference."""
    found = compare_response(200, {"id": "a"}, 200, LIVE_TEXT)
    assert _messages(found) == ["body: expected object, live text"]
    assert compare_response(200, "plain text", 200, LIVE_TEXT) == []


# -- the plan -------------------------------------------------------------------------------------


def test_plan_requests_builds_gets_from_examples_and_skips_the_rest(
    minimal_dir: Path, write_fixture
) -> None:
    """Path and required query values come from examples; endpoints lacking them are skipped."""
    write_fixture(
        "search.yaml",
        """format: 1
group: {name: search, title: Search, description: Search.}
endpoints:
  - id: search.query
    method: GET
    path: /search/{scope}
    summary: Search
    auth: open
    request:
      path:
        scope: {type: string, example: "all things"}
      query:
        q: {type: string, required: true, example: launch}
        page: {type: integer, example: 2}
        exact: {type: boolean, required: true, example: true}
    responses:
      - body: {hits: []}
""",
    )
    plans = {p.endpoint_id: p for p in plan_requests(load_catalog(minimal_dir))}
    search = plans["search.query"]
    assert isinstance(search, PlannedRequest)
    assert search.url_path == "/search/all%20things?q=launch&exact=true"
    assert not search.bearer
    widget = plans["widgets.get"]
    assert isinstance(widget, PlannedRequest)
    assert (widget.url_path, widget.bearer, widget.status) == ("/widgets/wid_1", True, 200)
    label = plans["widgets.text"]
    assert isinstance(label, EndpointResult)
    assert label.outcome == "skipped"
    assert label.reason == "path parameter widget_id has no example"
    assert isinstance(plans["widgets.headers"], EndpointResult)
    assert "widgets.create" not in plans  # POST: never sent


# -- end to end -----------------------------------------------------------------------------------


def _modified_copy(tmp_path: Path) -> Path:
    """tests/data/minimal with a type changed, a key added, a key removed and a status changed."""
    target = tmp_path / "live"
    shutil.copytree(MINIMAL, target)
    widgets = target / "widgets.yaml"
    text = widgets.read_text()
    edits = [
        ("      - body: {pong: true}", '      - body: {pong: "yes", extra: 1}'),
        (
            'body: {id: "{{ path.widget_id }}", verbose: false}',
            'body: {id: "{{ path.widget_id }}"}',
        ),
        (
            "      - body_file: bodies/manual.txt",
            "      - status: 410\n        body_file: bodies/manual.txt",
        ),
    ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    widgets.write_text(text)
    return target


def test_drift_cli_same_fixtures_report_no_drift(capsys: pytest.CaptureFixture[str]) -> None:
    """Against a mock serving the very fixtures checked: every endpoint OK, exit 0."""
    with MockServer(MINIMAL) as live:
        code = main(["drift", "--target", live.url, "--fixtures", str(MINIMAL)])
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    lines = out.strip().splitlines()
    assert lines[-1] == "3 endpoints checked · 0 drifted · 2 skipped"
    assert "DRIFT" not in out
    assert sum(1 for line in lines if line.startswith("OK ")) == 3


def test_drift_cli_modified_api_reports_exactly_its_differences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against a changed copy: each change is reported on its endpoint, and the exit code is 1."""
    with MockServer(_modified_copy(tmp_path)) as live:
        code = main(["drift", "--target", live.url, "--fixtures", str(MINIMAL), "--json"])
    assert code == ExitCode.DRIFT_FOUND == 1
    report = json.loads(capsys.readouterr().out)
    found = {
        e["id"]: [d["message"] for d in e["differences"]]
        for e in report["endpoints"]
        if e["outcome"] == "drift"
    }
    assert found == {
        "widgets.ping": ["pong: expected boolean, live string", "extra: new in live"],
        "widgets.get": ["verbose: missing in live"],
        "widgets.file": ["status 200 -> 410"],
    }
    assert report["summary"] == {"checked": 3, "drifted": 3, "skipped": 2}


def test_drift_cli_text_report_lists_each_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The text report puts DRIFT on the endpoint line and one line per difference under it."""
    with MockServer(_modified_copy(tmp_path)) as live:
        code = main(["drift", "--target", live.url, "--fixtures", str(MINIMAL)])
    assert code == ExitCode.DRIFT_FOUND
    lines = capsys.readouterr().out.strip().splitlines()
    ping = next(i for i, line in enumerate(lines) if line.startswith("DRIFT  GET /ping"))
    assert [line.strip() for line in lines[ping + 1 : ping + 3]] == [
        "pong: expected boolean, live string",
        "extra: new in live",
    ]
    assert any(line.startswith("SKIP   GET /headers") for line in lines)
    assert lines[-1] == "3 endpoints checked · 3 drifted · 2 skipped"


def test_drift_cli_unreachable_target_has_its_own_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Nothing listening: the named exit code and a one-line error, no report, no traceback."""
    url = f"http://127.0.0.1:{_free_port()}"
    code = main(["drift", "--target", url, "--fixtures", str(MINIMAL), "--timeout", "5"])
    captured = capsys.readouterr()
    assert code == ExitCode.TARGET_UNREACHABLE
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("coherta-mock drift: ")
    assert url in captured.err
    assert "Traceback" not in captured.err


def test_drift_cli_refused_token_is_reported_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    """Wrong credentials: the token exit code and one line with the answer, not the password."""
    with MockServer(MINIMAL) as live:
        code = main(
            ["drift", "--target", live.url, "--fixtures", str(MINIMAL), "--password", "nope-x"]
        )
    captured = capsys.readouterr()
    assert code == ExitCode.TOKEN_REFUSED
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert "answered 401 (invalid_grant" in captured.err
    assert "--password" in captured.err
    assert "nope-x" not in captured.err


def test_drift_cli_rejects_a_target_that_is_not_http(capsys: pytest.CaptureFixture[str]) -> None:
    """A target that is not an http(s) URL is a bad setting, said in one line."""
    code = main(["drift", "--target", "file:///etc", "--fixtures", str(MINIMAL)])
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG_INVALID
    assert len(err.strip().splitlines()) == 1
    assert "--target" in err
