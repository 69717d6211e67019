"""Changes to applications. Every transition is guarded, atomic, audited and notified.

The applicant starts, edits, uploads, submits, resubmits and withdraws. Clerks of the handling
department (办理地), within the divisions it serves, accept, return for correction, review, decide and
deliver. A clerk at the service hall where the application was received (收件地) may accept or return
it; for items that may be done citywide (全市域通办) any district service hall of the city may, and
becomes its 收件地.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pengcheng.applications import hooks, scanning
from pengcheng.applications.models import (
    DECIDED_STATES,
    EDITABLE_STATES,
    TRANSITIONS,
    Action,
    Application,
    Attachment,
    Event,
    ScanStatus,
    State,
)
from pengcheng.audit.services import record as audit
from pengcheng.catalog import forms
from pengcheng.catalog.models import (
    ORGANISATION_AUDIENCES,
    Audience,
    Channel,
    ItemLevel,
    ItemStatus,
    LimitUnit,
    Material,
    MaterialKind,
    ServiceItem,
)
from pengcheng.core.actors import SYSTEM, Actor, MaybeActor
from pengcheng.core.errors import AccessDenied, Conflict, DomainError, NotFound, ValidationFailed
from pengcheng.core.models import Company, Department, DepartmentKind, Division, Role, User
from pengcheng.core.permissions import scope_of
from pengcheng.core.selectors import active_agent_grants
from pengcheng.notifications.services import notify
from pengcheng.workdays.selectors import add_calendar_days, add_working_days, local_date, working_days_between

HANDLER_ROLES = (Role.CLERK, Role.SUPERVISOR)
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024


# Permissions ----------------------------------------------------------------------------------------


def _is_applicant(actor: MaybeActor, application: Application) -> bool:
    if not isinstance(actor, User) or actor.pk != application.applicant_id:
        return False
    if application.company_id is None:
        return True
    return active_agent_grants(actor).filter(company_id=application.company_id).exists()


def require_applicant(actor: MaybeActor, application: Application, action: str) -> User:
    if not _is_applicant(actor, application):
        raise AccessDenied(f"applications.{action}", target=application, reason="only the applicant may do this")
    assert isinstance(actor, User)
    return actor


def is_handler(actor: MaybeActor, application: Application) -> bool:
    """A clerk or supervisor of the handling department whose scope covers the applicant's division."""
    scope = scope_of(actor)
    if scope.platform_wide:
        return True
    return application.handling_department_id in scope.departments_with(*HANDLER_ROLES) and scope.covers_division(
        application.division_id
    )


def _hall_of(actor: MaybeActor, application: Application) -> Department | None:
    """The service hall the actor works at that may receive this application, if any."""
    scope = scope_of(actor)
    mine = scope.departments_with(*HANDLER_ROLES)
    if application.intake_department_id in mine:
        return application.intake_department
    if application.item_version.is_citywide and mine:
        city = application.division_id[:4]
        return (
            Department.objects.filter(pk__in=mine, kind=DepartmentKind.SERVICE_CENTRE, division__code__startswith=city)
            .order_by("code")
            .first()
        )
    return None


def can_receive(actor: MaybeActor, application: Application) -> bool:
    return is_handler(actor, application) or _hall_of(actor, application) is not None


def require_handler(actor: MaybeActor, application: Application, action: str) -> None:
    if not is_handler(actor, application):
        raise AccessDenied(
            f"applications.{action}", target=application, reason="outside the clerk's departments and divisions"
        )


def require_receiver(actor: MaybeActor, application: Application, action: str) -> Department | None:
    """Handlers and receiving halls may accept or return a submitted application. Returns the hall
    that becomes the 收件地 when the actor is not a handler."""
    if is_handler(actor, application):
        return None
    hall = _hall_of(actor, application)
    if hall is None:
        raise AccessDenied(
            f"applications.{action}", target=application, reason="outside the clerk's departments and divisions"
        )
    return hall


def _acting_department(actor: MaybeActor, application: Application) -> Department | None:
    scope = scope_of(actor)
    mine = scope.departments_with(*HANDLER_ROLES)
    if application.handling_department_id in mine:
        return application.handling_department
    if application.intake_department_id in mine:
        return application.intake_department
    return None


# Routing and deadlines ------------------------------------------------------------------------------


def route(item: ServiceItem, division: Division) -> Department:
    """办理地: district- and street-level items go to the same kind of department in the applicant's
    district (``4403xx-<suffix>``); other items to their competent department."""
    department = item.department
    if item.level in (ItemLevel.DISTRICT, ItemLevel.STREET) and "-" in department.code:
        suffix = department.code.split("-", 1)[1]
        local = Department.objects.filter(code=f"{division.code[:6]}-{suffix}", is_active=True).first()
        if local is not None:
            return local
    return department


def default_hall(division: Division) -> Department | None:
    """The district service hall of a division: where an online application is received by default."""
    return (
        Department.objects.filter(
            kind=DepartmentKind.SERVICE_CENTRE, level="district", division_id=division.code[:6], is_active=True
        )
        .order_by("code")
        .first()
    )


def deadline_after(start: dt.date, days: int, unit: str) -> dt.date:
    return add_calendar_days(start, days) if unit == LimitUnit.CALENDAR_DAYS else add_working_days(start, days)


def days_left(deadline: dt.date, unit: str, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    if unit == LimitUnit.CALENDAR_DAYS:
        return (deadline - today).days
    return working_days_between(today, deadline)


# Events and notifications ---------------------------------------------------------------------------

SUBJECTS: dict[str, str] = {
    Action.SUBMIT: gettext_noop("Your application %(number)s was submitted"),
    Action.RESUBMIT: gettext_noop("Your corrected application %(number)s was submitted"),
    Action.ACCEPT: gettext_noop("Your application %(number)s was accepted"),
    Action.RETURN: gettext_noop("Your application %(number)s needs corrections"),
    Action.REVIEW: gettext_noop("Your application %(number)s is under review"),
    Action.APPROVE: gettext_noop("Your application %(number)s was approved"),
    Action.REJECT: gettext_noop("Your application %(number)s was not approved"),
    Action.DELIVER: gettext_noop("The result of your application %(number)s was delivered"),
    Action.WITHDRAW: gettext_noop("Your application %(number)s was withdrawn"),
}


def _notify_applicant(application: Application, action: str, note: str) -> None:
    template = SUBJECTS.get(action)
    if template is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _(template) % {"number": application.number}
        body = f"{application.item_version.name}：{application.get_state_display()}"
        if note:
            body += f"\n{note}"
    notify(
        application.applicant,
        subject=subject,
        body=body,
        url=reverse("applications:detail", args=[application.number]),
        category="application",
    )


def _actor_label(actor: MaybeActor) -> str:
    return str(getattr(actor, "username", actor))


def _event(
    application: Application,
    action: str,
    actor: MaybeActor,
    *,
    from_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    department: Department | None = None,
) -> Event:
    event = Event.objects.create(
        application=application,
        action=action,
        from_state=from_state,
        to_state=application.state,
        actor=actor if isinstance(actor, User) else None,
        actor_label=_actor_label(actor),
        department=department,
        note=note,
        data=data or {},
    )
    audit(
        actor,
        f"applications.{action}",
        application,
        summary=f"{application.number}: {from_state or '-'} → {application.state}"
        + (f" ({note[:120]})" if note else ""),
        data={"item": application.item.code, "version": application.item_version.number, **(data or {})},
    )
    return event


def _transition(
    application: Application,
    action: str,
    actor: MaybeActor,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    department: Department | None = None,
    extra_fields: Iterable[str] = (),
) -> Event:
    allowed_from, target = TRANSITIONS[action]
    if application.state not in allowed_from:
        raise Conflict(
            _("This application is %(state)s; it cannot be given the action “%(action)s” now.")
            % {"state": application.get_state_display(), "action": Action(action).label},
            code="illegal_transition",
            details={"state": application.state, "action": action},
        )
    from_state = application.state
    application.state = target
    application.updated_at = timezone.now()
    application.save(update_fields=["state", "updated_at", *extra_fields])
    event = _event(application, action, actor, from_state=from_state, note=note, data=data, department=department)
    _notify_applicant(application, action, note)
    return event


def _locked(application: Application) -> Application:
    """Lock the row and reload the caller's instance from it, so the caller sees every change."""
    list(Application.objects.select_for_update().filter(pk=application.pk).values_list("pk"))
    application.refresh_from_db()
    return application


# The applicant's side -------------------------------------------------------------------------------


def _applicant_division(user: User, company: Company | None, item: ServiceItem) -> Division:
    if company is not None and company.division_id:
        return company.division  # type: ignore[return-value]
    if company is None and user.residence_id:
        return user.residence  # type: ignore[return-value]
    return item.division


@transaction.atomic
def start(
    actor: MaybeActor,
    item: ServiceItem,
    *,
    company: Company | None = None,
    channel: str = Channel.ONLINE,
    form_data: dict[str, Any] | None = None,
) -> Application:
    """Start (or return the existing) draft for ``item``. A company applies through an agent it has
    authorised; ``form_data`` may carry pre-filled values."""
    if not isinstance(actor, User) or not actor.is_active:
        raise AccessDenied("applications.start", target=item, reason="sign in to apply")
    if company is not None and not active_agent_grants(actor).filter(company=company).exists():
        raise AccessDenied("applications.start", target=company, reason="not an authorised agent of this company")
    version = item.current_version
    if item.status != ItemStatus.ONLINE or version is None:
        raise Conflict(_("This service item is not online."), code="item_offline")
    if channel not in Channel.values or channel not in version.channels:
        raise Conflict(_("This item cannot be applied for through this channel."), code="channel_not_offered")
    audiences = set(version.audiences)
    if audiences:
        if company is None and Audience.PERSON not in audiences:
            raise Conflict(_("This item is for organisations: choose the company you act for."), code="wrong_audience")
        if company is not None and not audiences & ORGANISATION_AUDIENCES:
            raise Conflict(_("This item is for individuals, not companies."), code="wrong_audience")
    existing = (
        Application.objects.filter(applicant=actor, item=item, company=company, state=State.DRAFT)
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    application = Application.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:20]}",  # replaced by the real number once the row has its id
        item=item,
        item_version=version,
        applicant=actor,
        company=company,
        division=_applicant_division(actor, company, item),
        channel=channel,
        form_data=forms.coerce(version.form_schema, form_data or {}),
    )
    application.number = f"SZ{timezone.localdate():%y%m%d}{application.pk:08d}"
    application.save(update_fields=["number"])
    _event(application, Action.CREATE, actor, data={"channel": channel, "company": company.pk if company else None})
    return application


@transaction.atomic
def save_form(actor: MaybeActor, application: Application, raw: dict[str, Any]) -> Application:
    """Save the form as it is (a draft may be incomplete); values are typed but not yet validated."""
    application = _locked(application)
    require_applicant(actor, application, "save")
    if application.state not in EDITABLE_STATES:
        raise Conflict(_("Only a draft or an application returned for correction can be edited."), code="not_editable")
    application.form_data = forms.coerce(application.item_version.form_schema, hooks.guard_form(application, raw))
    application.updated_at = timezone.now()
    application.save(update_fields=["form_data", "updated_at"])
    return application


def upload_limit(material: Material) -> int:
    if material.max_bytes:
        return material.max_bytes
    limit: int = getattr(settings, "PENGCHENG_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_LIMIT)
    return limit


def attach(actor: MaybeActor, application: Application, material_key: str, upload: UploadedFile) -> Attachment:
    """Check and store an uploaded material: type, size, content and the virus scan. The file is
    checked before the transaction starts, so that a refusal (and its audit record) stands."""
    require_applicant(actor, application, "upload")
    material = application.item_version.materials.filter(key=material_key).first()
    if material is None or not material.accepts_upload:
        raise NotFound(_("This item asks for no such material."))
    limit = upload_limit(material)
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    accepted = [t.lower() for t in material.accepted_types] or ["pdf", "jpg", "jpeg", "png"]
    size = upload.size or 0
    # An oversized upload is refused without reading it into memory.
    data = b"" if size > limit else upload.read()
    problem = scanning.content_problem(name, data, accepted, limit, size=size)
    if problem is not None:
        raise ValidationFailed({material.key: [problem]}, message=problem)
    try:
        verdict = scanning.scanner().scan(data)
    except scanning.ScannerUnavailable as exc:
        raise DomainError(
            _("Files cannot be checked for viruses right now; please try again later."), code="scanner_unavailable"
        ) from exc
    if not verdict.clean:
        audit(
            actor,
            "applications.upload_refused",
            application,
            summary=f"{name}: {verdict.reason}",
            data={"scanner": verdict.scanner, "material": material.key},
        )
        raise ValidationFailed(
            {material.key: [_("The file was refused by the virus check (%(reason)s).") % {"reason": verdict.reason}]}
        )
    with transaction.atomic():
        _locked(application)
        if application.state not in EDITABLE_STATES:
            raise Conflict(_("Files can be added only to a draft or an application returned for correction."))
        Attachment.objects.filter(application=application, material=material, superseded=False).update(superseded=True)
        extension = scanning.extension_of(name)
        attachment = Attachment(
            application=application,
            material=material,
            original_name=name,
            content_type=scanning.CONTENT_TYPES.get(extension, "application/octet-stream"),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            scan_status=ScanStatus.CLEAN,
            scanner=verdict.scanner,
            uploaded_by=actor if isinstance(actor, User) else None,
        )
        attachment.file.save(name, ContentFile(data), save=False)
        attachment.save()
        audit(
            actor,
            "applications.upload",
            application,
            summary=f"{material.name}: {name}",
            data={"sha256": attachment.sha256},
        )
    return attachment


def missing_materials(application: Application) -> list[Material]:
    """Required materials not yet provided: no current upload and, for licences, no licence found."""
    uploaded = set(application.attachments.filter(superseded=False).values_list("material_id", flat=True))
    missing = []
    for material in application.item_version.materials.all():
        if not material.required or material.kind == MaterialKind.FORM or material.pk in uploaded:
            continue
        if material.kind == MaterialKind.LICENCE and hooks.licence_for(application, material):
            continue
        missing.append(material)
    return missing


def _check_complete(application: Application, raw: dict[str, Any] | None) -> None:
    version = application.item_version
    errors: dict[str, list[str]] = {}
    raw = hooks.guard_form(application, raw) if raw is not None else application.form_data
    data = forms.coerce(version.form_schema, raw)
    application.form_data = data
    errors.update(forms.validation_errors(version.form_schema, version.form_ui, data))
    for material in missing_materials(application):
        errors.setdefault(f"material:{material.key}", []).append(_("Upload “%(name)s”.") % {"name": material.name})
    if errors:
        raise ValidationFailed(errors, message=_("Some fields of the form need your attention."))


@transaction.atomic
def submit(
    actor: MaybeActor,
    application: Application,
    *,
    form_data: dict[str, Any] | None = None,
    intake_department: Department | None = None,
) -> Application:
    """Submit a draft, or resubmit after correction. Submitting twice is harmless: an application
    already submitted is returned unchanged."""
    application = _locked(application)
    require_applicant(actor, application, "submit")
    if application.state not in EDITABLE_STATES:
        if application.state == State.WITHDRAWN:
            raise Conflict(_("This application was withdrawn; start a new one."), code="illegal_transition")
        return application  # already submitted: a double submit changes nothing
    _check_complete(application, form_data)
    now = timezone.now()
    today = local_date(now)
    resubmission = application.state == State.CORRECTION
    data: dict[str, Any] = {}
    fields = ["form_data"]
    if resubmission:
        if application.paused_at is not None:
            application.paused_working_days += max(0, working_days_between(application.paused_at, now))
        if application.deadline is not None and application.days_left_when_paused is not None:
            application.deadline = deadline_after(today, application.days_left_when_paused, application.limit_unit)
        application.paused_at = None
        application.days_left_when_paused = None
        application.corrections = []
        fields += ["paused_working_days", "deadline", "paused_at", "days_left_when_paused", "corrections"]
        action = Action.RESUBMIT
    else:
        application.submitted_at = now
        application.handling_department = route(application.item, application.division)
        if intake_department is not None and intake_department.kind != DepartmentKind.SERVICE_CENTRE:
            raise ValidationFailed({"intake_department": [_("Choose a service hall.")]})
        application.intake_department = intake_department or default_hall(application.division)
        days, unit = application.item_version.deadline_limit
        application.limit_days, application.limit_unit = days, unit
        application.deadline = deadline_after(today, days, unit) if days else None
        fields += [
            "submitted_at",
            "handling_department",
            "intake_department",
            "limit_days",
            "limit_unit",
            "deadline",
        ]
        data = {
            "handling_department": application.handling_department.code,
            "intake_department": application.intake_department.code if application.intake_department else None,
            "deadline": application.deadline.isoformat() if application.deadline else None,
        }
        action = Action.SUBMIT
    _transition(application, action, actor, data=data, extra_fields=fields)
    decision = hooks.decide_at_submit(application)
    if decision is not None:
        _apply_decision(application, decision)
    return application


def _apply_decision(application: Application, decision: hooks.SubmitDecision) -> None:
    note = f"{decision.rule}: {decision.reason}" if decision.rule else decision.reason
    application.extensions = {**application.extensions, "submit_decision": vars(decision)}
    application.save(update_fields=["extensions"])
    if decision.outcome == "approve":
        _accept(application, SYSTEM, note=note)
        _review(application, SYSTEM)
        _decide(application, SYSTEM, Action.APPROVE, note=note)
    elif decision.outcome == "reject":
        _decide(application, SYSTEM, Action.REJECT, note=note)
    else:
        _event(application, Action.REFER, SYSTEM, note=note)


@transaction.atomic
def withdraw(actor: MaybeActor, application: Application, reason: str = "") -> Application:
    application = _locked(application)
    require_applicant(actor, application, "withdraw")
    application.closed_at = timezone.now()
    _transition(application, Action.WITHDRAW, actor, note=reason[:500], extra_fields=["closed_at"])
    return application


# The clerk's side -----------------------------------------------------------------------------------


def _accept(application: Application, actor: MaybeActor, *, note: str = "", hall: Department | None = None) -> None:
    application.accepted_at = timezone.now()
    fields = ["accepted_at"]
    data: dict[str, Any] = {}
    if hall is not None and hall.pk != application.intake_department_id:
        application.intake_department = hall
        fields.append("intake_department")
        data["received_at"] = hall.code
    _transition(
        application,
        Action.ACCEPT,
        actor,
        note=note,
        data=data,
        department=hall or _acting_department(actor, application),
        extra_fields=fields,
    )


def _review(application: Application, actor: MaybeActor) -> None:
    fields = []
    if application.assignee_id is None and isinstance(actor, User):
        application.assignee = actor
        fields.append("assignee")
    _transition(
        application, Action.REVIEW, actor, department=_acting_department(actor, application), extra_fields=fields
    )


def _decide(application: Application, actor: MaybeActor, action: str, *, note: str = "", result: str = "") -> None:
    now = timezone.now()
    application.decided_at = now
    if application.deadline is not None:
        application.on_time = local_date(now) <= application.deadline
    if application.submitted_at is not None:
        application.handling_working_days = max(
            0, working_days_between(application.submitted_at, now) - application.paused_working_days
        )
    fields = ["decided_at", "on_time", "handling_working_days"]
    if action == Action.REJECT:
        application.decision_reason = note
        fields.append("decision_reason")
    else:
        application.result = result or note
        fields.append("result")
    _transition(
        application, action, actor, note=note, department=_acting_department(actor, application), extra_fields=fields
    )
    if action == Action.APPROVE:
        hooks.after_approval(application)


@transaction.atomic
def accept(actor: MaybeActor, application: Application, note: str = "") -> Application:
    """受理. The handling department, the hall that received it, or (citywide items) any district hall."""
    application = _locked(application)
    hall = require_receiver(actor, application, "accept")
    _accept(application, actor, note=note[:500], hall=hall)
    return application


@transaction.atomic
def return_for_correction(
    actor: MaybeActor, application: Application, corrections: list[str], note: str = ""
) -> Application:
    """补正: send it back with the list of what to fix. The deadline clock stops until resubmission."""
    application = _locked(application)
    if application.state == State.SUBMITTED:
        require_receiver(actor, application, "return")
    else:
        require_handler(actor, application, "return")
    items = [c.strip()[:300] for c in corrections if c and c.strip()]
    if not items:
        raise ValidationFailed({"corrections": [_("List at least one thing to correct.")]})
    now = timezone.now()
    application.corrections = items
    application.paused_at = now
    application.days_left_when_paused = (
        days_left(application.deadline, application.limit_unit, local_date(now)) if application.deadline else None
    )
    _transition(
        application,
        Action.RETURN,
        actor,
        note="\n".join([note.strip()[:500], *items]).strip() if note.strip() else "\n".join(items),
        data={"corrections": items},
        department=_acting_department(actor, application),
        extra_fields=["corrections", "paused_at", "days_left_when_paused"],
    )
    return application


@transaction.atomic
def start_review(actor: MaybeActor, application: Application) -> Application:
    application = _locked(application)
    require_handler(actor, application, "review")
    _review(application, actor)
    return application


@transaction.atomic
def approve(actor: MaybeActor, application: Application, result: str = "") -> Application:
    application = _locked(application)
    require_handler(actor, application, "approve")
    _decide(application, actor, Action.APPROVE, note=result.strip()[:2000], result=result.strip()[:2000])
    return application


@transaction.atomic
def reject(actor: MaybeActor, application: Application, reason: str) -> Application:
    application = _locked(application)
    if application.state == State.SUBMITTED:
        require_receiver(actor, application, "reject")
    else:
        require_handler(actor, application, "reject")
    if not reason or not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason for the rejection.")]})
    _decide(application, actor, Action.REJECT, note=reason.strip()[:2000])
    return application


@transaction.atomic
def deliver(actor: MaybeActor, application: Application, note: str = "") -> Application:
    """办结: the result (licence, letter or payment) has reached the applicant."""
    application = _locked(application)
    require_handler(actor, application, "deliver")
    application.closed_at = timezone.now()
    _transition(
        application,
        Action.DELIVER,
        actor,
        note=note.strip()[:500],
        department=_acting_department(actor, application),
        extra_fields=["closed_at"],
    )
    return application


@transaction.atomic
def assign(actor: MaybeActor, application: Application, assignee: User | None = None) -> Application:
    """Take an application (``assignee`` None) or, for supervisors, give it to a colleague."""
    application = _locked(application)
    require_handler(actor, application, "assign")
    target = assignee or actor
    if not isinstance(target, User):
        raise ValidationFailed({"assignee": [_("Choose a member of staff.")]})
    if target != actor:
        scope = scope_of(actor)
        if not (scope.platform_wide or application.handling_department_id in scope.departments_with(Role.SUPERVISOR)):
            raise AccessDenied("applications.assign", target=application, reason="only a supervisor assigns to others")
        if not is_handler(target, application):
            raise ValidationFailed({"assignee": [_("That person does not handle this department's work.")]})
    if application.state in DECIDED_STATES or application.state == State.WITHDRAWN:
        raise Conflict(_("A closed application cannot be assigned."), code="illegal_transition")
    application.assignee = target
    application.save(update_fields=["assignee"])
    _event(application, Action.ASSIGN, actor, note=target.display_name, data={"assignee": target.username})
    return application


CLERK_ACTIONS = {
    Action.ACCEPT: accept,
    Action.REVIEW: start_review,
    Action.ASSIGN: assign,
}


@dataclass(frozen=True)
class BatchOutcome:
    number: str
    ok: bool
    message: str = ""


def batch(actor: Actor, numbers: Iterable[str], action: str) -> list[BatchOutcome]:
    """Apply one clerk action (accept, review or take) to many applications; each succeeds or fails
    on its own, and refusals are audited."""
    service = CLERK_ACTIONS.get(action)  # type: ignore[call-overload]
    if service is None:
        raise ValidationFailed({"action": [_("This action cannot be applied to several applications.")]})
    outcomes = []
    for number in dict.fromkeys(numbers):
        application = Application.objects.filter(number=number).first()
        if application is None:
            outcomes.append(BatchOutcome(number, False, _("No such application.")))
            continue
        try:
            service(actor, application)
        except AccessDenied as exc:
            audit(actor, "permission.denied", application, summary=f"{exc.action}: {exc.reason}"[:300])
            outcomes.append(BatchOutcome(number, False, _("Not allowed.")))
        except DomainError as exc:
            outcomes.append(BatchOutcome(number, False, str(exc.message)))
        else:
            outcomes.append(BatchOutcome(number, True))
    return outcomes


# Scheduled work -------------------------------------------------------------------------------------

WARN_WORKING_DAYS = 2


def _staff_of(department_id: int, role: str) -> list[User]:
    return list(User.objects.filter(positions__department_id=department_id, positions__role=role, is_active=True))


@transaction.atomic
def deadline_sweep(today: dt.date | None = None) -> dict[str, int]:
    """Warn handlers of applications due within two working days, and escalate overdue ones to the
    department's supervisors. Each application is warned and escalated once; staff get one digest
    per department."""
    today = today or timezone.localdate()
    horizon = add_working_days(today, WARN_WORKING_DAYS)
    open_states = [State.SUBMITTED, State.ACCEPTED, State.UNDER_REVIEW]
    due_soon = Application.objects.filter(
        state__in=open_states, deadline__gte=today, deadline__lte=horizon, warned_on__isnull=True
    ).select_related("item_version")
    overdue = Application.objects.filter(
        state__in=open_states, deadline__lt=today, escalated_on__isnull=True
    ).select_related("item_version")
    counts = {"warned": 0, "escalated": 0}
    with translation.override(settings.LANGUAGE_CODE):
        for queryset, role, action, field, key, subject in (
            (due_soon, Role.CLERK, Action.WARN, "warned_on", "warned", _("Applications due soon")),
            (overdue, Role.SUPERVISOR, Action.ESCALATE, "escalated_on", "escalated", _("Overdue applications")),
        ):
            by_department: dict[int, list[Application]] = {}
            for application in queryset.order_by("deadline")[:5000]:
                by_department.setdefault(application.handling_department_id or 0, []).append(application)
            for department_id, applications in by_department.items():
                lines = [f"{a.number} {a.item_version.name} {a.deadline:%Y-%m-%d}" for a in applications[:20]]
                if len(applications) > 20:
                    lines.append(_("… and %(n)s more") % {"n": len(applications) - 20})
                recipients = {a.assignee for a in applications if a.assignee is not None and role == Role.CLERK}
                recipients |= set(_staff_of(department_id, role))
                for user in recipients:
                    notify(
                        user,
                        subject=f"{subject}: {len(applications)}",
                        body="\n".join(lines),
                        url=reverse("applications:queue") + ("?view=overdue" if key == "escalated" else "?due=soon"),
                        category="application_deadline",
                        channels=("inbox",),
                    )
                for application in applications:
                    _event(application, action, SYSTEM, note=f"{application.deadline:%Y-%m-%d}")
                Application.objects.filter(pk__in=[a.pk for a in applications]).update(**{field: today})
                counts[key] += len(applications)
    return counts
