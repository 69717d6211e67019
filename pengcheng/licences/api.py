"""Licence API at /api/v1/licences/: public verification, the catalogue, the holder's wallet and
usable licences, and issuing and status changes for issuing departments."""

import datetime as dt
import json
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from pengcheng.api import actor_of, error_envelope, require_scope
from pengcheng.audit.services import client_ip
from pengcheng.core.errors import NotFound, ValidationFailed
from pengcheng.core.models import User
from pengcheng.licences import selectors, services
from pengcheng.licences.models import IssueSource, Licence
from pengcheng.licences.verifier import MAX_TOKEN_CHARS

router = Router(tags=["licences"])
MAX_VERIFY_BODY = MAX_TOKEN_CHARS + 1024


class VerificationOut(Schema):
    outcome: str = Field(description="valid, invalid, revoked, suspended or expired")
    reason: str
    message: str
    format: str
    issuer: str
    issuer_name: str
    credential_id: str
    types: list[str]
    subject: dict[str, Any]
    disclosed: list[str]
    valid_from: str | None
    valid_until: str | None


@router.post(
    "/verify",
    auth=None,
    response={200: VerificationOut},
    summary="Verify a credential, SD-JWT presentation, QR payload or share link",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["credential"],
                        "properties": {"credential": {"type": "string"}, "purpose": {"type": "string"}},
                    }
                }
            }
        }
    },
)
def verify(request: HttpRequest) -> Any:
    """No authentication: anyone may verify. The body is refused unread when it is larger than a
    credential can be; every outcome, including invalid, is a 200 with the reason."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_VERIFY_BODY:
        return error_envelope(413, f"The body is larger than {MAX_VERIFY_BODY} bytes; no credential is that long.")
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return error_envelope(400, "The body is not JSON.")
    if not isinstance(body, dict) or not isinstance(body.get("credential"), str):
        return error_envelope(
            422, 'Send {"credential": "..."}.', details=[{"field": "credential", "message": "required"}]
        )
    purpose = str(body["purpose"]) if isinstance(body.get("purpose"), str) else ""
    verification = services.verify(
        body["credential"],
        actor=actor_of(request),
        purpose=purpose[:200],
        ip_address=client_ip(request),
        detail=False,
    )
    return verification.result.as_dict()


class LicenceTypeOut(Schema):
    code: str
    name: str
    name_en: str
    department: str
    holder_kind: str
    issuing_level: str
    defining_authority: str
    validity_months: int | None
    schema_: dict[str, Any] = Field(alias="schema")


@router.get("/types", auth=None, response=list[LicenceTypeOut], summary="The licence catalogue")
def types(request: HttpRequest) -> Any:
    return [
        {
            "code": t.code,
            "name": t.name,
            "name_en": t.name_en,
            "department": t.department.code,
            "holder_kind": t.holder_kind,
            "issuing_level": t.issuing_level,
            "defining_authority": t.defining_authority,
            "validity_months": t.validity_months,
            "schema": t.schema,
        }
        for t in selectors.active_types()
    ]


class LicenceOut(Schema):
    id: UUID
    type: str
    type_name: str
    number: str
    holder_name: str
    state: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    issuer: str
    data: dict[str, Any]
    credential: str


def _out(licence: Licence) -> dict[str, Any]:
    return {
        "id": licence.pk,
        "type": licence.licence_type.code,
        "type_name": licence.licence_type.name,
        "number": licence.number,
        "holder_name": licence.holder_name,
        "state": licence.effective_state,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "issuer": licence.issuer_department.code,
        "data": licence.data,
        "credential": licence.credential,
    }


def _user(request: HttpRequest) -> User:
    actor = actor_of(request)
    if not isinstance(actor, User):
        raise NotFound("No holder for this request.")
    return actor


@router.get("/wallet", response=list[LicenceOut], summary="The signed-in holder's licences (or the acting company's)")
def wallet(request: HttpRequest) -> Any:
    require_scope(request, "licences")
    from pengcheng.core.selectors import acting_company

    holder = selectors.holder_of(_user(request), acting_company(request) if hasattr(request, "session") else None)
    return [_out(licence) for licence in selectors.wallet(holder)] if holder else []


class UsableOut(Schema):
    usable: bool
    reason: str
    message: str
    licence: LicenceOut | None


@router.get("/usable", response=UsableOut, summary="免证办: the holder's licence of a type that is in force, if any")
def usable(request: HttpRequest, type: str) -> Any:
    require_scope(request, "licences")
    licence, reason = selectors.usable_licence(_user(request), type)
    return {
        "usable": licence is not None,
        "reason": reason,
        "message": str(selectors.USABLE_REASONS.get(reason, reason)),
        "licence": _out(licence) if licence else None,
    }


class IssueIn(Schema):
    type: str
    holder_identifier: str = Field(max_length=18)
    holder_name: str = Field(max_length=200)
    data: dict[str, Any]
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    reference: str = Field("", max_length=100)


def _start_of(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone()) if day else None


@router.post("/licences", response={201: LicenceOut}, summary="Issue a licence (clerks of the issuing department)")
def issue(request: HttpRequest, payload: IssueIn) -> Any:
    require_scope(request, "licences.issue")
    licence_type = selectors.type_by_code(payload.type)
    if licence_type is None:
        raise ValidationFailed({"type": ["Unknown licence type."]})
    licence = services.issue_licence(
        actor_of(request),
        licence_type,
        services.Holder(
            licence_type.holder_kind, payload.holder_identifier.strip().upper(), payload.holder_name.strip()
        ),
        payload.data,
        source=IssueSource.API,
        source_reference=payload.reference,
        valid_from=_start_of(payload.valid_from),
        valid_until=_start_of(payload.valid_until),
    )
    return Status(201, _out(licence))


class StateIn(Schema):
    state: str = Field(description="active, suspended or revoked")
    reason: str = Field(max_length=300)


@router.post("/licences/{licence_id}/status", response=LicenceOut, summary="Revoke, suspend or reinstate")
def change_state(request: HttpRequest, licence_id: UUID, payload: StateIn) -> Any:
    require_scope(request, "licences.issue")
    licence = selectors.search_licences(actor_of(request)).filter(pk=licence_id).first()
    if licence is None:
        raise NotFound("No such licence in your departments.")
    if payload.state not in {"active", "suspended", "revoked"}:
        raise ValidationFailed({"state": ["Use active, suspended or revoked."]})
    return _out(services.change_state(actor_of(request), licence, payload.state, payload.reason))
