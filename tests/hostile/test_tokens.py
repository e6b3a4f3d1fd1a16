"""Forged, broken and oversized bearer tokens: each gets an exact 401 (or 400), nothing more.

Every case checks the status, the RFC 6750 challenge, the JSON envelope, and that the mock then
still answers a normal request with a valid token.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from mockserver import Config, create_app
from mockserver.clock import format_rfc3339
from tests.conftest import MINIMAL, get_token
from tests.hostile.conftest import (
    JSON,
    PROTECTED,
    SECRET,
    ServedMock,
    assert_invalid_token,
    assert_served_still_serves,
    assert_still_serves,
    b64json,
    claims,
    raw_exchange,
    serve_mock,
    sign_hmac,
)

HS256 = {"alg": "HS256", "typ": "JWT"}
BAD_SIGNATURE = "The token's signature does not verify."
MALFORMED = "The token is not a well-formed JWT."
NOT_YET = "The token is not valid yet (nbf or iat is in the future)."
WRONG_ISSUER = "The token was not issued by https://api.coherta.com."
WRONG_AUDIENCE = "The token is not meant for https://api.coherta.com."


def _tampered(now: int) -> str:
    """A viewer token whose payload was changed to demo's after signing."""
    header, _, signature = sign_hmac(HS256, claims(now, sub="viewer")).split(".")
    return f"{header}.{b64json(claims(now, sub='demo'))}.{signature}"


# (id, token maker given the mock's "now", the error_description the mock must answer)
FORGED: list[tuple[str, Callable[[int], str], str]] = [
    (
        "alg-none",
        lambda now: f"{b64json({'alg': 'none', 'typ': 'JWT'})}.{b64json(claims(now))}.",
        "The token is signed with 'none'; this issuer signs with 'HS256'.",
    ),
    (
        "alg-none-upper-case",
        lambda now: f"{b64json({'alg': 'NONE'})}.{b64json(claims(now))}.",
        "The token is signed with 'NONE'; this issuer signs with 'HS256'.",
    ),
    (
        "alg-missing",
        lambda now: sign_hmac({"typ": "JWT"}, claims(now)),
        "The token is signed with None; this issuer signs with 'HS256'.",
    ),
    (
        "hs512-with-the-right-secret",
        lambda now: sign_hmac({"alg": "HS512"}, claims(now), digest="sha512"),
        "The token is signed with 'HS512'; this issuer signs with 'HS256'.",
    ),
    (
        "hs384-with-the-right-secret",
        lambda now: sign_hmac({"alg": "HS384"}, claims(now), digest="sha384"),
        "The token is signed with 'HS384'; this issuer signs with 'HS256'.",
    ),
    ("payload-changed-after-signing", _tampered, BAD_SIGNATURE),
    (
        "signature-stripped",
        lambda now: sign_hmac(HS256, claims(now)).rsplit(".", 1)[0] + ".",
        BAD_SIGNATURE,
    ),
    ("wrong-secret", lambda now: sign_hmac(HS256, claims(now), b"x" * 48), BAD_SIGNATURE),
    (
        "kid-path-traversal-empty-key",
        lambda now: sign_hmac({**HS256, "kid": "../../../../../../dev/null"}, claims(now), b""),
        BAD_SIGNATURE,
    ),
    (
        "kid-sql-injection",
        lambda now: sign_hmac(
            {**HS256, "kid": "x' UNION SELECT 'attacker-key' --"}, claims(now), b"attacker-key"
        ),
        BAD_SIGNATURE,
    ),
    (
        "no-exp",
        lambda now: sign_hmac(HS256, claims(now, exp=None)),
        "The token has no 'exp' claim.",
    ),
    (
        "no-iat",
        lambda now: sign_hmac(HS256, claims(now, iat=None)),
        "The token has no 'iat' claim.",
    ),
    (
        "no-sub",
        lambda now: sign_hmac(HS256, claims(now, sub=None)),
        "The token has no 'sub' claim.",
    ),
    (
        "exp-infinite",
        lambda now: sign_hmac(HS256, claims(now, exp=float("inf"))),
        "The token's 'exp' claim is not a finite number.",
    ),
    (
        "exp-not-a-number",
        lambda now: sign_hmac(HS256, claims(now, exp="never")),
        "The token's 'exp' claim is not a number.",
    ),
    (
        "nbf-nan",
        lambda now: sign_hmac(HS256, claims(now, nbf=float("nan"))),
        "The token's 'nbf' claim is not a finite number.",
    ),
    (
        "nbf-not-a-number",
        lambda now: sign_hmac(HS256, claims(now, nbf="soon")),
        "The token's 'nbf' claim is not a number.",
    ),
    ("nbf-in-the-future", lambda now: sign_hmac(HS256, claims(now, nbf=now + 600)), NOT_YET),
    ("iat-in-the-future", lambda now: sign_hmac(HS256, claims(now, iat=now + 600)), NOT_YET),
    (
        "wrong-issuer",
        lambda now: sign_hmac(HS256, claims(now, iss="https://evil.example")),
        WRONG_ISSUER,
    ),
    (
        "issuer-prefix",
        lambda now: sign_hmac(HS256, claims(now, iss="https://api.coherta")),
        WRONG_ISSUER,
    ),
    (
        "issuer-with-suffix",
        lambda now: sign_hmac(HS256, claims(now, iss="https://api.coherta.com.evil")),
        WRONG_ISSUER,
    ),
    (
        "issuer-as-list",
        lambda now: sign_hmac(HS256, claims(now, iss=["https://api.coherta.com"])),
        WRONG_ISSUER,
    ),
    (
        "wrong-audience",
        lambda now: sign_hmac(HS256, claims(now, aud="https://other.example")),
        WRONG_AUDIENCE,
    ),
    (
        "audience-prefix",
        lambda now: sign_hmac(HS256, claims(now, aud="https://api.coherta")),
        WRONG_AUDIENCE,
    ),
    (
        "audience-list-without-ours",
        lambda now: sign_hmac(HS256, claims(now, aud=["https://other.example"])),
        WRONG_AUDIENCE,
    ),
    (
        "unknown-user",
        lambda now: sign_hmac(HS256, claims(now, sub="mallory")),
        "The token's user 'mallory' is not known.",
    ),
    (
        "unknown-crit-header",
        lambda now: sign_hmac({**HS256, "crit": ["x-unknown"], "x-unknown": 1}, claims(now)),
        "The token's header is not acceptable: Unsupported critical extension: x-unknown.",
    ),
    (
        "payload-not-an-object",
        lambda now: sign_hmac(HS256, [1, 2]),
        "The token is not valid: Invalid payload string: must be a json object.",
    ),
    ("garbage", lambda now: "not-a-jwt", MALFORMED),
    ("garbage-three-parts", lambda now: "!!!.@@@.###", MALFORMED),
    ("garbage-base64-payload", lambda now: "eyJhbGciOiJIUzI1NiJ9.!!!!.????", MALFORMED),
    ("header-not-json", lambda now: "e25vdCBqc29u.e30.c2ln", MALFORMED),
    ("header-a-json-list", lambda now: f"{b64json([1])}.e30.c2ln", MALFORMED),
    ("two-segments", lambda now: "eyJhbGciOiJIUzI1NiJ9.e30", MALFORMED),
]


@pytest.mark.parametrize(
    ("make", "description"),
    [pytest.param(make, description, id=name) for name, make, description in FORGED],
)
async def test_hostile_token_is_refused(
    client: TestClient, make: Callable[[int], str], description: str
) -> None:
    """A forged or broken token gets 401 invalid_token naming why; the mock serves on."""
    token = make(int(time.time()))
    resp = await client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    await assert_invalid_token(resp, description)
    await assert_still_serves(client)


async def test_hostile_token_expired_by_the_mock_clock(client: TestClient) -> None:
    """A genuine token after POST /__mock/clock moves past its exp: 401 naming the expiry."""
    token = await get_token(client)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    moved = await client.post("/__mock/clock", json={"advance": 3601})
    assert moved.status == 200
    resp = await client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    await assert_invalid_token(resp, f"The token expired at {format_rfc3339(exp)}.")
    await assert_still_serves(client)


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
async def test_hostile_scheme_name_is_case_insensitive(client: TestClient, scheme: str) -> None:
    """``bearer <token>`` in any letter case is accepted (RFC 7235: schemes are case-blind)."""
    token = await get_token(client)
    resp = await client.get(PROTECTED, headers={"Authorization": f"{scheme} {token}"})
    assert resp.status == 200
    assert resp.headers["Content-Type"] == JSON
    assert (await resp.json())["id"] == "wid_1"


async def test_hostile_two_authorization_headers_are_400(client: TestClient) -> None:
    """Two Authorization headers (a valid and a forged one) get 400 invalid_request."""
    token = await get_token(client)
    description = "Send exactly one Authorization header."
    resp = await client.get(
        PROTECTED,
        headers=[("Authorization", f"Bearer {token}"), ("Authorization", "Bearer forged")],
    )
    assert resp.status == 400
    assert resp.headers["WWW-Authenticate"] == (
        f'Bearer realm="coherta", error="invalid_request", error_description="{description}"'
    )
    assert resp.headers["Content-Type"] == JSON
    assert await resp.json() == {"error": "invalid_request", "error_description": description}
    await assert_still_serves(client)


# -- an RS256 issuer --------------------------------------------------------------------------


@pytest.fixture
def rs256_dir(tmp_path: Path) -> Path:
    """The minimal fixtures with an RS256 issuer whose private key is a PEM next to auth.yaml."""
    target = tmp_path / "rs256"
    shutil.copytree(MINIMAL, target)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (target / "keys").mkdir()
    (target / "keys" / "signing.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    auth = target / "auth.yaml"
    text = auth.read_text()
    hs256 = ("  algorithm: HS256\n", f"  secret: {SECRET}\n")
    assert all(line in text for line in hs256)
    rs256 = "  algorithm: RS256\n  private_key_file: keys/signing.pem\n  key_id: mock-key\n"
    auth.write_text(text.replace(hs256[0], rs256).replace(hs256[1], ""))
    return target


@pytest.fixture
async def rs256_client(aiohttp_client: Any, rs256_dir: Path) -> TestClient:
    """A real client of the RS256 mock."""
    client: TestClient = await aiohttp_client(create_app(Config(fixtures=rs256_dir)))
    return client


async def test_hostile_hs256_signed_with_the_rs256_public_key(rs256_client: TestClient) -> None:
    """Algorithm confusion: HS256 keyed with the published RSA public key is refused."""
    jwks = await (await rs256_client.get("/.well-known/jwks.json")).json()
    public = RSAAlgorithm.from_jwk(jwks["keys"][0])
    assert isinstance(public, rsa.RSAPublicKey)
    for encoding in (serialization.Encoding.PEM, serialization.Encoding.DER):
        key = public.public_bytes(encoding, serialization.PublicFormat.SubjectPublicKeyInfo)
        token = sign_hmac({**HS256, "kid": "mock-key"}, claims(int(time.time())), key)
        resp = await rs256_client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
        await assert_invalid_token(
            resp, "The token is signed with 'HS256'; this issuer signs with 'RS256'."
        )
    await assert_still_serves(rs256_client)


@pytest.mark.parametrize("header", ["jku", "x5u", "jwk"])
async def test_hostile_key_url_headers_are_never_fetched(
    rs256_client: TestClient, header: str
) -> None:
    """A token signed with the attacker's key that points at it (jku, x5u) or embeds it (jwk)
    is refused, and no connection is made to the URL it names."""
    connections: list[int] = []

    async def attacker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        writer.close()

    listener = await asyncio.start_server(attacker, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        extra: dict[str, Any] = {
            "jku": f"http://127.0.0.1:{port}/jwks.json",
            "x5u": f"http://127.0.0.1:{port}/cert.pem",
            "jwk": {**public_jwk, "kid": "mock-key"},
        }
        token = jwt.encode(
            claims(int(time.time())),
            key,
            "RS256",
            headers={"kid": "mock-key", header: extra[header]},
        )
        resp = await rs256_client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
        await assert_invalid_token(resp, BAD_SIGNATURE)
        await asyncio.sleep(0.1)  # room for a connection the server should never open
    finally:
        listener.close()
        await listener.wait_closed()
    assert connections == []
    await assert_still_serves(rs256_client)


# -- oversized Authorization headers, against a real `serve` ---------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedMock]:
    """One real ``serve`` process for the oversized-header cases."""
    log = tmp_path_factory.mktemp("served") / "serve.log"
    with serve_mock(log, "--access-log") as mock:
        yield mock


async def test_hostile_64kb_token_is_json_401_and_never_echoed(served: ServedMock) -> None:
    """A 64 KB bearer token reaches the guard: JSON 401 invalid_token; the token appears in
    neither the answer, the journal nor the log."""
    token = secrets.token_urlsafe(48 * 1024)[: 64 * 1024]
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {token}"}
        async with session.get(f"{served.url}{PROTECTED}", headers=headers) as resp:
            await assert_invalid_token(resp, MALFORMED)
            assert token[:16] not in str(resp.headers)
        async with session.get(f"{served.url}/__mock/requests") as journal:
            assert token[:16] not in await journal.text()
    await assert_served_still_serves(served.url)
    assert token[:16] not in served.log()


async def test_hostile_header_over_128kib_is_refused_without_logging_it(
    served: ServedMock,
) -> None:
    """A header over the 128 KiB field limit is refused by aiohttp's parser (400) and the
    connection closed; nothing of the token reaches the log, and other clients carry on.

    The parser's plain-text answer quotes the line's first bytes back to the sender (aiohttp
    builds it before any of our code runs; docs/security.md says so): that goes to the client
    that sent the token, never to the log or the journal."""
    token = secrets.token_urlsafe(120 * 1024)[: 140 * 1024]
    request = (
        f"GET {PROTECTED} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    answer = await raw_exchange(served.port, request)
    assert answer.status in (400, 431), answer.raw[:300]
    assert answer.closed
    await assert_served_still_serves(served.url)
    log = served.log()
    assert token[:12] not in log
    assert "Traceback" not in log
