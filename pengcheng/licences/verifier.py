"""Verifying licence credentials with nothing but public keys and status lists.

This module does not import Django and never touches the database, so a verifier (a bank, a hotel,
another government system, a kiosk with no network) can copy it and verify offline::

    from pengcheng.licences.verifier import Verifier, TrustBundle
    bundle = TrustBundle.from_json(open("trust.json").read())   # GET /licences/trust.json
    result = Verifier(bundle.key, bundle.status_list).verify(text)
    print(result.outcome, result.reason, result.issuer_name)

Formats (W3C Verifiable Credentials 2.0 secured with JOSE, "VC-JOSE-COSE"):

- ``application/vc+jwt``: a JWS compact serialisation whose payload is the credential, header
  ``typ: vc+jwt``, ``cty: vc``, ``alg: ES256`` and ``kid`` (a DID URL of the issuer's key).
- ``application/vc+sd-jwt``: the same credential secured with SD-JWT (RFC 9901): the subject's
  claims are selectively disclosable; a presentation carries only the disclosures the holder chose.

Status: each credential carries two ``BitstringStatusListEntry`` (W3C Bitstring Status List v1.0),
one for revocation and one for suspension. The status list credential is itself a ``vc+jwt`` signed
by the same issuer; its ``encodedList`` is the multibase (``u``) base64url GZIP of the bitstring.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import hashlib
import io
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from jwcrypto import jwk
from jwcrypto.common import JWException
from jwcrypto.jwa import JWA

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
TYP_VC_JWT = "vc+jwt"
TYP_VC_SD_JWT = "vc+sd-jwt"
ALGORITHMS = ("ES256",)
MAX_TOKEN_CHARS = 24_000  # a credential with every disclosure is well under 8 kB
MAX_DISCLOSURES = 200
MAX_STATUS_LIST_CHARS = 200_000
STATUS_LIST_MAX_BITS = 8 * 1024 * 1024
DEFAULT_CLOCK_SKEW = dt.timedelta(minutes=2)


class Outcome(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


@dataclass
class Result:
    """What a verification found. ``reason`` is a stable code, ``message`` explains it in English."""

    outcome: Outcome
    reason: str
    message: str
    format: str = ""
    issuer: str = ""
    issuer_name: str = ""
    credential_id: str = ""
    types: list[str] = field(default_factory=list)
    subject: dict[str, Any] = field(default_factory=dict)
    disclosed: list[str] = field(default_factory=list)
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    credential: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.VALID

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": str(self.outcome),
            "reason": self.reason,
            "message": self.message,
            "format": self.format,
            "issuer": self.issuer,
            "issuer_name": self.issuer_name,
            "credential_id": self.credential_id,
            "types": self.types,
            "subject": self.subject,
            "disclosed": self.disclosed,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


class Rejected(Exception):
    """Raised inside the verifier; becomes a Result with outcome INVALID."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(message)


# Encoding helpers ----------------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "+/= \n"):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def disclosure_digest(disclosure: str) -> str:
    """RFC 9901 §4.2.3: base64url(SHA-256(ASCII(the base64url-encoded disclosure)))."""
    return b64url_encode(hashlib.sha256(disclosure.encode("ascii")).digest())


def encode_status_list(bits: bytes) -> str:
    """Bitstring Status List ``encodedList``: multibase base64url (no padding) of the GZIP'd bits."""
    return "u" + b64url_encode(gzip.compress(bits, mtime=0))


def decode_status_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    compressed = b64url_decode(encoded[1:])
    with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as handle:
        bits = handle.read(STATUS_LIST_MAX_BITS // 8 + 1)
    if len(bits) > STATUS_LIST_MAX_BITS // 8:
        raise ValueError("status list too large")
    return bits


def bit_at(bits: bytes, index: int) -> bool:
    """Bit ``index`` of the list; index 0 is the left-most (most significant) bit of the first byte."""
    if index < 0 or index >= len(bits) * 8:
        raise IndexError(index)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("not a date-time string")
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("date-time without a time zone")
    return parsed


def _decode_json_segment(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Rejected("malformed", f"The {what} is not base64url-encoded JSON.") from None
    if not isinstance(value, dict):
        raise Rejected("malformed", f"The {what} is not a JSON object.")
    return value


def split_compact_jws(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a JWS in compact form, unverified."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise Rejected("malformed", "Not a JSON Web Signature in compact form (three dot-separated parts).")
    return _decode_json_segment(parts[0], "JOSE header"), _decode_json_segment(parts[1], "payload")


# Key and status sources ------------------------------------------------------------------------------

KeyLookup = Callable[[str], "jwk.JWK | dict[str, Any] | None"]
StatusLookup = Callable[[str], "str | None"]


def did_of(kid: str) -> str:
    return kid.split("#", 1)[0]


@dataclass
class TrustBundle:
    """Everything an offline verifier needs: the issuers' DID documents and their status list
    credentials (``GET /licences/trust.json``)."""

    did_documents: dict[str, dict[str, Any]]
    status_lists: dict[str, str]
    generated_at: str = ""

    @classmethod
    def from_json(cls, text: str) -> TrustBundle:
        data = json.loads(text)
        return cls(
            did_documents={doc["id"]: doc for doc in data.get("issuers", [])},
            status_lists=dict(data.get("statusLists", {})),
            generated_at=str(data.get("generatedAt", "")),
        )

    def key(self, kid: str) -> dict[str, Any] | None:
        document = self.did_documents.get(did_of(kid))
        if document is None:
            return None
        for method in document.get("verificationMethod", []):
            if method.get("id") == kid:
                found: dict[str, Any] = method.get("publicKeyJwk")
                return found
        return None

    def issuer_name(self, did: str) -> str:
        return str(self.did_documents.get(did, {}).get("name", ""))

    def status_list(self, url: str) -> str | None:
        return self.status_lists.get(url)


@dataclass
class _CachedList:
    bits: bytes
    purpose: str
    fetched: float


class Verifier:
    """Verifies ``vc+jwt`` credentials and ``vc+sd-jwt`` presentations.

    ``keys(kid)`` returns the public JWK for a DID URL, or None for an unknown issuer.
    ``status_lists(url)`` returns the status list credential (a ``vc+jwt``) published at ``url``.
    Verified keys and decoded status lists are cached for ``status_ttl`` seconds.
    """

    def __init__(
        self,
        keys: KeyLookup,
        status_lists: StatusLookup,
        *,
        issuer_names: Callable[[str], str] | None = None,
        status_ttl: float = 300.0,
        clock: Callable[[], dt.datetime] | None = None,
        clock_skew: dt.timedelta = DEFAULT_CLOCK_SKEW,
    ) -> None:
        self._keys = keys
        self._status_lists = status_lists
        self._issuer_names = issuer_names
        self.status_ttl = status_ttl
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._skew = clock_skew
        self._key_cache: dict[str, jwk.JWK | None] = {}
        self._list_cache: dict[str, _CachedList] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop cached keys and status lists (after a key rotation or a status change here)."""
        with self._lock:
            self._key_cache.clear()
            self._list_cache.clear()

    # Public entry point -------------------------------------------------------------------------

    def verify(self, text: str) -> Result:
        try:
            return self._verify(text)
        except Rejected as exc:
            return Result(Outcome.INVALID, exc.reason, exc.message)

    def _verify(self, text: str) -> Result:
        if not isinstance(text, str):
            raise Rejected("malformed", "The credential must be text.")
        text = text.strip()
        if not text:
            raise Rejected("empty", "No credential was given.")
        if len(text) > MAX_TOKEN_CHARS:
            raise Rejected("too_large", f"The credential is longer than {MAX_TOKEN_CHARS} characters.")
        if not text.isascii():
            raise Rejected("malformed", "A credential contains only ASCII characters.")
        if "~" in text:
            return self._verify_sd_jwt(text)
        header, payload = self._verify_jws(text, TYP_VC_JWT)
        return self._check_credential(header, payload, TYP_VC_JWT, disclosed=None)

    # JWS -------------------------------------------------------------------------------------------

    def _key(self, kid: str) -> jwk.JWK | None:
        with self._lock:
            if kid in self._key_cache:
                return self._key_cache[kid]
        found = self._keys(kid)
        key: jwk.JWK | None
        if found is None:
            key = None
        elif isinstance(found, jwk.JWK):
            key = found
        else:
            try:
                key = jwk.JWK(**found)
            except (JWException, ValueError, TypeError):
                key = None
        if key is not None and key.has_private:
            key = jwk.JWK(**key.export_public(as_dict=True))
        with self._lock:
            if key is not None:  # unknown keys are looked up again next time (a new issuer, a rotation)
                self._key_cache[kid] = key
        return key

    def _verify_jws(self, token: str, expected_typ: str) -> tuple[dict[str, Any], dict[str, Any]]:
        header, payload = split_compact_jws(token)
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise Rejected("unsupported_algorithm", f"Signature algorithm {alg!r} is not accepted.")
        if header.get("typ") != expected_typ:
            raise Rejected("wrong_type", f"Expected a {expected_typ} token, found typ {header.get('typ')!r}.")
        if "crit" in header:
            raise Rejected("unsupported_header", "The header lists critical extensions this verifier does not know.")
        kid = header.get("kid")
        if not isinstance(kid, str) or "#" not in kid:
            raise Rejected("unknown_issuer", "The header names no issuer key (kid).")
        key = self._key(kid)
        if key is None:
            raise Rejected("unknown_issuer", f"The issuer key {kid} is not known to this verifier.")
        # jwcrypto's algorithm object checks the signature over the exact received bytes (the
        # signing input of RFC 7515 §5.2); the full JWS object would copy its header registry on
        # every call, which halves the throughput.
        protected, encoded_payload, encoded_signature = token.split(".")
        try:
            JWA.signing_alg(alg).verify(
                key, f"{protected}.{encoded_payload}".encode("ascii"), b64url_decode(encoded_signature)
            )
        except (JWException, InvalidSignature, ValueError, TypeError, binascii.Error):
            raise Rejected("signature_invalid", "The signature does not match the content: it was altered.") from None
        issuer = payload.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if issuer_id != did_of(kid):
            raise Rejected("issuer_mismatch", "The credential names an issuer other than the key that signed it.")
        return header, payload

    # SD-JWT (RFC 9901 §7.1) --------------------------------------------------------------------------

    def _verify_sd_jwt(self, text: str) -> Result:
        parts = text.split("~")
        issuer_jwt, disclosures, kb_jwt = parts[0], parts[1:-1], parts[-1]
        if kb_jwt:
            raise Rejected("unsupported_key_binding", "Key-binding JWTs are not used by these credentials.")
        if len(disclosures) > MAX_DISCLOSURES:
            raise Rejected("too_large", "Too many disclosures.")
        header, payload = self._verify_jws(issuer_jwt, TYP_VC_SD_JWT)
        if payload.get("_sd_alg", "sha-256") != "sha-256":
            raise Rejected("disclosure_invalid", "Only the sha-256 disclosure digest is supported.")
        by_digest: dict[str, list[Any]] = {}
        for disclosure in disclosures:
            if not disclosure:
                raise Rejected("disclosure_invalid", "An empty disclosure was found.")
            try:
                decoded = json.loads(b64url_decode(disclosure))
            except (ValueError, binascii.Error, UnicodeDecodeError):
                raise Rejected("disclosure_invalid", "A disclosure is not base64url-encoded JSON.") from None
            if not isinstance(decoded, list) or len(decoded) not in (2, 3) or not isinstance(decoded[0], str):
                raise Rejected("disclosure_invalid", "A disclosure is not a [salt, (name,) value] array.")
            digest = disclosure_digest(disclosure)
            if digest in by_digest:
                raise Rejected("disclosure_invalid", "The same disclosure appears twice.")
            by_digest[digest] = decoded
        used: set[str] = set()
        processed = self._unpack(payload, by_digest, used)
        if set(by_digest) - used:
            raise Rejected("disclosure_invalid", "A disclosure is not referenced by the signed credential.")
        processed.pop("_sd_alg", None)
        disclosed = sorted(
            "credentialSubject." + str(decoded[1]) if len(decoded) == 3 else "[]" for decoded in by_digest.values()
        )
        return self._check_credential(header, processed, TYP_VC_SD_JWT, disclosed=disclosed)

    def _unpack(self, node: Any, by_digest: dict[str, list[Any]], used: set[str]) -> Any:
        if isinstance(node, list):
            output = []
            for element in node:
                if isinstance(element, dict) and set(element) == {"..."}:
                    digest = element["..."]
                    if not isinstance(digest, str):
                        raise Rejected("disclosure_invalid", "An array digest is not a string.")
                    if digest in used:
                        raise Rejected("disclosure_invalid", "A digest is referenced twice.")
                    found = by_digest.get(digest)
                    if found is None:
                        continue  # not disclosed (or a decoy)
                    if len(found) != 2:
                        raise Rejected(
                            "disclosure_invalid", "An object-property disclosure is used as an array element."
                        )
                    used.add(digest)
                    output.append(self._unpack(found[1], by_digest, used))
                else:
                    output.append(self._unpack(element, by_digest, used))
            return output
        if isinstance(node, dict):
            result = {k: self._unpack(v, by_digest, used) for k, v in node.items() if k != "_sd"}
            digests = node.get("_sd", [])
            if not isinstance(digests, list):
                raise Rejected("disclosure_invalid", "_sd is not an array.")
            for digest in digests:
                if not isinstance(digest, str):
                    raise Rejected("disclosure_invalid", "A digest is not a string.")
                if digest in used:
                    raise Rejected("disclosure_invalid", "A digest is referenced twice.")
                found = by_digest.get(digest)
                if found is None:
                    continue
                if len(found) != 3 or not isinstance(found[1], str):
                    raise Rejected("disclosure_invalid", "An array-element disclosure is used as an object property.")
                name = found[1]
                if name in ("_sd", "...") or name in result:
                    raise Rejected("disclosure_invalid", f"The disclosed claim name {name!r} is not allowed here.")
                used.add(digest)
                result[name] = self._unpack(found[2], by_digest, used)
            return result
        return node

    # The credential itself -----------------------------------------------------------------------------

    def _check_credential(
        self, header: dict[str, Any], credential: dict[str, Any], fmt: str, disclosed: list[str] | None
    ) -> Result:
        context = credential.get("@context")
        types = credential.get("type")
        if not isinstance(context, list) or not context or context[0] != VC_CONTEXT:
            raise Rejected("not_a_credential", "The payload is not a W3C Verifiable Credential 2.0.")
        if not isinstance(types, list) or "VerifiableCredential" not in types:
            raise Rejected("not_a_credential", "The payload is not typed VerifiableCredential.")
        issuer = credential["issuer"]
        issuer_id = str(issuer.get("id")) if isinstance(issuer, dict) else str(issuer)
        issuer_name = str(issuer.get("name", "")) if isinstance(issuer, dict) else ""
        if not issuer_name and self._issuer_names:
            issuer_name = self._issuer_names(issuer_id)
        subject = credential.get("credentialSubject")
        if not isinstance(subject, dict):
            raise Rejected("not_a_credential", "The credential has no credentialSubject object.")
        try:
            valid_from = parse_datetime(credential["validFrom"]) if "validFrom" in credential else None
            valid_until = parse_datetime(credential["validUntil"]) if "validUntil" in credential else None
        except ValueError:
            raise Rejected("malformed", "validFrom or validUntil is not an XML Schema date-time.") from None
        result = Result(
            Outcome.VALID,
            "ok",
            "The credential is authentic, in force and not revoked.",
            format=fmt,
            issuer=issuer_id,
            issuer_name=issuer_name,
            credential_id=str(credential.get("id", "")),
            types=[str(t) for t in types],
            subject=subject,
            disclosed=disclosed if disclosed is not None else sorted(f"credentialSubject.{k}" for k in subject),
            valid_from=valid_from,
            valid_until=valid_until,
            credential=credential,
        )
        now = self._clock()
        if valid_from is not None and now + self._skew < valid_from:
            raise Rejected("not_yet_valid", f"The credential is valid only from {valid_from.isoformat()}.")
        for purpose in self._check_status(credential, issuer_id):
            if purpose == "revocation":
                result.outcome, result.reason = Outcome.REVOKED, "revoked"
                result.message = "The issuer has revoked this credential."
                return result
            if purpose == "suspension":
                result.outcome, result.reason = Outcome.SUSPENDED, "suspended"
                result.message = "The issuer has suspended this credential."
                return result
        if valid_until is not None and now - self._skew > valid_until:
            result.outcome, result.reason = Outcome.EXPIRED, "expired"
            result.message = f"The credential expired at {valid_until.isoformat()}."
        return result

    def _check_status(self, credential: dict[str, Any], issuer_id: str) -> list[str]:
        """The status purposes whose bit is set for this credential."""
        entries = credential.get("credentialStatus", [])
        if isinstance(entries, dict):
            entries = [entries]
        if not isinstance(entries, list):
            raise Rejected("malformed", "credentialStatus is neither an object nor an array.")
        set_purposes = []
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
                raise Rejected("unsupported_status", "Only BitstringStatusListEntry status is supported.")
            purpose = entry.get("statusPurpose")
            url = entry.get("statusListCredential")
            try:
                index = int(entry.get("statusListIndex", ""))
            except (TypeError, ValueError):
                raise Rejected("malformed", "statusListIndex is not an integer.") from None
            if not isinstance(url, str) or not isinstance(purpose, str):
                raise Rejected("malformed", "A status entry lacks its list or purpose.")
            bits = self._status_bits(url, purpose, issuer_id)
            try:
                if bit_at(bits, index):
                    set_purposes.append(purpose)
            except IndexError:
                raise Rejected("status_invalid", "The status index lies outside the status list.") from None
        return set_purposes

    def _status_bits(self, url: str, purpose: str, issuer_id: str) -> bytes:
        with self._lock:
            cached = self._list_cache.get(url)
        if cached is not None and time.monotonic() - cached.fetched < self.status_ttl:
            if cached.purpose != purpose:
                raise Rejected("status_invalid", "The status list serves another purpose.")
            return cached.bits
        token = self._status_lists(url)
        if not token:
            raise Rejected("status_unavailable", "The status list could not be obtained; the status is unknown.")
        if len(token) > MAX_STATUS_LIST_CHARS:
            raise Rejected("status_invalid", "The status list credential is too large.")
        try:
            _, payload = self._verify_jws(token, TYP_VC_JWT)
        except Rejected as exc:
            raise Rejected("status_invalid", f"The status list credential is not valid: {exc.message}") from None
        issuer = payload.get("issuer")
        list_issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
        subject = payload.get("credentialSubject", {})
        if (
            list_issuer != issuer_id
            or "BitstringStatusListCredential" not in payload.get("type", [])
            or not isinstance(subject, dict)
            or subject.get("type") != "BitstringStatusList"
        ):
            raise Rejected("status_invalid", "The status list was not published by the credential's issuer.")
        if payload.get("id") != url:
            raise Rejected("status_invalid", "The status list credential does not carry the URL it came from.")
        try:
            valid_until = parse_datetime(payload["validUntil"]) if "validUntil" in payload else None
            bits = decode_status_list(str(subject.get("encodedList", "")))
        except (ValueError, OSError, EOFError, binascii.Error):
            raise Rejected("status_invalid", "The status list cannot be decoded.") from None
        if valid_until is not None and self._clock() - self._skew > valid_until:
            raise Rejected("status_unavailable", "The cached status list has expired; fetch a fresh one.")
        list_purpose = subject.get("statusPurpose")
        with self._lock:
            self._list_cache[url] = _CachedList(bits, str(list_purpose), time.monotonic())
        if list_purpose != purpose:
            raise Rejected("status_invalid", "The status list serves another purpose.")
        return bits
