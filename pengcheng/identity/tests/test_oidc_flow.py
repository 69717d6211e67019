"""The whole OpenID Connect flow, driven by Authlib (a real client library) against the live server:
discovery, authorize with PKCE S256, consent, token, ID token verified from the JWKS, userinfo,
refresh with rotation, revocation, introspection and RP-initiated logout."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from joserfc.errors import InvalidClaimError

from pengcheng.audit.models import AuditRecord
from pengcheng.identity.tests.helpers import query, signed_in_session
from pengcheng.testing import make_citizen


def test_discovery_document_names_every_endpoint(relying_party: Any) -> None:
    rp = relying_party()
    meta = rp.metadata
    assert meta["issuer"] == rp.base_url
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
        "end_session_endpoint",
    ):
        assert meta[name].startswith(rp.base_url), name
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["subject_types_supported"] == ["pairwise"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"pengcheng:realname", "pengcheng:company", "pengcheng:staff"} <= set(meta["scopes_supported"])
    keys = requests.get(meta["jwks_uri"], timeout=10).json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["use"] == "sig" and "d" not in k for k in keys)


def test_full_flow_with_authlib(relying_party: Any) -> None:
    rp = relying_party(scopes="openid profile phone pengcheng:realname")
    person = make_citizen(full_name="周测试", assurance_level=2, email="zhou@example.cn")
    browser = signed_in_session(rp.base_url, person.username)

    redirect = rp.authorize(browser)
    assert query(redirect)["state"] == rp.state and "code" in query(redirect)
    token = rp.exchange(redirect)
    assert token["token_type"] == "Bearer" and token["refresh_token"] and token["id_token"]

    claims = rp.verify_id_token(token["id_token"])
    sub = claims["sub"]
    assert sub != str(person.pk) and len(sub) == 32
    assert claims["name"] == "周测试"
    assert claims["pengcheng:assurance_level"] == "L2"
    assert claims["pengcheng:id_number_masked"].startswith("4403") and "*" in claims["pengcheng:id_number_masked"]
    assert "email" not in claims  # not asked for

    session = rp.oauth(token=token)
    info = session.get(rp.metadata["userinfo_endpoint"]).json()
    assert info["sub"] == sub and info["phone_number"].startswith("+86")

    # Refresh: a new refresh token each time; the old one no longer works (and its reuse is caught).
    refreshed = dict(session.refresh_token(rp.metadata["token_endpoint"], refresh_token=token["refresh_token"]))
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert rp.verify_id_token(refreshed["id_token"], refreshed=True)["sub"] == sub
    # Introspection by the client that holds the token: pairwise sub, no user name.
    introspected = requests.post(
        rp.metadata["introspection_endpoint"],
        data={"token": refreshed["access_token"]},
        auth=(rp.client_id, rp.client_secret),
        timeout=10,
    ).json()
    assert introspected["active"] is True and introspected["sub"] == sub and "username" not in introspected

    # Revocation: the access token stops working at the userinfo endpoint.
    rp.oauth().revoke_token(
        rp.metadata["revocation_endpoint"], token=refreshed["access_token"], token_type_hint="access_token"
    )
    gone = requests.get(
        rp.metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {refreshed['access_token']}"}, timeout=10
    )
    assert gone.status_code == 401 and 'error="invalid_token"' in gone.headers["WWW-Authenticate"]

    # Replaying a rotated refresh token fails, and revokes the newer one too (reuse detection).
    with pytest.raises(OAuthError) as reused:
        rp.oauth().refresh_token(rp.metadata["token_endpoint"], refresh_token=token["refresh_token"])
    assert reused.value.error == "invalid_grant"
    with pytest.raises(OAuthError):
        rp.oauth().refresh_token(rp.metadata["token_endpoint"], refresh_token=refreshed["refresh_token"])

    # RP-initiated logout ends the Pengcheng session and returns to the registered address.
    logout = browser.get(
        rp.metadata["end_session_endpoint"],
        params={
            "id_token_hint": refreshed["id_token"],
            "post_logout_redirect_uri": f"{rp.base_url}/",
            "state": "bye",
            "client_id": rp.client_id,
        },
        allow_redirects=False,
    )
    assert logout.status_code == 302 and logout.headers["Location"] == f"{rp.base_url}/?state=bye"
    assert browser.get(f"{rp.base_url}/me/", allow_redirects=False).status_code == 302

    actions = set(AuditRecord.objects.filter(actor_id=person.pk).values_list("action", flat=True))
    assert {"account.login", "identity.consent_granted", "identity.token_granted", "account.logout"} <= actions


def test_public_client_uses_pkce_without_a_secret(relying_party: Any) -> None:
    rp = relying_party(public=True)
    assert rp.client_secret == ""
    person = make_citizen()
    token = rp.exchange(rp.authorize(signed_in_session(rp.base_url, person.username)))
    assert rp.verify_id_token(token["id_token"])["aud"] == rp.client_id


def test_consent_is_remembered_and_trusted_clients_skip_it(relying_party: Any) -> None:
    rp = relying_party()
    browser = signed_in_session(rp.base_url, make_citizen().username)
    rp.authorize(browser)
    # The second time no consent screen is shown: the endpoint redirects at once.
    second = browser.get(rp.authorization_url(), allow_redirects=False)
    assert second.status_code == 302 and "code=" in second.headers["Location"]
    # prompt=consent asks again.
    assert browser.get(rp.authorization_url(prompt="consent"), allow_redirects=False).status_code == 200

    trusted = relying_party(trusted=True, name="Internal office system")
    first = browser.get(trusted.authorization_url(), allow_redirects=False)
    assert first.status_code == 302 and "code=" in first.headers["Location"]


def test_an_id_token_for_another_client_fails_the_audience_check(relying_party: Any) -> None:
    first, second = relying_party(), relying_party(name="Other system")
    browser = signed_in_session(first.base_url, make_citizen().username)
    token = first.exchange(first.authorize(browser))
    second.nonce = first.nonce
    with pytest.raises(InvalidClaimError):
        second.verify_id_token(token["id_token"])
    # ... and the provider refuses it as a logout hint from the other client.
    refused = browser.get(
        first.metadata["end_session_endpoint"],
        params={"id_token_hint": token["id_token"], "client_id": second.client_id},
        allow_redirects=False,
    )
    assert refused.status_code == 400
