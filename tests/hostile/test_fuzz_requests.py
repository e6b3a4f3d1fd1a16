"""Property-based fuzzing of requests against a real ``coherta-mock serve`` process.

Hypothesis builds request paths (any characters, percent-escapes, ``..``, unicode, long ones) and
header names and values, and sends them as raw bytes over a loopback socket, so nothing is
normalised by a client library on the way. The properties: the mock never answers 5xx, every 4xx
has a JSON error body, and the next ordinary request (a token, then ``GET /users/me``) succeeds.
A last test reads the server's log for tracebacks. Runs are derandomized and bounded in number.
"""

from __future__ import annotations

import json
import os
import socket
import string
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mockserver.config import shipped_fixtures
from tests.hostile.conftest import ServedMock, serve_mock

# Printing a failing example reprs the module-scoped server fixture; Hypothesis warns when that
# grows large, which under filterwarnings=error would hide the real failure behind the warning.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)

#: Headers that frame the message; request smuggling has its own tests, this fuzzer keeps framing
#: valid so that every example reaches the application.
FRAMING = {"content-length", "transfer-encoding", "connection", "host", "upgrade", "expect"}
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
FUZZ = settings(
    max_examples=120 * SCALE,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Answer:
    """One raw HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedMock]:
    """``python -m mockserver serve --port 0`` on the shipped catalog, its log collected."""
    log = tmp_path_factory.mktemp("fuzz-serve") / "serve.log"
    with serve_mock(log, fixtures=shipped_fixtures()) as mock:
        yield mock


def exchange(port: int, request: bytes, timeout: float = 10.0) -> Answer | None:
    """Send ``request`` on a new connection and read the whole answer; None if there was none."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            data += chunk
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status=status, headers=headers, body=body)


def request_bytes(
    method: str, target: str, headers: list[tuple[bytes, bytes]] = (), body: bytes = b""
) -> bytes:
    """An HTTP/1.1 request on its own connection, with the given extra header lines."""
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), b"Host: 127.0.0.1"]
    lines += [name + b": " + value for name, value in headers]
    lines += [b"Connection: close", f"Content-Length: {len(body)}".encode()]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


TOKEN_REQUEST = request_bytes(
    "POST",
    "/token",
    [(b"Content-Type", b"application/json")],
    b'{"username":"demo","password":"secret"}',
)


def is_parser_refusal(answer: Answer) -> bool:
    """aiohttp's HTTP parser refused the request before any of the mock's code ran: a plain-text
    400 (docs/security.md, "Requests the HTTP parser refuses"); the mock's own errors are JSON."""
    return answer.status == 400 and answer.headers.get("content-type", "").startswith("text/plain")


def assert_well_answered(answer: Answer | None, method: str) -> None:
    """No 5xx, and a 4xx from the mock carries a JSON error object (HEAD answers have no body to
    check; the parser's own refusals are plain text)."""
    assert answer is not None, "the connection closed without an answer"
    assert answer.status < 500, (answer.status, answer.body[:300])
    if 400 <= answer.status < 500 and method != "HEAD" and not is_parser_refusal(answer):
        assert answer.headers.get("content-type", "").startswith("application/json"), answer
        payload = json.loads(answer.body)
        assert isinstance(payload, dict), payload
        assert isinstance(payload.get("error"), str), payload


def assert_still_serving(port: int) -> None:
    """The next ordinary request works: a token, then GET /users/me with it."""
    issued = exchange(port, TOKEN_REQUEST)
    assert issued is not None
    assert issued.status == 200, issued
    token = json.loads(issued.body)["access_token"].encode()
    me = exchange(port, request_bytes("GET", "/users/me", [(b"Authorization", b"Bearer " + token)]))
    assert me is not None
    assert me.status == 200, me


# -- paths --------------------------------------------------------------------------------------

PCHAR_SAFE = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@"
SEGMENTS = st.one_of(
    st.sampled_from(
        [
            "..",
            ".",
            "",
            "%2e%2e",
            "%2E%2e",
            ".%2e",
            "%2f",
            "%5c",
            "..%2f..%2f",
            "%00",
            "%ff",
            "%c0%af",
            "%25",
            "%",
            "%zz",
            "%7Bproject_id%7D",
            "users",
            "me",
            "projects",
            "prj_8fK2LmQ9wXe4",
            "tasks",
            "docs",
            "static",
            "reference",
            "__mock",
            "token",
            "renew",
            "openapi.json",
            ".well-known",
        ]
    ),
    st.text(max_size=30).map(lambda text: quote(text, safe="")),
    st.text(alphabet=PCHAR_SAFE, max_size=30),
)
QUERIES = st.lists(
    st.tuples(st.text(max_size=12), st.text(max_size=30)).map(
        lambda kv: f"{quote(kv[0], safe='')}={quote(kv[1], safe='')}"
    ),
    max_size=4,
).map(lambda pairs: "?" + "&".join(pairs) if pairs else "")


@st.composite
def targets(draw: st.DrawFn) -> str:
    """A request target: slash-joined segments, a query string, now and then a very long one."""
    segments = draw(st.lists(SEGMENTS, min_size=1, max_size=8))
    path = "/" + "/".join(segments)
    if draw(st.integers(min_value=0, max_value=19)) == 0:
        path += "/" + "a" * draw(st.integers(min_value=500, max_value=4000))
    return path + draw(QUERIES)


METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PURGE"])


@pytest.fixture(scope="module")
def token(served: ServedMock) -> bytes:
    """A demo token from the served mock."""
    issued = exchange(served.port, TOKEN_REQUEST)
    assert issued is not None
    return bytes(json.loads(issued.body)["access_token"], "ascii")


@FUZZ
@given(method=METHODS, target=targets(), authorized=st.booleans())
@example(method="GET", target="/docs/static/..%2f..%2fpyproject.toml", authorized=False)
@example(method="GET", target="/%2e%2e/%2e%2e/etc/passwd", authorized=True)
@example(method="GET", target="/projects/%ff%fe", authorized=True)
@example(method="DELETE", target="/projects/%00", authorized=True)
def test_fuzz_requests_any_path_gets_no_5xx_and_json_refusals(
    served: ServedMock, token: bytes, method: str, target: str, authorized: bool
) -> None:
    """Any request target: never 5xx, 4xx always JSON, and the mock serves the next request."""
    headers = [(b"Authorization", b"Bearer " + token)] if authorized else []
    body = b"{}" if method in ("POST", "PUT", "PATCH") else b""
    if body:
        headers.append((b"Content-Type", b"application/json"))
    answer = exchange(served.port, request_bytes(method, target, headers, body))
    assert_well_answered(answer, method)
    assert_still_serving(served.port)


# -- headers ------------------------------------------------------------------------------------

TCHAR = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
HEADER_NAMES = st.one_of(
    st.sampled_from(
        [
            "Authorization",
            "authorization",
            "Content-Type",
            "Accept",
            "Accept-Encoding",
            "Cookie",
            "X-Forwarded-For",
            "X-Tenant",
            "If-None-Match",
            "Range",
            "Origin",
            "X-Coherta-Mock-Control-Key",
        ]
    ),
    st.text(alphabet=TCHAR, min_size=1, max_size=40),
).filter(lambda name: name.lower() not in FRAMING)
#: Field values: visible ASCII, spaces and tabs inside, and obs-text bytes (0x80-0xFF), which
#: HTTP/1.1 still allows and aiohttp hands to the application.
VALUE_BYTES = st.binary(max_size=200).map(
    lambda raw: bytes(b for b in raw if b >= 0x20 and b != 0x7F).strip(b" \t")
)
AUTH_VALUES = st.one_of(
    VALUE_BYTES.map(lambda v: b"Bearer " + v),
    VALUE_BYTES.map(lambda v: b"bearer " + v),
    VALUE_BYTES.map(lambda v: b"Basic " + v),
    st.sampled_from([b"Bearer", b"Bearer ", b"Bearer a.b.c", b"Bearer ..", b"Bearer \xc3\xa9"]),
)
ROUTES = st.sampled_from(
    [
        ("GET", "/users/me"),
        ("GET", "/projects"),
        ("POST", "/projects"),
        ("POST", "/token"),
        ("POST", "/token/renew"),
        ("GET", "/docs/"),
        ("GET", "/openapi.json"),
        ("GET", "/__mock/journal"),
        ("GET", "/no/such/route"),
    ]
)


@st.composite
def header_sets(draw: st.DrawFn) -> list[tuple[bytes, bytes]]:
    """One to five header lines with fuzzed names and values."""
    lines: list[tuple[bytes, bytes]] = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        name = draw(HEADER_NAMES)
        value = draw(AUTH_VALUES if name.lower() == "authorization" else VALUE_BYTES)
        lines.append((name.encode("ascii"), value))
    return lines


#: The length of one extra very long header value (0: none), built in the test so that a
#: failing example's printout stays short.
LONG_VALUES = st.one_of(st.just(0), st.integers(min_value=8000, max_value=60000))


@FUZZ
@given(route=ROUTES, headers=header_sets(), keep_token=st.booleans(), long_value=LONG_VALUES)
@example(
    route=("GET", "/users/me"),
    headers=[(b"Authorization", b"Bearer \xff")],
    keep_token=False,
    long_value=0,
)
@example(
    route=("POST", "/token/renew"),
    headers=[(b"Authorization", b"Bearer \xff")],
    keep_token=False,
    long_value=0,
)
def test_fuzz_requests_any_headers_get_no_5xx_and_json_refusals(
    served: ServedMock,
    token: bytes,
    route: tuple[str, str],
    headers: list[tuple[bytes, bytes]],
    keep_token: bool,
    long_value: int,
) -> None:
    """Fuzzed header names and values (obs-text bytes included): never 5xx, 4xx always JSON."""
    method, path = route
    lines = list(headers)
    if long_value:
        lines.append((b"X-Long", b"v" * long_value))
    if keep_token and not any(name.lower() == b"authorization" for name, _ in lines):
        lines.append((b"Authorization", b"Bearer " + token))
    body = b""
    if method == "POST":
        body = b'{"username":"demo","password":"secret","name":"Fuzzed project"}'
        if not any(name.lower() == b"content-type" for name, _ in lines):
            lines.append((b"Content-Type", b"application/json"))
    answer = exchange(served.port, request_bytes(method, path, lines, body))
    assert_well_answered(answer, method)
    assert_still_serving(served.port)


def test_fuzz_requests_non_ascii_bearer_token_is_invalid_token_not_500(served: ServedMock) -> None:
    """Minimal reproducer the header fuzzer found: a byte over 0x7F in a bearer token is a 401.

    aiohttp decodes header bytes with surrogateescape, so ``\\xff`` reaches the issuer as
    ``'\\udcff'``; PyJWT's ``token.encode("utf-8")`` then raises UnicodeEncodeError, which
    ``json_errors`` turns into a 500.
    """
    for method, path in (("GET", "/users/me"), ("POST", "/token/renew")):
        request = request_bytes(method, path, [(b"Authorization", b"Bearer \xff")])
        answer = exchange(served.port, request)
        assert answer is not None
        assert answer.status == 401, (method, path, answer)
        assert json.loads(answer.body)["error"] == "invalid_token"
    assert_still_serving(served.port)


# -- requests the HTTP parser refuses -----------------------------------------------------------

MALFORMED = st.one_of(
    # raw (unescaped) bytes outside the request-target grammar
    st.binary(min_size=1, max_size=40)
    .filter(lambda raw: any(b > 0x7E or b < 0x21 for b in raw) and b"\r" not in raw)
    .filter(lambda raw: b"\n" not in raw)
    .map(lambda raw: b"GET /" + raw + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    # header names that are not tokens
    st.text(alphabet=' "(),/:;<=>?@[\\]{}\x01\x7f', min_size=1, max_size=8).map(
        lambda bad: (
            b"GET /users/me HTTP/1.1\r\nHost: x\r\nX"
            + bad.encode("latin-1")
            + b"Y: v\r\nConnection: close\r\n\r\n"
        )
    ),
    # control characters inside a header value
    st.sampled_from([b"\x00", b"\x01", b"\x1b", b"\x7f"]).map(
        lambda ctl: (
            b"GET /users/me HTTP/1.1\r\nHost: x\r\nX-A: a" + ctl + b"b\r\nConnection: close\r\n\r\n"
        )
    ),
    # a request line over the parser's line limit (16 KiB)
    st.integers(min_value=17000, max_value=40000).map(
        lambda n: b"GET /" + b"a" * n + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    ),
)
PARSER_FUZZ = settings(FUZZ, max_examples=40 * SCALE)


@PARSER_FUZZ
@given(request=MALFORMED)
def test_fuzz_requests_malformed_http_is_a_4xx_and_the_mock_keeps_serving(
    served: ServedMock, request: bytes
) -> None:
    """Bytes aiohttp's parser refuses get a 4xx, never a 5xx, and the next request succeeds."""
    answer = exchange(served.port, request)
    assert answer is not None
    assert 400 <= answer.status < 500, answer
    assert_still_serving(served.port)


PARSER_REFUSED = [
    b"GET /\xc3\xa9\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /users/me HTTP/1.1\r\nHost: x\r\nBad Header: v\r\nConnection: close\r\n\r\n",
    b"GET /users/me HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\nConnection: close\r\n\r\n",
    b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
]


@pytest.mark.parametrize(
    "request_", PARSER_REFUSED, ids=["raw-utf8-path", "bad-name", "ctl", "long"]
)
def test_fuzz_requests_parser_refusal_is_a_plain_400_that_closes_the_connection(
    served: ServedMock, request_: bytes
) -> None:
    """Bytes aiohttp's parser refuses never reach the mock's handlers: a plain-text 400 without
    a traceback, and the mock keeps serving."""
    answer = exchange(served.port, request_)
    assert answer is not None
    assert is_parser_refusal(answer), answer
    assert b"Traceback" not in answer.body
    assert_still_serving(served.port)


def test_fuzz_requests_long_unknown_path_gets_no_suggestions(served: ServedMock) -> None:
    """A 4 KiB unknown path is a JSON 404 without "did you mean": similarity is quadratic in
    the path's length (difflib), so paths past MAX_SUGGESTED_PATH are not compared at all."""
    answer = exchange(served.port, request_bytes("GET", "/" + "a" * 4096))
    assert answer is not None
    assert answer.status == 404
    assert json.loads(answer.body)["did_you_mean"] == []
    near = exchange(served.port, request_bytes("GET", "/user/me"))
    assert near is not None
    assert "GET /users/me" in json.loads(near.body)["did_you_mean"]


def test_fuzz_requests_server_log_has_no_traceback(served: ServedMock) -> None:
    """After every fuzzed request above, the server's log holds no traceback."""
    assert_still_serving(served.port)
    time.sleep(0.2)  # the log handler flushes per record; let the last one land
    log = served.log()
    assert "Traceback" not in log, log[log.find("Traceback") - 300 :][:3000]
