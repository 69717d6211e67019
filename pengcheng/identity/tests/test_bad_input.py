"""Bad requests get the error the specifications name: never a 500, never a hint whether an
account exists."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from pengcheng.audit.models import AuditRecord
from pengcheng.core.actors import SYSTEM
from pengcheng.identity.services import RegisteredClient, register_client
from pengcheng.identity.tests.helpers import query
from pengcheng.testing import make_citizen

REDIRECT = "https://rp.example.gov.cn/callback"
VERIFIER = "v" * 50


@pytest.fixture
def issued(demo_city: None) -> RegisteredClient:
    return register_client(SYSTEM, name="Housing system", redirect_uris=[REDIRECT])


@pytest.fixture
def browser(demo_city: None) -> Client:
    client = Client()
    client.force_login(make_citizen())
    return client


def _authorize_url(client_id: str, **overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "s1",
        "nonce": "n1",
        "code_challenge": create_s256_code_challenge(VERIFIER),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return "/oauth/authorize/?" + urlencode({k: v for k, v in params.items() if v is not None})


def _code(browser: Client, issued: RegisteredClient) -> str:
    page = browser.get(_authorize_url(issued.client.client_id))
    if page.status_code == 302:  # consent already given
        return query(page["Location"])["code"]
    assert page.status_code == 200
    response = browser.post(
        "/oauth/authorize/",
        {**{k: v for k, v in page.context["form"].initial.items() if v is not None}, "allow": "Authorize"},
    )
    assert response.status_code == 302
    return query(response["Location"])["code"]


def _token(issued: RegisteredClient, code: str, verifier: str = VERIFIER, secret: str | None = None) -> Any:
    return Client().post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_id": issued.client.client_id,
            "client_secret": secret if secret is not None else issued.secret,
        },
    )


def test_wrong_redirect_uri_is_shown_not_followed(browser: Client, issued: RegisteredClient) -> None:
    response = browser.get(_authorize_url(issued.client.client_id, redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400
    assert response.context["error"].error == "invalid_request"
    assert "evil.example" not in response.get("Location", "")


def test_unknown_client_is_refused_on_the_page(browser: Client, demo_city: None) -> None:
    response = browser.get(_authorize_url("no-such-client"))
    assert response.status_code == 400
    assert response.context["error"].error in ("invalid_request", "invalid_client")


def test_unsupported_response_type_is_redirected_with_its_error(browser: Client, issued: RegisteredClient) -> None:
    response = browser.get(_authorize_url(issued.client.client_id, response_type="token"))
    assert response.status_code == 302
    assert query(response["Location"])["error"] == "unsupported_response_type"
    assert query(response["Location"])["state"] == "s1"


def test_missing_or_plain_pkce_is_refused(browser: Client, issued: RegisteredClient) -> None:
    missing = browser.get(_authorize_url(issued.client.client_id, code_challenge=None, code_challenge_method=None))
    assert query(missing["Location"])["error"] == "invalid_request"
    plain = browser.get(_authorize_url(issued.client.client_id, code_challenge=VERIFIER, code_challenge_method="plain"))
    assert query(plain["Location"])["error"] == "invalid_request"


def test_scope_the_client_may_not_use_is_refused(browser: Client, issued: RegisteredClient) -> None:
    response = browser.get(_authorize_url(issued.client.client_id, scope="openid pengcheng:staff"))
    assert query(response["Location"])["error"] == "invalid_scope"


def test_replayed_code_and_pkce_mismatch_are_invalid_grant(browser: Client, issued: RegisteredClient) -> None:
    code = _code(browser, issued)
    assert _token(issued, code).status_code == 200
    replay = _token(issued, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"

    other = _code(browser, issued)
    mismatch = _token(issued, other, verifier="w" * 50)
    assert mismatch.status_code == 400 and mismatch.json()["error"] == "invalid_grant"


def test_replayed_code_revokes_the_tokens_it_issued(browser: Client, issued: RegisteredClient) -> None:
    """RFC 6749 §4.1.2: a code used twice may have been stolen, so what it issued stops working,
    the refresh token rotated since included; other codes' tokens are untouched."""
    code = _code(browser, issued)
    first = _token(issued, code).json()
    other = _token(issued, _code(browser, issued)).json()
    rotated = Client().post(
        "/oauth/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": issued.client.client_id,
            "client_secret": issued.secret,
        },
    )
    assert rotated.status_code == 200

    replay = _token(issued, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"

    def userinfo(access: str) -> int:
        return Client().get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code

    assert userinfo(first["access_token"]) == 401
    assert userinfo(rotated.json()["access_token"]) == 401
    assert not RefreshToken.objects.filter(token=rotated.json()["refresh_token"], revoked__isnull=True).exists()
    assert userinfo(other["access_token"]) == 200
    record = AuditRecord.objects.get(action="identity.code_replayed")
    assert record.data == {"refresh_tokens_revoked": 1} and record.actor_id is not None

    # A code that never issued anything (unknown, or another client's) revokes nothing and records nothing.
    assert _token(issued, "no-such-code").json()["error"] == "invalid_grant"
    assert AuditRecord.objects.filter(action="identity.code_replayed").count() == 1
    assert userinfo(other["access_token"]) == 200


def test_wrong_client_secret_is_invalid_client(browser: Client, issued: RegisteredClient) -> None:
    response = _token(issued, _code(browser, issued), secret="not-the-secret")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_expired_access_token_is_invalid_token(browser: Client, issued: RegisteredClient) -> None:
    access = _token(issued, _code(browser, issued)).json()["access_token"]
    AccessToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    response = Client().get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_garbage_at_every_endpoint_is_a_4xx(demo_city: None) -> None:
    client = Client()
    assert client.post("/oauth/token/", {"grant_type": "authorization_code", "code": "x"}).status_code in (400, 401)
    assert client.post("/oauth/token/", {"grant_type": "password", "username": "citizen"}).status_code in (400, 401)
    assert client.post("/oauth/revoke/", {"token": "x"}).status_code in (400, 401)
    assert client.post("/oauth/introspect/", {"token": "x"}).status_code in (401, 403)
    assert client.get("/oauth/userinfo/").status_code == 401
    assert client.get("/oauth/logout/", {"id_token_hint": "not.a.jwt"}).status_code == 400
    assert client.get("/oauth/authorize/").status_code == 302  # to the login page first


def test_failed_logins_do_not_reveal_whether_the_account_exists(demo_city: None) -> None:
    make_citizen(username="real-person")
    known = Client().post("/accounts/login/", {"username": "real-person", "password": "wrong-password-1"})
    unknown = Client().post("/accounts/login/", {"username": "nobody-here", "password": "wrong-password-1"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda html: html.replace("real-person", "X").replace("nobody-here", "X")  # noqa: E731
    import re

    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", strip(known.content.decode())) == token.sub("", strip(unknown.content.decode()))


def test_consent_screen_speaks_english_too(browser: Client, issued: RegisteredClient) -> None:
    page = browser.get(_authorize_url(issued.client.client_id), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Allow Housing system to use your Pengcheng account?" in html
    assert "Your name" in html
    chinese = browser.get(_authorize_url(issued.client.client_id), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "允许 Housing system 使用您的鹏城账号？" in chinese and "您的姓名" in chinese


def test_code_spent_by_a_concurrent_exchange_leaves_no_tokens(
    browser: Client, issued: RegisteredClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two exchanges of one code race: both read the grant, one deletes it. The loser's tokens,
    written before it found the code gone, are rolled back with its invalid_grant answer."""
    from oauth2_provider.models import Grant, IDToken, RefreshToken

    from pengcheng.audit.models import AuditRecord
    from pengcheng.identity import oauth

    code = _code(browser, issued)
    before = (AccessToken.objects.count(), RefreshToken.objects.count(), IDToken.objects.count())
    audited = AuditRecord.objects.filter(action="identity.token_granted").count()
    real_delete = oauth._spend_grant.delete

    def spent_meanwhile(code: str, client_pk: int) -> int:
        real_delete(code, client_pk)  # the other exchange got there first
        return 0

    monkeypatch.setattr(oauth._spend_grant, "delete", spent_meanwhile)
    response = _token(issued, code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert (AccessToken.objects.count(), RefreshToken.objects.count(), IDToken.objects.count()) == before
    assert AuditRecord.objects.filter(action="identity.token_granted").count() == audited
    assert Grant.objects.filter(code=code).exists()  # the whole exchange rolled back, the delete too


def test_code_exchange_writes_in_one_transaction_without_savepoints(browser: Client, issued: RegisteredClient) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    code = _code(browser, issued)
    with CaptureQueriesContext(connection) as queries:
        assert _token(issued, code).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    # From the ID token to the spent code: no savepoints (the test's own transaction turns the
    # view's into one, and a first exchange creates a subject and a signing key before this).
    first = next(i for i, text in enumerate(sql) if text.startswith('INSERT INTO "oauth2_provider_idtoken"'))
    writes = [text.split()[0].upper() for text in sql[first:]]
    assert "SAVEPOINT" not in writes and writes.count("DELETE") == 1
    assert [text.split()[2] for text in sql[first : first + 3]] == [
        '"oauth2_provider_idtoken"',
        '"oauth2_provider_accesstoken"',
        '"oauth2_provider_refreshtoken"',
    ]


def test_reused_refresh_token_is_refused_and_its_family_stays_revoked(
    browser: Client, issued: RegisteredClient
) -> None:
    first = _token(issued, _code(browser, issued)).json()

    def refresh(token: str) -> Any:
        return Client().post(
            "/oauth/token/",
            {
                "grant_type": "refresh_token",
                "refresh_token": token,
                "client_id": issued.client.client_id,
                "client_secret": issued.secret,
            },
        )

    rotated = refresh(first["refresh_token"])
    assert rotated.status_code == 200
    reused = refresh(first["refresh_token"])  # a stolen copy of the old token
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # The failed request's revocation of the whole family was kept: the rotated token is dead too.
    assert refresh(rotated.json()["refresh_token"]).status_code == 400
