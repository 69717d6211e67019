"""Private keys at rest: PKCS#8 PEM encrypted under the platform key passphrase.

The passphrase is ``PENGCHENG_KEY_PASSPHRASE`` or, when that is unset, derived from ``SECRET_KEY``
(HKDF-SHA256), so a database dump alone never yields a usable signing key. Changing the secret key
without setting the passphrase to the old derived value makes the stored keys unreadable.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PrivateKey = ec.EllipticCurvePrivateKey


@lru_cache(maxsize=4)
def _passphrase(configured: str, secret: str) -> bytes:
    if configured:
        return configured.encode("utf-8")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"pengcheng-keystore", info=b"private-keys v1")
    return derived.derive(secret.encode("utf-8")).hex().encode("ascii")


def passphrase() -> bytes:
    return _passphrase(settings.PENGCHENG_KEY_PASSPHRASE, settings.SECRET_KEY)


def new_ec_key() -> PrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def seal_private_key(key: Any) -> str:
    """Encrypted PKCS#8 PEM of ``key``."""
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase()),
    )
    return pem.decode("ascii")


@lru_cache(maxsize=256)
def open_private_key(pem: str) -> Any:
    """The key inside an encrypted PEM (cached: decryption runs a slow KDF on purpose)."""
    return serialization.load_pem_private_key(pem.encode("ascii"), password=passphrase())
