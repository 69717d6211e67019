"""Signing-key rotation, the consent list on the account page, and the identity commands."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from joserfc import jws, jwt
from oauth2_provider.models import AccessToken

from pengcheng.audit.models import AuditRecord
from pengcheng.identity import keys
from pengcheng.identity.models import Client as OidcClient
from pengcheng.identity.models import Consent, SigningKey
from pengcheng.identity.tests.helpers import signed_in_session
from pengcheng.testing import make_citizen


def test_rotation_keeps_old_tokens_verifiable(relying_party: Any, settings: Any) -> None:
    settings.PENGCHENG_OIDC_KEY_PUBLISH_SECONDS = 0  # the new key signs at once in this test
    rp = relying_party()
    browser = signed_in_session(rp.base_url, make_citizen().username)
    before = rp.exchange(rp.authorize(browser))
    old_kid = keys.signing_key().kid

    out = StringIO()
    call_command("rotate_oidc_key", stdout=out)
    new_kid = keys.signing_key().kid
    assert new_kid != old_kid and new_kid in out.getvalue()
    published = {k["kid"] for k in requests.get(rp.metadata["jwks_uri"], timeout=10).json()["keys"]}
    assert {old_kid, new_kid} <= published

    after = rp.exchange(rp.authorize(browser))
    assert rp.verify_id_token(after["id_token"])  # signed by the new key
    assert jws.extract_compact(before["id_token"].encode()).protected["kid"] == old_kid
    assert jws.extract_compact(after["id_token"].encode()).protected["kid"] == new_kid
    assert jwt.decode(before["id_token"], rp.jwks(), algorithms=["RS256"]).claims["aud"] == rp.client_id

    # Once its time is up the old key leaves the JWKS.
    SigningKey.objects.filter(kid=old_kid).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert keys.prune() == 1
    assert old_kid not in {k["kid"] for k in keys.jwks()["keys"]}
    assert AuditRecord.objects.filter(action="identity.signing_key_rotated").exists()


def test_a_new_key_is_published_before_it_signs(demo_city: None) -> None:
    current = keys.signing_key().kid
    new, retired = keys.rotate()
    assert keys.signing_key().kid == current  # still the old one during the publication delay
    assert new.kid in {k["kid"] for k in keys.jwks()["keys"]}
    assert all(k.expires_at is not None for k in SigningKey.objects.filter(pk__in=[r.pk for r in retired]))


def test_revoking_an_application_ends_its_tokens(relying_party: Any) -> None:
    rp = relying_party()
    person = make_citizen()
    browser = signed_in_session(rp.base_url, person.username)
    rp.exchange(rp.authorize(browser))
    client = Client()
    client.force_login(person)
    page = client.get("/me/applications/").content.decode()
    assert "Test system" in page
    consent = Consent.objects.get(user=person)
    assert client.post(f"/me/applications/{consent.pk}/revoke/").status_code == 302
    assert not AccessToken.objects.filter(user=person).exists()
    assert not Consent.objects.filter(user=person).exists()
    # Next time the consent screen is shown again.
    assert browser.get(rp.authorization_url(), allow_redirects=False).status_code == 200
    # Someone else's consent cannot be revoked.
    assert Client().post(f"/me/applications/{consent.pk}/revoke/").status_code == 302  # to login


def test_create_oidc_client_prints_the_credentials_last(demo_city: None) -> None:
    out = StringIO()
    call_command(
        "create_oidc_client",
        "--name",
        "社保系统",
        "--redirect-uri",
        "https://si.sz.gov.cn/cb",
        "--scopes",
        "openid,profile,pengcheng:realname",
        "--level",
        "2",
        stdout=out,
    )
    last = out.getvalue().strip().splitlines()[-1]
    client_id, secret = (part.split("=", 1)[1] for part in last.split())
    client = OidcClient.objects.get(client_id=client_id)
    assert len(secret) >= 40 and client.required_level == 2
    assert client.client_type == OidcClient.CLIENT_CONFIDENTIAL

    out = StringIO()
    call_command(
        "create_oidc_client", "--name", "App", "--redirect-uri", "http://localhost:9000/cb", "--public", stdout=out
    )
    assert out.getvalue().strip().splitlines()[-1].endswith("client_secret=")
    with pytest.raises(Exception, match="https"):
        call_command("create_oidc_client", "--name", "Bad", "--redirect-uri", "http://example.com/cb")
