"""Application pages: the applicant's form, list and timeline; the clerk queue; operator metrics."""

from __future__ import annotations

import contextlib
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pengcheng.applications import hooks, licensing, selectors, services
from pengcheng.applications.models import Action, Application, Attachment, State
from pengcheng.catalog import forms
from pengcheng.catalog.models import Channel, MaterialKind
from pengcheng.catalog.selectors import item_by_code
from pengcheng.core.console_views import staff_required
from pengcheng.core.errors import NotFound, ValidationFailed
from pengcheng.core.models import Department, DepartmentKind, User
from pengcheng.core.permissions import scope_of
from pengcheng.core.selectors import acting_company


def service_halls() -> list[Department]:
    return list(Department.objects.filter(kind=DepartmentKind.SERVICE_CENTRE, is_active=True).order_by("code"))


# Applicant ------------------------------------------------------------------------------------------


@login_required
@require_POST
def start(request: HttpRequest, code: str) -> HttpResponse:
    item = item_by_code(code, request.user)
    channel = request.POST.get("channel", Channel.ONLINE)
    application = services.start(request.user, item, company=acting_company(request), channel=channel)
    return redirect("applications:edit", number=application.number)


def verified_fields(application: Application) -> list[tuple[str, str]]:
    """(field label, source) of the values pre-filled from a registry and verified (秒报)."""
    notes = hooks.form_notes(application)
    if not notes.verified:
        return []
    version = application.item_version
    groups = forms.build_form(version.form_schema, version.form_ui, application.form_data)
    return [(f.label, notes.verified[f.name]) for g in groups for f in g.fields if f.name in notes.verified]


def form_context(
    application: Application, data: dict[str, Any], errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    version = application.item_version
    errors = errors or {}
    current = {a.material_id: a for a in selectors.current_attachments(application)}
    licences = licensing.licence_choices(application)
    materials = []
    for material in version.materials.all():
        materials.append(
            {
                "material": material,
                "attachment": current.get(material.pk),
                "licence": licences.get(material.pk),
                "errors": errors.get(material.key, []) + errors.get(f"material:{material.key}", []),
                "limit_mb": round(services.upload_limit(material) / 1048576),
                "accept": ",".join(f".{t}" for t in material.accepted_types),
                "is_form": material.kind == MaterialKind.FORM,
            }
        )
    error_count = sum(len(v) for v in errors.values())
    notes = hooks.form_notes(application)
    return {
        "application": application,
        "version": version,
        "groups": forms.build_form(
            version.form_schema, version.form_ui, data, errors, verified=notes.verified, notes=notes.notes
        ),
        "form_notes": notes,
        "materials": materials,
        "errors": errors,
        "error_count": error_count,
        "general_errors": errors.get("__all__", []),
        "halls": service_halls(),
    }


def _keep_typed(request: HttpRequest, application: Application) -> None:
    """Save what was typed as a draft; values the form may not take (a changed verified value) are not."""
    with contextlib.suppress(ValidationFailed):
        services.save_form(request.user, application, request.POST)


def handle_form_post(
    request: HttpRequest, application: Application, default_hall: str = ""
) -> tuple[Application | None, dict[str, list[str]]]:
    """Save the form and any files; submit when asked. Returns (submitted application, errors)."""
    errors: dict[str, list[str]] = {}
    submitting = "submit" in request.POST
    if not submitting:
        try:
            services.save_form(request.user, application, request.POST)
        except ValidationFailed as exc:  # e.g. a changed verified (pre-filled) value
            return None, exc.field_errors
    if request.POST.get("use_licence"):
        try:
            licensing.use_licence(request.user, application, request.POST["use_licence"])
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
        return None, errors
    for key in request.FILES:
        upload = request.FILES.get(key)
        if not key.startswith("file-") or upload is None:
            continue
        try:
            services.attach(request.user, application, key.removeprefix("file-"), upload)
        except ValidationFailed as exc:
            for field, messages_ in exc.field_errors.items():
                errors.setdefault(field, []).extend(messages_)
    if errors:
        _keep_typed(request, application)
    if errors or not submitting:
        return None, errors
    hall_code = request.POST.get("intake", "") or default_hall
    hall = Department.objects.filter(code=hall_code).first() if hall_code else None
    try:
        submitted = services.submit(request.user, application, form_data=request.POST, intake_department=hall)
    except ValidationFailed as exc:
        _keep_typed(request, application)  # the refused submission keeps what was typed
        return None, exc.field_errors
    return submitted, {}


@login_required
def edit(request: HttpRequest, number: str) -> HttpResponse:
    application = selectors.for_applicant(request.user, number)
    if not application.is_editable:
        return redirect("applications:detail", number=number)
    if request.method == "GET" and (gate := hooks.edit_gate(application)):
        return redirect(gate)  # e.g. the pre-fill consent screen comes before the form
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        submitted, errors = handle_form_post(request, application)
        if submitted is not None:
            messages.success(request, _("Your application %(number)s was submitted.") % {"number": number})
            return redirect("applications:detail", number=number)
        if not errors:
            messages.success(request, _("Your draft was saved."))
            return redirect("applications:edit", number=number)
        application.refresh_from_db()
    context = form_context(application, application.form_data, errors)
    return render(request, "applications/edit.html", context, status=422 if errors else 200)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    page = Paginator(selectors.my_applications(user), 20).get_page(request.GET.get("page"))
    return render(request, "applications/mine.html", {"page": page})


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    application = selectors.for_applicant(request.user, number)
    version = application.item_version
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "events": selectors.timeline(application),
            "summary": forms.summary(version.form_schema, version.form_ui, application.form_data),
            "verified_fields": verified_fields(application),
            "attachments": selectors.current_attachments(application),
            "licences": [c for c in licensing.licence_choices(application).values() if c.use],
            "row": selectors.queue_rows([application])[0],
            "can_withdraw": application.state in services.TRANSITIONS[Action.WITHDRAW][0],
        },
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    application = selectors.for_applicant(request.user, number)
    services.withdraw(request.user, application, request.POST.get("reason", ""))
    messages.success(request, _("The application was withdrawn."))
    return redirect("applications:detail", number=number)


@login_required
def download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """A stored material, for its applicant or a member of staff who may see the application."""
    if scope_of(request.user).roles:
        application = selectors.for_staff(request.user, number)
    else:
        application = selectors.for_applicant(request.user, number)
    attachment = Attachment.objects.filter(application=application, pk=pk).first()
    if attachment is None:
        raise NotFound(_("No such file."))
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# Clerk ----------------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.QueueFilters:
    return selectors.QueueFilters(
        view=request.GET.get("view", "open"),
        state=request.GET.get("state", ""),
        q=request.GET.get("q", ""),
        due=request.GET.get("due", ""),
        sort=request.GET.get("sort", "deadline"),
    )


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    ids = selectors.work_queue(request.user, filters).values_list("pk", flat=True)
    page = Paginator(ids, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/queue.html",
        {
            "page": page,
            "rows": selectors.queue_rows(selectors.queue_page(list(page.object_list))),
            "filters": filters,
            "views": [
                ("open", _("In progress")),
                ("mine", _("Assigned to me")),
                ("overdue", _("Overdue")),
                ("correction", _("Waiting for corrections")),
                ("closed", _("Closed")),
                ("all", _("All")),
            ],
            "states": State.choices,
            "departments": selectors.staff_scope_summary(request.user),
            "is_supervisor": "supervisor" in scope_of(request.user).roles or scope_of(request.user).platform_wide,
        },
    )


@staff_required
@require_POST
def batch(request: HttpRequest) -> HttpResponse:
    numbers = request.POST.getlist("numbers")
    action = request.POST.get("action", "")
    if not numbers:
        messages.error(request, _("Select at least one application."))
    else:
        outcomes = services.batch(request.user, numbers, action)  # type: ignore[arg-type]
        done = [o.number for o in outcomes if o.ok]
        if done:
            messages.success(request, _("Done for %(n)s application(s).") % {"n": len(done)})
        for outcome in outcomes:
            if not outcome.ok:
                messages.error(request, f"{outcome.number}: {outcome.message}")
    return redirect(request.POST.get("back") or "applications:queue")


@staff_required
def lookup(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("number", "").strip()
    application = selectors.citywide_lookup(request.user, number) if number else None
    if application is None:
        messages.error(
            request, _("No submitted application %(number)s that this hall may receive.") % {"number": number}
        )
        return redirect("applications:queue")
    return redirect("applications:handle", number=application.number)


@staff_required
def handle(request: HttpRequest, number: str) -> HttpResponse:
    application = selectors.for_staff(request.user, number)
    version = application.item_version
    handler = services.is_handler(request.user, application)
    state = application.state
    actions = {
        "accept": state == State.SUBMITTED,
        "return": state in services.TRANSITIONS[Action.RETURN][0] and (handler or state == State.SUBMITTED),
        "review": state == State.ACCEPTED and handler,
        "approve": state == State.UNDER_REVIEW and handler,
        "reject": state in services.TRANSITIONS[Action.REJECT][0] and (handler or state == State.SUBMITTED),
        "deliver": state in (State.APPROVED, State.REJECTED) and handler,
        "assign": application.is_open and handler,
    }
    return render(
        request,
        "applications/handle.html",
        {
            "application": application,
            "row": selectors.queue_rows([application])[0],
            "events": selectors.timeline(application),
            "summary": forms.summary(version.form_schema, version.form_ui, application.form_data),
            "verified_fields": verified_fields(application),
            "attachments": selectors.current_attachments(application),
            "licences": [c for c in licensing.licence_choices(application).values() if c.use],
            "missing": services.missing_materials(application),
            "actions": actions,
            "any_action": any(actions.values()),
        },
    )


@staff_required
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    application = Application.objects.filter(number=number).first()
    if application is None:
        raise NotFound(_("No such application."))
    actor = request.user
    note = request.POST.get("note", "")
    if action == "accept":
        services.accept(actor, application, note)
    elif action == "return":
        services.return_for_correction(actor, application, request.POST.get("corrections", "").splitlines(), note)
    elif action == "review":
        services.start_review(actor, application)
    elif action == "approve":
        services.approve(actor, application, note)
    elif action == "reject":
        services.reject(actor, application, note)
    elif action == "deliver":
        services.deliver(actor, application, note)
    elif action == "assign":
        services.assign(actor, application)
    else:
        raise NotFound(_("No such action."))
    messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
    return redirect("applications:handle", number=number)


@staff_required
def overdue(request: HttpRequest) -> HttpResponse:
    rows = selectors.supervisor_overdue(request.user)
    filters = selectors.QueueFilters(view="overdue", sort="deadline")
    ids = selectors.work_queue(request.user, filters).values_list("pk", flat=True)
    page = Paginator(ids, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/overdue.html",
        {"summary": rows, "page": page, "rows": selectors.queue_rows(selectors.queue_page(list(page.object_list)))},
    )


@staff_required
def metrics(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/metrics.html", {"m": selectors.metrics(request.user)})
