"""The licence API: public verification (every outcome, bad input, oversized bodies), the wallet,
免证办 look-ups, issuing and status changes."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import User
from pengcheng.core.services import create_api_key
from pengcheng.licences import credentials, services
from pengcheng.licences.models import LicenceUse, UseKind
from pengcheng.licences.verifier import MAX_TOKEN_CHARS


def _verify(client: Client, body) -> tuple[int, dict]:
    response = client.post("/api/v1/licences/verify", json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_verify_is_public_and_logs_the_use(residence_permit, holder, permit_data) -> None:
    licence = services.issue_licence(SYSTEM, residence_permit, holder, permit_data)
    shown = credentials.present(licence.sd_credential, ["holderName"])
    status, body = _verify(Client(), {"credential": shown, "purpose": "酒店入住登记"})
    assert status == 200
    assert body["outcome"] == "valid" and body["issuer_name"] == "深圳市公安局"
    assert body["subject"] == {"holderName": "张三"}
    use = LicenceUse.objects.get(licence=licence, kind=UseKind.VERIFIED)
    assert use.purpose == "酒店入住登记" and use.disclosed == ["credentialSubject.holderName"]


@pytest.mark.parametrize(
    "body",
    [{"credential": "garbage"}, {"credential": "eyJ.eyJ.sig"}, {"credential": "https://evil.example/x"}],
)
def test_verify_bad_credentials_are_answered_not_crashed(db, body) -> None:
    response = Client().post("/api/v1/licences/verify", json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 422)
    data = response.json()
    assert data.get("outcome") == "invalid" or data["error"]["code"] == "validation_error"


@pytest.mark.parametrize("raw", [b"not json", b"[1,2]", b'{"credential": 5}', b"{}"])
def test_verify_malformed_bodies(db, raw) -> None:
    response = Client().post("/api/v1/licences/verify", raw, content_type="application/json")
    assert response.status_code in (400, 422)
    assert set(response.json()) == {"error"}


def test_verify_refuses_oversized_bodies_unread(db) -> None:
    response = Client().post(
        "/api/v1/licences/verify",
        json.dumps({"credential": "x" * (MAX_TOKEN_CHARS * 3)}),
        content_type="application/json",
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_wallet_and_usable(client_for, demo_city) -> None:
    client = client_for("citizen")
    wallet = client.get("/api/v1/licences/wallet").json()
    assert {item["type"] for item in wallet} >= {"GA-SFZ", "SZ-JZZ", "GA-JSZ"}
    usable = client.get("/api/v1/licences/usable", {"type": "SZ-JZZ"}).json()
    assert usable["usable"] and usable["reason"] == "ok" and usable["licence"]["type"] == "SZ-JZZ"
    missing = client.get("/api/v1/licences/usable", {"type": "MZ-LHZ"}).json()
    assert (missing["usable"], missing["reason"]) == (False, "missing")


def test_issue_and_revoke_through_the_api(demo_city, holder) -> None:
    clerk = User.objects.get(username="clerk_scjg")
    key = create_api_key(SYSTEM, name="scjg", scopes=["licences.issue"], owner=clerk).raw
    from pengcheng.core.models import Company
    from pengcheng.core.seed import demo_credit_code

    company = Company.objects.create(
        credit_code=demo_credit_code(777), name="深圳市测试餐饮有限公司", legal_representative="王五"
    )
    body = {
        "type": "SC-SPJY",
        "holder_identifier": company.credit_code,
        "holder_name": company.name,
        "data": {"company_name": company.name, "credit_code": company.credit_code, "permit_scope": "热食类食品制售"},
        "valid_until": "2031-01-01",
        "reference": "system-42",
    }
    client = Client()
    response = client.post(
        "/api/v1/licences/licences", json.dumps(body), content_type="application/json", HTTP_X_API_KEY=key
    )
    assert response.status_code == 201, response.content
    issued = response.json()
    assert issued["valid_until"].startswith("2031-01-01") or issued["valid_until"].startswith("2030-12-31")
    response = client.post(
        f"/api/v1/licences/licences/{issued['id']}/status",
        json.dumps({"state": "revoked", "reason": "停业"}),
        content_type="application/json",
        HTTP_X_API_KEY=key,
    )
    assert response.json()["state"] == "revoked"
    services.platform_verifier.forget()
    verdict = _verify(Client(), {"credential": issued["credential"]})[1]
    assert verdict["outcome"] == "revoked", verdict
    # Data that breaks the schema is refused field by field.
    body["data"] = {"company_name": company.name, "credit_code": "123"}
    response = client.post(
        "/api/v1/licences/licences", json.dumps(body), content_type="application/json", HTTP_X_API_KEY=key
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {"credit_code", "permit_scope"} <= fields


def test_a_clerk_of_another_department_cannot_issue(client_for, demo_city, holder, permit_data) -> None:
    response = client_for("clerk_scjg").post(
        "/api/v1/licences/licences",
        json.dumps(
            {"type": "SZ-JZZ", "holder_identifier": holder.id_number, "holder_name": "张三", "data": permit_data}
        ),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_published_keys_and_status_lists(client, demo_city) -> None:
    did = client.get("/licences/issuers/440300-GAJ/did.json").json()
    assert did["id"].endswith(":licences:issuers:440300-GAJ")
    assert did["verificationMethod"][0]["publicKeyJwk"]["crv"] == "P-256"
    assert "d" not in did["verificationMethod"][0]["publicKeyJwk"]
    jwks = client.get("/licences/issuers/440300-GAJ/jwks.json").json()
    assert all("d" not in key for key in jwks["keys"])
    status = client.get("/licences/status/440300-GAJ/revocation")
    assert status["Content-Type"] == "application/vc+jwt"
    assert client.get("/licences/status/440300-GAJ/other").status_code == 404
    assert client.get("/licences/issuers/NOPE/did.json").status_code == 404
    schema = client.get("/licences/types/SZ-JZZ/schema.json").json()
    assert schema["properties"]["name"]["title"] == "姓名"


def test_key_rotation_keeps_old_credentials_valid(demo_city, residence_permit, holder, permit_data, client) -> None:
    from pengcheng.core.models import Department
    from pengcheng.testing import make_staff

    old = services.issue_licence(SYSTEM, residence_permit, holder, permit_data)
    supervisor = make_staff("supervisor", "440300-GAJ")
    new_key = services.rotate_key(supervisor, Department.objects.get(code="440300-GAJ"))
    services.key_cache.forget()
    services.platform_verifier.forget()
    new = services.issue_licence(SYSTEM, residence_permit, holder, permit_data, supersede=False)
    assert new.kid == new_key.kid != old.kid
    assert services.platform_verifier.verify(old.credential).outcome == "valid"
    assert services.platform_verifier.verify(new.credential).outcome == "valid"
    did = client.get("/licences/issuers/440300-GAJ/did.json").json()
    assert {old.kid, new.kid} <= {m["id"] for m in did["verificationMethod"]}
