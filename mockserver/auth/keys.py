"""Signing keys for the token issuer: an HMAC secret, or an RSA key pair (given or generated)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from mockserver.catalog.model import AuthSettings
from mockserver.errors import ConfigError

__all__ = ["SigningKeys"]


@dataclass(frozen=True)
class SigningKeys:
    """What signs tokens and what verifies them, for one algorithm."""

    algorithm: str
    signing_key: Any
    verifying_key: Any
    key_id: str | None
    jwks: dict[str, Any]

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> SigningKeys:
        """Keys as ``auth.yaml`` describes them; an RS256 key is generated when none is given."""
        if settings.algorithm.startswith("HS"):
            if not settings.secret:
                raise ConfigError(f"{settings.algorithm} needs signing.secret in {settings.source}")
            secret = settings.secret.encode()
            return cls(settings.algorithm, secret, secret, settings.key_id, {"keys": []})
        if settings.private_key_pem:
            try:
                private = serialization.load_pem_private_key(settings.private_key_pem, None)
            except (ValueError, TypeError) as exc:
                raise ConfigError(
                    f"signing.private_key_file in {settings.source} is not an unencrypted PEM "
                    f"private key: {exc}"
                ) from None
            if not isinstance(private, rsa.RSAPrivateKey):
                raise ConfigError(
                    f"signing.private_key_file in {settings.source} is not an RSA key"
                )
        else:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = private.public_key()
        key_id = settings.key_id or "coherta-mock"
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
        jwk.update({"kid": key_id, "use": "sig", "alg": settings.algorithm})
        return cls(settings.algorithm, private, public, key_id, {"keys": [jwk]})
