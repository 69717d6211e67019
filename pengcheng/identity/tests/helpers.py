"""Helpers for the identity tests: a relying party built on Authlib, and a signed-in browser-like
session (requests) against the live server."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from pengcheng.seeding import DEMO_PASSWORD

# Sessions opened against the live server; closed by the ``relying_party`` fixture before the server
# stops, so no server thread outlives the test on a kept-alive connection.
OPEN_SESSIONS: list[requests.Session] = []

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def signed_in_session(base_url: str, username: str, password: str = DEMO_PASSWORD) -> requests.Session:
    """A requests session that has logged in through the login form (as a browser would)."""
    session = requests.Session()
    OPEN_SESSIONS.append(session)
    session.get(f"{base_url}/accounts/login/").raise_for_status()
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base_url}/accounts/login/"},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def hidden_fields(html: str) -> dict[str, str]:
    import html as html_lib

    return {name: html_lib.unescape(value) for name, value in _HIDDEN.findall(html)}


@dataclass
class RelyingParty:
    """A client application as another government system would write it, with Authlib."""

    base_url: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scope: str = "openid profile"
    metadata: dict[str, Any] = field(default_factory=dict)
    verifier: str = ""
    nonce: str = ""
    state: str = ""

    def discover(self) -> dict[str, Any]:
        response = requests.get(f"{self.base_url}/.well-known/openid-configuration", timeout=10)
        response.raise_for_status()
        self.metadata = response.json()
        return self.metadata

    def oauth(self, **kwargs: Any) -> OAuth2Session:
        auth_method = "client_secret_basic" if self.client_secret else "none"
        session = OAuth2Session(
            self.client_id,
            self.client_secret or None,
            scope=self.scope,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method=auth_method,
            revocation_endpoint_auth_method=auth_method,
            **kwargs,
        )
        OPEN_SESSIONS.append(session)
        return session

    def authorization_url(self, **extra: Any) -> str:
        self.verifier = generate_token(48)
        self.nonce = secrets.token_urlsafe(16)
        url, self.state = self.oauth().create_authorization_url(
            self.metadata["authorization_endpoint"], code_verifier=self.verifier, nonce=self.nonce, **extra
        )
        return str(url)

    def authorize(self, browser: requests.Session, *, consent: bool | None = True, **extra: Any) -> str:
        """Send the browser through the authorization endpoint (answering the consent screen when it
        shows) and return the redirect back to us."""
        response = browser.get(self.authorization_url(**extra), allow_redirects=False)
        if response.status_code == 200 and consent is not None:
            fields = hidden_fields(response.text)
            if consent:
                fields["allow"] = "Authorize"
            fields["csrfmiddlewaretoken"] = browser.cookies["csrftoken"]
            response = browser.post(response.url, data=fields, headers={"Referer": response.url}, allow_redirects=False)
        assert response.status_code == 302, response.text[:800]
        return str(response.headers["Location"])

    def exchange(self, redirect: str, **kwargs: Any) -> dict[str, Any]:
        return dict(
            self.oauth(**kwargs).fetch_token(
                self.metadata["token_endpoint"], authorization_response=redirect, code_verifier=self.verifier
            )
        )

    def jwks(self) -> Any:
        return KeySet.import_key_set(requests.get(self.metadata["jwks_uri"], timeout=10).json())

    def verify_id_token(self, id_token: str, *, audience: str | None = None, refreshed: bool = False) -> Any:
        """Verify signature (from the JWKS), issuer, audience, expiry and nonce. An ID token from a
        refresh carries no nonce (OIDC Core §12.2)."""
        token = jwt.decode(id_token, self.jwks(), algorithms=["RS256"])
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.metadata["issuer"]},
            aud={"essential": True, "value": audience or self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": not refreshed, "value": self.nonce},
        )
        registry.validate(token.claims)
        return token.claims


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
