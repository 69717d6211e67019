"""Issuer identifiers and keys: one ``did:web`` per issuing department, keys generated on first use,
rotatable, published as a DID document and a JWKS."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk

from pengcheng.core.models import Department
from pengcheng.licences.models import IssuerKey
from pengcheng.seals.keystore import new_ec_key, open_private_key, seal_private_key

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"]


def base_url() -> str:
    return str(settings.PENGCHENG_PUBLIC_URL)


def issuer_path(department_code: str) -> str:
    return f"/licences/issuers/{department_code}"


def issuer_did(department_code: str) -> str:
    """``did:web:<host>:licences:issuers:<code>`` resolves to ``https://<host>/licences/issuers/<code>/did.json``."""
    host = quote(urlsplit(base_url()).netloc, safe="")
    return f"did:web:{host}:licences:issuers:{department_code}"


def _new_kid(department: Department) -> str:
    return f"{issuer_did(department.code)}#key-{timezone.now():%Y%m%d}-{secrets.token_hex(3)}"


def create_key(department: Department) -> IssuerKey:
    private = new_ec_key()
    public = jwk.JWK.from_pyca(private.public_key())
    kid = _new_kid(department)
    key_cache.forget()
    transaction.on_commit(key_cache.forget)
    public_jwk = {**public.export_public(as_dict=True), "kid": kid, "alg": "ES256", "use": "sig"}
    return IssuerKey.objects.create(
        department=department, kid=kid, public_jwk=public_jwk, private_pem=seal_private_key(private)
    )


def signing_key(department: Department) -> tuple[IssuerKey, jwk.JWK]:
    """The department's current key, created on first use."""
    record = IssuerKey.objects.filter(department=department, retired_at__isnull=True).order_by("-created_at").first()
    if record is None:
        with transaction.atomic():
            Department.objects.select_for_update().filter(pk=department.pk).first()
            record = (
                IssuerKey.objects.filter(department=department, retired_at__isnull=True).order_by("-created_at").first()
            ) or create_key(department)
    return record, jwk.JWK.from_pyca(open_private_key(record.private_pem))


def published_keys(department: Department) -> list[IssuerKey]:
    return list(IssuerKey.objects.filter(department=department, withdrawn_at__isnull=True).order_by("created_at"))


def did_document(department: Department) -> dict[str, Any]:
    did = issuer_did(department.code)
    keys = published_keys(department)
    methods = [
        {"id": key.kid, "type": "JsonWebKey", "controller": did, "publicKeyJwk": _public_only(key.public_jwk)}
        for key in keys
    ]
    current = [key.kid for key in keys if key.retired_at is None]
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "name": department.name,
        "alsoKnownAs": [base_url() + issuer_path(department.code) + "/"],
        "verificationMethod": methods,
        "assertionMethod": [key.kid for key in keys],
        "service": [
            {"id": f"{did}#current", "type": "CurrentSigningKey", "serviceEndpoint": current},
        ],
    }


def jwks(department: Department) -> dict[str, Any]:
    return {"keys": [_public_only(key.public_jwk) for key in published_keys(department)]}


def _public_only(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in {"kty", "crv", "x", "y", "kid", "alg", "use"}}


class KeyCache:
    """Public keys by kid for in-process verification, refreshed on a miss and every few minutes."""

    def __init__(self, ttl: dt.timedelta = dt.timedelta(minutes=5)) -> None:
        self.ttl = ttl
        self._keys: dict[str, dict[str, Any]] = {}
        self._names: dict[str, str] = {}
        self._loaded: dt.datetime | None = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        keys = {}
        for record in IssuerKey.objects.filter(withdrawn_at__isnull=True).only("kid", "public_jwk"):
            keys[record.kid] = _public_only(record.public_jwk)
        names = {issuer_did(code): name for code, name in Department.objects.values_list("code", "name")}
        with self._lock:
            self._keys, self._names, self._loaded = keys, names, timezone.now()

    def key(self, kid: str) -> dict[str, Any] | None:
        now = timezone.now()
        stale = self._loaded is None or now - self._loaded > self.ttl
        # An unknown kid may be a key created since the last load; look again, at most once a second.
        if stale or (kid not in self._keys and now - self._loaded > dt.timedelta(seconds=1)):  # type: ignore[operator]
            self._load()
        return self._keys.get(kid)

    def issuer_name(self, did: str) -> str:
        if self._loaded is None:
            self._load()
        return self._names.get(did, "")

    def forget(self) -> None:
        with self._lock:
            self._loaded = None


key_cache = KeyCache()
