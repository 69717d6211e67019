"""Pre-fill JSON API (秒报): what a form would fetch, consent, fill, decline, revoke, and the fetch log.

Same services as the pages. API keys need the ``applications`` scope (the applicant's calls), or
``registries`` for a registry owner's view of the fetches."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from pengcheng.api import actor_of, require_scope
from pengcheng.applications import selectors as application_selectors
from pengcheng.applications.models import Application
from pengcheng.core.errors import NotFound
from pengcheng.core.models import User
from pengcheng.prefill import selectors, services
from pengcheng.prefill.models import Consent, DataUse

API_PREFIX = "/prefill"
router = Router(tags=["prefill"])
SCOPE = "applications"
REGISTRY_SCOPE = "registries"


class PlannedFieldOut(Schema):
    field: str
    label: str
    attribute: str


class SourceOut(Schema):
    registry: str
    label: str
    owner: str
    owner_name: str
    subject: str
    fields: list[PlannedFieldOut]


class PlanOut(Schema):
    application: str
    purpose: str
    sources: list[SourceOut]
    account_fields: list[PlannedFieldOut]
    consent_in_force: int | None
    state: str
    # Company data may be agreed to only by the legal representative or an agent with a data consent
    # mandate; otherwise ``consent`` answers 403 and this says why.
    may_consent: bool
    refusal: str


class ConsentOut(Schema):
    id: int
    item: str
    item_name: str
    company: str | None
    registries: list[str]
    attributes: list[str]
    purpose: str
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    status: str


class FillOut(Schema):
    consent: ConsentOut
    filled: dict[str, Any]
    locked: list[str]
    notes: dict[str, dict[str, Any]]
    uses: list[int]


class GrantIn(Schema):
    days: int = services.CONSENT_DAYS


class UseOut(Schema):
    id: int
    at: dt.datetime
    registry: str
    owner: str
    used_by: str
    fetched_by: str
    subject_kind: str
    attributes: list[str]
    found: bool
    purpose: str
    consent: int | None  # None: read by the rules to decide a submitted application, or by a simulation (秒批)
    application: str | None
    kind: str  # "prefill" (under the consent), "decision" (秒批 at submission) or "simulation" (rules replayed)


def _consent_out(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "item": consent.item.code,
        "item_name": consent.item.current_version.name if consent.item.current_version else consent.item.code,
        "company": consent.company.credit_code if consent.company else None,
        "registries": consent.registries,
        "attributes": consent.attributes,
        "purpose": consent.purpose,
        "granted_at": consent.granted_at,
        "expires_at": consent.expires_at,
        "revoked_at": consent.revoked_at,
        "status": consent.status,
    }


def _field_out(planned: selectors.PlannedField) -> dict[str, str]:
    return {"field": planned.name, "label": planned.label, "attribute": planned.attribute}


def _mine(request: HttpRequest, number: str) -> Application:
    require_scope(request, SCOPE)
    return application_selectors.for_applicant(actor_of(request), number)


def _user(request: HttpRequest) -> User:
    require_scope(request, SCOPE)
    actor = actor_of(request)
    if not isinstance(actor, User):
        raise NotFound("This API key belongs to no account.")
    return actor


@router.get("/applications/{number}/plan", response=PlanOut, summary="What pre-fill would fetch, from whom, why")
def plan(request: HttpRequest, number: str) -> dict[str, Any]:
    application = _mine(request, number)
    found = selectors.plan_for(application)
    consent = selectors.usable_consent(application, found.attributes) if not found.empty else None
    refusal = selectors.company_consent_refusal(application.applicant, application, found)
    return {
        "application": application.number,
        "purpose": found.purpose,
        "sources": [
            {
                "registry": s.registry,
                "label": s.label,
                "owner": s.owner.code,
                "owner_name": s.owner.name,
                "subject": s.subject_kind,
                "fields": [_field_out(f) for f in s.fields],
            }
            for s in found.sources
        ],
        "account_fields": [_field_out(f) for f in found.account_fields],
        "consent_in_force": consent.pk if consent else None,
        "state": services.state_of(application).get("state", ""),
        "may_consent": not found.empty and not refusal,
        "refusal": refusal,
    }


@router.post("/applications/{number}/consent", response=FillOut, summary="Agree and fill the form in")
def agree(request: HttpRequest, number: str, body: GrantIn) -> dict[str, Any]:
    application = _mine(request, number)
    result = services.grant_and_fill(actor_of(request), application, days=body.days)
    return {
        "consent": _consent_out(result.consent),
        "filled": result.filled,
        "locked": result.locked,
        "notes": result.notes,
        "uses": [use.pk for use in result.uses],
    }


@router.post("/applications/{number}/decline", response=PlanOut, summary="Decline: type everything yourself")
def decline(request: HttpRequest, number: str) -> dict[str, Any]:
    services.decline(actor_of(request), _mine(request, number))
    return plan(request, number)


@router.get("/consents", response=list[ConsentOut], summary="My consents, newest first")
def consents(request: HttpRequest, page: int = Query(1, ge=1, le=10000)) -> list[dict[str, Any]]:
    user = _user(request)
    rows = selectors.consents_of(user).select_related("item__current_version")[(page - 1) * 50 : page * 50]
    return [_consent_out(c) for c in rows]


@router.post("/consents/{consent_id}/revoke", response=ConsentOut, summary="Revoke a consent")
def revoke(request: HttpRequest, consent_id: int) -> dict[str, Any]:
    user = _user(request)
    consent = get_object_or_404(Consent, pk=consent_id, user=user)
    return _consent_out(services.revoke(user, consent))


@router.get("/uses", response=list[UseOut], summary="Who used my data: every fetch about me")
def uses(request: HttpRequest, page: int = Query(1, ge=1, le=10000)) -> list[dict[str, Any]]:
    user = _user(request)
    rows: list[DataUse] = list(selectors.uses_about(user)[(page - 1) * 50 : page * 50])
    return [_use_out(use) for use in rows]


def _use_out(use: DataUse) -> dict[str, Any]:
    return {
        "id": use.pk,
        "at": use.at,
        "registry": use.registry,
        "owner": use.owner.code,
        "used_by": use.used_by.code,
        "fetched_by": use.fetched_by_label,
        "subject_kind": use.subject_kind,
        "attributes": use.attributes,
        "found": use.found,
        "purpose": use.purpose,
        "consent": use.consent_id,
        "application": use.application.number if use.application else None,
        "kind": use.kind,
    }


class RegistryUseOut(UseOut):
    subject: str  # masked


@router.get("/registry-uses", response=list[RegistryUseOut], summary="Fetches from my department's registries")
def registry_uses(
    request: HttpRequest, registry: str = "", page: int = Query(1, ge=1, le=10000)
) -> list[dict[str, Any]]:
    """For a registry owner's data officer (API keys: the ``registries`` scope)."""
    require_scope(request, REGISTRY_SCOPE)
    rows = list(selectors.uses_of_registries(actor_of(request), registry)[(page - 1) * 50 : page * 50])
    return [{**_use_out(use), "subject": use.masked_subject} for use in rows]
