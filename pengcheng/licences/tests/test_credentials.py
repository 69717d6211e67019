"""Issue → verify, and every way a credential can fail: tampering, status, expiry, unknown issuer."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from jwcrypto import jwk

from pengcheng.core.actors import SYSTEM
from pengcheng.licences import credentials, services
from pengcheng.licences.models import LicenceState
from pengcheng.licences.verifier import (
    Outcome,
    TrustBundle,
    Verifier,
    b64url_decode,
    b64url_encode,
    decode_status_list,
    disclosure_digest,
    encode_status_list,
)
from pengcheng.testing import make_staff


def _issue(licence_type, holder, data, **kwargs):
    return services.issue_licence(SYSTEM, licence_type, holder, data, **kwargs)


def _tamper_payload(token: str, change) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    change(claims)
    return ".".join([header, b64url_encode(json.dumps(claims, ensure_ascii=False).encode()), signature])


def test_issue_then_verify(residence_permit, holder, permit_data) -> None:
    licence = _issue(residence_permit, holder, permit_data)
    result = services.platform_verifier.verify(licence.credential)
    assert result.outcome == Outcome.VALID, result.message
    assert result.issuer.startswith("did:web:") and result.issuer.endswith(":licences:issuers:440300-GAJ")
    assert result.issuer_name == "深圳市公安局"
    assert result.subject["holderName"] == "张三"
    assert result.subject["address"] == "深圳市福田区福中三路1号"
    assert result.credential_id == f"urn:uuid:{licence.pk}"
    assert result.valid_until is not None  # 36 months for a residence permit
    # The SD-JWT issuance with every disclosure verifies too, and shows the same subject.
    full = services.platform_verifier.verify(licence.sd_credential)
    assert full.outcome == Outcome.VALID, full.message
    assert full.subject["address"] == permit_data["address"]
    assert full.subject["ageEqualOrOver"]["18"] is True


def test_a_changed_field_or_signature_is_invalid(residence_permit, holder, permit_data) -> None:
    token = _issue(residence_permit, holder, permit_data).credential
    forged = _tamper_payload(token, lambda c: c["credentialSubject"].update(address="深圳市南山区"))
    result = services.platform_verifier.verify(forged)
    assert (result.outcome, result.reason) == (Outcome.INVALID, "signature_invalid")
    header, payload, signature = token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert services.platform_verifier.verify(f"{header}.{payload}.{flipped}").reason == "signature_invalid"


def test_a_changed_status_entry_is_invalid(residence_permit, holder, permit_data) -> None:
    token = _issue(residence_permit, holder, permit_data).credential

    def move(claims):
        claims["credentialStatus"][0]["statusListIndex"] = "0"

    assert services.platform_verifier.verify(_tamper_payload(token, move)).reason == "signature_invalid"


def test_a_tampered_status_list_is_rejected(residence_permit, holder, permit_data) -> None:
    licence = _issue(residence_permit, holder, permit_data)
    real = services.status_list_token("440300-GAJ", "revocation")

    def flip_all(claims):
        bits = decode_status_list(claims["credentialSubject"]["encodedList"])
        claims["credentialSubject"]["encodedList"] = encode_status_list(bytes(255 for _ in bits))

    forged = _tamper_payload(real, flip_all)
    verifier = Verifier(
        services.key_cache.key,
        lambda url: forged if url.endswith("revocation") else services.status_list_token("440300-GAJ", "suspension"),
    )
    result = verifier.verify(licence.credential)
    assert (result.outcome, result.reason) == (Outcome.INVALID, "status_invalid")


def test_revoked_and_suspended(residence_permit, holder, permit_data) -> None:
    licence = _issue(residence_permit, holder, permit_data)
    clerk = make_staff("clerk", "440300-GAJ")
    services.change_state(clerk, licence, LicenceState.SUSPENDED, "lost card reported")
    services.platform_verifier.forget()
    assert services.platform_verifier.verify(licence.credential).outcome == Outcome.SUSPENDED
    services.change_state(clerk, licence, LicenceState.ACTIVE, "card found")
    services.platform_verifier.forget()
    assert services.platform_verifier.verify(licence.credential).outcome == Outcome.VALID
    services.change_state(clerk, licence, LicenceState.REVOKED, "moved away")
    services.platform_verifier.forget()
    result = services.platform_verifier.verify(licence.credential)
    assert (result.outcome, result.reason) == (Outcome.REVOKED, "revoked")
    # A presentation of the revoked licence is revoked too.
    assert (
        services.platform_verifier.verify(credentials.present(licence.sd_credential, ["holderName"])).outcome
        == Outcome.REVOKED
    )


def test_expired(residence_permit, holder, permit_data) -> None:
    start = timezone.now() - dt.timedelta(days=400)
    licence = _issue(
        residence_permit,
        holder,
        permit_data,
        valid_from=start,
        valid_until=start + dt.timedelta(days=30),
        source="import",
    )
    result = services.platform_verifier.verify(licence.credential)
    assert (result.outcome, result.reason) == (Outcome.EXPIRED, "expired")


def test_unknown_issuer(residence_permit, holder, permit_data) -> None:
    licence = _issue(residence_permit, holder, permit_data)
    # The same credential signed by a key nobody published, under a made-up kid.
    claims = json.loads(b64url_decode(licence.credential.split(".")[1]))
    rogue = jwk.JWK.generate(kty="EC", crv="P-256")
    kid = claims["issuer"]["id"] + "#key-rogue"
    forged = credentials.sign_jwt(claims, rogue, kid)
    result = services.platform_verifier.verify(forged)
    assert (result.outcome, result.reason) == (Outcome.INVALID, "unknown_issuer")
    # … and an issuer DID that is not ours at all.
    claims["issuer"]["id"] = "did:web:elsewhere.example"
    result = services.platform_verifier.verify(credentials.sign_jwt(claims, rogue, "did:web:elsewhere.example#k1"))
    assert result.reason == "unknown_issuer"


def test_issuer_key_of_another_department_is_refused(residence_permit, holder, permit_data) -> None:
    """A department's key cannot sign in another department's name."""
    from pengcheng.core.models import Department
    from pengcheng.licences import keys

    licence = _issue(residence_permit, holder, permit_data)
    claims = json.loads(b64url_decode(licence.credential.split(".")[1]))
    other, other_key = keys.signing_key(Department.objects.get(code="440300-MZJ"))
    result = services.platform_verifier.verify(credentials.sign_jwt(claims, other_key, other.kid))
    assert result.reason == "issuer_mismatch"


def test_selective_disclosure_reveals_only_what_was_chosen(residence_permit, holder, permit_data) -> None:
    licence = _issue(residence_permit, holder, permit_data)
    shown = credentials.present(licence.sd_credential, ["holderName", "licenceNumber"])
    result = services.platform_verifier.verify(shown)
    assert result.outcome == Outcome.VALID, result.message
    assert set(result.subject) == {"holderName", "licenceNumber"}
    assert result.disclosed == ["credentialSubject.holderName", "credentialSubject.licenceNumber"]
    # Nothing else is readable in the presentation: the address appears nowhere, even encoded.
    decoded = (
        "".join(b64url_decode(part).decode("utf-8", "replace") for part in shown.split("~")[1:-1])
        + b64url_decode(shown.split("~")[0].split(".")[1]).decode()
    )
    assert permit_data["address"] not in decoded and holder.id_number not in decoded
    # Age: prove "60 or over" and nothing else about the holder.
    age = services.platform_verifier.verify(credentials.present(licence.sd_credential, ["ageEqualOrOver.60"]))
    assert age.subject == {"ageEqualOrOver": {"60": age.subject["ageEqualOrOver"]["60"]}}


def test_a_forged_disclosure_is_rejected(residence_permit, holder, permit_data) -> None:
    licence = _issue(residence_permit, holder, permit_data)
    shown = credentials.present(licence.sd_credential, ["holderName"])
    fake = b64url_encode(json.dumps(["salt", "holderName", "李四"]).encode())
    assert services.platform_verifier.verify(shown[:-1] + "~" + fake + "~").reason == "disclosure_invalid"
    parts = shown.split("~")
    doubled = "~".join([parts[0], parts[1], parts[1], ""])
    assert services.platform_verifier.verify(doubled).reason == "disclosure_invalid"


def test_rfc9901_disclosure_digests() -> None:
    """RFC 9901 §4.2.1-4.2.3's own examples: the digest is taken over the base64url text."""
    disclosure = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    assert disclosure_digest(disclosure) == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"
    assert json.loads(b64url_decode(disclosure)) == ["_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius"]
    assert (
        disclosure_digest("WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0")
        == "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs"
    )


def test_the_reference_sd_jwt_verifier_accepts_our_presentations(residence_permit, holder, permit_data) -> None:
    """Interoperability: the sd-jwt reference implementation verifies what we issue."""
    from sd_jwt.verifier import SDJWTVerifier

    licence = _issue(residence_permit, holder, permit_data)
    shown = credentials.present(licence.sd_credential, ["holderName", "address"])
    verified = SDJWTVerifier(
        shown, lambda issuer, header: jwk.JWK(**(services.key_cache.key(header["kid"]) or {}))
    ).get_verified_payload()
    assert verified["credentialSubject"] == {"holderName": "张三", "address": permit_data["address"]}


def test_offline_verification_with_the_trust_bundle(residence_permit, holder, permit_data, client) -> None:
    """A verifier with only the published trust bundle: no database, no network."""
    licence = _issue(residence_permit, holder, permit_data)
    bundle = TrustBundle.from_json(client.get("/licences/trust.json").content.decode())
    offline = Verifier(bundle.key, bundle.status_list, issuer_names=bundle.issuer_name)
    assert offline.verify(licence.credential).outcome == Outcome.VALID
    assert offline.verify(credentials.present(licence.sd_credential, ["address"])).subject == {
        "address": permit_data["address"]
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("not a credential", "malformed"),
        ("a.b.c", "malformed"),
        ("eyJhbGciOiJub25lIn0.e30.", "malformed"),
        ("eyJhbGciOiJub25lIiwidHlwIjoidmMrand0In0.e30.c2ln", "unsupported_algorithm"),
        ("x" * 30_000, "too_large"),
        ("居民身份证", "malformed"),
        ("a~b~", "malformed"),
    ],
)
def test_malformed_input_gets_a_reason(db, text, reason) -> None:
    result = services.platform_verifier.verify(text)
    assert (result.outcome, result.reason) == (Outcome.INVALID, reason)
