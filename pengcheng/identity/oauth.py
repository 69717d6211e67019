"""django-oauth-toolkit hooks: the scopes each client may use, the claims per scope, pairwise
subject identifiers, and ID tokens verified against the key ring."""

from __future__ import annotations

import json
import secrets
import uuid
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from jwcrypto import jws, jwt
from jwcrypto.common import JWException
from oauth2_provider.models import AbstractApplication, AccessToken, Grant, IDToken, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.grant_types import AuthorizationCodeGrant as OAuth2AuthorizationCodeGrant
from oauthlib.openid import Server

from pengcheng.core.models import User
from pengcheng.core.prepared import PreparedDelete, PreparedInsert, PreparedLookup
from pengcheng.identity import keys, selectors, services
from pengcheng.identity.models import SCOPES, Client


class PengchengScopes(BaseScopes):
    """All scopes are listed in discovery; a client may use only the scopes it was allowed."""

    def get_all_scopes(self) -> dict[str, Any]:
        return dict(SCOPES)

    def get_available_scopes(
        self, application: Client | None = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if application is None:
            return list(SCOPES)
        return [scope for scope in application.allowed_scopes or [] if scope in SCOPES]

    def get_default_scopes(
        self, application: Client | None = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return ["openid"]


# The code exchange runs these statements hundreds of times a second; Django's per-call query
# compilation and save machinery cost more CPU than the statements themselves (core/prepared.py).
_grant_by_code = PreparedLookup(Grant.objects.select_related("user", "application"), by=("code",))
_spend_grant = PreparedDelete(Grant, by=("code", "application"))
_insert_id_token = PreparedInsert(IDToken)
_insert_access_token = PreparedInsert(AccessToken)
_insert_refresh_token = PreparedInsert(RefreshToken)


# A code presented after it was spent, noted for the token view: the view revokes the tokens the
# code issued once the failed exchange has rolled back, so the revocation is not rolled back too.
spent_code_presented: ContextVar[tuple[int, str] | None] = ContextVar("spent_code_presented", default=None)


class PengchengValidator(OAuth2Validator):
    # Which scope releases each claim. ``sub`` is always released.
    oidc_claim_scope = {
        "sub": "openid",
        "name": "profile",
        "preferred_username": "profile",
        "email": "email",
        "email_verified": "email",
        "phone_number": "phone",
        "phone_number_verified": "phone",
        "pengcheng:assurance_level": "pengcheng:realname",
        "pengcheng:assurance_method": "pengcheng:realname",
        "pengcheng:id_number_masked": "pengcheng:realname",
        "pengcheng:company": "pengcheng:company",
        "pengcheng:staff": "pengcheng:staff",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user: User = request.user
        client: Client = request.client
        claims: dict[str, Any] = {
            "name": user.full_name or user.username,
            "preferred_username": user.username,
            "email": user.email or None,
            "email_verified": False,
            "phone_number": f"+86{user.phone}" if user.phone else None,
            "phone_number_verified": bool(user.phone) and user.assurance_level >= 2,
            "pengcheng:assurance_level": f"L{user.assurance_level}",
            "pengcheng:assurance_method": user.assurance_method or None,
            "pengcheng:id_number_masked": user.masked_id_number or None,
        }
        if "pengcheng:company" in request.scopes:
            claims["pengcheng:company"] = selectors.company_claim(user, client)
        if "pengcheng:staff" in request.scopes:
            claims["pengcheng:staff"] = selectors.staff_claim(user)
        return {name: value for name, value in claims.items() if value is not None}

    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        claims = self.get_additional_claims(request)
        claims["sub"] = selectors.pairwise_sub(request.user, request.client)
        return claims

    def get_discovery_claims(self, request: Any) -> list[str]:
        return list(self.oidc_claim_scope)

    def _get_key_for_token(self, token: str) -> Any:
        """The ring key named by the token's ``kid`` (so tokens signed before a rotation verify),
        provided the token's audience is one of our clients."""
        unverified = jws.JWS()
        unverified.deserialize(token)
        try:
            header = unverified.jose_header
            claims = json.loads(unverified.objects["payload"].decode("utf-8"))
        except (JWException, ValueError, KeyError):
            return None
        if "aud" not in claims or self._get_client_by_audience(claims["aud"]) is None:
            return None
        key = keys.key_for(header.get("kid"))
        return key.jwk if key else None

    # One authorization-code exchange asks about the same grant seven times; it is read once, with
    # its user and client, and DOT's own second read (for RFC 8707 resources) is skipped when
    # neither the grant nor the request names a resource.

    def _grant(self, code: str, request: Any) -> Grant | None:
        cached = getattr(request, "_pengcheng_grant", None)
        if cached is None or cached.code != code:
            cached = _grant_by_code.first(code)
            request._pengcheng_grant = cached
            if cached is not None and request.client is None:
                # DOT's _load_application reuses request.client only when its client_id is the one
                # the request authenticates as, so this saves a query and trusts nothing.
                request.client = cached.application
        return cached

    def _client_grant(self, code: str, client: Any, request: Any) -> Grant:
        grant = self._grant(code, request)
        if grant is None or client is None or grant.application_id != client.pk:
            raise Grant.DoesNotExist
        return grant

    def get_authorization_code_scopes(self, client_id: str, code: str, redirect_uri: str, request: Any) -> list[str]:
        grant = self._grant(code, request)
        return grant.scope.split() if grant and grant.scope else []

    def get_authorization_code_nonce(self, client_id: str, code: str, redirect_uri: str, request: Any) -> str | None:
        grant = self._grant(code, request)
        return grant.nonce or None if grant else None

    def validate_code(self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any) -> bool:
        try:
            grant = self._client_grant(code, client, request)
        except Grant.DoesNotExist:
            if client is not None:
                spent_code_presented.set((client.pk, code))  # spent, or never issued to this client
            return False
        if grant.is_expired():
            return False
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        if grant.claims:
            request.claims = json.loads(grant.claims)
        return True

    def confirm_redirect_uri(
        self, client_id: str, code: str, redirect_uri: str, client: Any, *args: Any, **kwargs: Any
    ) -> bool:
        request = kwargs.get("request") or (args[0] if args else None)
        return self._client_grant(code, client, request).redirect_uri_allowed(redirect_uri)

    def get_code_challenge(self, code: str, request: Any) -> str | None:
        return self._client_grant(code, request.client, request).code_challenge or None

    def get_code_challenge_method(self, code: str, request: Any) -> str | None:
        return self._client_grant(code, request.client, request).code_challenge_method or None

    def _check_and_set_request_resource(self, request: Any) -> None:
        grant = getattr(request, "_pengcheng_grant", None)
        if (
            request.grant_type == "authorization_code"
            and grant is not None
            and grant.code == request.code
            and not grant.resource
            and not getattr(request, "resource", None)
        ):
            request.resource = []  # nothing to narrow and nothing to inherit
            return
        super()._check_and_set_request_resource(request)

    def save_bearer_token(self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any) -> Any:
        """Save the tokens and their audit record in one transaction."""
        # DOT's save_bearer_token only wraps _save_bearer_token in a transaction; inside the token
        # view's own transaction that would be a savepoint (two more round trips) for nothing.
        with transaction.atomic(savepoint=False):
            saved = self._save_bearer_token(token, request, *args, **kwargs)
            services.record_token_grant(
                request.user,
                request.client,
                grant_type=request.grant_type or "",
                scope=token.get("scope", ""),
                ip_address=str(request.headers.get("REMOTE_ADDR", "")),
            )
        return saved

    def _create_access_token(
        self, expires: Any, request: Any, token: dict[str, Any], source_refresh_token: Any = None
    ) -> Any:
        """As DOT's, but link the ID token just issued for this request (``finalize_id_token`` left it
        on the request) instead of parsing and verifying the token string again."""
        issued = getattr(request, "id_token", None)
        if not (token.get("id_token") and isinstance(issued, IDToken)):
            return super()._create_access_token(expires, request, token, source_refresh_token)
        access_token = AccessToken(
            user=request.user,
            scope=token["scope"],
            expires=expires,
            id_token=issued,
            application=request.client,
            source_refresh_token=source_refresh_token,
            resource=getattr(request, "resource", []),  # RFC 8707
        )
        self._set_token_value(access_token, token["access_token"])
        _insert_access_token.save(access_token)
        return access_token

    def _create_refresh_token(
        self, request: Any, refresh_token_code: str, access_token: Any, previous_refresh_token: Any
    ) -> Any:
        """As DOT's (a rotated token stays in its family), saved through the prepared insert. A code
        exchange starts the family named by the code, so a replay of the code can revoke it."""
        if previous_refresh_token is not None:
            family = previous_refresh_token.token_family
        elif request.grant_type == "authorization_code" and request.code:
            family = services.code_token_family(request.client.pk, request.code)
        else:
            family = uuid.uuid4()
        refresh_token = RefreshToken(
            user=request.user,
            application=request.client,
            access_token=access_token,
            token_family=family,
            resource=getattr(request, "resource", []),  # RFC 8707
        )
        self._set_token_value(refresh_token, refresh_token_code)
        _insert_refresh_token.save(refresh_token)
        return refresh_token

    def finalize_id_token(self, id_token: dict[str, Any], token: Any, token_handler: Any, request: Any) -> str:
        """As DOT's, but the ID token row joins the exchange's transaction instead of opening a
        savepoint of its own (two more statements, for a write that commits or fails with the rest)."""
        claims, expiration_time = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:  # oauthlib bug #746, as DOT works around it
            id_token["nonce"] = request.nonce
        header = {"typ": "JWT", "alg": request.client.algorithm}
        if request.client.algorithm == AbstractApplication.RS256_ALGORITHM:
            ring_key = keys.signing_key()  # its kid is the RFC 7638 thumbprint, computed once
            signing_key, header["kid"] = ring_key.jwk, ring_key.kid
        else:
            signing_key = request.client.jwk_key
        signed = jwt.JWT(header=json.dumps(header, default=str), claims=json.dumps(id_token, default=str))
        signed.make_signed_token(signing_key)
        with transaction.atomic(savepoint=False):
            saved = self._save_id_token(id_token["jti"], request, expiration_time)
        request.access_token = saved
        request.id_token = saved
        return str(signed.serialize())

    def _save_id_token(self, jti: Any, request: Any, expires: Any, *args: Any, **kwargs: Any) -> IDToken:
        id_token = IDToken(
            user=request.user,
            scope=request.scope or " ".join(request.scopes),
            expires=expires,
            jti=jti,
            application=request.client,
        )
        _insert_id_token.save(id_token)
        return id_token

    def invalidate_authorization_code(self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any) -> None:
        """Delete the spent grant; none deleted (spent meanwhile) is ``invalid_grant``, as in DOT, and
        a replay of the code."""
        if not _spend_grant.delete(code, request.client.pk):
            spent_code_presented.set((request.client.pk, code))
            raise errors.InvalidGrantError(request=request)

    def validate_user_match(self, id_token_hint: str | None, scopes: Any, claims: Any, request: Any) -> bool:
        return True


class CodeFlowServer(Server):
    """oauthlib's OpenID Connect server limited to what Pengcheng offers: the authorization-code
    flow and refresh tokens. Any other ``response_type`` is ``unsupported_response_type`` and any
    other grant ``unsupported_grant_type``, as RFC 6749 names them; and a PKCE method other than
    S256 is refused at the authorization endpoint (RFC 7636 §4.4.1, RFC 9700 §2.1.1)."""

    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(request_validator, *args, **kwargs)
        response_types: dict[str, Any] = self._response_types  # type: ignore[has-type]
        grant_types: dict[str, Any] = self._grant_types  # type: ignore[has-type]
        self._response_types = {"code": response_types["code"]}
        self._grant_types = {name: grant_types[name] for name in ("authorization_code", "refresh_token")}
        s256_only = {"S256": OAuth2AuthorizationCodeGrant._code_challenge_methods["S256"]}
        for grant in (self.auth_grant, self.openid_connect_auth.proxy_target):
            grant._code_challenge_methods = s256_only


def random_token(request: Any, refresh_token: bool = False) -> str:
    """Access and refresh tokens: 256 random bits from the OS in one call (oauthlib's default draws
    each of its 30 characters separately)."""
    return secrets.token_urlsafe(32)
