"""State changes for unified identity. Each checks its own permission and leaves an audit record."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, RefreshToken

from pengcheng.audit.services import record as audit
from pengcheng.core import identifiers
from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import Conflict, NotFound, ValidationFailed
from pengcheng.core.models import AssuranceLevel, Company, Role, User
from pengcheng.core.permissions import require_platform_role, require_role
from pengcheng.identity import keys, selectors
from pengcheng.identity.models import SCOPES, AccountSession, Client, Consent, SigningKey
from pengcheng.registries.selectors import person_matching

# Clients ----------------------------------------------------------------------------------------


def _redirect_uri_problem(uri: str) -> str | None:
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("%(uri)s is not an absolute http(s) address.") % {"uri": uri}
    if parts.fragment:
        return _("%(uri)s must not contain a fragment (#).") % {"uri": uri}
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        return _("%(uri)s must use https (plain http is allowed only for localhost).") % {"uri": uri}
    return None


@dataclass(frozen=True)
class RegisteredClient:
    client: Client
    secret: str  # shown once; empty for a public client


def _client_fields(
    *, name: str, redirect_uris: list[str], allowed_scopes: list[str], required_level: int, post_logout: list[str]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Enter the client's name.")]
    if not redirect_uris:
        errors["redirect_uris"] = [_("Enter at least one redirect URI.")]
    uri_problems = [p for p in map(_redirect_uri_problem, redirect_uris) if p]
    if uri_problems:
        errors["redirect_uris"] = uri_problems
    logout_problems = [p for p in map(_redirect_uri_problem, post_logout) if p]
    if logout_problems:
        errors["post_logout_redirect_uris"] = logout_problems
    unknown = [scope for scope in allowed_scopes if scope not in SCOPES]
    if unknown:
        errors["allowed_scopes"] = [_("Unknown scope(s): %(scopes)s.") % {"scopes": ", ".join(unknown)}]
    elif "openid" not in allowed_scopes:
        errors["allowed_scopes"] = [_("The openid scope is required.")]
    if required_level not in AssuranceLevel.values:
        errors["required_level"] = [_("Choose L1, L2 or L3.")]
    return errors


def register_client(
    actor: MaybeActor,
    *,
    name: str,
    redirect_uris: list[str],
    public: bool = False,
    allowed_scopes: list[str] | None = None,
    required_level: int = AssuranceLevel.L1,
    trusted: bool = False,
    sector_identifier: str = "",
    post_logout_redirect_uris: list[str] | None = None,
    description: str = "",
) -> RegisteredClient:
    """Register a relying party. A confidential client gets a secret, shown only now."""
    require_platform_role(actor, action="identity.client.register")
    scopes = list(dict.fromkeys(allowed_scopes or ["openid", "profile"]))
    post_logout = post_logout_redirect_uris or []
    errors = _client_fields(
        name=name,
        redirect_uris=redirect_uris,
        allowed_scopes=scopes,
        required_level=required_level,
        post_logout=post_logout,
    )
    if errors:
        raise ValidationFailed(errors)
    secret = "" if public else generate_client_secret()
    with transaction.atomic():
        client = Client(
            name=name.strip(),
            description=description.strip(),
            client_type=Client.CLIENT_PUBLIC if public else Client.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(redirect_uris),
            post_logout_redirect_uris=" ".join(post_logout),
            algorithm=Client.RS256_ALGORITHM,
            allowed_scopes=scopes,
            required_level=required_level,
            skip_authorization=trusted,
            sector_identifier=sector_identifier.strip(),
            client_secret=secret,
        )
        client.save()
        audit(
            actor,
            "identity.client_registered",
            client,
            summary=client.name,
            data={"public": public, "scopes": scopes, "required_level": required_level, "trusted": trusted},
        )
    return RegisteredClient(client, secret)


def update_client(
    actor: MaybeActor,
    client: Client,
    *,
    allowed_scopes: list[str],
    required_level: int,
    trusted: bool,
    is_active: bool,
    redirect_uris: list[str] | None = None,
    post_logout_redirect_uris: list[str] | None = None,
) -> Client:
    """Change a client's settings and, when given, its redirect URIs. Changing the redirect URIs
    never changes the users' pairwise ``sub``: a client whose sector came from its first redirect
    host keeps that sector."""
    require_platform_role(actor, action="identity.client.update", target=client)
    uris = client.redirect_uris.split() if redirect_uris is None else list(dict.fromkeys(redirect_uris))
    logout_uris = (
        client.post_logout_redirect_uris.split()
        if post_logout_redirect_uris is None
        else list(dict.fromkeys(post_logout_redirect_uris))
    )
    errors = _client_fields(
        name=client.name,
        redirect_uris=uris,
        allowed_scopes=allowed_scopes,
        required_level=required_level,
        post_logout=logout_uris,
    )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        previous = {"redirect_uris": client.redirect_uris, "post_logout": client.post_logout_redirect_uris}
        client.sector_identifier = client.sector  # pinned before the URIs it may come from change
        client.redirect_uris = " ".join(uris)
        client.post_logout_redirect_uris = " ".join(logout_uris)
        client.allowed_scopes = list(dict.fromkeys(allowed_scopes))
        client.required_level = required_level
        client.skip_authorization = trusted
        client.is_active = is_active
        client.save(
            update_fields=[
                "allowed_scopes",
                "required_level",
                "skip_authorization",
                "is_active",
                "redirect_uris",
                "post_logout_redirect_uris",
                "sector_identifier",
                "updated",
            ]
        )
        data: dict[str, Any] = {
            "scopes": client.allowed_scopes,
            "required_level": required_level,
            "trusted": trusted,
            "active": is_active,
        }
        if previous["redirect_uris"] != client.redirect_uris:
            data["redirect_uris"] = {"from": previous["redirect_uris"].split(), "to": uris}
        if previous["post_logout"] != client.post_logout_redirect_uris:
            data["post_logout_redirect_uris"] = {"from": previous["post_logout"].split(), "to": logout_uris}
        audit(actor, "identity.client_updated", client, summary=client.name, data=data)
    return client


def rotate_signing_key(actor: MaybeActor) -> SigningKey:
    require_platform_role(actor, action="identity.key.rotate")
    with transaction.atomic():
        new, retired = keys.rotate()
        audit(
            actor,
            "identity.signing_key_rotated",
            ("identity.signingkey", new.kid),
            summary=f"new key {new.kid} signs from {new.active_from:%Y-%m-%d %H:%M:%S} UTC",
            data={"new": new.kid, "retired": [k.kid for k in retired]},
        )
    return new


# Consent and tokens ------------------------------------------------------------------------------


def record_authorization(
    user: User,
    client: Client,
    scopes: list[str],
    *,
    company: Company | None,
    request: HttpRequest | None,
    by_consent: bool,
) -> Consent:
    """The user authorised ``client`` for ``scopes``: remember it (merging earlier scopes) and
    note the company they act for. ``by_consent`` is True when they answered the consent screen."""
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(user=user, client=client).first()
        now = timezone.now()
        if consent is None:
            consent = Consent.objects.create(user=user, client=client, scopes=sorted(scopes), company=company)
        else:
            consent.scopes = sorted(set(consent.scopes) | set(scopes))
            consent.company, consent.updated_at = company, now
            consent.save(update_fields=["scopes", "company", "updated_at"])
        audit(
            user,
            "identity.consent_granted" if by_consent else "identity.authorized",
            client,
            summary=client.name,
            data={
                "scopes": scopes,
                "company": company.credit_code if company else None,
                "trusted": client.skip_authorization,
            },
            request=request,
        )
    return consent


def _revoke_tokens(user: User, client: Client | None = None) -> int:
    """Delete the user's access tokens and revoke their refresh tokens (for one client or all)."""
    access = AccessToken.objects.filter(user=user)
    refresh = RefreshToken.objects.filter(user=user, revoked__isnull=True)
    if client is not None:
        access, refresh = access.filter(application=client), refresh.filter(application=client)
    count = access.count()
    refresh.update(revoked=timezone.now(), access_token=None)
    access.delete()
    return count


def revoke_consent(user: User, consent_id: int, request: HttpRequest | None = None) -> Client:
    """Withdraw consent for a client and end the access it holds."""
    with transaction.atomic():
        consent = Consent.objects.select_related("client").filter(pk=consent_id, user=user).first()
        if consent is None:
            raise NotFound(_("No such authorised application."))
        client = consent.client
        consent.delete()
        revoked = _revoke_tokens(user, client)
        audit(user, "identity.consent_revoked", client, summary=client.name, data={"tokens": revoked}, request=request)
    return client


def record_token_grant(user: User | None, client: Client, *, grant_type: str, scope: str, ip_address: str) -> None:
    """Audit an issued token (code exchange or refresh). The record goes to the user's chain, not the
    client's: one busy client's exchanges would otherwise all wait for the same chain head."""
    audit(
        user,
        "identity.token_granted",
        client,
        summary=client.name,
        data={"grant_type": grant_type, "scope": scope},
        ip_address=ip_address[:45],
        chain_key=f"core.user:{user.pk}" if user is not None else "",
    )


def code_token_family(client_pk: int, code: str) -> uuid.UUID:
    """The refresh-token family of the tokens issued for an authorization code. It is derived from
    the client and the code with a keyed hash, so a replayed code finds its tokens without a table
    of spent codes (and an extra write per exchange), and the family names the code to no one."""
    digest = salted_hmac("pengcheng.identity.code_token_family", f"{client_pk}:{code}", algorithm="sha256").digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def revoke_replayed_code_tokens(client_pk: int, code: str, *, ip_address: str = "") -> int | None:
    """A code presented again after it was spent: revoke every token issued from it, rotated ones
    included (RFC 6749 §4.1.2, RFC 9700 §4.5), and audit the replay. The token endpoint calls this
    after authenticating the client, whose own tokens are the only ones the family can name. Returns
    how many live refresh tokens were revoked, or None when the code issued none (an unknown code)."""
    family = code_token_family(client_pk, code)
    with transaction.atomic():
        issued = (
            RefreshToken.objects.select_related("user", "application")
            .filter(token_family=family, application_id=client_pk)
            .order_by("pk")
            .first()
        )
        if issued is None:
            return None
        live = RefreshToken.objects.filter(token_family=family, revoked__isnull=True).count()
        RefreshToken.revoke_family(family)
        audit(
            issued.user,
            "identity.code_replayed",
            issued.application,
            summary=issued.application.name,
            data={"refresh_tokens_revoked": live},
            ip_address=ip_address[:45],
            chain_key=f"core.user:{issued.user_id}" if issued.user_id else "",
        )
    return live


# Sessions --------------------------------------------------------------------------------------


def start_session(user: User, request: HttpRequest) -> AccountSession | None:
    session = getattr(request, "session", None)
    if session is None:
        return None
    if session.session_key is None:
        session.save()
    row, _created = AccountSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip_address": str(request.META.get("REMOTE_ADDR", ""))[:45],
            "user_agent": str(request.META.get("HTTP_USER_AGENT", ""))[:300],
            "second_factor": bool(getattr(user, "otp_device", None)),
            "created_at": timezone.now(),
            "last_seen": timezone.now(),
            "ended_at": None,
        },
    )
    return row


def end_session(session_key: str | None) -> None:
    if session_key:
        AccountSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(ended_at=timezone.now())


def _session_store(session_key: str) -> SessionBase:
    from django.conf import settings

    engine = import_string(settings.SESSION_ENGINE + ".SessionStore")
    return engine(session_key)


def sign_out_session(user: User, session_id: int, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        row = AccountSession.objects.filter(pk=session_id, user=user, ended_at__isnull=True).first()
        if row is None:
            raise NotFound(_("No such session."))
        _session_store(row.session_key).delete()
        row.ended_at = timezone.now()
        row.save(update_fields=["ended_at"])
        audit(user, "account.session_ended", row, summary=row.ip_address, request=request)


def sign_out_everywhere(user: User, request: HttpRequest | None = None) -> tuple[int, int]:
    """End every browser session of the user and revoke every token their clients hold.
    Returns (sessions ended, access tokens revoked)."""
    with transaction.atomic():
        rows = list(AccountSession.objects.filter(user=user, ended_at__isnull=True))
        for row in rows:
            _session_store(row.session_key).delete()
        AccountSession.objects.filter(pk__in=[r.pk for r in rows]).update(ended_at=timezone.now())
        revoked = _revoke_tokens(user)
        audit(
            user,
            "account.signed_out_everywhere",
            user,
            data={"sessions": len(rows), "tokens": revoked},
            request=request,
        )
    if request is not None and hasattr(request, "session"):
        request.session.flush()
    return len(rows), revoked


# Real-name levels ----------------------------------------------------------------------------------

UPGRADE_ATTEMPTS_PER_HOUR = 5


def upgrade_to_l2(user: User, *, full_name: str, id_number: str, request: HttpRequest | None = None) -> User:
    """Verify name and identity number against the population registry; on a match the account
    becomes L2. A mismatch says only that they do not match (nothing about which part)."""
    id_number = id_number.strip().upper()
    full_name = full_name.strip()
    errors: dict[str, list[str]] = {}
    if not full_name:
        errors["full_name"] = [_("Enter your name as on your identity card.")]
    if identifiers.id_number_problem(id_number):
        errors["id_number"] = [_("Enter a valid 18-character identity number.")]
    if errors:
        raise ValidationFailed(errors)
    if user.assurance_level >= AssuranceLevel.L2:
        raise Conflict(_("Your account is already verified."))
    attempts_key = f"pengcheng:identity:upgrade:{user.pk}"
    attempts = cache.get(attempts_key, 0)
    if attempts >= UPGRADE_ATTEMPTS_PER_HOUR:
        raise Conflict(_("Too many attempts. Try again in an hour, or verify at a service hall."), code="rate_limited")
    mismatch = _("The name and identity number do not match the population registry.")
    record = person_matching(id_number, full_name)
    taken = User.objects.filter(id_number=id_number).exclude(pk=user.pk).exists()
    with transaction.atomic():
        if record is None or taken:
            cache.set(attempts_key, attempts + 1, 3600)
            audit(user, "identity.realname_failed", user, summary="population registry mismatch", request=request)
            raise ValidationFailed({"id_number": [mismatch]})
        user.full_name, user.id_number = record.name, record.id_number
        user.assurance_level = AssuranceLevel.L2
        user.assurance_method = "population_registry"
        user.assurance_verified_at = timezone.now()
        user.save(
            update_fields=["full_name", "id_number", "assurance_level", "assurance_method", "assurance_verified_at"]
        )
        audit(user, "identity.realname_verified", user, summary="L2 population_registry", request=request)
    transaction.on_commit(lambda: cache.delete(attempts_key))
    return user


IN_PERSON_METHODS = ("counter", "certificate")


def verify_in_person(
    actor: MaybeActor,
    user: User,
    *,
    id_number: str,
    full_name: str,
    method: str = "counter",
    request: HttpRequest | None = None,
) -> User:
    """A clerk at a counter (or an operator checking a certificate) raises an account to L3. The
    identity card in front of them must also match the population registry."""
    require_role(actor, Role.CLERK, action="identity.realname.in_person", target=user)
    if method not in IN_PERSON_METHODS:
        raise ValidationFailed({"method": [_("Choose counter or certificate.")]})
    if person_matching(id_number, full_name) is None:
        raise ValidationFailed({"id_number": [_("The name and identity number do not match the population registry.")]})
    if User.objects.filter(id_number=id_number.strip().upper()).exclude(pk=user.pk).exists():
        raise Conflict(_("Another account already holds this identity number."))
    with transaction.atomic():
        user.full_name, user.id_number = full_name.strip(), id_number.strip().upper()
        user.assurance_level = AssuranceLevel.L3
        user.assurance_method = method
        user.assurance_verified_at = timezone.now()
        user.save(
            update_fields=["full_name", "id_number", "assurance_level", "assurance_method", "assurance_verified_at"]
        )
        audit(actor, "identity.realname_verified", user, summary=f"L3 {method}", request=request)
    return user


# Second factor --------------------------------------------------------------------------------------

RECOVERY_CODES = 10


def begin_totp_enrolment(user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator for the user to scan."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm_totp_enrolment(user: User, token: str, request: HttpRequest | None = None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code from it; returns it and new recovery codes."""
    device = selectors.totp_device(user, confirmed=False)
    if device is None:
        raise Conflict(_("Start the enrolment again."))
    if not device.verify_token(token.strip().replace(" ", "")):
        raise ValidationFailed({"token": [_("That code is not right. Check the time on your phone and try again.")]})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit(user, "account.mfa_enrolled", user, request=request)
    return device, codes


def regenerate_recovery_codes(user: User, request: HttpRequest | None = None) -> list[str]:
    if selectors.totp_device(user) is None:
        raise Conflict(_("Set up an authenticator first."))
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit(user, "account.recovery_codes_renewed", user, request=request)
    return codes


def is_locked(request: HttpRequest, user: User) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return bool(AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()}))


def check_second_factor(user: User, token: str, request: HttpRequest) -> TOTPDevice | StaticDevice | None:
    """The device that accepts ``token`` (authenticator code or recovery code), or None.

    A wrong code counts as a failed sign-in, so repeated wrong codes lock the account just as
    wrong passwords do (django-axes) and are audited."""
    token = token.strip().replace(" ", "")
    device: TOTPDevice | StaticDevice | None = None
    if token.isdigit():
        totp = selectors.totp_device(user)
        if totp is not None and len(token) == 6 and totp.verify_token(token):
            device = totp
        static = selectors.recovery_device(user)
        if device is None and static is not None and len(token) == 8 and static.verify_token(token):
            device = static
    if device is None:
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username(), "second_factor": True}, request=request
        )
    return device


def reset_second_factor(actor: MaybeActor, user: User, request: HttpRequest | None = None) -> None:
    """An administrator removes a person's authenticator (lost phone); they enrol again next time."""
    require_role(actor, Role.ADMIN, action="account.mfa_reset", target=user)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit(actor, "account.mfa_reset", user, request=request)
