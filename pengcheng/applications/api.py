"""Applications JSON API: the applicant's drafts, uploads, submission and status; the clerk actions.

API keys need the ``applications`` scope for the applicant's calls and ``applications.clerk`` for the
clerk's; signed-in sessions are checked by the services alone.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from pengcheng.api import actor_of, require_scope
from pengcheng.applications import selectors, services
from pengcheng.applications.models import Application
from pengcheng.catalog.models import Channel
from pengcheng.catalog.selectors import item_by_code
from pengcheng.core.errors import NotFound, ValidationFailed
from pengcheng.core.models import Company, Department
from pengcheng.core.permissions import scope_of

API_PREFIX = "/applications"
router = Router(tags=["applications"])
APPLICANT_SCOPE = "applications"
CLERK_SCOPE = "applications.clerk"


class MaterialState(Schema):
    key: str
    name: str
    kind: str
    required: bool
    file_name: str | None
    size: int | None
    sha256: str | None


class EventOut(Schema):
    at: dt.datetime
    action: str
    from_state: str
    to_state: str
    department: str | None
    note: str


class ApplicationOut(Schema):
    number: str
    item: str
    item_name: str
    item_version: int
    state: str
    channel: str
    company: str | None
    division: str
    intake_department: str | None
    handling_department: str | None
    assignee: str | None
    deadline: dt.date | None
    days_left: int | None
    deadline_status: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    corrections: list[str]
    decision_reason: str
    result: str
    form_data: dict[str, Any]
    materials: list[MaterialState]
    missing_materials: list[str]


class ApplicationList(Schema):
    total: int
    page: int
    items: list[ApplicationOut]


class StartIn(Schema):
    item: str = Field(..., max_length=40, description="the service item code")
    company: str | None = Field(None, max_length=18, description="credit code of the company you act for")
    channel: str = Field(Channel.ONLINE, max_length=10)
    form_data: dict[str, Any] = Field(default_factory=dict)


class FormIn(Schema):
    form_data: dict[str, Any]


class SubmitIn(Schema):
    form_data: dict[str, Any] | None = None
    intake_department: str | None = Field(None, max_length=40, description="service hall code (收件地)")


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class ReturnIn(Schema):
    corrections: list[str] = Field(..., min_length=1, max_length=50)
    note: str = Field("", max_length=500)


class RejectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class BatchIn(Schema):
    numbers: list[str] = Field(..., min_length=1, max_length=200)
    action: str


class BatchOut(Schema):
    number: str
    ok: bool
    message: str


class QueueParams(Schema):
    view: str = "open"
    state: str = ""
    q: str = Field("", max_length=60)
    due: str = ""
    sort: str = "deadline"
    page: int = Field(1, ge=1, le=100000)
    per_page: int = Field(25, ge=1, le=100)


def out(application: Application) -> dict[str, Any]:
    row = selectors.queue_rows([application])[0]
    current = {a.material_id: a for a in selectors.current_attachments(application)}
    materials = []
    for material in application.item_version.materials.all():
        attachment = current.get(material.pk)
        materials.append(
            {
                "key": material.key,
                "name": material.name,
                "kind": material.kind,
                "required": material.required,
                "file_name": attachment.original_name if attachment else None,
                "size": attachment.size if attachment else None,
                "sha256": attachment.sha256 if attachment else None,
            }
        )
    return {
        "number": application.number,
        "item": application.item.code,
        "item_name": application.item_version.name,
        "item_version": application.item_version.number,
        "state": application.state,
        "channel": application.channel,
        "company": application.company.credit_code if application.company else None,
        "division": application.division_id,
        "intake_department": application.intake_department.code if application.intake_department else None,
        "handling_department": application.handling_department.code if application.handling_department else None,
        "assignee": application.assignee.username if application.assignee else None,
        "deadline": application.deadline,
        "days_left": row.days_left,
        "deadline_status": row.status,
        "created_at": application.created_at,
        "submitted_at": application.submitted_at,
        "decided_at": application.decided_at,
        "corrections": application.corrections,
        "decision_reason": application.decision_reason,
        "result": application.result,
        "form_data": application.form_data,
        "materials": materials,
        "missing_materials": [m.key for m in services.missing_materials(application)]
        if application.is_editable
        else [],
    }


def _mine(request: HttpRequest, number: str) -> Application:
    require_scope(request, APPLICANT_SCOPE)
    return selectors.for_applicant(actor_of(request), number)


def _staff(request: HttpRequest, number: str) -> Application:
    require_scope(request, CLERK_SCOPE)
    return selectors.for_staff(actor_of(request), number)


def _fresh(application: Application) -> dict[str, Any]:
    return out(Application.objects.select_related("division").get(pk=application.pk))


@router.get("", response=ApplicationList, summary="My applications, newest first")
def list_mine(request: HttpRequest, page: int = Query(1, ge=1, le=100000)) -> dict[str, Any]:
    require_scope(request, APPLICANT_SCOPE)
    actor = actor_of(request)
    if not getattr(actor, "pk", None):
        raise NotFound("This API key belongs to no account.")
    queryset = selectors.my_applications(actor)  # type: ignore[arg-type]
    items = list(queryset[(page - 1) * 20 : page * 20])
    return {"total": queryset.count(), "page": page, "items": [out(a) for a in items]}


@router.post("", response={201: ApplicationOut}, summary="Start a draft (or get the open one)")
def start(request: HttpRequest, body: StartIn) -> Status[dict[str, Any]]:
    require_scope(request, APPLICANT_SCOPE)
    actor = actor_of(request)
    item = item_by_code(body.item, actor)
    company = None
    if body.company:
        company = Company.objects.filter(credit_code=body.company.upper()).first()
        if company is None:
            raise ValidationFailed({"company": ["No company has this credit code."]})
    application = services.start(actor, item, company=company, channel=body.channel, form_data=body.form_data)
    return Status(201, _fresh(application))


# Paths without a number come before /{number}.


@router.get("/queue", response=ApplicationList, summary="The clerk's work queue")
def queue(request: HttpRequest, params: Query[QueueParams]) -> dict[str, Any]:
    require_scope(request, CLERK_SCOPE)
    filters = selectors.QueueFilters(view=params.view, state=params.state, q=params.q, due=params.due, sort=params.sort)
    queryset = selectors.work_queue(actor_of(request), filters)
    start_at = (params.page - 1) * params.per_page
    ids = list(queryset.values_list("pk", flat=True)[start_at : start_at + params.per_page])
    items = Application.objects.select_related(
        "item", "item_version", "company", "handling_department", "intake_department", "assignee"
    ).in_bulk(ids)
    return {"total": queryset.count(), "page": params.page, "items": [out(items[pk]) for pk in ids if pk in items]}


@router.post("/batch", response=list[BatchOut], summary="Accept, review or take several applications")
def batch(request: HttpRequest, body: BatchIn) -> list[dict[str, Any]]:
    require_scope(request, CLERK_SCOPE)
    outcomes = services.batch(actor_of(request), body.numbers, body.action)  # type: ignore[arg-type]
    return [{"number": o.number, "ok": o.ok, "message": o.message} for o in outcomes]


@router.get("/{number}", response=ApplicationOut, summary="One application (applicant or staff)")
def detail(request: HttpRequest, number: str) -> dict[str, Any]:
    actor = actor_of(request)
    if scope_of(actor).roles:
        return out(_staff(request, number))
    return out(_mine(request, number))


@router.get("/{number}/events", response=list[EventOut], summary="The application's timeline")
def events(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    actor = actor_of(request)
    application = _staff(request, number) if scope_of(actor).roles else _mine(request, number)
    return [
        {
            "at": e.at,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "department": e.department.code if e.department else None,
            "note": e.note,
        }
        for e in selectors.timeline(application)
    ]


@router.put("/{number}/form", response=ApplicationOut, summary="Save the form (draft)")
def save_form(request: HttpRequest, number: str, body: FormIn) -> dict[str, Any]:
    application = services.save_form(actor_of(request), _mine(request, number), body.form_data)
    return _fresh(application)


@router.post("/{number}/materials/{key}", response={201: MaterialState}, summary="Upload a material (multipart)")
def upload(request: HttpRequest, number: str, key: str, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    attachment = services.attach(actor_of(request), _mine(request, number), key, file)
    material = attachment.material
    return Status(
        201,
        {
            "key": material.key,
            "name": material.name,
            "kind": material.kind,
            "required": material.required,
            "file_name": attachment.original_name,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )


@router.post("/{number}/submit", response=ApplicationOut, summary="Submit or resubmit (idempotent)")
def submit(request: HttpRequest, number: str, body: SubmitIn) -> dict[str, Any]:
    application = _mine(request, number)
    hall = None
    if body.intake_department:
        hall = Department.objects.filter(code=body.intake_department).first()
        if hall is None:
            raise ValidationFailed({"intake_department": ["No such service hall."]})
    return _fresh(services.submit(actor_of(request), application, form_data=body.form_data, intake_department=hall))


@router.post("/{number}/withdraw", response=ApplicationOut, summary="Withdraw before a decision")
def withdraw(request: HttpRequest, number: str, body: NoteIn) -> dict[str, Any]:
    return _fresh(services.withdraw(actor_of(request), _mine(request, number), body.note))


# Clerk ----------------------------------------------------------------------------------------------


@router.post("/{number}/accept", response=ApplicationOut, summary="受理")
def accept(request: HttpRequest, number: str, body: NoteIn) -> dict[str, Any]:
    application = _staff(request, number)
    return _fresh(services.accept(actor_of(request), application, body.note))


@router.post("/{number}/return", response=ApplicationOut, summary="补正: return for correction")
def return_for_correction(request: HttpRequest, number: str, body: ReturnIn) -> dict[str, Any]:
    application = _staff(request, number)
    return _fresh(services.return_for_correction(actor_of(request), application, body.corrections, body.note))


@router.post("/{number}/review", response=ApplicationOut, summary="Start the review")
def review(request: HttpRequest, number: str) -> dict[str, Any]:
    return _fresh(services.start_review(actor_of(request), _staff(request, number)))


@router.post("/{number}/approve", response=ApplicationOut, summary="Approve")
def approve(request: HttpRequest, number: str, body: NoteIn) -> dict[str, Any]:
    return _fresh(services.approve(actor_of(request), _staff(request, number), body.note))


@router.post("/{number}/reject", response=ApplicationOut, summary="Reject with a reason")
def reject(request: HttpRequest, number: str, body: RejectIn) -> dict[str, Any]:
    return _fresh(services.reject(actor_of(request), _staff(request, number), body.reason))


@router.post("/{number}/deliver", response=ApplicationOut, summary="Mark the result delivered")
def deliver(request: HttpRequest, number: str, body: NoteIn) -> dict[str, Any]:
    return _fresh(services.deliver(actor_of(request), _staff(request, number), body.note))


@router.post("/{number}/assign", response=ApplicationOut, summary="Take the application")
def assign(request: HttpRequest, number: str) -> dict[str, Any]:
    return _fresh(services.assign(actor_of(request), _staff(request, number)))
