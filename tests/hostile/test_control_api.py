"""Hostile calls to the control API: each is a JSON 400 that changes nothing, and a reset under
heavy concurrent traffic never produces a 5xx.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from mockserver.control.operations import CLOCK_MAX
from tests.conftest import get_token
from tests.hostile.conftest import JSON, PROTECTED, assert_still_serves

AS_JSON = {"Content-Type": "application/json"}
KNOWN = "body, claims, headers, now, path, query, request, timestamp, user"
STUB_KEYS = (
    "body, content_type, delay, description, endpoint, fault, headers, loop, method, path, "
    "scenario, sequence, status, times, when"
)


def _invalid(description: str, details: list[str] | None = None) -> dict[str, Any]:
    return {"error": "invalid_request", "error_description": description, "details": details or []}


# (id, stub payload, the exact 400 body)
BAD_STUBS: list[tuple[str, Any, dict[str, Any]]] = [
    (
        "status-999",
        {"endpoint": "widgets.ping", "status": 999},
        _invalid("invalid stub", ["status: 999 is greater than the maximum of 599"]),
    ),
    (
        "status-99",
        {"endpoint": "widgets.ping", "status": 99},
        _invalid("invalid stub", ["status: 99 is less than the minimum of 100"]),
    ),
    (
        "status-as-text",
        {"endpoint": "widgets.ping", "status": "200"},
        _invalid("invalid stub", ["status: expected integer, found a string '200'"]),
    ),
    (
        "bad-regex",
        {"endpoint": "widgets.ping", "when": {"query": {"q": {"matches": "("}}}},
        _invalid(
            "invalid stub",
            ["invalid regular expression: missing ), unterminated subpattern at position 0"],
        ),
    ),
    (
        "template-syntax-error",
        {"endpoint": "widgets.ping", "body": {"a": "{{ x. }}"}},
        _invalid("invalid stub", ["template syntax error: expected name or number"]),
    ),
    (
        "template-unknown-name",
        {"endpoint": "widgets.ping", "body": {"a": "{{ usr.name }}"}},
        _invalid("invalid stub", [f"template uses unknown name 'usr'; templates can read {KNOWN}"]),
    ),
    (
        "template-sandbox-escape",
        {"endpoint": "widgets.ping", "body": {"a": "{{ ''.__class__ }}"}},
        _invalid("invalid stub", ["templates may not access private attribute '__class__'"]),
    ),
    (
        "header-injection-value",
        {"endpoint": "widgets.ping", "headers": {"X-A": "a\r\nSet-Cookie: session=evil"}},
        _invalid(
            "invalid stub",
            [
                "headers.X-A: expected a header value without control characters (CR, LF), "
                "found a string 'a\\r\\nSet-Cookie: session=evil'"
            ],
        ),
    ),
    (
        "header-injection-name",
        {"endpoint": "widgets.ping", "headers": {"X-A\r\nSet-Cookie": "x"}},
        _invalid(
            "invalid stub",
            [
                "headers: expected a header name made of letters, digits and !#$%&'*+.^_`|~-, "
                "found a string 'X-A\\r\\nSet-Cookie'"
            ],
        ),
    ),
    (
        "body-file-over-http",
        {"endpoint": "widgets.ping", "body_file": "/etc/passwd"},
        _invalid(
            "invalid stub",
            [f"unknown key 'body_file' in the document; expected one of: {STUB_KEYS}"],
        ),
    ),
    (
        "times-zero",
        {"endpoint": "widgets.ping", "times": 0},
        _invalid("invalid stub", ["times: 0 is less than the minimum of 1"]),
    ),
    (
        "unknown-fault",
        {"endpoint": "widgets.ping", "fault": "explode"},
        _invalid(
            "invalid stub",
            [
                "fault: expected one of 'connection_reset', 'empty_reply', 'truncated_body', "
                "'no_reply', found a string 'explode'"
            ],
        ),
    ),
    (
        "unknown-endpoint",
        {"endpoint": "nope.nope"},
        _invalid("no endpoint has the id 'nope.nope'; see GET /__mock/routes"),
    ),
    (
        "unknown-path",
        {"method": "GET", "path": "/nowhere"},
        _invalid("no catalog endpoint serves GET /nowhere; see GET /__mock/routes"),
    ),
    (
        "no-target",
        {"status": 200},
        _invalid("a stub needs 'endpoint' (an id such as users.me), or 'method' and 'path'"),
    ),
    (
        "json-list",
        ["not", "an", "object"],
        _invalid("invalid stub", ["the stub must be a JSON object, not a list"]),
    ),
]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [pytest.param(payload, expected, id=name) for name, payload, expected in BAD_STUBS],
)
async def test_hostile_bad_stub_is_400_and_existing_stubs_stay(
    client: TestClient, payload: Any, expected: dict[str, Any]
) -> None:
    """A bad stub gets 400 invalid_request listing what is wrong; the stub already there keeps
    answering and nothing is added."""
    first = await client.post("/__mock/stubs", json={"endpoint": "widgets.ping", "status": 202})
    assert first.status == 201
    resp = await client.post("/__mock/stubs", json=payload)
    assert resp.status == 400
    assert resp.headers["Content-Type"] == JSON
    assert await resp.json() == expected
    stubs = (await (await client.get("/__mock/stubs")).json())["stubs"]
    assert [(s["endpoint"], s["stub"]["status"]) for s in stubs] == [("widgets.ping", 202)]
    assert (await client.get("/ping")).status == 202
    await client.post("/__mock/reset")
    await assert_still_serves(client)


@pytest.mark.parametrize(
    "path", ["/token", "/__mock/stubs", "/__mock/clock"], ids=["token", "stubs", "clock"]
)
@pytest.mark.parametrize(
    "raw",
    [b'{"username": "demo",', b"[" * 100_000 + b"]" * 100_000],
    ids=["truncated", "nested-100000-deep"],
)
async def test_hostile_unparsable_json_is_400(client: TestClient, path: str, raw: bytes) -> None:
    """JSON that is cut short or nested 100,000 deep is 400 "not valid JSON", never a 500."""
    resp = await client.post(path, data=io.BytesIO(raw), headers=AS_JSON)
    assert resp.status == 400, await resp.text()
    assert resp.headers["Content-Type"] == JSON
    body = await resp.json()
    assert body["error"] == "invalid_request"
    assert body["error_description"] in (
        "The body is not valid JSON.",
        "the body is not valid JSON",
    )
    await assert_still_serves(client)


ONE_OF = 'send exactly one of {"advance": <seconds>} or {"set": "<RFC 3339 time>"}'
ZONED = "set must be an RFC 3339 time with a zone, such as 2030-01-01T00:00:00Z; got "
OUT_OF_RANGE = "the clock must stay between 1970-01-01T00:00:00Z and 9999-01-01T00:00:00Z; "

# (id, raw JSON body, the exact error_description)
BAD_CLOCK: list[tuple[str, bytes, str]] = [
    ("nan-literal", b'{"advance": NaN}', "advance must be a finite number, got nan"),
    ("infinity-literal", b'{"advance": Infinity}', "advance must be a finite number, got inf"),
    ("overflowing-number", b'{"advance": 1e400}', "advance must be a finite number, got inf"),
    ("nan-as-text", b'{"advance": "NaN"}', "advance must be a number of seconds, got 'NaN'"),
    ("text", b'{"advance": "soon"}', "advance must be a number of seconds, got 'soon'"),
    ("boolean", b'{"advance": true}', "advance must be a number of seconds, got True"),
    ("null", b'{"advance": null}', "advance must be a number of seconds, got None"),
    (
        "past-year-9999",
        b'{"advance": 1e300}',
        OUT_OF_RANGE + "this would move it to 1000000000000000052504760255204420248704468",
    ),
    (
        "before-1970",
        b'{"set": "0001-01-01T00:00:00+14:00"}',
        OUT_OF_RANGE + "this would move it to -62135647200 seconds since the epoch",
    ),
    ("words", b'{"set": "yesterday"}', ZONED + "'yesterday'"),
    ("no-zone", b'{"set": "2030-01-01T00:00:00"}', ZONED + "'2030-01-01T00:00:00'"),
    ("number-for-set", b'{"set": 1893456000}', ZONED + "1893456000"),
    ("both", b'{"advance": 1, "set": "2030-01-01T00:00:00Z"}', ONE_OF),
    ("unknown-key", b'{"advance": 1, "rewind": 1}', ONE_OF),
    ("empty-object", b"{}", ONE_OF),
    ("empty-body", b"", ONE_OF),
    ("list", b"[]", ONE_OF),
]


@pytest.mark.parametrize(
    ("raw", "description"),
    [pytest.param(raw, description, id=name) for name, raw, description in BAD_CLOCK],
)
async def test_hostile_bad_clock_request_is_400_and_clock_unmoved(
    client: TestClient, raw: bytes, description: str
) -> None:
    """NaN, infinities, text, booleans, unzoned or out-of-range times: 400 and the clock and
    tokens are as before."""
    token = await get_token(client)
    resp = await client.post("/__mock/clock", data=raw, headers=AS_JSON)
    assert resp.status == 400
    assert resp.headers["Content-Type"] == JSON
    body = await resp.json()
    assert body["error"] == "invalid_request"
    assert body["details"] == []
    assert body["error_description"].startswith(description)
    reading = await (await client.get("/__mock/clock")).json()
    assert abs(reading["offset_seconds"]) < 5
    resp = await client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200
    await assert_still_serves(client)


async def test_hostile_clock_at_its_latest_still_serves(client: TestClient) -> None:
    """The clock set to its latest allowed time still issues, checks and journals tokens."""
    resp = await client.post("/__mock/clock", json={"set": "9999-01-01T00:00:00Z"})
    assert resp.status == 200
    assert (await resp.json())["now"] == "9999-01-01T00:00:00Z"
    assert CLOCK_MAX == 253_370_764_800
    await assert_still_serves(client)
    journal = await (await client.get("/__mock/requests")).json()
    assert journal["requests"][-1]["time"].startswith("9999-01-01T00:00:0")


async def test_hostile_reset_under_concurrent_traffic_gives_no_5xx(client: TestClient) -> None:
    """2,000 requests from 8 concurrent clients (tokens, protected reads, creates, renewals)
    while the mock is reset 50 times: every answer is a 2xx, none a 5xx, within 60 seconds."""
    token = await get_token(client)
    auth = {"Authorization": f"Bearer {token}"}
    statuses: list[int] = []

    async def one(i: int) -> None:
        kind = i % 4
        if kind == 0:
            resp = await client.post("/token", json={"username": "demo", "password": "secret"})
        elif kind == 1:
            resp = await client.get(PROTECTED, headers=auth)
        elif kind == 2:
            resp = await client.post("/widgets", json={"name": f"w{i}"}, headers=auth)
        else:
            resp = await client.post("/token/renew", headers=auth)
        statuses.append(resp.status)
        resp.release()

    async def worker(first: int) -> None:
        for i in range(first, 2000, 8):
            await one(i)

    async def resetter() -> None:
        for _ in range(50):
            resp = await client.post("/__mock/reset")
            assert resp.status == 200
            await asyncio.sleep(0.005)

    await asyncio.wait_for(asyncio.gather(*(worker(n) for n in range(8)), resetter()), timeout=60)
    assert len(statuses) == 2000
    assert sorted(set(statuses)) == [200, 201]
    await assert_still_serves(client)
