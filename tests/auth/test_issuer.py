"""The token issuer, as a pure object: issue, verify, renew, against the mock's clock."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mockserver import Clock, TokenIssuer, load_catalog
from mockserver.catalog.model import AuthSettings
from mockserver.errors import InvalidGrantError, InvalidScopeError, InvalidTokenError
from tests.conftest import MINIMAL

SETTINGS = load_catalog(MINIMAL).auth
SECRET = SETTINGS.secret or ""


@pytest.fixture
def clock() -> Clock:
    """A fresh mock clock."""
    return Clock()


@pytest.fixture
def issuer(clock: Clock) -> TokenIssuer:
    """An HS256 issuer with the sample users."""
    return TokenIssuer(SETTINGS, clock)


def _forge(payload: dict[str, object], key: str | bytes = SECRET, alg: str = "HS256") -> str:
    base = {"iss": SETTINGS.issuer, "aud": SETTINGS.audience, "sub": "demo", "scope": "users:read"}
    return jwt.encode({**base, **payload}, key, algorithm=alg)


def test_issuer_issues_token_with_lifetime_and_scopes(issuer: TokenIssuer, clock: Clock) -> None:
    """A grant carries the configured lifetime; exp - iat equals expires_in."""
    grant = issuer.authenticate("demo", "secret")
    claims = jwt.decode(grant.access_token, options={"verify_signature": False})
    assert grant.expires_in == SETTINGS.token_lifetime == claims["exp"] - claims["iat"]
    assert claims["iss"] == SETTINGS.issuer
    assert claims["aud"] == SETTINGS.audience
    assert claims["sub"] == "demo"
    assert grant.scope.split() == list(SETTINGS.users[0].scopes)
    assert abs(claims["iat"] - clock.now()) < 2


def test_issuer_narrows_scopes_on_request(issuer: TokenIssuer) -> None:
    """A scope parameter narrows the token to a subset of the user's scopes."""
    grant = issuer.authenticate("demo", "secret", "users:read projects:read")
    assert issuer.verify(grant.access_token).scopes == {"users:read", "projects:read"}


def test_issuer_refuses_scope_the_user_lacks(issuer: TokenIssuer) -> None:
    """Asking for more than the user has is invalid_scope."""
    with pytest.raises(InvalidScopeError, match="projects:write"):
        issuer.authenticate("viewer", "viewer-secret", "projects:write")


@pytest.mark.parametrize(("username", "password"), [("demo", "wrong"), ("nobody", "secret")])
def test_issuer_refuses_wrong_credentials(
    issuer: TokenIssuer, username: str, password: str
) -> None:
    """Wrong password and unknown user get the same invalid_grant."""
    with pytest.raises(InvalidGrantError, match="username or password is not correct"):
        issuer.authenticate(username, password)


def test_issuer_verify_follows_the_mock_clock(issuer: TokenIssuer, clock: Clock) -> None:
    """A cached token still expires when the clock passes exp."""
    token = issuer.authenticate("demo", "secret").access_token
    assert issuer.verify(token).user.username == "demo"
    clock.advance(SETTINGS.token_lifetime - 1)
    assert issuer.verify(token).user.username == "demo"
    clock.advance(1)
    with pytest.raises(InvalidTokenError, match="expired"):
        issuer.verify(token)


def test_issuer_refuses_token_before_its_time(issuer: TokenIssuer, clock: Clock) -> None:
    """A token issued in the mock's future is not valid yet."""
    clock.advance(600)
    token = issuer.mint("demo")
    clock.reset()
    with pytest.raises(InvalidTokenError, match="not valid yet"):
        issuer.verify(token)


def test_issuer_renews_expired_token_within_window(issuer: TokenIssuer, clock: Clock) -> None:
    """An expired token renews into a fresh one with the same scopes."""
    grant = issuer.authenticate("demo", "secret", "users:read")
    clock.advance(SETTINGS.token_lifetime + 60)
    renewed = issuer.renew(grant.access_token)
    assert renewed.scope == "users:read"
    assert issuer.verify(renewed.access_token).user.username == "demo"


def test_issuer_refuses_renewal_after_window(issuer: TokenIssuer, clock: Clock) -> None:
    """A token expired longer ago than the renewal window cannot be renewed."""
    token = issuer.authenticate("demo", "secret").access_token
    clock.advance(SETTINGS.token_lifetime + SETTINGS.renewal_window)
    with pytest.raises(InvalidTokenError, match="request a new one"):
        issuer.renew(token)


def test_issuer_refuses_renewal_of_forged_token(issuer: TokenIssuer) -> None:
    """Renewal checks the signature like verification does."""
    with pytest.raises(InvalidTokenError, match="signature"):
        issuer.renew(_forge({"iat": 1, "exp": 2}, key="another-secret-that-is-long-enough!"))


def test_issuer_refuses_renewal_for_unknown_user(issuer: TokenIssuer, clock: Clock) -> None:
    """A validly signed token of a user not in auth.yaml is refused."""
    now = int(clock.now())
    with pytest.raises(InvalidTokenError, match="'ghost' is not known"):
        issuer.renew(_forge({"sub": "ghost", "iat": now, "exp": now + 60}))


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _sign_raw(header: dict[str, object], payload: dict[str, object], key: bytes) -> str:
    """An HS256 JWT built by hand, for shapes PyJWT refuses to produce."""
    signing_input = f"{_b64(header)}.{_b64(payload)}"
    digest = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def _claims(now: int) -> dict[str, object]:
    return {
        "iss": SETTINGS.issuer,
        "aud": SETTINGS.audience,
        "sub": "demo",
        "iat": now,
        "exp": now + 60,
    }


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda now: "not-a-jwt", "not a well-formed JWT"),
        (
            lambda now: (
                _b64({"alg": "none", "typ": "JWT"})
                + "."
                + _b64({"sub": "demo", "iat": now, "exp": now + 60})
                + "."
            ),
            "signed with 'none'",
        ),
        (
            lambda now: _forge({"iat": now, "exp": now + 60}, key="x" * 40),
            "signature does not verify",
        ),
        (
            lambda now: _forge({"iat": now, "exp": now + 60}, alg="HS512", key=SECRET * 2),
            "signed with 'HS512'",
        ),
        (lambda now: _forge({"iat": now}), "no 'exp' claim"),
        (lambda now: _forge({"iat": now - 100, "exp": now - 10}), "expired"),
        (
            lambda now: _forge({"iat": now, "exp": now + 60, "iss": "https://evil.example"}),
            "not issued by",
        ),
        (
            lambda now: _forge({"iat": now, "exp": now + 60, "iss": SETTINGS.issuer + ".evil"}),
            "not issued by",
        ),
        (lambda now: _forge({"iat": now, "exp": now + 60, "aud": "someone-else"}), "not meant for"),
        (lambda now: _forge({"iat": now, "exp": "soon"}), "not valid|not a number"),
    ],
    ids=[
        "garbage",
        "alg-none",
        "wrong-key",
        "other-algorithm",
        "no-exp",
        "expired",
        "wrong-issuer",
        "prefix-issuer",
        "wrong-audience",
        "exp-not-number",
    ],
)
def test_issuer_refuses_bad_tokens(issuer: TokenIssuer, clock: Clock, make, reason: str) -> None:
    """Every forged or broken token is refused with a reason."""
    with pytest.raises(InvalidTokenError, match=reason):
        issuer.verify(make(int(clock.now())))


def test_issuer_refuses_tampered_payload(issuer: TokenIssuer) -> None:
    """Changing the payload after signing breaks the signature."""
    token = issuer.mint("viewer")
    header, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["sub"] = "demo"
    with pytest.raises(InvalidTokenError, match="signature"):
        issuer.verify(f"{header}.{_b64(claims)}.{signature}")


def test_issuer_refuses_unknown_critical_header(issuer: TokenIssuer, clock: Clock) -> None:
    """A crit header this issuer does not understand is refused."""
    header = {"alg": "HS256", "typ": "JWT", "crit": ["x-unknown"], "x-unknown": 1}
    with pytest.raises(InvalidTokenError, match="critical"):
        issuer.verify(_sign_raw(header, _claims(int(clock.now())), SECRET.encode()))


def test_issuer_mint_sets_claims_and_lifetime(issuer: TokenIssuer) -> None:
    """mint() makes a token for tests with chosen scopes, lifetime and extra claims."""
    token = issuer.mint("viewer", scopes=["users:read"], expires_in=30, tenant="t1", sub="demo")
    verified = issuer.verify(token)
    assert verified.user.username == "viewer"
    assert verified.scopes == {"users:read"}
    assert verified.claims["tenant"] == "t1"
    assert verified.claims["exp"] - verified.claims["iat"] == 30


def _rs256_settings(tmp_pem: bytes | None) -> AuthSettings:
    return dataclasses.replace(SETTINGS, algorithm="RS256", secret=None, private_key_pem=tmp_pem)


def test_issuer_rs256_publishes_jwks_that_verifies() -> None:
    """With a generated RSA key, the JWKS public key verifies issued tokens."""
    issuer = TokenIssuer(_rs256_settings(None), Clock())
    token = issuer.authenticate("demo", "secret").access_token
    (jwk,) = issuer.keys.jwks["keys"]
    assert jwk["kty"] == "RSA"
    assert jwk["alg"] == "RS256"
    assert "d" not in jwk
    public = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, public, algorithms=["RS256"], audience=SETTINGS.audience)
    assert claims["sub"] == "demo"
    assert jwt.get_unverified_header(token)["kid"] == jwk["kid"]


def test_issuer_rs256_refuses_hs256_signed_with_public_key() -> None:
    """The classic confusion attack: HS256 with the RSA public key as secret is refused."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    clock = Clock()
    issuer = TokenIssuer(_rs256_settings(pem), clock)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = _sign_raw({"alg": "HS256", "typ": "JWT"}, _claims(int(clock.now())), public_pem)
    with pytest.raises(InvalidTokenError, match="signed with 'HS256'"):
        issuer.verify(token)
