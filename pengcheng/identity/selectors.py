"""Reads for unified identity: subjects, claims, consents, sessions and second factors."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import AccessToken

from pengcheng.core.actors import MaybeActor
from pengcheng.core.models import PLATFORM_ROLES, User
from pengcheng.core.permissions import require_platform_role, scope_of
from pengcheng.core.prepared import PreparedLookup
from pengcheng.core.selectors import active_agent_grants, positions_of
from pengcheng.identity.models import AccountSession, Client, Consent, PairwiseSubject

_subject_in_sector = PreparedLookup(PairwiseSubject.objects.only("sub"), by=("user", "sector"))


def pairwise_sub(user: User, client: Client) -> str:
    """The user's subject identifier in the client's sector: stable, random, never the account id."""
    sector = client.sector
    found = _subject_in_sector.first(user.pk, sector)  # on every token exchange: compiled once
    if found:
        return found.sub
    try:
        with transaction.atomic():
            return PairwiseSubject.objects.create(user=user, sector=sector, sub=secrets.token_hex(16)).sub
    except IntegrityError:  # created meanwhile by a concurrent request
        return PairwiseSubject.objects.get(user=user, sector=sector).sub


def user_for_sub(client: Client, sub: str) -> User | None:
    row = PairwiseSubject.objects.filter(sector=client.sector, sub=sub).select_related("user").first()
    return row.user if row else None


def company_claim(user: User, client: Client) -> dict[str, str] | None:
    """The company the user acted for when signing in to ``client``, if they still may act for it."""
    company_id = Consent.objects.filter(user=user, client=client).values_list("company_id", flat=True).first()
    if not company_id:
        return None
    grant = active_agent_grants(user).filter(company_id=company_id).first()
    if grant is None:
        return None
    return {"name": grant.company.name, "credit_code": grant.company.credit_code, "role": grant.role}


def staff_claim(user: User) -> list[dict[str, str]] | None:
    positions = [
        {"department": p.department.code, "department_name": p.department.name, "role": p.role}
        for p in positions_of(user)
    ]
    return positions or None


def consent_for(user: User, client: Client) -> Consent | None:
    return Consent.objects.filter(user=user, client=client).first()


def authorised_applications(user: User) -> QuerySet[Consent]:
    """The clients the user has allowed, with when each last issued a token."""
    return (
        Consent.objects.filter(user=user)
        .select_related("client", "company")
        .annotate(last_used=Max("client__accesstoken__created"))
        .order_by("client__name")
    )


def active_sessions(user: User) -> QuerySet[AccountSession]:
    return AccountSession.objects.filter(user=user, ended_at__isnull=True).order_by("-last_seen")


def live_token_counts(user: User) -> dict[int, int]:
    """Unexpired access tokens per client id (for the sessions page)."""
    counts: dict[int, int] = {}
    for application_id in AccessToken.objects.filter(user=user, expires__gt=timezone.now()).values_list(
        "application_id", flat=True
    ):
        counts[application_id] = counts.get(application_id, 0) + 1
    return counts


# Second factor -------------------------------------------------------------------------------------


def mfa_required(user: Any) -> bool:
    """Operators and administrators must use a second factor."""
    return bool(scope_of(user).roles & PLATFORM_ROLES)


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    device = recovery_device(user)
    return device.token_set.count() if device else 0


def clients(actor: MaybeActor, text: str = "") -> QuerySet[Client]:
    require_platform_role(actor, action="identity.clients.list")
    found = Client.objects.all()
    if text:
        found = found.filter(name__icontains=text) | found.filter(client_id__startswith=text)
    return found.order_by("name")
