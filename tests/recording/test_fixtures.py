"""Exchanges as fixture data: variants and their conditions, bodies, headers, request fields."""

from __future__ import annotations

import json
from typing import Any

from mockserver.catalog.templating import compile_body
from mockserver.recording.exchange import Exchange, decode_content
from mockserver.recording.fixtures import (
    EndpointRecording,
    literal_text,
    recorded_body,
    recorded_headers,
)

JSON = (("Content-Type", "application/json"),)


def _exchange(path: str, status: int, body: Any = None, **kwargs: Any) -> Exchange:
    raw = json.dumps(body).encode() if body is not None else b""
    return Exchange(
        method=kwargs.pop("method", "GET"),
        path=path,
        status=status,
        response_headers=kwargs.pop("headers", JSON),
        response_body=raw,
        **kwargs,
    )


def _recording(*exchanges: Exchange, path: str = "/things/{thing_id}") -> EndpointRecording:
    recording = EndpointRecording(id="things.x", group="things", method="GET", path=path)
    for exchange in exchanges:
        recording.observe(exchange)
    return recording


def test_literal_text_renders_back_to_itself() -> None:
    """Text with template markup is written as a template whose output is exactly that text."""
    for text in ['a {{ b }} "q" \\ \n\t é', "50 {% off", "{{ user }}"]:
        written = literal_text(text)
        assert written != text
        body = compile_body({"k": written}, frozenset(), lambda site, exc: None)
        assert body.render is not None
        assert json.loads(body.render({}))["k"] == text
    assert literal_text("plain {text}") == "plain {text}"


def test_recorded_headers_keep_only_replayable_ones() -> None:
    """Location and Retry-After are kept; cookies, credentials and server noise are not."""
    headers = recorded_headers(
        (
            ("Location", "/things/t1"),
            ("Retry-After", "5"),
            ("Set-Cookie", "session=abc"),
            ("Authorization", "Bearer x"),
            ("X-Api-Key", "k"),
            ("Date", "Mon"),
            ("X-RateLimit-Remaining", "9"),
        )
    )
    assert headers == {"Location": "/things/t1", "Retry-After": "5", "X-RateLimit-Remaining": "9"}


def test_recorded_body_redacts_secret_fields() -> None:
    """A token answer's secrets are masked at any depth; other fields stay."""
    body, content_type, _ = recorded_body(
        _exchange("/token", 200, {"access_token": "t0k", "nested": {"secret": "s"}, "n": 1})
    )
    assert body == {"access_token": "[redacted]", "nested": {"secret": "[redacted]"}, "n": 1}
    assert content_type is None


def test_recorded_body_keeps_no_body_for_204_and_binary() -> None:
    """204 has no body; a binary body is left out with a note, its content type kept."""
    assert recorded_body(_exchange("/x", 204, {"a": 1}))[1:] == (None, "")
    binary = Exchange(
        method="GET",
        path="/x",
        status=200,
        response_headers=(("Content-Type", "image/png"),),
        response_body=b"\x89PNG\x00\xff",
    )
    body, content_type, note = recorded_body(binary)
    assert content_type == "image/png"
    assert "6 bytes" in note
    assert not isinstance(body, str | dict | list)


def test_endpoint_recording_conditions_by_path_then_query() -> None:
    """Another id that answered differently gets when.path; the same id with a query, when.query."""
    recording = _recording(
        _exchange("/things/t1", 200, {"id": "t1"}),
        _exchange("/things/t9", 404, {"error": "not_found"}),
        _exchange("/things/t1", 410, {"error": "gone"}, query=(("archived", "true"),)),
    )
    doc, skipped = recording.document("http://127.0.0.1:1")
    assert [r["status"] for r in doc["responses"]] == [404, 410, 200]
    assert doc["responses"][0]["when"] == {"path": {"thing_id": "t9"}}
    assert doc["responses"][1]["when"] == {"query": {"archived": "true"}}
    assert "when" not in doc["responses"][2]
    assert skipped == []


def test_endpoint_recording_default_is_the_first_success() -> None:
    """A 404 recorded before the 200 still leaves the 200 as the default, last."""
    recording = _recording(
        _exchange("/things/t9", 404, {"error": "not_found"}),
        _exchange("/things/t1", 200, {"id": "t1"}),
    )
    doc, _ = recording.document("http://127.0.0.1:1")
    assert [(r["status"], "when" in r) for r in doc["responses"]] == [(404, True), (200, False)]
    assert doc["request"]["path"]["thing_id"]["example"] == "t1"


def test_endpoint_recording_body_condition_never_uses_secrets() -> None:
    """Two answers told apart only by a password are not distinguished: the second is skipped."""
    recording = _recording(
        _exchange(
            "/login",
            200,
            {"ok": True},
            method="POST",
            request_json={"user": "a", "password": "right"},
        ),
        _exchange(
            "/login",
            401,
            {"error": "no"},
            method="POST",
            request_json={"user": "a", "password": "wrong"},
        ),
        path="/login",
    )
    doc, skipped = recording.document("http://127.0.0.1:1")
    assert [r["status"] for r in doc["responses"]] == [200]
    assert [s.status for s in skipped] == [401]
    assert "right" not in json.dumps(doc)
    assert "wrong" not in json.dumps(doc)


def test_endpoint_recording_widens_or_drops_conflicting_field_types() -> None:
    """integer then number becomes number; string then integer drops the field."""
    recording = _recording(
        _exchange("/things/t1", 200, {}, request_json={"n": 1, "s": "a"}),
        _exchange("/things/t1", 200, {}, request_json={"n": 1.5, "s": 2}),
    )
    assert recording.body == {"n": ("number", 1)}
    assert recording.conflicts == {"s"}


def test_decode_content_undoes_gzip_and_refuses_unknown() -> None:
    """gzip bodies are recorded decoded; an encoding the stdlib cannot undo is not recorded."""
    import gzip

    assert decode_content("gzip", gzip.compress(b'{"a": 1}')) == b'{"a": 1}'
    assert decode_content(None, b"x") == b"x"
    assert decode_content("br", b"x") is None
