"""A fast hasher for client secrets (never for passwords)."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class ClientSecretHasher(PBKDF2PasswordHasher):
    """Salted SHA-256 with one round. Client secrets are long random strings, so a slow hash adds
    no protection, while it would cost every token request hundreds of milliseconds."""

    algorithm = "pengcheng_client_secret"
    iterations = 1

    def must_update(self, encoded: str) -> bool:
        return False
