"""Building and signing licence credentials (the issuer's side of ``verifier``).

A licence is issued in two securings of one W3C VC 2.0 document:

- ``vc+jwt``: the whole credential, for systems that need every field;
- ``vc+sd-jwt``: every ``credentialSubject`` claim is a separate SD-JWT disclosure (RFC 9901, via
  the ``sd-jwt`` reference implementation), so the holder can show only some of them — e.g. only
  the name and licence number, or only ``ageEqualOrOver.60``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from jwcrypto import jwk, jws
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer

from pengcheng.licences.verifier import TYP_VC_JWT, TYP_VC_SD_JWT, VC_CONTEXT, encode_status_list

PENGCHENG_CONTEXT_PATH = "/licences/contexts/v1"
AGE_THRESHOLDS = (18, 60, 65, 70, 80)
ALG = "ES256"


def isoformat(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_jwt(payload: dict[str, Any], key: jwk.JWK, kid: str, typ: str = TYP_VC_JWT) -> str:
    token = jws.JWS(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    header = {"alg": ALG, "typ": typ, "cty": "vc", "kid": kid}
    token.add_signature(key, None, json.dumps(header, separators=(",", ":")))
    return str(token.serialize(compact=True))


def age_claims(birth: dt.date, on: dt.date) -> dict[str, bool]:
    """``ageEqualOrOver``: one boolean per threshold, each disclosable on its own."""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return {str(threshold): age >= threshold for threshold in AGE_THRESHOLDS}


def build_credential(
    *,
    base_url: str,
    credential_id: str,
    types: Iterable[str],
    issuer_did: str,
    issuer_name: str,
    subject: dict[str, Any],
    valid_from: dt.datetime,
    valid_until: dt.datetime | None,
    status_entries: list[dict[str, Any]],
    schema_url: str,
    name: str,
) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, base_url + PENGCHENG_CONTEXT_PATH],
        "id": credential_id,
        "type": ["VerifiableCredential", *types],
        "name": name,
        "issuer": {"id": issuer_did, "name": issuer_name},
        "validFrom": isoformat(valid_from),
        "credentialSubject": subject,
        "credentialStatus": status_entries,
        "credentialSchema": {"id": schema_url, "type": "JsonSchema"},
    }
    if valid_until is not None:
        credential["validUntil"] = isoformat(valid_until)
    return credential


def status_entry(list_url: str, purpose: str, index: int) -> dict[str, Any]:
    return {
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def sign_sd_jwt(credential: dict[str, Any], key: jwk.JWK, kid: str) -> str:
    """The SD-JWT issuance (the issuer-signed JWT followed by every disclosure), ending in ``~``."""
    subject = credential["credentialSubject"]
    disclosable: dict[Any, Any] = {}
    for name, value in subject.items():
        if name == "id":
            disclosable[name] = value
        elif isinstance(value, dict):
            # Nested objects (ageEqualOrOver) are disclosed key by key.
            disclosable[SDObj(name)] = {SDObj(k): v for k, v in value.items()}
        else:
            disclosable[SDObj(name)] = value
    claims = {**credential, "credentialSubject": disclosable}
    # The reference library computes the disclosures and digests; the JWS is signed here with compact
    # UTF-8 JSON (the library's spaced, ASCII-escaped JSON would not fit a QR code). No decoy digests,
    # for the same reason: a presentation must stay under a version-40 QR code's 2,953 bytes.
    issuer = SDJWTIssuer(claims, key, sign_alg=ALG, add_decoy_claims=False)
    signed = sign_jwt(issuer.sd_jwt_payload, key, kid, typ=TYP_VC_SD_JWT)
    return "~".join([signed, *(disclosure.b64 for disclosure in issuer.ii_disclosures)]) + "~"


def present(sd_jwt_issuance: str, claims: Iterable[str]) -> str:
    """A presentation disclosing only ``claims`` of the subject; ``"ageEqualOrOver.60"`` names one key
    of a nested claim (its parent is disclosed with it)."""
    wanted: dict[str, Any] = {}
    for claim in claims:
        parent, _, child = claim.partition(".")
        if child:
            existing = wanted.get(parent)
            nested = existing if isinstance(existing, dict) else {}
            nested[child] = True
            wanted[parent] = nested
        else:
            wanted[parent] = True
    holder = SDJWTHolder(sd_jwt_issuance)
    holder.create_presentation({"credentialSubject": wanted})
    return str(holder.sd_jwt_presentation)


def status_list_credential(
    *,
    list_url: str,
    issuer_did: str,
    issuer_name: str,
    purpose: str,
    bits: bytes,
    key: jwk.JWK,
    kid: str,
    now: dt.datetime,
    validity: dt.timedelta,
    refresh_seconds: int = 300,
) -> str:
    """The signed status list. ``validity`` bounds how stale an offline copy may be; ``ttl`` (in
    milliseconds, per the specification) tells online verifiers how often to refresh."""
    payload = {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_did, "name": issuer_name},
        "validFrom": isoformat(now),
        "validUntil": isoformat(now + validity),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_status_list(bits),
            "ttl": refresh_seconds * 1000,
        },
    }
    return sign_jwt(payload, key, kid)
