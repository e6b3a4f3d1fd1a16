"""The fake token issuer and its signing keys."""
