"""Supervisor pages: the overview with CSV export, the SLA-breach list, the routing table and time
limits, and the bulk import of historical tickets."""

from __future__ import annotations

import csv
import datetime as dt
import secrets
from pathlib import Path
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pengcheng.core.console_views import staff_required
from pengcheng.core.errors import NotFound, ValidationFailed
from pengcheng.hotline import access, deadlines, importer, services, stats
from pengcheng.hotline.forms import CategoryField
from pengcheng.hotline.models import ImportBatch, RequestType, RoutingRule, Status, TimeLimit
from pengcheng.hotline.selectors import department_choices


def _dates(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = end - dt.timedelta(days=29)
    return start, end


def _overview(request: HttpRequest) -> stats.Overview:
    start, end = _dates(request)
    return stats.overview(request.user, start, end, request.GET.get("by", "department"))


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    try:
        data = _overview(request)
    except ValidationFailed as exc:
        for problems in exc.field_errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect("hotline:stats")
    if request.method == "POST" and access.hotline_scope(request.user).centre_supervisor:
        stats.refresh()
        messages.success(request, _("Figures refreshed."))
        return redirect(request.get_full_path())
    widest = max((row.get("received") for row in data.rows), default=0)
    return render(
        request,
        "hotline/console/stats.html",
        {
            "data": data,
            "widest": widest or 1,
            "dimensions": [
                ("department", _("Department")),
                ("district", _("District")),
                ("category", _("Category")),
                ("type", _("Type")),
                ("day", _("Day")),
            ],
            "breach_count": stats.breaches(request.user).count(),
            "can_refresh": access.hotline_scope(request.user).centre_supervisor,
        },
    )


class Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(filename: str, header: list[str], rows: Any) -> StreamingHttpResponse:
    writer = csv.writer(Echo())

    def lines() -> Any:
        yield "\ufeff"  # so that spreadsheet programs read UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


@login_required
def overview_csv(request: HttpRequest) -> HttpResponseBase:
    data = _overview(request)
    header = [
        data.dimension,
        "received",
        "dispatched",
        "accepted",
        "accepted_on_time",
        "accept_on_time_rate",
        "closed",
        "closed_on_time",
        "close_on_time_rate",
        "rated",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
        "satisfaction_rate",
        "dispatches",
        "refused",
        "refusal_rate",
        "reopened",
    ]

    def rows() -> Any:
        for row in [*data.rows, data.total]:
            yield [
                row.label,
                row.get("received"),
                row.get("dispatched"),
                row.get("accepted"),
                row.get("accepted_on_time"),
                _rate(row.accept_rate),
                row.get("closed"),
                row.get("closed_on_time"),
                _rate(row.close_rate),
                row.get("rated"),
                row.get("satisfied"),
                row.get("basically_satisfied"),
                row.get("unsatisfied"),
                _rate(row.satisfaction),
                row.get("dispatches"),
                row.get("refused"),
                _rate(row.refusal_rate),
                row.get("reopened"),
            ]

    name = f"hotline-{data.dimension}-{data.start:%Y%m%d}-{data.end:%Y%m%d}.csv"
    return _csv_response(name, header, rows())


@login_required
def breaches(request: HttpRequest) -> HttpResponseBase:
    tickets = stats.breaches(request.user)
    if request.GET.get("format") == "csv":
        now = timezone.now()

        def rows() -> Any:
            for t in tickets.iterator(chunk_size=2000):
                due = (
                    t.accept_due
                    if t.status == Status.DISPATCHED and t.accept_due and t.accept_due < now
                    else t.handle_due
                )
                yield [
                    t.number,
                    t.title,
                    t.get_request_type_display(),
                    t.lead_department.name if t.lead_department else "",
                    t.get_status_display(),
                    timezone.localtime(t.accept_due).isoformat() if t.accept_due else "",
                    timezone.localtime(t.handle_due).isoformat() if t.handle_due else "",
                    round((now - due).total_seconds() / 3600, 1) if due else "",
                    "1" if t.supervised else "0",
                ]

        header = [
            "number",
            "subject",
            "type",
            "lead_department",
            "status",
            "accept_due",
            "handle_due",
            "hours_overdue",
            "supervised",
        ]
        return _csv_response("hotline-sla-breaches.csv", header, rows())
    page = Paginator(tickets, 50).get_page(request.GET.get("page"))
    return render(request, "hotline/console/breaches.html", {"page": page, "now": timezone.now()})


# Routing table and time limits ------------------------------------------------------------------------


class RuleForm(forms.ModelForm):
    category = CategoryField(
        label=gettext_lazy("Category"),
        required=False,
        widget=forms.TextInput(attrs={"list": "hotline-categories"}),
        help_text=gettext_lazy("Empty: any category. A first- or second-level category covers everything under it."),
    )

    class Meta:
        model = RoutingRule
        fields = ["division_prefix", "department", "assisting", "auto_dispatch", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = department_choices()
        cast(forms.ModelMultipleChoiceField, self.fields["assisting"]).queryset = department_choices()
        self.fields["assisting"].required = False


class LimitForm(forms.ModelForm):
    category = CategoryField(
        label=gettext_lazy("Category"), required=False, widget=forms.TextInput(attrs={"list": "hotline-categories"})
    )

    class Meta:
        model = TimeLimit
        fields = ["request_type", "urgency", "accept_minutes", "handle_amount", "handle_unit", "note"]


@staff_required
@require_http_methods(["GET", "POST"])
def routing_table(request: HttpRequest) -> HttpResponse:
    scope = access.hotline_scope(request.user)
    can_edit = scope.centre_supervisor
    if not (can_edit or scope.dispatcher):
        stats.require_overview(request.user)
    rule_form = RuleForm(request.POST if request.POST.get("form") == "rule" else None, prefix="rule")
    limit_form = LimitForm(request.POST if request.POST.get("form") == "limit" else None, prefix="limit")
    if request.method == "POST":
        for model, key in ((RoutingRule, "delete_rule"), (TimeLimit, "delete_limit")):
            if request.POST.get(key):
                services.delete_routing_entry(request.user, model, request.POST[key])
                messages.success(request, _("Deleted."))
                return redirect("hotline:routing")
        access.require_centre_supervisor(request.user, "routing.edit")
        form = rule_form if request.POST.get("form") == "rule" else limit_form
        if form.is_valid():
            item = form.save(commit=False)
            item.category = form.cleaned_data["category"]
            services.save_routing_entry(request.user, item, form.save_m2m)
            messages.success(request, _("Saved."))
            return redirect("hotline:routing")
    from pengcheng.hotline.views import category_options

    return render(
        request,
        "hotline/console/routing.html",
        {
            "rules": RoutingRule.objects.select_related("category", "department").prefetch_related("assisting"),
            "limits": TimeLimit.objects.select_related("category").order_by("request_type", "urgency"),
            "defaults": [(RequestType(t).label, limit) for t, limit in deadlines.DEFAULT_LIMITS.items()],
            "rule_form": rule_form,
            "limit_form": limit_form,
            "can_edit": can_edit,
            "categories": category_options() if can_edit else [],
        },
    )


# Import ---------------------------------------------------------------------------------------------


UPLOAD_DIR = "hotline/imports"


@staff_required
@require_http_methods(["GET", "POST"])
def import_tickets(request: HttpRequest) -> HttpResponse:
    """Step 1: upload a file; step 2: check the column mapping and import. The upload is kept in the
    data directory between the two steps. Bad rows are listed with their reasons afterwards."""
    access.require_centre_supervisor(request.user, "import")
    context: dict[str, Any] = {
        "targets": importer.TARGETS,
        "presets": list(importer.PRESETS),
        "types": RequestType.choices,
    }
    if request.method == "POST":
        try:
            upload = request.FILES.get("file")
            if upload is not None:
                stored = default_storage.save(
                    f"{UPLOAD_DIR}/{secrets.token_hex(8)}-{Path(upload.name or 'file').name}", upload
                )
            else:
                stored = request.POST.get("stored", "")
                if not stored.startswith(UPLOAD_DIR + "/") or ".." in stored or not default_storage.exists(stored):
                    raise ValidationFailed({"file": [_("Choose a file to upload.")]})
            original = stored.split("/", 2)[-1].split("-", 1)[-1]
            with default_storage.open(stored, "rb") as handle:
                headers, _rows, _total = importer.read_table(original, handle)
            mapping = {t: request.POST.get(f"map_{t}", "") for t in importer.TARGETS}
            mapping = {t: c for t, c in mapping.items() if c}
            if upload is not None or not mapping:
                mapping = importer.mapping_for(headers, request.POST.get("preset") or importer.detect_preset(headers))
            if upload is None and request.POST.get("run") == "1":
                with default_storage.open(stored, "rb") as handle:
                    result = importer.run_import(
                        request.user,
                        original,
                        handle,
                        importer.ImportOptions(
                            mapping=mapping, default_type=request.POST.get("default_type", RequestType.COMPLAINT)
                        ),
                    )
                default_storage.delete(stored)
                messages.success(
                    request,
                    _("%(ok)s tickets imported, %(bad)s bad rows.") % {"ok": result.imported, "bad": result.bad},
                )
                return redirect("hotline:import-batch", pk=result.batch.pk if result.batch else 0)
            context.update({"headers": headers, "mapping": mapping, "file_name": original, "stored": stored})
        except ValidationFailed as exc:
            for problems in exc.field_errors.values():
                for problem in problems:
                    messages.error(request, problem)
    context["batches"] = ImportBatch.objects.all()[:20]
    return render(request, "hotline/console/import.html", context)


@staff_required
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_centre_supervisor(request.user, "import")
    batch = ImportBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise NotFound(_("No such import."))
    if request.GET.get("format") == "csv":
        response = HttpResponse(importer.errors_csv(batch.errors), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
        return response
    return render(request, "hotline/console/import_batch.html", {"batch": batch})
