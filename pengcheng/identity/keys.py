"""The signing key ring for ID tokens.

Keys are RSA-2048, kept in the database (so every process and node sees the same ring) and
generated on first use. Rotation publishes a new key first and lets it sign only after
``PENGCHENG_OIDC_KEY_PUBLISH_SECONDS``, so no process hands out a token whose key its peers do not
yet publish; the old key stays in the JWKS until the last ID token it signed has expired.
Each process caches the ring for ``CACHE_SECONDS``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from jwcrypto import jwk
from oauth2_provider.settings import oauth2_settings

from pengcheng.identity.models import SigningKey

CACHE_SECONDS = 30


@dataclass(frozen=True)
class RingKey:
    kid: str
    jwk: jwk.JWK
    active_from: Any
    expires_at: Any

    def public_jwk(self) -> dict[str, Any]:
        data: dict[str, Any] = {"alg": "RS256", "use": "sig", "kid": self.kid}
        data.update(json.loads(self.jwk.export_public()))
        data["kid"] = self.kid
        return data


_lock = threading.Lock()
_cache: tuple[float, list[RingKey]] | None = None


def _generate_pem() -> str:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _to_ring_key(row: SigningKey) -> RingKey:
    return RingKey(row.kid, jwk.JWK.from_pem(row.private_pem.encode()), row.active_from, row.expires_at)


def create_key(generation: int, active_from: Any = None) -> SigningKey:
    """Add a key to the ring (the kid is its RFC 7638 thumbprint). Raises IntegrityError when
    another process has just added this generation."""
    pem = _generate_pem()
    kid = jwk.JWK.from_pem(pem.encode()).thumbprint()
    return SigningKey.objects.create(
        kid=kid, generation=generation, private_pem=pem, active_from=active_from or timezone.now()
    )


def _next_generation() -> int:
    return (SigningKey.objects.aggregate(top=Max("generation"))["top"] or 0) + 1


def forget_cache() -> None:
    global _cache
    with _lock:
        _cache = None


def ring() -> list[RingKey]:
    """The published keys, newest first (generating the first key if there is none)."""
    global _cache
    now = time.monotonic()
    cached = _cache
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    with _lock:
        rows = list(SigningKey.objects.exclude(expires_at__lte=timezone.now()))
        if not rows:
            # The generation is read before the insert, so processes racing here all try the same
            # number: one succeeds and the others use its key.
            generation = _next_generation()
            try:
                with transaction.atomic():
                    create_key(generation)
            except IntegrityError:
                pass  # another process created it first: use theirs
            rows = list(SigningKey.objects.exclude(expires_at__lte=timezone.now()))
        keys = [_to_ring_key(row) for row in rows]
        _cache = (now, keys)
        return keys


def signing_key() -> RingKey:
    """The newest key that may sign now."""
    now = timezone.now()
    keys = ring()
    for key in keys:  # newest first
        if key.active_from <= now:
            return key
    return keys[-1]


def key_for(kid: str | None) -> RingKey | None:
    """The published key ``kid`` (re-reading the ring once if this process has not seen it yet)."""
    for attempt in range(2):
        for key in ring():
            if key.kid == kid:
                return key
        if attempt == 0:
            forget_cache()
    return None


def jwks() -> dict[str, list[dict[str, Any]]]:
    return {"keys": [key.public_jwk() for key in ring()]}


def rotate() -> tuple[SigningKey, list[SigningKey]]:
    """Publish a new key; it signs after the publication delay. The keys it replaces expire once
    every ID token they may still sign has expired. Returns the new key and the retired ones."""
    now = timezone.now()
    delay = timedelta(seconds=settings.PENGCHENG_OIDC_KEY_PUBLISH_SECONDS)
    token_life = timedelta(seconds=oauth2_settings.ID_TOKEN_EXPIRE_SECONDS)
    with transaction.atomic():
        new = create_key(_next_generation(), active_from=now + delay)
        retiring = list(SigningKey.objects.filter(expires_at__isnull=True).exclude(pk=new.pk))
        # A retiring key may sign until the new one takes over, plus the tokens' lifetime, plus
        # the clients' JWKS cache.
        expires = now + delay + token_life + timedelta(seconds=oauth2_settings.OIDC_JWKS_MAX_AGE_SECONDS)
        SigningKey.objects.filter(pk__in=[k.pk for k in retiring]).update(expires_at=expires)
    forget_cache()
    return new, retiring


def prune() -> int:
    """Delete expired keys (their private material is no longer needed)."""
    deleted, _ = SigningKey.objects.filter(expires_at__lte=timezone.now()).delete()
    if deleted:
        forget_cache()
    return deleted
