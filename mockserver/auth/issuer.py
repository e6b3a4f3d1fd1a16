"""The fake token issuer: pure Python, no HTTP.

``TokenIssuer`` signs JWTs for the users of ``auth.yaml``, verifies bearer tokens and renews them.
Time comes from the mock's ``Clock``: PyJWT checks the signature, algorithm, issuer and audience,
and this module checks ``exp``, ``nbf`` and ``iat`` against the clock itself. Verified tokens are
cached, keyed on the token string, until the clock passes their expiry.
"""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from mockserver.auth.keys import SigningKeys
from mockserver.catalog.model import AuthSettings, User
from mockserver.clock import Clock, format_rfc3339
from mockserver.errors import (
    InvalidGrantError,
    InvalidScopeError,
    InvalidTokenError,
)

__all__ = ["Grant", "TokenIssuer", "VerifiedToken"]

#: Verified tokens remembered at most; the cache is emptied when it fills.
CACHE_SIZE = 1024
_RESERVED_CLAIMS = frozenset({"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "scope"})


@dataclass(frozen=True, kw_only=True)
class Grant:
    """A successful token response (RFC 6749 §5.1)."""

    access_token: str
    expires_in: int
    scope: str
    token_type: str = "bearer"

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of the token response."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "scope": self.scope,
        }


@dataclass(frozen=True, kw_only=True)
class VerifiedToken:
    """A bearer token that passed verification."""

    claims: Mapping[str, Any]
    user: User
    scopes: frozenset[str]
    expires_at: float
    not_before: float


class TokenIssuer:
    """Issues, verifies and renews the mock's JWT access tokens."""

    def __init__(self, settings: AuthSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.keys = SigningKeys.from_settings(settings)
        self._cache: dict[str, VerifiedToken] = {}
        #: Users whose tokens are refused (revoked through the control API).
        self.revoked: set[str] = set()

    # -- issuing --------------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, scope: str | None = None) -> Grant:
        """A token for valid credentials; ``scope`` narrows the user's scopes."""
        user = self.settings.user(username)
        # Compare the password even for unknown users, so timing does not reveal usernames.
        expected = user.password if user else secrets.token_hex(16)
        if not hmac.compare_digest(password.encode(), expected.encode()) or user is None:
            raise InvalidGrantError("The username or password is not correct.")
        if user.username in self.revoked:
            raise InvalidGrantError(f"The user {username!r} has been revoked.")
        scopes = user.scopes
        if scope is not None:
            requested = tuple(dict.fromkeys(scope.split()))
            missing = [s for s in requested if s not in user.scopes]
            if missing:
                raise InvalidScopeError(
                    f"The user {username!r} does not have the scope(s): {' '.join(missing)}."
                )
            scopes = requested
        return self._grant(user, scopes)

    def mint(
        self,
        username: str,
        *,
        scopes: Iterable[str] | None = None,
        expires_in: int | None = None,
        **claims: Any,
    ) -> str:
        """A signed token for a known user, without a password; for test harnesses."""
        user = self.settings.user(username)
        if user is None:
            known = ", ".join(u.username for u in self.settings.users)
            raise InvalidGrantError(f"Unknown user {username!r}; known users: {known}.")
        chosen = tuple(user.scopes if scopes is None else scopes)
        return self._sign(user, chosen, expires_in, claims)

    def renew(self, token: str) -> Grant:
        """A fresh token for the user and scopes of ``token``, even an expired one."""
        claims = self._decode(token)
        now = self.clock.now()
        window = self.settings.renewal_window
        if claims["exp"] + window <= now:
            raise InvalidTokenError(
                f"The token expired at {format_rfc3339(claims['exp'])}, more than {window} "
                "seconds ago; request a new one from POST /token."
            )
        user = self._user_of(claims)
        return self._grant(user, tuple(str(claims.get("scope", "")).split()))

    def _grant(self, user: User, scopes: tuple[str, ...]) -> Grant:
        lifetime = self.settings.token_lifetime
        token = self._sign(user, scopes, lifetime, {})
        return Grant(access_token=token, expires_in=lifetime, scope=" ".join(scopes))

    def _sign(
        self, user: User, scopes: tuple[str, ...], expires_in: int | None, extra: Mapping[str, Any]
    ) -> str:
        now = int(self.clock.now())
        lifetime = self.settings.token_lifetime if expires_in is None else expires_in
        payload: dict[str, Any] = {k: v for k, v in extra.items() if k not in _RESERVED_CLAIMS}
        payload.update(
            {
                "iss": self.settings.issuer,
                "aud": self.settings.audience,
                "sub": user.username,
                "iat": now,
                "nbf": now,
                "exp": now + lifetime,
                "jti": secrets.token_hex(8),
                "scope": " ".join(scopes),
            }
        )
        headers = {"kid": self.keys.key_id} if self.keys.key_id else None
        return jwt.encode(payload, self.keys.signing_key, self.keys.algorithm, headers=headers)

    # -- verifying ------------------------------------------------------------------------------

    def verify(self, token: str) -> VerifiedToken:
        """The verified token, or InvalidTokenError saying why it is refused."""
        now = self.clock.now()
        cached = self._cache.get(token)
        if cached is not None and cached.not_before <= now < cached.expires_at:
            if cached.user.username in self.revoked:
                raise InvalidTokenError(f"The user {cached.user.username!r} has been revoked.")
            return cached
        claims = self._decode(token)
        if now >= claims["exp"]:
            raise InvalidTokenError(f"The token expired at {format_rfc3339(claims['exp'])}.")
        not_before = float(claims.get("nbf", claims["iat"]))
        if not_before > now or claims["iat"] > now:
            raise InvalidTokenError("The token is not valid yet (nbf or iat is in the future).")
        user = self._user_of(claims)
        verified = VerifiedToken(
            claims=claims,
            user=user,
            scopes=frozenset(str(claims.get("scope", "")).split()),
            expires_at=float(claims["exp"]),
            not_before=not_before,
        )
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[token] = verified
        return verified

    def forget_cached(self) -> None:
        """Empty the verified-token cache (after the clock moves back, or a reset)."""
        self._cache.clear()

    def revoke(self, username: str) -> None:
        """Refuse the user's tokens, renewals and logins until ``restore`` or a reset."""
        if self.settings.user(username) is None:
            known = ", ".join(u.username for u in self.settings.users)
            raise InvalidGrantError(f"Unknown user {username!r}; known users: {known}.")
        self.revoked.add(username)

    def restore(self, username: str) -> bool:
        """Accept a revoked user again; False when the user was not revoked."""
        if username not in self.revoked:
            return False
        self.revoked.discard(username)
        return True

    def reset(self) -> None:
        """No revocations, an empty cache."""
        self.revoked.clear()
        self._cache.clear()

    def _user_of(self, claims: Mapping[str, Any]) -> User:
        user = self.settings.user(str(claims.get("sub")))
        if user is None:
            raise InvalidTokenError(f"The token's user {claims.get('sub')!r} is not known.")
        if user.username in self.revoked:
            raise InvalidTokenError(f"The user {user.username!r} has been revoked.")
        return user

    def _decode(self, token: str) -> dict[str, Any]:
        """Claims after checking form, algorithm, signature, issuer and audience (not time)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise InvalidTokenError("The token is not a well-formed JWT.") from None
        except jwt.InvalidTokenError as exc:
            # PyJWT refuses unknown critical header parameters here already.
            raise InvalidTokenError(f"The token's header is not acceptable: {exc}.") from None
        algorithm = header.get("alg")
        if algorithm != self.keys.algorithm:
            raise InvalidTokenError(
                f"The token is signed with {algorithm!r}; this issuer signs with "
                f"{self.keys.algorithm!r}."
            )
        if "crit" in header:
            raise InvalidTokenError(
                "The token has critical header parameters this issuer does not know."
            )
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.keys.verifying_key,
                algorithms=[self.keys.algorithm],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                options={
                    "require": ["exp", "iat", "sub"],
                    # Time is checked against the mock's clock, not the library's wall clock.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise InvalidTokenError("The token's signature does not verify.") from None
        except jwt.InvalidIssuerError:
            raise InvalidTokenError(
                f"The token was not issued by {self.settings.issuer}."
            ) from None
        except jwt.InvalidAudienceError:
            raise InvalidTokenError(
                f"The token is not meant for {self.settings.audience}."
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidTokenError(f"The token has no {exc.claim!r} claim.") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError(f"The token is not valid: {exc}.") from None
        for name in ("exp", "iat", "nbf"):
            value = claims.get(name, 0)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise InvalidTokenError(f"The token's {name!r} claim is not a number.")
            if not math.isfinite(value):
                # Infinity would never expire and NaN compares false with every time.
                raise InvalidTokenError(f"The token's {name!r} claim is not a finite number.")
        return claims
